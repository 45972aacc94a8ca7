# Issue 16, shared storage that squashes root: tests/squashshim.c makes a
# directory tree behave like an NFS root_squash / GlusterFS
# server.root-squash mount for the module (root is uid 65534 there, without
# capabilities).  The module finds out, builds as the owner, and leaves
# exactly the tree it leaves elsewhere; the staging directory and its sweep
# are then the owner's and stay as safe; where only root could build (a
# missing home under a root-owned parent) one line says so.
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
OS=.mkmaildir-tmp.uid5100        # vmail's staging directory (builds as the owner)
rm -rf "$S"; mkdir -m 0755 "$S"
mkdir -m 0700 "$V"; chown vmail:vmail "$V"
pam_service virt "owner=vmail maildir=$V/%d/%n $FOLD"
pam_service forced "owner=vmail maildir=$T_BASE/plain/%d/%n squash $FOLD"
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
		"pam_mkmaildir.populated f $o 600" | LC_ALL=C sort)
	got=$(cd "$d" && find . -printf '%P %y %u:%g %m\n' | sed 's/^ /. /' | LC_ALL=C sort)
	[ "$want" = "$got" ] || { printf '%s\n' "$got" | diff <(printf '%s\n' "$want") - | head -n 6; return 1; }
}

# --- virtual users under vmail: a new domain, then a second user in it ---
m=$(log_mark)
sq_login virt bob@example.org "$S" -a account
expect "virtual: bob@example.org's first login succeeds" "$PAM_SUCCESS"
check "virtual: root really was refused on the store (the shim refused calls)" test -s "$TRACE"
check "virtual: the maildir is complete and exact, vmail's, modes exact" exact_tree "$V/example.org/bob" vmail:vmail
stat_is "virtual: the domain directory is vmail 700" "$V/example.org" "vmail 700"
check "virtual: the staging directory of vmail's directory is vmail's, 0700, empty" \
	test "$(stat -c '%U %a %h' "$V/$OS" 2>&1)" = "vmail 700 2"
check "virtual: root's staging name is not used as the owner" test ! -e "$V/.mkmaildir-tmp"
check "virtual: nothing of root's or of the anonymous uid anywhere" \
	test -z "$(find "$V" \( ! -user vmail -o ! -group vmail \) -print)"
logged "virtual: creation logged as done by the owner" "$m" \
	"pam_mkmaildir.*created maildir $V/example.org/bob for bob@example.org \(uid 5100\) as its owner"
not_logged "virtual: no error logged" "$m" "pam_mkmaildir.*(cannot|refused|error)"
sq_login virt carl@example.org "$S" -a session
expect "virtual: carl@example.org (same domain) succeeds" "$PAM_SUCCESS"
check "virtual: carl's maildir is exact" exact_tree "$V/example.org/carl" vmail:vmail
check "virtual: no temporary leftovers" test -z "$(find "$V" -path '*/.mkmaildir-tmp*/*')"
before=$(snap "$V")
m=$(log_mark)
sq_login virt bob@example.org "$S" -a both -n 2
expect "virtual: bob's next logins succeed" "$PAM_SUCCESS"
same "virtual: the next logins change nothing" "$before" "$(snap "$V")"
not_logged "virtual: the next logins repair nothing" "$m" "pam_mkmaildir.*(completing|created)"

# --- system users with existing homes on the store ---
rm -rf "$T_HOMES"; mkdir -m 0755 "$T_HOMES"
mkhome alice 0700; AH=$(home_of alice)
m=$(log_mark)
sq_login home alice "$T_HOMES" -a session
expect "home: alice (home exists, 0700) succeeds" "$PAM_SUCCESS"
check "home: alice's Maildir is exact, alice's" exact_tree "$AH/Maildir" "alice:$(id -gn alice)"
stat_is "home: the home is as it was" "$AH" "alice 700"
check "home: no staging directory is left in the home" test -z "$(find "$AH" -maxdepth 1 -name '.mkmaildir-tmp*')"
mkhome erin 0755; EH=$(home_of erin)
sq_login home erin "$T_HOMES" -a session
expect "home: erin (home 0755) succeeds" "$PAM_SUCCESS"
check "home: erin's Maildir is exact" exact_tree "$EH/Maildir" "erin:erin"

