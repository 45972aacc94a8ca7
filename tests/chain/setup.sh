# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by tests/t_authmkhome_*.sh, sourced after tests/lib.sh: builds the
# test programs of the historic chain and gives each script its own area.
#
#   $T_BASE        the script's private directory (removed at exit)
#   $BIN           root-owned 0755: login, authtest, server (tests/chain/*.c)
#   $AMH           the authmkhome under test ($T_TOP/authmkhome, or
#                  $T_AUTHMKHOME), copied byte for byte into $BIN: the test
#                  accounts run it, and the checkout may sit under a
#                  directory they cannot enter (as /root, 0700)
#   $OUT           1777: what the chain programs record (CHAIN_OUT)
#   $USERS         the authtest accounts (CHAIN_USERS)
#   $CONF          an empty configuration file (MKMAILDIR_CONFIG), so that
#                  the host's /etc/security/mkmaildir.conf never matters
#   UID_A..UID_F   uids of the test users: 5001.. as root, the caller's
#                  own uid otherwise
#
#   adduser NAME [MAILDIR]   an authtest account NAME (password NAME-pw) with
#                            a fresh home $T_BASE/home/NAME owned by it
#   chain [VAR=VALUE...] -- ARGS...   runs "login ARGS" from / with a clean
#                            environment plus the VARs; sets rc, out, err
#   srv KEY / srvenv NAME    what the server stub recorded
#   loglines MARK            authmkhome's syslog lines since MARK
T_NAME=$(basename "$0" .sh)
T_BASE=$T_WORK/$T_NAME
BIN=$T_BASE/bin OUT=$T_BASE/out USERS=$T_BASE/users CONF=$T_BASE/mkmaildir.conf
AMH_SRC=${T_AUTHMKHOME:-$T_TOP/authmkhome}
AMH=$BIN/authmkhome
trap 'rm -rf "$T_BASE"' EXIT
trap 'exit 130' INT TERM

if [ ! -x "$AMH_SRC" ]; then
	fail "$T_NAME: authmkhome built" "$AMH_SRC does not exist (run make)"
	exit 0
fi
# authmkhome runs as the user, and the core opens every directory above a
# creator for reading: the runner's private area must be readable.
chmod 0755 "$T_WORK"
rm -rf "$T_BASE"
mkdir -p "$BIN" "$OUT" "$T_BASE/home"
chmod 0755 "$T_BASE" "$BIN" "$T_BASE/home"
chmod 1777 "$OUT"
for p in login authtest server; do
	cc -std=c11 -Wall -Wextra -Werror -o "$BIN/$p" "$T_TOP/tests/chain/$p.c" || {
		fail "$T_NAME: build tests/chain/$p.c" "cc failed"; exit 0; }
done
install -m 0755 "$AMH_SRC" "$AMH" && cmp -s "$AMH_SRC" "$AMH" || {
	fail "$T_NAME: authmkhome copied into $BIN" "install failed"; exit 0; }
: >"$USERS"; : >"$CONF"
chmod 0644 "$USERS" "$CONF"

if is_root; then
	UID_A=5001 UID_B=5002 UID_C=5003 UID_D=5004 UID_E=5005 UID_F=5006 UID_G=5007
else
	UID_A=$(id -u); UID_B=$UID_A UID_C=$UID_A UID_D=$UID_A UID_E=$UID_A UID_F=$UID_A UID_G=$UID_A
fi

adduser() { # NAME UID [MAILDIR [QUOTA]]
	local h=$T_BASE/home/$1
	mkdir -p "$h"
	chmod 0700 "$h"
	is_root && chown "$2:$2" "$h"
	printf '%s:%s-pw:%s:%s:%s:%s%s\n' "$1" "$1" "$2" "$2" "$h" "${3:-}" "${4:+:$4}" >>"$USERS"
}

chain() {
	local vars=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	rm -f "$OUT"/*
	out=$(cd / && env -i "${T_CAPENV[@]}" PATH=/usr/bin:/bin CHAIN_OUT="$OUT" CHAIN_USERS="$USERS" \
		MKMAILDIR_CONFIG="$CONF" "${vars[@]}" "$BIN/login" "$@" 2>"$T_BASE/stderr")
	rc=$?
	err=$(cat "$T_BASE/stderr")
}

srv() { grep -m1 "^$1=" "$OUT/server" 2>/dev/null | cut -d= -f2-; }
srvenv() { grep -m1 "^env:$1=" "$OUT/server" 2>/dev/null | cut -d= -f2-; }
loginpid() { sed -n 's/^start pid=//p' "$OUT/login" 2>/dev/null | head -n1; }
loglines() { log_since "$1" | grep 'authmkhome\['; }

snap() { find "$@" -printf '%p %y %m %u %g %s %T@ %C@\n' 2>/dev/null | LC_ALL=C sort; }
leftovers() { find "$1" \( -name '.mkmaildir-tmp?*' -o -path '*/.mkmaildir-tmp/*' -o -name '.authmkhome-creator*' \) 2>/dev/null; }

# mkprog NAME: a root-owned 0755 program $BIN/NAME whose body is read from stdin.
mkprog() { cat >"$BIN/$1"; chmod 0755 "$BIN/$1"; }
