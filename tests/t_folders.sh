# SPDX-License-Identifier: GPL-2.0-or-later
# Folder names, subscriptions, quota file and the population of a maildir
# someone else made, through the module (real libpam) and mkmaildir, judged
# by the files the module writes
# (tests/servers/folders.sh has the servers' own tools judge them).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup_alice
U=$(printf '\xc3\xbc')  # ü
content() { od -An -c "$1" 2>&1 | tr -s ' \n' ' '; }
is() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$(printf '%s' "$2" | od -An -c | tr -s ' \n' ' ')', want '$(printf '%s' "$3" | od -An -c | tr -s ' \n' ' ')'"; fi
}
folders_of() { (cd "$1" && find . -mindepth 1 -maxdepth 1 -type d -name '.*' -printf '%P\n' | LC_ALL=C sort); }

# --- D1, D2, D7: modified UTF-7 by default -----------------------------------
mkhome alice
pam_service u7 "folders=Entw${U}rfe,Q&A,INBOX.Archive.2024,inbox.Sent subscribe"
pam_login u7 alice -a account
expect "utf7: login succeeds" "$PAM_SUCCESS"
is "utf7: folders on disk in modified UTF-7, & as &-, INBOX. dropped" "$(folders_of "$M")" \
	"$(printf '%s\n' .Archive.2024 '.Entw&APw-rfe' '.Q&-A' .Sent)"
for f in '.Entw&APw-rfe' '.Q&-A' .Archive.2024 .Sent; do
	check "utf7: $f is a folder" test -d "$M/$f/cur" -a -f "$M/$f/maildirfolder"
done
is "utf7: courierimapsubscribed: INBOX and INBOX.<name on disk>" "$(cat "$M/courierimapsubscribed")" \
	"$(printf '%s\n' INBOX 'INBOX.Entw&APw-rfe' 'INBOX.Q&-A' INBOX.Archive.2024 INBOX.Sent)"
is "utf7: subscriptions as doveadm mailbox create -s writes them" "$(cat "$M/subscriptions")" \
	"$(printf 'V\t2\n\nINBOX\nEntw&APw-rfe\nQ&-A\nArchive\t2024\nSent')"

# Each on its own, in ASCII (so that no other refusal hides it).
mkhome alice
pam_service d2 "folders=Q&A"
pam_login d2 alice -a account
check "D2 alone: Q&A is .Q&-A on disk by default" test -d "$M/.Q&-A" -a ! -e "$M/.Q&A"
mkhome alice
pam_service d7 "folders=INBOX.Sent,inbox.Archive.2024"
pam_login d7 alice -a account
is "D7 alone: INBOX. is the namespace prefix" "$(folders_of "$M")" "$(printf '%s\n' .Archive.2024 .Sent)"
mkhome alice
pam_service d6 "folders=Sent subscribe"
pam_login d6 alice -a account
check "D6 alone: courierimapsubscribed lists INBOX" grep -qx INBOX "$M/courierimapsubscribed"

# --- D1: utf8 ------------------------------------------------------------------
mkhome alice
pam_service u8 "folders=Entw${U}rfe,Q&A,INBOX.Sent subscribe utf8"
pam_login u8 alice -a account
expect "utf8: login succeeds" "$PAM_SUCCESS"
is "utf8: folders on disk in UTF-8" "$(folders_of "$M")" "$(printf '%s\n' ".Entw${U}rfe" '.Q&A' .Sent)"
is "utf8: courierimapsubscribed in UTF-8" "$(cat "$M/courierimapsubscribed")" \
	"$(printf '%s\n' INBOX "INBOX.Entw${U}rfe" 'INBOX.Q&A' INBOX.Sent)"
is "utf8: subscriptions in UTF-8" "$(cat "$M/subscriptions")" "$(printf 'V\t2\n\nINBOX\nEntw%srfe\nQ&A\nSent' "$U")"
pam_service u8b "utf8 folders=Entw${U}rfe"
mkhome alice
pam_login u8b alice -a account
check "utf8 before folders= on the line: the same" test -d "$M/.Entw${U}rfe"

