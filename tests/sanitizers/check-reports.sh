#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# After a topotest run in sanitizer mode: fail if any sanitizer or valgrind
# report was written, printing each.
#
#   tests/sanitizers/check-reports.sh [--agent] DIR...
#
# Looks under each DIR for AddressSanitizer, UndefinedBehaviorSanitizer
# and LeakSanitizer logs (*.asan.*, *.ubsan.*: written only when there is a
# report) and valgrind logs (*.valgrind.*: quiet mode, empty unless there is
# a report). Also fails when no sanitized bgpd ran at all (no bgpd.sanitized
# note from topotests/vnetrs_topo.py), and with --agent when no valgrind
# log of the agent was written: a run that lost its sanitizers must not
# pass for a clean one.
set -euo pipefail

want_agent=0
if [ "${1:-}" = "--agent" ]; then
	want_agent=1
	shift
fi
if [ $# -eq 0 ]; then
	echo "usage: $0 [--agent] DIR..." >&2
	exit 2
fi

reports=0
sanitized=0
agents=0
for dir in "$@"; do
	[ -d "$dir" ] || continue
	while IFS= read -r -d '' f; do
		case $f in
		*/bgpd.sanitized)
			sanitized=$((sanitized + $(wc -l <"$f")))
			continue
			;;
		*.valgrind.*) agents=$((agents + 1)) ;;
		esac
		[ -s "$f" ] || continue
		reports=$((reports + 1))
		echo "=== sanitizer report: $f"
		cat "$f"
		echo
	done < <(find "$dir" -type f \( -name '*.asan.*' -o -name '*.ubsan.*' \
		-o -name '*.valgrind.*' -o -name 'bgpd.sanitized' \) -print0 | sort -z)
done

echo "sanitizers: $sanitized sanitized bgpd starts, $agents agent processes" \
	"under valgrind, $reports reports"
if [ "$reports" -ne 0 ]; then
	echo "sanitizers: FAILED, $reports reports (above)" >&2
	exit 1
fi
if [ "$sanitized" -eq 0 ]; then
	echo "sanitizers: FAILED, no bgpd ran with the sanitizers" >&2
	exit 1
fi
if [ "$want_agent" -eq 1 ] && [ "$agents" -eq 0 ]; then
	echo "sanitizers: FAILED, no agent ran under valgrind" >&2
	exit 1
fi
