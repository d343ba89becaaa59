#!/usr/bin/env bats
# Everyday conveniences: connect -e, --retry and --wait, serve's accept
# time-out, and the hints for other netcats' flags.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

# free_port: a TCP port nobody listens on now (the kernel's pick, let
# go at once); sets $port.
free_port() {
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
}

# idle_in: $T/idle, a FIFO held open (fd 5) that never delivers.
idle_in() {
	mkfifo "$T/idle"
	exec 5<>"$T/idle"
}

# py_server NAME: python3 running the body on stdin after a preamble
# that listens on 127.0.0.1 (its port in $T/NAME.port, and in $port)
# and accepts the first client as c (10 s time-out); NAME.out has what
# it prints.
# py_drain NAME [FIRST]: a py_server that runs FIRST, reads to EOF, then
# prints repr() of all it read.
py_drain() {
	py_server "$1" < <(printf '%s\nbuf = b""\nwhile True:\n    d = c.recv(100)\n    if not d:\n        break\n    buf += d\nprint(repr(buf), flush=True)\n' \
		"${2-pass}")
}

py_server() {
	local name=$1
	{
		cat <<'PY'
import os, socket, sys, time
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % l.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
c, _ = l.accept()
c.settimeout(10)
PY
		cat
	} >"$T/$name.py"
	bg "$name" python3 "$T/$name.py" "$T/$name.port"
	wait_file "$T/$name.port"
	port=$(cat "$T/$name.port")
}

# --- connect -e ----------------------------------------------------------

@test "connect -e: the command reads the request and its reply goes back; its environment names both ends" {
	printf 'request\n' >"$T/req"
	IN=$T/req serve_bg 127.0.0.1 0
	sc 0 connect -e 'read l; echo "reply to $l from $SOCKCAT_PEER_ADDR $SOCKCAT_PEER_PORT via $SOCKCAT_LOCAL_ADDR"' \
		127.0.0.1 "$port" </dev/null
	[ -z "$out" ]
	wait_exit "$srv_pid"
	[ "$(cat "$T/srv.out")" = "reply to request from 127.0.0.1 $port via 127.0.0.1" ]
}

@test "connect -e: sockcat exits with the command's status" {
	serve_bg 127.0.0.1 0
	sc 3 connect -e 'exit 3' 127.0.0.1 "$port" </dev/null
	serve_bg 127.0.0.1 0
	sc 0 connect --exec='true' 127.0.0.1 "$port" </dev/null
}

@test "connect -e: the command's late output after the peer's EOF is still delivered" {
	serve_bg 127.0.0.1 0
	sc 0 connect -e 'cat >/dev/null; sleep 0.3; echo late' 127.0.0.1 "$port" </dev/null
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/srv.out")" = late ]
}

@test "connect -e: SIGTERM ends sockcat (143) and the command with all it started" {
	idle_in
	IN=$T/idle serve_bg 127.0.0.1 0
	bg cli "$SOCKCAT" connect -v -e 'sleep 31.5 & sleep 31.5' 127.0.0.1 "$port"
	wait_for "$T/cli.err" connected
	procs_at_least 2 'sleep 31.5'
	kill -TERM "$cli_pid"
	wait_exit "$cli_pid"
	[ "$status" -eq 143 ]
	procs_gone 'sleep 31.5'
}

@test "connect -e --tls: the command speaks plain text through the verified session" {
	printf 'over tls\n' >"$T/req"
	IN=$T/req serve_bg --tls 127.0.0.1 0
	wait_for "$T/srv.err" 'tls pin sha256//'
	pin=$(sed -n 's/.*tls pin //p' "$T/srv.err")
	sc 0 connect --tls --pinnedpubkey="$pin" \
		-e 'read l; echo "$l with $SOCKCAT_TLS_VERSION"' 127.0.0.1 "$port" </dev/null
	wait_exit "$srv_pid"
	[ "$(cat "$T/srv.out")" = "over tls with TLSv1.3" ]
	# Unverified: the handshake fails, the command never runs.
	serve_bg --tls 127.0.0.1 0
	sc 1 connect --tls -e 'echo ran >"$0"' 127.0.0.1 "$port" </dev/null
	one_error_line "^sockcat: tls 127.0.0.1 port $port: certificate verify failed"
	[ ! -e "$T/ran" ]
}

