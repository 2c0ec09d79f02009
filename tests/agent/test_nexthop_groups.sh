#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vnetrs-agent's ECMP routes through kernel nexthop objects
# (--nexthop-groups), against tests/agent/fake_rs (no bgpd needed), in a
# network namespace of its own (loopback and a veth pair only).
#
#   tests/agent/test_nexthop_groups.sh   (as root, after tools/build.sh)
#
# Checks: bad values are refused (exit 2); by default (auto) every ECMP
# route has an nhid: a group of 2 or 4 of the agent's objects (protocol
# 245, ids in its table's block), IPv4 and IPv6; a single next hop stays
# a gateway route; a next-hop set changed moves the route to a new group and the old
# one is deleted; someone deleting a group (its IPv4 routes go without a
# route event) gets the routes back; a restart adopts the objects (same
# ids, no change written), deletes a left-over of its own and leaves
# another program's object in its block alone; --nexthop-groups off
# rewrites the routes as multipath routes and deletes the objects; a
# kernel without nexthop objects (played with VNETRS_AGENT_TEST_NO_NEXTHOPS)
# gives multipath routes under auto, and a refusal to start under on.
set -euo pipefail

name=test_nexthop_groups
. "$(dirname "$0")/lib.sh"

table=100
proto=245
# The agent's id block for its table (backend_kernel.c, nh_block_base()).
base=$((0x80000000 | (table << 16)))

# --- bad values ------------------------------------------------------------

refused_values --nexthop-groups "expected on, off or auto" "" yes 1 ON

# --- the namespace, a route server ----------------------------------------

make_vm_ns
nsx ip addr add 2001:db8::1/64 dev d0 nodad
cat >"$tmp/rs.routes" <<EOF
10.77.0.0/16 10.1.1.5,10.1.1.6
10.78.0.0/16 10.1.1.5,10.1.1.6,10.1.1.7,10.1.1.8
10.79.0.0/16 10.1.1.5
2001:db8:77::/48 2001:db8::5,2001:db8::6
2001:db8:78::/48 2001:db8::5,2001:db8::6,2001:db8::7,2001:db8::8
EOF
sock=$tmp/rs.sock
mkfifo "$tmp/rs.in"
# Kept open for writing: fake_rs never sees EOF.
exec 3<>"$tmp/rs.in"
ip netns exec "$ns" "$fake" --listen "$sock" --routes "$tmp/rs.routes" \
	--name rs <&3 >"$tmp/fake.out" 2>"$tmp/fake.log" &
pids+=("$!")
poll 10 "fake_rs listens" grep -q "listening" "$tmp/fake.log"

rs() {
	echo "$*" >&3
}

# agent N ARGS...: the agent (again), logging to agent-N.log.
agent_start() {
	local n=$1
	shift
	nsx "$agent" --connect "$sock" --table "$table" --protocol "$proto" \
		--daemon --pidfile "$tmp/agent.pid" "$@" 2>>"$tmp/agent-$n.log"
	extra_pid=$(cat "$tmp/agent.pid")
}

agent_stop() {
	kill "$extra_pid"
	# Its pid is not our child (a daemon): wait for it to go.
	poll 30 "the agent exits" sh -c "! kill -0 $extra_pid 2>/dev/null"
	extra_pid=
}

routes() {
	nsx ip -4 route show table "$table" proto "$proto"
	nsx ip -6 route show table "$table" proto "$proto"
}

# nhid PREFIX: the route's nexthop id (empty: none).
nhid() {
	routes | awk -v p="$1" '$1 == p { for (i = 2; i < NF; i++)
		if ($i == "nhid") print $(i + 1) }'
}

# members ID: the group's member ids, one per line, or the object's
# gateway.
members() {
	nsx ip nexthop show id "$1" | awk '{ for (i = 2; i < NF; i++) {
		if ($i == "group") { n = split($(i + 1), m, "/");
			for (j = 1; j <= n; j++) print m[j] }
		if ($i == "via") print $(i + 1) } }'
}

# gateways PREFIX: the gateways of the route's object, sorted, on one line.
gateways() {
	local id m
	id=$(nhid "$1")
	[ -n "$id" ] || return 0
	for m in $(members "$id"); do
		case $m in
		*.*.*.* | *:*) echo "$m" ;;
		*) members "$m" ;;
		esac
	done | sort | tr '\n' ' '
}

# is_ours ID: an object of protocol 245 in the block.
is_ours() {
	[ "$1" -ge "$base" ] && [ "$1" -lt $((base + 65536)) ] &&
		grep -q "proto $proto" <<<"$(nsx ip nexthop show id "$1")"
}

