#!/usr/bin/env bats
# connect through proxies: real ones from Debian's packages (microsocks
# for SOCKS5, danted for SOCKS4 and SOCKS5, tinyproxy and ncat for HTTP
# CONNECT, ncat --ssl for an https:// proxy), each started by the test
# inside a network namespace of its own, where their fixed ports are
# free; a python3 stand-in (tests/proxy-stand-in.py) where no package
# serves a form (SOCKS4a).  Data goes both ways to a python3 target and
# is compared byte for byte.

load helpers
load tls

setup_file() {
	tls_certs_setup_file
}

setup() {
	T=$BATS_TEST_TMPDIR
	# Inside the namespaces, localhost is 127.0.0.1 only, whatever the
	# machine's hosts file says (a stock one adds ::1).
	printf '127.0.0.1 localhost\n' >"$T/hosts"
	head -c 300000 /dev/urandom >"$T/up"
	head -c 200000 /dev/urandom >"$T/down"
}

# The functions every namespace script below uses.
prelude() {
	cat <<'EOF'
trap 'echo "failed: line $LINENO: $BASH_COMMAND" >&2; tail -n 5 "$T"/*.err >&2' ERR
size_at_least() {
	[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ]
}
socks() {	# NAME PORT [microsocks options]
	local name=$1 p=$2
	shift 2
	start "$name" microsocks -i 127.0.0.1 -p "$p" "$@"
	wait_listen "127.0.0.1:$p"
}
tiny() {	# NAME PORT [USER PASS]
	printf 'Port %s\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\nLogLevel Info\n' "$2" >"$T/$1.conf"
	[ $# -eq 4 ] && printf 'BasicAuth %s %s\n' "$3" "$4" >>"$T/$1.conf"
	start "$1" tinyproxy -d -c "$T/$1.conf"
	wait_listen "127.0.0.1:$2"
}
dante() {	# NAME PORT
	cat >"$T/$1.conf" <<EOC
logoutput: stderr
internal: 127.0.0.1 port = $2
external: lo
socksmethod: none
clientmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect }
socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect }
EOC
	start "$1" danted -f "$T/$1.conf"
	wait_listen "127.0.0.1:$2"
}
target() {	# a python3 peer: sends down, keeps what comes in tgt.recv
	start tgt python3 "$TESTS/peer.py" --listen "$T/tgt.port" --send "$T/down" \
		--after-send hold --hold-secs 0 --recv "$T/tgt.recv"
	poll_until test -s "$T/tgt.port"
	tport=$(cat "$T/tgt.port")
}
through() {	# ARGS...: connect ARGS 127.0.0.1 $tport, up in, all of down out
	{ cat "$T/up"; poll_until size_at_least "$T/cli.out" 200000; } |
		sockcat connect -v "$@" >"$T/cli.out" 2>"$T/cli.err"
}
https_proxies() {	# ncat --ssl HTTP proxies on 8443 and 8444; a TLS server on 9443
	for p in 8443 8444; do
		start "nc$p" ncat -l -k --proxy-type http --ssl --ssl-cert "$CERTS/srv.pem" --ssl-key "$CERTS/srv.key" 127.0.0.1 "$p"
		wait_listen ":$p "
	done
	start srv sockcat serve -k --tls --cert "$CERTS/srv.pem" --key "$CERTS/srv.key" \
		-e 'echo "from the server"; read -r line; echo "$line" >>"$T/srv.got"; sleep 20' 127.0.0.1 9443
	wait_listen 127.0.0.1:9443
}
both_ways() {	# what went through, byte for byte, both ways
	poll_until test -e "$T/tgt.recv.done"
	cmp "$T/cli.out" "$T/down" && cmp "$T/tgt.recv" "$T/up"
}
EOF
}

# ns BODY: run the prelude and BODY in a namespace of its own.
ns() {
	{ prelude; cat; } >"$T/ns.sh"
	run netns "$T/ns.sh"
	echo "$output"
}

@test "socks5:// (microsocks): bytes both ways through it, -v names the hop and then the target" {
	ns <<'EOF'
socks ms 1080
target
through -x socks5://127.0.0.1:1080 127.0.0.1 "$tport"
both_ways
grep -qx "sockcat: proxy 127.0.0.1 port 1080 (socks5)" "$T/cli.err"
grep -qx "sockcat: connected to 127.0.0.1 port $tport (via proxy)" "$T/cli.err"
[ "$(grep -n proxy "$T/cli.err" | cut -d: -f1 | tr '\n' ' ')" = "1 2 " ]
EOF
	[ "$status" -eq 0 ]
}

