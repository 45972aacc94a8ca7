# SPDX-License-Identifier: GPL-2.0-or-later
# mkmaildir(8): the command-line front end.  Creation as the module does it,
# -n on complete, missing, incomplete and unsafe maildirs, bad users and exit
# codes, stdin lists, -c and -o, the default configuration file, 1,000 users
# in one call, -j 1 against -j 2, progress on a terminal, a creator.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup

MK=${T_MKMAILDIR:-$T_TOP/mkmaildir}
if [ ! -x "$MK" ] || [ "$T_TOP/mkmaildir.c" -nt "$MK" ]; then
	fail "$T_NAME: mkmaildir built" "$MK is missing or older than mkmaildir.c (run make)"
	exit 0
fi
# Never the host's /etc/security/mkmaildir.conf: every run names its file.
EMPTY=$T_BASE/empty.conf
: >"$EMPTY"; chmod 0644 "$EMPTY"

# mk ARGS...: mkmaildir with the empty configuration; sets $rc, $out (stdout), $err.
# mkc ARGS...: the same without the implied -c.  Both read stdin from $IN (default: nothing).
IN=/dev/null
mkc() {
	out=$(cd "$T_BASE" && timeout 300 "$MK" "$@" <"$IN" 2>"$T_WORK/$T_NAME.stderr"); rc=$?
	err=$(cat "$T_WORK/$T_NAME.stderr")
}
mk() { mkc -c "$EMPTY" "$@"; }
# input TEXT: what the next runs read on stdin (printf format, so \n, \0 work).
input() { printf "$1" >"$T_WORK/$T_NAME.stdin"; IN=$T_WORK/$T_NAME.stdin; }
noinput() { IN=/dev/null; }

rc_is() { if [ "$rc" = "$2" ]; then pass "$1"; else fail "$1" "exit $rc, want $2; out: $(tr '\n' '|' <<<"$out") err: $(tr '\n' '|' <<<"$err" | cut -c1-300)"; fi; }
out_is() { if [ "$out" = "$2" ]; then pass "$1"; else fail "$1" "stdout: $(tr '\n' '|' <<<"$out"), want: $(tr '\n' '|' <<<"$2")"; fi; }
# out_matches NAME ERE: stdout, as one string with | for newlines, matches.
out_matches() {
	if tr '\n' '|' <<<"$out" | grep -Eq -- "$2"; then pass "$1"; else fail "$1" "stdout: $(tr '\n' '|' <<<"$out") does not match /$2/"; fi
}
err_matches() {
	if grep -Eq -- "$2" <<<"$err"; then pass "$1"; else fail "$1" "stderr: $(tr '\n' '|' <<<"$err" | cut -c1-400) does not match /$2/"; fi
}
# listing DIR: every entry below DIR, relative, with type, mode, owner, group, size.
listing() { (cd "$1" && find . -mindepth 1 -printf '%P %y %m %U %G %s\n' | LC_ALL=C sort); }

A=$(home_of alice)

# --- creation, a second run, -n and -q on a complete maildir ---
mkhome alice
mk alice
rc_is "alice: exit 0" 0
out_is "alice: reported created" "alice: created"
check "alice: a complete maildir" is_maildir "$A/Maildir"
for d in "" /cur /new /tmp; do stat_is "alice: Maildir$d is alice 700" "$A/Maildir$d" "alice 700"; done
err_matches "alice: the core's notice on stderr" "^mkmaildir: alice: created maildir $A/Maildir"
check "alice: no temporary leftovers" test -z "$(leftovers "$A")"

before=$(snap "$A")
mk alice
rc_is "second run: exit 0" 0
out_is "second run: reported ok" "alice: ok"
check "second run: nothing on stderr" test -z "$err"
same "second run: nothing changed" "$before" "$(snap "$A")"
mk -n alice
rc_is "-n, complete: exit 0" 0
out_is "-n, complete: reported ok" "alice: ok"
same "-n, complete: nothing changed" "$before" "$(snap "$A")"
mk -q alice
rc_is "-q, complete: exit 0" 0
out_is "-q, complete: nothing reported" ""

# An existing maildir the module never populated is missing its folders
# (made before folders= was set, or by a delivery agent): -n says so and a
# run populates it.  Once populated, a folder the user deleted is not
# missing, as at login.
mk -n -o folders=Sent alice
out_matches "-n, folders= on an unpopulated maildir: missing" "^alice: missing: .*lacks folder"
mk -o folders=Sent alice
out_is "folders= on an unpopulated maildir: completed" "alice: completed"
check "folders= on an unpopulated maildir: the folder is made" test -d "$A/Maildir/.Sent/cur"
rm -rf "$A/Maildir/.Sent"
mk -n -o folders=Sent alice
out_is "-n, a folder deleted after population: ok (as at login)" "alice: ok"
mk -o folders=Sent alice
out_is "a folder deleted after population: ok" "alice: ok"
check "a folder deleted after population: not made again" test ! -e "$A/Maildir/.Sent"
rm -f "$A/Maildir"/pam_mkmaildir.*

