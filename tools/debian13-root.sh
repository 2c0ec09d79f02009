#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A Debian 13 (trixie) root on this Debian 12 machine, to build and test
# vnetrs against Debian 13's FRR 10.3 exactly as a Debian 13 user gets it.
#
# Usage:
#   tools/debian13-root.sh [make]        make the root, or reuse the cached one
#   tools/debian13-root.sh run CMD...    run CMD inside (cwd: this work tree)
#   tools/debian13-root.sh shell         an interactive shell inside
#   tools/debian13-root.sh umount        undo mounts a killed run left behind
#   tools/debian13-root.sh path          print the root's directory
#
# The root lives in build/debian13/root and is keyed on a hash of its inputs
# (how make_root makes it, tools/deps.sh, the suite and mirror): it is made again when
# one of them changes, reused otherwise. "run" bind-mounts what daemons and
# "ip netns exec" need and this work tree at the same path, enters the root
# in a mount namespace of its own, and unmounts all of it when CMD ends,
# however it ends.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
base=${VNETRS_DEBIAN13_DIR:-$top/build/debian13}
root=$base/root
suite=trixie
mirror=${VNETRS_DEBIAN13_MIRROR:-http://deb.debian.org/debian}
security=${VNETRS_DEBIAN13_SECURITY:-http://deb.debian.org/debian-security}
# What mmdebstrap installs; tools/deps.sh, run inside, adds the rest.
include=frr,frr-pythontools,iproute2,procps,python3,dpkg-dev,ca-certificates

die() { echo "debian13-root: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (chroot, mounts)"

# What the root is made from: make_root's own text (not the rest of this
# script, so that changing how it is entered keeps the cache), the package
# list, where packages come from.
inputs_hash() {
	{
		declare -f make_root
		cat "$top/tools/deps.sh"
		echo "$suite $mirror $security $include"
	} | sha256sum | cut -d' ' -f1
}

is_mounted() { findmnt -rn --target "$1" -o TARGET | grep -qx "$1"; }

# Unmount everything below the root, deepest first, then the root itself.
unmount_all() {
	local m
	[ -d "$root" ] || return 0
	findmnt -rn -o TARGET | { grep -E "^$root(/|\$)" || true; } | sort -r |
		while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m"
		done
}

mount_all() {
	# "ip netns exec" remounts / as a slave: the chroot dir must be a mount.
	mount --bind "$root" "$root"
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --make-rslave "$root/sys"
	mount --rbind /dev "$root/dev"
	mount --make-rslave "$root/dev"
	mount -t tmpfs -o mode=0755 tmpfs "$root/run"
	mkdir -p "$root/run/lock" "$root$top"
	mount --bind "$top" "$root$top"
	# One topotest session per machine (topotests/conftest.py): share the
	# host's lock so a session in here waits for one outside and back.
	touch /tmp/vnetrs-topotests.lock "$root/tmp/vnetrs-topotests.lock"
	mount --bind /tmp/vnetrs-topotests.lock "$root/tmp/vnetrs-topotests.lock"
}

# run CMD inside the root, with the mounts; they go away when CMD ends.
# Sessions are serialised: two would share and unmount the same mounts.
run_inside() {
	[ -x "$root/usr/lib/frr/bgpd" ] ||
		die "no root yet: run tools/debian13-root.sh make"
	exec 9>"$base/lock"
	flock 9
	unmount_all
	trap 'unmount_all' EXIT
	trap 'exit 130' INT TERM
	mount_all
	local rc=0
	# A mount namespace whose root is the Debian 13 root (pivot_root, not
	# chroot): FRR 10's topotests (munet) nsenter their nodes' mount
	# namespaces, and entering one resets the root to that namespace's own,
	# which under a chroot would be this machine's.
	unshare --mount --propagation private /bin/bash -c '
		set -e
		cd "$1"
		mkdir -p .vnetrs-oldroot
		pivot_root . .vnetrs-oldroot
		cd /
		umount -l /.vnetrs-oldroot
		shift
		exec /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			LANG=C.UTF-8 VNETRS_IN_DEBIAN13=1 \
			/bin/bash -c "cd \"\$1\" && shift && exec \"\$@\"" bash "$@"
	' bash "$root" "$top" "$@" || rc=$?
	unmount_all
	trap - EXIT
	return $rc
}

make_root() {
	local want have
	want=$(inputs_hash)
	have=$(cat "$base/stamp" 2>/dev/null || true)
	if [ "$want" = "$have" ] && [ -x "$root/usr/lib/frr/bgpd" ]; then
		return 0
	fi
	command -v mmdebstrap >/dev/null ||
		die "mmdebstrap not found: run tools/deps.sh"
	mkdir -p "$base"
	exec 9>"$base/lock"
	flock 9
	unmount_all
	rm -rf "$root" "$base/stamp"
	echo "debian13-root: mmdebstrap $suite into $root"
	# deb-src too: tools/prepare-frr.sh fetches FRR's source inside, and
	# FRR's build-deps come from it.
	mmdebstrap --quiet --mode=root --variant=apt --include="$include" \
		"$suite" "$root" \
		"deb $mirror $suite main" \
		"deb $mirror $suite-updates main" \
		"deb $security $suite-security main" \
		"deb-src $mirror $suite main" \
		"deb-src $mirror $suite-updates main" \
		"deb-src $security $suite-security main" \
		>"$base/mmdebstrap.log" 2>&1 ||
		die "mmdebstrap failed: see $base/mmdebstrap.log"
	# No daemon starts from a package's postinst in here: tests start their own.
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	flock -u 9
	# The packages to build and test, from the same list as Debian 12's.
	if ! run_inside /bin/bash -c '
		set -e
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get build-dep -y -qq frr >/dev/null
		bash tools/deps.sh' >"$base/deps.log" 2>&1; then
		die "installing packages inside failed: see $base/deps.log"
	fi
	# Written last: an interrupted run is made again next time.
	echo "$want" >"$base/stamp"
	echo "debian13-root: ready ($(chroot "$root" dpkg-query -W -f='frr ${Version}' frr))"
}

case "${1:-make}" in
make) make_root ;;
run)
	shift
	[ $# -gt 0 ] || die "run: no command"
	make_root
	run_inside "$@"
	;;
shell)
	make_root
	run_inside /bin/bash -i
	;;
umount)
	exec 9>"$base/lock"
	flock 9
	unmount_all
	;;
path) echo "$root" ;;
*) die "unknown command $1 (make, run, shell, umount, path)" ;;
esac
