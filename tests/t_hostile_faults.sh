# SPDX-License-Identifier: GPL-2.0-or-later
# Faults on the creation path: each call the module makes while it builds,
# repairs or creates a home (tests/faultshim.c counts only the module's own
# calls: open/openat, mkdirat, fchown/fchownat, fchmod, renameat, unlinkat,
# symlinkat, readlinkat, read, write, close, dup, flock, fstat/fstatat,
# fdopendir, readdir, getrandom) fails in turn with ENOSPC, EIO, EACCES,
# EROFS, EDQUOT or EINTR, and separately the process is killed by SIGKILL at
# that call.  Every run must end with PAM_SYSTEM_ERR and a LOG_ERR line of
# the module naming the maildir (or with success and a complete maildir, for
# a fault the module can do without); the next login must complete the
# maildir; nothing of root's may remain in the user's tree; and a run that
# was not killed leaves no temporary name (.mkmaildir.*) anywhere: what a
# failed build made is removed by the build itself.  A killed build leaves
# its temporary tree, which no later login reads or minds: the next login
# builds beside it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

t_build faultshim.so -Werror -shared -fPIC -ldl
SHIM=$BIN/faultshim.so
OUT=$T_BASE/out
mkdir -p "$OUT"
mkdir -p "$T_BASE/skel/.config"; printf 'p\n' >"$T_BASE/skel/.profile"; printf 'c\n' >"$T_BASE/skel/.config/c"
ln -s .profile "$T_BASE/skel/.link"
pam_service full "folders=Sent,Archive.2024 subscribe quota=1000000S,100C"
pam_service home "createhome skel=$T_BASE/skel folders=Sent"

ERRNOS=(ENOSPC EIO EACCES EROFS EDQUOT EINTR)
declare -A STRERR=([ENOSPC]="No space left on device" [EIO]="Input/output error"
	[EACCES]="Permission denied" [EROFS]="Read-only file system"
	[EDQUOT]="Disk quota exceeded" [EINTR]="Interrupted system call")

# login SERVICE USER [FAULT]: one account login through pamrun loop; sets
# code (PAM code, or "killed"), errs (its LOG_ERR lines).
login() {
	local line
	: >"$OUT/err"
	line=$(T_FAULT=${3:-} LD_PRELOAD="$SHIM $T_NSSLIB" "$T_PAMRUN" loop -d "$T_PAMD" -s "$1" -u "$2" \
		-a account -L "$OUT/err" 2>&1)
	local st=$?
	if [ $st = 137 ]; then code=killed
	elif [ $st -ge 98 ]; then code="driver-exit-$st"
	else code=$(printf '%s\n' "$line" | sed -n 's/.*codes=\([0-9]*\):.*/\1/p'); fi
	errs=$(tr '\037' '\n' <"$OUT/err")
}
# trace SERVICE USER SETUP: how many counted calls a clean run makes.
trace() {
	"$3"
	rm -f "$OUT/trace"
	T_FAULT_TRACE=$OUT/trace LD_PRELOAD="$SHIM $T_NSSLIB" "$T_PAMRUN" loop -d "$T_PAMD" -s "$1" -u "$2" -a account >/dev/null 2>&1
	wc -l <"$OUT/trace"
}

