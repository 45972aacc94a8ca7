#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What Courier answers on the wire when the account stack fails, by PAM
# return code: not part of make check (each refusal costs Courier's 5 s
# delay), run by hand to re-check what conf/pam.d/courier-* documents:
#
#   T_TOP=$PWD T_MODULE=$PWD/pam_mkmaildir.so tests/servers/ns.sh \
#       "$(tests/servers/root.sh path courier)" tests/servers/courier-answers.sh
#
# pam_access (a deny-all table) returns PAM_PERM_DENIED, pam_exec of a
# failing program PAM_SYSTEM_ERR; then pam_mkmaildir itself with a failing
# creator and with a Maildir that is a symlink (which it refuses).
set -u
T_SYSLOG=${T_SYSLOG:-}
. "$T_TOP/tests/servers/lib.sh"

for f in imapd pop3d; do sed -i 's/^ADDRESS=.*/ADDRESS=127.0.0.1/' "$R/etc/courier/$f"; done
mkdir -p "$R/run/courier/authdaemon"
inr sh -c 'cd / && /usr/sbin/authdaemond start && /usr/lib/courier/imapd start && /usr/lib/courier/pop3d start'
wait_port 143 && wait_port 110 || { echo "courier did not start"; exit 1; }
newuser erin 'erin-pw-1'
inr maildirmake /home/erin/Maildir && inr chown -R erin: /home/erin/Maildir
newuser fay 'fay-pw-1'
newuser sam 'sam-pw-1'
inr ln -s /tmp /home/sam/Maildir
install_fail_creator
echo '-:ALL:ALL' >"$R/etc/deny-all.conf"

answers() { # USER PASS
	client raw 143 "a1 LOGIN $1 $2" | grep '^S: a1' | sed 's/^S: /   IMAP: /'
	client raw 110 "USER $1" "PASS $2" | grep -A1 '^C: PASS' | grep '^S:' | sed 's/^S: /   POP3: /'
}
variant() { # TITLE USER PASS PAM-LINE
	local svc
	for svc in imap pop3; do
		printf '@include common-auth\n@include common-account\n%s\n' "$4" >"$R/etc/pam.d/$svc"
	done
	echo "== $1"
	echo "   ($4)"
	answers "$2" "$3"
}
echo "== no account failure, wrong password"
answers erin wrong-password
variant "PAM_PERM_DENIED (pam_access)" erin erin-pw-1 'account required pam_access.so accessfile=/etc/deny-all.conf'
variant "PAM_SYSTEM_ERR (pam_exec)" erin erin-pw-1 'account required pam_exec.so quiet /bin/false'
variant "pam_mkmaildir, failing creator" fay fay-pw-1 "account required pam_mkmaildir.so creator=$FAIL_CREATOR"
variant "pam_mkmaildir, Maildir is a symlink" sam sam-pw-1 'account required pam_mkmaildir.so'
sleep 0.3
echo "== log"
grep -E 'pam_|LOGIN' "$T_SYSLOG" | sed 's/^/   /'
