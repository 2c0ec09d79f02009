#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian packages vnetrs needs to build and test. Idempotent:
# packages already installed are skipped without touching apt.
set -euo pipefail

# Debian 12 (FRR 8.4.4) or Debian 13 (FRR 10.3): a few names differ.
debian=$(. /etc/os-release && echo "${VERSION_ID:-}")

PKGS=(
	# FRR itself (the bgpd we load into)
	frr frr-pythontools
	# preparing FRR's source tree (apt-get source, autoreconf, configure)
	dpkg-dev autoconf automake libtool bison flex gawk pkg-config texinfo
	libc-ares-dev libcap-dev libelf-dev libjson-c-dev libpam0g-dev
	libpcre2-dev python3-dev libsnmp-dev librtr-dev libssh-dev
	libreadline-dev
	# our own build and tests
	build-essential libcmocka-dev python3-pytest python3-pytest-xdist
	iproute2 iputils-ping traceroute procps bird2 bc
	# third-party NVAs and gateways in the topotests (vnetrs_gobgp.py,
	# vnetrs_exabgp.py): GoBGP's daemon and CLI, ExaBGP
	gobgpd exabgp
	# vnetrs-agent (netlink) and its leak checks
	libmnl-dev valgrind
	# vnetrs-agent's SDN stream over TLS; the openssl CLI makes the
	# tests' certificates (tests/agent/test_tls.sh)
	libssl-dev openssl
	# the module's SDN stream over TLS: GnuTLS, as OpenSSL's libcrypto
	# cannot run inside bgpd (docs/sdn-protocol.md, "Transports")
	libgnutls28-dev
	# the Debian packages (tools/package.sh) and their check
	debhelper lintian
	# vnetrs-agent's OVN backend: its test runs ovsdb-server on an
	# OVN_Northbound database and checks with ovn-nbctl
	# (tests/agent/test_ovn.sh); json-c (above) is its OVSDB client's
	openvswitch-switch ovn-central
	# fuzzing (libFuzzer and the sanitizer runtimes come with
	# libclang-rt, only recommended by clang; its version per release below)
	clang
	# the OVN lab of the topotests (topotests/vnetrs_ovn.py): with the two
	# above, ovs-vswitchd and ovn-controller, and ethtool to turn TX
	# checksum offload off on the lab's veth ends
	ovn-host ethtool
	# the metrics topotest (test_vnetrs_metrics): a real Prometheus (and
	# promtool) scraping vnetrs-exporter and node-exporter's textfile
	# collector, run by the test on free ports
	prometheus prometheus-node-exporter
)
case "$debian" in
13)
	PKGS+=(
		# libyang 3, which FRR 10.3 is built with
		libyang-dev
		# what FRR 10.3's configure needs beyond 8.4's, with Debian's
		# arguments (--enable-scripting; mgmtd's protobuf-c headers)
		liblua5.3-dev lua5.3 libunwind-dev
		libprotobuf-c-dev protobuf-c-compiler
		libclang-rt-19-dev
		# FRR 10's topotest library refuses to start without gdb
		gdb
	)
	;;
*)
	PKGS+=(
		libyang2-dev libclang-rt-14-dev
		# the Debian 13 root of the FRR 10.3 tests (tools/debian13-root.sh)
		mmdebstrap
	)
	;;
esac

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The frr package enables and starts its service; our labs run their own daemons.
# So do exabgp's and gobgpd's (gobgpd's only once /etc/gobgpd.conf exists): the
# topotests start their own, in the labs' namespaces.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now frr >/dev/null 2>&1 || true
	systemctl disable --now exabgp gobgpd >/dev/null 2>&1 || true
	# The OVN labs start their own OVSDB, northd, vswitchd and controller.
	systemctl disable --now openvswitch-switch ovn-central ovn-host >/dev/null 2>&1 || true
	# Installed here for the metrics topotest, which runs its own on free
	# ports: the services the packages start (Prometheus on :9090 scraping
	# itself, node-exporter on :9100) are stopped. Only if this run
	# installed them: a machine's own monitoring is left alone.
	for p in prometheus prometheus-node-exporter; do
		case " ${missing[*]} " in
		*" $p "*) systemctl disable --now "$p" >/dev/null 2>&1 || true ;;
		esac
	done
fi