if ! is_root; then
	mkhome bob
	mk -n bob
	rc_is "not root, another user, -n: exit 2" 2
	out_matches "not root, another user, -n: an error, not missing" "^bob: error: .*running as uid [0-9]+ cannot create for uid 5002\|$"
	mk bob
	rc_is "not root, another user: exit 2" 2
	check "not root, another user: nothing made" test ! -e "$(home_of bob)/Maildir"
	skip "$T_NAME: other users" "the rest works for other users and needs root"
	exit 0
fi

# --- the same tree as the module makes ---
OPTS="folders=Drafts,Sent,Archive.2024 subscribe quota=1000000S,1000C mode=0750"
mkdir -p "$T_BASE/cmp/mod" "$T_BASE/cmp/cli"; chmod 0755 "$T_BASE/cmp" "$T_BASE/cmp/mod" "$T_BASE/cmp/cli"
pam_service cmp "maildir=$T_BASE/cmp/mod/%u $OPTS"
pam_login cmp bob -a account
expect "module: creates bob's maildir (reference)" "$PAM_SUCCESS"
oargs=(-o "maildir=$T_BASE/cmp/cli/%u"); for o in $OPTS; do oargs+=(-o "$o"); done
mk "${oargs[@]}" bob
rc_is "same options as the module: exit 0" 0
out_is "same options as the module: created" "bob: created"
ref=$(listing "$T_BASE/cmp/mod"); got=$(listing "$T_BASE/cmp/cli")
check "module reference is the full tree" grep -q '^bob/.Archive.2024/maildirfolder f 600 5002 5002 0$' <<<"$ref"
same "names, types, modes, owners, groups and sizes equal the module's" "$ref" "$got"
check "file contents equal the module's (maildirsize, subscriptions)" \
	diff -r "$T_BASE/cmp/mod" "$T_BASE/cmp/cli"
check "maildirsize holds the quota" test "$(head -n 1 "$T_BASE/cmp/cli/bob/maildirsize")" = "1000000S,1000C"

# --- -c and -o: the command line wins over the file ---
cat >"$T_BASE/mk.conf" <<EOF
# a comment
folders=Junk
quota=5000S
mode=0750
EOF
chmod 0644 "$T_BASE/mk.conf"
C=$(home_of carol)
mkhome carol
mkc -c "$T_BASE/mk.conf" -o folders=Drafts -o mode=0700 carol
rc_is "-c with -o: exit 0" 0
check "-c with -o: folders from -o" is_maildir "$C/Maildir/.Drafts"
check "-c with -o: not the file's folders" test ! -e "$C/Maildir/.Junk"
check "-c with -o: quota from the file" test "$(head -n 1 "$C/Maildir/maildirsize" 2>&1)" = 5000S
stat_is "-c with -o: mode from -o" "$C/Maildir/.Drafts/cur" "carol 700"
mkhome carol
mkc -c mk.conf carol    # relative to the working directory ($T_BASE)
rc_is "-c relative path: exit 0" 0
check "-c relative path: the file's folders" is_maildir "$C/Maildir/.Junk"
stat_is "-c relative path: the file's mode" "$C/Maildir/cur" "carol 750"

