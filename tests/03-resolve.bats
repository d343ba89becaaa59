#!/usr/bin/env bats
# resolve prints exactly what getaddrinfo(3) returns: compared with
# python3's socket.getaddrinfo, which calls the same function.

load helpers

# same HOST PORT [sockcat options] -- [gai.py options]: sockcat resolve
# and gai.py agree line for line, and print something.
same() {
	local host=$1 port=$2 sopts=() popts=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sopts+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	popts=("$@")
	if [ -n "$port" ]; then
		sc 0 resolve "${sopts[@]}" -- "$host" "$port"
	else
		sc 0 resolve "${sopts[@]}" -- "$host"
	fi
	want=$(python3 "$TESTS/gai.py" "$host" "$port" "${popts[@]}")
	[ -n "$want" ]
	if [ "$out" != "$want" ]; then
		printf 'sockcat:\n%s\npython:\n%s\n' "$out" "$want" >&2
		return 1
	fi
}

@test "numeric IPv4 and IPv6 hosts equal getaddrinfo" {
	same 127.0.0.1 80
	same 127.0.0.1 ''
	same ::1 443
	same 192.0.2.7 9
	same fe80::1%lo 22
}

@test "localhost equals getaddrinfo" {
	same localhost 80
	same localhost http
	same localhost ''
}

@test "the empty HOST is the wildcard (AI_PASSIVE)" {
	same '' 80
	same '' 0 -4 -- --family 2
	same '' 80 -t stream -- --type 1
}

@test "integers and <broadcast> equal getaddrinfo of their dotted quad" {
	sc 0 resolve 2130706433 80
	[ "$out" = "$(python3 "$TESTS/gai.py" 127.0.0.1 80)" ]
	sc 0 resolve 0x7f000001 80
	[ "$out" = "$(python3 "$TESTS/gai.py" 127.0.0.1 80)" ]
	sc 0 resolve '<broadcast>' 80
	[ "$out" = "$(python3 "$TESTS/gai.py" 255.255.255.255 80)" ]
}

@test "each hint equals getaddrinfo with that hint" {
	same localhost 80 -4 -- --family 2
	same ::1 80 -6 -- --family 10
	same localhost 80 -t stream -- --type 1
	same localhost 80 -u -- --type 2
	same localhost '' -t raw -- --type 3
	same localhost 80 --protocol=udp -- --proto 17
	same localhost 80 --protocol=6 -- --proto 6
	same 127.0.0.1 80 -n -- --flags 1028
}

@test "-n refuses names: no DNS" {
	sc 1 resolve -n localhost 80
	one_error_line "resolve 'localhost' port 80: "
	[ -z "$out" ]
}

@test "an unknown name is a run-time error, exit 1" {
	OFFLINE=1 sc 1 resolve nosuch.invalid 80
	one_error_line "nosuch.invalid"
	[ -z "$out" ]
}

