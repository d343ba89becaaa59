#!/usr/bin/env bats
# Socket options and multicast: each checked by what the kernel shows
# (ss, nstat, the IP header a receiver sees), not by the call made; where
# nothing shows (TCP_NODELAY), by strace.  Multicast, Fast Open and the
# MPTCP switch run inside a network namespace each test makes.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

# ss_line FILTER...: the established TCP socket ss finds, with timers,
# details and memory, on one line.
ss_line() {
	ss -tnoem state established "$@" | tail -n +2 | tr '\n' ' '
}

# anc NAME [--six]: the python3 receiver of tests/recv-ancillary.py;
# sets $port.
anc() {
	py_listen_script recv-ancillary.py "$@"
}

# A veth pair with addresses on d0, multicast routed out of d0: a
# sender's own host gets its copy through the multicast loop.
veth_script() {
	cat <<'EOF'
ip link add d0 type veth peer name d1
ip link set d0 up
ip link set d1 up
ip addr add 10.9.9.1/24 dev d0
ip addr add 10.9.9.2/24 dev d0
ip -6 addr add fd00::1/64 dev d0 nodad
ip route add 224.0.0.0/4 dev d0 src 10.9.9.1
EOF
}

@test "--keepalive=IDLE:INTVL:CNT: ss shows the keepalive timer, on serve's accepted socket and connect's" {
	IN=$T/idle
	mkfifo "$IN"
	exec 5<>"$IN"
	serve_bg -k --keepalive=77:5:3 127.0.0.1 0
	bg cli -i "$IN" "$SOCKCAT" connect -v --keepalive=100 127.0.0.1 "$port"
	wait_for "$T/cli.err" connected
	line=$(ss_line "( sport = :$port )")
	[[ "$line" =~ timer:\(keepalive,1min(1[0-7])sec ]] || { echo "$line"; false; }
	line=$(ss_line "( dport = :$port )")
	[[ "$line" =~ timer:\(keepalive,1min(3[0-9]|40)sec ]] || { echo "$line"; false; }
	exec 5>&-
}

@test "--sndbuf and --rcvbuf with k suffixes: ss skmem shows them (the kernel doubles them)" {
	IN=$T/idle
	mkfifo "$IN"
	exec 5<>"$IN"
	serve_bg --sndbuf=128k --rcvbuf=256k 127.0.0.1 0
	bg cli -i "$IN" "$SOCKCAT" connect -v --sndbuf=1M 127.0.0.1 "$port"
	wait_for "$T/cli.err" connected
	line=$(ss_line "( sport = :$port )")
	[[ "$line" == *"rb524288,"*"tb262144,"* ]] || { echo "$line"; false; }
	line=$(ss_line "( dport = :$port )")
	[[ "$line" == *"tb2097152,"* ]] || { echo "$line"; false; }
	exec 5>&-
}

@test "--mark and --bind-device=lo: ss shows fwmark and the device, on the listener and the accepted socket" {
	IN=$T/idle
	mkfifo "$IN"
	exec 5<>"$IN"
	serve_bg --mark=0x2a --bind-device=lo 127.0.0.1 0
	ss -ltne "( sport = :$port )" | grep -q "127.0.0.1%lo:$port .*fwmark:0x2a"
	bg cli -i "$IN" "$SOCKCAT" connect -v --mark 7 --bind-device lo 127.0.0.1 "$port"
	wait_for "$T/cli.err" connected
	line=$(ss_line "( sport = :$port )")
	[[ "$line" == *"127.0.0.1%lo:$port "*"fwmark:0x2a"* ]] || { echo "$line"; false; }
	line=$(ss_line "( dport = :$port )")
	[[ "$line" == *"%lo:"*"fwmark:0x7"* ]] || { echo "$line"; false; }
	exec 5>&-
}

@test "--bind-device with no such device: exit 1 naming the option and the call" {
	sc 1 serve --bind-device=nosuch0 127.0.0.1 0 </dev/null
	one_error_line "^sockcat: --bind-device nosuch0: setsockopt SO_BINDTODEVICE: No such device$"
	sc 1 connect --bind-device=nosuch0 127.0.0.1 9 </dev/null
	one_error_line "^sockcat: --bind-device nosuch0: setsockopt SO_BINDTODEVICE: No such device$"
}

@test "--tos on TCP: ss --tos shows the class on serve's listener; a DSCP name and a number" {
	serve_bg --tos ef 127.0.0.1 0
	ss -ltn --tos "( sport = :$port )" | grep -q "tos:0xb8"
	kill "$srv_pid"
	serve_bg --tos 0x28 127.0.0.1 0
	ss -ltn --tos "( sport = :$port )" | grep -q "tos:0x28"
}

@test "--ttl and --tos on UDP: the receiver sees them in the IP header, IPv4 and IPv6" {
	anc a4
	sc 0 udp-send --ttl 7 --tos af21 -m v4 127.0.0.1 "$port"
	wait_for "$T/a4.out" 'data=v4'
	[ "$(cat "$T/a4.out")" = "ttl=7 tos=72 data=v4" ]
	anc a6 --six
	sc 0 connect -u -q 0 --ttl 9 --tos cs1 ::1 "$port" < <(printf v6)
	wait_for "$T/a6.out" 'data=v6'
	[ "$(cat "$T/a6.out")" = "ttl=9 tos=32 data=v6" ]
	anc a0
	sc 0 udp-send -m plain 127.0.0.1 "$port"
	wait_for "$T/a0.out" 'data=plain'
	[ "$(cat "$T/a0.out")" = "ttl=64 tos=0 data=plain" ]
}

@test "--nodelay sets TCP_NODELAY on connect's socket and serve's listener, whose clients inherit it (strace: nothing else shows it)" {
	# LeakSanitizer cannot run under ptrace: the plain build, under
	# check-sanitize.
	local plain=${SOCKCAT_PLAIN:-$SOCKCAT}
	bg srv strace -f -e trace=setsockopt -o "$T/st-srv" "$plain" serve -v --nodelay 127.0.0.1 0
	listen_port srv
	grep -qE '(SOL_TCP|IPPROTO_TCP), TCP_NODELAY, \[1\]' "$T/st-srv"
	timeout 10 strace -f -e trace=setsockopt -o "$T/st" "$plain" connect --nodelay \
		127.0.0.1 "$port" </dev/null
	grep -qE '(SOL_TCP|IPPROTO_TCP), TCP_NODELAY, \[1\]' "$T/st"
	serve_bg 127.0.0.1 0
	timeout 10 strace -f -e trace=setsockopt -o "$T/st0" "$plain" connect \
		127.0.0.1 "$port" </dev/null
	! grep -q TCP_NODELAY "$T/st0"
}

@test "--reuseport: two serve on one port both listen; without it the second fails" {
	serve_bg --reuseport -k 127.0.0.1 0
	first=$port
	bg two "$SOCKCAT" serve -v --reuseport -k 127.0.0.1 "$first"
	listen_port two
	[ "$port" = "$first" ]
	[ "$(ss -ltn "( sport = :$first )" | grep -c LISTEN)" -eq 2 ]
	sc 1 serve -k 127.0.0.1 "$first" </dev/null
	one_error_line "Address already in use"
}

@test "--mptcp: serve and connect speak Multipath TCP (ss -M), the bytes arrive" {
	IN=$T/idle
	mkfifo "$IN"
	exec 5<>"$IN"
	serve_bg --mptcp 127.0.0.1 0
	bg cli -i "$IN" "$SOCKCAT" connect -v --mptcp 127.0.0.1 "$port"
	wait_for "$T/cli.err" connected
	# Both ends idle: nothing ends the session while ss looks.
	[ "$(ss -Mn | grep -c ":$port ")" -ge 2 ]
	exec 5>&-
	printf 'over mptcp\n' >"$T/in"
	IN=/dev/null serve_bg --mptcp 127.0.0.1 0
	sc 0 connect --mptcp 127.0.0.1 "$port" <"$T/in"
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/srv.out")" = "over mptcp" ]
}

@test "--mptcp where the kernel has it switched off: one clear line, exit 1" {
	cat >"$T/ns.sh" <<'EOF'
sysctl -q -w net.mptcp.enabled=0
rc=0; $S connect --mptcp 127.0.0.1 9 </dev/null 2>"$T/c.err" || rc=$?
echo "connect $rc"
rc=0; $S serve --mptcp 127.0.0.1 0 </dev/null 2>"$T/s.err" || rc=$?
echo "serve $rc"
EOF
	run netns "$T/ns.sh"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'connect 1\nserve 1')" ]
	for f in c s; do
		err=$(cat "$T/$f.err")
		one_error_line "^sockcat: --mptcp: socket: .*Multipath TCP"
	done
}

