#!/usr/bin/env bats
# The data paths of the relay, each checked with a checksum of what
# arrived: stdin from a file (sendfile), a pipe (splice straight to the
# socket), a character device (through a private pipe), a terminal
# (read/write); stdout to a file (through a private pipe), a pipe (splice
# straight from the socket), /dev/null (dropped in the kernel), a file
# opened for appending and a terminal (read/write); and the same under
# SOCKCAT_NO_SPLICE.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	head -c 8388608 /dev/urandom >"$T/up"
	head -c 8388608 /dev/urandom >"$T/down"
}

# peer [ARGS...]: a python peer on 127.0.0.1 that sends $T/down,
# half-closes, and records what it gets in $T/rec; sets $port.
peer() {
	rm -f "$T/rec" "$T/rec.done"
	py_listen peer --send "$T/down" --after-send shut --recv "$T/rec" "$@"
}

# uploaded FILE: the peer got exactly FILE.
uploaded() {
	wait_file "$T/rec.done"
	cmp "$1" "$T/rec"
}

@test "paths: stdin a file, stdout a file" {
	peer
	timeout 30 "$SOCKCAT" connect 127.0.0.1 "$port" <"$T/up" >"$T/got"
	uploaded "$T/up"
	cmp "$T/down" "$T/got"
}

@test "paths: stdin a pipe, stdout a pipe" {
	peer
	cat "$T/up" | timeout 30 "$SOCKCAT" connect 127.0.0.1 "$port" | cat >"$T/got"
	uploaded "$T/up"
	cmp "$T/down" "$T/got"
}

@test "paths: stdin a character device (/dev/zero through head's pipe and /dev/null), stdout /dev/null" {
	peer
	timeout 30 "$SOCKCAT" connect -v 127.0.0.1 "$port" </dev/null >/dev/null 2>"$T/e"
	uploaded /dev/null
	grep -q "received 8388608 bytes" "$T/e"
	peer
	timeout 30 "$SOCKCAT" connect -v 127.0.0.1 "$port" < <(head -c 3000000 /dev/zero) >/dev/null 2>"$T/e"
	uploaded <(head -c 3000000 /dev/zero)
	grep -q "sent 3000000 bytes, received 8388608 bytes" "$T/e"
}

@test "paths: stdout a file opened for appending (>>) keeps what was there" {
	printf 'before\n' >"$T/log"
	peer
	timeout 30 "$SOCKCAT" connect 127.0.0.1 "$port" <"$T/up" >>"$T/log"
	uploaded "$T/up"
	{ printf 'before\n'; cat "$T/down"; } | cmp - "$T/log"
}

@test "paths: stdout a terminal (script(1), raw mode)" {
	peer
	timeout 30 script -qec "stty raw -echo; exec '$SOCKCAT' connect 127.0.0.1 $port <'$T/up'" \
		/dev/null </dev/null >"$T/got"
	uploaded "$T/up"
	cmp "$T/down" "$T/got"
}

@test "paths: stdin a terminal (script(1)): lines typed, then EOF" {
	peer
	printf 'typed line one\nand two\n' | timeout 30 script -qec \
		"exec '$SOCKCAT' connect 127.0.0.1 $port >'$T/got'" /dev/null >/dev/null
	uploaded <(printf 'typed line one\nand two\n')
	cmp "$T/down" "$T/got"
}

@test "paths: SOCKCAT_NO_SPLICE with a file, a pipe and /dev/null" {
	peer
	SOCKCAT_NO_SPLICE=1 timeout 30 "$SOCKCAT" connect 127.0.0.1 "$port" <"$T/up" >"$T/got"
	uploaded "$T/up"
	cmp "$T/down" "$T/got"
	peer
	cat "$T/up" | SOCKCAT_NO_SPLICE=1 timeout 30 "$SOCKCAT" connect -v 127.0.0.1 "$port" 2>"$T/e" >/dev/null
	uploaded "$T/up"
	grep -q "received 8388608 bytes" "$T/e"
}

@test "paths: serve < file to connect > file, and serve > pipe from connect < pipe" {
	IN="$T/up" serve_bg 127.0.0.1 0
	timeout 30 "$SOCKCAT" connect 127.0.0.1 "$port" </dev/null >"$T/got"
	cmp "$T/up" "$T/got"
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	# serve's stdin idle (not at its end, which would half-close the
	# connection at once and, by the contract, end connect before its
	# stdin delivered anything).
	mkfifo "$T/idle"
	bg holder sh -c 'exec sleep 30 >"$1"' sh "$T/idle"
	bg srv2 -i "$T/idle" sh -c "exec '$SOCKCAT' serve -v 127.0.0.1 0 | cat >'$T/got2'"
	listen_port srv2
	cat "$T/down" | timeout 30 "$SOCKCAT" connect 127.0.0.1 "$port" >/dev/null
	wait_exit "$srv2_pid"
	cmp "$T/down" "$T/got2"
}

