#!/usr/bin/env bats
# The man page's EXAMPLES, run as written: each command is taken from the
# page as a reader sees it (mandoc's rendering) and run by bash inside a
# network namespace of its own, where the example's fixed ports are free
# and its host names (example.org, server.example, db, ...) are loopback
# through a private /etc/hosts; the counterparts it talks to are started
# beside it.  Only the TLS pin, which depends on the certificate made at
# start, is put in for the page's sample one.

load helpers
load tls

setup_file() {
	export C="$BATS_FILE_TMPDIR/certs"
	make_certs "$C" DNS:example.org,DNS:server.example,DNS:mail.example
	cp "$C/client.pem" "$C/me.pem"
	cp "$C/client.key" "$C/me.key"
}

setup() {
	T=$BATS_TEST_TMPDIR
	printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n127.0.0.1 example.org server.example db.example db mail.example\n' >"$T/hosts"
}

# examples: the commands of the EXAMPLES section as a reader sees them,
# one a line, continuation lines joined.
examples() {
	mandoc -Tascii "$TESTS/../man/sockcat.1" | col -b |
		awk '/^EXAMPLES/ { on = 1; next } /^SEE ALSO/ { on = 0 } on' |
		sed 's/^[[:space:]]*//' |
		awk '
			/^\$ / { if (cmd != "") print cmd; cmd = substr($0, 3); cont = ($0 ~ /[\\|]$/); next }
			cont { sub(/\\$/, "", cmd); cmd = cmd " " $0; cont = ($0 ~ /[\\|]$/); next }
			{ if (cmd != "") print cmd; cmd = "" }
			END { if (cmd != "") print cmd }'
}

# ex PREFIX: the one example that starts with PREFIX, into $T/ex.sh.
ex() {
	local n
	n=$(examples | grep -cF -- "$1" || true)
	[ "$n" -eq 1 ] || { echo "$n examples start with: $1" >&2; return 1; }
	examples | grep -F -- "$1" >>"$T/ex.sh"
}

# The examples each test below runs, by their first words.
KNOWN=(
	"sockcat serve -v 127.0.0.1 8080 > upload.bin"
	"sockcat connect 127.0.0.1 8080 < file.bin > answer.bin"
	"printf 'GET / HTTP/1.0"
	"sockcat udp-listen -c"
	"sockcat udp-send 127.0.0.1 5353 < f"
	"sockcat connect -z -w 1 127.0.0.1"
	"sockcat serve -k -v 8080"
	"sockcat serve -k -m 10 -e"
	"sockcat serve -U @myservice"
	"sockcat resolve localhost http"
	"sockcat resolve --json"
	"sockcat resolve -r 127.0.0.1 80"
	"sockcat hostname -s"
	"sockcat hostname -a"
	"printf 'GET / HTTP/1.1"
	"sockcat serve --tls 8443 < file.bin"
	"sockcat connect --tls --pinnedpubkey="
	"sockcat serve -k --tls --cert srv.pem"
	"sockcat connect --tls --cacert ca.pem --cert me.pem"
	"sockcat serve -k -v --allow 10.0.0.0/8"
	"sockcat serve -k --broker --label 9000"
	"sockcat forward -v 8080 web.example:80"
	"sockcat forward -u -v 5353 127.0.0.53:53"
	"sockcat forward -x socks5h://127.0.0.1:1080"
	"sockcat forward --tls-listen --cert srv.pem"
	"sockcat forward --tls 127.0.0.1:2525"
	"mkfifo replies"
	"sockcat serve -k --label --route 9000"
	"sockcat connect -x socks5://127.0.0.1:1080 db.example"
	"ssh -o ProxyCommand="
	"sockcat connect -x http://alice@"
	"sockcat connect -x socks5://127.0.0.1:1080 -x http"
	"sockcat connect --keepalive=60:10:6"
	"sockcat connect --tos ef --bind-device wg0"
	"sockcat connect -z --wait=30 db 5432"
	"sockcat connect -e 'read req"
	"printf 'EHLO me"
)

@test "every EXAMPLES command is run by a test here" {
	local line k found
	while IFS= read -r line; do
		found=0
		for k in "${KNOWN[@]}"; do
			[[ "$line" == "$k"* ]] && found=1
		done
		[ "$found" -eq 1 ] || { echo "no test runs: $line" >&2; false; }
	done < <(examples)
	[ "$(examples | wc -l)" -ge "${#KNOWN[@]}" ]
}

