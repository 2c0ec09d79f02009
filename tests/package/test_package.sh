#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Debian packages (tools/package.sh) as a user meets them: installed
# with dpkg; FRR started by /usr/lib/frr/frrinit.sh with "-M vnetrs" in its
# daemons file; the route server configured with "vtysh" and saved with
# "write memory"; an NVA's route in a VM's kernel, programmed by
# vnetrs-agent started as its systemd unit would start it (with the
# package's default file); the route server's metrics from vnetrs-exporter,
# started as its unit would (its default file, an unprivileged user in
# group frrvty); a changed block applied by "frrinit.sh reload"
# with the package's frr-reload.py, with no session reset; a restart
# ("frrinit.sh restart") brings the configuration back through vtysh -b;
# stopped; "dpkg --purge": nothing left.
#
# The machine's own FRR is not touched: the route server runs in a network
# namespace whose mount namespace (made by ip netns exec) sees a copy of
# /etc/frr and a run directory of its own at /etc/frr and /run/frr. What
# dpkg changes (the module, /usr/bin/vtysh diverted, the agent's files) is
# purged on exit, failure included, and compared with the state before.
#
# Usage: tests/package/test_package.sh [DIR]   (DIR: the .debs; default
# build/package). As root.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
pkgdir=${1:-$top/build/package}
P=vnetrspkg # namespace prefix
RS=10.1.0.4 NVA=10.1.1.4 VM=10.1.2.4
DEADLINE=${VNETRS_PKGTEST_DEADLINE:-60}

fail() { echo "test_package: FAILED: $*" >&2; exit 1; }
pass() { echo "test_package: ok: $*"; }
[ "$(id -u)" = 0 ] || fail "run as root"

debs=()
for p in vnetrs vnetrs-agent vnetrs-dev vnetrs-exporter; do
	f=$(ls "$pkgdir"/${p}_*.deb 2>/dev/null | head -n1)
	[ -n "$f" ] || fail "no ${p}_*.deb in $pkgdir: run tools/package.sh"
	debs+=("$f")
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$st" in
	"" | un*) ;;
	*) fail "$p is already on this machine ($st): the test would purge it" ;;
	esac
done

T=$(mktemp -d /tmp/vnetrs-pkgtest.XXXXXX)
chmod 755 "$T" # bgpd and zebra (user frr) use the directories below
mkdir -p "$T/etc" "$T/run" "$T/sdn" "$T/nva"
chown frr:frr "$T/run" "$T/sdn" "$T/nva"

# --- the machine before ------------------------------------------------------
snapshot() {
	dpkg --verify frr frr-pythontools >"$T/$1.verify" 2>&1 || true
	dpkg-divert --list | sort >"$T/$1.divert"
	(cd /etc/frr && find . -type f -print0 | sort -z | xargs -0 md5sum) >"$T/$1.etc"
	md5sum /usr/bin/vtysh >"$T/$1.vtysh"
}
snapshot before

