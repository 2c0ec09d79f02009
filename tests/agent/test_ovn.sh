#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vnetrs-agent's OVN northbound backend against a real ovsdb-server serving
# an OVN_Northbound database (made from /usr/share/ovn/ovn-nb.ovsschema; no
# northd needed: the rows are what is checked), fed by tests/agent/fake_rs,
# checked with ovn-nbctl as an operator would.
#
#   tests/agent/test_ovn.sh        (as root, after tools/build.sh)
#
# Checks: bad --ovn-* options are configuration errors; --once prints the
# rows it would write; a router that does not exist yet is logged and its
# rows appear once it is created; ECMP (one row per next hop) and IPv6
# rows, marked external_ids:vnetrs-agent=OWNER; no row for an address
# space; an operator's route of the same prefix is left alone (and ours
# goes in once it is gone); the operator's rows keep their uuid across
# every reconcile; a row of ours deleted with ovn-nbctl comes back; a
# withdraw removes the rows; ovsdb-server killed and restarted on the same
# file: the agent reconnects and reconciles (a withdraw and an announce
# made meanwhile, a stale row of ours removed, others' rows kept);
# a hung ovsdb-server (SIGSTOP) detected by the echo probe; a batch of
# 1,200 routes in two transactions; --status; the same over ssl (the second
# remote of a list): with certificates; transactions refused (a
# backup ovsdb-server): logged once with the reason, retried, nothing else
# changed. Every wait is a poll with a deadline.
set -euo pipefail

name=test_ovn
. "$(dirname "$0")/lib.sh"
for c in ovsdb-server ovsdb-tool ovn-nbctl openssl; do
	command -v "$c" >/dev/null ||
		{ echo "$name: $c missing (openvswitch-switch, ovn-central)" >&2; exit 1; }
done
schema=/usr/share/ovn/ovn-nb.ovsschema
[ -r "$schema" ] || { echo "$name: $schema missing (ovn-central)" >&2; exit 1; }

# Every OVS file of ours in $tmp, never the system's run directory.
export OVS_RUNDIR=$tmp OVS_LOGDIR=$tmp OVS_DBDIR=$tmp
db=$tmp/nb.db
sock=$tmp/nb.sock
owner=hv-test
proto=246
nb() { ovn-nbctl --db="unix:$sock" --timeout=10 "$@"; }

ip netns add "$ns"
nsx ip link set lo up

# --- the northbound database ---------------------------------------------

ovsdb-tool create "$db" "$schema"

nb_up() { nb --no-wait show >/dev/null 2>&1; }

# nb_start: ovsdb-server on $db in the namespace ($extra_pid).
nb_start() {
	# Not through nsx: $! must be ovsdb-server itself (ip execs it).
	ip netns exec "$ns" ovsdb-server "$db" --remote="punix:$sock" \
		--private-key="$tmp/nb.key" --certificate="$tmp/nb.crt" \
		--ca-cert="$tmp/ca.crt" --remote=pssl:26641:127.0.0.1 \
		--unixctl="$tmp/nb.ctl" --pidfile="$tmp/nb.pid" --no-chdir \
		--log-file="$tmp/nb.log" </dev/null 2>>"$tmp/nb.err" &
	extra_pid=$!
	poll 10 "ovsdb-server answers" nb_up
}

# The certificates of ssl: (ovsdb-server's and the agent's, one CA).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$tmp/ca.key" -out "$tmp/ca.crt" -days 2 -subj "/CN=ca" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
for n in nb agent; do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$tmp/$n.key" -out "$tmp/$n.csr" -subj "/CN=$n" 2>/dev/null
	openssl x509 -req -in "$tmp/$n.csr" -CA "$tmp/ca.crt" \
		-CAkey "$tmp/ca.key" -CAcreateserial -days 2 \
		-out "$tmp/$n.crt" 2>/dev/null
done

nb_start

# --- the route server -----------------------------------------------------

