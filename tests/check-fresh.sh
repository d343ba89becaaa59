#!/bin/sh
# make check-fresh: the README's quick start, its two commands exactly
# as the README writes them, on a minimal Debian 12 made with
# debootstrap --variant=minbase (no make, no compiler, a stock
# /etc/hosts, a host name that does not resolve there), in a chroot
# holding a clean clone of this tree's last commit.  Fails if either
# command fails.  Needs root, debootstrap and the Debian archive.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
work=${FRESH_DIR:-/var/tmp/sockcat-fresh}
root=$work/root

# The archive this machine's apt uses; deb.debian.org otherwise.
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources \
	2>/dev/null | grep -m 1 debian || true)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(http[^ ]*\) bookworm .*/\1/p' \
	/etc/apt/sources.list 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

mounted=""
cleanup() {
	for m in $mounted; do
		umount -l "$m" 2>/dev/null || true
	done
}
trap cleanup EXIT INT TERM

# The README's two quick-start commands, read from the README itself.
cmds=$(sed -n '/^## Quick start/,/^## /p' "$top/README.md" |
	sed -n '/^```sh$/,/^```$/p' | grep -v '^```')
[ "$(printf '%s\n' "$cmds" | wc -l)" -eq 2 ] || {
	echo "check-fresh: the README's quick start is not two commands:" >&2
	printf '%s\n' "$cmds" >&2
	exit 1
}

echo "check-fresh: debootstrap --variant=minbase bookworm from $mirror"
rm -rf "$work"
mkdir -p "$work"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
	tail -n 20 "$work/debootstrap.log" >&2
	exit 1
}
git clone -q "$top" "$root/root/sockcat"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The root a mount point of its own (unshare -m in the tests wants
# one), then what a running system has.
mount --bind "$root" "$root" && mounted="$root $mounted"
mount -t proc proc "$root/proc" && mounted="$root/proc $mounted"
mount -t sysfs sysfs "$root/sys" && mounted="$root/sys $mounted"
mount --bind /dev "$root/dev" && mounted="$root/dev $mounted"
mount --bind /dev/pts "$root/dev/pts" && mounted="$root/dev/pts $mounted"

n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	echo "check-fresh: command $n: $cmd"
	if ! chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		TERM=dumb /bin/bash -c "cd /root/sockcat && $cmd" </dev/null; then
		echo "check-fresh: command $n failed: $cmd" >&2
		exit 1
	fi
done <<CMDS
$cmds
CMDS
echo "check-fresh: both quick-start commands passed on a fresh Debian 12"
