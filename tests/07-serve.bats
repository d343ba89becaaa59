#!/usr/bin/env bats
# serve (one client): listening addresses, -v lines, peers as clients,
# unix socket file rules, signals.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

@test "serve relays both ways with a python client, then exits 0" {
	printf 'from the server\n' >"$T/up"
	printf 'from the client\n' >"$T/down"
	IN=$T/up serve_bg 127.0.0.1 0
	timeout 10 python3 "$TESTS/peer.py" --connect "$port" --send "$T/down" --after-send shut --recv "$T/rec"
	cmp "$T/up" "$T/rec"
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	cmp "$T/down" "$T/srv.out"
	grep -q "^sockcat: connection from 127.0.0.1 port [0-9]*$" "$T/srv.err"
	grep -q "^sockcat: sent 16 bytes, received 16 bytes$" "$T/srv.err"
}

@test "serve takes uploads from nc.openbsd, ncat and socat" {
	head -c 300000 /dev/urandom >"$T/up"
	for tool in nc ncat socat; do
		serve_bg 127.0.0.1 0
		case $tool in
		nc)	timeout 10 nc.openbsd -N 127.0.0.1 "$port" <"$T/up" >/dev/null ;;
		ncat)	timeout 10 ncat --send-only 127.0.0.1 "$port" <"$T/up" ;;
		socat)	timeout 10 socat -u OPEN:"$T/up" TCP:127.0.0.1:"$port" ;;
		esac
		wait_exit "$srv_pid"
		[ "$status" -eq 0 ]
		cmp "$T/up" "$T/srv.out"
	done
}

@test "curl POSTs to serve and gets the response fed on stdin" {
	printf 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n' >"$T/resp"
	IN=$T/resp serve_bg 127.0.0.1 0
	run timeout 10 curl -sS --data-binary 'the body' "http://127.0.0.1:$port/x"
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	grep -q '^POST /x HTTP/1.1' "$T/srv.out"
	grep -q 'the body$' "$T/srv.out"
}

@test "no HOST: one dual-stack socket on ::, reached over IPv4 and IPv6" {
	for addr in 127.0.0.1 ::1; do
		printf 'via %s\n' "$addr" >"$T/up"
		serve_bg 0
		grep -q "^sockcat: listening on :: port $port$" "$T/srv.err"
		[ "$(grep -c listening "$T/srv.err")" -eq 1 ]
		timeout 10 python3 "$TESTS/peer.py" --host "$addr" --connect "$port" --send "$T/up" --after-send shut
		wait_exit "$srv_pid"
		cmp "$T/up" "$T/srv.out"
	done
}

@test "an IPv4 client of the dual-stack socket is named 127.0.0.1, not ::ffff:127.0.0.1" {
	serve_bg 0
	timeout 10 python3 "$TESTS/peer.py" --host 127.0.0.1 --connect "$port" --after-send shut
	wait_exit "$srv_pid"
	grep -qE '^sockcat: connection from 127\.0\.0\.1 port [0-9]+$' "$T/srv.err"
	! grep -q ffff "$T/srv.err"
	serve_bg -k -e 'echo "$SOCKCAT_PEER_ADDR $SOCKCAT_LOCAL_ADDR"' 0
	sc 0 connect 127.0.0.1 "$port" </dev/null
	[ "$out" = "127.0.0.1 127.0.0.1" ]
	sc 0 connect ::1 "$port" </dev/null
	[ "$out" = "::1 ::1" ]
	grep -qE '^sockcat: connection from 127\.0\.0\.1 port [0-9]+$' "$T/srv.err"
}

@test "-4 listens on 0.0.0.0, -6 on :: only" {
	serve_bg -4 0
	grep -q "^sockcat: listening on 0.0.0.0 port $port$" "$T/srv.err"
	kill "$srv_pid"
	serve_bg -6 0
	grep -q "^sockcat: listening on :: port $port$" "$T/srv.err"
	# IPV6_V6ONLY: IPv4 clients are refused.
	run timeout 5 "$SOCKCAT" connect -d 127.0.0.1 "$port"
	[ "$status" -eq 1 ]
}