in_rs() { # a command in the route server's namespaces (network and mount)
	local pid
	pid=$(cat "$T/run/zebra.pid" 2>/dev/null) || fail "the route server's zebra is not running"
	nsenter --target "$pid" --mount --net -- "$@"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

cleanup() {
	local status=$? f i
	set +e
	if alive "$T/run/zebra.pid"; then
		in_rs /usr/lib/frr/frrinit.sh stop >/dev/null 2>&1
	fi
	for f in "$T"/run/*.pid "$T"/nva/*.pid "$T/agent.pid" "$T/exporter.pid"; do
		alive "$f" && kill "$(cat "$f")"
	done
	for i in $(seq 50); do
		alive "$T/run/bgpd.pid" || alive "$T/nva/bgpd.pid" || break
		sleep 0.1
	done
	for n in rs nva vm lan; do
		ip netns del "$P-$n" 2>/dev/null
	done
	for p in vnetrs-exporter vnetrs-dev vnetrs-agent vnetrs; do
		case "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" in
		"" | un*) ;;
		*) dpkg --purge "$p" >/dev/null 2>&1 || echo "test_package: could not purge $p" >&2 ;;
		esac
	done
	# A package whose postrm failed to give /usr/bin/vtysh back (the test
	# has failed on it): frr's vtysh is put back all the same.
	if dpkg-divert --list /usr/bin/vtysh | grep -q ' by vnetrs$'; then
		dpkg-divert --package vnetrs --remove --rename \
			--divert /usr/bin/vtysh.frr /usr/bin/vtysh >/dev/null
	fi
	if [ "$status" -eq 0 ]; then
		rm -rf "$T"
	else
		echo "test_package: logs in $T" >&2
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

poll() { # poll WHAT COMMAND...: until COMMAND succeeds, or fail at the deadline
	local what=$1 end=$((SECONDS + DEADLINE))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || fail "$what (not within $DEADLINE s)"
		sleep 0.2
	done
	pass "$what"
}

# --- install --------------------------------------------------------------------
dpkg -i "${debs[@]}" >"$T/dpkg-install.log" 2>&1 ||
	{ cat "$T/dpkg-install.log" >&2; fail "dpkg -i"; }
frr_version=$(dpkg-query -W -f='${Version}' frr)
dpkg-query -W -f='${Depends}' vnetrs | grep -q "frr (= $frr_version)" ||
	fail "vnetrs does not depend on frr (= $frr_version)"
moddir=$(dpkg -L frr | grep '/frr/modules$' | head -n1)
[ -f "$moddir/bgpd_vnetrs.so" ] || fail "no bgpd_vnetrs.so in $moddir"
# The front and the one module proper of this FRR, nothing else of ours.
frr_short=$(/usr/lib/frr/bgpd --version | sed -n 's/^bgpd version //p')
[ -f "$moddir/bgpd_vnetrs-$frr_short.so" ] || fail "no bgpd_vnetrs-$frr_short.so (the module proper) in $moddir"
ours=$(dpkg -L vnetrs | grep "^$moddir/" | sort | tr '\n' ' ')
[ "$ours" = "$moddir/bgpd_vnetrs-$frr_short.so $moddir/bgpd_vnetrs.so " ] ||
	fail "vnetrs's modules are not the front and bgpd_vnetrs-$frr_short.so: $ours"
dpkg-query -W -f='${Description}' vnetrs | grep -qF "This build is for frr $frr_version (FRR $frr_short)" ||
	fail "vnetrs's description does not name frr $frr_version"
# The version names the FRR too, so each series' packages have their own.
pkg_version=$(dpkg-query -W -f='${Version}' vnetrs)
case "$pkg_version" in
*"+frr$frr_short") ;;
*) fail "vnetrs's version $pkg_version does not end in +frr$frr_short" ;;
esac
[ -f /usr/share/yang/vnet-route-server.yang ] || fail "no YANG model in /usr/share/yang"
[ -f /usr/include/vnetrs/sdn.h ] || fail "no <vnetrs/sdn.h>"
[ -x /usr/bin/vnetrs-exporter ] && [ -f /lib/systemd/system/vnetrs-exporter.service ] &&
	[ -f /etc/default/vnetrs-exporter ] || fail "vnetrs-exporter, its unit or its default file is missing"
dpkg-divert --list /usr/bin/vtysh | grep -q "to /usr/bin/vtysh.frr by vnetrs" ||
	fail "/usr/bin/vtysh is not diverted by vnetrs"
[ -x /usr/bin/vtysh.frr ] || fail "frr's vtysh is not at /usr/bin/vtysh.frr"
pass "installed: vnetrs $pkg_version, front and bgpd_vnetrs-$frr_short.so in $moddir, frr (= $frr_version) pinned and named in the description, frr's vtysh diverted to /usr/bin/vtysh.frr"

# --- the lab: a LAN bridge, the route server, an NVA, a VM --------------------
ip netns add "$P-lan"
ip -n "$P-lan" link add br0 type bridge
ip -n "$P-lan" link set br0 up
for n in rs nva vm; do
	ip netns add "$P-$n"
	ip -n "$P-$n" link set lo up
	ip link add "$P-$n" type veth peer name eth0 netns "$P-$n"
	ip link set "$P-$n" netns "$P-lan"
	ip -n "$P-lan" link set "$P-$n" master br0 up
done
ip -n "$P-rs" addr add $RS/16 dev eth0
ip -n "$P-nva" addr add $NVA/16 dev eth0
ip -n "$P-vm" addr add $VM/16 dev eth0
for n in rs nva vm; do ip -n "$P-$n" link set eth0 up; done

# The NVA: FRR's zebra and bgpd, announcing 10.250.0.0/16.
cat >"$T/nva/bgpd.conf" <<EOF
router bgp 65001
 bgp router-id $NVA
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor $RS remote-as 65515
 neighbor $RS ebgp-multihop 255
 neighbor $RS timers connect 2
 address-family ipv4 unicast
  network 10.250.0.0/16
 exit-address-family
EOF
: >"$T/nva/zebra.conf"
chown frr:frr "$T"/nva/*.conf
for d in zebra bgpd; do
	ip netns exec "$P-nva" /usr/lib/frr/$d -d -f "$T/nva/$d.conf" \
		-i "$T/nva/$d.pid" -z "$T/nva/zserv.api" --vty_socket "$T/nva" \
		--log "file:$T/nva/$d.log"
done

# The route server: the system's FRR start script, with the module in the
# daemons file, on a copy of /etc/frr.
cp -a /etc/frr/. "$T/etc/"
sed -i -e 's/^bgpd=.*/bgpd=yes/' \
	-e 's/^bgpd_options="\(.*\)"/bgpd_options="\1 -M vnetrs"/' "$T/etc/daemons"
grep -q '^bgpd_options=".*-M vnetrs"' "$T/etc/daemons" || fail "could not edit the daemons file"
printf 'frr defaults traditional\nhostname rs\nlog file %s/run/frr.log\n!\n' "$T" >"$T/etc/frr.conf"
chown frr:frr "$T/etc/frr.conf"
ip netns exec "$P-rs" sh -c '
	mount --bind "$1/etc" /etc/frr && mount --bind "$1/run" /run/frr &&
	exec /usr/lib/frr/frrinit.sh start' sh "$T" >"$T/frrinit-start.log" 2>&1 ||
	{ cat "$T/frrinit-start.log" >&2; fail "frrinit.sh start"; }
poll "frrinit.sh started zebra and bgpd with -M vnetrs" \
	sh -c 'in_bgpd=$(cat /proc/$(cat "$1/run/bgpd.pid")/cmdline | tr "\0" " "); case "$in_bgpd" in *"-M vnetrs"*) ;; *) exit 1;; esac' sh "$T"

# The front loaded the module proper of this FRR: "show modules" says so.
mods=$(in_rs vtysh -c 'show modules')
grep -qE "^bgpd_vnetrs +[^ ]+ +VNet route server, built for FRR $frr_short \(front of bgpd_vnetrs-$frr_short\.so\)\$" <<<"$mods" &&
	grep -qxF "	from: $moddir/bgpd_vnetrs.so" <<<"$mods" ||
	fail "show modules does not show the front built for FRR $frr_short: $mods"
grep -qF " $moddir/bgpd_vnetrs-$frr_short.so" "/proc/$(cat "$T/run/bgpd.pid")/maps" ||
	fail "bgpd did not map $moddir/bgpd_vnetrs-$frr_short.so"
pass "show modules: $(grep '^bgpd_vnetrs' <<<"$mods")"

# --- configured with vtysh, saved ----------------------------------------------
in_rs vtysh -c 'configure terminal' -c 'router bgp 65515' \
	-c "bgp router-id $RS" -c 'vnet-route-server' \
	-c 'address-space 10.1.0.0/16' \
	-c "peer $NVA remote-as 65001 description NVA" \
	-c "sdn listen unix $T/sdn/sdn.sock" -c 'end' -c 'write memory' \
	>"$T/vtysh-config.log" 2>&1 || { cat "$T/vtysh-config.log" >&2; fail "vtysh configuration"; }
grep -q "^ vnet-route-server" "$T/etc/frr.conf" && grep -q "peer $NVA remote-as 65001" "$T/etc/frr.conf" ||
	fail "write memory did not save the vnet-route-server block in frr.conf"
pass "configured with vtysh and saved in frr.conf"

rs_has_route() {
	in_rs vtysh -c 'show bgp vnet-route-server effective-routes json' |
		/usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["routes"]["10.250.0.0/16"]; sys.exit(r["next-hops"]!=[sys.argv[1]])' "$NVA"
}
poll "the route server's effective routes hold the NVA's 10.250.0.0/16" rs_has_route

# --- the VM: vnetrs-agent as the unit starts it, options from the default file --
sed -i "s|^VNETRS_AGENT_OPTIONS=.*|VNETRS_AGENT_OPTIONS=\"--connect $T/sdn/sdn.sock\"|" /etc/default/vnetrs-agent
execstart=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/vnetrs-agent.service)
[ -n "$execstart" ] || fail "no ExecStart in vnetrs-agent.service"
ip netns exec "$P-vm" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c \
	'. /etc/default/vnetrs-agent; exec '"$execstart" >"$T/agent.log" 2>&1 &
echo $! >"$T/agent.pid"
vm_has_route() { ip -n "$P-vm" route show 10.250.0.0/16 proto 245 | grep -q "via $NVA dev eth0"; }
poll "the VM's kernel routes 10.250.0.0/16 via the NVA (vnetrs-agent)" vm_has_route

# --- the route server's metrics: vnetrs-exporter as its unit starts it ----------
execstart=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/vnetrs-exporter.service)
[ -n "$execstart" ] || fail "no ExecStart in vnetrs-exporter.service"
grep -q '^SupplementaryGroups=frrvty$' /lib/systemd/system/vnetrs-exporter.service ||
	fail "vnetrs-exporter.service does not run in group frrvty"
