#!/usr/bin/env bats
# Happy Eyeballs (RFC 8305) in connect, inside a network namespace each
# test makes: dual.test is first 2001:db8::99, an address routed into a
# veth pair whose neighbour entry points at a MAC nobody has (the SYN
# goes out and nothing ever answers: connect(2) hangs there, as behind a
# broken IPv6 route), then 127.0.0.1, where a server listens.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	printf '127.0.0.1 localhost\n2001:db8::99 dual.test\n127.0.0.1 dual.test\n' >"$T/hosts"
}

# The namespace's black hole, then BODY.
ns() {
	{
		cat <<'EOS'
ip link add d0 type veth peer name d1
ip link set d0 up
ip link set d1 up
ip -6 addr add 2001:db8::1/64 dev d0 nodad
ip -6 neigh replace 2001:db8::99 lladdr 02:00:00:00:00:99 dev d0 nud permanent
start srv sockcat serve -k -d -v 127.0.0.1 7000
wait_line "$T/srv.err" "listening on"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
EOS
		cat
	} >"$T/ns.sh"
	run netns "$T/ns.sh"
	echo "$output"
}

@test "the IPv6 address hangs, 127.0.0.1 answers: connected within 3 s (a sequential try would wait out the kernel's SYN retries), -v names both attempts and the winner" {
	ns <<'EOS'
getent ahosts dual.test | head -n 1 | grep -q '^2001:db8::99 '
t0=$(ms)
sockcat connect -v -q 0 dual.test 7000 </dev/null 2>"$T/c.err"
t1=$(ms)
cat "$T/c.err"
echo "took $((t1 - t0)) ms"
[ $((t1 - t0)) -lt 3000 ]
EOS
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "sockcat: trying 2001:db8::99 port 7000" ]
	[ "${lines[1]}" = "sockcat: trying 127.0.0.1 port 7000" ]
	[ "${lines[2]}" = "sockcat: connect 2001:db8::99 port 7000: cancelled: another address connected first" ]
	[ "${lines[3]}" = "sockcat: connected to 127.0.0.1 port 7000" ]
}

@test "the losing attempt's socket is closed at once: no SYN-SENT socket, no descriptor left" {
	ns <<'EOS'
mkfifo idle
start hold sh -c 'exec sleep 20 >idle'
sockcat connect -v dual.test 7000 <idle >/dev/null 2>"$T/c.err" &
pid=$!
pids+=($pid)
wait_line "$T/c.err" "connected to 127.0.0.1"
[ -z "$(ss -Htn state syn-sent)" ]
# stdin, stdout, stderr, the connection, the epoll and signal ones:
# no second socket.
[ "$(ls -l /proc/$pid/fd | grep -c 'socket:')" -eq 1 ]
echo ok
EOS
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = ok ]
}

@test "--sequential waits for the IPv6 attempt's -w first; --attempt-delay spaces the attempts" {
	ns <<'EOS'
t0=$(ms)
sockcat connect -v -w 1 --sequential -q 0 dual.test 7000 </dev/null 2>"$T/s.err"
t1=$(ms)
cat "$T/s.err"
[ $((t1 - t0)) -ge 1000 ]
t0=$(ms)
sockcat connect --attempt-delay=0.6 -q 0 dual.test 7000 </dev/null
t1=$(ms)
echo "attempt-delay took $((t1 - t0)) ms"
[ $((t1 - t0)) -ge 600 ]
[ $((t1 - t0)) -lt 3000 ]
EOS
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "sockcat: connect 2001:db8::99 port 7000: Connection timed out" ]
	[ "${lines[1]}" = "sockcat: connected to 127.0.0.1 port 7000" ]
}

@test "an attempt that fails fast starts the next at once; every address failing ends with the last reason" {
	ns <<'EOS'
t0=$(ms)
st=0
# Nothing listens on 7001: 2001:db8::99 hangs, 127.0.0.1 refuses at
# once, then only the IPv6 attempt's -w is left.
sockcat connect -v -w 1 dual.test 7001 </dev/null 2>"$T/f.err" || st=$?
t1=$(ms)
cat "$T/f.err"
[ "$st" -eq 1 ]
[ $((t1 - t0)) -ge 1000 ]
[ $((t1 - t0)) -lt 2500 ]
EOS
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "sockcat: trying 2001:db8::99 port 7001" ]
	[ "${lines[1]}" = "sockcat: trying 127.0.0.1 port 7001" ]
	[ "${lines[2]}" = "sockcat: connect 127.0.0.1 port 7001: Connection refused" ]
	[ "${lines[3]}" = "sockcat: connect 2001:db8::99 port 7001: Connection timed out" ]
	[ "${lines[4]}" = "sockcat: connect dual.test port 7001: Connection timed out" ]
}

@test "Happy Eyeballs options: usage errors" {
	usage_table \
		"--attempt-delay conflicts with --sequential|connect --sequential --attempt-delay 1 h 1" \
		"--attempt-delay 'x': not a number of seconds|connect --attempt-delay x h 1" \
		"unknown option '--sequential'|serve --sequential 1"
}

@test "-s of one family: only HOST's addresses of that family are tried, with no word about the others" {
	ns <<'EOS'
sockcat connect -v -s 127.0.0.1 -q 0 dual.test 7000 </dev/null 2>"$T/s.err"
cat "$T/s.err"
EOS
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "sockcat: connected to 127.0.0.1 port 7000" ]
	! grep -q '2001:db8\|source\|trying' <<<"$output"
}