# --- refused names and quotas: PAM_SERVICE_ERR, a reason, nothing made ---------
bad() { # LABEL LOGREGEX OPTIONS...
	local label=$1 re=$2 before m; shift 2
	mkhome alice
	pam_service bad "$@"
	before=$(snap "$T_BASE/home")
	m=$(log_mark)
	pam_login bad alice -a account
	expect "$label: refused (PAM_SERVICE_ERR)" "$PAM_SERVICE_ERR"
	same "$label: nothing created" "$before" "$(snap "$T_BASE/home")"
	logged "$label: logged with the reason" "$m" "pam_mkmaildir.*($re)"
}
ok() { # LABEL OPTIONS...
	local label=$1; shift
	mkhome alice
	pam_service good "$@"
	pam_login good alice -a account
	expect "$label: accepted" "$PAM_SUCCESS"
}
A254=$(printf '%0254d' 0 | tr 0 a)
A255=${A254}a
U95=$(for _ in $(seq 95); do printf '\xc3\xbc'; done)
bad "folders=INBOX" "INBOX is the maildir" "folders=Sent,INBOX"
bad "folders=INBOX.INBOX" "INBOX is the maildir" "folders=INBOX.INBOX"
bad "folders=Sent,INBOX.Sent (twice)" "listed twice" "folders=Sent,INBOX.Sent"
bad "folders with invalid UTF-8" "not valid UTF-8" "$(printf 'folders=a\xff')"
bad "folders with an overlong /" "not valid UTF-8" "$(printf 'folders=a\xc0\xaf')"
bad "folders with a C1 control" "control" "$(printf 'folders=a\xc2\x9b2J')"
bad "folders with DEL" "control" "$(printf 'folders=a\x7f')"
bad "folders with /" "would leave" "folders=a/b"
bad "folders with an empty level" "empty level" "folders=a..b"
bad "folders with a leading dot" "empty level" "folders=.a"
bad "folders with a trailing dot" "empty level" "folders=a."
bad "folders with an empty name" "empty name" "folders=a,,b"
bad "a 255-byte folder name" "longer than 254" "folders=$A255"
bad "95 x U+00FC: 256 bytes in modified UTF-7" "longer than 254" "folders=$U95"
ok "95 x U+00FC with utf8 (190 bytes)" "folders=$U95 utf8"
ok "a 254-byte folder name" "folders=$A254"
bad "quota=18446744073709551615S" "above 9223372036854775807" "quota=18446744073709551615S"
bad "quota=9223372036854775808S" "above 9223372036854775807" "quota=9223372036854775808S"
bad "quota=99999999999999999999S" "above 9223372036854775807" "quota=99999999999999999999S"
bad "quota=1000000S,2147483648C" "above 2147483647" "quota=1000000S,2147483648C"
ok "quota=9223372036854775807S,2147483647C" "quota=9223372036854775807S,2147483647C"
is "quota at the limits: written as given" "$(head -n 1 "$M/maildirsize")" "9223372036854775807S,2147483647C"

# --- D4, D5: maildirsize as maildirmake -q writes it ----------------------------
mkhome alice
pam_service q "quota=1000000S,1000C"
pam_login q alice -a account
expect "quota: login succeeds" "$PAM_SUCCESS"
is "quota: maildirsize byte for byte as maildirmake -q 1000000S,1000C" "$(content "$M/maildirsize")" \
	"$(printf '1000000S,1000C\n           0            0\n' >"$T_BASE/want"; content "$T_BASE/want")"
for q in 0S,0C 0S 0C; do
	mkhome alice
	pam_service q0 "quota=$q folders=Sent"
	pam_login q0 alice -a account
	expect "quota=$q: accepted" "$PAM_SUCCESS"
	check "quota=$q: no maildirsize (maildirmake -q writes none)" test ! -e "$M/maildirsize"
