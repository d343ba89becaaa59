#!/usr/bin/env bats
# sockcat forward (first part: TCP and unix streams, plain): each client
# relayed both ways to a connection of its own to TARGET.  The targets
# are python3 servers (tests/forward-peer.py, which also drives the
# many-client run), the clients sockcat connect and python3.

load helpers
load tls

setup_file() {
	export C="$BATS_FILE_TMPDIR/certs"
	make_certs "$C"
}

setup() {
	T=$BATS_TEST_TMPDIR
}

# target MODE [LOG]: a forward-peer.py target; its port in $tport.
target() {
	rm -f "$T/t.port"
	bg tgt python3 "$TESTS/forward-peer.py" serve "$T/t.port" "$@"
	wait_file "$T/t.port"
	tport=$(cat "$T/t.port")
}

# fwd ARGS...: sockcat forward -v ARGS in the background; $port from
# its listening line.
fwd() {
	bg fw "$SOCKCAT" forward -v "$@"
	listen_port fw
}

@test "forward: 50 MiB both ways arrive whole (sha256), echoed by the target" {
	target echo
	fwd 127.0.0.1:0 "127.0.0.1:$tport"
	head -c 52428800 /dev/urandom >"$T/up"
	timeout 60 "$SOCKCAT" connect 127.0.0.1 "$port" <"$T/up" >"$T/down"
	[ "$(sha256sum <"$T/down")" = "$(sha256sum <"$T/up")" ]
	wait_for "$T/fw.err" "^sockcat: 127.0.0.1 port [0-9]+: sent 52428800 bytes, received 52428800 bytes$"
}

@test "forward: a client's half-close reaches the target, whose late reply still reaches the client" {
	target sha
	fwd 127.0.0.1:0 "localhost:$tport"
	printf 'some bytes\n' >"$T/in"
	sc 0 connect 127.0.0.1 "$port" <"$T/in"
	[ "$out" = "11 $(sha256sum <"$T/in" | cut -d' ' -f1)" ]
	grep -q "connection from 127.0.0.1 port" "$T/fw.err"
}

@test "forward: a target's reset reaches the client as a reset; a client's reset reaches the target as one" {
	target reset
	fwd 127.0.0.1:0 "127.0.0.1:$tport"
	printf 'line\n' >"$T/in"
	sc 1 connect 127.0.0.1 "$port" <"$T/in"
	grep -q "Connection reset by peer" <<<"$err"
	# The end line says which side reset.
	wait_for "$T/fw.err" "^sockcat: 127\.0\.0\.1 port [0-9]+ \(target: Connection reset by peer\): "
	kill "$tgt_pid"
	target log "$T/log"
	kill "$fw_pid"
	fwd 127.0.0.1:0 "127.0.0.1:$tport"
	python3 "$TESTS/forward-peer.py" rst "$port"
	wait_for "$T/log" "^reset"
	wait_for "$T/fw.err" "^sockcat: 127\.0\.0\.1 port [0-9]+ \(client: Connection reset by peer\): "
}

@test "forward: a target that is down: the client is reset and -v says why; forward goes on" {
	# A port nobody listens on: bound a moment, never listened on.
	dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	target sha
	fwd 127.0.0.1:0 "127.0.0.1:$dead"
	printf 'x\n' >"$T/in"
	sc 1 connect 127.0.0.1 "$port" <"$T/in"
	wait_for "$T/fw.err" "^sockcat: connect 127.0.0.1 port $dead: Connection refused$"
	wait_for "$T/fw.err" "^sockcat: 127.0.0.1 port [0-9]+ \(no target: Connection refused\): sent 0 bytes, received 0 bytes$"
	still_running "$fw_pid"
	# The next client, and a target that is up: it is served.
	kill "$fw_pid"
	fwd 127.0.0.1:0 "127.0.0.1:$tport"
	sc 0 connect 127.0.0.1 "$port" <"$T/in"
	[ "$out" = "2 $(sha256sum <"$T/in" | cut -d' ' -f1)" ]
}

