# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the server scenarios (tests/servers/*.sh), sourced after
# tests/lib.sh inside the namespaces ns.sh sets up: $R is the root.

PATH_IN_ROOT=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The Debian release of the root (suite.sh exports it; bookworm when a
# scenario is run by hand).  Every check a scenario records carries it:
# "courier-first-pop3-login" is recorded as "courier/trixie: first-pop3-login",
# so the results of the two releases never mix.
T_RELEASE=${T_RELEASE:-bookworm}
release_label() {
	case $1 in
	*-*) printf '%s/%s: %s' "${1%%-*}" "$T_RELEASE" "${1#*-}" ;;
	*) printf '%s/%s' "$1" "$T_RELEASE" ;;
	esac
}
if declare -F pass >/dev/null && ! declare -F _lib_pass >/dev/null; then
	eval "_lib_pass() $(declare -f pass | tail -n +2)"
	eval "_lib_fail() $(declare -f fail | tail -n +2)"
	eval "_lib_skip() $(declare -f skip | tail -n +2)"
	pass() { _lib_pass "$(release_label "$1")" "${@:2}"; }
	fail() { _lib_fail "$(release_label "$1")" "${@:2}"; }
	skip() { _lib_skip "$(release_label "$1")" "${@:2}"; }
fi
# dovecot_24: the root's Dovecot is 2.4 (Debian 13) rather than 2.3.
dovecot_24() { [ "$T_RELEASE" != bookworm ]; }

# sha512_crypt PASSWORD: a SHA-512 crypt(3) hash with a random salt, by
# perl's crypt() (libcrypt): perl-base is in every Debian root, and
# Python 3.13 (Debian 13) no longer has a crypt module.
sha512_crypt() {
	local salt
	salt=$(tr -dc 'A-Za-z0-9./' </dev/urandom | head -c 16)
	inr perl -e 'print crypt($ARGV[0], "\$6\$$ARGV[1]\$"), "\n"' "$1" "$salt"
}

# inr CMD...: runs CMD in the root with a clean environment, from /.
inr() { (cd "$R" && chroot "$R" /usr/bin/env -i PATH="$PATH_IN_ROOT" HOME=/root LANG=C.UTF-8 "$@"); }

# client ARGS...: tests/servers/client.py in the root.
client() { inr python3 /t/servers/client.py "$@"; }

# Stopwatch: lap NAME prints the time since the previous lap (or start).
_lap=$(date +%s.%N)
lap() {
	local now; now=$(date +%s.%N)
	awk -v a="$_lap" -v b="$now" -v n="$T_RELEASE $1" 'BEGIN { printf "   [%-34s %5.1f s]\n", n, b - a }'
	_lap=$now
}

# say TEXT: a line in the test output.
say() { printf '   %s\n' "$*"; }

