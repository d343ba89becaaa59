#!/usr/bin/env bats
# TLS on connect and serve against real counterparts: openssl s_server
# and s_client, python3's ssl (OpenSSL too), curl, socat and gnutls-cli
# (GnuTLS: an implementation that is not OpenSSL).  Certificates are
# made at test time (tests/tls.bash).

load helpers
load tls

setup_file() {
	tls_certs_setup_file
}

setup() {
	T=$BATS_TEST_TMPDIR
	C=$CERTS
	printf 'up-data from sockcat\n' >"$T/up"
	printf 'down-data from the peer\n' >"$T/down"
}

# quiet CMD...: CMD with its stderr kept apart (for run), in $T/quiet.err.
quiet() {
	"$@" 2>>"$BATS_TEST_TMPDIR/quiet.err"
}

seen() {	# seen KEY: what the python peer's handshake saw
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]))' \
		"$T/$1" "$2"
}

# --- connect ---------------------------------------------------------

@test "connect --tls --cacert: verified, data both ways, the -v tls lines" {
	tls_listen peer --cert "$C/srv.pem" --key "$C/srv.key" --seen "$T/seen" \
		--send "$T/down" --recv "$T/rec"
	sc 0 connect -v --tls --cacert "$C/ca.pem" localhost "$port" <"$T/up"
	[ "$out" = "down-data from the peer" ]
	wait_file "$T/rec.done"
	cmp "$T/up" "$T/rec"
	grep -qE '^sockcat: tls TLSv1\.3 TLS_[A-Z0-9_]+$' <<<"$err"
	grep -qE '^sockcat: tls peer CN=localhost \(issuer CN=sockcat test CA, expires 20[0-9-]+T[0-9:]+Z\)$' <<<"$err"
	[ "$(seen seen sni)" = localhost ]
}

@test "connect --tls against openssl s_server, the -v lines in order" {
	s_server srv -cert "$C/srv.pem" -key "$C/srv.key" -quiet
	sc 0 connect -v --tls --cacert "$C/ca.pem" -q 0 127.0.0.1 "$port" <"$T/up"
	[ "$(sed -n 1p <<<"$err")" = "sockcat: connected to 127.0.0.1 port $port" ]
	[[ "$(sed -n 2p <<<"$err")" == "sockcat: tls TLSv1.3 "* ]]
	wait_for "$T/srv.out" 'up-data from sockcat'
}

@test "without --cacert the test CA is unknown: one line with the reason and subject, exit 1" {
	tls_listen peer --cert "$C/srv.pem" --key "$C/srv.key"
	sc 1 connect --tls localhost "$port" </dev/null
	one_error_line "^sockcat: tls 127\.0\.0\.1 port $port: certificate verify failed: unable to get local issuer certificate \(subject CN=localhost\)$"
	[ -z "$out" ]
}

@test "a certificate for another name is refused, by HOST and by --servername" {
	tls_listen peer --cert "$C/wrong.pem" --key "$C/wrong.key"
	sc 1 connect --tls --cacert "$C/ca.pem" localhost "$port" </dev/null
	one_error_line 'certificate verify failed: hostname mismatch \(subject CN=wrong\.example\)'
	tls_listen peer2 --cert "$C/srv.pem" --key "$C/srv.key" --seen "$T/seen2"
	sc 1 connect --tls --cacert "$C/ca.pem" --servername wrong.example 127.0.0.1 "$port" </dev/null
	one_error_line 'hostname mismatch'
	wait_file "$T/seen2"
	tls_listen peer3 --cert "$C/wrong.pem" --key "$C/wrong.key" --seen "$T/seen3"
	sc 0 connect --tls --cacert "$C/ca.pem" --servername wrong.example -q 0 127.0.0.1 "$port" </dev/null
	wait_file "$T/seen3"
	[ "$(seen seen3 sni)" = wrong.example ]
}

@test "an expired certificate is refused" {
	tls_listen peer --cert "$C/expired.pem" --key "$C/srv.key"
	sc 1 connect --tls --cacert "$C/ca.pem" localhost "$port" </dev/null
	one_error_line 'certificate verify failed: certificate has expired \(subject CN=localhost\)'
}

@test "a numeric HOST is checked against the IP SANs, and sends no SNI" {
	tls_listen peer --cert "$C/srv.pem" --key "$C/srv.key" --seen "$T/seen"
	sc 0 connect --tls --cacert "$C/ca.pem" -q 0 127.0.0.1 "$port" </dev/null
	wait_file "$T/seen"
	[ "$(seen seen sni)" = None ]
	tls_listen peer6 --host ::1 --cert "$C/srv.pem" --key "$C/srv.key"
	sc 0 connect --tls --cacert "$C/ca.pem" -q 0 ::1 "$port" </dev/null
	tls_listen peerw --cert "$C/wrong.pem" --key "$C/wrong.key"
	sc 1 connect --tls --cacert "$C/ca.pem" 127.0.0.1 "$port" </dev/null
	one_error_line 'certificate verify failed: IP address mismatch'
}

