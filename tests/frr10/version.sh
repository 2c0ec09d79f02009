#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The module refuses a bgpd of another FRR version before touching it:
# tests/frr10/bgpd_vnetrs_vercheck.so (the module built claiming FRR 1.0,
# see Makefile.am) is loaded into the installed bgpd, which must exit
# non-zero, after one log line naming both versions. Runs on either
# series (Debian 12's 8.4.4, Debian 13's 10.3), from a built tree.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
mod=$top/tests/frr10/.libs/bgpd_vnetrs_vercheck.so
ns=vnetrs-vercheck
run=/run/vnetrs-vercheck
die() { echo "version-check: FAILED: $*" >&2; exit 1; }
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT

[ -f "$mod" ] || die "$mod not built (make)"
running=$(/usr/lib/frr/bgpd --version | sed -n 's/^bgpd version //p')
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
rm -rf "$run"
mkdir -p "$run"
chown frr:frr "$run"
printf 'hostname rs\n' >"$run/bgpd.conf"
rc=0
ip netns exec "$ns" timeout 20 /usr/lib/frr/bgpd -Z -u frr -g frr \
	--vty_socket "$run" -i "$run/bgpd.pid" -f "$run/bgpd.conf" -M "$mod" \
	>"$run/out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] ||
	die "bgpd ran with the mismatched module (exit $rc): $(cat "$run/out")"
line=$(grep 'vnetrs: built for FRR 1.0 but this bgpd is FRR' "$run/out") ||
	die "no refusal line: $(cat "$run/out")"
[ "$(grep -c 'vnetrs: ' "$run/out")" = 1 ] ||
	die "more than one vnetrs line: $(cat "$run/out")"
grep -qF "FRR $running:" <<<"$line" ||
	die "the line does not name bgpd's version $running: $line"
echo "version-check: bgpd $running exited $rc: $line"
echo "version-check: passed"