@test "--canonical adds the canonical name as a sixth field" {
	sc 0 resolve --canonical localhost 80 -t stream
	# What the resolver says here, whatever /etc/hosts holds (a stock
	# Debian one gives ::1 first).
	want=$(python3 -c '
import socket
r = socket.getaddrinfo("localhost", 80, 0, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)
for f, t, p, c, sa in r:
    print("%s stream tcp %s 80 %s" % ("inet6" if f == socket.AF_INET6 else "inet", sa[0], r[0][3]))')
	[ -n "$want" ]
	[ "$out" = "$want" ]
	# Every result carries it.
	sc 0 resolve --canonical localhost 80
	[ "$(awk 'NF != 6' <<<"$out")" = "" ]
	[ "$(wc -l <<<"$out")" -ge 2 ]
}

@test "--json is one valid JSON array with the same results" {
	for args in "localhost 80" "::1 443 --canonical" "'' 80" "127.0.0.1 80 -t stream"; do
		eval "sc 0 resolve --json $args"
		eval "sc 0 resolve $args" 2>/dev/null || true
		text=$out
		eval "sc 0 resolve --json $args"
		python3 - "$out" "$text" <<'PY'
import json, sys
arr = json.loads(sys.argv[1])
lines = sys.argv[2].splitlines()
assert isinstance(arr, list) and len(arr) == len(lines), (arr, lines)
for obj, line in zip(arr, lines):
    f = line.split(" ")
    assert [obj["family"], obj["type"], obj["protocol"], obj["address"], str(obj["port"])] == f[:5], (obj, f)
    assert isinstance(obj["port"], int)
    if len(f) == 6:
        assert obj["canonical"] == f[5]
    else:
        assert "canonical" not in obj
PY
	done
}

@test "--json --canonical: no canonical name (the wildcard) is null" {
	sc 0 resolve --json --canonical -n '' 80 -t stream
	python3 -c 'import json,sys; a=json.loads(sys.argv[1]); assert a and all(o["canonical"] is None for o in a), a' "$out"
	sc 0 resolve --canonical -n '' 80 -t stream
	[ "$(awk '{print $6}' <<<"$out" | sort -u)" = "-" ]
}

@test "--json escapes what JSON needs escaped" {
	# A canonical name is echoed from HOST for numeric hosts; no JSON
	# special character can get there through getaddrinfo, so check the
	# empty result shape and a scope id instead.
	sc 0 resolve --json --canonical -n 'fe80::1%lo' 80 -t stream
	python3 -c 'import json,sys; a=json.loads(sys.argv[1]); assert a[0]["address"]=="fe80::1%lo", a' "$out"
}

@test "--json stays valid JSON when the canonical name is not UTF-8 (fuzz finding)" {
	# A hosts(5) file, private to this test through a mount namespace,
	# gives a canonical name with a Latin-1 byte and a control character.
	unshare -m true 2>/dev/null || skip "unshare -m: no mount namespaces here"
	printf '127.0.0.1 caf\xe9.ex\x01ample scfuzzalias\n' >"$BATS_TEST_TMPDIR/hosts"
	status=0
	timeout "$TMO" unshare -m sh -c 'mount --bind "$1" /etc/hosts &&
		exec "$2" resolve --json --canonical -4 -t stream scfuzzalias' \
		sh "$BATS_TEST_TMPDIR/hosts" "$SOCKCAT" >"$BATS_TEST_TMPDIR/j" || status=$?
	[ "$status" -eq 0 ]
	python3 - "$BATS_TEST_TMPDIR/j" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
arr = json.loads(raw.decode("utf-8"))   # strict: raises on a stray byte
assert arr[0]["canonical"] == "caf\ufffd.ex\x01ample", arr
PY
}

@test "-r looks an address up with getnameinfo" {
	sc 0 resolve -r 127.0.0.1
	want=$(python3 -c 'import socket; print(socket.getnameinfo(("127.0.0.1", 0), socket.NI_NAMEREQD)[0])')
	[ "$out" = "$want" ]
	sc 0 resolve --reverse 127.0.0.1 80
	want=$(python3 -c 'import socket; print(*socket.getnameinfo(("127.0.0.1", 80), socket.NI_NAMEREQD))')
	[ "$out" = "$want" ]
	sc 0 resolve -r -u 127.0.0.1 53
	[ "$out" = "${want% *} domain" ]
}

@test "-r of an address without a name is a run-time error" {
	sc 1 resolve -r 192.0.2.1
	one_error_line "192.0.2.1"
	usage_fails "not a numeric address" resolve -r localhost
}

@test "resolve to /dev/full exits 1 with a message" {
	status=0
	timeout 10 "$SOCKCAT" resolve localhost 80 >/dev/full 2>"$BATS_TEST_TMPDIR/e" || status=$?
	[ "$status" -eq 1 ]
	err=$(cat "$BATS_TEST_TMPDIR/e")
	one_error_line "No space left on device"
}

@test "resolve --family=unix is refused" {
	usage_fails "getaddrinfo\(3\) knows no unix addresses" resolve --family=unix x
}