# --- --retry and --wait --------------------------------------------------

@test "--retry: a listener that starts after the first tries is reached; -v says each try" {
	free_port
	printf 'late listener\n' >"$T/in"
	bg cli -i "$T/in" "$SOCKCAT" connect -v --retry=20 --retry-delay=0.2 127.0.0.1 "$port"
	wait_for "$T/cli.err" 'try 2 failed; again in 0.200 s'
	bg srv "$SOCKCAT" serve 127.0.0.1 "$port"
	wait_exit "$cli_pid"
	[ "$status" -eq 0 ]
	wait_exit "$srv_pid"
	[ "$(cat "$T/srv.out")" = "late listener" ]
	grep -q "connect 127.0.0.1 port $port: Connection refused" "$T/cli.err"
}

@test "--wait running out: exit 1 after the wait, not before; --retry=N stops after N more tries" {
	free_port
	start=$(date +%s%N)
	sc 1 connect --wait=1 --retry-delay=0.3 127.0.0.1 "$port" </dev/null
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -ge 1000 ] || { echo "gave up after $ms ms" >&2; false; }
	one_error_line "connect 127.0.0.1 port $port: Connection refused"
	sc 1 connect -v --retry=2 --retry-delay=0.1 127.0.0.1 "$port" </dev/null
	[ "$(grep -c 'Connection refused' <<<"$err")" -eq 3 ]
	[ "$(grep -c 'failed; again' <<<"$err")" -eq 2 ]
}

@test "connect -z --wait: the wait-for-a-port loop of container entrypoints" {
	free_port
	bg cli "$SOCKCAT" connect -v -z --wait=20 --retry-delay=0.2 127.0.0.1 "$port"
	wait_for "$T/cli.err" 'try 1 failed'
	bg srv "$SOCKCAT" serve -k 127.0.0.1 "$port"
	wait_exit "$cli_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/cli.out")" = "127.0.0.1 $port open" ]
}

@test "--retry: a name that does not resolve yet is tried again; a unix socket that is not there yet too" {
	OFFLINE=1 sc 1 connect -v --retry=1 --retry-delay=0.1 no-such-host.invalid 80 </dev/null
	grep -q 'try 1 failed' <<<"$err"
	[ "$(grep -c 'no-such-host.invalid' <<<"$err")" -eq 1 ]
	printf 'unix later\n' >"$T/uin"
	bg cli -i "$T/uin" "$SOCKCAT" connect -v -U --retry=inf --retry-delay=0.1 "$T/later.sock"
	wait_for "$T/cli.err" 'try 1 failed'
	bg srv "$SOCKCAT" serve -U "$T/later.sock"
	wait_exit "$cli_pid"
	[ "$status" -eq 0 ]
	wait_exit "$srv_pid"
	[ "$(cat "$T/srv.out")" = "unix later" ]
}

@test "--retry never tries again after a TLS verification failure" {
	serve_bg -k --tls 127.0.0.1 0
	sc 1 connect --tls --retry=5 --retry-delay=0.1 127.0.0.1 "$port" </dev/null
	one_error_line "certificate verify failed"
	[ "$(grep -c 'connection from' "$T/srv.err")" -eq 1 ]
}

# --- serve -w ------------------------------------------------------------

@test "serve -w: no client in time is exit 1 with a message; a client in time is served" {
	start=$(date +%s%N)
	sc 1 serve -w 0.5 127.0.0.1 0 </dev/null
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -ge 500 ]
	one_error_line "^sockcat: no client within 0.5 seconds$"
	sc 1 serve -u --accept-timeout=0.3 127.0.0.1 0 </dev/null
	one_error_line "^sockcat: no client within 0.3 seconds$"
	serve_bg -w 5 127.0.0.1 0
	printf 'in time\n' | timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port"
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/srv.out")" = "in time" ]
}

