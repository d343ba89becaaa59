#!/usr/bin/env bats
# Installing like a well-kept tool: completion scripts made from the
# option tables (bash driven through its completion function, zsh and
# fish checked by the shells themselves), --version's feature line, and
# make install/uninstall.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

# complete_bash WORD...: what the generated bash completion offers for
# the command line WORD... (the last word is the one being completed),
# one per line, sorted.
complete_bash() {
	bash -c '
		source <("$0" completion bash)
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_sockcat
		printf "%s\n" "${COMPREPLY[@]}"
	' "$SOCKCAT" "$@" | sed '/^$/d' | sort
}

@test "bash: commands, options, fixed values, files, nothing after --" {
	[ "$(complete_bash sockcat con)" = connect ]
	[ "$(complete_bash sockcat co | tr '\n' ' ')" = "completion connect " ]
	[ "$(complete_bash sockcat connect --tl | tr '\n' ' ')" = "--tls --tls-max= --tls-min= --tls13-ciphers= " ]
	[ "$(complete_bash sockcat connect --family= | tr '\n' ' ')" = "--family=any --family=inet --family=inet6 --family=unix " ]
	# bash itself splits --family=VALUE at the '='.
	[ "$(complete_bash sockcat serve --family = in | tr '\n' ' ')" = "inet inet6 " ]
	[ "$(complete_bash sockcat resolve -t s | tr '\n' ' ')" = "seqpacket stream " ]
	[ "$(complete_bash sockcat connect --tls-min '' | tr '\n' ' ')" = "1.2 1.3 " ]
	[ "$(complete_bash sockcat connect --tos cs | wc -l)" -eq 8 ]
	[ "$(complete_bash sockcat completion '' | tr '\n' ' ')" = "bash fish zsh " ]
	[ "$(complete_bash sockcat help ud | tr '\n' ' ')" = "udp-listen udp-send " ]
	touch "$T/ca-one.pem" "$T/ca-two.pem"
	[ "$(complete_bash sockcat connect --cacert="$T/ca-" | tr '\n' ' ')" = "--cacert=$T/ca-one.pem --cacert=$T/ca-two.pem " ]
	[ "$(complete_bash sockcat connect --cert "$T/ca-o")" = "$T/ca-one.pem" ]
	[ -z "$(complete_bash sockcat connect -- --)" ]
	[ -z "$(complete_bash sockcat connect -p '')" ]
	# An optional value goes after '=' only: a word after a bare
	# --hex-dump is an operand (a host), not its file.
	[ "$(complete_bash sockcat serve --hex-dump = "$T/ca-o")" = "$T/ca-one.pem" ]
	[ -z "$(complete_bash sockcat serve --hex-dump "$T/ca-o")" ]
	# forward's --proxy-protocol takes v1|v2; serve's is a flag.
	[ "$(complete_bash sockcat forward --proxy-protocol '' | tr '\n' ' ')" = "v1 v2 " ]
	[ "$(complete_bash sockcat forward --proxy-protocol=v | tr '\n' ' ')" = "--proxy-protocol=v1 --proxy-protocol=v2 " ]
	! complete_bash sockcat serve --proxy-protocol '' | grep -qx v1
}

@test "bash: every long option of every command's --help is offered (one source: the option tables), and none it refuses" {
	for c in serve connect forward udp-send udp-listen resolve hostname; do
		[ -z "$(complete_bash sockcat "$c" -- '')" ]
		offered=$(complete_bash sockcat "$c" --)
		help=$("$SOCKCAT" "$c" --help | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u)
		for opt in $help; do
			grep -qxE -- "$opt=?" <<<"$offered" || { echo "$c: $opt not offered" >&2; false; }
		done
		for opt in $(sed 's/=$//' <<<"$offered" | grep -- '^--'); do
			grep -qx -- "$opt" <<<"$help" || { echo "$c: $opt offered, not in --help" >&2; false; }
		done
	done
	# udp-send takes --keepalive only to say it is TCP only.
	[ -z "$(complete_bash sockcat udp-send --keep)" ]
	usage_fails "--keepalive does not apply to udp-send: TCP only" udp-send --keepalive -m x 127.0.0.1 9
}

@test "zsh and fish: the scripts parse; fish completes commands, options and values" {
	"$SOCKCAT" completion zsh >"$T/_sockcat"
	zsh -n "$T/_sockcat"
	grep -q '^#compdef sockcat' "$T/_sockcat"
	"$SOCKCAT" completion fish >"$T/sockcat.fish"
	fish -n "$T/sockcat.fish"
	run fish -c "source '$T/sockcat.fish'; complete -C 'sockcat conn'"
	[ "$status" -eq 0 ]
	[[ "$output" == connect* ]]
	run fish -c "source '$T/sockcat.fish'; complete -C 'sockcat connect --fam'"
	[ "$output" = --family ]
	run fish -c "source '$T/sockcat.fish'; complete -C 'sockcat udp-listen --family='"
	[ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "--family=any --family=inet --family=inet6 --family=unix " ]
	# serve's -w is --accept-timeout (its table also knows the letter
	# by connect's name).
	run fish -c "source '$T/sockcat.fish'; complete -C 'sockcat serve -'"
	printf '%s\n' "$output" | grep -q '^-w'
}

@test "completion: an unknown or missing shell is a usage error" {
	usage_fails "completion: unknown shell 'tcsh' \(bash zsh fish\)" completion tcsh
	usage_fails "completion: missing SHELL" completion
	usage_fails "completion: extra operand 'x'" completion bash x
	sc 0 completion --help
	grep -q 'usage: sockcat completion bash|zsh|fish' <<<"$out"
}

@test "--version: the version, then what this build can do" {
	sc 0 --version
	[[ "$(sed -n 1p <<<"$out")" =~ ^sockcat\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[[ "$(sed -n 2p <<<"$out")" =~ ^tls:\ OpenSSL\ 3\.[0-9.]+.*\(loaded\ when\ used\)\;\ splice\;\ mptcp$ ]]
	[ "$(wc -l <<<"$out")" -eq 2 ]
	# No Multipath TCP in this network namespace, no libssl in this
	# mount namespace: the line says so.
	run timeout 10 unshare -n sh -c 'sysctl -q -w net.mptcp.enabled=0 && "$0" --version' "$SOCKCAT"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"; splice" ]]
	lib=$(ldconfig -p | sed -n 's/.*libssl\.so\.3 (libc6,x86-64) => //p' | head -n 1)
	[ -n "$lib" ]
	run timeout 10 unshare -m sh -c 'mount --bind /dev/null "$1" && "$0" --version' "$SOCKCAT" "$lib"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == "tls: not available ("*"); splice"* ]]
}

@test "make install puts the binary, the man page and the three completions in place; make uninstall takes them away" {
	make -s -C "$TESTS/.." install DESTDIR="$T/root" PREFIX=/usr >/dev/null
	(cd "$T/root" && find . -type f | sort) >"$T/files"
	diff - "$T/files" <<'X'
./usr/bin/sockcat
./usr/share/bash-completion/completions/sockcat
./usr/share/fish/vendor_completions.d/sockcat.fish
./usr/share/man/man1/sockcat.1
./usr/share/zsh/vendor-completions/_sockcat
X
	bash -n "$T/root/usr/share/bash-completion/completions/sockcat"
	make -s -C "$TESTS/.." uninstall DESTDIR="$T/root" PREFIX=/usr >/dev/null
	[ -z "$(find "$T/root" -type f)" ]
}
