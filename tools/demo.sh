#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vnetrs demo lab: the seed scenario of Azure Route Server, in network
# namespaces on this machine, left running for you to explore.
#
#   tools/demo.sh [start]          build what is missing, (re)start the lab
#   tools/demo.sh [start] --ovn    the same, plus a second VM behind OVN
#   tools/demo.sh ovn-nbctl ARGS   ovn-nbctl on the --ovn lab's NB database
#   tools/demo.sh ovn-trace ARGS   ovn-trace on the --ovn lab's SB database
#   tools/demo.sh status           the route server's state
#   tools/demo.sh vtysh NODE [ARGS] vtysh of a node (rs1, rs2, sdwan, firewall)
#   tools/demo.sh measure N        time N routes from an NVA to the VM's kernel
#   tools/demo.sh agent            the agent's --status on the hypervisor
#   tools/demo.sh shell NODE       a shell inside a node's namespace
#   tools/demo.sh stop             stop the lab, remove its namespaces
#
# The lab: VNet 10.1.0.0/16, one L2 segment (a bridge in namespace
# vnetrs-vnet). rs1 and rs2 are the two instances of the route server, bgpd
# + vnetrs (AS 65515) at 10.1.0.4 and 10.1.0.5. Two NVAs peer with both
# over multihop eBGP: an SD-WAN appliance (AS 65001, 10.1.1.4) in front of
# on-premises 10.250.0.0/16, and a firewall (AS 65002, 10.1.1.5) announcing
# the default route. Each route server learns both, programs them into its
# effective routes, and advertises 10.1.0.0/16 back.
#
# The VM (10.1.2.4) lives on hv1, a hypervisor that shares no file with the
# route servers: its namespace's kernel is the VM's, and vnetrs-agent there
# follows both instances over TLS across a fabric network (10.9.0.0/24, a
# second bridge, in namespace vnetrs-fabric), as it would between machines:
# rs1 and rs2 listen with `sdn listen tls` on their fabric addresses
# 10.9.0.1 and 10.9.0.2, port 7179. The certificates are made at each start
# with the openssl CLI, in /run/vnetrs-demo/pki: a CA, one per route server (its fabric
# address as IP subjectAltName, which the agent checks) and one for hv1
# (the route servers require a client certificate from the CA). The NVAs
# hold a stand-in of what is behind them, so the VM can ping through them:
# an on-premises host 10.250.0.1 on the SD-WAN NVA, an Internet host
# 203.0.113.1 on the firewall.
#
# With --ovn, the VNet also has an OVN data plane (Debian's OVN and OVS,
# started in namespace vnetrs-ovn, files in $lab/ovn; the userspace
# datapath, as this kernel may have no openvswitch module): a logical
# router "vnet" with a port on the VNet segment (10.1.0.1, through a
# logical switch whose uplink port is a veth into the VNet's bridge) and
# a logical switch 10.1.3.0/24 with vm2 (10.1.3.4). A second vnetrs-agent,
# in vnetrs-ovn (the OVN central node), follows both route servers over TLS
# (certificate "ovn") and keeps the router's static routes
# (docs/ovn.md); the NVAs reach 10.1.3.0/24 through 10.1.0.1.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# The lab's files are outside the checkout: bgpd and zebra run as frr and
# write their pid files and sockets there and read the certificates, which
# a checkout in a private directory (under /root, mktemp -d) would forbid.
lab=${VNETRS_DEMO_DIR:-/run/vnetrs-demo}
FRR=/usr/lib/frr
NODES=(rs1 rs2 sdwan firewall)
ROUTE_SERVERS=(rs1 rs2)
HV=hv1

# Addresses on the VNet (eth0) and on the fabric (eth1).
declare -A ADDR=([rs1]=10.1.0.4 [rs2]=10.1.0.5 [sdwan]=10.1.1.4 [firewall]=10.1.1.5
	[hv1]=10.1.2.4)