# --- bad configurations: exit 3, nothing done ---
mkhome carol
before=$(snap "$T_HOMES")
badconf() { # badconf LABEL ERR-REGEX ARGS...
	local label=$1 re=$2; shift 2
	mkc "$@" carol
	rc_is "$label: exit 3" 3
	out_is "$label: no report line" ""
	err_matches "$label: said on stderr" "$re"
	same "$label: nothing created" "$before" "$(snap "$T_HOMES")"
}
badconf "-c missing file" "nonexistent" -c "$T_BASE/nonexistent.conf"
cp "$T_BASE/mk.conf" "$T_BASE/open.conf"; chmod 0666 "$T_BASE/open.conf"
badconf "-c world-writable file" "open.conf" -c "$T_BASE/open.conf"
printf 'mode=0777\n' >"$T_BASE/bad.conf"; chmod 0644 "$T_BASE/bad.conf"
badconf "-c with a bad value" "mode" -c "$T_BASE/bad.conf"
badconf "-o mode=0777" "mode" -c "$EMPTY" -o mode=0777
badconf "-o maildir=%q" "maildir" -c "$EMPTY" -o 'maildir=%h/%q'
badconf "-o config=" "-c" -c "$EMPTY" -o "config=$T_BASE/mk.conf"
badconf "-c twice" "once" -c "$EMPTY" -c "$EMPTY"
badconf "-j 0" "-j" -c "$EMPTY" -j 0
badconf "-j x" "-j" -c "$EMPTY" -j x
badconf "-j 100000" "-j" -c "$EMPTY" -j 100000
badconf "unknown flag" "unknown option" -c "$EMPTY" -Z
badconf "-o with an unknown option name" "unknown option" -c "$EMPTY" -o folderz=Sent
printf 'folderz=Sent\n' >"$T_BASE/typo.conf"; chmod 0644 "$T_BASE/typo.conf"
mkc -n -c "$T_BASE/typo.conf" carol
rc_is "unknown name in the file: a configuration error, nothing checked (exit 3)" 3
err_matches "unknown name in the file: said on stderr, with file, line and name" "typo.conf:1: unknown option \"folderz\""
out_is "unknown name in the file: no user looked at" ""
printf 'root:$6$secret$hash:19000:0:99999:7:::\n' >"$T_BASE/shadowlike.conf"; chmod 0644 "$T_BASE/shadowlike.conf"
mkc -n -c "$T_BASE/shadowlike.conf" carol
rc_is "a line that is no option at all: exit 3" 3
check "a line that is no option at all: its text is not echoed" test -z "$(grep -F 'secret' <<<"$err")"
badconf "-j carol (no number)" "-j" -c "$EMPTY" -j
mkc -c "$EMPTY" -j
rc_is "-j as the last argument: exit 3" 3
err_matches "-j as the last argument: said on stderr" "needs an argument"
mkc -h
rc_is "-h: exit 0" 0
out_matches "-h: usage on stdout" "^usage: mkmaildir"

# --- the default configuration file (a build with CONFIG_FILE under $T_BASE) ---
DEFMK=$T_BASE/mkmaildir-defconf
if cc -std=c11 -D_GNU_SOURCE -DCONFIG_FILE="\"$T_BASE/default.conf\"" -I"$T_TOP" \
	-o "$DEFMK" "$T_TOP/mkmaildir.c" "$T_TOP/libcore.a" -lpthread 2>"$T_BASE/cc.err"; then
	printf 'folders=Junk\n' >"$T_BASE/default.conf"; chmod 0644 "$T_BASE/default.conf"
	mkhome carol
	out=$("$DEFMK" carol 2>&1); rc=$?
	rc_is "default file: exit 0" 0
	check "default file: read when it exists" is_maildir "$C/Maildir/.Junk"
	mkhome carol
	out=$("$DEFMK" -c "$EMPTY" carol 2>&1); rc=$?
	check "default file: -c replaces it" test "$rc" = 0 -a -d "$C/Maildir" -a ! -e "$C/Maildir/.Junk"
	rm -f "$T_BASE/default.conf"
	mkhome carol
	"$DEFMK" carol >"$T_BASE/def.out" 2>"$T_BASE/def.err"; rc=$?
	out=$(cat "$T_BASE/def.out") err=$(cat "$T_BASE/def.err")
	rc_is "default file absent: exit 0" 0
	check "default file absent: built-in defaults" test -d "$C/Maildir/cur" -a ! -e "$C/Maildir/.Junk"
	# A login names its file; without one this run may make
	# another maildir, and says so, once, on stderr.
	check "default file absent: one warning line on stderr" test "$(grep -c warning <<<"$err")" = 1
	err_matches "default file absent: the warning names the file and the defaults" \
		"^mkmaildir: warning: no configuration file \($T_BASE/default.conf does not exist and no -c\)"
	out_is "default file absent: the report is unchanged" "carol: created"
	"$DEFMK" -n -q carol >"$T_BASE/def.out" 2>"$T_BASE/def.err"; rc=$?
	err=$(cat "$T_BASE/def.err")
	rc_is "default file absent, -n -q: exit 0" 0
	check "default file absent, -n -q: the warning still shows" test "$(grep -c 'warning: no configuration file' <<<"$err")" = 1
	mkhome carol
	"$DEFMK" -c "$EMPTY" carol >"$T_BASE/def.out" 2>"$T_BASE/def.err"
	check "default file absent, -c given: no warning" test "$(grep -c warning "$T_BASE/def.err")" = 0
	printf 'folders=Junk\n' >"$T_BASE/default.conf"; chmod 0644 "$T_BASE/default.conf"
	mkhome carol
	"$DEFMK" carol >"$T_BASE/def.out" 2>"$T_BASE/def.err"
	check "default file present: no warning" test "$(grep -c warning "$T_BASE/def.err")" = 0
	rm -f "$T_BASE/default.conf"
	# One rule for the default file in every front end: a symlink there,
	# even a dangling one, is not taken for no file but refused.
	ln -s "$T_BASE/nonexistent.conf" "$T_BASE/default.conf"
	mkhome carol
	out=$("$DEFMK" carol 2>&1); rc=$?
	rc_is "default file a dangling symlink: exit 3" 3
	check "default file a dangling symlink: refused as a symlink" grep -q 'symlink' <<<"$out"
	check "default file a dangling symlink: nothing created" test ! -e "$C/Maildir"
	rm -f "$T_BASE/default.conf"
	printf 'folders=Junk\n' >"$T_BASE/default.conf"; chmod 0666 "$T_BASE/default.conf"
	mkhome carol
	out=$("$DEFMK" carol 2>&1); rc=$?
	rc_is "default file writable by others: exit 3" 3
	check "default file writable by others: nothing created" test ! -e "$C/Maildir"