@test "socks5h:// sends the name: the proxy resolves what this host cannot; socks5:// resolves here and fails" {
	printf '127.0.0.1 localhost\n' >"$BATS_TEST_TMPDIR/hosts"
	printf '127.0.0.1 localhost\n127.0.0.1 only-the-proxy.test\n' >"$BATS_TEST_TMPDIR/hosts.proxy"
	ns <<'EOF'
# The proxy sees a hosts file of its own.
start ms unshare -m sh -c 'mount --bind "$1" /etc/hosts && exec microsocks -i 127.0.0.1 -p 1080' sh "$T/hosts.proxy"
wait_listen 127.0.0.1:1080
target
through -x socks5h://127.0.0.1 only-the-proxy.test "$tport"
both_ways
grep -q "connected to only-the-proxy.test:$tport" "$T/ms.err"
grep -qx "sockcat: connected to only-the-proxy.test port $tport (via proxy)" "$T/cli.err"
st=0
sockcat connect -x socks5://127.0.0.1 only-the-proxy.test "$tport" </dev/null 2>"$T/e2" || st=$?
[ "$st" -eq 1 ]
grep -q "^sockcat: only-the-proxy.test port $tport: " "$T/e2"
[ "$(wc -l <"$T/e2")" -eq 1 ]
EOF
	[ "$status" -eq 0 ]
}

@test "socks5:// with a user and password (RFC 1929): right ones pass, wrong and missing ones are named; -v shows no credentials" {
	ns <<'EOF'
socks ms 1080 -u alice -P 's3cr3t:pw'
target
through -x 'socks5://alice:s3cr3t%3Apw@127.0.0.1' 127.0.0.1 "$tport"
both_ways
! grep -q -e s3cr3t -e alice "$T/cli.err"
st=0
sockcat connect -v -x socks5://alice:wrong@127.0.0.1 127.0.0.1 "$tport" </dev/null 2>"$T/e1" || st=$?
[ "$st" -eq 1 ]
grep -qx "sockcat: proxy 127.0.0.1 port 1080: SOCKS5 authentication failed (status [0-9]*): wrong user or password" "$T/e1"
! grep -q wrong "$T/e1" || grep -c wrong "$T/e1" | grep -qx 1
st=0
sockcat connect -x socks5://127.0.0.1 127.0.0.1 "$tport" </dev/null 2>"$T/e2" || st=$?
[ "$st" -eq 1 ]
grep -qx "sockcat: proxy 127.0.0.1 port 1080: SOCKS5: the proxy accepts none of the offered authentication methods (it may want a user and password)" "$T/e2"
EOF
	[ "$status" -eq 0 ]
}

@test "--proxy-user=USER:PASS gives the proxy's credentials" {
	ns <<'EOS'
socks ms 1080 -u bob -P pw
target
through --proxy-user=bob:pw -x socks5://127.0.0.1:1080 127.0.0.1 "$tport"
both_ways
! grep -q bob "$T/cli.err"
EOS
	[ "$status" -eq 0 ]
}

@test "socks4:// (danted): bytes both ways; a refused target is SOCKS4 reply 91 in words" {
	ns <<'EOF'
dante d 1080
target
through -x socks4://127.0.0.1 127.0.0.1 "$tport"
both_ways
grep -qx "sockcat: proxy 127.0.0.1 port 1080 (socks4)" "$T/cli.err"
st=0
sockcat connect -x socks4://127.0.0.1 127.0.0.1 1 </dev/null 2>"$T/e1" || st=$?
[ "$st" -eq 1 ]
grep -qx "sockcat: proxy 127.0.0.1 port 1080: SOCKS4 reply 91: request rejected or failed" "$T/e1"
EOF
	[ "$status" -eq 0 ]
}

@test "socks5h:// through danted: bytes both ways" {
	ns <<'EOF'
dante d 1080
target
through -x socks5h://127.0.0.1 localhost "$tport"
both_ways
grep -qx "sockcat: connected to localhost port $tport (via proxy)" "$T/cli.err"
EOF
	[ "$status" -eq 0 ]
}