declare -A FABRIC=([rs1]=10.9.0.1 [rs2]=10.9.0.2 [hv1]=10.9.0.11)
# What the NVAs announce, and a host of it on each for the VM's pings.
declare -A BEHIND=([sdwan]=10.250.0.1 [firewall]=203.0.113.1)
AGENT_PROTO=245
# --ovn: the OVN node's fabric address, the router's port on the VNet, vm2.
OVN_FABRIC=10.9.0.12
OVN_UPLINK=10.1.0.1
OVN_SUBNET=10.1.3.0/24
OVN_VM=10.1.3.4

ns() { echo "vnetrs-$1"; }
die() { echo "demo: $*" >&2; exit 1; }

node_vtysh() {
	local node=$1
	shift
	ip netns exec "$(ns "$node")" "$top/vtysh/vtysh" \
		--vty_socket "$lab/$node" "$@"
}

stop_lab() {
	local node pid
	for node in "${NODES[@]}"; do
		for pidf in "$lab/$node"/*.pid; do
			[ -f "$pidf" ] || continue
			pid=$(cat "$pidf")
			kill "$pid" 2>/dev/null || true
		done
	done
	sleep 0.5
	if [ -f "$lab/$HV/agent.pid" ]; then
		kill "$(cat "$lab/$HV/agent.pid")" 2>/dev/null || true
	fi
	stop_ovn
	# vm: the namespace of the VM before it moved to a hypervisor, in a lab
	# an earlier version of this script left running.
	for node in "${NODES[@]}" "$HV" vnet fabric vm; do
		ip netns pids "$(ns "$node")" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$(ns "$node")" 2>/dev/null || true
	done
}

write_configs() {
	local d
	for node in "${NODES[@]}"; do
		d="$lab/$node"
		mkdir -p "$d"
		cat >"$d/zebra.conf" <<-ZEOF
			hostname $node
		ZEOF
	done

	local rs
	for rs in "${ROUTE_SERVERS[@]}"; do
		cat >"$lab/$rs/bgpd.conf" <<-BEOF
			hostname $rs
			router bgp 65515
			 bgp router-id ${ADDR[$rs]}
			 vnet-route-server
			  address-space 10.1.0.0/16
			  peer 10.1.1.4 remote-as 65001 description SD-WAN NVA
			  peer 10.1.1.5 remote-as 65002 description firewall NVA
			  sdn listen tls ${FABRIC[$rs]} certificate $lab/pki/$rs.crt key $lab/pki/$rs.key ca $lab/pki/ca.crt
			 exit
			exit
		BEOF
	done

	# Both NVAs peer with both route-server instances.
	local nva as net
	for nva in sdwan firewall; do
		if [ "$nva" = sdwan ]; then
			as=65001 net=10.250.0.0/16
		else
			as=65002 net=0.0.0.0/0
		fi
		{
			echo "hostname $nva"
			echo "router bgp $as"
			echo " bgp router-id ${ADDR[$nva]}"
			echo " no bgp ebgp-requires-policy"
			# Behind the NVAs is one host address each, not the
			# networks they announce: no route for them in their RIB.
			echo " no bgp network import-check"
			for rs in "${ROUTE_SERVERS[@]}"; do
				echo " neighbor ${ADDR[$rs]} remote-as 65515"
				echo " neighbor ${ADDR[$rs]} ebgp-multihop 255"
				echo " neighbor ${ADDR[$rs]} timers connect 5"
			done
			echo " address-family ipv4 unicast"
			echo "  network $net"
			echo " exit-address-family"
			echo "exit"
		} >"$lab/$nva/bgpd.conf"
	done
	chown -R frr:frr "$lab"
}

# openssl with its output kept for when it fails.
ossl() {
	local out
	out=$(openssl "$@" 2>&1) || { echo "$out" >&2; die "openssl $1 failed"; }
}

# A key (EC P-256: made in milliseconds) and a certificate signed by the
# demo's CA: cert NAME EXTENSIONS...
cert() {
	local name=$1 d="$lab/pki"
	shift
	printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
		"$@" >"$d/$name.ext"
	ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/$name.key" -out "$d/$name.csr" -subj "/O=vnetrs demo/CN=$name"
	ossl x509 -req -in "$d/$name.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -days 30 -extfile "$d/$name.ext" -out "$d/$name.crt"
	rm -f "$d/$name.csr" "$d/$name.ext"
}

# The lab's PKI, new at each start (it takes a fraction of a second, and
# a lab left for a month never meets an expired certificate on restart).
make_pki() {
	local d="$lab/pki" rs
	rm -rf "$d"
	mkdir -p "$d"
	ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.crt" -subj "/O=vnetrs demo/CN=vnetrs demo CA" \
		-days 30 -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign"
	# A route server's certificate holds the address the agents connect
	# to: the agent checks a tls://ADDRESS against the IP SANs.
	for rs in "${ROUTE_SERVERS[@]}"; do
		cert "$rs" "subjectAltName=IP:${FABRIC[$rs]},DNS:$rs" \
			"extendedKeyUsage=serverAuth"
	done
	cert "$HV" "extendedKeyUsage=clientAuth"
	[ "$with_ovn" = 0 ] || cert ovn "extendedKeyUsage=clientAuth"
	rm -f "$d/ca.srl"
	# bgpd runs as frr and reads its certificate and key; the CA's key
	# and the hypervisor's stay root's.
	chmod 755 "$d"
	chmod 644 "$d"/*.crt
	chmod 600 "$d"/*.key
	for rs in "${ROUTE_SERVERS[@]}"; do
		chown frr:frr "$d/$rs.key"
	done
}

# A veth from a node's namespace (as DEV) to the bridge of SEGMENT's:
# plug NODE SEGMENT DEV ADDRESS/LEN
plug() {
	local node=$1 seg=$2 dev=$3 addr=$4
	ip link add "vnetrs-$node" netns "$(ns "$seg")" type veth \
		peer name "$dev" netns "$(ns "$node")"
	ip -n "$(ns "$seg")" link set "vnetrs-$node" master br0 up
	ip -n "$(ns "$node")" addr add "$addr" dev "$dev"
	ip -n "$(ns "$node")" link set "$dev" up
}

# Whether every route server has both NVAs' routes in its effective routes
# and the hypervisor as a live TLS consumer, and the VM's kernel has both
# routes from the agent through their NVA.
lab_ready() {
	local rs eff sdn
	for rs in "${ROUTE_SERVERS[@]}"; do
		eff=$(node_vtysh "$rs" -c 'show bgp vnet-route-server effective-routes json')
		grep -q '"10.250.0.0/16"' <<<"$eff" && grep -q '"0.0.0.0/0"' <<<"$eff" || return 1
		sdn=$(node_vtysh "$rs" -c 'show bgp vnet-route-server sdn')
		grep -q "demo-$HV .*live" <<<"$sdn" || return 1
	done
	local routes
	routes=$(ip -n "$(ns "$HV")" route show proto $AGENT_PROTO)
	grep -q "^10.250.0.0/16 via ${ADDR[sdwan]} " <<<"$routes" &&
		grep -q "^default via ${ADDR[firewall]} " <<<"$routes"
}

# --- --ovn: a second VM behind an OVN logical router -----------------------

ovn_env() {
	local d="$lab/ovn"
	echo OVS_RUNDIR="$d/run" OVS_LOGDIR="$d/log" OVS_DBDIR="$d/db" \
		OVN_RUNDIR="$d/run" OVN_LOGDIR="$d/log" OVN_DBDIR="$d/db"
}

# A command in the OVN node's namespace, with the lab's OVS/OVN dirs.
in_ovn() {
	# shellcheck disable=SC2046
	ip netns exec "$(ns ovn)" env $(ovn_env) "$@"
}

ovn_nbctl() { in_ovn ovn-nbctl --db="unix:$lab/ovn/run/nb.sock" "$@"; }
ovn_vsctl() { in_ovn ovs-vsctl --db="unix:$lab/ovn/run/conf.sock" "$@"; }

stop_ovn() {
	local d="$lab/ovn" pidf
	[ -d "$d/run" ] || return 0
	if [ -f "$d/run/agent.pid" ]; then
		kill "$(cat "$d/run/agent.pid")" 2>/dev/null || true
	fi
	for pidf in ovn-controller ovn-northd ovs-vswitchd ovsdb-sb ovsdb-nb ovsdb-conf; do
		[ -f "$d/run/$pidf.pid" ] || continue
		kill "$(cat "$d/run/$pidf.pid")" 2>/dev/null || true
	done
	local node
	for node in ovn vm2; do
		ip netns pids "$(ns "$node")" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$(ns "$node")" 2>/dev/null || true
	done
	rm -rf "$d/run"
}

start_ovn() {
	local d="$lab/ovn" name db
	rm -rf "$d"
	mkdir -p "$d/run" "$d/log" "$d/db"
	ip netns add "$(ns ovn)"
	ip -n "$(ns ovn)" link set lo up
	plug ovn fabric eth1 "$OVN_FABRIC/24"
	for db in conf:/usr/share/openvswitch/vswitch.ovsschema \
		nb:/usr/share/ovn/ovn-nb.ovsschema sb:/usr/share/ovn/ovn-sb.ovsschema; do
		name=${db%%:*}
		ovsdb-tool create "$d/db/$name.db" "${db#*:}"
		in_ovn ovsdb-server "$d/db/$name.db" --remote="punix:$d/run/$name.sock" \
			--unixctl="$d/run/ovsdb-$name.ctl" --pidfile="$d/run/ovsdb-$name.pid" \
			--detach --log-file="$d/log/ovsdb-$name.log"
	done
	ovn_vsctl --no-wait init
	ovn_vsctl --no-wait set Open_vSwitch . external_ids:system-id=demo-ovn \
		external_ids:ovn-remote="unix:$d/run/sb.sock" \
		external_ids:ovn-encap-type=geneve external_ids:ovn-encap-ip=127.0.0.1 \
		other_config:n-handler-threads=1 other_config:n-revalidator-threads=1
	in_ovn ovn-northd --ovnnb-db="unix:$d/run/nb.sock" --ovnsb-db="unix:$d/run/sb.sock" \
		--unixctl="$d/run/ovn-northd.ctl" --pidfile="$d/run/ovn-northd.pid" \
		--detach --log-file="$d/log/ovn-northd.log"
	in_ovn ovs-vswitchd "unix:$d/run/conf.sock" --unixctl="$d/run/ovs-vswitchd.ctl" \
		--pidfile="$d/run/ovs-vswitchd.pid" --detach --log-file="$d/log/ovs-vswitchd.log"
	ovn_vsctl add-br br-int -- set bridge br-int datapath_type=netdev fail-mode=secure
	in_ovn ovn-controller "unix:$d/run/conf.sock" --pidfile="$d/run/ovn-controller.pid" \
		--detach --log-file="$d/log/ovn-controller.log"

	# The router, its port on the VNet segment, vm2's subnet.
	ovn_nbctl lr-add vnet
	ovn_nbctl lrp-add vnet vnet-uplink 02:00:00:00:00:01 "$OVN_UPLINK/16"
	ovn_nbctl lrp-add vnet vnet-vm2 02:00:00:00:03:01 "${OVN_SUBNET%.*/*}.1/24"
	local sw
	for sw in uplink vm2; do
		ovn_nbctl ls-add "ls-$sw" -- lsp-add "ls-$sw" "ls-$sw-vnet" \
			-- lsp-set-type "ls-$sw-vnet" router \
			-- lsp-set-addresses "ls-$sw-vnet" router \
			-- lsp-set-options "ls-$sw-vnet" router-port="vnet-$sw"
	done
	# The uplink: any MAC behind it (the VNet's bridge).
	ovn_nbctl lsp-add ls-uplink uplink -- lsp-set-addresses uplink unknown
	ip link add ovn-uplink netns "$(ns ovn)" type veth peer name vnetrs-ovn netns "$(ns vnet)"
	ip -n "$(ns vnet)" link set vnetrs-ovn master br0 up
	ip netns exec "$(ns vnet)" ethtool -K vnetrs-ovn tx off >/dev/null
	ip -n "$(ns ovn)" link set ovn-uplink up
	ovn_vsctl add-port br-int ovn-uplink -- set interface ovn-uplink external_ids:iface-id=uplink
	# vm2, its veth's inner end with the logical port's MAC and address.
	ovn_nbctl lsp-add ls-vm2 vm2 -- lsp-set-addresses vm2 "02:00:00:01:03:04 $OVN_VM"
	ip netns add "$(ns vm2)"
	ip -n "$(ns vm2)" link set lo up
	ip link add ovn-vm2 netns "$(ns ovn)" type veth peer name eth0 netns "$(ns vm2)"
	ip -n "$(ns vm2)" link set eth0 address 02:00:00:01:03:04
	ip netns exec "$(ns vm2)" ethtool -K eth0 tx off >/dev/null
	ip -n "$(ns vm2)" addr add "$OVN_VM/24" dev eth0
	ip -n "$(ns vm2)" link set eth0 up
	ip -n "$(ns vm2)" route add default via "${OVN_SUBNET%.*/*}.1"
	ip -n "$(ns ovn)" link set ovn-vm2 up
	ovn_vsctl add-port br-int ovn-vm2 -- set interface ovn-vm2 external_ids:iface-id=vm2
	# The NVAs' way back to vm2's subnet (a more specific route than their /16).
	for node in sdwan firewall; do
		ip -n "$(ns "$node")" route add "$OVN_SUBNET" via "$OVN_UPLINK"
	done

	# The agent of the OVN data plane, on the OVN node, over TLS.
	local pki="$lab/pki" rs connect=()
	for rs in "${ROUTE_SERVERS[@]}"; do
		connect+=(--connect "tls://${FABRIC[$rs]}")
	done
	ip netns exec "$(ns ovn)" "$top/agent/vnetrs-agent" "${connect[@]}" \
		--cert "$pki/ovn.crt" --key "$pki/ovn.key" --ca "$pki/ca.crt" \
		--expect-as 65515 --name demo-ovn \
		--ovn-nb "unix:$d/run/nb.sock" --ovn-router vnet --ovn-owner demo-ovn \
		--daemon --pidfile "$d/run/agent.pid" 2>>"$d/log/agent.log"
}

