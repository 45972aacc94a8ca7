#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# authmkhome as Dovecot's post-login program (script-login -d), no PAM: a
# passwd-file passdb and userdb for accounts with their own uid and home,
# a second passwd-file with a static userdb for virtual users of vmail, as
# conf/dovecot-postlogin.conf (2.3, Debian 12) and conf/dovecot24-postlogin.conf
# (2.4, Debian 13) say, included as they are.  Run by ns.sh, once per release.
#
# Dovecot makes ~/Maildir itself when it can, so every check also asks for
# what only authmkhome makes: the folders and subscriptions of
# /etc/security/mkmaildir.conf, its log lines, a home under /var/vmail.
set -u
. "$T_TOP/tests/lib.sh"
. "$T_TOP/tests/servers/lib.sh"

conf=/etc/dovecot-test/dovecot.conf
if dovecot_24; then
	header=dovecot-test-2.4.conf snippet=dovecot24-postlogin.conf mailfield='userdb_mail_path=~/Mail/inbox userdb_mail_inbox_path=~/Mail/inbox'
else
	header=dovecot-test.conf snippet=dovecot-postlogin.conf mailfield='userdb_mail=maildir:~/Mail/inbox'
fi
amh_lines() { log_since "$1" | grep 'authmkhome\['; }
# mkconf LINE...: /etc/security/mkmaildir.conf, the shared configuration.
mkconf() {
	mkdir -p "$R/etc/security"
	printf '%s\n' "# shared with pam_mkmaildir and mkmaildir" "$@" >"$R/etc/security/mkmaildir.conf"
	chmod 0644 "$R/etc/security/mkmaildir.conf"
}
BASECONF=(folders=Drafts,Sent,Trash,Junk subscribe createhome)

# --- accounts: system users in /etc/dovecot/users, virtual ones in vusers -------
install -m 0755 "$T_TOP/authmkhome" "$R/usr/sbin/authmkhome"
mkconf "${BASECONF[@]}"
mkdir -p "$R/etc/dovecot"
: >"$R/etc/dovecot/users"; : >"$R/etc/dovecot/vusers"
# puser NAME PASSWORD [EXTRA]: a system user (home made, no maildir) in the passwd-file.
puser() {
	inr useradd -m -s /bin/bash "$1" || return 1
	printf '%s:{CRYPT}%s:%s:%s::/home/%s::%s\n' "$1" "$(sha512_crypt "$2")" "$(uid_of "$1")" \
		"$(gid_of "$1")" "$1" "${3:-}" >>"$R/etc/dovecot/users"
}
vuser() { printf '%s:{CRYPT}%s::::::\n' "$1" "$(sha512_crypt "$2")" >>"$R/etc/dovecot/vusers"; }
inr useradd -r -d /var/vmail -s /usr/sbin/nologin vmail
vu=$(uid_of vmail) vg=$(gid_of vmail)
install -d -m 0755 "$R/var/vmail"
install -d -m 0750 -o "$vu" -g "$vg" "$R/var/vmail/example.org"
need postlogin-accounts puser alice alice-pw-1 || exit 0
puser paul paul-pw-1; puser mia mia-pw-1 "$mailfield"; puser erin erin-pw-1; puser frank frank-pw-1
vuser valice@example.org v-alice-1; vuser vpaul@example.org v-paul-1
chmod 0640 "$R/etc/dovecot/users" "$R/etc/dovecot/vusers"
chgrp "$(inr id -g dovecot)" "$R/etc/dovecot/users" "$R/etc/dovecot/vusers"
need postlogin-no-pam-passdb bash -c '! grep -q "driver *= *pam" "$1"' _ "$T_TOP/conf/$snippet"
if ! need postlogin-dovecot-started start_dovecot "$snippet"; then dlog | tail -n 20; exit 0; fi
out=$(inr doveconf -c "$conf" -n 2>&1)
check postlogin-doveconf-postlogin-services bash -c \
	'grep -q "script-login -d /usr/sbin/authmkhome" <<<"$1" && grep -Eq "executable = imap imap-postlogin" <<<"$1" &&
	 grep -Eq "executable = pop3 pop3-postlogin" <<<"$1"' _ "$out"
lap "postlogin: setup and start"