@test "--fastopen: the second connection carries its data in the SYN (nstat), and an idle stdin never waits" {
	cat >"$T/ns.sh" <<'EOF'
sysctl -q -w net.ipv4.tcp_fastopen=3
start srv $S serve -v -k --fastopen 127.0.0.1 0
wait_line "$T/srv.err" 'listening on'
port=$(port_of srv)
for i in 1 2 3; do
	printf 'tfo %s\n' "$i" >"$T/in"
	$S connect --fastopen --send-only 127.0.0.1 "$port" <"$T/in"
done
wait_line "$T/srv.out" 'tfo 3'
cat "$T/srv.out"
nstat -az TcpExtTCPFastOpenPassive TcpExtTCPFastOpenActive | awk '/TcpExt/ { print $1, ($2 > 0) }'
# A server that speaks first, to a client whose stdin stays idle: the
# handshake cannot wait for stdin's first bytes.
start banner python3 -c '
import socket, sys
l = socket.socket()
l.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
l.bind(("127.0.0.1", 0))
l.listen()
print(l.getsockname()[1], flush=True)
for i in range(3):
    c, _ = l.accept()
    c.sendall(b"banner %d\n" % i)
    c.close()
'
wait_line "$T/banner.out" '^[0-9]+$'
bport=$(head -n 1 "$T/banner.out")
mkfifo "$T/idle"
exec 7<>"$T/idle"
for i in 0 1 2; do
	timeout 5 $S connect --fastopen 127.0.0.1 "$bport" <"$T/idle"
done
EOF
	run netns "$T/ns.sh"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'tfo 1\ntfo 2\ntfo 3\nTcpExtTCPFastOpenActive 1\nTcpExtTCPFastOpenPassive 1\nbanner 0\nbanner 1\nbanner 2')" ]
}