# --- only root could: a missing home under the root-owned parent ---
rm -rf "$(home_of bob)"
m=$(log_mark)
sq_login home bob "$T_HOMES" -a session
expect_fail "refused: bob (no home, /home root's) fails"
code_in "refused: the usual error code" "$PAM_SESSION_ERR $PAM_SYSTEM_ERR"
check "refused: nothing made in the parent" test "$(ls -A "$T_HOMES" | tr '\n' ' ')" = "alice erin "
logged "refused: one clear line names the reason" "$m" \
	"pam_mkmaildir.*cannot create $(home_of bob)/Maildir for bob: the store squashes root .*only root may create"
check "refused: exactly one line from the module" test "$(mod_lines "$m")" = 1

# --- an interrupted build as the owner is swept at the next login ---
rm -rf "$V/example.net"
LD_PRELOAD="$SQ $SHIM $T_NSSLIB" T_SQUASH_DIR=$S T_SWAP_CALL=rename T_SWAP_WHEN=before T_SWAP_NAME='*' \
	T_SWAP_MARK=$T_BASE/kill.mark T_SWAP_CMD='kill -KILL $PPID' pam_login virt dana@example.net -a account
check "interrupted: the login was killed mid-build" test "$rc" = 137 -a -e "$T_BASE/kill.mark"
tree=$(find "$V/$OS" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)
check "interrupted: its tree and lock are in vmail's staging directory, vmail's" \
	test -n "$tree" -a -f "$tree.lock" -a "$(stat -c %U "$tree" "$tree.lock" 2>&1 | sort -u)" = vmail
find "$V/$OS" -mindepth 1 -exec touch -h -d '1 minute ago' {} +
m=$(log_mark)
sq_login virt dana@example.net "$S" -a account
expect "interrupted: the next login succeeds" "$PAM_SUCCESS"
check "interrupted: dana's maildir is exact" exact_tree "$V/example.net/dana" vmail:vmail
logged "interrupted: the stale tree's removal is logged" "$m" "pam_mkmaildir.*removing the tree of an interrupted build"
check "interrupted: the staging directory is empty, vmail 700" \
	test "$(stat -c '%U %a %h' "$V/$OS" 2>&1)" = "vmail 700 2" -a -z "$(ls -A "$V/$OS")"

# --- what the owner plants in its own staging directory ---
G=$V/example.org/$OS
[ -d "$G" ] || { mkdir -m 0700 "$G"; chown vmail:vmail "$G"; }
OUT=$T_BASE/outside; rm -rf "$OUT"; mkdir -m 0755 "$OUT"; : >"$OUT/keep"
# A directory of bob's that vmail may rename (world-writable, sticky),
# holding bob's file: vmail cannot remove that file, so neither may a sweep.
mkdir -m 0700 "$G/0123456789abcdef"; mkdir -m 1777 "$G/0123456789abcdef/bobs"
: >"$G/0123456789abcdef/bobs/bobfile"; chown bob:bob "$G/0123456789abcdef/bobs" "$G/0123456789abcdef/bobs/bobfile"
chown vmail:vmail "$G/0123456789abcdef"; : >"$G/0123456789abcdef.lock"; chown vmail:vmail "$G/0123456789abcdef.lock"
# A symlink at a tree's name, to a directory outside.
ln -s "$OUT" "$G/00000000000000aa"; : >"$G/00000000000000aa.lock"
chown -h vmail:vmail "$G/00000000000000aa" "$G/00000000000000aa.lock"
find "$G" -mindepth 1 -exec touch -h -d '1 minute ago' {} +
m=$(log_mark)
sq_login virt erin@example.org "$S" -a account
expect "planted: erin@example.org's login beside them succeeds" "$PAM_SUCCESS"
check "planted: erin's maildir is exact" exact_tree "$V/example.org/erin" vmail:vmail
check "planted: bob's file in the planted tree survives (removal has vmail's rights only)" \
	test -f "$G/0123456789abcdef/bobs/bobfile" -o -f "$(find "$G" -name bobfile | head -n 1)"
