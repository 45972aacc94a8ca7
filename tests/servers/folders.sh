#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Folder names, subscriptions, quota files and maildirs that exist before
# the first login, judged by the servers' own tools in a
# throwaway root: in the courier root Courier-IMAP's imapd (run
# preauthenticated: LIST, LSUB, SELECT, CREATE, SUBSCRIBE, DELETE),
# maildirmake and deliverquota; in the dovecot root doveadm (mailbox list,
# list -s, create, save, status, quota get) and dovecot-lda.  Which server is
# judged follows from the root; $T_RELEASE (bookworm, trixie) picks the
# release's configuration.  Run by ns.sh.
set -u
. "$T_TOP/tests/lib.sh"
. "$T_TOP/tests/servers/lib.sh"

U=$(printf '\xc3\xbc')            # ü
NAMES="Entw${U}rfe,Q&A,INBOX.Archive.2024,Sent"
MSG='From: a@example.net\nTo: u@example.org\nSubject: test\nMessage-ID: <%s@test>\n\nhello\n'
# as USER CMD: CMD (a shell line) as USER in the root, in its home, with
# HOME, USER and LOGNAME set by su.
as() { local u=$1; shift; inr su -s /bin/sh "$u" -c "cd && $*"; }
msg() { printf "$MSG" "$1-$$-$RANDOM" >"$R/tmp/$1.msg"; chmod 0644 "$R/tmp/$1.msg"; }
# dotdirs DIR: the folders (dot directories) of the maildir DIR in the root.
dotdirs() { (cd "$R$1" && find . -mindepth 1 -maxdepth 1 -type d -name '.*' -printf '%P\n' | LC_ALL=C sort); }
# alldirs DIR: every directory below the maildir DIR (Dovecot's own aside).
alldirs() { (cd "$R$1" && find . -mindepth 1 -type d ! -name 'dovecot*' -printf '%P\n' | LC_ALL=C sort); }
same_text() { # NAME A B
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | grep '^[<>]' | head -n 6 | tr '\n' ' ')"; fi
}

