#!/usr/bin/env bats
# The relay engine's end rules and its manners with shared descriptors:
# no fixed delay at a session's end and --grace for stdin after the
# peer's EOF; -k clients that half-close; stdin and stdout flags never
# changed (a sibling writer, SIGKILL, one description for both); -q
# while the peer floods; uploads that end with --send-only or -q 0; a
# stalled terminal on stdout; seqpacket records and UDP datagrams kept
# whole; and a -k client not dropped after SIGSTOP.  Helpers:
# tests/engine-peer.py, engine-flags.py, engine-pty.py.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

# engine_peer NAME MODE [ARGS...]: tests/engine-peer.py in the background.
engine_peer() {
	local name=$1
	shift
	bg "$name" python3 "$TESTS/engine-peer.py" "$@"
}

# within_ms FROM_NS TO_NS MAX_MS: TO - FROM is under MAX_MS milliseconds.
within_ms() {
	local ms=$((($2 - $1) / 1000000))
	echo "elapsed ${ms} ms (at most $3 wanted)" >&2
	[ "$ms" -lt "$3" ]
}

# records_kept STATUS GOT WANT ERRFILE: seqpacket's rule: status 0 with
# GOT equal to WANT, or status 1 with a message about the record; never
# fewer bytes with status 0.
records_kept() {
	case $1 in
	0)	cmp "$3" "$2" ;;
	1)	cat "$4" >&2
		grep -qi "record" "$4" ;;
	*)	echo "status $1: $(cat "$4")" >&2
		return 1 ;;
	esac
}

# --- 1. No fixed delay at a session's end -------------------------------

# The old engine lingered 0.5 s after the peer's EOF whatever stdin was
# doing.  0.3 s leaves a loaded 2-core machine room and still tells.
@test "engine: connect, socket EOF, stdin an idle pipe: exit 0 within 0.3 s of the peer's close" {
	idle_stdin
	printf 'down-data\n' >"$T/down"
	engine_peer peer sendclose --listen "$T/pf" --send "$T/down" --mark "$T/closed"
	wait_file "$T/pf"
	st=0
	timeout 10 "$SOCKCAT" connect 127.0.0.1 "$(cat "$T/pf")" <"$T/idle" >"$T/got" 3>&- || st=$?
	t1=$(date +%s%N)
	[ "$st" -eq 0 ]
	cmp "$T/down" "$T/got"
	wait_file "$T/closed"
	within_ms "$(cat "$T/closed")" "$t1" 300
}

@test "engine: serve, socket EOF, stdin an idle pipe: exit 0 within 0.3 s of the peer's close" {
	idle_stdin
	printf 'down-data\n' >"$T/down"
	engine_peer peer sendclose --port-from "$T/srv.err" --send "$T/down" --mark "$T/closed"
	st=0
	timeout 10 "$SOCKCAT" serve -v 127.0.0.1 0 <"$T/idle" >"$T/got" 2>"$T/srv.err" 3>&- || st=$?
	t1=$(date +%s%N)
	[ "$st" -eq 0 ]
	cmp "$T/down" "$T/got"
	wait_file "$T/closed"
	within_ms "$(cat "$T/closed")" "$t1" 300
}

# --- 2. A producer with pauses, a client that half-closes at once ------

# producer_serve: serve's stdin is a pipe from a producer that writes
# a, b and c 0.3 s apart; sets $port.
producer_serve() {
	bg srv bash -c '(echo a; sleep 0.3; echo b; sleep 0.3; echo c) |
		exec "$1" serve -v 127.0.0.1 0' bash "$SOCKCAT"
	listen_port srv
}

@test "engine: serve < producer with pauses, client connect --recv-only: gets a, b and c" {
	producer_serve
	st=0
	timeout 10 "$SOCKCAT" connect --recv-only 127.0.0.1 "$port" </dev/null >"$T/got" 3>&- || st=$?
	[ "$st" -eq 0 ]
	[ "$(cat "$T/got")" = "a
b
c" ]
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
}

@test "engine: serve < producer with pauses, client half-closes and reads to EOF: gets a, b and c" {
	producer_serve
	engine_peer cl shutread --connect "$port" --out "$T/got"
	wait_exit "$cl_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/got")" = "a
b
c" ]
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
}

