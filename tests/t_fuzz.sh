# SPDX-License-Identifier: GPL-2.0-or-later
# The libFuzzer targets (tests/fuzz/run.sh) for a bounded time each in
# make check: option and config parsing, template expansion, the Courier
# fd-3 record.  T_FUZZ_SECONDS per target (default 15).  The documented long
# run is `tests/fuzz/run.sh -r 10000000` (see SECURITY.md).
. "$(dirname "$0")/lib.sh"
if ! command -v clang >/dev/null; then skip "fuzz" "clang is not installed"; exit 0; fi
out=$(FUZZ_OUT=$T_WORK/fuzz "$T_TOP/tests/fuzz/run.sh" "${T_FUZZ_SECONDS:-15}" 2>&1)
st=$?
printf '%s\n' "$out" | sed 's/^/  figures: /'
for t in options expand fd3; do
	line=$(printf '%s\n' "$out" | grep "^fuzz $t:")
	case $line in
	*"pending"*) skip "fuzz $t" "$line" ;;
	*" 0 crashes, exit 0") pass "fuzz $t: no crash ($line)" ;;
	*) fail "fuzz $t: no crash" "${line:-not run}: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')" ;;
	esac
done
[ $st = 0 ] || true