@test "127.0.0.1 spelt 127.1, 2130706433, 0x7f000001 or given as --servername: checked as that IP, no SNI" {
	for host in 127.1 2130706433 0x7f000001; do
		rm -f "$T/seen"
		tls_listen peer --cert "$C/srv.pem" --key "$C/srv.key" --seen "$T/seen"
		sc 0 connect --tls --cacert "$C/ca.pem" -q 0 "$host" "$port" </dev/null
		wait_file "$T/seen"
		[ "$(seen seen sni)" = None ]
	done
	# The wrong-name certificate has no IP SAN: the address is what
	# was checked.
	tls_listen peerw --cert "$C/wrong.pem" --key "$C/wrong.key"
	sc 1 connect --tls --cacert "$C/ca.pem" 2130706433 "$port" </dev/null
	one_error_line 'certificate verify failed: IP address mismatch'
	rm -f "$T/seen"
	tls_listen peer --cert "$C/srv.pem" --key "$C/srv.key" --seen "$T/seen"
	sc 0 connect --tls --cacert "$C/ca.pem" --servername 127.0.0.1 -q 0 localhost "$port" </dev/null
	wait_file "$T/seen"
	[ "$(seen seen sni)" = None ]
}

@test "--insecure connects to anything and says so on stderr" {
	tls_listen peer --cert "$C/wrong.pem" --key "$C/wrong.key" --send "$T/down"
	sc 0 connect --tls --insecure localhost "$port" </dev/null
	[ "$out" = "down-data from the peer" ]
	one_error_line '^sockcat: warning: --insecure: the server.s certificate is not checked$'
}

@test "--pinnedpubkey: the right pin needs no CA; a wrong one is refused" {
	pin=$(openssl x509 -in "$C/srv.pem" -noout -pubkey | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64)
	tls_listen peer --cert "$C/wrong.pem" --key "$C/wrong.key" --send "$T/down"
	sc 1 connect --tls --pinnedpubkey "sha256//$pin" localhost "$port" </dev/null
	one_error_line 'certificate verify failed: its public key matches no pin \(subject CN=wrong\.example\)'
	tls_listen peer3 --cert "$C/srv.pem" --key "$C/srv.key" --send "$T/down"
	sc 0 connect --tls --pinnedpubkey "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;sha256//$pin" \
		127.0.0.1 "$port" </dev/null
	[ "$out" = "down-data from the peer" ]
	# With a CA, both must hold.
	tls_listen peer4 --cert "$C/srv.pem" --key "$C/srv.key"
	sc 1 connect --tls --cacert "$C/ca.pem" --pinnedpubkey "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" \
		localhost "$port" </dev/null
	one_error_line 'matches no pin'
}

@test "--alpn is offered and the server's choice reported" {
	tls_listen peer --cert "$C/srv.pem" --key "$C/srv.key" --alpn h2,http/1.1 --seen "$T/seen"
	sc 0 connect -v --tls --cacert "$C/ca.pem" --alpn http/1.1,spdy -q 0 localhost "$port" </dev/null
	[ "$(seen seen alpn)" = http/1.1 ]
	grep -qx 'sockcat: tls alpn http/1.1' <<<"$err"
}

@test "--tls-min and --tls-max against 1.2-only and 1.3-only servers" {
	s_server s12 -cert "$C/srv.pem" -key "$C/srv.key" -tls1_2 -quiet
	sc 0 connect -v --tls --cacert "$C/ca.pem" -q 0 localhost "$port" </dev/null
	grep -q '^sockcat: tls TLSv1.2 ' <<<"$err"
	s_server s12b -cert "$C/srv.pem" -key "$C/srv.key" -tls1_2 -quiet
	sc 1 connect --tls --cacert "$C/ca.pem" --tls-min 1.3 localhost "$port" </dev/null
	one_error_line "^sockcat: tls 127\.0\.0\.1 port $port: "
	s_server s13 -cert "$C/srv.pem" -key "$C/srv.key" -tls1_3 -quiet
	sc 1 connect --tls --cacert "$C/ca.pem" --tls-max 1.2 localhost "$port" </dev/null
	one_error_line "^sockcat: tls 127\.0\.0\.1 port $port: "
	s_server s13b -cert "$C/srv.pem" -key "$C/srv.key" -tls1_3 -quiet
	sc 0 connect -v --tls --cacert "$C/ca.pem" --tls-min 1.3 -q 0 localhost "$port" </dev/null
	grep -q '^sockcat: tls TLSv1.3 ' <<<"$err"
}

@test "--ciphers and --tls13-ciphers pick the cipher" {
	s_server s12 -cert "$C/srv.pem" -key "$C/srv.key" -quiet
	sc 0 connect -v --tls --cacert "$C/ca.pem" --tls-max 1.2 \
		--ciphers ECDHE-ECDSA-CHACHA20-POLY1305 -q 0 localhost "$port" </dev/null
	grep -qx 'sockcat: tls TLSv1.2 ECDHE-ECDSA-CHACHA20-POLY1305' <<<"$err"
	s_server s13 -cert "$C/srv.pem" -key "$C/srv.key" -quiet
	sc 0 connect -v --tls --cacert "$C/ca.pem" --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 \
		-q 0 localhost "$port" </dev/null
	grep -qx 'sockcat: tls TLSv1.3 TLS_CHACHA20_POLY1305_SHA256' <<<"$err"
}

