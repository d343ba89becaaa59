# shellcheck shell=bash
# Shared helpers for the bats suite: run sockcat under a timeout, start
# background servers and reap them, read the port a -v listener got.

SOCKCAT="${SOCKCAT:-$BATS_TEST_DIRNAME/../sockcat}"
TESTS="$BATS_TEST_DIRNAME"
# Every wait is bounded; a slow machine may raise this.
TMO="${SOCKCAT_TEST_TIMEOUT:-10}"
BG_PIDS=()

# sc STATUS ARGS...: run sockcat ARGS under timeout with FD 3 closed;
# stdout lands in $out, stderr in $err; fails unless it exits STATUS.
# Redirect stdin yourself where the test feeds it.  OFFLINE=1 sc ...
# runs it in a network namespace of its own, for a name that must not
# resolve: its lookup fails there without a query leaving the host.
sc() {
	local want=$1 pre=()
	shift
	[ -z "${OFFLINE:-}" ] || pre=(unshare -n)
	status=0
	timeout -k 2 "$TMO" "${pre[@]}" "$SOCKCAT" "$@" >"$BATS_TEST_TMPDIR/sc.out" \
		2>"$BATS_TEST_TMPDIR/sc.err" 3>&- || status=$?
	out=$(cat "$BATS_TEST_TMPDIR/sc.out")
	err=$(cat "$BATS_TEST_TMPDIR/sc.err")
	if [ "$status" -ne "$want" ]; then
		printf 'sockcat %s\n  status %s, wanted %s\n  stdout: %s\n  stderr: %s\n' \
			"$*" "$status" "$want" "$out" "$err" >&2
		return 1
	fi
}

# usage_fails PATTERN ARGS...: sockcat ARGS must be a usage error: exit 2,
# one stderr line "sockcat: ..." that matches PATTERN (grep -E) and
# points to --help, nothing on stdout.
usage_fails() {
	local pat=$1
	shift
	sc 2 "$@"
	one_error_line "$pat"
	grep -q -- "--help" <<<"$err" || { echo "no --help hint: $err" >&2; return 1; }
	[ -z "$out" ] || { echo "stdout not empty: $out" >&2; return 1; }
}

