#!/usr/bin/env bats
# serve --proxy-protocol: a PROXY protocol header (haproxy's
# proxy-protocol.txt, v1 and v2) read from each client before anything
# else; the client it names is the one -v and SOCKCAT_PEER_* report,
# and the header never reaches stdout or -e.  Senders: haproxy
# (send-proxy, send-proxy-v2) in a network namespace of the test's own,
# and a python3 stand-in (tests/pp-send.py) for the headers haproxy
# never sends (UNKNOWN, TLVs, malformed ones, one cut in two).

load helpers
load tls

setup() {
	T=$BATS_TEST_TMPDIR
}

pp() {
	python3 "$TESTS/pp-send.py" "$@"
}

@test "v1 and v2 headers (TCP4, TCP6, UNKNOWN, LOCAL, TLVs, cut in two): -v names the header's client, stdout gets only the data" {
	serve_bg -k 127.0.0.1 0 --proxy-protocol
	pp "$port" v1-tcp4 "one
"
	pp "$port" v1-tcp6 "two
"
	pp "$port" v2-tcp4 "three
"
	pp "$port" v2-tcp6 "four
" --split
	pp "$port" v1-unknown "five
"
	pp "$port" v2-local "six
"
	wait_for "$T/srv.out" six
	wait_for "$T/srv.err" "^sockcat: disconnected 2001:db8::7 port 40003: sent 0 bytes, received 5 bytes$"
	[ "$(cat "$T/srv.out")" = "$(printf 'one\ntwo\nthree\nfour\nfive\nsix')" ]
	grep -qx "sockcat: connection from 192.0.2.10 port 40000" "$T/srv.err"
	grep -qx "sockcat: connection from 2001:db8::7 port 40001" "$T/srv.err"
	grep -qx "sockcat: connection from 192.0.2.10 port 40002" "$T/srv.err"
	grep -qx "sockcat: connection from 2001:db8::7 port 40003" "$T/srv.err"
	# UNKNOWN and LOCAL: the connection's own address.
	[ "$(grep -c '^sockcat: connection from 127.0.0.1 port ' "$T/srv.err")" -eq 2 ]
}

@test "missing and malformed headers: the client is dropped with a -v line, its bytes go nowhere, the others go on" {
	serve_bg -k 127.0.0.1 0 --proxy-protocol
	for k in none bad-v1 bad-v2-version bad-v2-tlv; do
		pp "$port" "$k" "secret-$k
"
	done
	pp "$port" v1-tcp4 "good
"
	wait_for "$T/srv.out" good
	wait_for "$T/srv.err" "TLV longer"
	! grep -q secret "$T/srv.out"
	grep -qx "sockcat: disconnected 127.0.0.1 port [0-9]* (no valid PROXY header: no PROXY protocol header): sent 0 bytes, received 0 bytes" "$T/srv.err"
	grep -q "(no valid PROXY header: a PROXY v1 address not of its protocol)" "$T/srv.err"
	grep -q "(no valid PROXY header: a PROXY v2 header of another version)" "$T/srv.err"
	grep -q "(no valid PROXY header: a PROXY v2 TLV longer than the header)" "$T/srv.err"
	[ "$(grep -c 'connection from' "$T/srv.err")" -eq 1 ]
}

@test "a client that sends no header at all is dropped after -w" {
	serve_bg -k -w 1 127.0.0.1 0 --proxy-protocol
	mkfifo "$T/idle"
	bg hold sh -c 'exec sleep 20 >"$1"' sh "$T/idle"
	bg cli -i "$T/idle" "$SOCKCAT" connect 127.0.0.1 "$port"
	wait_for "$T/srv.err" "no PROXY header within 1 second\)"
	wait_exit "$cli_pid"
}

@test "serve -e: SOCKCAT_PEER_* name the header's client; the command never sees the header" {
	serve_bg -k -e 'echo "peer $SOCKCAT_PEER_ADDR $SOCKCAT_PEER_PORT"; cat' 127.0.0.1 0 --proxy-protocol
	out=$(pp "$port" v2-tcp6 "payload
")
	[ "$out" = "$(printf 'peer 2001:db8::7 40003\npayload')" ]
	grep -qx "sockcat: connection from 2001:db8::7 port 40003" "$T/srv.err"
	out=$(pp "$port" bad-v1 "x")
	[ -z "$out" ]
	wait_for "$T/srv.err" "no valid PROXY header"
}

@test "serve without -k: the header's client; a client without one ends serve, exit 1" {
	serve_bg 127.0.0.1 0 --proxy-protocol
	pp "$port" v1-tcp4 "data
"
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/srv.out")" = data ]
	grep -qx "sockcat: connection from 192.0.2.10 port 40000" "$T/srv.err"
	serve_bg 127.0.0.1 0 --proxy-protocol
	pp "$port" none "data"
	wait_exit "$srv_pid"
	[ "$status" -eq 1 ]
	[ ! -s "$T/srv.out" ]
	grep -q "no valid PROXY header: no PROXY protocol header" "$T/srv.err"
}


