# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/cluster/inside.sh (CL_HOOK) for bench/cluster.sh, with the
# cluster's nodes, helpers (on, nip, waitfor, say, lap, ROOT, HOLD) and
# variables in scope: the storage host gls, the directory dir, frontends fe1
# and fe2 with the volume at /srv/gluster, the module and pamrun installed.
# Writes KEY=VALUE lines to $CLB_OUT; the profiles go to $CLB_OUT.d/.
#
# Environment: CLB_OUT, CLB_BIN (floor, nsstime built on the host),
# CLB_N (first logins per run), CLB_RUNS, CLB_LDAP ("10 1000 10000"),
# CLB_SECTIONS ("gluster ldap").
set -u
D=$CLB_OUT.d
mkdir -p "$D"
N=${CLB_N:-100}
RUNS=${CLB_RUNS:-1}
FE=${ROOT[fe1]}
kv() { printf '%s=%s\n' "$1" "$2" >>"$CLB_OUT"; }
field() { tr ' ' '\n' | sed -n "s/^$1=//p"; }
us() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1000 }'; }
med() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
gl() { on gls gluster --mode=script "$@"; }
has() { [[ " ${CLB_SECTIONS:-gluster ldap} " == *" $1 "* ]]; }
cp "$CLB_BIN/floor" "$CLB_BIN/nsstime" "$FE/usr/local/bin/" || exit 1

# Services: pam_permit alone, and the module with the suite's options.
cat >"$FE/etc/cluster-pam/permit" <<EOF
session required pam_permit.so
EOF
cat >"$FE/etc/cluster-pam/module" <<EOF
session required $MOD createhome folders=$FOLDERS subscribe quota=$QUOTA
EOF

# The brick's FOP counts (gluster volume profile) since the last call:
# "FOP COUNT" lines, one per FOP the brick served.
fops_clear() { gl volume profile vol info clear >/dev/null; }
fops() {
	gl volume profile vol info cumulative |
		awk '/^Interval/ { exit }
		     /No. of Writes:/ { c["WRITE"] += $NF }
		     / ns +[0-9]+ +[A-Z]+$/ { c[$NF] += $(NF - 1) }
		     END { for (f in c) print f, c[f] }' | sort
}
# The FUSE client's own FOP counts (io-stats at the top of its graph: the
# requests the kernel sent it) since its last dump (the last interval).
client_fops() { # NAME
	mkdir -p "$FE/run/gluster"
	rm -f "$FE/run/gluster/"*"iostats.$1"*
	on fe1 setfattr -n trusted.io-stats-dump -v "/tmp/iostats.$1" /srv/gluster 2>/dev/null ||
		return 0
	sleep 0.3
	cat "$FE/run/gluster/"*"iostats.$1"* 2>/dev/null |
		awk '/^=== Interval/ { delete c; on = 1 } /^=== Cumulative/ { on = 0 }
		     on && /^Write Count/ { c["WRITE"] = $NF }
		     on && /^[A-Z]+ +[0-9]+ / { c[$1] = $2 }
		     END { for (f in c) print f, c[f] }' | sort
}
total() { awk '{ s += $2 } END { print s + 0 }'; }

# strace of one first login (host's strace, following the chroot): each
# call with its time, to see where the round trips go.
trace_one() { # OUTFILE COMMAND...
	local f=$1; shift
	command -v strace >/dev/null || return 0
	nsenter --net="/proc/${HOLD[fe1]}/ns/net" -- strace -f -T -o "$f" chroot "$FE" \
		/usr/bin/env -i PATH="$PATH_IN" HOME=/root LANG=C.UTF-8 "$@" >/dev/null 2>&1
}

