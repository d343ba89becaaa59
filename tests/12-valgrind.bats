#!/usr/bin/env bats
# valgrind --leak-check=full --track-fds=yes on a whole session of each
# kind: no memory error, no leak, no descriptor open at exit that
# sockcat opened (only what the test's shell handed it).

load helpers

# valgrind cannot run an ASan build: check-sanitize passes the plain
# binary as SOCKCAT_PLAIN.
VG_SOCKCAT="${SOCKCAT_PLAIN:-$SOCKCAT}"

setup() {
	T=$BATS_TEST_TMPDIR
}

# vg NAME ARGS...: the valgrind command line for sockcat ARGS, its log
# in $T/NAME.vg.
vg() {
	local name=$1
	shift
	VG=(valgrind --log-file="$T/$name.vg" --leak-check=full
		--show-leak-kinds=definite,indirect,possible
		--errors-for-leak-kinds=definite,indirect,possible
		--track-fds=yes --error-exitcode=99 "$VG_SOCKCAT" "$@")
}

# vg_clean NAME: the log of NAME shows no error, no leak, and every
# descriptor still open at exit was inherited.
vg_clean() {
	local log=$T/$1.vg opened inherited
	grep -q 'ERROR SUMMARY: 0 errors' "$log" || { cat "$log" >&2; return 1; }
	if grep -qE '(definitely|indirectly|possibly) lost: [1-9]' "$log"; then
		cat "$log" >&2
		return 1
	fi
	grep -q 'FILE DESCRIPTORS:' "$log" || { echo "no fd report" >&2; cat "$log" >&2; return 1; }
	# Every descriptor: files, pipes and sockets ("Open AF_INET socket").
	opened=$(grep -cE '^==[0-9]+== Open ' "$log" || true)
	inherited=$(grep -c '<inherited from parent>' "$log" || true)
	[ "$opened" -eq "$inherited" ] || { cat "$log" >&2; return 1; }
}

@test "valgrind: a connect session (both directions, half-close) is clean" {
	seq 1 20000 >"$T/up"
	bg srv -i "$T/up" "$SOCKCAT" serve -v 127.0.0.1 0
	listen_port srv
	vg conn connect 127.0.0.1 "$port"
	status=0
	seq 1 30000 | timeout 60 "${VG[@]}" >"$T/down" 2>"$T/conn.err" 3>&- || status=$?
	[ "$status" -eq 0 ] || { cat "$T/conn.err" "$T/conn.vg" >&2; false; }
	cmp "$T/down" "$T/up"
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	cmp "$T/srv.out" <(seq 1 30000)
	vg_clean conn
}

@test "valgrind: a serve session, and serve -k with three clients ended by SIGTERM, are clean" {
	vg one serve -v 127.0.0.1 0
	seq 1 20000 >"$T/up"
	bg one -i "$T/up" "${VG[@]}"
	wait_for "$T/one.err" 'listening on .* port [0-9]+'
	port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/one.err" | head -n 1)
	seq 1 30000 | timeout 60 "$SOCKCAT" connect 127.0.0.1 "$port" >"$T/down"
	cmp "$T/down" "$T/up"
	wait_exit "$one_pid"
	[ "$status" -eq 0 ]
	cmp "$T/one.out" <(seq 1 30000)
	vg_clean one

	vg many serve -k -v 127.0.0.1 0
	bg many "${VG[@]}"
	wait_for "$T/many.err" 'listening on .* port [0-9]+'
	port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/many.err" | head -n 1)
	for i in 1 2 3; do
		echo "client $i" | timeout 30 "$SOCKCAT" connect -q 0 127.0.0.1 "$port" >/dev/null
	done
	wait_for "$T/many.out" 'client 3'
	kill -TERM "$many_pid"
	wait_exit "$many_pid"
	[ "$status" -eq 143 ]
	[ "$(grep -c client "$T/many.out")" -eq 3 ]
	vg_clean many
}

