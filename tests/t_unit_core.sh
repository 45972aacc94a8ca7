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
mkdir -p "$T_WORK/unit_core_conf"
run_unit unit_expand 50 "$lib"
run_unit unit_options 130 "$lib" -- "$T_WORK/unit_core_conf"
run_unit unit_exports 20 -ldl -- "$T_MODULE"
# authmkhome's question to authdaemond, not part of libcore.a (nor of the module).
run_unit unit_authdaemon 70 "$T_TOP/authdaemon.c" "$lib"

if command -v nm >/dev/null; then
	syms=$(nm -D --defined-only "$T_MODULE" | awk '{ print $3 }' | LC_ALL=C sort | tr '\n' ' ')
	check "the module's dynamic symbols are exactly its pam_sm_* functions ($syms)" \
		test "$syms" = "pam_sm_acct_mgmt pam_sm_close_session pam_sm_open_session "
else
	skip "nm -D of the module" "binutils is not installed"
fi
