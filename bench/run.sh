#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: pam_mkmaildir against the alternatives, side by side, through
# real libpam (tests/pamrun time), on a private tmpfs and on the disk; with
# -o FILE it writes the complete BENCHMARKS.md (bench/BENCHMARKS.md.in, the
# hand-written prose, with the tables and the goals' status filled in).
#
#   bench/run.sh [-r RUNS] [-b BULK] [-m LOOP] [-S SESSIONS] [-f "tmpfs disk"]
#                [-s "every first siblings bulk cost cluster"] [-o FILE]
#                [-A "10 1000 10000"] [-c CYCLES] [-J "1 2"] [-F FRAGDIR]
#
#   -r RUNS      runs of every measurement; the tables show their median (3)
#   -b BULK      maildirs per bulk run on tmpfs (5000; a site's figure is 100000)
#   -B DBULK     maildirs per bulk run on the disk (1000: ext4 makes ~500/s)
#   -m LOOP      maildirs per run of the maildirmake shell loop (100)
#   -S SESSIONS  sessions of the RSS measurement (50000)
#   -f FS        filesystems: tmpfs (a private tmpfs mount) and/or disk
#                (a directory under /var/tmp)
#   -s SECTIONS  every (every login through glibc's files NSS, by account
#                count, on the first filesystem of -f), first (first login),
#                siblings (a first login in an empty parent and beside
#                100,000 entries, tmpfs only), bulk, cost, cluster
#                (bench/cluster.sh: GlusterFS and LDAP); and profile
#                (callgrind and strace -c of the module's paths, kept in
#                $BENCH_PROFILE_DIR)
#   -o FILE      write the complete BENCHMARKS.md to FILE (the tables alone
#                always go to standard output)
#   -A COUNTS    accounts in /etc/passwd for the every-login section
#   -c CYCLES    cycles per every-login measurement (1000; pam_exec 100); the
#                system-call counts of the every-login section use as many
#                (authmkhome: a fifth of them, at least 10)
#   -J "1 2"     parallel jobs of the bulk runs (mkmaildir -j, floor processes)
#   -N NSIB      entries beside the new homes of the siblings section (100000)
#   -n FIRST     first logins per run (200; the script paths 3/10 of it)
#   -k COSTN     cycles of each strace count of the cost section (50; the
#                script paths 2/5 of it)
#   -F FRAGDIR   measure nothing: write -o FILE from the tables an earlier run
#                kept in FRAGDIR (BENCH_FRAGS=FRAGDIR), with the template as it
#                is now (to revise the prose without measuring again)
# Environment: BENCH_MODULE=/path/to/pam_mkmaildir.so,
# BENCH_MKMAILDIR=/path/to/mkmaildir and BENCH_AUTHMKHOME=/path/to/authmkhome
# measure other builds; BENCH_FRAGS=DIR keeps the tables (for -F); BENCH_PROFILE_DIR
# keeps the profile section's output; BENCH_RAW=FILE keeps the raw figures;
# BENCH_MDM=stub uses the mkdir stand-in for maildirmake (no download);
# BENCH_CLUSTER_SH=PATH runs another cluster script (the test's fake one).
#
# THE CONTRACT WITH bench/cluster.sh (the cluster section; nothing else is
# agreed).  When bench/cluster.sh exists and is executable, this script runs
#     bench/cluster.sh -o FILE
# once, before anything else and outside this script's private namespace
# (it takes whatever locks and roots it needs itself).  Exit status 0 means
# FILE holds the results: lines of the form KEY=VALUE (KEY of [A-Z0-9_]) are
# figures, every other line is a line of its table, shown as it is.  Keys:
#     GLUSTER_FLOOR_US    the floor's first login on the volume, us
#     GLUSTER_FIRST_US    pam_mkmaildir's first login on the volume, us
#     LDAP_PERMIT_US_<N>  pam_permit cycle, accounts through LDAP (nslcd), us
#     LDAP_MODULE_US_<N>  pam_mkmaildir cycle, the same, us
#     LDAP_LOOKUP_US_<N>  the module's lookup of the same user, us
# where <N> is the number of accounts in the directory.  When the script is
# absent, not executable or fails, the tables and goals say
# "not measured (REASON)".
#
# Root only.  Nothing on the host changes: the script moves into a private
# mount namespace, where it gets its own /dev (and syslog daemon), a tmpfs,
# and -- only inside that namespace -- bind mounts of a generated passwd and
# group over /etc/passwd and /etc/group and of an nsswitch.conf that says
# "passwd: files" (so glibc reads exactly that file, as a site's daemon
# does).  The every-login section resolves accounts through that files NSS;
# the other sections' in-process lookups use nss_wrapper with the same
# accounts.  Missing Debian packages the benchmark needs are installed with
# apt-get; maildirmake is not installed: when the host has none, the
# maildrop package is downloaded and unpacked into the work directory
# (installing it would pull in an MTA).  No timing is asserted anywhere.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

RUNS=3 BULK=5000 DBULK=1000 LOOP=100 SESSIONS=50000 FSLIST="tmpfs disk" JOBS="1 2"
SECTIONS="every first siblings bulk cost cluster" OUT= ACCTS="10 1000 10000" NC=1000
NSIB=100000 NF=200 COSTN=50 FRAGS=
ARGS="$*"
while getopts r:b:B:m:S:f:s:o:J:A:c:N:n:k:F:h c; do
	case $c in
	r) RUNS=$OPTARG ;; b) BULK=$OPTARG ;; B) DBULK=$OPTARG ;; m) LOOP=$OPTARG ;; S) SESSIONS=$OPTARG ;;
	f) FSLIST=$OPTARG ;; s) SECTIONS=$OPTARG ;; o) OUT=$OPTARG ;; J) JOBS=$OPTARG ;;
	A) ACCTS=$OPTARG ;; c) NC=$OPTARG ;; N) NSIB=$OPTARG ;; n) NF=$OPTARG ;; k) COSTN=$OPTARG ;;
	F) FRAGS=$OPTARG ;;
	*) sed -n '2,/^set -euo/{/^set -euo/!p}' "$0"; exit 2 ;;
	esac
done
[ -n "$OUT" ] && case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac

