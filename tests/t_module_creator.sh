# SPDX-License-Identifier: GPL-2.0-or-later
# creator=: the administrator's program runs as the owner (or root with
# creator_root) with a clean environment, its output goes to syslog, and a
# failure, an incomplete result, a timeout or an unsafe program refuses the
# login.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

BIN=$T_BASE/bin OUT=$T_BASE/out
mkdir -p "$BIN" "$OUT"
chmod 0755 "$BIN"; chmod 1777 "$OUT"
TAG=mkmd$$x$RANDOM

# mkcreator NAME: a root-owned 0755 program $BIN/NAME whose body is read from stdin.
# (bash: unlike dash it keeps no non-close-on-exec copies of redirected fds,
# so the fd listing below shows only what the module passed on.)
mkcreator() {
	{ printf '#!/bin/bash\nOUT=%s/%s\n' "$OUT" "$1"; cat; } >"$BIN/$1"
	chown root:root "$BIN/$1"; chmod 0755 "$BIN/$1"
}
# The recording part every well-behaved creator starts with.
RECORD='
: >"$OUT.rec"
ls -l /proc/self/fd >"$OUT.fds" 2>&1
echo "uid=$(id -u)" >>"$OUT.rec"
echo "gid=$(id -g)" >>"$OUT.rec"
echo "groups=$(id -G)" >>"$OUT.rec"
echo "argc=$#" >>"$OUT.rec"
echo "arg1=$1" >>"$OUT.rec"
echo "arg2=$2" >>"$OUT.rec"
echo "stdin=$(readlink /proc/$$/fd/0)" >>"$OUT.rec"
echo "cwd=$PWD" >>"$OUT.rec"
echo "umask=$(umask)" >>"$OUT.rec"
grep -E "^Sig(Blk|Ign):" /proc/self/status | tr -d " \t" | sed "s/:/=/" >>"$OUT.rec"
env >"$OUT.env"
'
mkcreator good <<EOF
$RECORD
echo "$TAG stdout line for \$1"
echo "$TAG stderr line for \$1" >&2
mkdir -m 700 "\$2" "\$2/cur" "\$2/new" "\$2/tmp"
# as root (creator_root) hand the result to the owner, as a real creator would
[ "\$(id -u)" != 0 ] || chown -R "\$UID:\$GID" "\$2"
EOF

# clear NAME: forget what creator NAME recorded before.
clear() { rm -f "$OUT/$1".*; }
rec() { grep -m1 "^$2=" "$OUT/$1.rec" 2>/dev/null | cut -d= -f2-; }
envv() { grep -m1 "^$2=" "$OUT/$1.env" 2>/dev/null | cut -d= -f2-; }

# --- success, as the owner, through the account hook ---
A=$(home_of alice)
mkhome alice
pam_service good "creator=$BIN/good"
m=$(log_mark)
clear good
export MKMD_HOST_SECRET=leaked
# -C: the host has a SIGCHLD handler, ignores SIGPIPE, blocks SIGHUP and SIGUSR1
pam_login good alice -a account -r 203.0.113.5 -C handler
unset MKMD_HOST_SECRET
expect "creator success: account succeeds" "$PAM_SUCCESS"
check "creator success: the creator ran" test -s "$OUT/good.rec"
check "creator success: the maildir is there" is_maildir "$A/Maildir"
check "creator runs as the owner (uid 5001)" test "$(rec good uid)" = 5001
check "creator runs with the owner's group (gid 5001)" test "$(rec good gid)" = 5001
check "creator has exactly alice's groups 5001 100 5200 ($(rec good groups))" \
	test "$(rec good groups | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "100 5001 5200 "
check "creator argc is 2" test "$(rec good argc)" = 2
check "creator argv[1] is the user" test "$(rec good arg1)" = alice
check "creator argv[2] is the maildir path" test "$(rec good arg2)" = "$A/Maildir"
check "creator stdin is /dev/null" test "$(rec good stdin)" = /dev/null
check "creator cwd is /" test "$(rec good cwd)" = /
check "creator umask is 0077" test "$(rec good umask)" = 0077
check "creator signal mask is empty (host blocks SIGHUP, SIGUSR1)" test "$(rec good SigBlk)" = 0000000000000000
check "creator ignores no signal (host ignores SIGPIPE)" test "$(rec good SigIgn)" = 0000000000000000
for kv in PAM_USER=alice PAM_SERVICE=good PAM_RHOST=203.0.113.5 AUTHENTICATED=alice UID=5001 GID=5001 \
	HOME="$A" MAILDIR="$A/Maildir"; do
	k=${kv%%=*}
	check "creator env $kv" test "$(envv good "$k")" = "${kv#*=}"