@test "forward: unix:PATH on either side, and an abstract target" {
	target sha
	bg fw "$SOCKCAT" forward -v "unix:$T/front.sock" "127.0.0.1:$tport"
	wait_for "$T/fw.err" "listening on $T/front.sock"
	printf 'over unix\n' >"$T/in"
	sc 0 connect -U "$T/front.sock" <"$T/in"
	[ "$out" = "10 $(sha256sum <"$T/in" | cut -d' ' -f1)" ]
	bg back "$SOCKCAT" serve -v -U "@sockcat-fwd-$$-$BATS_TEST_NUMBER"
	wait_for "$T/back.err" "listening on"
	bg fw2 "$SOCKCAT" forward -v 127.0.0.1:0 "unix:@sockcat-fwd-$$-$BATS_TEST_NUMBER"
	listen_port fw2
	sc 0 connect -q 1 127.0.0.1 "$port" <"$T/in"
	wait_for "$T/back.out" "over unix"
	kill "$fw_pid"
	wait_exit "$fw_pid"
	[ ! -e "$T/front.sock" ]
}

@test "forward: 500 clients at once, each with its own checksum; descriptors back to where they were" {
	target sha
	fwd 127.0.0.1:0 "127.0.0.1:$tport"
	before=$(ls /proc/"$fw_pid"/fd | wc -l)
	run timeout 120 python3 "$TESTS/forward-peer.py" many "$port" 500 20000
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "500 clients ok" ]
	poll_until test "$(ls /proc/"$fw_pid"/fd | wc -l)" -eq "$before"
	[ "$(grep -c ': sent 71 bytes, received 20000 bytes$' "$T/fw.err")" -eq 500 ]
}

@test "forward -m 2: a third client waits until one of two leaves" {
	target echo
	fwd -m 2 127.0.0.1:0 "127.0.0.1:$tport"
	mkfifo "$T/f1" "$T/f2"
	exec 7<>"$T/f1" 8<>"$T/f2"
	bg c1 -i "$T/f1" "$SOCKCAT" connect 127.0.0.1 "$port"
	bg c2 -i "$T/f2" "$SOCKCAT" connect 127.0.0.1 "$port"
	echo one >&7
	echo two >&8
	wait_for "$T/c1.out" one
	wait_for "$T/c2.out" two
	printf 'three\n' >"$T/in"
	bg c3 -i "$T/in" "$SOCKCAT" connect -v 127.0.0.1 "$port"
	# Connected (the backlog takes it) but not served.
	wait_for "$T/c3.err" "connected to"
	[ "$(grep -c 'connection from' "$T/fw.err")" -eq 2 ]
	exec 7>&-
	wait_exit "$c1_pid"
	wait_for "$T/c3.out" three
	exec 8>&-
	wait_exit "$c3_pid"
	[ "$status" -eq 0 ]
}

@test "forward -i: a pair quiet that long is closed, both ways" {
	target echo
	fwd -i 0.3 127.0.0.1:0 "127.0.0.1:$tport"
	mkfifo "$T/f"
	exec 7<>"$T/f"
	bg c -i "$T/f" "$SOCKCAT" connect 127.0.0.1 "$port"
	echo hello >&7
	wait_for "$T/c.out" hello
	wait_exit "$c_pid"
	exec 7>&-
	[ "$status" -eq 0 ]
	wait_for "$T/fw.err" ": sent 6 bytes, received 6 bytes$"
}

@test "forward --allow/--deny: a client kept out never reaches the target" {
	target log "$T/log"
	fwd --deny 127.0.0.2 127.0.0.1:0 "127.0.0.1:$tport"
	printf 'x\n' >"$T/in"
	timeout "$TMO" "$SOCKCAT" connect -s 127.0.0.2 127.0.0.1 "$port" <"$T/in" >/dev/null 2>&1 || true
	wait_for "$T/fw.err" "refused 127.0.0.2 port"
	sc 0 connect 127.0.0.1 "$port" <"$T/in"
	wait_for "$T/log" "^eof 2$"
	[ "$(wc -l <"$T/log")" -eq 1 ]
}