@test "mutual TLS against s_server -Verify 1: with --cert/--key, and refused without" {
	s_server srv -cert "$C/srv.pem" -key "$C/srv.key" -Verify 1 -CAfile "$C/ca.pem" \
		-verify_return_error -quiet
	sc 0 connect --tls --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key" \
		-q 0 localhost "$port" <"$T/up"
	wait_for "$T/srv.out" 'up-data from sockcat'
	s_server srv2 -cert "$C/srv.pem" -key "$C/srv.key" -Verify 1 -CAfile "$C/ca.pem" \
		-verify_return_error -quiet
	sc 1 connect --tls --cacert "$C/ca.pem" localhost "$port" <"$T/up"
	# TLS 1.3: the client's handshake is over before the server looks
	# at its certificate; the alert, or the reset after it, comes later.
	one_error_line "certificate required|Connection reset by peer|Broken pipe"
}

@test "a client certificate the server refuses, or one it wants and lacks, is told as that, under TLS 1.3 (after the handshake seemed done) and 1.2" {
	# Signed by no CA the server knows.
	openssl req -x509 -new -key "$C/client.key" -out "$T/self.pem" -days 2 \
		-subj "/CN=nobody's client" 2>/dev/null
	idle_stdin
	for v in -tls1_3 -tls1_2; do
		s_server "srv$v" -cert "$C/srv.pem" -key "$C/srv.key" -Verify 1 \
			-CAfile "$C/ca.pem" -verify_return_error -quiet "$v"
		sc 1 connect --tls --cacert "$C/ca.pem" --cert "$T/self.pem" \
			--key "$C/client.key" localhost "$port" <"$T/idle"
		one_error_line "^sockcat: (receive from|tls) 127\.0\.0\.1 port $port: the server refused the client certificate: tlsv1 alert unknown ca$"
	done
	# None given, TLS 1.3: the server's alert says it wants one.
	s_server srv3 -cert "$C/srv.pem" -key "$C/srv.key" -Verify 1 \
		-CAfile "$C/ca.pem" -verify_return_error -quiet
	sc 1 connect --tls --cacert "$C/ca.pem" localhost "$port" <"$T/idle"
	one_error_line "^sockcat: receive from 127\.0\.0\.1 port $port: the server wants a client certificate \(--cert\): tlsv13 alert certificate required$"
	# TLS 1.2's alert is a bare handshake failure: the server's request
	# for a certificate is what says why (sockcat's own server too).
	s_server srv4 -cert "$C/srv.pem" -key "$C/srv.key" -Verify 1 \
		-CAfile "$C/ca.pem" -verify_return_error -quiet -tls1_2
	sc 1 connect --tls --cacert "$C/ca.pem" localhost "$port" <"$T/idle"
	one_error_line "^sockcat: tls 127\.0\.0\.1 port $port: the server wants a client certificate \(--cert\): sslv3 alert handshake failure$"
	IN=/dev/null serve_bg --tls --tls-max=1.2 --cert "$C/srv.pem" --key "$C/srv.key" \
		--require-client-cert --cacert "$C/ca.pem" 127.0.0.1 0
	sc 1 connect --tls --cacert "$C/ca.pem" localhost "$port" <"$T/idle"
	one_error_line "^sockcat: tls 127\.0\.0\.1 port $port: the server wants a client certificate \(--cert\): "
}

@test "a server that wants a client certificate, reached with --insecure or a pin alone: its refusal told, not a verify failure" {
	# Unverified, the chain's error (a CA sockcat does not know) stays
	# in OpenSSL's verify result; the session fails for another reason.
	s_server srv -cert "$C/srv.pem" -key "$C/srv.key" -Verify 1 -CAfile "$C/ca.pem" \
		-verify_return_error -tls1_2 -quiet
	run timeout "$TMO" "$SOCKCAT" connect --tls --insecure -q 0 localhost "$port" <"$T/up"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "sockcat: warning: --insecure: the server's certificate is not checked" ]
	[[ "${lines[1]}" == "sockcat: tls 127.0.0.1 port $port: "*"alert handshake failure" ]]
	[ "${#lines[@]}" -eq 2 ]
	pin=$(openssl x509 -in "$C/srv.pem" -noout -pubkey | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64)
	s_server srv2 -cert "$C/srv.pem" -key "$C/srv.key" -Verify 1 -CAfile "$C/ca.pem" \
		-verify_return_error -quiet
	sc 1 connect --tls --pinnedpubkey "sha256//$pin" localhost "$port" <"$T/up"
	one_error_line "certificate required|Connection reset by peer|Broken pipe"
	! grep -q 'verify failed' <<<"$err"
}

@test "a peer that closes without close_notify: what came is written, then exit 1" {
	head -c 100000 /dev/urandom >"$T/down"
	tls_listen peer --cert "$C/srv.pem" --key "$C/srv.key" --send "$T/down" --end truncate
	sc 1 connect --tls --cacert "$C/ca.pem" localhost "$port" <"$T/up"
	cmp "$T/down" "$T/sc.out"
	one_error_line "^sockcat: receive from 127\.0\.0\.1 port $port: connection closed without TLS close_notify$"
}

@test "a peer that half-closes without close_notify still gets all of stdin; then exit 1" {
	head -c 3000000 /dev/urandom >"$T/bigup"
	tls_listen peer --cert "$C/srv.pem" --key "$C/srv.key" --send "$T/down" --end truncate \
		--recv "$T/rec"
	sc 1 connect --tls --cacert "$C/ca.pem" localhost "$port" <"$T/bigup"
	[ "$out" = "down-data from the peer" ]
	wait_file "$T/rec.done"
	cmp "$T/bigup" "$T/rec"
	one_error_line "^sockcat: receive from 127\.0\.0\.1 port $port: connection closed without TLS close_notify$"
}