else
	fail "default file: build a variant" "$(head -c 300 "$T_BASE/cc.err")"
fi

# --- -n: missing, incomplete, unsafe; then the real run ---
B=$(home_of bob)
mkhome bob
before=$(snap "$B")
mk -n bob
rc_is "-n, missing: exit 1" 1
out_matches "-n, missing: reported missing with the path" "^bob: missing: .*$B/Maildir.*missing\|$"
same "-n, missing: nothing created" "$before" "$(snap "$B")"
check "-n, missing: no error on stderr" test -z "$(grep 'error' <<<"$err")"
# -n -q prints each missing maildir once, on stdout.
mk -n -q bob
rc_is "-n -q, missing: exit 1" 1
out_matches "-n -q, missing: one report line" "^bob: missing: [^|]+\|$"
check "-n -q, missing: nothing on stderr" test -z "$err"
mk -n -q bob alice
out_matches "-n -q, missing and ok: only the missing one, once" "^bob: missing: [^|]+\|$"
check "-n -q, missing and ok: nothing on stderr" test -z "$err"

mkdir -p "$B/Maildir/new" "$B/Maildir/tmp"; chown -R bob:bob "$B/Maildir"; chmod -R 0700 "$B/Maildir"
before=$(snap "$B")
mk -n bob
rc_is "-n, incomplete: exit 1" 1
out_matches "-n, incomplete: reported missing, naming cur" "^bob: missing: .*Maildir/cur.*\|$"
same "-n, incomplete: nothing changed" "$before" "$(snap "$B")"
mk bob
rc_is "incomplete: exit 0" 0
out_is "incomplete: reported completed" "bob: completed"
stat_is "incomplete: cur made, bob 700" "$B/Maildir/cur" "bob 700"
mk -n bob
out_is "incomplete, after the run: ok" "bob: ok"

# A symlink in place of cur: -n cannot tell it from a missing cur (documented);
# the real run refuses it.
rm -rf "$B/Maildir/cur"; mkdir -p "$T_BASE/curtarget"; chown bob:bob "$T_BASE/curtarget"
ln -s "$T_BASE/curtarget" "$B/Maildir/cur"
before=$(snap "$B" "$T_BASE/curtarget")
mk -n bob
rc_is "-n, cur is a symlink: exit 1" 1
out_matches "-n, cur is a symlink: reported missing, naming cur" "^bob: missing: .*Maildir/cur.*\|$"
mk bob
rc_is "cur is a symlink: exit 2" 2
out_matches "cur is a symlink: reported unsafe" "^bob: unsafe: .*cur.*\|$"
same "cur is a symlink: nothing changed" "$before" "$(snap "$B" "$T_BASE/curtarget")"

mkhome carol
mkdir -p "$T_BASE/elsewhere"; chown carol:carol "$T_BASE/elsewhere"
ln -s "$T_BASE/elsewhere" "$C/Maildir"
before=$(snap "$C" "$T_BASE/elsewhere")
mk -n carol
rc_is "-n, symlinked Maildir: exit 2" 2
out_matches "-n, symlinked Maildir: reported unsafe" "^carol: unsafe: .*Maildir.*(symlink|not a directory).*\|$"
same "-n, symlinked Maildir: nothing changed" "$before" "$(snap "$C" "$T_BASE/elsewhere")"
mk carol
rc_is "symlinked Maildir: exit 2" 2
out_matches "symlinked Maildir: reported unsafe" "^carol: unsafe: .*Maildir.*(symlink|not a directory).*\|$"
same "symlinked Maildir: nothing changed, the target stays empty" "$before" "$(snap "$C" "$T_BASE/elsewhere")"
err_matches "symlinked Maildir: the reason on stderr" "^mkmaildir: carol: error: .*Maildir.*(symlink|not a directory)"

