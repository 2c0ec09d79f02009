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
bash tools/prepare-frr.sh >/dev/null

if [ ! -x configure ] || [ configure.ac -nt configure ] ||
	[ Makefile.am -nt configure ]; then
	echo "build: autoreconf"
	mkdir -p m4
	autoreconf -fi >build-autoreconf.log 2>&1 ||
		{ cat build-autoreconf.log >&2; exit 1; }
	rm -f build-autoreconf.log
fi
if [ ! -f Makefile ] || [ configure -nt Makefile ] ||
	[ build/frr/prepared.stamp -nt Makefile ]; then
	echo "build: configure"
	./configure -q || { tail -30 config.log >&2; exit 1; }
fi
make -s -j"$(nproc)"
echo "build: frr-plugin/.libs/bgpd_vnetrs.so, vtysh/vtysh, tests/unit/"
