# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile input beyond t_module_hostile.sh: user names (invalid UTF-8,
# overlong encodings of '/' and '.', more control characters, '@' in odd
# places, names of 256 bytes, 64 KiB and 1 MiB, printf formats), templates,
# malformed option values and malformed config files.  Each one is refused
# (PAM_PERM_DENIED or PAM_SERVICE_ERR for account, a failure for session),
# with a LOG_ERR line of the module, nothing created anywhere, and no crash.
# A config file reached through a symlink swapped in by a user must not
# bring the content of a file of root's into the log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

V=$T_BASE/vmail
mkdir -p "$V/users" "$V/example.org"; chown -R vmail:vmail "$V"
mkhome alice 0700
pam_service byuser "owner=vmail maildir=$V/users/%u"
pam_service bydom "owner=vmail maildir=$V/%d/%n"
ncase=0
# input_refused LABEL SERVICE USER: refused (pam_harness.sh) with the codes
# of the layer that refuses (options, names, accounts; the file system for
# the service "opt"), and a log line that says why.
input_refused() {
	local codes="$PAM_PERM_DENIED $PAM_SERVICE_ERR $PAM_USER_UNKNOWN"
	ncase=$((ncase + 1))
	[ "$2" = opt ] && codes="$codes $PAM_SYSTEM_ERR"
	refused "$1" "$2" "$3" "$codes" any \
		"pam_mkmaildir.*(refus|invalid|not known|needs|option|config|too long|empty|must be)"
}

