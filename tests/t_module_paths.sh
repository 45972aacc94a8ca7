# What the user (or another user) planted on the way to the maildir:
# symlinks, hard links, FIFOs, files where directories belong, directories
# owned by someone else.  The module runs as root: whatever it refuses or
# accepts, it must never create, chown, chmod or write anything outside the
# owner's own directories.  Unsafe paths are refused with PAM_PERM_DENIED
# (account) / PAM_SESSION_ERR (session).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nss.sh"
t_setup
t_need_root

A=$(home_of alice)
M=$A/Maildir
T=$T_BASE/target            # a root-owned directory an attacker would aim at
S=$T_BASE/secret            # a root-owned file an attacker would aim at
mkdir -m 0755 "$T"; printf 'keep\n' >"$T/keep"; chmod 0644 "$T/keep"
printf 's3cret\n' >"$S"; chmod 0600 "$S"
guarded() { snap "$T" "$S"; stat -c '%h' "$S"; cat "$S" "$T/keep"; }

svc2 plain ""
svc2 fold "folders=Sent,Drafts quota=1000S subscribe"

# as_alice CMD...: run a command the way alice would (her files, her modes).
as_alice() { setpriv --reuid=alice --regid=alice --clear-groups -- "$@"; }

# refused LABEL SERVICE [repairs]: both hooks refuse, the guarded files are
# untouched and nothing else under the home changed (with "repairs": the
# module may have made the owner's missing pieces before it found the bad one).
refused() {
	local before guard
	before=$(snap "$A") guard=$(guarded)
	pr "$2" alice -a account -H
	expect "$1: account returns PAM_PERM_DENIED" "$PAM_PERM_DENIED"
	pr "$2" alice -a session -H
	expect "$1: session returns PAM_SESSION_ERR" "$PAM_SESSION_ERR"
	same "$1: the root-owned target is untouched" "$guard" "$(guarded)"
	[ "${3:-}" = repairs ] || same "$1: nothing changed in the home" "$before" "$(snap "$A")"
}
# untouched LABEL SERVICE: whatever the result, nothing outside alice's own
# directories changed (for cases where refusing and ignoring are both sound).
untouched() {
	local guard
	guard=$(guarded)
	pr "$2" alice -a account -H
	if [ "$rc" = "$PAM_SUCCESS" ] || [ "$rc" = "$PAM_PERM_DENIED" ]; then pass "$1: account result ($rc)"
	else fail "$1: account result" "expected success or PAM_PERM_DENIED, got $rc: $out"; fi
	pr "$2" alice -a session -H
	expect_fail_or_ok "$1: session result"
	same "$1: the root-owned target is untouched" "$guard" "$(guarded)"
}
expect_fail_or_ok() {
	if [ "$rc" = "$PAM_SUCCESS" ] || [ "$rc" = "$PAM_SESSION_ERR" ]; then pass "$1 ($rc)"
	else fail "$1" "expected success or PAM_SESSION_ERR, got $rc: $out"; fi
}
# A complete maildir made by the module itself, to plant things in.
fresh_maildir() { # SERVICE
	mkhome alice 0700
	pr "$1" alice -a account
	[ "$rc" = 0 ] || fail "setup: a maildir for alice ($1)" "got $rc: $out"
}

# --- Maildir is a symlink ---
mkhome alice 0700
as_alice ln -s "$T" "$M"
refused "Maildir -> root-owned directory" plain
check "Maildir -> directory: still the user's symlink" test "$(readlink "$M")" = "$T"

mkhome alice 0700
as_alice ln -s "$T_BASE/nowhere/Maildir" "$M"
refused "Maildir -> missing path (dangling)" plain
check "dangling Maildir: nothing made at its target" test ! -e "$T_BASE/nowhere"

mkhome alice 0700
as_alice mkdir -p "$A/real"
as_alice ln -s real "$M"
refused "Maildir -> the user's own directory" plain
check "Maildir -> own directory: nothing made inside it" test -z "$(ls -A "$A/real")"

# --- a directory on the way is a symlink (relative template) ---
svc2 rel "maildir=Mail/box"
mkhome alice 0700
as_alice ln -s "$T" "$A/Mail"
refused "maildir=Mail/box with Mail -> root-owned directory" rel

# --- cur, new or tmp of an existing maildir is a symlink ---
for sub in cur new tmp; do
	fresh_maildir plain
	rmdir "$M/$sub"
	as_alice ln -s "$T" "$M/$sub"
	refused "Maildir/$sub -> root-owned directory" plain
	check "Maildir/$sub: still the user's symlink" test -L "$M/$sub"
done

# --- folder pieces ---
fresh_maildir fold
rm -rf "$M/.Sent"
as_alice ln -s "$T" "$M/.Sent"
untouched "folder .Sent -> root-owned directory" fold
check "folder symlink: still a symlink" test "$(readlink "$M/.Sent")" = "$T"

fresh_maildir fold
rmdir "$M/.Sent/new"
rm "$M/.Sent/maildirfolder"
as_alice ln -s "$T_BASE/made-by-root" "$M/.Sent/maildirfolder"
untouched "folder with maildirfolder -> missing file (dangling)" fold
check "dangling maildirfolder: its target was not created" test ! -e "$T_BASE/made-by-root"

