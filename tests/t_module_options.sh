# SPDX-License-Identifier: GPL-2.0-or-later
# Every option of the module through real libpam: templates and escapes,
# mode, group, folders, subscribe, quota, createhome/skel/homemode, config=,
# debug, quiet, and malformed values.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

A=$(home_of alice)

# --- folders, subscribe, quota, mode ---
mkhome alice
pam_service full "folders=Drafts,Sent,Trash,Archive.2024 subscribe quota=1000000S,1000C mode=0750"
pam_login full alice -a account
expect "full: account succeeds" "$PAM_SUCCESS"
M=$A/Maildir
check "full: a complete maildir" is_maildir "$M"
for d in "" /cur /new /tmp; do stat_is "full: Maildir$d is alice 750" "$M$d" "alice 750"; done
for f in Drafts Sent Trash Archive.2024; do
	check "full: folder .$f is a complete maildir" is_maildir "$M/.$f"
	for d in "" /cur /new /tmp; do stat_is "full: .$f$d is alice 750" "$M/.$f$d" "alice 750"; done
	check "full: .$f/maildirfolder is an empty regular file" \
		test -f "$M/.$f/maildirfolder" -a ! -L "$M/.$f/maildirfolder" -a ! -s "$M/.$f/maildirfolder"
	stat_is "full: .$f/maildirfolder is alice 600" "$M/.$f/maildirfolder" "alice 600"
done
check "full: no folder besides the configured ones" \
	test "$(cd "$M" && find . -mindepth 1 -maxdepth 1 -type d -name '.*' | LC_ALL=C sort | tr '\n' ' ')" = \
	"./.Archive.2024 ./.Drafts ./.Sent ./.Trash "
check "full: maildirsize first line is the quota" test "$(head -n 1 "$M/maildirsize" 2>&1)" = "1000000S,1000C"
check "full: maildirsize is a regular file" test -f "$M/maildirsize" -a ! -L "$M/maildirsize"
stat_is "full: maildirsize is alice 600" "$M/maildirsize" "alice 600"
want=$(printf 'INBOX\n'; printf 'INBOX.%s\n' Archive.2024 Drafts Sent Trash)
check "full: courierimapsubscribed lists INBOX and INBOX.<folder> for each folder" \
	test "$(LC_ALL=C sort "$M/courierimapsubscribed" 2>&1)" = "$want"
stat_is "full: courierimapsubscribed is alice 600" "$M/courierimapsubscribed" "alice 600"
# Dovecot's file: version 1 (one name a line) or version 2 (a "V<TAB>2" line, a
# blank line, names with TAB as the hierarchy separator).
# INBOX may be listed too.
dovecot_names() { sed -e '1{/^V\t2$/d}' -e '/^$/d' -e '/^INBOX$/d' -e 's/\t/./g' "$1" | LC_ALL=C sort; }
check "full: subscriptions lists each folder (and at most INBOX besides)" \
	test "$(dovecot_names "$M/subscriptions" 2>&1)" = "$(printf '%s\n' Archive.2024 Drafts Sent Trash)"
stat_is "full: subscriptions is alice 600" "$M/subscriptions" "alice 600"

# --- subscribe without folders, folders without subscribe ---
mkhome bob
B=$(home_of bob)
pam_service fonly "folders=Sent"
pam_login fonly bob -a session
expect "folders only: succeeds" "$PAM_SUCCESS"
check "folders only: .Sent complete, with maildirfolder" test -f "$B/Maildir/.Sent/maildirfolder" -a -d "$B/Maildir/.Sent/tmp"
check "folders only: no subscription files" test ! -e "$B/Maildir/courierimapsubscribed" -a ! -e "$B/Maildir/subscriptions"

# --- templates: relative, escapes, outside the home ---
mkhome bob
pam_service rel "maildir=Mail/box"
pam_login rel bob -a account
expect "maildir=Mail/box (relative): succeeds" "$PAM_SUCCESS"
check "maildir=Mail/box: created under the home" is_maildir "$B/Mail/box"
stat_is "maildir=Mail/box: the directory in between belongs to bob" "$B/Mail" "bob $(stat -c %a "$B/Mail")"
check "maildir=Mail/box: no default Maildir" test ! -e "$B/Maildir"

