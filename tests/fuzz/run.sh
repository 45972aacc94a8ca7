#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the libFuzzer targets and runs each for SECONDS (default 20), or,
# with -r RUNS, for RUNS executions each (the documented long run:
# `tests/fuzz/run.sh -r 10000000`).  Targets:
#   options  md_option_set, md_options_load (config= file), md_options_parse
#   expand   md_expand after md_option_set accepted the template
#   fd3      authmkhome's handling of the Courier fd-3 record
# Builds into $FUZZ_OUT (default $TMPDIR/mkmaildir-fuzz); corpora live there too.
# Prints one line per target: "fuzz TARGET: N executions, 0 crashes", and
# exits non-zero if a target crashed or could not be built.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mode=time secs=20 runs=0
if [ "${1:-}" = -r ]; then mode=runs runs=${2:?runs}; else secs=${1:-20}; fi
out=${FUZZ_OUT:-${TMPDIR:-/tmp}/mkmaildir-fuzz}
mkdir -p "$out"
CC=${FUZZ_CC:-clang}
# The core is built by the Makefile's own rules into $out/obj, with the
# fuzzer's instrumentation appended to the Makefile's flags; each target is
# linked against that libcore.a.
SAN=$(make -s --no-print-directory -C "$top" print-san-flags)
status=0
if ! make -s --no-print-directory -C "$top" CC="$CC" BUILD="$out/obj" WERROR= \
	CFLAGS_EXTRA="$SAN -fsanitize=fuzzer-no-link" STD_CREATOR=/nonexistent/creator \
	CONFIG_FILE=/nonexistent/mkmaildir.conf "$out/obj/libcore.a" >"$out/build_core.log" 2>&1; then
	echo "fuzz core: build failed: $(tail -n 3 "$out/build_core.log")"
	exit 1
fi
FLAGS="$(make -s --no-print-directory -C "$top" CC="$CC" WERROR= CFLAGS_EXTRA="$SAN -fsanitize=fuzzer" \
	STD_CREATOR=/nonexistent/creator CONFIG_FILE=/nonexistent/mkmaildir.conf print-cflags)"
build() { # NAME SOURCES...
	n=$1; shift
	# shellcheck disable=SC2086
	$CC $FLAGS -D_GNU_SOURCE -I"$top" -o "$out/fuzz_$n" "$@" "$out/obj/libcore.a" \
		2>"$out/build_$n.log" || {
		echo "fuzz $n: build failed: $(head -n 3 "$out/build_$n.log")"; return 1; }
}
for t in options expand fd3; do
	case $t in
	options) src="$here/fuzz_options.c" ;;
	expand) src="$here/fuzz_expand.c" ;;
	fd3)
		if [ ! -f "$top/authmkhome.c" ]; then echo "fuzz fd3: pending (no authmkhome.c)"; continue; fi
		src="$here/fuzz_fd3.c $top/authdaemon.c" ;;  # authmkhome.c calls it
	esac
	# shellcheck disable=SC2086
	build $t $src || { status=1; continue; }
	mkdir -p "$out/corpus_$t"
	if [ $mode = runs ]; then lim="-runs=$runs"; else lim="-max_total_time=$secs"; fi
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$out/fuzz_$t" $lim -max_len=8192 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$out/crash_$t-" "$out/corpus_$t" >"$out/log_$t" 2>&1
	rc=$?
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/log_$t" | grep -o '[0-9]*$')
	crashes=$(ls "$out"/crash_$t-* 2>/dev/null | wc -l)
	echo "fuzz $t: ${execs:-0} executions, $crashes crashes, exit $rc"
	if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
		status=1
		grep -m 5 -E 'ERROR|SUMMARY|abort|runtime error' "$out/log_$t" | sed 's/^/  /'
	fi
done
exit $status
