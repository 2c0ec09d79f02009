#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build vnetrs in this work tree: Debian packages, the prepared FRR tree,
# configure, make. Idempotent: each step is skipped when already done, and
# make rebuilds only what changed. The build stays in the work tree
# (ignored by git) so later commands reuse it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "$(id -u)" != 0 ]; then
	echo "build: run as root (installs Debian packages)" >&2
	exit 1
fi

bash tools/deps.sh
# The FRR tree of the installed series (build/frr for 8.4, build/frr-10.3).
frr=$(bash tools/prepare-frr.sh | sed -n 's/^FRR_SRC=\(.*\) FRR_BUILD=\(.*\)$/\1 \2/p')
frr_src=${frr% *}
frr_build=${frr#* }
[ -n "$frr_src" ] && [ -n "$frr_build" ] ||
	{ echo "build: tools/prepare-frr.sh gave no FRR tree" >&2; exit 1; }

if [ ! -x configure ] || [ configure.ac -nt configure ] ||
	[ Makefile.am -nt configure ]; then
	echo "build: autoreconf"
	mkdir -p m4
	autoreconf -fi >build-autoreconf.log 2>&1 ||
		{ cat build-autoreconf.log >&2; exit 1; }
	rm -f build-autoreconf.log
fi
if [ ! -f Makefile ] || [ configure -nt Makefile ] ||
	[ "$frr_src/../prepared.stamp" -nt Makefile ] ||
	! grep -qxF "FRR_BUILD = $frr_build" Makefile; then
	echo "build: configure"
	./configure -q --with-frr-source="$frr_src" \
		--with-frr-build="$frr_build" || { tail -30 config.log >&2; exit 1; }
fi
make -s -j"$(nproc)"
echo "build: frr-plugin/.libs/bgpd_vnetrs.so, vtysh/vtysh, tests/unit/"