mkhome bob
pam_service esc "maildir=%h/M%%d-%u-%U"
pam_login esc bob -a account
expect "maildir=%h/M%%d-%u-%U: succeeds" "$PAM_SUCCESS"
check "maildir=%h/M%%d-%u-%U: expands to M%d-bob-5002" is_maildir "$B/M%d-bob-5002"

mkdir -p "$T_BASE/spool"; chmod 0755 "$T_BASE/spool"
pam_service spool "maildir=$T_BASE/spool/%u"
pam_login spool bob -a account
expect "maildir outside the home: succeeds" "$PAM_SUCCESS"
check "maildir outside the home: complete" is_maildir "$T_BASE/spool/bob"
stat_is "maildir outside the home: bob 700" "$T_BASE/spool/bob" "bob 700"
stat_is "maildir outside the home: the parent is untouched" "$T_BASE/spool" "root 755"

pam_service spooln "maildir=$T_BASE/spool/%n/box"
pam_login spooln dot.user -a session
expect "maildir=.../%n/box for a user without @: succeeds" "$PAM_SUCCESS"
check "%n is the whole name without @" is_maildir "$T_BASE/spool/dot.user/box"
check "%n: the directory that names the account belongs to it" test "$(stat -c %U "$T_BASE/spool/dot.user")" = dot.user

# --- group= ---
mkhome alice
pam_service grp "group=mailgrp"
pam_login grp alice -a account
expect "group=mailgrp: succeeds" "$PAM_SUCCESS"
check "group=mailgrp: Maildir and cur belong to alice:mailgrp" \
	test "$(stat -c '%U:%G' "$A/Maildir" "$A/Maildir/cur" | sort -u)" = "alice:mailgrp"

# --- createhome, skel, homemode ---
mkdir -p "$T_BASE/skel/.config" "$T_BASE/skel/Maildir-not"
printf 'export X=1\n' >"$T_BASE/skel/.profile"
printf 'k=v\n' >"$T_BASE/skel/.config/app"
chmod 0644 "$T_BASE/skel/.profile"; chmod 0755 "$T_BASE/skel" "$T_BASE/skel/.config"
C=$(home_of carol)
rm -rf "$C"
pam_service mkhome "createhome skel=$T_BASE/skel homemode=0750 folders=Sent"
m=$(log_mark)
pam_login mkhome carol -a account
expect "createhome: succeeds" "$PAM_SUCCESS"
stat_is "createhome: home is carol 750 (homemode)" "$C" "carol 750"
check "createhome: home group is carol's" test "$(stat -c %G "$C")" = carol
check "createhome: skel .profile copied" test "$(cat "$C/.profile" 2>&1)" = "export X=1"
check "createhome: skel subtree copied" test "$(cat "$C/.config/app" 2>&1)" = "k=v"
check "createhome: skel entries belong to carol" \
	test "$(find "$C" -path "$C/Maildir" -prune -o -printf '%u:%g\n' | sort -u)" = "carol:carol"
check "createhome: maildir complete inside the new home" is_maildir "$C/Maildir/.Sent"
stat_is "createhome: Maildir is carol 700" "$C/Maildir" "carol 700"
check "createhome: no temporary leftovers" test -z "$(leftovers "$T_HOMES")"
logged "createhome: creation logged" "$m" "pam_mkmaildir.*created.*$C"

