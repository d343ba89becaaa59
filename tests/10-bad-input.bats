#!/usr/bin/env bats
# Bad input, as a table: each row gets its documented exit status, one
# "sockcat: " line naming the culprit, and leaves nothing behind.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	mkdir "$T/work"
	mkfifo "$T/work/fifo"
	mkdir "$T/work/dir"
	printf 'keep\n' >"$T/work/file"
}

# row STATUS PATTERN ARGS...: sockcat ARGS (stdin /dev/null) exits
# STATUS with one error line matching PATTERN, and $T/work is as it was.
row() {
	local want=$1 pat=$2 before
	shift 2
	before=$(ls -la --time-style=+ "$T/work" | md5sum)
	sc "$want" "$@" </dev/null
	one_error_line "$pat"
	[ "$(ls -la --time-style=+ "$T/work" | md5sum)" = "$before" ]
	[ "$(cat "$T/work/file")" = keep ]
}

@test "a FIFO, a directory and a regular file where a unix socket is expected" {
	for what in fifo dir file; do
		row 1 "connect $T/work/$what: Connection refused" connect -U "$T/work/$what"
		row 1 "serve $T/work/$what: file exists and is not a socket" serve -U "$T/work/$what"
		row 1 "udp-listen $T/work/$what: file exists and is not a socket" udp-listen -U "$T/work/$what"
	done
}

@test "unix paths longer than sun_path, for every command that takes one" {
	local long="$T/work/$(printf 'p%.0s' $(seq 120))"
	for c in connect serve udp-send udp-listen; do
		row 2 "unix path .* too long" "$c" -U "$long"
	done
	[ ! -e "$long" ]
}

@test "options with missing, empty, negative, huge or non-numeric values" {
	local rows=(
		"-w ''|connect -w '' h 1"
		"-w 'x'|connect -w x h 1"
		"-i '-5'|serve -i -5 1"
		"-q '1e3'|connect -q 1e3 h 1"
		"-q '9999999'.*too large|connect -q 9999999 h 1"
		"--max-clients '0'|serve -k -m 0 1"
		"--max-clients '99999999999999999999'|serve -k -m 99999999999999999999 1"
		"--backlog '-1'|serve -b -1 1"
		"--backlog 'x'|serve -b x 1"
		"--count '0'|udp-listen -c 0 1"
		"--count ''|udp-listen --count= 1"
		"--rcvbuf '10'|udp-listen --rcvbuf=10 1"
		"--rcvbuf '2048M'|serve --rcvbuf=2048M 1"
		"--sndbuf '1G'|connect --sndbuf=1G h 1"
		"--sndbuf 'k'|connect --sndbuf=k h 1"
		"--keepalive '0'|connect --keepalive=0 h 1"
		"--keepalive '60:x'|serve --keepalive=60:x 1"
		"--keepalive '60:5:200'|serve --keepalive=60:5:200 1"
		"--ttl '256'|udp-send --ttl 256 h 1"
		"--ttl '-1'|connect --ttl=-1 h 1"
		"--tos 'af44'|connect --tos af44 h 1"
		"--tos '256'|serve --tos 256 1"
		"--bind-device ''|connect --bind-device= h 1"
		"--bind-device 'a/b'|serve --bind-device a/b 1"
		"--mark '4294967296'|connect --mark 4294967296 h 1"
		"--mark '-1'|serve --mark=-1 1"
		"--join '10.0.0.1'.*not a multicast group|udp-listen --join 10.0.0.1 1"
		"--join 'ff02::1%'.*interface|udp-listen --join ff02::1% 1"
		"--join '::1@239.1.1.1'.*source|udp-listen --join ::1@239.1.1.1 1"
		"--join 239.1.1.1 conflicts with HOST 127.0.0.1: a socket bound there gets no joined group's datagrams|udp-listen --join 239.1.1.1 127.0.0.1 1"
		"--join 239.1.1.1 conflicts with HOST 0x7f000001 \(127.0.0.1\)|udp-listen --join 239.1.1.1 0x7f000001 1"
		"--join 239.1.1.1 conflicts with HOST localhost \(|serve -u --join 239.1.1.1 localhost 1"
		"--join 239.1.1.1 conflicts with HOST 239.1.1.2: |udp-listen --join 239.1.1.1 239.1.1.2 1"
		"--join ff05::2 conflicts with HOST \[fd00::1\] \(fd00::1\)|serve -u --join ff05::2 [fd00::1] 1"
		"--multicast-if ''|udp-send --multicast-if= h 1"
		"--multicast-loop '2'|udp-send --multicast-loop 2 h 1"
		"option '--nodelay' takes no value|connect --nodelay=1 h 1"
		"--chunk '-1'|udp-send --chunk=-1 h 1"
		"--protocol ''|resolve --protocol= h"
		"--family ''|resolve --family= h"
		"--type ''|resolve --type= h"
		"empty port|connect h ''"
		"empty port \\(try|connect 127.0.0.1:"
		"--tos 'bad': not a number 0-255, a DSCP name \\(ef, af11..af43, cs0..cs7\\) or lowdelay, throughput, reliability|connect --tos=bad 127.0.0.1 1"
		"empty PATH|connect -U ''"
		"port '65536'|connect h 65536"
		"port '0x10000'|connect h 0x10000"
		"port '1e3'|connect h 1e3"
		"bad host '\\[::1'|connect '[::1' 1"
		"bad host 'a b'|connect 'a b' 1"
		"bad host '::1\\]'|connect '::1]' 1"
		"bad host 'fe80::1%'|connect 'fe80::1%' 1"
		"--source 'a b'|connect -s 'a b' h 1"
		"needs a value|serve -p"
		"needs a value|udp-send -m"
	)
	usage_table "${rows[@]}"
}

