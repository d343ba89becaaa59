#!/usr/bin/env bats
# --json: every stderr line one JSON object, checked line by line against
# the man page's schema by tests/json-events.py (python3's json); the
# text lines stay as they were (the other files check them).

load helpers
load tls

setup() {
	T=$BATS_TEST_TMPDIR
}

# json_port NAME: wait for NAME's JSON listening event; set $port.
json_port() {
	wait_for "$T/$1.err" '"event":"listening"' || return 1
	port=$(sed -n 's/.*"event":"listening".*"port":\([0-9]*\).*/\1/p' \
		"$T/$1.err" | head -n 1)
}

# events FILE: the events of FILE, one a line, after the schema check.
events() {
	python3 "$TESTS/json-events.py" "$1"
}

@test "connect and serve --json -v: listening, connection, connected, totals with seconds, as JSON" {
	echo "from the server" >"$T/in"
	bg srv -i "$T/in" "$SOCKCAT" serve -v --json 127.0.0.1 0
	json_port srv
	echo "from the client" >"$T/up"
	sc 0 connect -v --json 127.0.0.1 "$port" <"$T/up"
	printf '%s\n' "$err" >"$T/c.err"
	[ "$(events "$T/c.err" | tr '\n' ' ')" = "connected totals " ]
	grep -q "\"address\":\"127.0.0.1\",\"port\":$port" "$T/c.err"
	grep -q '"bytes_sent":16,"bytes_received":16,"seconds":[0-9.]*}' "$T/c.err"
	wait_exit "$srv_pid"
	[ "$(events "$T/srv.err" | tr '\n' ' ')" = "listening connection totals " ]
}

@test "serve -k --tls --json -v: the pin, each client's tls and closed events; a failed handshake's reason" {
	bg srv "$SOCKCAT" serve -k -v --json --tls 127.0.0.1 0
	json_port srv
	pin=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["event"] == "tls_pin": print(o["pin"])' "$T/srv.err")
	echo hi >"$T/up"
	sc 0 connect -v --json --tls --pinnedpubkey "$pin" -q 1 127.0.0.1 "$port" <"$T/up"
	printf '%s\n' "$err" >"$T/c.err"
	[ "$(events "$T/c.err" | tr '\n' ' ')" = "connected tls totals " ]
	grep -q '"tls_version":"TLSv1.3"' "$T/c.err"
	printf 'plain text\n' | timeout 10 nc -q 1 127.0.0.1 "$port" || true
	wait_for "$T/srv.err" '"message":"handshake failed'
	wait_for "$T/srv.err" '"event":"closed".*"seconds"'
	kill "$srv_pid"
	wait_exit "$srv_pid"
	events "$T/srv.err" >"$T/ev"
	grep -qx tls_pin "$T/ev"
	grep -qx tls "$T/ev"
	[ "$(grep -c '^closed$' "$T/ev")" -eq 2 ]
}

@test "errors are JSON too: a refused connection names its errno; a usage error after the options are read" {
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	sc 1 connect --json 127.0.0.1 "$port" </dev/null
	[ "$err" = "{\"event\":\"error\",\"message\":\"connect 127.0.0.1 port $port: Connection refused\",\"errno\":\"ECONNREFUSED\"}" ]
	# -v adds the attempt's event; the error event stays.
	sc 1 connect --json -v 127.0.0.1 "$port" </dev/null
	printf '%s\n' "$err" >"$T/v.err"
	[ "$(events "$T/v.err" | tr '\n' ' ')" = "attempt_failed error " ]
	sc 2 connect --json --sequential --attempt-delay 1 h 1
	printf '%s\n' "$err" >"$T/u.err"
	[ "$(events "$T/u.err")" = error ]
	grep -q -- '--attempt-delay conflicts with --sequential' "$T/u.err"
}

@test "connect -z --json: one object per port on stdout, open or not" {
	serve_bg -k 127.0.0.1 0
	sc 0 connect -z --json 127.0.0.1 "$port,1"
	[ "$out" = "$(printf '{"host":"127.0.0.1","port":%s,"open":true}\n{"host":"127.0.0.1","port":1,"open":false}' "$port")" ]
	# A HOST with no address (-n: a name is not looked up): each port
	# closed all the same, and the error on stderr.
	sc 1 connect -z --json -n no-such-host 80,81
	[ "$out" = "$(printf '{"host":"no-such-host","port":80,"open":false}\n{"host":"no-such-host","port":81,"open":false}')" ]
	grep -q '"event":"error"' <<<"$err"
}

