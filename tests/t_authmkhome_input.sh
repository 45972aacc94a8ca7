# SPDX-License-Identifier: GPL-2.0-or-later
# authmkhome on its own, as the user, in the home: hostile environment and
# arguments are refused before use (nothing made, nothing started, nothing
# on stdout/stderr, a log line); creators and options are chosen as
# documented (MAILDIR_CREATOR, STD_CREATOR, MKMAILDIR_CONFIG, CONFIG_FILE);
# the complete-maildir path execs the server at once, without a fork.
. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/chain/setup.sh"

H=$T_BASE/home
adduser ivan "$UID_A"
I=$H/ivan

# amh DIR UID [VAR=VALUE...] -- ARGS...: authmkhome ARGS from DIR as UID with a
# clean environment plus the VARs and MKMAILDIR_CONFIG=$CONF; sets rc, out, err.
AMH_BIN=$AMH
amh() {
	local dir=$1 uid=$2 vars=() drop=()
	shift 2
	while [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	is_root && drop=(setpriv --reuid="$uid" --regid="$uid" --clear-groups)
	rm -f "$OUT"/*
	out=$(cd "$dir" && env -i "${T_CAPENV[@]}" PATH=/usr/bin:/bin CHAIN_OUT="$OUT" MKMAILDIR_CONFIG="$CONF" \
		"${vars[@]}" "${drop[@]}" "$AMH_BIN" "$@" 2>"$T_BASE/stderr" </dev/null 3</dev/null)
	rc=$?
	err=$(cat "$T_BASE/stderr")
}
# refused_cleanly NAME MARK REGEX: the last authmkhome run failed cleanly and said why.
refused_cleanly() {
	local why=
	[ "$rc" = 1 ] || why="exit status $rc;"
	[ -z "$out$err" ] || why="$why wrote '$out' '$err';"
	[ ! -e "$OUT/server" ] || why="$why the server ran;"
	[ -z "$(ls -A "$I")" ] || why="$why made $(ls -A "$I" | tr '\n' ' ');"
	if [ -z "$why" ]; then pass "$1: refused cleanly"; else fail "$1: refused cleanly" "$why"; fi
	logged "$1: logged" "$2" "$3"
}
long=$(printf 'x%.0s' $(seq 300))
S=$BIN/server

# --- hostile AUTHENTICATED -------------------------------------------------------
for c in "control:iv"$'\t'"an:AUTHENTICATED contains a control character" \
	"dotdot:..ivan:AUTHENTICATED contains \"\\.\\.\"" \
	"slash:iv/an:AUTHENTICATED contains '/'" \
	"long:$long:AUTHENTICATED is too long" \
	"dash:-rf:AUTHENTICATED starts with '-'"; do
	IFS=: read -r label value re <<<"$c"
	m=$(log_mark)
	amh "$I" "$UID_A" AUTHENTICATED="$value" -- "$S" Maildir
	refused_cleanly "AUTHENTICATED $label" "$m" "$re: refused"
done

# --- hostile maildir, program and arguments ----------------------------------------
m=$(log_mark)
amh "$I" "$UID_A" AUTHENTICATED=ivan MAILDIR=../escape -- "$S" Maildir
refused_cleanly "MAILDIR ../escape" "$m" 'MAILDIR has a "\.\." component: refused'
check "MAILDIR ../escape: nothing beside the home" test ! -e "$H/escape"
m=$(log_mark)
amh "$I" "$UID_A" AUTHENTICATED=ivan "MAILDIR=Mail
dir" -- "$S" Maildir
refused_cleanly "MAILDIR with a newline" "$m" 'MAILDIR contains a control character'
m=$(log_mark)
amh "$I" "$UID_A" AUTHENTICATED=ivan -- "$S" x/../../y
refused_cleanly "maildir argument with .." "$m" 'server argument has a "\.\." component'
m=$(log_mark)
# 4083 bytes: a valid argument, but too long once under the home.
amh "$I" "$UID_A" AUTHENTICATED=ivan -- "$S" "$(for i in $(seq 13); do printf '%s/' "$long"; done)${long:0:170}"
refused_cleanly "maildir path too long" "$m" 'maildir path of ivan is too long'
# A relative server name is never looked up in the home, even if the user
# put a program of that name there.
printf '#!/bin/sh\ntouch %s/planted-ran\n' "$OUT" >"$T_BASE/planted"
chmod 0755 "$T_BASE/planted"
m=$(log_mark)
amh "$T_BASE" "$UID_A" AUTHENTICATED=ivan -- planted Maildir
check "relative server: not run" test ! -e "$OUT/planted-ran" -a "$rc" = 1
logged "relative server: logged" "$m" 'server "planted" is not an absolute path: refused'
rm -f "$T_BASE/planted"
m=$(log_mark)
amh "$I" "$UID_A" AUTHENTICATED=ivan --
refused_cleanly "no server" "$m" 'no program to start after the maildir check'
m=$(log_mark)
amh "$I" "$UID_A" AUTHENTICATED=ivan MAILDIR_CREATOR=bin/creator -- "$S" Maildir
refused_cleanly "relative MAILDIR_CREATOR" "$m" 'option creator: invalid value "bin/creator": an absolute path is required'
m=$(log_mark)
amh "$I" "$UID_A" AUTHENTICATED=ivan MAILDIR_CREATOR="$BIN/../bin/x" -- "$S" Maildir
refused_cleanly "MAILDIR_CREATOR with .." "$m" 'MAILDIR_CREATOR has a "\.\." component'
m=$(log_mark)
amh "$I" "$UID_A" AUTHENTICATED=ivan MKMAILDIR_CONFIG="$T_BASE/../x.conf" -- "$S" Maildir
refused_cleanly "MKMAILDIR_CONFIG with .." "$m" 'MKMAILDIR_CONFIG has a "\.\." component'
echo 'folders=Sent' >"$T_BASE/open.conf"; chmod 0666 "$T_BASE/open.conf"
m=$(log_mark)
amh "$I" "$UID_A" AUTHENTICATED=ivan MKMAILDIR_CONFIG="$T_BASE/open.conf" -- "$S" Maildir
refused_cleanly "world-writable config" "$m" 'open.conf is not owned by root or is writable by others'
m=$(log_mark)
amh "$I" "$UID_A" AUTHENTICATED=ivan MKMAILDIR_CONFIG="$T_BASE/missing.conf" -- "$S" Maildir
refused_cleanly "MKMAILDIR_CONFIG missing" "$m" 'cannot open .*missing.conf'

# --- the fail-completely path with a bad environment ---------------------------------
m=$(log_mark)
amh "$I" "$UID_A" AUTHENTICATED= AUTHUSER=bin/login AUTHARGC=1 AUTHARGV0=x --
refused_cleanly "relative AUTHUSER" "$m" 'AUTHUSER "bin/login" is not an absolute path'
m=$(log_mark)
amh "$I" "$UID_A" AUTHENTICATED= AUTHUSER="$BIN/login" AUTHARGC=999 AUTHARGV0=x --
refused_cleanly "AUTHARGC 999" "$m" 'AUTHARGC "999" is not a number from 1 to 64'
m=$(log_mark)
amh "$I" "$UID_A" AUTHENTICATED= AUTHUSER="$BIN/login" AUTHARGC=2 AUTHARGV0="$BIN/login" --
refused_cleanly "AUTHARGV1 missing" "$m" 'AUTHARGV1 is missing or empty'
check "fail-completely: the login program was not run" test ! -e "$OUT/login"

# --- options from MKMAILDIR_CONFIG, "." components -----------------------------------
printf '# shared with pam_mkmaildir\nfolders=Sent,Trash,Archive.2024\nsubscribe\nquota=1000000S,100C\n' >"$T_BASE/good.conf"
chmod 0644 "$T_BASE/good.conf"
m=$(log_mark)
amh "$I" "$UID_A" AUTHENTICATED=ivan MKMAILDIR_CONFIG="$T_BASE/good.conf" -- "$S" ./Maildir/
check "config options: server started ($rc '$out')" test "$rc:$out" = "0:OK ivan"
check "config options: ./Maildir/ is the home's Maildir" is_maildir "$I/Maildir"
check "config options: folders" is_maildir "$I/Maildir/.Archive.2024"
check "config options: subscriptions" grep -qx INBOX.Trash "$I/Maildir/courierimapsubscribed"
check "config options: quota" test "$(head -n1 "$I/Maildir/maildirsize" 2>/dev/null)" = 1000000S,100C
check "config options: the server got ./Maildir/ as given" test "$(srv argv1)" = ./Maildir/

# --- complete maildir: exec at once, no fork ----------------------------------------
if command -v strace >/dev/null; then
	before=$(snap "$I")
	rm -f "$OUT"/*
	(cd "$I" && env -i "${T_CAPENV[@]}" PATH=/usr/bin:/bin CHAIN_OUT="$OUT" MKMAILDIR_CONFIG="$T_BASE/good.conf" \
		AUTHENTICATED=ivan strace -f -qq -s 4096 -o "$T_BASE/trace" -e trace=execve,clone,clone3,fork,vfork \
		$(is_root && echo setpriv --reuid="$UID_A" --regid="$UID_A" --clear-groups) \
		"$AMH" "$S" Maildir >/dev/null 2>&1 </dev/null)
	check "fast path: the server ran" test "$(srv maildir)" = ok
	# The system call's name right after the pid: a path holding "clone"
	# (a checkout called so) must not count.
	forks='^[0-9]+ +(clone|clone3|fork|vfork)\('
	check "fast path: no process created ($(grep -cE "$forks" "$T_BASE/trace"))" \
		sh -c "! grep -qE '$forks' '$T_BASE/trace'"
	check "fast path: authmkhome execs the server itself" grep -q "execve(\"$S\", \[\"$S\", \"Maildir\"\]" "$T_BASE/trace"
	check "fast path: nothing changed" test "$before" = "$(snap "$I")"
else
	skip "fast path without fork" "strace is not installed"
fi

# --- an O_PATH descriptor on fds 0-2 is an open one -----------------------------------
# poll() reports POLLNVAL for it as for a closed fd; taking it for closed
# would open /dev/null on another number and give up.
rm -f "$OUT"/*
(cd "$I" && env -i "${T_CAPENV[@]}" PATH=/usr/bin:/bin CHAIN_OUT="$OUT" MKMAILDIR_CONFIG="$T_BASE/good.conf" \
	AUTHENTICATED=ivan python3 -c 'import os, sys
f = os.open("/dev/null", os.O_PATH)
os.dup2(f, 0); os.dup2(f, 2); os.close(f)
os.execv(sys.argv[1], sys.argv[1:])' $(is_root && echo /usr/bin/setpriv --reuid="$UID_A" --regid="$UID_A" --clear-groups) \
	"$AMH" "$S" Maildir >/dev/null)
check "O_PATH descriptors on fds 0 and 2: taken as open, the server ran" test "$(srv maildir)" = ok

# --- STD_CREATOR and CONFIG_FILE, compiled in ---------------------------------------
if is_root; then
	cc -std=c11 -O2 -Wall -Wextra -Werror -DSTD_CREATOR="\"$BIN/std-creator\"" \
		-DCONFIG_FILE="\"$T_BASE/std.conf\"" -o "$BIN/amh-std" \
		-I"$T_TOP" "$T_TOP/authmkhome.c" "$T_TOP/authdaemon.c" "$T_TOP/libcore.a" || { fail "build with STD_CREATOR" "cc failed"; exit 0; }
	AMH_BIN=$BIN/amh-std
	mkprog std-creator <<-'EOF'
	#!/bin/sh
	mkdir -m 700 "$2" "$2/cur" "$2/new" "$2/tmp" && echo std >"$2/made-by"
	EOF
	mkprog env-creator <<-'EOF'
	#!/bin/sh
	mkdir -m 700 "$2" "$2/cur" "$2/new" "$2/tmp" && echo env >"$2/made-by"
	EOF
	for u in jo kim lea max; do adduser "$u" "$UID_B"; done
	m=$(log_mark)
	amh "$H/jo" "$UID_B" AUTHENTICATED=jo MKMAILDIR_CONFIG= -- "$S" Maildir
	check "STD_CREATOR present: used" test "$rc:$(cat "$H/jo/Maildir/made-by" 2>&1)" = "0:std"
	logged "STD_CREATOR present: logged" "$m" "created maildir $H/jo/Maildir for jo .*with creator $BIN/std-creator"
	amh "$H/kim" "$UID_B" AUTHENTICATED=kim MKMAILDIR_CONFIG= MAILDIR_CREATOR="$BIN/env-creator" -- "$S" Maildir
	check "MAILDIR_CREATOR wins over STD_CREATOR" test "$rc:$(cat "$H/kim/Maildir/made-by" 2>&1)" = "0:env"
	rm -f "$BIN/std-creator"
	m=$(log_mark)
	amh "$H/lea" "$UID_B" AUTHENTICATED=lea MKMAILDIR_CONFIG= -- "$S" Maildir
	check "no STD_CREATOR, no CONFIG_FILE: built-in defaults" test "$rc:$(ls -A "$H/lea/Maildir" | norecord | tr '\n' ' ')" = "0:cur new RECORD tmp "
	not_logged "no CONFIG_FILE: no complaint" "$m" 'authmkhome.*(config|std.conf)'
	printf 'folders=Archive\n' >"$T_BASE/std.conf"; chmod 0644 "$T_BASE/std.conf"
	amh "$H/max" "$UID_B" AUTHENTICATED=max MKMAILDIR_CONFIG= -- "$S" Maildir
	check "CONFIG_FILE present: its options apply" is_maildir "$H/max/Maildir/.Archive"
	# One rule with mkmaildir: a symlink at the default file, dangling or
	# not, is not taken for no file but refused (the login fails).
	rm -f "$T_BASE/std.conf"; ln -s "$T_BASE/nonexistent.conf" "$T_BASE/std.conf"
	adduser ned "$UID_B"
	m=$(log_mark)
	amh "$H/ned" "$UID_B" AUTHENTICATED=ned MKMAILDIR_CONFIG= -- "$S" Maildir
	check "CONFIG_FILE a dangling symlink: login refused, nothing made" test "$rc" != 0 -a ! -e "$H/ned/Maildir"
	logged "CONFIG_FILE a dangling symlink: refused as a symlink" "$m" "authmkhome.*std.conf.*symlink"
	rm -f "$T_BASE/std.conf"
else
	skip "STD_CREATOR and CONFIG_FILE" "creators must be root's files; needs root"
fi
# --- Dovecot's post-login program: USERDB_KEYS set, AUTHENTICATED unset -------
# (the real script-login is in t_servers_postlogin.sh; here the userdb
# fields it would export, hostile ones too, and what reaches stdout/stderr.)
mkprog dsrv <<'EOF'
#!/bin/sh
echo "ran $$ $*" >"$CHAIN_OUT/dsrv"
EOF
for u in dana dora dick; do adduser "$u" "$UID_C"; done
# dov NAME VAR=VALUE...: authmkhome as script-login -d runs it, for NAME.
dov() { local n=$1; shift; amh / "$UID_C" USERDB_KEYS="HOME MAIL " USER="$n" HOME="$H/$n" "$@" -- "$BIN/dsrv"; }
dov dana
check "dovecot: no mail field: the template's %h/Maildir, then the next program" \
	test "$rc:$(cut -d' ' -f1 "$OUT/dsrv" 2>/dev/null)" = "0:ran" -a -d "$H/dana/Maildir/new"
check "dovecot: nothing on stdout or stderr on success ('$out' '$err')" test -z "$out$err"
dov dora MAIL='maildir:~/Mail/box:LAYOUT=maildir++'
check "dovecot: MAIL=maildir:~/PATH:PARAMS is the maildir" test "$rc" = 0 -a -d "$H/dora/Mail/box/cur" -a ! -e "$H/dora/Maildir"
m=$(log_mark)
dov dick MAIL='mdbox:~/mdbox'
check "dovecot: another format: server started, nothing made" test "$rc:$(ls -A "$H/dick")" = "0:" -a -e "$OUT/dsrv"
logged "dovecot: another format: logged" "$m" 'mail location "mdbox:~/mdbox" of dick is not a maildir: nothing made'
dov dick MAIL_DRIVER=sdbox MAIL_PATH='~/sdbox'
check "dovecot: 2.4 mail_driver=sdbox: server started, nothing made" test "$rc:$(ls -A "$H/dick")" = "0:" -a -e "$OUT/dsrv"
dov dick MAIL_PATH='~/Mail/b24'
check "dovecot: 2.4 MAIL_PATH is the maildir" test "$rc" = 0 -a -d "$H/dick/Mail/b24/tmp"
rm -rf "${H:?}/dick/Mail"
m=$(log_mark)
dov dick MAIL='maildir:Mail/rel'
check "dovecot: relative mail location: refused, nothing made or started" test "$rc:$(ls -A "$H/dick")" = "1:" -a ! -e "$OUT/dsrv"
check "dovecot: refusal on stderr (Dovecot's log), not stdout" \
	bash -c '[ -z "$1" ] && grep -q "^authmkhome: mail location Mail/rel of dick is neither absolute nor under ~: refused" <<<"$2"' _ "$out" "$err"
logged "dovecot: refusal in syslog too" "$m" 'authmkhome\[[0-9]+\]: mail location Mail/rel of dick is neither absolute'
amh / "$UID_C" USERDB_KEYS=HOME USER=dick HOME=home/dick -- "$BIN/dsrv"
check "dovecot: relative HOME: refused" test "$rc" = 1 -a ! -e "$OUT/dsrv"
amh / "$UID_C" USERDB_KEYS=HOME USER=../dick HOME="$H/dick" -- "$BIN/dsrv"
check "dovecot: USER with ..: refused" test "$rc" = 1 -a ! -e "$OUT/dsrv"
amh / "$UID_C" USERDB_KEYS=HOME USER=dick HOME="$H/dick" AUTHENTICATED= -- "$BIN/dsrv"
check "dovecot: AUTHENTICATED set (even empty) means Courier's chain: passed on, nothing made" \
	test "$rc:$(ls -A "$H/dick")" = "0:" -a -e "$OUT/dsrv"

exit 0
