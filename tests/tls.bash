# shellcheck shell=bash
# The TLS tests' certificates, made at test time with openssl(1): a test
# CA; a server certificate for localhost, 127.0.0.1 and ::1 (and the
# subject alternative names of make_certs' second argument, such as
# DNS:example.org); one for wrong.example; an expired one; a client
# certificate.  Made once per file (setup_file) into $CERTS.

make_certs() {
	local d=$1 extra=${2:+,$2}
	mkdir -p "$d/ca.d"
	(
		cd "$d" || exit 1
		key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
		key ca.key
		openssl req -x509 -new -key ca.key -out ca.pem -days 30 -subj "/CN=sockcat test CA" 2>/dev/null
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1%s\n' "$extra" >srv.ext
		printf 'subjectAltName=DNS:wrong.example\n' >wrong.ext
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		for n in srv wrong client; do
			key "$n.key"
			cn=localhost
			[ "$n" = wrong ] && cn=wrong.example
			[ "$n" = client ] && cn="sockcat test client"
			openssl req -new -key "$n.key" -out "$n.csr" -subj "/CN=$cn" 2>/dev/null
			openssl x509 -req -in "$n.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
				-out "$n.pem" -days 30 -extfile "$n.ext" 2>/dev/null
		done
		# Expired: openssl ca takes dates in the past.
		: >ca.d/index.txt
		echo 1000 >ca.d/serial
		cat >ca.cnf <<-CNF
		[ca]
		default_ca = d
		[d]
		database = ca.d/index.txt
		serial = ca.d/serial
		new_certs_dir = ca.d
		default_md = sha256
		policy = p
		copy_extensions = copy
		[p]
		commonName = supplied
		CNF
		openssl req -new -key srv.key -out exp.csr -subj "/CN=localhost" \
			-addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' 2>/dev/null
		openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in exp.csr \
			-out expired.pem -startdate 20200101000000Z -enddate 20200201000000Z \
			-notext 2>/dev/null
		# A key and its certificate in one file.
		cat srv.pem srv.key >srv-both.pem
	)
	[ -s "$d/expired.pem" ] && [ -s "$d/client.pem" ]
}

# The certificates once for a test file: its setup_file.
tls_certs_setup_file() {
	export CERTS="$BATS_FILE_TMPDIR/certs"
	make_certs "$CERTS"
}

# tls_listen NAME [tls-peer.py options]: a python3 ssl server; sets $port.
tls_listen() {
	py_listen_script tls-peer.py "$@"
}

# s_server NAME ARGS...: openssl s_server on 127.0.0.1, a free port,
# its stdin an idle pipe (at stdin's EOF it would end the connection);
# sets $port.
s_server() {
	local name=$1 pid
	shift
	mkfifo "$BATS_TEST_TMPDIR/$name.in"
	bg "$name-holder" sh -c 'exec sleep 30 >"$1"' sh "$BATS_TEST_TMPDIR/$name.in"
	bg "$name" -i "$BATS_TEST_TMPDIR/$name.in" openssl s_server \
		-accept 127.0.0.1:0 -naccept 1 "$@"
	pid=${name//-/_}_pid
	port_of "${!pid}"
}

# serve_pin: the pin a throwaway-certificate serve printed.
serve_pin() {
	wait_for "$BATS_TEST_TMPDIR/srv.err" 'tls pin sha256//' || return 1
	pin=$(sed -n 's/.*tls pin //p' "$BATS_TEST_TMPDIR/srv.err")
}