@test "udp-send and udp-listen --json -v: datagram and totals events" {
	bg ul "$SOCKCAT" udp-listen -v --json -c 2 127.0.0.1 0
	json_port ul
	printf 'one\ntwo\n' >"$T/up"
	sc 0 udp-send -v --json 127.0.0.1 "$port" <"$T/up"
	printf '%s\n' "$err" >"$T/us.err"
	[ "$(events "$T/us.err" | tail -n 1)" = totals ]
	grep -q '"bytes_sent":8,"datagrams":2' "$T/us.err"
	wait_exit "$ul_pid"
	[ "$status" -eq 0 ]
	[ "$(events "$T/ul.err" | sort | uniq -c | awk '{print $2 $1}' | tr '\n' ' ')" = "datagram2 listening1 " ]
	grep -q '"event":"datagram","address":"127.0.0.1","port":[0-9]*,"bytes":4' "$T/ul.err"
}

@test "names with control characters, quotes and bytes that are not UTF-8 still give valid JSON" {
	# A host name with a quote and a byte that is not UTF-8 (a hosts file
	# takes it); one with a control character (a usage error, as JSON);
	# a unix socket path with both.
	printf '127.0.0.1 localhost\n127.0.0.1 na"me\377x\n' >"$T/hosts"
	cat >"$T/ns.sh" <<'EOF'
name=$'na"me\377x'
st=0
sockcat connect --json "$name" 1 </dev/null 2>"$T/e1" || st=$?
[ "$st" -eq 1 ]
st=0
sockcat connect --json $'con\001trol' 1 </dev/null 2>"$T/e2" || st=$?
[ "$st" -eq 2 ]
start ms microsocks -i 127.0.0.1 -p 1080
wait_listen 127.0.0.1:1080
start srv sockcat serve -d -v 127.0.0.1 7000
wait_listen 127.0.0.1:7000
sockcat connect -v --json -q 0 -x socks5h://127.0.0.1 "$name" 7000 </dev/null 2>"$T/e3"
start u sockcat serve -U -v --json -d $'\001u\377'
wait_line "$T/u.err" listening
cat "$T/e1" "$T/e2" "$T/e3" "$T/u.err"
EOF
	run netns "$T/ns.sh"
	printf '%s\n' "$output" >"$T/all"
	cat "$T/all"
	[ "$status" -eq 0 ]
	[ "$(events "$T/all" | tr '\n' ' ')" = "error error proxy connected totals listening " ]
	grep -qxF '{"event":"error","message":"connect na\"me\ufffdx port 1: Connection refused","errno":"ECONNREFUSED"}' "$T/all"
	grep -qF 'bad host '"'"'con\u0001trol'"'" "$T/all"
	grep -qF '{"event":"connected","address":"na\"me\ufffdx","port":7000,"via_proxy":true}' "$T/all"
	grep -qF '{"event":"listening","path":"\u0001u\ufffd"}' "$T/all"
}

@test "Happy Eyeballs and proxies in JSON: attempt, attempt_failed, proxy events" {
	printf '127.0.0.1 localhost\n::1 dual.test\n127.0.0.1 dual.test\n' >"$T/hosts"
	cat >"$T/ns.sh" <<'EOF'
start srv sockcat serve -k -d -v 127.0.0.1 7000
wait_listen 127.0.0.1:7000
start ms microsocks -i 127.0.0.1 -p 1080
wait_listen 127.0.0.1:1080
sockcat connect -v --json -q 0 dual.test 7000 </dev/null 2>"$T/he"
sockcat connect -v --json -q 0 -x socks5://127.0.0.1 127.0.0.1 7000 </dev/null 2>"$T/px"
cat "$T/he" "$T/px"
EOF
	run netns "$T/ns.sh"
	printf '%s\n' "$output" >"$T/all"
	[ "$status" -eq 0 ]
	[ "$(events "$T/all" | tr '\n' ' ')" = "attempt attempt_failed attempt connected totals proxy connected totals " ]
	grep -q '"event":"attempt_failed","address":"::1","port":7000,"message":"Connection refused","errno":"ECONNREFUSED"' "$T/all"
	grep -q '"event":"proxy","address":"127.0.0.1","port":1080,"scheme":"socks5"' "$T/all"
}