cat >"$tmp/rs.routes" <<EOF
10.250.0.0/16 10.1.1.4,10.1.1.5
0.0.0.0/0 10.1.1.6
2001:db8:99::/48 2001:db8:1::4
192.168.0.0/16 10.1.1.7
10.1.0.0/16 local
EOF
mkfifo "$tmp/rs.in"
# Keep the FIFO open for writing, so fake_rs never sees its end.
sleep 100000 >"$tmp/rs.in" &
pids+=($!)
ip netns exec "$ns" "$fake" --listen "$tmp/rs.sock" --routes "$tmp/rs.routes" \
	--name rs1 <"$tmp/rs.in" 2>"$tmp/fake.log" &
pids+=($!)
poll 10 "fake_rs listens" grep -q listening "$tmp/fake.log"
rs() { printf '%s\n' "$@" >"$tmp/rs.in"; }

# --- bad options ------------------------------------------------------------

# bad MESSAGE ARGS...: exit 2 with MESSAGE.
bad() {
	local msg=$1 rc=0
	shift
	nsx "$agent" --connect "$tmp/rs.sock" "$@" 2>"$tmp/bad.log" || rc=$?
	[ "$rc" = 2 ] && grep -qF -- "$msg" "$tmp/bad.log" ||
		fail "$*: exit $rc, no '$msg' in: $(cat "$tmp/bad.log")"
}
bad "--ovn-nb needs --ovn-router NAME" --ovn-nb "unix:$sock"
bad "go with --ovn-nb" --ovn-router lr0
bad "--ovn-nb tcp:127.0.0.1: expected IP:PORT" --ovn-nb tcp:127.0.0.1 --ovn-router lr0
bad "an IPv6 address goes in brackets" --ovn-nb tcp:::1:6641 --ovn-router lr0
bad "expected unix:PATH, tcp:IP:PORT or ssl:IP:PORT" --ovn-nb "$sock" --ovn-router lr0
bad "bogus: expected unix:PATH, tcp:IP:PORT or ssl:IP:PORT" --ovn-nb "unix:$sock,bogus" --ovn-router lr0
bad "needs --ovn-cert, --ovn-key and --ovn-ca" --ovn-nb ssl:127.0.0.1:26641 --ovn-router lr0
bad "are for --ovn-nb ssl:" --ovn-nb "unix:$sock" --ovn-router lr0 --ovn-ca "$tmp/ca.crt"
bad "nonexistent.crt: No such file" --ovn-nb ssl:127.0.0.1:26641 --ovn-router lr0 \
	--ovn-cert "$tmp/nonexistent.crt" --ovn-key "$tmp/agent.key" --ovn-ca "$tmp/ca.crt"
pass "bad --ovn-* options: exit 2 with a message"

# --- --once ---------------------------------------------------------------

nsx "$agent" --once --timeout 10 --connect "$tmp/rs.sock" --ovn-nb "unix:$sock" \
	--ovn-router lr0 --ovn-owner "$owner" >"$tmp/once.out" 2>"$tmp/once.log" ||
	fail "--once: $(cat "$tmp/once.log")"
for l in \
	"router lr0: Logical_Router_Static_Route ip_prefix=10.250.0.0/16 nexthop=10.1.1.4 policy=dst-ip external_ids:vnetrs-agent=$owner" \
	"router lr0: Logical_Router_Static_Route ip_prefix=10.250.0.0/16 nexthop=10.1.1.5 policy=dst-ip external_ids:vnetrs-agent=$owner" \
	"router lr0: Logical_Router_Static_Route ip_prefix=2001:db8:99::/48 nexthop=2001:db8:1::4 policy=dst-ip external_ids:vnetrs-agent=$owner" \
	"# 10.1.0.0/16 local: not written (an address space: the router's own subnets)"; do
	grep -qxF "$l" "$tmp/once.out" || fail "--once: no '$l' in: $(cat "$tmp/once.out")"
done
[ -z "$(nb --bare --columns=_uuid find Logical_Router_Static_Route)" ] ||
	fail "--once wrote rows"
pass "--once prints the rows it would write (one per ECMP next hop, IPv6, no address space), writes none"

# --- the agent, before its router exists -------------------------------------

