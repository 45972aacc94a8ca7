# SPDX-License-Identifier: GPL-2.0-or-later
# The module through real libpam: both hooks, the default layout, owners and
# modes, a second login, unknown users, a missing home, close_session.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup

A=$(home_of alice)

# --- account hook creates the default maildir ---
mkhome alice
pam_service plain
m=$(log_mark)
pam_login plain alice -a account -r 192.0.2.1
expect "account: first login succeeds" "$PAM_SUCCESS"
check "account: $A/Maildir is a complete maildir" is_maildir "$A/Maildir"
for d in "" /cur /new /tmp; do stat_is "account: Maildir$d is alice 700" "$A/Maildir$d" "alice 700"; done
stat_is "account: the home is untouched" "$A" "alice 755"
check "account: no maildirsize without quota=" test ! -e "$A/Maildir/maildirsize"
check "account: no subscription files without subscribe" \
	test ! -e "$A/Maildir/courierimapsubscribed" -a ! -e "$A/Maildir/subscriptions"
check "account: no folder without folders=" test -z "$(find "$A/Maildir" -mindepth 1 -maxdepth 1 -name '.*')"
check "account: no temporary leftovers" test -z "$(leftovers "$A")"
logged "account: creation logged with the path" "$m" "pam_mkmaildir.*created.*$A/Maildir"

# --- a second login changes nothing and logs no creation ---
before=$(snap "$A")
m=$(log_mark)
pam_login plain alice -a both -n 3
expect "second login (account+session x3) succeeds" "$PAM_SUCCESS"
same "second login changes nothing" "$before" "$(snap "$A")"
not_logged "second login logs no creation" "$m" "pam_mkmaildir.*created"

if ! is_root; then
	skip "$T_NAME: other users" "the rest needs root"
	exit 0
fi

# --- session hook ---
B=$(home_of bob)
mkhome bob 0700
pam_service_file sess "session required $T_MODULE"
m=$(log_mark)
pam_login sess bob -a session -t dovecot -r 198.51.100.7
expect "session: first login succeeds" "$PAM_SUCCESS"
check "session: a complete maildir" is_maildir "$B/Maildir"
for d in "" /cur /new /tmp; do stat_is "session: Maildir$d is bob 700" "$B/Maildir$d" "bob 700"; done
check "session: group is bob's primary group" test "$(stat -c %G "$B/Maildir/cur")" = bob
logged "session: creation logged" "$m" "pam_mkmaildir.*created.*$B/Maildir"

# --- an account-only stack does not need a session and vice versa ---
mkhome erin
pam_service_file acctonly "account required $T_MODULE" "session required pam_permit.so"
pam_login acctonly erin -a session
expect "a session through a stack without the module succeeds" "$PAM_SUCCESS"
check "... and creates nothing (the module did not run)" test ! -e "$(home_of erin)/Maildir"

# --- close_session does nothing ---
# pam_exec's type= makes the stack skip the module on open (first stack) or on
# close (second): only the open hook may create.
E=$(home_of erin)
pam_service_file closeonly \
	"session [success=1 default=ignore] pam_exec.so quiet type=open_session /bin/true" \
	"session required $T_MODULE" \
	"session optional pam_permit.so"
pam_login closeonly erin -a session
expect "close_session only: succeeds" "$PAM_SUCCESS"
check "close_session only: creates nothing" test ! -e "$E/Maildir"
pam_service_file openonly \
	"session [success=1 default=ignore] pam_exec.so quiet type=close_session /bin/true" \
	"session required $T_MODULE" \
	"session optional pam_permit.so"
pam_login openonly erin -a session
expect "open_session only: succeeds (control for the test above)" "$PAM_SUCCESS"
check "open_session only: creates the maildir" is_maildir "$E/Maildir"

