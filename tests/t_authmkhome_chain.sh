# SPDX-License-Identifier: GPL-2.0-or-later
# authmkhome in Courier's historic module chain, end to end:
#   login → authtest → authmkhome → server      (the seed's deployment)
#   login → authmkhome → authtest → authmkhome → server
# with the test programs of tests/chain/ playing Courier's login program,
# an authentication module and imapd.  As root the module drops to real
# uids 5001.. (no NSS needed); otherwise everything runs as the caller.
. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/chain/setup.sh"

H=$T_BASE/home
adduser alice "$UID_A"
adduser bob "$UID_B" Mail/inbox
mkdir -p "$T_BASE/vmail/carol"; chmod 0755 "$T_BASE/vmail"
is_root && chown "$UID_C:$UID_C" "$T_BASE/vmail/carol"
adduser carol "$UID_C" "$T_BASE/vmail/carol/Maildir"
adduser dave "$UID_D"
SEED=(-- "$BIN/authtest" "$AMH" "$BIN/server" Maildir)

# --- first login: the maildir is made, the server is exec'ed ----------------
m=$(log_mark)
chain CHAIN_USER=alice CHAIN_PASS=alice-pw CHAIN_MARK=kept-42 "${SEED[@]}"
check "first login: server answered OK alice (rc $rc, out '$out')" test "$rc:$out" = "0:OK alice"
check "first login: nothing on stderr ('$err')" test -z "$err"
check "first login: maildir created" is_maildir "$H/alice/Maildir"
if is_root; then
	check "first login: maildir owned by uid $UID_A, 0700" \
		test "$(stat -c '%u %a' "$H/alice/Maildir" "$H/alice/Maildir/new" | sort -u)" = "$UID_A 700"
fi
check "server saw its maildir complete" test "$(srv maildir)" = ok
check "server argv is server + Maildir" test "$(srv argc):$(srv argv0):$(srv argv1)" = "2:$BIN/server:Maildir"
check "server runs as the user (uid $UID_A)" test "$(srv uid):$(srv gid)" = "$UID_A:$UID_A"
check "server runs in the home" test "$(srv cwd)" = "$H/alice"
check "server env: AUTHENTICATED=alice" test "$(srvenv AUTHENTICATED)" = alice
check "server env: the module's AUTHADDR is kept" test "$(srvenv AUTHADDR)" = alice
check "server env: the login's AUTHARGV3 is kept" test "$(srvenv AUTHARGV3)" = "$BIN/server"
check "server env: other variables pass untouched" test "$(srvenv CHAIN_MARK)" = kept-42
check "server has the pid of the login program: exec all along, no fork" \
	test -n "$(srv pid)" -a "$(srv pid)" = "$(loginpid)"
# Descriptors the server has beyond fd 3 and what the login inherited.
fds=$(grep -o '^fd[0-9]*' "$OUT/server" | grep -vx fd3 | grep -vxF -f <(grep -o '^fd[0-9]*$' "$OUT/login") | tr '\n' ' ')
check "server inherits no descriptor from authmkhome ($fds)" test -z "$fds" -a -n "$(srv fd0)"
check "no leftovers in the home" test -z "$(leftovers "$H/alice")"
logged "first login: creation logged" "$m" "authmkhome\[[0-9]+\]: created maildir $H/alice/Maildir for alice"

# --- second login: fast path ---------------------------------------------------
before=$(snap "$H/alice")
sleep 1.1 # anything rewritten would get a visibly different time
m=$(log_mark)
chain CHAIN_USER=alice CHAIN_PASS=alice-pw "${SEED[@]}"
check "second login: OK alice" test "$rc:$out" = "0:OK alice"
same_snap=$(snap "$H/alice")
check "second login: nothing in the home changed" test "$before" = "$same_snap"
check "second login: still one process (pid of the login)" test "$(srv pid)" = "$(loginpid)"
not_logged "second login: no creation logged" "$m" 'authmkhome\[.*(created|completing)'

# --- MAILDIR from the module wins over the argument ------------------------------
chain CHAIN_USER=bob CHAIN_PASS=bob-pw "${SEED[@]}"
check "relative MAILDIR: OK bob" test "$rc:$out" = "0:OK bob"
check "relative MAILDIR: made under the home (Mail/inbox)" is_maildir "$H/bob/Mail/inbox"
check "relative MAILDIR: the argument's Maildir is not made" test ! -e "$H/bob/Maildir"
check "relative MAILDIR: the server still gets its own argument" test "$(srv argv1)" = Maildir
chain CHAIN_USER=carol CHAIN_PASS=carol-pw "${SEED[@]}"
check "absolute MAILDIR: OK carol" test "$rc:$out" = "0:OK carol"
check "absolute MAILDIR: made where it says" is_maildir "$T_BASE/vmail/carol/Maildir"
check "absolute MAILDIR: nothing in the home" test -z "$(ls -A "$H/carol")"

