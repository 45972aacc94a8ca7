#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The cluster suite: several frontends, one shared GlusterFS mail store, one
# OpenLDAP directory, and first logins of the same users racing across the
# frontends (see tests/cluster/inside.sh for the layout).  Run by
# `make cluster-check` (standalone: prints its own summary) and by
# tests/t_cluster.sh under tests/run (records into $T_RESULTS).
#
# Environment (defaults in brackets):
#   CLUSTER_USERS [500]    users racing on the volume (each logs in at both
#                          frontends: 2x logins), and as many on local disk
#   CLUSTER_VUSERS [200]   virtual users racing on the volume
#   CLUSTER_SERIAL [100]   single, unraced first logins, volume and disk
#   CLUSTER_WORKERS [4]    users released together per frontend per round
#   CLUSTER_DOVECOT_USERS [60]  users logging in through Dovecot at both
#   CLUSTER_NAIVE [500]    users of the control race (a naive creator, no PAM)
#   CLUSTER_SQUSERS [300]  users with homes racing on a second volume with
#                          server.root-squash on (2x logins)
#   CLUSTER_SQVUSERS [200] virtual users racing on it (2x logins)
#   CLUSTER_RUSERS [100]   users racing on a replica-3 volume (three bricks;
#                          2x logins), one brick killed a third of the way
#                          into the race and restarted two thirds in, then
#                          healed; 0 skips it
#   CLUSTER_RSQUSERS [100] virtual users racing on the same replica-3 volume
#                          with server.root-squash on (2x logins), with the
#                          same brick fault (another brick); 0 skips it
#   CLUSTER_HEAL_TIMEOUT [300]  seconds to wait for the heal after each
#                          replica race before failing it
#   CLUSTER_KEEP=DIR       keep the logs and raw figures in DIR
#   CLUSTER_FIGURES=FILE   write the figures table to FILE as well
#
# Needs root, unshare/nsenter (util-linux), ip (iproute2), mmdebstrap, a C
# compiler with libpam headers, and a kernel with FUSE (fuse in
# /proc/filesystems, built in or loaded by modprobe).  The
# storage host, the directory and the frontends are overlays of one cached
# Debian root (tests/servers/root.sh path cluster); nothing is installed on
# the host, and the host's nsswitch.conf, PAM files and network are never touched.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export T_TOP=$top

standalone=
if [ -z "${T_RESULTS:-}" ]; then
	standalone=1
	T_RESULTS=$(mktemp /tmp/cluster-results.XXXXXX)
	export T_RESULTS
fi
. "$top/tests/lib.sh"

summary() {
	[ -n "$standalone" ] || return 0
	local p f s
	p=$(grep -c '^PASS ' "$T_RESULTS"); f=$(grep -c '^FAIL ' "$T_RESULTS"); s=$(grep -c '^SKIP ' "$T_RESULTS")
	if [ "$f" != 0 ]; then echo; echo "Failures:"; grep '^FAIL ' "$T_RESULTS" | sed 's/^/  /'; fi
	echo; echo "$p passed, $f failed, $s skipped"
	rm -f "$T_RESULTS"
	[ "$f" = 0 ]
}

precondition() {
	if ! is_root; then skip "cluster" "needs root (namespaces, FUSE, chroot)"; return 1; fi
	local t
	for t in unshare nsenter ip chroot mount cc; do
		command -v "$t" >/dev/null || { skip "cluster" "$t is not installed"; return 1; }
	done
	# FUSE: built in or loadable, and its device node.
	if ! grep -qw fuse /proc/filesystems; then
		command -v modprobe >/dev/null && modprobe fuse 2>/dev/null
		grep -qw fuse /proc/filesystems ||
			{ skip "cluster" "the kernel has no FUSE (not in /proc/filesystems, modprobe fuse failed)"; return 1; }
	fi
	# /dev/fuse itself need not be here (tests/run gives the suite a private
	# /dev without it): each frontend root gets its own node, 10:229.
	[ -f "${T_MODULE:-$top/pam_mkmaildir.so}" ] ||
		{ fail "cluster" "no module at ${T_MODULE:-$top/pam_mkmaildir.so} (run make first)"; return 1; }
	return 0
}

