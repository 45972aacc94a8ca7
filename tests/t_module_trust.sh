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

# The config is read through the short path (fstatat of each level, top
# down, then one openat2 that follows no symlink) and, without openat2,
# through the walk; both refuse a config under a directory a group may
# write or reached through a symlink, and both read the good one.
t_build noopenat2
NO2=$BIN/noopenat2
TR=$T_BASE/trace
# traced LABEL WANT [WRAPPER...]: one account login under strace; the
# result, and how the config was opened (o2: openat2 of its path, walked:
# openat of its name).
traced() {
	local label=$1 want=$2; shift 2
	mkhome alice 0700
	rm -f "$T_BASE/creator-ran"
	# LeakSanitizer cannot run under ptrace (the sanitized suite): leaks are
	# checked by every other login of this script, not by the traced ones.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -o "$TR" -e trace=openat2,openat "$@" "$T_PAMRUN" -d "$T_PAMD" -s conf \
		-u alice -a account >/dev/null 2>&1
	rc=$?
	o2=$(grep -c "openat2(AT_FDCWD, \"$C\"" "$TR"); walked=$(grep -cE 'openat\([0-9]+, "mk.conf"' "$TR")
	if [ "$want" = ok ]; then
		check "$label: succeeds ($rc)" test "$rc" = 0 -a -e "$T_BASE/creator-ran"
	else
		check "$label: refused ($rc)" test "$rc" != 0 -a ! -e "$T_BASE/creator-ran"
	fi
}
for how in openat2 ENOSYS EPERM; do
	w=(); [ "$how" = openat2 ] || w=("$NO2" "$how")
	traced "$how: good config" ok "${w[@]}"
	if [ "$how" = openat2 ]; then
		check "$how: the config opened by openat2, no walk ($o2, $walked)" test "$o2" = 1 -a "$walked" = 0
	else
		check "$how: the walk read the config ($walked)" test "$walked" = 1
	fi
	chmod 0775 "$T_BASE/etc"
	traced "$how: config in a group-writable directory" refused "${w[@]}"
	chmod 0755 "$T_BASE/etc"
	mv "$T_BASE/etc" "$T_BASE/etc.real"; ln -s etc.real "$T_BASE/etc"
	traced "$how: config through a symlinked directory" refused "${w[@]}"
	rm "$T_BASE/etc"; mv "$T_BASE/etc.real" "$T_BASE/etc"
	mv "$C" "$C.real"; ln -s mk.conf.real "$C"
	traced "$how: config that is a symlink" refused "${w[@]}"
	rm "$C"; mv "$C.real" "$C"
	traced "$how: good config again" ok "${w[@]}"
done