# A skel that holds the maildir's own names: the new maildir gets its modes
# and its subscriptions and quota file all the same (they are written in
# place in the private tree, the long way only where the skel put a file).
mkdir -p "$T_BASE/skel3/Maildir/cur"
printf 'INBOX.Skel\n' >"$T_BASE/skel3/Maildir/courierimapsubscribed"
printf 'skel\n' >"$T_BASE/skel3/Maildir/maildirsize"
chmod 0644 "$T_BASE/skel3/Maildir/courierimapsubscribed" "$T_BASE/skel3/Maildir/maildirsize"
chmod 0755 "$T_BASE/skel3" "$T_BASE/skel3/Maildir" "$T_BASE/skel3/Maildir/cur"
rm -rf "$C"
pam_service mkhome4 "createhome skel=$T_BASE/skel3 folders=Sent subscribe quota=1000S"
pam_login mkhome4 carol -a account
expect "skel with a Maildir: succeeds" "$PAM_SUCCESS"
# (the skel's own cur keeps the skel's mode, as every skel directory does)
for d in "" /new /tmp /.Sent /.Sent/cur; do
	stat_is "skel with a Maildir: Maildir$d is carol 700" "$C/Maildir$d" "carol 700"
done
check "skel with a Maildir: maildirsize is the module's" \
	test "$(head -n 1 "$C/Maildir/maildirsize" 2>&1)" = "1000S"
check "skel with a Maildir: courierimapsubscribed is the module's" \
	test "$(cat "$C/Maildir/courierimapsubscribed" 2>&1)" = "$(printf 'INBOX\nINBOX.Sent')"
for f in maildirsize courierimapsubscribed subscriptions; do
	stat_is "skel with a Maildir: $f is carol 600" "$C/Maildir/$f" "carol 600"
done
check "skel with a Maildir: no temporary file left in tmp/" test -z "$(ls -A "$C/Maildir/tmp")"

# skel rules: links copied as links (never followed), FIFOs skipped, no
# setuid/setgid or group/other write bit on the copies.
mkdir -p "$T_BASE/skel2/sub"
printf 'secret\n' >"$T_BASE/rootonly"; chmod 0600 "$T_BASE/rootonly"
ln -s "$T_BASE/rootonly" "$T_BASE/skel2/link"
ln -s "$T_BASE/skel" "$T_BASE/skel2/dirlink"
mkfifo "$T_BASE/skel2/fifo"
printf '#!/bin/sh\n' >"$T_BASE/skel2/suid"; chmod 4777 "$T_BASE/skel2/suid"
printf 'x\n' >"$T_BASE/skel2/sub/gw"; chmod 0666 "$T_BASE/skel2/sub/gw"
chmod 2755 "$T_BASE/skel2/sub"; chmod 0755 "$T_BASE/skel2"
# A directory others can write could hold anything (a hard link to a root
# file): it is not copied at all.
mkdir -p "$T_BASE/skel2/open"; printf 'x\n' >"$T_BASE/skel2/open/f"; chmod 0777 "$T_BASE/skel2/open"
G=$(home_of grace)
rm -rf "$T_HOMES/deep"
pam_service mkhome3 "createhome skel=$T_BASE/skel2 homemode=0750"
pam_login mkhome3 grace -a account
expect "createhome two levels deep, odd skel: succeeds" "$PAM_SUCCESS"
stat_is "createhome: missing directory above the home is root 755" "$T_HOMES/deep" "root 755"
stat_is "createhome: the next one too" "$T_HOMES/deep/er" "root 755"
stat_is "createhome: the home is grace 750" "$G" "grace 750"
check "skel: a symlink is copied as a symlink to the same target" test -L "$G/link" -a "$(readlink "$G/link")" = "$T_BASE/rootonly"
check "skel: a directory symlink is copied as a symlink, not followed" test -L "$G/dirlink" -a ! -e "$G/dirlink/.profile.copy"
check "skel: the link's target is unchanged" test "$(stat -c '%U %a' "$T_BASE/rootonly")" = "root 600"
check "skel: a FIFO is skipped" test ! -e "$G/fifo"
stat_is "skel: setuid and other-write bits dropped (4777 -> 755)" "$G/suid" "grace 755"
stat_is "skel: group/other write dropped on a file (666 -> 644)" "$G/sub/gw" "grace 644"
check "skel: setgid dropped on a directory (2755 -> 755)" \
	test "$(stat -c %a "$G/sub")" = 755 -a "$(stat -c %U "$G/sub")" = grace
check "skel: a directory writable by others is not copied" test ! -e "$G/open"
check "createhome two levels deep: maildir complete" is_maildir "$G/Maildir"

