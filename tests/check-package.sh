#!/bin/sh
# make deb / make check-package: build the Debian package from a copy of
# the tracked files (the working tree's content) in build-deb/, with
# dpkg-buildpackage -us -uc -b; with --check, also list what it holds,
# run lintian (any E: fails), unpack it into a throwaway root and run
# the binary from there.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build-deb
src=$out/sockcat
check=${1:-}

rm -rf "$out"
mkdir -p "$src"
(cd "$top" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$src"
(cd "$src" && dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) || {
	tail -n 40 "$out/build.log"
	echo "check-package: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
deb=$(ls "$out"/sockcat_*.deb)
echo "check-package: built $deb"
[ "$check" = --check ] || exit 0

dpkg-deb -c "$deb" | awk '{ print $6 }' | grep -v '/$' | sort >"$out/files"
cat >"$out/want" <<'X'
./usr/bin/sockcat
./usr/share/bash-completion/completions/sockcat
./usr/share/doc/sockcat/README.md.gz
./usr/share/doc/sockcat/changelog.gz
./usr/share/doc/sockcat/copyright
./usr/share/fish/vendor_completions.d/sockcat.fish
./usr/share/man/man1/sockcat.1.gz
./usr/share/zsh/vendor-completions/_sockcat
X
diff "$out/want" "$out/files" || {
	echo "check-package: the package holds other files than expected" >&2
	exit 1
}
dpkg-deb -f "$deb" Depends Recommends
lintian --tag-display-limit 0 "$deb" >"$out/lintian.log" 2>&1 || true
cat "$out/lintian.log"
if grep -q '^E: ' "$out/lintian.log"; then
	echo "check-package: lintian reports errors" >&2
	exit 1
fi
dpkg -x "$deb" "$out/root"
"$out/root/usr/bin/sockcat" --version
"$out/root/usr/bin/sockcat" --version | grep -q "^sockcat $(dpkg-deb -f "$deb" Version)\$"
echo "check-package: passed"