# The unit's DynamicUser: a user of no group but frrvty. nsenter, setpriv,
# env and sh each exec the next, so $! is the exporter's pid (in_rs, a
# function, would be a subshell of its own).
nsenter --target "$(cat "$T/run/zebra.pid")" --mount --net -- \
	setpriv --reuid=nobody --regid=nogroup --groups=frrvty \
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c \
	'. /etc/default/vnetrs-exporter; exec '"$execstart" >"$T/exporter.log" 2>&1 &
echo $! >"$T/exporter.pid"
metrics() { # the exporter's GET /metrics, in the route server's namespace
	in_rs /usr/bin/python3 -c 'import urllib.request as u; print(u.urlopen("http://127.0.0.1:9343/metrics", timeout=5).read().decode())'
}
exporter_has_nva() {
	metrics >"$T/metrics.txt" &&
		grep -qx 'vnetrs_up 1' "$T/metrics.txt" &&
		grep -qx "vnetrs_peer_up{vrf=\"default\",peer=\"$NVA\",role=\"nva\"} 1" "$T/metrics.txt" &&
		grep -qx "vnetrs_peer_routes_learned{vrf=\"default\",peer=\"$NVA\",afi=\"ipv4\"} 1" "$T/metrics.txt"
}
poll "vnetrs-exporter (unprivileged, group frrvty) serves the NVA's session up and its route learned" exporter_has_nva
kill "$(cat "$T/exporter.pid")"
exporter_gone() { ! pgrep -f '^/usr/bin/python3 /usr/bin/vnetrs-exporter' >/dev/null; }
poll "vnetrs-exporter stopped by SIGTERM" exporter_gone

