#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The cluster figures of the benchmark: first logins on a GlusterFS volume
# against a floor measured on the same volume, with the round trips (FOPs)
# of each, and the every-login cycle through LDAP (nslcd) with 10, 1,000
# and 10,000 accounts.  Runs the cluster suite's nodes (tests/cluster:
# a storage host, a directory, two frontends; only fe1 is used) with
# bench/cluster-inside.sh in place of the suite's scenarios, under
# flock /run/pmm-cluster.lock.
#
#   bench/cluster.sh [-o FILE] [-n FIRST] [-r RUNS] [-l "10 1000 10000"]
#                    [-s "gluster ldap"] [-k DIR]
#
#   -o FILE  write the table and the KEY=VALUE lines to FILE (else stdout)
#   -n       first logins (and floor trees) per run (20)
#   -r       runs, floor and module alternating; medians of the runs' medians (5)
#   -l       LDAP account counts (10 1000 10000)
#   -s       sections: gluster, ldap
#   -k DIR   keep the profiles (FOP counts, straces) in DIR
#
# KEY=VALUE lines: GLUSTER_FLOOR_US (median per tree of bench/floor.c's bare
# calls on the volume), GLUSTER_FIRST_US (median first-login session cycle
# of the module on the volume, one user at a time, minus pam_permit's
# cycle), GLUSTER_FIRST_CYCLE_US, GLUSTER_PERMIT_US, GLUSTER_FLOOR_RT and
# GLUSTER_FIRST_RT (FOPs the brick served per tree: network round trips),
# and for each N: LDAP_PERMIT_US_N, LDAP_MODULE_US_N (session cycles with
# pam_permit and with the module, maildir complete), LDAP_LOOKUP_US_N (one
# getpwnam_r, the one lookup the module makes).  All in microseconds.
# BENCH_MODULE=/path/to/pam_mkmaildir.so measures another build.
# Exit 0 on success; otherwise non-zero with the reason on stderr.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
OUT= N=20 RUNS=5 LDAP="10 1000 10000" SECTIONS="gluster ldap" KEEP=
while getopts o:n:r:l:s:k:h c; do
	case $c in
	o) OUT=$OPTARG ;; n) N=$OPTARG ;; r) RUNS=$OPTARG ;; l) LDAP=$OPTARG ;;
	s) SECTIONS=$OPTARG ;; k) KEEP=$OPTARG ;;
	*) sed -n '2,20p' "$0"; exit 2 ;;
	esac
done
die() { echo "bench/cluster.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (namespaces, FUSE, chroot)"
# BENCH_MODULE measures another build, as in bench/run.sh.
export T_MODULE=${BENCH_MODULE:-$top/pam_mkmaildir.so}
[ -f "$T_MODULE" ] || die "no $T_MODULE (run make first)"

work=$(mktemp -d /tmp/mkb-cluster.XXXXXX) || die "no work directory"
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
for p in floor nsstime; do
	cc -std=c11 -O2 -Wall -Wextra -o "$work/$p" "$top/bench/$p.c" 2>"$work/cc.err" ||
		die "cannot build bench/$p.c: $(head -n 3 "$work/cc.err")"
done
: >"$work/kv"

# The suite's setup with as few of its users as it needs; our scenario.
export CL_HOOK=$top/bench/cluster-inside.sh CLB_OUT=$work/kv CLB_BIN=$work CLB_N=$N \
	CLB_RUNS=$RUNS CLB_LDAP=$LDAP CLB_SECTIONS=$SECTIONS
export CLUSTER_USERS=1 CLUSTER_VUSERS=0 CLUSTER_SERIAL=0 CLUSTER_DOVECOT_USERS=0 CLUSTER_NAIVE=0
unset T_RESULTS
t0=$(date +%s)
flock /run/pmm-cluster.lock bash "$top/tests/cluster/run.sh" >"$work/run.log" 2>&1
rc=$?
[ -n "$KEEP" ] && { mkdir -p "$KEEP"; cp -a "$work/kv.d/." "$work/run.log" "$KEEP/" 2>/dev/null; }
if grep -q '^  skip  ' "$work/run.log"; then
	sed -n 's/^  skip  //p' "$work/run.log" >&2
	die "the cluster cannot run here (skipped)"
fi
if [ "$rc" != 0 ] || ! grep -q '^[0-9]* passed, 0 failed' "$work/run.log" || ! grep -q . "$work/kv"; then
	grep -E '^  FAIL  ' "$work/run.log" | head -n 8 >&2
	die "the cluster run failed (exit $rc; bench/cluster.sh -k DIR keeps its log)"
fi

v() { sed -n "s/^$1=//p" "$work/kv"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
{
	if [[ " $SECTIONS " == *" gluster "* ]]; then
		echo "GlusterFS first login (one brick, FUSE client on fe1; $RUNS runs of $N logins, floor and module alternating; medians per login)"
		printf '  %-52s %10s %8s %8s\n' "" "us" "net RT" "FUSE"
		printf '  %-52s %10s %8s %8s\n' "floor (bench/floor.c's bare calls on the volume)" "$(v GLUSTER_FLOOR_US)" "$(v GLUSTER_FLOOR_RT)" "$(v GLUSTER_FLOOR_FUSE)"
		printf '  %-52s %10s %8s %8s\n' "pam_mkmaildir first login, above pam_permit" "$(v GLUSTER_FIRST_US)" "$(v GLUSTER_FIRST_RT)" "$(v GLUSTER_FIRST_FUSE)"
		printf '  %-52s %10s\n' "  (its session cycle; pam_permit's)" "$(v GLUSTER_FIRST_CYCLE_US); $(v GLUSTER_PERMIT_US)"
		printf '  %-52s %10s %8s\n' "x floor (goal 1.5x)" "$(ratio "$(v GLUSTER_FIRST_US)" "$(v GLUSTER_FLOOR_US)")" \
			"$(ratio "$(v GLUSTER_FIRST_RT)" "$(v GLUSTER_FLOOR_RT)")"
		if [ -s "$work/kv.d/fops.table" ]; then
			echo "  FOPs per tree          brick (volume profile)   FUSE client (io-stats)"
			echo "                            floor   module      floor   module"
			sed 's/^/    /' "$work/kv.d/fops.table"
		fi
		echo
	fi
	if [[ " $SECTIONS " == *" ldap "* ]]; then
		echo "Every login through LDAP (nslcd on fe1, slapd on its own node, nsswitch passwd: files ldap, nscd $(v LDAP_NSCD); 4 alternating blocks of 500 cycles each, medians of their medians)"
		printf '  %-10s %12s %12s %12s %12s %12s\n' accounts "permit us" "module us" "-permit" "lookup us" "own work"
		for n in $LDAP; do
			p=$(v "LDAP_PERMIT_US_$n") m=$(v "LDAP_MODULE_US_$n") l=$(v "LDAP_LOOKUP_US_$n")
			printf '  %-10s %12s %12s %12s %12s %12s\n' "$n" "$p" "$m" \
				"$(awk -v a="$m" -v b="$p" 'BEGIN { printf "%.1f", a - b }')" "$l" \
				"$(awk -v a="$m" -v b="$p" -v c="$l" 'BEGIN { printf "%.1f", a - b - c }')"
		done
		echo "  (lookup: one getpwnam_r through NSS, the one lookup the module makes; own work: module - permit - lookup)"
		echo
	fi
	echo "  (cluster run: $(( $(date +%s) - t0 )) s; $(nproc) cores, $(uname -r); a shared machine: timings are noisy)"
	cat "$work/kv"
} >"${OUT:-/dev/stdout}"
exit 0