# --- not authenticated yet: the fd-3 record goes on byte for byte -----------------
# authmkhome first, the authenticating module after it: the record reaches
# authtest through authmkhome, which then runs again, authenticated.
printf 'imap\nlogin\ndave\ndave-pw\n\r\377\001 tail\twithout newline' >"$T_BASE/record"
chain CHAIN_RECORD="$T_BASE/record" -- "$AMH" "$BIN/authtest" "$AMH" "$BIN/server" Maildir
check "pass-on: OK dave (rc $rc, out '$out')" test "$rc:$out" = "0:OK dave"
check "pass-on: the module read exactly the login's bytes" cmp -s "$OUT/login.record" "$OUT/authtest.record"
check "pass-on: the record is the odd one sent" cmp -s "$T_BASE/record" "$OUT/authtest.record"
check "pass-on: dave's maildir made by the second authmkhome" is_maildir "$H/dave/Maildir"
check "pass-on: still no fork for the chain itself" test "$(srv pid)" = "$(loginpid)"

# Nobody authenticates (unknown user): authtest and authmkhome pass the
# record on, the server refuses and the login program is run again.
m=$(log_mark)
chain CHAIN_USER=zed CHAIN_PASS=x -- "$BIN/authtest" "$AMH" "$BIN/server" Maildir
check "nobody authenticates: the login says NO ($out)" test "$out" = "NO Login failed."
check "nobody authenticates: the server refused to run" grep -q '^not authenticated' "$OUT/server"
check "nobody authenticates: the login was rerun with its own arguments" \
	test "$(grep -c '^rerun argv' "$OUT/login"):$(sed -n 's/^rerun argv3=//p' "$OUT/login")" = "5:$BIN/server"

# --- nothing follows: authmkhome fails the login itself ---------------------------
m=$(log_mark)
chain CHAIN_USER=alice CHAIN_PASS=alice-pw -- "$AMH"
check "nothing follows: the login says NO ($out)" test "$out" = "NO Login failed."
check "nothing follows: rerun argv is the login's ($(grep -c '^rerun argv' "$OUT/login"))" \
	test "$(sed -n 's/^rerun argv1=//p' "$OUT/login")" = "$AMH"
check "nothing follows: nothing on stderr" test -z "$err"
logged "nothing follows: logged" "$m" 'authmkhome\[[0-9]+\]: not authenticated and no module follows'

# A relative next module is never run from the current directory.
m=$(log_mark)
chain CHAIN_USER=alice CHAIN_PASS=alice-pw -- "$AMH" server Maildir
check "relative next module: the login fails" test "$out" = "NO Login failed."
check "relative next module: no server ran" test ! -e "$OUT/server"
logged "relative next module: logged" "$m" 'next module "server" is not an absolute path'

# The arguments of later modules are checked before anything is passed on
# (the login's saved ones, equally hostile, are then refused as well).
m=$(log_mark)
chain CHAIN_USER=alice CHAIN_PASS=alice-pw -- "$AMH" "$BIN/authtest" "$AMH" "$BIN/server" x/../y
check "module argument with ..: the login fails (rc $rc, '$out')" test "$rc" = 1 -a -z "$out$err"
check "module argument with ..: the next module never ran" test ! -e "$OUT/authtest" -a ! -e "$OUT/server"
logged "module argument with ..: logged" "$m" 'module argument has a "\.\." component: refused'
logged "module argument with ..: the rerun refused too" "$m" 'AUTHARGV5 has a "\.\." component: refused' 

# A record longer than authmkhome passes on is refused, not truncated.
head -c 5000 /dev/zero | tr '\0' x >"$T_BASE/bigrecord"
m=$(log_mark)
chain CHAIN_RECORD="$T_BASE/bigrecord" -- "$AMH" "$BIN/authtest" "$BIN/server" Maildir
check "oversized record: the login fails" test "$out" = "NO Login failed."
check "oversized record: no module after authmkhome ran" test ! -e "$OUT/authtest"
logged "oversized record: logged" "$m" 'record on fd 3 is longer than 4096 bytes'