@test "forward --proxy-protocol=v1|v2: haproxy (accept-proxy) and serve --proxy-protocol see the real client" {
	cat >"$T/ns.sh" <<'EOF'
cat >"$T/h.cfg" <<EOC
global
	log stdout format raw local0
defaults
	mode tcp
	log global
	option tcplog
	timeout connect 5s
	timeout client 20s
	timeout server 20s
listen v1
	bind 127.0.0.1:8001 accept-proxy
	server s 127.0.0.1:7000
listen v2
	bind 127.0.0.1:8002 accept-proxy
	server s 127.0.0.1:7000
EOC
start back sockcat serve -k -v 127.0.0.1 7000
start pp sockcat serve -k -v --proxy-protocol 127.0.0.1 7001
start hap haproxy -db -f "$T/h.cfg"
start f1 sockcat forward -v --proxy-protocol=v1 127.0.0.1:9001 127.0.0.1:8001
start f2 sockcat forward -v --proxy-protocol=v2 127.0.0.1:9002 127.0.0.1:8002
start f3 sockcat forward -v --proxy-protocol=v2 [::1]:9003 127.0.0.1:7001
wait_listen 127.0.0.1:7000
wait_listen 127.0.0.1:8002
wait_listen 127.0.0.1:9002
wait_listen "\[::1\]:9003"
echo via-v1 | sockcat connect -q 1 -s 127.0.0.2 --source-port 41001 127.0.0.1 9001
echo via-v2 | sockcat connect -q 1 -s 127.0.0.2 --source-port 41002 127.0.0.1 9002
echo via-v6 | sockcat connect -q 1 --source-port 41003 ::1 9003
wait_line "$T/back.out" via-v2
wait_line "$T/pp.out" via-v6
wait_line "$T/hap.out" "41001"
wait_line "$T/hap.out" "41002"
cat "$T/back.out" "$T/pp.out"
grep -o "^127.0.0.2:4100[12]" "$T/hap.out" | sort
grep -o "connection from ::1 port 41003" "$T/pp.err"
EOF
	run netns "$T/ns.sh"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'via-v1\nvia-v2\nvia-v6\n127.0.0.2:41001\n127.0.0.2:41002\nconnection from ::1 port 41003')" ]
}

@test "forward --tls-listen: curl --cacert over HTTPS through to python3 -m http.server" {
	mkdir "$T/www"
	printf 'served plain, read over TLS\n' >"$T/www/page.txt"
	(cd "$T/www" && exec python3 -m http.server --bind 127.0.0.1 0 >"$T/web.out" 2>&1) &
	BG_PIDS+=($!)
	web_pid=$!
	port_of "$web_pid"
	wport=$port
	fwd --tls-listen --cert "$C/srv.pem" --key "$C/srv.key" 127.0.0.1:0 "127.0.0.1:$wport"
	run timeout "$TMO" curl -sS --cacert "$C/ca.pem" "https://localhost:$port/page.txt"
	[ "$status" -eq 0 ]
	[ "$output" = "served plain, read over TLS" ]
	wait_for "$T/fw.err" "^sockcat: tls 127.0.0.1 port [0-9]+: TLSv1.3 "
}

@test "forward --tls to openssl s_server, verified by --cacert, its handshake told; a target that fails verification resets the client" {
	s_server srv -cert "$C/srv.pem" -key "$C/srv.key" -quiet
	sport=$port
	fwd --tls --cacert "$C/ca.pem" 127.0.0.1:0 "127.0.0.1:$sport"
	printf 'plain in, TLS out\n' >"$T/in"
	sc 0 connect -q 1 127.0.0.1 "$port" <"$T/in"
	wait_for "$T/srv.out" "plain in, TLS out"
	# -v tells the target's handshake, named by the target.
	grep -qE "^sockcat: tls 127.0.0.1 port $sport: TLSv1\.[23] " "$T/fw.err"
	grep -qE "^sockcat: tls 127.0.0.1 port $sport: peer CN=localhost \(issuer CN=sockcat test CA, expires " "$T/fw.err"
	kill "$fw_pid"
	s_server bad -cert "$C/wrong.pem" -key "$C/wrong.key" -quiet
	fwd --tls --cacert "$C/ca.pem" 127.0.0.1:0 "127.0.0.1:$port"
	sc 1 connect 127.0.0.1 "$port" <"$T/in"
	wait_for "$T/fw.err" "^sockcat: connect 127.0.0.1 port [0-9]+: .*certificate verify failed"
	! grep -q "plain in" "$T/bad.out"
	# The client's end line gives the target's reason, not EPROTO's.
	wait_for "$T/fw.err" "^sockcat: 127\.0\.0\.1 port [0-9]+ \(no target: certificate verify failed: IP address mismatch \(subject CN=wrong\.example\)\): sent 0 bytes"
}

