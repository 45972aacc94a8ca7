#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The throwaway Debian 12 root of the cluster suite: one cached root that the
# storage host, the directory and both frontends each see through an overlay
# of their own (tests/cluster/run.sh).  Built with mmdebstrap, cached under
# $T_ROOT_CACHE (default /var/cache/pam_mkmaildir-tests) in cluster-KEY,
# where KEY hashes everything that decides the content; a root without its
# stamp or one of its marker files is rebuilt.
#
#   root.sh path     print the root's path, building it when needed
#   root.sh mirror   print the mirror that would be used
#
# The mirror comes at run time from this machine's apt sources (or
# $T_MIRROR) and is never written into the project.
# Exit status: 0 with the path on stdout; 77 when the root cannot be had for
# a reason outside the suite (not root, no mmdebstrap, no mirror, registry
# unreachable), the reason on stderr; 1 for anything else.
set -u

recipe=1
# One release, Debian 12 (GlusterFS 10.3), unlike tests/servers, which runs
# every scenario on Debian 12 and 13.  What this suite tests is the module's
# core on storage shared by two frontends (ESTALE walks, locks across
# GlusterFS clients, 1,000+ racing first logins); that code is the same on
# both releases, and what does differ between them (Dovecot 2.3/2.4
# configuration, Courier, OpenSSH and PAM paths) is covered by tests/servers
# on both.  A second cluster release would add about 4 minutes (root and
# run) to make check for no new code path, and the figures of RESULTS.md
# were taken on Debian 12.  Its cache honours T_ROOT_CACHE like root.sh's.
suite=bookworm
cache=${T_ROOT_CACHE:-/var/cache/pam_mkmaildir-tests}

# GlusterFS server and FUSE client; OpenLDAP and the nslcd NSS/PAM bridge;
# Dovecot for the real-server logins; busybox for syslogd and small tools.
pkgs="glusterfs-server glusterfs-client fuse3 slapd ldap-utils nslcd libnss-ldapd libpam-ldapd
      libpam-modules libpam-runtime passwd dovecot-imapd curl busybox procps"
marks="usr/sbin/glusterd usr/sbin/glusterfs sbin/mount.glusterfs usr/sbin/slapd usr/sbin/slapadd
       usr/sbin/nslcd usr/bin/ldapsearch usr/sbin/dovecot usr/bin/doveadm usr/bin/curl bin/busybox"

die77() { printf 'root.sh: %s\n' "$*" >&2; exit 77; }

mirror() {
	local f u
	if [ -n "${T_MIRROR:-}" ]; then printf '%s\n' "$T_MIRROR"; return 0; fi
	# deb822 sources: the URIs of the first stanza that lists a plain
	# suite name (not -updates or -security).
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		u=$(awk 'BEGIN { RS = ""; FS = "\n" }
			{ uri = ""; plain = 0
			  for (i = 1; i <= NF; i++) {
				if ($i ~ /^URIs:/) { split($i, w, /[ \t]+/); uri = w[2] }
				if ($i ~ /^Suites:/) { n = split($i, w, /[ \t]+/)
					for (j = 2; j <= n; j++) if (w[j] !~ /-/) plain = 1 }
			  }
			  if (uri != "" && plain) { print uri; exit } }' "$f")
		[ -n "$u" ] && { printf '%s\n' "$u"; return 0; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		u=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {
			if ($(i + 1) !~ /-/) { print $i; exit } ; break } }' "$f")
		[ -n "$u" ] && { printf '%s\n' "$u"; return 0; }
	done
	return 1
}

key() {
	printf 'recipe=%s suite=%s pkgs=%s\n' "$recipe" "$suite" "$(printf '%s\n' $pkgs | sort | tr '\n' ' ')" |
		sha256sum | cut -c1-16
}

complete() { # DIR KEY
	local f
	[ "$(cat "$1/stamp" 2>/dev/null)" = "$2" ] || return 1
	for f in $marks; do [ -e "$1/root/$f" ] || return 1; done
	chroot "$1/root" /bin/true 2>/dev/null
}

build() { # DIR KEY
	local dir=$1 k=$2 m tmp log t0
	command -v mmdebstrap >/dev/null || die77 "mmdebstrap is not installed"
	m=$(mirror) || die77 "no Debian mirror in this machine's apt sources"
	tmp=$dir.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	log=$tmp/build.log
	t0=$(date +%s)
	printf '  building the cluster root (%s) from %s ...\n' "$k" "$m" >&2
	# Own mount and PID namespaces: whatever a package script starts dies
	# with the build.
	if ! unshare --mount --pid --fork --propagation private \
		mmdebstrap --variant=apt --mode=root \
			--aptopt='APT::Install-Recommends "false"' \
			--dpkgopt='path-exclude=/usr/share/man/*' \
			--dpkgopt='path-exclude=/usr/share/doc/*' \
			--dpkgopt='path-exclude=/usr/share/locale/*' \
			--include="$(printf '%s,' $pkgs | sed 's/,$//')" \
			"$suite" "$tmp/root" "$m" >"$log" 2>&1; then
		if grep -Eqi 'could not resolve|failed to fetch|connection (refused|timed out)|temporary failure|unable to connect|no route|network is unreachable' "$log"; then
			rm -rf "$tmp"
			die77 "mmdebstrap cannot reach the package registry $m"
		fi
		tail -n 20 "$log" >&2
		rm -rf "$tmp"
		echo "root.sh: mmdebstrap failed" >&2
		return 1
	fi
	printf '%s\n' "$k" >"$tmp/stamp"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	printf '  built the cluster root in %s s (%s MB)\n' "$(( $(date +%s) - t0 ))" \
		"$(du -sm "$dir/root" | cut -f1)" >&2
}

path() {
	local k dir old
	[ "$(id -u)" = 0 ] || die77 "not root"
	k=$(key)
	dir=$cache/cluster-$k
	mkdir -p "$cache" || die77 "cannot create $cache"
	exec 9>"$cache/.lock-cluster"
	flock 9
	if ! complete "$dir" "$k"; then
		[ -e "$dir" ] && echo "  the cluster root at $dir is incomplete: rebuilding" >&2
		for old in "$cache"/cluster-*; do
			case $old in "$dir"|*.tmp.*) ;; *) [ -e "$old" ] && rm -rf "$old" ;; esac
		done
		build "$dir" "$k" || return $?
	fi
	exec 9>&-
	printf '%s\n' "$dir/root"
}

case "${1:-}" in
path) path ;;
mirror) mirror ;;
*) echo "usage: $0 path | mirror" >&2; exit 2 ;;
esac