@test "serve -k -w: the time-out is for the first client only" {
	serve_bg -k -w 0.5 127.0.0.1 0
	printf 'one\n' | timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port"
	# Past the time-out, it still serves.
	sleep 1
	still_running "$srv_pid"
	printf 'two\n' | timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port"
	wait_for "$T/srv.out" two
	sc 1 serve -k -e cat -w 0.2 127.0.0.1 0 </dev/null
	one_error_line "no client within 0.2 seconds"
}

# --- hints for other netcats' flags --------------------------------------

@test "other netcats' flags: a usage error that says what to type in sockcat" {
	usage_table \
		"unknown option '-l': to listen, use 'sockcat serve|connect -l 9000" \
		"unknown option '-l': not needed: this command listens already|serve -l 9000" \
		"unknown option '-N': not needed: sockcat half-closes|connect -N h 1" \
		"unknown option '-c': to run a command, use -e CMD|connect -c cat h 1" \
		"unknown option '--sh-exec=cat': use -e CMD|serve --sh-exec=cat 1" \
		"unknown option '--ssl': use --tls|connect --ssl h 1" \
		"unknown option '-X': nc -X 5 -x HOST:PORT is 'sockcat connect -x socks5://HOST:PORT'|connect -X 5 h 1" \
		"unknown option '-x': a proxy is connect's -x URL.*--hex-dump=FILE|serve -x dump 1" \
		"unknown option '-o': .*--hex-dump=FILE|serve -o dump 1" \
		"unknown option '-T': use --tos=VAL|connect -T ef h 1" \
		"unknown option '-I': use --rcvbuf=BYTES|serve -I 1k 1" \
		"unknown option '-O': use --sndbuf=BYTES|udp-send -O 1k h 1" \
		"'listen' is not a sockcat command; to listen, use 'sockcat serve|listen 9000"
}

@test "connect -e, --retry, --wait: bad values and conflicts are usage errors" {
	usage_table \
		"--exec: empty command|connect -e '' h 1" \
		"--exec conflicts with --scan|connect -z -e cat h 1" \
		"--exec conflicts with -u|connect -u -e cat h 1" \
		"--exec conflicts with the relay options|connect -q 1 -e cat h 1" \
		"--retry 'x'|connect --retry=x h 1" \
		"option '--retr' is ambiguous: --retry, --retry-delay|connect --retr=2 h 1" \
		"--retry '-1'|connect --retry=-1 h 1" \
		"--retry-delay 'x'|connect --retry=1 --retry-delay=x h 1" \
		"--retry-delay needs --retry or --wait|connect --retry-delay=1 h 1" \
		"--wait 'soon'|connect --wait=soon h 1" \
		"--accept-timeout 'x'|serve --accept-timeout=x 1"
}

# --- shaping the bytes ---------------------------------------------------

# The dump of a known exchange: 20 bytes out, 8 back (each a block of
# its own; which comes first depends on timing, so blocks are compared
# sorted by direction: '<' then '>').
expected_dump() {
	cat <<'X'
< 8 bytes at 0
00000000  4f 4b 20 01 7f 80 21 0a                           |OK ...!.|
> 20 bytes at 0
00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 30 0d 0a  |GET / HTTP/1.0..|
00000010  0d 0a 00 ff                                       |....|
X
}

# by_direction FILE: FILE's dump blocks, '<' ones first, each in order.
by_direction() {
	awk '/^[<>] [0-9]+ bytes at/ { h = $1 } { print h "\t" $0 }' "$1" |
		sort -s -t "$(printf '\t')" -k1,1 | cut -f2-
}