# The OVN router has both NVAs' routes and vm2's port is bound.
ovn_ready() {
	local routes
	[ "$(ovn_nbctl get Logical_Switch_Port vm2 up 2>/dev/null)" = true ] || return 1
	routes=$(ovn_nbctl lr-route-list vnet 2>/dev/null)
	grep -q "10.250.0.0/16 *${ADDR[sdwan]} " <<<"$routes" &&
		grep -q "0.0.0.0/0 *${ADDR[firewall]} " <<<"$routes"
}

show_ovn() {
	[ -f "$lab/ovn/run/nb.sock" ] || [ -S "$lab/ovn/run/nb.sock" ] || return 0
	echo
	echo "=== OVN: ovn-nbctl lr-route-list vnet (kept by the agent on the OVN node)"
	ovn_nbctl lr-route-list vnet || true
	echo
	echo "=== OVN: vnetrs-agent --status on the OVN node"
	ip netns exec "$(ns ovn)" "$top/agent/vnetrs-agent" --status \
		--ovn-router vnet --ovn-owner demo-ovn || true
}

check_ovn_pings() {
	local nva failed=0
	for nva in sdwan firewall; do
		echo
		echo "=== vm2 (behind OVN): ping ${BEHIND[$nva]}, behind the $nva NVA (${ADDR[$nva]})"
		ip netns exec "$(ns vm2)" traceroute -n -q 1 -w 1 -m 3 "${BEHIND[$nva]}" | tail -n +2
		ip netns exec "$(ns vm2)" ping -n -c 3 -i 0.2 -W 1 "${BEHIND[$nva]}" |
			tail -2 || failed=1
	done
	[ "$failed" = 0 ] || die "a ping from vm2 (behind OVN) failed"
}

