#!/usr/bin/env bats
# connect: addresses tried in turn, -w, -s/--source-port, -v lines,
# errors, unix sockets, -z, and data against real peers.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

@test "connect relays both ways with a python peer" {
	printf 'hello from the peer\n' >"$T/down"
	printf 'hello from sockcat\n' >"$T/up"
	py_listen peer --send "$T/down" --after-send shut --recv "$T/rec"
	sc 0 connect 127.0.0.1 "$port" <"$T/up"
	[ "$out" = "hello from the peer" ]
	wait_file "$T/rec.done"
	cmp "$T/up" "$T/rec"
}

@test "connect to nc.openbsd, ncat and socat listeners" {
	printf 'ping\n' >"$T/up"
	for tool in nc ncat socat; do
		rm -f "$T/$tool.out"
		bg srv "$SOCKCAT" serve -v 127.0.0.1 0 </dev/null
		listen_port srv
		kill "$srv_pid"; wait "$srv_pid" || true
		case $tool in
		# Receive-only listeners: what each does at its own stdin's
		# EOF (some close before reading) is not under test here.
		nc)	bg "$tool" -i /dev/null nc.openbsd -d -l 127.0.0.1 "$port" ;;
		ncat)	bg "$tool" -i /dev/null ncat -l --recv-only 127.0.0.1 "$port" ;;
		socat)	bg "$tool" socat -u TCP-LISTEN:"$port",bind=127.0.0.1,reuseaddr STDOUT ;;
		esac
		# The listener is up once a connect succeeds; retry briefly.
		for i in $(seq 50); do
			timeout 5 "$SOCKCAT" connect 127.0.0.1 "$port" <"$T/up" 2>/dev/null && break
			sleep 0.05
		done
		wait_for "$T/$tool.out" '^ping$'
	done
}

@test "a refused connection exits 1 naming address and port" {
	bg srv "$SOCKCAT" serve -v 127.0.0.1 0 </dev/null
	listen_port srv
	kill "$srv_pid"
	wait "$srv_pid" || true
	sc 1 connect 127.0.0.1 "$port" </dev/null
	one_error_line "^sockcat: connect 127.0.0.1 port $port: Connection refused$"
	[ -z "$out" ]
}