@test "stdin EOF sends close_notify and reading goes on (half-close over TLS)" {
	printf 'the reply after EOF\n' >"$T/reply"
	tls_listen peer --cert "$C/srv.pem" --key "$C/srv.key" --recv "$T/rec" \
		--reply-after-eof "$T/reply"
	sc 0 connect --tls --cacert "$C/ca.pem" localhost "$port" <"$T/up"
	cmp "$T/up" "$T/rec"
	[ "$out" = "the reply after EOF" ]
}

@test "the peer's close_notify ends the session though stdin is an idle pipe" {
	tls_listen peer --cert "$C/srv.pem" --key "$C/srv.key" --send "$T/down"
	mkfifo "$T/idle"
	bg holder sh -c 'exec sleep 30 >"$1"' sh "$T/idle"
	sc 0 connect --tls --cacert "$C/ca.pem" localhost "$port" <"$T/idle"
	[ "$out" = "down-data from the peer" ]
}

@test "a server that never answers the handshake: -w ends it" {
	py_listen peer --after-send hold --hold-secs 10
	start=$(date +%s%N)
	sc 1 connect --tls --insecure -w 0.5 127.0.0.1 "$port" </dev/null
	[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ]
	grep -qx "sockcat: tls 127.0.0.1 port $port: no handshake within 0.5 seconds" <<<"$err"
}

@test "50 MiB both ways over TLS against socat, checked by sha256" {
	head -c 52428800 /dev/urandom >"$T/big-up"
	head -c 52428800 /dev/urandom >"$T/big-down"
	IN=$T/big-up serve_bg --tls --cert "$C/srv.pem" --key "$C/srv.key" 127.0.0.1 0
	bg socat -i "$T/big-down" socat -t 30 \
		OPENSSL:127.0.0.1:"$port",cafile="$C/ca.pem",commonname=localhost STDIO
	wait_exit "$socat_pid"
	[ "$status" -eq 0 ] || { cat "$T/socat.err"; false; }
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ] || { cat "$T/srv.err"; false; }
	[ "$(sha256sum <"$T/big-up")" = "$(sha256sum <"$T/socat.out")" ]
	[ "$(sha256sum <"$T/big-down")" = "$(sha256sum <"$T/srv.out")" ]
}

# stall_reader NAME FIFO OUT: a reader of FIFO that takes nothing till
# $T/go exists (bounded), then copies all of it to OUT.
stall_reader() {
	bg "$1" python3 -c '
import os, shutil, sys, time
f = open(sys.argv[1], "rb")
end = time.monotonic() + 30
while not os.path.exists(sys.argv[2]) and time.monotonic() < end:
    time.sleep(0.02)
with open(sys.argv[3], "wb") as out:
    shutil.copyfileobj(f, out, 1 << 20)
' "$2" "$T/go" "$3"
}

# backed_up PORT: the connection to PORT is full end to end: the
# receiving socket holds unread bytes and the sending one a queue.
backed_up() {
	local q
	q=$(ss -tnH "( sport = :$1 or dport = :$1 )" |
		awk '$1 != "LISTEN" { print $2 + $3 }' | sort -n | head -n 1)
	[ "${q:-0}" -gt 65536 ]
}

# held_up DIR: 32 MiB over TLS, sockcat at both ends, to a receiver
# whose stdout is a FIFO left unread till the sender's socket is full:
# the sender's records wait in its buffer, the receiver's in its own,
# and every byte arrives, counted once.
held_up() {
	head -c 33554432 /dev/urandom >"$T/big"
	mkfifo "$T/fifo"
	stall_reader reader "$T/fifo" "$T/got"
	if [ "$1" = up ]; then
		bg srv sh -c 'exec "$@" >"$0"' "$T/fifo" "$SOCKCAT" serve -v \
			--tls --cert "$C/srv.pem" --key "$C/srv.key" 127.0.0.1 0
		listen_port srv
		bg cli -i "$T/big" "$SOCKCAT" connect -v --tls --cacert "$C/ca.pem" \
			127.0.0.1 "$port"
	else
		IN=$T/big serve_bg --tls --cert "$C/srv.pem" --key "$C/srv.key" \
			127.0.0.1 0
		bg cli sh -c 'exec "$@" >"$0"' "$T/fifo" "$SOCKCAT" connect -v \
			--tls --cacert "$C/ca.pem" 127.0.0.1 "$port"
	fi
	poll_until backed_up "$port"
	: >"$T/go"
	wait_exit "$cli_pid"
	[ "$status" -eq 0 ] || { cat "$T/cli.err"; false; }
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ] || { cat "$T/srv.err"; false; }
	wait_exit "$reader_pid"
	[ "$(sha256sum <"$T/big")" = "$(sha256sum <"$T/got")" ]
	if [ "$1" = up ]; then
		grep -qx 'sockcat: sent 33554432 bytes, received 0 bytes' "$T/cli.err"
		grep -qx 'sockcat: sent 0 bytes, received 33554432 bytes' "$T/srv.err"
	else
		grep -qx 'sockcat: sent 33554432 bytes, received 0 bytes' "$T/srv.err"
		grep -qx 'sockcat: sent 0 bytes, received 33554432 bytes' "$T/cli.err"
	fi
}