@test "examples: send a file to a server, and keep what it answers" {
	printf 'the file\n' >"$T/file.bin"
	{
		echo 'start srv bash -c "$(sed -n 1p ex.cmds)"'
		echo 'wait_line "$T/srv.err" "listening on"'
		echo 'bash -c "$(sed -n 2p ex.cmds)"'
		echo 'poll_until test -s upload.bin'
		echo 'cmp file.bin upload.bin && echo same'
	} >"$T/run.sh"
	ex "sockcat serve -v 127.0.0.1 8080 > upload.bin"
	ex "sockcat connect 127.0.0.1 8080 < file.bin > answer.bin"
	mv "$T/ex.sh" "$T/ex.cmds"
	run netns "$T/run.sh"
	[ "$output" = same ]
}

@test "examples: a web server asked by hand, and over TLS with the system's trust (here the test CA's)" {
	cp "$C/srv.pem" "$C/srv.key" "$T/"
	{
		echo 'start web python3 -m http.server --bind 127.0.0.1 80'
		echo 'wait_listen "127.0.0.1:80 "'
		echo 'start tls openssl s_server -quiet -www -accept 127.0.0.1:443 -cert srv.pem -key srv.key'
		echo 'wait_listen ":443 "'
		echo "export SSL_CERT_FILE='$C/ca.pem'"
		echo 'for n in 1 2; do bash -c "$(sed -n ${n}p ex.cmds)" | head -n 1 | tr -d "\r"; done'
	} >"$T/run.sh"
	ex "printf 'GET / HTTP/1.0\\r\\n\\r\\n'"
	ex "printf 'GET / HTTP/1.1"
	mv "$T/ex.sh" "$T/ex.cmds"
	run netns "$T/run.sh"
	printf '%s\n' "$output"
	[ "${lines[0]}" = "HTTP/1.0 200 OK" ]
	[ "${lines[1]}" = "HTTP/1.0 200 ok" ]
}

@test "examples: a file line by line over UDP" {
	seq 1 50 >"$T/f"
	{
		echo 'start ul bash -c "$(sed -n 1p ex.cmds)"'
		echo 'wait_listen ":5353 "'
		echo 'bash -c "$(sed -n 2p ex.cmds)"'
		echo 'poll_until cmp -s f g'
		echo 'cmp f g && echo same'
	} >"$T/run.sh"
	ex "sockcat udp-listen -c"
	ex "sockcat udp-send 127.0.0.1 5353 < f"
	mv "$T/ex.sh" "$T/ex.cmds"
	run netns "$T/run.sh"
	[ "$output" = same ]
}

@test "examples: a port scan, a -k server, an echo service with -e, an abstract unix socket" {
	{
		echo 'start p22 sockcat serve -k 127.0.0.1 22'
		echo 'start p8005 sockcat serve -k 127.0.0.1 8005'
		echo 'wait_listen ":22 "; wait_listen ":8005 "'
		echo 'bash -c "$(sed -n 1p ex.cmds)"'
		echo 'start k bash -c "$(sed -n 2p ex.cmds)"'
		echo 'wait_line "$T/k.err" "listening on"'
		echo 'echo to-k | sockcat connect -q 0 127.0.0.1 8080'
		echo 'wait_line "$T/k.out" to-k; cat "$T/k.out"'
		echo 'start e bash -c "$(sed -n 3p ex.cmds)"'
		echo 'wait_listen ":7 "'
		echo 'echo echoed | sockcat connect 127.0.0.1 7'
		echo 'start u bash -c "$(sed -n 4p ex.cmds)"'
		echo 'wait_listen "@myservice"'
		echo 'echo over-unix | sockcat connect -U @myservice'
		echo 'wait_line "$T/u.out" over-unix; cat "$T/u.out"'
	} >"$T/run.sh"
	ex "sockcat connect -z -w 1 127.0.0.1"
	ex "sockcat serve -k -v 8080"
	ex "sockcat serve -k -m 10 -e"
	ex "sockcat serve -U @myservice"
	mv "$T/ex.sh" "$T/ex.cmds"
	run netns "$T/run.sh"
	printf '%s\n' "$output"
	[ "$output" = "$(printf '127.0.0.1 22 open\n127.0.0.1 8005 open\nto-k\nhello 127.0.0.1\nechoed\nover-unix')" ]
}