@test "every address is tried in order; -v names each failure" {
	# '' is 0.0.0.0 then ::; only ::1 listens, so the first fails.
	bg peer python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.bind(("::1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(20); c, _ = s.accept(); c.sendall(b"over v6\n"); c.close()'
	wait_for "$T/peer.out" '^[0-9]+$'
	port=$(cat "$T/peer.out")
	sc 0 connect -v -d '' "$port"
	[ "$out" = "over v6" ]
	grep -q "^sockcat: connect 0.0.0.0 port $port: Connection refused$" <<<"$err"
	grep -q "^sockcat: connected to ::1 port $port$" <<<"$err"
	grep -q "^sockcat: sent 0 bytes, received 8 bytes$" <<<"$err"
}

@test "-w bounds a connection attempt that gets no answer" {
	# A listener whose accept queue is full drops further SYNs.
	bg full python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
cs = []
for i in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(s.getsockname())
    except BlockingIOError: pass
    cs.append(c)
print(s.getsockname()[1], flush=True); time.sleep(20)'
	wait_for "$T/full.out" '^[0-9]+$'
	port=$(cat "$T/full.out")
	sc 1 connect -w 0.5 127.0.0.1 "$port" </dev/null
	one_error_line "^sockcat: connect 127.0.0.1 port $port: Connection timed out$"
	# Above 1000 seconds too (poll(2) waits 10^6 ms at most at a time):
	# faketime runs the clock and the waits 500 times as fast, and the
	# attempt must last the whole 1200 faked seconds.
	# (An ASan build will not take libfaketime's LD_PRELOAD before its
	# own runtime: check-sanitize's plain build runs this part.)
	command -v faketime
	run timeout 30 faketime -f '+0 x500' sh -c \
		'a=$(date +%s); "$1" connect -w 1200 127.0.0.1 "$2" </dev/null 2>/dev/null; s=$?; echo "$s $(( $(date +%s) - a ))"' \
		sh "${SOCKCAT_PLAIN:-$SOCKCAT}" "$port"
	[ "${output%% *}" -eq 1 ]
	[ "${output#* }" -ge 1150 ] || { echo "timed out after ${output#* } faked seconds" >&2; false; }
}

@test "--source and --source-port bind before connecting" {
	bg peer python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(20); c, a = s.accept(); c.sendall(("%s %d\n" % a).encode()); c.close()'
	wait_for "$T/peer.out" '^[0-9]+$'
	port=$(cat "$T/peer.out")
	# A free source port: one the kernel just gave a listener.
	bg free "$SOCKCAT" serve -v 127.0.0.1 0 </dev/null
	listen_port free
	kill "$free_pid"; wait "$free_pid" || true
	sc 0 connect -d -s 127.0.0.1 --source-port "$port" 127.0.0.1 "$(head -1 "$T/peer.out")"
	[ "$out" = "127.0.0.1 $port" ]
}

@test "a source that cannot be bound is named as the culprit, not the connection" {
	# 192.0.2.99 (TEST-NET-1) is no address of this host: bind(2)
	# refuses it, and nothing is sent anywhere.
	sc 1 connect -s 192.0.2.99 127.0.0.1 9
	one_error_line "^sockcat: connect: --source 192\.0\.2\.99: Cannot assign requested address$"
	sc 1 udp-send -s 192.0.2.99 -m x 127.0.0.1 9
	one_error_line "^sockcat: udp-send: --source 192\.0\.2\.99: Cannot assign requested address$"
	# A port a listener holds.
	bg busy "$SOCKCAT" serve -v 127.0.0.1 0 </dev/null
	listen_port busy
	sc 1 connect --source-port "$port" 127.0.0.1 9
	one_error_line "^sockcat: connect: --source-port $port: Address already in use$"
}

@test "a source with no address is one line naming --source (connect, connect -u, udp-send); one of the other family only skips that address" {
	printf '127.0.0.1 localhost v4only\n::1 localhost\nfd00::1 v6only\n' >"$T/hosts"
	cat >"$T/ns.sh" <<'EOF'
for c in connect "connect -u" "udp-send -m x" "connect -v"; do
	$S $c -s nosuch 127.0.0.1 9 </dev/null 2>&1 | sed 's/: [^:]*$//'
	echo "status ${PIPESTATUS[0]}"
done
$S connect -v -s v4only localhost 9 </dev/null 2>&1 || echo "status $?"
# An address of one family keeps HOST to it, and a lookup that finds
# none says why.
$S connect -s fd00::1 v4only 9 </dev/null 2>&1 | grep -o ' (IPv6 addresses only: --source fd00::1)$' || true
EOF
	run netns "$T/ns.sh"
	printf '%s\n' "$output"
	[ "$output" = "$(printf '%s\n' \
		"sockcat: connect: --source nosuch" "status 1" \
		"sockcat: connect: --source nosuch" "status 1" \
		"sockcat: udp-send: --source nosuch" "status 1" \
		"sockcat: connect: --source nosuch" "status 1" \
		"sockcat: trying ::1 port 9" \
		"sockcat: connect ::1 port 9: Address family not supported by protocol" \
		"sockcat: trying 127.0.0.1 port 9" \
		"sockcat: connect 127.0.0.1 port 9: Connection refused" \
		"sockcat: connect localhost port 9: Connection refused" \
		"status 1" \
		" (IPv6 addresses only: --source fd00::1)")" ]
}

@test "an unknown host exits 1 naming it" {
	OFFLINE=1 sc 1 connect nosuch.invalid 80 </dev/null
	one_error_line "^sockcat: connect nosuch.invalid port 80: "
}

@test "a peer reset: data before it is written, then exit 1" {
	printf 'before the reset\n' >"$T/down"
	# The reset comes once sockcat has written the data: a kernel may
	# drop unread data when a reset arrives.
	py_listen peer --send "$T/down" --wait-file "$T/sock.out" --after-send reset
	bg sock "$SOCKCAT" connect -d 127.0.0.1 "$port"
	wait_exit "$sock_pid"
	[ "$status" -eq 1 ]
	[ "$(cat "$T/sock.out")" = "before the reset" ]
	err=$(cat "$T/sock.err")
	one_error_line "^sockcat: receive from 127.0.0.1 port $port: Connection reset by peer$"
}

@test "a reader that goes away ends the session quietly, status 0" {
	head -c 5000000 /dev/zero >"$T/down"
	py_listen peer --send "$T/down" --after-send hold --hold-secs 10
	run bash -c "timeout 10 '$SOCKCAT' connect -d 127.0.0.1 $port 2>'$T/err' | head -c 10 | wc -c; echo \"\${PIPESTATUS[*]}\""
	echo "output: $output; stderr: $(cat "$T/err")"
	[ "$status" -eq 0 ]
	[ "$output" = "10
0 0 0" ]
	[ ! -s "$T/err" ]
}

@test "all 256 byte values pass both ways" {
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 64)' >"$T/bytes"
	py_listen peer --send "$T/bytes" --after-send shut --recv "$T/rec"
	timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port" <"$T/bytes" >"$T/got"
	cmp "$T/bytes" "$T/got"
	wait_file "$T/rec.done"
	cmp "$T/bytes" "$T/rec"
}

@test "50 MiB both ways at once, checksums equal" {
	head -c 52428800 /dev/urandom >"$T/up"
	head -c 52428800 /dev/urandom >"$T/down"
	py_listen peer --send "$T/down" --after-send shut --recv "$T/rec"
	timeout 60 "$SOCKCAT" connect -v 127.0.0.1 "$port" <"$T/up" >"$T/got" 2>"$T/err"
	wait_file "$T/rec.done"
	[ "$(md5sum <"$T/up")" = "$(md5sum <"$T/rec")" ]
	[ "$(md5sum <"$T/down")" = "$(md5sum <"$T/got")" ]
	grep -q '^sockcat: sent 52428800 bytes, received 52428800 bytes$' "$T/err"
}

@test "a slow peer and a slow stdout lose nothing" {
	head -c 2000000 /dev/urandom >"$T/up"
	head -c 2000000 /dev/urandom >"$T/down"
	py_listen peer --send "$T/down" --after-send shut --recv "$T/rec" --slow
	timeout 60 "$SOCKCAT" connect 127.0.0.1 "$port" <"$T/up" |
		python3 -c '
import sys, time
out = open(sys.argv[1], "wb")
while True:
    b = sys.stdin.buffer.read1(4096)
    if not b: break
    out.write(b); time.sleep(0.002)' "$T/got"
	wait_file "$T/rec.done"
	cmp "$T/up" "$T/rec"
	cmp "$T/down" "$T/got"
}

@test "a server that replies only after EOF" {
	printf 'question\n' >"$T/up"
	printf 'answer\n' >"$T/reply"
	py_listen peer --after-send hold --hold-secs 0 --recv "$T/rec" --reply-after-eof "$T/reply"
	sc 0 connect 127.0.0.1 "$port" <"$T/up"
	[ "$out" = answer ]
	cmp "$T/up" "$T/rec"
}

@test "-i ends an idle session with status 0" {
	py_listen peer --after-send hold --hold-secs 20
	sc 0 connect -v -d -i 0.5 127.0.0.1 "$port"
	grep -qx "sockcat: idle for 0.5 seconds: ending" <<<"$err"
}

@test "SIGTERM and SIGINT end the session with 128+signal" {
	for sig in TERM INT; do
		rm -f "$T/peer.port"
		py_listen peer --after-send hold --hold-secs 20
		bg sock "$SOCKCAT" connect -v -d 127.0.0.1 "$port"
		wait_for "$T/sock.err" "connected to"
		kill -s "$sig" "$sock_pid"
		wait_exit "$sock_pid"
		[ "$status" -eq $((128 + $(kill -l "$sig"))) ]
	done
}

@test "connect -U to a unix stream socket, and to an abstract one" {
	bg peer python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(20); c, _ = s.accept(); c.sendall(b"over unix\n"); c.close()' "$T/s.sock"
	wait_file "$T/s.sock.ready"
	sc 0 connect -d -U "$T/s.sock"
	[ "$out" = "over unix" ]
	bg apeer python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind("\0" + sys.argv[1]); s.listen(1)
open(sys.argv[2], "w").close()
s.settimeout(20); c, _ = s.accept(); c.sendall(b"abstract\n"); c.close()' "sockcat-test-$$" "$T/a.ready"
	wait_file "$T/a.ready"
	sc 0 connect -d -U "@sockcat-test-$$"
	[ "$out" = "abstract" ]
}

@test "connect -U with -t seqpacket keeps message boundaries" {
	bg peer python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(20); c, _ = s.accept(); c.send(b"one"); c.send(b"two"); c.close()' "$T/q.sock"
	wait_file "$T/q.sock.ready"
	sc 0 connect -d -U -t seqpacket "$T/q.sock"
	[ "$out" = "onetwo" ]
}

@test "-t seqpacket: an empty record is no end: the records after it arrive (connect, and serve from a python3 client)" {
	# Sent before the peer closes, and after a pause, so that the empty
	# record is read both with records behind it and alone.
	bg peer python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(20); c, _ = s.accept()
c.send(b"one"); c.send(b""); time.sleep(0.3); c.send(b"two"); c.send(b""); c.send(b"three"); c.close()' "$T/q.sock"
	wait_file "$T/q.sock.ready"
	sc 0 connect -d -U -t seqpacket "$T/q.sock"
	[ "$out" = "onetwothree" ]
	bg srv "$SOCKCAT" serve -v -U -t seqpacket "$T/s.sock"
	wait_for "$T/srv.err" "listening on"
	timeout "$TMO" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(sys.argv[1])
s.send(b"a"); s.send(b""); time.sleep(0.3); s.send(b"b"); s.close()' "$T/s.sock"
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/srv.out")" = ab ]
}

@test "connect -U to a missing path exits 1" {
	sc 1 connect -U "$T/none.sock" </dev/null
	one_error_line "connect $T/none.sock: No such file or directory"
}

@test "a unix path longer than sun_path is a usage error" {
	usage_fails "unix path .* too long \(120 bytes, at most 107\)" connect -U "/tmp/$(printf 'x%.0s' $(seq 115))"
}

@test "-z prints the open ports and exits 0" {
	py_listen a --after-send close
	local pa=$port
	py_listen b --after-send close
	local pb=$port
	sc 0 connect -z 127.0.0.1 "$pa,$pb"
	[ "$out" = "127.0.0.1 $pa open
127.0.0.1 $pb open" ]
}

@test "-z with no open port exits 1; -v reports the closed ones" {
	bg srv "$SOCKCAT" serve -v 127.0.0.1 0 </dev/null
	listen_port srv
	kill "$srv_pid"; wait "$srv_pid" || true
	sc 1 connect -z 127.0.0.1 "$port"
	[ -z "$out" ]
	[ -z "$err" ]
	sc 1 connect -z -v 127.0.0.1 "$port"
	grep -q "connect 127.0.0.1 port $port: Connection refused" <<<"$err"
}

@test "-z scans a range of 1000 closed ports" {
	# Ports 1-1000 on loopback: nothing listens there in the test box,
	# or if something does, it is reported open.
	sc_status=0
	timeout 20 "$SOCKCAT" connect -z 127.0.0.1 1-1000 >"$T/o" 2>"$T/e" || sc_status=$?
	[ "$sc_status" -le 1 ]
	[ ! -s "$T/e" ]
	if [ -s "$T/o" ]; then ! grep -qv '^127.0.0.1 [0-9]* open$' "$T/o"; fi
}

@test "a closed stdin is reported, exit 1" {
	py_listen peer --after-send hold --hold-secs 10
	status=0
	timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port" <&- >"$T/o" 2>"$T/e" || status=$?
	[ "$status" -eq 1 ]
	err=$(cat "$T/e")
	one_error_line "^sockcat: read from stdin: Bad file descriptor$"
}

@test "stdout on /dev/full is reported, exit 1" {
	printf 'data\n' >"$T/down"
	py_listen peer --send "$T/down" --after-send shut
	status=0
	timeout 10 "$SOCKCAT" connect -d 127.0.0.1 "$port" >/dev/full 2>"$T/e" || status=$?
	[ "$status" -eq 1 ]
	err=$(cat "$T/e")
	one_error_line "^sockcat: write to stdout: No space left on device$"
}

# udp_echo NAME: a python UDP echo server on 127.0.0.1; sets $port.
udp_echo() {
	bg "$1" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True); s.settimeout(20)
while True:
    b, a = s.recvfrom(70000)
    s.sendto(b"echo:" + b, a)'
	wait_for "$T/$1.out" '^[0-9]+$'
	port=$(head -1 "$T/$1.out")
}

@test "connect -u: each stdin read one datagram; replies come back, then exit 0" {
	udp_echo echo
	sc 0 connect -u -v 127.0.0.1 "$port" < <(printf 'ping\n')
	[ "$out" = "echo:ping" ]
	grep -q "^sockcat: connected to 127.0.0.1 port $port$" <<<"$err"
}

@test "connect -u: a datagram of 30000 bytes arrives whole" {
	udp_echo echo
	head -c 30000 /dev/urandom >"$T/big"
	timeout 10 "$SOCKCAT" connect -u -q 0.5 127.0.0.1 "$port" <"$T/big" >"$T/got"
	[ "$(head -c 5 "$T/got")" = "echo:" ]
	tail -c +6 "$T/got" | cmp - "$T/big"
}

@test "connect -u to a closed port: exit 1, Connection refused" {
	udp_echo echo
	kill "$echo_pid"; wait "$echo_pid" || true
	status=0
	# Keep sending past the first datagram, whose ICMP reply refuses
	# the next.
	timeout 10 "$SOCKCAT" connect -u -q 1 127.0.0.1 "$port" < <(printf 'a\n'; sleep 0.3; printf 'b\n') >"$T/o" 2>"$T/e" || status=$?
	[ "$status" -eq 1 ]
	grep -q "Connection refused" "$T/e"
}

@test "the read/write path (SOCKCAT_NO_SPLICE) moves 20 MiB both ways intact" {
	head -c 20971520 /dev/urandom >"$T/up"
	head -c 20971520 /dev/urandom >"$T/down"
	py_listen peer --send "$T/down" --after-send shut --recv "$T/rec"
	SOCKCAT_NO_SPLICE=1 timeout 60 "$SOCKCAT" connect 127.0.0.1 "$port" <"$T/up" >"$T/got"
	wait_file "$T/rec.done"
	cmp "$T/up" "$T/rec"
	cmp "$T/down" "$T/got"
}

@test "stdout opened for appending (>>) works: no splice there" {
	head -c 3000000 /dev/urandom >"$T/down"
	printf 'before\n' >"$T/log"
	py_listen peer --send "$T/down" --after-send shut
	timeout 20 "$SOCKCAT" connect -d 127.0.0.1 "$port" >>"$T/log"
	{ printf 'before\n'; cat "$T/down"; } | cmp - "$T/log"
}

@test "stdin from a pipe and stdout to a pipe, 20 MiB each way" {
	head -c 20971520 /dev/urandom >"$T/up"
	head -c 20971520 /dev/urandom >"$T/down"
	py_listen peer --send "$T/down" --after-send shut --recv "$T/rec"
	cat "$T/up" | timeout 60 "$SOCKCAT" connect 127.0.0.1 "$port" | cat >"$T/got"
	wait_file "$T/rec.done"
	cmp "$T/up" "$T/rec"
	cmp "$T/down" "$T/got"
}
