# SPDX-License-Identifier: GPL-2.0-or-later
# Findings of outside audits, some found by reading the code: each check
# below failed on the code the audits read and passes now.
#   4  a host with fds 0-2 closed: the creator still gets /dev/null and the pipe
#   5  skel= is held to the trust rules of config= and creator=
#   6  authmkhome's fd-3 read ends without SIGALRM (ignored by the caller)
#   7  a timed-out creator leaves no process behind, setsid() or not
#   8  C1 controls refused in names and homes, escaped in every line written
#   R  open_trusted never opens a FIFO or device; become_fs verifies the
#      fs ids; names starting with '-' refused; a home of / or /nonexistent
#      refused; a non-root host fails with one line; the example creator
#      refuses root
# The old code can be pointed at with T_MODULE, T_AUTHMKHOME, T_MKMAILDIR
# and T_CREATOR_SCRIPT (see tests/lib.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root
chmod 0755 "$T_WORK"  # authmkhome, as the user, walks from / to its home

AMH=${T_AUTHMKHOME:-$T_TOP/authmkhome}
MK=${T_MKMAILDIR:-$T_TOP/mkmaildir}
EXAMPLE=${T_CREATOR_SCRIPT:-$T_TOP/conf/authmkhome-creator}
BIN=$T_BASE/bin OUT=$T_BASE/out
mkdir -p "$BIN" "$OUT"
chmod 0755 "$BIN"; chmod 1777 "$OUT"
# What runs as a user here (authmkhome, a non-root host loading the module)
# must be readable by that user wherever the checkout lies (/root is 0700):
# the files under test, copied byte for byte into the test's own 0755 directory.
UT=$T_BASE/under-test
mkdir -m 0755 "$UT"
for f in "$AMH" "$T_MODULE" "$T_PAMRUN"; do
	install -m 0755 "$f" "$UT/" && cmp -s "$f" "$UT/$(basename "$f")" ||
		{ fail "$T_NAME: copy $f under test" "install failed"; exit 0; }
done
AMH=$UT/$(basename "$AMH") UT_MODULE=$UT/$(basename "$T_MODULE") UT_PAMRUN=$UT/$(basename "$T_PAMRUN")
TAG=mkmdaudit$$x$RANDOM
at_exit "pkill -KILL -f '$TAG' 2>/dev/null"
C1=$'\xc2\x9b'   # U+009B, the 8-bit CSI
A=$(home_of alice)

# Accounts of this script (nss_wrapper): a C1 name, a C1 home, a '-' name,
# a home of "/".
cat >>"$T_BASE/nss/passwd" <<EOF
u${C1}2J:x:5020:5020:C1 name:$T_HOMES/c1name:/bin/sh
c1home:x:5021:5021:C1 home:$T_HOMES/c1${C1}home:/bin/sh
-dash:x:5022:5022:Dash:$T_HOMES/dash:/bin/sh
roothome:x:5023:5023:Home is root:/:/bin/sh
EOF

mk() { # NAME: a root-owned 0755 bash creator, body on stdin
	{ printf '#!/bin/bash\n# %s\nOUT=%s/%s\n' "$TAG" "$OUT" "$1"; cat; } >"$BIN/$1"
	chmod 0755 "$BIN/$1"
}
gone() { # LABEL: no process of this script's creators is left
	local left=
	for _ in $(seq 30); do left=$(pgrep -f "$TAG-" | tr '\n' ' '); [ -z "$left" ] && break; sleep 0.1; done
	check "$1: nothing of the creator left running (${left:-none})" test -z "$left"
	[ -z "$left" ] || pkill -KILL -f "$TAG-"
}
# raw_in_log LABEL MARK: no raw C1 byte reached syslog after MARK.
no_raw_c1() {
	if [ -z "$T_SYSLOG" ]; then skip "$1" "no syslog daemon"; return; fi
	sleep 0.3
	if log_since "$2" | grep -q "$C1"; then fail "$1" "raw C1 in: $(log_since "$2" | grep "$C1" | head -n 1 | od -c | head -n 2 | tr '\n' ' ')"
	else pass "$1"; fi
}