# wait_port PORT: until something listens on 127.0.0.1:PORT (10 s at most).
wait_port() {
	local i
	for i in $(seq 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# newuser NAME PASSWORD [nohome]: a fresh system user of the root.
newuser() {
	if [ "${3:-}" = nohome ]; then
		inr useradd -M -d "/home/$1" -s /bin/bash "$1" || return 1
	else
		inr useradd -m -s /bin/bash "$1" || return 1
	fi
	printf '%s:%s\n' "$1" "$2" | inr chpasswd
}

uid_of() { inr id -u "$1"; }
gid_of() { inr id -g "$1"; }

# The folders every scenario configures (as on the PAM lines of conf/).
FOLDERS="Drafts Sent Trash Junk"

# maildir_problems DIR UID GID [FOLDERS...]: prints what is wrong with the
# maildir at DIR (a path in the root) and fails if anything is: cur/new/tmp
# in it and in each .Folder, a maildirfolder file in each folder, all of it
# owned by UID:GID, the module's directories 0700, and no directory the
# module would not have made (servers' own courier*/dovecot* entries aside).
maildir_problems() {
	local dir=$R$1 uid=$2 gid=$3 f d bad=0 expected actual
	shift 3
	[ -d "$dir" ] && [ ! -L "$dir" ] || { echo "$1: no maildir directory"; return 1; }
	expected=$(
		printf '.\n./cur\n./new\n./tmp\n'
		for f in "$@"; do printf './.%s\n./.%s/cur\n./.%s/new\n./.%s/tmp\n' "$f" "$f" "$f" "$f"; done
	)
	for d in $expected; do
		if [ ! -d "$dir/$d" ] || [ -L "$dir/$d" ]; then echo "missing directory $d"; bad=1; continue; fi
		[ "$(stat -c %a "$dir/$d")" = 700 ] || { echo "$d has mode $(stat -c %a "$dir/$d")"; bad=1; }
	done
	for f in "$@"; do
		[ -f "$dir/.$f/maildirfolder" ] || { echo "missing .$f/maildirfolder"; bad=1; }
	done
	actual=$(cd "$dir" && find . -type d ! -name 'courier*' ! -path '*/courier*' ! -name 'dovecot*' ! -path '*/dovecot*' | sort)
	expected=$(sort <<<"$expected")
	if [ "$actual" != "$expected" ]; then
		echo "unexpected directories: $(comm -13 <(echo "$expected") <(echo "$actual") | tr '\n' ' ')"
		bad=1
	fi
	actual=$(find "$dir" \( ! -uid "$uid" -o ! -gid "$gid" \) -printf '%P(%U:%G) ')
	[ -z "$actual" ] || { echo "not owned by $uid:$gid: $actual"; bad=1; }
	actual=$(find "$dir" -type l -printf '%P ')
	[ -z "$actual" ] || { echo "symlinks: $actual"; bad=1; }
	return $bad
}

# check_maildir NAME DIR UID GID [FOLDERS...]: a check around maildir_problems.
check_maildir() {
	local name=$1 why
	shift
	if why=$(maildir_problems "$@"); then pass "$name"; else fail "$name" "$(echo "$why" | tr '\n' ';')"; fi
}

# snapshot DIR [FOLDERS...]: inode, mode, owner, size, mtime and ctime of
# every entry the module writes (the maildir and its subdirectories, the
# folders' maildirfolder, the subscription and quota files), so that a
# later login that rewrote, re-created, chmod'ed or chown'ed any of them
# shows.  Entries that do not exist are listed as absent.
snapshot() {
	local dir=$R$1 f p
	shift
	for p in . cur new tmp courierimapsubscribed subscriptions maildirsize; do
		printf '%s\n' "$p"
	done
	for f in "$@"; do
		for p in "" /cur /new /tmp /maildirfolder; do printf '.%s%s\n' "$f" "$p"; done
	done | while read -r p; do
		if [ -e "$dir/$p" ]; then
			stat -c "$p %i %a %u:%g %s %.9Y %.9Z" "$dir/$p"
		else
			echo "$p absent"
		fi
	done
}

# module_lines MARK: the module's log lines since MARK.
module_lines() { log_since "$1" | grep 'pam_mkmaildir'; }

# pam_with_options SRC DEST OPTIONS...: copies the PAM file SRC (from
# conf/) to DEST in the root, adding OPTIONS to its pam_mkmaildir.so line.
pam_with_options() {
	local src=$1 dest=$2
	shift 2
	awk -v extra="$*" '/^[^#]*pam_mkmaildir\.so/ && extra != "" { $0 = $0 " " extra } { print }' \
		"$src" >"$R$dest"
	grep -q 'pam_mkmaildir\.so' "$R$dest"
}

# The failing creator of the "creator fails" scenarios.
FAIL_CREATOR=/usr/local/sbin/mkmaildir-fail
install_fail_creator() {
	mkdir -p "$R/usr/local/sbin"
	cat >"$R$FAIL_CREATOR" <<'SH'
#!/bin/sh
echo "mkmaildir-fail: refusing $1 $2 on purpose" >&2
exit 3
SH
	chmod 0755 "$R$FAIL_CREATOR"
}

# A creator that works: makes the bare maildir as the user it runs as and
# leaves its uid in a file, so a test can see it ran, and ran as the owner.
OK_CREATOR=/usr/local/sbin/mkmaildir-ok
install_ok_creator() {
	mkdir -p "$R/usr/local/sbin"
	cat >"$R$OK_CREATOR" <<'SH'
#!/bin/sh
set -e
mkdir -m 0700 "$2" "$2/cur" "$2/new" "$2/tmp"
id -u >"$2/creator-ran-as"
SH
	chmod 0755 "$R$OK_CREATOR"
}

# need NAME COMMAND...: a precondition, not a claim about the module: records
# a failure when COMMAND fails (and returns 1), nothing when it succeeds.
need() {
	local name=$1; shift
	"$@" && return 0
	fail "$name" "command failed: $*"
	return 1
}

# check_fast_path NAME DIR MARK BEFORE AFTER: the maildir at DIR was complete
# before the second login, nothing the module writes changed (snapshots
# BEFORE and AFTER), and the module logged no creation since MARK.
check_fast_path() {
	local name=$1 dir=$2 mark=$3 before=$4 after=$5 why=
	grep -q ' absent$' <<<"$(grep -v -e '^courierimapsubscribed ' -e '^subscriptions ' -e '^maildirsize ' <<<"$before")" &&
		why="the maildir was not complete before the second login;"
	[ "$before" = "$after" ] ||
		why="$why changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ';')"
	sleep 0.3
	module_lines "$mark" | grep -q 'created' &&
		why="$why module logged: $(module_lines "$mark" | tr '\n' ';')"
	if [ -z "$why" ]; then pass "$name"; else fail "$name" "$why"; fi
}

# failing_creator_scenario SERVER IMAP_ANSWER POP3_ANSWER: a creator that
# exits 3 refuses the first IMAP and POP3 logins with the server's own
# answers, the module logs the exit status, and no maildir is left.
failing_creator_scenario() {
	local srv=$1 imap_ans=$2 pop3_ans=$3 out ans mark
	install_fail_creator
	pam "creator=$FAIL_CREATOR" timeout=5
	newuser erin 'erin-pw-1'
	mark=$(log_mark)
	out=$(client raw 143 'a1 LOGIN erin erin-pw-1' 'a2 LOGOUT')
	ans=$(grep '^S: a1 ' <<<"$out" | head -n1)
	say "IMAP, creator failing: ${ans#S: }"
	check "$srv-creator-fails-imap-refused" test "$ans" = "S: $imap_ans"
	out=$(client raw 110 'USER erin' 'PASS erin-pw-1' 'QUIT')
	ans=$(grep -A1 '^C: PASS' <<<"$out" | grep '^S:' | head -n1)
	say "POP3, creator failing: ${ans#S: }"
	check "$srv-creator-fails-pop3-refused" test "$ans" = "S: $pop3_ans"
	check "$srv-creator-fails-logged" log_has "$mark" "pam_mkmaildir.*$FAIL_CREATOR.*[^0-9]3([^0-9]|\$)"
	check "$srv-creator-fails-no-maildir" test ! -e "$R/home/erin/Maildir"
	module_lines "$mark" | sed 's/^/     log: /'
}

# storm_scenario SERVER: 24 IMAP and POP3 first logins of one fresh user at
# once all succeed and leave one complete maildir and nothing else.
storm_scenario() {
	local srv=$1 u g mark out stray
	pam
	newuser frank 'frank-pw-1'
	u=$(uid_of frank) g=$(gid_of frank)
	mark=$(log_mark)
	out=$(client storm frank frank-pw-1 24)
	say "$(head -n 5 <<<"$out" | tr '\n' ';')"
	check "$srv-concurrent-24-first-logins" grep -q '^STORM 24 of 24 succeeded' <<<"$out"
	check_maildir "$srv-concurrent-one-maildir" /home/frank/Maildir "$u" "$g" $FOLDERS
	stray=$(find "$R/home/frank" -mindepth 1 -maxdepth 1 ! -name 'Maildir' ! -name '.bash*' \
		! -name '.profile' -printf '%P ')
	check "$srv-concurrent-no-stray-entries" test -z "$stray"
	sleep 0.3
	say "module lines during the storm: $(module_lines "$mark" | wc -l), 'created': $(module_lines "$mark" | grep -c created)"
	check "$srv-concurrent-logged-creation" log_has "$mark" 'pam_mkmaildir.*created.*/home/frank/Maildir'
}

# oneline TEXT: a server's answer on one line, for messages.
oneline() { tr '\r\n' ' ;' <<<"$1"; }

# start_dovecot SNIPPET...: Dovecot with the scenario's test header
# (tests/servers/$header) and conf/SNIPPETs as $conf in the root.
start_dovecot() {
	local s
	mkdir -p "$R/etc/dovecot-test"
	{
		cat "$T_TOP/tests/servers/$header"
		for s in "$@"; do echo "!include /t/conf/$s"; done
	} >"$R$conf"
	inr /usr/sbin/dovecot -c "$conf" || return 1
	wait_port 143 && wait_port 110
}
stop_dovecot() {
	local pid i
	pid=$(cat "$R/run/dovecot/master.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
	kill -9 "$pid" 2>/dev/null
}
dlog() { cat "$T_OUT/dovecot.log" 2>/dev/null; }

# second_logins SERVER: alice, whose maildir SERVER's first login made, logs
# in again by IMAP and POP3; both logins work and take the fast path.
second_logins() {
	local before after mark out
	before=$(snapshot /home/alice/Maildir $FOLDERS)
	sleep 1.1   # so that anything rewritten gets a visibly different mtime
	mark=$(log_mark)
	out=$(client imap alice alice-pw-1 noop; client pop3 alice alice-pw-1)
	check "$1-second-logins-ok" test "$(grep -c '^LOGIN OK' <<<"$out")" = 2
	after=$(snapshot /home/alice/Maildir $FOLDERS)
	check_fast_path "$1-second-login-fast-path" /home/alice/Maildir "$mark" "$before" "$after"
	lap "$1: second login (fast path)"
}

# working_creator_scenario SERVER: gina's first login (IMAP, then POP3) runs
# a creator that works; it made her maildir, as her, and both logins work.
working_creator_scenario() {
	local u g mark out
	install_ok_creator
	pam "creator=$OK_CREATOR" timeout=5
	newuser gina 'gina-pw-1'
	u=$(uid_of gina) g=$(gid_of gina)
	mark=$(log_mark)
	out=$(client imap gina gina-pw-1 select; client pop3 gina gina-pw-1)
	say "$(oneline "$out")"
	check "$1-creator-logins-ok" test "$(grep -c '^LOGIN OK' <<<"$out")" = 2 -a -f "$R/home/gina/Maildir/creator-ran-as"
	check "$1-creator-made-maildir-as-owner" test "$(cat "$R/home/gina/Maildir/creator-ran-as" 2>/dev/null) $(stat -c %u:%g:%a "$R/home/gina/Maildir/new" 2>/dev/null)" = "$u $u:$g:700"
	sleep 0.3
	module_lines "$mark" | sed 's/^/     log: /'
	lap "$1: creator that works"
}

# first_pop3_scenario SERVER: paul, whose first login is POP3, gets an empty
# maildrop, a complete maildir, and the module logs the creation.
first_pop3_scenario() {
	local mark out
	newuser paul 'paul-pw-1'
	mark=$(log_mark)
	out=$(client pop3 paul paul-pw-1)
	say "$(oneline "$out")"
	check "$1-first-pop3-login-stat" grep -qx 'STAT 0 0' <<<"$out"
	check_maildir "$1-first-pop3-login-maildir" /home/paul/Maildir "$(uid_of paul)" "$(gid_of paul)" $FOLDERS
	check "$1-first-pop3-login-logged" log_has "$mark" 'pam_mkmaildir.*created.*/home/paul/Maildir'
	lap "$1: first POP3 login"
}