mkhome dave
mk -n alice dave ghost carol
rc_is "-n, mixed list: exit 2 (the worst)" 2
out_matches "-n, mixed list: one line each, in order" "^alice: ok\|dave: missing: [^|]+\|ghost: error: [^|]+\|carol: unsafe: [^|]+\|$"
check "-n, mixed list: dave's maildir not created" test ! -e "$(home_of dave)/Maildir"

# --- -n -D and -S: the module's maildir against the server's ---
# A fake doveconf answers -h SETTING from FAKE_<SETTING> and fails for a
# setting left unset, as 2.3 does for mail_path and 2.4 for mail_location.
mkdir -p "$T_BASE/fakebin"
cat >"$T_BASE/fakebin/doveconf" <<'EOS'
#!/bin/sh
[ "$1" = -h ] || exit 64
eval "v=\${FAKE_$2+set}"; [ "$v" = set ] || { echo "doveconf: Fatal: Unknown setting: $2" >&2; exit 89; }
eval "printf '%s\n' \"\$FAKE_$2\""
EOS
chmod 0755 "$T_BASE/fakebin/doveconf"
# dovecot NAME RC STDOUT-ERE VAR=VALUE...: mk -n -D alice with the fake doveconf
# answering the VARs.
dovecot() {
	local name=$1 want=$2 re=$3; shift 3
	out=$(cd "$T_BASE" && env PATH="$T_BASE/fakebin:$PATH" "$@" "$MK" -c "$EMPTY" -n -D alice \
		</dev/null 2>"$T_WORK/$T_NAME.stderr"); rc=$?
	err=$(cat "$T_WORK/$T_NAME.stderr")
	rc_is "-D, $name: exit $want" "$want"
	out_matches "-D, $name: reported" "$re"
}
dovecot "2.3, maildir:~/Maildir" 0 "^alice: ok\|$" FAKE_mail_location='maildir:~/Maildir'
dovecot "2.3, with options after the path" 0 "^alice: ok\|$" FAKE_mail_location='maildir:~/Maildir:LAYOUT=fs:INBOX=~/Maildir'
dovecot "2.3, %h/Maildir/" 0 "^alice: ok\|$" FAKE_mail_location='maildir:%h/Maildir/'
dovecot "2.3, ~/mail: differs, naming both" 2 "^alice: differs: module $A/Maildir, server $A/mail\|$" FAKE_mail_location='maildir:~/mail'
dovecot "2.3, %u in the path" 2 "^alice: differs: module $A/Maildir, server /var/vmail/alice/Maildir\|$" FAKE_mail_location='maildir:/var/vmail/%u/Maildir'
dovecot "2.3, mbox: not a maildir" 2 "^alice: error: .*not a maildir" FAKE_mail_location='mbox:~/mail'
dovecot "2.3, %Lu: not expanded, said so" 2 "^alice: error: .*%L, which mkmaildir does not expand" FAKE_mail_location='maildir:/v/%Lu'
dovecot "2.3, empty mail_location" 3 "^\|?$" FAKE_mail_location=
dovecot "2.4, ~/Maildir" 0 "^alice: ok\|$" FAKE_mail_driver=maildir FAKE_mail_path='~/Maildir'
dovecot "2.4, %{home}/Maildir" 0 "^alice: ok\|$" FAKE_mail_driver=maildir FAKE_mail_path='%{home}/Maildir'
dovecot "2.4, %{user | username}: differs" 2 "^alice: differs: module $A/Maildir, server /v/alice/Maildir\|$" FAKE_mail_driver=maildir FAKE_mail_path='/v/%{user | username}/Maildir'
dovecot "2.4, %{user|lower}: not expanded, said so" 2 "^alice: error: .*%\{user\|lower\}, which" FAKE_mail_driver=maildir FAKE_mail_path='/v/%{user|lower}'
dovecot "2.4, mail_driver mbox" 3 "^\|?$" FAKE_mail_driver=mbox FAKE_mail_path='~/mail'
dovecot "no doveconf answers" 3 "^\|?$"
err_matches "-D, no doveconf answers: said so" "doveconf -h mail_path and doveconf -h mail_location both failed"