# --- 6 (started first: it takes the 60 s bound) ---------------------------------
# Not authenticated, SIGALRM ignored by the caller, a pipe on fd 3 that nobody
# writes or closes: authmkhome must give up and fail the login through
# AUTHUSER (the login program), not wait forever.
printf '#!/bin/sh\necho "rerun $*" >%s/fd3.failed\n' "$OUT" >"$BIN/login"; chmod 0755 "$BIN/login"
printf '#!/bin/sh\necho next >%s/fd3.next\n' "$OUT" >"$BIN/next"; chmod 0755 "$BIN/next"
(
	env -i PATH=/usr/bin:/bin AUTHUSER="$BIN/login" AUTHARGC=1 AUTHARGV0=login \
		timeout -s KILL 100 bash -c "trap '' ALRM; exec \"\$0\" \"\$@\"" "$AMH" "$BIN/next" \
		3< <(exec -a "${TAG}fd3writer" sleep 300) </dev/null >/dev/null 2>&1
	echo $? >"$OUT/fd3.rc"
) &
FD3_JOB=$!
m_fd3=$(log_mark)

# --- 4: a host that closed fds 0, 1 and 2 ---------------------------------------
# pamrun -F closes 0-2 after its start-up, as a daemon does; the module's
# pipes then land there (with creator_root, the write end on fd 2).
mk fds <<'EOF'
r0=$(readlink /proc/$$/fd/0) r1=$(readlink /proc/$$/fd/1) r2=$(readlink /proc/$$/fd/2)
printf 'fd0=%s\nfd1=%s\nfd2=%s\n' "$r0" "$r1" "$r2" >"$OUT.rec"
exec 7>"$OUT.state"      # a file it opens: never its stderr
echo "FDS-DIAG for $1" >&2
echo "FDS-OUT for $1"
echo state >&7
mkdir -m 700 "$2" "$2/cur" "$2/new" "$2/tmp"
[ "$(id -u)" != 0 ] || chown -R "$UID:$GID" "$2"
EOF
sed -i "s/FDS-/$TAG-fds-/g" "$BIN/fds"
rec() { grep -m1 "^$2=" "$OUT/$1.rec" 2>/dev/null | cut -d= -f2-; }
for how in "creator_root" ""; do
	pam_service fds "creator=$BIN/fds $how"
	mkhome alice 0700
	rm -f "$OUT"/fds.*
	m=$(log_mark)
	pam_login fds alice -a account -F
	l="host with fds 0-2 closed${how:+, $how}"
	expect "$l: the login succeeds" "$PAM_SUCCESS"
	check "$l: creator stdin is /dev/null ($(rec fds fd0))" test "$(rec fds fd0)" = /dev/null
	check "$l: creator stdout is a pipe ($(rec fds fd1))" test "$(rec fds fd1 | cut -c1-5)" = "pipe:"
	check "$l: creator stderr is the same pipe ($(rec fds fd2))" test "$(rec fds fd2)" = "$(rec fds fd1)"
	check "$l: the state file holds only the state" test "$(cat "$OUT/fds.state" 2>&1)" = state
	logged "$l: creator stderr reaches syslog" "$m" "creator: $TAG-fds-DIAG for alice"
	logged "$l: creator stdout reaches syslog" "$m" "creator: $TAG-fds-OUT for alice"
done