# ============================ Courier ==========================================
courier() {
	local imapd_ctl=/usr/sbin/imapd
	[ -x "$R$imapd_ctl" ] || imapd_ctl=/usr/lib/courier/imapd   # Debian 13
	sed -i -e 's/^ADDRESS=.*/ADDRESS=127.0.0.1/' "$R/etc/courier/imapd"
	need courier-folders-pam-files pam_with_options "$T_TOP/conf/pam.d/courier-imap" /etc/pam.d/imap \
		"folders=$NAMES" || return
	mkdir -p "$R/run/courier/authdaemon"
	inr sh -c "cd / && /usr/sbin/authdaemond start && $imapd_ctl start"
	need courier-folders-started wait_port 143 || { tail -n 20 "$T_SYSLOG"; return; }

	# cimap USER COMMAND...: Courier's own imapd, preauthenticated as USER
	# in its home (Maildir); prints its answers without CRs.
	cimap() {
		local u=$1 c i=1; shift
		{ for c in "$@"; do printf 'a%d %s\r\n' $i "$c"; i=$((i + 1)); done; printf 'z LOGOUT\r\n'; } |
			as "$u" 'exec env -i AUTHENTICATED="$USER" HOME="$HOME" PATH=/usr/bin:/bin /usr/bin/imapd Maildir' 2>&1 |
			tr -d '\r'
	}

	# --- D1, D2, D6, D7: utf8 names through a real login ---
	newuser cu 'cu-pw-1'
	out=$(client imap cu cu-pw-1 select)
	need courier-folders-login grep -q '^SELECT OK' <<<"$out" || say "$(oneline "$out")"
	out=$(cimap cu 'LIST "" "*"' 'LSUB "" "*"' 'SELECT "INBOX.Entw&APw-rfe"' 'SELECT "INBOX.Q&-A"' \
		'SELECT "INBOX.Archive.2024"' 'SELECT "INBOX.Sent"')
	say "courier imapd: $(oneline "$out")"
	for f in 'INBOX.Entw&APw-rfe' 'INBOX.Q&-A' INBOX.Archive.2024 INBOX.Sent; do
		check "courier-folders-list-$f" grep -q "^\* LIST (.*) \".\" \"$f\"\$" <<<"$out"
		check "courier-folders-lsub-$f" grep -q "^\* LSUB (.*) \".\" \"$f\"\$" <<<"$out"
	done
	check courier-folders-no-literal-ampersand-names bash -c '! grep -q "&-APw\|INBOX.INBOX" <<<"$1"' _ "$out"
	check courier-folders-lsub-inbox-selectable grep -Eq '^\* LSUB \([^)]*\) "." "INBOX"$' <<<"$out"
	check courier-folders-lsub-inbox-not-noselect bash -c '! grep -Eq "^\* LSUB \([^)]*Noselect[^)]*\) \".\" \"INBOX\"$" <<<"$1"' _ "$out"
	for i in 3 4 5 6; do check "courier-folders-select-a$i" grep -q "^a$i OK" <<<"$out"; done
	check courier-folders-marker-not-a-folder bash -c '! grep -qi populated <<<"$1"' _ "$out"

	# The same folders made by Courier itself: the same directories, the same
	# subscriptions (INBOX included, as its own SUBSCRIBE INBOX writes it).
	newuser cown 'cown-pw-1'
	as cown maildirmake Maildir
	out=$(cimap cown 'SUBSCRIBE INBOX' 'CREATE "INBOX.Entw&APw-rfe"' 'SUBSCRIBE "INBOX.Entw&APw-rfe"' \
		'CREATE "INBOX.Q&-A"' 'SUBSCRIBE "INBOX.Q&-A"' 'CREATE "INBOX.Archive.2024"' \
		'SUBSCRIBE "INBOX.Archive.2024"' 'CREATE "INBOX.Sent"' 'SUBSCRIBE "INBOX.Sent"')
	need courier-own-create bash -c '! grep -q "^a[0-9]* NO\|^a[0-9]* BAD" <<<"$1"' _ "$out" || say "$(oneline "$out")"
	same_text courier-folders-dirs-as-courier-makes-them "$(dotdirs /home/cown/Maildir)" "$(dotdirs /home/cu/Maildir)"
	same_text courier-folders-subscriptions-as-courier-writes-them \
		"$(LC_ALL=C sort "$R/home/cown/Maildir/courierimapsubscribed")" \
		"$(LC_ALL=C sort "$R/home/cu/Maildir/courierimapsubscribed")"

	# --- D3, D4, D5: quota, as maildirmake -q writes it and deliverquota reads it ---
	pam_with_options "$T_TOP/conf/pam.d/courier-imap" /etc/pam.d/imap "quota=1000S,3C"
	newuser cq 'cq-pw-1'
	out=$(client imap cq cq-pw-1 select)
	as cq 'maildirmake ref && maildirmake -q 1000S,3C ref'
	check courier-folders-maildirsize-as-maildirmake cmp "$R/home/cq/ref/maildirsize" "$R/home/cq/Maildir/maildirsize"
	msg q
	codes=
	for i in 1 2 3 4; do as cq "deliverquota Maildir '' </tmp/q.msg"; codes="$codes $?"; done
	say "deliverquota exit codes, 3-message quota: $codes"
	check courier-folders-deliverquota-honours-quota test "$codes" = " 0 0 0 77"
	check courier-folders-deliverquota-kept-limits test "$(head -n 1 "$R/home/cq/Maildir/maildirsize")" = 1000S,3C
	pam_with_options "$T_TOP/conf/pam.d/courier-imap" /etc/pam.d/imap "quota=0S,0C"
	newuser cz 'cz-pw-1'
	out=$(client imap cz cz-pw-1 select)
	as cz 'maildirmake ref && maildirmake -q 0S,0C ref'
	need courier-maildirmake-0S0C-writes-none test ! -e "$R/home/cz/ref/maildirsize"
	check courier-folders-0S0C-no-maildirsize test -d "$R/home/cz/Maildir/cur" -a ! -e "$R/home/cz/Maildir/maildirsize"
	as cz "deliverquota Maildir '' </tmp/q.msg"
	check courier-folders-0S0C-delivers test $? = 0

	# --- D8: a maildir made and delivered to before the first login ---
	pam_with_options "$T_TOP/conf/pam.d/courier-imap" /etc/pam.d/imap "folders=$NAMES quota=100000S"
	newuser cd8 'cd8-pw-1'
	msg d8
	as cd8 "maildirmake Maildir && deliverquota Maildir '' </tmp/d8.msg"
	need courier-d8-delivered test "$(ls "$R/home/cd8/Maildir/new" | wc -l)" = 1
	out=$(client imap cd8 cd8-pw-1 select)
	say "first login after a delivery: $(oneline "$out")"
	check courier-folders-d8-login-sees-the-message grep -q '^SELECT OK 1' <<<"$out"
	out=$(cimap cd8 'LIST "" "*"' 'LSUB "" "*"')
	for f in 'INBOX.Entw&APw-rfe' 'INBOX.Q&-A' INBOX.Archive.2024 INBOX.Sent; do
		check "courier-folders-d8-list-$f" grep -q "^\* LIST (.*) \".\" \"$f\"\$" <<<"$out"
		check "courier-folders-d8-lsub-$f" grep -q "^\* LSUB (.*) \".\" \"$f\"\$" <<<"$out"
	done
	check courier-folders-d8-maildirsize test "$(head -n 1 "$R/home/cd8/Maildir/maildirsize" 2>&1)" = 100000S
	out=$(cimap cd8 'DELETE "INBOX.Sent"')
	need courier-delete grep -q '^a1 OK' <<<"$out"
	out=$(client imap cd8 cd8-pw-1 select)
	out=$(cimap cd8 'LIST "" "*"')
	check courier-folders-d8-deleted-stays-deleted bash -c '! grep -q "\"INBOX.Sent\"" <<<"$1" && grep -q "\"INBOX.Q&-A\"" <<<"$1"' _ "$out"
	lap "courier: folders"
}

