#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the Debian packages of vnetrs for the frr installed on this machine:
#   build/package/vnetrs_VERSION_ARCH.deb        module, YANG model, vtysh
#     (VERSION: debian/changelog's plus the FRR built for, 0.1.0+frr8.4.4)
#   build/package/vnetrs-agent_VERSION_ARCH.deb  agent, systemd unit, default file
#   build/package/vnetrs-dev_VERSION_all.deb     <vnetrs/sdn.h>
# then run lintian on them (debian/*.lintian-overrides explain what is left).
#
# The sources packaged are this checkout's files known to git (committed or
# not, ignored ones left out), copied to build/package/src, so the work
# tree's own build is untouched. The FRR tree comes from
# tools/prepare-frr.sh, as for tools/build.sh. As root (installs packages).
#
# For Debian 13 (frr 10.3), run it in tools/build-debian13.sh's copy:
#   tools/build-debian13.sh bash tools/package.sh
# That copy is no git checkout: the list of git's files comes from
# .vnetrs-files, which build-debian13.sh writes there; the packages land in
# build/debian13/vnetrs/build/package.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

die() { echo "package: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (installs Debian packages)"
# The files to package: git's, NUL-separated.
if command -v git >/dev/null && git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	files() { git ls-files -z --cached --others --exclude-standard; }
elif [ -f "$top/.vnetrs-files" ]; then
	files() { cat "$top/.vnetrs-files"; }
else
	die "$top is not a git checkout (nor tools/build-debian13.sh's copy): the files to package are git's"
fi

bash tools/deps.sh
eval "$(bash tools/prepare-frr.sh | tail -n1)"
frr_dir=$(dirname "$FRR_SRC")

out=$top/build/package
rm -rf "$out"
mkdir -p "$out/src"
files |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -T - -cf - | tar -C "$out/src" -xf -

# One build per FRR: the version says which (0.1.0+frr8.4.4 on Debian 12,
# 0.1.0+frr10.3 on 13), so the two series' packages are told apart by name
# and by apt, and the release it is built for.
frr_short=$(/usr/lib/frr/bgpd --version | sed -n 's/^bgpd version //p')
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$frr_short" ] && [ -n "$codename" ] ||
	die "cannot tell the installed FRR's version or this release's codename"
sed -i "1s/^vnetrs (\([^)+]*\)) [a-z-]*;/vnetrs (\1+frr$frr_short) $codename;/" \
	"$out/src/debian/changelog"
head -n1 "$out/src/debian/changelog" | grep -q "+frr$frr_short) $codename;" ||
	die "could not set the package version in debian/changelog"

echo "package: dpkg-buildpackage in $out/src"
(
	cd "$out/src"
	FRR_DIR=$frr_dir DEB_BUILD_OPTIONS="parallel=2 ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1
) || { tail -40 "$out/build.log" >&2; die "dpkg-buildpackage failed: see $out/build.log"; }

echo "package: lintian"
lintian --fail-on error,warning --info "$out"/*.changes ||
	die "lintian found errors or warnings (above)"
ls -1 "$out"/*.deb
