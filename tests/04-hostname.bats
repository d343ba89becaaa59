#!/usr/bin/env bats
# hostname: gethostname(3), --short, --fqdn, --addresses.

load helpers

@test "hostname prints gethostname(3)" {
	sc 0 hostname
	[ "$out" = "$(python3 -c 'import socket; print(socket.gethostname())')" ]
	[ -z "$err" ]
}

@test "-s / --short prints the name up to the first dot" {
	want=$(python3 -c 'import socket; print(socket.gethostname().split(".")[0])')
	sc 0 hostname -s
	[ "$out" = "$want" ]
	sc 0 hostname --short
	[ "$out" = "$want" ]
}

# -f and -a look the name up: here, and in the python3 that says what
# to expect, in a network namespace of their own, so that a name that
# /etc/hosts lacks sends no DNS query off the host.
@test "-f / --fqdn prints the canonical name, or the plain one" {
	want=$(unshare -n python3 - <<'PY'
import socket
n = socket.gethostname()
try:
    print(socket.getaddrinfo(n, None, 0, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)[0][3] or n)
except socket.gaierror:
    print(n)
PY
)
	OFFLINE=1 sc 0 hostname -f
	[ "$out" = "$want" ]
	OFFLINE=1 sc 0 hostname --fqdn
	[ "$out" = "$want" ]
}

@test "-a / --addresses prints the resolved addresses, one a line, or says the name has none" {
	# What the resolver says of this machine's name; a fresh container's
	# name may not resolve at all.
	want=$(unshare -n python3 - <<'PY'
import socket
seen = []
try:
    for r in socket.getaddrinfo(socket.gethostname(), None, 0, socket.SOCK_STREAM):
        if r[4][0] not in seen:
            seen.append(r[4][0])
except socket.gaierror:
    pass
print("\n".join(seen))
PY
)
	if [ -n "$want" ]; then
		OFFLINE=1 sc 0 hostname -a
		[ "$out" = "$want" ]
	else
		OFFLINE=1 sc 1 hostname -a
		one_error_line "^sockcat: hostname: '$(hostname)' has no address: .* \(-I lists the interfaces' addresses\)$"
	fi
	want4=$(grep -v : <<<"$want" || true)
	if [ -n "$want4" ]; then
		OFFLINE=1 sc 0 hostname --addresses -4
		[ "$out" = "$want4" ]
	else
		OFFLINE=1 sc 1 hostname --addresses -4
		one_error_line "has no IPv4 address"
	fi
	# One rule for both families: -6 never lists the interfaces instead.
	want6=$(grep : <<<"$want" || true)
	if [ -n "$want6" ]; then
		OFFLINE=1 sc 0 hostname -a -6
		[ "$out" = "$want6" ]
	else
		OFFLINE=1 sc 1 hostname -a -6
		one_error_line "has no IPv6 address"
	fi
}

@test "-I / --interfaces lists the interfaces' addresses but loopback and IPv6 link-local" {
	want=$(ip -o addr show up | awk '$3 == "inet" || $3 == "inet6" { sub("/.*", "", $4); print $3, $4, $0 }' |
		grep -v ' scope host' | grep -v ' scope link' | awk '{print $2}' | sort)
	if [ -z "$want" ]; then
		sc 1 hostname -I
		one_error_line 'no address on the interfaces that are up \(but loopback: --loopback lists it\)'
	else
		sc 0 hostname -I
		[ "$(sort <<<"$out")" = "$want" ]
		sc 0 hostname --interfaces -4
		[ "$(sort <<<"$out")" = "$(grep -v : <<<"$want")" ]
	fi
	sc 0 hostname -I --loopback -4
	grep -qx '127.0.0.1' <<<"$out"
	usage_fails "--loopback goes only with -I" hostname -a --loopback
	usage_fails "-I conflicts with -a" hostname -a -I
}