@test "hosts of 256 and more characters; a '%' without a scope" {
	for n in 256 300 1000; do
		usage_fails "too long \($n characters, at most 255\)" connect "$(printf 'h%.0s' $(seq "$n"))" 1
	done
	usage_fails "bad host 'fe80::1%'" resolve 'fe80::1%'
}

@test "stdout closed, stdin closed, stdout /dev/full in a relay" {
	printf 'data\n' >"$T/down"
	bg peer python3 "$TESTS/peer.py" --listen "$T/port" --send "$T/down" --after-send shut
	wait_file "$T/port"
	status=0
	timeout 10 "$SOCKCAT" connect -d 127.0.0.1 "$(cat "$T/port")" >&- 2>"$T/e" || status=$?
	[ "$status" -eq 1 ]
	err=$(cat "$T/e")
	one_error_line "write to stdout: Bad file descriptor"
	rm -f "$T/port"
	bg peer2 python3 "$TESTS/peer.py" --listen "$T/port" --send "$T/down" --after-send shut
	wait_file "$T/port"
	status=0
	timeout 10 "$SOCKCAT" connect -d 127.0.0.1 "$(cat "$T/port")" >/dev/full 2>"$T/e" || status=$?
	[ "$status" -eq 1 ]
	err=$(cat "$T/e")
	one_error_line "write to stdout: No space left on device"
}

@test "a bad invocation leaves no process behind" {
	sc 2 serve -k -m 0 1 </dev/null
	sc 1 serve -U "$T/work/file" </dev/null
	[ -z "$(pgrep -f "sockcat serve -U $T/work/file" || true)" ]
}

@test "stdout /dev/full after a scan: the write failure, not a stale error of the scan's" {
	bg open python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(50)
print(s.getsockname()[1], flush=True); time.sleep(20)'
	wait_for "$BATS_TEST_TMPDIR/open.out" '^[0-9]+$'
	port=$(cat "$BATS_TEST_TMPDIR/open.out")
	# The open port's line fails to be written; port 1 is refused last.
	status=0
	timeout 10 "$SOCKCAT" connect -z 127.0.0.1 "$port,1" >/dev/full 2>"$BATS_TEST_TMPDIR/err" || status=$?
	[ "$status" -eq 1 ]
	err=$(cat "$BATS_TEST_TMPDIR/err")
	one_error_line '^sockcat: write to stdout: '
	! grep -q 'Connection refused' <<<"$err"
}
