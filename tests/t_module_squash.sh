# SPDX-License-Identifier: GPL-2.0-or-later
# Shared storage that squashes root: tests/squashshim.c makes a directory
# tree behave like an NFS root_squash / GlusterFS server.root-squash mount
# for the module (root is uid 65534 there, without capabilities).  A tree
# whose parent is the owner's is built with the owner's ids anyway, so it
# needs nothing special and leaves exactly the tree it leaves elsewhere;
# where only root could build (a missing home under a root-owned parent)
# one line says so.  The option squash is accepted and changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

need_swapshim || exit 0
SQ=$T_WORK/squashshim.so
if [ ! -f "$SQ" ] || [ "$T_TOP/tests/squashshim.c" -nt "$SQ" ]; then
	cc -std=c11 -Wall -Wextra -Werror -shared -fPIC -o "$SQ" "$T_TOP/tests/squashshim.c" -ldl ||
		{ fail "$T_NAME: build squashshim.so" "cc failed"; exit 0; }
fi

S=$T_BASE/store                  # the "squashed mount"
V=$S/vmail
TRACE=$T_BASE/squash.trace
FOLD="folders=Sent,Trash subscribe quota=2000000S"
rm -rf "$S"; mkdir -m 0755 "$S"
mkdir -m 0700 "$V"; chown vmail:vmail "$V"
pam_service virt "owner=vmail maildir=$V/%d/%n $FOLD"
pam_service forced "owner=vmail maildir=$T_BASE/plain/%d/%n squash $FOLD"
pam_service unforced "owner=vmail maildir=$T_BASE/plain/%d/%n $FOLD"
pam_service home "maildir=%h/Maildir createhome $FOLD"
# sq_login SERVICE USER DIR [args]: a login with DIR squashed.
sq_login() {
	local s=$1 u=$2 d=$3; shift 3
	rm -f "$TRACE"
	out=$(cd "$T_BASE" && LD_PRELOAD="$SQ $T_NSSLIB" T_SQUASH_DIR=$d T_SQUASH_TRACE=$TRACE \
		timeout 60 "$T_PAMRUN" -d "$T_PAMD" -s "$s" -u "$u" "$@" 2>&1)
	rc=$?
}
# mod_lines MARK: the module's log lines since MARK.
mod_lines() { sleep 0.3; log_since "$1" | grep -c 'pam_mkmaildir'; }
# exact_tree DIR OWNER: the maildir DIR is exactly what a first login makes.
exact_tree() {
	local d=$1 o=$2 want got
	want=$(printf '%s\n' ". d $o 700" "cur d $o 700" "new d $o 700" "tmp d $o 700" \
		".Sent d $o 700" ".Sent/cur d $o 700" ".Sent/new d $o 700" ".Sent/tmp d $o 700" \
		".Sent/maildirfolder f $o 600" ".Trash d $o 700" ".Trash/cur d $o 700" \
		".Trash/new d $o 700" ".Trash/tmp d $o 700" ".Trash/maildirfolder f $o 600" \
		"courierimapsubscribed f $o 600" "subscriptions f $o 600" "maildirsize f $o 600" \
		"RECORD f $o 600" | LC_ALL=C sort)
	got=$(cd "$d" && find . -printf '%P %y %u:%g %m\n' | sed 's/^ /. /' | norecord | LC_ALL=C sort)
	[ "$want" = "$got" ] || { printf '%s\n' "$got" | diff <(printf '%s\n' "$want") - | head -n 6; return 1; }
}

# --- virtual users under vmail: a new domain, then a second user in it ---
m=$(log_mark)
sq_login virt bob@example.org "$S" -a account
expect "virtual: bob@example.org's first login succeeds" "$PAM_SUCCESS"
check "virtual: root really was refused on the store (the shim refused calls)" test -s "$TRACE"
check "virtual: the maildir is complete and exact, vmail's, modes exact" exact_tree "$V/example.org/bob" vmail:vmail
stat_is "virtual: the domain directory is vmail 700" "$V/example.org" "vmail 700"
check "virtual: nothing of root's or of the anonymous uid anywhere" \
	test -z "$(find "$V" \( ! -user vmail -o ! -group vmail \) -print)"
logged "virtual: creation logged" "$m" \
	"pam_mkmaildir.*created maildir $V/example.org/bob for bob@example.org \(uid 5100\)"
not_logged "virtual: no error logged" "$m" "pam_mkmaildir.*(cannot|refused|error)"
sq_login virt carl@example.org "$S" -a session
expect "virtual: carl@example.org (same domain) succeeds" "$PAM_SUCCESS"
check "virtual: carl's maildir is exact" exact_tree "$V/example.org/carl" vmail:vmail
check "virtual: the parents hold only final names" \
	test "$(ls -A "$V" "$V/example.org" | tr '\n' ' ')" = "$V: example.org  $V/example.org: bob carl "
before=$(snap "$V")
m=$(log_mark)
sq_login virt bob@example.org "$S" -a both -n 2
expect "virtual: bob's next logins succeed" "$PAM_SUCCESS"
same "virtual: the next logins change nothing" "$before" "$(snap "$V")"
not_logged "virtual: the next logins repair nothing" "$m" "pam_mkmaildir.*(completing|created)"