main() {
	local work root rc err t0 links_before links_after sums_before sums_after leftover
	precondition || return 0
	export T_MODULE=${T_MODULE:-$top/pam_mkmaildir.so}
	work=$(mktemp -d /tmp/mkmaildir-cluster.XXXXXX) || return 1
	chmod 0755 "$work"
	mkdir -p "$work/out"
	# shellcheck disable=SC2064
	trap "cleanup_outer '$work'" EXIT
	trap 'exit 130' INT TERM HUP

	# Run copies, so that editing the suite while it runs cannot upset bash.
	cp "$here/inside.sh" "$here/dovecot.sh" "$work/" || return 1
	# The tests' one pamrun build (make tests/pamrun), copied like the rest.
	if ! { make -s -C "$top" tests/pamrun && cp "$top/tests/pamrun" "$work/pamrun"; } >"$work/cc.err" 2>&1; then
		fail "cluster" "cannot build tests/pamrun.c: $(head -n3 "$work/cc.err" | tr '\n' ' ')"
		return 0
	fi
	t0=$(date +%s)
	err=$work/root.err
	root=$("$top/tests/servers/root.sh" path cluster 2>"$err")
	rc=$?
	sed 's/^/ /' "$err"
	printf '   [cached root %34s %4s s]\n' "" "$(( $(date +%s) - t0 ))"
	if [ "$rc" = 77 ]; then skip "cluster" "$(tail -n1 "$err")"; return 0; fi
	if [ "$rc" != 0 ] || [ ! -d "$root" ]; then fail "cluster" "cannot build the cluster root"; return 0; fi

	# What must be the same afterwards on the host.
	links_before=$(ip -o link show | awk -F': ' '{ print $2 }' | sort | tr '\n' ' ')
	sums_before=$(host_sums)

	CL_ROOT=$root CL_WORK=$work CL_OUT=$work/out CL_PAMRUN=$work/pamrun \
	CL_USERS=${CLUSTER_USERS:-500} CL_VUSERS=${CLUSTER_VUSERS:-200} \
	CL_SERIAL=${CLUSTER_SERIAL:-100} CL_WORKERS=${CLUSTER_WORKERS:-4} \
	CL_DOVECOT_USERS=${CLUSTER_DOVECOT_USERS:-60} CL_NAIVE=${CLUSTER_NAIVE:-500} \
	CL_SQUSERS=${CLUSTER_SQUSERS:-300} CL_SQVUSERS=${CLUSTER_SQVUSERS:-200} \
	CL_RUSERS=${CLUSTER_RUSERS:-100} CL_RSQUSERS=${CLUSTER_RSQUSERS:-100} \
	CL_HEAL_TIMEOUT=${CLUSTER_HEAL_TIMEOUT:-300} \
		unshare --mount --pid --fork --kill-child --propagation private -- \
		bash "$work/inside.sh"
	rc=$?
	[ "$rc" = 0 ] || fail "cluster: the scenario script ran to its end" "inside.sh exited $rc"

	# It never touched the host, and nothing of it is left.
	links_after=$(ip -o link show | awk -F': ' '{ print $2 }' | sort | tr '\n' ' ')
	check "cluster: the host's network interfaces are unchanged" test "$links_before" = "$links_after"
	sums_after=$(host_sums)
	check "cluster: the host's nsswitch.conf, PAM and passwd files are unchanged" \
		test "$sums_before" = "$sums_after"
	leftover=$(awk -v w="$work/" 'index($5, w) == 1' /proc/self/mountinfo | wc -l)
	check "cluster: no mount of the suite is left on the host" test "$leftover" = 0
	leftover=$(for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		case $r in "$work"/*|"$root"*) echo "${p#/proc/}" ;; esac
	done | wc -l)
	check "cluster: no process of the suite is left running" test "$leftover" = 0

	report "$work/out"
}

# Digests of the host files the directory packages would edit if they were
# installed here (they are not: they live in the throwaway root): the
# contents of each file, its type, mode, owner, size and mtime, and the names
# in /etc/pam.d and /etc/ldap.  No directory's own metadata: a listing's
# "." and ".." change with any unrelated write to /etc.
host_sums() {
	local f
	for f in /etc/nsswitch.conf /etc/passwd /etc/group /etc/shadow /etc/nslcd.conf \
		/etc/pam.d/* /etc/ldap/*; do
		[ -d "$f" ] && continue
		if [ -e "$f" ] || [ -L "$f" ]; then
			printf '%s %s %s\n' "$f" "$(stat -c '%F %a %u:%g %s %Y' -- "$f")" \
				"$(sha256sum <"$f" 2>/dev/null | cut -c1-64)"
		else
			printf '%s absent\n' "$f"
		fi
	done | sha256sum
}

report() {
	local out=$1 f
	[ -f "$out/figures" ] || return 0
	f=$out/table.md
	{
		echo "| scenario | first logins | failed | incomplete right after login | trees incomplete at the end | temporary names left | ms per login: mean | median | p95 | arrival skew µs: median | max | pairs overlapping |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
		while read -r label n failed incompl mean median p95 skew skewmax overlap; do
			local treebad=0 left=0
			grep -q "^FAIL cluster $label: all" "$T_RESULTS" && treebad="see failures"
			[ "$label" = naive ] && treebad=$(cat "$out/naive.end") left=-
			grep -Eq "^FAIL cluster $label: (no .mkmaildir|the trees' parents)" "$T_RESULTS" && left="see failures"
			case $label in
			gluster) name="race, 2 frontends, GlusterFS (system users, home + Maildir)" ;;
			local) name="race, 2 frontends, local disk (system users, home + Maildir)" ;;
			virtual) name="race, 2 frontends, GlusterFS (virtual users, owner=vmail %d/%n)" ;;
			squash) name="race, 2 frontends, GlusterFS server.root-squash on (system users, existing homes, Maildir)" ;;
			vsquash) name="race, 2 frontends, GlusterFS server.root-squash on (virtual users, owner=vmail %d/%n)" ;;
			replica) name="race, 2 frontends, GlusterFS replica 3, a brick killed and restarted (system users, home + Maildir)" ;;
			rsquash) name="race, 2 frontends, GlusterFS replica 3, server.root-squash on, a brick killed and restarted (virtual users, owner=vmail %d/%n)" ;;
			sgluster) name="single logins, GlusterFS" ;;
			slocal) name="single logins, local disk" ;;
			dovecot) name="race, 2 Dovecot frontends over IMAP, GlusterFS" ;;
			naive) name="control: naive mkdir per level (no PAM, no module), GlusterFS" ;;
			*) name=$label ;;
			esac
			if [ "$skew" = -1 ]; then skew=- skewmax=- overlap=-; else overlap="$overlap %"; fi
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$n" "$failed" \
				"$incompl" "$treebad" "$left" "$mean" "$median" "$p95" "$skew" "$skewmax" "$overlap"
		done <"$out/figures"
	} >"$f"
	echo
	echo "   Figures ($(nproc) cores, $(uname -r), workers per frontend per round: ${CLUSTER_WORKERS:-4}):"
	sed 's/^/   /' "$f"
	[ -f "$out/logfigures" ] && { echo "   Module log lines per scenario (created, other):"; sed 's/^/     /' "$out/logfigures"; }
	if [ -s "$out/storefigures" ]; then
		{
			echo
			echo "| scenario | bricks | entries with different gfids on the bricks | entries not on every brick | EIO/ENOTCONN reading from fe1 | from fe2 | other read errors fe1 | fe2 | heal s | left to heal | split-brain (heal info) | brick killed: round | s into the race | back: round | s | race s |"
			echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
			while read -r label nb mis inc e1 e2 o1 o2 hs hl sb kr ks br bs rs; do
				printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
					"$label" "$nb" "$mis" "$inc" "$e1" "$e2" "$o1" "$o2" "$hs" "$hl" "$sb" "$kr" "$ks" "$br" "$bs" "$rs"
			done <"$out/storefigures"
		} >>"$f"
		echo "   Storage (gfids compared on every brick, every tree read in full from both mounts, after the heal):"
		sed -n '/^$/,$p' "$f" | sed '1d; s/^/   /'
	fi
	[ -n "${CLUSTER_FIGURES:-}" ] && cp "$f" "$CLUSTER_FIGURES"
	return 0
}

cleanup_outer() {
	local work=$1
	[ -n "${CLUSTER_KEEP:-}" ] && mkdir -p "$CLUSTER_KEEP" && cp -a "$work/out/." "$CLUSTER_KEEP/" 2>/dev/null
	if awk -v w="$work/" 'index($5, w) == 1' /proc/self/mountinfo | grep -q .; then
		echo "cluster: $work still has mounts, leaving it" >&2
	else
		rm -rf "$work"
	fi
}

main
summary
