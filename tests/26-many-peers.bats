#!/usr/bin/env bats
# Many peers' arrangements: serve -k --broker, --label (serve, serve -u,
# udp-listen) and --route.  The multi-client checks are driven by
# tests/many-peers.py (python3 clients, and a `sockcat connect` among
# them for the broker); the rest by sockcat's own connect and
# udp-send.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

mp() {
	timeout -k 2 60 python3 "$TESTS/many-peers.py" "$SOCKCAT" "$T" "$1"
}

@test "--broker: three clients each get the other two's lines, never their own; stdout gets all" {
	mp broker
}

@test "--broker: a client that reads nothing is dropped after 5 s with -v; the others go on and lose nothing" {
	mp slow
}

@test "--label: 50 clients x 200 lines of random lengths up to 100 kB at once: every line whole, rightly labelled, in order" {
	mp label
}

@test "--label: unix clients are 'unix N' in order of arrival; a last line without a newline gets one" {
	bg srv "$SOCKCAT" serve -k -v --label -U "$T/sock"
	listen_port srv || wait_for "$T/srv.err" "listening on"
	printf 'first\nno newline' >"$T/a"
	printf 'second\n' >"$T/b"
	sc 0 connect -q 1 -U "$T/sock" <"$T/a"
	wait_for "$T/srv.err" "disconnected"
	sc 0 connect -q 1 -U "$T/sock" <"$T/b"
	wait_for "$T/srv.out" "second"
	[ "$(cat "$T/srv.out")" = "$(printf 'unix 1\tfirst\nunix 1\tno newline\nunix 2\tsecond')" ]
}

@test "--label without -k, and serve -u --label: one client's lines, datagrams one line each" {
	serve_bg --label 127.0.0.1 0
	printf 'a\nb' >"$T/in"
	sc 0 connect -q 2 127.0.0.1 "$port" <"$T/in"
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	cport=$(sed -n 's/.*connection from 127.0.0.1 port \([0-9]*\).*/\1/p' "$T/srv.err")
	[ "$(cat "$T/srv.out")" = "$(printf '127.0.0.1 %s\ta\n127.0.0.1 %s\tb' "$cport" "$cport")" ]
	bg u "$SOCKCAT" serve -u -v -q 1 --label 127.0.0.1 0
	listen_port u
	printf 'one' >"$T/d1"
	printf 'two\nlines\n' >"$T/d2"
	sc 0 udp-send 127.0.0.1 "$port" <"$T/d1"
	wait_for "$T/u.out" one
	cport=$(sed -n 's/.*connection from 127.0.0.1 port \([0-9]*\).*/\1/p' "$T/u.err")
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[2])))
s.sendto(open(sys.argv[3], "rb").read(), ("127.0.0.1", int(sys.argv[1])))
' "$port" "$cport" "$T/d2"
	wait_exit "$u_pid"
	[ "$(cat "$T/u.out")" = "$(printf '127.0.0.1 %s\tone\n127.0.0.1 %s\ttwo\nlines' "$cport" "$cport")" ]
}

@test "--label with --proxy-protocol: the header's client is the label" {
	serve_bg -k --label --proxy-protocol 127.0.0.1 0
	python3 "$TESTS/pp-send.py" "$port" v1-tcp4 "behind a balancer
" >/dev/null
	wait_for "$T/srv.out" "balancer"
	[ "$(cat "$T/srv.out")" = "$(printf '192.0.2.10 40000\tbehind a balancer')" ]
}

@test "--route: a line to one client, to all (*), to nobody, without a label, to a client gone" {
	mp route
}

@test "--route: 300 clients, three lines each, the clients in reverse order: each gets only its own" {
	mp route-many
}

@test "udp-listen --label --route: datagrams labelled, replies to one sender and to both; a last line without a newline" {
	mp udp
}

@test "--route --json: a line for nobody is an 'unrouted' event" {
	mkfifo "$T/fifo"
	exec 5<>"$T/fifo"
	bg srv -i "$T/fifo" "$SOCKCAT" serve -k -v --json --label --route 127.0.0.1 0
	wait_for "$T/srv.err" '"event":"listening"'
	port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$T/srv.err")
	# stdin is read while someone is there to take it, as with -k.
	bg cli "$SOCKCAT" connect -d 127.0.0.1 "$port"
	wait_for "$T/srv.err" '"event":"connection"'
	printf '192.0.2.1 9\tlost\nno label\n' >&5
	wait_for "$T/srv.err" '"event":"unrouted","label":"192.0.2.1 9"'
	wait_for "$T/srv.err" '"event":"unrouted"}'
	exec 5>&-
	python3 "$TESTS/json-events.py" "$T/srv.err"
}

@test "usage: --broker needs -k, --route needs --label and -k, -e takes neither" {
	usage_table \
		'--broker needs --keep-open|serve --broker 0' \
		'--route needs --label|serve -k --route 0' \
		'--route needs --keep-open|serve --label --route 0' \
		'--exec conflicts with --label|serve -k --label -e cat 0' \
		'--exec conflicts with --broker|serve -k --broker -e cat 0' \
		'--route needs --label|udp-listen --route 0' \
		'--broker needs --keep-open|serve -u --broker 0'
}