@test "forward --tls and --tls-listen: a TLS side that ends without close_notify is delivered, and the end line says so" {
	head -c 75000 /dev/urandom | base64 -w 0 >"$T/down"
	tls_listen tpeer --cert "$C/srv.pem" --key "$C/srv.key" --send "$T/down" --end truncate
	fwd --tls --cacert "$C/ca.pem" 127.0.0.1:0 "localhost:$port"
	sc 0 connect 127.0.0.1 "$port" </dev/null
	cmp "$T/down" "$T/sc.out"
	wait_for "$T/fw.err" "^sockcat: 127\.0\.0\.1 port [0-9]+ \(target: connection closed without TLS close_notify\): sent 100000 bytes, received 0 bytes$"
	kill "$fw_pid"
	# A TLS client that shuts its socket down without close_notify.
	target sha
	fwd --tls-listen --cert "$C/srv.pem" --key "$C/srv.key" 127.0.0.1:0 "127.0.0.1:$tport"
	run timeout "$TMO" python3 -c '
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
s.sendall(b"cut short\n")
socket.socket.shutdown(s, socket.SHUT_WR)   # the socket only: no close_notify
s.settimeout(5)
print(s.recv(1000).decode().strip())' "$port" "$C/ca.pem"
	[ "$status" -eq 0 ]
	[ "$output" = "10 $(printf 'cut short\n' | sha256sum | cut -d' ' -f1)" ]
	wait_for "$T/fw.err" "^sockcat: 127\.0\.0\.1 port [0-9]+ \(client: connection closed without TLS close_notify\): sent [0-9]+ bytes, received 10 bytes$"
}

@test "forward --tls-listen --self-signed and --tls: TLS both ways, the pin printed" {
	IN=/dev/null serve_bg --tls 127.0.0.1 0
	serve_pin
	tpin=$pin
	tport=$port
	bg fw "$SOCKCAT" forward -v --tls-listen --tls --pinnedpubkey="$tpin" 127.0.0.1:0 "127.0.0.1:$tport"
	wait_for "$T/fw.err" "tls pin sha256//"
	listen_port fw
	fpin=$(sed -n 's/.*tls pin //p' "$T/fw.err")
	printf 'TLS in, TLS out\n' >"$T/in"
	sc 0 connect -q 1 --tls --pinnedpubkey="$fpin" 127.0.0.1 "$port" <"$T/in"
	wait_for "$T/srv.out" "TLS in, TLS out"
}

# A python3 UDP echo (no packaged UDP echo server on Debian): "echo:"
# and the datagram back to its sender; its port in $uport.
uecho() {
	rm -f "$T/u.port"
	bg uecho python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    d, a = s.recvfrom(65536)
    s.sendto(sys.argv[2].encode() + d, a)
' "$T/u.port" "${1-echo:}"
	wait_file "$T/u.port"
	uport=$(cat "$T/u.port")
}

@test "forward -u: two senders each get their own replies, datagrams whole; a quiet sender is forgotten after -i" {
	uecho
	fwd -u -i 0.5 127.0.0.1:0 "127.0.0.1:$uport"
	run timeout "$TMO" python3 -c '
import socket, sys
port = int(sys.argv[1])
cs = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
for i, c in enumerate(cs):
    c.settimeout(5)
    c.sendto(b"hi %d" % i, ("127.0.0.1", port))
print(*[c.recv(100).decode() for c in cs])
cs[0].sendto(b"a\nb" + b"x" * 60000, ("127.0.0.1", port))
print(len(cs[0].recv(70000)))
' "$port"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "echo:hi 0 echo:hi 1" ]
	[ "${lines[1]}" = 60008 ]
	[ "$(grep -c "connection from 127.0.0.1 port" "$T/fw.err")" -eq 2 ]
	wait_for "$T/fw.err" " \(idle for 0.5 seconds\): sent 60017 bytes, received 60007 bytes$"
	wait_for "$T/fw.err" " \(idle for 0.5 seconds\): sent 9 bytes, received 4 bytes$"
}

@test "forward -u: an empty datagram goes through both ways, as a datagram of its own" {
	uecho ""
	fwd -u 127.0.0.1:0 "127.0.0.1:$uport"
	run timeout "$TMO" python3 -c '
import socket, sys
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(5)
for d in (b"", b"x", b""):
    c.sendto(d, ("127.0.0.1", int(sys.argv[1])))
    print(repr(c.recv(100)))
' "$port"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf "b''\nb'x'\nb''")" ]
}