# --- frrinit.sh reload (systemctl reload frr) with the package's frr-reload.py ----
sessions() {
	in_rs vtysh -c "show bgp neighbors $NVA json" |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]]["connectionsEstablished"])' "$NVA"
}
before=$(sessions)
echo 'RELOAD_SCRIPT=/usr/lib/vnetrs/frr-reload.py' >>"$T/etc/daemons"
sed -i 's|^  address-space 10.1.0.0/16$|&\n  address-space 10.2.0.0/16 peered|' "$T/etc/frr.conf"
grep -q '^  address-space 10.2.0.0/16 peered$' "$T/etc/frr.conf" || fail "could not edit frr.conf"
in_rs /usr/lib/frr/frrinit.sh reload >"$T/frrinit-reload.log" 2>&1 ||
	{ cat "$T/frrinit-reload.log" >&2; fail "frrinit.sh reload"; }
reloaded() { in_rs vtysh -c 'show running-config' | grep -q '^  address-space 10.2.0.0/16 peered$'; }
poll "frrinit.sh reload applied the block's new address space" reloaded
[ "$(sessions)" = "$before" ] || fail "the NVA's session was reset by the reload ($before, then $(sessions))"
pass "no session reset by the reload ($before session(s))"

# --- restart: the saved configuration comes back through vtysh -b ----------------
old_bgpd=$(cat "$T/run/bgpd.pid")
in_rs /usr/lib/frr/frrinit.sh restart >"$T/frrinit-restart.log" 2>&1 ||
	{ cat "$T/frrinit-restart.log" >&2; fail "frrinit.sh restart"; }
