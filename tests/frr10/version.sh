#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The module never runs in a bgpd of another FRR version, and says so in
# one line naming both versions; with its own version it loads and works.
# Runs on either series (Debian 12's 8.4.4, Debian 13's 10.3), from a
# built tree, with the installed bgpd. Each refused case asserts bgpd's
# exit status 1 (as for a missing module) and exactly one "vnetrs: " line,
# compared whole:
#
#   patch     tests/frr10/.libs/bgpd_vnetrs_vercheck.so, the front built
#             claiming another patch release of this series (Makefile.am)
#   missing   the front alone in a directory, its module proper absent:
#             the line also names the file it looked for
#   cross     with --cross FRONT VERSION (repeatable): the front of another
#             build, e.g. the other series', which claims VERSION
#   match     frr-plugin/.libs/bgpd_vnetrs.so by "-M vnetrs", as bgpd loads
#             it from FRR's module directory: it loads the module proper
#             beside it; "show modules" names the FRR it was built for;
#             the module's command answers
#
# Usage: tests/frr10/version.sh [--only-cross] [--cross FRONT VERSION]...
#   --only-cross: just the cross cases (no build of this tree needed)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
ns=vnetrs-vercheck
run=/run/vnetrs-vercheck
die() { echo "version-check: FAILED: $*" >&2; exit 1; }

only_cross=0
cross=()
while [ $# -gt 0 ]; do
	case "$1" in
	--only-cross) only_cross=1; shift ;;
	--cross)
		[ $# -ge 3 ] || die "--cross needs FRONT VERSION"
		[ -f "$2" ] || die "--cross: no $2 (build that tree first)"
		cross+=("$2" "$3")
		shift 3
		;;
	*) die "unknown argument $1" ;;
	esac
done

cleanup() {
	[ -f "$run/bgpd.pid" ] && kill "$(cat "$run/bgpd.pid")" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

running=$(/usr/lib/frr/bgpd --version | sed -n 's/^bgpd version //p')
[ -n "$running" ] || die "cannot tell the installed bgpd's version"
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
rm -rf "$run"
mkdir -p "$run"
chown frr:frr "$run"
printf 'hostname rs\n' >"$run/bgpd.conf"

# refused NAME WANT BGPD-ARGS...: bgpd exits 1, its output has exactly one
# "vnetrs: " line and that line is WANT (after the log's time and "BGP: ").
refused() {
	local name=$1 want=$2 rc=0 lines
	shift 2
	ip netns exec "$ns" timeout 20 /usr/lib/frr/bgpd -Z -u frr -g frr \
		--vty_socket "$run" -i "$run/bgpd.pid" -f "$run/bgpd.conf" "$@" \
		>"$run/$name.out" 2>&1 || rc=$?
	[ "$rc" = 1 ] ||
		die "$name: bgpd exited $rc, not 1: $(cat "$run/$name.out")"
	lines=$(grep 'vnetrs: ' "$run/$name.out" | sed 's/^.* BGP: //') || true
	[ "$(grep -c 'vnetrs: ' "$run/$name.out")" = 1 ] ||
		die "$name: not one vnetrs line: $(cat "$run/$name.out")"
	[ "$lines" = "$want" ] ||
		die "$name: the line is
  $lines
not
  $want"
	echo "version-check: $name: bgpd $running exited 1: $lines"
}

refusal() { # BUILT-FOR: the mismatch line
	echo "vnetrs: built for FRR $1 but this bgpd is FRR $running: not loading; install the vnetrs build for FRR $running"
}

if [ "$only_cross" = 0 ]; then
	vercheck=$top/tests/frr10/.libs/bgpd_vnetrs_vercheck.so
	other=$(sed -n 's/^FRR_OTHER_PATCH = //p' "$top/Makefile")
	[ -f "$vercheck" ] && [ -n "$other" ] || die "$vercheck not built (make)"
	[ "$other" != "$running" ] || die "the test build claims this bgpd's version"
	refused patch "$(refusal "$other")" -M "$vercheck"

	# The front alone: its module proper is not beside it.
	alone=$run/alone
	mkdir -p "$alone"
	cp "$top/frr-plugin/.libs/bgpd_vnetrs.so" "$alone/"
	refused missing "vnetrs: built for FRR $running and this bgpd is FRR $running, but $alone/bgpd_vnetrs-$running.so cannot be loaded (cannot open shared object file: No such file or directory): not loading; install the vnetrs build for FRR $running" \
		--moduledir "$alone" -M vnetrs
fi

set -- "${cross[@]}"
while [ $# -gt 0 ]; do
	[ "$2" != "$running" ] || die "cross: $1 claims this bgpd's own version $2"
	refused "cross-$2" "$(refusal "$2")" -M "$1"
	shift 2
done

[ "$only_cross" = 0 ] || { echo "version-check: passed"; exit 0; }

# The matching build, as "bgpd -M vnetrs" loads it from a module directory.
moddir=$top/frr-plugin/.libs
touch "$run/vtysh.conf"
ip netns exec "$ns" /usr/lib/frr/bgpd -d -Z -u frr -g frr \
	--vty_socket "$run" -i "$run/bgpd.pid" -f "$run/bgpd.conf" \
	--moduledir "$moddir" -M vnetrs --log file:"$run/bgpd.log" ||
	die "match: bgpd did not start: $(tail -5 "$run/bgpd.log" 2>/dev/null)"
for _ in $(seq 50); do
	[ -S "$run/bgpd.vty" ] && break
	sleep 0.1
done
[ -S "$run/bgpd.vty" ] || die "match: bgpd's vty socket did not appear"
vtysh=("$top/vtysh/vtysh" --vty_socket "$run")
grep -qF "vnetrs 0.1.0 loaded (built against FRR $running)" "$run/bgpd.log" ||
	die "match: no load line naming FRR $running: $(cat "$run/bgpd.log")"
# The maps name the file a link leads to (the build tree links the name).
proper=$(readlink -f "$moddir/bgpd_vnetrs-$running.so")
grep -qF " $proper" "/proc/$(cat "$run/bgpd.pid")/maps" ||
	die "match: bgpd did not map the module proper bgpd_vnetrs-$running.so"
mods=$("${vtysh[@]}" -c 'show modules')
grep -qE "^bgpd_vnetrs +[^ ]+ +VNet route server, built for FRR $running \(front of bgpd_vnetrs-$running\.so\)\$" <<<"$mods" ||
	die "match: show modules lacks the module's line: $mods"
grep -qxF "	from: $moddir/bgpd_vnetrs.so" <<<"$mods" ||
	die "match: show modules does not say where from: $mods"
"${vtysh[@]}" -c 'show bgp vnet-route-server json' | python3 -m json.tool >/dev/null ||
	die "match: show bgp vnet-route-server json"
echo "version-check: match: bgpd $running runs the module: $(grep '^bgpd_vnetrs' <<<"$mods")"
echo "version-check: passed"