done
check "creator env PAM_TYPE=account" test "$(envv good PAM_TYPE)" = account
check "creator env USER and LOGNAME are the owner's" test "$(envv good USER) $(envv good LOGNAME)" = "alice alice"
# Nothing but the documented variables (bash itself adds PWD, SHLVL and _).
extra=$(cut -d= -f1 "$OUT/good.env" | grep -Evx 'PATH|PAM_USER|AUTHENTICATED|PAM_SERVICE|PAM_RHOST|PAM_TYPE|UID|GID|HOME|MAILDIR|USER|LOGNAME|PWD|SHLVL|_' | tr '\n' ' ')
check "creator env has only the documented variables (extra: $extra)" test -z "$extra"
check "creator env has a PATH" test -n "$(envv good PATH)"
check "creator env is clean: no variable of the host process" test -z "$(envv good MKMD_HOST_SECRET)"
check "creator env is clean: no LD_PRELOAD / NSS_WRAPPER_*" sh -c "! grep -Eq '^(LD_PRELOAD|NSS_WRAPPER_)' '$OUT/good.env'"
# ls's own directory fd is the one on /proc/<its pid>/fd.
leaks=$(grep -- '->' "$OUT/good.fds" | awk '{ print $(NF-2), $NF }' | grep -Ev "^(0|1|2) " | grep -Ev " /proc/[0-9]+/fd\$")
check "creator inherits no file descriptor but 0-2 (${leaks//$'\n'/; })" test -z "$leaks"
logged "creator stdout line reaches syslog" "$m" "$TAG stdout line for alice"
logged "creator stderr line reaches syslog" "$m" "$TAG stderr line for alice"
logged "creator success: creation logged" "$m" "pam_mkmaildir.*created.*$A/Maildir"

# --- an existing maildir: the creator does not run again ---
clear good
pam_login good alice -a both
expect "existing maildir: succeeds" "$PAM_SUCCESS"
check "existing maildir: creator not run" test ! -e "$OUT/good.rec"

# --- a creator with a lot of output (more than a pipe holds) still completes ---
mkcreator chatty <<'EOF'
for ((i = 0; i < 3000; i++)); do printf 'line %d %0200d\n' "$i" 0; done
printf 'no newline at the end, 2 KB: %02048d' 0 >&2
mkdir -m 700 "$2" "$2/cur" "$2/new" "$2/tmp"
EOF
mkhome bob
pam_service chatty "creator=$BIN/chatty"
m=$(log_mark)
pam_login chatty bob -a account
expect "creator with 600 KB of output: succeeds" "$PAM_SUCCESS"
check "creator with 600 KB of output: maildir made" is_maildir "$(home_of bob)/Maildir"
logged "creator with 600 KB of output: its first line logged" "$m" "pam_mkmaildir.*line 0 0000"
logged "creator with 600 KB of output: its 64th line logged" "$m" "pam_mkmaildir.*line 63 0000"
not_logged "creator with 600 KB of output: no 65th line (first 64 only)" "$m" "pam_mkmaildir.*line 64 0000"
if [ -n "$T_SYSLOG" ]; then
	frags=$(log_since "$m" | grep 'pam_mkmaildir(chatty' | grep 'creator: ' | grep -v 'further output' |
		grep -Evc 'creator: line [0-9]+ 0{200}$')
	check "creator with 600 KB of output: each line logged whole ($frags fragments)" test "$frags" = 0
fi

# --- what a successful creator leaves running in its session is killed ---
cat >"$BIN/bg" <<EOF
#!/bin/bash
(exec -a $TAG-bg sleep 60) &
mkdir -m 700 "\$2" "\$2/cur" "\$2/new" "\$2/tmp"
EOF
chmod 0755 "$BIN/bg"
at_exit "for p in \$(pgrep -f $TAG-bg); do kill -9 \$p; done"
mkhome bob
pam_service bg "creator=$BIN/bg"
pam_login bg bob -a account
expect "creator leaving a background process: succeeds" "$PAM_SUCCESS"
left=
for _ in $(seq 20); do left=$(pgrep -f "$TAG-bg"); [ -z "$left" ] && break; sleep 0.1; done
check "creator leaving a background process: it was killed (pids: ${left//$'\n'/ })" test -z "$left"

