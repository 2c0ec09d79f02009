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
#   tools/debian13-root.sh umount        undo mounts an older version left behind
#   tools/debian13-root.sh path          print the root's directory
#
# The root lives in build/debian13/root and is keyed on a hash of its inputs
# (how make_root makes it, tools/deps.sh, the suite and mirror): it is made again when
# one of them changes, reused otherwise. "run" enters the root in a mount
# namespace of its own, where alone it mounts what daemons and "ip netns exec"
# need and this work tree at the same path: nothing outlives the run, and runs
# from several work trees may share one root (VNETRS_DEBIAN13_DIR) at once.
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


# Unmount everything below the root, deepest first, then the root itself.
unmount_all() {
	local m
	[ -d "$root" ] || return 0
	findmnt -rn -o TARGET | { grep -E "^$root(/|\$)" || true; } | sort -r |
		while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m"
		done
}

# The mounts a run needs, made inside the run's own mount namespace (see
# run_inside): they vanish with it, however the run ends, and runs from
# several work trees may share one root at once, each with its own /run.
# Arguments: the root, this work tree.
inside_mounts='
	set -e
	root=$1 top=$2
	# "ip netns exec" remounts / as a slave: the new root must be a mount.
	mount --bind "$root" "$root"
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --make-rslave "$root/sys"
	mount --rbind /dev "$root/dev"
	mount --make-rslave "$root/dev"
	mount -t tmpfs -o mode=0755 tmpfs "$root/run"
	mkdir -p "$root/run/lock"
	mount --bind "$top" "$root$top"
	# One topotest session per machine (topotests/conftest.py): share the
	# host lock so a session in here waits for one outside and back.
	mount --bind /tmp/vnetrs-topotests.lock "$root/tmp/vnetrs-topotests.lock"
	# More of this machine at the same path (VNETRS_DEBIAN13_BINDS), e.g. a
	# prepared FRR tree that another work tree shares.
	for p in $VNETRS_DEBIAN13_BINDS; do
		mkdir -p "$root$p"
		mount --bind "$p" "$root$p"
	done
	cd "$root"
	mkdir -p .vnetrs-oldroot
	pivot_root . .vnetrs-oldroot
	cd /
	umount -l /.vnetrs-oldroot
'

# run CMD inside the root: a mount namespace whose root is the Debian 13 root
# (pivot_root, not chroot: FRR 10's topotests (munet) nsenter their nodes'
# mount namespaces, and entering one resets the root to that namespace's
# own, which under a chroot would be this machine's).
run_inside() {
	local p
	[ -x "$root/usr/lib/frr/bgpd" ] ||
		die "no root yet: run tools/debian13-root.sh make"
	mkdir -p "$root$top"
	touch /tmp/vnetrs-topotests.lock "$root/tmp/vnetrs-topotests.lock"
	for p in ${VNETRS_DEBIAN13_BINDS:-}; do
		[ -d "$p" ] || die "VNETRS_DEBIAN13_BINDS: no directory $p"
	done
	VNETRS_DEBIAN13_BINDS=${VNETRS_DEBIAN13_BINDS:-} \
		unshare --mount --propagation private /bin/bash -c "$inside_mounts"'
		shift 2
		exec /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			LANG=C.UTF-8 VNETRS_IN_DEBIAN13=1 \
			/bin/bash -c "cd \"\$1\" && shift && exec \"\$@\"" bash "$@"
	' bash "$root" "$top" "$top" "$@"
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
