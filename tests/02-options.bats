#!/usr/bin/env bats
# The shared option parser and the address vocabulary: every spelling the
# contract names is accepted, every bad input is a usage error naming
# the culprit.

load helpers

# parses CMD ARGS...: the options and operands are accepted (whatever
# the command then does at run time, it is no usage error).
parses() {
	status=0
	timeout -k 2 "$TMO" "$SOCKCAT" "$@" </dev/null >/dev/null \
		2>"$BATS_TEST_TMPDIR/p.err" 3>&- || status=$?
	if [ "$status" -eq 2 ] || grep -q -- "--help" "$BATS_TEST_TMPDIR/p.err"; then
		echo "sockcat $* was refused: $(cat "$BATS_TEST_TMPDIR/p.err")" >&2
		return 1
	fi
}

@test "family spellings: inet, inet6, any, AF_*, PF_*, any case" {
	for f in inet INET AF_INET PF_INET af_inet ipv4 Inet; do
		sc 0 resolve --family="$f" -n 127.0.0.1 80 -t stream
		[ "$out" = "inet stream tcp 127.0.0.1 80" ]
	done
	for f in inet6 AF_INET6 PF_INET6 ipv6; do
		sc 0 resolve --family "$f" -n ::1 80 -t stream
		[ "$out" = "inet6 stream tcp ::1 80" ]
	done
	for f in any AF_UNSPEC unspec PF_UNSPEC; do
		sc 0 resolve --family "$f" -n ::1 80 -t stream
		[ "$out" = "inet6 stream tcp ::1 80" ]
	done
	for f in unix AF_UNIX PF_UNIX local AF_LOCAL; do
		parses connect --family="$f" "$BATS_TEST_TMPDIR/nosuch.sock"
	done
}

@test "-4, -6 and -U pick the family" {
	sc 0 resolve -4 -n 127.0.0.1 80 -t stream
	[ "$out" = "inet stream tcp 127.0.0.1 80" ]
	sc 1 resolve -6 -n 127.0.0.1 80
	sc 0 resolve -6 -n ::1 80 -t stream
	[ "$out" = "inet6 stream tcp ::1 80" ]
	parses connect -U "$BATS_TEST_TMPDIR/nosuch.sock"
	parses connect --unix "$BATS_TEST_TMPDIR/nosuch.sock"
}

@test "conflicting families name both sides" {
	usage_fails "'?-6'? conflicts with '?-4" resolve -4 -6 ::1
	usage_fails "--family=inet6 conflicts with -4" resolve -4 --family=inet6 ::1
	usage_fails "-U conflicts with -4|-4 conflicts with -U" connect -4 -U /tmp/x
}

@test "type spellings: stream, dgram, seqpacket, raw, SOCK_*, -u" {
	for t in stream STREAM SOCK_STREAM sock_stream; do
		sc 0 resolve -t "$t" -n 127.0.0.1 80
		[ "$out" = "inet stream tcp 127.0.0.1 80" ]
	done
	for t in "-t dgram" "-t SOCK_DGRAM" "--type=dgram" "-u" "--udp"; do
		sc 0 resolve $t -n 127.0.0.1 80
		[ "$out" = "inet dgram udp 127.0.0.1 80" ]
	done
	sc 0 resolve -t raw -n 127.0.0.1
	[ "$out" = "inet raw ip 127.0.0.1 0" ]
	parses connect -U -t seqpacket "$BATS_TEST_TMPDIR/nosuch.sock"
	parses serve -t SOCK_SEQPACKET -U "$BATS_TEST_TMPDIR/x.sock" --help
}

@test "--protocol by number and by protocols(5) name" {
	sc 0 resolve --protocol=tcp -n 127.0.0.1 80
	[ "$out" = "inet stream tcp 127.0.0.1 80" ]
	sc 0 resolve --protocol=17 -n 127.0.0.1 80
	[ "$out" = "inet dgram udp 127.0.0.1 80" ]
	sc 0 resolve --protocol=UDP -n 127.0.0.1 80
	[ "$out" = "inet dgram udp 127.0.0.1 80" ]
}

@test "PORT: numbers 0-65535 and service names" {
	sc 0 resolve -t stream 127.0.0.1 0
	[ "$out" = "inet stream tcp 127.0.0.1 0" ]
	sc 0 resolve -t stream 127.0.0.1 65535
	[ "$out" = "inet stream tcp 127.0.0.1 65535" ]
	for s in www http; do
		sc 0 resolve -t stream 127.0.0.1 "$s"
		[ "$out" = "inet stream tcp 127.0.0.1 80" ]
	done
	sc 0 resolve -u 127.0.0.1 domain
	[ "$out" = "inet dgram udp 127.0.0.1 53" ]
	sc 0 resolve -t stream -p 8080 127.0.0.1
	[ "$out" = "inet stream tcp 127.0.0.1 8080" ]
	sc 0 resolve -t stream --port=http 127.0.0.1
	[ "$out" = "inet stream tcp 127.0.0.1 80" ]
}