# --- a remote host name with a newline cannot inject a variable ---
mkhome erin
pam_service good "creator=$BIN/good"
clear good
pam_login good erin -a account -r $'198.51.100.9\nINJECTED=1'
expect "PAM_RHOST with a newline: succeeds" "$PAM_SUCCESS"
check "PAM_RHOST with a newline: no injected variable" sh -c "! grep -q '^INJECTED=' '$OUT/good.env'"

# --- session hook, virtual user, owner=vmail ---
V=$T_BASE/vmail
mkdir -p "$V/example.org"; chown -R vmail:vmail "$V"; chmod 0700 "$V"
pam_service vgood "owner=vmail maildir=$V/%d/%n creator=$BIN/good"
clear good
pam_login vgood bob@example.org -a session -r 198.51.100.1
expect "virtual creator, session: succeeds" "$PAM_SUCCESS"
check "virtual creator runs as vmail (uid 5100)" test "$(rec good uid)" = 5100
check "virtual creator argv[1] is the login name" test "$(rec good arg1)" = bob@example.org
check "virtual creator argv[2] is the expanded path" test "$(rec good arg2)" = "$V/example.org/bob"
check "virtual creator env PAM_TYPE=open_session" test "$(envv good PAM_TYPE)" = open_session
check "virtual creator env PAM_USER" test "$(envv good PAM_USER)" = bob@example.org
check "virtual creator env UID" test "$(envv good UID)" = 5100
check "virtual creator: maildir is there, vmail's" test "$(stat -c %U "$V/example.org/bob/cur" 2>&1)" = vmail

# --- creator_root ---
mkhome bob
pam_service rgood "creator=$BIN/good creator_root"
clear good
pam_login rgood bob -a account
expect "creator_root: succeeds" "$PAM_SUCCESS"
check "creator_root: the creator ran as root" test "$(rec good uid)" = 0
check "creator_root: argv[1] is the user" test "$(rec good arg1)" = bob

# --- failures: refused, logged, and the creator's leftovers are not passed off as a maildir ---
creator_fails() { # LABEL SERVICE USER MAILDIR
	local before m
	m=$(log_mark)
	mkhome "$3"
	pam_login "$2" "$3" -a account
	expect "$1: account returns PAM_SYSTEM_ERR" "$PAM_SYSTEM_ERR"
	mkhome "$3"
	pam_login "$2" "$3" -a session
	expect "$1: session returns PAM_SESSION_ERR" "$PAM_SESSION_ERR"
	logged "$1: logged" "$m" "pam_mkmaildir.*($4|creator|$BIN)"
}
mkcreator fail1 <<'EOF'
echo "ran" >>"$OUT.ran"
exit 1
EOF
mkhome erin; E=$(home_of erin)
pam_service fail1 "creator=$BIN/fail1"
creator_fails "creator exit 1" fail1 erin "$E/Maildir"
check "creator exit 1: it did run (twice)" test "$(wc -l <"$OUT/fail1.ran" 2>/dev/null)" = 2
check "creator exit 1: nothing created" test -z "$(ls -A "$E")"

mkcreator half <<'EOF'
mkdir -m 700 "$2" "$2/cur" "$2/new"
exit 0
EOF
mkhome erin
pam_service half "creator=$BIN/half"
creator_fails "creator exit 0 with an incomplete maildir (no tmp)" half erin "$E/Maildir"

mkcreator liar <<'EOF'
mkdir -m 700 "$2" "$2/cur" "$2/new" "$2/tmp"
exit 3
EOF
mkhome erin
pam_service liar "creator=$BIN/liar"
creator_fails "creator exit 3 after a complete maildir" liar erin "$E/Maildir"

mkcreator killed <<'EOF'
kill -9 $$
EOF
mkhome erin
pam_service killed "creator=$BIN/killed"
creator_fails "creator killed by a signal" killed erin "$E/Maildir"

