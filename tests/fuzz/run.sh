#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fuzz the SDN wire decoder (tests/fuzz/fuzz_sdn_wire.c) with libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   tests/fuzz/run.sh [SECONDS]      (default 20)
#
# Builds into build/fuzz/: the fuzzer, and the same source without libFuzzer
# as a seed generator (--make-corpus) and replayer. Seeds are valid encoded
# streams, regenerated each run; what the fuzzer finds is kept in
# build/fuzz/corpus/sdn_wire/ for the next run. Exits non-zero when the
# fuzzer finds a crash, a sanitizer report, a broken invariant, a leak or a
# timeout; the input is left in build/fuzz/artifacts/ (replay it with
# build/fuzz/sdn_wire_replay FILE).
set -euo pipefail

secs=${1:-20}
case $secs in
'' | *[!0-9]*)
	echo "usage: $0 [SECONDS]" >&2
	exit 2
	;;
esac

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=build/fuzz

# clang, and libFuzzer plus the sanitizer runtimes (only recommended by
# clang: not installed with --no-install-recommends). llvm-symbolizer
# (package llvm-14) is used when present, for readable stack traces.
PKGS=(clang libclang-rt-14-dev)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "fuzz: missing packages ${missing[*]} (run as root to install)" >&2
		exit 1
	fi
	echo "fuzz: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

CC=${CC:-clang}
CFLAGS=(-g -O1 -fno-omit-frame-pointer -Wall -Wextra -I.)
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
SRCS=(tests/fuzz/fuzz_sdn_wire.c logic/vnetrs_sdn_wire.c)

mkdir -p "$out/artifacts" "$out/corpus/sdn_wire"
echo "fuzz: building $out/fuzz_sdn_wire"
"$CC" "${CFLAGS[@]}" "${SAN[@]}" -fsanitize=fuzzer "${SRCS[@]}" \
	-o "$out/fuzz_sdn_wire"
"$CC" "${CFLAGS[@]}" "${SAN[@]}" -DSDN_WIRE_CORPUS_MAIN "${SRCS[@]}" \
	-o "$out/sdn_wire_replay"

rm -rf "$out/seeds/sdn_wire"
mkdir -p "$out/seeds"
"$out/sdn_wire_replay" --make-corpus "$out/seeds/sdn_wire"

symbolizer=$(command -v llvm-symbolizer || true)
[ -n "$symbolizer" ] || symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"

log=$out/fuzz_sdn_wire.log
echo "fuzz: running for ${secs}s (log: $log)"
set +e
# The largest message is 17450 bytes; 8 KiB of input reaches every rule
# (1024 next hops of IPv4 fit in 5150 bytes).
"$out/fuzz_sdn_wire" -max_total_time="$secs" -max_len=8192 -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$out/artifacts/" \
	"$out/corpus/sdn_wire" "$out/seeds/sdn_wire" >"$log" 2>&1
rc=$?
set -e

grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$log" || true
if [ $rc -ne 0 ]; then
	tail -n 60 "$log" >&2
	echo "fuzz: FAILED (exit $rc); inputs in $out/artifacts/:" >&2
	ls -1 "$out/artifacts" >&2 || true
	exit 1
fi
echo "fuzz: no crash in ${secs}s"
