# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the test scripts; sourced, never run.
# Every test script records one result line per check in $T_RESULTS:
#   PASS name | FAIL name: why | SKIP name: why
# tests/run adds them up.

: "${T_RESULTS:?run the tests through tests/run}"
T_TOP=${T_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
T_MODULE=${T_MODULE:-$T_TOP/pam_mkmaildir.so}
T_SYSLOG=${T_SYSLOG:-}
# The variables that keep tests/run's syslog capture (a run without a
# private /dev/log, see tests/run) in an environment of its own:
#   env -i "${T_CAPENV[@]}" PATH=... PROGRAM
T_CAPENV=()
if [ -n "${T_LOGCAPTURE_ONLY:-}" ]; then
	T_CAPENV=(LD_PRELOAD="$T_LOGSHIM" T_LOGCAPTURE="$T_LOGCAPTURE" T_LOGCAPTURE_ONLY=1)
fi

pass() { printf 'PASS %s\n' "$1" >>"$T_RESULTS"; printf '  ok    %s\n' "$1"; }
fail() { printf 'FAIL %s: %s\n' "$1" "${2:-}" >>"$T_RESULTS"; printf '  FAIL  %s: %s\n' "$1" "${2:-}"; }
# Under CI a skip hides a missing dependency, so it counts as a failure there.
skip() {
	if [ "${CI:-}" = true ] && [ -z "${T_SKIP_OK:-}" ]; then
		fail "$1" "skipped under CI: ${2:-}"
	else
		printf 'SKIP %s: %s\n' "$1" "${2:-}" >>"$T_RESULTS"; printf '  skip  %s: %s\n' "$1" "${2:-}"
	fi
}

# check NAME COMMAND...: passes when COMMAND exits 0.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

is_root() { [ "$(id -u)" = 0 ]; }

# Lines the syslog daemon started by tests/run received since the mark.
log_mark() { [ -n "$T_SYSLOG" ] && wc -l <"$T_SYSLOG" || echo 0; }
log_since() { [ -n "$T_SYSLOG" ] && tail -n +"$(( $1 + 1 ))" "$T_SYSLOG"; }
# log_has MARK REGEX: the module logged a line matching REGEX after MARK.
# busybox syslogd writes asynchronously, so give it a moment to catch up.
log_has() {
	local i
	[ -n "$T_SYSLOG" ] || return 1
	for i in 1 2 3 4 5 6 7 8 9 10; do
		log_since "$1" | grep -Eq -- "$2" && return 0
		sleep 0.1
	done
	return 1
}

# logged NAME MARK REGEX: a line matching REGEX was logged after MARK
# (skipped without a syslog daemon, i.e. when not run as root).
logged() {
	if [ -z "$T_SYSLOG" ]; then skip "$1" "no syslog daemon (run as root through tests/run)"; return; fi
	if log_has "$2" "$3"; then pass "$1"; else
		fail "$1" "no log line matching /$3/; got: $(log_since "$2" | grep -E 'pam_mkmaildir|authmkhome' | tail -n 3 | tr '\n' ' ')"
	fi
}
# not_logged NAME MARK REGEX: no matching line (after giving syslogd a moment).
not_logged() {
	if [ -z "$T_SYSLOG" ]; then skip "$1" "no syslog daemon"; return; fi
	sleep 0.3
	if log_since "$2" | grep -Eq -- "$3"; then fail "$1" "unexpected log line: $(log_since "$2" | grep -E -- "$3" | head -n 1)"; else pass "$1"; fi
}

# record MAILDIR: the maildir's population record (pam_mkmaildir.given.HASH).
record() { ls -d "$1"/pam_mkmaildir.given.* 2>/dev/null | head -n 1; }
# norecord: a listing on stdin with the record's name as RECORD.
norecord() { sed 's/pam_mkmaildir\.given\.[0-9a-f]\{16\}/RECORD/g'; }
# is_maildir DIR: DIR and DIR/{cur,new,tmp} are real directories.
is_maildir() {
	local d
	for d in "$1" "$1/cur" "$1/new" "$1/tmp"; do
		[ -d "$d" ] && [ ! -L "$d" ] || return 1
	done
}

# run_unit NAME MIN [SOURCES-AND-LIBS...] [-- ARGS...]: the one unit runner.
# Builds tests/NAME.c (with the sources and libraries given) with the
# module's own flags into $T_WORK/unit/NAME, runs it with ARGS and turns
# each of its "PASS case" / "FAIL case: why" lines into a check, then checks
# that at least MIN cases ran and that it exited 0.
run_unit() {
	local n=$1 min=$2 d=$T_WORK/unit flags line l rc
	local -a src=() args=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do src+=("$1"); shift; done
	[ $# -gt 0 ] && { shift; args=("$@"); }
	mkdir -p "$d"
	flags=$(make -s --no-print-directory -C "$T_TOP" print-cflags)
	# shellcheck disable=SC2086
	if ${CC:-cc} $flags -I"$T_TOP" -o "$d/$n" "$T_TOP/tests/$n.c" "${src[@]}" 2>"$d/$n.log"; then
		pass "$n builds"
	else
		fail "$n builds" "$(head -n 3 "$d/$n.log" | tr '\n' ' ')"; return 1
	fi
	"$d/$n" "${args[@]}" >"$d/$n.out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"PASS "*) pass "${line#PASS }" ;;
		"FAIL "*) l=${line#FAIL }; fail "${l%%: *}" "${l#*: }" ;;
		esac
	done <"$d/$n.out"
	check "$n: at least $min cases ran" test "$(grep -c '^PASS\|^FAIL' "$d/$n.out")" -ge "$min"
	check "$n exits 0" test "$rc" = 0
}
