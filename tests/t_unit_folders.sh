# SPDX-License-Identifier: GPL-2.0-or-later
# The folder-name encoder (folders.c) on its own: every case of the table in
# tests/unit_folders.c, in both on-disk forms (modified UTF-7 and UTF-8).
. "$(dirname "$0")/lib.sh"

bin=$T_WORK/unit_folders
if ! ${CC:-cc} -std=c11 -Wall -Wextra -Werror -I"$T_TOP" -o "$bin" \
	"$T_TOP/tests/unit_folders.c" "$T_TOP/folders.c" 2>"$T_WORK/unit_folders.log"; then
	fail "unit_folders builds" "$(head -n 3 "$T_WORK/unit_folders.log" | tr '\n' ' ')"
	return 0 2>/dev/null || exit 0
fi
pass "unit_folders builds"
"$bin" >"$T_WORK/unit_folders.out"
rc=$?
while IFS= read -r line; do
	case $line in
	"PASS "*) pass "${line#PASS }" ;;
	"FAIL "*) n=${line#FAIL }; fail "${n%%: *}" "${n#*: }" ;;
	esac
done <"$T_WORK/unit_folders.out"
check "unit_folders: more than 120 cases ran" test "$(grep -c '^PASS\|^FAIL' "$T_WORK/unit_folders.out")" -gt 120
check "unit_folders exits 0" test "$rc" = 0