# --- 5: skel= trust ---------------------------------------------------------------
S=$T_BASE/skel
C=$(home_of carol)
newhome() { rm -rf "$C"; }
mkskel() { # DIR: a skel with .profile and .ssh/authorized_keys, root's 0755
	rm -rf "$1"; mkdir -p "$1/.ssh"
	printf 'p\n' >"$1/.profile"; printf 'ssh-ed25519 AAAA mallory\n' >"$1/.ssh/authorized_keys"
	chmod 0755 "$1" "$1/.ssh"; chmod 0644 "$1/.profile" "$1/.ssh/authorized_keys"
}
skel_refused() { # LABEL SKEL
	newhome
	pam_service skel "createhome skel=$2"
	m=$(log_mark)
	pam_login skel carol -a account
	expect "skel $1: refused as a configuration error" "$PAM_SERVICE_ERR"
	check "skel $1: nothing copied" test ! -e "$C/.ssh/authorized_keys" -a ! -e "$C/.profile"
	logged "skel $1: logged" "$m" "pam_mkmaildir.*skel .*refused"
}
mkskel "$S"; chown -R mallory:mallory "$S"
skel_refused "owned by a user" "$S"
mkskel "$S"; chmod 0777 "$S"
skel_refused "writable by others" "$S"
M=$(home_of mallory); mkhome mallory 0755
mkskel "$M/skel"; chown root:root "$M/skel"
skel_refused "root's, inside a user's directory" "$M/skel"
mkskel "$S"; ln -sfn "$S" "$T_BASE/skellink"
skel_refused "reached through a symlink" "$T_BASE/skellink"
mkfifo "$T_BASE/skelfifo"
skel_refused "that is a FIFO" "$T_BASE/skelfifo"
# root's skel with one entry planted by a user (e.g. a directory once chowned):
# the rest is copied, the foreign entry is not.
mkskel "$S"; chown mallory:mallory "$S/.ssh" "$S/.ssh/authorized_keys"
newhome
pam_service skel "createhome skel=$S"
m=$(log_mark)
pam_login skel carol -a account
expect "skel with a user's entry inside: login succeeds" "$PAM_SUCCESS"
check "skel with a user's entry inside: root's .profile copied" test "$(cat "$C/.profile" 2>&1)" = p
check "skel with a user's entry inside: the user's .ssh not copied" test ! -e "$C/.ssh"
logged "skel with a user's entry inside: logged" "$m" "skel entry .ssh \(uid 5666\) is not root's"
# root's skel with a subdirectory anyone can write (a user could have linked
# a root file into it): skipped, the rest copied.
mkskel "$S"; chmod 0777 "$S/.ssh"
newhome
m=$(log_mark)
pam_login skel carol -a account
expect "skel with a world-writable directory: login succeeds" "$PAM_SUCCESS"
check "skel with a world-writable directory: root's .profile copied" test "$(cat "$C/.profile" 2>&1)" = p
check "skel with a world-writable directory: not copied" test ! -e "$C/.ssh"
logged "skel with a world-writable directory: logged" "$m" "skel directory .ssh is writable by others"
# control: a trusted skel is copied
mkskel "$S"; newhome
pam_login skel carol -a account
expect "skel root's: login succeeds" "$PAM_SUCCESS"
check "skel root's: copied" test -f "$C/.ssh/authorized_keys" -a "$(stat -c %U "$C/.ssh/authorized_keys")" = carol

# --- 7: a timed-out creator and its setsid() descendants ---------------------------
mk escape_hang <<EOF
setsid bash -c 'exec -a $TAG-escaped sleep 300' &
exec -a $TAG-main sleep 300
EOF
mkhome alice 0700
pam_service escape "creator=$BIN/escape_hang timeout=2"
m=$(log_mark)
pam_login escape alice -a account
expect_fail "module, creator times out with a setsid() child: login refused"
logged "module, creator times out: logged" "$m" "pam_mkmaildir.*killed after 2 s timeout"
gone "module, creator times out with a setsid() child"
# the same through authmkhome, as the user
I=$T_BASE/ivan; mkdir -m 0700 "$I"; chown 5001:5001 "$I"
printf 'timeout=2\n' >"$T_BASE/amh.conf"; chmod 0644 "$T_BASE/amh.conf"
m=$(log_mark)
(cd "$I" && env -i PATH=/usr/bin:/bin AUTHENTICATED=ivan MAILDIR_CREATOR="$BIN/escape_hang" \
	MKMAILDIR_CONFIG="$T_BASE/amh.conf" setpriv --reuid=5001 --regid=5001 --clear-groups \
	"$AMH" "$BIN/next" Maildir </dev/null >/dev/null 2>&1)
