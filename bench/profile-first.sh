#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/profile-first.sh: where a first login's time goes (bench/PROFILE-first.md).
# A small cut of bench/run.sh's "first" and "siblings" sections, for measuring
# one change against another, side by side, in the same conditions.
#
#   bench/profile-first.sh [-f "tmpfs disk"] [-r ROUNDS] [-n LOGINS] [-S SIBLINGS]
#                          [-t] [-o DIR]
#
#   -r ROUNDS  alternating rounds of: pam_permit cycle, N first logins, the
#              floor's N trees (and with -S, N first logins beside SIBLINGS
#              entries); the medians of the rounds are printed (5)
#   -n LOGINS  first logins per round (200)
#   -S N       also first logins in a parent holding N other entries (0: not)
#   -c         CPU time (user + system, of the processes) instead of wall
#              time: steadier on a loaded machine; N cycles of each, the
#              floor's start-up subtracted
#   -t         syscall profile instead: strace -c of 50 first logins and of
#              50 pam_permit cycles, their difference per login; strace -T
#              of one first login; the same of the floor.  Files go to DIR.
# Environment: BENCH_MODULE=/path/to/pam_mkmaildir.so (another build).
# Root only; runs in a private mount namespace like bench/run.sh.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
FSLIST="tmpfs disk" ROUNDS=5 N=200 SIB=0 TRACE= OUTDIR= CPU=
while getopts f:r:n:S:tco: c; do
	case $c in
	f) FSLIST=$OPTARG ;; r) ROUNDS=$OPTARG ;; n) N=$OPTARG ;; S) SIB=$OPTARG ;;
	t) TRACE=1 ;; c) CPU=1 ;; o) OUTDIR=$OPTARG ;; *) sed -n '2,17p' "$0"; exit 2 ;;
	esac
done
if [ -z "${BENCH_IN_NS:-}" ]; then
	export BENCH_IN_NS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi
[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] || exit 1
nsslib=$(dpkg -L libnss-wrapper | grep '/libnss_wrapper\.so$' | head -n 1)
MOD=${BENCH_MODULE:-$top/pam_mkmaildir.so}
work=$(mktemp -d /var/tmp/mkp.XXXXXX)
syslogd_pid=
cleanup() {
	[ -n "$syslogd_pid" ] && kill "$syslogd_pid" 2>/dev/null
	mountpoint -q "$work/t" 2>/dev/null && umount "$work/t"
	rm -rf "$work"
}
trap cleanup EXIT
chmod 0755 "$work"
mkdir -p "$work/bin" "$work/pam.d"
OUTDIR=${OUTDIR:-$work/out}
mkdir -p "$OUTDIR"
. "$top/tests/privdev.sh"
private_dev "$work/syslog.log"
# The tests' one pamrun build (make tests/pamrun), with the module's flags.
make -s -C "$top" tests/pamrun && cp "$top/tests/pamrun" "$work/bin/pamrun"
cc -std=c11 -O2 -o "$work/bin/floor" "$top/bench/floor.c"
pamrun=$work/bin/pamrun floor=$work/bin/floor
OPTS="createhome folders=Drafts,Sent,Trash,Junk subscribe quota=1073741824S,10000C"
printf '%s\n' "account required pam_permit.so" "session required pam_permit.so" >"$work/pam.d/permit"
printf '%s\n' "session required $MOD $OPTS" >"$work/pam.d/mkmaildir"
echo "# none" >"$work/pam.d/other"
printf 'root:x:0:\nusers:x:100:\n' >"$work/group"

loop() { # SERVICE ARGS...
	local s=$1; shift
	LD_PRELOAD=$nsslib NSS_WRAPPER_PASSWD=$work/passwd NSS_WRAPPER_GROUP=$work/group \
		"$pamrun" time -d "$work/pam.d" -s "$s" "$@"
}
# With -c: the CPU microseconds of a command, per cycle of N; else its own figure.
cpu_of() { # FIELD COMMAND...
	local f=$1 t; shift
	if [ -z "$CPU" ]; then "$@" | field "$f"; return; fi
	t=$( { TIMEFORMAT='%3U %3S'; time "$@" >/dev/null; } 2>&1 )
	awk -v t="$t" -v n="$N" 'BEGIN { split(t, a, " "); printf "%.0f", (a[1] + a[2]) * 1e9 / n }'
}
field() { sed -n "s/.*\<$1=\([0-9.]*\).*/\1/p"; }
clean() { find "$1" -mindepth 1 -maxdepth 1 \( -name 'f*' -o -name 'g*' -o -name '.mkmaildir-tmp' \) -exec rm -rf {} +; }
median() { sort -n | awk '{ v[n++] = $1 } END { print (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2 }'; }

