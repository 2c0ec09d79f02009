#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/nhg_micro.sh: the agent programming a snapshot of N ECMP /32 routes
# (K next hops each, the same set) into a fresh network namespace's kernel,
# with --nexthop-groups on and off, R runs each, alternating. The figure is
# the agent's own "last reconcile ... took" (dump, diff and every netlink
# request answered), from its --status; the machine's load average is
# printed with each run.
#
#   bench/nhg_micro.sh [N [K [R]]]   (as root, after tools/build.sh)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-250000}
k=${2:-4}
runs=${3:-3}
agent=${VNETRS_AGENT:-$top/agent/vnetrs-agent}
fake=$top/tests/agent/fake_rs
tmp=$(mktemp -d /tmp/vnetrs-nhg-micro-XXXXXX)
ns=vnetrs-nhg-micro-$$
fake_pid=
agent_pid=

cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null || true
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true
	sleep 0.5
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

nhs=$(seq 5 $((4 + k)) | sed 's/^/10.1.1./' | paste -sd,)
python3 - "$n" "$nhs" >"$tmp/routes" <<'EOF'
import sys
n, nhs = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    print("10.%d.%d.%d/32 %s" % (64 + (i >> 16), (i >> 8) & 255, i & 255, nhs))
EOF

one() {
	local mode=$1 took
	ip netns add "$ns"
	ip netns exec "$ns" ip link set lo up
	ip netns exec "$ns" ip link add d0 type veth peer name d1
	ip netns exec "$ns" ip link set d0 up
	ip netns exec "$ns" ip link set d1 up
	ip netns exec "$ns" ip addr add 10.1.1.1/24 dev d0
	: >"$tmp/fake.log"
	ip netns exec "$ns" "$fake" --listen "$tmp/rs.sock" --routes "$tmp/routes" \
		--name rs </dev/null 2>"$tmp/fake.log" >/dev/null &
	fake_pid=$!
	until grep -q listening "$tmp/fake.log"; do sleep 0.1; done
	ip netns exec "$ns" "$agent" --connect "$tmp/rs.sock" --table 100 \
		--nexthop-groups "$mode" --daemon --pidfile "$tmp/agent.pid" \
		2>"$tmp/agent.log"
	agent_pid=$(cat "$tmp/agent.pid")
	until grep -q "reconcile (.*snapshot)" "$tmp/agent.log"; do sleep 0.2; done
	took=$(ip netns exec "$ns" "$agent" --status --table 100 |
		sed -n 's/^last reconcile: .*; took \([0-9]*\) ms$/\1/p')
	local routes
	routes=$(ip netns exec "$ns" ip -4 route show table 100 | grep -c '^10\.')
	echo "groups $mode: $n routes of $k next hops: $took ms" \
		"($((n * 1000 / (took ? took : 1))) routes/s; $routes in the table;" \
		"load $(cut -d' ' -f1-3 /proc/loadavg))"
	kill "$agent_pid"
	while kill -0 "$agent_pid" 2>/dev/null; do sleep 0.1; done
	agent_pid=
	kill "$fake_pid"
	wait "$fake_pid" 2>/dev/null || true
	fake_pid=
	ip netns del "$ns"
}

for r in $(seq "$runs"); do
	one on
	one off
done
