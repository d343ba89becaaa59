#!/usr/bin/env bats
# --allow, --deny, --allow-file, --deny-file on serve (one client, -k,
# -e, -u) and udp-listen, with 127.0.0.1 and 127.0.0.2 as the two
# sources (connect -s 127.0.0.2, udp-send -s 127.0.0.2): a client kept
# out is closed at once and told with -v; none of its bytes reach
# stdout or -e.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	printf 'from one\n' >"$T/one"
	printf 'from two\n' >"$T/two"
}

# from SRC PORT FILE: connect from SRC and send FILE; the status in
# $status.
from() {
	status=0
	timeout "$TMO" "$SOCKCAT" connect -q 1 -s "$1" 127.0.0.1 "$2" <"$3" \
		>/dev/null 2>&1 || status=$?
}

@test "serve -k --allow: 127.0.0.2 refused at once and told, 127.0.0.1 served; nothing of the refused one on stdout" {
	serve_bg -k --allow 127.0.0.1 127.0.0.1 0
	from 127.0.0.2 "$port" "$T/two"
	wait_for "$T/srv.err" "^sockcat: refused 127.0.0.2 port [0-9]+ \(not allowed\)$"
	from 127.0.0.1 "$port" "$T/one"
	wait_for "$T/srv.out" "from one"
	! grep -q "from two" "$T/srv.out"
	! grep -q "connection from 127.0.0.2" "$T/srv.err"
}

@test "deny wins over allow; CIDR blocks; an IPv4 rule matches a dual-stack listener's mapped clients" {
	serve_bg -k --allow 127.0.0.0/8 --deny 127.0.0.2/32 0
	from 127.0.0.2 "$port" "$T/two"
	wait_for "$T/srv.err" "refused (::ffff:)?127.0.0.2 port"
	from 127.0.0.1 "$port" "$T/one"
	wait_for "$T/srv.out" "from one"
	! grep -q "from two" "$T/srv.out"
	timeout "$TMO" "$SOCKCAT" connect -q 1 ::1 "$port" <"$T/one" >/dev/null 2>&1 || true
	wait_for "$T/srv.err" "refused ::1 port"
}

@test "an IPv6 block shorter than /96 (::/0) keeps out IPv6 clients only; the mapped form spelt out matches an IPv4 one" {
	serve_bg -k --deny ::/0 --deny ::ffff:127.0.0.2 0
	timeout "$TMO" "$SOCKCAT" connect -q 1 ::1 "$port" <"$T/one" >/dev/null 2>&1 || true
	wait_for "$T/srv.err" "refused ::1 port"
	from 127.0.0.2 "$port" "$T/two"
	wait_for "$T/srv.err" "refused 127.0.0.2 port"
	from 127.0.0.1 "$port" "$T/one"
	wait_for "$T/srv.out" "from one"
	! grep -q "from two" "$T/srv.out"
	! grep -q "refused 127.0.0.1" "$T/srv.err"
}

@test "--allow-file and --deny-file: one entry a line, # comments, blank lines, a host name resolved at start" {
	printf '# who may come\n\n  localhost   # by name\n10.0.0.0/8\n' >"$T/allow"
	printf '127.0.0.2 # not this one\n' >"$T/deny"
	serve_bg -k --allow-file "$T/allow" --deny-file "$T/deny" --allow 127.0.0.2 127.0.0.1 0
	from 127.0.0.2 "$port" "$T/two"
	wait_for "$T/srv.err" "refused 127.0.0.2 port"
	from 127.0.0.1 "$port" "$T/one"
	wait_for "$T/srv.out" "from one"
}

@test "serve -e: a refused client never runs the command" {
	serve_bg -k --deny 127.0.0.2 -e 'cat >/dev/null' 127.0.0.1 0
	from 127.0.0.2 "$port" "$T/two"
	wait_for "$T/srv.err" "refused 127.0.0.2 port"
	from 127.0.0.1 "$port" "$T/one"
	wait_for "$T/srv.err" "command [0-9]+ ended"
	[ "$(grep -c 'command [0-9]* ended' "$T/srv.err")" -eq 1 ]
}

@test "serve without -k waits for a client it lets in; serve -u drops a refused datagram" {
	serve_bg --allow 127.0.0.1 127.0.0.1 0
	from 127.0.0.2 "$port" "$T/two"
	wait_for "$T/srv.err" "refused 127.0.0.2 port"
	from 127.0.0.1 "$port" "$T/one"
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/srv.out")" = "from one" ]
	bg u "$SOCKCAT" serve -u -v -q 1 --deny 127.0.0.2 127.0.0.1 0
	listen_port u
	sc 0 udp-send -s 127.0.0.2 127.0.0.1 "$port" <"$T/two"
	wait_for "$T/u.err" "refused a datagram of 9 bytes from 127.0.0.2 port [0-9]+ \(not allowed\)"
	sc 0 udp-send -s 127.0.0.1 127.0.0.1 "$port" <"$T/one"
	wait_exit "$u_pid"
	[ "$(cat "$T/u.out")" = "from one" ]
}

@test "udp-listen --deny: the denied sender's datagrams are dropped and told, the other's kept" {
	bg ul "$SOCKCAT" udp-listen -v -c 1 --deny 127.0.0.2 127.0.0.1 0
	listen_port ul
	sc 0 udp-send -s 127.0.0.2 127.0.0.1 "$port" <"$T/two"
	wait_for "$T/ul.err" "refused a datagram of 9 bytes from 127.0.0.2"
	sc 0 udp-send -s 127.0.0.1 127.0.0.1 "$port" <"$T/one"
	wait_exit "$ul_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/ul.out")" = "from one" ]
}

@test "with --proxy-protocol the header's client is the one checked" {
	serve_bg -k --proxy-protocol --allow 127.0.0.1 127.0.0.1 0
	python3 "$TESTS/pp-send.py" "$port" v1-tcp4 "from 192.0.2.10
" >/dev/null
	wait_for "$T/srv.err" "refused 192.0.2.10 port 40000 \(not allowed\)"
	python3 "$TESTS/pp-send.py" "$port" v2-local "from local
" >/dev/null
	wait_for "$T/srv.out" "from local"
	! grep -q "192.0.2.10" "$T/srv.out"
	! grep -q "disconnected 192.0.2.10" "$T/srv.err"
}

@test "--allow and --deny: bad entries are usage errors, a name that does not resolve is exit 1" {
	usage_table \
		"--allow '10.0.0.0/33': an IPv4 prefix longer than 32|serve --allow 10.0.0.0/33 0" \
		"--deny '::/129': an IPv6 prefix longer than 128|udp-listen --deny ::/129 0" \
		"--allow 'x/8': a block needs an address, not a name|serve --allow x/8 0" \
		"--allow and --deny conflict with -U|serve -U --allow 127.0.0.1 $BATS_TEST_TMPDIR/s" \
		"unknown option '--allow'|connect --allow 127.0.0.1 h 1"
	OFFLINE=1 sc 1 serve --allow no-such-host.invalid 127.0.0.1 0 </dev/null
	one_error_line "^sockcat: --allow no-such-host.invalid: "
	sc 1 serve --allow-file "$T/none" 127.0.0.1 0 </dev/null
	one_error_line "^sockcat: --allow-file $T/none: No such file or directory$"
}
