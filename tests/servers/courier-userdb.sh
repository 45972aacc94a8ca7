#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# authmkhome with today's Courier: Courier-IMAP 5 and courier-pop with
# courier-authlib's userdb (virtual users owned by vmail, homes under
# /var/vmail, no PAM anywhere), put in front of the servers with
# conf/courier-authmkhome (dpkg-divert + wrappers).  Run by ns.sh.
#
# Without authmkhome Courier refuses every first login here (the homes
# exist, the maildirs do not), so each successful first login proves it;
# the checks of the failing creator guard against it doing too much.
set -u
. "$T_TOP/tests/lib.sh"
. "$T_TOP/tests/servers/lib.sh"

amh_lines() { log_since "$1" | grep 'authmkhome\['; }
VM=/var/vmail/example.org

# --- authmkhome and the integration of conf/courier-authmkhome -----------------
install -m 0755 "$T_TOP/authmkhome" "$R/usr/sbin/authmkhome"
out=$(inr /t/conf/courier-authmkhome/courier-authmkhome install 2>&1)
say "install: $(oneline "$out")"
check courier-userdb-imapd-diverted test "$(inr dpkg-divert --truename /usr/bin/imapd)" = /usr/bin/imapd.distrib
check courier-userdb-pop3d-diverted test "$(inr dpkg-divert --truename /usr/lib/courier/courier/courierpop3d)" = \
	/usr/lib/courier/courier/courierpop3d.distrib
check courier-userdb-wrappers-installed bash -c 'cmp -s "$1/conf/courier-authmkhome/imapd" "$2/usr/bin/imapd" &&
	cmp -s "$1/conf/courier-authmkhome/courierpop3d" "$2/usr/lib/courier/courier/courierpop3d" &&
	file -b "$2/usr/bin/imapd.distrib" | grep -q ELF' _ "$T_TOP" "$R"
out=$(inr /t/conf/courier-authmkhome/courier-authmkhome install 2>&1)
check courier-userdb-install-twice-is-harmless test "$(inr dpkg-divert --truename /usr/bin/imapd)" = /usr/bin/imapd.distrib

# --- userdb, vmail, the shared configuration ----------------------------------------
sed -i 's/^authmodulelist=.*/authmodulelist="authuserdb"/' "$R/etc/courier/authdaemonrc"
for f in imapd pop3d; do
	sed -i -e 's/^ADDRESS=.*/ADDRESS=127.0.0.1/' "$R/etc/courier/$f"
done
inr useradd -r -d /var/vmail -s /usr/sbin/nologin vmail
vu=$(uid_of vmail) vg=$(gid_of vmail)
mkdir -p "$R$VM"
chown -R "$vu:$vg" "$R/var/vmail"
chmod 0750 "$R/var/vmail"
# vuser NAME PASSWORD [HOME-MISSING]: a userdb account NAME@example.org of vmail.
vuser() {
	local h=$VM/$1
	if [ -z "${3:-}" ]; then mkdir -m 0700 "$R$h" && chown "$vu:$vg" "$R$h"; fi
	inr userdb "$1@example.org" set "home=$h" "uid=$vu" "gid=$vg" &&
		printf '%s\n%s\n' "$2" "$2" | inr userdbpw -md5 | inr userdb "$1@example.org" set systempw &&
		inr makeuserdb
}
mkdir -p "$R/etc/security"
printf '# shared with pam_mkmaildir and mkmaildir\nfolders=Drafts,Sent,Trash,Junk\nsubscribe\n' \
	>"$R/etc/security/mkmaildir.conf"
chmod 0644 "$R/etc/security/mkmaildir.conf"
need courier-userdb-accounts vuser alice 'alice-pw-1' || exit 0
vuser paul 'paul-pw-1'; vuser carol 'carol-pw-1'; vuser erin 'erin-pw-1'; vuser gus 'gus-pw-1'

