#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vnetrs-agent --keep-routes, against tests/agent/fake_rs (no bgpd needed),
# in a network namespace of its own (loopback and a veth pair only).
#
#   tests/agent/test_keep_routes.sh   (as root, after tools/build.sh)
#
# Checks: bad values are refused (exit 2); with --keep-routes 2, a route
# server back within 2 s cancels the timer (nothing removed); gone for
# 2 s, the agent's routes leave (not before), stay out after a reconcile
# (nothing restores them), and come back with the route server; with the
# default (forever) they stay. The topotest test_vnetrs_ha does the same
# with two real route servers.
set -euo pipefail

name=test_keep_routes
. "$(dirname "$0")/lib.sh"

# --- bad values ------------------------------------------------------------

refused_values --keep-routes "expected 'forever'" 0 -1 3x "" 31536001 Forever

# --- the namespace, a route server, two agents ---------------------------

make_vm_ns
echo "10.77.0.0/16 10.1.1.5" >"$tmp/rs.routes"
sock=$tmp/rs.sock

# The route server (again): it listens before this returns.
fake_start() {
	local log=$tmp/fake.log
	: >"$log"
	# Not through nsx: $! must be fake_rs itself (ip execs it).
	ip netns exec "$ns" "$fake" --listen "$sock" --routes "$tmp/rs.routes" \
		--name rs </dev/null 2>"$log" &
	extra_pid=$!
	poll 10 "fake_rs listens" grep -q "listening" "$log"
}

fake_stop() {
	kill "$extra_pid"
	wait "$extra_pid" 2>/dev/null || true
	extra_pid=
}

# agent NAME TABLE PROTOCOL ARGS...: one agent in the namespace.
agent_start() {
	local n=$1 table=$2 proto=$3
	shift 3
	nsx "$agent" --connect "$sock" --table "$table" --protocol "$proto" \
		--daemon --pidfile "$tmp/$n.pid" "$@" 2>>"$tmp/$n.log"
	pids+=("$(cat "$tmp/$n.pid")")
}

# has TABLE PROTOCOL: the route is in the table.
has() {
	nsx ip -4 route show table "$1" proto "$2" | grep -q "^10.77.0.0/16 via 10.1.1.5"
}

hasnt() {
	! has "$@"
}

status() {
	nsx "$agent" --status --table "$1" --protocol "$2"
}

status_has() {
	local table=$1 proto=$2
	shift 2
	status "$table" "$proto" | grep -q "$*"
}

fake_start
agent_start keep 254 245 --keep-routes 2
agent_start default 100 246
both_have() {
	has 254 245 && has 100 246
}
poll 10 "both agents program the route" both_have
status_has 254 245 "keep routes 2 s" || fail "status: $(status 254 245)"
status_has 100 246 "keep routes forever" || fail "status: $(status 100 246)"
pass "both agents program the route; the status shows --keep-routes"

# Back within 2 s: the timer is cancelled, nothing removed.
fake_stop
poll 2 "the timer runs" status_has 254 245 "no instance: routes kept for another"
fake_start
poll 10 "the route server is back in the merge" \
	grep -q "the --keep-routes timer is cancelled" "$tmp/keep.log"
hold 3 "the route stays after the cancelled timer" has 254 245
status_has 254 245 "no instance" && fail "status: $(status 254 245)"
pass "a route server back before the timer's end: nothing removed"

# Gone for 2 s: removed (not before), not restored; the default keeps it.
fake_stop
start=$(now_ms)
poll 2 "the timer starts" grep -q "keeping the routes for 2 s" "$tmp/keep.log"
poll 5 "the route leaves" hasnt 254 245
took=$(($(now_ms) - start))
[ "$took" -ge 1900 ] || fail "the route left after $took ms, before 2 s"
grep -q "no route server was live for 2 s: removed 1 routes" "$tmp/keep.log" ||
	fail "log: $(tail -5 "$tmp/keep.log")"
status_has 254 245 "no instance: routes removed after 2 s (1 routes)" ||
	fail "status: $(status 254 245)"
kill -HUP "${pids[0]}"
hold 2 "removed routes stay out (SIGHUP reconciles)" hasnt 254 245
has 100 246 || fail "the default agent's route left"
status_has 100 246 "no instance: routes kept forever" ||
	fail "status: $(status 100 246)"
pass "gone for 2 s: removed after $took ms, not restored; the default keeps its own"

fake_start
poll 15 "the route comes back with the route server" has 254 245
status_has 254 245 "no instance" && fail "status: $(status 254 245)"
grep -q "a route server is live again: its routes are programmed" "$tmp/keep.log" ||
	fail "log: $(tail -5 "$tmp/keep.log")"
pass "the route server back: its snapshot programs the route again"

ok=true
echo "test_keep_routes: all $passed checks passed"