# --- the account's quota: MAILDIRQUOTA, as authsuccess set it ---------------------
adduser quinn "$UID_G" "" 5000000S,500C
adduser quincy "$UID_G" "" 5000000S,500C
adduser quentin "$UID_G" "" lots
printf 'quota=1000S\n' >"$T_BASE/quota-option.conf"
printf 'quota=1000S\nquota_source=option\n' >"$T_BASE/quota-source.conf"
chmod 0644 "$T_BASE"/quota-*.conf
chain CHAIN_USER=quinn CHAIN_PASS=quinn-pw MKMAILDIR_CONFIG="$T_BASE/quota-option.conf" "${SEED[@]}"
check "MAILDIRQUOTA: OK quinn" test "$rc:$out" = "0:OK quinn"
check "MAILDIRQUOTA: maildirsize carries the account's quota over quota=" \
	test "$(head -n1 "$H/quinn/Maildir/maildirsize" 2>/dev/null)" = 5000000S,500C
chain CHAIN_USER=quincy CHAIN_PASS=quincy-pw MKMAILDIR_CONFIG="$T_BASE/quota-source.conf" "${SEED[@]}"
check "quota_source=option: OK quincy" test "$rc:$out" = "0:OK quincy"
check "quota_source=option: quota= wins over MAILDIRQUOTA" \
	test "$(head -n1 "$H/quincy/Maildir/maildirsize" 2>/dev/null)" = 1000S
m=$(log_mark)
chain CHAIN_USER=quentin CHAIN_PASS=quentin-pw "${SEED[@]}"
check "bad MAILDIRQUOTA: login refused, no server, nothing made" \
	test "$rc" != 0 -a ! -e "$OUT/server" -a ! -e "$H/quentin/Maildir"
logged "bad MAILDIRQUOTA: logged" "$m" 'authmkhome\[[0-9]+\]: MAILDIRQUOTA "lots" is not a Maildir\+\+ quota: refused'

# --- a failing creator: no server, a clear line, nothing half-made ----------------
if is_root; then
	mkprog fail-creator <<-'EOF'
	#!/bin/sh
	echo "fail-creator: refusing $1 on purpose"
	exit 3
	EOF
	adduser erin "$UID_E"
	m=$(log_mark)
	chain CHAIN_USER=erin CHAIN_PASS=erin-pw MAILDIR_CREATOR="$BIN/fail-creator" "${SEED[@]}"
	check "failing creator: login fails (rc $rc)" test "$rc" != 0
	check "failing creator: nothing on stdout or stderr ('$out' '$err')" test -z "$out$err"
	check "failing creator: the server was not started" test ! -e "$OUT/server"
	check "failing creator: no maildir, nothing in the home" test -z "$(ls -A "$H/erin")"
	logged "failing creator: its exit status logged" "$m" "authmkhome\[[0-9]+\]: creator $BIN/fail-creator for erin failed with exit status 3"
	logged "failing creator: its output logged" "$m" 'authmkhome\[[0-9]+\]: creator: fail-creator: refusing erin on purpose'
	logged "failing creator: login refused, server named" "$m" "maildir $H/erin/Maildir of erin .* login refused, $BIN/server not started"

	# The example creator of conf/, as MAILDIR_CREATOR.
	install -m 0755 "$T_TOP/conf/authmkhome-creator" "$BIN/authmkhome-creator"
	adduser frank "$UID_F"
	m=$(log_mark)
	chain CHAIN_USER=frank CHAIN_PASS=frank-pw MAILDIR_CREATOR="$BIN/authmkhome-creator" "${SEED[@]}"
	check "example creator: OK frank" test "$rc:$out" = "0:OK frank"
	check "example creator: maildir and folders" is_maildir "$H/frank/Maildir/.Sent"
	check "example creator: owned by frank" test "$(stat -c %u "$H/frank/Maildir/.Trash/cur")" = "$UID_F"
	check "example creator: subscriptions" grep -qx INBOX.Drafts "$H/frank/Maildir/courierimapsubscribed"
	check "example creator: no temporary left" test -z "$(leftovers "$H/frank")"
	logged "example creator: logged" "$m" "created maildir $H/frank/Maildir for frank .*with creator $BIN/authmkhome-creator"

	# Root never gets a maildir through authmkhome.
	mkdir -p "$H/root0"
	printf 'root0:root0-pw:0:0:%s:\n' "$H/root0" >>"$USERS"
	m=$(log_mark)
	chain CHAIN_USER=root0 CHAIN_PASS=root0-pw "${SEED[@]}"
	check "as root: refused, no server" test "$rc" != 0 -a ! -e "$OUT/server"
	check "as root: nothing made" test ! -e "$H/root0/Maildir"
	logged "as root: logged" "$m" 'must run as the authenticated user'
else
	skip "failing creator, example creator, root refusal" "creators must be root's files; needs root"
fi
exit 0