@test "--hex-dump: both directions, one block per read, to stderr and to a FILE (0600, appended), on every path" {
	printf 'GET / HTTP/1.0\r\n\r\n\000\377' >"$T/req"
	printf 'OK \001\177\200!\n' >"$T/reply"
	for env in "" SOCKCAT_NO_SPLICE=1; do
		IN=$T/reply serve_bg 127.0.0.1 0
		wait_for "$T/srv.err" listening
		# The reply comes after the whole request: one read each way.
		env $env timeout 10 "$SOCKCAT" connect --hex-dump 127.0.0.1 "$port" \
			<"$T/req" >"$T/out" 2>"$T/dump"
		wait_exit "$srv_pid"
		cmp "$T/out" "$T/reply"
		cmp "$T/req" "$T/srv.out"
		diff <(expected_dump) <(by_direction "$T/dump")
	done
	IN=$T/reply serve_bg 127.0.0.1 0
	printf 'old\n' >"$T/dump.file"
	chmod 600 "$T/dump.file"
	sc 0 connect --hex-dump="$T/dump.file" 127.0.0.1 "$port" <"$T/req"
	[ "$(head -n 1 "$T/dump.file")" = old ]
	tail -n +2 "$T/dump.file" >"$T/dump.rest"
	diff <(expected_dump) <(by_direction "$T/dump.rest")
	rm "$T/dump.file"
	IN=$T/reply serve_bg 127.0.0.1 0
	sc 0 connect --hex-dump="$T/dump.file" 127.0.0.1 "$port" <"$T/req"
	[ "$(stat -c %a "$T/dump.file")" = 600 ]
	diff <(expected_dump) <(by_direction "$T/dump.file")
}

@test "-C: bare LFs go out as CRLF as nc.openbsd -C sends them; a CR and LF split across reads stay one CRLF" {
	printf 'one\ntwo\n\nthree' >"$T/lines"
	bg nsrv nc.openbsd -l 127.0.0.1 0
	port_of "$nsrv_pid"
	nport=$port
	timeout 10 nc.openbsd -N -C 127.0.0.1 "$nport" <"$T/lines"
	wait_exit "$nsrv_pid"
	serve_bg 127.0.0.1 0
	sc 0 connect -C 127.0.0.1 "$port" <"$T/lines"
	wait_exit "$srv_pid"
	cmp "$T/nsrv.out" "$T/srv.out"
	[ "$(od -An -tx1 "$T/srv.out" | tr -d ' \n')" = "$(printf 'one\r\ntwo\r\n\r\nthree' | od -An -tx1 | tr -d ' \n')" ]
	# A CR at the end of one read, its LF at the start of the next.
	mkfifo "$T/slow"
	exec 6<>"$T/slow"
	serve_bg 127.0.0.1 0
	bg cli -i "$T/slow" "$SOCKCAT" connect -C 127.0.0.1 "$port"
	printf 'a\r' >&6
	wait_size "$T/srv.out" 2
	printf '\nb\n' >&6
	exec 6>&-
	wait_exit "$cli_pid"
	wait_exit "$srv_pid"
	[ "$(od -An -tx1 "$T/srv.out" | tr -d ' \n')" = 610d0a620d0a ]
}

@test "--telnet: offers refused (DO: WONT, WILL: DONT), negotiation kept off stdout, IAC IAC is one 0xff, across reads" {
	py_server tn <<'PY'
c.sendall(b"\xff\xfd\x01lo")            # IAC DO ECHO
time.sleep(0.05)
c.sendall(b"gin: \xff")                 # an IAC cut from its command
time.sleep(0.05)
c.sendall(b"\xfb\x03\xff\xff\xff\xfa\x18\x01\xff\xf0end\n")  # WILL SGA, IAC IAC, SB ... SE
want = b"\xff\xfc\x01\xff\xfe\x03"
got = b""
while len(got) < len(want):
    d = c.recv(100)
    if not d:
        break
    got += d
print(got.hex(), flush=True)
c.close()
PY
	mkfifo "$T/idle"
	exec 5<>"$T/idle"
	sc 0 connect --telnet 127.0.0.1 "$port" <"$T/idle"
	exec 5>&-
	[ "$(printf '%s' "$out" | od -An -tx1 | tr -d ' \n')" = "$(printf 'login: \377end' | od -An -tx1 | tr -d ' \n')" ]
	wait_exit "$tn_pid"
	[ "$(cat "$T/tn.out")" = fffc01fffe03 ]
}

