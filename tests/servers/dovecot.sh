#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Dovecot (imap, pop3, lda) with a PAM passdb opening sessions and
# pam_mkmaildir in the session stack of /etc/pam.d/dovecot (conf/pam.d/dovecot,
# conf/dovecot-pam.conf, conf/dovecot-quota.conf), then virtual users
# (conf/pam.d/dovecot-virtual, conf/dovecot-virtual.conf).  Run by ns.sh,
# once per release: Dovecot 2.3 in Debian 12 with conf/dovecot-*.conf,
# Dovecot 2.4 in Debian 13 with conf/dovecot24-*.conf (T_RELEASE).
#
# Dovecot logs users in and makes ~/Maildir itself when the home is
# writable, so a login that succeeds proves little here: each check also
# asks for what only the module makes (folders, subscriptions, its log
# lines, maildirs where Dovecot cannot write).  A module that does nothing
# fails every recorded check except the guards against it doing too much.
set -u
. "$T_TOP/tests/lib.sh"
. "$T_TOP/tests/servers/lib.sh"

conf=/etc/dovecot-test/dovecot.conf
# The release's configuration: the test header and the conf/ examples.
if dovecot_24; then
	header=dovecot-test-2.4.conf c_pam=dovecot24-pam.conf c_quota=dovecot24-quota.conf
	c_virtual=dovecot24-virtual.conf
else
	header=dovecot-test.conf c_pam=dovecot-pam.conf c_quota=dovecot-quota.conf
	c_virtual=dovecot-virtual.conf
fi
pam() { pam_with_options "$T_TOP/conf/pam.d/dovecot" /etc/pam.d/dovecot "$@"; }

need dovecot-pam-file pam || exit 0

# --- the stock Debian configuration, set up as the conf/ examples say ---------
# Dropped into conf.d/, an example adds to the passdb and userdb of the
# stock auth-system.conf.ext: on Dovecot 2.3 a second PAM passdb, which the
# stock one (no session) precedes and wins; 2.4 merges the two "passdb pam"
# sections but keeps the stock "userdb passwd" ahead of a virtual example's
# "userdb static".  The command each example gives to disable that include
# is taken from the example itself; afterwards doveconf -n must show one
# passdb (pam, with a session) and one userdb, as the example says.
sections() { awk '/^(passdb|userdb)/ { print $1 }' <<<"$1" | sort | uniq -c | tr -s ' \n' ' '; }
for c in "$c_pam" "$c_virtual"; do
	inr cp -a /etc/dovecot /tmp/dovecot-stock
	cp "$T_TOP/conf/$c" "$R/etc/dovecot/conf.d/99-mkmaildir.conf"
	out=$(inr doveconf -n 2>&1)
	say "$c in the stock conf.d: $(sections "$out")"
	if ! dovecot_24; then need "dovecot-stock-$c-two-passdbs-before" test "$(grep -c '^passdb' <<<"$out")" = 2; fi
	disable=$(sed -n 's/^#[ \t]*\(sed -i .*auth-system\.conf\.ext.*\)$/\1/p' "$T_TOP/conf/$c")
	say "$c's step: $disable"
	need "dovecot-stock-$c-step" test -n "$disable" && need "dovecot-stock-$c-step" inr sh -c "$disable"
	out=$(inr doveconf -n 2>&1)
	check "dovecot-stock-$c-one-passdb-one-userdb" bash -c \
		'test "$(grep -c "^passdb" <<<"$1") $(grep -c "^userdb" <<<"$1")" = "1 1" && grep -A4 "^passdb" <<<"$1" | grep -Eq "session( = |=)yes"' _ "$out"
	rm -rf "$R/etc/dovecot"; inr mv /tmp/dovecot-stock /etc/dovecot
done

if ! need dovecot-started start_dovecot "$c_pam" "$c_quota"; then
	dlog | tail -n 20; exit 0
fi
lap "dovecot: start"