@test "a HOST: every address it resolves to is bound, on one port" {
	serve_bg localhost 0
	want=$("$SOCKCAT" resolve -t stream localhost | wc -l)
	# The lines all come before accept; wait (bounded) for as many.
	poll_until lines_at_least "$want" "listening on .* port $port$" "$T/srv.err"
	[ "$(grep -c "listening on .* port $port$" "$T/srv.err")" -eq "$want" ]
}

@test "a port in use is a run-time error naming it" {
	serve_bg 127.0.0.1 0
	sc 1 serve 127.0.0.1 "$port" </dev/null
	one_error_line "^sockcat: serve 127.0.0.1 port $port: Address already in use$"
}

@test "SO_REUSEADDR: the port is free again right after a session" {
	printf 'x\n' >"$T/up"
	serve_bg 127.0.0.1 0
	timeout 10 python3 "$TESTS/peer.py" --connect "$port" --send "$T/up" --after-send shut
	wait_exit "$srv_pid"
	# The server closed first after the client: its side may be in
	# TIME_WAIT, and a new listener must still bind.
	bg again "$SOCKCAT" serve -v 127.0.0.1 "$port"
	wait_for "$T/again.err" "listening on 127.0.0.1 port $port"
}

@test "one client: a second one is refused, not left waiting" {
	serve_bg 127.0.0.1 0
	bg c1 python3 "$TESTS/peer.py" --connect "$port" --after-send hold --hold-secs 10
	wait_for "$T/srv.err" "connection from"
	run timeout 5 "$SOCKCAT" connect -d 127.0.0.1 "$port"
	[ "$status" -eq 1 ]
	grep -q "Connection refused" <<<"$output"
}

@test "SIGINT while waiting for a client: exit 130" {
	serve_bg 127.0.0.1 0
	kill -INT "$srv_pid"
	wait_exit "$srv_pid"
	[ "$status" -eq 130 ]
}

@test "-b sets the backlog" {
	printf 'b\n' >"$T/up"
	serve_bg -b 1 127.0.0.1 0
	timeout 10 python3 "$TESTS/peer.py" --connect "$port" --send "$T/up" --after-send shut
	wait_exit "$srv_pid"
	cmp "$T/up" "$T/srv.out"
}

@test "serve -U: relays, and removes the socket file at the end" {
	printf 'over unix\n' >"$T/up"
	bg srv "$SOCKCAT" serve -v -U "$T/s.sock"
	wait_for "$T/srv.err" "listening on $T/s.sock"
	[ -S "$T/s.sock" ]
	timeout 10 python3 "$TESTS/peer.py" --unix-connect "$T/s.sock" --send "$T/up" --after-send shut
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	cmp "$T/up" "$T/srv.out"
	[ ! -e "$T/s.sock" ]
}

@test "serve -U replaces a stale socket file" {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/stale.sock"
	[ -S "$T/stale.sock" ]
	bg srv "$SOCKCAT" serve -v -U "$T/stale.sock"
	wait_for "$T/srv.err" "listening on $T/stale.sock"
}

@test "serve -U refuses a regular file and leaves it intact" {
	printf 'precious\n' >"$T/file"
	sc 1 serve -U "$T/file" </dev/null
	one_error_line "serve $T/file: file exists and is not a socket"
	[ "$(cat "$T/file")" = precious ]
}

@test "serve -U removes its socket file on SIGHUP, SIGQUIT, SIGUSR1 and SIGALRM too (128+N)" {
	for sig in HUP:129 QUIT:131 USR1:138 ALRM:142; do
		bg srv "$SOCKCAT" serve -v -U "$T/s.sock"
		wait_for "$T/srv.err" "listening on"
		kill -"${sig%:*}" "$srv_pid"
		wait_exit "$srv_pid"
		[ "$status" -eq "${sig#*:}" ] || { echo "SIG${sig%:*}: status $status" >&2; false; }
		[ ! -e "$T/s.sock" ] || { echo "SIG${sig%:*} left the file" >&2; false; }
	done
}