# -S: the location given; %n and %d split a virtual user's name, and ~
# is refused with owner= (the server's home then comes from its userdb).
VM=$T_BASE/vmail-s
mkdir -p "$VM/example.org/alice"; chown -R vmail:vmail "$VM"
mk -n -o owner=vmail -o "maildir=$VM/%d/%n/Maildir" -S "maildir:$VM/%d/%n/Maildir" alice@example.org
rc_is "-S, virtual %d/%n, the same: exit 1" 1
out_matches "-S, virtual %d/%n, the same: only missing" "^alice@example.org: missing: [^|]*\|$"
mk -n -o owner=vmail -o "maildir=$VM/%d/%n/Maildir" -S "$VM/%n/%d/Maildir" alice@example.org
rc_is "-S, virtual, swapped: exit 2" 2
out_matches "-S, virtual, swapped: differs" "^alice@example.org: differs: module $VM/example.org/alice/Maildir, server $VM/alice/example.org/Maildir\|$"
mk -n -o owner=vmail -o "maildir=$VM/%d/%n/Maildir" -S "~/Maildir" alice@example.org
out_matches "-S, ~ with owner=: not guessed" "^alice@example.org: error: .*userdb"
mk -S "~/Maildir" alice
rc_is "-S without -n: usage error" 3
mk -n -S "~/Maildir" -D alice
rc_is "-D and -S together: usage error" 3

# --- bad users and exit codes ---
before=$(snap "$T_BASE")
mk ghost
rc_is "unknown user: exit 2" 2
out_matches "unknown user: reported error" "^ghost: error: .*ghost.*not known.*\|$"
mk 'evil/x'
rc_is "user name with /: exit 2" 2
out_matches "user name with /: reported error" "^evil/x: error: .*'/'.*\|$"
mk ''
rc_is "empty user name: exit 2" 2
out_matches "empty user name: reported error" "^: error: .*empty.*\|$"
mk "$(printf 'eve\tx')"
rc_is "control character in an argument: exit 2" 2
out_matches "control character in an argument: escaped, refused" '^eve\\x09x: error: .*control character.*\|$'
same "bad users: nothing created anywhere" "$before" "$(snap "$T_BASE")"
D=$(home_of dave); rm -rf "$D"
mk dave
rc_is "missing home without createhome: exit 2" 2
out_matches "missing home without createhome: reported error" "^dave: error: .*$D.*\|$"
check "missing home without createhome: no home made" test ! -e "$D"
# -n says what the real run says: an error (exit 2), not missing.
mk -n dave
rc_is "-n, missing home without createhome: exit 2, as the real run" 2
out_matches "-n, missing home without createhome: reported error" "^dave: error: .*$D.*createhome.*\|$"
mk -n -q dave
out_matches "-n -q, missing home: reported once, as an error" "^dave: error: [^|]+\|$"
mk -n -o createhome dave
rc_is "-n, missing home with createhome: exit 1 (the run would make it)" 1
out_matches "-n, missing home with createhome: reported missing" "^dave: missing: [^|]+\|$"
check "-n: no home made" test ! -e "$D"
mk -o createhome -o homemode=0750 dave
rc_is "missing home with createhome: exit 0" 0
stat_is "createhome: the home is dave 750" "$D" "dave 750"
check "createhome: the maildir" is_maildir "$D/Maildir"
E=$(home_of erin); mkhome erin
mk ghost erin
rc_is "a bad user among good ones: exit 2" 2
out_matches "a bad user among good ones: both reported, in order" "^ghost: error: [^|]+\|erin: created\|$"
check "a bad user among good ones: the good one is done" is_maildir "$E/Maildir"
F=$(home_of frank); mkhome frank
mk -q ghost erin frank
rc_is "-q: exit 2" 2
out_matches "-q: only the failed user is reported" "^ghost: error: [^|]+\|$"
check "-q: frank's maildir is still made" is_maildir "$F/Maildir"
check "-q: the error on stderr, no notices" test -n "$err" -a -z "$(grep -v 'error:' <<<"$err")"

# --- stdin lists ---
mkhome frank; mkhome erin
input 'erin\n\nfrank\r\nghost\ndot.user'
mkhome dot.user
mk
rc_is "stdin: exit 2 (ghost)" 2
out_matches "stdin: CR stripped, empty line skipped, last line without newline read" \
	"^erin: created\|frank: created\|ghost: error: [^|]+\|dot.user: created\|$"