gluster_section() {
	local r i line fl=() mo=() pe=() n0
	# Users of the first logins: in fe1's passwd file, so that NSS is a
	# file lookup and the figures are the filesystem's.
	for ((i = 0; i < N * RUNS + 2; i++)); do
		printf 'm%d:x:%d:3000:m%d:/srv/gluster/home/m%d:/bin/sh\n' "$i" $((40000 + i)) "$i" "$i"
	done >>"$FE/etc/passwd"
	mkdir -m 0755 "$FE/srv/gluster/floor" || return 1
	gl volume profile vol start >/dev/null || say "gluster volume profile does not start"
	# A first login of each kind before timing (connections, caches of /srv/gluster/home).
	on fe1 pamrun time -d /etc/cluster-pam -s module -p m -i $((N * RUNS)) -n 1 -x >/dev/null
	on fe1 floor -b /srv/gluster/floor -p w -n 1 -u 40000 -g 3000 -H >/dev/null
	for ((r = 0; r < RUNS; r++)); do
		line=$(on fe1 floor -b /srv/gluster/floor -p f -i $((r * N)) -n "$N" -u 40000 -g 3000 -H) ||
			{ fail "bench cluster: floor on the volume" "$line"; return 1; }
		fl+=("$(field median_tree_ns <<<"$line")")
		line=$(on fe1 pamrun time -d /etc/cluster-pam -s module -p m -i $((r * N)) -n "$N" -x) ||
			{ fail "bench cluster: module first logins on the volume" "$line"; return 1; }
		mo+=("$(field median_ns <<<"$line")")
		line=$(on fe1 pamrun time -d /etc/cluster-pam -s permit -p m -k "$N" -w 20 -n 200)
		pe+=("$(field median_ns <<<"$line")")
	done
	n0=$(( N * RUNS - 1 ))
	if [ -f "$FE/srv/gluster/home/m$n0/Maildir/.Junk/maildirfolder" ] &&
	   [ -f "$FE/srv/gluster/floor/f$n0/Maildir/.Junk/maildirfolder" ]; then
		pass "bench cluster: $((N * RUNS)) first logins and floor trees complete on the volume"
	else
		fail "bench cluster: first logins and floor trees complete on the volume" "m$n0 or f$n0 incomplete"
	fi
	kv GLUSTER_FLOOR_US "$(us "$(printf '%s\n' "${fl[@]}" | med)")"
	kv GLUSTER_FIRST_CYCLE_US "$(us "$(printf '%s\n' "${mo[@]}" | med)")"
	kv GLUSTER_PERMIT_US "$(us "$(printf '%s\n' "${pe[@]}" | med)")"
	kv GLUSTER_FIRST_US "$(us "$(( $(printf '%s\n' "${mo[@]}" | med) - $(printf '%s\n' "${pe[@]}" | med) ))")"

	# Round trips: FOPs the brick served and FOPs the client's FUSE side
	# received, per tree, for 20 more of each.
	local k=20 base=$((N * RUNS + 2))
	for ((i = base; i < base + k; i++)); do
		printf 'm%d:x:%d:3000:m%d:/srv/gluster/home/m%d:/bin/sh\n' "$i" $((40000 + i)) "$i" "$i"
	done >>"$FE/etc/passwd"
	on gls gluster --mode=script volume set vol diagnostics.count-fop-hits on >/dev/null
	on gls gluster --mode=script volume set vol diagnostics.latency-measurement on >/dev/null
	sleep 1
	fops_clear; client_fops pre-floor >/dev/null
	on fe1 floor -b /srv/gluster/floor -p r -n "$k" -u 40000 -g 3000 -H >/dev/null
	fops >"$D/fops.floor"; client_fops floor >"$D/client.floor"
	fops_clear; client_fops pre-module >/dev/null
	on fe1 pamrun time -d /etc/cluster-pam -s module -p m -i "$base" -n "$k" -x >/dev/null
	fops >"$D/fops.module"; client_fops module >"$D/client.module"
	# Round trips: FOPs that cross the network (RELEASE and FORGET are
	# one-way), and FUSE requests of the client.
	local rt='$1 != "FORGET" && $1 != "RELEASE" && $1 != "RELEASEDIR" { s += $2 } END { printf "%.1f", s / k }'
	kv GLUSTER_FLOOR_RT "$(awk -v k=$k "$rt" "$D/fops.floor")"
	kv GLUSTER_FIRST_RT "$(awk -v k=$k "$rt" "$D/fops.module")"
	kv GLUSTER_FLOOR_FUSE "$(awk -v k=$k "$rt" "$D/client.floor")"
	kv GLUSTER_FIRST_FUSE "$(awk -v k=$k "$rt" "$D/client.module")"
	join -a1 -a2 -e0 -o 0,1.2,2.2 "$D/fops.floor" "$D/fops.module" |
		join -a1 -a2 -e0 -o 0,1.2,1.3,2.2 - "$D/client.floor" |
		join -a1 -a2 -e0 -o 0,1.2,1.3,1.4,2.2 - "$D/client.module" |
		awk -v k=$k '{ printf "%-12s %8.1f %8.1f %8.1f %8.1f\n", $1, $2 / k, $3 / k, $4 / k, $5 / k }' >"$D/fops.table"
	# One more of each under strace, for the time per system call.
	printf 'm%d:x:%d:3000:m%d:/srv/gluster/home/m%d:/bin/sh\n' 999999 999999 999999 999999 >>"$FE/etc/passwd"
	trace_one "$D/strace.module" pamrun time -d /etc/cluster-pam -s module -p m -i 999999 -n 1 -x
	trace_one "$D/strace.floor" floor -b /srv/gluster/floor -p t -n 1 -u 40000 -g 3000 -H
	gl volume profile vol stop >/dev/null
	lap "GlusterFS first logins and floor"
}