new_bgpd() { alive "$T/run/bgpd.pid" && [ "$(cat "$T/run/bgpd.pid")" != "$old_bgpd" ]; }
poll "frrinit.sh restart started a new bgpd" new_bgpd
poll "after the restart, the saved configuration brings the NVA's route back" rs_has_route

# --- stop, purge, nothing left ----------------------------------------------------
in_rs /usr/lib/frr/frrinit.sh stop >"$T/frrinit-stop.log" 2>&1 ||
	{ cat "$T/frrinit-stop.log" >&2; fail "frrinit.sh stop"; }
stopped() { ! alive "$T/run/bgpd.pid" && ! alive "$T/run/zebra.pid" && ! alive "$T/run/watchfrr.pid"; }
poll "frrinit.sh stop stopped watchfrr, zebra and bgpd" stopped
kill "$(cat "$T/agent.pid")"
files=$(for d in "${debs[@]}"; do dpkg-deb -c "$d"; done | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}')
dpkg --purge vnetrs-exporter vnetrs-dev vnetrs-agent vnetrs >"$T/dpkg-purge.log" 2>&1 ||
	{ cat "$T/dpkg-purge.log" >&2; fail "dpkg --purge"; }
for p in vnetrs vnetrs-agent vnetrs-dev vnetrs-exporter; do
	case "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" in
	"" | un*) ;;
	*) fail "$p still known to dpkg after the purge" ;;
	esac
done
# /usr/bin/vtysh is frr's again (compared below with the one before).
left=$(for f in $files; do [ "$f" != /usr/bin/vtysh ] && [ -e "$f" ] && echo "$f"; done; true)
[ -z "$left" ] || fail "left after the purge: $left"
[ ! -e /usr/bin/vtysh.frr ] || fail "/usr/bin/vtysh.frr left after the purge"
for d in /usr/lib/vnetrs /usr/include/vnetrs /usr/share/doc/vnetrs /usr/share/doc/vnetrs-agent /usr/share/doc/vnetrs-dev /usr/share/doc/vnetrs-exporter; do
	[ ! -e "$d" ] || fail "$d left after the purge"
done
snapshot after
for s in verify divert etc vtysh; do
	cmp -s "$T/before.$s" "$T/after.$s" ||
		fail "the machine's FRR changed ($s): $(diff "$T/before.$s" "$T/after.$s" | head -5)"
done
pass "purged: no file of the packages, no diversion left; frr's files, /etc/frr as before"
echo "test_package: passed"