@test "a TLS upload held up by a receiver that stops reading: every byte, counted once" {
	held_up up
}

@test "a TLS download held up by a client that stops reading: every byte, counted once" {
	held_up down
}

@test "TLS to a receiver slower than the link: the last records go out before close_notify, both ways" {
	# python3's ssl reads 16 KiB at a time, 2 ms apart, behind a small
	# receive buffer; sockcat's send buffer is small too, so that its
	# writes end with records still waiting for room.
	head -c 4194304 /dev/urandom >"$T/big"
	tls_listen slow --cert "$C/srv.pem" --key "$C/srv.key" --recv "$T/got-up" --slow
	run timeout "$TMO" "$SOCKCAT" connect --tls --cacert "$C/ca.pem" --sndbuf 16384 \
		127.0.0.1 "$port" <"$T/big"
	[ "$status" -eq 0 ] || { echo "$output"; cat "$T/slow.err"; false; }
	wait_file "$T/got-up.done"
	[ "$(sha256sum <"$T/big")" = "$(sha256sum <"$T/got-up")" ]

	IN=$T/big serve_bg --tls --cert "$C/srv.pem" --key "$C/srv.key" --sndbuf 16384 \
		127.0.0.1 0
	run timeout "$TMO" python3 "$TESTS/tls-peer.py" --connect "$port" \
		--cafile "$C/ca.pem" --recv "$T/got-down" --slow
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ] || { cat "$T/srv.err"; false; }
	[ -e "$T/got-down.done" ]
	[ "$(sha256sum <"$T/big")" = "$(sha256sum <"$T/got-down")" ]
}

# --- serve -----------------------------------------------------------

@test "serve --tls answers curl --cacert with the HTTP response on its stdin" {
	printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello over tls\n' >"$T/resp"
	IN=$T/resp serve_bg --tls --cert "$C/srv.pem" --key "$C/srv.key" 127.0.0.1 0
	run timeout "$TMO" curl -sS --cacert "$C/ca.pem" "https://localhost:$port/path"
	[ "$status" -eq 0 ]
	[ "$output" = "hello over tls" ]
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	grep -q '^GET /path HTTP/1.1' "$T/srv.out"
	grep -q '^sockcat: tls TLSv1.3 ' "$T/srv.err"
}

@test "serve --tls with the key in the cert file, against openssl s_client" {
	# s_client ends at the server's close_notify, read or not what it
	# was to send: serve's stdin answers only once the upload is in.
	mkfifo "$T/answer"
	bg feeder timeout "$TMO" sh -c 'exec 4>"$1"; until grep -q up-data "$2"; do sleep 0.02; done; cat "$3" >&4' \
		sh "$T/answer" "$T/srv.out" "$T/down"
	IN=$T/answer serve_bg --tls --cert "$C/srv-both.pem" 127.0.0.1 0
	run quiet timeout "$TMO" openssl s_client -connect "127.0.0.1:$port" -CAfile "$C/ca.pem" \
		-verify_return_error -verify_hostname localhost -quiet <"$T/up"
	[ "$status" -eq 0 ]
	[ "$output" = "down-data from the peer" ]
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	cmp "$T/up" "$T/srv.out"
}

@test "serve --tls against socat OPENSSL and python3 ssl" {
	IN=$T/down serve_bg --tls --cert "$C/srv.pem" --key "$C/srv.key" 127.0.0.1 0
	run timeout "$TMO" socat -t 5 - OPENSSL:127.0.0.1:"$port",cafile="$C/ca.pem",commonname=localhost <"$T/up"
	[ "$status" -eq 0 ]
	[ "$output" = "down-data from the peer" ]
	wait_exit "$srv_pid"
	cmp "$T/up" "$T/srv.out"
	IN=$T/down serve_bg --tls --cert "$C/srv.pem" --key "$C/srv.key" 127.0.0.1 0
	run timeout "$TMO" python3 "$TESTS/tls-peer.py" --connect "$port" --cafile "$C/ca.pem" \
		--servername localhost --send "$T/up" --recv "$T/rec"
	[ "$status" -eq 0 ]
	wait_exit "$srv_pid"
	cmp "$T/up" "$T/srv.out"
	cmp "$T/down" "$T/rec"
}

@test "serve --tls against gnutls-cli (GnuTLS, not OpenSSL)" {
	command -v gnutls-cli
	IN=$T/down serve_bg --tls --cert "$C/srv.pem" --key "$C/srv.key" --alpn h2,x-test 127.0.0.1 0
	run timeout "$TMO" gnutls-cli --x509cafile "$C/ca.pem" --alpn x-test -p "$port" localhost <"$T/up"
	[ "$status" -eq 0 ]
	grep -q 'down-data from the peer' <<<"$output"
	wait_exit "$srv_pid"
	cmp "$T/up" "$T/srv.out"
	grep -qx 'sockcat: tls alpn x-test' "$T/srv.err"
}

