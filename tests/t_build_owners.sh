# SPDX-License-Identifier: GPL-2.0-or-later
# Who builds a tree, and with which ids.  Every kind of builder (the module
# as root, mkmaildir as root or as the owner, authmkhome as the user or as
# vmail) builds in one parent, in any order, with nothing refused and only
# final names left; a set-group-ID parent gives its group and bit, as the
# administrator meant; no account name can take the temporary form; the
# host's capabilities and dumpable flag come back after every switch of the
# filesystem ids; and under strace nothing is removed or renamed that the
# same thread did not create.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

MK=${T_MKMAILDIR:-$T_TOP/mkmaildir}
AMH=${T_AUTHMKHOME:-$T_TOP/authmkhome}
names() { ls -A "$1" | tr '\n' ' '; }
as() { local u=$1; shift; setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --init-groups -- "$@"; }
# conf FILE OPTIONS...: a configuration file, one option a line, root's.
conf() { local f=$1; shift; printf '%s\n' "$@" >"$f"; chmod 0644 "$f"; }
# postlogin USER HOME CONF [AS]: authmkhome as Dovecot's post-login program.
postlogin() {
	local u=$1 h=$2 c=$3 who=${4:-}
	out=$(env -i PATH=/usr/bin:/bin MKMAILDIR_CONFIG="$c" LD_PRELOAD="$LD_PRELOAD" \
		NSS_WRAPPER_PASSWD="$NSS_WRAPPER_PASSWD" NSS_WRAPPER_GROUP="$NSS_WRAPPER_GROUP" \
		USERDB_KEYS="HOME " USER="$u" HOME="$h" ${who:+setpriv --reuid=$(id -u "$who") \
		--regid=$(id -g "$who") --init-groups --} "$AMH" /bin/true 2>&1 </dev/null 3</dev/null)
	rc=$?
}

# --- virtual users of one domain: every builder, in two orders ---
V=$T_BASE/vstore; rm -rf "$V"; mkdir -m 0750 "$V"; chown vmail:vmail "$V"
C=$T_BASE/virt.conf; conf "$C" "owner=vmail" "maildir=$V/%d/%n" "folders=Sent,Trash" "subscribe"
pam_service virt "config=$C"
build() { # BUILDER USER
	case $1 in
	module) pam_login virt "$2" -a account ;;
	mkroot) out=$("$MK" -c "$C" "$2" 2>&1); rc=$? ;;
	mkvmail) out=$(as vmail "$MK" -c "$C" "$2" 2>&1); rc=$? ;;
	postlogin) postlogin "$2" "$T_BASE/vmail" "$C" vmail ;;
	esac
}
n=0
for order in "mkroot postlogin module mkvmail" "postlogin mkroot mkvmail module"; do
	n=$((n + 1)); d=d$n.example
	i=0
	for b in $order; do
		i=$((i + 1))
		build "$b" "u$i@$d"
		check "one domain, $order: $b builds u$i@$d ($rc: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-120))" \
			test "$rc" = 0 -a -d "$V/$d/u$i/.Trash/cur"
	done
	check "one domain, $order: the domain holds only the four maildirs" test "$(names "$V/$d")" = "u1 u2 u3 u4 "
	check "one domain, $order: everything is vmail's" test -z "$(find "$V/$d" ! -user vmail | head -n 3)"
done

# --- a group-writable parent of many users (root:mailgrp 0770, the seed's
# /home/mail scheme), authmkhome run as each user ---
sed -i 's/^mailgrp:x:5200:alice$/mailgrp:x:5200:alice,bob/' "$NSS_WRAPPER_GROUP"
G=$T_BASE/groupmail; rm -rf "$G"; mkdir -m 0770 "$G"; chown root:mailgrp "$G"
CG=$T_BASE/group.conf; conf "$CG" "maildir=$G/%u" "folders=Sent"
postlogin alice "$(home_of alice)" "$CG" alice
check "group-writable parent: alice builds her own ($rc: $out)" test "$rc" = 0 -a -d "$G/alice/.Sent/new"
postlogin bob "$(home_of bob)" "$CG" bob
check "group-writable parent: bob builds his own after her ($rc: $out)" test "$rc" = 0 -a -d "$G/bob/.Sent/new"
pam_service grp "config=$CG"
pam_login grp carol -a account
expect "group-writable parent: the module builds carol's after theirs" "$PAM_SUCCESS"
check "group-writable parent: only the three maildirs in it" test "$(names "$G")" = "alice bob carol "
check "group-writable parent: each maildir is its user's" \
	test "$(stat -c %U "$G/alice/cur" "$G/bob/cur" "$G/carol/cur" | tr '\n' ' ')" = "alice bob carol "

# --- a set-group-ID parent (Debian's /var/mail: 2775 root:mail) ---
S=$T_BASE/spool; rm -rf "$S"; mkdir "$S"; chown root:mail "$S"; chmod 2775 "$S"
pam_service spool "maildir=$S/%u folders=Sent subscribe"
m=$(log_mark)
pam_login spool alice -a account
expect "set-group-ID parent: alice's first login succeeds" "$PAM_SUCCESS"
stat_is "set-group-ID parent: the maildir is alice's, group mail, with the bit" "$S/alice" "alice 2700"
check "set-group-ID parent: group mail all the way down" \
	test -z "$(find "$S/alice" ! -group mail | head -n 3)" -a "$(stat -c %G "$S/alice/.Sent/cur")" = mail