@test "forward -u: 300 senders known at once each get their own replies, before and after they are all forgotten" {
	uecho
	fwd -u -i 1 127.0.0.1:0 "127.0.0.1:$uport"
	run timeout "$TMO" python3 -c '
import socket, sys, time
port = int(sys.argv[1])
cs = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(300)]
bad = 0
for rnd in range(2):
    for i in range(0, 300, 50):
        for j in range(i, i + 50):
            cs[j].settimeout(5)
            cs[j].sendto(b"%d %d" % (rnd, j), ("127.0.0.1", port))
        for j in range(i, i + 50):
            if cs[j].recv(100) != b"echo:%d %d" % (rnd, j):
                bad += 1
    # Bounded wait for all 300 to be forgotten (-i 1): their end lines.
    end = time.monotonic() + 20
    while time.monotonic() < end:
        log = open(sys.argv[2]).read()
        if sum(log.count("received %d bytes" % n) for n in (3, 4, 5)) \
           == 300 * (rnd + 1):
            break
        time.sleep(0.05)
print(bad)
' "$port" "$T/fw.err"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	[ "$(grep -c "connection from 127.0.0.1 port" "$T/fw.err")" -eq 600 ]
	[ "$(grep -c ": sent [0-9]* bytes, received [0-9]* bytes$" "$T/fw.err")" -eq 600 ]
}

@test "forward -u -m 2: a third sender's datagram is refused with a -v line while two are known; once they are forgotten, it gets through" {
	uecho
	fwd -u -m 2 -i 1 127.0.0.1:0 "127.0.0.1:$uport"
	run timeout "$TMO" python3 -c '
import socket, sys
port = int(sys.argv[1])
cs = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(3)]
for c in cs:
    c.bind(("127.0.0.1", 0))
    c.settimeout(5)
for i in range(2):
    cs[i].sendto(b"hi %d" % i, ("127.0.0.1", port))
    print(cs[i].recv(100).decode())
print(cs[2].getsockname()[1], flush=True)
cs[2].sendto(b"third", ("127.0.0.1", port))
# Bounded: a refused datagram has no answer; the forwarder says why.
cs[2].settimeout(0.5)
try:
    print(cs[2].recv(100).decode())
except socket.timeout:
    print("no answer")
# Wait (bounded, on the -v lines) for both to be forgotten after -i.
import time
end = time.monotonic() + 10
while time.monotonic() < end:
    if open(sys.argv[2]).read().count("sent 9 bytes, received 4 bytes") == 2:
        break
    time.sleep(0.05)
cs[2].settimeout(5)
cs[2].sendto(b"again", ("127.0.0.1", port))
print(cs[2].recv(100).decode())
' "$port" "$T/fw.err"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "echo:hi 0" ]
	[ "${lines[1]}" = "echo:hi 1" ]
	third=${lines[2]}
	[ "${lines[3]}" = "no answer" ]
	[ "${lines[4]}" = "echo:again" ]
	grep -qx "sockcat: refused a datagram of 5 bytes from 127.0.0.1 port $third (2 senders at once already)" "$T/fw.err"
	[ "$(grep -c "connection from 127.0.0.1 port" "$T/fw.err")" -eq 3 ]
	# The same as a JSON event.
	bg fj "$SOCKCAT" forward -v -u -m 1 --json 127.0.0.1:0 "127.0.0.1:$uport"
	wait_for "$T/fj.err" '"event":"listening"'
	port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$T/fj.err" | head -n 1)
	run timeout "$TMO" python3 -c '
import socket, sys
a, b = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
a.settimeout(5)
a.sendto(b"one", ("127.0.0.1", int(sys.argv[1])))
print(a.recv(100).decode())
b.sendto(b"two!", ("127.0.0.1", int(sys.argv[1])))
' "$port"
	[ "$status" -eq 0 ]
	[ "$output" = "echo:one" ]
	wait_for "$T/fj.err" '"event":"refused".*"bytes":4,"max_clients":1'
}

@test "forward --json: listening, connection, a failed target and each end are JSON events" {
	target sha
	bg fw "$SOCKCAT" forward -v --json 127.0.0.1:0 "127.0.0.1:$tport"
	wait_for "$T/fw.err" '"event":"listening"'
	port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$T/fw.err" | head -n 1)
	printf 'json\n' >"$T/in"
	sc 0 connect 127.0.0.1 "$port" <"$T/in"
	wait_for "$T/fw.err" '"event":"closed".*"bytes_sent":67,"bytes_received":5'
	kill "$tgt_pid"
	wait_exit "$tgt_pid" || true
	sc 1 connect 127.0.0.1 "$port" <"$T/in"
	wait_for "$T/fw.err" '"event":"attempt_failed"'
	wait_for "$T/fw.err" '"message":"no target: Connection refused"'
	python3 "$TESTS/json-events.py" "$T/fw.err"
}

