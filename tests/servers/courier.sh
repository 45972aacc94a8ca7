#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Courier-IMAP and courier-pop with courier-authdaemon (authpam) and
# pam_mkmaildir in the account stacks of /etc/pam.d/imap and pop3, copied
# from conf/pam.d/courier-imap and courier-pop3.  Run by ns.sh.
#
# A module that does nothing fails every recorded check except the two that
# guard against it doing too much (no maildir after a failing creator, no
# stray entries after the storm); what depends only on the servers is a
# precondition (need), not a check.
set -u
. "$T_TOP/tests/lib.sh"
. "$T_TOP/tests/servers/lib.sh"

conf_imap=$T_TOP/conf/pam.d/courier-imap
conf_pop3=$T_TOP/conf/pam.d/courier-pop3
# pam OPTIONS...: the PAM files of conf/, with OPTIONS added to the module.
pam() {
	pam_with_options "$conf_imap" /etc/pam.d/imap "$@" &&
		pam_with_options "$conf_pop3" /etc/pam.d/pop3 "$@"
}

# --- servers ---------------------------------------------------------------
for f in imapd pop3d; do
	sed -i -e 's/^ADDRESS=.*/ADDRESS=127.0.0.1/' -e 's/^MAXDAEMONS=.*/MAXDAEMONS=100/' \
		-e 's/^MAXPERIP=.*/MAXPERIP=100/' "$R/etc/courier/$f"
done
need courier-authpam grep -q '^authmodulelist="authpam"' "$R/etc/courier/authdaemonrc" || exit 0
need courier-pam-files pam || exit 0
mkdir -p "$R/run/courier/authdaemon"
inr sh -c 'cd / && /usr/sbin/authdaemond start && /usr/lib/courier/imapd start && /usr/lib/courier/pop3d start'
if ! need courier-started wait_port 143 || ! need courier-started wait_port 110; then
	tail -n 20 "$T_SYSLOG"; exit 0
fi
lap "courier: start servers"

# --- first login of a user with a home and no maildir ------------------------
# Without the maildir, Courier refuses the login ("* BYE [ALERT] Fatal
# error: No such file or directory"): it never creates one itself.
newuser alice 'alice-pw-1'
u=$(uid_of alice) g=$(gid_of alice)
need courier-fresh-user test ! -e "$R/home/alice/Maildir" || exit 0
mark=$(log_mark)
out=$(inr curl -sS --max-time 30 imap://127.0.0.1/ -u 'alice:alice-pw-1' 2>&1)
say "curl imap LIST: $(oneline "$out")"
check courier-first-imap-login-curl-list \
	bash -c 'for f in INBOX INBOX.Drafts INBOX.Sent INBOX.Trash INBOX.Junk; do grep -q "\"$f\"\$" <<<"$1" || exit 1; done' _ "$(tr -d '\r' <<<"$out")"
out=$(client imap alice alice-pw-1 lsub select)
say "$(oneline "$out")"
check courier-lsub-shows-subscribed-folders \
	bash -c 'for f in INBOX.Drafts INBOX.Sent INBOX.Trash INBOX.Junk; do grep -qx "LSUB $f" <<<"$1" || exit 1; done' _ "$out"
check courier-select-inbox grep -q '^SELECT OK' <<<"$out"
check_maildir courier-maildir-complete /home/alice/Maildir "$u" "$g" $FOLDERS
check courier-subscriptions-file bash -c 'grep -qx INBOX.Sent "$1" && grep -qx INBOX.Junk "$1"' _ "$R/home/alice/Maildir/courierimapsubscribed"
check courier-module-logged-creation log_has "$mark" 'pam_mkmaildir.*created.*/home/alice/Maildir'
lap "courier: first IMAP login (home, no Maildir)"

first_pop3_scenario courier

# --- the second login takes the fast path ------------------------------------
second_logins courier

# --- a user without a home, with createhome ----------------------------------
pam createhome skel=/etc/skel
newuser carol 'carol-pw-1' nohome
u=$(uid_of carol) g=$(gid_of carol)
need courier-nohome-setup test ! -e "$R/home/carol"
mark=$(log_mark)
out=$(client imap carol carol-pw-1 list select)
say "$(oneline "$out")"
check courier-createhome-imap-login-lists-folders \
	bash -c 'grep -qx "LOGIN OK" <<<"$1" && grep -qx "LIST INBOX.Drafts" <<<"$1"' _ "$out"
out=$(client pop3 carol carol-pw-1)
check courier-createhome-pop3-login grep -qx 'STAT 0 0' <<<"$out"
check courier-createhome-home-owned test "$(stat -c %u:%g "$R/home/carol" 2>/dev/null)" = "$u:$g"
check courier-createhome-skel-copied test -f "$R/home/carol/.profile"
check_maildir courier-createhome-maildir-complete /home/carol/Maildir "$u" "$g" $FOLDERS
check courier-createhome-logged log_has "$mark" 'pam_mkmaildir.*created.*/home/carol'
lap "courier: no home + createhome"

# --- quota ---------------------------------------------------------------------
pam quota=10000000S,1000C
newuser dave 'dave-pw-1'
out=$(client imap dave dave-pw-1 quota select)
say "$(oneline "$out")"
check courier-quota-maildirsize test "$(head -n1 "$R/home/dave/Maildir/maildirsize" 2>/dev/null)" = 10000000S,1000C
# Courier reads the limits from maildirsize; storage is in units of 1024 bytes.
check courier-quota-getquotaroot grep -Eq '^QUOTA-LINE .*\(STORAGE 0 976[56] MESSAGE 0 1000\)' <<<"$out"
lap "courier: quota"

# --- a creator that works ---------------------------------------------------------
working_creator_scenario courier

# --- a creator that fails --------------------------------------------------------
# authpam turns any failure of the account stack into Courier's ordinary
# refusal (PAM_SYSTEM_ERR and PAM_PERM_DENIED alike), after its delay.
failing_creator_scenario courier 'a1 NO Login failed.' '-ERR Login failed.'
lap "courier: failing creator"

# --- concurrency: many first logins of one user at once ------------------------
storm_scenario courier
lap "courier: 24 concurrent first logins"

inr sh -c '/usr/lib/courier/pop3d stop; /usr/lib/courier/imapd stop; /usr/sbin/authdaemond stop' >/dev/null 2>&1
exit 0
