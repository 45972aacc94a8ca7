#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The measured figures that SECURITY.md quotes, taken from one run of the
# whole suite:
#
#   make check 2>&1 | tee check.log
#   tests/figures.sh check.log
#
# prints the commit and the date of the log, then every script's "figures:"
# lines and the checks of the concurrency and cluster scripts, which carry
# their counts in their names, and the run's last line.
set -u
log=${1:?usage: tests/figures.sh LOG}
[ -r "$log" ] || { echo "figures.sh: cannot read $log" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
printf 'commit %s, log of %s\n' "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
	"$(date -u -r "$log" '+%Y-%m-%d %H:%M UTC')"
awk '
	/^== t_/ { script = $2 }
	/^  figures: / || (script ~ /^t_(hostile_concurrency|cluster)$/ && /^  (ok|FAIL)  /) {
		if (script != shown) { print "\n" script; shown = script }
		sub(/^  /, "  "); print
	}
	/^[0-9]+ passed, [0-9]+ failed/ { last = $0 }
	END { if (last != "") print "\n" last }
' "$log"
