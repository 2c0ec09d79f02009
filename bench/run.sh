#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The vnetrs benchmark: bench/run.sh [--quick] [bench.py options]
#
# Builds what it needs (tools/build.sh under the shared lock), installs the
# benchmark's own Debian packages (gnuplot-nox, tcpdump), then runs every
# contender (bgpd + vnetrs, plain bgpd, BIRD 2) on the same workloads in
# network namespaces named vb-*, one after another. Results: bench/results/.
#   --quick   W1 only, one repetition (under 2 minutes)
#   --reps N, --workloads W1,W2, --contenders vnetrs,plain,bird,feed,...
#   --frr 10.3  on Debian 12: the same benchmark against Debian 13's FRR
#             10.3, in the Debian 13 root (tools/debian13-root.sh), results
#             in bench/results/frr-10.3/
#   --curve paths,peers   the cost curve instead of the workloads: W2's
#             shape at 100k, 250k, 500k, 1M paths, and 8, 32, 64 NVAs x
#             4,000 prefixes; one repetition by default (about 8 minutes);
#             curve.md, curve.json, curve-*.png in bench/results/curve/
# Only one benchmark at a time on a machine (the vb-* namespaces are
# shared): check that no bench.py runs first. See bench/README.md.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "bench: run as root (namespaces, packages)" >&2
	exit 1
fi

# --frr VERSION: the FRR to measure. The installed one by default; 10.3 on
# a Debian 12 machine runs the whole benchmark (every contender, plain 10.3
# bgpd the baseline) inside the Debian 13 root of tools/debian13-root.sh,
# results in bench/results/frr-10.3 unless --results says otherwise.
args=() frr_want= results=
while [ $# -gt 0 ]; do
	case "$1" in
	--frr) frr_want=${2:?--frr needs a version}; shift 2 ;;
	--frr=*) frr_want=${1#--frr=}; shift ;;
	--results) results=${2:?--results needs a directory}; shift 2 ;;
	--results=*) results=${1#--results=}; shift ;;
	*) args+=("$1"); shift ;;
	esac
done
frr_here=$(/usr/lib/frr/bgpd --version | sed -n 's/^bgpd version //p')
if [ -n "$frr_want" ] && [ "$frr_here" != "$frr_want" ] &&
	[ "${frr_here#"$frr_want".}" = "$frr_here" ]; then
	if [ "$frr_want" != 10.3 ] || [ "${frr_here%%.*}" -ge 10 ]; then
		echo "bench: --frr $frr_want: this machine has FRR $frr_here;" \
			"only 10.3 can be measured elsewhere (the Debian 13 root)" >&2
		exit 2
	fi
	echo "bench: FRR 10.3 in the Debian 13 root (tools/build-debian13.sh)"
	exec bash "$top/tools/build-debian13.sh" env \
		VNETRS_DESCRIBE="$(cd "$top/bench" && python3 -c 'import bench; print(bench.code_describe())')" \
		bash bench/run.sh \
		--results "$(realpath -m "${results:-$top/bench/results/frr-10.3}")" \
		"${args[@]}"
fi
[ -z "$results" ] || args+=(--results "$results")
set -- "${args[@]}"

flock /tmp/vnetrs.lock bash "$top/tools/build.sh" >/dev/null

need=()
for p in gnuplot-nox tcpdump bird2 frr; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "bench: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

cleanup() {
	/usr/bin/python3 -c "import sys; sys.path.insert(0, '$top/bench'); import lab; lab.destroy_all()" || true
}
trap cleanup EXIT INT TERM
/usr/bin/python3 "$top/bench/bench.py" "$@"