# The template with every @NAME@ line replaced by its fragment in DIR.
render() { # DIR OUT
	awk -v dir="$1" '
		/^@[A-Z]+@$/ {
			f = dir "/" substr($0, 2, length($0) - 2); n = 0
			while ((getline line < f) > 0) { print line; n++ }
			close(f)
			if (n == 0) print "not measured (section not run)"
			next
		}
		{ print }' "${BENCH_TEMPLATE:-$top/bench/BENCHMARKS.md.in}" >"$2.tmp"
	mv "$2.tmp" "$2"
}
if [ -n "$FRAGS" ]; then
	[ -n "$OUT" ] && [ -f "$FRAGS/GOALS" ] || { echo "bench: -F needs -o FILE and a BENCH_FRAGS directory" >&2; exit 2; }
	render "$FRAGS" "$OUT"
	echo "bench: wrote $OUT from $FRAGS" >&2
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "bench: run as root (accounts with real uids, private mounts)" >&2
	exit 1
fi
has() { [[ " $SECTIONS " == *" $1 "* ]]; }
say() { printf '%s (%ss)\n' "$*" "$SECONDS" >&2; }

if [ -z "${BENCH_IN_NS:-}" ]; then
	# The cluster section runs first, in the host's namespace (its roots
	# need the real /dev, FUSE among it); see the contract above.
	BENCH_CLUSTER_OUT=$(mktemp /var/tmp/mkb-cluster.XXXXXX) BENCH_CLUSTER_WHY=
	csh=${BENCH_CLUSTER_SH:-$top/bench/cluster.sh}
	if ! has cluster; then
		BENCH_CLUSTER_WHY="section not run"
	elif [ ! -e "$csh" ]; then
		BENCH_CLUSTER_WHY="bench/cluster.sh absent"
	elif [ ! -x "$csh" ]; then
		BENCH_CLUSTER_WHY="bench/cluster.sh not executable"
	else
		say "bench: cluster: $csh -o FILE"
		cstart=$(date +%s) crc=0
		"$csh" -o "$BENCH_CLUSTER_OUT" 2> >(tee "$BENCH_CLUSTER_OUT.err" >&2) || crc=$?
		[ "$crc" = 0 ] ||
			BENCH_CLUSTER_WHY="bench/cluster.sh exited $crc: $(tail -n 1 "$BENCH_CLUSTER_OUT.err" 2>/dev/null | tr -d '|' | cut -c1-120)"
		BENCH_CLUSTER_SECS=$(( $(date +%s) - cstart ))
		rm -f "$BENCH_CLUSTER_OUT.err"
	fi
	export BENCH_CLUSTER_OUT BENCH_CLUSTER_WHY BENCH_CLUSTER_SECS BENCH_ARGS_SHOWN="$ARGS"
	export BENCH_IN_NS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi
# Every mount below must stay inside this private namespace.
if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
	echo "bench: not in a private mount namespace; refusing to mount anything" >&2
	exit 1
fi

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
	rm -f "${BENCH_CLUSTER_OUT:-/nonexistent}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 0755 "$work"
mkdir -p "$work/bin" "$work/pam.d" "$work/etc"
. "$top/tests/privdev.sh"
private_dev "$work/syslog.log"

# The tests' one pamrun build (make tests/pamrun), with the module's flags.
make -s -C "$top" tests/pamrun && cp "$top/tests/pamrun" "$work/bin/pamrun"
cc -std=c11 -O2 -Wall -Wextra -o "$work/bin/floor" "$top/bench/floor.c"
cc -std=c11 -O2 -Wall -Wextra -shared -fPIC -o "$work/bin/nsscount.so" "$top/bench/nsscount.c" -ldl
pamrun=$work/bin/pamrun floor=$work/bin/floor nsscount=$work/bin/nsscount.so
# The control module, compiled and linked exactly as pam_mkmaildir.so.
NOP=$top/bench/pam_nop.so
[ "$NOP" -nt "$top/bench/pam_nop.c" ] || make -C "$top" -s bench/pam_nop.so >&2