check "authmkhome, creator times out with a setsid() child: login refused ($?)" test ! -e "$OUT/fd3.next"
logged "authmkhome, creator times out: logged" "$m" "authmkhome.*killed after 2 s timeout"
gone "authmkhome, creator times out with a setsid() child"
# Without /proc the supervisor could not find a process that left its
# session: the creator is not started at all.
mk escape_quick <<EOF
setsid bash -c 'exec -a $TAG-noproc sleep 300' &
: >"\$OUT.ran"
EOF
mkhome alice 0700
pam_service noproc "creator=$BIN/escape_quick"
m=$(log_mark)
out=$(cd "$T_BASE" && unshare -m sh -c 'mount -t tmpfs noproc /proc && exec "$@"' sh \
	timeout 60 "$T_PAMRUN" -d "$T_PAMD" -s noproc -u alice -a account 2>&1)
rc=$?
expect_fail "no /proc: the login is refused"
check "no /proc: the creator never ran" test ! -e "$OUT/escape_quick.ran"
logged "no /proc: logged" "$m" "pam_mkmaildir.*not started: /proc/self/task/\*/children cannot be read"
gone "no /proc"

# --- 8: C1 controls ------------------------------------------------------------------
mkdir -p "$T_HOMES/c1name"; chown 5020:5020 "$T_HOMES/c1name"
mkdir -p "$T_HOMES/c1${C1}home"; chown 5021:5021 "$T_HOMES/c1${C1}home"
pam_service plain ""
m=$(log_mark)
pam_login plain "u${C1}2J" -a account
expect "C1 in the user name: refused" "$PAM_PERM_DENIED"
check "C1 in the user name: nothing made" test ! -e "$T_HOMES/c1name/Maildir"
logged "C1 in the user name: logged, escaped" "$m" 'refusing user name "u\\xc2\\x9b2J"'
no_raw_c1 "C1 in the user name: no raw C1 in syslog" "$m"
m=$(log_mark)
pam_login plain c1home -a account
expect "C1 in the home: refused" "$PAM_PERM_DENIED"
check "C1 in the home: nothing made" test ! -e "$T_HOMES/c1${C1}home/Maildir"
no_raw_c1 "C1 in the home: no raw C1 in syslog" "$m"
# a line whose argument is raw: a config path with a C1 byte
pam_service c1conf "config=$T_BASE/conf${C1}x"
m=$(log_mark)
pam_login c1conf alice -a account
expect "C1 in a config path: a configuration error" "$PAM_SERVICE_ERR"
logged "C1 in a config path: logged, escaped" "$m" 'conf\\xc2\\x9bx'
no_raw_c1 "C1 in a config path: no raw C1 in syslog" "$m"
# a creator that prints C1 and invalid UTF-8
mk c1out <<'EOF'
printf 'c1 \302\233[2J bad \377\376 end\n'
mkdir -m 700 "$2" "$2/cur" "$2/new" "$2/tmp"
EOF
mkhome alice 0700
pam_service c1out "creator=$BIN/c1out"
m=$(log_mark)
pam_login c1out alice -a account
logged "creator printing C1: logged, escaped" "$m" 'creator: c1 \\xc2\\x9b\[2J bad \\xff\\xfe end'
no_raw_c1 "creator printing C1: no raw C1 in syslog" "$m"
# mkmaildir: stderr and the -n report
mkdir -p "$T_HOMES/c1name"; chown 5020:5020 "$T_HOMES/c1name"
"$MK" -n "u${C1}2J" >"$T_BASE/mk.out" 2>"$T_BASE/mk.err"
check "mkmaildir -n, C1 name: refused (exit 2)" test "$?" = 2
check "mkmaildir -n, C1 name: no raw C1 in the report or on stderr" \
	sh -c "! grep -q '$C1' '$T_BASE/mk.out' '$T_BASE/mk.err'"