@test "examples: resolve and hostname, with the outputs the page shows" {
	ex "sockcat resolve localhost http"
	ex "sockcat resolve --json"
	ex "sockcat resolve -r 127.0.0.1 80"
	ex "sockcat hostname -s"
	ex "sockcat hostname -a"
	mv "$T/ex.sh" "$T/ex.cmds"
	printf '192.0.2.1 %s\n' "$(hostname)" >>"$T/hosts"
	cat >"$T/run.sh" <<'EOF'
ip addr add 192.0.2.1/32 dev lo
bash -c "$(sed -n 1p ex.cmds)" | grep -x 'inet stream tcp 127.0.0.1 80'
bash -c "$(sed -n 2p ex.cmds)" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["address"])'
bash -c "$(sed -n 3p ex.cmds)"
[ -n "$(bash -c "$(sed -n 4p ex.cmds)")" ] && echo short name
bash -c "$(sed -n 5p ex.cmds)" | grep -x 192.0.2.1
EOF
	run netns "$T/run.sh"
	printf '%s\n' "$output"
	[ "$output" = "$(printf 'inet stream tcp 127.0.0.1 80\n::1\nlocalhost http\nshort name\n192.0.2.1')" ]
}

@test "examples: a throwaway-certificate server and its pinned client; mutual TLS" {
	cp "$C/srv.pem" "$C/srv.key" "$C/me.pem" "$C/me.key" "$C/ca.pem" "$T/"
	printf 'pinned file\n' >"$T/file.bin"
	ex "sockcat serve --tls 8443 < file.bin"
	ex "sockcat connect --tls --pinnedpubkey="
	ex "sockcat serve -k --tls --cert srv.pem"
	ex "sockcat connect --tls --cacert ca.pem --cert me.pem"
	mv "$T/ex.sh" "$T/ex.cmds"
	cat >"$T/run.sh" <<'EOF'
start srv bash -c "$(sed -n 1p ex.cmds)"
wait_line "$T/srv.err" 'tls pin sha256//'
wait_listen ":8443 "
pin=$(sed -n 's/.*tls pin //p' "$T/srv.err")
# The page's sample pin, put in for this certificate's.
mkdir got && cd got && bash -c "$(sed -n 2p ../ex.cmds | sed "s|sha256//[A-Za-z0-9+/=]*|$pin|")" && cd ..
cat got/file.bin
start m bash -c "$(sed -n 3p ex.cmds)"
wait_listen ":8443 "
echo mutual | bash -c "$(sed -n 4p ex.cmds)"
wait_line "$T/m.out" mutual
cat "$T/m.out"
EOF
	run netns "$T/run.sh"
	printf '%s\n' "$output"
	[ "$output" = "$(printf 'pinned file\nmutual')" ]
}

@test "examples: keepalive and nodelay, TOS through a device, the wait-for-a-port loop, connect -e, a hex dump" {
	printf '220 ready\n' >"$T/banner"
	printf '#!/bin/sh\necho server started\n' >"$T/server"
	chmod +x "$T/server"
	ex "sockcat connect --keepalive=60:10:6"
	ex "sockcat connect --tos ef --bind-device wg0"
	ex "sockcat connect -z --wait=30 db 5432"
	ex "sockcat connect -e 'read req"
	ex "printf 'EHLO me"
	mv "$T/ex.sh" "$T/ex.cmds"
	cat >"$T/run.sh" <<'EOF'
start db sockcat serve -v -k 127.0.0.1 5432
wait_line "$T/db.err" 'listening on'
echo ka | bash -c "$(sed -n 1p ex.cmds)"
wait_line "$T/db.out" ka
cat "$T/db.out"
ip link add wg0 type veth peer name wg1
ip link set wg0 up
ip link set wg1 up
ip addr add 10.0.0.2/24 dev wg0
start sip sockcat serve -v 10.0.0.2 5060
wait_line "$T/sip.err" 'listening on'
echo tos | bash -c "$(sed -n 2p ex.cmds)"
wait_line "$T/sip.out" tos
cat "$T/sip.out"
bash -c "$(sed -n 3p ex.cmds)"
echo hi >req
start web bash -c "sockcat serve -v 127.0.0.1 8080 <req"
wait_line "$T/web.err" 'listening on'
bash -c "$(sed -n 4p ex.cmds)"
wait_line "$T/web.out" 'you sent'
cat "$T/web.out"
start smtp bash -c "sockcat serve -v 127.0.0.1 25 <banner"
wait_line "$T/smtp.err" 'listening on'
bash -c "$(sed -n 5p ex.cmds)" 2>dump
grep '^> 15 bytes at 0$' dump
EOF
	run netns "$T/run.sh"
	printf '%s\n' "$output"
	[ "$output" = "$(printf 'ka\ntos\ndb 5432 open\nserver started\nyou sent: hi\n220 ready\n> 15 bytes at 0')" ]
}

