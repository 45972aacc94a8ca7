# SPDX-License-Identifier: GPL-2.0-or-later
# The host process: a mail daemon runs the module for years.  100,000
# sessions in one process must not grow its memory or its descriptors
# (measured from /proc and mallinfo2 after 1,000 and after 100,000), nor
# change its SIGCHLD disposition, signal mask, umask, cwd or credentials (of
# any thread), nor leave children or zombies; valgrind's memcheck on shorter
# runs (creation, repair, refusal, creator) finds no leak and no error; and
# sessions on several threads at once in one process all succeed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

A=$(home_of alice)
pam_service full "folders=Drafts,Sent subscribe quota=1000S"

# Thread users t0..t15, with homes.
for i in $(seq 0 15); do
	printf 't%s:x:%s:%s::%s:/bin/sh\n' "$i" $((6000 + i)) $((6000 + i)) "$T_HOMES/t$i" >>"$NSS_WRAPPER_PASSWD"
	printf 't%s:x:%s:\n' "$i" $((6000 + i)) >>"$NSS_WRAPPER_GROUP"
done
thomes() { local i; for i in $(seq 0 15); do mkhome "t$i" 0700; done; }

# --- 100,000 sessions in one process ---
mkhome alice 0700
N=${T_HOST_SESSIONS:-100000}
out=$("$T_PAMRUN" loop -d "$T_PAMD" -s full -u alice -a session -n "$N" -m -H 2>&1)
st=$?
echo "  figures: $N sessions: $out"
check "$N sessions: all succeed, host state unchanged (exit $st)" test "$st" = 0
get() { printf '%s\n' "$out" | grep -o "$1=[0-9-]*" | cut -d= -f2; }
check "$N sessions: $(get logins) sessions ran" test "$(get logins)" = "$N" -a "$(get ok)" = "$N"
check "$N sessions: open fds after 1,000 ($(get fd1k)) = after $N ($(get fdend))" test "$(get fd1k)" = "$(get fdend)"
heap=$(( $(get heapend) - $(get heap1k) )) rss=$(( $(get rssend) - $(get rss1k) ))
# A leak of even 16 bytes a session would add 1.5 MB.
check "$N sessions: heap in use grew by $heap bytes (at most 64 KiB)" test "$heap" -le 65536
# ASan's quarantine holds freed memory on purpose: growth means nothing there.
[ -n "${T_IN_SANITIZE:-}" ] ||
	check "$N sessions: resident size grew by $rss KiB (at most 1 MiB)" test "$rss" -le 1024
check "$N sessions: the maildir is complete" is_maildir "$A/Maildir/.Sent"

# --- several threads at once in one process ---
thomes
out=$("$T_PAMRUN" loop -d "$T_PAMD" -s full -u 't#' -a both -n 50 -T 16 -H 2>&1)
check "16 threads, 16 users, first logins at once, 50 rounds each: all succeed, every thread's credentials unchanged ($out)" \
	test $? = 0
bad=0; for i in $(seq 0 15); do is_maildir "$T_HOMES/t$i/Maildir/.Sent" && [ "$(stat -c %U "$T_HOMES/t$i/Maildir")" = "t$i" ] || bad=$((bad + 1)); done
check "16 threads: 16 complete maildirs, each its owner's ($bad wrong)" test "$bad" = 0
mkhome alice 0700
out=$("$T_PAMRUN" loop -d "$T_PAMD" -s full -u alice -a account -n 20 -T 16 -H 2>&1)
check "16 threads, one user's first login at once: all succeed ($out)" test $? = 0
check "16 threads, one user: one complete maildir, no leftovers" sh -c "[ -d '$A/Maildir/.Sent/tmp' ] && [ -z \"\$(find '$A' -name '.mkmaildir[.-]*')\" ] && [ -z \"\$(find '$A' -user root)\" ]"
# A creator from threads: clone without exit signal, in a threaded host.
mkdir -m 0755 "$T_BASE/bin"
printf '#!/bin/sh\nmkdir -m 700 "$2" "$2/cur" "$2/new" "$2/tmp"\n' >"$T_BASE/bin/mk"; chmod 0755 "$T_BASE/bin/mk"
pam_service creator "creator=$T_BASE/bin/mk"
thomes
out=$("$T_PAMRUN" loop -d "$T_PAMD" -s creator -u 't#' -a account -n 3 -T 16 -H 2>&1)
check "16 threads running creators at once: all succeed, no child or zombie left ($out)" test $? = 0

# --- valgrind memcheck ---
# (not on the sanitized build, which valgrind cannot run; LeakSanitizer
# covers leaks there)
if [ -n "${T_IN_SANITIZE:-}" ]; then
	exit 0
fi
if ! command -v valgrind >/dev/null; then
	skip "$T_NAME: valgrind" "valgrind is not installed"
	exit 0
fi
# Suppressions: only what libpam and NSS keep for the life of the process
# (dlopen'ed modules' state, NSS's per-process caches), never the module.
SUPP=$T_BASE/valgrind.supp
cat >"$SUPP" <<'EOF'
{
   nss_wrapper and glibc NSS keep their parsed files and handles for the process's life
   Memcheck:Leak
   match-leak-kinds: reachable,possible
   ...
   obj:*libnss_wrapper.so*
}
{
   the dynamic loader keeps dlopen'ed objects (libpam loads modules this way)
   Memcheck:Leak
   match-leak-kinds: reachable
   ...
   fun:_dl_open
}
EOF
vg() { # LABEL WANT-EXIT SERVICE USER SETUP PAMRUN-LOOP-ARGS...
	local label=$1 want=$2 svc=$3 user=$4 setup=$5 log=$T_BASE/vg.log res; shift 5
	$setup
	res=$(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=42 \
		--suppressions="$SUPP" --trace-children=no --log-file="$log" \
		"$T_PAMRUN" loop -d "$T_PAMD" -s "$svc" -u "$user" "$@" 2>&1)
	local st=$?
	local summary
	summary=$(grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable' "$log" |
		sed 's/^==[0-9]*== *//' | tr '\n' ';')
	echo "  figures: valgrind $label: $res; $summary"
	if [ "$st" = "$want" ] && grep -q 'ERROR SUMMARY: 0 errors' "$log"; then pass "valgrind $label: zero errors, zero leaks"
	else fail "valgrind $label: zero errors, zero leaks" "exit $st: $summary $(grep -A8 -m1 -E 'lost in|Invalid|uninitialised' "$log" | sed 's/^==[0-9]*== *//' | tr '\n' ' ')"; fi
}
fresh() { mkhome alice 0700; }
broken() { mkhome alice 0700; ln -s /etc "$A/Maildir"; }
partial() { mkhome alice 0700; mkdir -p "$A/Maildir/cur"; chown -R alice:alice "$A/Maildir"; }
keep() { :; }
vg "creation then 300 sessions" 0 full alice fresh -a both -n 300
vg "repair of a partial maildir" 0 full alice partial -a account -n 5
vg "refusal (Maildir -> /etc), 50 times" 1 full alice broken -a account -n 50
pam_service bad "mode=0777"
vg "configuration error, 50 times" 1 bad alice keep -a account -n 50
vg "unknown user, 50 times" 1 full nosuchuser keep -a account -n 50
vg "creator, first login" 0 creator alice fresh -a account -n 1
vg "4 threads, first logins" 0 full 't#' thomes -a both -n 20 -T 4