@test "socks4a:// sends the name (python3 stand-in: danted rejects 4a); socks4:// needs an IPv4 address" {
	printf '127.0.0.1 localhost\n' >"$BATS_TEST_TMPDIR/hosts"
	ns <<'EOF'
start px python3 "$TESTS/proxy-stand-in.py" --listen "$T/px.port" --mode socks4a \
	--names "$T/names" --resolve only-the-proxy.test=127.0.0.1
poll_until test -s "$T/px.port"
target
through -x "socks4a://127.0.0.1:$(cat "$T/px.port")" only-the-proxy.test "$tport"
both_ways
[ "$(cat "$T/names")" = only-the-proxy.test ]
st=0
sockcat connect -x socks4://127.0.0.1:1 only-the-proxy.test "$tport" </dev/null 2>"$T/e1" || st=$?
[ "$st" -eq 1 ]
grep -q "SOCKS4 needs an IPv4 address: socks4a:// sends the name" "$T/e1"
EOF
	[ "$status" -eq 0 ]
}

@test "http:// (tinyproxy): bytes both ways; Basic credentials; without them the 407 status line is quoted" {
	ns <<'EOF'
tiny tp 3128 carol pw42
target
through -x 'http://carol:pw42@127.0.0.1:3128' 127.0.0.1 "$tport"
both_ways
grep -qx "sockcat: proxy 127.0.0.1 port 3128 (http)" "$T/cli.err"
! grep -q carol "$T/cli.err"
st=0
sockcat connect -x 127.0.0.1:3128 127.0.0.1 "$tport" </dev/null 2>"$T/e1" || st=$?
[ "$st" -eq 1 ]
grep -qx "sockcat: proxy 127.0.0.1 port 3128: HTTP/1.[01] 407 Proxy Authentication Required" "$T/e1"
[ "$(wc -l <"$T/e1")" -eq 1 ]
EOF
	[ "$status" -eq 0 ]
}

@test "http:// (ncat --proxy-type http --proxy-auth): a second HTTP proxy, right and wrong credentials" {
	ns <<'EOF'
start nc ncat -l -k --proxy-type http --proxy-auth dave:pw 127.0.0.1 8080
wait_listen ":8080 "
target
through -x dave:pw@127.0.0.1:8080 127.0.0.1 "$tport"
both_ways
st=0
sockcat connect -x http://dave:nope@127.0.0.1:8080 127.0.0.1 "$tport" </dev/null 2>"$T/e1" || st=$?
[ "$st" -eq 1 ]
grep -q "proxy 127.0.0.1 port 8080: HTTP/1.[01] 407" "$T/e1"
EOF
	[ "$status" -eq 0 ]
}