# --- timeout: the whole process group is killed ---
cat >"$BIN/slow" <<EOF
#!/bin/bash
(exec -a $TAG-sleeper sleep 60) &
exec -a $TAG-sleeper sleep 61
EOF
chmod 0755 "$BIN/slow"
at_exit "for p in \$(pgrep -f $TAG-sleeper); do kill -9 \$p; done"
mkhome erin
pam_service slow "creator=$BIN/slow timeout=1"
before=$(snap "$T_HOMES")
m=$(log_mark)
pam_login slow erin -a account
expect "creator timeout: account returns PAM_SYSTEM_ERR" "$PAM_SYSTEM_ERR"
left=
for _ in $(seq 20); do left=$(pgrep -f "$TAG-sleeper"); [ -z "$left" ] && break; sleep 0.1; done
check "creator timeout: nothing left running (pids: ${left//$'\n'/ })" test -z "$left"
logged "creator timeout: logged" "$m" "pam_mkmaildir.*(time|creator|$BIN)"
pam_login slow erin -a session
expect "creator timeout: session returns PAM_SESSION_ERR" "$PAM_SESSION_ERR"
for _ in $(seq 20); do left=$(pgrep -f "$TAG-sleeper"); [ -z "$left" ] && break; sleep 0.1; done
check "creator timeout (session): nothing left running" test -z "$left"
same "creator timeout: nothing created" "$before" "$(snap "$T_HOMES")"

# --- a creator anyone but root could change is refused and never run ---
unsafe() { # LABEL
	local m before
	mkhome erin
	before=$(snap "$T_HOMES")
	clear unsafe
	m=$(log_mark)
	pam_login unsafe erin -a account
	if [ "$rc" = "$PAM_PERM_DENIED" ] || [ "$rc" = "$PAM_SERVICE_ERR" ]; then pass "$1: account refused ($rc)"
	else fail "$1: account refused" "expected PAM_PERM_DENIED or PAM_SERVICE_ERR, got $rc: $out"; fi
	pam_login unsafe erin -a session
	expect_fail "$1: session refused"
	check "$1: the creator never ran" test ! -e "$OUT/unsafe.rec"
	same "$1: nothing created" "$before" "$(snap "$T_HOMES")"
	logged "$1: logged" "$m" "pam_mkmaildir.*(unsafe|$BIN)"
}
mkcreator unsafe <<EOF
$RECORD
mkdir -m 700 "\$2" "\$2/cur" "\$2/new" "\$2/tmp"
EOF
pam_service unsafe "creator=$BIN/unsafe"
chmod 0777 "$BIN/unsafe"
unsafe "creator mode 0777"
chmod 0775 "$BIN/unsafe"; chgrp users "$BIN/unsafe"
unsafe "creator group-writable (0775 root:users)"
chmod 0755 "$BIN/unsafe"; chown alice:root "$BIN/unsafe"
unsafe "creator owned by alice"
chown root:root "$BIN/unsafe"
mkdir -p "$T_BASE/openbin"; chmod 0777 "$T_BASE/openbin"
cp -p "$BIN/unsafe" "$T_BASE/openbin/unsafe"
pam_service unsafe "creator=$T_BASE/openbin/unsafe"
sed -i "s|^OUT=.*|OUT=$OUT/unsafe|" "$T_BASE/openbin/unsafe"
unsafe "creator in a world-writable directory"

mkdir -p "$T_BASE/realbin"; chmod 0755 "$T_BASE/realbin"
cp -p "$BIN/unsafe" "$T_BASE/realbin/unsafe"
ln -s realbin "$T_BASE/linkbin"
pam_service unsafe "creator=$T_BASE/linkbin/unsafe"
unsafe "creator reached through a symlinked directory"
ln -s "$BIN/unsafe" "$BIN/unsafe-link"
pam_service unsafe "creator=$BIN/unsafe-link"
unsafe "creator that is a symlink"

# control: the same program, safe, does run (so the tests above can fail)
pam_service unsafe "creator=$BIN/unsafe"
mkhome erin
clear unsafe
pam_login unsafe erin -a account
expect "control: the safe creator succeeds" "$PAM_SUCCESS"
check "control: the safe creator ran" test -e "$OUT/unsafe.rec"

# --- a creator that does not exist ---
mkhome erin
pam_service missing "creator=$BIN/does-not-exist"
before=$(snap "$T_HOMES")
m=$(log_mark)
pam_login missing erin -a account
expect_fail "missing creator: refused"
same "missing creator: nothing created" "$before" "$(snap "$T_HOMES")"
logged "missing creator: logged" "$m" "pam_mkmaildir.*does-not-exist"