start_lab() {
	bash "$top/tools/build.sh"
	stop_lab
	mkdir -p "$lab"
	write_configs
	make_pki

	# The VNet and the fabric: a bridge each, in a namespace of its own.
	local seg node
	for seg in vnet fabric; do
		ip netns add "$(ns "$seg")"
		ip -n "$(ns "$seg")" link add br0 type bridge
		ip -n "$(ns "$seg")" link set br0 up
	done
	for node in "${NODES[@]}" "$HV"; do
		ip netns add "$(ns "$node")"
		ip -n "$(ns "$node")" link set lo up
		plug "$node" vnet eth0 "${ADDR[$node]}/16"
		if [ -n "${FABRIC[$node]:-}" ]; then
			plug "$node" fabric eth1 "${FABRIC[$node]}/24"
		fi
		if [ -n "${BEHIND[$node]:-}" ]; then
			ip -n "$(ns "$node")" addr add "${BEHIND[$node]}/32" dev lo
		fi
	done

	for node in "${NODES[@]}"; do
		local d="$lab/$node" mod=()
		case "$node" in
		# -n: a route server forwards nothing; its own kernel needs
		# none of the NVAs' routes (README, "Debian packages").
		rs*) mod=(-M "$top/frr-plugin/.libs/bgpd_vnetrs.so" -n) ;;
		esac
		# The daemons' stderr to a file: what they print there (FRR
		# 10.3's bgpd its memory statistics at exit) is not the demo's.
		ip netns exec "$(ns "$node")" "$FRR/zebra" -d -f "$d/zebra.conf" \
			-i "$d/zebra.pid" -z "$d/zserv.api" --vty_socket "$d" \
			--log "file:$d/zebra.log" 2>>"$d/zebra.stderr" ||
			{ cat "$d/zebra.stderr" >&2; die "$node: zebra did not start"; }
		ip netns exec "$(ns "$node")" "$FRR/bgpd" -d -f "$d/bgpd.conf" \
			-i "$d/bgpd.pid" -z "$d/zserv.api" --vty_socket "$d" \
			--log "file:$d/bgpd.log" "${mod[@]}" 2>>"$d/bgpd.stderr" ||
			{ cat "$d/bgpd.stderr" >&2; die "$node: bgpd did not start"; }
	done

	# The hypervisor: no FRR, the agent programs its kernel (the VM's)
	# from both instances, over TLS only.
	local pki="$lab/pki" rs connect=()
	for rs in "${ROUTE_SERVERS[@]}"; do
		connect+=(--connect "tls://${FABRIC[$rs]}")
	done
	mkdir -p "$lab/$HV"
	ip netns exec "$(ns "$HV")" "$top/agent/vnetrs-agent" "${connect[@]}" \
		--cert "$pki/$HV.crt" --key "$pki/$HV.key" --ca "$pki/ca.crt" \
		--expect-as 65515 --name "demo-$HV" \
		--daemon --pidfile "$lab/$HV/agent.pid" 2>>"$lab/$HV/agent.log"
	[ "$with_ovn" = 0 ] || start_ovn

	echo "demo: waiting for the NVA sessions, their routes and the VM's kernel"
	local i
	for i in $(seq 1 120); do
		lab_ready && { [ "$with_ovn" = 0 ] || ovn_ready; } && break
		sleep 0.5
	done
	show_status
	lab_ready || die "the lab did not come up within 60 s (logs in $lab)"
	check_pings
	if [ "$with_ovn" = 1 ]; then
		ovn_ready || die "the OVN router did not get the NVAs' routes within 60 s (logs in $lab/ovn)"
		check_ovn_pings
		cat <<-HELP

			OVN: vm2 (namespace vnetrs-vm2, $OVN_VM) is behind the logical router
			"vnet", whose static routes the agent in vnetrs-ovn keeps.
			  $0 ovn-nbctl lr-route-list vnet
			  $0 ovn-nbctl find Logical_Router_Static_Route external_ids:vnetrs-agent=demo-ovn
			  $0 ovn-trace --summary ls-vm2 'inport=="vm2" && eth.src==02:00:00:01:03:04 && eth.dst==02:00:00:00:03:01 && ip4.src==$OVN_VM && ip4.dst==10.250.0.1 && ip.ttl==64'
			  $0 shell vm2                 # ping 10.250.0.1, traceroute -n 203.0.113.1
		HELP
	fi
	cat <<-HELP

		The lab is running (namespaces vnetrs-rs1, vnetrs-rs2, vnetrs-sdwan,
		vnetrs-firewall, vnetrs-$HV, vnetrs-vnet, vnetrs-fabric; files, logs
		and certificates in $lab).
		  $0 vtysh rs1                 # vtysh on the route server
		  $0 vtysh rs1 -c 'show bgp vnet-route-server effective-routes json'
		  $0 vtysh rs1 -c 'show bgp vnet-route-server sdn'
		  $0 vtysh rs2 -c 'show bgp vnet-route-server rejected-routes'
		  $0 vtysh sdwan -c 'show bgp ipv4 unicast'
		  $0 shell firewall            # a shell in the firewall's namespace
		  $0 shell $HV                 # the VM's hypervisor: ip route show proto $AGENT_PROTO
		  $0 agent                     # vnetrs-agent --status on $HV
		  $0 measure 10000             # time 10k routes from an NVA to the VM
		  $0 status                    # this summary again
		  $0 stop                      # stop everything
	HELP
}

