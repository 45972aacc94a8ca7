#!/usr/bin/env bash
# make bench: pam_mkmaildir against the alternatives, side by side, through
# real libpam (tests/pamrun time), on a private tmpfs and on the disk.
#
#   bench/run.sh [-r RUNS] [-b BULK] [-m LOOP] [-S SESSIONS] [-f "tmpfs disk"]
#                [-s "every first siblings bulk cost"] [-o FILE]
#
#   -r RUNS      runs of every measurement; the table shows their median (5)
#   -b BULK      maildirs per bulk run (5000; the issue's figure is 100000)
#   -m LOOP      maildirs per run of the maildirmake shell loop (200)
#   -S SESSIONS  sessions of the RSS measurement (100000)
#   -f FS        filesystems: tmpfs (a private tmpfs mount) and/or disk
#                (a directory under /var/tmp)
#   -s SECTIONS  every (every login), first (first login), siblings (a first
#                login in an empty parent and beside 100,000 entries, tmpfs
#                only), bulk, cost; and
#                profile (callgrind and strace -c of the module's paths, kept
#                in $BENCH_PROFILE_DIR)
#   -o FILE      also write the table to FILE
#   -J "1 2"     parallel jobs of the bulk runs (mkmaildir -j, floor processes)
# Environment: BENCH_MODULE=/path/to/pam_mkmaildir.so and BENCH_MKMAILDIR=/path/to/mkmaildir
# measure other builds;
# BENCH_PROFILE_DIR keeps the profile section's output.
#
# Root only.  Nothing on the host changes: the script moves into a private
# mount namespace, where it gets its own /dev (and syslog daemon), a tmpfs,
# and -- only inside that namespace -- a bind mount of a generated passwd and
# group over /etc/passwd and /etc/group, for the helpers that run with an
# empty environment (pam_mkhomedir's mkhomedir_helper, pam_exec scripts).
# In-process lookups use nss_wrapper with the same accounts.  Missing Debian
# packages the benchmark needs are installed with apt-get; maildirmake is
# not installed: when the host has none, the maildrop package is downloaded
# and unpacked into the work directory (installing it would pull in an MTA).
# No timing is asserted anywhere.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

RUNS=5 BULK=5000 LOOP=200 SESSIONS=100000 FSLIST="tmpfs disk" JOBS="1 2"
SECTIONS="every first siblings bulk cost" OUT=
while getopts r:b:m:S:f:s:o:J:h c; do
	case $c in
	r) RUNS=$OPTARG ;; b) BULK=$OPTARG ;; m) LOOP=$OPTARG ;; S) SESSIONS=$OPTARG ;;
	f) FSLIST=$OPTARG ;; s) SECTIONS=$OPTARG ;; o) OUT=$OPTARG ;; J) JOBS=$OPTARG ;;
	*) sed -n '2,23p' "$0"; exit 2 ;;
	esac
done
[ -n "$OUT" ] && case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac

if [ "$(id -u)" != 0 ]; then
	echo "bench: run as root (accounts with real uids, private mounts)" >&2
	exit 1
fi
if [ -z "${BENCH_IN_NS:-}" ]; then
	export BENCH_IN_NS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi
# Every mount below must stay inside this private namespace.
if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
	echo "bench: not in a private mount namespace; refusing to mount anything" >&2
	exit 1
fi

has() { [[ " $SECTIONS " == *" $1 "* ]]; }
say() { printf '%s\n' "$*" >&2; }

# ---- dependencies ------------------------------------------------------
need=
for p in gcc libc6-dev libpam0g-dev libpam-modules libpam-modules-bin libnss-wrapper \
	busybox strace valgrind bc; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need="$need $p"
done
if [ -n "$need" ]; then
	say "bench: installing$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
nsslib=$(dpkg -L libnss-wrapper | grep '/libnss_wrapper\.so$' | head -n 1)
[ -x "$top/pam_mkmaildir.so" ] || [ -f "$top/pam_mkmaildir.so" ] || { say "bench: build first (make)"; exit 1; }