start() {
	# The modes of courier-authdaemon's tmpfiles.d: only root and group
	# courier reach the socket, as on a real system.
	mkdir -p "$R/run/courier/authdaemon"
	inr sh -c 'chown root:courier /run/courier && chmod 0775 /run/courier &&
		chown courier:courier /run/courier/authdaemon && chmod 0750 /run/courier/authdaemon'
	inr sh -c 'cd / && /usr/sbin/authdaemond start && /usr/lib/courier/imapd start && /usr/lib/courier/pop3d start'
	need courier-userdb-started wait_port 143 && need courier-userdb-started wait_port 110
}
stop() {
	inr sh -c '/usr/lib/courier/pop3d stop; /usr/lib/courier/imapd stop; /usr/sbin/authdaemond stop' >/dev/null 2>&1
	local i
	for i in $(seq 100); do
		(exec 3<>/dev/tcp/127.0.0.1/143) 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/110) 2>/dev/null || return 0
		sleep 0.05
	done
}
start || { tail -n 20 "$T_SYSLOG"; exit 0; }
lap "courier-userdb: setup and start"

# --- first IMAP login: the maildir is made, with the shared config's folders ---------
need courier-userdb-fresh test ! -e "$R$VM/alice/Maildir" || exit 0
mark=$(log_mark)
out=$(client imap alice@example.org alice-pw-1 list lsub select)
say "imap: $(oneline "$out")"
check courier-userdb-first-imap-login grep -qx 'LOGIN OK' <<<"$out"
check courier-userdb-first-imap-list \
	bash -c 'for f in INBOX INBOX.Drafts INBOX.Sent INBOX.Trash INBOX.Junk; do grep -qx "LIST $f" <<<"$1" || exit 1; done' _ "$out"
check courier-userdb-first-imap-lsub grep -qx 'LSUB INBOX.Junk' <<<"$out"
check courier-userdb-first-imap-select grep -q '^SELECT OK' <<<"$out"
check_maildir courier-userdb-first-imap-maildir "$VM/alice/Maildir" "$vu" "$vg" $FOLDERS
check courier-userdb-first-imap-logged log_has "$mark" \
	"authmkhome\[[0-9]+\]: created maildir $VM/alice/Maildir for alice@example.org \(uid $vu\)"
lap "courier-userdb: first IMAP login"

# --- first POP3 login ------------------------------------------------------------------
mark=$(log_mark)
out=$(client pop3 paul@example.org paul-pw-1)
say "pop3: $(oneline "$out")"
check courier-userdb-first-pop3-stat grep -qx 'STAT 0 0' <<<"$out"
check_maildir courier-userdb-first-pop3-maildir "$VM/paul/Maildir" "$vu" "$vg" $FOLDERS
check courier-userdb-first-pop3-logged log_has "$mark" "authmkhome\[[0-9]+\]: created maildir $VM/paul/Maildir for paul@example.org"
lap "courier-userdb: first POP3 login"

# --- second logins: the fast path --------------------------------------------------------
before=$(snapshot "$VM/alice/Maildir" $FOLDERS)
sleep 1.1 # anything rewritten would get a visibly different time
mark=$(log_mark)
out=$(client imap alice@example.org alice-pw-1 select; client pop3 alice@example.org alice-pw-1)
check courier-userdb-second-logins-ok test "$(grep -c '^LOGIN OK' <<<"$out")" = 2
after=$(snapshot "$VM/alice/Maildir" $FOLDERS)
check courier-userdb-second-login-unchanged test "$before" = "$after"
sleep 0.3
check courier-userdb-second-login-nothing-logged test -z "$(amh_lines "$mark")"
lap "courier-userdb: second logins (fast path)"

