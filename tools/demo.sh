#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vnetrs demo lab: the seed scenario of Azure Route Server, in network
# namespaces on this machine, left running for you to explore.
#
#   tools/demo.sh [start]          build what is missing, (re)start the lab
#   tools/demo.sh status           the route server's state
#   tools/demo.sh vtysh NODE [ARGS] vtysh of a node (rs1, rs2, sdwan, firewall)
#   tools/demo.sh measure N        time N routes from an NVA to the VM's kernel
#   tools/demo.sh shell NODE       a shell inside a node's namespace
#   tools/demo.sh stop             stop the lab, remove its namespaces
#
# The lab: VNet 10.1.0.0/16, one L2 segment (a bridge in namespace
# vnetrs-vnet). rs1 and rs2 are the two instances of the route server, bgpd
# + vnetrs (AS 65515) at 10.1.0.4 and 10.1.0.5. Two NVAs peer with both
# over multihop eBGP: an SD-WAN appliance (AS 65001, 10.1.1.4) in front of
# on-premises 10.250.0.0/16, and a firewall (AS 65002, 10.1.1.5) announcing
# the default route. Each route server learns both, programs them into its
# effective routes, and advertises 10.1.0.0/16 back. A VM (10.1.2.4, no
# FRR) runs vnetrs-agent, connected to both route servers' SDN sockets: its
# kernel holds the effective routes.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
lab="$top/build/demo"
FRR=/usr/lib/frr
NODES=(rs1 rs2 sdwan firewall)
ROUTE_SERVERS=(rs1 rs2)

declare -A ADDR=([rs1]=10.1.0.4 [rs2]=10.1.0.5 [sdwan]=10.1.1.4 [firewall]=10.1.1.5
	[vm]=10.1.2.4)
AGENT_PROTO=245

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
	if [ -f "$lab/vm/agent.pid" ]; then
		kill "$(cat "$lab/vm/agent.pid")" 2>/dev/null || true
	fi
	for node in "${NODES[@]}" vm vnet; do
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
			  sdn listen unix $lab/$rs/sdn.sock
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
			# The lab has no on-premises network nor Internet behind
			# the NVAs: announce without a route in their RIB.
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

start_lab() {
	bash "$top/tools/build.sh"
	stop_lab
	mkdir -p "$lab"
	write_configs

	# The VNet: a bridge in its own namespace, one veth per node.
	ip netns add "$(ns vnet)"
	ip -n "$(ns vnet)" link add br0 type bridge
	ip -n "$(ns vnet)" link set br0 up
	for node in "${NODES[@]}" vm; do
		ip netns add "$(ns "$node")"
		ip -n "$(ns "$node")" link set lo up
		ip link add "vnetrs-$node" netns "$(ns vnet)" type veth \
			peer name eth0 netns "$(ns "$node")"
		ip -n "$(ns vnet)" link set "vnetrs-$node" master br0 up
		ip -n "$(ns "$node")" addr add "${ADDR[$node]}/16" dev eth0
		ip -n "$(ns "$node")" link set eth0 up
	done

	for node in "${NODES[@]}"; do
		local d="$lab/$node" mod=()
		case "$node" in
		rs*) mod=(-M "$top/frr-plugin/.libs/bgpd_vnetrs.so") ;;
		esac
		ip netns exec "$(ns "$node")" "$FRR/zebra" -d -f "$d/zebra.conf" \
			-i "$d/zebra.pid" -z "$d/zserv.api" --vty_socket "$d" \
			--log "file:$d/zebra.log"
		ip netns exec "$(ns "$node")" "$FRR/bgpd" -d -f "$d/bgpd.conf" \
			-i "$d/bgpd.pid" -z "$d/zserv.api" --vty_socket "$d" \
			--log "file:$d/bgpd.log" "${mod[@]}"
	done

	# The VM: no FRR, the agent programs its kernel from both instances.
	mkdir -p "$lab/vm"
	ip netns exec "$(ns vm)" "$top/agent/vnetrs-agent" \
		--connect "$lab/rs1/sdn.sock" --connect "$lab/rs2/sdn.sock" \
		--name demo-vm --daemon --pidfile "$lab/vm/agent.pid" \
		2>>"$lab/vm/agent.log"

	echo "demo: waiting for the NVA sessions and their routes"
	local i ready
	for i in $(seq 1 90); do
		ready=0
		for rs in "${ROUTE_SERVERS[@]}"; do
			if node_vtysh "$rs" -c 'show bgp vnet-route-server effective-routes json' |
				grep -q '"10.250.0.0/16"' &&
				node_vtysh "$rs" -c 'show bgp vnet-route-server effective-routes json' |
				grep -q '"0.0.0.0/0"'; then
				ready=$((ready + 1))
			fi
		done
		[ "$ready" = "${#ROUTE_SERVERS[@]}" ] && break
		sleep 0.5
	done
	show_status
	cat <<-HELP

		The lab is running (namespaces vnetrs-rs1, vnetrs-rs2, vnetrs-sdwan,
		vnetrs-firewall, vnetrs-vm, vnetrs-vnet; files and logs in $lab).
		  $0 vtysh rs1                 # vtysh on the route server
		  $0 vtysh rs1 -c 'show bgp vnet-route-server effective-routes json'
		  $0 vtysh rs2 -c 'show bgp vnet-route-server rejected-routes'
		  $0 vtysh sdwan -c 'show bgp ipv4 unicast'
		  $0 shell firewall            # a shell in the firewall's namespace
		  $0 shell vm                  # the VM: ip route show proto $AGENT_PROTO
		  $0 measure 10000             # time 10k routes from an NVA to the VM
		  $0 status                    # this summary again
		  $0 stop                      # stop everything
	HELP
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
	done
	echo
	echo "=== sdwan: show bgp ipv4 unicast (the VNet from both route servers)"
	node_vtysh sdwan -c 'show bgp ipv4 unicast'
	echo
	echo "=== vm: ip route (programmed by vnetrs-agent: proto $AGENT_PROTO)"
	ip -n "$(ns vm)" route show
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
	base=$(ip -n "$(ns vm)" route show proto $AGENT_PROTO | wc -l)
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
		got=$(ip -n "$(ns vm)" route show proto $AGENT_PROTO | wc -l)
		[ "$got" -ge $((base + n)) ] && break
		[ -n "$tup" ] || continue
		sleep 0.02
	done
	t1=$(date +%s.%N)
	[ -n "$tup" ] || tup=$t0
	echo "measure: $n routes announced -> all in the VM's kernel" \
		"$(echo "$t1 - $tup" | bc) s after the session came up" \
		"($(echo "$t1 - $t0" | bc) s with the session set-up)"
	node_vtysh rs1 -c 'show bgp vnet-route-server sdn' | head -3
	# And back: every route withdrawn.
	sed -i 's/^network /no network /' "$cmds"
	t0=$(date +%s.%N)
	node_vtysh sdwan -f "$cmds" >/dev/null
	while :; do
		got=$(ip -n "$(ns vm)" route show proto $AGENT_PROTO | wc -l)
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

case "${1:-start}" in
start) start_lab ;;
status) show_status ;;
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
*) die "unknown command '$1' (start, status, vtysh, shell, measure, stop)" ;;
esac