# --- 3. --grace ---------------------------------------------------------

# grace0 ROLE: stdin delivers a line every 0.2 s (for 6 s) once the peer
# is connected; the peer half-closes right after the second line came
# and reads on.  With --grace=0 the session ends at once: exit 0 within
# 0.3 s, and no byte reaches the peer after its half-close (the next
# line is 0.2 s away).
grace0() {
	mkfifo "$T/in"
	bg feeder sh -c 'exec 4>"$1"; until [ -e "$2" ]; do sleep 0.02; done
		i=0; while [ $i -lt 30 ]; do echo "line $i" >&4; i=$((i + 1)); sleep 0.2; done' \
		sh "$T/in" "$T/go"
	st=0
	if [ "$1" = connect ]; then
		engine_peer peer shutafter --listen "$T/pf" --go "$T/go" --lines 2 \
			--mark "$T/shut" --out "$T/rec" --after "$T/after"
		wait_file "$T/pf"
		timeout 10 "$SOCKCAT" connect --grace=0 127.0.0.1 "$(cat "$T/pf")" \
			<"$T/in" >/dev/null 2>"$T/err" 3>&- || st=$?
	else
		engine_peer peer shutafter --port-from "$T/err" --go "$T/go" --lines 2 \
			--mark "$T/shut" --out "$T/rec" --after "$T/after"
		timeout 10 "$SOCKCAT" serve -v --grace=0 127.0.0.1 0 \
			<"$T/in" >/dev/null 2>"$T/err" 3>&- || st=$?
	fi
	t1=$(date +%s%N)
	[ "$st" -eq 0 ] || { cat "$T/err" >&2; return 1; }
	wait_file "$T/after"
	[ "$(cat "$T/rec")" = "line 0
line 1" ]
	[ "$(cat "$T/after")" -eq 0 ]
	within_ms "$(cat "$T/shut")" "$t1" 300
}

@test "engine: connect --grace=0: ends at once on the peer's EOF though stdin still flows" {
	grace0 connect
}

@test "engine: serve --grace=0: ends at once on the peer's EOF though stdin still flows" {
	grace0 serve
}

@test "engine: connect --grace=inf: stdin pausing 2 s after the peer's EOF still all goes, exit 0 at stdin EOF" {
	mkfifo "$T/in"
	bg feeder sh -c 'exec 4>"$1"; echo one >&4; sleep 2; echo two >&4' sh "$T/in"
	py_listen peer --after-send shut --recv "$T/rec"
	st=0
	timeout 10 "$SOCKCAT" connect --grace=inf 127.0.0.1 "$port" <"$T/in" >/dev/null 3>&- || st=$?
	[ "$st" -eq 0 ]
	wait_file "$T/rec.done"
	[ "$(cat "$T/rec")" = "one
two" ]
}

@test "engine: connect --grace=inf: a stdin whose first bytes come 1 s after the peer's EOF still all goes" {
	mkfifo "$T/in"
	bg feeder sh -c 'exec 4>"$1"; sleep 1; echo late >&4' sh "$T/in"
	py_listen peer --after-send shut --recv "$T/rec"
	st=0
	timeout 10 "$SOCKCAT" connect --grace=inf 127.0.0.1 "$port" <"$T/in" >/dev/null 3>&- || st=$?
	[ "$st" -eq 0 ]
	wait_file "$T/rec.done"
	[ "$(cat "$T/rec")" = late ]
}

@test "engine: --grace=-1 and --grace=abc are usage errors naming --grace (connect and serve)" {
	local cmd v
	for cmd in connect serve; do
		for v in -1 abc; do
			usage_fails "--grace" "$cmd" "--grace=$v" 127.0.0.1 1
			# A known option with a bad value, not an unknown one.
			if grep -q "unknown option" <<<"$err"; then
				echo "--grace is not known: $err" >&2
				return 1
			fi
		done
	done
}

# --- 4. serve -k and clients that half-close -----------------------------

@test "engine: serve -k: a client that half-closed still gets stdin written later" {
	mkfifo "$T/in"
	bg feeder sh -c 'exec 4>"$1"; until [ -e "$2" ]; do sleep 0.02; done
		echo "to the half-closed client" >&4
		until [ -e "$3" ]; do sleep 0.02; done' sh "$T/in" "$T/go1" "$T/go2"
	IN=$T/in serve_bg -k 127.0.0.1 0
	# Client 1's stdin is /dev/null: it half-closes at once.
	bg c1 "$SOCKCAT" connect 127.0.0.1 "$port"
	wait_for "$T/srv.err" "connection from"
	# Part of the scenario: stdin stays silent well after the
	# client's EOF reached serve; the client must still be served.
	sleep 0.3
	still_running "$c1_pid"
	touch "$T/go1"
	wait_for "$T/c1.out" "to the half-closed client"
	touch "$T/go2"
	wait_exit "$c1_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/c1.out")" = "to the half-closed client" ]
}

@test "engine: serve -k: a client's 100 KiB then half-close all reach a slow stdout" {
	head -c 102400 /dev/urandom >"$T/up"
	mkfifo "$T/in" "$T/outp"
	bg holder sh -c 'exec sleep 30 >"$1"' sh "$T/in"
	bg rd -i "$T/outp" python3 "$TESTS/engine-peer.py" slowread --rate 1000000 --data "$T/got"
	bg srv -i "$T/in" sh -c 'exec "$1" serve -k -v 127.0.0.1 0 >"$2"' sh "$SOCKCAT" "$T/outp"
	listen_port srv
	bg c1 -i "$T/up" "$SOCKCAT" connect 127.0.0.1 "$port"
	wait_for "$T/srv.err" "connection from"
	# serve's stdout closes only when it ends: stop it once the bytes
	# are in (bounded), then compare.
	poll_until size_at_least "$T/got" 102400
	kill "$srv_pid"
	wait_exit "$rd_pid"
	cmp "$T/up" "$T/got"
}

# --- 5. stdin's and stdout's flags are never changed ----------------------

@test "engine: a sibling writer on sockcat's stdout pipe never sees EAGAIN" {
	head -c 1048576 /dev/urandom >"$T/down"
	py_listen peer --send "$T/down" --after-send hold --hold-secs 2 --mark "$T/sent"
	{
		timeout 10 "$SOCKCAT" connect -d 127.0.0.1 "$port" 2>"$T/sc.err" 3>&- &
		sc_pid=$!
		st=0
		python3 "$TESTS/engine-peer.py" sibling --wait "$T/sent" --bytes 8000000 \
			2>"$T/sib.err" 3>&- || st=$?
		echo "$st" >"$T/sib.st"
		st=0
		wait "$sc_pid" || st=$?
		echo "$st" >"$T/sc.st"
	} | python3 "$TESTS/engine-peer.py" slowread --rate 20000000 --out "$T/n"
	cat "$T/sib.err" >&2
	[ "$(cat "$T/sib.st")" -eq 0 ]
	if grep -qiE "EAGAIN|temporarily unavailable" "$T/sib.err"; then return 1; fi
	[ "$(cat "$T/sc.st")" -eq 0 ]
	[ "$(cat "$T/n")" -eq $((1048576 + 8000000)) ]
}

@test "engine: after SIGKILL, sockcat's stdin and stdout pipes are not left O_NONBLOCK" {
	head -c 1048576 /dev/urandom >"$T/down"
	py_listen peer --send "$T/down" --after-send hold --hold-secs 20
	run timeout 30 python3 "$TESTS/engine-flags.py" "$SOCKCAT" killed "$port"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "engine: stdin and stdout one description (a socketpair end): not O_NONBLOCK after a normal end" {
	printf 'down-data\n' >"$T/down"
	py_listen peer --send "$T/down" --after-send shut --recv "$T/rec"
	run timeout 30 python3 "$TESTS/engine-flags.py" "$SOCKCAT" shared "$port" <"$T/down"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	wait_file "$T/rec.done"
	[ "$(cat "$T/rec")" = up-data ]
}

# --- 6. -q fires while the peer keeps sending ------------------------------

# The peer floods for 12 s; -q 1 must end the session within 5 s of
# its start (about 1.5 s as a rule: the bound leaves room for a
# sanitizer build on a busy machine), stdout a pipe into a reader of about 20 MB/s (the old
# engine, on its copy path, went on until the flood stopped).

# quit_flood [ENV...]: connect -q 1 against a flooding peer, under ENV.
quit_flood() {
	rm -f "$T/pf"
	engine_peer peer flood --listen "$T/pf" --secs 12
	wait_file "$T/pf"
	t0=$(date +%s%N)
	{
		st=0
		env "$@" timeout 10 "$SOCKCAT" connect -q 1 127.0.0.1 "$(cat "$T/pf")" \
			</dev/null 2>"$T/err" 3>&- || st=$?
		date +%s%N >"$T/t1"
		echo "$st" >"$T/st"
	} | python3 "$TESTS/engine-peer.py" slowread --rate 20000000
	[ "$(cat "$T/st")" -eq 0 ] || { cat "$T/err" >&2; return 1; }
	within_ms "$t0" "$(cat "$T/t1")" 5000
}

@test "engine: connect -q 1 ends within 5 s while the peer floods (stdout a slow pipe; and SOCKCAT_NO_SPLICE)" {
	quit_flood
	quit_flood SOCKCAT_NO_SPLICE=1
}

@test "engine: serve -k -q 1 ends within 5 s while a client floods (stdout a slow pipe)" {
	mkfifo "$T/outp"
	bg rd -i "$T/outp" python3 "$TESTS/engine-peer.py" slowread --rate 20000000
	bg srv sh -c 'exec "$1" serve -k -q 1 -v 127.0.0.1 0 >"$2"' sh "$SOCKCAT" "$T/outp"
	listen_port srv
	t0=$(date +%s%N)
	engine_peer cl flood --connect "$port" --secs 12
	wait_exit "$srv_pid"
	t1=$(date +%s%N)
	[ "$status" -eq 0 ] || { cat "$T/srv.err" >&2; return 1; }
	within_ms "$t0" "$t1" 5000
}

# --- 7. The end of an upload is not lost ------------------------------------

# upload_whole ARGS...: connect ARGS < 5 MB to a peer that reads about
# 5 MB/s and sends a 6-byte ack every 50 ms: the peer gets every byte
# (sha256) without a reset, and sockcat exits 0.
upload_whole() {
	rm -f "$T/pf" "$T/res"
	engine_peer sink slowsink --listen "$T/pf" --out "$T/res"
	wait_file "$T/pf"
	st=0
	timeout 10 "$SOCKCAT" connect "$@" 127.0.0.1 "$(cat "$T/pf")" <"$T/up" >"$T/acks" 2>"$T/err" 3>&- || st=$?
	wait_exit "$sink_pid"
	cat "$T/sink.err" "$T/err" >&2
	[ "$status" -eq 0 ]
	[ "$st" -eq 0 ]
	[ "$(cat "$T/res")" = "5000000 $(sha256sum <"$T/up" | cut -d' ' -f1)" ]
}

@test "engine: connect --send-only < 5 MB to a slow peer that acks: every byte arrives" {
	head -c 5000000 /dev/urandom >"$T/up"
	upload_whole --send-only
}

@test "engine: connect -q 0 < 5 MB to a slow peer that acks: every byte arrives" {
	head -c 5000000 /dev/urandom >"$T/up"
	upload_whole -q 0
}

# --- 8. A stalled terminal on stdout ----------------------------------------

@test "engine: stdout a terminal nobody reads: stdin still reaches the peer within 3 s" {
	run timeout 30 python3 "$TESTS/engine-pty.py" "$SOCKCAT" upload
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "engine: stdout a terminal nobody reads: -i 1 still ends the session within 3 s" {
	run timeout 30 python3 "$TESTS/engine-pty.py" "$SOCKCAT" idle
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

# --- 9. Records and datagrams kept whole -------------------------------------

@test "engine: connect -t seqpacket, 50 records of 100 kB into a slow pipe: all bytes, or exit 1 naming the record" {
	engine_peer peer seqsend --unix "$T/q.sock" --listen-unix --records 50 --size 100000 --expect "$T/want"
	wait_file "$T/q.sock.ready"
	{
		st=0
		timeout 10 "$SOCKCAT" connect -U -t seqpacket "$T/q.sock" </dev/null 2>"$T/err" 3>&- || st=$?
		echo "$st" >"$T/st"
	} | python3 "$TESTS/engine-peer.py" slowread --rate 20000000 --data "$T/got"
	records_kept "$(cat "$T/st")" "$T/got" "$T/want" "$T/err"
}

@test "engine: serve -t seqpacket >> file, records of 300000 bytes: all bytes, or exit 1 naming the record" {
	printf 'before\n' >"$T/log"
	bg srv sh -c 'exec "$1" serve -v -U -t seqpacket "$2" >>"$3"' sh "$SOCKCAT" "$T/q.sock" "$T/log"
	wait_for "$T/srv.err" "listening on"
	# Send buffer 1 MiB, so that the kernel takes a 300000-byte record.
	engine_peer cl seqsend --unix "$T/q.sock" --connect-unix --records 10 --size 300000 \
		--sndbuf 1048576 --expect "$T/want"
	wait_exit "$srv_pid"
	{ printf 'before\n'; cat "$T/want"; } >"$T/want.log"
	records_kept "$status" "$T/log" "$T/want.log" "$T/srv.err"
}

# seq_upload [ENV...]: connect -U -t seqpacket < 1 MiB to a seqpacket
# server: it gets the whole MiB (records concatenated), exit 0.
seq_upload() {
	rm -f "$T/q.sock" "$T/q.sock.ready" "$T/rec" "$T/rec.n"
	engine_peer peer seqrecv --unix "$T/q.sock" --out "$T/rec"
	wait_file "$T/q.sock.ready"
	st=0
	env "$@" timeout 10 "$SOCKCAT" connect -U -t seqpacket "$T/q.sock" <"$T/up" >/dev/null 2>"$T/err" 3>&- || st=$?
	wait_exit "$peer_pid"
	echo "sockcat status $st" >&2
	cat "$T/peer.err" "$T/err" >&2
	[ "$status" -eq 0 ]
	[ "$st" -eq 0 ]
	cmp "$T/up" "$T/rec"
}

@test "engine: connect -t seqpacket < 1 MiB, SOCKCAT_NO_SPLICE=1 and not: the server gets it all" {
	head -c 1048576 /dev/urandom >"$T/up"
	seq_upload SOCKCAT_NO_SPLICE=1
	seq_upload
}

@test "engine: connect -u < 100000-byte file: cut into datagrams the socket takes, all arrive, exit 0" {
	head -c 100000 /dev/urandom >"$T/up"
	engine_peer rcv udprecv --portfile "$T/pf" --want 100000 --out "$T/res"
	wait_file "$T/pf"
	sc 0 connect -u -q 0 127.0.0.1 "$(cat "$T/pf")" <"$T/up"
	wait_exit "$rcv_pid"
	[ "$status" -eq 0 ]
	[ "$(cut -d' ' -f1 "$T/res")" -eq 100000 ]
}

# --- 10. SIGSTOP does not make healthy -k clients look slow ------------------

# The slow one: about 10 s (6 s of it stopped).
@test "engine: serve -k stopped 6 s then continued: no client dropped, all 4 get the same bytes (slow, ~10 s)" {
	mkfifo "$T/in"
	bg feeder sh -c 'exec 4>"$1"; until [ -e "$2" ]; do sleep 0.02; done
		exec head -c 400000000 /dev/zero >&4' sh "$T/in" "$T/go"
	IN=$T/in serve_bg -k 127.0.0.1 0
	for i in 1 2 3 4; do
		engine_peer "r$i" count --connect "$port" --out "$T/n$i" --started "$T/s$i"
	done
	# All four are in before stdin flows.
	poll_until lines_at_least 4 'connection from' "$T/srv.err"
	[ "$(grep -c 'connection from' "$T/srv.err")" -eq 4 ]
	touch "$T/go"
	for i in 1 2 3 4; do
		wait_file "$T/s$i"
	done
	kill -STOP "$srv_pid"
	sleep 6 # part of the scenario: sockcat is stopped, the clients are not
	# The stream was not over when sockcat stopped (no client has its EOF).
	for i in 1 2 3 4; do
		[ ! -e "$T/n$i" ]
	done
	kill -CONT "$srv_pid"
	for i in 1 2 3 4; do
		wait_exit "$(eval echo "\$r${i}_pid")"
		[ "$status" -eq 0 ]
	done
	if grep "dropped" "$T/srv.err" >&2; then return 1; fi
	for i in 1 2 3 4; do
		[ "$(cat "$T/n$i")" -eq 400000000 ]
	done
}

# --- 10b. unix datagrams larger than any UDP one -------------------------

# dgram_send PATH SIZE...: a python unix datagram client (bound, so that
# a server can answer) sends one datagram of each SIZE to PATH.
dgram_send() {
	local path=$1
	shift
	timeout "$TMO" python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
s.bind(sys.argv[1] + ".client")
s.connect(sys.argv[1])
for i, n in enumerate(sys.argv[2:]):
    s.send(bytes([97 + i]) * int(n))
' "$path" "$@"
}

@test "engine: udp-listen -U takes unix datagrams of 300000 bytes whole" {
	bg ul "$SOCKCAT" udp-listen -v -U -c 3 "$T/u.sock"
	wait_for "$T/ul.err" "listening on"
	dgram_send "$T/u.sock" 300000 100000 500000
	wait_exit "$ul_pid"
	[ "$status" -eq 0 ]
	[ "$(stat -c %s "$T/ul.out")" -eq 900000 ]
	cmp "$T/ul.out" <(head -c 300000 /dev/zero | tr '\0' a
		head -c 100000 /dev/zero | tr '\0' b
		head -c 500000 /dev/zero | tr '\0' c)
}

@test "engine: serve -u -U takes unix datagrams of 300000 bytes whole" {
	idle_stdin
	bg su -i "$T/idle" "$SOCKCAT" serve -v -u -U "$T/s.sock"
	wait_for "$T/su.err" "listening on"
	dgram_send "$T/s.sock" 300000 100000 180000
	wait_for "$T/su.err" "connection from"
	wait_size "$T/su.out" 580000
	[ "$(stat -c %s "$T/su.out")" -eq 580000 ]
}

@test "engine: serve -u -U, a sender gone before it is answered: all it sent is written, exit 0" {
	idle_stdin
	bg su -i "$T/idle" "$SOCKCAT" serve -v -u -U "$T/s.sock"
	wait_for "$T/su.err" "listening on"
	# Stopped, so that the sender has closed its socket before serve
	# reads its first datagram and connects back (which is refused).
	kill -STOP "$su_pid"
	dgram_send "$T/s.sock" 300000 100000 180000
	kill -CONT "$su_pid"
	wait_exit "$su_pid"
	[ "$status" -eq 0 ]
	[ "$(stat -c %s "$T/su.out")" -eq 580000 ]
	grep -qx "sockcat: $T/s.sock.client has gone: received 580000 bytes, nothing can be sent to it" "$T/su.err"
}

@test "engine: serve -u -U, a sender gone with its socket file: as gone, exit 0" {
	idle_stdin
	bg su -i "$T/idle" "$SOCKCAT" serve -v -u -U "$T/s.sock"
	wait_for "$T/su.err" "listening on"
	kill -STOP "$su_pid"
	timeout "$TMO" python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1] + ".client")
s.sendto(b"bye", sys.argv[1])
s.close()
os.unlink(sys.argv[1] + ".client")' "$T/s.sock"
	kill -CONT "$su_pid"
	wait_exit "$su_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/su.out")" = bye ]
	grep -qx "sockcat: $T/s.sock.client has gone: received 3 bytes, nothing can be sent to it" "$T/su.err"
}

@test "engine: serve -u -U, an unbound sender: what it sent is written, a line says why nothing can be answered, exit 0" {
	idle_stdin
	bg su -i "$T/idle" "$SOCKCAT" serve -u -U "$T/s.sock"
	poll_until test -S "$T/s.sock"
	printf 'from nowhere' | timeout "$TMO" "$SOCKCAT" connect -U -u -q 0 "$T/s.sock"
	wait_exit "$su_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/su.out")" = "from nowhere" ]
	[ "$(cat "$T/su.err")" = "sockcat: the sender is unnamed (an unbound socket): received 12 bytes, nothing can be sent to it" ]
	[ ! -e "$T/s.sock" ]
}