# maildirmake: the host's, or maildrop's unpacked here.
MDM=$(command -v maildirmake || true) MDM_LIBS= MDM_NOTE="maildirmake ($MDM)"
if [ -z "$MDM" ] && [ "${BENCH_MDM:-}" != stub ]; then
	mkdir -p "$work/debs"
	if (cd "$work/debs" && apt-get download maildrop libcourier-unicode4 >/dev/null 2>&1); then
		for d in "$work"/debs/*.deb; do dpkg-deb -x "$d" "$work/debs/root"; done
		MDM=$work/debs/root/usr/bin/maildirmake.maildrop
		MDM_LIBS=$work/debs/root/usr/lib/x86_64-linux-gnu
		MDM_NOTE="maildirmake from maildrop $(dpkg-deb -f "$work"/debs/maildrop_*.deb Version), unpacked, not installed"
	fi
fi
[ "${BENCH_MDM:-}" = stub ] && MDM=
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

# authmkhome, run as the user (the checkout may sit where users cannot
# enter), and its controls, linked as it is (PIE, relro, now, libc only):
# execnop execs the next program at once; execlookup first makes the
# lookup authmkhome makes (getpwuid_r of its own uid, a 4 KiB buffer).
AMH_SRC=${BENCH_AUTHMKHOME:-$top/authmkhome} AMH=
if [ -x "$AMH_SRC" ]; then
	AMH=$work/bin/authmkhome
	install -m 0755 "$AMH_SRC" "$AMH"
fi
cat >"$work/execctl.c" <<-'EOF'
	#include <pwd.h>
	#include <unistd.h>
	int main(int argc, char **argv)
	{
	#ifdef LOOKUP
		struct passwd pw, *res = 0;
		char buf[4096];
		(void)getpwuid_r(getuid(), &pw, buf, sizeof buf, &res);
	#endif
		if (argc < 2)
			return 2;
		execv(argv[1], argv + 1);
		return 127;
	}
EOF
for v in nop lookup; do
	# shellcheck disable=SC2046 # no word, or one
	cc -std=c11 -D_GNU_SOURCE -O2 -fPIE -pie -Wl,-z,relro,-z,now -Wl,--as-needed \
		$([ $v = lookup ] && echo -DLOOKUP) -o "$work/bin/exec$v" "$work/execctl.c"
done
# N post-login starts, Dovecot's way (script-login -d exports USERDB_KEYS,
# USER and HOME, the process runs as the user): PROGRAM /bin/true, or
# /bin/true directly when no PROGRAM is given; users e0..e(K-1) in turn.
cat >"$work/bin/amhloop.sh" <<-'EOF'
	#!/bin/bash
	n=$1 k=$2 root=$3 conf=$4; shift 4
	for ((i = 0; i < n; i++)); do
		env -i PATH=/usr/bin:/bin USERDB_KEYS="HOME " USER="e$((i % k))" HOME="$root/e$((i % k))" \
			MKMAILDIR_CONFIG="$conf" setpriv --reuid=$((20000 + i % k)) --regid=100 --clear-groups \
			"$@" /bin/true </dev/null || exit 1
	done
EOF
chmod 0755 "$work/bin/amhloop.sh"
chmod 0755 "$work/bin/exec-maildirmake.sh"

# ---- accounts and PAM services -------------------------------------------
NE=200          # every-login users e0..e199, complete maildirs
NFX=$(( NF * 3 / 10 > 0 ? NF * 3 / 10 : 1 ))   # first logins of the script paths per run
NS=$NF          # first-login users s0.. per run, homes in $ROOT/.sib (siblings)
NEX=100         # every-login cycles of the pam_exec path per run
NEI=1000        # pam_permit cycles of the first-login section per run
NK=10           # every-login users per account count (e0..e9, spread over the file)
NW=100          # untimed warm-up cycles of every every-login measurement
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
# glibc's files NSS and nothing else (the host may say "files systemd").
printf 'passwd: files\ngroup: files\nshadow: files\ngshadow: files\nhosts: files\n' \
	>"$work/etc/nsswitch.conf"
mount --bind "$work/etc/nsswitch.conf" /etc/nsswitch.conf
# No name service cache either: every lookup reads the file.
for d in /run/nscd /var/run/nscd /var/lib/sss/pipes; do
	[ -d "$d" ] && mount -t tmpfs -o mode=0755 nonscd "$d"
done

OPTS="createhome folders=Drafts,Sent,Trash,Junk subscribe quota=1073741824S,10000C"
# authmkhome's configuration: the same maildir as the module's options.
printf 'maildir=%%h/Maildir\nfolders=Drafts,Sent,Trash,Junk\nsubscribe\nquota=1073741824S,10000C\n' \
	>"$work/etc/mkmaildir.conf"
chmod 0644 "$work/etc/mkmaildir.conf"
MOD=${BENCH_MODULE:-$top/pam_mkmaildir.so}  # BENCH_MODULE: compare another build
MKMAILDIR=${BENCH_MKMAILDIR:-$top/mkmaildir}
svc() { local n=$1; shift; printf '%s\n' "$@" >"$work/pam.d/$n"; }
svc permit "account required pam_permit.so" "session required pam_permit.so"
svc mkmaildir "account required $MOD $OPTS" "session required $MOD $OPTS"
svc nop "account required $NOP" "session required $NOP"
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
# The passwd file of the every-login section: root, the host's own entries
# (a site's file starts with its system accounts), then N accounts, among
# them the NK login users e0.. spread evenly, so that a lookup reads on
# average half of the accounts, as a random user's login does.
gen_nss_passwd() { # N ROOT
	echo "root:x:0:0:root:/root:/bin/sh"
	cat "$work/etc/passwd.host"
	awk -v n="$1" -v k="$NK" -v root="$2" 'BEGIN {
		if (k > n) k = n
		for (i = 0; i < n; i++)
			if (e < k && i >= int(e * n / k)) {
				printf "e%d:x:%d:100::%s/e%d:/bin/sh\n", e, 20000 + e, root, e; e++
			} else
				printf "x%d:x:%d:100::/nonexistent:/usr/sbin/nologin\n", i, 100000 + i
	}'
}
# No nss_wrapper here: glibc's files NSS reads the bind-mounted /etc/passwd.
nssloop() { # N SERVICE ARGS... ; prints pamrun time's line
	local n=$1 s=$2 k=$NK; shift 2
	[ "$k" -gt "$n" ] && k=$n
	"$pamrun" time -d "$work/pam.d" -s "$s" -p e -k "$k" "$@"
}

# The NSS calls one login makes: counted by caller (bench/nsscount.c) and,
# as a check that needs no interposition, the opens of /etc/passwd (strace).
nss_calls() { # N
	local n=$1 c=50 s modobj
	modobj=$(basename "$MOD")
	for s in mkmaildir nop; do
		rm -f "$work/nss.$s" "$work/nss.$s.acct"
		NSSCOUNT_OUT=$work/nss.$s LD_PRELOAD=$nsscount nssloop "$n" "$s" -n $c >/dev/null
		NSSCOUNT_OUT=$work/nss.$s.acct LD_PRELOAD=$nsscount nssloop "$n" "$s" -a account -n $c >/dev/null
		strace -f -C -o "$work/strace.$s" "$pamrun" time -d "$work/pam.d" \
			-s "$s" -p e -k "$([ "$NK" -gt "$n" ] && echo "$n" || echo "$NK")" -n $c >/dev/null 2>&1 || true
	done
	rec nss "nss.$n.module" 1 "$(awk -v o="$modobj" -v c=$c '$1 == o { s += $3 } END { printf "%.2f", s / c }' "$work/nss.mkmaildir")"
	rec nss "nss.$n.module_acct" 1 "$(awk -v o="$modobj" -v c=$c '$1 == o { s += $3 } END { printf "%.2f", s / c }' "$work/nss.mkmaildir.acct")"
	rec nss "nss.$n.above_nop" 1 "$(awk -v c=$c 'FILENAME ~ /nop/ { s -= $3; next } { s += $3 } END { printf "%.2f", s / c }' "$work/nss.mkmaildir" "$work/nss.nop")"
	rec nss "nss.$n.opens" 1 "$(awk -v c=$c -v m="$(grep -c '"/etc/passwd"' "$work/strace.mkmaildir" || true)" \
		-v p="$(grep -c '"/etc/passwd"' "$work/strace.nop" || true)" 'BEGIN { printf "%.2f", (m - p) / c }')"
	rec nss "nss.$n.syscalls" 1 "$(awk -v c=$c '$NF == "total" { s += (FILENAME ~ /nop/ ? -$4 : $4) } END { printf "%.1f", s / c }' \
		"$work/strace.mkmaildir" "$work/strace.nop")"
	awk -v o="$modobj" '$1 == o { printf "%s%s", sep, $2; sep = "," }' "$work/nss.mkmaildir" >"$work/nss-fns.$n"
}

# System calls of the module's own per login, for the every-login goal
# (<= 6): strace -f -c totals over SC cycles, module - pam_nop - the
# lookup's own calls.  The lookup's calls per cycle are those of 2*SC
# lookup-only cycles (pamrun time -l) minus those of SC.  authmkhome: N
# post-login starts through authmkhome minus N through execlookup (the
# same exec chain and the same getpwuid_r, nothing else); its lookup is
# execlookup - execnop.  Also kept: the calls by name (sc-where.N.*).
sc_run() { # OUT COMMAND...: strace -f -c of COMMAND; its total of calls on stdout
	local out=$1; shift
	strace -f -c -o "$out" "$@" >/dev/null 2>&1 || { echo -; return; }
	awk '$NF == "total" { print $4 }' "$out"
}
sc_sub() { # A B N [MINUS]: (A - B) / N - MINUS, or "-"
	local v
	for v in "$1" "$2" "$3" "${4:-0}"; do [[ $v =~ ^-?[0-9.]+$ ]] || { echo -; return; }; done
	awk -v a="$1" -v b="$2" -v n="$3" -v m="${4:-0}" 'BEGIN { printf "%.1f\n", (a - b) / n - m }'
}
sc_by_name() { # A B N: the calls by name of (A - B) / N, biggest first
	awk -v n="$3" 'FNR == 1 { f++ }
		$NF != "total" && $4 ~ /^[0-9]+$/ { c[$NF] += (f == 1 ? $4 : -$4) }
		END { for (k in c) { v = c[k] / n; if (v >= 0.05 || v <= -0.05) printf "%s %.1f\n", k, v } }' "$1" "$2" |
		sort -k2,2nr | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " } END { if (!NR) printf "none" }'
}
own_syscalls() { # N (run 1 only: counts do not depend on load)
	local n=$1 c=$NC k=$NK s t=() a=$(( NC / 5 > 10 ? NC / 5 : 10 ))
	[ "$k" -gt "$n" ] && k=$n
	local pt=("$pamrun" time -d "$work/pam.d" -p e -k "$k")
	for s in mkmaildir nop; do
		t+=("$(sc_run "$work/sc.$s" "${pt[@]}" -s $s -n "$c")")
		t+=("$(sc_run "$work/sc.$s.acct" "${pt[@]}" -s $s -a account -n "$c")")
	done
	t+=("$(sc_run "$work/sc.look1" "${pt[@]}" -s nop -l -n "$c")")
	t+=("$(sc_run "$work/sc.look2" "${pt[@]}" -s nop -l -n $((2 * c)))")
	local lookup
	lookup=$(sc_sub "${t[5]}" "${t[4]}" "$c")
	rec nss "nss.$n.sc_lookup" 1 "$lookup"
	rec nss "nss.$n.sc_session" 1 "$(sc_sub "${t[0]}" "${t[2]}" "$c" "$lookup")"
	rec nss "nss.$n.sc_account" 1 "$(sc_sub "${t[1]}" "${t[3]}" "$c" "$lookup")"
	sc_by_name "$work/sc.mkmaildir" "$work/sc.nop" "$c" >"$work/sc-where.$n.session"
	sc_by_name "$work/sc.mkmaildir.acct" "$work/sc.nop.acct" "$c" >"$work/sc-where.$n.account"
	sc_by_name "$work/sc.look2" "$work/sc.look1" "$c" >"$work/sc-where.$n.lookup"
	[ -n "$AMH" ] || return 0
	local al=("$work/bin/amhloop.sh" "$a" "$k" "$ROOT" "$work/etc/mkmaildir.conf") ta tl tn td
	# Warm-up, untimed: every user once, and authmkhome must succeed.
	"$work/bin/amhloop.sh" "$k" "$k" "$ROOT" "$work/etc/mkmaildir.conf" "$AMH" ||
		{ say "bench: authmkhome failed for a complete maildir"; return 0; }
	ta=$(sc_run "$work/sc.amh" "${al[@]}" "$AMH")
	tl=$(sc_run "$work/sc.execlookup" "${al[@]}" "$work/bin/execlookup")
	tn=$(sc_run "$work/sc.execnop" "${al[@]}" "$work/bin/execnop")
	td=$(sc_run "$work/sc.direct" "${al[@]}")
	rec nss "nss.$n.sc_amh" 1 "$(sc_sub "$ta" "$tl" "$a")"
	rec nss "nss.$n.sc_amh_lookup" 1 "$(sc_sub "$tl" "$tn" "$a")"
	rec nss "nss.$n.sc_amh_nop" 1 "$(sc_sub "$ta" "$tn" "$a")"
	rec nss "nss.$n.sc_amh_direct" 1 "$(sc_sub "$ta" "$td" "$a")"
	sc_by_name "$work/sc.amh" "$work/sc.execlookup" "$a" >"$work/sc-where.$n.amh"
	sc_by_name "$work/sc.execlookup" "$work/sc.execnop" "$a" >"$work/sc-where.$n.amh_lookup"
}

# key|service|pamrun time options: -l the lookup alone, -o one long-lived handle.
EVERY_KEYS=(permit\|permit\| nop\|nop\| mkmaildir\|mkmaildir\|
	"permit_acct|permit|-a account" "nop_acct|nop|-a account" "mkmaildir_acct|mkmaildir|-a account"
	"lookup|nop|-l" "permit_one|permit|-o" "nop_one|nop|-o" "mkmaildir_one|mkmaildir|-o"
	mkhomedir\|mkhomedir\|)
every_login() { # FS RUN
	local fs=$1 r=$2 n line kv key s a
	for n in $ACCTS; do
		gen_nss_passwd "$n" "$ROOT" >"$work/etc/passwd"
		for kv in "${EVERY_KEYS[@]}"; do
			IFS='|' read -r key s a <<<"$kv"
			# shellcheck disable=SC2086
			line=$(nssloop "$n" "$s" -w "$NW" -n "$NC" -x $a) ||
				{ say "bench: every login, $key, $n accounts failed: $line"; exit 1; }
			rec nss "every.$n.$key" "$r" "$(field median_ns <<<"$line")"
		done
		line=$(nssloop "$n" exec -w 10 -n "$NEX" -x)
		rec nss "every.$n.exec" "$r" "$(field median_ns <<<"$line")"
		if [ "$r" = 1 ]; then nss_calls "$n"; own_syscalls "$n"; fi
	done
	cat "$work/etc/passwd.$fs" "$work/etc/passwd.host" >"$work/etc/passwd"
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
	local fs=$1 r=$2 t0 t1 line j u BULK=$BULK
	[ "$fs" = tmpfs ] || BULK=$DBULK
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
	local fs=$1 n=$COSTN f x=$(( COSTN * 2 / 5 > 0 ? COSTN * 2 / 5 : 1 ))
	local pl=("$pamrun" time -d "$work/pam.d")
	# The driver's own calls (start-up, pamrun, exit) cancel out in the
	# differences; the per-cycle figures include libpam's share.
	syscalls "$fs" permit_every $n "${pl[@]}" -s permit -p e -k "$NE" -n $n
	syscalls "$fs" mkmaildir_every $n "${pl[@]}" -s mkmaildir -p e -k "$NE" -n $n
	syscalls "$fs" mkmaildir_acct $n "${pl[@]}" -s mkmaildir -a account -p e -k "$NE" -n $n
	syscalls "$fs" permit_acct $n "${pl[@]}" -s permit -a account -p e -k "$NE" -n $n
	syscalls "$fs" mkhomedir_every $n "${pl[@]}" -s mkhomedir -p e -k "$NE" -n $n
	syscalls "$fs" exec_every $x "${pl[@]}" -s exec -p e -k "$NE" -n $x
	for f in mkmaildir mkhomedir; do
		clean_first "$ROOT"
		syscalls "$fs" "${f}_first" $n "${pl[@]}" -s $f -p f -n $n
	done
	for f in creator exec; do
		clean_first "$ROOT"
		syscalls "$fs" "${f}_first" $x "${pl[@]}" -s $f -p f -n $x
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

# A first login's cost must not grow with the entries beside the new home:
# s0..s199 in $ROOT/.sib, empty, then beside NSIB directories.
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
read -r FS1 _ <<<"$FSLIST"
for fs in $FSLIST; do
	say "bench: $fs: setting up"
	setup_fs "$fs"
	for ((r = 1; r <= RUNS; r++)); do
		if has every && [ "$fs" = "$FS1" ]; then
			say "bench: $fs: every login (files NSS, $ACCTS accounts), run $r/$RUNS"
			every_login "$fs" "$r"
		fi
		if has first; then say "bench: $fs: first login, run $r/$RUNS"; first_login "$fs" "$r"; fi
		if has siblings && [ "$fs" = tmpfs ]; then say "bench: $fs: siblings, run $r/$RUNS"; siblings "$fs" "$r"; fi
		if has bulk; then say "bench: $fs: bulk ($([ "$fs" = tmpfs ] && echo "$BULK" || echo "$DBULK") maildirs), run $r/$RUNS"; bulk "$fs" "$r"; fi
	done
	if has cost; then say "bench: $fs: cost (syscalls, heap, RSS)"; cost "$fs"; fi
	if has profile; then say "bench: $fs: profile (callgrind, strace)"; profile "$fs"; fi
	teardown_fs "$fs"
done
cp "$results" "${BENCH_RAW:-/dev/null}" 2>/dev/null || true

# ---- the tables -----------------------------------------------------------
med() { # FS KEY -> median over runs, or "-"
	awk -v fs="$1" -v k="$2" '$1 == fs && $2 == k && $4 != "" { v[n++] = $4 }
		END { if (n == 0) { print "-"; exit }
		      for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		      print (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2 }' "$results"
}
# Arithmetic on figures that may be missing ("-"): calc EXPR A B ... with a, b, c.
calc() {
	local e=$1; shift
	for v in "$@"; do [ "$v" = - ] || [ -z "$v" ] && { echo -; return; }; done
	awk -v a="${1:-0}" -v b="${2:-0}" -v c="${3:-0}" "BEGIN { print $e }" 2>/dev/null || echo -
}
us() { calc 'sprintf("%.1f", a / 1000)' "$1"; }
ratio() { [ "${2:-}" = 0 ] && { echo -; return; }; calc 'sprintf("%.2f", a / b)' "$1" "$2"; }
diffus() { calc 'sprintf("%.1f", (a - b) / 1000)' "$1" "$2"; }
# status FIGURE LIMIT le|ge: met, missed, or "not measured"
status() {
	[ "$1" = - ] && { echo "not measured"; return; }
	awk -v v="$1" -v l="$2" -v op="$3" 'BEGIN { ok = (op == "le") ? v <= l : v >= l; print ok ? "met" : "missed" }'
}
frag=$work/frag
mkdir -p "$frag"

t_header() {
	echo "pam_mkmaildir benchmarks -- $(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$top" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "disk: $(findmnt -no FSTYPE,SOURCE --target /var/tmp | tr '\n' ' ')  tmpfs: private mount in a mount namespace"
	echo "bench/run.sh ${BENCH_ARGS_SHOWN:-}: medians of $RUNS runs; sections: $SECTIONS; filesystems: $FSLIST"
	echo "$MDM_NOTE"
}

t_every() {
	local n name key
	echo "1. Every login, maildir complete, on $FS1; accounts in /etc/passwd through glibc's files NSS"
	echo "   (nsswitch \"passwd: files\", no cache; $NK login users spread over the accounts): median us of"
	echo "   one cycle, run medians of $NC cycles after $NW warm-up ones (pam_exec $NEX)"
	printf '  %-56s' "accounts in the file (+ root and $(wc -l <"$work/etc/passwd.host") host entries)"
	for n in $ACCTS; do printf '%10s' "$n"; done; echo
	row1() { # LABEL KEY: a measured cycle
		printf '  %-56s' "$1"
		for n in $ACCTS; do printf '%10s' "$(us "$(med nss "every.$n.$2")")"; done; echo
	}
	own() { # LABEL MODULE CONTROL: MODULE - CONTROL - lookup
		printf '  %-56s' "$1"
		for n in $ACCTS; do
			printf '%10s' "$(calc 'sprintf("%.1f", (a - b - c) / 1000)' "$(med nss "every.$n.$2")" \
				"$(med nss "every.$n.$3")" "$(med nss "every.$n.lookup")")"
		done; echo
	}
	above() { # LABEL MODULE CONTROL
		printf '  %-56s' "$1"
		for n in $ACCTS; do printf '%10s' "$(diffus "$(med nss "every.$n.$2")" "$(med nss "every.$n.$3")")"; done; echo
	}
	cnt() { # LABEL KEY
		printf '  %-56s' "$1"
		for n in $ACCTS; do printf '%10s' "$(med nss "nss.$n.$2")"; done; echo
	}
	row1 "pam_permit (session; libpam loads it at every pam_start)" permit
	row1 "pam_nop (session; built as the module, -z nodelete)" nop
	row1 "pam_mkmaildir (session)" mkmaildir
	row1 "getpwnam_r of the same user, same process (its lookup)" lookup
	own "  own work: module - pam_nop - lookup (goal <= 10)" mkmaildir nop
	above "  module - pam_permit (the outside view)" mkmaildir permit
	own "  module - pam_permit - lookup" mkmaildir permit
	row1 "pam_permit (account)" permit_acct
	row1 "pam_nop (account)" nop_acct
	row1 "pam_mkmaildir (account hook)" mkmaildir_acct
	own "  own work, account hook: module - pam_nop - lookup" mkmaildir_acct nop_acct
	row1 "one handle, many sessions: pam_permit" permit_one
	row1 "  pam_nop" nop_one
	row1 "  pam_mkmaildir" mkmaildir_one
	own "  own work: module - pam_nop - lookup" mkmaildir_one nop_one
	row1 "pam_mkhomedir (home exists)" mkhomedir
	row1 "pam_exec check script" exec
	cnt "NSS calls per session by pam_mkmaildir.so (counted)" module
	cnt "  per account hook" module_acct
	cnt "  all callers, session, above pam_nop" above_nop
	cnt "/etc/passwd opens per session above pam_nop (strace)" opens
	cnt "system calls per session above pam_nop (strace -c)" syscalls
	for n in $ACCTS; do
		[ -s "$work/nss-fns.$n" ] && { echo "  (the module's NSS calls: $(cat "$work/nss-fns.$n"))"; break; }
	done
	echo
	echo "1a. Every login: system calls of the module's own per login (strace -f -c totals over $NC cycles,"
	echo "   authmkhome $(( NC / 5 > 10 ? NC / 5 : 10 )) starts; minus a do-nothing control and minus the account lookup's own calls)"
	printf '  %-56s' "accounts in the file"
	for n in $ACCTS; do printf '%10s' "$n"; done; echo
	cnt "getpwnam_r of the user, same process (the lookup)" sc_lookup
	cnt "session hook: module - pam_nop - lookup (goal <= 6)" sc_session
	cnt "account hook: module - pam_nop - lookup (goal <= 6)" sc_account
	echo "  authmkhome /bin/true, Dovecot's post-login way, as the user, maildir complete:"
	cnt "  above execnop (a program linked alike that only execs)" sc_amh_nop
	cnt "  its getpwuid_r, a new process (execlookup - execnop)" sc_amh_lookup
	cnt "  own: authmkhome - execlookup (goal <= 6)" sc_amh
	cnt "  authmkhome above starting /bin/true directly" sc_amh_direct
	local w
	n=${ACCTS##* }
	for w in session:"session hook, module - pam_nop" account:"account hook, module - pam_nop" \
		lookup:"the lookup (getpwnam_r)" amh:"authmkhome - execlookup" amh_lookup:"getpwuid_r in a new process"; do
		[ -s "$work/sc-where.$n.${w%%:*}" ] &&
			printf '  by call, %s, %s accounts: %s\n' "${w#*:}" "$n" "$(cat "$work/sc-where.$n.${w%%:*}")"
	done
	return 0
}

t_first() {
	local fs k name a f p above
	local fs_cols=($FSLIST)
	echo "2. First login, building home + Maildir + 4 folders + subscriptions + maildirsize: mean us per login"
	echo "   (accounts through nss_wrapper)"
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
				above=$(calc 'a - b' "$a" "$p")
				printf '%10s %9s %9s' "$(us "$a")" "$(us "$above")" "$(ratio "$above" "$f")"
			fi
		done
		echo
	done
	echo "  (-permit: the login's cost above the pam_permit session cycle; x floor: that cost over the floor)"
}

t_sib() {
	local e b p f
	e=$(med tmpfs sib.empty) b=$(med tmpfs sib.big) p=$(med tmpfs first.permit) f=$(med tmpfs first.floor)
	echo "2b. First login (pam_mkmaildir built-in) by the size of the home's parent, tmpfs: mean us per login"
	printf '  %-38s%10s %9s %9s\n' "" "us" "-permit" "x floor"
	printf '  %-38s%10s %9s %9s\n' "empty parent" "$(us "$e")" "$(diffus "$e" "$p")" "$(ratio "$(calc 'a - b' "$e" "$p")" "$f")"
	printf '  %-38s%10s %9s %9s\n' "beside $NSIB entries" "$(us "$b")" "$(diffus "$b" "$p")" "$(ratio "$(calc 'a - b' "$b" "$p")" "$f")"
	printf '  %-38s%10s\n' "ratio big / empty (goal: within 1.10)" "$(ratio "$b" "$e")"
}

t_bulk() {
	local fs k name j a f pc
	local fs_cols=($FSLIST)
	echo "3. Bulk: maildirs per second (virtual layout, owner=vmail; tmpfs $BULK, disk $DBULK per run; maildirmake loop $LOOP)"
	printf '  %-38s' "method"; for fs in "${fs_cols[@]}"; do printf '%10s %9s %9s %9s' "$fs /s" "per core" "x floor1" "x floor2"; done; echo
	for k in mkmaildir_j1 mkmaildir_j2 floor_j1 floor_j2 maildirmake; do
		case $k in
		mkmaildir_j1) name="mkmaildir -j1" j=1 ;; mkmaildir_j2) name="mkmaildir -j2" j=2 ;;
		floor_j1) name="floor, 1 process" j=1 ;; floor_j2) name="floor, 2 processes" j=2 ;;
		maildirmake) name="shell loop of maildirmake" j=1 ;;
		esac
		printf '  %-38s' "$name"
		for fs in "${fs_cols[@]}"; do
			a=$(med "$fs" bulk.$k) f=$(med "$fs" bulk.floor_j1)
			pc=$(calc "a / $j" "$a")
			printf '%10s %9s %9s %9s' "$(calc 'sprintf("%.0f", a)' "$a")" "$(calc 'sprintf("%.0f", a)' "$pc")" \
				"$(ratio "$pc" "$f")" "$(ratio "$pc" "$(calc 'a / 2' "$(med "$fs" bulk.floor_j2)")")"
		done
		echo
	done
	echo "  (per core: the rate over the jobs; x floor1/x floor2: per-core rate over the floor's with 1 / 2 processes)"
	echo "  mkmaildir's default -j is the number of CPUs it may run on (sched_getaffinity, else"
	echo "  sysconf(_SC_NPROCESSORS_ONLN)): $(nproc) here."
}

t_cost() {
	local fs
	local fs_cols=($FSLIST)
	echo "4. Cost (strace -f -c: system calls per cycle; valgrind massif; /proc/self/status; nss_wrapper)"
	printf '  %-44s' "item"; for fs in "${fs_cols[@]}"; do printf '%12s' "$fs"; done; echo
	row() { local label=$1; shift; printf '  %-44s' "$label"; for fs in "${fs_cols[@]}"; do printf '%12s' "$("$@" "$fs")"; done; echo; }
	m() { med "$2" "$1"; }
	d() { calc 'sprintf("%.1f", a - b)' "$(med "$3" "$1")" "$(med "$3" "$2")"; }
	fl() { calc "sprintf(\"%.1f\", a - b / $COSTN)" "$(med "$1" sys.floor)" "$(med "$1" sys.floor0)"; }
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
}

# The cluster section's figures: KEY=VALUE lines of bench/cluster.sh's file.
ckey() {
	[ -z "$BENCH_CLUSTER_WHY" ] || { echo -; return; }
	local v
	v=$(sed -n "s/^$1=\([0-9.]*\)[[:space:]]*$/\1/p" "$BENCH_CLUSTER_OUT" 2>/dev/null | tail -n 1)
	echo "${v:--}"
}
t_cluster() {
	echo "5. GlusterFS and LDAP (bench/cluster.sh)"
	if [ -n "$BENCH_CLUSTER_WHY" ]; then
		echo "  not measured ($BENCH_CLUSTER_WHY)"
	else
		grep -Ev '^[A-Z0-9_]+=' "$BENCH_CLUSTER_OUT" | sed 's/^/  /'
		echo "  (bench/cluster.sh took ${BENCH_CLUSTER_SECS:-?} s)"
	fi
}

# One goal row: | goal | figure | status |
goal() { printf '| %s | %s | **%s** |\n' "$1" "$2" "$3"; }
t_goals() {
	local n v fig st worst fs a p f r
	echo "| goal | figure | status |"
	echo "| --- | --- | --- |"
	# Every login, files NSS: the module's own work against the nodelete control.
	fig= worst=-
	for n in $ACCTS; do
		v=$(calc 'sprintf("%.1f", (a - b - c) / 1000)' "$(med nss "every.$n.mkmaildir")" \
			"$(med nss "every.$n.nop")" "$(med nss "every.$n.lookup")")
		fig="$fig${fig:+; }$n accounts: $v µs"
		[ "$v" = - ] && { worst=-; break; }
		worst=$(awk -v a="$v" -v w="$worst" 'BEGIN { print (w == "-" || a > w) ? a : w }')
	done
	n=${ACCTS%% *}
	fig="$fig (one handle, no loading: $(calc 'sprintf("%.1f", (a - b - c) / 1000)' "$(med nss "every.$n.mkmaildir_one")" \
		"$(med nss "every.$n.nop_one")" "$(med nss "every.$n.lookup")") µs; $(med nss "nss.$n.syscalls") system calls above pam_nop with $n accounts)"
	has every || fig="section not run"
	goal "Every login (session), files NSS: own work = cycle − nodelete control − its lookup ≤ 10 µs" \
		"$fig" "$(status "$worst" 10 le)"
	fig= worst=-
	for n in $ACCTS; do
		v=$(calc 'sprintf("%.1f", (a - b - c) / 1000)' "$(med nss "every.$n.mkmaildir")" \
			"$(med nss "every.$n.permit")" "$(med nss "every.$n.lookup")")
		fig="$fig${fig:+; }$n: $v µs"
	done
	has every || fig="section not run"
	goal "(for reference) the same against pam_permit, which libpam reloads every cycle" "$fig" "information"
	# Every login, counted: system calls of the module's own (strace -f -c).
	local key label
	for key in "sc_session|Every login, session hook: system calls of its own = module − pam_nop − its lookup ≤ 6" \
		"sc_account|Every login, account hook: system calls of its own = module − pam_nop − its lookup ≤ 6" \
		"sc_amh|Every login, authmkhome (Dovecot post-login, maildir complete): system calls of its own = authmkhome − an exec-and-lookup control ≤ 6"; do
		IFS='|' read -r k label <<<"$key"
		fig= worst=-
		for n in $ACCTS; do
			v=$(med nss "nss.$n.$k")
			fig="$fig${fig:+; }$n accounts: $v"
			[ "$v" = - ] && { worst=-; break; }
			worst=$(awk -v a="$v" -v w="$worst" 'BEGIN { print (w == "-" || a > w) ? a : w }')
		done
		n=${ACCTS##* }
		case $k in
		sc_amh) if [ -n "$AMH" ]; then
				fig="$fig (its lookup, a new process's getpwuid_r: $(med nss "nss.$n.sc_amh_lookup") more; above starting /bin/true directly: $(med nss "nss.$n.sc_amh_direct"))"
			else fig="not measured (no authmkhome built)"; fi ;;
		*) fig="$fig (the lookup: $(med nss "nss.$n.sc_lookup") more)" ;;
		esac
		has every || fig="section not run"
		goal "$label" "$fig" "$(status "$worst" 6 le)"
	done
	# LDAP: from the cluster script (its control is pam_permit).
	fig= worst=-
	if [ -z "$BENCH_CLUSTER_WHY" ]; then
		for n in $(sed -n 's/^LDAP_MODULE_US_\([0-9]*\)=.*/\1/p' "$BENCH_CLUSTER_OUT" | sort -n | uniq); do
			v=$(calc 'sprintf("%.1f", a - b - c)' "$(ckey "LDAP_MODULE_US_$n")" "$(ckey "LDAP_PERMIT_US_$n")" \
				"$(ckey "LDAP_LOOKUP_US_$n")")
			fig="$fig${fig:+; }$n accounts: $v µs"
			[ "$v" = - ] && { worst=-; break; }
			worst=$(awk -v a="$v" -v w="$worst" 'BEGIN { print (w == "-" || a > w) ? a : w }')
		done
		[ -n "$fig" ] || fig="no LDAP_* figures in bench/cluster.sh's output"
		st=$(status "$worst" 10 le)
	else
		fig="not measured ($BENCH_CLUSTER_WHY)" st="not measured"
	fi
	goal "Every login, LDAP (nslcd): cycle − pam_permit − its lookup ≤ 10 µs" "$fig" "$st"
	# The lookups a default configuration needs: one getpwnam_r.
	n=${ACCTS%% *}
	v=$(med nss "nss.$n.module")
	fig="$v per session ($(cat "$work/nss-fns.$n" 2>/dev/null || echo -)), $(med nss "nss.$n.module_acct") per account hook; /etc/passwd opens $(med nss "nss.$n.opens")"
	has every || fig="section not run"
	goal "Every login: no NSS lookup the configuration does not need (default options: one getpwnam_r)" \
		"$fig" "$(status "$(calc 'a == 1 && b == 1 ? 1 : 0' "$v" "$(med nss "nss.$n.module_acct")")" 1 ge)"
	# First logins against the floor.
	for fs in $FSLIST; do
		lim=1.3; [ "$fs" = tmpfs ] || lim=1.5
		a=$(med "$fs" first.mkmaildir) p=$(med "$fs" first.permit) f=$(med "$fs" first.floor)
		r=$(ratio "$(calc 'a - b' "$a" "$p")" "$f")
		fig="$(us "$(calc 'a - b' "$a" "$p")") µs against $(us "$f") µs = ${r}×"
		has first || fig="section not run"
		goal "First login, $fs: cost above the pam_permit cycle ≤ ${lim}× the floor" "$fig" "$(status "$r" "$lim" le)"
	done
	a=$(med tmpfs sib.big) p=$(med tmpfs first.permit) f=$(med tmpfs first.floor)
	r=$(ratio "$(calc 'a - b' "$a" "$p")" "$f")
	fig="$(us "$(calc 'a - b' "$a" "$p")") µs against $(us "$f") µs (the floor of table 2) = ${r}×"
	{ has siblings && has first && [[ " $FSLIST " == *" tmpfs "* ]]; } || fig="not measured (needs the first and siblings sections on tmpfs)"
	goal "First login beside $NSIB siblings, tmpfs: ≤ 1.3× the floor" "$fig" "$(status "$r" 1.3 le)"
	a=$(ckey GLUSTER_FIRST_US) f=$(ckey GLUSTER_FLOOR_US)
	r=$(ratio "$a" "$f")
	if [ -n "$BENCH_CLUSTER_WHY" ]; then fig="not measured ($BENCH_CLUSTER_WHY)"; else fig="$a µs against $f µs = ${r}×"; fi
	goal "First login on GlusterFS ≤ 1.5× its floor" "$fig" "$(status "$r" 1.5 le)"
	# Bulk: per-core rate of -j2 against the floor's.
	a=$(calc 'a / 2' "$(med tmpfs bulk.mkmaildir_j2)") f=$(med tmpfs bulk.floor_j1)
	r=$(ratio "$a" "$f")
	fig="$(calc 'sprintf("%.0f", a)' "$a")/s per core against $(calc 'sprintf("%.0f", a)' "$f")/s = $r; against the floor's 2 processes per core: $(ratio "$a" "$(calc 'a / 2' "$(med tmpfs bulk.floor_j2)")")"
	{ has bulk && [[ " $FSLIST " == *" tmpfs "* ]] && [[ " $JOBS " == *" 1 "* ]] && [[ " $JOBS " == *" 2 "* ]]; } ||
		fig="not measured (needs the bulk section on tmpfs with -J \"1 2\")"
	goal "Bulk, tmpfs, both cores: mkmaildir -j2 per-core rate ≥ 0.67 × the floor's (1 process)" "$fig" "$(status "$r" 0.67 ge)"
	# Against the alternatives, first login above the cycle.
	for fs in $FSLIST; do
		p=$(med "$fs" first.permit)
		a=$(calc 'a - b' "$(med "$fs" first.mkmaildir)" "$p")
		for k in mkhomedir:10:"pam_mkhomedir + skel" exec:50:"pam_exec + maildirmake" creator:50:"a creator= script"; do
			IFS=: read -r key lim name <<<"$k"
			v=$(calc 'a - b' "$(med "$fs" "first.$key")" "$p")
			r=$(calc 'sprintf("%.1f", a / b)' "$v" "$a")
			fig="$(us "$v") / $(us "$a") µs = ${r}×"
			has first || fig="section not run"
			goal "First login, $fs: more than ${lim}× faster than $name" "$fig" "$(status "$r" "$lim" ge)"
		done
	done
}

