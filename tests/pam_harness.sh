# SPDX-License-Identifier: GPL-2.0-or-later
# The harness of the module tests; sourced after lib.sh, never run.
#
# Gives each test script a private area $T_BASE under $T_WORK, test accounts
# (t_setup, through cwrap's nss_wrapper: no /etc is touched),
# a private PAM confdir, and logins through real libpam (tests/pamrun).
#
#   t_setup                      build what is missing, accounts, $T_BASE
#   pam_service_file NAME LINE...   write the PAM service file $T_PAMD/NAME
#   pam_service NAME OPTS...     account + session lines for the module with OPTS
#   pam_login SERVICE USER [pamrun run args]   one pamrun run; sets $rc and $out
#   mkhome USER [MODE]           a fresh home for USER (owned by USER)
#   snap PATH...                 a listing of every entry under PATH (for "nothing changed")
#   expect/expect_fail, same, stat_is, tree_is, refused,
#                                checks that record PASS/FAIL/SKIP lines (is_maildir,
#                                logged and not_logged are in lib.sh)
#   leftovers DIR, t_build NAME  temporary names left behind; a helper built once per run

T_NAME=$(basename "$0" .sh)
T_BASE=$T_WORK/$T_NAME
T_HOMES=$T_BASE/home
T_PAMD=$T_BASE/pam.d
T_PAMRUN=${T_PAMRUN:-$T_TOP/tests/pamrun}

# PAM codes (security/_pam_types.h).
PAM_SUCCESS=0 PAM_SERVICE_ERR=3 PAM_SYSTEM_ERR=4 PAM_PERM_DENIED=6
PAM_USER_UNKNOWN=10 PAM_SESSION_ERR=14

# Test accounts: name uid gid. Homes are $T_HOMES/NAME unless said otherwise.
# Non-root runs map alice onto the caller, so the module can act as her.
if is_root; then T_ALICE_UID=5001 T_ALICE_GID=5001; else T_ALICE_UID=$(id -u) T_ALICE_GID=$(id -g); fi