@test "--line-delay with a shorter -i: lines held back are bytes on their way, not idleness" {
	py_drain tq
	printf 'one\ntwo\nthree' >"$T/lines"
	sc 0 connect -i 0.5 --line-delay=1 127.0.0.1 "$port" <"$T/lines"
	wait_exit "$tq_pid"
	[ "$(cat "$T/tq.out")" = "b'one\ntwo\nthree'" ]
}

@test "--line-delay: a peer that half-closes at once still gets every line (serve, and connect)" {
	printf 'l1\nl2\nl3\nl4\n' >"$T/lines"
	# stdin a pipe (a file is never idle: it goes on to its end).
	mkfifo "$T/in.pipe"
	bg feed sh -c 'exec cat "$1" >"$2"' sh "$T/lines" "$T/in.pipe"
	IN=$T/in.pipe serve_bg --line-delay=0.7 127.0.0.1 0
	sc 0 connect 127.0.0.1 "$port" </dev/null
	[ "$out" = "$(cat "$T/lines")" ]
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	py_drain hc 'c.shutdown(socket.SHUT_WR)'
	sc 0 connect --line-delay=0.7 127.0.0.1 "$port" < <(cat "$T/lines")
	wait_exit "$hc_pid"
	[ "$(cat "$T/hc.out")" = "b'l1\nl2\nl3\nl4\n'" ]
}

@test "-C, --telnet, --hex-dump: conflicts are usage errors" {
	usage_table \
		"--telnet conflicts with -u: telnet is a stream|connect -u --telnet h 1" \
		"--crlf conflicts with --exec|connect -C -e cat h 1" \
		"--hex-dump conflicts with --exec|serve --hex-dump -e cat 1" \
		"--hex-dump=: empty FILE|connect --hex-dump= h 1"
	sc 1 connect --hex-dump="$T/no/such/dir/f" 127.0.0.1 1 </dev/null
	one_error_line "^sockcat: --hex-dump $T/no/such/dir/f: No such file or directory$"
	# A dump that cannot be written (a full disk): the bytes still go,
	# then one line says so, exit 1.
	printf 'pong\n' >"$T/pong"
	IN=$T/pong serve_bg 127.0.0.1 0
	printf 'ping\n' >"$T/ping"
	sc 1 connect --hex-dump=/dev/full 127.0.0.1 "$port" <"$T/ping"
	cmp "$T/pong" "$T/sc.out"
	one_error_line "^sockcat: --hex-dump /dev/full: No space left on device: the dump stopped there$"
	wait_exit "$srv_pid"
	[ "$(cat "$T/srv.out")" = ping ]
	# With --json, stderr is all JSON: a dump there is refused (as JSON).
	for cmd in "connect --json --hex-dump h 1" "forward --json --hex-dump 8080 h:1"; do
		# shellcheck disable=SC2086
		sc 2 $cmd </dev/null
		[ "$(wc -l <<<"$err")" -eq 1 ]
		grep -q '^{"event":"error","message":".*--hex-dump to stderr conflicts with --json.*--hex-dump=FILE' <<<"$err"
	done
}

@test "--line-delay: stdin goes a line at a time, SECS apart, every byte of it (a last line without LF too)" {
	py_server tp <<'PY'
buf, stamps = b"", []
while True:
    d = c.recv(100)
    if not d:
        break
    buf += d
    stamps.append(time.monotonic())
gaps = [b - a for a, b in zip(stamps, stamps[1:])]
print(repr(buf), len(stamps), "ok" if all(g >= 0.25 for g in gaps) else "gaps %r" % gaps, flush=True)
PY
	printf 'one\ntwo\nthree' >"$T/lines"
	sc 0 connect --line-delay=0.3 127.0.0.1 "$port" <"$T/lines"
	wait_exit "$tp_pid"
	[ "$(cat "$T/tp.out")" = "b'one\ntwo\nthree' 3 ok" ]
	usage_fails "--line-delay conflicts with --no-stdin" connect -d --line-delay=1 h 1
	usage_fails "--line-delay 'x'" connect --line-delay=x h 1
}
