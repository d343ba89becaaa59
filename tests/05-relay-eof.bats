#!/usr/bin/env bats
# The EOF and half-close matrix of the relay, against a python peer:
# {connect, serve} x {stdin EOF first, socket EOF first, peer half-closes
# first} x {default, -q 0, -q 1, -d, --send-only, --recv-only}, checking
# the bytes each side saw and whether sockcat is still running.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	printf 'down-data from the peer\n' >"$T/down"
}

# eof_case ROLE SCENARIO MODE PEER OUT RUNNING
#   ROLE      connect | serve
#   SCENARIO  stdin-eof | sock-eof | peer-half
#   MODE      default | "-q 0" | "-q 1" | -d | --send-only | --recv-only
#   PEER      all: the peer got all of stdin then EOF; none: it got EOF
#             and no byte; never: it never saw EOF; -: not checked
#   OUT       down: sockcat's stdout is the peer's data; empty; -
#   RUNNING   yes: sockcat must still be running; no: it must exit 0
eof_case() {
	local role=$1 scen=$2 mode=$3 peer=$4 want_out=$5 running=$6
	local args=() peer_args=() in
	[ "$mode" = default ] || read -ra args <<<"$mode"

	case $scen in
	stdin-eof)
		printf 'up-data from sockcat\n' >"$T/up"
		in=$T/up
		peer_args=(--send "$T/down" --after-send hold --recv "$T/rec") ;;
	sock-eof)
		# stdin: a pipe that stays open and idle, like a terminal.
		mkfifo "$T/idle"
		# A writer that holds the FIFO open and writes nothing.
		bg holder sh -c 'exec sleep 30 >"$1"' sh "$T/idle"
		in=$T/idle
		peer_args=(--send "$T/down" --after-send close) ;;
	peer-half)
		# stdin has begun to flow when the peer half-closes (its
		# first 32 KiB are in the pipe), and the rest comes after:
		# a stdin that never delivered a byte would end the session
		# at the peer's EOF.
		head -c 1048576 /dev/urandom >"$T/up"
		mkfifo "$T/slow"
		bg feeder sh -c 'exec 4>"$3"; head -c 32768 "$2" >&4; echo x >"$4"; until [ -e "$1" ]; do sleep 0.02; done; exec tail -c +32769 "$2" >&4' \
			sh "$T/peer.shut" "$T/up" "$T/slow" "$T/part1"
		in=$T/slow
		peer_args=(--send "$T/down" --wait-file "$T/part1" --after-send shut --mark "$T/peer.shut" --recv "$T/rec") ;;
	esac

	if [ "$role" = connect ]; then
		bg peer python3 "$TESTS/peer.py" --listen "$T/portfile" "${peer_args[@]}"
		wait_file "$T/portfile"
		bg sock -i "$in" "$SOCKCAT" connect "${args[@]}" 127.0.0.1 "$(cat "$T/portfile")"
	else
		bg sock -i "$in" "$SOCKCAT" serve -v "${args[@]}" 127.0.0.1 0
		listen_port sock
		bg peer python3 "$TESTS/peer.py" --connect "$port" "${peer_args[@]}"
	fi

	case $peer in
	all)
		wait_file "$T/rec.done"
		cmp "$T/up" "$T/rec" ;;
	none)
		wait_file "$T/rec.done"
		[ ! -s "$T/rec" ] ;;
	esac
	if [ "$want_out" = down ]; then
		wait_for "$T/sock.out" 'down-data'
	fi
	if [ "$running" = yes ]; then
		# Long enough to outlast the 0.5 s linger and -q 0.
		sleep 1
		still_running "$sock_pid"
	else
		wait_exit "$sock_pid"
		if [ "$status" -ne 0 ]; then
			echo "sockcat exited $status: $(cat "$T/sock.err")" >&2
			return 1
		fi
	fi
	case $want_out in
	down)	cmp "$T/down" "$T/sock.out" ;;
	empty)	[ ! -s "$T/sock.out" ] ;;
	esac
	if [ "$peer" = never ]; then
		[ ! -e "$T/rec.done" ]
	fi
}