# --- diagnostics never hold the relay up ---------------------------------

@test "engine: serve -k -v with a stderr nobody reads still serves every client" {
	mkfifo "$T/errp"
	# Reads serve's first stderr line (the port), then holds the FIFO
	# open without reading it again.
	bg hold python3 -c '
import os, sys, time
f = open(sys.argv[1], "rb", buffering=0)
line = b""
while not line.endswith(b"\n"):
    line += f.read(1)
with open(sys.argv[2] + ".tmp", "w") as o:
    o.write(line.decode().split()[-1])
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
time.sleep(60)
' "$T/errp" "$T/port"
	bg srv sh -c 'exec "$1" serve -k -v 127.0.0.1 0 2>"$2"' sh \
		"$SOCKCAT" "$T/errp"
	wait_file "$T/port"
	port=$(cat "$T/port")
	# 1500 clients make about 150 KiB of -v lines, more than the unread
	# FIFO holds: every client must still be served.
	timeout 60 python3 -c '
import socket, sys
port = int(sys.argv[1])
for i in range(1500):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(b"client %d\n" % i)
    s.shutdown(socket.SHUT_WR)
    if s.recv(1) != b"":
        sys.exit("client %d: data where EOF was due" % i)
    s.close()
' "$port"
	still_running "$srv_pid"
	[ "$(wc -l <"$T/srv.out")" -eq 1500 ]
}

