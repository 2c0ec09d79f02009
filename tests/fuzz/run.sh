#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fuzz every parser of the project with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer, for a bounded time:
#
#   tests/fuzz/run.sh [SECONDS [TARGET...]]   (default 60, every target)
#
# SECONDS is the total, shared evenly by the targets:
#   sdn_wire       the SDN wire decoder and order checker
#                  (logic/vnetrs_sdn_wire.c), both directions
#   prefix         the prefix parser of the CLI and YANG keys
#                  (logic/vnetrs_prefix.c)
#   agent_netlink  the agent's reading of rtnetlink route dumps and
#                  acknowledgements and events (agent/backend_kernel.c)
#   agent_stream   the agent reading a route server's SDN stream over a
#                  socket, and the tables it computes (agent/agent_conn.c,
#                  agent/agent_table.c); the reader is the same for Unix
#                  and TLS (agent_tp_read() hands it the bytes)
#   ovsdb          the agent reading an OVSDB server: framing, JSON-RPC
#                  messages, transaction replies, and the OVN backend's
#                  cache of monitor updates, dump and row changes
#                  (agent/ovsdb.c, agent/backend_ovn.c)
#
# Builds into build/fuzz/: each fuzzer, and the same source without
# libFuzzer as a seed generator (--make-corpus) and replayer
# (build/fuzz/TARGET_replay FILE...). Seeds are valid inputs, regenerated
# each run; what the fuzzer finds is kept in build/fuzz/corpus/TARGET/ for
# the next run. Exits non-zero when a fuzzer finds a crash, a sanitizer
# report, a broken invariant, a leak or a timeout; the input is left in
# build/fuzz/artifacts/.
set -euo pipefail

secs=${1:-60}
case $secs in
'' | *[!0-9]*)
	echo "usage: $0 [SECONDS [TARGET...]]" >&2
	exit 2
	;;
esac
[ $# -gt 0 ] && shift
ALL_TARGETS=(sdn_wire prefix agent_netlink agent_stream ovsdb)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=build/fuzz

# clang, and libFuzzer plus the sanitizer runtimes of clang's own version
# (libclang-rt-N-dev, only recommended by clang: not installed with
# --no-install-recommends; 14 on Debian 12, 19 on 13). llvm-symbolizer
# (package llvm-N) is used when present, for readable stack traces.
install_missing() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	if [ "$(id -u)" != 0 ]; then
		echo "fuzz: missing packages ${missing[*]} (run as root to install)" >&2
		exit 1
	fi
	echo "fuzz: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
install_missing clang
clang_major=$(clang -dumpversion | cut -d. -f1)
install_missing "libclang-rt-$clang_major-dev"

CC=${CC:-clang}
CFLAGS=(-g -O1 -fno-omit-frame-pointer -Wall -Wextra -I.)
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)

# The agent's sources but its main() (from the Makefile: tools/build.sh
# first), libmnl and OpenSSL (agent/agent_tls.c is linked, not fuzzed: its
# decrypted bytes go to the same reader as the Unix socket's).
agent_srcs() {
	local f
	for f in $(make -s --no-print-directory -o Makefile -o Makefile.in \
		-o config.status -o configure \
		--eval 'vnetrs-print-%: ; @printf "%s\n" '"'"'$($*)'"'"'' \
		vnetrs-print-agent_vnetrs_agent_SOURCES); do
		case $f in
		agent/agent_main.c) ;;
		# included by its fuzz target (for its static parsers)
		agent/backend_kernel.c) [ "${1:-}" = all ] && echo "$f" ;;
		# included by the ovsdb target
		agent/backend_ovn.c) [ "${1:-}" = all ] && echo "$f" ;;
		*) echo "$f" ;;
		esac
	done
}

