#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The whole test suite, from a fresh Debian 12 or 13 machine (as root):
# installs what is missing, builds, runs the unit tests and every topotest,
# then, on Debian 12, the Debian 13 leg (FRR 10.3, tools/check-debian13.sh). Exits non-zero on any
# failure. A second run reuses the prepared FRR tree and
# the build.
#
# Options after "--" go to pytest, e.g. tools/check.sh -- -k foundation
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "$(id -u)" != 0 ]; then
	echo "check: run as root (topotests use network namespaces)" >&2
	exit 1
fi
[ "${1:-}" = "--" ] && shift

start=$(date +%s)
bash tools/build.sh

echo "check: unit tests"
# Every unit test's source must have given a binary (check_PROGRAMS in
# Makefile.am, built by "make" through all-local): a missing one is a
# failure, not a test skipped, and so is finding no unit test at all.
units=0
for src in tests/unit/test_*.c; do
	[ -f "$src" ] || continue
	t=${src%.c}
	if [ ! -x "$t" ]; then
		echo "check: FAILED: unit test $t was not built" >&2
		exit 1
	fi
	"./$t"
	units=$((units + 1))
done
if [ "$units" -eq 0 ]; then
	echo "check: FAILED: no unit test found in tests/unit/" >&2
	exit 1
fi

echo "check: the module refuses another FRR version, loads with its own (tests/frr10/version.sh)"
bash tests/frr10/version.sh

echo "check: the agent over TLS against fake_rs (tests/agent/test_tls.sh)"
bash tests/agent/test_tls.sh

echo "check: the agent's OVN backend against ovsdb-server (tests/agent/test_ovn.sh)"
bash tests/agent/test_ovn.sh

echo "check: the agent's --keep-routes against fake_rs (tests/agent/test_keep_routes.sh)"
bash tests/agent/test_keep_routes.sh

echo "check: the agent's nexthop groups against fake_rs (tests/agent/test_nexthop_groups.sh)"
bash tests/agent/test_nexthop_groups.sh

if [ "${VNETRS_PACKAGE:-1}" != 0 ]; then
	echo "check: the Debian packages (tools/package.sh, tests/package/test_package.sh)"
	bash tools/package.sh
	bash tests/package/test_package.sh
fi

echo "check: fuzzing every parser (tests/fuzz/run.sh)"
bash tests/fuzz/run.sh "${VNETRS_FUZZ_SECONDS:-60}"

echo "check: topotests"
rundir=${VNETRS_RUNDIR:-/tmp/vnetrs-topotests}
rm -rf "$rundir"
export VNETRS_VTYSH_DIR="$top/vtysh"
export VNETRS_MODULE="$top/frr-plugin/.libs/bgpd_vnetrs.so"
status=0
/usr/bin/python3 -m pytest -n 2 --dist=loadfile --rundir "$rundir" \
	topotests/ "$@" || status=$?
# pytest exits 5 when it ran no test: that is a failure here.
if [ "$status" -ne 0 ]; then
	echo "check: FAILED (pytest exit $status); logs in $rundir" >&2
	exit 1
fi
echo "check: topotests passed in $(($(date +%s) - start)) s"

# --- memory safety: the topotests again, the module built with ASan and
# UBSan loaded into bgpd, the agent under valgrind; then every report
# fails the check (tests/sanitizers/). VNETRS_SANITIZE=0 skips it.
if [ "${VNETRS_SANITIZE:-1}" != 0 ]; then
	echo "check: topotests with the sanitized module and the agent under valgrind"
	bash tools/build-asan.sh
	san_start=$(date +%s)
	san_rundir=${VNETRS_SAN_RUNDIR:-/tmp/vnetrs-topotests-sanitized}
	rm -rf "$san_rundir"
	status=0
	VNETRS_SANITIZE=1 VNETRS_MODULE="$top/build/asan/bgpd_vnetrs.so" \
		VNETRS_SDNLOG_MODULE="$top/build/asan/bgpd_vnetrs_sdnlog.so" \
		VNETRS_AGENT="$top/tests/sanitizers/agent-valgrind.sh" \
		VNETRS_VALGRIND_LOGDIR="$san_rundir/valgrind" \
		/usr/bin/python3 -m pytest -n 2 --dist=loadfile \
		--rundir "$san_rundir" topotests/ "$@" || status=$?
	if [ "$status" -ne 0 ]; then
		echo "check: FAILED under the sanitizers (pytest exit $status);" \
			"logs in $san_rundir" >&2
		bash tests/sanitizers/check-reports.sh "$san_rundir" || true
		exit 1
	fi
	# The OVN backend against ovsdb-server, the agent under valgrind.
	VNETRS_AGENT="$top/tests/sanitizers/agent-valgrind.sh" \
		VNETRS_VALGRIND_LOGDIR="$san_rundir/valgrind" \
		bash tests/agent/test_ovn.sh || {
		echo "check: FAILED: tests/agent/test_ovn.sh under valgrind" >&2
		exit 1
	}
	# The nexthop objects' bookkeeping, the agent under valgrind.
	VNETRS_AGENT="$top/tests/sanitizers/agent-valgrind.sh" \
		VNETRS_VALGRIND_LOGDIR="$san_rundir/valgrind" \
		bash tests/agent/test_nexthop_groups.sh || {
		echo "check: FAILED: tests/agent/test_nexthop_groups.sh under valgrind" >&2
		exit 1
	}
	# With every topotest run, the agent's must have run under valgrind.
	want_agent=()
	[ $# -eq 0 ] && want_agent=(--agent)
	bash tests/sanitizers/check-reports.sh "${want_agent[@]}" "$san_rundir" || {
		echo "check: FAILED: sanitizer reports; logs in $san_rundir" >&2
		exit 1
	}
	echo "check: sanitized topotests passed in" \
		"$(($(date +%s) - san_start)) s"
fi
# --- Debian 13: the same tree against FRR 10.3, in a Debian 13 root made
# on this machine (tools/check-debian13.sh). VNETRS_DEBIAN13=0 skips it.
# On a machine whose FRR is already 10 (Debian 13 itself), this run was that
# leg.
frr_here=$(/usr/lib/frr/bgpd --version | sed -n 's/^bgpd version //p')
if [ "${frr_here%%.*}" -ge 10 ] 2>/dev/null; then
	echo "check: FRR $frr_here here: no Debian 13 leg (this run was on 10)"
elif [ "${VNETRS_DEBIAN13:-1}" != 0 ]; then
	echo "check: the Debian 13 leg (FRR 10.3)"
	bash tools/check-debian13.sh
fi
echo "check: all passed in $(($(date +%s) - start)) s"