@test "HOST:PORT and [V6]:PORT as one operand" {
	sc 0 resolve -t stream 127.0.0.1:80
	[ "$out" = "inet stream tcp 127.0.0.1 80" ]
	sc 0 resolve -t stream '[::1]:443'
	[ "$out" = "inet6 stream tcp ::1 443" ]
	sc 0 resolve -t stream '[::1]' 443
	[ "$out" = "inet6 stream tcp ::1 443" ]
	# Two or more colons without brackets: an IPv6 address, not split.
	sc 0 resolve -t stream ::1
	[ "$out" = "inet6 stream tcp ::1 0" ]
	parses connect 127.0.0.1:1 -w 0.01
}

@test "integers are IPv4 addresses in host byte order" {
	for h in 2130706433 0x7f000001 0X7F000001 0x7F000001; do
		sc 0 resolve -t stream -n "$h" 80
		[ "$out" = "inet stream tcp 127.0.0.1 80" ]
	done
	sc 0 resolve -t stream 0 80
	[ "$out" = "inet stream tcp 0.0.0.0 80" ]
	sc 0 resolve -t stream 4294967295 80
	[ "$out" = "inet stream tcp 255.255.255.255 80" ]
}

@test "<broadcast> is 255.255.255.255" {
	sc 0 resolve -u '<broadcast>' 9
	[ "$out" = "inet dgram udp 255.255.255.255 9" ]
}

@test "IPv6 with a scope id" {
	sc 0 resolve -t stream -n 'fe80::1%lo' 80
	[ "$out" = "inet6 stream tcp fe80::1%lo 80" ]
	sc 0 resolve -t stream -n '[fe80::1%1]:80'
	[[ "$out" =~ ^inet6\ stream\ tcp\ fe80::1%[a-z0-9]+\ 80$ ]]
}

# The bad-input table: ARGS and the culprit the message must name.
@test "bad values are usage errors naming the culprit" {
	local rows=(
		"--family 'bogus'|resolve --family=bogus 127.0.0.1"
		"--type 'bogus'|resolve -t bogus 127.0.0.1"
		"--type 'bogus'|connect -t bogus 127.0.0.1 80"
		"--protocol 'bogus'|resolve --protocol=bogus 127.0.0.1"
		"--protocol '999'|resolve --protocol=999 127.0.0.1"
		"port '70000' out of range|connect 127.0.0.1 70000"
		"'-1': no negative number|connect 127.0.0.1 -1"
		"port '-1' out of range|serve -p -1"
		"port '65536' out of range|resolve 127.0.0.1 65536"
		"port 'abc-not-a-service'|connect 127.0.0.1 abc-not-a-service"
		"port '1e3'|connect 127.0.0.1 1e3"
		"port '0x10000'|serve 0x10000"
		"port 'http' is not a number|connect -n 127.0.0.1 http"
		"-w 'abc'|connect -w abc 127.0.0.1 80"
		"-w '-1'|connect -w -1 127.0.0.1 80"
		"--connect-timeout '-1'|connect --connect-timeout=-1 127.0.0.1 80"
		"-q 'soon'|connect -q soon 127.0.0.1 80"
		"-i '1x'|serve -i 1x 0"
		"-q '99999999'.*too large|connect -q 99999999 127.0.0.1 80"
		"--chunk '0'|udp-send --chunk=0 127.0.0.1 9"
		"--chunk '70000'|udp-send --chunk=70000 127.0.0.1 9"
		"--count 'lots'|udp-listen -c lots 0"
		"--max-clients 'many'|serve -k -m many 0"
		"--backlog '0'|serve -b 0 0"
		"--rcvbuf 'x'|udp-listen --rcvbuf=x 0"
		"source-port '99999'|connect --source-port 99999 127.0.0.1 80"
		"bad host '\\[::1'|connect '[::1' 80"
		"bad host 'fe80::1%'|connect 'fe80::1%' 80"
		"bad host 'a b'|connect 'a b' 80"
		"integer address above|resolve 4294967296"
		"--exec: empty|serve -e '' 0"
		"needs a value|connect 127.0.0.1 80 -w"
		"'--family' needs a value|resolve 127.0.0.1 --family"
	)
	usage_table "${rows[@]}"
}

@test "a HOST of 300 characters is refused with its length" {
	local h
	h=$(printf 'a%.0s' $(seq 300))
	usage_fails "too long \(300 characters, at most 255\)" connect "$h" 80
	usage_fails "too long" resolve "$h"
	# 255 is still a HOST (which then does not resolve: exit 1).
	h=$(printf 'a%.0s' $(seq 255))
	sc 1 resolve -n "$h"
}