work=$(mktemp -d /var/tmp/mkb.XXXXXX)
syslogd_pid=
cleanup() {
	[ -n "${BENCH_KEEP:-}" ] && { cp "$work/syslog.log" /tmp/bench-syslog.log 2>/dev/null; }
	[ -n "$syslogd_pid" ] && kill "$syslogd_pid" 2>/dev/null
	mountpoint -q "$work/t" 2>/dev/null && umount "$work/t"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 0755 "$work"
mkdir -p "$work/bin" "$work/pam.d" "$work/etc"
. "$top/tests/privdev.sh"
private_dev "$work/syslog.log"

cc -std=c11 -O2 -Wall -Wextra -o "$work/bin/pamrun" "$top/tests/pamrun.c" -lpam -lpthread
cc -std=c11 -O2 -Wall -Wextra -o "$work/bin/floor" "$top/bench/floor.c"
pamrun=$work/bin/pamrun floor=$work/bin/floor

# maildirmake: the host's, or maildrop's unpacked here.
MDM=$(command -v maildirmake || true) MDM_LIBS= MDM_NOTE="maildirmake ($MDM)"
if [ -z "$MDM" ]; then
	mkdir -p "$work/debs"
	if (cd "$work/debs" && apt-get download maildrop libcourier-unicode4 >/dev/null 2>&1); then
		for d in "$work"/debs/*.deb; do dpkg-deb -x "$d" "$work/debs/root"; done
		MDM=$work/debs/root/usr/bin/maildirmake.maildrop
		MDM_LIBS=$work/debs/root/usr/lib/x86_64-linux-gnu
		MDM_NOTE="maildirmake from maildrop $(dpkg-deb -f "$work"/debs/maildrop_*.deb Version), unpacked, not installed"
	fi
fi
if [ -z "$MDM" ] || ! LD_LIBRARY_PATH=$MDM_LIBS "$MDM" "$work/mdm-probe" 2>/dev/null; then
	# Stand-in with maildirmake's interface for what the scripts use.
	cat >"$work/bin/maildirmake" <<-'EOF'
	#!/bin/sh
	set -eu
	case $1 in
	-f) mkdir -m 700 "$3/.$2" "$3/.$2/cur" "$3/.$2/new" "$3/.$2/tmp"; : >"$3/.$2/maildirfolder" ;;
	-q) printf '%s\n' "$2" >"$3/maildirsize" ;;
	*) mkdir -m 700 "$1" "$1/cur" "$1/new" "$1/tmp" ;;
	esac
	EOF
	chmod 0755 "$work/bin/maildirmake"
	MDM=$work/bin/maildirmake MDM_LIBS= MDM_NOTE="no maildirmake available: an equivalent mkdir script stands in"
fi
rm -rf "$work/mdm-probe"
sed -e "s|@MDM@|$MDM|" -e "s|@MDM_LIBS@|$MDM_LIBS|" "$top/bench/exec-maildirmake.sh" \
	>"$work/bin/exec-maildirmake.sh"
install -m 0755 "$top/bench/creator.sh" "$work/bin/creator.sh"
chmod 0755 "$work/bin/exec-maildirmake.sh"

# ---- accounts and PAM services -------------------------------------------
NE=200          # every-login users e0..e199, complete maildirs
NF=200          # first-login users f0..f199 per run (script paths: NFX)
NFX=60
NS=200          # first-login users s0..s199 per run, homes in $ROOT/.sib (siblings)
NSIB=100000     # entries beside them in the big-parent run
NEX=200         # every-login cycles of the pam_exec path per run
NEI=2000        # every-login cycles of the in-process paths per run
VMAIL_UID=5100

gen_passwd() { # ROOTDIR
	echo "root:x:0:0:root:/root:/bin/sh"
	for ((i = 0; i < NE; i++)); do echo "e$i:x:$((20000 + i)):100::$1/e$i:/bin/sh"; done
	for ((i = 0; i < NF; i++)); do echo "f$i:x:$((30000 + i)):100::$1/f$i:/bin/sh"; done
	for ((i = 0; i < NS; i++)); do echo "s$i:x:$((40000 + i)):100::$1/.sib/s$i:/bin/sh"; done
	echo "vmail:x:$VMAIL_UID:$VMAIL_UID::$1/.vmail:/usr/sbin/nologin"
}
printf 'root:x:0:\nusers:x:100:\nvmail:x:%s:\n' $VMAIL_UID >"$work/etc/group.nss"
cat /etc/group >"$work/etc/group"
grep -q '^users:' /etc/group || echo "users:x:100:" >>"$work/etc/group"
grep -q '^vmail:' /etc/group || echo "vmail:x:$VMAIL_UID:" >>"$work/etc/group"
grep -v '^root:' /etc/passwd >"$work/etc/passwd.host"
: >"$work/etc/passwd"
mount --bind "$work/etc/passwd" /etc/passwd
mount --bind "$work/etc/group" /etc/group

OPTS="createhome folders=Drafts,Sent,Trash,Junk subscribe quota=1073741824S,10000C"
MOD=${BENCH_MODULE:-$top/pam_mkmaildir.so}  # BENCH_MODULE: compare another build
MKMAILDIR=${BENCH_MKMAILDIR:-$top/mkmaildir}
svc() { local n=$1; shift; printf '%s\n' "$@" >"$work/pam.d/$n"; }
svc permit "account required pam_permit.so" "session required pam_permit.so"
svc mkmaildir "account required $MOD $OPTS" "session required $MOD $OPTS"
svc creator "session required $MOD createhome folders=Drafts,Sent,Trash,Junk creator=$work/bin/creator.sh creator_root"
# type=open_session: not run again at close, where pam_permit answers instead
# (a stack of only ignoring modules fails).
svc exec "session required pam_exec.so type=open_session $work/bin/exec-maildirmake.sh" \
	"session optional pam_permit.so"
# libpam reads "other" on every pam_start (and logs when it is missing); an
# empty one adds a file read and no module to every stack alike.
svc other "# nothing: the benchmark's services are complete"
# mkhomedir's skel depends on the filesystem: written per filesystem below.

results=$work/results
: >"$results"
rec() { printf '%s %s %s %s\n' "$1" "$2" "$3" "$4" >>"$results"; } # fs key run value

loop() { # FS SERVICE ARGS... ; prints pamrun time's line
	local fs=$1 s=$2; shift 2
	LD_PRELOAD=$nsslib NSS_WRAPPER_PASSWD=$work/etc/passwd.$fs NSS_WRAPPER_GROUP=$work/etc/group.nss \
		"$pamrun" time -d "$work/pam.d" -s "$s" "$@"
}
field() { sed -n "s/.*\<$1=\([0-9.]*\).*/\1/p"; }
clean_first() { # ROOT
	find "$1" -mindepth 1 -maxdepth 1 \( -name 'f*' -o -name '.mkmaildir-tmp*' \) \
		-exec rm -rf {} +
}
complete_tree() { # DIR: the tree every method must make
	local m=$1/Maildir f
	for f in cur new tmp .Drafts/cur .Sent/new .Trash/tmp .Junk/cur; do [ -d "$m/$f" ] || return 1; done
	[ -f "$m/.Junk/maildirfolder" ] && [ -f "$m/maildirsize" ] && [ -f "$m/subscriptions" ] || return 1
	[ "$(stat -c %u "$m/.Junk/cur")" != 0 ]
}
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

setup_fs() { # FS -> ROOT
	local fs=$1
	if [ "$fs" = tmpfs ]; then
		ROOT=$work/t
		mkdir -p "$ROOT"
		mount -t tmpfs -o mode=0755,size=8g,nr_inodes=0 mkb "$ROOT"
	else
		ROOT=$work/d
		mkdir -p "$ROOT"
		chmod 0755 "$ROOT"
	fi
	gen_passwd "$ROOT" >"$work/etc/passwd.$fs"
	cat "$work/etc/passwd.$fs" "$work/etc/passwd.host" >"$work/etc/passwd"
	# The skel pam_mkhomedir copies: the complete tree, root's until copied.
	"$floor" -b "$ROOT" -n 1 -u 0 -g 0 -H -p .skel >/dev/null
	svc mkhomedir "session required pam_mkhomedir.so skel=$ROOT/.skel0 umask=0077"
	# Every-login users get complete maildirs from the module itself.
	loop "$fs" mkmaildir -p e -n "$NE" -x >/dev/null
	complete_tree "$ROOT/e0" || { say "bench: setup of $fs failed"; exit 1; }
}
teardown_fs() {
	if [ "$1" = tmpfs ]; then umount "$ROOT"; rmdir "$ROOT"; else rm -rf "$ROOT"; fi
}

# ---- the sections ---------------------------------------------------------
every_login() { # FS RUN
	local fs=$1 r=$2 line
	line=$(loop "$fs" permit -p e -k "$NE" -w 200 -n "$NEI")
	rec "$fs" every.permit "$r" "$(field median_ns <<<"$line")"
	line=$(loop "$fs" mkmaildir -p e -k "$NE" -w 200 -n "$NEI" -x)
	rec "$fs" every.mkmaildir "$r" "$(field median_ns <<<"$line")"
	line=$(loop "$fs" permit -a account -p e -k "$NE" -w 200 -n "$NEI")
	rec "$fs" every.permit_acct "$r" "$(field median_ns <<<"$line")"
	line=$(loop "$fs" mkmaildir -a account -p e -k "$NE" -w 200 -n "$NEI" -x)
	rec "$fs" every.mkmaildir_acct "$r" "$(field median_ns <<<"$line")"
	line=$(loop "$fs" mkhomedir -p e -k "$NE" -w 200 -n "$NEI" -x)
	rec "$fs" every.mkhomedir "$r" "$(field median_ns <<<"$line")"
	line=$(loop "$fs" exec -p e -k "$NE" -w 10 -n "$NEX" -x)
	rec "$fs" every.exec "$r" "$(field median_ns <<<"$line")"
}

first_one() { # FS RUN KEY SERVICE COUNT
	local fs=$1 r=$2 key=$3 s=$4 n=$5 line
	clean_first "$ROOT"
	sync
	line=$(loop "$fs" "$s" -p f -n "$n" -x) || { say "bench: $key failed on $fs: $line"; exit 1; }
	complete_tree "$ROOT/f$((n - 1))" || { say "bench: $key made an incomplete tree"; exit 1; }
	rec "$fs" "first.$key" "$r" "$(field mean_ns <<<"$line")"
}

first_login() { # FS RUN
	local fs=$1 r=$2 line
	line=$(loop "$fs" permit -p e -k "$NE" -w 200 -n "$NEI")
	rec "$fs" first.permit "$r" "$(field median_ns <<<"$line")"
	first_one "$fs" "$r" mkmaildir mkmaildir "$NF"
	first_one "$fs" "$r" creator creator "$NFX"
	first_one "$fs" "$r" mkhomedir mkhomedir "$NF"
	first_one "$fs" "$r" exec exec "$NFX"
	clean_first "$ROOT"
	sync
	line=$("$floor" -b "$ROOT" -p f -n "$NF" -u 30000 -g 100 -H)
	rec "$fs" first.floor "$r" "$(field per_tree_ns <<<"$line")"
	clean_first "$ROOT"
	# A big home parent: 10,000 other entries beside the new home.
	(cd "$ROOT" && seq -f 'z%.0f' 0 9999 | xargs mkdir)
	first_one "$fs" "$r" mkmaildir_big mkmaildir "$NF"
	clean_first "$ROOT"
	find "$ROOT" -mindepth 1 -maxdepth 1 -name 'z*' -exec rm -rf {} +
}

bulk() { # FS RUN
	local fs=$1 r=$2 t0 t1 line j u
	local vm=$ROOT/.bulk
	seq -f 'b%.0f' 0 $((BULK - 1)) >"$work/bulk-users"
	for j in $JOBS; do
		if [ -x "$MKMAILDIR" ]; then
			rm -rf "$vm"; mkdir -m 0755 "$vm"; sync
			t0=$(now_us)
			LD_PRELOAD=$nsslib NSS_WRAPPER_PASSWD=$work/etc/passwd.$fs \
				NSS_WRAPPER_GROUP=$work/etc/group.nss "$MKMAILDIR" -q -j "$j" \
				-o owner=vmail -o "maildir=$vm/%u" -o folders=Drafts,Sent,Trash,Junk \
				-o subscribe -o quota=1073741824S,10000C <"$work/bulk-users" >"$work/bulk.out" 2>&1 ||
				{ say "bench: mkmaildir failed: $(tail -n 3 "$work/bulk.out")"; exit 1; }
			t1=$(now_us)
			[ -f "$vm/b$((BULK - 1))/.Junk/maildirfolder" ] || { say "bench: mkmaildir made no tree"; exit 1; }
			rec "$fs" "bulk.mkmaildir_j$j" "$r" "$(bc -l <<<"$BULK * 1000000 / ($t1 - $t0)")"
		fi
		rm -rf "$vm"; mkdir -m 0755 "$vm"; sync
		line=$("$floor" -b "$vm" -p b -n "$BULK" -u $VMAIL_UID -g $VMAIL_UID -j "$j")
		rec "$fs" "bulk.floor_j$j" "$r" "$(field rate <<<"$line")"
	done
	[ "$LOOP" -gt 0 ] || { rm -rf "$vm"; return 0; }
	rm -rf "$vm"; mkdir -m 0755 "$vm"; sync
	t0=$(now_us)
	for ((u = 0; u < LOOP; u++)); do
		m=$vm/b$u
		LD_LIBRARY_PATH=$MDM_LIBS "$MDM" "$m"
		for f in Drafts Sent Trash Junk; do LD_LIBRARY_PATH=$MDM_LIBS "$MDM" -f "$f" "$m"; done
		LD_LIBRARY_PATH=$MDM_LIBS "$MDM" -q 1073741824S,10000C "$m"
		printf 'INBOX.Drafts\nINBOX.Sent\nINBOX.Trash\nINBOX.Junk\n' >"$m/courierimapsubscribed"
		printf 'V\t2\n\nINBOX\nDrafts\nSent\nTrash\nJunk\n' >"$m/subscriptions"
		chown -R vmail:vmail "$m"
	done
	t1=$(now_us)
	rec "$fs" bulk.maildirmake "$r" "$(bc -l <<<"$LOOP * 1000000 / ($t1 - $t0)")"
	rm -rf "$vm"
}

syscalls() { # FS KEY N COMMAND... : system calls per cycle (strace -f -c)
	local fs=$1 key=$2 n=$3; shift 3
	LD_PRELOAD=$nsslib NSS_WRAPPER_PASSWD=$work/etc/passwd.$fs NSS_WRAPPER_GROUP=$work/etc/group.nss \
		strace -f -c -o "$work/strace.out" "$@" >/dev/null 2>&1 || true
	rec "$fs" "sys.$key" 1 "$(awk -v n="$n" '$NF == "total" { printf "%.1f", $4 / n }' "$work/strace.out")"
}

cost() { # FS (one run: counts, not timings)
	local fs=$1 n=50 f
	local pl=("$pamrun" time -d "$work/pam.d")
	# The driver's own calls (start-up, pamrun, exit) cancel out in the
	# differences; the per-cycle figures include libpam's share.
	syscalls "$fs" permit_every $n "${pl[@]}" -s permit -p e -k "$NE" -n $n
	syscalls "$fs" mkmaildir_every $n "${pl[@]}" -s mkmaildir -p e -k "$NE" -n $n
	syscalls "$fs" mkmaildir_acct $n "${pl[@]}" -s mkmaildir -a account -p e -k "$NE" -n $n
	syscalls "$fs" permit_acct $n "${pl[@]}" -s permit -a account -p e -k "$NE" -n $n
	syscalls "$fs" mkhomedir_every $n "${pl[@]}" -s mkhomedir -p e -k "$NE" -n $n
	syscalls "$fs" exec_every 20 "${pl[@]}" -s exec -p e -k "$NE" -n 20
	for f in mkmaildir mkhomedir; do
		clean_first "$ROOT"
		syscalls "$fs" "${f}_first" $n "${pl[@]}" -s $f -p f -n $n
	done
	for f in creator exec; do
		clean_first "$ROOT"
		syscalls "$fs" "${f}_first" 20 "${pl[@]}" -s $f -p f -n 20
	done
	clean_first "$ROOT"
	syscalls "$fs" floor $n "$floor" -b "$ROOT" -p f -n $n -u 30000 -g 100 -H
	syscalls "$fs" floor0 1 "$floor" -b "$ROOT" -p g -n 0 -u 30000 -g 100 -H
	clean_first "$ROOT"
	find "$ROOT" -mindepth 1 -maxdepth 1 -name 'g*' -exec rm -rf {} +
	# Peak heap of one session (valgrind massif), module and pam_permit.
	local s key
	for key in permit:e mkmaildir:e mkmaildir:f; do
		s=${key%:*}
		LD_PRELOAD=$nsslib NSS_WRAPPER_PASSWD=$work/etc/passwd.$fs NSS_WRAPPER_GROUP=$work/etc/group.nss \
			valgrind -q --tool=massif --massif-out-file="$work/massif.out" \
			"$pamrun" time -d "$work/pam.d" -s "$s" -p "${key#*:}" -i 1 -n 1 >/dev/null 2>&1 || true
		rec "$fs" "heap.$s.${key#*:}" 1 "$(awk -F= '/^mem_heap_B=/ { h = $2 } /^mem_heap_extra_B=/ { if (h + $2 > m) m = h + $2 } END { print m + 0 }' "$work/massif.out")"
	done
	clean_first "$ROOT"
	# Resident set after many sessions in one process.
	for s in permit mkmaildir; do
		line=$(loop "$fs" $s -p e -k "$NE" -w 200 -n "$SESSIONS" -r)
		rec "$fs" "rss.$s.start" 1 "$(field rss_start_kb <<<"$line")"
		rec "$fs" "rss.$s.end" 1 "$(field rss_end_kb <<<"$line")"
	done
}

profile() { # FS: where the time goes (not part of the default sections)
	local fs=$1 pdir=${BENCH_PROFILE_DIR:-$work/profile} s
	mkdir -p "$pdir"
	for s in permit:e:200 mkmaildir:e:200 mkhomedir:e:200 mkmaildir:f:50; do
		local svc=${s%%:*} rest=${s#*:}
		local p=${rest%%:*} n=${rest#*:} k=
		[ "$p" = e ] && k="-k $NE"
		clean_first "$ROOT"
		# shellcheck disable=SC2086
		LD_PRELOAD=$nsslib NSS_WRAPPER_PASSWD=$work/etc/passwd.$fs NSS_WRAPPER_GROUP=$work/etc/group.nss \
			valgrind -q --tool=callgrind --callgrind-out-file="$pdir/callgrind.$svc.$p" \
			"$pamrun" time -d "$work/pam.d" -s "$svc" -p "$p" $k -n "$n" >/dev/null 2>&1 || true
		callgrind_annotate --inclusive=yes "$pdir/callgrind.$svc.$p" 2>/dev/null |
			sed -n '1,60p' >"$pdir/callgrind.$svc.$p.txt"
		clean_first "$ROOT"
		# shellcheck disable=SC2086
		LD_PRELOAD=$nsslib NSS_WRAPPER_PASSWD=$work/etc/passwd.$fs NSS_WRAPPER_GROUP=$work/etc/group.nss \
			strace -f -c -o "$pdir/strace.$svc.$p.txt" "$pamrun" time -d "$work/pam.d" -s "$svc" \
			-p "$p" $k -n "$n" >/dev/null 2>&1 || true
	done
	clean_first "$ROOT"
	say "bench: profiles in $pdir"
}

# A first login's cost must not grow with the entries beside the new home
# (issue 12): s0..s199 in $ROOT/.sib, empty, then beside NSIB directories.
sib_one() { # FS RUN KEY
	local fs=$1 r=$2 key=$3 line
	find "$ROOT/.sib" -mindepth 1 -maxdepth 1 \( -name 's*' -o -name '.mkmaildir-tmp*' \) -exec rm -rf {} +
	sync
	line=$(loop "$fs" mkmaildir -p s -n "$NS" -x) || { say "bench: $key failed on $fs: $line"; exit 1; }
	complete_tree "$ROOT/.sib/s$((NS - 1))" || { say "bench: $key made an incomplete tree"; exit 1; }
	rec "$fs" "sib.$key" "$r" "$(field mean_ns <<<"$line")"
}
siblings() { # FS RUN
	local fs=$1 r=$2
	[ "$fs" = tmpfs ] || return 0
	rm -rf "$ROOT/.sib"; mkdir -m 0755 "$ROOT/.sib"
	sib_one "$fs" "$r" empty
	(cd "$ROOT/.sib" && seq -f 'z%.0f' 1 "$NSIB" | xargs mkdir)
	sib_one "$fs" "$r" big
	rm -rf "$ROOT/.sib"
}

# ---- run ------------------------------------------------------------------
start=$(date +%s)
for fs in $FSLIST; do
	say "bench: $fs: setting up"
	setup_fs "$fs"
	for ((r = 1; r <= RUNS; r++)); do
		if has every; then say "bench: $fs: every login, run $r/$RUNS"; every_login "$fs" "$r"; fi
		if has first; then say "bench: $fs: first login, run $r/$RUNS"; first_login "$fs" "$r"; fi
		if has siblings && [ "$fs" = tmpfs ]; then say "bench: $fs: siblings, run $r/$RUNS"; siblings "$fs" "$r"; fi
		if has bulk; then say "bench: $fs: bulk ($BULK maildirs), run $r/$RUNS"; bulk "$fs" "$r"; fi
	done
	if has cost; then say "bench: $fs: cost (syscalls, heap, RSS)"; cost "$fs"; fi
	if has profile; then say "bench: $fs: profile (callgrind, strace)"; profile "$fs"; fi
	teardown_fs "$fs"
done
cp "$results" "${BENCH_RAW:-/dev/null}" 2>/dev/null || true

# ---- the table ------------------------------------------------------------
med() { # FS KEY -> median over runs, or "-"
	awk -v fs="$1" -v k="$2" '$1 == fs && $2 == k { v[n++] = $4 }
		END { if (n == 0) { print "-"; exit }
		      for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		      print (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2 }' "$results"
}
us() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.1f", v / 1000 }'; }
ratio() { if [ "$1" = - ] || [ "$2" = - ] || [ "$2" = 0 ]; then echo -; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; fi; }
diffus() { if [ "$1" = - ] || [ "$2" = - ]; then echo -; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (a - b) / 1000 }'; fi; }

table() {
	local fs_cols=($FSLIST) fs k a b
	echo "pam_mkmaildir benchmarks -- $(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')"
	echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "disk: $(findmnt -no FSTYPE,SOURCE --target /var/tmp | tr '\n' ' ')  tmpfs: private mount in a mount namespace"
	echo "medians of $RUNS runs; $MDM_NOTE"
	echo
	if has every; then
		echo "1. Every login, maildir complete: one libpam cycle, median us (run medians of $NEI cycles; pam_exec $NEX)"
		printf '  %-38s' "method"; for fs in "${fs_cols[@]}"; do printf '%10s %9s %9s' "$fs us" "x permit" "+us"; done; echo
		for k in permit mkmaildir mkhomedir exec permit_acct mkmaildir_acct; do
			case $k in
			permit) name="pam_permit (session)" ;; mkmaildir) name="pam_mkmaildir (session)" ;;
			mkhomedir) name="pam_mkhomedir (home exists)" ;; exec) name="pam_exec check script" ;;
			permit_acct) name="pam_permit (account)" ;; mkmaildir_acct) name="pam_mkmaildir (account hook)" ;;
			esac
			printf '  %-38s' "$name"
			for fs in "${fs_cols[@]}"; do
				a=$(med "$fs" every.$k)
				case $k in *_acct) b=$(med "$fs" every.permit_acct) ;; *) b=$(med "$fs" every.permit) ;; esac
				printf '%10s %9s %9s' "$(us "$a")" "$(ratio "$a" "$b")" "$(diffus "$a" "$b")"
			done
			echo
		done
		echo
	fi
	if has first; then
		echo "2. First login, building home + Maildir + 4 folders + subscriptions + maildirsize: mean us per login"
		printf '  %-38s' "method"; for fs in "${fs_cols[@]}"; do printf '%10s %9s %9s' "$fs us" "-permit" "x floor"; done; echo
		for k in mkmaildir creator mkhomedir exec floor mkmaildir_big; do
			case $k in
			mkmaildir) name="pam_mkmaildir built-in" ;; creator) name="pam_mkmaildir creator= script" ;;
			mkhomedir) name="pam_mkhomedir + skel" ;; exec) name="pam_exec maildirmake script" ;;
			floor) name="floor (bare syscalls, no PAM)" ;; mkmaildir_big) name="pam_mkmaildir, 10,000 siblings" ;;
			esac
			printf '  %-38s' "$name"
			for fs in "${fs_cols[@]}"; do
				a=$(med "$fs" first.$k) f=$(med "$fs" first.floor) p=$(med "$fs" first.permit)
				if [ $k = floor ]; then
					printf '%10s %9s %9s' "$(us "$a")" "" "1.00"
				else
					local above=-
					[ "$a" != - ] && [ "$p" != - ] && above=$(awk -v a="$a" -v p="$p" 'BEGIN { print a - p }')
					printf '%10s %9s %9s' "$(us "$a")" "$(us "$above")" "$(ratio "$above" "$f")"
				fi
			done
			echo
		done
		echo "  (-permit: the login's cost above the pam_permit session cycle; x floor: that cost over the floor)"
		echo
	fi
	if has siblings && [[ " $FSLIST " == *" tmpfs "* ]]; then
		local e b
		e=$(med tmpfs sib.empty) b=$(med tmpfs sib.big)
		echo "2b. First login (pam_mkmaildir built-in) by the size of the home's parent, tmpfs: mean us per login"
		printf '  %-38s%10s\n' "empty parent" "$(us "$e")"
		printf '  %-38s%10s\n' "beside $NSIB entries" "$(us "$b")"
		printf '  %-38s%10s\n' "ratio (goal: within 1.10)" "$(ratio "$b" "$e")"
		echo
	fi
	if has bulk; then
		echo "3. Bulk: maildirs per second (virtual layout, owner=vmail; $BULK per run, maildirmake loop $LOOP)"
		printf '  %-38s' "method"; for fs in "${fs_cols[@]}"; do printf '%10s %9s %9s' "$fs /s" "per core" "x floor1"; done; echo
		for k in mkmaildir_j1 mkmaildir_j2 floor_j1 floor_j2 maildirmake; do
			case $k in
			mkmaildir_j1) name="mkmaildir -j1" j=1 ;; mkmaildir_j2) name="mkmaildir -j2" j=2 ;;
			floor_j1) name="floor, 1 process" j=1 ;; floor_j2) name="floor, 2 processes" j=2 ;;
			maildirmake) name="shell loop of maildirmake" j=1 ;;
			esac
			printf '  %-38s' "$name"
			for fs in "${fs_cols[@]}"; do
				a=$(med "$fs" bulk.$k) f=$(med "$fs" bulk.floor_j1)
				pc=$( [ "$a" = - ] && echo - || awk -v a="$a" -v j=$j 'BEGIN { printf "%.0f", a / j }')
				printf '%10s %9s %9s' "$( [ "$a" = - ] && echo - || printf '%.0f' "$a")" "$pc" "$(ratio "$pc" "$f")"
			done
			echo
		done
		echo
	fi
	if has cost; then
		echo "4. Cost (strace -f -c: system calls per cycle; valgrind massif; /proc/self/status)"
		printf '  %-44s' "item"; for fs in "${fs_cols[@]}"; do printf '%12s' "$fs"; done; echo
		row() { local label=$1; shift; printf '  %-44s' "$label"; for fs in "${fs_cols[@]}"; do printf '%12s' "$("$@" "$fs")"; done; echo; }
		m() { med "$2" "$1"; }
		d() { awk -v a="$(med "$3" "$1")" -v b="$(med "$3" "$2")" 'BEGIN { printf "%.1f", a - b }'; }
		fl() { awk -v a="$(med "$1" sys.floor)" -v b="$(med "$1" sys.floor0)" 'BEGIN { printf "%.1f", a - b / 50 }'; }
		row "syscalls/cycle pam_permit (session)" m sys.permit_every
		row "  pam_mkmaildir every login, above permit" d sys.mkmaildir_every sys.permit_every
		row "  pam_mkmaildir account hook, above permit" d sys.mkmaildir_acct sys.permit_acct
		row "  pam_mkhomedir every login, above permit" d sys.mkhomedir_every sys.permit_every
		row "  pam_exec check script, above permit" d sys.exec_every sys.permit_every
		row "  pam_mkmaildir first login, above permit" d sys.mkmaildir_first sys.permit_every
		row "  pam_mkmaildir creator=, above permit" d sys.creator_first sys.permit_every
		row "  pam_mkhomedir first login, above permit" d sys.mkhomedir_first sys.permit_every
		row "  pam_exec maildirmake, above permit" d sys.exec_first sys.permit_every
		row "  floor: minimum for the tree" fl
		row "peak heap, bytes: pam_permit session" m heap.permit.e
		row "  pam_mkmaildir every login" m heap.mkmaildir.e
		row "  pam_mkmaildir first login" m heap.mkmaildir.f
		row "RSS kB after 200 sessions, pam_permit" m rss.permit.start
		row "  after $SESSIONS more" m rss.permit.end
		row "RSS kB after 200 sessions, pam_mkmaildir" m rss.mkmaildir.start
		row "  after $SESSIONS more" m rss.mkmaildir.end
	fi
	echo
	echo "(bench took $(( $(date +%s) - start )) s)"
}
table | if [ -n "$OUT" ]; then tee "$OUT"; else cat; fi
