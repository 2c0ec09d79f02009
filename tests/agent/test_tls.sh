#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vnetrs-agent over TLS, against tests/agent/fake_rs (no bgpd needed): the
# certificates are made here with the openssl CLI, everything runs in a
# network namespace of its own (loopback and a veth pair only).
#
#   tests/agent/test_tls.sh        (as root, after tools/build.sh)
#
# Checks: routes over TLS by IPv4 address, IPv6 address and name (default
# port and explicit); a route server whose certificate is from another CA,
# or for another name, is refused (logged, nothing taken); an agent whose
# certificate is from another CA is refused by the route server;
# --expect-as applies over TLS; the TLS handshake has a deadline; bad
# certificate files are a configuration error (exit 2); Unix and TLS mixed
# program the namespace's kernel, --status shows each transport, and the
# agent reconnects to a restarted TLS route server. Every wait is a poll
# with a deadline.
set -euo pipefail

name=test_tls
. "$(dirname "$0")/lib.sh"
proto=245
command -v openssl >/dev/null || { echo "test_tls: no openssl CLI" >&2; exit 1; }

# --- certificates --------------------------------------------------------

# mkca NAME: a self-signed CA.
mkca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$tmp/$1.key" -out "$tmp/$1.crt" -days 2 \
		-subj "/CN=$1" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# mkcert CA NAME EKU [SAN]: a certificate for NAME signed by CA.
mkcert() {
	local ext=$tmp/$2.ext
	printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=%s\n' "$3" >"$ext"
	[ -z "${4:-}" ] || printf 'subjectAltName=%s\n' "$4" >>"$ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$tmp/$2.key" -out "$tmp/$2.csr" -subj "/CN=$2" \
		2>/dev/null
	openssl x509 -req -in "$tmp/$2.csr" -CA "$tmp/$1.crt" \
		-CAkey "$tmp/$1.key" -CAcreateserial -days 2 \
		-extfile "$ext" -out "$tmp/$2.crt" 2>/dev/null
}

mkca ca
mkca rogue-ca
san="DNS:rs1.test,IP:127.0.0.1,IP:::1"
mkcert ca rs1.test serverAuth "$san"
mkcert rogue-ca rogue-rs.test serverAuth "$san"
mkcert ca agent1 clientAuth
mkcert rogue-ca rogue-agent clientAuth

# --- the namespace and the route servers ----------------------------------

make_vm_ns

echo "10.66.0.0/16 10.1.1.4" >"$tmp/tls.routes"
echo "10.77.0.0/16 10.1.1.5" >"$tmp/unix.routes"

# fake NAME ARGS...: a fake_rs in the namespace, logging to fake-NAME.log.
fake() {
	local log=$tmp/fake-$1.log
	shift
	# Not through nsx: $! must be fake_rs itself (ip execs it).
	ip netns exec "$ns" "$fake" "$@" </dev/null 2>"$log" &
	pids+=($!)
	poll 10 "fake_rs $log listens" grep -q "listening" "$log"
}

tls_srv=(--cert "$tmp/rs1.test.crt" --key "$tmp/rs1.test.key" --ca "$tmp/ca.crt")
fake rs1 --tls-listen "[::]:7179" "${tls_srv[@]}" --routes "$tmp/tls.routes" \
	--name rs1/tls
fake rogue --tls-listen "127.0.0.1:7180" --cert "$tmp/rogue-rs.test.crt" \
	--key "$tmp/rogue-rs.test.key" --ca "$tmp/ca.crt" \
	--routes "$tmp/tls.routes" --name rogue
fake unix --listen "$tmp/unix.sock" --routes "$tmp/unix.routes" \
	--name rs2/unix
# A TCP listener that never answers the handshake (the kernel accepts).
ip netns exec "$ns" python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 7181))
s.listen(4)
print("listening", flush=True)
time.sleep(600)
' >"$tmp/mute.log" 2>&1 &
pids+=($!)
poll 10 "the mute listener listens" grep -q listening "$tmp/mute.log"

client=(--cert "$tmp/agent1.crt" --key "$tmp/agent1.key" --ca "$tmp/ca.crt")

# once NAME SECONDS ARGS...: the agent's --once in the namespace, waiting
# at most SECONDS; stdout to NAME.out, log to NAME.log, exit status to
# NAME.rc. A refusal is at the first connect: those wait less.
once() {
	local n=$1 secs=$2 rc=0
	shift 2
	nsx "$agent" --once --timeout "$secs" "$@" >"$tmp/$n.out" \
		2>"$tmp/$n.log" ||
		rc=$?
	echo "$rc" >"$tmp/$n.rc"
}

expect_routes() {
	local n=$1
	shift
	[ "$(cat "$tmp/$n.rc")" = 0 ] || fail "$n: exit $(cat "$tmp/$n.rc"): $(cat "$tmp/$n.log")"
	for r in "$@"; do
		grep -qxF "$r" "$tmp/$n.out" || fail "$n: no '$r' in: $(cat "$tmp/$n.out")"
	done
}

expect_refused() {
	local n=$1 why=$2
	[ "$(cat "$tmp/$n.rc")" = 1 ] || fail "$n: exit $(cat "$tmp/$n.rc"), not 1"
	grep -q "$why" "$tmp/$n.log" || fail "$n: no '$why' in: $(cat "$tmp/$n.log")"
	! grep -q "10.66.0.0" "$tmp/$n.out" || fail "$n: routes taken: $(cat "$tmp/$n.out")"
}

# --- over TLS ------------------------------------------------------------