check "stdin: frank's maildir" is_maildir "$F/Maildir"
check "stdin: dot.user's maildir" is_maildir "$(home_of dot.user)/Maildir"
input 'frank\n'
mk erin
out_is "stdin is not read when users are named" "erin: ok"
input 'a\tb\nerin\n'
mk
rc_is "stdin control character: exit 2" 2
out_matches "stdin control character: escaped, refused, the next line read" '^a\\x09b: error: .*control character[^|]*\|erin: ok\|$'
input "$(printf 'x%.0s' $(seq 300))\nerin\n"
mk
rc_is "stdin overlong line: exit 2" 2
out_matches "stdin overlong line: refused, the next line read" '^x{255}\.\.\.: error: .*longer than 255[^|]*\|erin: ok\|$'
input 'er\0in\nerin\n'
mk
rc_is "stdin NUL byte: exit 2" 2
out_matches "stdin NUL byte: refused, the next line read" '^er: error: .*NUL[^|]*\|erin: ok\|$'
input 'a b:c\\d\n'
mk
out_matches "stdin space, colon, backslash: escaped in the report" '^a\\x20b\\x3ac\\x5cd: error: [^|]+\|$'
input ''
mk
rc_is "empty stdin: exit 0" 0
out_is "empty stdin: no report" ""
input '\n\n'
mk -n
rc_is "only empty lines: exit 0" 0
noinput

# --- a creator program ---
BIN=$T_BASE/bin; mkdir -p "$BIN" "$T_BASE/out"; chmod 0755 "$BIN"
chmod 1777 "$T_BASE/out"
cat >"$BIN/creator" <<EOF
#!/bin/sh
env >"$T_BASE/out/creator.env"
id -u >"$T_BASE/out/creator.uid"
mkdir -m 700 "\$2" "\$2/cur" "\$2/new" "\$2/tmp"
EOF
chmod 0755 "$BIN/creator"
mkhome frank
mk -o "creator=$BIN/creator" frank
rc_is "creator: exit 0" 0
out_is "creator: reported created" "frank: created"
check "creator: ran as the owner" test "$(cat "$T_BASE/out/creator.uid" 2>&1)" = 5006
check "creator: told PAM_SERVICE=mkmaildir" grep -qx PAM_SERVICE=mkmaildir "$T_BASE/out/creator.env"
stat_is "creator: the maildir is frank's" "$F/Maildir/cur" "frank 700"
printf '#!/bin/sh\nexit 3\n' >"$BIN/failing"; chmod 0755 "$BIN/failing"
mkhome erin
mk -o "creator=$BIN/failing" erin
rc_is "failing creator: exit 2" 2
out_matches "failing creator: reported error with the status" "^erin: error: .*exit status 3.*\|$"
check "failing creator: no maildir" test ! -e "$E/Maildir"