# --- MAILDIRQUOTA: the quota Courier's login environment carries --------------------------
# courier-authlib 0.71 and 0.72 keep the userdb quota field in struct
# authinfo (preauthuserdbcommon.c, authdaemonlib.c) but imaplogin and
# pop3login export only OPTIONS and AUTHENTICATED: MAILDIRQUOTA reaches
# the login from the servers' own configuration (/etc/courier/imapd,
# pop3d), and authmkhome puts it in the new maildirsize over quota=.
stop
for f in imapd pop3d; do echo "MAILDIRQUOTA=20000000S,2000C" >>"$R/etc/courier/$f"; done
printf 'quota=1000S\n' >>"$R/etc/security/mkmaildir.conf"
vuser quinn 'quinn-pw-1'; vuser quincy 'quincy-pw-1'
inr userdb quinn@example.org set quota=5000000S,500C && inr makeuserdb
start || exit 0
out=$(client imap quinn@example.org quinn-pw-1 select quota)
say "imap, MAILDIRQUOTA: $(oneline "$out")"
check courier-userdb-maildirquota-imap-maildirsize test "$(head -n1 "$R$VM/quinn/Maildir/maildirsize" 2>/dev/null)" = 20000000S,2000C
check courier-userdb-maildirquota-imap-quotaroot grep -Eq '^QUOTA-LINE .*STORAGE 0 1953[12] MESSAGE 0 2000' <<<"$out"
out=$(client pop3 quincy@example.org quincy-pw-1)
check courier-userdb-maildirquota-pop3-maildirsize test "$(head -n1 "$R$VM/quincy/Maildir/maildirsize" 2>/dev/null)" = 20000000S,2000C
say "userdb quota field of quinn (5000000S,500C) in the login environment: none (authlib $(inr dpkg-query -W -f='${Version}' courier-authlib))"
stop
for f in imapd pop3d; do sed -i '/^MAILDIRQUOTA=/d' "$R/etc/courier/$f"; done
sed -i '/^quota=/d' "$R/etc/security/mkmaildir.conf"
start || exit 0
lap "courier-userdb: MAILDIRQUOTA"

# --- the userdb quota field from authdaemond: authmkhome setgid courier ----------------------
# authmkhome, made setgid courier the way authmkhome(8) says, connects to
# authdaemond's socket before it drops the group, and asks for the
# account's quota (quota_source=authdaemon,env: over MAILDIRQUOTA and
# quota=).  An account without a quota field gets quota=.
stop
inr dpkg-statoverride --update --add root courier 2755 /usr/sbin/authmkhome
check courier-userdb-authdaemon-setgid-installed test "$(inr stat -c %a:%U:%G /usr/sbin/authmkhome)" = 2755:root:courier
printf 'quota_source=authdaemon,env\nquota=1000S\n' >>"$R/etc/security/mkmaildir.conf"
vuser ursula 'ursula-pw-1'; vuser uma 'uma-pw-1'; vuser nora 'nora-pw-1'; vuser olga 'olga-pw-1'
vuser wendy 'wendy-pw-1'
# mallory: a shell user with a userdb account of its own (authdaemond answers
# FAIL for a name it does not know, and that refuses the login as well).
inr useradd -m -s /bin/sh mallory
inr userdb mallory set home=/home/mallory "uid=$(uid_of mallory)" "gid=$(gid_of mallory)" &&
	inr makeuserdb
inr userdb ursula@example.org set quota=5000000S,500C && inr userdb uma@example.org set quota=3000000S,300C &&
	inr userdb olga@example.org set quota=7000000S,700C && inr makeuserdb
