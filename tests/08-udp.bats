#!/usr/bin/env bats
# udp-send and udp-listen: boundaries kept, nothing truncated or merged,
# counts and idle ends, against python, socat and nc.openbsd.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

# listen_bg ARGS...: "sockcat udp-listen -v ARGS" in the background;
# sets $port.
listen_bg() {
	bg ul "$SOCKCAT" udp-listen -v "$@"
	listen_port ul
}

# udp_port_of PID: PID has a UDP socket bound; sets $port to its port.
udp_port_of() {
	port=$(ss -Huanp 2>/dev/null | grep "pid=$1," |
		sed -n 's/.*[:.]\([0-9][0-9]*\) .*/\1/p' | head -n 1)
	[ -n "$port" ]
}

# py_udp_sink NAME: a python UDP receiver on 127.0.0.1 that writes each
# datagram as one line "LEN HEX" to NAME.out; sets $port.
py_udp_sink() {
	bg "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
print(s.getsockname()[1], flush=True); s.settimeout(20)
while True:
    b = s.recv(70000)
    print(len(b), b.hex(), flush=True)'
	wait_for "$T/$1.out" '^[0-9]+$'
	port=$(head -1 "$T/$1.out")
}

@test "udp-send < f into udp-listen > g: g is f" {
	python3 -c '
import random
random.seed(7)
lines = [bytes(random.randrange(32, 127) for _ in range(random.randrange(0, 300))) for _ in range(500)]
open("'"$T/f"'", "wb").write(b"\n".join(lines))' # the last line has no newline
	n=$(($(wc -l <"$T/f") + 1))
	listen_bg -c "$n" 127.0.0.1 0
	sc 0 udp-send 127.0.0.1 "$port" <"$T/f"
	wait_exit "$ul_pid"
	[ "$status" -eq 0 ]
	cmp "$T/f" "$T/ul.out"
}

