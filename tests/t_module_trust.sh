# SPDX-License-Identifier: GPL-2.0-or-later
# config=FILE is read by root inside the mail daemon and can name a creator
# to run as root: a file someone other than root could write is refused
# (PAM_SERVICE_ERR, logged, nothing created, its creator never run).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

A=$(home_of alice)
mkdir -m 0755 "$T_BASE/bin" "$T_BASE/etc"
cat >"$T_BASE/bin/creator" <<EOF
#!/bin/sh
: >"$T_BASE/creator-ran"
mkdir -m 0700 "\$2" "\$2/cur" "\$2/new" "\$2/tmp" && chown -R "\$UID:\$GID" "\$2"
EOF
chmod 0755 "$T_BASE/bin/creator"
C=$T_BASE/etc/mk.conf
printf '# what a local user would like root to run\ncreator=%s\ncreator_root\nfolders=Sent\n' \
	"$T_BASE/bin/creator" >"$C"
pam_service conf "config=$C"

# untrusted LABEL: the config as it is now is refused by both hooks.
untrusted() {
	local before m
	mkhome alice 0700
	rm -f "$T_BASE/creator-ran"
	before=$(snap "$A")
	m=$(log_mark)
	pam_login conf alice -a account -H
	expect "$1: account returns PAM_SERVICE_ERR" "$PAM_SERVICE_ERR"
	pam_login conf alice -a session -H
	expect "$1: session returns PAM_SERVICE_ERR" "$PAM_SERVICE_ERR"
	check "$1: its creator never ran" test ! -e "$T_BASE/creator-ran"
	same "$1: nothing created" "$before" "$(snap "$A")"
	logged "$1: logged with the file's path" "$m" "pam_mkmaildir.*$C"
}

chown alice:alice "$C"; chmod 0644 "$C"
untrusted "config owned by a user"
chown root:root "$C"; chmod 0666 "$C"
untrusted "config writable by everyone"
chmod 0664 "$C"; chown root:alice "$C"
untrusted "config writable by a group"

# Control: the same file, root's and writable by root only, is used.
chown root:root "$C"; chmod 0644 "$C"
mkhome alice 0700
rm -f "$T_BASE/creator-ran"
pam_login conf alice -a account -H
expect "config owned by root, 0644: succeeds" "$PAM_SUCCESS"
check "config owned by root, 0644: its creator ran" test -e "$T_BASE/creator-ran"
check "config owned by root, 0644: the maildir exists" is_maildir "$A/Maildir"
