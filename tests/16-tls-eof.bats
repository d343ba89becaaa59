#!/usr/bin/env bats
# The EOF and half-close matrix of tests/05-relay-eof.bats again, over
# TLS: sockcat --tls against socat's OpenSSL addresses in front of the
# python peer (see tests/eof.bash).

load helpers
load eof
load tls

setup_file() {
	tls_certs_setup_file
}

setup() {
	T=$BATS_TEST_TMPDIR
	EOF_TLS=1
	printf 'down-data from the peer\n' >"$T/down"
}

@test "tls connect, stdin EOF first, default: half-close, keep reading" {
	eof_case connect stdin-eof default all down yes
}
@test "tls connect, stdin EOF first, -q 0: ends at once" {
	eof_case connect stdin-eof "-q 0" all - no
}
@test "tls connect, stdin EOF first, -q 1: ends a second later" {
	eof_case connect stdin-eof "-q 1" all down no
}
@test "tls connect, stdin EOF first, -d: stdin never read, no half-close" {
	eof_case connect stdin-eof -d never down yes
}
@test "tls connect, stdin EOF first, --send-only: ends once sent" {
	eof_case connect stdin-eof --send-only all empty no
}
@test "tls connect, stdin EOF first, --recv-only: half-closed at once" {
	eof_case connect stdin-eof --recv-only none down yes
}
@test "tls connect, socket EOF first, default: ends though stdin is open" {
	eof_case connect sock-eof default - down no
}
@test "tls connect, socket EOF first, -q 0" {
	eof_case connect sock-eof "-q 0" - down no
}
@test "tls connect, socket EOF first, -q 1" {
	eof_case connect sock-eof "-q 1" - down no
}
@test "tls connect, socket EOF first, -d" {
	eof_case connect sock-eof -d - down no
}
@test "tls connect, socket EOF first, --send-only: waits for stdin" {
	eof_case connect sock-eof --send-only - empty yes
}
@test "tls connect, socket EOF first, --recv-only" {
	eof_case connect sock-eof --recv-only - down no
}
@test "tls connect, peer half-closes first, default: the upload goes on" {
	eof_case connect peer-half default all down no
}
@test "tls connect, peer half-closes first, -q 0" {
	eof_case connect peer-half "-q 0" all down no
}
@test "tls connect, peer half-closes first, -q 1" {
	eof_case connect peer-half "-q 1" all down no
}
@test "tls connect, peer half-closes first, -d" {
	eof_case connect peer-half -d none down no
}
@test "tls connect, peer half-closes first, --send-only" {
	eof_case connect peer-half --send-only all empty no
}
@test "tls connect, peer half-closes first, --recv-only" {
	eof_case connect peer-half --recv-only none down no
}
@test "tls serve, stdin EOF first, default: half-close, keep reading" {
	eof_case serve stdin-eof default all down yes
}
@test "tls serve, stdin EOF first, -q 0: ends at once" {
	eof_case serve stdin-eof "-q 0" all - no
}
@test "tls serve, stdin EOF first, -q 1: ends a second later" {
	eof_case serve stdin-eof "-q 1" all down no
}
@test "tls serve, stdin EOF first, -d: stdin never read, no half-close" {
	eof_case serve stdin-eof -d never down yes
}
@test "tls serve, stdin EOF first, --send-only: ends once sent" {
	eof_case serve stdin-eof --send-only all empty no
}
@test "tls serve, stdin EOF first, --recv-only: half-closed at once" {
	eof_case serve stdin-eof --recv-only none down yes
}
@test "tls serve, socket EOF first, default: ends though stdin is open" {
	eof_case serve sock-eof default - down no
}
@test "tls serve, socket EOF first, -q 0" {
	eof_case serve sock-eof "-q 0" - down no
}
@test "tls serve, socket EOF first, -q 1" {
	eof_case serve sock-eof "-q 1" - down no
}
@test "tls serve, socket EOF first, -d" {
	eof_case serve sock-eof -d - down no
}
@test "tls serve, socket EOF first, --send-only: waits for stdin" {
	eof_case serve sock-eof --send-only - empty yes
}
@test "tls serve, socket EOF first, --recv-only" {
	eof_case serve sock-eof --recv-only - down no
}
@test "tls serve, peer half-closes first, default: the upload goes on" {
	eof_case serve peer-half default all down no
}
@test "tls serve, peer half-closes first, -q 0" {
	eof_case serve peer-half "-q 0" all down no
}
@test "tls serve, peer half-closes first, -q 1" {
	eof_case serve peer-half "-q 1" all down no
}
@test "tls serve, peer half-closes first, -d" {
	eof_case serve peer-half -d none down no
}
@test "tls serve, peer half-closes first, --send-only" {
	eof_case serve peer-half --send-only all empty no
}
@test "tls serve, peer half-closes first, --recv-only" {
	eof_case serve peer-half --recv-only none down no
}