F=$(home_of frank)
rm -rf "$F"
pam_service mkhome2 "createhome"
pam_login mkhome2 frank -a session
expect "createhome without homemode: succeeds" "$PAM_SUCCESS"
stat_is "createhome: default homemode 700" "$F" "frank 700"
check "createhome without skel: only the maildir inside" test "$(ls -A "$F")" = Maildir

mkhome erin
E=$(home_of erin)
pam_login mkhome erin -a account
expect "createhome with an existing home: succeeds" "$PAM_SUCCESS"
check "createhome with an existing home: skel not copied" test ! -e "$E/.profile"

stat_is "createhome with an existing home: home mode untouched" "$E" "erin 755"

# --- config= and the PAM line winning over it ---
cat >"$T_BASE/mk.conf" <<EOF
# a comment
folders=Sent,Junk

quota=5000S
mode=0750
subscribe
EOF
chmod 0644 "$T_BASE/mk.conf"
mkhome alice
pam_service conf "config=$T_BASE/mk.conf mode=0700"
pam_login conf alice -a account
expect "config=: succeeds" "$PAM_SUCCESS"
check "config=: folders from the file" is_maildir "$A/Maildir/.Junk"
check "config=: quota from the file" test "$(head -n 1 "$A/Maildir/maildirsize" 2>&1)" = 5000S
check "config=: subscribe from the file" grep -qx INBOX.Junk "$A/Maildir/courierimapsubscribed"
stat_is "config=: mode= on the PAM line wins" "$A/Maildir/.Junk/cur" "alice 700"
# The option order on the PAM line must not matter.
mkhome alice
pam_service conf2 "mode=0700 config=$T_BASE/mk.conf"
pam_login conf2 alice -a session
expect "config= after mode=: succeeds" "$PAM_SUCCESS"
stat_is "config= after mode=: the PAM line still wins" "$A/Maildir/cur" "alice 700"

# --- unknown option: logged ---
mkhome alice
pam_service unk "frobnicate=1"
m=$(log_mark)
pam_login unk alice -a account
logged "unknown option is logged by name" "$m" "pam_mkmaildir.*frobnicate"

# --- quiet and debug ---
# quiet: no message to the user through the conversation on failure (the log
# line stays). Control: without quiet there is one.
D=$(home_of dave); rm -rf "$D"
pam_service noquiet ""
pam_login noquiet dave -a account
expect_fail "control, no home: fails"
check "control, no home: the user is told through the conversation" grep -q 'conv:' <<<"$out"
pam_service quiet "quiet"
m=$(log_mark)
pam_login quiet dave -a account
expect_fail "quiet, no home: fails"
check "quiet, no home: nothing said through the conversation" sh -c "! grep -q 'conv:' <<'EOF'
$out
EOF"
logged "quiet, no home: still logged" "$m" "pam_mkmaildir.*$D"
mkhome alice
pam_login quiet alice -a account
expect "quiet: succeeds" "$PAM_SUCCESS"
check "quiet: maildir created" is_maildir "$A/Maildir"
# PAM_SILENT from the application silences the conversation too.
pam_login noquiet dave -a session -S
expect "PAM_SILENT, no home: session fails" "$PAM_SESSION_ERR"
check "PAM_SILENT, no home: nothing said through the conversation" sh -c "! grep -q 'conv:' <<'EOF'
$out
EOF"

count_lines() { sleep 0.3; log_since "$1" | grep -c pam_mkmaildir; }
pam_service plainlog ""
mkhome alice
m=$(log_mark); pam_login plainlog alice -a account; n0=$(count_lines "$m")
pam_service debug "debug"
mkhome alice
m=$(log_mark); pam_login debug alice -a account; n1=$(count_lines "$m")
expect "debug: succeeds" "$PAM_SUCCESS"
if [ -z "$T_SYSLOG" ]; then skip "debug: more log lines" "no syslog"
elif [ "$n1" -gt "$n0" ]; then pass "debug: logs more than without ($n1 > $n0 lines)"
else fail "debug: logs more than without" "$n1 lines with debug, $n0 without"; fi