# ============================ Dovecot ==========================================
dovecot() {
	local conf=/etc/dovecot-test/dovecot.conf conf8=/etc/dovecot-test/utf8.conf
	mkdir -p "$R/etc/dovecot-test"
	# dconf UTF8 [fs]: a stand-alone configuration for the release; UTF8=yes
	# keeps folder names in UTF-8 on disk; fs selects the fs layout.
	dconf() {
		# Dovecot 2.4 wants its version first; the rest of the head is common.
		dovecot_24 && printf 'dovecot_config_version = 2.4.0\ndovecot_storage_version = 2.4.0\n'
		cat <<-EOF
			protocols = imap
			listen = 127.0.0.1
			base_dir = /run/dovecot
			state_dir = /run/dovecot-state
			log_path = /t/out/dovecot.log
			ssl = no
			auth_mechanisms = plain login
			EOF
		if [ "$T_RELEASE" = bookworm ]; then
			cat <<-EOF
			disable_plaintext_auth = no
			passdb {
			  driver = pam
			  args = session=yes dovecot
			}
			userdb {
			  driver = passwd
			}
			mail_location = maildir:~/Maildir$([ "$1" = yes ] && echo :UTF-8)$([ "${2:-}" = fs ] && echo :LAYOUT=fs)
			mail_plugins = \$mail_plugins quota
			plugin {
			  quota = maildir:User quota
			}
			EOF
		else
			cat <<-EOF
			auth_allow_cleartext = yes
			passdb pam {
			  session = yes
			  service_name = dovecot
			}
			userdb passwd {
			}
			mail_driver = maildir
			mail_path = ~/Maildir
			mail_inbox_path = ~/Maildir
			mailbox_list_utf8 = $1
			$([ "${2:-}" = fs ] && echo "mailbox_list_layout = fs")
			mail_plugins {
			  quota = yes
			}
			quota "User quota" {
			  driver = maildir
			}
			EOF
		fi
	}
	local conffs=/etc/dovecot-test/fs.conf
	dconf no >"$R$conf"
	dconf yes >"$R$conf8"
	dconf no fs >"$R$conffs"
	chmod 0644 "$R$conf" "$R$conf8" "$R$conffs"
	dpam() { pam_with_options "$T_TOP/conf/pam.d/dovecot" /etc/pam.d/dovecot "$@"; }
	need dovecot-folders-pam-file dpam "folders=$NAMES subscribe" || return
	inr /usr/sbin/dovecot -c "$conf"
	need dovecot-folders-started wait_port 143 || { tail -n 20 "$T_OUT/dovecot.log"; return; }
	chmod 0666 "$T_OUT/dovecot.log"   # doveadm and dovecot-lda run as the user and log there
	# login USER PASS: the whole PAM path of a Dovecot login (auth, account,
	# session) through Dovecot's auth service.
	login() { inr doveadm -c "$conf" auth login "$1" "$2" >/dev/null 2>&1; }
	# dadm USER CONF "CMD" ARGS...: doveadm CMD for USER (a userdb lookup
	# through Dovecot's auth service; doveadm then runs as the user); only
	# the answers are judged.  dstat: the same in flow format.
	dadm() {
		local u=$1 c=$2 cmd=$3; shift 3
		inr sh -c "doveadm -c $c $cmd -u $u $* 2>/dev/null"
	}
	dstat() {
		local u=$1 c=$2 cmd=$3; shift 3
		inr sh -c "doveadm -c $c -f flow $cmd -u $u $* 2>/dev/null"
	}
	dlist() { cat; }

	for mode in utf7 utf8 fs; do
		local c=$conf opt= p=d7 sep=.
		[ $mode = utf8 ] && c=$conf8 opt=utf8 p=d8u
		[ $mode = fs ] && c=$conffs opt=layout=fs p=dfs sep=/
		dpam "folders=$NAMES subscribe $opt"
		newuser "$p" "$p-pw-1"
		need "dovecot-folders-$mode-login" login "$p" "$p-pw-1" || tail -n 5 "$T_OUT/dovecot.log"
		out=$(dadm "$p" "$c" "mailbox list" | dlist)
		say "doveadm mailbox list ($mode): $(oneline "$out")"
		for f in INBOX "Entw${U}rfe" 'Q&A' "Archive${sep}2024" Sent; do
			check "dovecot-folders-$mode-list-$f" grep -qx "$f" <<<"$out"
		done
		list=$out
		out=$(dadm "$p" "$c" "mailbox list" -s | dlist)
		say "doveadm mailbox list -s ($mode): $(oneline "$out")"
		same_text "dovecot-folders-$mode-subscribed" "$(LC_ALL=C sort <<<"$out")" \
			"$(printf '%s\n' INBOX "Entw${U}rfe" 'Q&A' "Archive${sep}2024" Sent | LC_ALL=C sort)"
		msg "$p"
		for f in "Entw${U}rfe" 'Q&A' "Archive${sep}2024"; do
			inr sh -c "doveadm -c $c save -u $p -m '$f' </tmp/$p.msg 2>/dev/null"
			n=$(dstat "$p" "$c" "mailbox status" messages "'$f'")
			check "dovecot-folders-$mode-save-into-$f" test "$n" = "$f messages=1"
		done
		# The same folders made by Dovecot itself.
		newuser "${p}own" "${p}own-pw-1"
		inr sh -c "doveadm -c $c mailbox subscribe -u ${p}own INBOX && doveadm -c $c mailbox create -u ${p}own -s 'Entw${U}rfe' 'Q&A' Archive${sep}2024 Sent" 2>/dev/null
		same_text "dovecot-folders-$mode-list-as-for-dovecots-own" "$(LC_ALL=C sort <<<"$list")" \
			"$(dadm "${p}own" "$c" "mailbox list" | dlist | LC_ALL=C sort)"
		same_text "dovecot-folders-$mode-dirs-as-dovecot-makes-them" "$(alldirs "/home/${p}own/Maildir")" "$(alldirs "/home/$p/Maildir" )"
		same_text "dovecot-folders-$mode-subscriptions-as-dovecot-writes-them" \
			"$(cat "$R/home/${p}own/Maildir/subscriptions")" "$(cat "$R/home/$p/Maildir/subscriptions")"
	done

	# --- D3-D5: quota ---
	dpam "quota=1000000S,100C"
	newuser dq 'dq-pw-1'
	login dq dq-pw-1
	check dovecot-folders-quota-maildirsize-two-lines test "$(cat "$R/home/dq/Maildir/maildirsize")" = \
		"$(printf '1000000S,100C\n           0            0')"
	out=$(inr sh -c "doveadm -c $conf quota get -u dq 2>/dev/null")
	say "doveadm quota get: $(oneline "$out")"
	if [ "$T_RELEASE" = bookworm ]; then
		check dovecot-folders-quota-get-storage grep -Eq '^User quota +STORAGE +0 +97[67] ' <<<"$out"
		check dovecot-folders-quota-get-messages grep -Eq '^User quota +MESSAGE +0 +100 ' <<<"$out"
	else
		# Dovecot 2.4 takes its limits from its own settings only.
		check dovecot-folders-quota-get-works grep -Eq '^User quota +MESSAGE +0 ' <<<"$out"
	fi
	dpam "quota=0S,0C"
	newuser dz 'dz-pw-1'
	login dz dz-pw-1
	check dovecot-folders-0S0C-no-maildirsize test -d "$R/home/dz/Maildir/cur" -a ! -e "$R/home/dz/Maildir/maildirsize"

	# --- D8: dovecot-lda delivers before the first login ---
	dpam "folders=$NAMES subscribe quota=1000000S,100C"
	newuser dd 'dd-pw-1'
	msg dd
	inr sh -c "/usr/lib/dovecot/dovecot-lda -c $conf -d dd -f a@example.net </tmp/dd.msg 2>/dev/null"
	need dovecot-d8-lda-made-the-maildir test -d "$R/home/dd/Maildir/new" || return
	need dovecot-d8-no-folders-yet test -z "$(dotdirs /home/dd/Maildir)"
	lda_quota=$(head -n 1 "$R/home/dd/Maildir/maildirsize" 2>/dev/null)
	mark=$(log_mark)
	login dd dd-pw-1
	out=$(dadm dd "$conf" "mailbox list" | dlist)
	say "after lda and a login: $(oneline "$out")"
	for f in "Entw${U}rfe" 'Q&A' Archive.2024 Sent; do check "dovecot-folders-d8-list-$f" grep -qx "$f" <<<"$out"; done
	check dovecot-folders-d8-marker-not-a-mailbox bash -c '! grep -qi populated <<<"$1"' _ "$out"
	out=$(dadm dd "$conf" "mailbox list" -s | dlist)
	check dovecot-folders-d8-subscribed grep -qx 'Q&A' <<<"$out"
	check dovecot-folders-d8-inbox-kept-its-message test "$(dstat dd "$conf" "mailbox status" messages INBOX)" = "INBOX messages=1"
	# The delivery agent's maildirsize is not the module's to replace: it stays,
	# and the log says how to have the module's written.
	if [ -n "$lda_quota" ]; then
		check dovecot-folders-d8-lda-maildirsize-left-as-it-is \
			test "$(head -n 1 "$R/home/dd/Maildir/maildirsize")" = "$lda_quota"
		check dovecot-folders-d8-lda-maildirsize-logged log_has "$mark" \
			"pam_mkmaildir.*/home/dd/Maildir/maildirsize exists: left as it is \(remove it"
	else
		check dovecot-folders-d8-maildirsize test "$(head -n 1 "$R/home/dd/Maildir/maildirsize")" = 1000000S,100C
	fi
	out=$(inr sh -c "doveadm -c $conf quota get -u dd 2>/dev/null")
	check dovecot-folders-d8-quota-counts-the-delivered-message grep -Eq '^User quota +MESSAGE +1 ' <<<"$out"
	dadm dd "$conf" "mailbox delete" Sent >/dev/null
	login dd dd-pw-1
	out=$(dadm dd "$conf" "mailbox list" | dlist)
	check dovecot-folders-d8-deleted-stays-deleted bash -c '! grep -qx Sent <<<"$1" && grep -qx "Q&A" <<<"$1"' _ "$out"
	lap "dovecot: folders"
}

if [ -x "$R/usr/sbin/dovecot" ]; then dovecot; elif [ -x "$R/usr/sbin/authdaemond" ]; then courier; else
	fail servers-folders "neither Dovecot nor Courier in $R"; fi
exit 0
