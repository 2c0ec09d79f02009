#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the vnetrs module (and the example SDN consumer module) with
# AddressSanitizer and UndefinedBehaviorSanitizer, apart from the normal
# build:
#
#   build/asan/bgpd_vnetrs.so          load with VNETRS_MODULE=... and
#   build/asan/bgpd_vnetrs_sdnlog.so   VNETRS_SANITIZE=1 (topotests/vnetrs_topo.py)
#   build/asan/bgpd_vnetrs-FRRVERSION.so  the module proper, which the
#                                      front bgpd_vnetrs.so loads from beside it
#
# The sources, include flags and compiler are those of the normal build,
# read from its Makefile: run tools/build.sh first (it generates the clippy
# and YANG sources compiled here too). Debian's bgpd is not instrumented:
# the sanitizer runtime (gcc's libasan.so.8) is preloaded into it by the
# topotests' sanitizer mode.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ ! -f Makefile ] || [ ! -f frr-plugin/vnet-route-server_yang.c ]; then
	echo "build-asan: run tools/build.sh first" >&2
	exit 1
fi

out=build/asan
mkdir -p "$out/obj"

# A variable of the generated Makefile, as shell words (the Makefile is
# read as it is: never regenerated from here).
mkvar() {
	make -s --no-print-directory -o Makefile -o Makefile.in \
		-o config.status -o configure \
		--eval 'vnetrs-print-%: ; @printf "%s\n" '"'"'$($*)'"'"'' \
		"vnetrs-print-$1"
}
eval "CC=($(mkvar CC))"
eval "CPPFLAGS=($(mkvar FRR_CPPFLAGS))"
eval "CFLAGS=($(mkvar FRR_CFLAGS))"
eval "MOD_SRCS=($(mkvar frr_plugin_bgpd_vnetrs_proper_la_SOURCES) \
	$(mkvar nodist_frr_plugin_bgpd_vnetrs_proper_la_SOURCES))"
eval "FRONT_SRCS=($(mkvar frr_plugin_bgpd_vnetrs_la_SOURCES))"
eval "FRONT_CFLAGS=($(mkvar frr_plugin_bgpd_vnetrs_la_CFLAGS))"
eval "PROPER_SO=($(mkvar VNETRS_PROPER_SO))"
eval "LOG_SRCS=($(mkvar examples_sdn_logger_bgpd_vnetrs_sdnlog_la_SOURCES))"
# Libraries the module links itself (GnuTLS): not in bgpd.
eval "MOD_LIBS=($(mkvar frr_plugin_bgpd_vnetrs_proper_la_LIBADD))"
eval "MOD_CPPFLAGS=($(mkvar GNUTLS_CFLAGS))"

SAN=(-fsanitize=address,undefined -fno-sanitize-recover=undefined
	-fno-omit-frame-pointer)
OPT=(-g -O1 -fPIC)

# Compile each source if it or any header changed since its object.
newest_header=$(find frr-plugin logic examples -name '*.h' -printf '%T@\n' |
	sort -n | tail -1)
compile() {
	local src=$1 obj=$2
	shift 2
	if [ -f "$obj" ] && [ "$obj" -nt "$src" ] &&
		[ "$(stat -c %Y "$obj")" -ge "${newest_header%.*}" ] &&
		[ "$obj" -nt tools/build-asan.sh ]; then
		return 0
	fi
	rm -f "$obj"
	"${CC[@]}" "${CPPFLAGS[@]}" "$@" "${CFLAGS[@]}" "${OPT[@]}" "${SAN[@]}" \
		-c "$src" -o "$obj"
}

link_module() {
	local so=$1
	shift
	local objs=() pids=() src obj pid
	for src in "$@"; do
		obj=$out/obj/$(echo "$src" | tr / _).o
		objs+=("$obj")
		compile "$src" "$obj" "${EXTRA[@]}" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || { echo "build-asan: compiling failed" >&2; exit 1; }
	done
	# Undefined symbols resolve from the bgpd that loads the module.
	"${CC[@]}" -shared "${SAN[@]}" -o "$so" "${objs[@]}" "${LIBS[@]}"
}

echo "build-asan: $out/${PROPER_SO[0]}"
EXTRA=("${MOD_CPPFLAGS[@]}")
LIBS=("${MOD_LIBS[@]}")
link_module "$out/${PROPER_SO[0]}" "${MOD_SRCS[@]}"
# The front too, as the packages ship it (its -fvisibility=hidden).
echo "build-asan: $out/bgpd_vnetrs.so"
EXTRA=("${FRONT_CFLAGS[@]}")
LIBS=()
link_module "$out/bgpd_vnetrs.so" "${FRONT_SRCS[@]}"
echo "build-asan: $out/bgpd_vnetrs_sdnlog.so"
EXTRA=(-I"$top/frr-plugin")
LIBS=()
link_module "$out/bgpd_vnetrs_sdnlog.so" "${LOG_SRCS[@]}"