# --- timeout= accepts a number ---
mkhome alice
pam_service tmo "timeout=5"
pam_login tmo alice -a account
expect "timeout=5 without a creator: succeeds" "$PAM_SUCCESS"

# --- malformed configuration: PAM_SERVICE_ERR, a log line, nothing created ---
bad() { # bad LABEL LOGREGEX OPTIONS...
	local label=$1 re=$2 before m; shift 2
	mkhome alice
	pam_service bad "$@"
	before=$(snap "$T_BASE/home" "$T_BASE/spool")
	m=$(log_mark)
	pam_login bad alice -a account
	expect "$label: account returns PAM_SERVICE_ERR" "$PAM_SERVICE_ERR"
	pam_login bad alice -a session
	expect "$label: session returns PAM_SERVICE_ERR" "$PAM_SERVICE_ERR"
	same "$label: nothing created" "$before" "$(snap "$T_BASE/home" "$T_BASE/spool")"
	logged "$label: logged, naming the option" "$m" "pam_mkmaildir.*($re)"
}
bad "mode=999" "mode" "mode=999"
bad "mode=abc" "mode" "mode=abc"
bad "mode=" "mode" "mode="
bad "homemode=abc" "homemode" "createhome homemode=abc"
bad "maildir=%q (unknown escape)" "%q|maildir" "maildir=%h/%q"
bad "maildir ending in a lone %" "maildir|%" "maildir=%h/Mail%"
bad "skel=relative" "skel" "createhome skel=etc/skel"
bad "config=/nonexistent" "nonexistent|config" "config=$T_BASE/nonexistent.conf"
bad "timeout=abc" "timeout" "timeout=abc"
bad "timeout=0" "timeout" "timeout=0"
bad "timeout=3601" "timeout" "timeout=3601"
bad "folders=../evil" "folder" "folders=Sent,../evil"
bad "folders=a/b" "folder" "folders=a/b"
bad "creator=relative" "creator" "creator=bin/creator"

# an unreadable config (a directory)
bad "config=<a directory>" "config|$T_BASE" "config=$T_BASE/skel"

# a bad value inside the config file
printf 'mode=12345678\n' >"$T_BASE/bad.conf"
bad "mode= malformed inside config=" "mode" "config=$T_BASE/bad.conf"

# an unsafe config file: not root's, writable by others, too big
printf 'folders=Sent\n' >"$T_BASE/alice.conf"; chown alice "$T_BASE/alice.conf"; chmod 0644 "$T_BASE/alice.conf"
bad "config= owned by alice" "config|alice.conf" "config=$T_BASE/alice.conf"
printf 'folders=Sent\n' >"$T_BASE/open.conf"; chmod 0666 "$T_BASE/open.conf"
bad "config= writable by others (0666)" "config|open.conf" "config=$T_BASE/open.conf"
{ printf 'folders=Sent\n'; for _ in $(seq 1100); do printf '# %060d\n' 0; done; } >"$T_BASE/big.conf"
chmod 0644 "$T_BASE/big.conf"
bad "config= over 64 KiB" "config|big.conf" "config=$T_BASE/big.conf"

# --- owner=/group= naming nobody NSS knows ---
mkhome alice
pam_service noowner "owner=nosuchowner"
before=$(snap "$T_BASE/home")
m=$(log_mark)
pam_login noowner alice -a account
expect "owner=nosuchowner: PAM_USER_UNKNOWN" "$PAM_USER_UNKNOWN"
same "owner=nosuchowner: nothing created" "$before" "$(snap "$T_BASE/home")"
logged "owner=nosuchowner: logged" "$m" "pam_mkmaildir.*nosuchowner"
pam_service nogroup "group=nosuchgroup"
m=$(log_mark)
pam_login nogroup alice -a account
expect "group=nosuchgroup: PAM_USER_UNKNOWN" "$PAM_USER_UNKNOWN"
same "group=nosuchgroup: nothing created" "$before" "$(snap "$T_BASE/home")"
logged "group=nosuchgroup: logged" "$m" "pam_mkmaildir.*nosuchgroup"
