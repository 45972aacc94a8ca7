# SPDX-License-Identifier: GPL-2.0-or-later
# Partial maildirs are repaired in place; existing content is never touched;
# a folder the user deleted is not re-created; a second login changes nothing.
# The marker means every folder was given: a populated maildir's folders are
# not looked at again, whatever the user did to them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup_alice
mkhome alice
pam_service rep "folders=Drafts,Sent subscribe quota=100000S mode=0750"
pam_login rep alice -a account
expect "setup: first login succeeds" "$PAM_SUCCESS"

# Mail and user state the module must leave alone.
msg=$M/cur/1700000000.M1P1.host:2,S
printf 'From: a@example.org\nSubject: keep me\n\nbody\n' >"$msg"
printf 'new mail\n' >"$M/new/1700000001.M2P2.host"
chown alice:alice "$msg" "$M/new/1700000001.M2P2.host"
chmod 0640 "$msg"
touch -d '2020-01-02 03:04:05' "$msg"
printf 'INBOX.Drafts\n' >"$M/courierimapsubscribed"          # the user unsubscribed Sent
printf '100000S\n1234 1\n' >"$M/maildirsize"                  # quota usage lines
sent_msg=$M/.Sent/cur/1700000002.M3P3.host:2,S
printf 'sent\n' >"$sent_msg"; chown alice:alice "$sent_msg"
keep() { stat -c '%i %s %Y %U %a' "$msg" "$M/new/1700000001.M2P2.host" "$sent_msg" 2>&1; cat "$msg" "$M/courierimapsubscribed" "$M/maildirsize" 2>&1; }
kept=$(keep)

# --- the maildir's own tmp is missing: with the marker the maildir is
# taken as complete (the every-login path looks at nothing else); without
# it, it is completed ---
rmdir "$M/tmp"
pam_login rep alice -a account
expect "missing tmp, marker there: succeeds" "$PAM_SUCCESS"
check "missing tmp, marker there: nothing done" test ! -e "$M/tmp"
rm -f "$M"/pam_mkmaildir.*
pam_login rep alice -a account
expect "missing tmp: account succeeds" "$PAM_SUCCESS"
check "missing tmp: re-created" test -d "$M/tmp" -a ! -L "$M/tmp"
stat_is "missing tmp: alice 750" "$M/tmp" "alice 750"
check "missing tmp: mail, subscriptions and quota untouched" test "$(keep)" = "$kept"

# --- new and cur missing, through the session hook ---
mv "$msg" "$T_BASE/msg.save"; rm -rf "$M/new"; rmdir "$M/cur"; rm -f "$M"/pam_mkmaildir.*
pam_login rep alice -a session
expect "missing cur and new: session succeeds" "$PAM_SUCCESS"
check "missing cur and new: re-created" is_maildir "$M"
stat_is "missing cur: alice 750" "$M/cur" "alice 750"
stat_is "missing new: alice 750" "$M/new" "alice 750"
mv "$T_BASE/msg.save" "$msg"
printf 'new mail\n' >"$M/new/1700000001.M2P2.host"; chown alice:alice "$M/new/1700000001.M2P2.host"
touch -d '2020-01-02 03:04:05' "$msg"
kept=$(keep)

# --- a configured folder missing cur, another missing maildirfolder ---
rmdir "$M/.Sent/new"
rm "$M/.Drafts/maildirfolder"
rmdir "$M/.Drafts/tmp"
before=$(snap "$M")
pam_login rep alice -a account
expect "partial folders, populated: succeeds" "$PAM_SUCCESS"
same "partial folders, populated: left as the user left them (the marker is trusted)" "$before" "$(snap "$M")"
rm -f "$M"/pam_mkmaildir.*
pam_login rep alice -a account
expect "partial folders: succeeds" "$PAM_SUCCESS"
check "partial folders: populated again" test -f "$(record "$M")"
check "partial folder .Sent: new re-created" test -d "$M/.Sent/new"
stat_is "partial folder .Sent: new is alice 750" "$M/.Sent/new" "alice 750"
check "partial folder .Drafts: maildirfolder re-created, empty" test -f "$M/.Drafts/maildirfolder" -a ! -s "$M/.Drafts/maildirfolder"
stat_is "partial folder .Drafts: maildirfolder is alice 600" "$M/.Drafts/maildirfolder" "alice 600"
check "partial folder .Drafts: tmp re-created" test -d "$M/.Drafts/tmp"
check "partial folders: the message in .Sent/cur untouched" test "$(cat "$sent_msg")" = sent
check "partial folders: other content untouched" test "$(keep)" = "$kept"