check "planted: nothing outside is followed or removed" test -f "$OUT/keep"

# --- a staging directory of another uid is still refused ---
mkdir -p "$V/example.com"; chown vmail:vmail "$V/example.com"; chmod 0700 "$V/example.com"
mkdir -m 0755 "$V/example.com/$OS"; chown bob:bob "$V/example.com/$OS"
m=$(log_mark)
sq_login virt frank@example.com "$S" -a account
expect_fail "foreign staging: frank@example.com is refused"
check "foreign staging: nothing made" test "$(ls -A "$V/example.com")" = "$OS"
logged "foreign staging: refused with the owner's uid named" "$m" \
	"pam_mkmaildir.*\.mkmaildir-tmp\.uid5100 in its parent is owned by uid 5002 .*not a 0700 directory of uid 5100: refused"

# --- squash forces it where nothing is squashed ---
rm -rf "$T_BASE/plain"; mkdir -m 0700 "$T_BASE/plain"; chown vmail:vmail "$T_BASE/plain"
m=$(log_mark)
pam_login forced gina@example.org -a account
expect "squash: gina@example.org succeeds on a store that does not squash" "$PAM_SUCCESS"
check "squash: the maildir is exact" exact_tree "$T_BASE/plain/example.org/gina" vmail:vmail
check "squash: the staging directory is vmail's" test "$(stat -c '%U %a' "$T_BASE/plain/$OS" 2>&1)" = "vmail 700"
logged "squash: logged as built by the owner" "$m" "pam_mkmaildir.*created maildir .*gina.* as its owner"

# --- red4 A1: root's own staging directory, left before squashing began (or
# before squash was set), never blocks a build as the owner, nor is touched by one ---
RG=$V/example.org/.mkmaildir-tmp
rm -rf "$RG"; install -d -o root -g root -m 0700 "$RG" "$RG/00000000000000bb"
: >"$RG/00000000000000bb.lock"; find "$RG" -mindepth 1 -exec touch -h -d '1 minute ago' {} +
rootleft=$(snap "$RG")
pam_service virtsq "owner=vmail maildir=$V/%d/%n squash $FOLD"
m=$(log_mark)
sq_login virtsq hank@example.org "$S" -a account
expect "root's leftover: hank@example.org with squash succeeds" "$PAM_SUCCESS"
check "root's leftover: hank's maildir is exact" exact_tree "$V/example.org/hank" vmail:vmail
not_logged "root's leftover: no refusal" "$m" "pam_mkmaildir.*(cannot|refused)"
sq_login virt ivan@example.org "$S" -a account
expect "root's leftover: ivan@example.org (squashing detected) succeeds" "$PAM_SUCCESS"
check "root's leftover: ivan's maildir is exact" exact_tree "$V/example.org/ivan" vmail:vmail
same "root's leftover: untouched by the builds as the owner" "$rootleft" "$(snap "$RG")"
sq_login virtsq hank@example.org "$S" -a session
expect "root's leftover: hank's second login succeeds" "$PAM_SUCCESS"
# where root is root again, its own pass sweeps it (a domain's directory keeps it, empty)
pam_login virt hank@example.org -a account
expect "root's leftover: a login where root is not squashed succeeds" "$PAM_SUCCESS"
check "root's leftover: root's pass removed its interrupted tree" \
	test "$(stat -c '%U %a' "$RG" 2>&1)" = "root 700" -a -z "$(ls -A "$RG")"