@test "an IPv6 scope that names no interface is a run-time error" {
	sc 1 resolve -n 'fe80::1%nosuchif0' 80
	one_error_line "fe80::1%nosuchif0"
}

@test "missing and extra operands" {
	usage_fails "missing HOST" connect
	usage_fails "missing PORT after '127.0.0.1'" connect 127.0.0.1
	usage_fails "extra operand 'c'" connect a 1 c
	usage_fails "extra operand '2'" connect -p 1 a 2
	usage_fails "missing PORT" serve
	usage_fails "extra operand 'z'" serve x 1 z
	usage_fails "missing HOST" resolve
	usage_fails "extra operand" resolve a 1 2
	usage_fails "missing PATH" connect -U
	usage_fails "extra operand 'b'" connect -U a b
	usage_fails "--port does not go with --unix" serve -U -p 1 /tmp/x
	usage_fails "missing HOST" udp-send
	usage_fails "missing PORT" udp-listen
	usage_fails "extra operand 'x'" hostname x
}

@test "combinations are checked after parsing, naming both sides" {
	usage_fails "--send-only conflicts with --recv-only" connect --send-only --recv-only h 1
	usage_fails "--no-stdin conflicts with --send-only" serve -d --send-only 1
	usage_fails "--quit-after-eof conflicts with --no-stdin" connect -q 1 -d h 1
	usage_fails "--max-clients goes only with --keep-open" serve -m 3 1
	usage_fails "--chunk conflicts with --message" udp-send --chunk 3 -m x h 1
	usage_fails "--scan conflicts with -U" connect -z -U /tmp/x
	usage_fails "-s conflicts with -f" hostname -f -s
	usage_fails "-4 goes only with -a" hostname -4
	usage_fails "--reverse conflicts with --json" resolve -r --json 127.0.0.1
}

@test "seconds take fractions" {
	parses connect -w 0.5 -i 1.25 -q .5 127.0.0.1:1
	parses serve -i 0.001 -q 0 -U "$BATS_TEST_TMPDIR/s" --help
}

@test "a scan takes a list of ports and ranges" {
	parses connect -z -w 0.2 127.0.0.1 1,2,5-7
	usage_fails "port range '9-3' runs backwards" connect -z 127.0.0.1 1,9-3
	usage_fails "port '70000' out of range" connect -z 127.0.0.1 1,70000
	usage_fails "empty port" connect -z 127.0.0.1 1,,2
	# Without -z a list is no port.
	usage_fails "port '1,2'" connect 127.0.0.1 1,2
}

@test "port 0 is for listening: connect, connect -u, -z and udp-send refuse it; serve takes it" {
	usage_table \
		"port '0': port 0 cannot be connected or sent to|connect 127.0.0.1 0" \
		"port '00': port 0 cannot be connected or sent to|connect -u 127.0.0.1 00" \
		"port '0-3': port 0 cannot be connected or sent to|connect -z 127.0.0.1 0-3" \
		"port '0': port 0 cannot be connected or sent to|connect -p 0 127.0.0.1" \
		"port '0': port 0 cannot be connected or sent to|udp-send -m x 127.0.0.1:0"
	bg srv "$SOCKCAT" serve -v 127.0.0.1 0
	listen_port srv
	[ "$port" -gt 0 ]
}

@test "messages name what was typed: a value to a flag, -0, [], two families" {
	usage_table \
		"option '--help' takes no value|serve --help=x 0" \
		"option '--verbose' takes no value|connect --verbose=1 a 1" \
		"option '--tls' takes no value|connect --tls=yes a 1" \
		"port '-0' out of range 0-65535|connect -p -0 127.0.0.1" \
		"extra operand '9' \(--hex-dump takes its value after '=' only: --hex-dump=d.txt\)|connect --hex-dump d.txt 127.0.0.1 9" \
		"extra operand 'h:1' \(--keepalive takes its value after '=' only: --keepalive=30\)|forward --keepalive 30 8080 h:1" \
		"port '-0' out of range|connect 127.0.0.1:-0" \
		"--protocol '-0': out of range 0-255|resolve --protocol=-0 localhost" \
		"bad host '\[\]'|connect '[]' 1" \
		"--source ::1 is an IPv6 address and 127.0.0.1 an IPv4 one|connect -s ::1 127.0.0.1 1" \
		"--source 127.0.0.1 is an IPv4 address and \[::1\] an IPv6 one|udp-send -s 127.0.0.1 -m x [::1] 9"
	# Where the word fits serve's HOST, its failed lookup says the same.
	OFFLINE=1 sc 1 serve --hex-dump d.txt 0 </dev/null
	one_error_line "^sockcat: serve d.txt port 0: .* \(--hex-dump takes its value after '=' only: --hex-dump=d.txt\)$"
}