# --- first IMAP login: the complete tree, listed and subscribed -------------------
u=$(uid_of alice) g=$(gid_of alice)
mark=$(log_mark)
out=$(client imap alice alice-pw-1 list lsub select)
say "imap: $(oneline "$out")"
check postlogin-first-imap-list \
	bash -c 'grep -qx "LOGIN OK" <<<"$1" || exit 1; for f in Drafts Sent Trash Junk; do grep -qx "LIST $f" <<<"$1" && grep -qx "LSUB $f" <<<"$1" || exit 1; done; grep -q "^SELECT OK" <<<"$1"' _ "$out"
check_maildir postlogin-first-imap-maildir /home/alice/Maildir "$u" "$g" $FOLDERS
check postlogin-first-imap-logged log_has "$mark" "authmkhome\[[0-9]+\]: created maildir /home/alice/Maildir for alice \(uid $u\)"
out=$(inr doveadm -c "$conf" mailbox list -s -u alice 2>&1)
say "doveadm mailbox list -s: $(oneline "$out")"
check postlogin-doveadm-subscribed bash -c 'for f in Drafts Sent Trash Junk; do grep -qx "$f" <<<"$1" || exit 1; done' _ "$out"
lap "postlogin: first IMAP login"

# --- first POP3 login -------------------------------------------------------------
mark=$(log_mark)
out=$(client pop3 paul paul-pw-1)
say "pop3: $(oneline "$out")"
check postlogin-first-pop3-stat grep -qx 'STAT 0 0' <<<"$out"
check_maildir postlogin-first-pop3-maildir /home/paul/Maildir "$(uid_of paul)" "$(gid_of paul)" $FOLDERS
check postlogin-first-pop3-logged log_has "$mark" "authmkhome\[[0-9]+\]: created maildir /home/paul/Maildir for paul"
lap "postlogin: first POP3 login"

# --- the userdb's own mail location wins over the template ----------------------------
mark=$(log_mark)
out=$(client imap mia mia-pw-1 list select)
say "imap ($mailfield): $(oneline "$out")"
check postlogin-userdb-mail-location-login bash -c 'grep -qx "LIST Junk" <<<"$1" && grep -q "^SELECT OK" <<<"$1"' _ "$out"
check_maildir postlogin-userdb-mail-location-maildir /home/mia/Mail/inbox "$(uid_of mia)" "$(gid_of mia)" $FOLDERS
check postlogin-userdb-mail-location-not-template test ! -e "$R/home/mia/Maildir"
lap "postlogin: userdb mail location"

# --- virtual users of vmail: the home and the maildir, as vmail -------------------------
mark=$(log_mark)
out=$(client imap valice@example.org v-alice-1 list lsub select)
say "imap (virtual): $(oneline "$out")"
check postlogin-virtual-imap-list \
	bash -c 'for f in Drafts Sent Trash Junk; do grep -qx "LIST $f" <<<"$1" && grep -qx "LSUB $f" <<<"$1" || exit 1; done; grep -q "^SELECT OK" <<<"$1"' _ "$out"
out=$(client pop3 vpaul@example.org v-paul-1)
say "pop3 (virtual): $(oneline "$out")"
check postlogin-virtual-pop3-stat grep -qx 'STAT 0 0' <<<"$out"
for n in valice vpaul; do
	check_maildir "postlogin-virtual-$n-maildir" "/var/vmail/example.org/$n/Maildir" "$vu" "$vg" $FOLDERS
done
check postlogin-virtual-home-owned test "$(stat -c %u:%g "$R/var/vmail/example.org/valice" 2>/dev/null)" = "$vu:$vg"
check postlogin-virtual-logged log_has "$mark" \
	"authmkhome\[[0-9]+\]: created maildir /var/vmail/example.org/valice/Maildir for valice@example.org \(uid $vu\)"
lap "postlogin: virtual users"

# --- a creation that fails: the login ends before the server says anything ------------------
install_fail_creator
mkconf "${BASECONF[@]}" "creator=$FAIL_CREATOR" timeout=5
dmark=$(dlog | wc -l)
mark=$(log_mark)
out=$(client raw 143 'a1 LOGIN erin erin-pw-1' 'a2 LOGOUT')
say "imap, failing creator: $(oneline "$out")"
check postlogin-failing-imap-closed-silently bash -c \
	'test "$(grep -c "^S: " <<<"$1")" = 2 && grep -q "^S: \* OK" <<<"$1" && test "$(grep -A1 "^C: a1 " <<<"$1" | tail -n1)" = "S: (connection closed)"' _ "$out"