# --- half-closed clients make room ---------------------------------------

@test "engine: serve -k -m 1, stdin idle: a client that closed makes room for the next" {
	idle_stdin
	IN=$T/idle serve_bg -k -m 1 127.0.0.1 0
	# A sends and closes; with stdin idle, sockcat cannot tell a close
	# from a half-close, so A keeps its place until B needs it.
	timeout "$TMO" python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"from a\n")
s.close()' "$port"
	wait_for "$T/srv.out" "from a"
	timeout "$TMO" python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"from b\n")
s.shutdown(socket.SHUT_WR)
s.settimeout(5)
s.recv(1)' "$port" &
	BG_PIDS+=($!)
	wait_for "$T/srv.out" "from b"
	still_running "$srv_pid"
}

@test "engine: serve -k, stdin idle: clients that reset leave no descriptor" {
	idle_stdin
	IN=$T/idle serve_bg -k 127.0.0.1 0
	# A first client: stdin's own description is opened when a client
	# first wants it, and is no leak.
	timeout "$TMO" python3 -c '
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()' "$port"
	wait_for "$T/srv.err" "disconnected"
	base=$(ls "/proc/$srv_pid/fd" | wc -l)
	timeout 60 python3 -c '
import socket, struct, sys
port = int(sys.argv[1])
for i in range(100):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"c%d\n" % i)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()' "$port"
	poll_until lines_at_least 101 disconnected "$T/srv.err"
	[ "$(grep -c disconnected "$T/srv.err")" -eq 101 ]
	[ "$(ls "/proc/$srv_pid/fd" | wc -l)" -eq "$base" ]
}

