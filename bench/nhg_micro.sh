#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/nhg_micro.sh: the agent programming a snapshot of N ECMP /32 routes
# (K next hops each, the same set) into a fresh network namespace's kernel,
# with --nexthop-groups on and off, R runs each, alternating. The figure is
# the agent's own "last reconcile ... took" (dump, diff and every netlink
# request answered), from its --status. Then a failover: one batch moves
# every route to another set (the last next hop replaced); its figure is
# from the agent's log, the batch received to its changes carried out
# (merge, diff, netlink). The machine's load average is printed with each
# run.
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
# The failover: the last next hop replaced by 10.1.1.200.
last_nh2=10.1.1.200
nhs2=$(seq 5 $((3 + k)) | sed 's/^/10.1.1./' | paste -sd,)
nhs2=${nhs2:+$nhs2,}$last_nh2
python3 - "$n" "$nhs" "$tmp/routes" "$nhs2" "$tmp/failover" <<'EOF'
import sys
n, nhs, nhs2 = int(sys.argv[1]), sys.argv[2], sys.argv[4]
with open(sys.argv[3], "w") as a, open(sys.argv[5], "w") as b:
    for i in range(n):
        p = "10.%d.%d.%d/32" % (64 + (i >> 16), (i >> 8) & 255, i & 255)
        print(p, nhs, file=a)
        print("add", p, nhs2, file=b)
    print("commit", file=b)
EOF
# The failover's time in the agent's log: its batch received, carried out.
cat >"$tmp/took.py" <<'EOF'
import datetime, re, sys
t = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+)Z .*rs\.sock(: batch seq 2:| batch: %s prefixes changed)" % sys.argv[2], line)
    if m:
        t["done" if "changed" in m.group(2) else "rx"] = datetime.datetime.fromisoformat(m.group(1))
print(int((t["done"] - t["rx"]).total_seconds() * 1000))
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
	rm -f "$tmp/rs.in"
	mkfifo "$tmp/rs.in"
	exec 3<>"$tmp/rs.in"
	ip netns exec "$ns" "$fake" --listen "$tmp/rs.sock" --routes "$tmp/routes" \
		--name rs <&3 2>"$tmp/fake.log" >/dev/null &
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
	cat "$tmp/failover" >&3
	until grep -q "batch: $n prefixes changed" "$tmp/agent.log"; do sleep 0.2; done
	took=$(python3 "$tmp/took.py" "$tmp/agent.log" "$n")
	local moved
	if [ "$mode" = on ]; then
		moved="$(ip netns exec "$ns" ip nexthop | grep -c "$last_nh2 " || true) object(s) with the new next hop"
	else
		moved="$(ip netns exec "$ns" ip -4 route show table 100 | grep -c "$last_nh2 " || true) routes with the new next hop"
	fi
	echo "groups $mode: failover of $n routes: $took ms ($moved;" \
		"load $(cut -d' ' -f1-3 /proc/loadavg))"
	kill "$agent_pid"
	while kill -0 "$agent_pid" 2>/dev/null; do sleep 0.1; done
	agent_pid=
	kill "$fake_pid"
	wait "$fake_pid" 2>/dev/null || true
	exec 3>&-
	fake_pid=
	ip netns del "$ns"
}

for r in $(seq "$runs"); do
	one on
	one off
done