want_groups() {
	[ "$(gateways 10.77.0.0/16)" = "10.1.1.5 10.1.1.6 " ] &&
		[ "$(gateways 10.78.0.0/16)" = "10.1.1.5 10.1.1.6 10.1.1.7 10.1.1.8 " ] &&
		[ -z "$(nhid 10.79.0.0/16)" ] &&
		[ "$(gateways 2001:db8:77::/48)" = "2001:db8::5 2001:db8::6 " ] &&
		[ "$(gateways 2001:db8:78::/48)" = "2001:db8::5 2001:db8::6 2001:db8::7 2001:db8::8 " ]
}

status() {
	nsx "$agent" --status --table "$table" --protocol "$proto"
}
# (Checked on whole outputs: grep -q reading a pipe may, under pipefail,
# fail the pipeline with the writer's SIGPIPE.)

objects() {
	nsx ip nexthop show | sort
}

# --- groups (auto) ---------------------------------------------------------

agent_start 1
poll 20 "the routes go through groups of the right next hops" want_groups
for p in 10.77.0.0/16 10.78.0.0/16 2001:db8:77::/48 2001:db8:78::/48; do
	id=$(nhid "$p")
	is_ours "$id" || fail "$p: nhid $id is not ours: $(objects)"
done
[ "$(members "$(nhid 10.78.0.0/16)" | wc -l)" = 4 ] || fail "4-way: $(objects)"
[ "$(members "$(nhid 10.77.0.0/16)" | wc -l)" = 2 ] || fail "2-way: $(objects)"
# A single next hop stays a gateway route.
grep -q "^10.79.0.0/16 via 10.1.1.5 dev d0 metric 20" <<<"$(routes)" ||
	fail "the single next hop's route: $(routes)"
grep -q "^nexthop groups: on: 12 objects of ours (4 groups)" <<<"$(status)" ||
	fail "status: $(status)"
grep -q "kernel: routes go through nexthop objects" "$tmp/agent-1.log" ||
	fail "log: $(cat "$tmp/agent-1.log")"
pass "auto: every ECMP route through a group of ours: 2 and 4 next hops (IPv4, IPv6); a single next hop stays a gateway route"

# --- a next-hop set changes: another group, the old one deleted ------------

# (To a set another group has: a route alone in its group moving to a new
# set would have the group replaced in place, see the failover below.)
old=$(nhid 10.77.0.0/16)
rs add 10.77.0.0/16 10.1.1.5,10.1.1.6,10.1.1.7,10.1.1.8
rs commit
moved() {
	[ "$(gateways 10.77.0.0/16)" = "10.1.1.5 10.1.1.6 10.1.1.7 10.1.1.8 " ]
}
poll 10 "10.77.0.0/16 moves to the group of 10.1.1.5-8" moved
new=$(nhid 10.77.0.0/16)
[ "$new" != "$old" ] && [ "$new" = "$(nhid 10.78.0.0/16)" ] ||
	fail "10.77.0.0/16 through $new, was $old, 10.78.0.0/16 through $(nhid 10.78.0.0/16)"
poll 5 "the old group $old is deleted" sh -c "! ip netns exec $ns ip nexthop show id $old >/dev/null 2>&1"
# 10.1.1.5 and 10.1.1.6 are still members of the 4-way group: kept.
want_objects_after_move() {
	[ "$(status | grep -c "^nexthop groups: on: 11 objects of ours (3 groups)")" = 1 ]
}
poll 5 "11 objects: the old group gone" want_objects_after_move
pass "a next-hop set changed: the route moved to group $new (10.78.0.0/16's), its old group $old deleted"

# --- a failover: every route of a group moves together ---------------------

for p in 10.80.0.0/16 10.81.0.0/16 10.82.0.0/16; do
	rs add "$p" 10.1.1.11,10.1.1.12
done
rs commit
three() {
	[ "$(gateways 10.80.0.0/16)" = "$1" ] &&
		[ "$(gateways 10.81.0.0/16)" = "$1" ] &&
		[ "$(gateways 10.82.0.0/16)" = "$1" ]
}
poll 10 "three routes through one group" three "10.1.1.11 10.1.1.12 "
g=$(nhid 10.80.0.0/16)
[ "$(nhid 10.81.0.0/16)" = "$g" ] && [ "$(nhid 10.82.0.0/16)" = "$g" ] ||
	fail "not one group: $(routes)"
for p in 10.80.0.0/16 10.81.0.0/16 10.82.0.0/16; do
	rs add "$p" 10.1.1.11,10.1.1.13
done
rs commit
poll 10 "the three routes move to 10.1.1.11 and 10.1.1.13" three "10.1.1.11 10.1.1.13 "
[ "$(nhid 10.80.0.0/16)" = "$g" ] && [ "$(nhid 10.81.0.0/16)" = "$g" ] &&
	[ "$(nhid 10.82.0.0/16)" = "$g" ] || fail "not group $g any more: $(routes)"