@test "serve -e -v: the command's end is told with its own PID and status; a client dropped for its header ran none" {
	serve_bg -e 'echo "pid $$"; exit 3' 127.0.0.1 0 --proxy-protocol
	out=$(pp "$port" v1-tcp4 "")
	wait_exit "$srv_pid"
	[ "$status" -eq 3 ]
	pid=$(sed -n 's/^pid //p' <<<"$out")
	[ -n "$pid" ]
	[ "$(grep -c 'ended with status' "$T/srv.err")" -eq 1 ]
	grep -qx "sockcat: command $pid ended with status 3" "$T/srv.err"
	serve_bg -e 'echo ran' 127.0.0.1 0 --proxy-protocol
	out=$(pp "$port" bad-v1 "x")
	wait_exit "$srv_pid"
	[ "$status" -eq 1 ]
	[ -z "$out" ]
	grep -q "no valid PROXY header" "$T/srv.err"
	[ "$(grep -c "ended with status" "$T/srv.err")" -eq 0 ]
}

@test "serve -e, one client, no -v: a bad header is said in one line, as without -e" {
	for e in "" "echo ran"; do
		rm -f "$T/srv.err"
		bg srv "$SOCKCAT" serve --proxy-protocol ${e:+-e "$e"} 127.0.0.1 0
		port_of "$srv_pid"
		out=$(pp "$port" none "data" 2>/dev/null || true)
		wait_exit "$srv_pid"
		[ "$status" -eq 1 ]
		[ -z "$out" ]
		grep -qx "sockcat: disconnected 127.0.0.1 port [0-9]* (no valid PROXY header: no PROXY protocol header): sent 0 bytes, received 0 bytes" "$T/srv.err"
		[ "$(wc -l <"$T/srv.err")" -eq 1 ]
	done
}

@test "behind haproxy (send-proxy, send-proxy-v2): the client's own address, 127.0.0.2, also with --tls behind it" {
	make_certs "$T/certs"
	printf 'C=%s\n' "$T/certs" >"$T/ns.sh"
	cat >>"$T/ns.sh" <<'EOF'
cat >"$T/h.cfg" <<EOC
defaults
	mode tcp
	timeout connect 5s
	timeout client 20s
	timeout server 20s
listen v1
	bind 127.0.0.1:8001
	server s 127.0.0.1:7000 send-proxy
listen v2
	bind 127.0.0.1:8002
	server s 127.0.0.1:7000 send-proxy-v2
listen tls
	bind 127.0.0.1:8003
	server s 127.0.0.1:7001 send-proxy-v2
EOC
start srv sockcat serve -k -v --proxy-protocol 127.0.0.1 7000
start tsrv sockcat serve -k -v --proxy-protocol --tls --cert "$C/srv.pem" --key "$C/srv.key" 127.0.0.1 7001
wait_listen 127.0.0.1:7000
wait_listen 127.0.0.1:7001
start hap haproxy -db -f "$T/h.cfg"
wait_listen 127.0.0.1:8003
echo via-v1 | sockcat connect -s 127.0.0.2 127.0.0.1 8001
echo via-v2 | sockcat connect -s 127.0.0.2 --source-port 41234 127.0.0.1 8002
echo via-tls | sockcat connect -q 1 -s 127.0.0.2 --tls --cacert "$C/ca.pem" --servername localhost 127.0.0.1 8003
wait_line "$T/srv.out" via-v2
wait_line "$T/tsrv.out" via-tls
cat "$T/srv.out" "$T/tsrv.out"
grep -h "connection from" "$T/srv.err" "$T/tsrv.err" | sed 's/port [0-9]*$/port N/' | sort -u
grep -c "connection from 127.0.0.2 port 41234" "$T/srv.err"
grep -c "tls 127.0.0.2 port [0-9]*: TLSv1" "$T/tsrv.err"
EOF
	run netns "$T/ns.sh"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'via-v1\nvia-v2\nvia-tls\nsockcat: connection from 127.0.0.2 port N\n1\n1')" ]
}

@test "--proxy-protocol: usage errors" {
	usage_table \
		"-u conflicts with --proxy-protocol|serve -u --proxy-protocol 1" \
		"unknown option '--proxy-protocol'|connect --proxy-protocol h 1"
}