@test "the throwaway certificate: its pin printed before listening, checked by connect and curl" {
	IN=$T/down serve_bg --tls 127.0.0.1 0
	serve_pin
	[ "$(grep -n 'tls pin' "$T/srv.err" | cut -d: -f1)" -lt "$(grep -n 'listening' "$T/srv.err" | cut -d: -f1)" ]
	sc 0 connect --tls --pinnedpubkey "$pin" 127.0.0.1 "$port" <"$T/up"
	[ "$out" = "down-data from the peer" ]
	wait_exit "$srv_pid"
	cmp "$T/up" "$T/srv.out"
	# A different process, a different key.
	IN=$T/down serve_bg --self-signed --tls 127.0.0.1 0
	old=$pin
	serve_pin
	[ "$pin" != "$old" ]
	run timeout "$TMO" curl -sS --http0.9 -k --pinnedpubkey "$pin" "https://127.0.0.1:$port/"
	grep -q 'down-data' <<<"$output"
	# Without the pin nobody trusts it.
	IN=$T/down serve_bg --tls 127.0.0.1 0
	sc 1 connect --tls 127.0.0.1 "$port" </dev/null
	one_error_line 'certificate verify failed: self-signed certificate \(subject CN=sockcat\)'
}

@test "--require-client-cert: s_client with a certificate is served, one without refused" {
	IN=$T/down serve_bg --tls --cert "$C/srv.pem" --key "$C/srv.key" \
		--require-client-cert --cacert "$C/ca.pem" 127.0.0.1 0
	run quiet timeout "$TMO" openssl s_client -connect "127.0.0.1:$port" -CAfile "$C/ca.pem" \
		-cert "$C/client.pem" -key "$C/client.key" -quiet <"$T/up"
	[ "$output" = "down-data from the peer" ]
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	grep -q '^sockcat: tls peer CN=sockcat test client (issuer CN=sockcat test CA' "$T/srv.err"
	IN=$T/down serve_bg --tls --cert "$C/srv.pem" --key "$C/srv.key" \
		--require-client-cert --cacert "$C/ca.pem" 127.0.0.1 0
	run quiet timeout "$TMO" openssl s_client -connect "127.0.0.1:$port" -CAfile "$C/ca.pem" -quiet <"$T/up"
	wait_exit "$srv_pid"
	[ "$status" -eq 1 ]
	grep -q "^sockcat: tls 127.0.0.1 port [0-9]*: .*certificate" "$T/srv.err"
	[ ! -s "$T/srv.out" ]
}

@test "serve -k --tls: a stalled handshake is dropped after -w while the others are served" {
	serve_bg -k --tls -w 1 127.0.0.1 0
	serve_pin
	# A client that connects and never says a word.
	bg stall python3 -c 'import socket,sys,time; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); time.sleep(8)' "$port"
	wait_for "$T/srv.err" 'connection from'
	for i in 1 2 3; do
		printf 'client %s\n' "$i" >"$T/c$i"
		sc 0 connect --tls --pinnedpubkey "$pin" 127.0.0.1 "$port" <"$T/c$i"
	done
	wait_for "$T/srv.err" 'no handshake within 1 second'
	for i in 1 2 3; do grep -qx "client $i" "$T/srv.out"; done
	grep -qE '^sockcat: disconnected 127\.0\.0\.1 port [0-9]+ \(no handshake within 1 second\): sent 0 bytes, received 0 bytes$' "$T/srv.err"
	[ "$(grep -c 'TLSv1.3' "$T/srv.err")" -eq 3 ]
	still_running "$srv_pid"
}

@test "serve -k --tls: a client speaking plain text is dropped with the reason" {
	serve_bg -k --tls 127.0.0.1 0
	serve_pin
	printf 'GET / HTTP/1.0\r\n\r\n' | timeout "$TMO" nc -q 1 127.0.0.1 "$port" || true
	wait_for "$T/srv.err" 'handshake failed'
	grep -qE '^sockcat: disconnected 127\.0\.0\.1 port [0-9]+ \(handshake failed: .+\): sent 0 bytes, received 0 bytes$' "$T/srv.err"
	sc 0 connect --tls --pinnedpubkey "$pin" 127.0.0.1 "$port" <"$T/up"
	wait_for "$T/srv.out" 'up-data'
	still_running "$srv_pid"
}

@test "serve -e --tls: the command talks plain text, with the TLS environment" {
	serve_bg --tls --cert "$C/srv.pem" --key "$C/srv.key" --alpn x-test \
		-e 'printf "%s|%s|%s|%s\n" "$SOCKCAT_TLS_VERSION" "$SOCKCAT_TLS_ALPN" "$SOCKCAT_TLS_PEER_SUBJECT" "$SOCKCAT_PEER_ADDR"; wc -c' 127.0.0.1 0
	head -c 100000 /dev/zero >"$T/zeros"
	sc 0 connect --tls --cacert "$C/ca.pem" --alpn x-test localhost "$port" <"$T/zeros"
	[ "$(sed -n 1p <<<"$out")" = "TLSv1.3|x-test||127.0.0.1" ]
	[ "$(sed -n 2p <<<"$out")" = 100000 ]
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
}

@test "serve -e --tls with a client certificate: its subject in the environment; exit status is the command's" {
	serve_bg --tls --cert "$C/srv.pem" --key "$C/srv.key" --require-client-cert \
		--cacert "$C/ca.pem" -e 'echo "$SOCKCAT_TLS_PEER_SUBJECT"; exit 7' 127.0.0.1 0
	sc 0 connect --tls --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key" \
		localhost "$port" </dev/null
	[ "$out" = "CN=sockcat test client" ]
	wait_exit "$srv_pid"
	[ "$status" -eq 7 ]
	[ -z "$(pgrep -P "$srv_pid" 2>/dev/null)" ]
}