# --- a producer started beside sockcat -----------------------------------

@test "engine: a producer that writes 5 ms late still sends all to a server that half-closes at once" {
	head -c 1000000 /dev/urandom >"$T/up"
	for i in 1 2 3 4 5; do
		rm -f "$T/srv.out" "$T/srv.err"
		# serve's stdin is /dev/null: it half-closes at accept.
		serve_bg 127.0.0.1 0
		(sleep 0.005; cat "$T/up") | timeout "$TMO" "$SOCKCAT" connect \
			127.0.0.1 "$port" >/dev/null
		wait_exit "$srv_pid"
		[ "$status" -eq 0 ]
		cmp "$T/up" "$T/srv.out"
	done
}

# --- stdout a full pipe at the peer's EOF ---------------------------------

# The stdout pipe is filled to the last slot before sockcat starts; the
# peer sends 5 bytes and closes; one slot (4096 bytes) is then read.
# sockcat splices the 5 bytes into it: the pipe is full again with only
# the peer's EOF left in the socket, and a splice says EAGAIN for the
# pipe before it looks at the socket.  Once the pipe is read to its end,
# sockcat must end, as at any socket EOF (it waited for ever).
full_pipe_eof() {
	run timeout $((TMO * 2)) python3 -c '
import fcntl, os, socket, subprocess, sys, threading, time
cmd = sys.argv[1:]
r, w = os.pipe()
fcntl.fcntl(w, 1031, 1 << 20)           # F_SETPIPE_SZ: as sockcat asks
os.set_blocking(w, False)
filled = 0
while True:
    try:
        filled += os.write(w, b"f" * 4096)
    except BlockingIOError:
        break
os.set_blocking(w, True)
if cmd[1] == "connect":
    ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
    cmd += ["127.0.0.1", str(ls.getsockname()[1])]
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=w)
    c, _ = ls.accept()