# ask PORT LINE: a python3 client sends LINE and prints the line that
# comes back (bounded), without half-closing first: proxies such as
# microsocks and ncat's end a stream at a half-close.
ask() {
	timeout "$TMO" python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile().readline().rstrip("\n"))
' "$@"
}

@test "forward --proxy: through microsocks (socks5h, socks5) and ncat's HTTP proxy; a refusal told in SOCKS terms" {
	target echo
	free=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	bg ms microsocks -i 127.0.0.1 -p "$free"
	mport=$free
	port_of "$ms_pid"
	bg hp ncat -l -k --proxy-type http 127.0.0.1 0
	port_of "$hp_pid"
	hport=$port
	# socks5h sends the host as a name (127.0.0.1: a stock hosts file
	# makes localhost ::1 first, where the target does not listen).
	bg f1 "$SOCKCAT" forward -v -x "socks5h://127.0.0.1:$mport" 127.0.0.1:0 "127.0.0.1:$tport"
	listen_port f1
	[ "$(ask "$port" via-socks5h)" = via-socks5h ]
	# -v tells the hop, as connect does.
	wait_for "$T/f1.err" "^sockcat: proxy 127\.0\.0\.1 port $mport \(socks5h\)$"
	bg f2 "$SOCKCAT" forward -v -x "socks5://127.0.0.1:$mport" 127.0.0.1:0 "127.0.0.1:$tport"
	listen_port f2
	[ "$(ask "$port" via-socks5)" = via-socks5 ]
	bg f3 "$SOCKCAT" forward -v --proxy "http://127.0.0.1:$hport" 127.0.0.1:0 "127.0.0.1:$tport"
	listen_port f3
	[ "$(ask "$port" via-http)" = via-http ]
	dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	bg f4 "$SOCKCAT" forward -v -x "socks5://127.0.0.1:$mport" 127.0.0.1:0 "127.0.0.1:$dead"
	listen_port f4
	printf 'x\n' >"$T/in"
	sc 1 connect 127.0.0.1 "$port" <"$T/in"
	wait_for "$T/f4.err" "^sockcat: connect 127.0.0.1 port $mport: SOCKS5 reply 5: connection refused$"
}

@test "forward -w: a proxy that never answers, a TLS target that never handshakes: the end says which was late" {
	mkfifo "$T/idle"
	exec 5<>"$T/idle"
	# A server that takes connections and says nothing.
	IN=$T/idle serve_bg -k 127.0.0.1 0
	mute=$port
	printf 'x\n' >"$T/in"
	fwd -w 0.5 -x "socks5://127.0.0.1:$mute" 127.0.0.1:0 127.0.0.1:9
	sc 1 connect 127.0.0.1 "$port" <"$T/in"
	wait_for "$T/fw.err" "^sockcat: connect 127\.0\.0\.1 port $mute: no SOCKS5 reply within 0\.5 seconds$"
	wait_for "$T/fw.err" "\(no target: no SOCKS5 reply within 0\.5 seconds\)"
	kill "$fw_pid"
	fwd -w 0.5 --tls --insecure 127.0.0.1:0 "127.0.0.1:$mute"
	sc 1 connect 127.0.0.1 "$port" <"$T/in"
	wait_for "$T/fw.err" "\(no target: no TLS handshake within 0\.5 seconds\)"
	exec 5>&-
}

@test "forward -i: an idle pair is closed both ways, its end line saying why" {
	target echo
	fwd -i 0.5 127.0.0.1:0 "127.0.0.1:$tport"
	run timeout "$TMO" python3 "$TESTS/line-client.py" "$port" "one line"
	[ "$status" -eq 0 ]
	[ "$output" = "one line" ]
	wait_for "$T/fw.err" "^sockcat: 127\.0\.0\.1 port [0-9]+ \(idle for 0\.5 seconds\): sent 9 bytes, received 9 bytes$"
}

