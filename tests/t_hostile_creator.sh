# SPDX-License-Identifier: GPL-2.0-or-later
# Creator abuse: a creator that hangs, forks a grandchild that keeps stdout
# open (in its process group, or escaping into a session of its own), prints
# megabytes, dies by a signal, is missing, is not executable, is writable by
# others, or is a symlink.  The login must be decided (failed, with a LOG_ERR
# line) within the timeout plus a small margin -- the time is measured and
# printed; the check only allows timeout + 5 s, so a busy machine cannot make
# it flaky -- and nothing of the creator may be left running.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

BIN=$T_BASE/bin
mkdir -m 0755 "$BIN"
TAG=mkmdabuse$$x$RANDOM
at_exit "pkill -KILL -f '$TAG' 2>/dev/null"
TIMEOUT=2
mk() { # NAME: a root-owned 0755 bash creator, body on stdin
	{ printf '#!/bin/bash\n# %s\n' "$TAG"; cat; } >"$BIN/$1"; chmod 0755 "$BIN/$1"
}
mk hang <<EOF
exec -a $TAG-hang sleep 600
EOF
mk grandchild <<EOF
(exec -a $TAG-grandchild sleep 600) &
echo started
exit 0
EOF
mk grandchild_hang <<EOF
(exec -a $TAG-grandchild2 sleep 600) &
exec -a $TAG-hang2 sleep 600
EOF
mk escape <<EOF
setsid bash -c 'exec -a $TAG-escaped sleep 600' &
sleep 0.5   # so that it has left the creator's session before the creator exits
echo escaped
exit 1
EOF
mk megabytes <<'EOF'
head -c 8000000 /dev/zero | tr '\0' x
yes 'a line of creator output' | head -n 200000
exit 1
EOF
mk megabytes_hang <<EOF
yes 'flooding' &
exec -a $TAG-flood sleep 600
EOF
mk killed <<'EOF'
kill -SEGV $$
EOF
mk good <<'EOF'
mkdir -m 700 "$2" "$2/cur" "$2/new" "$2/tmp"
EOF
printf '#!/bin/sh\nexit 0\n' >"$BIN/noexec"; chmod 0644 "$BIN/noexec"
cp "$BIN/good" "$BIN/writable"; chmod 0757 "$BIN/writable"
ln -s good "$BIN/symlink"

A=$(home_of alice)
# abuse LABEL CREATOR LOGREGEX: the login fails within TIMEOUT+5 s, logged, nothing left.
abuse() {
	local label=$1 creator=$2 re=$3 m t0 t1 ms left
	mkhome alice 0700
	pam_service "c_$creator" "creator=$BIN/$creator timeout=$TIMEOUT"
	m=$(log_mark)
	t0=$(date +%s%N)
	pam_login "c_$creator" alice -a account -H
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	echo "  figures: creator $label: decided in $ms ms (timeout $TIMEOUT s), PAM code $rc"
	if [ "$rc" != 0 ] && [ "$rc" != 99 ] && [ "$rc" -lt 90 ]; then pass "creator $label: login refused ($rc)"
	else fail "creator $label: login refused" "PAM code $rc: $out"; fi
	check "creator $label: decided within timeout + 5 s ($ms ms)" test "$ms" -lt $(( (TIMEOUT + 5) * 1000 ))
	logged "creator $label: a LOG_ERR line of the module" "$m" "pam_mkmaildir.*$re"
	left=
	for _ in $(seq 30); do left=$(pgrep -f "$TAG" | tr '\n' ' '); [ -z "$left" ] && break; sleep 0.1; done
	check "creator $label: nothing left running (${left:-none})" test -z "$left"
	[ -n "$left" ] && pkill -KILL -f "$TAG"
	check "creator $label: no maildir passed off as made" test ! -e "$A/Maildir"
}
abuse "that hangs" hang "killed after $TIMEOUT s timeout"
abuse "whose grandchild keeps stdout open (creator exits 0)" grandchild "still missing after the creator exited 0|creator"
abuse "that hangs with a grandchild" grandchild_hang "killed after $TIMEOUT s timeout"
abuse "whose grandchild escapes into its own session" escape "failed with exit status 1"
abuse "that prints megabytes" megabytes "failed with exit status 1"
abuse "that floods its output and hangs" megabytes_hang "killed after $TIMEOUT s timeout"
abuse "killed by a signal" killed "killed by signal 11"
abuse "that does not exist" missing "creator .*missing|No such file"
abuse "not executable" noexec "noexec.*(not an executable|refused)"
abuse "writable by others" writable "writable.*(writable by others|refused)"
abuse "that is a symlink" symlink "symlink.*(a symlink|refused)"

# control: the same directory's good creator works within the same limits.
mkhome alice 0700
pam_service c_good "creator=$BIN/good timeout=$TIMEOUT"
pam_login c_good alice -a account -H
expect "control: a good creator succeeds" "$PAM_SUCCESS"
check "control: a good creator's maildir" is_maildir "$A/Maildir"
