# SPDX-License-Identifier: GPL-2.0-or-later
# Many first logins at once (a mail client opening several connections, or
# several frontends): every one succeeds and one complete tree is left, with
# no temporary leftovers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

N=40
# race SERVICE USER...: starts one pamrun per USER, all released together;
# alternates the account and the session hook. Leaves the codes in $T_BASE/rc.
race() {
	local svc=$1 i=0 u pids=(); shift
	race_mark=$(log_mark)
	rm -rf "$T_BASE/rc" "$T_BASE/go"; mkdir -p "$T_BASE/rc"
	for u in "$@"; do
		local hook=account
		[ $((i % 2)) = 1 ] && hook=session
		(
			while [ ! -e "$T_BASE/go" ]; do sleep 0.01; done
			"$T_PAMRUN" -d "$T_PAMD" -s "$svc" -u "$u" -a "$hook" >"$T_BASE/rc/$i.out" 2>&1
			echo $? >"$T_BASE/rc/$i"
		) &
		pids+=($!)
		i=$((i + 1))
	done
	sleep 0.2
	touch "$T_BASE/go"
	wait "${pids[@]}"
}
# all_ok LABEL COUNT: every racer returned PAM_SUCCESS.
all_ok() {
	local codes
	codes=$(cat "$T_BASE"/rc/[0-9]* 2>/dev/null | sort | uniq -c | tr -s ' ' | tr '\n' ';')
	if [ "$(cat "$T_BASE"/rc/[0-9]* 2>/dev/null | grep -cx 0)" = "$2" ]; then pass "$1"; else
		fail "$1" "codes (count code): $codes; module log: $(log_since "$race_mark" | grep pam_mkmaildir | grep -v ' created ' | sort -u | head -n 4 | tr '\n' ' ')"
	fi
}

# --- one system user, N logins at once ---
A=$(home_of alice)
mkhome alice
pam_service full "folders=Drafts,Sent,Trash subscribe quota=1000S,10C"
users=(); for _ in $(seq $N); do users+=(alice); done
race full "${users[@]}"
all_ok "$N concurrent first logins of alice all succeed" "$N"
M=$A/Maildir
check "alice: one complete maildir" is_maildir "$M"
for f in Drafts Sent Trash; do
	check "alice: folder .$f complete with maildirfolder" sh -c "test -d '$M/.$f/cur' -a -d '$M/.$f/new' -a -d '$M/.$f/tmp' -a -f '$M/.$f/maildirfolder'"
done
check "alice: nothing but the maildir in the home" test "$(ls -A "$A")" = Maildir
check "alice: no temporary leftovers" test -z "$(leftovers "$A")"
check "alice: maildirsize first line" test "$(head -n 1 "$M/maildirsize" 2>&1)" = 1000S,10C
check "alice: maildirsize written once (header and size line)" test "$(wc -l <"$M/maildirsize")" = 2
check "alice: courierimapsubscribed written once" \
	test "$(cat "$M/courierimapsubscribed" 2>&1 | LC_ALL=C sort)" = "$(printf 'INBOX\n'; printf 'INBOX.%s\n' Drafts Sent Trash)"
tree_is "alice: every directory is alice 700" "$M" "alice 700"
check "alice: no entry owned by root" test -z "$(find "$M" -user root)"

# --- N virtual users of one new domain: the domain directory is raced ---
V=$T_BASE/vmail
mkdir -p "$V"; chown vmail:vmail "$V"; chmod 0700 "$V"
pam_service virt "owner=vmail maildir=$V/%d/%n folders=Sent"
users=(); for i in $(seq $N); do users+=("user$i@example.org"); done
race virt "${users[@]}"
all_ok "$N concurrent virtual users of one new domain all succeed" "$N"
bad=0; for i in $(seq $N); do is_maildir "$V/example.org/user$i/.Sent" || bad=$((bad + 1)); done
check "virtual: all $N maildirs complete ($bad incomplete)" test "$bad" = 0
check "virtual: the domain directory belongs to vmail" test "$(stat -c %U "$V/example.org")" = vmail
check "virtual: no temporary leftovers" test -z "$(leftovers "$V")"
check "virtual: exactly $N maildirs in the domain" test "$(find "$V/example.org" -mindepth 1 -maxdepth 1 | wc -l)" = "$N"

# --- N logins of one virtual user whose domain and maildir are both new ---
users=(); for _ in $(seq $N); do users+=(solo@example.net); done
race virt "${users[@]}"
all_ok "$N concurrent logins of one new virtual user all succeed" "$N"
check "solo: complete" is_maildir "$V/example.net/solo/.Sent"
check "solo: nothing else in the domain" test "$(ls -A "$V/example.net")" = solo
check "solo: no leftovers" test -z "$(leftovers "$V")"

# --- N logins creating the home with a skel ---
mkdir -p "$T_BASE/skel/.dir"; printf 'x\n' >"$T_BASE/skel/.dir/f"; printf 'p\n' >"$T_BASE/skel/.profile"
C=$(home_of carol)
rm -rf "$C"
pam_service mkhome "createhome skel=$T_BASE/skel"
users=(); for _ in $(seq 32); do users+=(carol); done
race mkhome "${users[@]}"
all_ok "32 concurrent logins creating the home all succeed" 32
check "createhome race: complete maildir" is_maildir "$C/Maildir"
check "createhome race: skel copied once and complete" \
	test "$(cd "$C" 2>/dev/null && find . -path ./Maildir -prune -o -print | LC_ALL=C sort | tr '\n' ' ')" = ". ./.dir ./.dir/f ./.profile "
stat_is "createhome race: home is carol 700" "$C" "carol 700"
check "createhome race: no leftovers" test -z "$(leftovers "$T_HOMES")"

# --- N logins through the shipped example creator (conf/authmkhome-creator),
# which renames its tree into place and accepts a concurrent winner's ---
if [ -f "$T_TOP/conf/authmkhome-creator" ]; then
	mkdir -p "$T_BASE/bin"; chmod 0755 "$T_BASE/bin"
	install -m 0755 -o root -g root "$T_TOP/conf/authmkhome-creator" "$T_BASE/bin/authmkhome-creator"
	mkhome bob
	B=$(home_of bob)
	pam_service creator "creator=$T_BASE/bin/authmkhome-creator"
	users=(); for _ in $(seq 32); do users+=(bob); done
	race creator "${users[@]}"
	all_ok "32 concurrent first logins through conf/authmkhome-creator all succeed" 32
	check "example creator race: complete maildir with its folders" is_maildir "$B/Maildir/.Trash"
	check "example creator race: nothing but the maildir in the home (no .authmkhome-creator.* left)" \
		test "$(ls -A "$B")" = Maildir
	tree_is "example creator race: every directory is bob 700" "$B/Maildir" "bob 700"
else
	skip "example creator race" "conf/authmkhome-creator is missing"
fi
