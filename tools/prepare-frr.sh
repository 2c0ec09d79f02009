#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Prepare an FRR source tree that matches the installed bgpd, for building
# bgpd_vnetrs.so and our vtysh against it.
#
# Why: Debian ships no FRR headers, and bgpd does no ABI check when it loads
# a module, so struct layouts must match by construction. We fetch the exact
# Debian source package of the installed frr (with Debian's patches applied)
# and run its configure with the installed bgpd's own configure arguments and
# Debian's build flags. Only the few generated files a module needs are built.
#
# Usage: tools/prepare-frr.sh [DIR]
# DIR defaults to build/frr in the work tree for FRR 8 (Debian 12) and to
# build/frr-VERSION for later series (Debian 13's 10.3: build/frr-10.3).
# Prints "FRR_SRC=... FRR_BUILD=..." on success. Idempotent: a finished tree
# for the same installed version and arguments is reused as it is.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bgpd=${VNETRS_BGPD:-/usr/lib/frr/bgpd}

die() { echo "prepare-frr: $*" >&2; exit 1; }

[ -x "$bgpd" ] || die "$bgpd not found: install Debian's frr package (tools/deps.sh)"
# The series decides what is generated: 8.4 makes vtysh's command table
# with extract.pl, 10 from the daemons' xref ELF notes (python/xrelfo.py).
frrver=$("$bgpd" --version | sed -n 's/^bgpd version //p')
[ -n "$frrver" ] || die "$bgpd --version does not say its version"
frrmajor=${frrver%%.*}
if [ "$frrmajor" -ge 10 ] 2>/dev/null; then
	dir=${1:-${VNETRS_FRR_DIR:-$top/build/frr-$frrver}}
	gen=(lib/route_types.h lib/clippy lib/mgmt.pb-c.h lib/vtysh_daemons.h
		vtysh/vtysh_clippy.c)
	done_file=lib/mgmt.pb-c.h
else
	dir=${1:-${VNETRS_FRR_DIR:-$top/build/frr}}
	gen=(lib/route_types.h lib/clippy vtysh/vtysh_daemons.h
		vtysh/vtysh_clippy.c)
	done_file=vtysh_scan.list
fi
pkgver=$(dpkg-query -W -f='${Version}' frr 2>/dev/null) ||
	die "the frr package is not installed"

# The installed binary's configure arguments, one shell-quoted line.
cfgline=$("$bgpd" --version | sed -n '/^configured with:/{n;p;q}')
[ -n "$cfgline" ] || die "$bgpd --version does not say how it was configured"

# One preparation at a time per tree: work trees and the package build may
# share it, and a second run would delete the first one's files mid-way.
# (The lock is inside: the tree may be reached through a symbolic link.)
mkdir -p "$dir"
exec 8>"$dir/prepare.lock"
flock 8

stamp="$dir/prepared.stamp"
want="$pkgver $cfgline"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
	[ -s "$dir/build/$done_file" ]; then
	echo "FRR_SRC=$dir/src FRR_BUILD=$dir/build"
	exit 0
fi

mkdir -p "$dir"
rm -rf "$dir/src" "$dir/build" "$stamp"

have_deb_src() {
	grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list \
		/etc/apt/sources.list.d/
}
if ! have_deb_src; then
	# Mirror every binary entry as a source entry: same URIs, suites, keyring.
	out=/etc/apt/sources.list.d/vnetrs-deb-src.sources
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && [ "$f" != "$out" ] || continue
		sed -n 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb-src/;p' "$f"
		echo
	done >"$out"
	if [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb \(.*\)$/deb-src \1/p' /etc/apt/sources.list \
			>/etc/apt/sources.list.d/vnetrs-deb-src.list
	fi
	have_deb_src || die "could not add a deb-src entry for apt"
	apt-get update -qq
fi

echo "prepare-frr: fetching Debian source of frr $pkgver"
fetch="$dir/fetch"
rm -rf "$fetch"
mkdir -p "$fetch"
(cd "$fetch" && apt-get source -qq "frr=$pkgver" >/dev/null) || {
	apt-get update -qq
	(cd "$fetch" && apt-get source -qq "frr=$pkgver" >/dev/null)
} || die "apt-get source frr=$pkgver failed"
srcdir=$(find "$fetch" -mindepth 1 -maxdepth 1 -type d -name 'frr-*' | head -n1)
[ -n "$srcdir" ] || die "apt-get source left no frr-* directory in $fetch"
mv "$srcdir" "$dir/src"
rm -rf "$fetch"

echo "prepare-frr: autoreconf"
(cd "$dir/src" && autoreconf -is >/dev/null 2>&1) || die "autoreconf failed"

# configure exactly as Debian did (minus the documentation switches, which
# need sphinx and change no ABI), with Debian's hardening flags. The source
# path is relative on purpose: vtysh/extract.pl builds its include paths by
# prefixing "vtysh/" to it, which only works for a relative top_srcdir.
eval "set -- $cfgline"
args=()
for a in "$@"; do
	case "$a" in
	--enable-doc*) ;;
	PYTHON=*) args+=(PYTHON=/usr/bin/python3) ;;
	*) args+=("$a") ;;
	esac
done
mkdir -p "$dir/build"
echo "prepare-frr: configure (${#args[@]} arguments from $bgpd --version)"
(
	cd "$dir/build"
	eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh)"
	../src/configure "${args[@]}" \
		>configure.log 2>&1
) || die "configure failed: see $dir/build/configure.log"

echo "prepare-frr: generating ${gen[*]}"
# 10's rules write into build-dir subdirectories they do not create.
[ "$frrmajor" -lt 10 ] || mkdir -p "$dir/build/vtysh"
make -C "$dir/build" -s "${gen[@]}" >"$dir/build/make.log" 2>&1 ||
	die "make ${gen[*]} failed: see $dir/build/make.log"
if [ "$frrmajor" -lt 10 ]; then
	# The daemons' CLI sources that FRR's vtysh command table is made from.
	make -C "$dir/build" -s var-vtysh_scan VARFD=1 \
		>"$dir/build/vtysh_scan.list" 2>>"$dir/build/make.log" &&
		[ -s "$dir/build/vtysh_scan.list" ] ||
		die "could not list vtysh's sources: see $dir/build/make.log"
fi

echo "$want" >"$stamp"
echo "FRR_SRC=$dir/src FRR_BUILD=$dir/build"