# --- red4 A2: a directory a user plants at either staging name does not make
# a plain store's build the owner's ---
mkhome alice 0755; AH=$(home_of alice); AU=$(stat -c %u "$AH")
pam_service plain "maildir=%h/Maildir $FOLD"
install -d -o alice -g alice -m 0700 "$AH/.mkmaildir-tmp.uid$AU"
m=$(log_mark)
pam_login plain alice -a session
expect "planted owner's name: alice's login on a plain store succeeds" "$PAM_SUCCESS"
check "planted owner's name: alice's maildir is exact" exact_tree "$AH/Maildir" "alice:$(id -gn alice)"
logged "planted owner's name: built by root" "$m" "pam_mkmaildir.*created maildir $AH/Maildir for alice \(uid $AU\)$"
not_logged "planted owner's name: not as the owner" "$m" "as its owner"
check "planted owner's name: the planted directory is left alone" \
	test "$(stat -c '%U %a' "$AH/.mkmaildir-tmp.uid$AU" 2>&1)" = "alice 700"
rm -rf "$AH/Maildir" "$AH/.mkmaildir-tmp.uid$AU"
install -d -o alice -g alice -m 0700 "$AH/.mkmaildir-tmp"
m=$(log_mark)
pam_login plain alice -a session
expect_fail "planted root's name: alice's login is refused (as before owner mode)"
check "planted root's name: nothing made" test ! -e "$AH/Maildir"
logged "planted root's name: the refusal is root's" "$m" \
	"pam_mkmaildir.*\.mkmaildir-tmp in its parent is owned by uid $AU .*not a 0700 directory of uid 0: refused"
not_logged "planted root's name: not built as the owner" "$m" "as its owner|root squashed"
rm -rf "$AH/.mkmaildir-tmp"

# --- a squashed root's mkdirat in a world-writable, non-sticky parent makes
# the anonymous uid's .mkmaildir-tmp: removed again; one left over is refused
# by root's pass with one clear line, and squash builds beside it ---
P=$S/pub; rm -rf "$P"; mkdir -m 0755 "$P"; W=$P/example.info
mkdir -m 0777 "$W"; chown vmail:vmail "$W"; chmod 0777 "$W"
pam_service pub "owner=vmail maildir=$P/%d/%n $FOLD"
pam_service pubsq "owner=vmail maildir=$P/%d/%n squash $FOLD"
m=$(log_mark)
sq_login pub jo@example.info "$S" -a account
expect "anonymous: jo@example.info (world-writable domain) succeeds" "$PAM_SUCCESS"
check "anonymous: jo's maildir is exact" exact_tree "$W/jo" vmail:vmail
logged "anonymous: built as the owner" "$m" "pam_mkmaildir.*created maildir $W/jo .*as its owner"
check "anonymous: the anonymous uid's .mkmaildir-tmp root made is gone" test ! -e "$W/.mkmaildir-tmp"
install -d -o 65534 -g 65534 -m 0700 "$W/.mkmaildir-tmp"
m=$(log_mark)
sq_login pub kim@example.info "$S" -a account
expect_fail "anonymous leftover: root's pass refuses it"
logged "anonymous leftover: one clear line says what to do" "$m" \
	"pam_mkmaildir.*\.mkmaildir-tmp in its parent is owned by uid 65534 .*squashes root: remove it, or set squash"
check "anonymous leftover: exactly one line from the module" test "$(mod_lines "$m")" = 1
sq_login pubsq kim@example.info "$S" -a account
expect "anonymous leftover: with squash, kim@example.info succeeds beside it" "$PAM_SUCCESS"
check "anonymous leftover: kim's maildir is exact" exact_tree "$W/kim" vmail:vmail
check "anonymous leftover: left alone" test "$(stat -c '%u %a' "$W/.mkmaildir-tmp" 2>&1)" = "65534 700"
