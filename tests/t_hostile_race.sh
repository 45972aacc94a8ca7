# SPDX-License-Identifier: GPL-2.0-or-later
# The attack loop: a local user who owns her home (alice) rearranges it in a
# tight loop (tests/racer.c, running as alice) while more than 10,000 logins
# of hers go through the module in several daemon processes at once:
# components of the maildir become symlinks to /etc, /root, bob's home or a
# missing path, regular files, FIFOs, a device node, a hard link to a file of
# root's, a maildir owned by mallory, and back; maildirfolder and
# maildirsize become the hard link; tmp and the whole maildir vanish so the
# module repairs and rebuilds, and the temporary directories of builds in
# progress are stolen and replaced by symlinks.
#
# Result required: no creation, write, chmod or chown anywhere but alice's
# own tree (full scans of the attack targets before and after: path, type,
# mode, owner, size, mtime, ctime, inode), every failed login with a LOG_ERR
# line of the module, no crash, no change to the host processes, and a
# complete maildir at the next quiet login.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

t_build racer

A=$(home_of alice) B=$(home_of bob)
OUT=$T_BASE/out DECOY=$T_BASE/decoy SECRET=$T_BASE/secret STOP=$T_BASE/out/stop
mkdir -p "$OUT"
pam_service race "folders=Sent subscribe quota=1000000S,100C"

# --- the scene ---
mkhome alice 0700
mkhome bob 0700
pam_login race bob -a account
expect "setup: bob's maildir" "$PAM_SUCCESS"
pam_login race alice -a account
expect "setup: alice's maildir" "$PAM_SUCCESS"
mkdir -m 0755 "$DECOY" "$DECOY/sub"
printf 'keep\n' >"$DECOY/keep"; chmod 0644 "$DECOY/keep"
printf 'root:s3cret-hash:19000:0:99999:7:::\n' >"$SECRET"; chmod 0600 "$SECRET"
# Root plants what alice could not make herself (protected_hardlinks): a hard
# link to root's file and a device node, both inside her home; and mallory's
# maildir, renameable by alice since it sits in her own directory.
ln "$SECRET" "$A/hl.root"
mknod -m 0600 "$A/dev.node" c 1 3
mkdir -m 0755 "$A/foreign"; mkdir -m 0700 "$A/foreign/cur" "$A/foreign/new" "$A/foreign/tmp"
chown -R mallory:mallory "$A/foreign"
mkdir -m 0700 "$A/trash"; chown alice:alice "$A/trash"
ino_secret=$(stat -c %i "$SECRET") ino_dev=$(stat -c %i "$A/dev.node")
ino_foreign=$(stat -c %i "$A/foreign"); ino_fcur=$(stat -c %i "$A/foreign/cur")

# Full scans.  The hard-linked file's ctime is left out: alice's renames of
# her link change it (that is the kernel, not the module); its owner, mode,
# size, mtime and content are compared.
scan_base() {
	find "$T_BASE" \( -path "$A" -o -path "$OUT" -o -path "$SECRET" \) -prune -o \
		-printf '%p %y %m %U %G %s %T@ %C@ %i %l\n' | LC_ALL=C sort
	stat -c '%n %F %a %u %g %s %Y %i' "$SECRET"; md5sum <"$SECRET"
}
scan_host() { find /etc /root -xdev -printf '%p %y %m %U %G %s %T@ %C@ %i %l\n' 2>/dev/null | LC_ALL=C sort; }
# Root's and mallory's things alice moves around inside her home: found by inode.
scan_inodes() {
	local i
	for i in "$ino_secret" "$ino_dev" "$ino_foreign" "$ino_fcur"; do
		find "$A" -xdev -inum "$i" -printf "$i %y %m %U %G %s %T@\n" | head -n 1
	done
}
base_before=$(scan_base)
host_before=$(scan_host)
ino_before=$(scan_inodes)

# --- the attack ---
DANGLE=/etc/mkmaildir-race-$$
racers=()
for r in 1; do
	"$BIN/racer" "$(id -u alice)" "$(id -g alice)" "$A" "$STOP" \
		/etc /root "$B" "$B/Maildir" "$DECOY" "$DANGLE" "$DECOY/made-by-root" >"$OUT/racer.$r" 2>&1 &
	racers+=($!)
done
at_exit "touch '$STOP'; kill ${racers[*]}"
LOGINS=2500
pids=()
for i in 1 2 3 4; do
	nice -n 10 "$T_PAMRUN" loop -d "$T_PAMD" -s race -u alice -a account -n $LOGINS -H -L "$OUT/err.$i" >"$OUT/loop.$i" 2>&1 &
	pids+=($!)