@test "examples: proxies: an SSH forward, ssh's ProxyCommand, Tor's socks5h, a password asked for, a chain with TLS" {
	cp "$C/srv.pem" "$C/srv.key" "$T/"
	printf '127.0.0.1 proxy.example\n' >>"$T/hosts"
	printf '220 ready\n' >"$T/banner"
	printf 'hello over tls\n' >"$T/greeting"
	ex "sockcat connect -x socks5://127.0.0.1:1080 db.example"
	ex "ssh -o ProxyCommand="
	ex "sockcat connect --no-shutdown -x socks5h://"
	ex "sockcat connect -x http://alice@"
	ex "sockcat connect -x socks5://127.0.0.1:1080 -x http"
	mv "$T/ex.sh" "$T/ex.cmds"
	cat >"$T/run.sh" <<'EOF'
export SSL_CERT_FILE=$C/ca.pem
start ms microsocks -i 127.0.0.1 -p 1080
start tor microsocks -i 127.0.0.1 -p 9050
printf 'Port 3128\nListen 127.0.0.1\nTimeout 30\nBasicAuth alice pw42\n' >tp1.conf
printf 'Port 8080\nListen 127.0.0.1\nTimeout 30\n' >tp2.conf
start tp1 tinyproxy -d -c tp1.conf
start tp2 tinyproxy -d -c tp2.conf
start db sockcat serve -v 127.0.0.1 5432
# A stand-in SSH server: its banner, then the client's, kept.
start sshd python3 -c '
import socket
ls = socket.socket()
ls.bind(("127.0.0.1", 22))
ls.listen(1)
ls.settimeout(20)
c, _ = ls.accept()
c.settimeout(20)
c.sendall(b"SSH-2.0-stand-in\r\n")
b = b""
while not b.endswith(b"\n"):
    b += c.recv(1)
open("ssh.banner", "wb").write(b)
'
start web sockcat serve -v -e 'read -r line; printf "HTTP/1.0 200 OK\r\n\r\nvia %s\n" "$line"' 127.0.0.1 80
start smtp bash -c "sockcat serve -v 127.0.0.1 25 <banner"
# Half-closes end the proxies' relays: the server's stdin stays open too.
start tls bash -c '{ cat greeting; sleep 20; } | sockcat serve --tls --cert srv.pem --key srv.key 127.0.0.1 443'
for p in 1080 9050 3128 8080 5432 22 80 25 443; do wait_listen "127.0.0.1:$p "; done
bash -c "$(sed -n 1p ex.cmds)" </dev/null
wait_line "$T/db.err" "connection from"
start ssh bash -c "$(sed -n 2p ex.cmds)"
wait_line ssh.banner "^SSH-2.0-OpenSSH"
echo ssh banner came through
bash -c "$(sed -n 3p ex.cmds)" | tail -n 1
python3 "$TESTS/proxy-pty.py" pw42 "220 ready" -- bash -c "$(sed -n 4p ex.cmds)" | grep -o "220 ready"
# The chain's stdin stays open until the answer is in (microsocks ends
# both ways at a half-close).
mkfifo idle
start hold sh -c 'exec sleep 20 >idle'
bash -c "$(sed -n 5p ex.cmds)" <idle >chain.out 2>chain.err &
pids+=($!)
wait_line chain.out "hello over tls" || { cat chain.err tls.err tp2.err; false; }
cat chain.out
EOF
	run netns "$T/run.sh"
	printf '%s\n' "$output"
	[ "$output" = "$(printf 'ssh banner came through\nvia GET / HTTP/1.0\r\n220 ready\nhello over tls')" ]
}