check "set-group-ID parent: everything is alice's" test -z "$(find "$S/alice" ! -user alice | head -n 3)"
not_logged "set-group-ID parent: nothing refused" "$m" "pam_mkmaildir.*(refused|cannot)"
pam_login spool bob -a session
expect "set-group-ID parent: bob's login beside it succeeds" "$PAM_SUCCESS"
check "set-group-ID parent: only the two maildirs in it" test "$(names "$S")" = "alice bob "
before=$(snap "$S")
pam_login spool alice -a both
same "set-group-ID parent: the next login changes nothing" "$before" "$(snap "$S")"

# --- names of the temporary form are refused; others that look alike are names ---
m=$(log_mark)
pam_login virt .mkmaildir.0123456789abcdef@d9.example -a account
expect_fail "temporary form: .mkmaildir.0123456789abcdef@d9.example is refused"
check "temporary form: nothing made" test ! -e "$V/d9.example"
logged "temporary form: the line says why" "$m" "pam_mkmaildir.*starts with '\.mkmaildir\.'"
pam_login virt .mkmaildir-tmp@d8.example -a account
expect "old staging name: .mkmaildir-tmp@d8.example is an ordinary name" "$PAM_SUCCESS"
pam_login virt bob@d8.example -a account
expect "old staging name: bob@d8.example's first login after it succeeds" "$PAM_SUCCESS"
check "old staging name: both maildirs complete" is_maildir "$V/d8.example/bob" -a -d "$V/d8.example/.mkmaildir-tmp/cur"

# --- the host's capabilities and dumpable flag come back (pamrun -P keeps
# CAP_DAC_OVERRIDE permitted but not effective; -H compares both) ---
mkhome alice 0700
pam_service caps "folders=Sent"
for step in first repair steady; do
	[ "$step" = repair ] && rmdir "$(home_of alice)/Maildir/tmp" && rm -f "$(home_of alice)/Maildir"/pam_mkmaildir.*
	out=$("$T_PAMRUN" -d "$T_PAMD" -s caps -u alice -a both -H -P 2>&1); rc=$?
	check "capabilities, $step login: CapEff and dumpable as the host had them ($(printf '%s' "$out" | tr '\n' ' ' | cut -c1-200))" test "$rc" = 0
done
check "capabilities: the maildir is complete" is_maildir "$(home_of alice)/Maildir/.Sent"

# --- strace: nothing removed or renamed that the same thread did not make ---
TR=$T_BASE/strace
traced() { # LABEL PAMRUN-ARGS...
	local label=$1; shift
	rm -f "$TR"
	strace -f -y -qq -o "$TR" -e trace=mkdir,mkdirat,open,openat,symlinkat,linkat,unlink,unlinkat,rmdir,rename,renameat,renameat2 \
		"$T_PAMRUN" "$@" >/dev/null 2>&1
	local verdict
	verdict=$(python3 "$T_TOP/tests/stracecheck.py" "$TR"); local st=$?
	check "strace, $label: $verdict" test "$st" = 0
}
mkhome dave 0700
pam_service st "folders=Drafts,Sent,Archive.2024 subscribe quota=5000S createhome"
traced "first login" -d "$T_PAMD" -s st -u dave -a account
DM=$(home_of dave)/Maildir
rm -rf "$DM/.Sent" "$DM/tmp" "$DM"/pam_mkmaildir.*
traced "repair (a folder added by a rename)" -d "$T_PAMD" -s st -u dave -a account
check "strace, repair: complete again" is_maildir "$DM/.Sent"
mkhome erin 0700
traced "16 racing logins of one user" loop -d "$T_PAMD" -s st -u erin -a account -T 16 -n 1
check "strace, 16 racing logins: one complete maildir, only final names" \
	test "$(names "$(home_of erin)")" = "Maildir " -a -d "$(home_of erin)/Maildir/.Archive.2024/cur"
echo "  figures: 16 racing logins: $(grep -cE 'unlinkat|rmdir' "$TR") removals by the losers (how many lose depends on timing; what they remove is checked above)"
rm -rf "$(home_of frank)"
traced "a new home" -d "$T_PAMD" -s st -u frank -a account
# Builds killed at several moments, then the next login, traced.
if need_swapshim; then
	for at in "mkdir after new" "mkdir after .Sent" "open before subscriptions" "rename before *"; do
		set -f; set -- $at; set +f
		rm -rf "$(home_of frank)" "$T_BASE/kill.mark"
		LD_PRELOAD="$SHIM $T_NSSLIB" T_SWAP_CALL=$1 T_SWAP_WHEN=$2 T_SWAP_NAME="$3" T_SWAP_MARK=$T_BASE/kill.mark \
			T_SWAP_CMD='kill -KILL $PPID' pam_login st frank -a account
		check "killed at $at: the login died" test "$rc" = 137
		traced "the login after one killed at $at" -d "$T_PAMD" -s st -u frank -a account
		check "killed at $at: the next login made the maildir" is_maildir "$(home_of frank)/Maildir/.Sent"
	done
fi