{
	t_header >"$frag/HEADER"
	if has every; then t_every >"$frag/EVERY"; fi
	if has first; then t_first >"$frag/FIRST"; fi
	if has siblings && [[ " $FSLIST " == *" tmpfs "* ]]; then t_sib >"$frag/SIBLINGS"; fi
	if has bulk; then t_bulk >"$frag/BULK"; fi
	if has cost; then t_cost >"$frag/COST"; fi
	t_cluster >"$frag/CLUSTER"
	t_goals >"$frag/GOALS"
	echo "(bench took $(( $(date +%s) - start )) s, plus ${BENCH_CLUSTER_SECS:-0} s of bench/cluster.sh)" >"$frag/TOOK"
}
for f in HEADER EVERY FIRST SIBLINGS BULK COST CLUSTER GOALS TOOK; do
	[ -f "$frag/$f" ] && { cat "$frag/$f"; echo; }
done
if [ -n "${BENCH_FRAGS:-}" ]; then
	mkdir -p "$BENCH_FRAGS" && cp "$frag"/* "$BENCH_FRAGS"/ && say "bench: tables kept in $BENCH_FRAGS (for -F)"
fi
# BENCHMARKS.md: the template with every @NAME@ line replaced by its fragment.
if [ -n "$OUT" ]; then
	render "$frag" "$OUT"
	say "bench: wrote $OUT"
fi