# --- user names through %u ---
input_refused "user: lone continuation byte" byuser $'a\x80b'
input_refused "user: 0xff" byuser $'\xff'
input_refused "user: 0xfe 0xff" byuser $'\xfe\xff'
input_refused "user: overlong '/' (C0 AF)" byuser $'a\xc0\xafb'
input_refused "user: overlong '..' (C0 AE C0 AE)" byuser $'\xc0\xae\xc0\xae'
input_refused "user: overlong 3-byte '/' (E0 80 AF)" byuser $'x\xe0\x80\xafy'
input_refused "user: overlong 4-byte (F0 80 80 AF)" byuser $'x\xf0\x80\x80\xafy'
input_refused "user: UTF-16 surrogate (ED A0 80)" byuser $'\xed\xa0\x80'
input_refused "user: beyond U+10FFFF (F4 90 80 80)" byuser $'\xf4\x90\x80\x80'
input_refused "user: F5 lead byte" byuser $'\xf5\x80\x80\x80'
input_refused "user: truncated sequence at the end" byuser $'abc\xe2\x82'
input_refused "user: truncated 2-byte at the end" byuser $'abc\xc3'
input_refused "user: C1 control U+0085 as bare 0x85" byuser $'a\x85'
input_refused "user: carriage return" byuser $'a\rb'
input_refused "user: 0x01" byuser $'\x01'
input_refused "user: form feed" byuser $'a\fb'
input_refused "user: vertical tab" byuser $'a\vb'
input_refused "user: backspace" byuser $'ab\b\b\b'
input_refused "user: ANSI escape to rewrite the log" byuser $'x\e[1A\e[2Kroot logged in'
input_refused "user: trailing newline" byuser $'alice\n'
input_refused "user: 256 bytes" byuser "$(printf 'u%.0s' $(seq 256))"
input_refused "user: 64 KiB" byuser "$(head -c 65536 /dev/zero | tr '\0' u)"
input_refused "user: slash at the end" byuser "alice/"
input_refused "user: // only" byuser "//"
input_refused "user: ./x" byuser "./x"
input_refused "user: backslash and slash" byuser '..\/..\/etc'
# --- '@' in odd places, %d and %n ---
input_refused "user: @ alone" bydom "@"
input_refused "user: @@" bydom "@@"
input_refused "user: trailing @ (empty domain)" bydom "bob@"
input_refused "user: leading @ (empty local part)" bydom "@example.org"
input_refused "user: domain with a slash after @@" bydom "a@@b/c"
input_refused "user: domain with a control character" bydom $'a@exam\x01ple.org'
input_refused "user: domain invalid UTF-8" bydom $'a@\xffexample.org'
input_refused "user: local part .. with a second @" bydom "..@x@example.org"
input_refused "user: 300-byte domain" bydom "a@$(printf 'd%.0s' $(seq 300))"
input_refused "user: domain with a newline" bydom $'a@example.org\n../../etc'
# --- printf formats: data, never a format ---
for u in '%s%s%s%s%s%s%s%s' '%n%n%n%n' '%x%x%x%99999999d' '%*.*s%ls'; do
	pam_login byuser "$u" -a account
	ncase=$((ncase + 1))
	check "user '$u': no crash (PAM code $rc)" test "$rc" -lt 90
	check "user '$u': nothing but $V/users/$u created" \
		test -z "$(find "$V" -mindepth 1 ! -path "$V/users" ! -path "$V/users/$u" ! -path "$V/users/$u/*" ! -path "$V/example.org" | head -n 2)"
	rm -rf "$V/users/$u"
done

# --- templates and option values ---
opt() { # LABEL OPTIONS...
	local label=$1; shift
	pam_service opt "$*"
	input_refused "$label" opt alice
}
opt "template with an unknown escape %x" "maildir=%h/%x"
opt "template ending in %" "maildir=%h/Mail%"
opt "template with %5u (a printf width)" "maildir=%h/%5u"
opt "template %h/Maildir/.." "maildir=%h/Maildir/.."
opt "template /../etc" "maildir=/../etc/x"
opt "template that is /" "maildir=/"
opt "template //" "maildir=//"
opt "template with 70 components" "maildir=%h/$(printf 'a/%.0s' $(seq 70))x"
opt "template with a component longer than NAME_MAX" "maildir=%h/$(printf 'a%.0s' $(seq 300))"
opt "template %d for a user without @" "maildir=$V/%d/x"
opt "empty template" "maildir="
opt "maildir without a value" "maildir"
opt "mode=0777" "mode=0777"
opt "mode=0600 (no x for the owner)" "mode=0600"
opt "mode=4700 (setuid)" "mode=4700"
opt "mode=8" "mode=8"
opt "mode=0x1c0" "mode=0x1c0"
opt "mode=07000" "mode=07000"
opt "mode=-700" "mode=-700"
opt "homemode=0666" "createhome homemode=0666"
opt "timeout=0" "timeout=0"
opt "timeout=3601" "timeout=3601"
opt "timeout=-1" "timeout=-1"
opt "timeout=99999999999999999999 (overflow)" "timeout=99999999999999999999"
opt "folders with a slash" "folders=a/b"
opt "folders=.." "folders=.."
opt "folders a..b (empty level)" "folders=a..b"
opt "folders with an empty name" "folders=Sent,,Trash"
opt "folders with *" "folders=Sp*m"
opt "folders with %" "folders=100%"
opt "65 folders" "folders=$(seq -s, -f 'f%g' 65)"
opt "quota=1X" "quota=1X"
opt "quota=S (no number)" "quota=S"
opt "quota=10S,10S" "quota=10S,10S"
opt "quota with a trailing comma" "quota=10S,"
opt "skel relative" "createhome skel=skel"
opt "creator relative" "creator=bin/mk"
opt "creator empty" "creator="
opt "owner=" "owner="
opt "owner with a slash" "owner=a/b"
opt "group=.." "group=.."
opt "group unknown to NSS" "group=nosuchgroup"
opt "owner unknown to NSS" "owner=nosuchowner"
opt "subscribe=yes (a flag with a value)" "subscribe=yes"
opt "debug=1" "debug=1"
opt "config= empty" "config="
opt "config relative" "config=etc/mk.conf"
opt "config missing" "config=$T_BASE/etc/none.conf"

# --- malformed config files ---
mkdir -m 0755 "$T_BASE/etc"
conf() { # LABEL: the config's content is on stdin
	local c=$T_BASE/etc/c$ncase.conf
	cat >"$c"; chmod 0644 "$c"
	pam_service conf "config=$c"
	input_refused "config: $1" conf alice
}
printf 'folders=Sent\nmode=0777\n' | conf "a bad mode on line 2"
printf 'config=/etc/passwd\n' | conf "nested config="
printf 'maildir=%%h/%%q\n' | conf "an unknown escape"
printf 'folders=Sent\0mode=0777\n' | conf "a NUL byte hiding a bad line"
head -c 70000 /dev/zero | tr '\0' '#' | conf "larger than 64 KiB"
printf 'timeout=\n' | conf "an empty value"
mkdir "$T_BASE/etc/dir.conf"; pam_service conf "config=$T_BASE/etc/dir.conf"; input_refused "config: a directory" conf alice
mkfifo "$T_BASE/etc/fifo.conf"; pam_service conf "config=$T_BASE/etc/fifo.conf"; input_refused "config: a FIFO (no hang)" conf alice
pam_service conf "config=/dev/zero"; input_refused "config: a device" conf alice

# Binary garbage without NUL: unknown option names are logged and ignored
# (the documented rule), and nothing crashes.
c=$T_BASE/etc/garbage.conf
printf '\xff\xfe\x01garbage\n\x1b[2Jnope=1\n' >"$c"; chmod 0644 "$c"
pam_service garbage "config=$c"
m=$(log_mark)
pam_login garbage alice -a account
ncase=$((ncase + 1))
check "config: binary garbage lines: no crash ($rc)" test "$rc" -lt 90
logged "config: binary garbage lines: logged by line number, never echoed" "$m" 'garbage.conf:1: unknown option: the maildir is built without it'
if log_since "$m" | grep -q 'garbage\.conf.*garbage[^.]\|x01garbage'; then
	fail "config: binary garbage lines: content not in the log" "the line's content was logged"
else
	pass "config: binary garbage lines: content not in the log"
fi
echo "  figures: $ncase hostile inputs"
check "at least 50 hostile inputs were tried ($ncase)" test "$ncase" -ge 50

# --- a config path through a directory a user controls ---
# The administrator put the config in a directory alice can write (as the
# seed's 0770 /home/mail scheme invites); alice swaps the file for a symlink
# to a file of root's.  The module must refuse it, and above all must not
# copy that file's lines into the log.
CD=$T_BASE/shared
mkdir -m 0770 "$CD"; chown root:alice "$CD"
printf 'folders=Sent\n' >"$CD/mk.conf"; chmod 0644 "$CD/mk.conf"
printf 'root:$6$SECRETHASHxyz:19000:0:99999:7:::\n' >"$T_BASE/shadow"; chmod 0600 "$T_BASE/shadow"
rm -f "$CD/mk.conf"; ln -s "$T_BASE/shadow" "$CD/mk.conf"; chown -h alice:alice "$CD/mk.conf"
pam_service shared "config=$CD/mk.conf"
mkhome alice 0700
m=$(log_mark)
pam_login shared alice -a account
check "config swapped for a symlink to root's file: refused ($rc)" test "$rc" = "$PAM_SERVICE_ERR"
sleep 0.3
check "config swapped for a symlink to root's file: its content is not in the log" \
	sh -c "! grep -q SECRETHASH '$T_SYSLOG'"
