# SPDX-License-Identifier: GPL-2.0-or-later
#
# The harness of the agent's own tests (tests/agent/test_*.sh), sourced
# after setting name (the test's name, in every line it prints):
#
#   name=test_x; . "$(dirname "$0")/lib.sh"
#
# It checks that the test runs as root and that the agent and fake_rs are
# built, makes a private directory ($tmp, kept on failure) and a network
# namespace name ($ns, deleted at exit), and kills at exit every process
# whose pid the test put in pids or extra_pids. Every wait is a poll with a
# deadline.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# VNETRS_AGENT: a wrapper (tests/sanitizers/agent-valgrind.sh), as in the
# topotests.
agent=${VNETRS_AGENT:-$top/agent/vnetrs-agent}
fake=$top/tests/agent/fake_rs

if [ "$(id -u)" != 0 ]; then
	echo "$name: run as root (network namespace)" >&2
	exit 1
fi
for f in "$top/agent/vnetrs-agent" "$fake"; do
	[ -x "$f" ] || { echo "$name: $f missing: tools/build.sh" >&2; exit 1; }
done

tmp=$(mktemp -d "/tmp/vnetrs-$name-XXXXXX")
ns=vnetrs-$name-$$
pids=()
# Processes the test stops and starts again itself (one pid, or none).
extra_pid=
passed=0
ok=false

cleanup() {
	local p
	for p in "${pids[@]}" $extra_pid; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}" $extra_pid; do
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$ns" 2>/dev/null || true
	if $ok; then
		rm -rf "$tmp"
	else
		echo "$name: logs kept in $tmp" >&2
	fi
}
trap cleanup EXIT

fail() {
	echo "$name: FAILED: $*" >&2
	exit 1
}

pass() {
	passed=$((passed + 1))
	echo "$name: ok: $*"
}

nsx() {
	ip netns exec "$ns" "$@"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# poll SECONDS DESCRIPTION COMMAND...: until COMMAND succeeds, or fail.
poll() {
	local end=$(($(now_ms) + $1 * 1000)) what=$2
	shift 2
	until "$@"; do
		[ "$(now_ms)" -lt "$end" ] || fail "not within the deadline: $what"
		sleep 0.05
	done
}

# hold SECONDS DESCRIPTION COMMAND...: COMMAND succeeds all along, or fail.
hold() {
	local end=$(($(now_ms) + $1 * 1000)) what=$2
	shift 2
	while [ "$(now_ms)" -lt "$end" ]; do
		"$@" || fail "$what"
		sleep 0.05
	done
}

# The VM's namespace $ns: lo up, and the next hops' subnet 10.1.1.0/24 on a
# veth pair d0-d1 (the dummy module may be missing), 10.1.1.1 on d0.
make_vm_ns() {
	ip netns add "$ns"
	nsx ip link set lo up
	nsx ip link add d0 type veth peer name d1
	nsx ip link set d1 up
	nsx ip link set d0 up
	nsx ip addr add 10.1.1.1/24 dev d0
}

# refused_values OPTION MESSAGE VALUE...: each VALUE of the agent's OPTION
# makes it exit 2 with a line starting "vnetrs-agent: OPTION" and holding
# MESSAGE (a grep pattern), or fail.
refused_values() {
	local opt=$1 msg=$2 bad rc
	shift 2
	for bad in "$@"; do
		rc=0
		"$agent" --connect /nonexistent "$opt" "$bad" \
			2>"$tmp/bad.err" || rc=$?
		[ "$rc" = 2 ] && grep -q "^vnetrs-agent: $opt .*$msg" "$tmp/bad.err" ||
			fail "$opt '$bad': exit $rc, $(cat "$tmp/bad.err")"
	done
	pass "bad $opt values: exit 2 with a message"
}
