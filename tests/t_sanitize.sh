# SPDX-License-Identifier: GPL-2.0-or-later
# The test suite again, against a build with AddressSanitizer and
# UndefinedBehaviorSanitizer (tests/sanbuild.sh): every t_module_* script and
# the hostile-conditions scripts, through a nested tests/run with T_MODULE,
# T_PAMRUN pointing at the sanitized build.  Any sanitizer
# report fails the run: ASan and UBSan abort (exit 97) and write their
# report under $T_WORK/san/reports.  Leak detection is on
# (detect_leaks=1): LeakSanitizer checks every pamrun process at
# exit; the only suppressions are NSS's and the loader's process-lifetime
# allocations (nss_wrapper, dlopen), never the module.  Skipped when clang is
# missing and cannot be installed.
. "$(dirname "$0")/lib.sh"
if [ -n "${T_IN_SANITIZE:-}" ]; then exit 0; fi
# The module suite checks ownership only as root, and LeakSanitizer needs to
# stop the process's threads, which an unprivileged package build may not.
if ! is_root; then skip "$(basename "$0" .sh)" "needs root"; exit 0; fi
if ! command -v clang >/dev/null; then
	is_root && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang >/dev/null 2>&1
fi
if ! command -v clang >/dev/null; then skip "$(basename "$0" .sh)" "clang is not installed"; exit 0; fi
S=$T_WORK/san
mkdir -p "$S/reports"
if ! "$T_TOP/tests/sanbuild.sh" "$S" >"$S/build.log" 2>&1; then
	fail "sanitize: build with -fsanitize=address,undefined" "$(tail -n 3 "$S/build.log" | tr '\n' ' ')"; exit 0
fi
pass "sanitize: module and pamrun built with -fsanitize=address,undefined"
cat >"$S/lsan.supp" <<'SUPP'
# nss_wrapper keeps its parsed passwd/group files for the life of the process
leak:libnss_wrapper.so
# the dynamic loader keeps what libpam dlopen()s
leak:_dl_open
SUPP
chmod -R a+rX "$S"
# t_hostile_faults is left out: its LD_PRELOAD fault shim cannot sit in
# front of ASan's interceptors, which the sanitized driver itself exports.
scripts=$(ls "$T_TOP"/tests/t_module_*.sh "$T_TOP"/tests/t_hostile_*.sh | grep -v t_hostile_faults)
# 100,000 sessions under ASan take minutes: 10,000 are enough to find a leak.
# An ASan process takes ~55 MB: 1,000 at once would exhaust the machine.
# nss_wrapper's RTLD_DEEPBIND load of libc is refused by the ASan runtime.
res=$(env -u T_IN_NS T_IN_SANITIZE=1 T_MODULE="$S/pam_mkmaildir.so" T_PAMRUN="$S/pamrun" \
	T_HOST_SESSIONS=10000 T_CONC_USERS=64 NSS_WRAPPER_DISABLE_DEEPBIND=1 \
	ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=97:log_path=$S/reports/asan:detect_stack_use_after_return=1" \
	UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=97:log_path=$S/reports/ubsan" \
	LSAN_OPTIONS="suppressions=$S/lsan.supp" \
	"$T_TOP/tests/run" $scripts 2>&1)
summary=$(printf '%s\n' "$res" | tail -n 1)
echo "  figures: sanitized suite: $summary"
reports=$(ls "$S/reports" 2>/dev/null | head -n 5)
[ -n "${T_SAN_KEEP:-}" ] && cp -r "$S/reports" "$T_SAN_KEEP/"
if [ -z "$reports" ]; then pass "sanitize: no ASan/UBSan/LSan report in the whole run"
else fail "sanitize: no ASan/UBSan/LSan report" "$(cat "$S"/reports/* | grep -E 'ERROR|SUMMARY|runtime error' | head -n 4 | tr '\n' ' ')"; fi
# The sanitized run must pass what the normal run passes: its failures are
# listed (they may also fail unsanitized; compare with the plain run).
printf '%s\n' "$res" | grep '^  FAIL ' | head -n 20 | sed 's/^/  sanitized: /'
check "sanitize: the sanitized suite ran and passed ($summary)" sh -c "printf '%s' '$summary' | grep -Eq '^[1-9][0-9]* passed, 0 failed'"
