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

@test "-f / --fqdn prints the canonical name, or the plain one" {
	want=$(python3 - <<'PY'
import socket
n = socket.gethostname()
try:
    print(socket.getaddrinfo(n, None, 0, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)[0][3] or n)
except socket.gaierror:
    print(n)
PY
)
	sc 0 hostname -f
	[ "$out" = "$want" ]
	sc 0 hostname --fqdn
	[ "$out" = "$want" ]
}

@test "-a / --addresses prints the resolved addresses, one a line" {
	want=$(python3 - <<'PY'
import socket
n = socket.gethostname()
seen = []
for r in socket.getaddrinfo(n, None, 0, socket.SOCK_STREAM):
    a = r[4][0]
    if a not in seen:
        seen.append(a)
print("\n".join(seen))
PY
)
	sc 0 hostname -a
	[ -n "$out" ]
	[ "$out" = "$want" ]
	sc 0 hostname --addresses -4
	[ "$out" = "$(grep -v : <<<"$want")" ]
}
