# SPDX-License-Identifier: GPL-2.0-or-later
# The filesystem fails under the module: no inodes left, no blocks left, read
# only.  On a private tmpfs (the mount lives in tests/run's mount namespace
# and is removed on exit).  A failure must be PAM_SYSTEM_ERR in account and
# PAM_SESSION_ERR in session, logged at LOG_ERR with the path and the errno
# text, and leave nothing behind: no half-built maildir or home and no
# temporary directory.  Once there is room again the next login succeeds.
# The log contract is checked with priorities (tests/logcapture.c): facility
# authpriv, LOG_NOTICE on creation, LOG_DEBUG only with debug.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root
if [ -z "${T_IN_NS:-}" ]; then
	skip "$T_NAME" "needs the private mount namespace of tests/run (mounts a tmpfs)"
	exit 0
fi

# Every syslog message of pamrun, with facility and priority.
CAP=$T_WORK/logcapture.so
if [ ! -f "$CAP" ] || [ "$T_TOP/tests/logcapture.c" -nt "$CAP" ]; then
	cc -std=c11 -Wall -Wextra -Werror -shared -fPIC -o "$CAP" "$T_TOP/tests/logcapture.c" -ldl || {
		fail "$T_NAME: build logcapture.so" "cc failed"; exit 0; }
fi
export LD_PRELOAD="$CAP $T_NSSLIB" T_LOGCAPTURE=$T_BASE/prio.log
: >"$T_LOGCAPTURE"
pmark() { wc -l <"$T_LOGCAPTURE"; }
# plog MARK: the module's lines since MARK, as "facility.priority message".
plog() { tail -n +"$(( $1 + 1 ))" "$T_LOGCAPTURE" | grep -F pam_mkmaildir; }
# plogged NAME MARK PRIORITY TEXT...: a module line at authpriv.PRIORITY holds every TEXT.
plogged() {
	local name=$1 m=$2 pri=$3 lines t
	shift 3
	lines=$(plog "$m" | grep "^authpriv\.$pri ")
	for t in "$@"; do lines=$(printf '%s\n' "$lines" | grep -F -- "$t"); done
	if [ -n "$lines" ]; then pass "$name"; else
		fail "$name" "no authpriv.$pri line with: $*; module lines: $(plog "$m" | tail -n 4 | tr '\n' '|')"
	fi
}
# only_authpriv NAME MARK: every module line since MARK has facility authpriv.
only_authpriv() {
	local other
	other=$(plog "$2" | grep -v '^authpriv\.' | head -n 2 | tr '\n' '|')
	if [ -z "$other" ]; then pass "$1"; else fail "$1" "other facility: $other"; fi
}

FS=$T_BASE/fs
mkdir -p "$FS"
mount -t tmpfs -o size=1m,nr_inodes=1000,mode=0755 mkmaildir-test "$FS" || {
	fail "$T_NAME: mount a tmpfs" "mount failed"; exit 0; }
at_exit "umount -l '$FS'"

uid_a=$(id -u alice)
fresh() { # a new home for alice on the tmpfs
	rm -rf "$FS/alice"
	mkdir -m 0700 "$FS/alice"
	chown alice:alice "$FS/alice"
}
# empty_home NAME: nothing below alice's home: no maildir, no temporary (a
# failed build removes what it made).
empty_home() {
	local left
	left=$(find "$FS/alice" -mindepth 1 -printf '%P ' 2>&1)
	if [ -z "$left" ]; then pass "$1"; else fail "$1" "left behind: $left"; fi
}
M=$FS/alice/Maildir
FOLDERS="folders=Drafts,Sent,Trash,Junk"

# --- control: creation and its log line, with priorities ---
fresh
pam_service ok "maildir=$FS/%u/Maildir $FOLDERS"
m=$(pmark)
pam_login ok alice -a account -H
expect "control: account succeeds on the tmpfs" "$PAM_SUCCESS"
check "control: a complete maildir with folders" is_maildir "$M/.Junk"
plogged "creation: LOG_NOTICE 'created maildir PATH for USER (uid N)', facility authpriv" \
	"$m" notice "created maildir $M for alice (uid $uid_a)"
only_authpriv "creation: every module line has facility authpriv" "$m"
check "creation: no LOG_DEBUG line without debug" test -z "$(plog "$m" | grep '^authpriv\.debug ')"

m=$(pmark)
pam_login ok alice -a both -H
expect "control: second login succeeds" "$PAM_SUCCESS"
check "second login: no line at LOG_NOTICE or above without debug" \
	test -z "$(plog "$m" | grep -E '^[a-z]+\.(emerg|alert|crit|err|warning|notice) ')"
pam_service dbg "maildir=$FS/%u/Maildir $FOLDERS debug"
m=$(pmark)
pam_login dbg alice -a account -H
expect "debug: second login succeeds" "$PAM_SUCCESS"
plogged "debug: the module logs at LOG_DEBUG" "$m" debug "pam_mkmaildir"
only_authpriv "debug: every module line has facility authpriv" "$m"