"$MK" -c "$T_BASE/conf${C1}y" alice >"$T_BASE/mk.out" 2>"$T_BASE/mk.err"
check "mkmaildir -c C1 path: no raw C1 on stderr" sh -c "! grep -q '$C1' '$T_BASE/mk.err'"
check "mkmaildir -c C1 path: the path is shown escaped" grep -qF 'conf\xc2\x9by' "$T_BASE/mk.err"
# authmkhome: a C1 AUTHENTICATED
m=$(log_mark)
(cd "$I" && env -i PATH=/usr/bin:/bin "AUTHENTICATED=iv${C1}an" MKMAILDIR_CONFIG="$T_BASE/amh.conf" \
	setpriv --reuid=5001 --regid=5001 --clear-groups "$AMH" "$BIN/next" Maildir </dev/null >/dev/null 2>&1)
check "authmkhome, C1 in AUTHENTICATED: refused" test ! -e "$I/Maildir" -a ! -e "$OUT/fd3.next"
logged "authmkhome, C1 in AUTHENTICATED: logged" "$m" "authmkhome.*AUTHENTICATED contains a C1 control"

# --- R: open_trusted never opens what is not a regular file -----------------------
# A FIFO whose writer waits for a reader: opening it would release the writer.
mkfifo -m 0600 "$T_BASE/cfg.fifo"
( exec 3>"$T_BASE/cfg.fifo"; echo opened >"$OUT/fifo.opened" ) &
FIFO_WRITER=$!
at_exit "kill $FIFO_WRITER"
pam_service fifo "config=$T_BASE/cfg.fifo"
m=$(log_mark)
pam_login fifo alice -a account
expect "config= a FIFO: a configuration error" "$PAM_SERVICE_ERR"
logged "config= a FIFO: logged" "$m" "cfg.fifo is not a regular file: refused"
sleep 1
check "config= a FIFO: never opened (its writer still waits)" test ! -e "$OUT/fifo.opened"
kill "$FIFO_WRITER" 2>/dev/null

# --- R: become_fs verifies that the fs ids took --------------------------------------
# A root host without CAP_SETUID/CAP_SETGID: setfsuid changes nothing.  The
# repair of alice's read-only maildir must not happen with root's rights.
mkhome alice 0700
mkdir -p "$A/Maildir/new" "$A/Maildir/tmp"; chown -R alice:alice "$A/Maildir"; chmod 0500 "$A/Maildir"
pam_service plain ""
m=$(log_mark)
out=$(cd "$T_BASE" && setpriv --inh-caps=-setuid,-setgid --bounding-set=-setuid,-setgid \
	"$T_PAMRUN" -d "$T_PAMD" -s plain -u alice -a account 2>&1); rc=$?
expect_fail "no CAP_SETUID: the repair fails"
check "no CAP_SETUID: nothing made with root's rights" test ! -e "$A/Maildir/cur"
logged "no CAP_SETUID: logged" "$m" "cannot take the filesystem ids of uid $T_ALICE_UID"
chmod 0700 "$A/Maildir"

# --- R: names starting with '-' -------------------------------------------------------
mkhome alice 0700
mkdir -p "$T_HOMES/dash"; chown 5022:5022 "$T_HOMES/dash"
m=$(log_mark)
pam_login plain -dash -a account
expect "module, user -dash: refused" "$PAM_PERM_DENIED"
check "module, user -dash: nothing made" test ! -e "$T_HOMES/dash/Maildir"
logged "module, user -dash: logged" "$m" "refusing user name \"-dash\": it starts with '-'"
"$MK" -- -dash >"$T_BASE/mk.out" 2>&1
check "mkmaildir, user -dash: refused (exit 2)" test "$?" = 2
check "mkmaildir, user -dash: nothing made" test ! -e "$T_HOMES/dash/Maildir"

