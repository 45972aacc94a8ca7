#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The cluster suite proper; run by tests/cluster/run.sh as PID 1 of fresh
# mount and PID namespaces (unshare --kill-child), so that every daemon it
# starts dies and every mount it makes vanishes when it ends, however it
# ends.  Nothing here touches the host's files, network or name service.
#
# Nodes: each one a network namespace (held by a sleeping process) and an
# overlay of the cached root ($CL_ROOT), on a bridge 10.200.0.0/24 that lives
# inside the storage node's namespace:
#   gls 10.200.0.1   glusterd + the bricks (directories of $CL_WORK/brick):
#                    vol (one brick), sq (one brick, root squashed), rep
#                    (replica 3: rep.1 rep.2 rep.3, one glusterfsd each)
#   dir 10.200.0.2   slapd with the posixAccount users
#   fe1 10.200.0.11  frontend: nslcd + NSS (its own nsswitch.conf), the
#   fe2 10.200.0.12  GlusterFS FUSE mounts at /srv/gluster (vol),
#                    /srv/squash (sq) and /srv/replica (rep), a plain local
#                    directory (one for both) at /srv/local, the module,
#                    tests/pamrun (race mode), syslogd, Dovecot
#
# Environment from run.sh: CL_ROOT CL_WORK CL_OUT CL_PAMRUN CL_USERS CL_VUSERS
# CL_WORKERS CL_SERIAL CL_DOVECOT_USERS CL_NAIVE CL_SQUSERS CL_SQVUSERS
# CL_RUSERS CL_RSQUSERS CL_HEAL_TIMEOUT T_MODULE T_RESULTS T_TOP.
set -u
. "$T_TOP/tests/lib.sh"

W=$CL_WORK
OUT=$CL_OUT
NET=10.200.0
FOLDERS=Drafts,Sent,Trash,Junk
QUOTA=1073741824S,10000C
BASE=dc=cluster,dc=test
PW=secret
MOD=/usr/local/lib/security/pam_mkmaildir.so
PATH_IN=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

declare -A HOLD ROOT
# The volumes and mount points (on both frontends) made so far, for teardown.
VOLS=() MOUNTS=()
say() { printf '   %s\n' "$*"; }
_lap=$(date +%s.%N)
lap() {
	local now; now=$(date +%s.%N)
	awk -v a="$_lap" -v b="$now" -v n="$1" 'BEGIN { printf "   [%-40s %6.1f s]\n", n, b - a }'
	_lap=$now
}
die() { fail "cluster: $1" "${2:-}"; exit 1; }

# on NODE CMD...: CMD in NODE's network namespace and root, clean environment.
on() {
	local n=$1; shift
	nsenter --net="/proc/${HOLD[$n]}/ns/net" -- chroot "${ROOT[$n]}" \
		/usr/bin/env -i PATH="$PATH_IN" HOME=/root LANG=C.UTF-8 "$@"
}
# nip NODE ARGS...: the host's ip(8) inside NODE's network namespace.
nip() { local n=$1; shift; nsenter --net="/proc/${HOLD[$n]}/ns/net" -- ip "$@"; }