# TARGET: sources, the replayer's extra sources and flags, libraries,
# max_len.
target_config() {
	case $1 in
	sdn_wire)
		SRCS=(tests/fuzz/fuzz_sdn_wire.c logic/vnetrs_sdn_wire.c)
		MAIN=(-DSDN_WIRE_CORPUS_MAIN)
		LIBS=()
		# The largest message is 17450 bytes; 8 KiB of input reaches
		# every rule (1024 next hops of IPv4 fit in 5150 bytes).
		MAXLEN=8192
		;;
	prefix)
		SRCS=(tests/fuzz/fuzz_prefix.c logic/vnetrs_prefix.c)
		MAIN=(tests/fuzz/fuzz_main.c)
		LIBS=()
		MAXLEN=256
		;;
	agent_netlink)
		SRCS=(tests/fuzz/fuzz_agent_netlink.c tests/fuzz/fuzz_agent.c
			$(agent_srcs))
		MAIN=(tests/fuzz/fuzz_main.c)
		LIBS=(-lmnl -lssl -lcrypto -ljson-c)
		MAXLEN=8192
		;;
	agent_stream)
		SRCS=(tests/fuzz/fuzz_agent_stream.c tests/fuzz/fuzz_agent.c
			$(agent_srcs all))
		MAIN=(tests/fuzz/fuzz_main.c)
		LIBS=(-lmnl -lssl -lcrypto -ljson-c)
		MAXLEN=16384
		;;
	ovsdb)
		SRCS=(tests/fuzz/fuzz_ovsdb.c tests/fuzz/fuzz_agent.c agent/ovsdb.c agent/agent_table.c
			agent/agent_transport.c agent/agent_tls.c agent/agent_trust.c
			logic/vnetrs_prefix.c logic/vnetrs_exchange.c)
		MAIN=(tests/fuzz/fuzz_main.c)
		LIBS=(-lssl -lcrypto -ljson-c)
		# A monitor reply of a few dozen rows.
		MAXLEN=16384
		;;
	*)
		echo "fuzz: no target $1 (${ALL_TARGETS[*]})" >&2
		exit 2
		;;
	esac
}

symbolizer=$(command -v llvm-symbolizer || true)
[ -n "$symbolizer" ] || symbolizer=/usr/lib/llvm-$clang_major/bin/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"

mkdir -p "$out/artifacts" "$out/seeds"
# libFuzzer stops about a second after max_total_time: the total holds.
per=$((secs / ${#targets[@]} - 1))
[ "$per" -ge 1 ] || per=1
failed=()
for t in "${targets[@]}"; do
	target_config "$t"
	echo "fuzz: building $out/fuzz_$t"
	"$CC" "${CFLAGS[@]}" "${SAN[@]}" -fsanitize=fuzzer "${SRCS[@]}" \
		"${LIBS[@]}" -o "$out/fuzz_$t"
	"$CC" "${CFLAGS[@]}" "${SAN[@]}" "${MAIN[@]}" "${SRCS[@]}" \
		"${LIBS[@]}" -o "$out/${t}_replay"
	rm -rf "$out/seeds/$t"
	mkdir -p "$out/corpus/$t"
	"$out/${t}_replay" --make-corpus "$out/seeds/$t"

	log=$out/fuzz_$t.log
	echo "fuzz: $t for ${per}s (log: $log)"
	set +e
	"$out/fuzz_$t" -max_total_time="$per" -max_len="$MAXLEN" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$t-" \
		"$out/corpus/$t" "$out/seeds/$t" >"$log" 2>&1
	rc=$?
	set -e
	grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$log" |
		sed "s/^/fuzz: $t: /" || true
	if [ $rc -ne 0 ]; then
		tail -n 60 "$log" >&2
		echo "fuzz: $t FAILED (exit $rc); inputs in $out/artifacts/:" >&2
		ls -1 "$out/artifacts" | grep "^$t-" >&2 || true
		failed+=("$t")
	fi
done
if [ ${#failed[@]} -ne 0 ]; then
	echo "fuzz: FAILED: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: no crash in ${#targets[@]} targets, ${per}s each"
