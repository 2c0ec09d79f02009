#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vnetrs-agent under valgrind's memcheck, for the topotests' sanitizer mode:
# tools/check.sh points VNETRS_AGENT here. Arguments go to the agent.
#
# One log per process (a --daemon agent forks: parent and child each get
# one) in $VNETRS_VALGRIND_LOGDIR (default /tmp/vnetrs-valgrind), named
# agent.valgrind.PID. Quiet mode: a log with anything in it is a report
# (an error, or a definite or possible leak); tests/sanitizers/
# check-reports.sh fails on those. The agent's own exit status is kept
# (--error-exitcode would change what the tests see).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
agent=${VNETRS_AGENT_REAL:-$top/agent/vnetrs-agent}
logdir=${VNETRS_VALGRIND_LOGDIR:-/tmp/vnetrs-valgrind}
mkdir -p "$logdir"

exec valgrind -q --tool=memcheck --leak-check=full \
	--show-leak-kinds=definite,possible --errors-for-leak-kinds=definite,possible \
	--track-origins=yes --num-callers=30 --child-silent-after-fork=no \
	--suppressions="$top/tests/sanitizers/valgrind.supp" \
	--log-file="$logdir/agent.valgrind.%p" "$agent" "$@"