# usage_table ROW...: each ROW is "PATTERN|ARGS" (ARGS shell-quoted);
# every one must be a usage error as usage_fails checks.
usage_table() {
	local row pat args
	for row in "$@"; do
		pat=${row%%|*}
		args=${row#*|}
		eval "usage_fails \"\$pat\" $args"
	done
}

# one_error_line PATTERN: $err is exactly one line starting "sockcat: "
# and matching PATTERN.
one_error_line() {
	local n
	n=$(printf '%s\n' "$err" | wc -l)
	[ "$n" -eq 1 ] || { printf 'want one stderr line, got %s:\n%s\n' "$n" "$err" >&2; return 1; }
	[[ "$err" == "sockcat: "* ]] || { echo "no 'sockcat: ' prefix: $err" >&2; return 1; }
	grep -qE -- "$1" <<<"$err" || { echo "stderr does not match /$1/: $err" >&2; return 1; }
}

# bg NAME [-i FILE] CMD...: start CMD in the background, FD 3 closed,
# stdin from FILE (default /dev/null: bash gives a background job no
# other), stdout in $BATS_TEST_TMPDIR/NAME.out and stderr in NAME.err;
# the PID is recorded for teardown and stored in the variable NAME_pid.
bg() {
	local name=$1 in=/dev/null
	shift
	if [ "$1" = -i ]; then
		in=$2
		shift 2
	fi
	# Emptied here, not by the child's redirection: a reader started
	# right after (listen_port) must not see an earlier NAME's lines.
	: >"$BATS_TEST_TMPDIR/$name.out"
	: >"$BATS_TEST_TMPDIR/$name.err"
	"$@" <"$in" >>"$BATS_TEST_TMPDIR/$name.out" 2>>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
	BG_PIDS+=($!)
	printf -v "${name//-/_}_pid" '%s' "$!"
}

# py_listen NAME [peer.py options]: a python peer (tests/peer.py)
# listening on 127.0.0.1; sets $port.
py_listen() {
	py_listen_script peer.py "$@"
}

# py_listen_script SCRIPT NAME [options]: tests/SCRIPT --listen
# PORTFILE [options] in the background as NAME; sets $port.
py_listen_script() {
	local script=$1 name=$2 pf="$BATS_TEST_TMPDIR/$2.port"
	shift 2
	rm -f "$pf"
	bg "$name" python3 "$TESTS/$script" --listen "$pf" "$@"
	wait_file "$pf"
	port=$(cat "$pf")
}

# poll_until CMD...: run CMD every 20 ms until it succeeds (status 0)
# or $TMO seconds have passed (status 1).  Every wait below is one.
poll_until() {
	local i
	for ((i = 0; i < TMO * 50; i++)); do
		"$@" && return 0
		sleep 0.02
	done
	return 1
}

# wait_for FILE PATTERN: wait (bounded by $TMO) until FILE has a line
# matching PATTERN; fails on time-out.
wait_for() {
	local file=$1 pat=$2
	poll_until grep -sqE -- "$pat" "$file" && return 0
	printf 'timed out waiting for /%s/ in %s:\n' "$pat" "$file" >&2
	cat "$file" >&2
	return 1
}

# wait_file FILE: wait (bounded by $TMO) until FILE exists.
wait_file() {
	poll_until test -e "$1" && return 0
	echo "timed out waiting for $1 to exist" >&2
	return 1
}

# wait_size FILE N: wait (bounded by $TMO) until FILE holds at least N
# bytes; the caller checks the exact size after.
wait_size() {
	poll_until size_at_least "$1" "$2" || true
}

# lines_at_least N PATTERN FILE: FILE has N lines matching PATTERN.
lines_at_least() {
	local n
	n=$(grep -sc -- "$2" "$3")
	[ "${n:-0}" -ge "$1" ]
}

size_at_least() {
	[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ]
}

# listen_port NAME: wait for NAME's "-v" listening line and set $port
# to the port it reports.
listen_port() {
	wait_for "$BATS_TEST_TMPDIR/$1.err" 'listening on .* port [0-9]+' || return 1
	port=$(sed -n 's/.*listening on .* port \([0-9]*\).*/\1/p' \
		"$BATS_TEST_TMPDIR/$1.err" | head -n 1)
}

# idle_stdin: $T/idle, a FIFO held open by a writer that writes nothing
# (stdin like an idle terminal or an inherited pipe).
idle_stdin() {
	mkfifo "$T/idle"
	bg holder sh -c 'exec sleep 30 >"$1"' sh "$T/idle"
}

# serve_bg ARGS...: start "sockcat serve -v ARGS" with stdin from $IN
# (default /dev/null) and set $port from its listening line.
serve_bg() {
	bg srv -i "${IN:-/dev/null}" "$SOCKCAT" serve -v "$@"
	listen_port srv
}

# wait_exit PID: wait (bounded) for a background process to end; sets
# $status to its exit status.  Fails if it is still running.
wait_exit() {
	local pid=$1
	if ! poll_until gone "$pid"; then
		echo "process $pid still running" >&2
		return 1
	fi
	status=0
	wait "$pid" || status=$?
}

# gone PID: the process has exited.
gone() {
	! kill -0 "$1" 2>/dev/null
}

# procs_at_least N PATTERN: wait (bounded) until N processes match
# PATTERN (pgrep -f); fails on time-out.
procs_at_least() {
	poll_until count_at_least "$1" "$2" && return 0
	echo "fewer than $1 processes match /$2/" >&2
	return 1
}

count_at_least() {
	[ "$(pgrep -c -f "$2")" -ge "$1" ]
}

# procs_gone PATTERN: wait (bounded) until no process matches PATTERN.
procs_gone() {
	poll_until no_procs "$1" && return 0
	echo "processes still match /$1/: $(pgrep -f "$1" | tr '\n' ' ')" >&2
	return 1
}

no_procs() {
	! pgrep -f "$1" >/dev/null
}

# port_of PID: wait (bounded) until PID listens on a TCP port; set $port.
port_of() {
	poll_until listening_port "$1" && return 0
	echo "process $1 listens on no TCP port" >&2
	return 1
}

listening_port() {
	port=$(ss -Hltnp 2>/dev/null | grep "pid=$1," |
		sed -n 's/.*[:.]\([0-9][0-9]*\) .*/\1/p' | head -n 1)
	[ -n "$port" ]
}

# still_running PID: the process has not exited.
still_running() {
	kill -0 "$1" 2>/dev/null || { echo "process $1 has exited" >&2; return 1; }
}

# netns SCRIPT: run bash SCRIPT in a new network and mount namespace
# (lo up), bounded; there S is sockcat (and so is 'sockcat' on PATH),
# $T/hosts (when it exists) is /etc/hosts, 'start NAME CMD...' runs CMD
# in the background (output in $T/NAME.out and .err) to be killed at
# the end, 'wait_line FILE PATTERN' waits, bounded, for a line, and
# 'port_of NAME' is the port NAME's -v line reports.
netns() {
	cat >"$T/prelude.sh" <<'EOF'
set -eu
S=$SOCKCAT
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait' EXIT
start() {
	local name=$1
	shift
	: >"$T/$name.out"
	: >"$T/$name.err"
	"$@" </dev/null >>"$T/$name.out" 2>>"$T/$name.err" &
	pids+=($!)
}
poll_until() {
	local i
	for ((i = 0; i < 500; i++)); do
		"$@" && return 0
		sleep 0.02
	done
	echo "timed out waiting for: $*" >&2
	return 1
}
wait_line() {
	poll_until grep -sqE -- "$2" "$1" && return 0
	cat "$1" >&2
	return 1
}
listens() {
	ss -Hlntux | grep -q -- "$1"
}
wait_listen() {
	poll_until listens "$1"
}
port_of() {
	sed -n 's/.*listening on .* port \([0-9]*\).*/\1/p' "$T/$1.err" | head -n 1
}
ip link set lo up
mkdir -p "$T/bin"
ln -sf "$S" "$T/bin/sockcat"
PATH=$T/bin:$PATH
[ -f "$T/hosts" ] && mount --bind "$T/hosts" /etc/hosts
cd "$T"
EOF
	SOCKCAT=$SOCKCAT T=$T TESTS=$TESTS timeout -k 2 40 unshare -n -m \
		bash -c "source '$T/prelude.sh'; source '$1'"
}

teardown() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}