@test "examples: a port forward" {
	ex "sockcat forward -v 8080 web.example:80"
	mv "$T/ex.sh" "$T/ex.cmds"
	printf '127.0.0.1 web.example\n' >>"$T/hosts"
	cat >"$T/run.sh" <<'EOF'
printf 'the page\n' >page
start web sockcat serve -k -v 127.0.0.1 80
wait_line "$T/web.err" "listening on"
start fw bash -c "$(cat ex.cmds)"
wait_line "$T/fw.err" "listening on"
echo hello | sockcat connect -q 1 127.0.0.1 8080 >/dev/null
wait_line "$T/web.out" hello
wait_line "$T/fw.err" ": sent 0 bytes, received 6 bytes"
grep -c "connection from" "$T/fw.err"
EOF
	run netns "$T/run.sh"
	printf '%s\n' "$output"
	[ "$output" = 1 ]
}

@test "examples: TLS in front of a plain server, and a plain port to a TLS service" {
	cp "$C/srv.pem" "$C/srv.key" "$C/ca.pem" "$T/"
	ex "sockcat forward --tls-listen --cert srv.pem"
	ex "sockcat forward --tls 127.0.0.1:2525"
	mv "$T/ex.sh" "$T/ex.cmds"
	cat >"$T/run.sh" <<'EOF'
export SSL_CERT_FILE="$T/ca.pem"
start web sockcat serve -k -v 127.0.0.1 8080
start mail sockcat serve -k -v --tls --cert srv.pem --key srv.key 127.0.0.1 465
wait_line "$T/web.err" "listening on"
wait_line "$T/mail.err" "listening on"
start f1 bash -c "$(sed -n 1p ex.cmds)"
start f2 bash -c "$(sed -n 2p ex.cmds)"
wait_listen ":443 "
wait_listen ":2525 "
echo through-tls-listen | sockcat connect -q 1 --tls --cacert ca.pem --servername localhost 127.0.0.1 443
echo through-tls | sockcat connect -q 1 127.0.0.1 2525
wait_line "$T/web.out" through-tls-listen
wait_line "$T/mail.out" through-tls
cat "$T/web.out" "$T/mail.out"
EOF
	run netns "$T/run.sh"
	printf '%s\n' "$output"
	[ "$output" = "$(printf 'through-tls-listen\nthrough-tls')" ]
}

@test "examples: a local port through a SOCKS proxy (microsocks standing in for ssh -D)" {
	ex "sockcat forward -x socks5h://127.0.0.1:1080"
	mv "$T/ex.sh" "$T/ex.cmds"
	cat >"$T/run.sh" <<'EOF'
start ms microsocks -i 127.0.0.1 -p 1080
start db sockcat serve -k -d -v 127.0.0.1 5432
wait_listen "127.0.0.1:1080 "
wait_line "$T/db.err" "listening on"
start fw bash -c "$(cat ex.cmds)"
wait_listen ":15432 "
# The client holds its connection until the server has its line:
# microsocks ends a stream at a half-close, data still in flight.
python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", 15432), timeout=5)
s.sendall(b"select 1\n")
for _ in range(500):
    if b"select 1" in open(sys.argv[1], "rb").read():
        break
    time.sleep(0.02)
s.close()
' "$T/db.out"
wait_line "$T/db.out" "select 1"
cat "$T/db.out"
EOF
	run netns "$T/run.sh"
	printf '%s\n' "$output"
	[ "$output" = "select 1" ]
}

@test "examples: DNS over UDP forwarded to a resolver on loopback" {
	ex "sockcat forward -u -v 5353 127.0.0.53:53"
	mv "$T/ex.sh" "$T/ex.cmds"
	# A python3 stand-in for the resolver (no DNS server among the
	# packages): every A question gets 192.0.2.53.
	cat >"$T/dns.py" <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.53", 53))
while True:
    q, a = s.recvfrom(512)
    end = q.index(b"\0", 12) + 5
    r = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00" + q[12:end]
    r += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + bytes([192, 0, 2, 53])
    s.sendto(r, a)
EOF
	cat >"$T/ask.py" <<'EOF'
import socket, struct
q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
q += b"".join(bytes([len(p)]) + p for p in b"example.org".split(b".")) + b"\0\x00\x01\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(q, ("127.0.0.1", 5353))
r = s.recv(512)
assert r[:2] == b"\x12\x34" and struct.unpack("!H", r[6:8])[0] == 1
print(socket.inet_ntoa(r[-4:]))
EOF
	cat >"$T/run.sh" <<'EOF'
start dns python3 "$T/dns.py"
wait_listen "127.0.0.53:53 "
start fw bash -c "$(cat ex.cmds)"
wait_line "$T/fw.err" "listening on"
python3 "$T/ask.py"
wait_line "$T/fw.err" "connection from 127.0.0.1 port"
EOF
	run netns "$T/run.sh"
	printf '%s\n' "$output"
	[ "$output" = 192.0.2.53 ]
}