# --- a folder the user deleted stays deleted ---
rm -rf "$M/.Drafts"
pam_login rep alice -a both
expect "deleted folder: succeeds" "$PAM_SUCCESS"
check "deleted folder: not re-created" test ! -e "$M/.Drafts"

# --- the second login changes nothing at all ---
before=$(snap "$A")
m=$(log_mark)
pam_login rep alice -a both -n 2
expect "steady state: succeeds" "$PAM_SUCCESS"
same "steady state: nothing changed (find -printf before/after)" "$before" "$(snap "$A")"
not_logged "steady state: nothing logged as created" "$m" "pam_mkmaildir.*created"

# --- an existing empty directory becomes a maildir ---
mkhome bob
B=$(home_of bob)
mkdir "$B/Maildir"; chown bob:bob "$B/Maildir"; chmod 0700 "$B/Maildir"
printf 'hello\n' >"$B/Maildir/notes.txt"; chown bob:bob "$B/Maildir/notes.txt"
pam_service plain ""
pam_login plain bob -a account
expect "empty Maildir directory: succeeds" "$PAM_SUCCESS"
check "empty Maildir directory: now complete" is_maildir "$B/Maildir"
stat_is "empty Maildir directory: cur is bob 700" "$B/Maildir/cur" "bob 700"
check "empty Maildir directory: the file inside untouched" test "$(cat "$B/Maildir/notes.txt")" = hello
check "repairs leave no temporary leftovers" test -z "$(leftovers "$T_HOMES")"

# --- the repair is logged ---
rmdir "$M/tmp"; rm -f "$M"/pam_mkmaildir.*
m=$(log_mark)
pam_login rep alice -a account
expect "repair once more: succeeds" "$PAM_SUCCESS"
logged "repair: logged as completing the maildir, with its path" "$m" "pam_mkmaildir.*complet.*$M"

# --- what killed builds left beside a missing maildir (an old version's
# staging directory, this version's temporary names, symlinks planted in
# them) is never read, removed or minded: the login builds beside it ---
mkhome erin
E=$(home_of erin)
TGT=$T_BASE/target
mkdir -p "$TGT/sub"; printf 'precious\n' >"$TGT/sub/file"
G=$E/.mkmaildir-tmp
mkdir -p -m 0700 "$G/00000000deadbeef/Maildir/cur" "$E/.mkmaildir.00000000cafef00d/cur"
: >"$G/00000000deadbeef.lock"
ln -s "$TGT" "$G/00000000deadbeef/Maildir/cur/link"
ln -s "$TGT/sub/file" "$E/.mkmaildir.00000000cafef00d/filelink"
chown -R erin:erin "$E/.mkmaildir.00000000cafef00d"
touch -h -d '1 hour ago' "$G"/* "$G" "$E/.mkmaildir.00000000cafef00d"
left_before=$(snap "$G" "$E/.mkmaildir.00000000cafef00d"); tgt_before=$(snap "$TGT")
pam_login plain erin -a account
expect "beside leftovers: succeeds" "$PAM_SUCCESS"
check "beside leftovers: maildir complete" is_maildir "$E/Maildir"
same "beside leftovers: every leftover is as it was" "$left_before" "$(snap "$G" "$E/.mkmaildir.00000000cafef00d")"
same "beside leftovers: nothing followed a planted symlink" "$tgt_before" "$(snap "$TGT")"