grep -q "kernel: nexthop group $g: its 3 routes move to other next hops together: its members replaced in place" "$tmp/agent-1.log" ||
	fail "log: $(tail -5 "$tmp/agent-1.log")"
grep -q ", 1 groups replaced in place," <<<"$(status)" || fail "status: $(status)"
poll 5 "10.1.1.12's object, unused, is deleted" sh -c "! ip netns exec $ns ip nexthop show | grep -q 'via 10.1.1.12 '"
# One of them alone: a group of its own.
rs add 10.82.0.0/16 10.1.1.11,10.1.1.12
rs commit
poll 10 "10.82.0.0/16 moves alone" sh -c "[ \"\$(ip netns exec $ns ip route show 10.82.0.0/16 table $table | grep -c 'via 10.1.1.12')\" = 1 ]"
[ "$(nhid 10.82.0.0/16)" != "$g" ] && [ "$(nhid 10.80.0.0/16)" = "$g" ] ||
	fail "10.82.0.0/16 alone: $(routes)"
pass "a failover: the 3 routes of group $g moved together, the group's members replaced in place (same nhid); one route moving alone gets a group of its own"
for p in 10.80.0.0/16 10.81.0.0/16 10.82.0.0/16; do
	rs del "$p"
done
rs commit
poll 10 "the three routes leave" sh -c "[ -z \"\$(ip netns exec $ns ip route show 10.80.0.0/16 table $table)\" ]"
gone() {
	! ip netns exec "$ns" ip nexthop show id "$g" >/dev/null 2>&1 &&
		! grep -q "via 10.1.1.1[123] " <<<"$(objects)"
}
poll 5 "their groups and objects are deleted" gone

# --- someone deletes a group of ours ---------------------------------------

g4=$(nhid 10.78.0.0/16)
g6=$(nhid 2001:db8:78::/48)
restored_before=$(status | awk '/^routes restored:/ { print $3 }')
nsx ip nexthop del id "$g4"
nsx ip nexthop del id "$g6"
back() {
	[ "$(gateways 10.77.0.0/16)" = "10.1.1.5 10.1.1.6 10.1.1.7 10.1.1.8 " ] &&
		[ "$(gateways 10.78.0.0/16)" = "10.1.1.5 10.1.1.6 10.1.1.7 10.1.1.8 " ] &&
		[ "$(gateways 2001:db8:78::/48)" = "2001:db8::5 2001:db8::6 2001:db8::7 2001:db8::8 " ]
}
poll 10 "the routes of the deleted groups come back" back
grep -q "nexthop id $g4 of ours was removed" "$tmp/agent-1.log" ||
	fail "log: $(tail -5 "$tmp/agent-1.log")"
restored=$(status | awk '/^routes restored:/ { print $3 }')
[ "$restored" -ge $((restored_before + 2)) ] || fail "status: $(status)"
pass "'ip nexthop del' of two groups of ours: their IPv4 (2) and IPv6 routes restored (groups $(nhid 10.78.0.0/16), $(nhid 2001:db8:78::/48))"

# --- gateways only the table reaches: a multipath route --------------------

# 10.9.9.0/24 is connected in the agent's table only: the kernel's lookup
# (main) gives its gateways no device, no object can be made, but the
# kernel resolves a multipath route's gateways in its own table.
nsx ip route add 10.9.9.0/24 dev d0 table "$table"
rs add 10.60.0.0/16 10.9.9.5,10.9.9.6
rs commit
table_only() {
	local r
	r=$(nsx ip -4 route show 10.60.0.0/16 table "$table")
	! grep -q nhid <<<"$r" && [ "$(grep -c "nexthop via 10.9.9" <<<"$r")" = 2 ]
}
poll 10 "10.60.0.0/16 as a multipath route" table_only
grep -q "kernel: add 10.60.0.0/16 via 10.9.9.5,10.9.9.6: no group (Network is unreachable): a multipath route" "$tmp/agent-1.log" ||
	fail "log: $(tail -5 "$tmp/agent-1.log")"
rs del 10.60.0.0/16
rs commit
poll 10 "10.60.0.0/16 leaves" sh -c "[ -z \"\$(ip netns exec $ns ip route show 10.60.0.0/16 table $table)\" ]"
nsx ip route del 10.9.9.0/24 dev d0 table "$table"
pass "gateways only the agent's table reaches: no group can be made, the route is a multipath route"

# --- a restart adopts the objects ------------------------------------------