# --- 1,000 users in one call ---
NMANY=1000
{
	for i in $(seq -w 1 $NMANY); do
		printf 'u%s:x:%d:30000:Many %s:%s/many/u%s:/bin/sh\n' "$i" $((30000 + 10#$i)) "$i" "$T_BASE" "$i"
	done
} >>"$T_BASE/nss/passwd"
printf 'many:x:30000:\n' >>"$T_BASE/nss/group"
seq -f 'u%04g' 1 $NMANY >"$T_BASE/many.list"
mkdir -p "$T_BASE/many"; chmod 0755 "$T_BASE/many"
check "1000 users: the accounts resolve" test "$(id -u u1000)" = 31000
IN=$T_BASE/many.list
t0=$(date +%s.%N)
mk -o createhome -o homemode=0711 -o folders=Sent,Trash -o subscribe -o quota=100000S
t1=$(date +%s.%N)
rc_is "1000 users: exit 0" 0
check "1000 users: 1000 report lines, all created, in input order" \
	test "$out" = "$(sed 's/$/: created/' "$T_BASE/many.list")"
check "1000 users: 3000 complete maildirs (INBOX and two folders)" \
	test "$(find "$T_BASE/many" -name cur -type d | wc -l)" = $((3 * NMANY))
bad=$(find "$T_BASE/many" -mindepth 1 -printf '%P %U %G\n' |
	awk '{ split($1, p, "/"); want = 30000 + substr(p[1], 2) + 0; if ($2 != want || $3 != 30000) print }' | head -n 3)
check "1000 users: every entry belongs to its user and group many" test -z "$bad"
check "1000 users: homes are 711" test "$(find "$T_BASE/many" -mindepth 1 -maxdepth 1 -type d ! -perm 0711 | wc -l)" = 0
check "1000 users: the parent holds only the 1000 homes" \
	test "$(ls -A "$T_BASE/many" | grep -cvx 'u[0-9]*')" = 0 -a "$(ls -A "$T_BASE/many" | wc -l)" = "$NMANY"
check "1000 users: every maildirsize holds the quota" \
	test "$(head -qn 1 "$T_BASE"/many/u*/Maildir/maildirsize | sort | uniq -c | awk '{print $1, $2}')" = "$NMANY 100000S"
check "1000 users: no temporary leftovers" test -z "$(leftovers "$T_BASE/many")"
awk -v a="$t0" -v b="$t1" -v n=$NMANY 'BEGIN { printf "        (1000 users created in %.2f s, %.0f users/s)\n", b - a, n / (b - a) }'
before=$(snap "$T_BASE/many")
mk -n -o folders=Sent,Trash
rc_is "1000 users, -n: exit 0" 0
check "1000 users, -n: all ok" test "$out" = "$(sed 's/$/: ok/' "$T_BASE/many.list")"
same "1000 users, -n: nothing changed" "$before" "$(snap "$T_BASE/many")"
rm -rf "$T_BASE/many/u0500/Maildir/cur" "$T_BASE/many/u0999/Maildir"
mk -n -q -j 4
rc_is "1000 users, -n with two broken: exit 1" 1
out_matches "1000 users, -n -q: just the two broken ones" "^u0500: missing: [^|]+\|u0999: missing: [^|]+\|$"
mk -q
rc_is "1000 users, repaired: exit 0" 0
mk -n -q
rc_is "1000 users, after the repair: all complete" 0

# --- -j 1 and -j 2 make the same trees (and the same report) ---
mkdir -p "$T_BASE/j1" "$T_BASE/j2"; chmod 0755 "$T_BASE/j1" "$T_BASE/j2"
jopts=(-o folders=Drafts,Sent.2024 -o subscribe -o quota=5000S,10C -o mode=0750)
mk -j 1 -o "maildir=$T_BASE/j1/%u" "${jopts[@]}"
rc1=$rc out1=$out
mk -j 2 -o "maildir=$T_BASE/j2/%u" "${jopts[@]}"
check "-j 1 and -j 2: both exit 0" test "$rc1" = 0 -a "$rc" = 0
check "-j 1 and -j 2: the same report" test -n "$out" -a "$out1" = "$out"
l1=$(listing "$T_BASE/j1"); l2=$(listing "$T_BASE/j2")
check "-j 1: 1000 maildirs" test "$(grep -c '^u[0-9]*/.Sent.2024/maildirfolder f 600 ' <<<"$l1")" = $NMANY
same "-j 1 and -j 2: the same trees (names, modes, owners, sizes)" "$l1" "$l2"
check "-j 1 and -j 2: the same file contents" diff -r "$T_BASE/j1" "$T_BASE/j2"

# --- the same user many times at once: the core's concurrent creation ---
mkdir -p "$T_BASE/dup"; chmod 0755 "$T_BASE/dup"
yes u0001 | head -n 64 >"$T_BASE/dup.list"
IN=$T_BASE/dup.list
mk -j 16 -o "maildir=$T_BASE/dup/%u" -o folders=Sent
rc_is "one user 64 times, -j 16: exit 0" 0
check "one user 64 times: 64 lines, each created, completed or ok" \
	test "$(grep -cE '^u0001: (created|completed|ok)$' <<<"$out")" = 64
check "one user 64 times: a complete maildir" is_maildir "$T_BASE/dup/u0001/.Sent"
check "one user 64 times: nothing else beside it, nothing of the losers' trees inside it" \
	test "$(ls -A "$T_BASE/dup" | tr '\n' ' ')" = "u0001 " -a -z "$(leftovers "$T_BASE/dup")"
noinput

# --- progress on a terminal ---
if command -v script >/dev/null; then
	mkdir -p "$T_BASE/prog"; chmod 0755 "$T_BASE/prog"
	head -n 150 "$T_BASE/many.list" >"$T_BASE/prog.list"
	tty=$(cd "$T_BASE" && timeout 120 script -qec "$MK -c $EMPTY -o maildir=$T_BASE/prog/%u -j 2 <$T_BASE/prog.list >$T_BASE/prog.out" /dev/null </dev/null)
	check "terminal: progress shown on stderr" grep -q 'mkmaildir: 150/150 users' <<<"$tty"
	check "terminal: a summary line at the end" grep -q 'mkmaildir: 150 users: 0 ok, 150 created' <<<"$tty"
	check "terminal: stdout (a file) has the 150 lines" test "$(grep -c ': created$' "$T_BASE/prog.out")" = 150
	IN=$T_BASE/prog.list
	mk -n -o "maildir=$T_BASE/prog/%u"
	check "not a terminal: no progress" test -z "$err"
	noinput
else
	skip "terminal: progress" "script(1) is not installed"
fi