@test "multicast IPv4: --join receives the group (and binds it: no unicast mixed in), --multicast-loop=0 keeps it off the host" {
	{ veth_script; cat <<'EOF'
start a $S udp-listen -v --join 239.1.2.3 5000
start b $S udp-listen -v 127.0.0.1 5000
wait_line "$T/a.err" 'listening on 239.1.2.3 port 5000'
wait_line "$T/b.err" 'listening on 127.0.0.1 port 5000'
$S udp-send -m unicast 127.0.0.1 5000
$S udp-send --multicast-loop=0 -m unlooped 239.1.2.3 5000
$S udp-send --multicast-if=d0 --ttl 2 -m group 239.1.2.3 5000
wait_line "$T/a.out" group
wait_line "$T/b.out" unicast
echo "a: $(cat "$T/a.out")"
echo "b: $(cat "$T/b.out")"
EOF
	} >"$T/ns.sh"
	run netns "$T/ns.sh"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a: group\nb: unicast')" ]
}

@test "multicast: two receivers of one group share its port, each gets its copy (a unicast listener may not share)" {
	{ veth_script; cat <<'EOF'
start a $S udp-listen -v --join 239.1.2.3 5000
start b $S udp-listen -v --join 239.1.2.3 5000
wait_line "$T/a.err" 'listening on 239.1.2.3 port 5000'
wait_line "$T/b.err" 'listening on 239.1.2.3 port 5000'
$S udp-send --multicast-if=d0 -m group 239.1.2.3 5000
wait_line "$T/a.out" group
wait_line "$T/b.out" group
echo "a: $(cat "$T/a.out")"
echo "b: $(cat "$T/b.out")"
$S udp-listen 239.1.2.3 5000 </dev/null 2>&1 || echo "plain: $?"
EOF
	} >"$T/ns.sh"
	run netns "$T/ns.sh"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a: group\nb: group\nsockcat: udp-listen 239.1.2.3 port 5000: Address already in use\nplain: 1')" ]
}

@test "multicast: two groups on one port, no HOST: the dual-stack wildcard socket joins both" {
	{ veth_script; cat <<'EOF'
start a $S udp-listen -v --join 239.1.2.3 --join 239.1.2.4 5000
wait_line "$T/a.err" 'listening on :: port 5000'
$S udp-send -m one 239.1.2.3 5000
$S udp-send -m two 239.1.2.4 5000
wait_line "$T/a.out" two
cat "$T/a.out"; echo
EOF
	} >"$T/ns.sh"
	run netns "$T/ns.sh"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "$output" = onetwo ]
}

@test "multicast: source-specific --join=SOURCE@GROUP takes one source, not another" {
	{ veth_script; cat <<'EOF'
start a $S udp-listen -v --join 10.9.9.1@232.1.1.1 7000
wait_line "$T/a.err" 'listening on 232.1.1.1 port 7000'
$S udp-send -s 10.9.9.2 -m other 232.1.1.1 7000
$S udp-send -s 10.9.9.1 -m chosen 232.1.1.1 7000
wait_line "$T/a.out" chosen
cat "$T/a.out"; echo
grep -c 'bytes from 10.9.9.1 ' "$T/a.err"
EOF
	} >"$T/ns.sh"
	run netns "$T/ns.sh"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'chosen\n1')" ]
}