done

# --- a 254-byte name does not end the repair of a maildir early ---------------
# (without the marker: a maildir the module did not populate gets every folder)
mkhome alice
pam_service long "folders=$A254,Sent"
pam_login long alice -a account
expect "254-byte name: first login succeeds" "$PAM_SUCCESS"
check "254-byte name: its folder exists" test -d "$M/.$A254/cur"
rmdir "$M/.Sent/cur"; rm -f "$M"/pam_mkmaildir.*
pam_login long alice -a account
expect "254-byte name: next login succeeds" "$PAM_SUCCESS"
check "254-byte name: .Sent/cur after it is repaired" test -d "$M/.Sent/cur"
rmdir "$M/.$A254/new"; rm -f "$M"/pam_mkmaildir.*
pam_login long alice -a account
check "254-byte name: its own new/ is repaired" test -d "$M/.$A254/new"

# --- D8: a maildir someone else made before the first login ----------------------
predeliver() { # a delivery agent's bare maildir with one message, as the user
	mkhome alice
	setpriv --reuid alice --regid "$(id -g alice)" --clear-groups sh -c \
		'umask 077; mkdir -p "$1/cur" "$1/new" "$1/tmp" && echo "Subject: hi" >"$1/new/1.msg"' _ "$M"
}
predeliver
pam_service d8 "folders=Drafts,Sent,Trash subscribe quota=1000000S,1000C"
m=$(log_mark)
pam_login d8 alice -a session
expect "D8: login into a delivery agent's maildir succeeds" "$PAM_SUCCESS"
for f in Drafts Sent Trash; do check "D8: .$f made" is_maildir "$M/.$f"; done
check "D8: subscriptions written" grep -qx Sent "$M/subscriptions"
check "D8: courierimapsubscribed written" grep -qx INBOX.Sent "$M/courierimapsubscribed"
check "D8: maildirsize written" test "$(head -n 1 "$M/maildirsize")" = 1000000S,1000C
check "D8: the delivered message is still there" test -f "$M/new/1.msg"
check "D8: record left, not a dot name" test -f "$(record "$M")"
stat_is "D8: record is alice 600" "$(record "$M")" "alice 600"
stat_is "D8: .Sent is alice 700" "$M/.Sent" "alice 700"
check "D8: nothing of root's in the maildir" test -z "$(find "$M" ! -user alice)"
logged "D8: logged as populating" "$m" "pam_mkmaildir.*giving maildir $M what its configuration adds"
rm -rf "$M/.Trash"
before=$(snap "$M")
pam_login d8 alice -a session
expect "D8: next login succeeds" "$PAM_SUCCESS"
check "D8: a folder the user deleted after population stays deleted" test ! -e "$M/.Trash"
same "D8: the next login changes nothing" "$before" "$(snap "$M")"

# A server's own subscriptions in a maildir it made are left alone.
predeliver
printf 'V\t2\n\nINBOX\nOwn\n' >"$M/subscriptions"; chown alice: "$M/subscriptions"
pam_login d8 alice -a session
is "D8: an existing subscriptions file is left as it was" "$(cat "$M/subscriptions")" "$(printf 'V\t2\n\nINBOX\nOwn')"
check "D8: folders still made" is_maildir "$M/.Sent"

# A delivery agent's maildirsize (Dovecot's lda writes one without limits)
# is the agent's: left exactly as it is, and the login says so.
predeliver
printf '0S\n         500            1\n' >"$M/maildirsize"; chown alice: "$M/maildirsize"
before=$(snap "$M/maildirsize"; cat "$M/maildirsize")
m=$(log_mark)
pam_login d8 alice -a session
same "D8: an existing maildirsize is left exactly as it was" "$before" "$(snap "$M/maildirsize"; cat "$M/maildirsize")"
logged "D8: the login says the quota file was not written, and how to have it" "$m" \
	"pam_mkmaildir.*maildirsize exists: left as it is"