else:
    p = subprocess.Popen(cmd + ["-v", "127.0.0.1", "0"], stdin=subprocess.DEVNULL,
                         stdout=w, stderr=subprocess.PIPE)
    port = int(p.stderr.readline().split()[-1])
    c = socket.create_connection(("127.0.0.1", port))
os.close(w)
c.sendall(b"hello")
c.close()
def queued():
    return int.from_bytes(fcntl.ioctl(r, 0x541B, b"\0" * 4), "little")  # FIONREAD
first = os.read(r, 4096)
end = time.monotonic() + 10
while queued() != filled - len(first) + 5 and time.monotonic() < end:
    time.sleep(0.01)
print("refilled", queued() == filled - len(first) + 5)
rest = b""
while True:
    b = os.read(r, 1 << 20)
    if not b:
        break
    rest += b
print("bytes", len(first) + len(rest) == filled + 5, "tail", rest[-5:].decode())
print("status", p.wait(10))
' "$SOCKCAT" "$@"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "refilled True" ]
	[ "${lines[1]}" = "bytes True tail hello" ]
	[ "${lines[2]}" = "status 0" ]
}

@test "engine: connect, stdout a pipe full at the peer's EOF: all written, then the end" {
	full_pipe_eof connect
}

@test "engine: serve, stdout a pipe full at the client's EOF: all written, then the end" {
	full_pipe_eof serve
}