for fs in $FSLIST; do
	if [ "$fs" = tmpfs ]; then
		R=$work/t; mkdir -p "$R"; mount -t tmpfs -o mode=0755,size=4g,nr_inodes=0 mkp "$R"
	else
		R=$work/d; mkdir -p "$R"; chmod 0755 "$R"
	fi
	mkdir -m 0755 "$R/sib"
	{
		echo "root:x:0:0:root:/root:/bin/sh"
		echo "e0:x:19999:100::/nonexistent:/bin/sh"
		for ((i = 0; i < N; i++)); do echo "f$i:x:$((30000 + i)):100::$R/f$i:/bin/sh"; done
		for ((i = 0; i < N; i++)); do echo "g$i:x:$((40000 + i)):100::$R/sib/g$i:/bin/sh"; done
	} >"$work/passwd"
	[ "$SIB" -gt 0 ] && (cd "$R/sib" && seq -f 'z%.0f' 1 "$SIB" | xargs mkdir)
	if [ -n "$TRACE" ]; then
		tr() { LD_PRELOAD=$nsslib NSS_WRAPPER_PASSWD=$work/passwd NSS_WRAPPER_GROUP=$work/group \
			strace -f -qq "$@" >/dev/null 2>&1 || true; }
		clean "$R"
		tr -c -o "$OUTDIR/$fs.first.c" "$pamrun" time -d "$work/pam.d" -s mkmaildir -p f -n 50
		tr -c -o "$OUTDIR/$fs.permit.c" "$pamrun" time -d "$work/pam.d" -s permit -p e -k 1 -n 50
		clean "$R"
		tr -T -o "$OUTDIR/$fs.first.T" "$pamrun" time -d "$work/pam.d" -s mkmaildir -p f -i 7 -n 1
		clean "$R"
		tr -c -o "$OUTDIR/$fs.floor.c" "$floor" -b "$R" -p f -n 50 -u 30000 -g 100 -H
		tr -c -o "$OUTDIR/$fs.floor0.c" "$floor" -b "$R" -p f -n 0 -u 30000 -g 100 -H
		clean "$R"
		tr -T -o "$OUTDIR/$fs.floor.T" "$floor" -b "$R" -p f -n 1 -u 30000 -g 100 -H
		clean "$R"
		# Per login: first minus permit; per tree: floor minus its start-up.
		awk '
			FNR == 1 { f++ }
			$1 ~ /^[0-9.]+$/ && $NF != "total" { c = ($4 ~ /^[0-9]+$/) ? $4 : 0; v[f, $NF] += c; names[$NF] = 1 }
			END {
				for (s in names) {
					a = (v[1, s] - v[2, s]) / 50; b = (v[3, s] - v[4, s]) / 50
					if (a > 0.05 || b > 0.05) printf "  %-16s %7.1f %7.1f\n", s, a, b
					ta += a; tb += b
				}
				printf "  %-16s %7.1f %7.1f\n", "total", ta, tb
			}' "$OUTDIR/$fs.first.c" "$OUTDIR/$fs.permit.c" "$OUTDIR/$fs.floor.c" "$OUTDIR/$fs.floor0.c" |
			sort -k1,1 >"$OUTDIR/$fs.counts"
		echo "$fs: system calls per first login (first - permit, /50) and per floor tree"
		cat "$OUTDIR/$fs.counts"
	else
		: >"$work/res"
		for ((r = 1; r <= ROUNDS; r++)); do
			if [ -n "$CPU" ]; then
				p=$(cpu_of x loop permit -p e -k 1 -n "$N")
			else
				p=$(loop permit -p e -k 1 -w 200 -n 2000 | field median_ns)
			fi
			clean "$R"; sync
			m=$(cpu_of mean_ns loop mkmaildir -p f -n "$N" -x)
			clean "$R"; sync
			f=$(cpu_of per_tree_ns "$floor" -b "$R" -p f -n "$N" -u 30000 -g 100 -H)
			[ -n "$CPU" ] && f=$((f - $(cpu_of x "$floor" -b "$R" -p f -n 0 -u 30000 -g 100 -H)))
			clean "$R"
			s=0
			if [ "$SIB" -gt 0 ]; then
				find "$R/sib" -mindepth 1 -maxdepth 1 \( -name 'g*' -o -name '.mkmaildir-tmp' \) -exec rm -rf {} +
				sync
				s=$(cpu_of mean_ns loop mkmaildir -p g -n "$N" -x)
				find "$R/sib" -mindepth 1 -maxdepth 1 \( -name 'g*' -o -name '.mkmaildir-tmp' \) -exec rm -rf {} +
			fi
			echo "$p $m $f $s" >>"$work/res"
		done
		p=$(awk '{ print $1 }' "$work/res" | median); m=$(awk '{ print $2 }' "$work/res" | median)
		f=$(awk '{ print $3 }' "$work/res" | median); s=$(awk '{ print $4 }' "$work/res" | median)
		awk -v fs="$fs" -v p="$p" -v m="$m" -v f="$f" -v s="$s" -v sib="$SIB" -v n="$N" -v r="$ROUNDS" -v cpu="$CPU" 'BEGIN {
			printf "%s%s (medians of %d rounds of %d): permit %.1f us, first %.1f us (-permit %.1f), floor %.1f us: %.2fx",
				fs, cpu ? " cpu" : "", r, n, p / 1e3, m / 1e3, (m - p) / 1e3, f / 1e3, (m - p) / f
			if (sib > 0) printf "; beside %d: %.1f us (-permit %.1f): %.2fx", sib, s / 1e3, (s - p) / 1e3, (s - p) / f
			printf "\n" }'
		sed 's/^/  round: /' "$work/res"
	fi
	rm -rf "$R/sib"
	if [ "$fs" = tmpfs ]; then umount "$R"; rmdir "$R"; else rm -rf "$R"; fi
done