start || exit 0
mark=$(log_mark)
out=$(client imap ursula@example.org ursula-pw-1 select quota)
say "imap, userdb quota: $(oneline "$out")"
check courier-userdb-authdaemon-imap-login grep -q '^SELECT OK' <<<"$out"
check courier-userdb-authdaemon-imap-maildirsize test "$(head -n1 "$R$VM/ursula/Maildir/maildirsize" 2>/dev/null)" = 5000000S,500C
check courier-userdb-authdaemon-imap-quotaroot grep -Eq '^QUOTA-LINE .*STORAGE 0 488[23] MESSAGE 0 500' <<<"$out"
check_maildir courier-userdb-authdaemon-imap-maildir "$VM/ursula/Maildir" "$vu" "$vg" $FOLDERS
out=$(client pop3 uma@example.org uma-pw-1)
check courier-userdb-authdaemon-pop3-stat grep -qx 'STAT 0 0' <<<"$out"
check courier-userdb-authdaemon-pop3-maildirsize test "$(head -n1 "$R$VM/uma/Maildir/maildirsize" 2>/dev/null)" = 3000000S,300C
out=$(client imap nora@example.org nora-pw-1 select)
check courier-userdb-authdaemon-no-field-gets-quota-option test "$(head -n1 "$R$VM/nora/Maildir/maildirsize" 2>/dev/null)" = 1000S
sleep 0.3
check courier-userdb-authdaemon-no-warning bash -c '! grep -q "authdaemond" <<<"$1"' _ "$(amh_lines "$mark")"
check courier-userdb-authdaemon-hash-never-logged bash -c '! grep -q "PASSWD\|\$1\$" <<<"$1"' _ "$(log_since "$mark")"
# Another uid's attempt: a local user runs the setgid authmkhome by hand with
# AUTHENTICATED set to a userdb account; authdaemond answers for vmail's uid,
# which is not the caller's: the answer is refused and so is the login.
mu=$(uid_of mallory)
mark=$(log_mark)
inr setpriv --reuid=mallory --regid=mallory --init-groups sh -c \
	'cd /home/mallory && AUTHENTICATED=olga@example.org exec /usr/sbin/authmkhome /bin/true Maildir'
rc=$?
check courier-userdb-authdaemon-other-uid-login-refused test "$rc" = 1
check courier-userdb-authdaemon-other-uid-nothing-built test ! -e "$R/home/mallory/Maildir"
check courier-userdb-authdaemon-other-uid-refused log_has "$mark" \
	"authmkhome\[[0-9]+\]: no quota from authdaemond for olga@example.org \(uid $mu\): unknown account or not this account's: login refused, nothing built"
sleep 0.3
check courier-userdb-authdaemon-other-uid-learns-nothing bash -c '! grep -rq "7000000S" "$1" && ! grep -q "7000000S\|700C" <<<"$2"' _ \
	"$R/home/mallory" "$(log_since "$mark")"
other_line=$(amh_lines "$mark" | grep -o 'authmkhome\[[0-9]*\]: .*' | sed 's/^authmkhome\[[0-9]*\]: //')
# No enumeration: an account authdaemond does not know gives the same exit
# status and the same line, apart from the name (busybox syslogd -S logs no
# priority; both come from the one say(LOG_ERR, ...) in daemon_quota).
mark=$(log_mark)
inr setpriv --reuid=mallory --regid=mallory --init-groups sh -c \
	'cd /home/mallory && AUTHENTICATED=nosuch@example.org exec /usr/sbin/authmkhome /bin/true Maildir'
rc=$?
sleep 0.3
unknown_line=$(amh_lines "$mark" | grep -o 'authmkhome\[[0-9]*\]: .*' | sed 's/^authmkhome\[[0-9]*\]: //')
say "another uid's account: $other_line"
say "an unknown account:    $unknown_line"
check courier-userdb-authdaemon-unknown-login-refused-too bash -c '[ "$1" = 1 ] && ! test -e "$2"' _ "$rc" \
	"$R/home/mallory/Maildir"
check courier-userdb-authdaemon-unknown-and-other-uid-same-line bash -c \
	'[ -n "$1" ] && [ "$(wc -l <<<"$1")" = 1 ] && [ "${1/olga@example.org/NAME}" = "${2/nosuch@example.org/NAME}" ]' _ \
	"$other_line" "$unknown_line"
# The red team's attack (red3): virtual users share vmail's uid, so the
# uid alone does not tie an answer to an account.  vmail, in wendy's new
# home, asks as olga: olga's quota must not reach wendy's maildirsize.
mark=$(log_mark)
inr setpriv --reuid=vmail --regid=vmail --clear-groups sh -c \
	"cd $VM/wendy && AUTHENTICATED=olga@example.org exec /usr/sbin/authmkhome /bin/true Maildir"