fresh_maildir fold
rmdir "$M/.Sent/tmp"
rm "$M/.Sent/maildirfolder"
ln "$S" "$M/.Sent/maildirfolder"     # a hard link to a root file (root makes it for the test)
untouched "folder with maildirfolder hard-linked to a root file" fold
check "hard link: the root file keeps owner, mode and content" \
	test "$(stat -c '%U %a %s' "$S")" = "root 600 7"

# --- files the module writes, planted as links before a repair ---
fresh_maildir fold
rm -f "$M/maildirsize" "$M/courierimapsubscribed" "$M/subscriptions"
rmdir "$M/cur"
as_alice ln -s "$T_BASE/made-by-root2" "$M/maildirsize"
as_alice ln -s "$T/keep" "$M/courierimapsubscribed"
ln "$S" "$M/subscriptions"
untouched "repair with maildirsize/courierimapsubscribed symlinks and a hard link" fold
check "planted maildirsize symlink: its target was not created" test ! -e "$T_BASE/made-by-root2"

# --- a FIFO, a file, where a directory belongs ---
mkhome alice 0700
as_alice mkfifo "$M"
before=$(snap "$A")
pr plain alice -a account -H
expect_fail "Maildir is a FIFO: account fails (and does not hang)"
pr plain alice -a session -H
expect "Maildir is a FIFO: session returns PAM_SESSION_ERR" "$PAM_SESSION_ERR"
same "Maildir is a FIFO: unchanged" "$before" "$(snap "$A")"

mkhome alice 0700
as_alice sh -c 'echo mine >"$1"' sh "$M"
before=$(snap "$A")
pr plain alice -a account -H
expect_fail "Maildir is a regular file: account fails"
pr plain alice -a session -H
expect "Maildir is a regular file: session returns PAM_SESSION_ERR" "$PAM_SESSION_ERR"
same "Maildir is a regular file: unchanged" "$before" "$(snap "$A")"
check "Maildir is a regular file: content intact" test "$(cat "$M")" = mine

fresh_maildir plain
rmdir "$M/cur"
as_alice mkfifo "$M/cur"
pr plain alice -a account -H
expect_fail "Maildir/cur is a FIFO: account fails (and does not hang)"
check "Maildir/cur is a FIFO: still a FIFO" test -p "$M/cur"

# --- directories owned by someone else ---
mkhome alice 0755 ; chown mallory:mallory "$A"
refused "alice's home owned by mallory" plain
check "home owned by mallory: no Maildir made in it" test ! -e "$M"

mkhome alice 0755
mkdir -m 0777 "$M"; chown mallory:mallory "$M"
refused "existing Maildir owned by mallory" plain
check "Maildir owned by mallory: no cur made in it" test ! -e "$M/cur"

mkhome alice 0755
mkdir -m 0777 "$A/Mail"; chown mallory:mallory "$A/Mail"
refused "maildir=Mail/box with Mail owned by mallory" rel
check "Mail owned by mallory: no box made in it" test ! -e "$A/Mail/box"

# cur/new/tmp that exist but are not the owner's: a maildir alice cannot
# deliver into is not complete.  With something else missing (repair) and
# with everything present.
fresh_maildir plain
chown mallory:mallory "$M/tmp"; rmdir "$M/new"
refused "repair: Maildir/tmp owned by mallory" plain repairs
check "repair, tmp owned by mallory: still mallory's" test "$(stat -c %U "$M/tmp")" = mallory
fresh_maildir plain
chown mallory:mallory "$M/tmp"
refused "complete maildir whose tmp is owned by mallory" plain
fresh_maildir fold
chown mallory:mallory "$M/.Sent/cur"; chmod 0777 "$M/.Sent/cur"; rmdir "$M/.Sent/new"
untouched "folder .Sent whose cur is owned by mallory" fold
check "folder cur owned by mallory: still mallory's, nothing made in it" \
	test "$(stat -c %U "$M/.Sent/cur")" = mallory -a -z "$(ls -A "$M/.Sent/cur")"

V=$T_BASE/vmail
mkdir -p -m 0755 "$V/example.org"; chown mallory:mallory "$V/example.org"
svc2 virt "owner=vmail maildir=$V/%d/%n"
before=$(snap "$V")
pr virt bob@example.org -a account -H
expect "virtual: domain directory owned by mallory: PAM_PERM_DENIED" "$PAM_PERM_DENIED"
pr virt bob@example.org -a session -H
expect "virtual: domain directory owned by mallory: PAM_SESSION_ERR" "$PAM_SESSION_ERR"
same "virtual: domain directory owned by mallory: nothing made in it" "$before" "$(snap "$V")"

# Controls: the same layouts with the right owners work, so the refusals
# above are about the planted entries and not about the layout.
mkhome alice 0700
pr rel alice -a account -H
expect "control: maildir=Mail/box in a clean home succeeds" "$PAM_SUCCESS"
chown vmail:vmail "$V/example.org"
pr virt bob@example.org -a account -H
expect "control: domain directory owned by vmail succeeds" "$PAM_SUCCESS"
check "control: the virtual maildir is complete" is_maildir "$V/example.org/bob"
