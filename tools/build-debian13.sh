#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build vnetrs against Debian 13's FRR 10.3, inside the Debian 13 root
# (tools/debian13-root.sh), with the same tools/build.sh a Debian 13 machine
# runs. The build needs its own tree: this one may hold Debian 12's in-tree
# build, so the files git knows (tracked or not ignored) are copied to
# build/debian13/vnetrs, keeping their times so make redoes only what changed.
# The prepared FRR 10.3 tree is shared: build/frr-10.3.
#
# Usage: tools/build-debian13.sh [CMD...]   (CMD runs inside, in the copy,
#        after the build; e.g. tools/build-debian13.sh make check)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
copy=$top/build/debian13/vnetrs

[ "$(id -u)" = 0 ] || { echo "build-debian13: run as root" >&2; exit 1; }

bash "$top/tools/debian13-root.sh" make
mkdir -p "$copy"
(cd "$top" && git ls-files -z --cached --others --exclude-standard) \
	>"$copy/.vnetrs-files.new"
(cd "$top" && tar --null -T "$copy/.vnetrs-files.new" -cf -) | tar -xpf - -C "$copy"
# The list, for tools/package.sh there (no git inside).
mv "$copy/.vnetrs-files.new" "$copy/.vnetrs-files"
cmd='bash tools/build.sh'
[ $# -eq 0 ] || cmd="$cmd && $(printf '%q ' "$@")"
bash "$top/tools/debian13-root.sh" run /bin/bash -c \
	"cd '$copy' && export VNETRS_FRR_DIR='$top/build/frr-10.3' && $cmd"