rc=$?
sleep 0.3
check courier-userdb-authdaemon-shared-uid-other-home-refused test "$rc" = 1
check courier-userdb-authdaemon-shared-uid-no-quota-of-another bash -c '! grep -rqs "7000000S" "$1"' _ "$R$VM/wendy"
check courier-userdb-authdaemon-shared-uid-nothing-built test ! -e "$R$VM/wendy/Maildir"
check courier-userdb-authdaemon-shared-uid-same-line log_has "$mark" \
	"authmkhome\[[0-9]+\]: no quota from authdaemond for olga@example.org \(uid $vu\): unknown account or not this account's: login refused, nothing built"
# MAILDIR pointing into wendy's home from olga's own home: refused as well.
mark=$(log_mark)
inr setpriv --reuid=vmail --regid=vmail --clear-groups sh -c \
	"cd $VM/olga && AUTHENTICATED=olga@example.org MAILDIR=$VM/wendy/Maildir exec /usr/sbin/authmkhome /bin/true"
rc=$?
check courier-userdb-authdaemon-shared-uid-maildir-elsewhere-refused bash -c \
	'[ "$1" = 1 ] && ! test -e "$2"' _ "$rc" "$R$VM/wendy/Maildir"
# wendy's own login afterwards builds hers, with her own limit (quota=).
out=$(client imap wendy@example.org wendy-pw-1 select)
check courier-userdb-authdaemon-shared-uid-owner-builds-it-right test \
	"$(head -n1 "$R$VM/wendy/Maildir/maildirsize" 2>/dev/null)" = 1000S
# The group is gone before the caller's configuration or creator runs: a
# creator's groups (the same process, exec'd) hold no courier.
mkdir -p "$R/usr/local/sbin"
cat >"$R/usr/local/sbin/mkmaildir-groups" <<'SH'
#!/bin/sh
set -e
mkdir -m 0700 "$2" "$2/cur" "$2/new" "$2/tmp"
printf '%s;%s;%s\n' "$(id -g)" "$(id -G)" "$(grep -E '^(Gid|Groups):' /proc/self/status | tr -s '\t\n' '  ')" >"$2/creator-groups"
SH
chmod 0755 "$R/usr/local/sbin/mkmaildir-groups"
cg=$(inr getent group courier | cut -d: -f3)
inr setpriv --reuid=mallory --regid=mallory --init-groups sh -c \
	'cd /home/mallory && AUTHENTICATED=mallory MAILDIR_CREATOR=/usr/local/sbin/mkmaildir-groups exec /usr/sbin/authmkhome /bin/true Mail2'
groups=$(cat "$R/home/mallory/Mail2/creator-groups" 2>/dev/null)
say "creator of the setgid authmkhome: $groups (courier is $cg)"
check courier-userdb-authdaemon-group-dropped bash -c '[ -n "$1" ] && ! grep -Eqw "$2" <<<"$1"' _ "$groups" "$cg"
# authdaemond stopped between the authentication and authmkhome (run by
# hand as vmail, as imaplogin would run it): a complete maildir is not
# asked about at all, so the login goes on without a word; a maildir to be
# built is not built with a lesser quota, the login fails and says so.
stop
vuser vera 'vera-pw-1' && inr userdb vera@example.org set quota=9000000S,900C && inr makeuserdb
sock=$(inr sh -c 'test -S /run/courier/authdaemon/socket && echo left || echo removed')
say "authdaemond stopped: its socket is $sock"
mark=$(log_mark)
inr setpriv --reuid=vmail --regid=vmail --clear-groups sh -c \
	"cd $VM/ursula && AUTHENTICATED=ursula@example.org exec /usr/sbin/authmkhome /bin/true Maildir"
rc=$?
sleep 0.3
check courier-userdb-authdaemon-complete-not-asked bash -c '[ "$1" = 0 ] && [ -z "$2" ]' _ "$rc" "$(amh_lines "$mark")"
mark=$(log_mark)
inr setpriv --reuid=vmail --regid=vmail --clear-groups sh -c \
	"cd $VM/vera && AUTHENTICATED=vera@example.org exec /usr/sbin/authmkhome /bin/true Maildir"