agent_status() {
	ip netns exec "$(ns "$HV")" "$top/agent/vnetrs-agent" --status
}

# The VM pings a host behind each NVA: its kernel sends it by the agent's
# route, through that NVA.
check_pings() {
	local nva failed=0
	for nva in sdwan firewall; do
		echo
		echo "=== $HV (the VM): ping ${BEHIND[$nva]}, behind the $nva NVA (${ADDR[$nva]})"
		ip -n "$(ns "$HV")" route get "${BEHIND[$nva]}"
		ip netns exec "$(ns "$HV")" ping -n -c 3 -i 0.2 -W 1 "${BEHIND[$nva]}" |
			tail -2 || failed=1
	done
	[ "$failed" = 0 ] || die "a ping from the VM failed"
}

show_status() {
	[ -d "$lab/rs1" ] || die "the lab is not running: $0 start"
	local rs
	for rs in "${ROUTE_SERVERS[@]}"; do
		echo
		echo "=== $rs: show bgp vnet-route-server"
		node_vtysh "$rs" -c 'show bgp vnet-route-server'
		echo
		echo "=== $rs: show bgp vnet-route-server effective-routes"
		node_vtysh "$rs" -c 'show bgp vnet-route-server effective-routes'
		echo
		echo "=== $rs: show bgp vnet-route-server sdn (the hypervisor over TLS)"
		node_vtysh "$rs" -c 'show bgp vnet-route-server sdn'
	done
	echo
	echo "=== sdwan: show bgp ipv4 unicast (the VNet from both route servers)"
	node_vtysh sdwan -c 'show bgp ipv4 unicast'
	echo
	echo "=== $HV: vnetrs-agent --status"
	agent_status || true
	echo
	echo "=== $HV (the VM's kernel): ip route (programmed by vnetrs-agent: proto $AGENT_PROTO)"
	ip -n "$(ns "$HV")" route show
	show_ovn
}