# --- R: a home of / and /nonexistent --------------------------------------------------
# On the old code this makes /mkmd-audit-TAG: removed again at exit.
at_exit "[ -d /$TAG ] && [ \"\$(stat -c %u /$TAG)\" = 5023 ] && rm -rf /$TAG"
pam_service roothome "maildir=%h/$TAG"
m=$(log_mark)
pam_login roothome roothome -a account
expect "home /: refused" "$PAM_PERM_DENIED"
check "home /: nothing made in /" test ! -e "/$TAG"
logged "home /: logged" "$m" "home directory of roothome .*refused"
if [ ! -e /nonexistent ]; then
	at_exit "[ -d /nonexistent ] && [ \"\$(stat -c %u /nonexistent)\" = 65534 ] && rm -rf /nonexistent"
	pam_service nobody "createhome"
	pam_login nobody nobody -a account
	expect "nobody (home /nonexistent), createhome: refused" "$PAM_PERM_DENIED"
	check "nobody (home /nonexistent): /nonexistent not made" test ! -e /nonexistent
else
	skip "nobody (home /nonexistent)" "/nonexistent exists on this machine"
fi
m=$(log_mark)
(cd / && env -i PATH=/usr/bin:/bin AUTHENTICATED=ivan MKMAILDIR_CONFIG="$T_BASE/amh.conf" \
	setpriv --reuid=5001 --regid=5001 --clear-groups "$AMH" "$BIN/next" Maildir </dev/null >/dev/null 2>&1)
check "authmkhome in /: refused" test ! -e /Maildir -a ! -e "$OUT/fd3.next"
logged "authmkhome in /: logged" "$m" 'authmkhome.*home directory of ivan is "/": refused'

# --- R: a host that does not run as root ----------------------------------------------
mkhome alice 0700
before=$(snap "$T_HOMES")
pam_service_file asuser "account required $UT_MODULE" "session required $UT_MODULE"
chmod 0755 "$T_PAMD"; chmod 0644 "$T_PAMD/asuser"
for hook in account session; do
	m=$(log_mark)
	out=$(cd "$T_BASE" && setpriv --reuid=5100 --regid=5100 --clear-groups \
		"$UT_PAMRUN" -d "$T_PAMD" -s asuser -u alice -a $hook 2>&1); rc=$?
	[ $hook = account ] && want=$PAM_SYSTEM_ERR || want=$PAM_SESSION_ERR
	expect "host as uid 5100, $hook: the documented code" "$want"
	logged "host as uid 5100, $hook: logged" "$m" "pam_mkmaildir.*running as uid 5100 cannot create for uid $T_ALICE_UID"
	sleep 0.3
	n=$(log_since "$m" | grep -c 'pam_mkmaildir')
	check "host as uid 5100, $hook: exactly one line ($n)" test "$n" = 1
done
same "host as uid 5100: nothing made" "$before" "$(snap "$T_HOMES")"

# --- R: the example creator as root ----------------------------------------------------
rm -rf "$T_BASE/ex"
env -i PATH=/usr/bin:/bin sh "$EXAMPLE" alice "$T_BASE/ex/Maildir" >"$T_BASE/ex.out" 2>&1
check "conf/authmkhome-creator as root: refuses ($?)" test ! -e "$T_BASE/ex"
check "conf/authmkhome-creator as root: says why" grep -q "refusing to run as root" "$T_BASE/ex.out"

# --- 6: the result ----------------------------------------------------------------------
wait "$FD3_JOB"
check "fd 3 never closed, SIGALRM ignored: authmkhome ends ($(cat "$OUT/fd3.rc" 2>&1))" \
	test "$(cat "$OUT/fd3.rc" 2>&1)" != 137
check "fd 3 never closed: the login failed through AUTHUSER" grep -q "^rerun" "$OUT/fd3.failed"
check "fd 3 never closed: the next module did not run" test ! -e "$OUT/fd3.next"
logged "fd 3 never closed: logged" "$m_fd3" "authmkhome.*record on fd 3 did not end within 60 s"
pkill -KILL -f "${TAG}fd3writer" 2>/dev/null
exit 0