nsx "$agent" --connect "$tmp/rs.sock" --ovn-nb "unix:$sock" --ovn-router lr0 \
	--ovn-owner "$owner" --settle 0 --daemon \
	--pidfile "$tmp/agent.pid" 2>>"$tmp/agent.log"
pids+=("$(cat "$tmp/agent.pid")")
poll 10 "the missing router logged" \
	grep -q "no logical router named 'lr0': its routes are not written until it exists" "$tmp/agent.log"
# The lock is the router and owner's: a second agent for them refuses;
# the kernel table's lock (the same --protocol) is not taken.
if nsx "$agent" --connect "$tmp/rs.sock" --ovn-nb "unix:$sock" --ovn-router lr0 \
	--ovn-owner "$owner" --settle 0 2>"$tmp/second.err"; then
	fail "a second agent for lr0 and $owner started"
fi
grep -qE "another vnetrs-agent \(pid [0-9]+\) already programs OVN router lr0 as owner $owner in this network namespace" "$tmp/second.err" ||
	fail "the second agent's refusal: $(cat "$tmp/second.err")"
kstatus=$(nsx "$agent" --status --protocol "$proto" 2>&1) || true
grep -q "no agent runs for table 254 protocol $proto" <<<"$kstatus" ||
	fail "--status without --ovn-router found an agent: $kstatus"
status() { nsx "$agent" --status --ovn-router lr0 --ovn-owner "$owner"; }
status_has() { status | grep -qF -- "$1"; }
poll 10 "--status shows the missing router" status_has "router 'lr0': missing"
pass "a router that does not exist: logged once, shown in --status; the router and owner's lock refuses a second agent"

# The operator's router, with routes of their own (one of a prefix the
# route server has too).
# One transaction: the agent writes as soon as the router exists.
nb lr-add lr0 -- lr-route-add lr0 192.168.0.0/16 10.1.1.99 \
	-- lr-route-add lr0 172.16.0.0/12 10.1.1.98 \
	-- lr-route-add lr0 fd00:99::/64 2001:db8:1::99
op_rows() {
	nb --bare --columns=_uuid,ip_prefix,nexthop,external_ids find \
		Logical_Router_Static_Route 'external_ids:vnetrs-agent!='"$owner" |
		sort
}
op_before=$(op_rows)

routes() { nb lr-route-list "${router:-lr0}"; }
# lacks TEXT: no row of the router shows TEXT.
lacks() { ! routes | grep -qF -- "$1"; }
# has PREFIX NEXTHOP [ecmp]: a row of the router shown by lr-route-list.
has() {
	local r
	r=$(routes)
	grep -Eq "^ +$1 +$2 dst-ip${3:+ $3}\$" <<<"$r"
}
poll 10 "the rows appear once the router exists" has 0.0.0.0/0 10.1.1.6
poll 5 "ECMP rows" has 10.250.0.0/16 10.1.1.4 ecmp
has 10.250.0.0/16 10.1.1.5 ecmp || fail "no second ECMP row: $(routes)"
has 2001:db8:99::/48 2001:db8:1::4 || fail "no IPv6 row: $(routes)"
grep -q "logical router 'lr0' is there" "$tmp/agent.log" || fail "router arrival not logged"
pass "rows appear once the router is created: ECMP as one row per next hop, IPv6"

[ "$(nb --bare --columns=external_ids find Logical_Router_Static_Route nexthop=10.1.1.6)" = \
	"vnetrs-agent=$owner" ] || fail "the mark: $(nb list Logical_Router_Static_Route)"
[ "$(nb --bare --columns=policy find Logical_Router_Static_Route nexthop=10.1.1.6)" = dst-ip ] ||
	fail "policy not dst-ip"
! routes | grep -q "10.1.0.0/16" || fail "an address space written: $(routes)"
pass "rows marked external_ids:vnetrs-agent=$owner, policy dst-ip; no row for the address space"