@test "valgrind: serve -k --broker --label --route with two clients, one gone midway, is clean" {
	mkfifo "$T/fifo"
	exec 5<>"$T/fifo"
	vg brk serve -k -v --broker --label --route 127.0.0.1 0
	bg brk -i "$T/fifo" "${VG[@]}"
	wait_for "$T/brk.err" 'listening on .* port [0-9]+'
	port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/brk.err" | head -n 1)
	bg a "$SOCKCAT" connect -d 127.0.0.1 "$port"
	wait_for "$T/brk.err" "connection from"
	printf 'partial line' | timeout 30 "$SOCKCAT" connect -q 0 127.0.0.1 "$port" >/dev/null
	wait_for "$T/brk.out" "partial line"
	wait_for "$T/a.out" "partial line"
	printf '*\tto all\nnobody 1\tlost\n' >&5
	wait_for "$T/a.out" "to all"
	wait_for "$T/brk.err" "route: no peer nobody 1"
	kill -TERM "$brk_pid"
	wait_exit "$brk_pid"
	exec 5>&-
	[ "$status" -eq 143 ]
	grep -qE "^127.0.0.1 [0-9]+	partial line$" "$T/brk.out"
	vg_clean brk
}

@test "valgrind: forward (a client through to a target) and forward -u (to a port nobody answers) are clean" {
	bg back "$SOCKCAT" serve -k -v 127.0.0.1 0
	wait_for "$T/back.err" 'listening on .* port [0-9]+'
	bport=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/back.err" | head -n 1)
	vg fw forward -v 127.0.0.1:0 "127.0.0.1:$bport"
	bg fw "${VG[@]}"
	wait_for "$T/fw.err" 'listening on .* port [0-9]+'
	port=$(sed -n 's/.*listening on .* port \([0-9]*\).*/\1/p' "$T/fw.err" | head -n 1)
	seq 1 20000 | timeout 60 "$SOCKCAT" connect -q 1 127.0.0.1 "$port" >/dev/null
	wait_for "$T/back.out" '^20000$'
	wait_for "$T/fw.err" 'received 108894 bytes'
	kill -TERM "$fw_pid"
	wait_exit "$fw_pid"
	[ "$status" -eq 143 ]
	vg_clean fw

	vg fu forward -u -v -i 0.2 127.0.0.1:0 "127.0.0.1:$bport"
	bg fu "${VG[@]}"
	wait_for "$T/fu.err" 'listening on .* port [0-9]+'
	port=$(sed -n 's/.*listening on .* port \([0-9]*\).*/\1/p' "$T/fu.err" | head -n 1)
	printf 'one datagram\n' | timeout 30 "$SOCKCAT" udp-send 127.0.0.1 "$port"
	wait_for "$T/fu.err" 'sent 0 bytes, received 13 bytes'
	kill -TERM "$fu_pid"
	wait_exit "$fu_pid"
	[ "$status" -eq 143 ]
	vg_clean fu
}

@test "valgrind: a udp-listen session (fed by udp-send, also under valgrind) is clean" {
	vg ul udp-listen -v -c 3 127.0.0.1 0
	bg ul "${VG[@]}"
	wait_for "$T/ul.err" 'listening on .* port [0-9]+'
	port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/ul.err" | head -n 1)
	vg us udp-send 127.0.0.1 "$port"
	printf 'one\ntwo\nthree\n' | timeout 60 "${VG[@]}" 3>&-
	wait_exit "$ul_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/ul.out")" = "$(printf 'one\ntwo\nthree')" ]
	vg_clean ul
	vg_clean us
}

@test "valgrind: resolve (text, --json --canonical, -r) is clean" {
	for args in "localhost 80" "--json --canonical localhost http" "-r 127.0.0.1 80"; do
		# shellcheck disable=SC2086
		vg res resolve $args
		status=0
		timeout 60 "${VG[@]}" >"$T/res.out" 2>"$T/res.err" 3>&- || status=$?
		[ "$status" -eq 0 ] || { cat "$T/res.err" "$T/res.vg" >&2; false; }
		[ -s "$T/res.out" ]
		vg_clean res
	done
}