# ---------------------------------------------------------------- LDAP
ldap_tree() { # COUNT
	printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: cluster\ndc: cluster\n\n' "$BASE"
	printf 'dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n' "$BASE"
	printf 'dn: ou=groups,%s\nobjectClass: organizationalUnit\nou: groups\n\n' "$BASE"
	printf 'dn: cn=mailusers,ou=groups,%s\nobjectClass: posixGroup\ncn: mailusers\ngidNumber: 3000\n\n' "$BASE"
	awk -v base="$BASE" -v n="$1" 'BEGIN { for (i = 0; i < n; i++) {
		printf "dn: uid=u%d,ou=people,%s\nobjectClass: account\nobjectClass: posixAccount\n", i, base
		printf "uid: u%d\ncn: u%d\nuidNumber: %d\ngidNumber: 3000\nhomeDirectory: /srv/local/home/u%d\nloginShell: /bin/sh\n\n", i, i, 50000 + i, i } }'
}
ldap_load() { # COUNT: slapd again with exactly COUNT accounts
	local d=${ROOT[dir]} p
	p=$(cat "$d/run/slapd-cluster.pid" 2>/dev/null)
	[ -n "$p" ] && kill "$p" 2>/dev/null
	waitfor 10 bash -c "! kill -0 $p 2>/dev/null" || return 1
	rm -rf "$d/var/lib/ldap-cluster" && mkdir -p "$d/var/lib/ldap-cluster"
	ldap_tree "$1" >"$d/tmp/bench.ldif"
	on dir slapadd -q -f /etc/ldap/cluster.conf -l /tmp/bench.ldif >"$D/slapadd.$1" 2>&1 || return 1
	on dir slapd -f /etc/ldap/cluster.conf -h "ldap://$NET.2/" || return 1
	waitfor 20 on fe1 getent passwd u$(( $1 - 1 ))
}

ldap_section() {
	local n line k=10 i
	# No name service cache: each lookup goes to nslcd, and on to slapd.
	if pgrep -x nscd >/dev/null || [ -e "$FE/usr/sbin/nscd" ]; then
		say "nscd is present on fe1 (lookups may be cached)"; kv LDAP_NSCD present
	else
		kv LDAP_NSCD absent
	fi
	mkdir -p "$FE/srv/local/home"
	for n in ${CLB_LDAP:-10 1000 10000}; do
		ldap_load "$n" || { fail "bench cluster: slapd with $n accounts" "see $D/slapadd.$n"; return 1; }
		rm -rf "$FE"/srv/local/home/u*
		# Complete maildirs for the every-login cycles.
		on fe1 pamrun time -d /etc/cluster-pam -s module -p u -n $k -x >/dev/null ||
			{ fail "bench cluster: first logins of LDAP users ($n accounts)" ""; return 1; }
		# Four blocks of each, alternating, so that the load of the machine
		# falls on all three alike; medians of the blocks' medians.
		local pe=() mo=() lk=() b
		for b in 1 2 3 4; do
			line=$(on fe1 pamrun time -d /etc/cluster-pam -s permit -p u -k $k -w 50 -n 500)
			pe+=("$(field median_ns <<<"$line")")
			line=$(on fe1 pamrun time -d /etc/cluster-pam -s module -p u -k $k -w 50 -n 500 -x) ||
				{ fail "bench cluster: every-login cycles of LDAP users ($n accounts)" "$line"; return 1; }
			mo+=("$(field median_ns <<<"$line")")
			line=$(on fe1 nsstime -p u -k $k -w 50 -n 500)
			lk+=("$(field median_ns <<<"$line")")
		done
		kv "LDAP_PERMIT_US_$n" "$(us "$(printf '%s\n' "${pe[@]}" | med)")"
		kv "LDAP_MODULE_US_$n" "$(us "$(printf '%s\n' "${mo[@]}" | med)")"
		kv "LDAP_LOOKUP_US_$n" "$(us "$(printf '%s\n' "${lk[@]}" | med)")"
		# How many lookups reach nslcd in one cycle: its socket's connects.
		if command -v strace >/dev/null; then
			trace_one "$D/ldap.connects.$n" pamrun time -d /etc/cluster-pam -s module -p u -k $k -n 10
			kv "LDAP_MODULE_NSLCD_CONNECTS_$n" "$(awk '/connect\(.*nslcd/ { c++ } END { printf "%.1f", c / 10 }' "$D/ldap.connects.$n")"
			trace_one "$D/ldap.pconnects.$n" pamrun time -d /etc/cluster-pam -s permit -p u -k $k -n 10
			kv "LDAP_PERMIT_NSLCD_CONNECTS_$n" "$(awk '/connect\(.*nslcd/ { c++ } END { printf "%.1f", c / 10 }' "$D/ldap.pconnects.$n")"
		fi
		lap "LDAP, $n accounts"
	done
	pass "bench cluster: every-login figures through nslcd for ${CLB_LDAP:-10 1000 10000} accounts"
}

has gluster && { gluster_section || exit 1; }
has ldap && { ldap_section || exit 1; }
exit 0