@test "multicast IPv6: --join=GROUP%IFACE and udp-send --multicast-if, the loop switchable; a link-local group without %IFACE binds the wildcard" {
	{ veth_script; cat <<'EOF'
start a $S udp-listen -v --join ff15::42%d0 6000
start ll $S udp-listen -v --join ff12::42%d0 6001
start nif $S udp-listen -v --join ff12::43 6002
wait_line "$T/a.err" 'listening on ff15::42 port 6000'
wait_line "$T/ll.err" 'listening on ff12::42%d0 port 6001'
wait_line "$T/nif.err" 'listening on :: port 6002'
$S udp-send --multicast-if d0 --multicast-loop 0 -m unlooped ff15::42 6000
$S udp-send --multicast-if d0 -m site ff15::42 6000
$S udp-send --multicast-if d0 -m link ff12::42 6001
$S udp-send --multicast-if d0 -m noif ff12::43 6002
wait_line "$T/a.out" site
wait_line "$T/ll.out" link
wait_line "$T/nif.out" noif
echo "$(cat "$T/a.out") $(cat "$T/ll.out") $(cat "$T/nif.out")"
EOF
	} >"$T/ns.sh"
	run netns "$T/ns.sh"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "site link noif" ]
}

@test "multicast --ttl: the group's receiver sees the multicast TTL asked for (default 1)" {
	{ veth_script; cat <<'EOF'
start r python3 "$TESTS/recv-ancillary.py" --listen "$T/r.port" --join 239.5.5.5
wait_line "$T/r.port" '^[0-9]+$'
$S udp-send --ttl 5 -m hops 239.5.5.5 "$(cat "$T/r.port")"
wait_line "$T/r.out" 'data=hops'
cat "$T/r.out"
start r0 python3 "$TESTS/recv-ancillary.py" --listen "$T/r0.port" --join 239.5.5.6
wait_line "$T/r0.port" '^[0-9]+$'
$S udp-send -m default 239.5.5.6 "$(cat "$T/r0.port")"
wait_line "$T/r0.out" 'data=default'
cat "$T/r0.out"
EOF
	} >"$T/ns.sh"
	TESTS=$TESTS run netns "$T/ns.sh"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'ttl=5 tos=0 data=hops\nttl=1 tos=0 data=default')" ]
}

@test "serve -u raises SO_RCVBUF as udp-listen does: a 1000-datagram burst arrives whole" {
	bg srv "$SOCKCAT" serve -v -u 127.0.0.1 0
	listen_port srv
	rb=$(ss -ulnm "sport = :$port" | sed -n 's/.*rb\([0-9]*\).*/\1/p')
	[ "$rb" -ge 4194304 ]
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(1000):
    s.sendto(b"%020d\n" % i, ("127.0.0.1", int(sys.argv[1])))
' "$port"
	wait_size "$T/srv.out" 21000
	[ "$(wc -c <"$T/srv.out")" -eq 21000 ]
}

@test "socket options that do not apply: usage errors naming both sides" {
	usage_table \
		"--nodelay conflicts with -u: TCP only|connect -u --nodelay 127.0.0.1 9" \
		"--keepalive conflicts with -U: TCP only|serve -U --keepalive $T/s" \
		"--fastopen does not apply to udp-send: TCP only|udp-send --fastopen 127.0.0.1 9" \
		"--mptcp does not apply to udp-listen: TCP only|udp-listen --mptcp 0" \
		"--ttl conflicts with -U: IP sockets only|connect -U --ttl 3 $T/s" \
		"--join does not apply to connect: it is for udp-listen and serve -u|connect -u --join 239.1.1.1 127.0.0.1 9" \
		"--join needs -u on serve|serve --join 239.1.1.1 0" \
		"--reuseport does not apply to udp-send: listening sockets only|udp-send --reuseport 127.0.0.1 9" \
		"--multicast-if does not apply to udp-listen|udp-listen --multicast-if lo 0" \
		"--multicast-loop needs -u on connect|connect --multicast-loop 0 127.0.0.1 9" \
		"--mptcp conflicts with --protocol|serve --mptcp --protocol tcp 0" \
		"--join 239.1.1.1 conflicts with -6: the group is of the other family|udp-listen -6 --join 239.1.1.1 0"
}