@test "serve -U refuses a live socket, which keeps working" {
	printf 'first\n' >"$T/up"
	IN=$T/up bg srv -i "$T/up" "$SOCKCAT" serve -v -U "$T/live.sock"
	wait_for "$T/srv.err" "listening on"
	sc 1 serve -U "$T/live.sock" </dev/null
	one_error_line "serve $T/live.sock: a server is listening there"
	[ -S "$T/live.sock" ]
	sc 0 connect -U "$T/live.sock" </dev/null
	[ "$out" = first ]
}

@test "serve -U refuses a live server bound by a relative path, seen by any spelling of it" {
	mkdir -p "$T/d"
	# sockcat, then socat, listening on a relative path.
	for first in sockcat socat; do
		if [ "$first" = sockcat ]; then
			(cd "$T/d" && exec "$SOCKCAT" serve -v -U live.sock </dev/null \
				>"$T/first.out" 2>"$T/first.err" 3>&-) &
		else
			(cd "$T/d" && exec socat UNIX-LISTEN:live.sock SYSTEM:'echo first' \
				</dev/null >"$T/first.out" 2>"$T/first.err" 3>&-) &
		fi
		BG_PIDS+=($!)
		first_pid=$!
		wait_file "$T/d/live.sock"
		for spelling in live.sock ./live.sock "$T/d/live.sock"; do
			(cd "$T/d" && sc 1 serve -U "$spelling" </dev/null &&
				one_error_line 'a server is listening there')
		done
		# From another directory.
		(cd "$T" && sc 1 serve -U d/live.sock </dev/null)
		(cd "$T" && sc 1 udp-listen -U d/live.sock </dev/null)
		[ -S "$T/d/live.sock" ]
		# The first server still serves.
		sc 0 connect -U "$T/d/live.sock" </dev/null
		[ "$first" = sockcat ] || [ "$out" = first ]
		wait_exit "$first_pid" || kill "$first_pid"
		rm -f "$T/d/live.sock"
	done
}

@test "udp-listen -U refuses a live datagram socket bound by a relative path; a stale one is replaced" {
	mkdir -p "$T/d"
	(cd "$T/d" && exec "$SOCKCAT" udp-listen -v -U dg.sock </dev/null \
		>"$T/first.out" 2>"$T/first.err" 3>&-) &
	BG_PIDS+=($!)
	wait_file "$T/d/dg.sock"
	(cd "$T/d" && sc 1 udp-listen -U ./dg.sock </dev/null &&
		one_error_line 'a server is listening there')
	sc 1 udp-listen -U "$T/d/dg.sock" </dev/null
	# A stale one: bound, then its socket closed without unlinking.
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)' "$T/stale.sock"
	bg srv "$SOCKCAT" serve -v -U "$T/stale.sock"
	wait_for "$T/srv.err" "listening on $T/stale.sock"
}

@test "serve -U removes the socket file on SIGTERM and SIGINT" {
	for sig in TERM INT; do
		bg srv "$SOCKCAT" serve -v -U "$T/sig.sock"
		wait_for "$T/srv.err" "listening on"
		[ -S "$T/sig.sock" ]
		kill -s "$sig" "$srv_pid"
		wait_exit "$srv_pid"
		[ "$status" -eq $((128 + $(kill -l "$sig"))) ]
		[ ! -e "$T/sig.sock" ]
	done
}

@test "serve -U @name uses the abstract namespace, no file" {
	cd "$T"
	bg srv "$SOCKCAT" serve -v -U "@sockcat-abs-$$"
	wait_for "$T/srv.err" "listening on @sockcat-abs-$$"
	[ -z "$(ls "$T" | grep -v '^srv\.' | grep -v '^sc\.' || true)" ]
	sc 0 connect -U "@sockcat-abs-$$" </dev/null
}