runs=0 kills=0 killed_left=0 faults=0 ok_anyway=0 with_strerror=0 bad=() 
# sweep LABEL SERVICE USER SETUP HOMEDIR MAILDIR COMPLETE_CHECK ERRNO_MODE
#   ERRNO_MODE all: every errno at every call; rr: one errno per call, in turn
sweep() {
	local label=$1 svc=$2 user=$3 setup=$4 h=$5 m=$6 complete=$7 mode=$8 n total e spec why
	total=$(trace "$svc" "$user" "$setup")
	echo "  $label: $total calls of the module on this path:" $(cut -d' ' -f2 "$OUT/trace" | sort | uniq -c | sort -rn | awk '{ printf "%s %s,", $2, $1 }')
	cp "$OUT/trace" "$OUT/trace.$svc.$user"
	check "$label: the module's calls were counted ($total)" test "$total" -gt 10
	for n in $(seq 1 "$total"); do
		local specs=()
		local fn
		fn=$(sed -n "${n}p" "$OUT/trace" | cut -d' ' -f2)
		case "$mode:$fn" in
		all:mkdirat|all:renameat|all:renameat2|all:fchown|all:fchmod|all:write|all:unlinkat|all:symlinkat|all:flock)
			for e in "${ERRNOS[@]}"; do specs+=("$n:$e"); done ;;
		*) specs+=("$n:${ERRNOS[$(( n % 6 ))]}") ;;
		esac
		[ "$mode" = all ] || [ $((n % 2)) = 1 ] && specs+=("$n:KILL")
		for spec in "${specs[@]}"; do
			"$setup"
			runs=$((runs + 1))
			why=
			login "$svc" "$user" "$spec"
			e=${spec#*:}
			if [ "$code" = killed ]; then
				kills=$((kills + 1))
			elif [ "$code" = 0 ]; then
				ok_anyway=$((ok_anyway + 1))
				$complete || why="succeeded with an incomplete maildir"
			elif [ "$code" = "$PAM_SYSTEM_ERR" ]; then
				faults=$((faults + 1))
				[ -n "$errs" ] && printf '%s\n' "$errs" | grep -qF -- "$h" || why="no LOG_ERR line naming $h: '$errs'"
				[ "$e" != KILL ] && printf '%s\n' "$errs" | grep -qF -- "${STRERR[$e]}" && with_strerror=$((with_strerror + 1))
			else
				why="PAM code $code, want $PAM_SYSTEM_ERR (log: $errs)"
			fi
			local left
			left=$(find "$(dirname "$h")" -name '.mkmaildir.*' 2>/dev/null | head -n 2 | tr '\n' ' ')
			if [ "$code" = killed ]; then
				[ -n "$left" ] && killed_left=$((killed_left + 1))
			elif [ -n "$left" ]; then
				why="$why; a failed build left its temporary: $left"
			fi
			login "$svc" "$user"
			[ "$code" = 0 ] || why="$why; next login: PAM code $code ($errs)"
			$complete || why="$why; next login left an incomplete maildir"
			# The next login leaves only what a killed build left before it.
			local after
			after=$(find "$(dirname "$h")" -name '.mkmaildir.*' 2>/dev/null | head -n 2 | tr '\n' ' ')
			[ "$after" = "$left" ] || [ "$code" != 0 ] || why="$why; the next login changed the temporaries: '$left' -> '$after'"
			local rootly
			rootly=$(find "$h" -user root 2>/dev/null | head -n 3 | tr '\n' ' ')
			[ -z "$rootly" ] || why="$why; root-owned in the user's tree: $rootly"
			if [ -n "$why" ]; then
				bad+=("$label, call $spec ($fn): $why")
			fi
		done
	done
}

A=$(home_of alice) C=$(home_of carol)
fresh_alice() { rm -rf "$A" "$T_HOMES"/.mkmaildir.*; mkhome alice 0700; }
# A maildir someone else made (no marker): a folder to complete in place,
# one to add by a rename from tmp/, and a missing tmp/ to make first.
repair_alice() {
	fresh_alice
	T_FAULT= LD_PRELOAD=$T_NSSLIB "$T_PAMRUN" loop -d "$T_PAMD" -s full -u alice -a account >/dev/null 2>&1
	rm -rf "$A/Maildir/tmp" "$A/Maildir/.Archive.2024" "$A/Maildir"/pam_mkmaildir.*
	rmdir "$A/Maildir/.Sent/cur"; rm -f "$A/Maildir/.Sent/maildirfolder"
}
no_carol() { rm -rf "$C" "$T_HOMES"/.mkmaildir.*; }
complete_alice() { is_maildir "$A/Maildir/.Sent" && is_maildir "$A/Maildir/.Archive.2024" && is_maildir "$A/Maildir" &&
	[ -f "$A/Maildir/.Sent/maildirfolder" ] && [ "$(head -n 1 "$A/Maildir/maildirsize" 2>/dev/null)" = 1000000S,100C ]; }
complete_carol() { is_maildir "$C/Maildir/.Sent" && [ "$(cat "$C/.config/c" 2>/dev/null)" = c ] && [ -L "$C/.link" ] &&
	[ "$(stat -c %U "$C")" = carol ]; }

m=$(log_mark)
sweep "new maildir" full alice fresh_alice "$A/Maildir" "$A/Maildir" complete_alice all
sweep "repair" full alice repair_alice "$A/Maildir" "$A/Maildir" complete_alice rr
sweep "new home with skel" home carol no_carol "$C" "$C/Maildir" complete_carol rr

echo "  figures: $runs faulty logins: $faults failed cleanly, $ok_anyway succeeded anyway, $kills killed; $with_strerror failures named the injected errno's text"
check "faults: every run ended right, logged, and the next login completed (${#bad[@]} bad)" test "${#bad[@]}" = 0
[ "${#bad[@]}" = 0 ] || printf '%s\n' "${bad[@]}" | sed -e 's/[0-9a-f]\{16\}/X/g' -e 's/call [0-9]*:[A-Z]*/call N/' | sort | uniq -c | sort -rn | head -n 12 | sed 's/^/    bad: /'
printf '%s\n' "${bad[@]}" >"$T_WORK/faults.bad"
check "faults: injected failures were seen ($faults)" test "$faults" -gt 50
check "faults: kills happened ($kills)" test "$kills" -gt 20
check "faults: killed builds left temporary trees that the next login built beside ($killed_left)" \
	test "$killed_left" -gt 0
