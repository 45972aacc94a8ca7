#!/usr/bin/env bash
# The cluster suite proper; run by tests/cluster/run.sh as PID 1 of fresh
# mount and PID namespaces (unshare --kill-child), so that every daemon it
# starts dies and every mount it makes vanishes when it ends, however it
# ends.  Nothing here touches the host's files, network or name service.
#
# Nodes: each one a network namespace (held by a sleeping process) and an
# overlay of the cached root ($CL_ROOT), on a bridge 10.200.0.0/24 that lives
# inside the storage node's namespace:
#   gls 10.200.0.1   glusterd + the brick (a directory of $CL_WORK)
#   dir 10.200.0.2   slapd with the posixAccount users
#   fe1 10.200.0.11  frontend: nslcd + NSS (its own nsswitch.conf), the
#   fe2 10.200.0.12  GlusterFS FUSE mount at /srv/gluster, a plain local
#                    directory (one for both) at /srv/local, the module,
#                    tests/pamrun (race mode), syslogd, Dovecot
#
# Environment from run.sh: CL_ROOT CL_WORK CL_OUT CL_PAMRUN CL_USERS CL_VUSERS
# CL_WORKERS CL_SERIAL CL_DOVECOT_USERS T_MODULE T_RESULTS T_TOP.
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
	local n
	set +e
	say "teardown"
	for n in fe1 fe2; do
		[ -n "${HOLD[$n]:-}" ] || continue
		[ -f "${ROOT[$n]}/run/dovecot-cl/master.pid" ] &&
			kill "$(cat "${ROOT[$n]}/run/dovecot-cl/master.pid")" 2>/dev/null
		grep -q " ${ROOT[$n]}/srv/gluster " /proc/self/mountinfo &&
			umount "${ROOT[$n]}/srv/gluster"
		grep -q " ${ROOT[$n]}/srv/squash " /proc/self/mountinfo &&
			umount "${ROOT[$n]}/srv/squash"
	done
	if [ -n "${HOLD[gls]:-}" ] && [ -f "${ROOT[gls]}/run/glusterd.pid" ]; then
		timeout 30 nsenter --net="/proc/${HOLD[gls]}/ns/net" -- chroot "${ROOT[gls]}" \
			gluster --mode=script volume stop vol force >/dev/null 2>&1
		timeout 30 nsenter --net="/proc/${HOLD[gls]}/ns/net" -- chroot "${ROOT[gls]}" \
			gluster --mode=script volume stop sq force >/dev/null 2>&1
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
# volume NAME DIR SCENARIO: creates and starts volume NAME on the storage
# host and mounts it on /DIR of both frontends.
volume() {
	local n
	on gls gluster --mode=script volume create "$1" "$NET.1:/srv/brick/$1" force >/dev/null &&
		on gls gluster --mode=script volume start "$1" >/dev/null ||
		die "$3" "cannot create and start the volume $1"
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
	awk -v base="$BASE" -v hash="$hash" -v nu="$CL_USERS" -v ns="$CL_SERIAL" -v nd="$CL_DOVECOT_USERS" -v nv="$CL_VUSERS" -v nq="$CL_SQUSERS" '
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
# race2 LABEL SERVICE HOOK USERFILE PATTERN: the same users, in the same
# order, at both frontends, $CL_WORKERS per frontend per round, each round
# released on both at once.  Writes $OUT/LABEL.fe1 and .fe2 (pamrun race's R lines).
race2() {
	local label=$1 service=$2 hook=$3 users=$4 pattern=$5 extra=${6:-} n line rounds=0 bad=0 at
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
		while IFS= read -r -u 5 line && [ "$line" != . ]; do printf '%s\n' "$line" >>"$OUT/$label.fe1"; done
		while IFS= read -r -u 6 line && [ "$line" != . ]; do printf '%s\n' "$line" >>"$OUT/$label.fe2"; done
		rounds=$((rounds + 1))
	done
	exec 3>&- 4>&- 5<&- 6<&-
	wait "$p1" "$p2"
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
			sub(/^\/srv\/(gluster|local|squash)\//, "", h)
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
		e(md "/pam_mkmaildir.populated", "f", 600)
		if (kind == "home") e(md "/maildirsize", "f", 600)
	}' "$( [ "$kind" = home ] && echo "$W/pw.$$" || echo "$1")" | sort
	rm -f "$W/pw.$$"
}

# actual_tree DIR PREFIX...: the same for what is really under DIR/PREFIX.
actual_tree() {
	local dir=$1; shift
	(cd "$dir" && find "$@" -printf '%p %y %U:%G %m\n') | sort
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

# verify LABEL USERFILE KIND DIR-ON-FE1 DIR-ON-FE2 DIR-ON-BRICK EXPECTED-LOGINS
verify() {
	local label=$1 users=$2 kind=$3 d1=$4 d2=$5 db=$6 want=$7 exp act why n fails incompl left created other
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
	local prefixes
	if [ "$kind" = home ]; then prefixes=$(sed 's|^|home/|' "$users" | tr '\n' ' ')
	else prefixes=$(awk -F@ '{ print "vmail/" $2 "/" $1 }' "$users" | tr '\n' ' '); fi
	# shellcheck disable=SC2086
	# The three views are read in parallel (each is a find over FUSE).
	local i=0 pids=()
	for view in ${d1:+"fe1:$d1"} ${d2:+"fe2:$d2"} ${db:+"brick:$db"}; do
		actual_tree "${view#*:}" $prefixes >"$W/view.$i" 2>&1 &
		pids+=($!)
		i=$((i + 1))
	done
	wait "${pids[@]}"
	i=0
	for view in ${d1:+"fe1:$d1"} ${d2:+"fe2:$d2"} ${db:+"brick:$db"}; do
		act=$(cat "$W/view.$i"); i=$((i + 1))
		if [ "$act" = "$exp" ]; then
			pass "cluster $label: all $(wc -l <"$users") trees complete, exact and owned right (seen from ${view%%:*})"
		else
			why=$(diff <(echo "$exp") <(echo "$act") | grep '^[<>]' | head -n8 | tr '\n' ';')
			fail "cluster $label: all trees complete, exact and owned right (seen from ${view%%:*})" \
				"$(diff <(echo "$exp") <(echo "$act") | grep -c '^[<>]') differences: $why"
		fi
	done
	# Nothing left behind: no temporary names anywhere on the storage (an
	# empty staging directory, root's or an owner's .mkmaildir-tmp.uidUID
	# of the root-squash scenario, is kept in shared parents).
	left=$( { [ -n "$d1" ] && find "$d1" \( -name '.mkmaildir-tmp?*' ! -name '.mkmaildir-tmp.uid[0-9]*' -o -path '*/.mkmaildir-tmp*/*' \) -print; [ -n "$db" ] &&
		find "$db" -path "$db/.glusterfs" -prune -o \( -name '.mkmaildir-tmp?*' ! -name '.mkmaildir-tmp.uid[0-9]*' -o -path '*/.mkmaildir-tmp*/*' \) -print; } 2>/dev/null | wc -l)
	check "cluster $label: no .mkmaildir-tmp* left (volume and brick)" test "$left" = 0
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
	on fe1 getent passwd $(cat "$W/users.squash") | awk -F: -v sq="$SQ" '{ printf "%s %s %s\n", sq "/home/" $1, $3, $4 }' |
		while read -r h u g; do mkdir -m 0700 "$h" && chown "$u:$g" "$h" || exit 1; done ||
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

# Leftovers of builds killed on a frontend, in the staging directory of the
# parent (root's 0700 .mkmaildir-tmp: a tree ID/ and its lock file ID.lock):
# an old, unlocked tree beside a new maildir is removed by the next first
# login there, from the other frontend; an old one whose lock file a process
# on the first frontend still holds locked (as a live build does: GlusterFS
# shares locks on files, not on directories) is left alone.
SG=/srv/gluster/home/.mkmaildir-tmp
stale_tree() { # ID
	local t=${ROOT[fe1]}$SG/$1
	mkdir -m 0700 "$t" "$t/Maildir" "$t/Maildir/cur" "$t/Maildir/new" "$t/Maildir/tmp" &&
		: >"$t.lock" && touch -d '2 minutes ago' "$t" "$t.lock"
}
{ [ -d "${ROOT[fe1]}$SG" ] || mkdir -m 0700 "${ROOT[fe1]}$SG"; } && stale_tree 00000000000dead1 && stale_tree 00000000000dead2 ||
	fail "cluster stale: setup" "cannot make the temporary trees"
: >"${ROOT[fe1]}/srv/gluster/home/lockprobe"
on fe1 flock $SG/00000000000dead2.lock \
	flock /srv/gluster/home/lockprobe sleep 6 &
holder=$!
sleep 1
# What fe2 sees of fe1's locks: 99 = the lock is seen (conflict), 0 = not seen.
on fe2 flock -n -E 99 $SG/00000000000dead2 true; dirlock=$?
on fe2 flock -n -E 99 /srv/gluster/home/lockprobe true; filelock=$?
on fe1 flock -n -E 99 /srv/gluster/home/lockprobe true; samelock=$?
say "flock held on fe1, tried with LOCK_NB: from fe2 on the directory -> $dirlock, from fe2 on a file -> $filelock, from fe1 on the file -> $samelock (99: conflict seen, 0: lock not seen)"
echo "$dirlock $filelock $samelock" >"$OUT/flock.probe"
touch -d '2 minutes ago' "${ROOT[fe1]}$SG/00000000000dead2" "${ROOT[fe1]}$SG/00000000000dead2.lock"
set -- $(marks)
printf 'x0001\n' >"${ROOT[fe2]}/tmp/users.stale"
yes 0 | on fe2 pamrun race -d /etc/cluster-pam -s home -a session -u /tmp/users.stale -w 1 \
	-m /srv/gluster/home/%u/Maildir -F "$FOLDERS" >"$OUT/stale.out" 2>&1
logs_since stale "$1" "$2"
if grep -q '^R x0001 0 1 ' "$OUT/stale.out" && [ ! -e "${ROOT[fe1]}$SG/00000000000dead1" ] &&
   [ ! -e "${ROOT[fe1]}$SG/00000000000dead1.lock" ] &&
   grep -q 'removing the tree of an interrupted build (00000000000dead1)' "$OUT/stale.log2"; then
	pass "cluster stale: an unlocked old temporary tree is removed by a login on the other frontend"
else
	fail "cluster stale: an unlocked old temporary tree is removed by a login on the other frontend" \
		"$(tr '\n' ';' <"$OUT/stale.out") $(ls -a "${ROOT[fe1]}$SG" 2>&1 | tr '\n' ' ')"
fi
if [ -d "${ROOT[fe1]}$SG/00000000000dead2/Maildir/cur" ]; then
	pass "cluster stale: a temporary tree locked on fe1 is left alone by fe2 (flock across GlusterFS clients)"
else
	fail "cluster stale: a temporary tree locked on fe1 is left alone by fe2 (flock across GlusterFS clients)" \
		"it was removed (flock probe from fe2: directory $dirlock, file $filelock; from fe1: file $samelock; 99 = lock seen): $(grep -h pam_mkmaildir "$OUT"/stale.log[12] | grep dead2 | tr '\n' ';')"
fi
wait "$holder" 2>/dev/null
rm -rf "${ROOT[fe1]}$SG" "${ROOT[fe1]}/srv/gluster/home/lockprobe"

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

for f in gluster virtual local squash vsquash naive sgluster slocal dovecot; do
	[ -f "$OUT/$f.fig" ] && cat "$OUT/$f.fig"
done >"$OUT/figures"
for f in gluster virtual local squash vsquash dovecot; do
	[ -f "$OUT/$f.logfig" ] && cat "$OUT/$f.logfig"
done >"$OUT/logfigures"
exit 0