@test "valgrind: connect --tls and serve -k --tls sessions are clean" {
	load tls
	make_certs "$T/certs"
	C=$T/certs
	seq 1 20000 >"$T/up"
	py_listen_script tls-peer.py peer --cert "$C/srv.pem" --key "$C/srv.key" \
		--send "$T/up" --recv "$T/rec"
	vg tconn connect -v --tls --cacert "$C/ca.pem" localhost "$port"
	status=0
	seq 1 30000 | timeout 60 "${VG[@]}" >"$T/down" 2>"$T/tconn.err" 3>&- || status=$?
	[ "$status" -eq 0 ] || { cat "$T/tconn.err" "$T/tconn.vg" >&2; false; }
	cmp "$T/down" "$T/up"
	cmp "$T/rec" <(seq 1 30000)
	vg_clean tconn
	# serve -k --tls: two clients, one that fails its handshake, SIGTERM.
	vg tsrv serve -k -v --tls 127.0.0.1 0
	bg tsrv -i "$T/up" "${VG[@]}"
	wait_for "$T/tsrv.err" 'listening on'
	port=$(sed -n 's/.*listening on .* port \([0-9]*\).*/\1/p' "$T/tsrv.err")
	pin=$(sed -n 's/.*tls pin //p' "$T/tsrv.err")
	for i in 1 2; do
		echo "client $i" | timeout 60 "$SOCKCAT" connect --tls --pinnedpubkey "$pin" \
			-q 1 127.0.0.1 "$port" >/dev/null
	done
	printf 'plain text\n' | timeout 10 nc -q 1 127.0.0.1 "$port" || true
	wait_for "$T/tsrv.err" 'handshake failed'
	kill -TERM "$tsrv_pid"
	wait_exit "$tsrv_pid"
	[ "$status" -eq 143 ]
	grep -qx 'client 1' "$T/tsrv.out"
	vg_clean tsrv
}

@test "valgrind: serve whose second address is taken closes the first listener too" {
	unshare -m true 2>/dev/null || skip "unshare -m: no mount namespaces here"
	printf '127.0.0.1 twoaddrs\n127.0.0.2 twoaddrs\n' >"$T/hosts"
	bg taken python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.2", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(30)'
	wait_for "$T/taken.out" '^[0-9]+$'
	port=$(cat "$T/taken.out")
	vg two serve -4 twoaddrs "$port"
	status=0
	timeout 60 unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' sh "$T/hosts" \
		"${VG[@]}" </dev/null >"$T/two.out" 2>"$T/two.err" 3>&- || status=$?
	[ "$status" -eq 1 ] || { cat "$T/two.err" >&2; false; }
	grep -q "127.0.0.2 port $port: Address already in use" "$T/two.err"
	vg_clean two
}

@test "valgrind: connect through a proxy, and a proxy that fails, are clean" {
	seq 1 20000 >"$T/up"
	py_listen peer --send "$T/up" --recv "$T/rec"
	tport=$port
	bg px python3 "$TESTS/proxy-stand-in.py" --listen "$T/px.port" --mode http --glue "glued "
	wait_file "$T/px.port"
	vg pconn connect -v -x "http://u:p@127.0.0.1:$(cat "$T/px.port")" 127.0.0.1 "$tport"
	status=0
	seq 1 30000 | timeout 60 "${VG[@]}" >"$T/down" 2>"$T/pconn.err" 3>&- || status=$?
	[ "$status" -eq 0 ] || { cat "$T/pconn.err" "$T/pconn.vg" >&2; false; }
	cmp "$T/down" <(printf 'glued '; cat "$T/up")
	cmp "$T/rec" <(seq 1 30000)
	vg_clean pconn
	# A proxy that closes before its reply: exit 1, still clean.
	py_listen bad --send /dev/null --after-send shut --recv /dev/null
	vg pbad connect -x "socks5://127.0.0.1:$port" 127.0.0.1 9
	status=0
	timeout 60 "${VG[@]}" </dev/null >/dev/null 2>"$T/pbad.err" 3>&- || status=$?
	[ "$status" -eq 1 ] || { cat "$T/pbad.err" "$T/pbad.vg" >&2; false; }
	vg_clean pbad
}