# --- serve -k -m: a client waiting in the backlog --------------------------

@test "engine: serve -k -m 1, stdin open: a client waiting in the backlog takes the place of one that closes; once in, it keeps it" {
	mkfifo "$T/in"
	bg feeder sh -c 'exec 4>"$1"; until [ -e "$2" ]; do sleep 0.02; done
		echo "late line" >&4' sh "$T/in" "$T/go"
	IN=$T/in serve_bg -k -m 1 127.0.0.1 0
	bg a python3 -c '
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
end = time.monotonic() + 20
while not os.path.exists(sys.argv[2]) and time.monotonic() < end:
    time.sleep(0.02)
s.close()' "$port" "$T/a.close"
	wait_for "$T/srv.err" "connection from"
	bg b python3 "$TESTS/line-client.py" "$port" "from b" --shut --timeout 20
	# B waits in the backlog (the listener's Recv-Q) before A closes.
	poll_until backlog_is 1
	touch "$T/a.close"
	wait_for "$T/srv.out" "from b"
	# B has half-closed and nobody waits: it is not closed to make
	# room, and stdin's later line reaches it.
	touch "$T/go"
	wait_exit "$b_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/b.out")" = "late line" ]
}

backlog_is() {
	[ "$(ss -Hltn "sport = :$port" | awk '{print $2}')" = "$1" ]
}