@test "serve -e --tls -v: the command's end is told with its own PID; a failed handshake ran no command" {
	serve_bg --tls --cert "$C/srv.pem" --key "$C/srv.key" -e 'echo "pid $$"; exit 5' 127.0.0.1 0
	sc 0 connect --tls --cacert "$C/ca.pem" localhost "$port" </dev/null
	pid=$(sed -n 's/^pid //p' <<<"$out")
	[ -n "$pid" ]
	wait_exit "$srv_pid"
	[ "$status" -eq 5 ]
	[ "$(grep -c 'ended with status' "$T/srv.err")" -eq 1 ]
	grep -qx "sockcat: command $pid ended with status 5" "$T/srv.err"
	serve_bg --tls --cert "$C/srv.pem" --key "$C/srv.key" -e 'echo ran' 127.0.0.1 0
	sc 1 connect --tls localhost "$port" </dev/null
	wait_exit "$srv_pid"
	[ "$status" -eq 1 ]
	grep -qx "sockcat: tls 127.0.0.1 port [0-9]*: the client refused this server's certificate: tlsv1 alert unknown ca" "$T/srv.err"
	[ "$(grep -c "ended with status" "$T/srv.err")" -eq 0 ]
}

@test "serve -e --tls, one client: a failed or stalled handshake is said in one line, without -v too, as without -e" {
	for e in "" "echo ran"; do
		rm -f "$T/srv.err"
		bg srv "$SOCKCAT" serve --tls --cert "$C/srv.pem" --key "$C/srv.key" \
			${e:+-e "$e"} 127.0.0.1 0
		port_of "$srv_pid"
		run timeout "$TMO" python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
print(s.recv(100))' "$port"
		wait_exit "$srv_pid"
		[ "$status" -eq 1 ]
		grep -qx "sockcat: tls 127.0.0.1 port [0-9]*: http request" "$T/srv.err"
		[ "$(wc -l <"$T/srv.err")" -eq 1 ]
		[ ! -s "$T/srv.out" ]
	done
	# -w: for the handshake too.
	bg srv "$SOCKCAT" serve -w 1.5 --tls --cert "$C/srv.pem" --key "$C/srv.key" -e 'echo ran' 127.0.0.1 0
	port_of "$srv_pid"
	bg quiet python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
time.sleep(20)' "$port"
	wait_exit "$srv_pid"
	[ "$status" -eq 1 ]
	grep -qx "sockcat: tls 127.0.0.1 port [0-9]*: no handshake within 1.5 seconds" "$T/srv.err"
	[ "$(wc -l <"$T/srv.err")" -eq 1 ]
}

@test "--tls over unix sockets, the name checked being localhost" {
	bg srv -i "$T/down" "$SOCKCAT" serve -v -U --tls --cert "$C/srv.pem" --key "$C/srv.key" "$T/s.sock"
	wait_for "$T/srv.err" 'listening on'
	sc 0 connect -U --tls --cacert "$C/ca.pem" "$T/s.sock" <"$T/up"
	[ "$out" = "down-data from the peer" ]
	wait_exit "$srv_pid"
	cmp "$T/up" "$T/srv.out"
	bg srv2 -i "$T/down" "$SOCKCAT" serve -v -U --tls --cert "$C/srv.pem" --key "$C/srv.key" "$T/t.sock"
	wait_for "$T/srv2.err" 'listening on'
	sc 1 connect -U --tls --cacert "$C/ca.pem" --servername other.example "$T/t.sock" </dev/null
	one_error_line 'hostname mismatch'
}

# --- the library, and bad input ------------------------------------------

@test "ldd lists no TLS library: plain commands never load it" {
	run ldd "$SOCKCAT"
	[ "$status" -eq 0 ]
	! grep -qE 'libssl|libcrypto' <<<"$output"
	serve_bg 127.0.0.1 0
	grep -q ' r-xp .*libssl' "/proc/$srv_pid/maps" && false
	grep -q 'libssl' "/proc/$srv_pid/maps" && false
	true
}

@test "without libssl.so.3: --tls says so, exit 1; plain commands still run" {
	lib=$(ldconfig -p | sed -n 's/.*libssl\.so\.3 (libc6,x86-64) => //p' | head -n 1)
	[ -n "$lib" ]
	unshare -m true 2>/dev/null || skip "unshare -m: no mount namespaces here"

	run timeout "$TMO" unshare -m sh -c 'mount --bind /dev/null "$1" && shift && "$@"' sh "$lib" \
		"$SOCKCAT" connect --tls 127.0.0.1 9
	[ "$status" -eq 1 ]
	[[ "$output" == "sockcat: --tls needs libssl.so.3: "* ]]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	run timeout "$TMO" unshare -m sh -c 'mount --bind /dev/null "$1" && shift && "$@"' sh "$lib" \
		"$SOCKCAT" resolve -n 127.0.0.1 80
	[ "$status" -eq 0 ]
}