# --- system users with existing homes on the store ---
rm -rf "$T_HOMES"; mkdir -m 0755 "$T_HOMES"
mkhome alice 0700; AH=$(home_of alice)
sq_login home alice "$T_HOMES" -a session
expect "home: alice (home exists, 0700) succeeds" "$PAM_SUCCESS"
check "home: alice's Maildir is exact, alice's" exact_tree "$AH/Maildir" "alice:$(id -gn alice)"
stat_is "home: the home is as it was" "$AH" "alice 700"
check "home: the home holds only the maildir" test "$(ls -A "$AH")" = Maildir
mkhome erin 0755; EH=$(home_of erin)
sq_login home erin "$T_HOMES" -a session
expect "home: erin (home 0755) succeeds" "$PAM_SUCCESS"
check "home: erin's Maildir is exact" exact_tree "$EH/Maildir" "erin:erin"
rmdir "$EH/Maildir/tmp" "$EH/Maildir/.Sent/cur"; rm -f "$EH/Maildir"/pam_mkmaildir.*
sq_login home erin "$T_HOMES" -a account
expect "home: erin's maildir, incomplete, is repaired on the store" "$PAM_SUCCESS"
check "home: erin's repaired Maildir is exact" exact_tree "$EH/Maildir" "erin:erin"

# --- only root could: a missing home under the root-owned parent ---
rm -rf "$(home_of bob)"
m=$(log_mark)
sq_login home bob "$T_HOMES" -a session
expect_fail "refused: bob (no home, /home root's) fails"
code_in "refused: the usual error code" "$PAM_SESSION_ERR $PAM_SYSTEM_ERR"
check "refused: nothing made in the parent" test "$(ls -A "$T_HOMES" | tr '\n' ' ')" = "alice erin "
logged "refused: one clear line names the reason" "$m" \
	"pam_mkmaildir.*cannot create $(home_of bob)/Maildir for bob: only root may create \"bob\" .*root was refused .*squashes root"
check "refused: exactly one line from the module" test "$(mod_lines "$m")" = 1

# --- a build killed before its rename leaves its temporary tree, which the
# next login neither reads nor minds ---
rm -rf "$V/example.net"
LD_PRELOAD="$SQ $SHIM $T_NSSLIB" T_SQUASH_DIR=$S T_SWAP_CALL=rename T_SWAP_WHEN=before T_SWAP_NAME='*' \
	T_SWAP_MARK=$T_BASE/kill.mark T_SWAP_CMD='kill -KILL $PPID' pam_login virt dana@example.net -a account
check "interrupted: the login was killed mid-build" test "$rc" = 137 -a -e "$T_BASE/kill.mark"
left=$(find "$V" -maxdepth 2 -name '.mkmaildir.*' | head -n 1)
check "interrupted: its temporary tree is vmail's, beside the final name" \
	test -n "$left" -a "$(stat -c %U "$left" 2>&1)" = vmail
leftsnap=$(snap "$left")
m=$(log_mark)
sq_login virt dana@example.net "$S" -a account
expect "interrupted: the next login succeeds" "$PAM_SUCCESS"
check "interrupted: dana's maildir is exact" exact_tree "$V/example.net/dana" vmail:vmail
same "interrupted: the leftover is untouched" "$leftsnap" "$(snap "$left")"
rm -rf "$left"

# --- what a user plants under the old staging names or the temporary form ---
OUT=$T_BASE/outside; rm -rf "$OUT"; mkdir -m 0755 "$OUT"; : >"$OUT/keep"
for n in .mkmaildir-tmp .mkmaildir-tmp.uid5100 .mkmaildir.0123456789abcdef; do
	install -d -o vmail -g vmail -m 0700 "$V/example.org/$n"
	ln -s "$OUT" "$V/example.org/$n/0123456789abcdef"
done
planted=$(snap "$V"/example.org/.mkmaildir*)
sq_login virt erin@example.org "$S" -a account
expect "planted: erin@example.org's login beside them succeeds" "$PAM_SUCCESS"
check "planted: erin's maildir is exact" exact_tree "$V/example.org/erin" vmail:vmail
same "planted: every planted entry is as it was" "$planted" "$(snap "$V"/example.org/.mkmaildir*)"
check "planted: nothing outside is followed" test "$(ls -A "$OUT")" = keep
rm -rf "$V"/example.org/.mkmaildir*

# --- squash is accepted and changes nothing ---
rm -rf "$T_BASE/plain"; mkdir -m 0700 "$T_BASE/plain"; chown vmail:vmail "$T_BASE/plain"
pam_login forced gina@example.org -a account
expect "squash: gina@example.org succeeds" "$PAM_SUCCESS"
pam_login unforced hugo@example.org -a account
expect "squash: hugo@example.org (without squash) succeeds" "$PAM_SUCCESS"
check "squash: gina's maildir is exact" exact_tree "$T_BASE/plain/example.org/gina" vmail:vmail
check "squash: hugo's maildir is exact" exact_tree "$T_BASE/plain/example.org/hugo" vmail:vmail

# --- a world-writable domain directory of vmail's: built as vmail, and
# nothing of the anonymous uid is left ---
P=$S/pub; rm -rf "$P"; mkdir -m 0755 "$P"; W=$P/example.info
mkdir -m 0777 "$W"; chown vmail:vmail "$W"; chmod 0777 "$W"
pam_service pub "owner=vmail maildir=$P/%d/%n $FOLD"
sq_login pub jo@example.info "$S" -a account
expect "world-writable domain: jo@example.info succeeds" "$PAM_SUCCESS"
check "world-writable domain: jo's maildir is exact" exact_tree "$W/jo" vmail:vmail
check "world-writable domain: only jo's maildir in it" test "$(ls -A "$W")" = jo
