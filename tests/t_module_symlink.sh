# SPDX-License-Identifier: GPL-2.0-or-later
# Unsafe paths: symlinks planted anywhere on the way are never followed,
# components owned by another user and non-directories are refused; the login
# fails with a log line and the targets are unchanged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

A=$(home_of alice)
TGT=$T_BASE/target          # what an attacker wants root to write into
pam_service full "folders=Sent subscribe quota=100S"
pam_service virt "owner=vmail maildir=$T_BASE/vmail/%d/%n"

fresh_target() {
	rm -rf "$TGT"; mkdir -p "$TGT"; chmod 0755 "$TGT"
	printf 'precious\n' >"$TGT/file"; chmod 0644 "$TGT/file"
}
# refused (pam_harness.sh) checks that nothing changed anywhere under $T_BASE, so the
# symlinks' targets too.

# --- Maildir is a symlink to a root-owned directory ---
fresh_target; mkhome alice
ln -s "$TGT" "$A/Maildir"; chown -h alice:alice "$A/Maildir"
refused "Maildir -> root-owned dir" full alice
check "Maildir -> dir: the target holds only its file" test "$(ls -A "$TGT")" = file

# --- Maildir is a symlink to a complete maildir of alice's own ---
fresh_target; mkhome alice
mkdir -p "$A/real/cur" "$A/real/new" "$A/real/tmp"; chown -R alice:alice "$A/real"
ln -s real "$A/Maildir"; chown -h alice:alice "$A/Maildir"
refused "Maildir -> alice's own maildir" full alice

# --- Maildir is a dangling symlink (the module would create the target) ---
fresh_target; mkhome alice
ln -s "$TGT/new-maildir" "$A/Maildir"; chown -h alice:alice "$A/Maildir"
refused "Maildir -> a missing path" full alice
check "dangling Maildir: its target was not created" test ! -e "$TGT/new-maildir"

# --- cur inside an existing maildir is a symlink ---
fresh_target; mkhome alice
mkdir -p "$A/Maildir/new" "$A/Maildir/tmp"; chown -R alice:alice "$A/Maildir"; chmod -R 0700 "$A/Maildir"
ln -s "$TGT" "$A/Maildir/cur"; chown -h alice:alice "$A/Maildir/cur"
refused "Maildir/cur -> elsewhere" full alice

# --- tmp is missing and cur is a symlink: the repair must not start through it ---
fresh_target; mkhome alice
mkdir -p "$A/Maildir/new"; chown -R alice:alice "$A/Maildir"; chmod -R 0700 "$A/Maildir"
ln -s "$TGT" "$A/Maildir/cur"; chown -h alice:alice "$A/Maildir/cur"
before=$(snap "$TGT")
pam_login full alice -a account
expect "cur -> elsewhere with tmp missing: PAM_PERM_DENIED" "$PAM_PERM_DENIED"
same "cur -> elsewhere with tmp missing: target unchanged" "$before" "$(snap "$TGT")"

# --- a configured folder is a symlink (repair would write through it) ---
fresh_target; mkhome alice
pam_login full alice -a account        # a complete maildir with .Sent
rm -rf "$A/Maildir/.Sent"; ln -s "$TGT" "$A/Maildir/.Sent"; chown -h alice:alice "$A/Maildir/.Sent"
before=$(snap "$TGT")
pam_login full alice -a both
check "folder .Sent -> elsewhere: target unchanged" test "$before" = "$(snap "$TGT")"
check "folder .Sent -> elsewhere: no maildirfolder written through it" test ! -e "$TGT/maildirfolder" -a ! -e "$TGT/cur"

# --- a folder's cur is a symlink ---
fresh_target; mkhome alice
pam_login full alice -a account
rmdir "$A/Maildir/.Sent/cur"; ln -s "$TGT" "$A/Maildir/.Sent/cur"; chown -h alice:alice "$A/Maildir/.Sent/cur"
rmdir "$A/Maildir/.Sent/tmp"
before=$(snap "$TGT")
pam_login full alice -a account
check "folder cur -> elsewhere: target unchanged" test "$before" = "$(snap "$TGT")"