@test "udp-send: one datagram a line, newline kept; last line as it is" {
	py_udp_sink sink
	printf 'one\n\ntwo\nlast' | timeout 10 "$SOCKCAT" udp-send 127.0.0.1 "$port"
	wait_for "$T/sink.out" "^4 "
	[ "$(tail -n +2 "$T/sink.out")" = "4 6f6e650a
1 0a
4 74776f0a
4 6c617374" ]
}

@test "udp-send -m TEXT, repeatable, does not read stdin" {
	py_udp_sink sink
	sc 0 udp-send -m hello --message=world 127.0.0.1 "$port" < <(echo never; sleep 5)
	wait_for "$T/sink.out" "^5 776f726c64$"
	[ "$(tail -n +2 "$T/sink.out")" = "5 68656c6c6f
5 776f726c64" ]
}

@test "udp-send --chunk=N cuts stdin into N-byte datagrams" {
	py_udp_sink sink
	head -c 10 /dev/zero | timeout 10 "$SOCKCAT" udp-send --chunk=4 127.0.0.1 "$port"
	wait_for "$T/sink.out" "^2 0000$"
	[ "$(tail -n +2 "$T/sink.out" | cut -d' ' -f1 | tr '\n' ' ')" = "4 4 2 " ]
}

@test "a line too long for a datagram: exit 1 naming it; lines before were sent" {
	py_udp_sink sink
	{ printf 'ok1\nok2\n'; head -c 70000 /dev/zero | tr '\0' x; printf '\nafter\n'; } >"$T/f"
	sc 1 udp-send 127.0.0.1 "$port" <"$T/f"
	one_error_line "line 3 is longer than the largest datagram \(65507 bytes\); the 2 before it were sent"
	wait_for "$T/sink.out" "^4 6f6b320a$"
	! grep -q 6166746572 "$T/sink.out"
}

@test "--chunk larger than the family allows is a usage error, before any lookup" {
	usage_fails "--chunk '65520': larger than the largest IPv4 datagram \(65507 bytes\)" udp-send --chunk=65520 127.0.0.1 9
	usage_fails "--chunk '65520': larger than the largest IPv4 datagram" udp-send -4 --chunk=65520 no.such.name.invalid 9
}

@test "udp-send -v counts one datagram in the singular" {
	py_udp_sink sink
	sc 0 udp-send -v -m x 127.0.0.1 "$port"
	grep -qx 'sockcat: sent 1 bytes in 1 datagram' <<<"$err"
}

@test "--broadcast sets SO_BROADCAST (checked on loopback)" {
	command -v strace
	py_udp_sink sink
	# LeakSanitizer cannot run under ptrace: no leak check in here.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		run timeout 10 strace -f -e trace=setsockopt "$SOCKCAT" udp-send --broadcast -m x 127.0.0.1 "$port"
	[ "$status" -eq 0 ]
	grep -q 'SO_BROADCAST, \[1\]' <<<"$output"
	wait_for "$T/sink.out" "^1 78$"
}

@test "udp-send -U to a unix datagram socket" {
	bg sink python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
open(sys.argv[1] + ".ready", "w").close(); s.settimeout(20)
while True:
    print(s.recv(70000).hex(), flush=True)' "$T/d.sock"
	wait_file "$T/d.sock.ready"
	printf 'a\nb\n' | timeout 10 "$SOCKCAT" udp-send -U "$T/d.sock"
	wait_for "$T/sink.out" "^620a$"
	[ "$(cat "$T/sink.out")" = "610a
620a" ]
}

@test "udp-listen: a 30000-byte datagram arrives whole" {
	listen_bg -c 1 127.0.0.1 0
	head -c 30000 /dev/urandom >"$T/big"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(open(sys.argv[1], "rb").read(), ("127.0.0.1", int(sys.argv[2])))' "$T/big" "$port"
	wait_exit "$ul_pid"
	[ "$status" -eq 0 ]
	cmp "$T/big" "$T/ul.out"
	grep -q "^sockcat: 30000 bytes from 127.0.0.1 [0-9]*$" "$T/ul.err"
}

@test "udp-listen: each datagram is one write, never two merged" {
	# stdout is a SOCK_SEQPACKET socket: each write is one message.
	run timeout 20 python3 -c '
import os, socket, subprocess, sys, time
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
p = subprocess.Popen([sys.argv[1], "udp-listen", "-v", "-c", "50", "127.0.0.1", "0"],
                     stdout=b, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
b.close()
line = p.stderr.readline().decode()
port = int(line.rsplit(" ", 1)[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(50):
    s.sendto(b"d%03d" % i, ("127.0.0.1", port))
got = [a.recv(70000) for _ in range(50)]
p.wait(10)
assert got == [b"d%03d" % i for i in range(50)], got
print("ok")' "$SOCKCAT"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "udp-listen -c N exits 0 after N datagrams" {
	listen_bg -c 2 127.0.0.1 0
	timeout 10 "$SOCKCAT" udp-send -m a -m b -m c 127.0.0.1 "$port"
	wait_exit "$ul_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/ul.out")" = ab ]
}

@test "udp-listen -i exits 0 after SECS without a datagram" {
	listen_bg -i 0.3 127.0.0.1 0
	timeout 10 "$SOCKCAT" udp-send -m x 127.0.0.1 "$port"
	wait_exit "$ul_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/ul.out")" = x ]
}

@test "udp-listen --echo sends each datagram back" {
	listen_bg --echo -c 1 127.0.0.1 0
	sc 0 connect -u -q 1 127.0.0.1 "$port" < <(printf 'echo me')
	[ "$out" = "echo me" ]
}

@test "udp-listen --rcvbuf sets SO_RCVBUF; by default it is 4 MiB" {
	command -v ss
	listen_bg --rcvbuf=300000 127.0.0.1 0
	rb=$(ss -ulnm "sport = :$port" | sed -n 's/.*rb\([0-9]*\).*/\1/p')
	[ "$rb" -ge 300000 ]
	[ "$rb" -lt 4194304 ]
	kill "$ul_pid"
	listen_bg 127.0.0.1 0
	rb=$(ss -ulnm "sport = :$port" | sed -n 's/.*rb\([0-9]*\).*/\1/p')
	[ "$rb" -ge 4194304 ]
}

@test "udp-listen with no HOST: dual-stack, reached over IPv4 and IPv6" {
	listen_bg -c 2 0
	grep -q "listening on :: port $port$" "$T/ul.err"
	timeout 10 "$SOCKCAT" udp-send -m v4 127.0.0.1 "$port"
	wait_for "$T/ul.out" v4
	timeout 10 "$SOCKCAT" udp-send -m v6 ::1 "$port"
	wait_exit "$ul_pid"
	[ "$(cat "$T/ul.out")" = v4v6 ]
}

@test "udp-listen takes datagrams from socat and nc.openbsd" {
	listen_bg -c 2 127.0.0.1 0
	printf 'from socat\n' | timeout 10 socat -u - UDP:127.0.0.1:"$port"
	wait_for "$T/ul.out" 'from socat'
	printf 'from nc\n' | timeout 10 nc.openbsd -u -w 0 127.0.0.1 "$port"
	wait_exit "$ul_pid"
	[ "$(cat "$T/ul.out")" = "from socat
from nc" ]
}

@test "a UDP port in use is an error for udp-listen, serve -u and forward -u, even when its holder shares ports; the holder keeps its datagrams" {
	# socat's reuseaddr is the SO_REUSEADDR that on Linux lets a second
	# datagram socket that sets it too take the port's traffic.
	bg holder socat -u UDP-RECV:0,bind=127.0.0.1,reuseaddr -
	poll_until udp_port_of "$holder_pid"
	for cmd in "udp-listen" "serve -u" "forward -u"; do
		case $cmd in forward*) addr=127.0.0.1:$port; tgt=127.0.0.1:9;;
			*) addr="127.0.0.1 $port"; tgt=;; esac
		# shellcheck disable=SC2086
		sc 1 $cmd $addr $tgt </dev/null
		one_error_line "^sockcat: ${cmd% *} 127.0.0.1 port $port: Address already in use$"
	done
	"$SOCKCAT" udp-send -m still-here 127.0.0.1 "$port"
	wait_for "$T/holder.out" still-here
}

@test "udp-listen --reuseport: two on one port both bind; a third without it is refused" {
	listen_bg --reuseport 127.0.0.1 0
	first=$port
	bg two "$SOCKCAT" udp-listen -v --reuseport 127.0.0.1 "$first"
	listen_port two
	[ "$port" = "$first" ]
	[ "$(ss -Huan "( sport = :$first )" | wc -l)" -eq 2 ]
	sc 1 udp-listen 127.0.0.1 "$first" </dev/null
	one_error_line "Address already in use"
}

@test "udp-listen -U: a unix datagram socket, removed at the end" {
	bg ul "$SOCKCAT" udp-listen -v -c 1 -U "$T/u.sock"
	wait_for "$T/ul.err" "listening on $T/u.sock"
	timeout 10 "$SOCKCAT" udp-send -U -m hi "$T/u.sock"
	wait_exit "$ul_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/ul.out")" = hi ]
	[ ! -e "$T/u.sock" ]
}

@test "udp-listen -U -v names an unbound sender (unnamed), as serve does" {
	bg ul "$SOCKCAT" udp-listen -v -c 1 -U "$T/u.sock"
	wait_for "$T/ul.err" "listening on $T/u.sock"
	timeout 10 python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"abcd", sys.argv[1])' "$T/u.sock"
	wait_exit "$ul_pid"
	grep -qx 'sockcat: 4 bytes from (unnamed)' "$T/ul.err"
	bg srv "$SOCKCAT" serve -v -U "$T/s.sock"
	wait_for "$T/srv.err" "listening on $T/s.sock"
	timeout 10 python3 "$TESTS/peer.py" --unix-connect "$T/s.sock" --after-send shut
	wait_exit "$srv_pid"
	grep -qx 'sockcat: connection from (unnamed)' "$T/srv.err"
}

@test "udp-listen -U --label: unbound senders are one 'unix (unnamed)' and take no number; bound ones are unix N" {
	bg ul "$SOCKCAT" udp-listen -v -c 3 -U --label "$T/u.sock"
	wait_for "$T/ul.err" "listening on $T/u.sock"
	"$SOCKCAT" udp-send -U -m one "$T/u.sock"
	"$SOCKCAT" udp-send -U -m two "$T/u.sock"
	"$SOCKCAT" udp-send -U -s "$T/c.sock" -m three "$T/u.sock"
	wait_exit "$ul_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/ul.out")" = "$(printf 'unix (unnamed)\tone\nunix (unnamed)\ttwo\nunix 1\tthree')" ]
}

