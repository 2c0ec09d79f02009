#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tools/check.sh's Debian 13 leg: vnetrs against Debian 13's FRR 10.3, from
# this Debian 12 machine. Makes (or reuses) the Debian 13 root, builds there
# (tools/build-debian13.sh), runs the unit tests, the FRR 10 smoke and
# version-refusal tests (each series' build refused by the other's bgpd:
# 10.3's here on Debian 12, this tree's Debian 12 build in the root), the
# Debian 13 packages (built, lintian, tests/package/test_package.sh;
# VNETRS_PACKAGE=0 skips them, as in tools/check.sh) and the topotests.
#
# Options after "--" go to pytest. VNETRS_DEBIAN13_TOPOTESTS overrides the
# list of topotest directories (default: all of them, as on Debian 12),
# VNETRS_DEBIAN13_RUNDIR the topotests' directory inside the root.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "${1:-}" = "--" ] && shift
[ "$(id -u)" = 0 ] || { echo "check-debian13: run as root" >&2; exit 1; }

# Every topotest passes on 10.3 (docs/frr-versions.md, "Status on FRR 10.3").
topotests=${VNETRS_DEBIAN13_TOPOTESTS:-topotests/}

start=$(date +%s)
echo "check-debian13: the Debian 13 root and the build for FRR 10.3"
bash tools/build-debian13.sh true
# This tree's own build for Debian 12 (make: nothing to do after check.sh's),
# whose front is loaded into 10.3's bgpd below.
bash tools/build.sh >/dev/null

copy=build/debian13/vnetrs
mkvar() { sed -n "s/^$2 = //p" "$1/Makefile"; }
v12=$(mkvar . FRR_VERSION_SHORT)
v13=$(mkvar "$copy" FRR_VERSION_SHORT)
[ -n "$v12" ] && [ -n "$v13" ] || { echo "check-debian13: FAILED: no FRR version in the Makefiles" >&2; exit 1; }
echo "check-debian13: 10.3's build (FRR $v13) refused by this machine's bgpd (tests/frr10/version.sh --cross)"
bash tests/frr10/version.sh --only-cross --cross "$copy/frr-plugin/.libs/bgpd_vnetrs.so" "$v13"
rundir=${VNETRS_DEBIAN13_RUNDIR:-/tmp/vnetrs-topotests-debian13}
status=0
bash tools/debian13-root.sh run /bin/bash -c '
	set -euo pipefail
	top=$1 copy=$2 rundir=$3 topotests=$4 v12=$5 package=$6
	shift 6
	cd "$copy"
	echo "check-debian13: unit tests"
	n=0
	for src in tests/unit/test_*.c; do
		t=${src%.c}
		[ -x "$t" ] || { echo "check-debian13: FAILED: $t not built" >&2; exit 1; }
		"./$t" >/dev/null
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { echo "check-debian13: FAILED: no unit test" >&2; exit 1; }
	echo "check-debian13: $n unit tests passed"
	echo "check-debian13: the module in 10.3'"'"'s bgpd (tests/frr10/smoke.sh)"
	bash tests/frr10/smoke.sh 2>&1 | grep "^smoke10"
	echo "check-debian13: version refusal, Debian 12'"'"'s build (FRR $v12) included (tests/frr10/version.sh)"
	bash tests/frr10/version.sh --cross "$top/frr-plugin/.libs/bgpd_vnetrs.so" "$v12"
	if [ "$package" != 0 ]; then
		echo "check-debian13: the Debian 13 packages (tools/package.sh, tests/package/test_package.sh)"
		bash tools/package.sh
		bash tests/package/test_package.sh
	fi
	echo "check-debian13: topotests: $topotests"
	rm -rf "$rundir"
	export VNETRS_FRR_SRC=$top/build/frr-10.3/src
	export VNETRS_VTYSH_DIR=$PWD/vtysh
	export VNETRS_MODULE=$PWD/frr-plugin/.libs/bgpd_vnetrs.so
	export VNETRS_SDNLOG_MODULE=$PWD/examples/sdn-logger/.libs/bgpd_vnetrs_sdnlog.so
	python3 -m pytest -n 2 --dist=loadfile --rundir "$rundir" $topotests "$@"
' bash "$top" "$top/$copy" "$rundir" "$topotests" "$v12" "${VNETRS_PACKAGE:-1}" "$@" || status=$?
if [ "$status" -ne 0 ]; then
	echo "check-debian13: FAILED (exit $status); topotest logs in" \
		"build/debian13/root$rundir" >&2
	exit 1
fi
echo "check-debian13: passed in $(($(date +%s) - start)) s"
