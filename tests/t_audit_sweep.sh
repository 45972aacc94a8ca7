# Issue 12, items 1, 1b and 2: in a group-writable parent (root:mailgrp 0770,
# maildir=$P/%u, alice the group member and attacker), nothing the module did
# not make is ever removed: not a foreign directory under a temporary-looking
# name (the old .mkmaildir-tmp.* naming or the staging name), not what a
# swap at the rename into place leaves at a temporary name.  Trees of builds
# that really died are still removed by the next first login in the parent;
# a locked (live) one is not.  maildir=%h is the home: createhome, skel and
# homemode apply, and missing directories above it are made root's 0755.
# tests/swapshim.c plays the attacker (or kills the build) at an exact call.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

need_swapshim || exit 0

P=$T_BASE/mail
G=$P/.mkmaildir-tmp
ALICE="setpriv --reuid=$(id -u alice) --regid=$(id -g alice) --groups=5200 --"
pam_service shared "maildir=$P/%u"
fresh_parent() { rm -rf "$P"; mkdir -m 0770 "$P"; chown root:mailgrp "$P"; }
# bob's maildir with mail in it; its snapshot is what must survive.
bob_with_mail() {
	pam_login shared bob -a account
	rmdir "$G" # what stays in a shared parent; the cases below set it up themselves
	printf 'Subject: keep\n\nmail\n' >"$P/bob/cur/1.keep:2,S"; chown bob:bob "$P/bob/cur/1.keep:2,S"
}
bob_mail_at() { [ "$(cat "$1/cur/1.keep:2,S" 2>/dev/null)" = "$(printf 'Subject: keep\n\nmail')" ] && is_maildir "$1"; }
# swap LABEL SERVICE USER CALL WHEN NAME COMMAND: one login with COMMAND fired
# (as root; the attacker's steps use $ALICE) at the first CALL of NAME.
swap() {
	local label=$1 service=$2 user=$3 call=$4 when=$5 name=$6 cmd=$7 mark=$T_BASE/swap.mark
	rm -f "$mark" "$T_BASE/swap.ok"
	LD_PRELOAD="$SHIM $T_NSSLIB" T_SWAP_CALL=$call T_SWAP_WHEN=$when T_SWAP_NAME=$name \
		T_SWAP_MARK=$mark T_SWAP_CMD="$cmd && : >$T_BASE/swap.ok" pam_login "$service" "$user" -a account
	if [ -e "$T_BASE/swap.ok" ]; then pass "$label: the swap ran ($(cut -d' ' -f1,2 "$mark"))"
	else fail "$label: the swap ran" "$(cat "$mark" 2>/dev/null || echo "never fired"): update this test"; fi
}

# --- 1: bob's idle maildir renamed by alice to an old-style temporary name ---
fresh_parent; bob_with_mail
old=$P/.mkmaildir-tmp.00000000000000u2
$ALICE mv "$P/bob" "$old"
touch -d '1 hour ago' "$old"
m=$(log_mark)
pam_login shared alice -a account
expect "old-style name: alice's first login succeeds" "$PAM_SUCCESS"
check "old-style name: bob's maildir and mail are intact" bob_mail_at "$old"
not_logged "old-style name: nothing is removed (nor logged as removed)" "$m" "pam_mkmaildir.*removing"
check "old-style name: the parent was not swept (nothing else changed)" \
	test "$(ls -A "$P" | tr '\n' ' ')" = ".mkmaildir-tmp .mkmaildir-tmp.00000000000000u2 alice "

# --- 1: bob's maildir renamed to the staging name, with a lock-like file ---
fresh_parent; bob_with_mail
$ALICE mv "$P/bob" "$G"
printf 'x\n' >"$G/cur/0123456789abcdef.lock"; chown bob:bob "$G/cur/0123456789abcdef.lock"
touch -d '1 hour ago' "$G" "$G/cur" "$G/cur/0123456789abcdef.lock"
before=$(snap "$G")
m=$(log_mark)
pam_login shared alice -a account
expect_fail "staging name taken by bob's maildir: alice's login is refused"
same "staging name taken by bob's maildir: nothing in it changed" "$before" "$(snap "$G")"
logged "staging name taken: refused with a clear line" "$m" \
	"pam_mkmaildir.*\.mkmaildir-tmp in its parent is owned by uid 5002 .*refused"