# --- first login of a user with a home and no maildir -------------------------
newuser alice 'alice-pw-1'
u=$(uid_of alice) g=$(gid_of alice)
mark=$(log_mark)
out=$(inr curl -sS --max-time 30 imap://127.0.0.1/ -u 'alice:alice-pw-1' 2>&1)
say "curl imap LIST: $(oneline "$out")"
# Dovecot creates folders only when something is put into them: the LIST of
# the very first login shows what the module made.
check dovecot-first-imap-login-curl-list \
	bash -c 'for f in INBOX Drafts Sent Trash Junk; do grep -Eq " \"?$f\"?\$" <<<"$1" || exit 1; done' _ "$(tr -d '\r' <<<"$out")"
out=$(client imap alice alice-pw-1 lsub select)
say "$(oneline "$out")"
check dovecot-lsub-select \
	bash -c 'for f in Drafts Sent Trash Junk; do grep -qx "LSUB $f" <<<"$1" || exit 1; done; grep -q "^SELECT OK" <<<"$1"' _ "$out"
check_maildir dovecot-maildir-complete /home/alice/Maildir "$u" "$g" $FOLDERS
check dovecot-module-logged-creation log_has "$mark" 'pam_mkmaildir.*created.*/home/alice/Maildir'
lap "dovecot: first IMAP login (home, no Maildir)"

first_pop3_scenario dovecot

# --- the second login takes the fast path -------------------------------------
second_logins dovecot

# --- a user without a home, with createhome -----------------------------------
# (Without a home, Dovecot still answers OK and only logs an error.)
pam createhome skel=/etc/skel
newuser carol 'carol-pw-1' nohome
u=$(uid_of carol) g=$(gid_of carol)
mark=$(log_mark)
out=$(client imap carol carol-pw-1 list select)
say "$(oneline "$out")"
check dovecot-createhome-imap-login-lists-folders \
	bash -c 'grep -qx "LOGIN OK" <<<"$1" && grep -qx "LIST Drafts" <<<"$1" && grep -q "^SELECT OK" <<<"$1"' _ "$out"
check dovecot-createhome-home-owned test "$(stat -c %u:%g "$R/home/carol" 2>/dev/null)" = "$u:$g"
check dovecot-createhome-skel-copied test -f "$R/home/carol/.profile"
check_maildir dovecot-createhome-maildir-complete /home/carol/Maildir "$u" "$g" $FOLDERS
check dovecot-createhome-logged log_has "$mark" 'pam_mkmaildir.*created.*/home/carol'
out=$(client pop3 carol carol-pw-1)
need dovecot-createhome-pop3-login grep -qx 'STAT 0 0' <<<"$out"
lap "dovecot: no home + createhome"

# --- quota ----------------------------------------------------------------------
pam quota=10000000S,1000C
newuser dave 'dave-pw-1'
out=$(client imap dave dave-pw-1 quota)
say "$(oneline "$out")"
check dovecot-quota-maildirsize test "$(head -n1 "$R/home/dave/Maildir/maildirsize" 2>/dev/null)" = 10000000S,1000C
# Dovecot 2.3 reads the limits from maildirsize (conf/dovecot-quota.conf has
# no quota_rule); 2.4 has them from conf/dovecot24-quota.conf.
check dovecot-quota-getquotaroot grep -Eq '^QUOTA-LINE .*\(STORAGE 0 976[56] MESSAGE 0 1000\)' <<<"$out"
out=$(inr doveadm -c "$conf" quota get -u dave 2>&1)
say "doveadm quota get: $(oneline "$out")"
check dovecot-quota-doveadm-limits bash -c 'grep -Eq "STORAGE +0 +976[56] " <<<"$1" && grep -Eq "MESSAGE +0 +1000 " <<<"$1"' _ "$out"
# With the same limits in Dovecot's settings (2.4) or none (2.3), Dovecot
# leaves the module's header alone.
check dovecot-quota-maildirsize-kept test "$(head -n1 "$R/home/dave/Maildir/maildirsize" 2>/dev/null)" = 10000000S,1000C
lap "dovecot: quota"

# --- a creator that works -----------------------------------------------------------
working_creator_scenario dovecot

# --- a creator that fails ---------------------------------------------------------
failing_creator_scenario dovecot 'a1 NO [AUTHENTICATIONFAILED] Authentication failed.' \
	'-ERR [AUTH] Authentication failed.'
# 2.3: "auth-worker(...): pam(erin,127.0.0.1): pam_open_session() failed: ...";
# 2.4: "auth-worker(erin,127.0.0.1)<...>: request [N]: Error: pam: pam_open_session() failed: ...".
if dovecot_24; then re='auth-worker(erin,.*pam: pam_open_session() failed'; else re='pam(erin,.*pam_open_session() failed'; fi
check dovecot-creator-fails-session-error grep -q "$re" "$T_OUT/dovecot.log"
lap "dovecot: failing creator"

# --- concurrency -------------------------------------------------------------------
storm_scenario dovecot
lap "dovecot: 24 concurrent first logins"

# --- virtual users ------------------------------------------------------------------
stop_dovecot
# The recipe of conf/pam.d/dovecot-virtual, its commands taken from it:
# step 1 (vmail, /var/vmail owned by root: vmail itself, and so Dovecot,
# cannot create a domain or a user there; only pam_mkmaildir, as root,
# can), and step 2's db5.3_load and chmod, on an input file in the format
# it describes (the hashes by sha512_crypt: the root has no openssl).
recipe=$T_TOP/conf/pam.d/dovecot-virtual
# recipe_cmds REGEX: the recipe's command lines (comment lines indented 8
# spaces, continuations joined) matching REGEX.
recipe_cmds() {
	sed -n 's/^#        //p' "$recipe" | sed -e ':a' -e '/\\$/{N;s/\\\n *//;ba' -e '}' | grep -E -- "$1"
}
step1=$(recipe_cmds '^(useradd|install) ')
say "recipe step 1: $(tr '\n' ';' <<<"$step1")"
need dovecot-virtual-recipe-step1 test "$(wc -l <<<"$step1")" = 2 || exit 0
need dovecot-virtual-recipe-step1 inr sh -ec "$step1" || exit 0
vu=$(uid_of vmail) vg=$(gid_of vmail)
check dovecot-virtual-recipe-vmail-root-owned test "$(stat -c %u:%a "$R/var/vmail")" = 0:755
cp "$recipe" "$R/etc/pam.d/dovecot-virtual"
{
	printf 'alice@example.org\n%s\n' "$(sha512_crypt v-alice-1)"
	printf 'bob@example.net\n%s\n' "$(sha512_crypt v-bob-1)"
} >"$R/root/vusers"
mkdir -p "$R/etc/dovecot"
step2=$(recipe_cmds '^(db5\.3_load|chmod) ')
say "recipe step 2: $(tr '\n' ';' <<<"$step2")"
need dovecot-virtual-recipe-step2 test "$(wc -l <<<"$step2")" = 2 || exit 0
need dovecot-virtual-recipe-step2 inr sh -ec "$step2" || exit 0
need dovecot-virtual-userdb-built test -s "$R/etc/dovecot/virtual-users.db" || exit 0
if ! need dovecot-virtual-started start_dovecot "$c_virtual"; then dlog | tail -n 20; exit 0; fi
need dovecot-virtual-not-in-nss bash -c '! chroot "$1" getent passwd alice@example.org >/dev/null' _ "$R"
dmark=$(dlog | wc -l)
mark=$(log_mark)
out=$(client imap alice@example.org v-alice-1 list lsub select)
say "$(oneline "$out")"
check dovecot-virtual-imap-login-lists-folders \
	bash -c 'grep -qx "LOGIN OK" <<<"$1" || exit 1; for f in Drafts Sent Trash Junk; do grep -qx "LIST $f" <<<"$1" && grep -qx "LSUB $f" <<<"$1" || exit 1; done' _ "$out"
out=$(client pop3 bob@example.net v-bob-1)
say "$(oneline "$out")"
check_maildir dovecot-virtual-maildir-complete /var/vmail/example.org/alice/Maildir "$vu" "$vg" $FOLDERS
if grep -qx 'STAT 0 0' <<<"$out" && why=$(maildir_problems /var/vmail/example.net/bob/Maildir "$vu" "$vg" $FOLDERS); then
	pass dovecot-virtual-first-pop3-login
else fail dovecot-virtual-first-pop3-login "$(oneline "$out") ${why:-}"; fi
check dovecot-virtual-logged log_has "$mark" 'pam_mkmaildir.*created.*/var/vmail/example.org/alice/Maildir'
say "domain directory: $(inr stat -c '%n %U:%G %a' /var/vmail/example.org 2>&1)"
# Delivery with dovecot-lda, into INBOX and into a folder the module made
# (lda does not create a missing folder: it would fall back to INBOX).
for box in INBOX Junk; do
	printf 'From: sender@example.net\nTo: alice@example.org\nSubject: to %s\nMessage-ID: <%s.%s@test>\n\nhello %s\n' \
		"$box" "$box" "$$" "$box" >"$R/tmp/msg-$box"
	inr sh -c "/usr/lib/dovecot/dovecot-lda -c $conf -d alice@example.org -f sender@example.net -m $box </tmp/msg-$box"
	need "dovecot-virtual-lda-delivers-$box" test $? = 0
done
check dovecot-virtual-lda-into-inbox test "$(find "$R/var/vmail/example.org/alice/Maildir/new" "$R/var/vmail/example.org/alice/Maildir/cur" -type f 2>/dev/null | wc -l)" = 1
check dovecot-virtual-lda-into-junk test "$(find "$R/var/vmail/example.org/alice/Maildir/.Junk/new" "$R/var/vmail/example.org/alice/Maildir/.Junk/cur" -type f 2>/dev/null | wc -l)" = 1
out=$(client imap alice@example.org v-alice-1 examine=Junk examine=INBOX)
say "$(oneline "$out")"
check dovecot-virtual-imap-sees-delivery bash -c 'grep -qx "EXAMINE Junk OK 1" <<<"$1" && grep -qx "EXAMINE INBOX OK 1" <<<"$1"' _ "$out"
check_maildir dovecot-virtual-still-only-module-dirs /var/vmail/example.org/alice/Maildir "$vu" "$vg" $FOLDERS
# Dovecot logs nothing when it creates a maildir or folder itself (seen with
# mail_debug), only a failed mkdir; the filesystem checks above are the
# proof that it created nothing, this one catches an attempt.
tried=$(dlog | tail -n +"$((dmark + 1))" | grep -i 'mkdir')
if [ -z "$tried" ] && [ -d "$R/var/vmail/example.org/alice" ]; then pass dovecot-virtual-dovecot-tried-no-mkdir; else
	fail dovecot-virtual-dovecot-tried-no-mkdir "$(echo "$tried" | head -n 5 | tr '\n' ';')"
fi
tree=$(find "$R/var/vmail" -mindepth 1 -maxdepth 3 | sed "s|^$R||" | sort | tr '\n' ' ')
say "under /var/vmail: $tree"
check dovecot-virtual-nothing-else test "$tree" = "/var/vmail/example.net /var/vmail/example.net/bob /var/vmail/example.net/bob/Maildir /var/vmail/example.org /var/vmail/example.org/alice /var/vmail/example.org/alice/Maildir "
# The home and the domain directory the module made belong to vmail.
check dovecot-virtual-home-owned test "$(stat -c %u:%g "$R/var/vmail/example.org" "$R/var/vmail/example.org/alice" 2>/dev/null | sort -u)" = "$vu:$vg"
lap "dovecot: virtual users + lda"

stop_dovecot
exit 0
