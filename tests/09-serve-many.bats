#!/usr/bin/env bats
# serve for many clients in one process: -k, -m, -e, and serve -u.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

# client NAME [peer.py options]: a python client of $port.
client() {
	local name=$1
	shift
	bg "$name" python3 "$TESTS/peer.py" --connect "$port" "$@"
}

# sockets PID: how many sockets the process holds open.
sockets() {
	local n=0 f
	for f in /proc/"$1"/fd/*; do
		[[ "$(readlink "$f" 2>/dev/null)" == socket:* ]] && n=$((n + 1))
	done
	echo "$n"
}

@test "-k: 4 clients stream at once; no read cut into, each in order" {
	run timeout 60 python3 "$TESTS/many.py" "$SOCKCAT" interleave
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "-k: 200 clients at once are all served" {
	run timeout 60 python3 "$TESTS/many.py" "$SOCKCAT" crowd 200
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "-k: stdin goes to every client; its EOF half-closes them, serving goes on" {
	mkfifo "$T/in"
	bg feed sh -c 'exec 4>"$1"; until [ -e "$2" ]; do sleep 0.02; done; printf "to all\n" >&4' sh "$T/in" "$T/go"
	IN=$T/in serve_bg -k 127.0.0.1 0
	for i in 1 2 3; do
		client c$i --after-send hold --hold-secs 20 --recv "$T/rec$i"
	done
	for i in 1 2 3; do
		wait_for "$T/srv.err" "connection from.*" 
	done
	# All three are in before stdin flows.
	poll_until lines_at_least 3 'connection from' "$T/srv.err"
	touch "$T/go"
	for i in 1 2 3; do
		wait_file "$T/rec$i.done"
		[ "$(cat "$T/rec$i")" = "to all" ]
	done
	still_running "$srv_pid"
	# A client after stdin EOF is half-closed at once and still heard.
	printf 'late\n' >"$T/late"
	timeout 10 python3 "$TESTS/peer.py" --connect "$port" --send "$T/late" --after-send shut --recv "$T/rec4"
	[ ! -s "$T/rec4" ]
	wait_for "$T/srv.out" '^late$'
	still_running "$srv_pid"
}

@test "-k: a client that resets or leaves does not end the server" {
	serve_bg -k 127.0.0.1 0
	printf 'boom\n' >"$T/a"
	timeout 10 python3 "$TESTS/peer.py" --connect "$port" --send "$T/a" --after-send reset
	printf 'next\n' >"$T/b"
	timeout 10 python3 "$TESTS/peer.py" --connect "$port" --send "$T/b" --after-send shut
	wait_for "$T/srv.out" '^next$'
	still_running "$srv_pid"
	grep -q "disconnected 127.0.0.1 port [0-9]*.*: sent 0 bytes, received 5 bytes" "$T/srv.err"
}

@test "-k -m 2: never more than 2 clients; the third waits its turn" {
	serve_bg -k -m 2 127.0.0.1 0
	client c1 --after-send hold --hold-secs 20
	client c2 --after-send hold --hold-secs 20
	poll_until lines_at_least 2 'connection from' "$T/srv.err"
	client c3 --after-send hold --hold-secs 20
	client c4 --after-send hold --hold-secs 20
	# Give the server the chance to (wrongly) take them.
	sleep 0.5
	[ "$(grep -c 'connection from' "$T/srv.err")" -eq 2 ]
	# One listening socket and two clients.
	[ "$(sockets "$srv_pid")" -eq 3 ]
	kill "$c1_pid"
	wait_for "$T/srv.err" "disconnected"
	poll_until lines_at_least 3 'connection from' "$T/srv.err"
	[ "$(grep -c 'connection from' "$T/srv.err")" -eq 3 ]
	[ "$(sockets "$srv_pid")" -eq 3 ]
}

@test "-k: a client that never reads does not stall the others for good" {
	head -c 16000000 /dev/urandom >"$T/big"
	mkfifo "$T/in"
	bg feed sh -c 'exec 4>"$1"; until [ -e "$2" ]; do sleep 0.02; done; cat "$3" >&4' sh "$T/in" "$T/go" "$T/big"
	IN=$T/in serve_bg -k 127.0.0.1 0
	# A client that reads nothing, and one that reads it all.
	bg lazy python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
time.sleep(30)' "$port"
	wait_for "$T/srv.err" "connection from"
	client good --after-send hold --hold-secs 30 --recv "$T/got"
	poll_until lines_at_least 2 'connection from' "$T/srv.err"
	touch "$T/go"
	# The lazy one is dropped after 5 s; the good one gets everything.
	wait_for "$T/srv.err" "dropped"
	poll_until size_at_least "$T/got" 16000000
	cmp "$T/big" "$T/got"
	still_running "$srv_pid"
}

@test "-k: SIGTERM closes every client and exits 143" {
	serve_bg -k 127.0.0.1 0
	client c1 --after-send hold --hold-secs 20 --recv "$T/rec1"
	wait_for "$T/srv.err" "connection from"
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	[ "$status" -eq 143 ]
	wait_file "$T/rec1.done"
}

@test "-k: peers nc.openbsd, ncat and socat as clients" {
	serve_bg -k 127.0.0.1 0
	printf 'from nc\n' | timeout 10 nc.openbsd -N 127.0.0.1 "$port" >/dev/null
	printf 'from ncat\n' | timeout 10 ncat --send-only 127.0.0.1 "$port"
	printf 'from socat\n' | timeout 10 socat -u - TCP:127.0.0.1:"$port"
	wait_for "$T/srv.out" '^from socat$'
	grep -q '^from nc$' "$T/srv.out"
	grep -q '^from ncat$' "$T/srv.out"
}

@test "-e: the command gets the connection and the environment" {
	serve_bg -e 'echo "$SOCKCAT_PEER_ADDR $SOCKCAT_PEER_PORT $SOCKCAT_LOCAL_ADDR $SOCKCAT_LOCAL_PORT"' 127.0.0.1 0
	sc 0 connect -d 127.0.0.1 "$port"
	read -r pa pp la lp <<<"$out"
	[ "$pa" = 127.0.0.1 ]
	[[ "$pp" =~ ^[0-9]+$ ]]
	[ "$la" = 127.0.0.1 ]
	[ "$lp" = "$port" ]
	wait_exit "$srv_pid"
	[ "$status" -eq 0 ]
}

@test "-e: output after the client half-closes still reaches it; status is the command's" {
	serve_bg -e 'cat; echo done-after-eof; exit 7' 127.0.0.1 0
	printf 'hello\n' >"$T/up"
	sc 0 connect 127.0.0.1 "$port" <"$T/up"
	[ "$out" = "hello
done-after-eof" ]
	wait_exit "$srv_pid"
	[ "$status" -eq 7 ]
}

@test "-e: no sockcat descriptor leaks into the command" {
	# Started with only 0, 1 and 2 open, so that whatever else the
	# command has came from sockcat.
	bg srv python3 -c 'import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))' \
		"$SOCKCAT" serve -v -e 'ls /proc/self/fd' 127.0.0.1 0
	listen_port srv
	sc 0 connect -d 127.0.0.1 "$port"
	# 0, 1, 2 and the one ls opens to list the directory.
	[ "$(wc -l <<<"$out")" -eq 4 ]
}

@test "-k -e: a child per client, and no zombie after they leave" {
	serve_bg -k -e 'read -r x; echo "got $x"' 127.0.0.1 0
	for i in 1 2 3; do
		sc 0 connect 127.0.0.1 "$port" < <(echo "c$i")
		[ "$out" = "got c$i" ]
	done
	poll_until lines_at_least 3 'ended with status' "$T/srv.err"
	[ "$(grep -c 'ended with status 0' "$T/srv.err")" -eq 3 ]
	[ -z "$(ps --ppid "$srv_pid" -o pid= -o stat=)" ]
	still_running "$srv_pid"
}

@test "-k -e: SIGTERM ends the children too" {
	serve_bg -k -e 'sleep 30' 127.0.0.1 0
	client c1 --after-send hold --hold-secs 20
	wait_for "$T/srv.err" "connection from"
	for ((i = 0; i < 250; i++)); do
		[ -n "$(ps --ppid "$srv_pid" -o pid=)" ] && break
		sleep 0.02
	done
	kid=$(ps --ppid "$srv_pid" -o pid= | tr -d ' ')
	[ -n "$kid" ]
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	[ "$status" -eq 143 ]
	! kill -0 "$kid" 2>/dev/null
}

@test "-k -e: SIGTERM ends what the commands started too, and the clients see EOF" {
	# Each command's own children (sleep under sh; a pipeline) hold the
	# client's socket: they must go with it.
	marker=$((RANDOM + 100000))
	serve_bg -k -e "sleep 7$marker; echo late" 127.0.0.1 0
	bg c1 python3 "$TESTS/peer.py" --connect "$port" --after-send hold --recv "$T/r1" --hold-secs 20
	bg c2 python3 "$TESTS/peer.py" --connect "$port" --after-send hold --recv "$T/r2" --hold-secs 20
	wait_for "$T/srv.err" "connection from .*"
	procs_at_least 2 "^sleep 7$marker\$"
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	[ "$status" -eq 143 ]
	procs_gone "^sleep 7$marker\$"
	# The clients' connections end with their holders.
	wait_file "$T/r1.done"
	wait_file "$T/r2.done"
	[ ! -s "$T/r1" ]
}

@test "-e without -k: a fork that fails is exit 1 with the reason" {
	command -v setpriv prlimit
	# As nobody, at most one process: sockcat's fork fails.
	bg srv prlimit --nproc=1:1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SOCKCAT" serve -v -e 'echo hi' 127.0.0.1 0
	listen_port srv
	sc 0 connect 127.0.0.1 "$port" </dev/null
	wait_exit "$srv_pid"
	[ "$status" -eq 1 ]
	grep -qx "sockcat: serve: echo hi: fork: Resource temporarily unavailable" "$T/srv.err"
}

@test "serve -u: the first sender becomes the peer; boundaries kept both ways" {
	mkfifo "$T/in"
	bg feed sh -c 'exec 4>"$1"; until [ -e "$2" ]; do sleep 0.02; done; printf "reply" >&4; sleep 3' sh "$T/in" "$T/go"
	IN=$T/in serve_bg -u -vv 127.0.0.1 0
	run timeout 20 python3 -c '
import os, socket, sys, time
port, go = int(sys.argv[1]), sys.argv[2]
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.settimeout(10)
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.sendto(b"first", ("127.0.0.1", port))
time.sleep(0.3)
b.sendto(b"intruder", ("127.0.0.1", port))
a.sendto(b"second", ("127.0.0.1", port))
open(go, "w").close()
print(a.recv(70000).decode())' "$port" "$T/go"
	[ "$status" -eq 0 ]
	[ "$output" = reply ]
	wait_for "$T/srv.out" 'second'
	[ "$(cat "$T/srv.out")" = firstsecond ]
	grep -q "connection from 127.0.0.1 port" "$T/srv.err"
	# The -v totals count the first datagram too.
	wait_exit "$srv_pid"
	grep -q "sent 5 bytes, received 11 bytes" "$T/srv.err"
}

@test "serve -u conflicts with -k and -e" {
	usage_fails "--udp conflicts with --keep-open|-u conflicts with --keep-open" serve -u -k 0
	usage_fails "conflicts with --exec" serve -u -e cat 0
	usage_fails "--exec conflicts with the relay options" serve -e cat -q 1 0
}

@test "-k out of descriptors: exit 1 when not one client can be served; else say so once and wait" {
	command -v prlimit
	printf 'one\n' >"$T/one"
	printf 'two\n' >"$T/two"
	# From too few descriptors up: each run either ends at once, exit 1
	# with the reason, or serves a client.
	fatal=0
	for ((n = 4; n < 20; n++)); do
		rm -f "$T/srv.err" "$T/srv.out"
		bg srv prlimit --nofile="$n:$n" "$SOCKCAT" serve -k -v 127.0.0.1 0
		for ((i = 0; i < 250; i++)); do
			grep -q listening "$T/srv.err" 2>/dev/null && break
			kill -0 "$srv_pid" 2>/dev/null || break
			sleep 0.02
		done
		if grep -q listening "$T/srv.err" &&
			timeout 10 python3 "$TESTS/peer.py" --connect "$(sed -n 's/.*port //p' "$T/srv.err")" \
				--send "$T/one" --after-send close 2>/dev/null &&
			wait_for "$T/srv.out" '^one$' 2>/dev/null; then
			break
		fi
		wait_exit "$srv_pid"
		[ "$status" -eq 1 ]
		grep -q 'Too many open files' "$T/srv.err"
		grep -qx 'sockcat: serve: accept: Too many open files: not one client can be served (raise the limit: ulimit -n)' \
			"$T/srv.err" && fatal=1
	done
	[ "$fatal" -eq 1 ]
	[ "$n" -lt 20 ]
	kill "$srv_pid"
	wait_exit "$srv_pid"
	# With that many: a client at a time; the next waits, told once, and
	# is served when the first leaves.
	bg srv prlimit --nofile="$n:$n" "$SOCKCAT" serve -k -v 127.0.0.1 0
	listen_port srv
	# The first stays until the second is seen waiting (a timed hold
	# could end first on a slow machine), then leaves.
	bg c1 python3 "$TESTS/peer.py" --connect "$port" --send "$T/one" --after-send hold --hold-secs 20
	wait_for "$T/srv.out" '^one$'
	bg c2 python3 "$TESTS/peer.py" --connect "$port" --send "$T/two" --after-send shut
	wait_for "$T/srv.err" 'accept: Too many open files; waiting for a client to leave'
	kill "$c1_pid"
	wait_for "$T/srv.out" '^two$'
	[ "$(grep -c 'waiting for a client' "$T/srv.err")" -eq 1 ]
	still_running "$srv_pid"
}