# --- 1: alice's own directory at the staging name, shaped like a stale build ---
fresh_parent
$ALICE mkdir -m 0700 "$G" "$G/0123456789abcdef"
$ALICE sh -c ": >'$G/0123456789abcdef.lock' && : >'$G/0123456789abcdef/keep'"
touch -d '1 hour ago' "$G"/* "$G"
before=$(snap "$G")
pam_login shared carol -a account
expect_fail "forged staging directory: carol's login is refused"
same "forged staging directory: its contents are not removed" "$before" "$(snap "$G")"

# --- 1': a build killed just before its rename into place is stale later ---
fresh_parent
swap "killed build" shared alice rename before '*' 'kill -KILL $PPID'
check "killed build: the login died" test "$rc" = 137
tree=$(find "$G" -mindepth 1 -maxdepth 1 -type d -name '[0-9a-f]???????????????' 2>/dev/null | head -n 1)
check "killed build: its tree and lock file are in the staging directory" \
	test -n "$tree" -a -f "$tree.lock" -a "$(stat -c '%U %a' "$G" 2>&1)" = "root 700"
touch -h -d '1 minute ago' "$G"/*
# Locked (a live build elsewhere): left alone.
exec 9<"$tree.lock"; flock -x 9
m=$(log_mark)
pam_login shared carol -a account
expect "live build: carol's login beside it succeeds" "$PAM_SUCCESS"
check "live build: the locked tree is left alone" test -d "$tree/cur"
not_logged "live build: nothing removed" "$m" "pam_mkmaildir.*removing"
exec 9<&-
# Unlocked and old: removed by the next first login in the parent.
m=$(log_mark)
pam_login shared dave -a account
expect "stale build: dave's login beside it succeeds" "$PAM_SUCCESS"
check "stale build: the tree and its lock are removed" test -z "$(ls -A "$G" 2>&1)"
# In a parent where others can rename entries, the staging directory stays
# (rmdir by name could remove an empty directory a member put there).
check "stale build: the staging directory of a shared parent stays, root's 0700" \
	test "$(stat -c '%U %a %h' "$G" 2>&1)" = "root 700 2"
logged "stale build: its removal is logged" "$m" \
	"pam_mkmaildir.*removing the tree of an interrupted build \([0-9a-f]{16}\) from the staging directory beside $P/dave"
pam_login shared alice -a account
expect "stale build: alice's next login succeeds" "$PAM_SUCCESS"
check "stale build: alice's maildir is complete" is_maildir "$P/alice"
check "stale build: nothing but the maildirs and the staging directory is in the parent" \
	test "$(ls -A "$P" | tr '\n' ' ')" = ".mkmaildir-tmp alice carol dave "

# --- 1': killed after the rename: the maildir is in place, the lock file alone is stale ---
fresh_parent
swap "killed after the rename" shared erin rename after '*' 'kill -KILL $PPID'
check "killed after the rename: erin's maildir is in place" is_maildir "$P/erin"
touch -h -d '1 minute ago' "$G"/*
pam_login shared frank -a account
expect "orphan lock: frank's login succeeds" "$PAM_SUCCESS"
check "orphan lock: removed" test -z "$(ls -A "$G" 2>&1)"
# A parent of many accounts keeps its staging directory, empty, root's 0700
# (no rmdir/mkdir race between frontends at every first login).
rm -rf "$P"; mkdir -m 0755 "$P"
pam_login shared frank -a account
expect "shared parent: frank's login succeeds" "$PAM_SUCCESS"
check "shared parent: the staging directory stays, empty, root's 0700" \
	test -d "$P/frank/cur" -a "$(stat -c '%U %a %h' "$G" 2>&1)" = "root 700 2" -a -z "$(ls -A "$G")"
# In the account's own home, where only the maildir was missing, it goes.
FH=$(home_of frank); rm -rf "$FH"; mkhome frank 0700
pam_service inhome "maildir=%h/Maildir"
pam_login inhome frank -a account
expect "own home: frank's login succeeds" "$PAM_SUCCESS"
check "own home: no staging directory is left in it" \
	test -d "$FH/Maildir/cur" -a ! -e "$FH/.mkmaildir-tmp"

# --- 1b: at the rename into place, alice puts bob's maildir at the temporary
# name and a non-empty directory of hers at her maildir's name ---
fresh_parent; bob_with_mail
m=$(log_mark)
swap "swap at the rename" shared alice rename before '*' \
	"cd $P && t=\$(ls -A | grep '^\.mkmaildir-tmp' | head -n 1) && $ALICE sh -c \"mv \$t aside && mv bob \$t && mkdir -p alice/x\""
moved=$(ls -A "$P" | grep '^\.mkmaildir-tmp' | head -n 1)
check "swap at the rename: bob's maildir and mail survive intact (at $moved)" bob_mail_at "$P/$moved"
if [ "$rc" = 0 ]; then pass "swap at the rename: PAM code 0 (alice's own directory completed)"
else expect_fail "swap at the rename: the login fails cleanly"; fi
logged "swap at the rename: a warning or error names the swap" "$m" \
	"pam_mkmaildir.*(staging directory .*replaced while in use|refused)"

# --- 2: maildir=%h, the home and a directory above it missing ---
mkdir -p "$T_BASE/skel"; printf 'p\n' >"$T_BASE/skel/.profile"
pam_service homeh "maildir=%h createhome homemode=0750 skel=$T_BASE/skel"
pam_service homeh_nocreate "maildir=%h"
GH=$(home_of grace)
rm -rf "$T_HOMES/deep"
pam_login homeh_nocreate grace -a account
expect_fail "maildir=%h without createhome: a missing home is not created"
check "maildir=%h without createhome: nothing made" test ! -e "$T_HOMES/deep"
pam_login homeh grace -a account
expect "maildir=%h createhome: succeeds" "$PAM_SUCCESS"
stat_is "maildir=%h: the missing parent deep is root 755" "$T_HOMES/deep" "root 755"
stat_is "maildir=%h: the missing parent deep/er is root 755" "$T_HOMES/deep/er" "root 755"
stat_is "maildir=%h: the home is grace's with homemode" "$GH" "grace 750"
check "maildir=%h: skel copied into the home" test "$(cat "$GH/.profile" 2>&1)" = p
check "maildir=%h: the home is the maildir" is_maildir "$GH"
# A directory above a home that another user owns is refused, never used
# (one of the owner's own is accepted: virtual users sharing vmail's uid).
rm -rf "$T_HOMES/deep"; mkdir -p "$T_HOMES/deep/er"; chown bob:bob "$T_HOMES/deep"
m=$(log_mark)
pam_login homeh grace -a account
expect_fail "user-owned directory above the home: refused"
check "user-owned directory above the home: nothing made" test ! -e "$GH"
logged "user-owned directory above the home: logged" "$m" "pam_mkmaildir.*\"deep\" is owned by uid 5002, not by root or uid 5013: refused"
rm -rf "$T_HOMES/deep"

# === The independent audit of the staging code (F1-F5) ===
XCHG=$T_WORK/xchg
cat >"$T_WORK/xchg.c" <<'C'
/* xchg DIR A B: renameat2(RENAME_EXCHANGE) of two entries of DIR. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	int d = argc == 4 ? open(argv[1], O_PATH | O_DIRECTORY) : -1;
	return d < 0 || renameat2(d, argv[2], d, argv[3], RENAME_EXCHANGE) < 0;
}
C
cc -std=c11 -o "$XCHG" "$T_WORK/xchg.c" || fail "$T_NAME: build xchg" "cc failed"

# --- F1: between the staging mkdir and its open, alice exchanges a root 1777
# directory of the parent in: it must keep its mode and not be used ---
fresh_parent; mkdir -m 1777 "$P/shared"; touch "$P/shared/keep"
m=$(log_mark)
swap "F1 exchange at the staging mkdir" shared alice mkdir after .mkmaildir-tmp \
	"$ALICE $XCHG $P .mkmaildir-tmp shared"
expect_fail "F1 exchange: alice's login is refused"
stat_is "F1 exchange: root's 1777 directory keeps its mode" "$G" "root 1777"
check "F1 exchange: nothing was built in it" test "$(ls -A "$G")" = keep
logged "F1 exchange: refused with the staging line" "$m" \
	"pam_mkmaildir.*\.mkmaildir-tmp in its parent is owned by uid 0 with mode 1777.*refused"

# --- F1: a root 0700 directory with names the module never makes (a
# lost+found a member renamed to the staging name) is not used ---
fresh_parent; mkdir -m 0700 "$G" "$G/#1234"; : >"$G/#1235"
touch -d '1 hour ago' "$G"/* "$G"
before=$(snap "$G")
m=$(log_mark)
pam_login shared alice -a account
expect_fail "F1 foreign names: alice's login is refused"
same "F1 foreign names: nothing in it changed" "$before" "$(snap "$G")"
check "F1 foreign names: no maildir built" test ! -e "$P/alice"
logged "F1 foreign names: refused with a clear line" "$m" \
	"pam_mkmaildir.*\.mkmaildir-tmp in its parent holds \"#123[45]\", which the module never makes: refused"

# --- F2: maildir=%h/Maildir, a build killed right after its rename into
# place: root's lock file must not stay in the home for good ---
pam_service homemd "maildir=%h/Maildir"
H=$(home_of erin); mkhome erin 0700
swap "F2 killed after the rename" homemd erin rename after '*' 'kill -KILL $PPID'
check "F2 killed after the rename: the maildir is in place and root's lock stays" \
	test -d "$H/Maildir/cur" -a -n "$(ls -A "$H/.mkmaildir-tmp" 2>/dev/null)"
touch -h -d '1 minute ago' "$H/.mkmaildir-tmp"/*
pam_login homemd erin -a account
expect "F2 killed after the rename: the next login succeeds" "$PAM_SUCCESS"
check "F2 killed after the rename: no staging directory is left in the home" test ! -e "$H/.mkmaildir-tmp"
# --- F2: killed mid-build, the client retries at once (the tree is not
# stale yet), later logins must remove it ---
H=$(home_of frank); mkhome frank 0700
swap "F2 killed mid-build" homemd frank mkdir after new 'kill -KILL $PPID'
pam_login homemd frank -a account
expect "F2 killed mid-build: the retry at once succeeds" "$PAM_SUCCESS"
check "F2 killed mid-build: the dead build's tree is still in staging (not stale yet)" \
	test -n "$(find "$H/.mkmaildir-tmp" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)"
find "$H/.mkmaildir-tmp" -exec touch -h -d '1 minute ago' {} +
m=$(log_mark)
pam_login homemd frank -a account
expect "F2 killed mid-build: a later login succeeds" "$PAM_SUCCESS"
check "F2 killed mid-build: the staging directory is gone from the home" test ! -e "$H/.mkmaildir-tmp"
logged "F2 killed mid-build: the removal is logged" "$m" "pam_mkmaildir.*removing the tree of an interrupted build"
check "F2: the maildirs are intact" is_maildir "$H/Maildir"

# --- F3: a failed build deeper than the old 32 levels is removed ---
fresh_parent
deep=$(printf '/d%d' $(seq 1 40))
pam_service deep "maildir=$P/%u$deep"
swap "F3 deep build that loses" deep carol rename before '*' "$ALICE mkdir -p $P/carol/x"
expect_fail "F3 deep build: carol's login fails (alice's directory is at the name)"
check "F3 deep build: the 40-level tree is removed from staging" test -z "$(ls -A "$G" 2>&1)"

# --- F5: an empty directory put at the name just before the rename into
# place is not replaced (RENAME_NOREPLACE) ---
fresh_parent
mkdir "$P/carol-box"; chown carol:carol "$P/carol-box"; ino=$(stat -c %i "$P/carol-box")
m=$(log_mark)
swap "F5 empty directory at the name" shared bob rename before '*' "$ALICE mv $P/carol-box $P/bob"
check "F5: carol's directory is still there, at bob's name" test "$(stat -c '%U %i' "$P/bob" 2>&1)" = "carol $ino"
expect_fail "F5: bob's login is refused (the name is carol's directory)"
logged "F5: the walk's refusal is logged" "$m" "pam_mkmaildir.*\"bob\" is owned by uid 5003, not by root or uid 5002: refused"
check "F5: nothing left in staging" test -z "$(ls -A "$G" 2>&1)"

# --- F4: a home of "//" is refused like "/" ---
if [ -e /Maildir ] || [ -e /.mkmaildir-tmp ]; then
	skip "F4 home //: refused" "/Maildir or /.mkmaildir-tmp exists on this host"
else
	printf 'slashes:x:5030:5030:Home is //://:/bin/sh\n' >>"$T_BASE/nss/passwd"
	pam_login homemd slashes -a account
	expect_fail "F4 home //: refused"
	check "F4 home //: nothing made in /" test ! -e /Maildir -a ! -e /.mkmaildir-tmp
	if [ "$(stat -c %u /Maildir 2>/dev/null)" = 5030 ]; then rm -rf /Maildir; fi
fi
