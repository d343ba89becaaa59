#!/usr/bin/env bats
# The dispatcher: help, --version, unknown commands, and every command's
# --help walked from the command table.

load helpers

# The commands as `sockcat help` lists them (read from the table).
commands() {
	"$SOCKCAT" help | sed -n 's/^  \([a-z-]*\) .*/\1/p'
}

@test "help, --help and -h list every command on stdout, exit 0" {
	for h in help --help -h; do
		sc 0 $h
		[ -z "$err" ]
		for c in serve connect udp-send udp-listen resolve hostname help; do
			grep -qE "^  $c +[a-z]" <<<"$out"
		done
	done
}

@test "--version prints sockcat X.Y.Z (then its features: 19-install.bats)" {
	sc 0 --version
	[[ "$(head -n 1 <<<"$out")" =~ ^sockcat\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "no command: short usage on stderr, exit 2" {
	sc 2
	[ -z "$out" ]
	grep -q '^usage: sockcat' <<<"$err"
}

@test "unknown command suggests the nearest one, exit 2" {
	usage_fails "^sockcat: 'conect' is not a sockcat command; did you mean 'connect'\?" conect
	usage_fails "did you mean 'serve'\?" serv
	usage_fails "did you mean 'udp-send'\?" udp-sned
	usage_fails "did you mean 'resolve'\?" reslove
}

@test "a command far from all gets no suggestion" {
	usage_fails "'zzzzzzzzzz' is not a sockcat command$|'zzzzzzzzzz' is not a sockcat command \(" zzzzzzzzzz
	! grep -q "did you mean" <<<"$err"
}

@test "an option before the command is a usage error" {
	usage_fails "unknown option '--bogus'" --bogus
}

@test "help CMD and CMD --help, CMD -h print the same usage" {
	for c in $(commands); do
		sc 0 help "$c"
		local a=$out
		sc 0 "$c" --help
		[ "$out" = "$a" ]
		[ -z "$err" ]
		sc 0 "$c" -h
		[ "$out" = "$a" ]
		grep -q "usage: sockcat $c\|usage: sockcat COMMAND" <<<"$out"
	done
}

@test "help of an unknown command is a usage error" {
	usage_fails "'no-such-command' is not a sockcat command" help no-such-command
}

@test "every command in the table answers --help on stdout, nothing on stderr" {
	local n=0
	for c in $(commands); do
		sc 0 "$c" --help
		[ -n "$out" ]
		[ -z "$err" ]
		n=$((n + 1))
	done
	[ "$n" -eq 9 ]
}

@test "every long option in --help appears in the man page" {
	command -v mandoc
	local page missing=""
	page=$(mandoc -Tascii "$TESTS/../man/sockcat.1" | col -b)
	for c in $(commands); do
		for o in $("$SOCKCAT" "$c" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
			grep -q -- "$o" <<<"$page" || missing="$missing $c:$o"
		done
	done
	[ -z "$missing" ] || { echo "missing from the man page:$missing" >&2; false; }
}

@test "every command has a .Ss in the man page" {
	for c in serve connect udp-send udp-listen resolve hostname; do
		grep -q "^\.Ss $c\$" "$TESTS/../man/sockcat.1"
	done
}

@test "man page is clean under plain mandoc -Tlint (STYLE too)" {
	# Only what depends on the pages installed here is let through.
	run mandoc -Tlint "$TESTS/../man/sockcat.1"
	out=$(grep -v -e 'referenced manual not found' -e 'outdated mandoc.db' <<<"$output" || true)
	[ -z "$out" ] || { echo "$out" >&2; false; }
}

@test "unknown options name the culprit, for every command" {
	for c in $(commands); do
		[ "$c" = help ] && continue
		usage_fails "$c: unknown option '--bogus'" "$c" --bogus x
		usage_fails "$c: unknown option '-Y'" "$c" -Y x
	done
}

@test "options may follow operands, and -- ends them" {
	sc 0 resolve 127.0.0.1 80 -4 -t stream
	[ "$out" = "inet stream tcp 127.0.0.1 80" ]
	sc 0 resolve -t stream -- 127.0.0.1 80
	[ "$out" = "inet stream tcp 127.0.0.1 80" ]
	# After --, "-4" is an operand: a HOST that does not resolve.
	sc 1 resolve -t stream -- -4 80
}

@test "a write error on stdout exits 1 with a message" {
	[ -w /dev/full ]
	status=0
	timeout 10 "$SOCKCAT" help >/dev/full 2>"$BATS_TEST_TMPDIR/e" || status=$?
	[ "$status" -eq 1 ]
	err=$(cat "$BATS_TEST_TMPDIR/e")
	one_error_line 'stdout: No space left on device'
}

@test "a closed stdout exits 1 with a message" {
	status=0
	timeout 10 "$SOCKCAT" --version >&- 2>"$BATS_TEST_TMPDIR/e" || status=$?
	[ "$status" -eq 1 ]
	err=$(cat "$BATS_TEST_TMPDIR/e")
	one_error_line 'stdout: Bad file descriptor'
}

@test "a reader that went away ends quietly, status 0, not SIGPIPE" {
	# stdout is a pipe whose read end is already closed: every write
	# fails with EPIPE (or kills by SIGPIPE, were it not ignored).
	for args in "help" "resolve 127.0.0.1 80" "hostname"; do
		run timeout 10 python3 "$TESTS/closed-pipe.py" "$SOCKCAT" $args
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	done
}