# --- no inodes left: the tree cannot be finished ---
# The maildir and four folders need 24 inodes; 8 in all, 2 used.
fresh
mount -o remount,nr_inodes=8 "$FS" || fail "$T_NAME: shrink the inode limit" "remount failed"
for hook in account session; do
	want=$PAM_SYSTEM_ERR wname=PAM_SYSTEM_ERR
	[ $hook = session ] && want=$PAM_SESSION_ERR wname=PAM_SESSION_ERR
	m=$(pmark)
	pam_login ok alice -a $hook -H
	expect "no inodes, $hook: $wname" "$want"
	plogged "no inodes, $hook: LOG_ERR with the path and strerror(ENOSPC)" \
		"$m" err "$FS/alice" "No space left on device"
	empty_home "no inodes, $hook: no partial maildir, no temporary directory"
done
mount -o remount,nr_inodes=1000 "$FS"
pam_login ok alice -a account -H
expect "inodes back: the next login succeeds" "$PAM_SUCCESS"
check "inodes back: a complete maildir" is_maildir "$M/.Drafts"
check "inodes back: every folder complete" is_maildir "$M/.Junk"

# --- no blocks left: maildirsize cannot be written ---
# Directories and empty files cost no blocks on tmpfs; the quota line does.
fresh
pam_service quota "maildir=$FS/%u/Maildir quota=1000000S,1000C"
dd if=/dev/zero of="$FS/filler" bs=4k 2>/dev/null
check "setup: the tmpfs is full" test "$(df --output=avail "$FS" | tail -n 1 | tr -d ' ')" = 0
for hook in account session; do
	want=$PAM_SYSTEM_ERR wname=PAM_SYSTEM_ERR
	[ $hook = session ] && want=$PAM_SESSION_ERR wname=PAM_SESSION_ERR
	m=$(pmark)
	pam_login quota alice -a $hook -H
	expect "no blocks, $hook: $wname" "$want"
	plogged "no blocks, $hook: LOG_ERR with the path and strerror(ENOSPC)" \
		"$m" err "$FS/alice" "No space left on device"
	empty_home "no blocks, $hook: no maildir with an empty maildirsize, no temporary"
done
rm -f "$FS/filler"
pam_login quota alice -a session -H
expect "blocks back: the next login succeeds" "$PAM_SUCCESS"
check "blocks back: maildirsize holds the quota" test "$(head -n 1 "$M/maildirsize" 2>&1)" = "1000000S,1000C"

# --- a new home that cannot be finished (createhome, skel) ---
mkdir -p "$T_BASE/skel/.config"
printf 'x\n' >"$T_BASE/skel/.profile"; printf 'y\n' >"$T_BASE/skel/.config/z"
# createhome makes the account's home: give alice one on the tmpfs.
sed -i "s|^alice:\([^:]*\):\([^:]*\):\([^:]*\):\([^:]*\):[^:]*:|alice:\1:\2:\3:\4:$FS/alice:|" "$NSS_WRAPPER_PASSWD"
pam_service home "createhome skel=$T_BASE/skel $FOLDERS"
rm -rf "$FS/alice"
mount -o remount,nr_inodes=10 "$FS"
m=$(pmark)
pam_login home alice -a account -H
expect "no inodes for a new home: PAM_SYSTEM_ERR" "$PAM_SYSTEM_ERR"
plogged "no inodes for a new home: LOG_ERR with strerror(ENOSPC)" "$m" err "No space left on device"
check "no inodes for a new home: no half-made home" test ! -e "$FS/alice"
check "no inodes for a new home: no temporary directory" test -z "$(leftovers "$FS")"
mount -o remount,nr_inodes=1000 "$FS"
pam_login home alice -a account -H
expect "room for the home: the next login succeeds" "$PAM_SUCCESS"
check "room for the home: skel copied" test "$(cat "$FS/alice/.config/z" 2>&1)" = y
check "room for the home: maildir complete" is_maildir "$FS/alice/Maildir/.Junk"

# --- a read-only filesystem is a system failure, not a refusal ---
rm -rf "$FS/alice"; mkdir -m 0700 "$FS/alice"; chown alice:alice "$FS/alice"
mount -o remount,ro "$FS" || fail "$T_NAME: remount read-only" "remount failed"
for hook in account session; do
	want=$PAM_SYSTEM_ERR wname=PAM_SYSTEM_ERR
	[ $hook = session ] && want=$PAM_SESSION_ERR wname=PAM_SESSION_ERR
	m=$(pmark)
	pam_login ok alice -a $hook -H
	expect "read-only, $hook: $wname" "$want"
	plogged "read-only, $hook: LOG_ERR with strerror(EROFS)" "$m" err "$FS/alice" "Read-only file system"
done
mount -o remount,rw "$FS"
empty_home "read-only: nothing created"