@test "https:// (ncat --ssl --proxy-type http): verified with --proxy-cacert; unverified refused; --proxy-insecure warns" {
	ns <<EOF
CERTS=$CERTS
EOF
	cat >>"$T/ns.sh" <<'EOF'
start nc ncat -l -k --proxy-type http --ssl --ssl-cert "$CERTS/srv.pem" --ssl-key "$CERTS/srv.key" 127.0.0.1 8443
wait_listen ":8443 "
target
through -x https://localhost:8443 --proxy-cacert "$CERTS/ca.pem" 127.0.0.1 "$tport"
both_ways
grep -qx "sockcat: proxy 127.0.0.1 port 8443 (https)" "$T/cli.err"
grep -q "^sockcat: tls 127.0.0.1 port 8443: TLSv1.[23] " "$T/cli.err"
st=0
sockcat connect -x https://localhost:8443 127.0.0.1 "$tport" </dev/null 2>"$T/e1" || st=$?
[ "$st" -eq 1 ]
grep -qx "sockcat: proxy 127.0.0.1 port 8443: tls: certificate verify failed: .*" "$T/e1"
echo hi | sockcat connect -x https://localhost:8443 --proxy-insecure -q 0 127.0.0.1 1 2>"$T/e2" || true
grep -qx "sockcat: warning: --proxy-insecure: the proxy's certificate is not checked" "$T/e2"
EOF
	run netns "$T/ns.sh"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "a chain: microsocks, then tinyproxy; each hop reached through the one before, -v a line each" {
	ns <<'EOF'
socks ms 1080 -b 127.0.0.2
tiny tp 3128
target
through -x socks5://127.0.0.1:1080 -x http://127.0.0.1:3128 127.0.0.1 "$tport"
both_ways
grep -qx "sockcat: proxy 127.0.0.1 port 1080 (socks5)" "$T/cli.err"
grep -qx "sockcat: proxy 127.0.0.1 port 3128 (http)" "$T/cli.err"
grep -qx "sockcat: connected to 127.0.0.1 port $tport (via proxy)" "$T/cli.err"
# tinyproxy's client was microsocks, which connects from 127.0.0.2.
grep -q "Connect (file descriptor [0-9]*): 127.0.0.2" "$T/tp.out" "$T/tp.err"
EOF
	[ "$status" -eq 0 ]
}

@test "forward through a chain (microsocks, then tinyproxy), and through one and two https:// proxies (ncat --ssl) with --tls inside: -v a line each hop" {
	ns <<EOF
CERTS=$CERTS
EOF
	cat >>"$T/ns.sh" <<'EOF'
socks ms 1080 -b 127.0.0.2
tiny tp 3128
target
start fw sockcat forward -v -x socks5://127.0.0.1:1080 -x http://127.0.0.1:3128 127.0.0.1:7000 "127.0.0.1:$tport"
wait_listen 127.0.0.1:7000
through 127.0.0.1 7000
both_ways
poll_until grep -qx "sockcat: proxy 127.0.0.1 port 3128 (http)" "$T/fw.err"
[ "$(grep proxy "$T/fw.err")" = "$(printf 'sockcat: proxy 127.0.0.1 port 1080 (socks5)\nsockcat: proxy 127.0.0.1 port 3128 (http)')" ]
# tinyproxy's client was microsocks, which connects from 127.0.0.2.
grep -q "Connect (file descriptor [0-9]*): 127.0.0.2" "$T/tp.out" "$T/tp.err"
https_proxies
n=0
for chain in "-x https://localhost:8443" "-x https://localhost:8443 -x https://localhost:8444"; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	start "fw$n" sockcat forward -v $chain --proxy-cacert "$CERTS/ca.pem" \
		--tls --cacert "$CERTS/ca.pem" "127.0.0.1:$((7000 + n))" localhost:9443
	wait_listen "127.0.0.1:$((7000 + n))"
	echo "from client $n" | sockcat connect --no-shutdown -q 2 127.0.0.1 "$((7000 + n))" \
		>"$T/c$n.out" 2>"$T/c$n.err" &
	pids+=($!)
	poll_until grep -q "from client $n" "$T/srv.got"
	poll_until grep -q "from the server" "$T/c$n.out"
	grep -qx "sockcat: proxy 127.0.0.1 port 8443 (https)" "$T/fw$n.err"
	grep -q "^sockcat: tls localhost port 9443: TLSv1.[23] " "$T/fw$n.err"
done
grep -qx "sockcat: proxy localhost port 8444 (https)" "$T/fw2.err"
# A proxy whose certificate does not verify: the client is reset, -v
# says why.
start fw3 sockcat forward -v -x https://localhost:8443 127.0.0.1:7003 localhost:9443
wait_listen 127.0.0.1:7003
st=0
echo x | sockcat connect 127.0.0.1 7003 >/dev/null 2>"$T/c3.err" || st=$?
[ "$st" -eq 1 ]
poll_until grep -q "certificate verify failed" "$T/fw3.err"
# TARGET's certificate failing inside the proxy's TLS: told as such.
start fw4 sockcat forward -v -x https://localhost:8443 --proxy-cacert "$CERTS/ca.pem" --tls --cacert "$CERTS/ca.pem" \
	--servername wrong.example 127.0.0.1:7004 localhost:9443
wait_listen 127.0.0.1:7004
st=0
echo x | sockcat connect 127.0.0.1 7004 >/dev/null 2>/dev/null || st=$?
[ "$st" -eq 1 ]
poll_until grep -q "certificate verify failed: hostname mismatch" "$T/fw4.err"
EOF
	run netns "$T/ns.sh"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "--tls through a SOCKS5 proxy to openssl s_server: the proxy carries the TLS, the server is verified" {
	ns <<EOF
CERTS=$CERTS
EOF
	cat >>"$T/ns.sh" <<'EOF'
dante d 1080
mkfifo "$T/s.in"
start hold sh -c 'exec sleep 20 >"$1"' sh "$T/s.in"
openssl s_server -accept 127.0.0.1:4433 -naccept 1 -cert "$CERTS/srv.pem" -key "$CERTS/srv.key" \
	-quiet <"$T/s.in" >"$T/s.out" 2>"$T/s.err" &
pids+=($!)
wait_listen 127.0.0.1:4433
echo "hello over tls" | sockcat connect -v -q 1 -x socks5://127.0.0.1 --tls --cacert "$CERTS/ca.pem" \
	localhost 4433 >"$T/cli.out" 2>"$T/cli.err"
poll_until grep -q "hello over tls" "$T/s.out"
grep -q "^sockcat: tls TLSv1.[23] " "$T/cli.err"
grep -qx "sockcat: connected to localhost port 4433 (via proxy)" "$T/cli.err"
EOF
	run netns "$T/ns.sh"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "a HOST with an IPv6 scope id through a proxy is refused by name: the interface is this host's (connect, forward)" {
	# Refused before any proxy is reached: port 1 has nobody.
	sc 1 connect -x socks5h://127.0.0.1:1 'fe80::1%lo' 80 </dev/null
	one_error_line "^sockcat: fe80::1%lo: a scope id names an interface of this host, which a proxy cannot use$"
	sc 1 connect -x http://127.0.0.1:1 '[fe80::1%lo]:80' </dev/null
	one_error_line "^sockcat: \[fe80::1%lo\]: a scope id names an interface of this host"
	sc 1 forward -x socks5://127.0.0.1:1 127.0.0.1:0 '[fe80::1%lo]:80' </dev/null
	one_error_line "^sockcat: \[fe80::1%lo\]: a scope id names an interface of this host"
}

@test "an IPv6 proxy address in brackets" {
	ns <<'EOF'
start ms microsocks -i ::1 -p 1080
wait_listen '\[::1\]:1080'
target
through -x 'socks5://[::1]:1080' 127.0.0.1 "$tport"
both_ways
grep -qx "sockcat: proxy ::1 port 1080 (socks5)" "$T/cli.err"
EOF
	[ "$status" -eq 0 ]
}

@test "-z through a proxy: open only when the proxy says the target connected" {
	ns <<'EOF'
socks ms 1080
start open sockcat serve -k -v 127.0.0.1 7001
wait_listen 127.0.0.1:7001
st=0
sockcat connect -z -x socks5://127.0.0.1 127.0.0.1 7000-7002 >"$T/z.out" 2>"$T/z.err" || st=$?
[ "$st" -eq 0 ]
[ "$(cat "$T/z.out")" = "127.0.0.1 7001 open" ]
[ ! -s "$T/z.err" ]
st=0
sockcat connect -z -v -x socks5://127.0.0.1 127.0.0.1 7002 >"$T/z2.out" 2>"$T/z2.err" || st=$?
[ "$st" -eq 1 ]
[ ! -s "$T/z2.out" ]
grep -q "SOCKS5 reply 5: connection refused" "$T/z2.err"
EOF
	[ "$status" -eq 0 ]
}

@test "bytes sent right after the proxy's reply, in the same write, reach stdout (python3 stand-in)" {
	py_listen tgt --send /dev/null --after-send hold --hold-secs 5
	tport=$port
	bg px python3 "$TESTS/proxy-stand-in.py" --listen "$T/px.port" --mode http --glue "BANNER right after the reply"
	wait_file "$T/px.port"
	sc 0 connect -q 0 -i 2 -x "127.0.0.1:$(cat "$T/px.port")" 127.0.0.1 "$tport" </dev/null
	[ "$out" = "BANNER right after the reply" ]
}

@test "HTTP CONNECT: interim 1xx replies before the 200 are passed over (python3 stand-in)" {
	py_listen tgt --send /dev/null --after-send hold --hold-secs 5
	tport=$port
	bg px python3 "$TESTS/proxy-stand-in.py" --listen "$T/px.port" --mode http --interim --glue "after the interim ones"
	wait_file "$T/px.port"
	sc 0 connect -q 0 -i 2 -x "127.0.0.1:$(cat "$T/px.port")" 127.0.0.1 "$tport" </dev/null
	[ "$out" = "after the interim ones" ]
}

@test "socks5h:// sends an address as an address (IPv4, IPv6), a name as a name (python3 stand-in that logs the request)" {
	printf 'down\n' >"$T/down"
	for host in 127.0.0.1 ::1 localhost; do
		rm -f "$T/px.port" "$T/peer.port"
		bg px python3 "$TESTS/proxy-stand-in.py" --listen "$T/px.port" --mode socks5 \
			--names "$T/names" --resolve ::1=127.0.0.1 --resolve localhost=127.0.0.1
		wait_file "$T/px.port"
		py_listen peer --send "$T/down" --after-send shut
		sc 0 connect -x "socks5h://127.0.0.1:$(cat "$T/px.port")" "$host" "$port" </dev/null
		[ "$out" = down ]
	done
	[ "$(cat "$T/names")" = "$(printf 'ipv4 127.0.0.1\nipv6 ::1\nname localhost')" ]
}

@test "an IPv6 address in brackets (forward's TARGET, connect's HOST) is asked for as the address: CONNECT [::1]:PORT, SOCKS5 ATYP 4 (python3 stand-in)" {
	printf 'down\n' >"$T/down"
	bg px python3 "$TESTS/proxy-stand-in.py" --listen "$T/px.port" --mode http \
		--names "$T/names" --resolve ::1=127.0.0.1
	wait_file "$T/px.port"
	py_listen peer --send "$T/down" --after-send shut
	pport=$port
	bg fw "$SOCKCAT" forward -v -x "http://127.0.0.1:$(cat "$T/px.port")" 127.0.0.1:0 "[::1]:$pport"
	listen_port fw
	sc 0 connect 127.0.0.1 "$port" </dev/null
	[ "$out" = down ]
	rm -f "$T/px.port"
	bg px python3 "$TESTS/proxy-stand-in.py" --listen "$T/px.port" --mode socks5 \
		--names "$T/names" --resolve ::1=127.0.0.1
	wait_file "$T/px.port"
	py_listen peer --send "$T/down" --after-send shut
	sc 0 connect -x "socks5h://127.0.0.1:$(cat "$T/px.port")" '[::1]' "$port" </dev/null
	[ "$out" = down ]
	[ "$(cat "$T/names")" = "$(printf 'connect [::1]:%s\nipv6 ::1' "$pport")" ]
}

@test "socks4a:// with a user and no password: no password asked (SOCKS4 has none), the user id sent (python3 stand-in)" {
	printf 'down\n' >"$T/down"
	bg px python3 "$TESTS/proxy-stand-in.py" --listen "$T/px.port" --mode socks4a \
		--names "$T/names" --resolve localhost=127.0.0.1
	wait_file "$T/px.port"
	py_listen peer --send "$T/down" --after-send shut
	# No terminal to ask on, and none needed.
	st=0
	timeout "$TMO" setsid -w "$SOCKCAT" connect -x "socks4a://bob@127.0.0.1:$(cat "$T/px.port")" localhost "$port" \
		</dev/null >"$T/o" 2>"$T/e" || st=$?
	cat "$T/e"
	[ "$st" -eq 0 ]
	[ "$(cat "$T/o")" = down ]
	[ "$(cat "$T/names")" = "user bob localhost" ]
}

@test "a server that is not an HTTP proxy: what it said, printable, in the message" {
	# python3's peer.py sends the file and holds: no proxy at all.
	# Not "HTTP/" at the start: sockcat stops reading there (the rest
	# might never come); otherwise the status line is quoted whole.
	for reply in 'SSH-2.0-OpenSSH_9.6\r\n|SSH-2' 'HTTP/1.1 2000 OK\r\n\r\n|HTTP/1.1 2000 OK' \
	    'HTTP/1.0 200\x01\r\n\r\n|HTTP/1.0 200?' 'HTTP/1.1 20\r\n\r\n|HTTP/1.1 20'; do
		printf "${reply%|*}" >"$T/reply"
		rm -f "$T/peer.port"
		py_listen peer --send "$T/reply" --after-send hold --hold-secs 5
		sc 1 connect -x "127.0.0.1:$port" 127.0.0.1 9 </dev/null
		[[ "$err" == "sockcat: proxy 127.0.0.1 port $port: not an HTTP reply: '${reply#*|}"*"'" ]]
		[ "$(grep -o "'" <<<"$err" | wc -l)" -eq 2 ]
	done
}

@test "a proxy that accepts but never answers ends at -w, with the protocol named" {
	IN=$T/idle
	mkfifo "$IN"
	exec 5<>"$IN"
	serve_bg -k 127.0.0.1 0
	start=$(date +%s%N)
	sc 1 connect -w 1 -x "socks5://127.0.0.1:$port" 127.0.0.1 9 </dev/null
	one_error_line "^sockcat: proxy 127.0.0.1 port $port: no SOCKS5 reply within 1 second$"
	sc 1 connect -w 0.5 -x "127.0.0.1:$port" 127.0.0.1 9 </dev/null
	one_error_line "no HTTP reply within 0.5 seconds$"
	elapsed=$((($(date +%s%N) - start) / 1000000))
	[ "$elapsed" -lt 5000 ]
	exec 5>&-
}

@test "--retry tries again a proxy that took the connection but never answered (with -z too)" {
	IN=$T/idle
	mkfifo "$IN"
	exec 5<>"$IN"
	serve_bg -k 127.0.0.1 0
	for z in "" -z; do
		sc 1 connect -v $z -w 0.3 --retry=1 --retry-delay=0.1 -x "socks5://127.0.0.1:$port" 127.0.0.1 9 </dev/null
		[ "$(grep -c "^sockcat: proxy 127.0.0.1 port $port: no SOCKS5 reply within 0.3 seconds$" <<<"$err")" -eq 2 ]
		grep -qx "sockcat: try 1 failed; again in 0.100 s" <<<"$err"
	done
	poll_until lines_at_least 4 "connection from" "$T/srv.err"
	exec 5>&-
}

@test "a proxy that closes before its reply, and one that is not there, are named" {
	# peer.py accepts one connection, half-closes it, and listens no
	# more.
	py_listen px --send /dev/null --after-send shut --recv /dev/null
	sc 1 connect -x "socks4://127.0.0.1:$port" 127.0.0.1 9 </dev/null
	one_error_line "^sockcat: proxy 127.0.0.1 port $port: the proxy closed the connection before its reply$"
	wait_exit "$px_pid"
	sc 1 connect -x "socks5://127.0.0.1:$port" 127.0.0.1 9 </dev/null
	one_error_line "^sockcat: proxy 127.0.0.1 port $port: Connection refused$"
	# With -v too the last line says it was the proxy.
	sc 1 connect -v -x "socks5://127.0.0.1:$port" 127.0.0.1 9 </dev/null
	[ "$(tail -n 1 <<<"$err")" = "sockcat: proxy 127.0.0.1 port $port: Connection refused" ]
}

@test "a user without a password: asked on the terminal without echo; with no terminal, an error rather than a hang" {
	ns <<'EOF'
socks ms 1080 -u erin -P hunter2
target
python3 "$TESTS/proxy-pty.py" hunter2 connected -- sockcat connect -v -q 0 -x socks5://erin@127.0.0.1 127.0.0.1 "$tport" >"$T/pty.out"
grep -q "^Password for erin at proxy 127.0.0.1: " "$T/pty.out"
! grep -q hunter2 "$T/pty.out"
grep -q "connected to 127.0.0.1 port $tport (via proxy)" "$T/pty.out"
st=0
setsid -w sockcat connect --proxy-user erin -x socks5://127.0.0.1 127.0.0.1 "$tport" </dev/null 2>"$T/e1" || st=$?
[ "$st" -eq 1 ]
grep -qx "sockcat: proxy 127.0.0.1 port 1080: a password for erin is needed and there is no terminal to ask for it (give USER:PASS)" "$T/e1"
EOF
	[ "$status" -eq 0 ]
}

@test "-e through a proxy (danted): the command talks to HOST PORT, SOCKCAT_PEER_* name it" {
	ns <<'EOF'
dante d 1080
start srv sockcat serve -v 127.0.0.1 7001
wait_listen 127.0.0.1:7001
sockcat connect -x socks5://127.0.0.1 -e 'echo "$SOCKCAT_PEER_ADDR $SOCKCAT_PEER_PORT"' 127.0.0.1 7001
poll_until grep -q "127.0.0.1 7001" "$T/srv.out"
EOF
	[ "$status" -eq 0 ]
}

@test "proxy options: bad URLs and conflicts are usage errors, the URL's password never echoed" {
	usage_table \
		"--proxy 'ftp://h': unknown scheme|connect -x ftp://h h 1" \
		"--proxy 'socks5://': no host|connect -x socks5:// h 1" \
		"IPv6 address needs brackets|connect -x socks5://::1:1080 h 1" \
		"the port is not a number from 1 to 65535|connect -x socks5://h:99999 h 1" \
		"a proxy URL has no path|connect -x http://h/x h 1" \
		"--proxy conflicts with -U|connect -U -x h /tmp/x" \
		"--proxy conflicts with -u|connect -u -x h h 1" \
		"--proxy conflicts with --fastopen|connect --fastopen -x h h 1" \
		"--proxy-user needs --proxy|connect --proxy-user u h 1" \
		"--proxy-cacert needs an https:// --proxy|connect -x h --proxy-cacert /dev/null h 1" \
		"--proxy-insecure needs an https:// --proxy|connect --proxy-insecure h 1" \
		"--proxy-user with a chain|connect -x a -x b --proxy-user u h 1" \
		"--proxy-user conflicts with the user|connect -x u@a --proxy-user v h 1" \
		"at most 8 --proxy|connect -x a -x a -x a -x a -x a -x a -x a -x a -x a h 1"
	usage_fails "'socks5://\*\*\*@h:99999'" connect -x socks5://u:topsecret@h:99999 h 1
	! grep -q topsecret <<<"$err"
}

@test "--no-shutdown: through microsocks, which ends both ways at a half-close, the answer still comes" {
	ns <<'EOS'
socks ms 1080
start srv sockcat serve -v -e 'read -r line; sleep 0.2; echo "answer to $line"' 127.0.0.1 7001
wait_listen 127.0.0.1:7001
echo ping | sockcat connect --no-shutdown -x socks5://127.0.0.1 127.0.0.1 7001 >"$T/a.out"
[ "$(cat "$T/a.out")" = "answer to ping" ]
EOS
	[ "$status" -eq 0 ]
}

@test "--no-shutdown: the peer sees no EOF after stdin's; without it, it does" {
	# A python3 peer: a line, then whether EOF follows within 0.5 s.
	cat >"$T/eofpeer.py" <<'EOS'
import os, socket, sys
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
ls.settimeout(10)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
c, _ = ls.accept()
c.settimeout(10)
b = b""
while not b.endswith(b"\n"):
    b += c.recv(100)
c.settimeout(0.5)
try:
    what = b"eof\n" if c.recv(100) == b"" else b"more\n"
except socket.timeout:
    what = b"open\n"
c.sendall(what)
c.close()
EOS
	for opt in --no-shutdown --grace=inf; do
		rm -f "$T/p.port"
		bg peer python3 "$T/eofpeer.py" "$T/p.port"
		wait_file "$T/p.port"
		echo hi >"$T/hi"
		sc 0 connect "$opt" 127.0.0.1 "$(cat "$T/p.port")" <"$T/hi"
		want=open
		[ "$opt" = --no-shutdown ] || want=eof
		[ "$out" = "$want" ] || { echo "$opt: $out"; false; }
	done
	usage_table \
		"--no-shutdown conflicts with --no-stdin|connect -d --no-shutdown h 1" \
		"--no-shutdown conflicts with --recv-only|serve --recv-only --no-shutdown 1" \
		"--exec conflicts with the relay options|connect --no-shutdown -e cat h 1"
}

@test "--tls inside an https:// proxy's TLS, and through a chain of two https:// proxies (ncat --ssl)" {
	ns <<EOF
CERTS=$CERTS
EOF
	cat >>"$T/ns.sh" <<'EOF'
# Neither side half-closes: ncat ends both ways at a half-close.
https_proxies
n=0
for chain in "-x https://localhost:8443" "-x https://localhost:8443 -x https://localhost:8444"; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	echo "from client $n" | sockcat connect -v --no-shutdown -q 2 $chain --proxy-cacert "$CERTS/ca.pem" \
		--tls --cacert "$CERTS/ca.pem" localhost 9443 >"$T/c$n.out" 2>"$T/c$n.err" &
	pids+=($!)
	poll_until grep -q "from client $n" "$T/srv.got"
	poll_until grep -q "from the server" "$T/c$n.out"
	grep -q "^sockcat: tls 127.0.0.1 port 8443: TLSv1.[23] " "$T/c$n.err"
	grep -q "^sockcat: tls TLSv1.[23] " "$T/c$n.err"
	grep -qx "sockcat: tls peer CN=localhost (issuer CN=sockcat test CA, expires .*)" "$T/c$n.err"
	grep -qx "sockcat: connected to localhost port 9443 (via proxy)" "$T/c$n.err"
done
grep -q "^sockcat: tls localhost port 8444: TLSv1.[23] " "$T/c2.err"
# Inside the proxy's TLS, a failed verification is told as one.
st=0
sockcat connect -x https://localhost:8443 --proxy-cacert "$CERTS/ca.pem" --tls --cacert "$CERTS/ca.pem" \
	--servername wrong.example localhost 9443 </dev/null 2>"$T/bad.err" || st=$?
cat "$T/bad.err"
[ "$st" -eq 1 ]
grep -q "^sockcat: tls localhost port 9443: certificate verify failed: hostname mismatch" "$T/bad.err"
EOF
	run netns "$T/ns.sh"
	echo "$output"
	[ "$status" -eq 0 ]
}