# A left-over object of ours (of a previous run, unused) and another
# program's object in our block.
nsx ip nexthop add id $((base + 60000)) via 10.1.1.44 dev d0 proto "$proto"
nsx ip nexthop add id $((base + 60001)) via 10.1.1.45 dev d0 proto 99
agent_stop
objects | grep -v -e "id $((base + 60000)) " -e "id $((base + 60001)) " >"$tmp/objects.before"
routes >"$tmp/routes.before"
agent_start 2
poll 20 "the restarted agent reconciles" grep -q "reconcile (.*snapshot)" "$tmp/agent-2.log"
grep -q "reconcile (.*snapshot): 5 routes wanted, 5 found: 0 adds, 0 replaces, 0 deletes" "$tmp/agent-2.log" ||
	fail "log: $(cat "$tmp/agent-2.log")"
routes | diff "$tmp/routes.before" - || fail "the routes changed"
poll 5 "the left-over object is deleted" sh -c "! ip netns exec $ns ip nexthop show id $((base + 60000)) >/dev/null 2>&1"
nsx ip nexthop show id $((base + 60001)) >/dev/null 2>&1 ||
	fail "another program's object was deleted"
objects | grep -v "id $((base + 60001)) " | diff "$tmp/objects.before" - ||
	fail "the objects changed"
nsx ip nexthop del id $((base + 60001))
pass "a restart adopts the objects (same ids, nothing written), deletes its unused left-over, leaves another's alone"

# --- --nexthop-groups off ---------------------------------------------------

agent_stop
agent_start 3 --nexthop-groups off
# (Whole outputs into grep: grep -q on a pipe, under pipefail, may fail
# the writer with SIGPIPE.)
multipath() {
	local r
	r=$(routes)
	! grep -q nhid <<<"$r" &&
		grep -q "^10.78.0.0/16 metric 20" <<<"$r" &&
		[ "$(grep -c "nexthop via" <<<"$r")" = 14 ] &&
		grep -q "^10.79.0.0/16 via 10.1.1.5 dev d0" <<<"$r"
}
poll 20 "off: multipath routes" multipath
no_objects() {
	! grep -q "proto $proto" <<<"$(objects)"
}
poll 5 "off: the objects of ours are deleted" no_objects
grep -q "^nexthop groups: off (--nexthop-groups off): multipath routes" <<<"$(status)" ||
	fail "status: $(status)"
pass "--nexthop-groups off: multipath routes, the objects deleted"

# Back to groups: the routes move again.
agent_stop
agent_start 4
want_groups_moved() {
	[ "$(gateways 10.77.0.0/16)" = "10.1.1.5 10.1.1.6 10.1.1.7 10.1.1.8 " ] &&
		[ "$(gateways 10.78.0.0/16)" = "10.1.1.5 10.1.1.6 10.1.1.7 10.1.1.8 " ] &&
		[ "$(gateways 2001:db8:77::/48)" = "2001:db8::5 2001:db8::6 " ]
}
poll 20 "auto again: the routes through groups" want_groups_moved
pass "auto after off: the multipath routes rewritten through groups"

# --- a kernel without nexthop objects (played) -----------------------------

agent_stop
rc=0
VNETRS_AGENT_TEST_NO_NEXTHOPS=1 nsx "$agent" --connect "$sock" \
	--table "$table" --protocol "$proto" --nexthop-groups on \
	2>"$tmp/on.err" || rc=$?
[ "$rc" != 0 ] && grep -q -- "--nexthop-groups on: the kernel has no nexthop objects" "$tmp/on.err" ||
	fail "--nexthop-groups on without objects: exit $rc, $(cat "$tmp/on.err")"
# The objects are still there (a real kernel without them would have
# none): deleted, and their routes with them.
for kind in group via; do
	for id in $(objects | awk -v k="$kind" '$3 == k { print $2 }'); do
		nsx ip nexthop del id "$id"
	done
done
VNETRS_AGENT_TEST_NO_NEXTHOPS=1 agent_start 5
fallback() {
	local r
	r=$(routes)
	! grep -q nhid <<<"$r" && [ "$(grep -c "nexthop via" <<<"$r")" = 14 ]
}
poll 20 "fallback: multipath routes" fallback
grep -q "kernel: the kernel has no nexthop objects: .*: ECMP routes are multipath routes" "$tmp/agent-5.log" ||
	fail "log: $(cat "$tmp/agent-5.log")"
grep -q "^nexthop groups: off (the kernel has no nexthop objects" <<<"$(status)" ||
	fail "status: $(status)"
pass "a kernel without nexthop objects: auto falls back to multipath routes (logged, in the status); on refuses to start"

agent_stop
ok=true
echo "test_nexthop_groups: all $passed checks passed"
