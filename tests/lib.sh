# Shared helpers for the test scripts; sourced, never run.
# Every test script records one result line per check in $T_RESULTS:
#   PASS name | FAIL name: why | SKIP name: why
# tests/run adds them up.

: "${T_RESULTS:?run the tests through tests/run}"
T_TOP=${T_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
T_MODULE=${T_MODULE:-$T_TOP/pam_mkmaildir.so}
T_SYSLOG=${T_SYSLOG:-}

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