@test "forward: socket options on the listening socket (its clients inherit them) and on each target's" {
	target echo
	fwd --tos=ef --sndbuf=64k 127.0.0.1:0 "127.0.0.1:$tport"
	bg cli python3 -c '
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"x\n")
print(s.recv(10).decode(), end="", flush=True)
end = time.monotonic() + 20
while not os.path.exists(sys.argv[2]) and time.monotonic() < end:
    time.sleep(0.02)' "$port" "$T/done"
	wait_for "$T/cli.out" x
	# The client's socket and the target's, both with the options.
	ss -Htnp --tos state established | grep "pid=$fw_pid," >"$T/tos"
	ss -Htnpm state established | grep -A1 "pid=$fw_pid," >"$T/mem"
	touch "$T/done"
	cat "$T/tos" "$T/mem"
	[ "$(wc -l <"$T/tos")" -eq 2 ]
	[ "$(grep -c 'tos:0xb8' "$T/tos")" -eq 2 ]
	[ "$(grep -c 'tb131072,' "$T/mem")" -eq 2 ]
}

# undump FILE DIR: the bytes of FILE's hex-dump blocks in direction DIR,
# as hex, in order; then each block's tag, one a line, sorted and unique.
undump() {
	python3 - "$@" <<'PY'
import re, sys
data, tags, cur = bytearray(), set(), None
for line in open(sys.argv[1]):
    m = re.match(r"^([<>]) \d+ bytes at \d+(?: \((.*)\))?$", line)
    if m:
        cur = m.group(1)
        if cur == sys.argv[2]:
            tags.add(m.group(2))
        continue
    m = re.match(r"^[0-9a-f]{8} ((?: {1,2}[0-9a-f]{2})+)", line)
    if m and cur == sys.argv[2]:
        data += bytes.fromhex(m.group(1).replace(" ", ""))
print(data.hex())
for t in sorted(tags, key=str):
    print(t)
PY
}

@test "forward --hex-dump: every pair's bytes both ways, each block naming its client; -C and --line-delay on the client's bytes" {
	target echo
	fwd --hex-dump="$T/dump" 127.0.0.1:0 "127.0.0.1:$tport"
	printf 'GET / HTTP/1.0\r\n\r\n\000\377' >"$T/req"
	for i in 1 2; do
		sc 0 connect 127.0.0.1 "$port" <"$T/req"
		cmp "$T/req" "$T/sc.out"
	done
	poll_until lines_at_least 2 'sent 20 bytes, received 20 bytes$' "$T/fw.err"
	grep -o 'connection from 127.0.0.1 port [0-9]*' "$T/fw.err" |
		sed 's/connection from //' | sort >"$T/clients"
	[ "$(wc -l <"$T/clients")" -eq 2 ]
	hex=$(od -An -tx1 "$T/req" | tr -d ' \n')
	for dir in '>' '<'; do
		undump "$T/dump" "$dir" >"$T/u"
		# Both clients' 20 bytes, in the order they came.
		[ "$(head -n 1 "$T/u")" = "$hex$hex" ]
		diff "$T/clients" <(tail -n +2 "$T/u")
	done
	kill "$fw_pid" "$tgt_pid"
	# -C: the client's bare LFs reach the target as CRLF; --line-delay:
	# a line at a time (the reply comes only after the last line).
	target sha
	fwd -C --line-delay=0.3 127.0.0.1:0 "127.0.0.1:$tport"
	printf 'one\ntwo\r\nthree' >"$T/lines"
	t0=$(date +%s%N)
	sc 0 connect 127.0.0.1 "$port" <"$T/lines"
	t1=$(date +%s%N)
	[ "$out" = "15 $(printf 'one\r\ntwo\r\nthree' | sha256sum | cut -d' ' -f1)" ]
	[ $(((t1 - t0) / 1000000)) -ge 600 ]
}

@test "forward: unix clients with no address of their own are told apart as unix N (-v lines and dump headings)" {
	target echo
	bg fw "$SOCKCAT" forward -v --hex-dump="$T/dump" "unix:$T/f.sock" "127.0.0.1:$tport"
	wait_for "$T/fw.err" "listening on $T/f.sock"
	for i in 1 2; do
		printf 'client %s\n' "$i" >"$T/in$i"
		sc 0 connect -U "$T/f.sock" <"$T/in$i"
		[ "$out" = "client $i" ]
	done
	wait_for "$T/fw.err" "^sockcat: unix 2: sent 9 bytes, received 9 bytes$"
	grep -qx "sockcat: connection from unix 1" "$T/fw.err"
	grep -qx "sockcat: unix 1: sent 9 bytes, received 9 bytes" "$T/fw.err"
	[ "$(grep -c '^> 9 bytes at 0 (unix 1)$' "$T/dump")" -eq 1 ]
	[ "$(grep -c '^< 9 bytes at 0 (unix 2)$' "$T/dump")" -eq 1 ]
}