rc=$?
if [ "$sock" = left ]; then
	check courier-userdb-authdaemon-stopped-login-refused test "$rc" = 1
	check courier-userdb-authdaemon-stopped-nothing-built test ! -e "$R$VM/vera/Maildir"
	check courier-userdb-authdaemon-stopped-says-temporary log_has "$mark" \
		"authmkhome\[[0-9]+\]: cannot reach authdaemond at /run/courier/authdaemon/socket \(Connection refused\): temporary failure, login of vera@example.org refused"
else
	# No socket at all is a configuration (ad_decide: ENOENT): quota= serves.
	check courier-userdb-authdaemon-stopped-no-socket-falls-back test "$rc" = 0
fi
start || exit 0
out=$(client imap vera@example.org vera-pw-1 select)
check courier-userdb-authdaemon-next-login-asks-again test "$(head -n1 "$R$VM/vera/Maildir/maildirsize" 2>/dev/null)" = 9000000S,900C
# The setgid bit removed: logins work, quota= applies, the log says why.
stop
inr dpkg-statoverride --remove /usr/sbin/authmkhome && chmod 0755 "$R/usr/sbin/authmkhome"
vuser ulla 'ulla-pw-1' && inr userdb ulla@example.org set quota=5000000S,500C && inr makeuserdb
start || exit 0
mark=$(log_mark)
out=$(client imap ulla@example.org ulla-pw-1 select)
check courier-userdb-authdaemon-unprivileged-login grep -q '^SELECT OK' <<<"$out"
check courier-userdb-authdaemon-unprivileged-quota-option test "$(head -n1 "$R$VM/ulla/Maildir/maildirsize" 2>/dev/null)" = 1000S
check courier-userdb-authdaemon-unprivileged-says-why log_has "$mark" \
	"authmkhome\[[0-9]+\]: cannot reach authdaemond at /run/courier/authdaemon/socket \(Permission denied; authmkhome is not setgid courier.*the userdb quota of ulla@example.org is not used"
stop
sed -i -e '/^quota_source=/d' -e '/^quota=/d' "$R/etc/security/mkmaildir.conf"
start || exit 0
lap "courier-userdb: userdb quota from authdaemond"

# --- the standard creator: conf/authmkhome-creator as /usr/sbin/authmkhome-creator -------
install -m 0755 "$T_TOP/conf/authmkhome-creator" "$R/usr/sbin/authmkhome-creator"
mark=$(log_mark)
out=$(client imap carol@example.org carol-pw-1 list select)
say "imap: $(oneline "$out")"
check courier-userdb-std-creator-login bash -c 'grep -qx "LIST INBOX.Drafts" <<<"$1" && grep -q "^SELECT OK" <<<"$1"' _ "$out"
check_maildir courier-userdb-std-creator-maildir "$VM/carol/Maildir" "$vu" "$vg" Drafts Sent Trash
check courier-userdb-std-creator-maildirmake test -e "$R$VM/carol/Maildir/.Sent/maildirfolder"
check courier-userdb-std-creator-logged log_has "$mark" \
	"authmkhome\[[0-9]+\]: created maildir $VM/carol/Maildir for carol@example.org .*with creator /usr/sbin/authmkhome-creator"
rm -f "$R/usr/sbin/authmkhome-creator"
lap "courier-userdb: standard creator"

# --- a failing creator: the login fails cleanly, nothing is made, no server ---------------
install_fail_creator
stop
for f in imapd pop3d; do echo "MAILDIR_CREATOR=$FAIL_CREATOR" >>"$R/etc/courier/$f"; done
start || exit 0
mark=$(log_mark)
out=$(client raw 143 'a1 LOGIN erin@example.org erin-pw-1' 'a2 LOGOUT')
say "imap, failing creator: $(oneline "$out")"
ans=$(grep -A1 '^C: a1 ' <<<"$out" | grep '^S:' | head -n1)
check courier-userdb-failing-creator-imap-closed test "$ans" = 'S: (connection closed)'
out=$(client raw 110 'USER erin@example.org' 'PASS erin-pw-1' 'QUIT')
say "pop3, failing creator: $(oneline "$out")"
ans=$(grep -A1 '^C: PASS' <<<"$out" | grep '^S:' | head -n1)
check courier-userdb-failing-creator-pop3-closed test "$ans" = 'S: (connection closed)'
check courier-userdb-failing-creator-nothing-made test -z "$(ls -A "$R$VM/erin")"
check courier-userdb-failing-creator-logged log_has "$mark" \
	"authmkhome\[[0-9]+\]: creator $FAIL_CREATOR for erin@example.org failed with exit status 3"