# --- files in an existing maildir are symlinks: never written through ---
fresh_target; mkhome alice
mkdir -p "$A/Maildir/cur" "$A/Maildir/new" "$A/Maildir/tmp"; chown -R alice:alice "$A/Maildir"
for f in maildirsize courierimapsubscribed subscriptions; do
	ln -s "$TGT/file" "$A/Maildir/$f"; chown -h alice:alice "$A/Maildir/$f"
done
pam_login full alice -a both
check "symlinked maildirsize/subscription files: the target file is unchanged" \
	test "$(cat "$TGT/file")" = precious -a "$(stat -c '%U %a' "$TGT/file")" = "root 644"

# --- the home is a symlink ---
fresh_target; rm -rf "$A"
mkdir -p "$T_BASE/realhome"; chown alice:alice "$T_BASE/realhome"
ln -s "$T_BASE/realhome" "$A"
refused "home -> elsewhere" full alice
check "home -> elsewhere: nothing inside the real directory" test -z "$(ls -A "$T_BASE/realhome")"
rm -f "$A"

# --- a directory above the home is a symlink ---
mkhome alice
mkdir -p "$T_BASE/vmail"; chown vmail:vmail "$T_BASE/vmail"
ln -s "$T_BASE/vmail" "$T_BASE/vlink"
pam_service vlink "owner=vmail maildir=$T_BASE/vlink/%d/%n"
refused "a symlink above the maildir (vlink -> vmail)" vlink bob@example.org
check "symlink above: nothing inside its target" test -z "$(ls -A "$T_BASE/vmail")"

# --- the domain directory is a symlink planted by the owner ---
fresh_target
ln -s "$TGT" "$T_BASE/vmail/example.org"; chown -h vmail:vmail "$T_BASE/vmail/example.org"
refused "domain directory -> elsewhere" virt bob@example.org
rm -f "$T_BASE/vmail/example.org"

# --- a component owned by another user ---
mkhome alice
mkdir "$A/Maildir"; chown mallory:mallory "$A/Maildir"; chmod 0755 "$A/Maildir"
refused "Maildir owned by mallory" full alice
mkhome alice
chown mallory:mallory "$A"
refused "home owned by mallory" full alice
mkhome alice
mkdir -p "$T_BASE/mdir"; chown mallory:mallory "$T_BASE/mdir"; chmod 0777 "$T_BASE/mdir"
pam_service mdir "owner=vmail maildir=$T_BASE/mdir/%d/%n"
refused "a directory on the way owned by mallory" mdir bob@example.org
mkdir -p "$T_BASE/vmail/example.com"; chown mallory:mallory "$T_BASE/vmail/example.com"
refused "the domain directory owned by mallory" virt bob@example.com
mkhome alice
mkdir -p "$A/Maildir/cur" "$A/Maildir/new"; chown -R alice:alice "$A/Maildir"
mkdir "$A/Maildir/tmp"; chown mallory:mallory "$A/Maildir/tmp"
refused "Maildir/tmp owned by mallory" full alice

# --- a non-directory where a directory is expected ---
mkhome alice
printf 'not a dir\n' >"$A/Maildir"; chown alice:alice "$A/Maildir"
refused "Maildir is a regular file" full alice
check "Maildir file: content unchanged" test "$(cat "$A/Maildir")" = "not a dir"
mkhome alice
mkdir -p "$A/Maildir/new" "$A/Maildir/tmp"; printf 'x\n' >"$A/Maildir/cur"; chown -R alice:alice "$A/Maildir"
refused "Maildir/cur is a regular file" full alice
mkhome alice
mkfifo "$A/Maildir"; chown alice:alice "$A/Maildir"
refused "Maildir is a FIFO" full alice
rm -rf "$A"; printf 'file\n' >"$A"
refused "the home is a regular file" full alice
rm -f "$A"

# --- hard-linked file planted as maildirfolder is never written through ---
mkhome alice
pam_login full alice -a account
printf 'precious\n' >"$T_BASE/rootfile"; chmod 0644 "$T_BASE/rootfile"
rm -rf "$A/Maildir/.Sent/maildirfolder"
ln "$T_BASE/rootfile" "$A/Maildir/.Sent/maildirfolder" 2>/dev/null
pam_login full alice -a account
check "hard link planted as maildirfolder: the linked file is unchanged" \
	test "$(cat "$T_BASE/rootfile")" = precious -a "$(stat -c '%U %a' "$T_BASE/rootfile")" = "root 644"