# Without anything to populate, no marker is needed and none is written.
mkhome alice
pam_service plain ""
pam_login plain alice -a session
expect "plain: succeeds" "$PAM_SUCCESS"
check "plain: the marker, even without folders= or quota= (the every-login path looks for it)" test -f "$(record "$M")"

# --- layout=fs: Dovecot's fs layout ---------------------------------------------
mkhome alice
pam_service fs "layout=fs folders=Entw${U}rfe,INBOX.Archive.2024,Sent subscribe"
pam_login fs alice -a account
expect "layout=fs: login succeeds" "$PAM_SUCCESS"
is "layout=fs: one directory per level, as Dovecot makes them" \
	"$(cd "$M" && find . -mindepth 1 | LC_ALL=C sort | norecord | tr '\n' ' ')" \
	"./Archive ./Archive/2024 ./Archive/2024/cur ./Archive/2024/new ./Archive/2024/tmp ./Entw&APw-rfe ./Entw&APw-rfe/cur ./Entw&APw-rfe/new ./Entw&APw-rfe/tmp ./Sent ./Sent/cur ./Sent/new ./Sent/tmp ./cur ./new ./RECORD ./subscriptions ./tmp "
tree_is "layout=fs: every directory is alice 700" "$M" "alice 700"
is "layout=fs: Dovecot's subscriptions" "$(cat "$M/subscriptions")" "$(printf 'V\t2\n\nINBOX\nEntw&APw-rfe\nArchive\t2024\nSent')"
rmdir "$M/Archive/2024/new"; rm -rf "$M/Sent"
pam_login fs alice -a account
check "layout=fs: a deleted folder stays deleted" test ! -e "$M/Sent"
check "layout=fs: a populated maildir's folders are not looked at again" test ! -e "$M/Archive/2024/new"
rm -f "$M"/pam_mkmaildir.*
pam_login fs alice -a account
check "layout=fs: without the marker, a missing part of a nested folder is repaired" test -d "$M/Archive/2024/new"
check "layout=fs: without the marker, a missing folder is given" is_maildir "$M/Sent"
check "layout=fs: the folder added to the maildir left no temporary in its tmp/" test -z "$(ls -A "$M/tmp")"
mkhome alice
ln -s /tmp "$A/evil"
predeliver
ln -s "$T_BASE" "$M/Archive"
pam_login fs alice -a account
expect_fail "layout=fs: a symlink as a level is refused"
check "layout=fs: nothing made through it" test ! -e "$T_BASE/2024"
bad "layout=bogus" "layout" "layout=bogus"
bad "layout=fs, a level named new" "reserved" "layout=fs folders=Archive.new"
bad "layout=fs, a folder named cur" "reserved" "folders=cur layout=fs"
ok "Maildir++: a folder named cur is .cur" "folders=cur"

# --- D8 through mkmaildir: -n reports, mkmaildir populates -------------------------
MK=${T_MKMAILDIR:-$T_TOP/mkmaildir}
CONF=$T_BASE/mk.conf
printf 'folders=Sent,Junk\nsubscribe\n' >"$CONF"; chmod 0644 "$CONF"
predeliver
out=$("$MK" -c "$CONF" -n alice 2>&1); rc=$?
is "mkmaildir -n: an unpopulated maildir exits 1" "$rc" 1
check "mkmaildir -n: reported as missing, with the reason" grep -Eq "^alice: missing: .*lacks folder" <<<"$out"
check "mkmaildir -n: changed nothing" test ! -e "$M/.Sent"
out=$("$MK" -c "$CONF" alice 2>&1); rc=$?
is "mkmaildir: populates it (exit 0)" "$rc" 0
check "mkmaildir: reported as completed" grep -Eq "^alice: completed" <<<"$out"
check "mkmaildir: .Junk made" is_maildir "$M/.Junk"
out=$("$MK" -c "$CONF" -n alice 2>&1); rc=$?
is "mkmaildir -n afterwards: ok" "$rc" 0
