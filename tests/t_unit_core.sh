# SPDX-License-Identifier: GPL-2.0-or-later
# The core on its own: the template escapes (tests/unit_expand.c), every
# option, name validation and the configuration file's precedence
# (tests/unit_options.c), each linked against libcore.a, the very objects
# the module and the programs are linked from; authmkhome's authdaemond
# client (tests/unit_authdaemon.c, with authdaemon.c); and the module's exports:
# dlopen/dlsym (tests/unit_exports.c) and the dynamic symbol table (nm -D):
# the pam_sm_* functions and nothing else.
. "$(dirname "$0")/lib.sh"

lib=$T_TOP/libcore.a
if [ ! -f "$lib" ] || [ ! -f "$T_MODULE" ]; then
	fail "unit_core: libcore.a and the module built" "run make all first"
	exit 0
fi
flags=$(make -s --no-print-directory -C "$T_TOP" print-cflags)
U=$T_WORK/unit_core
mkdir -p "$U/conf"
# unit NAME [LIBS...]: builds tests/NAME.c into $U/NAME.
unit() {
	n=$1; shift
	# shellcheck disable=SC2086
	if ${CC:-cc} $flags -I"$T_TOP" -o "$U/$n" "$T_TOP/tests/$n.c" "$@" 2>"$U/$n.log"; then
		pass "$n builds"
	else
		fail "$n builds" "$(head -n 3 "$U/$n.log" | tr '\n' ' ')"; return 1
	fi
}
# record NAME MIN CMD...: runs a unit, records its lines, at least MIN cases.
record() {
	n=$1 min=$2; shift 2
	"$@" >"$U/$n.out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"PASS "*) pass "${line#PASS }" ;;
		"FAIL "*) l=${line#FAIL }; fail "${l%%: *}" "${l#*: }" ;;
		esac
	done <"$U/$n.out"
	check "$n: at least $min cases ran" test "$(grep -c '^PASS\|^FAIL' "$U/$n.out")" -ge "$min"
	check "$n exits 0" test "$rc" = 0
}

unit unit_expand "$lib" && record unit_expand 50 "$U/unit_expand"
unit unit_options "$lib" && record unit_options 130 "$U/unit_options" "$U/conf"
unit unit_exports -ldl && record unit_exports 20 "$U/unit_exports" "$T_MODULE"
# authmkhome's question to authdaemond, not part of libcore.a (nor of the module).
unit unit_authdaemon "$T_TOP/authdaemon.c" "$lib" && record unit_authdaemon 70 "$U/unit_authdaemon"

if command -v nm >/dev/null; then
	syms=$(nm -D --defined-only "$T_MODULE" | awk '{ print $3 }' | LC_ALL=C sort | tr '\n' ' ')
	check "the module's dynamic symbols are exactly its pam_sm_* functions ($syms)" \
		test "$syms" = "pam_sm_acct_mgmt pam_sm_close_session pam_sm_open_session "
else
	skip "nm -D of the module" "binutils is not installed"
fi
