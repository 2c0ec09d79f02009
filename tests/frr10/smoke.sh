#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# FRR 10.3 smoke test, run inside the Debian 13 root from the 10.3 build
# (tools/build-debian13.sh bash tests/frr10/smoke.sh): bgpd with the module
# in a network namespace, the seed scenario's route-server configuration
# through our vtysh, read back from "show running-config", then "vtysh -b"
# from the integrated file after a restart. Not a topotest: the first
# proof that the 10.3 build loads and configures, before the topotests run.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
ns=vnetrs-smoke10
run=/run/vnetrs-smoke10
vtysh=("$top/vtysh/vtysh" --vty_socket "$run")

die() { echo "smoke10: FAILED: $*" >&2; exit 1; }

cleanup() {
	[ -f "$run/bgpd.pid" ] && kill "$(cat "$run/bgpd.pid")" 2>/dev/null || true
	sleep 0.5
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

start_bgpd() {
	ip netns exec "$ns" /usr/lib/frr/bgpd -d -Z -u frr -g frr \
		--vty_socket "$run" -i "$run/bgpd.pid" -f "$1" \
		-M "$top/frr-plugin/.libs/bgpd_vnetrs.so" \
		--log file:"$run/bgpd.log" --log-level debug ||
		die "bgpd did not start: $(tail -5 "$run/bgpd.log" 2>/dev/null)"
	for _ in $(seq 50); do
		[ -S "$run/bgpd.vty" ] && return 0
		sleep 0.1
	done
	die "bgpd's vty socket did not appear"
}

ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip addr add 10.1.0.4/24 dev lo
rm -rf "$run"
mkdir -p "$run"
chown frr:frr "$run"
touch "$run/vtysh.conf"
printf 'hostname rs\nrouter bgp 65515\n bgp router-id 10.1.0.4\nexit\n' \
	>"$run/bgpd.conf"
start_bgpd "$run/bgpd.conf"
grep -q 'vnetrs .* loaded' "$run/bgpd.log" || die "no load line in bgpd.log"
grep 'vnetrs .* loaded' "$run/bgpd.log" | sed 's/^/smoke10: /'

# The seed scenario's route server, as test_vnetrs_foundation configures it.
"${vtysh[@]}" -c 'conf t' -c 'router bgp 65515' -c 'vnet-route-server' \
	-c 'address-space 10.1.0.0/16' -c 'address-space 10.2.0.0/16 peered' \
	-c 'address-space 2001:db8:1::/48' \
	-c 'peer 10.1.0.10 remote-as 65001 description SD-WAN NVA' ||
	die "vtysh configuration"
conf=$("${vtysh[@]}" -c 'show running-config')
want=' vnet-route-server
  address-space 10.1.0.0/16
  address-space 10.2.0.0/16 peered
  address-space 2001:db8:1::/48
  peer 10.1.0.10 remote-as 65001 description SD-WAN NVA
 exit'
grep -qF -- "$want" <<<"$conf" || {
	echo "$conf" >&2
	die "running-config lacks the route server block"
}
echo "smoke10: vtysh configured the seed route server; running-config has it"
"${vtysh[@]}" -c 'show bgp vnet-route-server json' | python3 -m json.tool >/dev/null ||
	die "show bgp vnet-route-server json"
"${vtysh[@]}" -c 'show bgp neighbors 10.1.0.10 json' | grep -q '"remoteAs":65001' ||
	die "the NVA peer was not created in bgpd"
echo "smoke10: show ... json answers; bgpd has the NVA neighbor"

# A bad line is refused, with an error, and changes nothing.
if "${vtysh[@]}" -c 'conf t' -c 'router bgp 65515' -c 'vnet-route-server' \
	-c 'address-space 10.1.0.0/33' >"$run/bad.out" 2>&1; then
	die "a /33 address space was accepted"
fi
echo "smoke10: a bad address space is refused: $(grep -m1 . "$run/bad.out")"

# vtysh -b: the integrated file read back into a fresh bgpd.
printf 'hostname rs\nrouter bgp 65515\n bgp router-id 10.1.0.4\n%s\nexit\n' \
	"$want" >"$run/frr.conf"
kill "$(cat "$run/bgpd.pid")"
sleep 1
printf 'hostname rs\n' >"$run/bgpd.conf"
start_bgpd "$run/bgpd.conf"
"${vtysh[@]}" --config_dir "$run" -b >"$run/boot.out" 2>&1 ||
	die "vtysh -b: $(cat "$run/boot.out")"
conf2=$("${vtysh[@]}" -c 'show running-config')
grep -qF -- "$want" <<<"$conf2" || {
	echo "$conf2" >&2
	die "vtysh -b did not restore the route server block"
}
echo "smoke10: vtysh -b restored the route server after a restart"
echo "smoke10: passed"
