#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Check that a built front (bgpd_vnetrs.so, frr-plugin/vnetrs_front.c) can
# load into the bgpd of either FRR series: it imports from FRR only the
# calls both series export with the same signature, from glibc nothing
# newer than Debian 12's 2.36 (a build in Debian 13's root would otherwise
# pick up e.g. __isoc23_strtol@GLIBC_2.38), needs no library but libc,
# exports nothing but frr_module, and carries no xref (FRR 10 reads an
# "FRRouting/XREF" note, 8.4 an xref_array section: layouts differ).
# Run by make after linking the front; exits non-zero naming what is wrong.
#
# Usage: tools/check-front.sh FRONT.so
set -euo pipefail

so=${1:?usage: check-front.sh FRONT.so}
die() { echo "check-front: $so: $*" >&2; exit 1; }
[ -f "$so" ] || die "no such file"

# The FRR calls both series export alike (checked in 8.4.4's and 10.3's
# lib/defaults.h, lib/zlog.h).
frr_ok=" frr_defaults_version vzlogx "
# Debian 12's glibc.
glibc_max=2.36

bad=
while read -r sym ver; do
	case "$ver" in
	GLIBC_*)
		v=${ver#GLIBC_}
		newest=$(printf '%s\n%s\n' "$v" "$glibc_max" | sort -V | tail -n1)
		[ "$newest" = "$glibc_max" ] || bad="$bad $sym@$ver"
		;;
	*)
		case "$frr_ok" in
		*" $sym "*) ;;
		*) bad="$bad $sym${ver:+@$ver}" ;;
		esac
		;;
	esac
done < <(objdump -T "$so" | awk '$0 ~ /\*UND\*/ && $2 != "w" {
	n = split($0, f, /[ \t]+/); ver = "";
	for (i = 1; i <= n; i++) if (f[i] ~ /^\(?GLIBC_/) { ver = f[i]; gsub(/[()]/, "", ver) }
	print f[n], ver }')
[ -z "$bad" ] || die "imports what a bgpd of the other FRR series may lack:$bad"

# What it defines for others: frr_module only.
exports=$(objdump -T "$so" | awk '$0 !~ /\*UND\*/ && $4 != "" && $NF != "" && /DF|DO/ { print $NF }' | sort -u | tr '\n' ' ')
[ "$exports" = "frr_module " ] || die "exports more than frr_module: $exports"

needed=$(objdump -p "$so" | awk '$1 == "NEEDED" { print $2 }' | grep -vx 'libc\.so\.6' || true)
[ -z "$needed" ] || die "needs libraries besides libc: $needed"

if objdump -h "$so" | grep -q 'xref_array' ||
	readelf -n "$so" 2>/dev/null | grep -q 'FRRouting'; then
	die "carries an FRR xref (section or note)"
fi
echo "check-front: $so imports only libc (<= GLIBC_$glibc_max),$frr_ok; exports frr_module; no xref"