once v4 10 --connect tls://127.0.0.1 "${client[@]}"
expect_routes v4 "10.66.0.0/16 via 10.1.1.4"
grep -q "connected (TLSv1.3, server certificate 'CN=rs1.test')" "$tmp/v4.log" ||
	fail "v4: no TLS 1.3 connection logged: $(cat "$tmp/v4.log")"
pass "IPv4 address checked as the certificate's IP SAN, default port 7179"

once v6 10 --connect "tls://[::1]:7179" "${client[@]}"
expect_routes v6 "10.66.0.0/16 via 10.1.1.4"
pass "IPv6 address in brackets"

once name 10 --connect tls://localhost:7179 --server-name rs1.test "${client[@]}"
expect_routes name "10.66.0.0/16 via 10.1.1.4"
pass "a name resolved, --server-name checked"

once nameurl 2 --connect tls://localhost:7179 "${client[@]}"
expect_refused nameurl "refusing the route server: server certificate not accepted: hostname mismatch"
pass "without --server-name, the URL's name is checked (localhost is not in the certificate)"

once mismatch 2 --connect tls://127.0.0.1 --server-name rs2.test "${client[@]}"
expect_refused mismatch "refusing the route server: server certificate not accepted: hostname mismatch"
pass "a server name mismatch is refused"

once rogue 2 --connect tls://127.0.0.1:7180 "${client[@]}"
expect_refused rogue "refusing the route server: server certificate not accepted: unable to get local issuer certificate"
pass "a route server with another CA's certificate is refused"

once rogueagent 2 --connect tls://127.0.0.1 --cert "$tmp/rogue-agent.crt" \
	--key "$tmp/rogue-agent.key" --ca "$tmp/ca.crt"
[ "$(cat "$tmp/rogueagent.rc")" = 1 ] || fail "rogueagent: exit $(cat "$tmp/rogueagent.rc")"
! grep -q 10.66 "$tmp/rogueagent.out" || fail "rogueagent: routes taken"
grep -q "TLS handshake failed" "$tmp/fake-rs1.log" || fail "rs1 did not refuse the rogue agent"
pass "an agent with another CA's certificate is refused by the route server"

once expectas 2 --connect tls://127.0.0.1 --expect-as 65001 "${client[@]}"
expect_refused expectas "refusing the route server: .*not the expected AS 65001"
pass "--expect-as applies over TLS too"

once mute 7 --connect tls://127.0.0.1:7181 "${client[@]}"
expect_refused mute "connect and TLS handshake not done within 5000 ms"
pass "the handshake has a deadline"

rc=0
nsx "$agent" --once --connect tls://127.0.0.1 --cert "$tmp/nonexistent.crt" \
	--key "$tmp/agent1.key" --ca "$tmp/ca.crt" 2>"$tmp/badcert.log" || rc=$?
[ "$rc" = 2 ] && grep -q "nonexistent.crt: No such file" "$tmp/badcert.log" ||
	fail "a missing --cert: exit $rc: $(cat "$tmp/badcert.log")"
rc=0
nsx "$agent" --once --connect tls://127.0.0.1 --cert "$tmp/agent1.crt" \
	--key "$tmp/rogue-agent.key" --ca "$tmp/ca.crt" 2>"$tmp/badkey.log" || rc=$?
[ "$rc" = 2 ] && grep -q "rogue-agent.key: key values mismatch" "$tmp/badkey.log" ||
	fail "a key of another certificate: exit $rc: $(cat "$tmp/badkey.log")"
pass "certificate files that do not load: exit 2"

once mixed 10 --connect "$tmp/unix.sock" --connect tls://127.0.0.1 "${client[@]}"
expect_routes mixed "10.66.0.0/16 via 10.1.1.4" "10.77.0.0/16 via 10.1.1.5"
pass "Unix and TLS mixed (--once)"

# --- into the kernel ------------------------------------------------------

pidfile=$tmp/agent.pid
nsx "$agent" --connect "$tmp/unix.sock" --connect "tls://[::1]" \
	"${client[@]}" --daemon --pidfile "$pidfile" 2>>"$tmp/agent.log"
agent_pid=$(cat "$pidfile")
pids+=("$agent_pid")

kernel_has() {
	local routes
	routes=$(nsx ip -4 route show proto "$proto")
	grep -q "^10.66.0.0/16 via 10.1.1.4" <<<"$routes" &&
		grep -q "^10.77.0.0/16 via 10.1.1.5" <<<"$routes"
}
poll 15 "the namespace's kernel holds both instances' routes" kernel_has
nsx "$agent" --status >"$tmp/status.out"
grep -q "^  transport tls (TLSv1.3), server certificate 'CN=rs1.test'" "$tmp/status.out" &&
	grep -q "^  transport unix" "$tmp/status.out" ||
	fail "--status: $(cat "$tmp/status.out")"
pass "Unix and TLS mixed into the kernel; --status shows each transport"

# The TLS route server goes: the agent reconnects to its successor.
kill "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
poll 10 "the agent sees rs1 go" grep -q "tls://\[::1\]: disconnected" "$tmp/agent.log"
fake rs1b --tls-listen "[::]:7179" "${tls_srv[@]}" --routes "$tmp/tls.routes" \
	--name rs1b/tls
reconnected() {
	[ "$(grep -c "tls://\[::1\]: connected (TLSv1.3" "$tmp/agent.log")" -ge 2 ]
}
poll 15 "the agent reconnects over TLS" reconnected
poll 15 "routes still there after the reconnect" kernel_has
pass "reconnect over TLS"

kill "$agent_pid"
poll 10 "the agent exits" bash -c "! kill -0 $agent_pid 2>/dev/null"
ok=true
echo "test_tls: all $passed checks passed"
