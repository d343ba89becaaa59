#!/usr/bin/env bats
# Faults: no leaked descriptor or zombie after many clients, no spinning
# on a peer that stops reading, nothing lost across SIGSTOP/SIGCONT or a
# storm of SIGCHLD.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

# fds PID: how many descriptors the process has open.
fds() {
	ls /proc/"$1"/fd | wc -l
}

# cpu_ticks PID: user + system time so far, in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' /proc/"$1"/stat
}

@test "serve -k: 500 clients (reset, half-closed, idle) leave no descriptor behind" {
	bg srv "$SOCKCAT" serve -k -v 127.0.0.1 0
	listen_port srv
	base=$(fds "$srv_pid")
	run timeout 120 python3 -c '
import socket, struct, sys, time
port = int(sys.argv[1])
for i in range(500):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    kind = i % 3
    s.sendall(b"c%d\n" % i)
    if kind == 0:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    elif kind == 1:
        s.shutdown(socket.SHUT_WR)
        s.recv(1)
    else:
        time.sleep(0.001)
    s.close()
print("done")' "$port"
	[ "$status" -eq 0 ]
	poll_until lines_at_least 500 disconnected "$T/srv.err"
	[ "$(grep -c disconnected "$T/srv.err")" -eq 500 ]
	[ "$(fds "$srv_pid")" -eq "$base" ]
	[ -z "$(ps --ppid "$srv_pid" -o pid=)" ]
	still_running "$srv_pid"
}

@test "serve -k -e: 100 clients leave no descriptor and no zombie" {
	bg srv "$SOCKCAT" serve -k -v -e 'read -r x; echo "$x"' 127.0.0.1 0
	listen_port srv
	base=$(fds "$srv_pid")
	for i in $(seq 100); do
		echo "c$i" | timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port" >/dev/null
	done
	poll_until lines_at_least 100 'ended with status' "$T/srv.err"
	[ "$(fds "$srv_pid")" -eq "$base" ]
	[ -z "$(ps --ppid "$srv_pid" -o pid=)" ]
}

@test "a peer that stops reading: sockcat waits without spinning" {
	head -c 50000000 /dev/zero >"$T/big"
	bg peer python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); time.sleep(30)'
	wait_for "$T/peer.out" '^[0-9]+$'
	bg sock -i "$T/big" "$SOCKCAT" connect 127.0.0.1 "$(head -1 "$T/peer.out")"
	# Let the buffers fill, then measure 2 s of waiting.
	sleep 1
	a=$(cpu_ticks "$sock_pid")
	sleep 2
	b=$(cpu_ticks "$sock_pid")
	still_running "$sock_pid"
	# At most 0.1 s of CPU in 2 s (100 ticks a second).
	[ $((b - a)) -le 10 ]
}

@test "SIGSTOP and SIGCONT in the middle of a transfer lose nothing" {
	head -c 20971520 /dev/urandom >"$T/up"
	# A slow reader, so that the stops land mid-transfer.
	bg peer python3 "$TESTS/peer.py" --listen "$T/port" --after-send hold --hold-secs 0 --recv "$T/rec" --slow
	wait_file "$T/port"
	bg sock -i "$T/up" "$SOCKCAT" connect 127.0.0.1 "$(cat "$T/port")"
	for i in 1 2 3; do
		kill -STOP "$sock_pid" 2>/dev/null || break
		sleep 0.2
		kill -CONT "$sock_pid"
		sleep 0.1
	done
	wait_file "$T/rec.done"
	cmp "$T/up" "$T/rec"
	wait_exit "$sock_pid"
	[ "$status" -eq 0 ]
}

@test "a storm of SIGCHLD during a transfer: nothing lost, no EINTR error" {
	head -c 30000000 /dev/urandom >"$T/up"
	bg peer python3 "$TESTS/peer.py" --listen "$T/port" --after-send hold --hold-secs 0 --recv "$T/rec" --slow
	wait_file "$T/port"
	bg sock -i "$T/up" "$SOCKCAT" connect 127.0.0.1 "$(cat "$T/port")"
	for i in $(seq 200); do
		kill -CHLD "$sock_pid" 2>/dev/null || break
	done
	wait_file "$T/rec.done"
	cmp "$T/up" "$T/rec"
	wait_exit "$sock_pid"
	[ "$status" -eq 0 ]
	[ ! -s "$T/sock.err" ]
}

@test "serve -k -e: children ending during a long -e transfer do not disturb it" {
	bg srv2 "$SOCKCAT" serve -k -v -e 'cat' 127.0.0.1 0
	listen_port srv2
	head -c 20000000 /dev/urandom >"$T/up"
	bg long -i "$T/up" "$SOCKCAT" connect 127.0.0.1 "$port"
	for i in $(seq 30); do
		echo "short $i" | timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port" >/dev/null
	done
	wait_exit "$long_pid"
	[ "$status" -eq 0 ]
	cmp "$T/up" "$T/long.out"
}

@test "small fragments from the peer and a stdout that stops reading: no spinning" {
	# A private pipe's slots fill with small pieces long before its byte
	# count says full; the relay must then wait for stdout, not poll a
	# readable socket in a loop.  stdout is a unix socket (spliced through
	# a private pipe) whose reader sleeps.
	bg peer python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
c.settimeout(0.5)
end = time.time() + 20
while time.time() < end:
    try:
        c.send(b"x" * 50)
    except OSError:
        time.sleep(0.05)
    time.sleep(0.0005)'
	wait_for "$T/peer.out" '^[0-9]+$'
	bg sock python3 -c '
import socket, subprocess, sys, time
a, b = socket.socketpair()
p = subprocess.Popen(sys.argv[1:], stdout=b, stdin=subprocess.DEVNULL)
b.close()
print(p.pid, flush=True)
time.sleep(30)
p.kill()' "$SOCKCAT" connect -d 127.0.0.1 "$(head -1 "$T/peer.out")"
	wait_for "$T/sock.out" '^[0-9]+$'
	pid=$(head -1 "$T/sock.out")
	BG_PIDS+=("$pid")
	sleep 2
	a=$(cpu_ticks "$pid")
	sleep 2
	b=$(cpu_ticks "$pid")
	still_running "$pid"
	[ $((b - a)) -le 20 ] || { echo "sockcat used $((b - a)) ticks in 2 s" >&2; false; }
}
