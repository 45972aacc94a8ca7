#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# OpenSSH with UsePAM yes and pam_mkmaildir in the session stack of
# /etc/pam.d/sshd (conf/pam.d/sshd); key authentication.  Run by ns.sh.
set -u
. "$T_TOP/tests/lib.sh"
. "$T_TOP/tests/servers/lib.sh"

pam() { pam_with_options "$T_TOP/conf/pam.d/sshd" /etc/pam.d/sshd "$@"; }
ssh_as() { # USER COMMAND
	inr ssh -i /root/test_key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=20 "$1@127.0.0.1" "$2"
}

need sshd-pam-file pam || exit 0
cp "$T_TOP/tests/servers/sshd_config" "$R/etc/ssh/sshd_test_config"
mkdir -p "$R/run/sshd" "$R/etc/ssh/test_keys"
chmod 0755 "$R/etc/ssh/test_keys"
inr ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/test_host_key
echo 'HostKey /etc/ssh/test_host_key' >>"$R/etc/ssh/sshd_test_config"
inr ssh-keygen -q -t ed25519 -N '' -f /root/test_key
inr /usr/sbin/sshd -f /etc/ssh/sshd_test_config -E /t/out/sshd.log
need sshd-started wait_port 22 || { cat "$T_OUT/sshd.log"; exit 0; }
lap "sshd: start"

# --- first login of a user with a home and no maildir -------------------------
newuser bob 'bob-pw-unused'
cp "$R/root/test_key.pub" "$R/etc/ssh/test_keys/bob"
u=$(uid_of bob) g=$(gid_of bob)
mark=$(log_mark)
out=$(ssh_as bob 'id -u; stat -c "%u %a" Maildir Maildir/.Sent/maildirfolder' 2>&1)
say "ssh: $(echo "$out" | tr '\n' ';')"
check sshd-key-login-sees-maildir test "$out" = "$u
$u 700
$u $(stat -c %a "$R/home/bob/Maildir/.Sent/maildirfolder" 2>/dev/null)"
check_maildir sshd-maildir-complete /home/bob/Maildir "$u" "$g" $FOLDERS
check sshd-subscriptions bash -c 'test -s "$1/courierimapsubscribed" -o -s "$1/subscriptions"' _ "$R/home/bob/Maildir"
check sshd-module-logged-creation log_has "$mark" 'pam_mkmaildir.*created.*/home/bob/Maildir'
# The session runs in sshd itself on OpenSSH 9 (Debian 12), in the
# sshd-session program on OpenSSH 10 (Debian 13): the ident of the line.
case $T_RELEASE in bookworm) ident=sshd ;; *) ident=sshd-session ;; esac
check sshd-module-logged-by-$ident log_has "$mark" " $ident(\\[[0-9]+\\])?: pam_mkmaildir.*created.*/home/bob/Maildir"
lap "sshd: first login (home, no Maildir)"

# --- a user without a home, with createhome -----------------------------------
pam createhome skel=/etc/skel
newuser carol 'carol-pw-unused' nohome
cp "$R/root/test_key.pub" "$R/etc/ssh/test_keys/carol"
u=$(uid_of carol) g=$(gid_of carol)
mark=$(log_mark)
out=$(ssh_as carol 'pwd; test -f .profile && echo skel; test -d Maildir/.Junk/cur && echo maildir' 2>&1)
say "ssh: $(echo "$out" | tr '\n' ';')"
check sshd-createhome-login-in-home test "$out" = "/home/carol
skel
maildir"
check sshd-createhome-home-owned test "$(stat -c %u:%g "$R/home/carol" 2>/dev/null)" = "$u:$g"
check_maildir sshd-createhome-maildir-complete /home/carol/Maildir "$u" "$g" $FOLDERS
check sshd-createhome-logged log_has "$mark" 'pam_mkmaildir.*created.*/home/carol'
lap "sshd: no home + createhome"

kill "$(cat "$R/run/sshd.pid" 2>/dev/null)" 2>/dev/null
exit 0