@test "forward --line-delay with a shorter -i: lines held back are bytes on their way, not idleness" {
	target sha
	fwd -i 0.5 --line-delay=1 127.0.0.1:0 "127.0.0.1:$tport"
	printf 'a\nb\nc' >"$T/lines"
	sc 0 connect 127.0.0.1 "$port" <"$T/lines"
	[ "$out" = "5 $(sha256sum <"$T/lines" | cut -d' ' -f1)" ]
}

@test "forward --telnet: the target's option offers are refused and kept from the client" {
	printf '\377\375\001login: \377\373\003\377\377\n' >"$T/tn"
	bg tsrv -i "$T/tn" "$SOCKCAT" serve -v 127.0.0.1 0
	listen_port tsrv
	tport=$port
	fwd --telnet 127.0.0.1:0 "127.0.0.1:$tport"
	mkfifo "$T/idle"
	bg holder sh -c 'exec sleep 30 >"$1"' sh "$T/idle"
	sc 0 connect 127.0.0.1 "$port" <"$T/idle"
	[ "$(printf '%s' "$out" | od -An -tx1 | tr -d ' \n')" = "$(printf 'login: \377' | od -An -tx1 | tr -d ' \n')" ]
	wait_exit "$tsrv_pid"
	[ "$(od -An -tx1 "$T/tsrv.out" | tr -d ' \n')" = fffc01fffe03 ]
}

@test "forward: usage errors name the culprit" {
	usage_table \
		'missing LISTEN and TARGET|forward' \
		'missing TARGET|forward 8080' \
		"TARGET 'nowhere' is not HOST:PORT|forward 8080 nowhere" \
		"TARGET port '99999' out of range 1-65535|forward 8080 127.0.0.1:99999" \
		"TARGET port '0' out of range 1-65535|forward -u 8080 127.0.0.1:0" \
		"TARGET port '-5' out of range 1-65535|forward 8080 h:-5" \
		"TARGET port 'no-such-service': no such service|forward 8080 h:no-such-service" \
		"TARGET port 'http' is not a number|forward -n 8080 127.0.0.1:http" \
		"TARGET port '99999' out of range|forward -x socks5h://127.0.0.1:1 8080 h:99999" \
		"extra operand 'x'|forward 8080 h:1 x" \
		'empty LISTEN path|forward unix: h:1' \
		'empty TARGET path|forward 8080 unix:' \
		"--proxy-protocol takes v1 or v2, not 'v3'|forward --proxy-protocol=v3 8080 h:1" \
		'--cert needs --tls-listen|forward --cert /dev/null 8080 h:1' \
		'--insecure needs --tls|forward --tls-listen --insecure 8080 h:1' \
		'-u conflicts with --tls|forward -u --tls 8080 h:1' \
		'-u conflicts with --proxy-protocol|forward -u --proxy-protocol=v1 8080 h:1' \
		'-u conflicts with --hex-dump: forward shapes streams only|forward -u --hex-dump 8080 h:1' \
		'-u conflicts with --crlf|forward -u -C 8080 h:1' \
		'--hex-dump=: empty FILE|forward --hex-dump= 8080 h:1' \
		"--line-delay 'x'|forward --line-delay=x 8080 h:1" \
		"unknown option '-N': not needed: forward passes each side's half-close on|forward -N 8080 h:1" \
		"unknown option '-X': nc -X 5 -x HOST:PORT is 'sockcat forward -x socks5://HOST:PORT'|forward -X 5 8080 h:1" \
		'--proxy-cacert needs an https:// --proxy|forward -x socks5://a:1 --proxy-cacert /dev/null 8080 h:1' \
		'--proxy-user with a chain|forward -x a:1 -x b:2 --proxy-user u 8080 h:1' \
		'--proxy conflicts with a unix TARGET|forward -x socks5://a:1 8080 unix:/x' \
		'--nodelay conflicts with unix: LISTEN and TARGET: TCP only|forward --nodelay unix:/a unix:/b' \
		'--multicast-if does not apply to forward|forward --multicast-if=lo 8080 h:1' \
		'--nodelay conflicts with -u: TCP only|forward -u --nodelay 8080 h:1'
}
