# SPDX-License-Identifier: GPL-2.0-or-later
# Virtual users: owner=vmail with maildir=.../%d/%n for login names that NSS
# does not know; the directories in between; %U and %h for the owner.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

V=$T_BASE/vmail            # vmail's home in the test passwd file
mkdir -p "$V"; chown vmail:vmail "$V"; chmod 0750 "$V"

# --- account: a virtual user in a new domain ---
pam_service virt "owner=vmail maildir=$V/%d/%n folders=Sent,Trash subscribe quota=2000000S"
m=$(log_mark)
pam_login virt bob@example.org -a account -r 192.0.2.9
expect "virtual, account: bob@example.org succeeds" "$PAM_SUCCESS"
M=$V/example.org/bob
check "virtual, account: $M is a complete maildir" is_maildir "$M"
check "virtual: the domain directory belongs to vmail" test "$(stat -c %U:%G "$V/example.org")" = vmail:vmail
for d in "" /cur /new /tmp /.Sent /.Sent/cur /.Trash/tmp; do stat_is "virtual: bob$d is vmail 700" "$M$d" "vmail 700"; done
stat_is "virtual: maildirfolder is vmail 600" "$M/.Sent/maildirfolder" "vmail 600"
stat_is "virtual: maildirsize is vmail 600" "$M/maildirsize" "vmail 600"
check "virtual: maildirsize first line" test "$(head -n 1 "$M/maildirsize" 2>&1)" = 2000000S
check "virtual: courierimapsubscribed" test "$(LC_ALL=C sort "$M/courierimapsubscribed" 2>&1)" = "$(printf 'INBOX\nINBOX.Sent\nINBOX.Trash')"
stat_is "virtual: vmail's own home is untouched" "$V" "vmail 750"
check "virtual: no temporary leftovers" test -z "$(leftovers "$V")"
logged "virtual: creation logged with the path" "$m" "pam_mkmaildir.*created.*$M"

# --- session: a second user in the same domain, and a new domain ---
pam_login virt carl@example.org -a session -t dovecot
expect "virtual, session: carl@example.org succeeds" "$PAM_SUCCESS"
check "virtual, session: complete" is_maildir "$V/example.org/carl/.Trash"
pam_login virt dana@example.net -a both
expect "virtual, both hooks: dana@example.net succeeds" "$PAM_SUCCESS"
check "virtual, both hooks: complete" is_maildir "$V/example.net/dana/.Sent"

# --- UTF-8 names are ordinary names ---
pam_login virt 'jörg@exämple.org' -a account
expect "UTF-8 login name: succeeds" "$PAM_SUCCESS"
check "UTF-8 login name: created literally" is_maildir "$V/exämple.org/jörg"

# --- again: nothing changes ---
before=$(snap "$V")
pam_login virt bob@example.org -a both -n 2
expect "virtual, second login: succeeds" "$PAM_SUCCESS"
same "virtual, second login: nothing changed" "$before" "$(snap "$V")"

# --- an NSS user with owner=: owned by the owner, not the user ---
pam_login virt alice@example.org -a account
expect "owner=vmail for a name NSS knows (alice@...): succeeds" "$PAM_SUCCESS"
stat_is "owner=vmail: owned by vmail" "$V/example.org/alice" "vmail 700"
pam_service virtsys "owner=vmail maildir=$V/sys/%u"
pam_login virtsys alice -a account
expect "owner=vmail, PAM user alice: succeeds" "$PAM_SUCCESS"
stat_is "owner=vmail, PAM user alice: owned by vmail" "$V/sys/alice/cur" "vmail 700"
check "owner=vmail, PAM user alice: alice's home untouched" test ! -e "$(home_of alice)"

# --- group= with owner= ---
pam_service virtgrp "owner=vmail group=mail maildir=$V/g/%d/%n"
pam_login virtgrp bob@example.org -a account
expect "owner=vmail group=mail: succeeds" "$PAM_SUCCESS"
check "owner=vmail group=mail: vmail:mail" test "$(stat -c %U:%G "$V/g/example.org/bob/new")" = vmail:mail

# --- %U and %h are the owner's ---
pam_service virtu "owner=vmail maildir=%h/u%U/%d/%n"
pam_login virtu eve@example.com -a account
expect "maildir=%h/u%U/%d/%n: succeeds" "$PAM_SUCCESS"
check "%h is vmail's home and %U its uid" is_maildir "$V/u5100/example.com/eve"
stat_is "%U: the directory in between belongs to vmail" "$V/u5100" "vmail $(stat -c %a "$V/u5100" 2>/dev/null)"

# --- a root-owned base directory, and a base that does not exist yet ---
R=$T_BASE/vroot
mkdir -p "$R"; chmod 0755 "$R"
pam_service vroot "owner=vmail maildir=$R/%d/%n"
pam_login vroot bob@example.org -a account
expect "root-owned base: succeeds" "$PAM_SUCCESS"
check "root-owned base: complete" is_maildir "$R/example.org/bob"
stat_is "root-owned base: itself untouched" "$R" "root 755"
check "root-owned base: the domain directory belongs to vmail" test "$(stat -c %U "$R/example.org")" = vmail

pam_service vnone "owner=vmail maildir=$T_BASE/vnone/mail/%d/%n"
pam_login vnone bob@example.org -a session
expect "missing base: succeeds" "$PAM_SUCCESS"
check "missing base: complete" is_maildir "$T_BASE/vnone/mail/example.org/bob"
check "missing base: every directory created belongs to vmail" \
	test "$(stat -c %U "$T_BASE/vnone" "$T_BASE/vnone/mail" "$T_BASE/vnone/mail/example.org" | sort -u)" = vmail
check "missing base: no temporary leftovers" test -z "$(leftovers "$T_BASE")"

# --- names the template cannot use: refused, nothing created ---
# virt_refused LABEL USER: refused (pam_harness.sh) through the service virt.
virt_refused() { refused "$1" virt "$2"; }
virt_refused "no @ (empty %d)" plainuser
virt_refused "empty domain (bob@)" "bob@"
virt_refused "empty local part (@example.org)" "@example.org"
virt_refused "domain .. (bob@..)" "bob@.."

# --- owner= not in NSS, and the owner's home is not required for a %d/%n path ---
pam_service noown "owner=nosuchvmail maildir=$V/%d/%n"
before=$(snap "$T_BASE")
pam_login noown zed@example.org -a account
expect "owner= unknown to NSS: PAM_USER_UNKNOWN" "$PAM_USER_UNKNOWN"
same "owner= unknown to NSS: nothing created" "$before" "$(snap "$T_BASE")"

# --- maildir inside the owner's home, and that home missing ---
mv "$V" "$T_BASE/vmail.away"
pam_service vhome "owner=vmail maildir=%h/%d/%n"
before=$(snap "$T_BASE")
m=$(log_mark)
pam_login vhome bob@example.org -a account
expect "owner's home missing, account: PAM_SYSTEM_ERR" "$PAM_SYSTEM_ERR"
pam_login vhome bob@example.org -a session
expect "owner's home missing, session: PAM_SESSION_ERR" "$PAM_SESSION_ERR"
same "owner's home missing: nothing created" "$before" "$(snap "$T_BASE")"
logged "owner's home missing: logged with the home" "$m" "pam_mkmaildir.*$V"
mv "$T_BASE/vmail.away" "$V"