out=$(client raw 110 'USER erin' 'PASS erin-pw-1' 'QUIT')
say "pop3, failing creator: $(oneline "$out")"
check postlogin-failing-pop3-closed-silently test "$(grep -A1 '^C: PASS' <<<"$out" | tail -n1)" = 'S: (connection closed)'
check postlogin-failing-nothing-made test ! -e "$R/home/erin/Maildir"
check postlogin-failing-syslog log_has "$mark" "authmkhome\[[0-9]+\]: creator $FAIL_CREATOR for erin failed with exit status 3"
check postlogin-failing-syslog-refused log_has "$mark" \
	"authmkhome\[[0-9]+\]: maildir /home/erin/Maildir of erin .*login refused, /usr/lib/dovecot/script-login not started"
sleep 0.3
check postlogin-failing-dovecot-log bash -c 'grep -q "authmkhome: creator .* failed with exit status 3" <<<"$1" &&
	grep -q "authmkhome: maildir /home/erin/Maildir of erin .*login refused" <<<"$1"' _ "$(dlog | tail -n +"$((dmark + 1))")"
# imap and pop3 hear of the refusal and end without a session.
check postlogin-failing-no-session bash -c 'grep -q "imap(erin): Error: Post-login script denied access" <<<"$1" &&
	grep -q "pop3(erin): Error: Post-login script denied access" <<<"$1" &&
	! grep -Eq "(imap|pop3)\(erin\).*(Logged out|Disconnected)" <<<"$1"' _ "$(dlog | tail -n +"$((dmark + 1))")"
dlog | tail -n +"$((dmark + 1))" | grep -i erin | head -n 6 | sed 's/^/     dovecot.log: /'
mkconf "${BASECONF[@]}"
lap "postlogin: failing creation"

# --- 16 concurrent first logins: one tree -----------------------------------------------------
u=$(uid_of frank) g=$(gid_of frank)
mark=$(log_mark)
out=$(client storm frank frank-pw-1 16)
say "$(head -n 5 <<<"$out" | tr '\n' ';')"
check postlogin-concurrent-16-first-logins grep -q '^STORM 16 of 16 succeeded' <<<"$out"
check_maildir postlogin-concurrent-one-maildir /home/frank/Maildir "$u" "$g" $FOLDERS
stray=$(find "$R/home/frank" -mindepth 1 -maxdepth 1 ! -name 'Maildir' ! -name '.bash*' ! -name '.profile' -printf '%P ')
check postlogin-concurrent-no-stray-entries test -z "$stray"
sleep 0.3
say "authmkhome lines during the storm: $(amh_lines "$mark" | wc -l), 'created': $(amh_lines "$mark" | grep -c created)"
check postlogin-concurrent-created-once test "$(amh_lines "$mark" | grep -c 'created maildir /home/frank/Maildir')" = 1
lap "postlogin: 16 concurrent first logins"

# --- second logins: nothing changes, no fork ---------------------------------------------------
# script-login, wrapped for this part only, notes its pid when the master
# starts it (with arguments) and when authmkhome execs it to finish (none):
# one process from script-login -d to the finish when authmkhome does not fork.
dl=/usr/lib/dovecot
mv "$R$dl/script-login" "$R$dl/script-login.real"
printf '#!/bin/sh\necho "$# $$" >>/tmp/pids\nexec %s/script-login.real "$@"\n' "$dl" >"$R$dl/script-login"
chmod 0755 "$R$dl/script-login"
install -m 0666 /dev/null "$R/tmp/pids"
before=$(snapshot /home/alice/Maildir $FOLDERS)
sleep 1.1 # anything rewritten would get a visibly different time
mark=$(log_mark)
out=$(client imap alice alice-pw-1 select; client pop3 alice alice-pw-1)
check postlogin-second-logins-ok test "$(grep -c '^LOGIN OK' <<<"$out")" = 2
after=$(snapshot /home/alice/Maildir $FOLDERS)
check_fast_path_amh() { test "$before" = "$after" && test -z "$(amh_lines "$mark")"; }
sleep 0.3
check postlogin-second-login-unchanged-silent check_fast_path_amh
pids=$(cat "$R/tmp/pids")
say "script-login pids (argc pid): $(oneline "$pids")"
check postlogin-second-login-no-fork bash -c 'starts=$(awk "\$1 > 0 { print \$2 }" <<<"$1" | sort); ends=$(awk "\$1 == 0 { print \$2 }" <<<"$1" | sort);
	test "$(wc -l <<<"$ends")" = 2 && test -n "$ends" && test "$starts" = "$ends"' _ "$pids"
mv "$R$dl/script-login.real" "$R$dl/script-login"
lap "postlogin: second logins (no fork)"

stop_dovecot
exit 0
