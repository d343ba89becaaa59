# shellcheck shell=bash
# The EOF and half-close matrix of the relay (tests/05-relay-eof.bats,
# and over TLS tests/16-tls-eof.bats), against tests/peer.py.  With
# EOF_TLS set, socat (OPENSSL-LISTEN or OPENSSL, -t 30 so that it keeps
# a half-closed direction going) stands between the python peer and
# sockcat's --tls: socat turns the peer's FIN into close_notify and
# close_notify into a FIN, so the matrix checks sockcat's TLS EOF rules
# against another implementation.

# socat_port NAME: wait for socat -d -d's listening line; set $port.
socat_port() {
	wait_for "$BATS_TEST_TMPDIR/$1.err" 'listening on AF=[0-9]+ .*:[0-9]+' || return 1
	port=$(sed -n 's/.*listening on AF=[0-9]* .*:\([0-9][0-9]*\)$/\1/p' \
		"$BATS_TEST_TMPDIR/$1.err" | head -n 1)
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
		# at the peer's EOF.  The rest waits too until the peer's
		# bytes are out of sockcat (-q 0 takes only what has come
		# when stdin ends; a relay in between, or a segment sent
		# again, may hold them up).
		head -c 1048576 /dev/urandom >"$T/up"
		mkfifo "$T/slow"
		bg feeder sh -c 'exec 4>"$3"; head -c 32768 "$2" >&4; echo x >"$4"; i=0; until [ -e "$1" ] && { [ "$6" != down ] || grep -q down-data "$5"; }; do i=$((i + 1)); [ "$i" -lt 1500 ] || break; sleep 0.02; done; exec tail -c +32769 "$2" >&4' \
			sh "$T/peer.shut" "$T/up" "$T/slow" "$T/part1" "$T/sock.out" "$want_out"
		in=$T/slow
		peer_args=(--send "$T/down" --wait-file "$T/part1" --after-send shut --mark "$T/peer.shut" --recv "$T/rec") ;;
	esac

	if [ "$role" = connect ]; then
		bg peer python3 "$TESTS/peer.py" --listen "$T/portfile" "${peer_args[@]}"
		wait_file "$T/portfile"
		port=$(cat "$T/portfile")
		if [ -n "${EOF_TLS:-}" ]; then
			bg tlsfront socat -d -d -t 30 \
				OPENSSL-LISTEN:0,bind=127.0.0.1,reuseaddr,cert="$CERTS/srv.pem",key="$CERTS/srv.key",verify=0 \
				TCP:127.0.0.1:"$port"
			socat_port tlsfront
			args+=(--tls --cacert "$CERTS/ca.pem")
		fi
		bg sock -i "$in" "$SOCKCAT" connect "${args[@]}" 127.0.0.1 "$port"
	else
		[ -z "${EOF_TLS:-}" ] || args+=(--tls --cert "$CERTS/srv.pem" --key "$CERTS/srv.key")
		bg sock -i "$in" "$SOCKCAT" serve -v "${args[@]}" 127.0.0.1 0
		listen_port sock
		if [ -n "${EOF_TLS:-}" ]; then
			bg tlsfront socat -d -d -t 30 \
				TCP-LISTEN:0,bind=127.0.0.1,reuseaddr \
				OPENSSL:127.0.0.1:"$port",cafile="$CERTS/ca.pem",commonname=localhost
			socat_port tlsfront
		fi
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