@test "examples: a chat room, and its log" {
	ex "sockcat serve -k --broker --label 9000"
	mv "$T/ex.sh" "$T/ex.cmds"
	cat >"$T/run.sh" <<'EOF'
# A server that never ends: its process group is ended below.
start srv setsid bash -c "$(cat ex.cmds)"
wait_listen ":9000"
start a sockcat connect -v 127.0.0.1 9000
wait_line "$T/a.err" "connected to"
echo hello room | sockcat connect -q 1 127.0.0.1 9000 >"$T/b.out"
wait_line "$T/a.out" "hello room"
wait_line chat.log "hello room"
sed 's/ [0-9]*\t/ PORT\t/' "$T/a.out" chat.log
cat "$T/b.out"
kill -- -"${pids[0]}"
EOF
	run netns "$T/run.sh"
	printf '%s\n' "$output"
	[ "$output" = "$(printf '127.0.0.1 PORT\thello room\n127.0.0.1 PORT\thello room')" ]
}

@test "examples: a line filter serving many clients through --label --route and a FIFO" {
	ex "mkfifo replies"
	ex "sockcat serve -k --label --route 9000"
	mv "$T/ex.sh" "$T/ex.cmds"
	cat >"$T/run.sh" <<'EOF'
bash -c "$(sed -n 1p ex.cmds)"
# A pipeline that never ends: its process group is ended below.
start srv setsid bash -c "$(sed -n 2p ex.cmds)"
wait_listen ":9000"
# Each client's answer is one write(2): two clients share this stdout,
# and print() under PYTHONUNBUFFERED=1 writes a line and its newline
# apart, so that the two answers could interleave.
ask() {
	python3 -c '
import os, socket, sys
s = socket.create_connection(("127.0.0.1", 9000), timeout=10)
s.sendall(sys.argv[1].encode() + b"\n")
os.write(1, s.makefile("rb").readline())
' "$1"
}
ask "one client" &
p1=$!
ask "and another"
wait "$p1"
kill -- -"${pids[0]}"
EOF
	run netns "$T/run.sh"
	printf '%s\n' "$output"
	[ "$(printf '%s\n' "$output" | sort)" = "$(printf 'AND ANOTHER\nONE CLIENT')" ]
}

@test "examples: an allow-list with one host denied" {
	ex "sockcat serve -k -v --allow 10.0.0.0/8"
	mv "$T/ex.sh" "$T/ex.cmds"
	cat >"$T/run.sh" <<'EOF'
ip link add d0 type veth peer name d1
ip link set d0 up
ip link set d1 up
for a in 10.0.0.5 10.0.0.66 192.0.2.7 192.0.2.8; do ip addr add "$a/32" dev d0; done
start srv bash -c "$(cat ex.cmds)"
wait_line "$T/srv.err" "listening on"
for a in 10.0.0.5 10.0.0.66 192.0.2.7 192.0.2.8; do
	echo "from $a" | sockcat connect -q 1 -s "$a" "$a" 8080 >/dev/null 2>&1 || true
done
wait_line "$T/srv.err" "refused .*192.0.2.8 port"
wait_line "$T/srv.out" "from 192.0.2.7"
sort "$T/srv.out"
grep -o "refused [^ ]*" "$T/srv.err" | sed 's/::ffff://' | sort
EOF
	run netns "$T/run.sh"
	printf '%s\n' "$output"
	[ "$output" = "$(printf 'from 10.0.0.5\nfrom 192.0.2.7\nrefused 10.0.0.66\nrefused 192.0.2.8')" ]
}