# waitfor SECONDS CMD...: until CMD succeeds.
waitfor() {
	local t=$1 i; shift
	for i in $(seq $(( t * 10 ))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}

# ---------------------------------------------------------------- teardown
teardown() {
	local n m v
	set +e
	say "teardown"
	for n in fe1 fe2; do
		[ -n "${HOLD[$n]:-}" ] || continue
		[ -f "${ROOT[$n]}/run/dovecot-cl/master.pid" ] &&
			kill "$(cat "${ROOT[$n]}/run/dovecot-cl/master.pid")" 2>/dev/null
		for m in "${MOUNTS[@]}"; do
			grep -q " ${ROOT[$n]}$m " /proc/self/mountinfo && umount "${ROOT[$n]}$m"
		done
	done
	if [ -n "${HOLD[gls]:-}" ] && [ -f "${ROOT[gls]}/run/glusterd.pid" ]; then
		for v in "${VOLS[@]}"; do
			timeout 30 nsenter --net="/proc/${HOLD[gls]}/ns/net" -- chroot "${ROOT[gls]}" \
				gluster --mode=script volume stop "$v" force >/dev/null 2>&1
		done
	fi
	# Whatever still runs (glusterd, the brick and client processes, slapd,
	# nslcd, syslogd, Dovecot, the holders): this is our own PID namespace.
	kill -TERM -1 2>/dev/null
	sleep 0.5
	kill -KILL -1 2>/dev/null
	# Mounts go with the mount namespace; unmount anyway, deepest first.
	awk -v w="$W/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
}
trap teardown EXIT
trap 'exit 130' INT TERM HUP

mount -t proc proc /proc || die "setup" "cannot mount a private /proc"

# ---------------------------------------------------------------- nodes
own_net() { [ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/self/ns/net)" ]; }
mknode() { # NAME
	local n=$1 r=$W/nodes/$1 d
	mkdir -p "$r/upper" "$r/work" "$r/root"
	mount -t overlay overlay -o "lowerdir=$CL_ROOT,upperdir=$r/upper,workdir=$r/work" "$r/root" ||
		return 1
	r=$r/root
	ROOT[$n]=$r
	mount -t proc proc "$r/proc" || return 1
	mount -t tmpfs -o mode=0755 run "$r/run"
	mount -t tmpfs -o mode=1777 tmp "$r/tmp"
	mount -t tmpfs -o mode=0755,nosuid dev "$r/dev"
	for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0 fuse:10:229; do
		IFS=: read -r name ma mi <<<"$d"
		mknod -m 666 "$r/dev/$name" c "$ma" "$mi"
	done
	chmod 0600 "$r/dev/fuse"
	# The cached root has no /etc/hosts; GlusterFS's self-heal daemon dies
	# without a localhost ("DNS resolution failed on host localhost").
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$r/etc/hosts"
	ln -s /proc/self/fd "$r/dev/fd"
	mkdir "$r/dev/pts" "$r/dev/shm"
	mount -t tmpfs -o mode=1777 shm "$r/dev/shm"
	unshare --net -- sleep 100000 &
	HOLD[$n]=$!
	waitfor 5 own_net "${HOLD[$n]}" || return 1
	nip "$n" link set lo up
	# A syslog of its own, so the module's lines can be counted.
	on "$n" busybox syslogd -n -O /var/log/cluster.log -S &
	waitfor 5 test -S "$r/dev/log"
}

for n in gls dir fe1 fe2; do mknode "$n" || die "setup" "cannot set up node $n"; done
nip gls link add br0 type bridge && nip gls addr add "$NET.1/24" dev br0 &&
	nip gls link set br0 up || die "setup" "no bridge"
for spec in dir:2 fe1:11 fe2:12; do
	n=${spec%%:*} a=${spec#*:}
	nip gls link add "$n-port" type veth peer name eth0 netns "${HOLD[$n]}" &&
		nip gls link set "$n-port" master br0 up &&
		nip "$n" addr add "$NET.$a/24" dev eth0 &&
		nip "$n" link set eth0 up || die "setup" "no link for $n"
done
waitfor 10 on fe1 busybox ping -c1 -W1 "$NET.12" || die "setup" "fe1 cannot reach fe2"
lap "namespaces, roots and network"

# ---------------------------------------------------------------- storage
mkdir -p "$W/brick" "${ROOT[gls]}/srv/brick"
mount --bind "$W/brick" "${ROOT[gls]}/srv/brick" || die "storage" "no brick mount"
on gls glusterd -p /run/glusterd.pid || die "storage" "glusterd did not start"
waitfor 20 on gls gluster --mode=script peer status || die "storage" "glusterd does not answer"
# volume NAME DIR SCENARIO [REPLICA]: creates and starts volume NAME on the
# storage host and mounts it on /DIR of both frontends.  One brick,
# $W/brick/NAME; with REPLICA, that many bricks $W/brick/NAME.1 ... (one
# glusterfsd each, all on the storage host) holding one replica each.
volume() {
	local n i bricks=("$NET.1:/srv/brick/$1")
	if [ -n "${4:-}" ]; then
		bricks=(replica "$4")
		for i in $(seq "$4"); do bricks+=("$NET.1:/srv/brick/$1.$i"); done
	fi
	VOLS+=("$1")
	on gls gluster --mode=script volume create "$1" "${bricks[@]}" force >/dev/null &&
		on gls gluster --mode=script volume start "$1" >/dev/null ||
		die "$3" "cannot create and start the volume $1"
	MOUNTS+=("$2")
	for n in fe1 fe2; do
		mkdir -p "${ROOT[$n]}$2"
		on "$n" glusterfs --volfile-server="$NET.1" --volfile-id="$1" "$2" ||
			die "$3" "glusterfs client of $n for $1 did not start"
		waitfor 20 grep -q " ${ROOT[$n]}$2 .* - fuse.glusterfs " /proc/self/mountinfo ||
			die "$3" "no GlusterFS mount of $1 on $n"
		waitfor 20 stat "${ROOT[$n]}$2/." || die "$3" "the mount of $1 on $n does not answer"
	done
}
volume vol /srv/gluster storage
# Seen from the other frontend: one volume, two mounts.
echo "$$" >"${ROOT[fe1]}/srv/gluster/probe"
if [ "$(cat "${ROOT[fe2]}/srv/gluster/probe" 2>/dev/null)" = "$$" ]; then
	pass "cluster: fe2 sees what fe1 writes on the GlusterFS volume"
else
	die "storage" "fe2 does not see fe1's file on the volume"
fi
rm -f "${ROOT[fe1]}/srv/gluster/probe"
# The plain local filesystem of the comparison: one directory for both.
mkdir -p "$W/local"
for n in fe1 fe2; do
	mkdir -p "${ROOT[$n]}/srv/local"
	mount --bind "$W/local" "${ROOT[$n]}/srv/local" || die "storage" "no local mount on $n"
done
mkdir -m 0755 "${ROOT[fe1]}/srv/gluster/home" "${ROOT[fe1]}/srv/local/home" ||
	die "storage" "cannot make the home parents"
lap "GlusterFS volume, two FUSE mounts"

# ---------------------------------------------------------------- directory
# Users (uids from 10000): gNNNN (homes on the volume), lNNNN (homes on the
# local directory), sNNNN / tNNNN (serial timing, volume / local), dNNNN
# (Dovecot, with passwords); vmail (uid 5000), the owner of the virtual
# users, exists only here; the virtual users vNNNN@domK.example are
# inetOrgPerson entries, invisible to NSS.
hash=$(on dir slappasswd -s "$PW") || die "directory" "slappasswd failed"
gen_ldif() {
	printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: cluster\ndc: cluster\n\n' "$BASE"
	printf 'dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n' "$BASE"
	printf 'dn: ou=groups,%s\nobjectClass: organizationalUnit\nou: groups\n\n' "$BASE"
	printf 'dn: ou=virtual,%s\nobjectClass: organizationalUnit\nou: virtual\n\n' "$BASE"
	printf 'dn: cn=mailusers,ou=groups,%s\nobjectClass: posixGroup\ncn: mailusers\ngidNumber: 3000\n\n' "$BASE"
	printf 'dn: cn=vmail,ou=groups,%s\nobjectClass: posixGroup\ncn: vmail\ngidNumber: 5000\n\n' "$BASE"
	printf 'dn: uid=vmail,ou=people,%s\nobjectClass: account\nobjectClass: posixAccount\nuid: vmail\ncn: vmail\nuidNumber: 5000\ngidNumber: 5000\nhomeDirectory: /srv/gluster/vmail\nloginShell: /usr/sbin/nologin\n\n' "$BASE"
	awk -v base="$BASE" -v hash="$hash" -v nu="$CL_USERS" -v ns="$CL_SERIAL" -v nd="$CL_DOVECOT_USERS" -v nv="$CL_VUSERS" -v nq="$CL_SQUSERS" -v nr="$CL_RUSERS" '
	function user(name, uid, home) {
		printf "dn: uid=%s,ou=people,%s\nobjectClass: account\nobjectClass: posixAccount\n", name, base
		printf "uid: %s\ncn: %s\nuidNumber: %d\ngidNumber: 3000\nhomeDirectory: %s\n", name, name, uid, home
		printf "loginShell: /bin/sh\nuserPassword: %s\n\n", hash
	}
	BEGIN {
		uid = 10000
		for (i = 1; i <= nu; i++) user(sprintf("g%04d", i), uid++, sprintf("/srv/gluster/home/g%04d", i))
		for (i = 1; i <= nu; i++) user(sprintf("l%04d", i), uid++, sprintf("/srv/local/home/l%04d", i))
		for (i = 1; i <= ns; i++) user(sprintf("s%04d", i), uid++, sprintf("/srv/gluster/home/s%04d", i))
		for (i = 1; i <= ns; i++) user(sprintf("t%04d", i), uid++, sprintf("/srv/local/home/t%04d", i))
		for (i = 1; i <= nd; i++) user(sprintf("d%04d", i), uid++, sprintf("/srv/gluster/home/d%04d", i))
		for (i = 1; i <= 2; i++) user(sprintf("x%04d", i), uid++, sprintf("/srv/gluster/home/x%04d", i))
		for (i = 1; i <= nq; i++) user(sprintf("q%04d", i), uid++, sprintf("/srv/squash/home/q%04d", i))
		for (i = 1; i <= nr; i++) user(sprintf("r%04d", i), uid++, sprintf("/srv/replica/home/r%04d", i))
		for (i = 1; i <= nv; i++) {
			m = sprintf("v%04d@dom%d.example", i, i % 5)
			printf "dn: uid=%s,ou=virtual,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: virtual\nmail: %s\nuserPassword: %s\n\n", m, base, m, m, m, hash
		}
	}'
}
gen_ldif >"${ROOT[dir]}/tmp/tree.ldif"
cat >"${ROOT[dir]}/etc/ldap/cluster.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile /run/slapd-cluster.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 268435456
suffix "$BASE"
rootdn "cn=admin,$BASE"
rootpw $PW
directory /var/lib/ldap-cluster
index objectClass,uid,uidNumber,gidNumber,memberUid eq
EOF
mkdir -p "${ROOT[dir]}/var/lib/ldap-cluster"
on dir slapadd -q -f /etc/ldap/cluster.conf -l /tmp/tree.ldif >"$OUT/slapadd.log" 2>&1 ||
	{ cat "$OUT/slapadd.log"; die "directory" "slapadd failed"; }
on dir slapd -f /etc/ldap/cluster.conf -h "ldap://$NET.2/" || die "directory" "slapd did not start"
waitfor 10 on dir ldapsearch -x -H "ldap://$NET.2/" -b "$BASE" -s base || die "directory" "slapd does not answer"
for n in fe1 fe2; do
	r=${ROOT[$n]}
	cat >"$r/etc/nslcd.conf" <<EOF
uid nslcd
gid nslcd
uri ldap://$NET.2/
base $BASE
threads 16
EOF
	chmod 0640 "$r/etc/nslcd.conf"
	on "$n" chown root:nslcd /etc/nslcd.conf
	cat >"$r/etc/nsswitch.conf" <<EOF
passwd: files ldap
group:  files ldap
shadow: files ldap
hosts:  files
EOF
	mkdir -p "$r/run/nslcd"
	on "$n" chown nslcd:nslcd /run/nslcd
	on "$n" nslcd || die "directory" "nslcd of $n did not start"
done
for n in fe1 fe2; do
	waitfor 10 on "$n" getent passwd g0001 || die "directory" "$n cannot resolve g0001 through nslcd"
done
got=$(on fe2 getent passwd g0001)
if [ "$got" = "g0001:*:10000:3000:g0001:/srv/gluster/home/g0001:/bin/sh" ] ||
   [ "$got" = "g0001:x:10000:3000:g0001:/srv/gluster/home/g0001:/bin/sh" ]; then
	pass "cluster: frontends resolve LDAP users through their own nslcd"
else
	fail "cluster: frontends resolve LDAP users through their own nslcd" "getent said: $got"
fi
if grep -q '^g0001:' "${ROOT[fe1]}/etc/passwd" /etc/passwd; then
	fail "cluster: LDAP users are in no passwd file" "g0001 found in a passwd file"
else
	pass "cluster: LDAP users are in no passwd file"
fi
lap "OpenLDAP, nslcd on both frontends"

# ---------------------------------------------------------------- module
for n in fe1 fe2; do
	r=${ROOT[$n]}
	mkdir -p "$r/usr/local/lib/security" "$r/etc/cluster-pam"
	cp "$T_MODULE" "$r$MOD" && cp "$CL_PAMRUN" "$r/usr/local/bin/pamrun" || die "setup" "cannot install the module"
	# Homes from LDAP, created with the maildir (system users).
	cat >"$r/etc/cluster-pam/home" <<EOF
account required pam_permit.so
session required $MOD createhome folders=$FOLDERS subscribe quota=$QUOTA
EOF
	# Virtual users: not in NSS at all; vmail (LDAP only) owns everything;
	# account hook, as Courier's authpam would run it.
	cat >"$r/etc/cluster-pam/virtual" <<EOF
account required $MOD owner=vmail maildir=/srv/gluster/vmail/%d/%n folders=$FOLDERS subscribe
session required pam_permit.so
EOF
done
mkdir -m 0700 "${ROOT[fe1]}/srv/gluster/vmail" && chown 5000:5000 "${ROOT[fe1]}/srv/gluster/vmail" ||
	die "setup" "cannot make the vmail home"

# Another scenario on this cluster instead of the suite's (bench/cluster.sh):
# CL_HOOK is sourced with every helper and node above; its status ends the run.
if [ -n "${CL_HOOK:-}" ]; then
	. "$CL_HOOK"
	exit $?
fi

# ---------------------------------------------------------------- the race
# race2 LABEL SERVICE HOOK USERFILE PATTERN [PAMRUN-OPTIONS]: the same users,
# in the same order, at both frontends, $CL_WORKERS per frontend per round,
# each round released on both at once.  Writes $OUT/LABEL.fe1 and .fe2
# (pamrun race's R lines).  RACE_AT[N], when set, is a command run in the
# background right after round N (from 0) is released, while its logins run;
# RACE_T0 is the race's start ($EPOCHREALTIME) for it.
declare -A RACE_AT=()
race2() {
	local label=$1 service=$2 hook=$3 users=$4 pattern=$5 extra=${6:-} n line rounds=0 bad=0 at
	local hooks=()
	RACE_T0=$EPOCHREALTIME
	for n in fe1 fe2; do cp "$users" "${ROOT[$n]}/tmp/users.$label"; done
	rm -f "$W/go1" "$W/go2" "$W/res1" "$W/res2"
	mkfifo "$W/go1" "$W/go2" "$W/res1" "$W/res2"
	on fe1 pamrun race -d /etc/cluster-pam -s "$service" -a "$hook" -u "/tmp/users.$label" \
		-w "$CL_WORKERS" -m "$pattern" -F "$FOLDERS" $extra <"$W/go1" >"$W/res1" 2>"$OUT/$label.fe1.err" &
	local p1=$!
	on fe2 pamrun race -d /etc/cluster-pam -s "$service" -a "$hook" -u "/tmp/users.$label" \
		-w "$CL_WORKERS" -m "$pattern" -F "$FOLDERS" $extra <"$W/go2" >"$W/res2" 2>"$OUT/$label.fe2.err" &
	local p2=$!
	exec 3>"$W/go1" 4>"$W/go2" 5<"$W/res1" 6<"$W/res2"
	: >"$OUT/$label.fe1"; : >"$OUT/$label.fe2"
	while :; do
		# Both parked?
		IFS= read -r -u 5 line || break
		[ "$line" = "?" ] || { bad=1; break; }
		IFS= read -r -u 6 line || { bad=1; break; }
		[ "$line" = "?" ] || { bad=1; break; }
		# The same release instant for both, 20 ms ahead (µs since the epoch).
		at=$(( ${EPOCHREALTIME/./} + 20000 ))
		printf '%s\n' "$at" >&3; printf '%s\n' "$at" >&4
		if [ -n "${RACE_AT[$rounds]:-}" ]; then
			# Not holding the race's pipes open.
			( exec 3>&- 4>&- 5<&- 6<&-; eval "${RACE_AT[$rounds]}" ) &
			hooks+=($!)
		fi
		while IFS= read -r -u 5 line && [ "$line" != . ]; do printf '%s\n' "$line" >>"$OUT/$label.fe1"; done
		while IFS= read -r -u 6 line && [ "$line" != . ]; do printf '%s\n' "$line" >>"$OUT/$label.fe2"; done
		rounds=$((rounds + 1))
	done
	exec 3>&- 4>&- 5<&- 6<&-
	wait "$p1" "$p2" "${hooks[@]}"
	[ "$bad" = 0 ]
}

# serial LABEL STORAGE-USERFILE PATTERN: one login at a time on fe1 alone.
serial() {
	local label=$1 users=$2 pattern=$3
	cp "$users" "${ROOT[fe1]}/tmp/users.$label"
	yes 0 | on fe1 pamrun race -d /etc/cluster-pam -s home -a session \
		-u "/tmp/users.$label" -w 1 -m "$pattern" -F "$FOLDERS" 2>"$OUT/$label.err" |
		grep '^R ' >"$OUT/$label.fe1"
}

# expected_tree USERFILE KIND: "path type uid:gid mode" of everything a
# first login must leave, for every user (KIND home or virtual).
expected_tree() {
	local kind=$2
	on fe1 getent passwd $(cat "$1") >"$W/pw.$$" 2>/dev/null
	awk -v kind="$kind" -v folders="$FOLDERS" '
	function e(p, t, m) { printf "%s %s %s %s\n", p, t, owner, m }
	BEGIN { nf = split(folders, f, ",") }
	{
		if (kind == "home") {
			split($0, pw, ":"); owner = pw[3] ":" pw[4]; h = pw[6]
			sub(/^\/srv\/[^\/]+\//, "", h)
			e(h, "d", 700); md = h "/Maildir"
		} else {
			owner = "5000:5000"; split($0, a, "@"); md = "vmail/" a[2] "/" a[1]
		}
		e(md, "d", 700)
		for (s = 1; s <= 3; s++) e(md "/" substr("curnewtmp", s * 3 - 2, 3), "d", 700)
		for (i = 1; i <= nf; i++) {
			e(md "/." f[i], "d", 700)
			for (s = 1; s <= 3; s++) e(md "/." f[i] "/" substr("curnewtmp", s * 3 - 2, 3), "d", 700)
			e(md "/." f[i] "/maildirfolder", "f", 600)
		}
		e(md "/courierimapsubscribed", "f", 600)
		e(md "/subscriptions", "f", 600)
		e(md "/pam_mkmaildir.given.RECORD", "f", 600)
		if (kind == "home") e(md "/maildirsize", "f", 600)
	}' "$( [ "$kind" = home ] && echo "$W/pw.$$" || echo "$1")" | sort
	rm -f "$W/pw.$$"
}

# summarize LABEL NUSERS: figures of the race outputs into $OUT/LABEL.fig
# (logins, failures, incomplete right after a successful login, timing).
summarize() {
	local label=$1 counts durs skews
	counts=$(cat "$OUT/$label".fe[12] 2>/dev/null | awk '$1 == "R" { n++; if ($3 != 0) f++; else if ($4 != 1) i++ }
		END { printf "%d %d %d", n, f, i }')
	# Duration of each login (ms), sorted; mean, median, 95th percentile.
	durs=$(cat "$OUT/$label".fe[12] 2>/dev/null | awk '$1 == "R" { printf "%.3f\n", $6 / 1e6 }' | sort -n |
		awk '{ d[NR] = $1; s += $1 } END { if (NR == 0) { print "- - -"; exit }
			p = int(NR * 0.95); if (p < 1) p = 1
			printf "%.1f %.1f %.1f", s / NR, d[int((NR + 1) / 2)], d[p] }')
	# Arrival skew: the two starts of the same user at the two frontends (µs).
	# How many of those pairs really ran at the same time (intervals overlap).
	skews=$(cat "$OUT/$label".fe[12] 2>/dev/null | awk '$1 == "R" { if ($2 in t) { x = t[$2] - $5; if (x < 0) x = -x
			ov = ($5 < t[$2] + e[$2] && t[$2] < $5 + $6) ? 1 : 0
			printf "%.0f %d\n", x / 1000, ov } else { t[$2] = $5; e[$2] = $6 } }' | sort -n |
		awk '{ d[NR] = $1; o += $2 } END { if (NR == 0) print "-1 -1 -1"; else printf "%d %d %.1f", d[int((NR + 1) / 2)], d[NR], 100 * o / NR }')
	echo "$label $counts $durs $skews" >"$OUT/$label.fig"
}

# as_user UID:GID CMD...: CMD with those ids (no groups); at once when empty.
# A volume that squashes root shows root nothing inside a 0700 directory.
as_user() {
	local as=$1; shift
	if [ -z "$as" ]; then "$@"; else
		setpriv --reuid="${as%%:*}" --regid="${as#*:}" --clear-groups -- "$@"
	fi
}

# actual_tree DIR PREFIX...: the same for what is really under DIR/PREFIX
# (the population record's hash as RECORD).
# tree_as UID:GID DIR PREFIX...: the same, read with those ids.
actual_tree() { tree_as "" "$@"; }
norecord() { sed 's/pam_mkmaildir\.given\.[0-9a-f]\{16\}/pam_mkmaildir.given.RECORD/'; }
tree_as() {
	local as=$1 dir=$2; shift 2
	as_user "$as" sh -c 'cd "$1" && shift && find "$@" -printf "%p %y %U:%G %m\n"' sh "$dir" "$@" |
		norecord | sort
}

# tree_read UID:GID DIR PREFIX...: tree_as, reading every file as well; every
# error met (stat, listing a directory, reading a file) goes to stderr.
tree_read() {
	local as=$1 dir=$2; shift 2
	as_user "$as" sh -c 'cd "$1" && shift &&
		find "$@" -printf "%p %y %U:%G %m\n" -type f -exec sh -c "cat -- \"\$@\" >/dev/null" sh {} +' \
		sh "$dir" "$@" | norecord | sort
}

# parent_extras UID:GID DIR PREFIX...: what the directories above the trees
# hold besides the next level down to each tree (DIR's own top level aside):
# a build's temporary name left beside a final one, say.
parent_extras() {
	local as=$1 dir=$2; shift 2
	printf '%s\n' "$@" | awk -F/ '{ p = $1; for (i = 2; i <= NF; i++) { print p "\t" $i; p = p "/" $i } }' |
		sort -u >"$W/pairs.$$"
	cut -f1 "$W/pairs.$$" | sort -u >"$W/parents.$$"
	as_user "$as" sh -c 'cd "$1" && while read -r p; do
		for e in "$p"/* "$p"/.[!.]* "$p"/..?*; do
			[ -e "$e" ] || [ -L "$e" ] || continue
			printf "%s\t%s\t\n" "$p" "${e##*/}"
		done
	done' sh "$dir" <"$W/parents.$$" |
		awk -F'\t' 'FILENAME == ARGV[1] { want[$1 "\t" $2] = 1; next }
			($1 "\t" $2) in want { next }
			{ print $1 "/" $2 }' "$W/pairs.$$" -
	rm -f "$W/pairs.$$" "$W/parents.$$"
}

# mkmaildir_names UID:GID DIR TOP...: every entry under DIR/TOP whose name
# begins with .mkmaildir; a brick's .glusterfs is not looked into.
mkmaildir_names() {
	local as=$1 dir=$2; shift 2
	as_user "$as" sh -c 'cd "$1" && shift && find "$@" -name ".glusterfs*" -prune -o -name ".mkmaildir*" -print' \
		sh "$dir" "$@" 2>/dev/null
}

# gfids BRICK TOP...: "path gfid" (trusted.gfid in hex, "none" if it has
# none) of every entry under TOP... on one brick ($W/brick/...), read on the
# storage host.
gfids() {
	local b=/srv/brick/${1#"$W/brick/"}; shift
	on gls sh -c 'cd "$1" && shift && getfattr -R -h -n trusted.gfid -e hex -- "$@" 2>&1' sh "$b" "$@" | awk '
		/^# file: / { f = substr($0, 9); next }
		/^trusted\.gfid=/ { print f, substr($0, 14); next }
		/: trusted\.gfid: No such attribute$/ { sub(/: trusted\.gfid: No such attribute$/, ""); print $0, "none" }'
}

# heal VOL LABEL: starts a heal of a replicated volume and waits (at most
# $CL_HEAL_TIMEOUT s) until no brick has an entry left to heal: first until
# every brick's heal index (.glusterfs/indices) is empty, which costs nothing
# to read, then until `heal info` (a crawl of its own, which would slow the
# heal down if polled all along) says 0 on every brick.  Writes
# $OUT/LABEL.heal: seconds taken, entries left ("-": a brick did not answer),
# entries in split-brain as heal info tells them.
heal_index() { # VOL: entries in the heal indices of its bricks (each index also
	# keeps one base file, xattrop-*, dirty-* or entry-changes-*, which is no entry)
	local b
	for b in "$W/brick/$1".[0-9]*; do
		ls "$b/.glusterfs/indices/xattrop" "$b/.glusterfs/indices/dirty" \
			"$b/.glusterfs/indices/entry-changes" 2>/dev/null | grep -Ev '^(xattrop-|dirty-|entry-changes-|$|/)'
	done | wc -l
}
heal_pending() {
	on gls gluster --mode=script volume heal "$1" info 2>&1 | awk -v nb="$2" '
		/^Number of entries:/ { n++; if ($4 ~ /^[0-9]+$/) s += $4; else bad = 1 }
		END { if (bad || n != nb) print "-"; else print s }'
}
heal_intime() { awk -v a="$1" -v b="$EPOCHREALTIME" -v t="$CL_HEAL_TIMEOUT" 'BEGIN { exit !(b - a < t) }'; }
heal() {
	local vol=$1 label=$2 nb t0=$EPOCHREALTIME left=- sb
	nb=$(ls -d "$W/brick/$vol".[0-9]* | wc -l)
	on gls gluster --mode=script volume heal "$vol" >"$OUT/$label.healstart" 2>&1
	while [ "$(heal_index "$vol")" != 0 ] && heal_intime "$t0"; do sleep 1; done
	while :; do
		left=$(heal_pending "$vol" "$nb")
		[ "$left" = 0 ] && break
		heal_intime "$t0" || break
		sleep 2
	done
	sb=$(on gls gluster --mode=script volume heal "$vol" info split-brain 2>&1 |
		awk '/^Number of entries in split-brain:/ { if ($NF ~ /^[0-9]+$/) s += $NF; else bad = 1 }
			END { print bad ? "-" : s + 0 }')
	awk -v a="$t0" -v b="$EPOCHREALTIME" -v l="$left" -v sb="$sb" 'BEGIN { printf "%.1f %s %s\n", b - a, l, sb }' \
		>"$OUT/$label.heal"
	on gls gluster --mode=script volume heal "$vol" info >"$OUT/$label.healinfo" 2>&1
	if [ "$left" = 0 ]; then
		pass "cluster $label: heal done within ${CL_HEAL_TIMEOUT} s, no entry left to heal on any brick"
	else
		fail "cluster $label: heal done within ${CL_HEAL_TIMEOUT} s, no entry left to heal on any brick" \
			"entries left after $(cut -d' ' -f1 "$OUT/$label.heal") s: $left ($(grep -E '^(Brick|Number)' "$OUT/$label.healinfo" | tr '\n' ' '))"
	fi
}

# brick_state VOL N: "ONLINE PID" of brick N of VOL (Y 1234, N N/A).
brick_state() {
	on gls gluster --mode=script volume status "$1" 2>/dev/null |
		awk -v b="$NET.1:/srv/brick/$1.$2" '$1 == "Brick" && $2 == b { print $(NF - 1), $NF; exit }'
}
since_race() { awk -v a="$RACE_T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
# fault_kill VOL N LABEL ROUND PID: a brick's process is killed (SIGKILL)
# while the logins of a round run; fault_back VOL N LABEL ROUND: `volume
# start force` brings it back.  Both append to $OUT/LABEL.fault: what, round,
# seconds into the race, pid, status, and the brick's state afterwards.
fault_kill() {
	local rc t st
	sleep 0.1
	kill -KILL "$5"; rc=$?
	t=$(since_race)
	for _ in $(seq 40); do
		st=$(brick_state "$1" "$2")
		[ "${st%% *}" = N ] && break
		sleep 0.5
	done
	echo "kill $4 $t $5 $rc $st" >>"$OUT/$3.fault"
}
fault_back() {
	local rc t st
	on gls gluster --mode=script volume start "$1" force >"$OUT/$3.start" 2>&1; rc=$?
	t=$(since_race)
	for _ in $(seq 40); do
		st=$(brick_state "$1" "$2")
		[ "${st%% *}" = Y ] && break
		sleep 0.5
	done
	echo "back $4 $t - $rc $st" >>"$OUT/$3.fault"
}

# verify LABEL USERFILE KIND DIR-ON-FE1 DIR-ON-FE2 BRICKS EXPECTED-LOGINS [UID:GID]
# BRICKS: the brick directories of the volume ($W/brick/...), space
# separated, or none (local disk); a frontend's view is skipped when its DIR
# is empty, and read with UID:GID when given (a volume that squashes root).
# unstray VIEW LABEL FILE: drops from FILE (paths, one a line) the trees the
# self-heal daemon brought back on the restarted brick ($OUT/LABEL.stray),
# in that brick's view and in the mounts' (which list them when they read
# that brick); the bricks that stayed up keep every name.
unstray() {
	[ -s "$OUT/$2.stray" ] && { [ "$1" = "brick ${FAULT_BRICK:-}" ] || [ "${1#fe}" != "$1" ]; } ||
		return 0
	grep -vxF -f "$OUT/$2.stray" "$3" >"$3.own"
	mv "$3.own" "$3"
}

verify() {
	local label=$1 users=$2 kind=$3 d1=$4 d2=$5 bricks=$6 want=$7 as=${8:-} exp act why n fails incompl left created other
	local -a vname vdir vas
	local b i=0 nb
	read -r _ n fails incompl _ <"$OUT/$label.fig"
	if [ "$n" = "$want" ] && [ "$fails" = 0 ]; then
		pass "cluster $label: $n racing first logins, every one succeeded"
	else
		fail "cluster $label: $want racing first logins, every one succeeded" \
			"$n results, $fails failed: $(awk '$1 == "R" && $3 != 0' "$OUT/$label".fe[12] | head -n3 | tr '\n' ';')"
	fi
	if [ "$incompl" = 0 ] && [ "$n" -gt 0 ]; then
		pass "cluster $label: every successful login saw a complete maildir at once"
	else
		fail "cluster $label: every successful login saw a complete maildir at once" \
			"$incompl incomplete: $(awk '$1 == "R" && $3 == 0 && $4 != 1 { print $2 }' "$OUT/$label".fe[12] | head -n5 | tr '\n' ' ')"
	fi
	exp=$(expected_tree "$users" "$kind")
	local prefixes tops
	if [ "$kind" = home ]; then prefixes=$(sed 's|^|home/|' "$users" | tr '\n' ' ')
	else prefixes=$(awk -F@ '{ print "vmail/" $2 "/" $1 }' "$users" | tr '\n' ' '); fi
	tops=$(printf '%s\n' $prefixes | cut -d/ -f1 | sort -u | tr '\n' ' ')
	# The views: both frontends (read as $as) and every brick (as root).
	[ -n "$d1" ] && { vname+=(fe1); vdir+=("$d1"); vas+=("$as"); }
	[ -n "$d2" ] && { vname+=(fe2); vdir+=("$d2"); vas+=("$as"); }
	nb=$(echo $bricks | wc -w)
	for b in $bricks; do
		i=$((i + 1))
		if [ "$nb" = 1 ]; then vname+=(brick); else vname+=("brick $i"); fi
		vdir+=("$b"); vas+=("")
	done
	# Read in parallel (each a find over FUSE); on the mounts every file is
	# read as well, and every error kept.
	local pids=()
	# shellcheck disable=SC2086
	for i in "${!vname[@]}"; do
		case ${vname[$i]} in
		fe?) tree_read "${vas[$i]}" "${vdir[$i]}" $prefixes >"$W/view.$i" 2>"$OUT/$label.readerr.${vname[$i]}" & ;;
		*) tree_as "${vas[$i]}" "${vdir[$i]}" $prefixes >"$W/view.$i" 2>&1 & ;;
		esac
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in "${!vname[@]}"; do
		# What could not be read makes the tree differ, too.
		act=$(cat "$W/view.$i" "$OUT/$label.readerr.${vname[$i]}" 2>/dev/null)
		if [ "$act" = "$exp" ]; then
			pass "cluster $label: all $(wc -l <"$users") trees complete, exact and owned right (seen from ${vname[$i]})"
		else
			why=$(diff <(echo "$exp") <(echo "$act") | grep '^[<>]' | head -n8 | tr '\n' ';')
			fail "cluster $label: all trees complete, exact and owned right (seen from ${vname[$i]})" \
				"$(diff <(echo "$exp") <(echo "$act") | grep -c '^[<>]') differences: $why"
		fi
	done
	# No EIO (a name with different gfids on different bricks reads as EIO
	# for good) nor ENOTCONN from either mount, after the heal.
	local eio=() rother=() f
	for i in "${!vname[@]}"; do
		case ${vname[$i]} in fe?) ;; *) continue ;; esac
		f=$OUT/$label.readerr.${vname[$i]}
		eio+=("$(grep -cE 'Input/output error|Transport endpoint is not connected' "$f")")
		rother+=("$(grep -vcE 'Input/output error|Transport endpoint is not connected' "$f")")
		if [ "${eio[-1]}" = 0 ]; then
			pass "cluster $label: no EIO or ENOTCONN reading every tree from ${vname[$i]}"
		else
			fail "cluster $label: no EIO or ENOTCONN reading every tree from ${vname[$i]}" \
				"${eio[-1]} errors: $(grep -E 'Input/output error|Transport endpoint is not connected' "$f" | head -n4 | tr '\n' ';')"
		fi
	done
	# One gfid per entry across the replicas: the same relative path has the
	# same trusted.gfid on every brick (the trees, their parents, and
	# whatever else those parents hold).
	local mis=- inc=-
	if [ "$nb" -gt 1 ]; then
		i=0
		# shellcheck disable=SC2086
		for b in $bricks; do i=$((i + 1)); gfids "$b" $tops >"$OUT/$label.gfid.$i"; done
		cat "$OUT/$label".gfid.[0-9]* | awk -v nb="$nb" '
			{ n[$1]++; if ($2 == "none") none[$1] = 1; else if (!(($1, $2) in seen)) { seen[$1, $2] = 1; d[$1]++ } }
			END { for (p in n) { if (d[p] > 1) print "mismatch", p; else if (n[p] < nb || (p in none)) print "incomplete", p } }' |
			sort >"$OUT/$label.gfidbad"
		# A temporary tree on the brick that was killed and on no other,
		# under gfids no other brick has: a losing build's tree.  GlusterFS's
		# FUSE client has no RENAME_NOREPLACE, so the loser renames after
		# finding no final name; on the bricks that stayed up the rename
		# fails (ENOTEMPTY: the winner's tree), but on the restarted brick
		# the self-heal may just have made the final name as an empty
		# directory, which the rename replaces there alone.  The heal then
		# puts the winner's tree back under the final name, and the loser's
		# tree, whose removal through the volume no longer reaches it on
		# that brick, stays there under its temporary name with no pending
		# marks (seen in the brick's log: posix_rename of the loser's gfid,
		# then its removals failing there).  A mount reading that brick
		# lists it.  Nothing is lost (the trees are checked exact on every
		# brick above); the entries are counted, and any other temporary
		# name, or one whose gfid another brick has, still fails below.
		if [ -n "${FAULT_BRICK:-}" ]; then
			awk -v fb="$OUT/$label.gfid.$FAULT_BRICK" '
				FILENAME != fb { other[$1] = 1; gf[$2] = 1; next }
				$1 ~ /(^|\/)\.mkmaildir\./ { on[$1] = $2 }
				END { for (p in on) if (!(p in other) && !(on[p] in gf)) print p }' \
				$(ls "$OUT/$label".gfid.[0-9]* | grep -vxF "$OUT/$label.gfid.$FAULT_BRICK") \
				"$OUT/$label.gfid.$FAULT_BRICK" |
			sort >"$OUT/$label.stray"
			# For whoever reads the kept logs: each stray top's owner and
			# extended attributes on the brick (gfid, pending counts).
			local fbd; fbd=$(echo $bricks | cut -d' ' -f"$FAULT_BRICK")
			grep '\.mkmaildir\.[^/]*$' "$OUT/$label.stray" | while read -r t; do
				on gls sh -c 'cd "$1" && stat -c "%n %U:%G %i %z" "$2" && getfattr -h -d -m . -e hex "$2"' \
					sh "/srv/brick/${fbd##*/}" "$t" 2>&1
			done >"$OUT/$label.stray.attr"
			grep -vxF -f <(sed 's/^/incomplete /' "$OUT/$label.stray") "$OUT/$label.gfidbad" \
				>"$OUT/$label.gfidbad.own"
			mv "$OUT/$label.gfidbad.own" "$OUT/$label.gfidbad"
		fi
		mis=$(grep -c '^mismatch ' "$OUT/$label.gfidbad")
		inc=$(grep -c '^incomplete ' "$OUT/$label.gfidbad")
		local entries; entries=$(cut -d' ' -f1 "$OUT/$label.gfid.1" | sort -u | wc -l)
		if [ "$mis" = 0 ] && [ "$entries" -gt 0 ]; then
			pass "cluster $label: no entry with different gfids on different bricks ($entries entries, $nb bricks)"
		else
			fail "cluster $label: no entry with different gfids on different bricks" \
				"$mis of $entries entries: $(grep '^mismatch ' "$OUT/$label.gfidbad" | head -n5 | cut -d' ' -f2 | tr '\n' ' ')"
		fi
		if [ "$inc" = 0 ] && [ "$entries" -gt 0 ]; then
			pass "cluster $label: every entry is on all $nb bricks, with a gfid"
		else
			fail "cluster $label: every entry is on all $nb bricks, with a gfid" \
				"$inc of $entries entries are not: $(grep '^incomplete ' "$OUT/$label.gfidbad" | head -n5 | cut -d' ' -f2 | tr '\n' ' ')"
		fi
	fi
	# Nothing left behind: the parents of the trees hold the trees and
	# nothing else; inside
	# the trees the exact comparison above already sees every name.  Read
	# on fe1 and on every brick.
	local extras=()
	# shellcheck disable=SC2086
	for i in "${!vname[@]}"; do
		parent_extras "${vas[$i]}" "${vdir[$i]}" $prefixes >"$W/extras.$i"
		unstray "${vname[$i]}" "$label" "$W/extras.$i"
		[ -s "$W/extras.$i" ] && extras+=("${vname[$i]}: $(wc -l <"$W/extras.$i"): $(head -n4 "$W/extras.$i" | tr '\n' ' ')")
	done
	if [ "${#extras[@]}" = 0 ]; then
		pass "cluster $label: the trees' parents hold only final names (both mounts and bricks)"
	else
		fail "cluster $label: the trees' parents hold only final names (both mounts and bricks)" "$(printf '%s; ' "${extras[@]}")"
	fi
	if [ -s "$OUT/$label.stray" ]; then
		say "cluster $label: on the restarted brick $FAULT_BRICK alone, $(wc -l <"$OUT/$label.stray") entries of losing builds' trees renamed there over a freshly healed empty final name: $(grep -c '\.mkmaildir\.[^/]*$' "$OUT/$label.stray") tree(s), e.g. $(head -n1 "$OUT/$label.stray")"
	fi
	# And no name beginning with .mkmaildir anywhere under the trees' top
	# directories: on every brick (what the mounts show, without another walk over FUSE), on fe1
	# when there is none (local disk).
	left=$( { for i in "${!vname[@]}"; do
		[ "${vname[$i]}" = fe2 ] && continue
		[ "${vname[$i]}" = fe1 ] && [ "$nb" -gt 0 ] && continue
		# shellcheck disable=SC2086
		mkmaildir_names "${vas[$i]}" "${vdir[$i]}" $tops >"$W/names.$i"
		unstray "${vname[$i]}" "$label" "$W/names.$i"
		sed "s|^|${vname[$i]}: |" "$W/names.$i"
		done; } | tee "$OUT/$label.leftover" | wc -l)
	if [ "$left" = 0 ]; then
		pass "cluster $label: no .mkmaildir* name left (bricks, or the disk)"
	else
		fail "cluster $label: no .mkmaildir* name left (bricks, or the disk)" "$left: $(head -n4 "$OUT/$label.leftover" | tr '\n' ';')"
	fi
	# Figures of the storage: bricks, gfid mismatches, entries not on every
	# brick, EIO/ENOTCONN and other read errors from fe1 and fe2, the heal
	# (seconds, left, split-brain) and the brick fault (when, back when).
	local heal="- - -" k="- -" bk="- -"
	[ -f "$OUT/$label.heal" ] && heal=$(cat "$OUT/$label.heal")
	[ -f "$OUT/$label.fault" ] && k=$(awk '$1 == "kill" { print $2, $3 }' "$OUT/$label.fault") &&
		bk=$(awk '$1 == "back" { print $2, $3 }' "$OUT/$label.fault")
	echo "$label $nb $mis $inc ${eio[0]:--} ${eio[1]:--} ${rother[0]:--} ${rother[1]:--} $heal ${k:-- -} ${bk:-- -} ${RACE_SECS:--}" >"$OUT/$label.sfig"
	# The module's own account: exactly one creation per user, nothing else.
	created=$(cat "$OUT/$label".log[12] | grep -c 'created maildir')
	other=$(cat "$OUT/$label".log[12] | grep 'pam_mkmaildir' | grep -vc 'created maildir')
	echo "$label $created $other" >"$OUT/$label.logfig"
	if [ "$created" = "$(wc -l <"$users")" ] && [ "$other" = 0 ]; then
		pass "cluster $label: one 'created maildir' per user, no repair, no error logged"
	else
		fail "cluster $label: one 'created maildir' per user, no repair, no error logged" \
			"$created created for $(wc -l <"$users") users, $other other lines: $(cat "$OUT/$label".log[12] | grep pam_mkmaildir | grep -v 'created maildir' | head -n4 | tr '\n' ';')"
	fi
}

# logs_since LABEL MARK1 MARK2: the frontends' syslog lines of a scenario.
logs_since() {
	sleep 0.5
	tail -n +"$(( $2 + 1 ))" "${ROOT[fe1]}/var/log/cluster.log" >"$OUT/$1.log1"
	tail -n +"$(( $3 + 1 ))" "${ROOT[fe2]}/var/log/cluster.log" >"$OUT/$1.log2"
}
marks() { echo "$(wc -l <"${ROOT[fe1]}/var/log/cluster.log") $(wc -l <"${ROOT[fe2]}/var/log/cluster.log")"; }

seq -f 'g%04g' 1 "$CL_USERS" >"$W/users.gluster"
seq -f 'l%04g' 1 "$CL_USERS" >"$W/users.local"
seq -f 's%04g' 1 "$CL_SERIAL" >"$W/users.sgluster"
seq -f 't%04g' 1 "$CL_SERIAL" >"$W/users.slocal"
awk -v n="$CL_VUSERS" 'BEGIN { for (i = 1; i <= n; i++) printf "v%04d@dom%d.example\n", i, i % 5 }' >"$W/users.virtual"

# Virtual users are unknown to NSS; their owner is known only through LDAP.
if ! on fe1 getent passwd "v0001@dom1.example" >/dev/null && on fe1 getent passwd vmail >/dev/null &&
   ! grep -q '^vmail:' "${ROOT[fe1]}/etc/passwd"; then
	pass "cluster virtual: users unknown to NSS, owner vmail known only through LDAP"
else
	fail "cluster virtual: users unknown to NSS, owner vmail known only through LDAP" "NSS answers differ"
fi

set -- $(marks)
race2 gluster home session "$W/users.gluster" "/srv/gluster/home/%u/Maildir" ||
	fail "cluster gluster: the race ran to its end" "protocol error, see $OUT"
logs_since gluster "$1" "$2"
summarize gluster
lap "race: $CL_USERS users x 2 frontends, GlusterFS"
verify gluster "$W/users.gluster" home "${ROOT[fe1]}/srv/gluster" "${ROOT[fe2]}/srv/gluster" \
	"$W/brick/vol" $((CL_USERS * 2))
lap "verify GlusterFS"

set -- $(marks)
race2 local home session "$W/users.local" "/srv/local/home/%u/Maildir" ||
	fail "cluster local: the race ran to its end" "protocol error, see $OUT"
logs_since local "$1" "$2"
summarize local
lap "race: $CL_USERS users x 2 frontends, local"
verify local "$W/users.local" home "${ROOT[fe1]}/srv/local" "${ROOT[fe2]}/srv/local" "" $((CL_USERS * 2))

set -- $(marks)
race2 virtual virtual account "$W/users.virtual" "/srv/gluster/vmail/%d/%n" ||
	fail "cluster virtual: the race ran to its end" "protocol error, see $OUT"
logs_since virtual "$1" "$2"
summarize virtual
lap "race: $CL_VUSERS virtual users x 2, GlusterFS"
verify virtual "$W/users.virtual" virtual "${ROOT[fe1]}/srv/gluster" "${ROOT[fe2]}/srv/gluster" \
	"$W/brick/vol" $((CL_VUSERS * 2))

# ---------------------------------------------------------------- root squashed
# A second volume with server.root-squash on: root on every client is the
# anonymous uid there (server.anonuid/anongid, 65534).  System users whose
# homes exist (made before squashing was turned on, as a site's provisioning
# does) and virtual users under vmail's 0700 directory race their first
# logins; the module finds out and builds as the owner.  Root on a frontend
# sees nothing inside a 0700 directory there: the check right after each
# login runs as the owner (pamrun -O, -U), the trees are read on the brick.
if [ "${CL_SQUSERS:-0}" -gt 0 ] || [ "${CL_SQVUSERS:-0}" -gt 0 ]; then
	volume sq /srv/squash squash
	seq -f 'q%04g' 1 "$CL_SQUSERS" >"$W/users.squash"
	awk -v n="$CL_SQVUSERS" 'BEGIN { for (i = 1; i <= n; i++) printf "w%04d@dom%d.example\n", i, i % 3 }' >"$W/users.vsquash"
	SQ=${ROOT[fe1]}/srv/squash
	mkdir -m 0755 "$SQ/home" && mkdir -m 0700 "$SQ/vmail" && chown 5000:5000 "$SQ/vmail" ||
		die "squash" "cannot make the parents"
	# Eight at a time: one by one, each a few round trips over FUSE, this
	# took a minute and a half.
	[ "$(on fe1 getent passwd $(cat "$W/users.squash") | awk -F: -v sq="$SQ" '{ printf "%s %s %s\n", sq "/home/" $1, $3, $4 }' |
		xargs -r -n 3 -P 8 sh -c 'mkdir -m 0700 "$1" && chown "$2:$3" "$1" && echo' sh | wc -l)" = "$CL_SQUSERS" ] ||
		die "squash" "cannot make the homes"
	on gls gluster --mode=script volume set sq server.root-squash on >/dev/null ||
		die "squash" "cannot set server.root-squash on"
	# Root on a frontend is refused in vmail's directory from now on.
	if waitfor 20 sh -c "! mkdir '$SQ/vmail/.probe' 2>/dev/null || ! rmdir '$SQ/vmail/.probe'"; then
		pass "cluster squash: server.root-squash on: root on a frontend may not create in vmail's 0700 directory"
	else
		fail "cluster squash: server.root-squash on: root on a frontend may not create in vmail's 0700 directory" "mkdir succeeded"
	fi
	for n in fe1 fe2; do
		cat >"${ROOT[$n]}/etc/cluster-pam/vsquash" <<-EOF
		account required $MOD owner=vmail maildir=/srv/squash/vmail/%d/%n folders=$FOLDERS subscribe
		session required pam_permit.so
		EOF
	done
	lap "root-squashed volume, homes"
	set -- $(marks)
	race2 squash home session "$W/users.squash" "/srv/squash/home/%u/Maildir" -O ||
		fail "cluster squash: the race ran to its end" "protocol error, see $OUT"
	logs_since squash "$1" "$2"
	summarize squash
	lap "race: $CL_SQUSERS users x 2, root squashed"
	verify squash "$W/users.squash" home "" "" "$W/brick/sq" $((CL_SQUSERS * 2))
	set -- $(marks)
	race2 vsquash vsquash account "$W/users.vsquash" "/srv/squash/vmail/%d/%n" "-U 5000:5000" ||
		fail "cluster vsquash: the race ran to its end" "protocol error, see $OUT"
	logs_since vsquash "$1" "$2"
	summarize vsquash
	lap "race: $CL_SQVUSERS virtual users x 2, root squashed"
	verify vsquash "$W/users.vsquash" virtual "" "" "$W/brick/sq" $((CL_SQVUSERS * 2))
	lap "verify root squashed"
fi

# ---------------------------------------------------------------- replicated
# A replica-3 volume (what sites run): three bricks, one glusterfsd each, all
# on the storage host; client quorum "auto" (2 of 3).  During each race one
# brick's process is killed (SIGKILL, pid from `volume status`) a third of
# the way in, while a round's logins run, and brought back with `volume start
# force` two thirds of the way in; after the race the volume is healed
# (`volume heal`, then `heal info` until no entry is left).  Concurrent
# creation of one name on a replicated volume can leave different gfids for
# it on different bricks, which no heal cures and which reads as EIO from
# the mounts, while `heal info split-brain` still says 0: so every entry's
# gfid is compared across the bricks, and every tree is read in full from
# both mounts.  First system users (homes made by the module), then the same
# volume with server.root-squash on and virtual users under vmail's 0700
# directory (building as the owner; making homes beforehand for squashed
# system users, as the single-brick scenario does, costs a minute per 300).
# rfault LABEL VOL BRICK USERFILE: arms the fault of the next race2.
rfault() {
	local rounds pid
	FAULT_BRICK=$3
	rounds=$(( ($(wc -l <"$4") + CL_WORKERS - 1) / CL_WORKERS ))
	pid=$(brick_state "$2" "$3" | awk '$1 == "Y" { print $2 }')
	rm -f "$OUT/$1.fault"
	RACE_AT=()
	[ -n "$pid" ] || { fail "cluster $1: brick $3 of $2 is up before the race" "$(brick_state "$2" "$3")"; return; }
	RACE_AT[$(( rounds / 3 ))]="fault_kill $2 $3 $1 $(( rounds / 3 )) $pid"
	RACE_AT[$(( rounds * 2 / 3 ))]="fault_back $2 $3 $1 $(( rounds * 2 / 3 ))"
}
# rfault_check LABEL BRICK: the fault happened as armed.
rfault_check() {
	local k b
	k=$(awk '$1 == "kill"' "$OUT/$1.fault" 2>/dev/null)
	b=$(awk '$1 == "back"' "$OUT/$1.fault" 2>/dev/null)
	# kill ROUND T PID RC STATE PID'
	if [ -n "$k" ] && [ "$(echo "$k" | cut -d' ' -f5,6)" = "0 N" ]; then
		pass "cluster $1: brick $2 killed in the race (round $(echo "$k" | cut -d' ' -f2), $(echo "$k" | cut -d' ' -f3) s in), seen offline"
	else
		fail "cluster $1: brick $2 killed in the race, seen offline" "${k:-the fault never ran}"
	fi
	if [ -n "$b" ] && [ "$(echo "$b" | cut -d' ' -f5,6)" = "0 Y" ] &&
	   [ "$(echo "$b" | cut -d' ' -f7)" != "$(echo "$k" | cut -d' ' -f4)" ]; then
		pass "cluster $1: brick $2 back in the race with volume start force (round $(echo "$b" | cut -d' ' -f2), $(echo "$b" | cut -d' ' -f3) s in), a new process"
	else
		fail "cluster $1: brick $2 back in the race with volume start force, a new process" \
			"${b:-the restart never ran} $(tr '\n' ' ' <"$OUT/$1.start" 2>/dev/null)"
	fi
}
if [ "${CL_RUSERS:-0}" -gt 0 ] || [ "${CL_RSQUSERS:-0}" -gt 0 ]; then
	volume rep /srv/replica replica 3
	# Four heals at a time in the self-heal daemon (one by default).
	on gls gluster --mode=script volume set rep cluster.shd-max-threads 4 >/dev/null ||
		die "replica" "cannot set cluster.shd-max-threads"
	RP=${ROOT[fe1]}/srv/replica
	RB="$W/brick/rep.1 $W/brick/rep.2 $W/brick/rep.3"
	mkdir -m 0755 "$RP/home" && mkdir -m 0700 "$RP/vmail" && chown 5000:5000 "$RP/vmail" ||
		die "replica" "cannot make the parents"
	for n in fe1 fe2; do
		cat >"${ROOT[$n]}/etc/cluster-pam/rsquash" <<-EOF
		account required $MOD owner=vmail maildir=/srv/replica/vmail/%d/%n folders=$FOLDERS subscribe
		session required pam_permit.so
		EOF
	done
	lap "replica-3 volume, two FUSE mounts"
fi
if [ "${CL_RUSERS:-0}" -gt 0 ]; then
	seq -f 'r%04g' 1 "$CL_RUSERS" >"$W/users.replica"
	rfault replica rep 1 "$W/users.replica"
	set -- $(marks)
	race2 replica home session "$W/users.replica" "/srv/replica/home/%u/Maildir" ||
		fail "cluster replica: the race ran to its end" "protocol error, see $OUT"
	RACE_SECS=$(since_race); RACE_AT=()
	logs_since replica "$1" "$2"
	summarize replica
	lap "race: $CL_RUSERS users x 2, replica 3, brick 1 killed"
	rfault_check replica 1
	heal rep replica
	lap "heal"
	verify replica "$W/users.replica" home "$RP" "${ROOT[fe2]}/srv/replica" "$RB" $((CL_RUSERS * 2))
	RACE_SECS= FAULT_BRICK=
	lap "verify replica 3"
fi
if [ "${CL_RSQUSERS:-0}" -gt 0 ]; then
	awk -v n="$CL_RSQUSERS" 'BEGIN { for (i = 1; i <= n; i++) printf "u%04d@dom%d.example\n", i, i % 5 }' >"$W/users.rsquash"
	on gls gluster --mode=script volume set rep server.root-squash on >/dev/null ||
		die "rsquash" "cannot set server.root-squash on"
	if waitfor 20 sh -c "! mkdir '$RP/vmail/.probe' 2>/dev/null || ! rmdir '$RP/vmail/.probe'"; then
		pass "cluster rsquash: server.root-squash on: root on a frontend may not create in vmail's 0700 directory"
	else
		fail "cluster rsquash: server.root-squash on: root on a frontend may not create in vmail's 0700 directory" "mkdir succeeded"
	fi
	rfault rsquash rep 3 "$W/users.rsquash"
	set -- $(marks)
	race2 rsquash rsquash account "$W/users.rsquash" "/srv/replica/vmail/%d/%n" "-U 5000:5000" ||
		fail "cluster rsquash: the race ran to its end" "protocol error, see $OUT"
	RACE_SECS=$(since_race); RACE_AT=()
	logs_since rsquash "$1" "$2"
	summarize rsquash
	lap "race: $CL_RSQUSERS virtual x 2, replica 3 squashed, brick 3 killed"
	rfault_check rsquash 3
	heal rep rsquash
	lap "heal"
	verify rsquash "$W/users.rsquash" virtual "$RP" "${ROOT[fe2]}/srv/replica" "$RB" $((CL_RSQUSERS * 2)) 5000:5000
	RACE_SECS= FAULT_BRICK=
	lap "verify replica 3, root squashed"
fi

# The control: the same race with a naive creator (one mkdir per level,
# EEXIST taken as success) on the volume.  No claim about GlusterFS is made
# here; the figures show what the design is up against, and that the
# "complete right after login" check can see an incomplete tree.
if [ "${CL_NAIVE:-0}" -gt 0 ]; then
	seq -f 'n%04g' 1 "$CL_NAIVE" >"$W/users.naive"
	mkdir -m 0755 "${ROOT[fe1]}/srv/gluster/naive"
	race2 naive home session "$W/users.naive" "/srv/gluster/naive/%u" -N ||
		fail "cluster naive: the control race ran to its end" "protocol error"
	summarize naive
	missing=$(cd "${ROOT[fe2]}/srv/gluster/naive" && for u in $(cat "$W/users.naive"); do
		for d in cur new tmp; do [ -d "$u/$d" ] || { echo "$u"; break; }; done; done | wc -l)
	echo "$missing" >"$OUT/naive.end"
	say "control (naive mkdir per level, no PAM): $(cut -d' ' -f2-4 "$OUT/naive.fig" | awk '{ printf "%s creations, %s failed, %s incomplete right after", $1, $2, $3 }'), $missing of $CL_NAIVE trees incomplete at the end"
	check "cluster naive: the control ran all $((CL_NAIVE * 2)) creations" \
		test "$(cut -d' ' -f2 "$OUT/naive.fig")" = "$((CL_NAIVE * 2))"
	lap "control race: naive creator, GlusterFS"
fi

# Time per first login without a race: one at a time, volume against disk.
serial sgluster "$W/users.sgluster" "/srv/gluster/home/%u/Maildir"
serial slocal "$W/users.slocal" "/srv/local/home/%u/Maildir"
summarize sgluster; summarize slocal
for s in sgluster slocal; do
	read -r _ n fails incompl _ <"$OUT/$s.fig"
	if [ "$n" = "$CL_SERIAL" ] && [ "$fails" = 0 ] && [ "$incompl" = 0 ]; then
		pass "cluster $s: $n single first logins, all complete"
	else
		fail "cluster $s: $CL_SERIAL single first logins, all complete" "$n results, $fails failed, $incompl incomplete"
	fi
done
lap "single first logins, volume and disk"

# What a build killed on a frontend leaves (its temporary tree beside the
# final name) is never read or minded: a first login on the other frontend
# builds beside it, and it stays exactly as it was.
LT=/srv/gluster/home/.mkmaildir.00000000000dead1
mkdir -m 0700 "${ROOT[fe1]}$LT" "${ROOT[fe1]}$LT/Maildir" "${ROOT[fe1]}$LT/Maildir/cur" ||
	fail "cluster leftover: setup" "cannot make the leftover tree"
before=$(cd "${ROOT[fe1]}" && find ".$LT" -printf '%p %y %U:%G %m %T@\n' | sort)
set -- $(marks)
printf 'x0001\n' >"${ROOT[fe2]}/tmp/users.stale"
yes 0 | on fe2 pamrun race -d /etc/cluster-pam -s home -a session -u /tmp/users.stale -w 1 \
	-m /srv/gluster/home/%u/Maildir -F "$FOLDERS" >"$OUT/stale.out" 2>&1
logs_since stale "$1" "$2"
if grep -q '^R x0001 0 1 ' "$OUT/stale.out" &&
   [ "$(cd "${ROOT[fe1]}" && find ".$LT" -printf '%p %y %U:%G %m %T@\n' | sort)" = "$before" ]; then
	pass "cluster leftover: a killed build's tree is left as it was, and the other frontend builds beside it"
else
	fail "cluster leftover: a killed build's tree is left as it was, and the other frontend builds beside it" \
		"$(tr '\n' ';' <"$OUT/stale.out") $(ls -a "${ROOT[fe1]}$LT" 2>&1 | tr '\n' ' ')"
fi
rm -rf "${ROOT[fe1]}$LT"

# A user unknown to LDAP is refused, not given a maildir.
printf 'nosuchuser\n' >"${ROOT[fe1]}/tmp/users.nouser"
yes 0 | on fe1 pamrun race -d /etc/cluster-pam -s home -a session -u /tmp/users.nouser -w 1 \
	-m /srv/gluster/home/%u/Maildir >"$OUT/nouser.out" 2>&1
if grep -q '^R nosuchuser 10 0 ' "$OUT/nouser.out" && [ ! -e "${ROOT[fe1]}/srv/gluster/home/nosuchuser" ]; then
	pass "cluster: a user unknown to LDAP is refused (PAM_USER_UNKNOWN), nothing created"
else
	fail "cluster: a user unknown to LDAP is refused, nothing created" "$(tr '\n' ';' <"$OUT/nouser.out")"
fi

# A maildir that really is root's 0700 looks like another frontend's tree
# seen through stale cached attributes: looked at again, then still refused.
xuid=$(on fe1 getent passwd x0002 | cut -d: -f3)
XH=${ROOT[fe1]}/srv/gluster/home/x0002
mkdir -p "$XH/Maildir" && chown "$xuid" "$XH" && chmod 0700 "$XH/Maildir"
printf 'x0002\n' >"${ROOT[fe2]}/tmp/users.rootmd"
set -- $(marks)
yes 0 | on fe2 pamrun race -d /etc/cluster-pam -s home -a session -u /tmp/users.rootmd -w 1 \
	-m /srv/gluster/home/%u/Maildir >"$OUT/rootmd.out" 2>&1
logs_since rootmd "$1" "$2"
if grep -q '^R x0002 [1-9]' "$OUT/rootmd.out" &&
   grep -q '"Maildir" is owned by uid 0, not by root or uid '"$xuid"': refused' "$OUT/rootmd.log2" &&
   [ "$(stat -c '%u %a %h' "$XH/Maildir")" = "0 700 2" ]; then
	pass "cluster: a root-owned 0700 maildir on GlusterFS is still refused after the second looks, untouched"
else
	fail "cluster: a root-owned 0700 maildir on GlusterFS is still refused after the second looks, untouched" \
		"$(tr '\n' ';' <"$OUT/rootmd.out") $(grep -h pam_mkmaildir "$OUT"/rootmd.log2 | tail -n2 | tr '\n' ';') $(stat -c '%u %a %h' "$XH/Maildir")"
fi
rm -rf "$XH"

if [ "${CL_DOVECOT_USERS:-0}" -gt 0 ]; then
	. "$(dirname "$0")/dovecot.sh"
fi

# GlusterFS's own logs (bricks, self-heal daemon, both clients), for a
# failure's sake.
for n in gls fe1 fe2; do
	mkdir -p "$OUT/glusterfs-logs/$n" && cp -a "${ROOT[$n]}/var/log/glusterfs/." "$OUT/glusterfs-logs/$n/" 2>/dev/null
done
for f in gluster virtual local squash vsquash replica rsquash naive sgluster slocal dovecot; do
	[ -f "$OUT/$f.fig" ] && cat "$OUT/$f.fig"
done >"$OUT/figures"
for f in gluster virtual local squash vsquash replica rsquash dovecot; do
	[ -f "$OUT/$f.logfig" ] && cat "$OUT/$f.logfig"
done >"$OUT/logfigures"
for f in gluster virtual squash vsquash replica rsquash; do
	[ -f "$OUT/$f.sfig" ] && cat "$OUT/$f.sfig"
done >"$OUT/storefigures"
exit 0