@test "udp-listen --route: a stdin line too long for a datagram is dropped with a message; the next line goes" {
	mkfifo "$T/in"
	exec 5<>"$T/in"
	bg ul -i "$T/in" "$SOCKCAT" udp-listen -v --label --route 127.0.0.1 0
	listen_port ul
	run timeout "$TMO" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(8)
s.sendto(b"hi\n", ("127.0.0.1", int(sys.argv[1])))
label = "127.0.0.1 %d" % s.getsockname()[1]
import time
end = time.monotonic() + 8
while label not in open(sys.argv[2]).read() and time.monotonic() < end:
    time.sleep(0.02)
with open(sys.argv[3], "w") as f:
    f.write(label + "\t" + "x" * 70000 + "\n" + label + "\tafter\n")
print(s.recv(70000).decode().strip())' "$port" "$T/ul.out" "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = after ]
	grep -qx "sockcat: udp-listen: a stdin line too long for a datagram (more than 64 KiB after its label); dropped" "$T/ul.err"
	exec 5>&-
}

@test "udp-listen: SIGTERM exits 143" {
	listen_bg 127.0.0.1 0
	kill -TERM "$ul_pid"
	wait_exit "$ul_pid"
	[ "$status" -eq 143 ]
}

@test "the man page's UDP example runs as written and ends by itself" {
	# The example's two lines, as the page has them, on a free port:
	# the listener first (the sender's datagrams are not to race its
	# bind), then the sender.
	ex=$(sed -n '/^Copy a file line by line over UDP/,/^\.Ed/p' "$TESTS/../man/sockcat.1" |
		sed -n 's/^\$ //p')
	[ "$(wc -l <<<"$ex")" -eq 2 ]
	port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cd "$T"
	for end in "" "no newline at the end"; do
		{ seq 1 2000; printf '\n\n%s' "$end"; } >f
		rm -f g
		PATH="$(dirname "$SOCKCAT"):$PATH" bg lst bash -c "$(sed -n 1p <<<"${ex//5353/$port}")"
		for ((i = 0; i < 250; i++)); do
			ss -Hulnp | grep -q "127.0.0.1:$port .*sockcat" && break
			sleep 0.02
		done
		PATH="$(dirname "$SOCKCAT"):$PATH" run timeout 20 bash -c "$(sed -n 2p <<<"${ex//5353/$port}")"
		[ "$status" -eq 0 ]
		wait_exit "$lst_pid"
		[ "$status" -eq 0 ]
		cmp f g
	done
}