has 192.168.0.0/16 10.1.1.99 || fail "the operator's route changed: $(routes)"
! routes | grep -q 10.1.1.7 || fail "our row of the operator's prefix written: $(routes)"
poll 5 "the conflict logged" grep -q "192.168.0.0/16: another owner.s row of this prefix" "$tmp/agent.log"
st=$(status)
grep -q "OVN NB unix:$sock: connected" <<<"$st" || fail "--status: $st"
grep -q "router 'lr0': there, 4 rows of ours (vnetrs-agent=$owner), 3 other rows" <<<"$st" ||
	fail "--status counts: $st"
grep -q "^conflicts: 1 now, 1 seen (another owner.s row of this prefix (dst-ip, main route table) on the router: left alone)$" <<<"$st" &&
	grep -q "^  192.168.0.0/16$" <<<"$st" || fail "--status conflicts: $st"
pass "an operator's route of the same prefix is left alone (a conflict in --status)"

# --- others' changes --------------------------------------------------------

t0=$(now_ms)
nb lr-route-del lr0 0.0.0.0/0
poll 10 "our deleted row back" has 0.0.0.0/0 10.1.1.6
t1=$(now_ms)
grep -q "0.0.0.0/0: a row of ours removed by someone else" "$tmp/agent.log" ||
	fail "the restore not logged"
pass "a row of ours deleted with ovn-nbctl comes back (seen back by ovn-nbctl $((t1 - t0)) ms after the delete)"

uuid6=$(nb --bare --columns=_uuid find Logical_Router_Static_Route nexthop=10.1.1.6)
nb set Logical_Router_Static_Route "$uuid6" nexthop=10.1.1.66
poll 10 "our changed row put right" has 0.0.0.0/0 10.1.1.6
! has 0.0.0.0/0 10.1.1.66 || fail "the changed row stays: $(routes)"
pass "a row of ours changed by someone else is put right"

rs "del 10.250.0.0/16" commit
poll 10 "the withdrawn rows gone" lacks 10.250.0.0/16
pass "a withdraw removes the rows (both ECMP rows)"

nb lr-route-del lr0 192.168.0.0/16 10.1.1.99
poll 10 "ours once the operator's is gone" has 192.168.0.0/16 10.1.1.7
op_before=$(grep -v 192.168.0.0 <<<"$op_before")
pass "once the operator's route is gone, ours goes in"

# --- the database killed and restarted ----------------------------------------

# nb_kill: kill -9 ovsdb-server, wait for the agent to notice (N-th time).
nb_kill() {
	kill -9 "$extra_pid"
	wait "$extra_pid" 2>/dev/null || true
	extra_pid=
	poll 10 "the lost connection logged" lost "$1"
	poll 10 "--status shows it down" status_has "OVN NB unix:$sock: disconnected"
}
lost() { [ "$(grep -c "OVN NB unix:$sock: connection lost" "$tmp/agent.log")" = "$1" ]; }
connects() { [ "$(grep -c "OVN NB unix:$sock: connected" "$tmp/agent.log")" = "$1" ]; }
# nbfile JSON-OPERATIONS: a transaction on the file, ovsdb-server down.
nbfile() { ovsdb-tool transact "$db" "[\"OVN_Northbound\",$1]" >/dev/null; }
lr=$(nb --bare --columns=_uuid find Logical_Router name=lr0)
uuid_v6=$(nb --bare --columns=_uuid find Logical_Router_Static_Route nexthop='"2001:db8:1::4"')
[ -n "$lr" ] && [ -n "$uuid_v6" ] || fail "uuids: '$lr' '$uuid_v6'"

# While it is down, with no route-server change (nothing failing, nothing
# to retry): a row of ours removed and a stale one of ours added in the
# file, as an operator's restore of an old backup would. Only the
# reconcile of the reconnect puts that right.
nb_kill 1
nbfile '{"op":"insert","table":"Logical_Router_Static_Route","uuid-name":"s",
  "row":{"ip_prefix":"10.99.0.0/16","nexthop":"10.1.1.9","policy":"dst-ip",
   "external_ids":["map",[["vnetrs-agent","'"$owner"'"]]]}},
 {"op":"mutate","table":"Logical_Router","where":[["_uuid","==",["uuid","'"$lr"'"]]],
  "mutations":[["static_routes","insert",["set",[["named-uuid","s"]]]],
   ["static_routes","delete",["set",[["uuid","'"$uuid_v6"'"]]]]]}'