@test "connect, stdin EOF first, default: half-close, keep reading" {
	eof_case connect stdin-eof default all down yes
}
@test "connect, stdin EOF first, -q 0: ends at once" {
	eof_case connect stdin-eof "-q 0" all - no
}
@test "connect, stdin EOF first, -q 1: ends a second later" {
	eof_case connect stdin-eof "-q 1" all down no
}
@test "connect, stdin EOF first, -d: stdin never read, no half-close" {
	eof_case connect stdin-eof -d never down yes
}
@test "connect, stdin EOF first, --send-only: ends once sent" {
	eof_case connect stdin-eof --send-only all empty no
}
@test "connect, stdin EOF first, --recv-only: half-closed at once" {
	eof_case connect stdin-eof --recv-only none down yes
}
@test "connect, socket EOF first, default: ends though stdin is open" {
	eof_case connect sock-eof default - down no
}
@test "connect, socket EOF first, -q 0" {
	eof_case connect sock-eof "-q 0" - down no
}
@test "connect, socket EOF first, -q 1" {
	eof_case connect sock-eof "-q 1" - down no
}
@test "connect, socket EOF first, -d" {
	eof_case connect sock-eof -d - down no
}
@test "connect, socket EOF first, --send-only: waits for stdin" {
	eof_case connect sock-eof --send-only - empty yes
}
@test "connect, socket EOF first, --recv-only" {
	eof_case connect sock-eof --recv-only - down no
}
@test "connect, peer half-closes first, default: the upload goes on" {
	eof_case connect peer-half default all down no
}
@test "connect, peer half-closes first, -q 0" {
	eof_case connect peer-half "-q 0" all down no
}
@test "connect, peer half-closes first, -q 1" {
	eof_case connect peer-half "-q 1" all down no
}
@test "connect, peer half-closes first, -d" {
	eof_case connect peer-half -d none down no
}
@test "connect, peer half-closes first, --send-only" {
	eof_case connect peer-half --send-only all empty no
}
@test "connect, peer half-closes first, --recv-only" {
	eof_case connect peer-half --recv-only none down no
}
@test "serve, stdin EOF first, default: half-close, keep reading" {
	eof_case serve stdin-eof default all down yes
}
@test "serve, stdin EOF first, -q 0: ends at once" {
	eof_case serve stdin-eof "-q 0" all - no
}
@test "serve, stdin EOF first, -q 1: ends a second later" {
	eof_case serve stdin-eof "-q 1" all down no
}
@test "serve, stdin EOF first, -d: stdin never read, no half-close" {
	eof_case serve stdin-eof -d never down yes
}
@test "serve, stdin EOF first, --send-only: ends once sent" {
	eof_case serve stdin-eof --send-only all empty no
}
@test "serve, stdin EOF first, --recv-only: half-closed at once" {
	eof_case serve stdin-eof --recv-only none down yes
}
@test "serve, socket EOF first, default: ends though stdin is open" {
	eof_case serve sock-eof default - down no
}
@test "serve, socket EOF first, -q 0" {
	eof_case serve sock-eof "-q 0" - down no
}
@test "serve, socket EOF first, -q 1" {
	eof_case serve sock-eof "-q 1" - down no
}
@test "serve, socket EOF first, -d" {
	eof_case serve sock-eof -d - down no
}
@test "serve, socket EOF first, --send-only: waits for stdin" {
	eof_case serve sock-eof --send-only - empty yes
}
@test "serve, socket EOF first, --recv-only" {
	eof_case serve sock-eof --recv-only - down no
}
@test "serve, peer half-closes first, default: the upload goes on" {
	eof_case serve peer-half default all down no
}
@test "serve, peer half-closes first, -q 0" {
	eof_case serve peer-half "-q 0" all down no
}
@test "serve, peer half-closes first, -q 1" {
	eof_case serve peer-half "-q 1" all down no
}
@test "serve, peer half-closes first, -d" {
	eof_case serve peer-half -d none down no
}
@test "serve, peer half-closes first, --send-only" {
	eof_case serve peer-half --send-only all empty no
}
@test "serve, peer half-closes first, --recv-only" {
	eof_case serve peer-half --recv-only none down no
}
