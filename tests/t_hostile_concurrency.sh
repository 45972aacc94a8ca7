# SPDX-License-Identifier: GPL-2.0-or-later
# Concurrency at scale: 64 daemon processes making the same user's first
# login at the same instant, and 1,000 different users' first logins at the
# same instant (homes created too, all under one parent), then 1,000
# virtual users of 8 new domains: every login succeeds and every tree is
# complete, owned right, without temporary leftovers.  All processes wait
# on one FIFO and are released together when it is opened and closed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

OUT=$T_BASE/out GO=$T_BASE/go
mkdir -p "$OUT"

# herd LABEL N SERVICE USERFN: N processes, user $(USERFN i), released at once.
herd() {
	local label=$1 n=$2 svc=$3 userfn=$4 i pids=() hook
	rm -f "$GO" "$OUT"/r.*; mkfifo "$GO"
	for i in $(seq 0 $((n - 1))); do
		hook=account; [ $((i % 2)) = 1 ] && hook=session
		"$T_PAMRUN" loop -d "$T_PAMD" -s "$svc" -u "$($userfn "$i")" -a $hook -w "$GO" -H >"$OUT/r.$i" 2>&1 &
		pids+=($!)
	done
	sleep 1
	: >"$GO"   # opening and closing the FIFO releases every waiting process
	local st=0
	for i in "${pids[@]}"; do wait "$i" || st=$((st + 1)); done
	local ok
	ok=$(cat "$OUT"/r.* | grep -c 'ok=1 fail=0')
	check "$label: all $n logins succeed at once ($ok succeeded, $st processes failed or changed the host)" \
		test "$ok" = "$n" -a "$st" = 0
	[ "$ok" = "$n" ] || cat "$OUT"/r.* | grep -v 'ok=1 fail=0' | sort | uniq -c | head -n 5 | sed 's/^/    /'
}

# --- 64 first logins of one user ---
A=$(home_of alice)
mkhome alice 0700
pam_service full "folders=Drafts,Sent,Trash subscribe quota=1000S,10C"
alice() { echo alice; }
herd "64 processes, one user" 64 full alice
check "64: one complete maildir with every folder" sh -c "for f in '' .Drafts .Sent .Trash; do for d in cur new tmp; do [ -d '$A/Maildir/'\$f/\$d ] || exit 1; done; done"
check "64: nothing but the maildir in the home, no leftovers" test "$(ls -A "$A")" = Maildir
check "64: nothing root-owned in the maildir" test -z "$(find "$A" -user root)"
check "64: maildirsize written once" test "$(cat "$A/Maildir/maildirsize")" = "$(printf '1000S,10C\n           0            0')"

# --- 1,000 different users at once, homes created ---
# (T_CONC_USERS lowers the count where each process is big: the sanitized run.)
N=${T_CONC_USERS:-1000}
H=$T_BASE/h
mkdir -m 0755 "$H"
for i in $(seq 0 $((N - 1))); do
	printf 'u%04d:x:%d:%d::%s/u%04d:/bin/sh\n' "$i" $((20000 + i)) $((20000 + i)) "$H" "$i"
done >>"$NSS_WRAPPER_PASSWD"
for i in $(seq 0 $((N - 1))); do printf 'u%04d:x:%d:\n' "$i" $((20000 + i)); done >>"$NSS_WRAPPER_GROUP"
pam_service mkhome "createhome folders=Sent"
user_n() { printf 'u%04d' "$1"; }
herd "$N users at once (homes and maildirs created)" "$N" mkhome user_n
bad=$(for i in $(seq 0 $((N - 1))); do
	u=$(user_n "$i")
	[ -d "$H/$u/Maildir/.Sent/tmp" ] && [ -d "$H/$u/Maildir/cur" ] && [ -d "$H/$u/Maildir/new" ] &&
		[ "$(stat -c %u "$H/$u" "$H/$u/Maildir" "$H/$u/Maildir/.Sent/cur" | sort -u)" = $((20000 + i)) ] || echo "$u"
done | head -n 5)
check "$N users: every home and maildir complete and owned by its user (bad: $bad)" test -z "$bad"
check "$N users: exactly $N homes and nothing else in their parent, no leftovers" \
	test "$(ls -A "$H" | wc -l)" = "$N" -a -z "$(leftovers "$H")"

# --- 1,000 virtual users of 8 new domains at once ---
V=$T_BASE/vmail
mkdir -m 0700 "$V"; chown vmail:vmail "$V"
pam_service virt "owner=vmail maildir=$V/%d/%n folders=Sent"
vuser() { printf 'user%d@d%d.example' "$1" $(( $1 % 8 )); }
herd "$N virtual users of 8 new domains at once" "$N" virt vuser
n=$(find "$V" -mindepth 2 -maxdepth 2 -type d | wc -l)
incomplete=$(find "$V" -mindepth 2 -maxdepth 2 -type d | while read -r d; do is_maildir "$d/.Sent" || echo "$d"; done | head -n 3)
check "virtual: $N complete maildirs in 8 domains ($n; incomplete: $incomplete)" \
	test "$n" = "$N" -a -z "$incomplete" -a "$(ls "$V" | wc -l)" = 8
check "virtual: everything belongs to vmail, no leftovers" \
	test -z "$(find "$V" ! -user vmail | head -n 3)" -a -z "$(leftovers "$V")"
