# SPDX-License-Identifier: GPL-2.0-or-later
# Two pam_mkmaildir lines in one stack, as with the Debian package's
# pam-auth-update profile (common-session) and a line of one's own after
# it (README.Debian, "With explicit lines"): the first line that runs makes
# the maildir with its options; a later line finds it there and gives what
# its own options add and no record of the maildir lists: the user gets
# every folder of both lines, each once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup

folders() { find "$1" -mindepth 1 -maxdepth 1 -name '.*' -type d -printf '%f\n' | LC_ALL=C sort | tr '\n' ' '; }

# --- the first line without folders (the profile, file as shipped) ---
A=$(home_of alice)
mkhome alice
pam_service_file bare "session optional $T_MODULE" "session required $T_MODULE folders=Drafts,Sent,Trash,Junk subscribe"
m=$(log_mark)
pam_login bare alice -a session
expect "first line bare, own line with folders: the session succeeds" "$PAM_SUCCESS"
check "first line bare: a complete maildir" is_maildir "$A/Maildir"
got=$(folders "$A/Maildir")
check "first line bare: the later line's folders are all there ($got)" test "$got" = ".Drafts .Junk .Sent .Trash "
check "first line bare: the later line's subscriptions are written" grep -qx Sent "$A/Maildir/subscriptions"
check "first line bare: each line's record is there" test "$(ls "$A/Maildir" | grep -c '^pam_mkmaildir\.given\.')" = 2
logged "first line bare: the first line logged the creation" "$m" "pam_mkmaildir.*created maildir $A/Maildir"
logged "first line bare: the later line logged what it gave" "$m" "pam_mkmaildir.*giving maildir $A/Maildir what its configuration adds"

# --- the first line with folders of its own ---
mkhome alice
pam_service_file full "session optional $T_MODULE folders=Drafts" "session required $T_MODULE folders=Drafts,Sent,Trash,Junk subscribe"
pam_login full alice -a session
expect "first line with folders, own line with more: the session succeeds" "$PAM_SUCCESS"
got=$(folders "$A/Maildir")
check "first line with folders: its folders and the later line's ($got)" test "$got" = ".Drafts .Junk .Sent .Trash "
check "first line with folders: the later line's subscriptions are written" grep -qx Sent "$A/Maildir/subscriptions"