check courier-userdb-failing-creator-server-not-started log_has "$mark" \
	"authmkhome\[[0-9]+\]: maildir $VM/erin/Maildir of erin@example.org .*login refused, /usr/bin/imapd.distrib not started"
sleep 0.3
check courier-userdb-failing-creator-no-server-error bash -c '! grep -Eq "chdir|Fatal error|No such file" <<<"$1"' _ \
	"$(log_since "$mark" | grep -v authmkhome)"
stop
for f in imapd pop3d; do sed -i '/^MAILDIR_CREATOR=/d' "$R/etc/courier/$f"; done
lap "courier-userdb: failing creator"

# --- a package upgrade keeps the wrapper ------------------------------------------------------
# courier-imap is rebuilt from its installed files with a higher version and
# a marker appended to its imapd (harmless after an ELF's last section), and
# installed with dpkg -i as an upgrade would be.
rebuild=$(inr sh -c 'set -e
	d=/tmp/rebuild; rm -rf $d; mkdir -p $d/DEBIAN
	dpkg-query -W -f="Package: \${Package}\nVersion: \${Version}+authmkhometest1\nArchitecture: \${Architecture}\nMaintainer: \${Maintainer}\nDepends: \${Depends}\nDescription: rebuilt for the authmkhome upgrade test\n" courier-imap >$d/DEBIAN/control
	cp /var/lib/dpkg/info/courier-imap.conffiles $d/DEBIAN/conffiles
	dpkg -L courier-imap | grep "^/" | while read -r f; do   # not "locally diverted to:"
		src=$(dpkg-divert --truename "$f")
		if [ -d "$src" ]; then mkdir -p "$d$f"   # /lib is a symlink here (usrmerge)
		elif [ -L "$src" ] || [ -f "$src" ]; then mkdir -p "$d$(dirname "$f")"; cp -a "$src" "$d$f"; fi
	done
	printf "AUTHMKHOME-UPGRADE-MARK" >>$d/usr/bin/imapd
	dpkg-deb -b -Zgzip $d /tmp/courier-imap-rebuilt.deb >/dev/null
	dpkg -i --force-confold /tmp/courier-imap-rebuilt.deb >/dev/null 2>&1
	dpkg-query -W -f="\${Version}" courier-imap' 2>&1)
say "upgrade: $(oneline "$rebuild")"
check courier-userdb-upgrade-installed grep -q 'authmkhometest1$' <<<"$rebuild"
check courier-userdb-upgrade-keeps-wrapper cmp -s "$T_TOP/conf/courier-authmkhome/imapd" "$R/usr/bin/imapd"
check courier-userdb-upgrade-new-binary-diverted bash -c 'tail -c 23 "$1" | grep -q AUTHMKHOME-UPGRADE-MARK' _ "$R/usr/bin/imapd.distrib"
start || exit 0
mark=$(log_mark)
out=$(client imap gus@example.org gus-pw-1 select)
say "imap after the upgrade: $(oneline "$out")"
check courier-userdb-upgrade-first-login-works grep -q '^SELECT OK' <<<"$out"
check courier-userdb-upgrade-first-login-created log_has "$mark" "authmkhome\[[0-9]+\]: created maildir $VM/gus/Maildir"
lap "courier-userdb: package upgrade"

# --- remove gives the servers back ---------------------------------------------------------
stop
inr /t/conf/courier-authmkhome/courier-authmkhome remove >/dev/null
check courier-userdb-remove-restores bash -c 'file -b "$1/usr/bin/imapd" | grep -q ELF && ! test -e "$1/usr/bin/imapd.distrib" &&
	test "$(chroot "$1" dpkg-divert --truename /usr/bin/imapd)" = /usr/bin/imapd' _ "$R"
exit 0
