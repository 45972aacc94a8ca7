# SPDX-License-Identifier: GPL-2.0-or-later
# The every-login path: a maildir that is the account's and holds the
# account's marker is opened in one openat2(RESOLVE_NO_SYMLINKS) and looked
# at no further; anything else (a symlink on the way, another owner, no
# marker, no openat2 at all) goes through the full walk and its checks.
# The layout=fs probe through a symlinked level gives the same result
# whatever the symlink points to.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root
t_build noopenat2
NO2=$BIN/noopenat2

A=$(home_of alice); M=$A/Maildir
TR=$T_BASE/trace
# traced SERVICE USER [WRAPPER...]: one account login under strace; counts
# the module's openat2 calls and its opens of the maildir by name.
traced() {
	local s=$1 u=$2; shift 2
	strace -f -qq -o "$TR" -e trace=openat2,openat "$@" "$T_PAMRUN" -d "$T_PAMD" -s "$s" -u "$u" -a account >/dev/null 2>&1
	rc=$?
	o2=$(grep -c 'openat2(' "$TR"); walked=$(grep -cE 'openat\([0-9]+, "Maildir"' "$TR")
}
mkhome alice 0700
pam_service every "folders=Sent,Trash subscribe"
pam_login every alice -a account
expect "setup: first login" "$PAM_SUCCESS"

traced every alice
check "complete: succeeds ($rc)" test "$rc" = 0
check "complete: one openat2, no walk ($o2 openat2, $walked opens of Maildir by name)" test "$o2" = 1 -a "$walked" = 0
for e in ENOSYS EPERM; do
	traced every alice "$NO2" "$e"
	check "no openat2 ($e): succeeds ($rc)" test "$rc" = 0
	check "no openat2 ($e): the walk ran instead ($walked opens of Maildir)" test "$walked" -ge 1
	rmdir "$M/tmp"; rm -f "$M"/pam_mkmaildir.*
	traced every alice "$NO2" "$e"
	check "no openat2 ($e): an incomplete maildir is completed ($rc)" test "$rc" = 0 -a -d "$M/tmp" -a -f "$(record "$M")"
done

# --- each of these goes through the full checks ---
rm -f "$M"/pam_mkmaildir.*
traced every alice
check "no marker: the walk ran ($walked)" test "$rc" = 0 -a "$walked" -ge 1 -a -f "$(record "$M")"
mv "$M" "$A/Real"; ln -s Real "$M"; chown -h alice:alice "$M"
traced every alice
check "a symlink on the way: openat2 refused it, the walk ran and refused the login ($rc)" \
	test "$rc" != 0 -a "$walked" -ge 1 -a "$(grep -c 'openat2(.*ELOOP' "$TR")" = 1
rm "$M"; mv "$A/Real" "$M"
chown -R bob:bob "$M"
traced every alice
check "another owner (maildir and marker bob's): the walk ran and refused the login ($rc)" \
	test "$rc" != 0 -a "$walked" -ge 1
chown -R alice:alice "$M"
chown bob "$(record "$M")"
traced every alice
check "another owner's marker: the walk ran ($walked)" test "$walked" -ge 1
chown alice "$(record "$M")"

# --- the layout=fs probe: Maildir/Archive a symlink into a directory only
# root can read, which holds 2024/cur or not: the same answer either way ---
pam_service fs "layout=fs folders=Archive.2024"
X=$T_BASE/rootonly; rm -rf "$X"; mkdir -m 0700 "$X"
mkhome alice 0700
pam_login fs alice -a account
expect "probe setup: first login" "$PAM_SUCCESS"
rm -rf "$M/Archive"; ln -s "$X" "$M/Archive"; chown -h alice:alice "$M/Archive"
for marker in with without; do
	[ "$marker" = without ] && rm -f "$M"/pam_mkmaildir.*
	mkdir -p "$X/2024/cur" "$X/2024/new" "$X/2024/tmp"; chown -R alice:alice "$X/2024"
	pam_login fs alice -a account; with=$rc
	rm -rf "$X/2024"
	pam_login fs alice -a account; without=$rc
	check "probe, $marker the marker: the same result whatever the symlink points to ($with, $without)" \
		test "$with" = "$without"
	check "probe, $marker the marker: nothing made through the symlink" test -z "$(ls -A "$X")"
done