# --- the umask of the host does not leak into modes ---
mkhome frank
F=$(home_of frank)
out=$(umask 000; cd "$T_BASE" && "$T_PAMRUN" -d "$T_PAMD" -s plain -u frank -a account 2>&1); rc=$?
expect "umask 000: succeeds" "$PAM_SUCCESS"
for d in "" /cur /new /tmp; do stat_is "umask 000: Maildir$d is frank 700" "$F/Maildir$d" "frank 700"; done
mkhome frank
pam_service m750 "mode=0750"
out=$(umask 077; cd "$T_BASE" && "$T_PAMRUN" -d "$T_PAMD" -s m750 -u frank -a session 2>&1); rc=$?
expect "umask 077, mode=0750: succeeds" "$PAM_SUCCESS"
for d in "" /cur /new /tmp; do stat_is "umask 077, mode=0750: Maildir$d is frank 750" "$F/Maildir$d" "frank 750"; done

# A first login sets no mode with fchmod that creation already gave (the
# private tree's top came out 0700): a umask that takes the owner's bits, or
# a default ACL, must still give every directory 0700 and every file 0600.
pam_service full "folders=Drafts,Sent subscribe quota=1000S"
modes_exact() { # NAME
	local f
	tree_is "$1: every directory is frank 700" "$F/Maildir" "frank 700"
	for f in subscriptions courierimapsubscribed maildirsize "$(record "$F/Maildir" | sed "s|.*/||")" \
		.Drafts/maildirfolder .Sent/maildirfolder; do
		stat_is "$1: $f is frank 600" "$F/Maildir/$f" "frank 600"
	done
}
for u in 0277 0022; do
	mkhome frank
	out=$(umask $u; cd "$T_BASE" && "$T_PAMRUN" -d "$T_PAMD" -s full -u frank -a account 2>&1); rc=$?
	expect "umask $u, folders: succeeds" "$PAM_SUCCESS"
	modes_exact "umask $u"
done
# system.posix_acl_default, version 2: (tag, perm, id) entries.
set_default_acl() { # DIR USEROBJ_PERM
	python3 - "$1" "$2" <<-'PY'
	import os, struct, sys
	u = int(sys.argv[2]); none = 0xffffffff
	ents = [(0x01, u, none), (0x02, 7, 65534), (0x04, 7, none), (0x10, 7, none), (0x20, 7, none)]
	os.setxattr(sys.argv[1], "system.posix_acl_default",
		    struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in ents))
	PY
}
for p in 7 5; do
	mkhome frank 0700
	if ! set_default_acl "$F" $p 2>/dev/null; then
		skip "default ACL user::$p on the home" "no POSIX ACLs on $F"
		continue
	fi
	out=$(umask 022; cd "$T_BASE" && "$T_PAMRUN" -d "$T_PAMD" -s full -u frank -a account 2>&1); rc=$?
	expect "default ACL user::$p, rwx for others: succeeds" "$PAM_SUCCESS"
	modes_exact "default ACL user::$p"
done
rm -rf "$F"; mkhome frank

# --- a user NSS does not know ---
before=$(snap "$T_HOMES")
m=$(log_mark)
pam_login plain ghost -a account
expect "unknown user: account returns PAM_USER_UNKNOWN" "$PAM_USER_UNKNOWN"
pam_login plain ghost -a session
expect "unknown user: session returns PAM_USER_UNKNOWN" "$PAM_USER_UNKNOWN"
same "unknown user: nothing created" "$before" "$(snap "$T_HOMES")"
logged "unknown user: logged" "$m" "pam_mkmaildir.*ghost"

# --- a missing home without createhome ---
D=$(home_of dave)
rm -rf "$D"
before=$(snap "$T_BASE")
m=$(log_mark)
pam_login plain dave -a account
expect "missing home, account: PAM_SYSTEM_ERR" "$PAM_SYSTEM_ERR"
pam_login plain dave -a session
expect "missing home, session: PAM_SESSION_ERR" "$PAM_SESSION_ERR"
check "missing home: the home was not created" test ! -e "$D"
same "missing home: nothing created anywhere" "$before" "$(snap "$T_BASE")"
logged "missing home: logged with the path" "$m" "pam_mkmaildir.*$D"

# --- a user name with a dot is an ordinary user ---
mkhome dot.user
pam_login plain dot.user -a account
expect "user dot.user: succeeds" "$PAM_SUCCESS"
check "user dot.user: a complete maildir" is_maildir "$(home_of dot.user)/Maildir"