done
nice -n 10 "$T_PAMRUN" loop -d "$T_PAMD" -s race -u alice -a session -n 500 -H -L "$OUT/err.5" >"$OUT/loop.5" 2>&1 &
pids+=($!)
codes=
for p in "${pids[@]}"; do wait "$p"; codes="$codes $?"; done
touch "$STOP"
racer_rc=0
for p in "${racers[@]}"; do wait "$p" || racer_rc=$?; done

# --- what happened ---
total=0 ok=0 failed=0 unlogged=0
for i in 1 2 3 4 5; do
	line=$(cat "$OUT/loop.$i")
	eval "$(printf '%s\n' "$line" | grep -o '\(logins\|ok\|fail\|unlogged\)=[0-9]*' | sed 's/^/l_/')"
	total=$((total + ${l_logins:-0})) ok=$((ok + ${l_ok:-0}))
	failed=$((failed + ${l_fail:-0})) unlogged=$((unlogged + ${l_unlogged:-0}))
done
racer_ops=$(cat "$OUT"/racer.* | grep -o 'ops=[0-9]*' | cut -d= -f2 | paste -sd+ | bc)
echo "  figures: logins=$total succeeded=$ok refused/failed=$failed unlogged=$unlogged racers: $(cat "$OUT"/racer.* | tr '\n' ' ')"
echo "  figures: refusal reasons (top):"
cat "$OUT"/err.* 2>/dev/null | tr '\037' '\n' | grep -o 'pam_mkmaildir([^)]*): .*' |
	sed -e 's/^[^ ]* //' -e 's|/[^ "]*|PATH|g' -e 's/uid [0-9]*/uid N/g' | sort | uniq -c | sort -rn | head -n 8 | sed 's/^/    /'

check "race: every driver exited normally, host state unchanged (exit codes:$codes)" \
	sh -c "! printf '%s\n' $codes | grep -qvx '[01]'"
check "race: at least 10,000 logins ran ($total)" test "$total" -ge 10000
check "race: the racers ran as alice and made many changes ($racer_ops)" test "$racer_rc" = 0 -a "${racer_ops:-0}" -gt 300
check "race: the attacks caused refusals ($failed)" test "$failed" -gt 0
check "race: logins also succeeded under attack ($ok)" test "$ok" -gt 0
check "race: every failed login has a LOG_ERR line of the module ($unlogged without)" test "$unlogged" = 0
bad_codes=$(cut -f1 "$OUT"/err.* 2>/dev/null | sort -u | grep -vx -e "$PAM_PERM_DENIED" -e "$PAM_SYSTEM_ERR" -e "$PAM_SESSION_ERR" | tr '\n' ' ')
check "race: failures are only PAM_PERM_DENIED / PAM_SYSTEM_ERR / PAM_SESSION_ERR (others: $bad_codes)" test -z "$bad_codes"

same "race: root's decoy, root's file, bob's home and maildir: unchanged (full scan)" "$base_before" "$(scan_base)"
same "race: root's and mallory's entries moved around in alice's home keep owner and mode" "$ino_before" "$(scan_inodes)"
host_diff=$(diff <(printf '%s\n' "$host_before") <(scan_host) | grep '^[<>]')
module_diff=$(printf '%s\n' "$host_diff" | grep -E " ($(id -u alice)|$(id -u bob)|$(id -u mallory)) |/(Maildir|cur|new|tmp|\.Sent|maildirfolder|maildirsize|subscriptions|courierimapsubscribed|\.mkmaildir-tmp[^ ]*|made-by-root|mkmaildir-race-[0-9]*)( |/)")
check "race: /etc and /root: no entry created, changed or chowned by the module (full scan)" test -z "$module_diff"
if [ -n "$host_diff" ] && [ -z "$module_diff" ]; then
	echo "  note: $(printf '%s\n' "$host_diff" | wc -l) unrelated changes in /etc or /root by other host activity"
fi
check "race: the missing targets were not created" test ! -e "$DANGLE" -a ! -e "$DECOY/made-by-root"
check "race: nothing outside alice's home belongs to alice" \
	test -z "$(find "$T_BASE" /etc /root -xdev -path "$A" -prune -o -user alice -print 2>/dev/null | head -n 3)"
check "race: nothing in alice's home was given to a third user" \
	test "$(find "$A" -xdev ! -user alice ! -user root ! -user mallory -print | head -n 3)" = ""
check "race: mallory owns only her own maildir (4 entries)" test "$(find "$A" -xdev -user mallory | wc -l)" = 4

# --- quiet again: the next login completes the maildir ---
pam_login race alice -a account -H
expect "race: the next quiet login succeeds" "$PAM_SUCCESS"
check "race: complete maildir after the attack" is_maildir "$A/Maildir/.Sent"
stat_is "race: the maildir is alice's" "$A/Maildir" "alice 700"
rm -rf "$A/trash"
