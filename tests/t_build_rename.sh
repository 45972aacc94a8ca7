# SPDX-License-Identifier: GPL-2.0-or-later
# One rename per tree: a missing tree is built under a fresh name beside its
# final one (.mkmaildir. and 16 hex digits) and renamed into place.  In a
# group-writable parent (root:mailgrp 0770, maildir=$P/%u, alice the group
# member and attacker) nothing the module did not make is ever removed or
# used: no name is reserved, nothing is swept, what killed builds leave is
# never read, and a build that fails or loses removes only what it made.
# Builders of every kind share one parent in any order.  maildir=%h is the
# home: createhome, skel and homemode apply, and missing directories above
# it are made root's 0755.  tests/swapshim.c plays the attacker (or kills
# the build) at an exact call.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

need_swapshim || exit 0

P=$T_BASE/mail
ALICE="setpriv --reuid=$(id -u alice) --regid=$(id -g alice) --groups=5200 --"
pam_service shared "maildir=$P/%u"
fresh_parent() { rm -rf "$P"; mkdir -m 0770 "$P"; chown root:mailgrp "$P"; }
# bob's maildir with mail in it; its snapshot is what must survive.
bob_with_mail() {
	pam_login shared bob -a account
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
names() { ls -A "$1" | tr '\n' ' '; }

# --- bob's idle maildir renamed by alice to a temporary-looking name, old or new ---
for n in .mkmaildir-tmp.00000000000000u2 .mkmaildir-tmp .mkmaildir.00000000000000a2; do
	fresh_parent; bob_with_mail
	$ALICE mv "$P/bob" "$P/$n"
	touch -d '1 hour ago' "$P/$n"
	before=$(snap "$P/$n")
	m=$(log_mark)
	pam_login shared alice -a account
	expect "temporary-looking $n: alice's first login succeeds" "$PAM_SUCCESS"
	same "temporary-looking $n: bob's maildir and mail are untouched" "$before" "$(snap "$P/$n")"
	not_logged "temporary-looking $n: nothing is logged about it" "$m" "pam_mkmaildir.*($n|refused|removing)"
	check "temporary-looking $n: the parent holds it and alice's maildir only" test "$(names "$P")" = "$n alice "
done

# --- a build killed before its rename leaves its tree, which nobody reads ---
fresh_parent
swap "killed build" shared alice rename before '*' 'kill -KILL $PPID'
check "killed build: the login died" test "$rc" = 137
tree=$(ls -Ad "$P"/.mkmaildir.* 2>/dev/null | head -n 1)
check "killed build: its temporary tree is in the parent, alice's, complete" \
	test -n "$tree" -a "$(stat -c %U "$tree" 2>&1)" = alice -a -d "$tree/cur"
left=$(snap "$tree")
for u in carol dave alice; do
	pam_login shared $u -a account
	expect "killed build: $u's login beside it succeeds" "$PAM_SUCCESS"
done
same "killed build: the leftover is untouched by the later logins" "$left" "$(snap "$tree")"
check "killed build: the parent holds the final names and the one leftover" \
	test "$(names "$P")" = "${tree##*/} alice carol dave "
check "killed build: alice's maildir is not the leftover" test "$(stat -c %i "$P/alice")" != "$(stat -c %i "$tree")"
listed=$("${T_MKMAILDIR:-$T_TOP/mkmaildir}" -n -o "maildir=$P/%u" alice carol 2>/dev/null | grep '^leftover: ')
check "killed build: mkmaildir -n lists the leftover, once, for the administrator" test "$listed" = "leftover: $tree"
# A tree built from a level above the maildir (a home, a domain) has its
# temporary name there: -n reads the directory above each maildir's too.
listed=$("${T_MKMAILDIR:-$T_TOP/mkmaildir}" -n -o "maildir=$P/%u/Maildir" alice carol 2>/dev/null | grep '^leftover: ')
check "killed build: mkmaildir -n lists a leftover one level above the maildirs' parents" \
	test "$listed" = "leftover: $tree"

# --- killed right after the rename: the maildir is in place, nothing else ---
fresh_parent
swap "killed after the rename" shared erin rename after '*' 'kill -KILL $PPID'
check "killed after the rename: erin's maildir is in place, and nothing else" \
	test -d "$P/erin/cur" -a "$(names "$P")" = "erin "
pam_login shared erin -a account
expect "killed after the rename: the next login succeeds" "$PAM_SUCCESS"

# --- at the rename into place, alice puts bob's maildir at the temporary
# name and a non-empty directory of hers at her maildir's name ---
fresh_parent; bob_with_mail
m=$(log_mark)
swap "swap at the rename" shared alice rename before '*' \
	"cd $P && t=\$(ls -A | grep '^\.mkmaildir\.' | head -n 1) && $ALICE sh -c \"mv \$t aside && mv bob \$t && mkdir -p alice/x\""
moved=$(ls -A "$P" | grep '^\.mkmaildir\.' | head -n 1)
check "swap at the rename: bob's maildir and mail survive intact (at $moved)" bob_mail_at "$P/$moved"
expect "swap at the rename: alice's login succeeds" "$PAM_SUCCESS"
check "swap at the rename: alice's own directory at her name became her maildir, x kept" \
	test "$(names "$P/alice" | norecord)" = "cur new RECORD tmp x " -a "$(stat -c %U "$P/alice")" = alice
logged "swap at the rename: completed in place, as hers" "$m" "pam_mkmaildir.*completing maildir $P/alice "
check "swap at the rename: what the build made is gone from where alice moved it" test -z "$(ls -A "$P/aside")"

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

# --- between the mkdir of the temporary top and its open, alice exchanges a
# root 1777 directory of the parent in: it keeps its mode and is not used ---
fresh_parent; mkdir -m 1777 "$P/shared"; touch "$P/shared/keep"
m=$(log_mark)
swap "exchange at the top's mkdir" shared alice mkdir after '.mkmaildir.*' \
	"cd $P && $ALICE $XCHG $P \$(ls -A | grep '^\.mkmaildir\.' | head -n 1) shared"
expect_fail "exchange at the top's mkdir: alice's login is refused"
x=$(ls -A "$P" | grep '^\.mkmaildir\.' | head -n 1)
stat_is "exchange at the top's mkdir: root's 1777 directory keeps its mode" "$P/$x" "root 1777"
check "exchange at the top's mkdir: nothing was built in it" test "$(ls -A "$P/$x")" = keep
logged "exchange at the top's mkdir: refused with a clear line" "$m" \
	"pam_mkmaildir.*temporary directory .* was replaced under the build .*refused"

# --- the same with a root 0700 directory holding a file of root's, in a
# set-group-ID parent (/var/mail): root never hands over what it did not make ---
S=$T_BASE/spool; rm -rf "$S"; mkdir "$S"; chown root:mailgrp "$S"; chmod 2775 "$S"
mkdir -m 0700 "$S/victim"; printf 'root\n' >"$S/victim/secret"; chmod 0600 "$S/victim/secret"
pam_service spool "maildir=$S/%u"
victim=$(snap "$S/victim")
m=$(log_mark)
swap "root's directory exchanged at the top's mkdir" spool carol mkdir after '.mkmaildir.*' \
	"cd $S && $ALICE $XCHG $S \$(ls -A | grep '^\.mkmaildir\.' | head -n 1) victim"
expect_fail "root's directory exchanged: carol's login is refused"
x=$(ls -A "$S" | grep '^\.mkmaildir\.' | head -n 1)
same "root's directory exchanged: it is as it was, root's, its file root's" "$victim" "$(snap "$S/$x" | sed "s|$S/$x|$S/victim|")"
check "root's directory exchanged: carol has no maildir" test ! -e "$S/carol"
logged "root's directory exchanged: refused with a clear line" "$m" \
	"pam_mkmaildir.*temporary directory .* was replaced under the build .*refused"

# --- a missing parent of per-user maildirs (maildir=/srv/mail/%u) is root's ---
R=$T_BASE/srv; rm -rf "$R"; mkdir -m 0755 "$R"
pam_service srv "maildir=$R/mail/%u"
pam_login srv bob -a account
expect "shared parent made by the first login: bob succeeds" "$PAM_SUCCESS"
stat_is "shared parent made by the first login: it is root's 0755" "$R/mail" "root 755"
pam_login srv carol -a account
expect "shared parent made by the first login: carol succeeds after him" "$PAM_SUCCESS"
check "shared parent: the two maildirs, each its user's" \
	test "$(stat -c %U "$R/mail/bob" "$R/mail/carol" | tr '\n' ' ')" = "bob carol "

# --- a failed build deeper than 32 levels removes all it made ---
fresh_parent
deep=$(printf '/d%d' $(seq 1 40))
pam_service deep "maildir=$P/%u$deep"
swap "deep build that loses" deep carol rename before '*' "$ALICE mkdir -p $P/carol/x"
expect_fail "deep build: carol's login fails (alice's directory is at the name)"
check "deep build: the 40-level tree is gone, the parent holds only carol" test "$(names "$P")" = "carol "
check "deep build: alice's directory is as she made it" test "$(names "$P/carol")" = "x "

# --- an empty directory put at the name just before the rename into place
# is not replaced (RENAME_NOREPLACE) ---
fresh_parent
mkdir "$P/carol-box"; chown carol:carol "$P/carol-box"; ino=$(stat -c %i "$P/carol-box")
m=$(log_mark)
swap "empty directory at the name" shared bob rename before '*' "$ALICE mv $P/carol-box $P/bob"
check "empty directory at the name: carol's directory is still there, at bob's name" \
	test "$(stat -c '%U %i' "$P/bob" 2>&1)" = "carol $ino"
expect_fail "empty directory at the name: bob's login is refused (the name is carol's directory)"
logged "empty directory at the name: the walk's refusal is logged" "$m" \
	"pam_mkmaildir.*\"bob\" is owned by uid 5003, not by root or uid 5002: refused"
check "empty directory at the name: nothing else in the parent" test "$(names "$P")" = "bob "

# --- F4: a home of "//" is refused like "/" ---
if [ -e /Maildir ] || [ -n "$(ls -Ad /.mkmaildir* 2>/dev/null)" ]; then
	skip "F4 home //: refused" "/Maildir or /.mkmaildir* exists on this host"
else
	printf 'slashes:x:5030:5030:Home is //://:/bin/sh\n' >>"$T_BASE/nss/passwd"
	pam_login homemd slashes -a account
	expect_fail "F4 home //: refused"
	check "F4 home //: nothing made in /" test ! -e /Maildir -a -z "$(ls -Ad /.mkmaildir* 2>/dev/null)"
	if [ "$(stat -c %u /Maildir 2>/dev/null)" = 5030 ]; then rm -rf /Maildir; fi
fi
