# SPDX-License-Identifier: GPL-2.0-or-later
# The module runs inside long-lived daemons as root: after any login, created
# or refused, with or without a creator, the host process must be as it was
# (pamrun -H: umask, cwd, signal dispositions and mask, fds, credentials,
# environment, timer, no child or zombie left).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

BIN=$T_BASE/bin OUT=$T_BASE/out
mkdir -p "$BIN" "$OUT"; chmod 0755 "$BIN"; chmod 1777 "$OUT"
cat >"$BIN/good" <<'EOF'
#!/bin/sh
echo "creating $2"
mkdir -m 700 "$2" "$2/cur" "$2/new" "$2/tmp"
EOF
cat >"$BIN/fail" <<'EOF'
#!/bin/sh
echo "failing for $1" >&2
exit 1
EOF
# A creator that does the whole job and then lies: only its exit status tells.
cat >"$BIN/liar" <<'EOF'
#!/bin/sh
mkdir -m 700 "$2" "$2/cur" "$2/new" "$2/tmp"
exit 1
EOF
cat >"$BIN/slow" <<'EOF'
#!/bin/sh
sleep 30
EOF
chmod 0755 "$BIN"/*

# host LABEL SERVICE USER WANT [pamrun args]: runs with -H and checks the code.
host() {
	local label=$1 svc=$2 user=$3 want=$4; shift 4
	pam_login "$svc" "$user" -H "$@"
	if [ "$rc" = 99 ]; then fail "$label: host unchanged" "$(printf '%s' "$out" | grep 'host changed' | tr '\n' ' ')"
	else pass "$label: host unchanged"; fi
	expect "$label: returns $want" "$want"
}

mkhome alice
pam_service full "folders=Drafts,Sent subscribe quota=10S"
host "create, account" full alice 0 -a account
mkhome alice
host "create, session" full alice 0 -a session -t dovecot
host "existing, both hooks x5" full alice 0 -a both -n 5
host "unknown user" full ghost "$PAM_USER_UNKNOWN" -a both
pam_service badopt "mode=abc"
host "configuration error" badopt alice "$PAM_SERVICE_ERR" -a account
mkhome alice
ln -s /nonexistent "$(home_of alice)/Maildir"
host "refused (symlink)" full alice "$PAM_PERM_DENIED" -a account
host "refused (symlink), session" full alice "$PAM_SESSION_ERR" -a session

# createhome + skel
mkdir -p "$T_BASE/skel"; printf 'x\n' >"$T_BASE/skel/.profile"
rm -rf "$(home_of carol)"
pam_service mkhome "createhome skel=$T_BASE/skel"
host "createhome with skel" mkhome carol 0 -a session

# creators, with each SIGCHLD disposition a daemon might have
pam_service good "creator=$BIN/good"
pam_service fail "creator=$BIN/fail"
pam_service liar "creator=$BIN/liar"
pam_service slow "creator=$BIN/slow timeout=1"
for chld in handler default ignore; do
	mkhome erin
	host "creator success, SIGCHLD $chld" good erin 0 -a account -C "$chld"
	check "creator success, SIGCHLD $chld: maildir made" is_maildir "$(home_of erin)/Maildir"
	mkhome erin
	host "creator success (session), SIGCHLD $chld" good erin 0 -a session -C "$chld"
	mkhome erin
	host "creator exit 1, SIGCHLD $chld" fail erin "$PAM_SYSTEM_ERR" -a account -C "$chld"
	mkhome erin
	host "creator that makes the maildir but exits 1, SIGCHLD $chld" liar erin "$PAM_SYSTEM_ERR" -a account -C "$chld"
	mkhome erin
	host "creator timeout, SIGCHLD $chld" slow erin "$PAM_SYSTEM_ERR" -a account -C "$chld"
done

# virtual users with a creator running as vmail
V=$T_BASE/vmail; mkdir -p "$V/example.org"; chown -R vmail:vmail "$V"
pam_service vgood "owner=vmail maildir=$V/%d/%n creator=$BIN/good"
host "virtual creator" vgood bob@example.org 0 -a both -n 2

# The check itself can fail: a module that changes one thing of the host
# (tests/hostbreaker.c) is caught by pamrun's run and loop modes alike, and a
# module that changes nothing (the control) is not.
t_build hostbreaker.so -Werror -shared -fPIC -lpam
caught() { # LABEL WANT(0|99) CHANGE
	pam_service_file "break_$3" "account required $BIN/hostbreaker.so $3" "session required $BIN/hostbreaker.so $3"
	pam_login "break_$3" alice -a account -H
	check "host check, run mode: $1 ($rc)" test "$rc" = "$2"
	out=$(cd "$T_BASE" && timeout 60 "$T_PAMRUN" loop -d "$T_PAMD" -s "break_$3" -u alice -a account -H 2>&1)
	rc=$?
	check "host check, loop mode: $1 ($rc)" test "$rc" = "$2"
}
caught "a module that changes nothing passes" 0 nothing
for c in umask cwd fd cloexec signal mask fsuid groups rlimit env timer child subreaper; do
	caught "$c changed is caught" 99 "$c"
done