@test "paths: a peer that half-closes at once and reads late still gets every byte (file and pipe stdin)" {
	# The upload waits on a full socket for longer than the linger
	# after the peer's EOF; it must go on all the same.
	head -c 33554432 /dev/urandom >"$T/big"
	peer --read-delay 1.5
	timeout 30 "$SOCKCAT" connect 127.0.0.1 "$port" <"$T/big" >/dev/null
	uploaded "$T/big"
	peer --read-delay 1.5
	cat "$T/big" | timeout 30 "$SOCKCAT" connect 127.0.0.1 "$port" >/dev/null
	uploaded "$T/big"
}

@test "paths: stdout's reader leaving mid-transfer ends the session quietly (pipe)" {
	head -c 33554432 /dev/urandom >"$T/down"
	peer
	status=0
	timeout 30 "$SOCKCAT" connect -d 127.0.0.1 "$port" 2>"$T/e" | head -c 1000 >"$T/got" || true
	[ "$(stat -c %s "$T/got")" -eq 1000 ]
	[ ! -s "$T/e" ]
	cmp "$T/got" <(head -c 1000 "$T/down")
}

@test "paths: -q with stdout's pipe full still writes what the peer sent before the quit" {
	# stdout is a pipe whose reader sleeps past the -q moment: the bytes
	# then wait in the socket (a direct splice path), and must come out.
	head -c 4000000 /dev/urandom >"$T/down"
	py_listen peer --send "$T/down" --after-send hold --hold-secs 20
	timeout 20 "$SOCKCAT" connect -q 0.5 127.0.0.1 "$port" </dev/null |
		{ sleep 2; cat; } >"$T/got"
	cmp "$T/down" "$T/got"
}

# A unix listener with a full backlog (listen(0), filled with
# connections it never accepts); with "accept" it starts serving after
# half a second.
FULL_PY='
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(0)
cs = []
for i in range(8):
    c = socket.socket(socket.AF_UNIX); c.setblocking(False)
    try: c.connect(sys.argv[1])
    except BlockingIOError: break
    cs.append(c)
print("full", flush=True)
if sys.argv[2] == "accept":
    time.sleep(0.5)
    while True:
        a, _ = s.accept(); a.sendall(b"served\n"); a.close()
time.sleep(20)'

@test "connect -U to a listener whose backlog is full waits within -w, then fails naming the path" {
	bg full python3 -c "$FULL_PY" "$BATS_TEST_TMPDIR/full.sock" hold
	wait_for "$BATS_TEST_TMPDIR/full.out" '^full$'
	start=$(date +%s%N)
	sc 1 connect -v -U -w 0.6 "$BATS_TEST_TMPDIR/full.sock" </dev/null
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$ms" -ge 500 ] || { echo "gave up after $ms ms" >&2; false; }
	one_error_line "^sockcat: connect $BATS_TEST_TMPDIR/full.sock: Resource temporarily unavailable$"
	# A backlog that frees up within -w: connected, and served.
	bg full2 python3 -c "$FULL_PY" "$BATS_TEST_TMPDIR/full2.sock" accept
	wait_for "$BATS_TEST_TMPDIR/full2.out" '^full$'
	sc 0 connect -U -w 5 "$BATS_TEST_TMPDIR/full2.sock" </dev/null
	[ "$out" = served ]
}

@test "-s PATH with -U binds the source path (the peer sees it), removed at the end; never someone else's file" {
	T=$BATS_TEST_TMPDIR
	bg lst python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
print("ready", flush=True)
c, a = s.accept(); c.sendall(("peer %s\n" % a).encode()); c.close()' "$T/st.sock"
	wait_for "$T/lst.out" ready
	sc 0 connect -U -s "$T/src.sock" "$T/st.sock" </dev/null
	[ "$out" = "peer $T/src.sock" ]
	[ ! -e "$T/src.sock" ]
	bg dg python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
print("ready", flush=True)
d, a = s.recvfrom(100); print(d.decode(), a, flush=True)' "$T/dg.sock"
	wait_for "$T/dg.out" ready
	sc 0 udp-send -U -s "$T/dsrc.sock" -m hello "$T/dg.sock"
	wait_for "$T/dg.out" "^hello $T/dsrc.sock\$"
	[ ! -e "$T/dsrc.sock" ]
	# A file there already is not ours to take or remove.
	printf 'keep\n' >"$T/taken"
	sc 1 udp-send -U -s "$T/taken" -m x "$T/dg.sock"
	one_error_line "^sockcat: udp-send: --source $T/taken: File exists$"
	[ "$(cat "$T/taken")" = keep ]
	usage_fails "--source-port does not go with --unix" connect -U --source-port 5 "$T/st.sock"
}