@test "TLS usage errors name both sides, exit 2" {
	printf 'not a key\n' >"$T/junk.pem"
	usage_table \
		"--cert needs --tls|connect --cert $C/client.pem 127.0.0.1 1" \
		"--cacert needs --tls|serve --cacert $C/ca.pem 0" \
		"--key 'nonexistent.key': No such file or directory|connect --tls --cert $C/client.pem --key nonexistent.key 127.0.0.1 1" \
		"--tls conflicts with -u|connect --tls -u 127.0.0.1 1" \
		"--tls conflicts with --type=seqpacket|serve --tls --type=seqpacket -U $T/x.sock" \
		"--key needs --cert|connect --tls --key $C/client.key 127.0.0.1 1" \
		"--require-client-cert needs --cacert|serve --tls --require-client-cert 0" \
		"--cacert on serve checks clients|serve --tls --cacert $C/ca.pem 0" \
		"--insecure conflicts with --cacert|connect --tls --insecure --cacert $C/ca.pem 127.0.0.1 1" \
		"--self-signed conflicts with --cert|serve --tls --self-signed --cert $C/srv.pem 0" \
		"--pinnedpubkey 'sha256//abc': not|connect --tls --pinnedpubkey sha256//abc 127.0.0.1 1" \
		"--tls-min '1.1': not 1.2 or 1.3|connect --tls --tls-min 1.1 127.0.0.1 1" \
		"--tls-min 1.3 is above --tls-max 1.2|connect --tls --tls-min 1.3 --tls-max 1.2 127.0.0.1 1" \
		"--alpn 'h2,': an empty protocol name|connect --tls --alpn h2, 127.0.0.1 1" \
		"--cacert '.*': a directory|connect --tls --cacert $T 127.0.0.1 1" \
		"--ciphers 'NOPE-NOTHING':|connect --tls --ciphers NOPE-NOTHING 127.0.0.1 1" \
		"--tls13-ciphers 'TLS_NOPE':|connect --tls --tls13-ciphers TLS_NOPE 127.0.0.1 1" \
		"--scan conflicts with --tls|connect -z --tls 127.0.0.1 1" \
		"unknown option '--insecure'|serve --tls --insecure 0" \
		"unknown option '--self-signed'|connect --tls --self-signed 127.0.0.1 1"
	# A certificate file OpenSSL cannot load: a run-time error, exit 1,
	# with the cause OpenSSL gives first, not its last "PEM lib".
	sc 1 serve --tls --cert "$T/junk.pem" 127.0.0.1 0
	one_error_line "^sockcat: --cert '$T/junk.pem': no start line$"
	sc 1 serve --tls --cert "$C/srv.pem" 127.0.0.1 0
	one_error_line "^sockcat: --cert '$C/srv.pem': no private key in it \(give one with --key\)$"
}

@test "an encrypted --key: its passphrase asked for on the terminal, never read from standard input" {
	openssl pkey -in "$C/client.key" -aes256 -passout pass:secret -out "$T/enc.key"
	tls_listen peer --cert "$C/srv.pem" --key "$C/srv.key" --recv "$T/rec"
	# No terminal (setsid): an error at once, and stdin left unread.
	printf 'secret\nDATA\n' >"$T/in"
	exec 4<"$T/in"
	run timeout "$TMO" setsid "$SOCKCAT" connect --tls --cacert "$C/ca.pem" --cert "$C/client.pem" \
		--key "$T/enc.key" localhost "$port" <&4
	[ "$status" -eq 1 ]
	[ "$output" = "sockcat: --key '$T/enc.key': the key is encrypted and there is no terminal to ask for its passphrase on (decrypt it: openssl pkey -in KEY -out PLAIN)" ]
	[ "$(head -c 100 <&4)" = "$(printf 'secret\nDATA')" ]
	exec 4<&-
	# On a terminal (script(1)'s): asked there; stdin is the data.
	rm -f "$T/peer.port" "$T/rec" "$T/rec.done"
	tls_listen peer --cert "$C/srv.pem" --key "$C/srv.key" --recv "$T/rec"
	printf 'DATA\n' >"$T/data"
	run timeout "$TMO" python3 "$TESTS/proxy-pty.py" secret never-printed -- \
		sh -c 'exec "$@" <"$0"' "$T/data" "$SOCKCAT" connect --tls --cacert "$C/ca.pem" \
		--cert "$C/client.pem" --key "$T/enc.key" -q 0 localhost "$port"
	[ "$status" -eq 0 ]
	grep -q "Passphrase for $T/enc.key:" <<<"$output"
	wait_file "$T/rec.done"
	[ "$(cat "$T/rec")" = DATA ]
}

@test "serve -k -e --tls: SIGTERM ends the commands and what they started" {
	marker=$((RANDOM + 100000))
	serve_bg -k --tls -e "sleep 8$marker; echo late" 127.0.0.1 0
	serve_pin
	bg c1 "$SOCKCAT" connect --tls --pinnedpubkey "$pin" 127.0.0.1 "$port"
	procs_at_least 1 "^sleep 8$marker\$"
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	[ "$status" -eq 143 ]
	procs_gone "^sleep 8$marker\$"
	wait_exit "$c1_pid"
}

@test "serve -e --tls: a command that speaks first reaches a client that keeps its side open (openssl s_client)" {
	# The accepted socket came blocking, and OpenSSL's read on it waited
	# for the client instead of relaying the command's greeting.
	serve_bg --tls --cert "$CERTS/srv.pem" --key "$CERTS/srv.key" \
		-e 'echo "greeting from the command"; sleep 5' 127.0.0.1 0
	mkfifo "$T/idle"
	bg hold sh -c 'exec sleep 20 >"$1"' sh "$T/idle"
	bg cli -i "$T/idle" openssl s_client -quiet -connect "127.0.0.1:$port"
	wait_for "$T/cli.out" "greeting from the command"
}