nb_start
t0=$(now_ms)
poll 20 "the agent reconnects" connects 2
poll 10 "the row of ours removed meanwhile back" has 2001:db8:99::/48 2001:db8:1::4
poll 10 "the stale row of ours removed" lacks 10.99.0.0
t1=$(now_ms)
grep -q "reconcile (OVN NB connected)" "$tmp/agent.log" || fail "no reconcile logged at the reconnect"
pass "ovsdb-server killed and restarted: reconnected, reconciled (a missing row added, a stale one deleted; $((t1 - t0)) ms after the restart, reconnect backoff included)"

# While it is down, the route server withdraws and announces.
nb_kill 2
rs "del 0.0.0.0/0" "add 10.77.0.0/16 10.1.1.8" commit
poll 10 "the batch seen" grep -q "batch seq .*: 1 adds, 1 deletes" "$tmp/agent.log"
nb_start
poll 20 "the agent reconnects" connects 3
poll 10 "the announce made while down" has 10.77.0.0/16 10.1.1.8
poll 10 "the withdraw made while down" lacks 0.0.0.0/0
pass "a withdraw and an announce made while the database was down are carried out once it is back"

# A hung database (SIGSTOP): the agent's echo goes unanswered, it
# reconnects; once the database runs again, it is connected again.
kill -STOP "$extra_pid"
poll 20 "the hung database detected" grep -q \
	"OVN NB unix:$sock: connection lost: no answer within 10000 ms (inactivity probe)" "$tmp/agent.log"
kill -CONT "$extra_pid"
connected_again() { [ "$(grep -c "OVN NB unix:$sock: connected" "$tmp/agent.log")" -ge 4 ]; }
poll 20 "connected after the hang" connected_again
poll 10 "--status connected" status_has "OVN NB unix:$sock: connected"
has 10.77.0.0/16 10.1.1.8 || fail "rows lost after the hang: $(routes)"
pass "a hung database: detected by the inactivity probe, reconnected once it answers"

# A batch of 1,200 prefixes: more rows than one transaction holds (1,000),
# so two transactions; then all withdrawn in one batch.
ours_n() { nb --bare --columns=_uuid find Logical_Router_Static_Route "external_ids:vnetrs-agent=$owner" | grep -c .; }
committed() { status | sed -n 's/^  transactions: \([0-9]*\) committed.*/\1/p'; }
n0=$(ours_n)
c0=$(committed)
{
	for i in $(seq 0 1199); do echo "add 10.200.$((i / 200)).$((i % 200))/32 10.1.1.4"; done
	echo commit
} >"$tmp/rs.in"
rows_are() { [ "$(ours_n)" = "$1" ]; }
poll 20 "1,200 rows more" rows_are $((n0 + 1200))
[ "$(committed)" = $((c0 + 2)) ] || fail "transactions: $c0 before, $(committed) after (expected 2 more)"
{
	for i in $(seq 0 1199); do echo "del 10.200.$((i / 200)).$((i % 200))/32"; done
	echo commit
} >"$tmp/rs.in"
poll 20 "the 1,200 rows gone" rows_are "$n0"
pass "a batch of 1,200 routes: two transactions (at most 1,000 rows each); withdrawn in one batch"

kill -HUP "$(cat "$tmp/agent.pid")"
poll 10 "the SIGHUP reconcile" grep -q "reconcile (SIGHUP)" "$tmp/agent.log"
[ "$(op_rows)" = "$op_before" ] ||
	fail "the operator's rows changed: before: $op_before; now: $(op_rows)"
pass "the operator's rows kept their uuid, prefix and next hop across every reconcile"

# --- over ssl: ------------------------------------------------------------------