T_AT_EXIT=()
at_exit() { T_AT_EXIT+=("$1"); }
t_cleanup() {
	local c
	for c in "${T_AT_EXIT[@]}"; do eval "$c" 2>/dev/null; done
	rm -rf "$T_BASE"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# Stop the script (it has recorded why) when the environment is not usable.
t_need() {
	if [ ! -f "$T_MODULE" ]; then
		fail "$T_NAME: module built" "$T_MODULE does not exist (run make)"
		exit 0
	fi
	# The tests' one pamrun build (make tests/pamrun), unless T_PAMRUN
	# names another one (tests/sanbuild.sh's, with the sanitizers).
	if [ "$T_PAMRUN" = "$T_TOP/tests/pamrun" ]; then
		make -s -C "$T_TOP" tests/pamrun >/dev/null || {
			fail "$T_NAME: build pamrun" "make tests/pamrun failed"; exit 0; }
	elif [ ! -x "$T_PAMRUN" ]; then
		fail "$T_NAME: build pamrun" "$T_PAMRUN does not exist"; exit 0
	fi
	T_NSSLIB=$(dpkg -L libnss-wrapper 2>/dev/null | grep '/libnss_wrapper\.so$' | head -n 1)
	if [ -z "$T_NSSLIB" ] || [ ! -f "$T_NSSLIB" ]; then
		skip "$T_NAME: nss_wrapper" "package libnss-wrapper is not installed"
		exit 0
	fi
	# Every LD_PRELOAD of the tests names T_NSSLIB: it carries tests/run's
	# syslog capture along, when there is one.
	T_NSSLIB="${T_LOGSHIM:+$T_LOGSHIM }$T_NSSLIB"
}

# t_need_root: for scripts whose every check needs root (chown, other users).
t_need_root() {
	if ! is_root; then
		skip "$T_NAME" "needs root (ownership, other users)"
		exit 0
	fi
}

t_setup() {
	t_need
	# $T_WORK is private (0700) to root; owners and creators must reach their homes.
	chmod 0711 "$T_WORK"
	rm -rf "$T_BASE"
	mkdir -p "$T_BASE" "$T_HOMES" "$T_PAMD" "$T_BASE/nss"
	chmod 0755 "$T_BASE" "$T_HOMES"
	local h=$T_HOMES
	cat >"$T_BASE/nss/passwd" <<-EOF
	root:x:0:0:root:/root:/bin/sh
	daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
	alice:x:$T_ALICE_UID:$T_ALICE_GID:Alice:$h/alice:/bin/sh
	bob:x:5002:5002:Bob:$h/bob:/bin/sh
	carol:x:5003:5003:Carol:$h/carol:/bin/sh
	dave:x:5004:5004:Dave:$h/dave:/bin/sh
	erin:x:5005:5005:Erin:$h/erin:/bin/sh
	frank:x:5006:5006:Frank:$h/frank:/bin/sh
	dot.user:x:5007:5007:Dotted:$h/dot.user:/bin/sh
	evil/x:x:5008:5008:Slash:$h/evilx:/bin/sh
	mallory:x:5666:5666:Mallory:$h/mallory:/bin/sh
	vmail:x:5100:5100:Virtual mail:$T_BASE/vmail:/usr/sbin/nologin
	relhome:x:5010:5010:Relative home:relative/home:/bin/sh
	grace:x:5013:5013:Grace:$h/deep/er/grace:/bin/sh
	emptyhome:x:5011:5011:Empty home::/bin/sh
	dotdothome:x:5012:5012:Dot-dot home:$h/../escape:/bin/sh
	nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
	EOF
	cat >"$T_BASE/nss/group" <<-EOF
	root:x:0:
	daemon:x:1:
	mail:x:8:
	users:x:100:alice,bob
	alice:x:$T_ALICE_GID:
	bob:x:5002:
	carol:x:5003:
	dave:x:5004:
	erin:x:5005:
	frank:x:5006:
	dot.user:x:5007:
	evilx:x:5008:
	mallory:x:5666:
	vmail:x:5100:
	relhome:x:5010:
	grace:x:5013:
	emptyhome:x:5011:
	dotdothome:x:5012:
	mailgrp:x:5200:alice
	nogroup:x:65534:
	EOF
	chmod 0644 "$T_BASE/nss/passwd" "$T_BASE/nss/group"
	export LD_PRELOAD=$T_NSSLIB
	export NSS_WRAPPER_PASSWD=$T_BASE/nss/passwd NSS_WRAPPER_GROUP=$T_BASE/nss/group
	if [ "$(id -un alice 2>/dev/null)" != alice ] || [ "$(id -u vmail 2>/dev/null)" != 5100 ]; then
		fail "$T_NAME: nss_wrapper" "test accounts do not resolve through $T_NSSLIB"
		exit 0
	fi
}

# home_of USER: the home the test passwd file gives USER.
home_of() { getent passwd "$1" | cut -d: -f6; }
# t_setup_alice: t_setup for a script that needs root and works on alice:
# A is her home, M her maildir.
t_setup_alice() {
	t_setup
	t_need_root
	A=$(home_of alice)
	M=$A/Maildir
}

# mkhome USER [MODE]: a fresh, empty home owned by USER and its group.
mkhome() {
	local u=$1 mode=${2:-0755} h
	h=$(home_of "$u")
	rm -rf "$h"
	mkdir -p "$h"
	chmod "$mode" "$h"
	is_root && chown "$u:$(id -gn "$u")" "$h"
	return 0
}

# pam_service_file NAME LINE...: the service file $T_PAMD/NAME, one LINE a line.
pam_service_file() {
	local name=$1; shift
	printf '%s\n' "$@" >"$T_PAMD/$name"
}
# pam_service NAME OPTS...: the module alone in both hooks, with OPTS.
pam_service() {
	local name=$1; shift
	pam_service_file "$name" "account required $T_MODULE $*" "session required $T_MODULE $*"
}

# pam_login SERVICE USER [pamrun run args...]: one run of pamrun in $T_BASE;
# sets $rc (the PAM code, or pamrun's 98/99) and $out (stdout and stderr).
pam_login() {
	local s=$1 u=$2; shift 2
	out=$(cd "$T_BASE" && timeout 60 "$T_PAMRUN" -d "$T_PAMD" -s "$s" -u "$u" "$@" 2>&1)
	rc=$?
}

# expect NAME WANT: the last pam_login returned WANT.
expect() {
	if [ "$rc" = "$2" ]; then pass "$1"; else fail "$1" "expected PAM code $2, got $rc: $(printf '%s' "$out" | tr '\n' ' ')"; fi
}
# expect_fail NAME: the last pam_login returned anything but success (and not a driver error).
expect_fail() {
	if [ "$rc" != 0 ] && [ "$rc" -lt 90 ]; then pass "$1"; else fail "$1" "expected a PAM failure, got $rc: $(printf '%s' "$out" | tr '\n' ' ')"; fi
}

# snap PATH...: every entry below PATH with type, mode, owner, size, mtime and link target.
snap() { find "$@" -printf '%p %y %m %u %g %s %T@ %l\n' 2>/dev/null | LC_ALL=C sort; }

# same NAME BEFORE AFTER: two snapshots are equal.
same() {
	if [ "$2" = "$3" ]; then pass "$1"; else
		fail "$1" "changed: $(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | grep '^[<>]' | head -n 8 | tr '\n' ' ')"
	fi
}

# stat_is NAME PATH "OWNER MODE": owner and mode of PATH (not following symlinks).
# Without root only the mode is compared and the owner check is skipped.
stat_is() {
	local got want=$3
	got=$(stat -c '%U %a' -- "$2" 2>&1)
	if ! is_root; then
		if [ "${got#* }" = "${want#* }" ]; then pass "$1 (mode)"; else fail "$1 (mode)" "$2: got '$got', want '$want'"; fi
		skip "$1 (owner)" "ownership is only checked as root"
		return
	fi
	if [ "$got" = "$want" ]; then pass "$1"; else fail "$1" "$2: got '$got', want '$want'"; fi
}

# tree_is NAME DIR "OWNER MODE": DIR and every directory below it.  Like
# stat_is, without root only the modes are compared and the owners skipped.
tree_is() {
	local bad want=$3
	if is_root; then
		bad=$(find "$2" -type d -printf '%u %m %p\n' 2>&1 | grep -v "^$want " | head -n 3 | tr '\n' ' ')
		if [ -z "$bad" ]; then pass "$1"; else fail "$1" "not '$want': $bad"; fi
		return
	fi
	bad=$(find "$2" -type d -printf '%m %p\n' 2>&1 | grep -v "^${want#* } " | head -n 3 | tr '\n' ' ')
	if [ -z "$bad" ]; then pass "$1 (modes)"; else fail "$1 (modes)" "not mode ${want#* }: $bad"; fi
	skip "$1 (owners)" "ownership is only checked as root"
}

# leftovers DIR: temporary names the module left behind (a build that was
# not killed leaves none; older versions' names count too).
leftovers() { find "$1" -name '.mkmaildir[.-]*' 2>/dev/null; }


# t_build NAME [CC ARGS...]: tests/NAME.c built once per run into $T_WORK/bin
# (BIN); a script whose tool does not build stops, with the failure recorded.
t_build() {
	local name=$1 out; shift
	BIN=$T_WORK/bin
	mkdir -p "$BIN"
	out=$BIN/$name
	if [ ! -e "$out" ] || [ "$T_TOP/tests/${name%.so}.c" -nt "$out" ]; then
		cc -std=c11 -O2 -g -Wall -Wextra -Wno-format-truncation -o "$out" \
			"$T_TOP/tests/${name%.so}.c" "$@" ||
			{ fail "$T_NAME: build $name" "cc failed"; exit 0; }
	fi
}

# refused LABEL SERVICE USER [ACCOUNT-CODES [SESSION-CODES [LOG-REGEX]]]:
# both hooks refuse the login, the module logs why (a line matching
# LOG-REGEX, default "pam_mkmaildir"), and nothing under $T_BASE changes but
# the service files.  The account hook must return one of ACCOUNT-CODES
# (default PAM_PERM_DENIED), the session hook one of SESSION-CODES (default
# PAM_SESSION_ERR; "any": any PAM failure, not a driver error).
refused() {
	local label=$1 service=$2 user=$3 acodes=${4:-$PAM_PERM_DENIED} scodes=${5:-$PAM_SESSION_ERR}
	local regex=${6:-pam_mkmaildir} before m
	before=$(snap "$T_BASE" | grep -v "^$T_PAMD")
	m=$(log_mark)
	pam_login "$service" "$user" -a account
	code_in "$label: account refused" "$acodes"
	pam_login "$service" "$user" -a session
	code_in "$label: session refused" "$scodes"
	same "$label: nothing changed" "$before" "$(snap "$T_BASE" | grep -v "^$T_PAMD")"
	logged "$label: logged" "$m" "$regex"
}
# code_in NAME CODES: the last pam_login returned one of CODES (or, for
# "any", a PAM failure that is not a driver error).
code_in() {
	local c
	if [ "$2" = any ]; then
		if [ "$rc" != 0 ] && [ "$rc" -lt 90 ]; then pass "$1 ($rc)"; return; fi
	else
		for c in $2; do [ "$rc" = "$c" ] && { pass "$1 ($rc)"; return; }; done
	fi
	fail "$1" "expected PAM code $2, got $rc: $(printf '%s' "$out" | tr '\n' ' ' | head -c 200)"
}

# need_swapshim: $SHIM is tests/swapshim.c built (once per run); a failure
# to build it is recorded, and the caller stops.
need_swapshim() {
	SHIM=$T_WORK/swapshim.so
	[ -f "$SHIM" ] && [ ! "$T_TOP/tests/swapshim.c" -nt "$SHIM" ] && return 0
	cc -std=c11 -Wall -Wextra -Werror -shared -fPIC -o "$SHIM" "$T_TOP/tests/swapshim.c" -ldl && return 0
	fail "$T_NAME: build swapshim.so" "cc failed"
	return 1
}
