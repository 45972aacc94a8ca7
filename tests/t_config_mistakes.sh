# SPDX-License-Identifier: GPL-2.0-or-later
# A configuration mistake is loud and never permanent: a misspelled option
# is logged at LOG_ERR at every login, naming it (and the file and line),
# while the maildir is built without it; once corrected, what it was meant
# to give is given at the next login.  A folder the configuration gains
# reaches an existing maildir once, and once its user deletes it, it stays
# deleted.  mkmaildir -n stops on an unknown option and names the items a
# maildir lacks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

MK=${T_MKMAILDIR:-$T_TOP/mkmaildir}
A=$(home_of alice); M=$A/Maildir
C=$T_BASE/mk.conf
conf() { printf '%s\n' "$@" >"$C"; chmod 0644 "$C"; }
mkhome alice 0700

# --- a misspelled subscribe, on the PAM line ---
pam_service typo "folders=Drafts,Sent,Trash,Junk subscibe"
m=$(log_mark)
pam_login typo alice -a account
expect "misspelled subscribe: the login succeeds" "$PAM_SUCCESS"
check "misspelled subscribe: folders made, nothing subscribed" test -d "$M/.Junk/cur" -a ! -e "$M/subscriptions"
logged "misspelled subscribe: LOG_ERR names it and says the maildir is built without it" "$m" \
	'pam_mkmaildir.*unknown option "subscibe": the maildir is built without it'
m=$(log_mark)
pam_login typo alice -a account
logged "misspelled subscribe: logged again at the next login" "$m" 'pam_mkmaildir.*unknown option "subscibe"'
pam_service typo "folders=Drafts,Sent,Trash,Junk subscribe"
pam_login typo alice -a account
expect "corrected: the login succeeds" "$PAM_SUCCESS"
check "corrected: the subscriptions are written now" \
	test "$(cat "$M/subscriptions" 2>/dev/null)" = "$(printf 'V\t2\n\nINBOX\nDrafts\nSent\nTrash\nJunk')"
before=$(snap "$M")
pam_login typo alice -a both
same "corrected: the login after changes nothing" "$before" "$(snap "$M")"

# --- a misspelled folders= in the file: INBOX only, then everything ---
rm -rf "$M"
conf "folder=Drafts,Sent"
pam_service file "config=$C"
m=$(log_mark)
pam_login file alice -a account
expect "misspelled folders= in the file: the login succeeds" "$PAM_SUCCESS"
logged "misspelled folders= in the file: file, line and name logged" "$m" \
	"pam_mkmaildir.*$C:1: unknown option \"folder\": the maildir is built without it"
out=$("$MK" -n -c "$C" alice 2>&1); rc=$?
check "misspelled folders= in the file: mkmaildir -n exits 3 ($rc)" test "$rc" = 3
conf "folders=Drafts,Sent"
out=$("$MK" -n -c "$C" alice 2>/dev/null); rc=$?
check "corrected: mkmaildir -n exits 1 and names the folders the maildir lacks ($out)" \
	test "$rc" = 1 -a -n "$(grep -F 'lacks folder .Drafts' <<<"$out")"
pam_login file alice -a account
check "corrected: the next login gives both folders" is_maildir "$M/.Drafts" -a -d "$M/.Sent/cur"
out=$("$MK" -n -c "$C" alice 2>/dev/null); rc=$?
check "corrected: mkmaildir -n says ok ($out)" test "$rc" = 0 -a "$out" = "alice: ok"

# --- a folder added later reaches the existing maildir once ---
conf "folders=Drafts,Sent,Archive"
m=$(log_mark)
pam_login file alice -a session
check "added folder: made at the next login" is_maildir "$M/.Archive"
logged "added folder: the login says what it gives" "$m" "pam_mkmaildir.*giving maildir $M what its configuration adds"
check "added folder: made in tmp/ and renamed, nothing left there" test -z "$(ls -A "$M/tmp")"
rm -rf "$M/.Archive" "$M/.Drafts"
pam_login file alice -a both
check "added folder, deleted by its user: not made again" test ! -e "$M/.Archive" -a ! -e "$M/.Drafts"
conf "folders=Drafts,Sent,Archive,Junk"
pam_login file alice -a account
check "another folder added: only it is made, the deleted ones stay deleted" \
	test -d "$M/.Junk/cur" -a ! -e "$M/.Archive" -a ! -e "$M/.Drafts"
check "each configuration left its record (nothing removed), all alice's" \
	test "$(ls "$M" | grep -c '^pam_mkmaildir\.given\.')" -ge 3 -a -z "$(find "$M" -maxdepth 1 -name 'pam_mkmaildir.*' ! -user alice)"

# --- an earlier version's marker: everything configured counts as given ---
rm -rf "$M"; mkdir -p "$M/cur" "$M/new" "$M/tmp"; : >"$M/pam_mkmaildir.populated"; chown -R alice:alice "$M"
pam_login file alice -a account
expect "earlier marker: the login succeeds" "$PAM_SUCCESS"
check "earlier marker: no folder given (they were, then)" test -z "$(ls -A "$M" | grep '^\.')"
check "earlier marker: this configuration's record is written, the old marker kept" \
	test -n "$(record "$M")" -a -f "$M/pam_mkmaildir.populated"
conf "folders=Drafts,Sent,Archive,Junk,Later"
pam_login file alice -a account
check "earlier marker: a folder added after the upgrade is given" test -d "$M/.Later/cur" -a ! -e "$M/.Drafts"