nb lr-add lr-ssl
# A list of remotes (a clustered database's members): the first one is
# not there, the second is.
nsx "$agent" --connect "$tmp/rs.sock" \
	--ovn-nb "unix:$tmp/nonexistent.sock,ssl:127.0.0.1:26641" \
	--ovn-cert "$tmp/agent.crt" --ovn-key "$tmp/agent.key" --ovn-ca "$tmp/ca.crt" \
	--ovn-router lr-ssl --ovn-owner hv-ssl --settle 0 \
	--daemon --pidfile "$tmp/agent-ssl.pid" 2>>"$tmp/agent-ssl.log"
pids+=("$(cat "$tmp/agent-ssl.pid")")
router=lr-ssl
poll 10 "rows over ssl" has 10.77.0.0/16 10.1.1.8
has 2001:db8:99::/48 2001:db8:1::4 || fail "ssl: no IPv6 row: $(routes)"
router=
grep -q "OVN NB ssl:127.0.0.1:26641: connected" "$tmp/agent-ssl.log" ||
	fail "ssl: $(cat "$tmp/agent-ssl.log")"
grep -q "OVN NB unix:$tmp/nonexistent.sock: cannot connect: No such file or directory" "$tmp/agent-ssl.log" ||
	fail "the first remote of the list: $(cat "$tmp/agent-ssl.log")"
nsx "$agent" --status --ovn-router lr-ssl --ovn-owner hv-ssl | grep -q "remote 2 of 2: unix:$tmp/nonexistent.sock,ssl:127.0.0.1:26641" ||
	fail "--status: $(nsx "$agent" --status --ovn-router lr-ssl --ovn-owner hv-ssl)"
pass "the same over ssl: with certificates, the second remote of a list"

# --- a refused transaction -------------------------------------------------------

# A backup ovsdb-server replicating the database (--sync-from): it refuses
# every write.
ovsdb-tool create "$tmp/nb-ro.db" "$schema"
ip netns exec "$ns" ovsdb-server "$tmp/nb-ro.db" --remote="punix:$tmp/nb-ro.sock" \
	--sync-from="unix:$sock" --unixctl="$tmp/nb-ro.ctl" \
	--pidfile="$tmp/nb-ro.pid" --no-chdir --log-file="$tmp/nb-ro.log" \
	</dev/null 2>>"$tmp/nb-ro.err" &
pids+=($!)
nb lr-add lr-ro
ro_has_router() { ovn-nbctl --db="unix:$tmp/nb-ro.sock" --timeout=10 lr-list 2>/dev/null | grep -q lr-ro; }
poll 10 "the backup has the router" ro_has_router
ro_before=$(nb --bare --columns=_uuid,ip_prefix,nexthop,external_ids list Logical_Router_Static_Route | sort)
nsx "$agent" --connect "$tmp/rs.sock" --ovn-nb "unix:$tmp/nb-ro.sock" \
	--ovn-router lr-ro --ovn-owner hv-ro --settle 0 \
	--daemon --pidfile "$tmp/agent-ro.pid" 2>>"$tmp/agent-ro.log"
pids+=("$(cat "$tmp/agent-ro.pid")")
refusals() { nsx "$agent" --status --ovn-router lr-ro --ovn-owner hv-ro | grep -Eq "transactions: 0 committed, ([2-9]|[0-9]{2,}) refused"; }
# The first attempt, and a retry (1 s later).
poll 15 "transactions refused and retried" refusals
[ "$(grep -c "transaction refused" "$tmp/agent-ro.log")" = 1 ] ||
	fail "a refusal not logged exactly once: $(grep "transaction refused" "$tmp/agent-ro.log")"
grep -q "OVN NB unix:$tmp/nb-ro.sock: transaction refused: .*not allowed" "$tmp/agent-ro.log" ||
	fail "the refusal's reason: $(grep "refused" "$tmp/agent-ro.log")"
[ "$(nb --bare --columns=_uuid,ip_prefix,nexthop,external_ids list Logical_Router_Static_Route | sort)" = "$ro_before" ] ||
	fail "rows changed by the refused agent"
nsx "$agent" --status --ovn-router lr-ro --ovn-owner hv-ro | grep -q "last refusal: .*not allowed" ||
	fail "--status: no last refusal"
pass "a refused transaction: logged once with its reason, retried, nothing else disturbed"

ok=true
echo "$name: all $passed checks passed"
