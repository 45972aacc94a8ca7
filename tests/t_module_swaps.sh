# SPDX-License-Identifier: GPL-2.0-or-later
# The user swaps things on the path while the module is working on it:
# a directory replaced by a symlink or a hard link planted between the
# module's check and its use.  tests/swapshim.c runs the attacker's command
# at an exact call of the module (mkdir, open or rename of a given name), so
# there is no timing involved; each case also checks that the attack really
# ran.  Whatever the module answers, nothing outside the owner's own
# directories may be created, chowned or written, and a success must mean a
# real, complete maildir.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

need_swapshim || exit 0

A=$(home_of alice)
M=$A/Maildir
T=$T_BASE/target            # root's directory the attacker aims at
S=$T_BASE/secret            # root's file the attacker aims at
mkdir -m 0755 "$T"; printf 'keep\n' >"$T/keep"; chmod 0644 "$T/keep"
printf 's3cret\n' >"$S"; chmod 0600 "$S"
guarded() { snap "$T" "$S"; cat "$S" "$T/keep"; stat -c '%U %G %a' "$T" "$S"; }
ALICE="setpriv --reuid=$(id -u alice) --regid=$(id -g alice) --clear-groups --"

pam_service plain ""
pam_service rel "maildir=Mail/box"
pam_service fold "folders=Sent,Drafts"

# attack LABEL SERVICE CALL WHEN NAME COMMAND: runs the account hook with
# COMMAND fired at the first CALL (mkdir|open|rename) of NAME (WHEN:
# before|after); sets rc/out like pr.  Checks that the attack ran and that
# root's target and secret are untouched.
attack() {
	local label=$1 service=$2 call=$3 when=$4 name=$5 cmd=$6 guard mark=$T_BASE/swap.mark
	rm -f "$mark" "$T_BASE/swap.ok"
	guard=$(guarded)
	LD_PRELOAD="$SHIM $T_NSSLIB" T_SWAP_CALL=$call T_SWAP_WHEN=$when T_SWAP_NAME=$name \
		T_SWAP_MARK=$mark T_SWAP_CMD="$cmd && : >$T_BASE/swap.ok" pam_login "$service" alice -a account -H
	if [ -e "$T_BASE/swap.ok" ]; then pass "$label: the attack ran ($(cut -d' ' -f1,2 "$mark"))"
	elif [ -e "$mark" ]; then fail "$label: the attack ran" "its command failed at $(cat "$mark")"
	else fail "$label: the attack ran" "the module never did $call $name: update this test"; fi
	same "$label: root's files untouched" "$guard" "$(guarded)"
	check "$label: the host process state is unchanged" test "$rc" != 99
}
# A success must mean a real maildir of alice's where the template says.
success_means_maildir() { # LABEL DIR
	if [ "$rc" != 0 ]; then pass "$1: refused ($rc)"; return; fi
	if is_maildir "$2" && [ ! -L "$2" ] && [ "$(stat -c %U "$2" "$2/cur" "$2/new" "$2/tmp" | sort -u)" = alice ]; then
		pass "$1: succeeded with a real maildir"
	else
		fail "$1: success means a real maildir" "succeeded, but $2 is: $(ls -ld "$2" 2>&1)"
	fi
}

# --- the temporary tree is swapped for a symlink just before it is renamed
# into place (the owner's own parent: only the owner can do this) ---
mkhome alice 0700
attack "temporary swapped before rename" plain rename before '*' \
	"cd $A && $ALICE sh -c 'n=\$(ls -d .mkmaildir.*) && mv \$n stolen && ln -s $T \$n'"
success_means_maildir "temporary swapped before rename" "$M"
check "temporary swapped before rename: nothing created in root's directory" test "$(ls -A "$T")" = keep
check "temporary swapped before rename: what the owner moved away is left as it was" is_maildir "$A/stolen"

# --- a directory on the way (maildir=Mail/box) becomes a symlink once the temporary is made in it ---
mkhome alice 0700
$ALICE mkdir "$A/Mail"
attack "Mail swapped after the temporary was made" rel mkdir after '.mkmaildir.*' \
	"$ALICE sh -c 'cd $A && mv Mail Mail.moved && ln -s $T Mail'"
check "Mail swapped: nothing created in root's directory" test "$(ls -A "$T")" = keep

# --- the maildir is swapped for a symlink just before the module opens it
# (no record: the every-login openat2 finds it incomplete, the walk runs) ---
mkhome alice 0700
pam_login plain alice -a account
rm -f "$M"/pam_mkmaildir.*
attack "Maildir swapped before it is opened" plain open before Maildir \
	"$ALICE sh -c 'mv $M $M.old && ln -s $T $M'"
expect "Maildir swapped before it is opened: PAM_PERM_DENIED" "$PAM_PERM_DENIED"

# --- during a repair, new is replaced by a symlink between mkdir and open ---
mkhome alice 0700
pam_login plain alice -a account
rmdir "$M/new"; rm -f "$M"/pam_mkmaildir.*
attack "repair: new swapped for a symlink after mkdir" plain mkdir after new \
	"$ALICE sh -c 'rmdir $M/new && ln -s $T $M/new'"
expect "repair: new swapped after mkdir: PAM_PERM_DENIED" "$PAM_PERM_DENIED"
check "repair: new swapped: the symlink is still there" test -L "$M/new"

# --- during a folder repair, maildirfolder appears as a hard link or a symlink ---
mkhome alice 0700
pam_login fold alice -a account
rm "$M/.Sent/maildirfolder" "$M"/pam_mkmaildir.*
attack "repair: maildirfolder hard-linked to root's file just before it is made" fold open before maildirfolder \
	"ln $S $M/.Sent/maildirfolder"
check "hard-linked maildirfolder: root's file keeps owner, mode, content" \
	test "$(stat -c '%U %a' "$S"; cat "$S")" = "$(printf 'root 600\ns3cret')"

mkhome alice 0700
pam_login fold alice -a account
rm "$M/.Sent/maildirfolder" "$M"/pam_mkmaildir.*
attack "repair: maildirfolder planted as a dangling symlink just before it is made" fold open before maildirfolder \
	"$ALICE ln -s $T_BASE/made-by-root $M/.Sent/maildirfolder"
check "symlinked maildirfolder: its target was not created" test ! -e "$T_BASE/made-by-root"