# Time N routes from the SD-WAN NVA to the VM's kernel: the routes are
# configured with the session to the route servers shut, then the session
# is opened; the clock runs from there to the last route in the kernel.
measure() {
	local n=$1 cmds="$lab/sdwan/measure.cmds" t0 t1 t2 i got
	[ -d "$lab/rs1" ] || die "the lab is not running: $0 start"
	for rs in "${ROUTE_SERVERS[@]}"; do
		node_vtysh "$rs" -c 'conf t' -c 'router bgp 65515' \
			-c 'vnet-route-server' -c "route-limit $((n + 1000))" >/dev/null
	done
	{
		echo "router bgp 65001"
		for rs in "${ROUTE_SERVERS[@]}"; do
			echo "neighbor ${ADDR[$rs]} shutdown"
		done
		echo "address-family ipv4 unicast"
		for ((i = 0; i < n; i++)); do
			echo "network 10.$((100 + i / 65536)).$((i / 256 % 256)).$((i % 256))/32"
		done
	} >"$cmds"
	node_vtysh sdwan -f "$cmds" >/dev/null
	local base
	base=$(ip -n "$(ns "$HV")" route show proto $AGENT_PROTO | wc -l)
	t0=$(date +%s.%N)
	node_vtysh sdwan -c 'conf t' -c 'router bgp 65001' \
		-c "no neighbor ${ADDR[rs1]} shutdown" \
		-c "no neighbor ${ADDR[rs2]} shutdown" >/dev/null
	local tup=""
	while :; do
		if [ -z "$tup" ] && node_vtysh rs1 -c "show bgp neighbors ${ADDR[sdwan]} json" |
			grep -q '"bgpState":"Established"'; then
			tup=$(date +%s.%N)
		fi
		got=$(ip -n "$(ns "$HV")" route show proto $AGENT_PROTO | wc -l)
		[ "$got" -ge $((base + n)) ] && break
		[ -n "$tup" ] || continue
		sleep 0.02
	done
	t1=$(date +%s.%N)
	[ -n "$tup" ] || tup=$t0
	echo "measure: $n routes announced -> all in the VM's kernel" \
		"$(echo "$t1 - $tup" | bc) s after the session came up" \
		"($(echo "$t1 - $t0" | bc) s with the session set-up)"
	# The batches, and the hypervisor's TLS consumer with its sequence.
	node_vtysh rs1 -c 'show bgp vnet-route-server sdn' | grep -A2 -e '^SDN batches' -e '^SDN stream'
	# And back: every route withdrawn.
	sed -i 's/^network /no network /' "$cmds"
	t0=$(date +%s.%N)
	node_vtysh sdwan -f "$cmds" >/dev/null
	while :; do
		got=$(ip -n "$(ns "$HV")" route show proto $AGENT_PROTO | wc -l)
		[ "$got" -le "$base" ] && break
		sleep 0.02
	done
	t2=$(date +%s.%N)
	echo "measure: $n routes withdrawn -> gone from the VM's kernel in $(echo "$t2 - $t0" | bc) s"
	for rs in "${ROUTE_SERVERS[@]}"; do
		node_vtysh "$rs" -c 'conf t' -c 'router bgp 65515' \
			-c 'vnet-route-server' -c 'no route-limit' >/dev/null
	done
}

with_ovn=0
if [ "${1:-}" = --ovn ] || { [ "${1:-}" = start ] && [ "${2:-}" = --ovn ]; }; then
	with_ovn=1
	[ "$1" = --ovn ] || shift
	set -- start
fi
case "${1:-start}" in
start) start_lab ;;
ovn-nbctl)
	shift
	ovn_nbctl "$@"
	;;
ovn-trace)
	shift
	in_ovn ovn-trace --db="unix:$lab/ovn/run/sb.sock" "$@"
	;;
status) show_status ;;
agent) agent_status ;;
measure)
	[ $# -eq 2 ] || die "usage: $0 measure N"
	measure "$2"
	;;
stop)
	stop_lab
	echo "demo: stopped"
	;;
vtysh)
	[ $# -ge 2 ] || die "usage: $0 vtysh NODE [vtysh args]"
	shift
	node_vtysh "$@"
	;;
shell)
	[ $# -eq 2 ] || die "usage: $0 shell NODE"
	exec ip netns exec "$(ns "$2")" bash
	;;
*) die "unknown command '$1' (start, status, agent, vtysh, shell, measure, stop)" ;;
esac
