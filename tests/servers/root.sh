#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Throwaway Debian roots for the real-server tests (tests/servers) and the
# cluster suite (tests/cluster), built with mmdebstrap and cached between
# runs, for each release a root is used on.
#
#   root.sh path NAME [RELEASE]  print the cached root of NAME for RELEASE
#                                (bookworm, the default, or trixie), building
#                                it if needed; only the path goes to stdout
#   root.sh list                 print the names this file knows
#   root.sh releases             print the releases this file knows
#   root.sh mirror               print the mirror that would be used
#
# A root is cached under $T_ROOT_CACHE (default /var/cache/pam_mkmaildir-tests)
# in a directory named after NAME and a hash of everything that decides its
# content (suite, variant, package list, this recipe's version); a root whose
# stamp or marker files are missing counts as corrupt and is rebuilt.  The
# mirror is read at run time from this machine's own apt sources (or
# $T_MIRROR) and is never written anywhere in the project.
#
# Exit status: 0 with the path on stdout; 77 when a root cannot be had for a
# reason that is not a bug of the suite (not root, no mmdebstrap, no mirror,
# registry unreachable), with the reason on stderr; 1 for anything else.
set -u

recipe=2
releases="bookworm trixie"
suite=bookworm
cache=${T_ROOT_CACHE:-/var/cache/pam_mkmaildir-tests}

# Packages of each root (beyond what --variant=apt brings), and files that
# must exist in a complete root.
pkgs_courier="courier-imap courier-pop courier-authdaemon courier-authlib courier-authlib-userdb passwd libpam-modules curl python3 busybox"
mark_courier="usr/bin/imapd usr/sbin/pop3d usr/sbin/authdaemond usr/bin/curl usr/bin/python3 bin/busybox usr/sbin/useradd"
# Dovecot and OpenSSH do not conflict, so they share a root.  db5.3-util
# builds the pam_userdb database of the virtual-user scenario.
pkgs_dovecot="dovecot-imapd dovecot-pop3d dovecot-lmtpd openssh-server openssh-client passwd libpam-modules db5.3-util curl python3 busybox"
mark_dovecot="usr/sbin/dovecot usr/lib/dovecot/dovecot-lda usr/sbin/sshd usr/bin/ssh usr/bin/db5.3_load usr/bin/curl usr/bin/python3 bin/busybox usr/sbin/useradd"

# The Debian packages are built and lintian-checked in the release's own
# build root (tests/t_debian.sh), so each release's debhelper, libpam and
# lintian judge them; libnss-wrapper, bc and python3 serve the part of the
# suite the build runs.
pkgs_build="build-essential debhelper libpam0g-dev libnss-wrapper lintian dpkg-dev passwd libpam-modules bc python3 busybox"
mark_build="usr/bin/dpkg-buildpackage usr/bin/dh usr/bin/lintian usr/bin/gcc usr/include/security/pam_appl.h usr/bin/python3 bin/busybox"

# The cluster suite's root (tests/cluster/run.sh), which the storage host,
# the directory and both frontends each see through an overlay of their own:
# GlusterFS server and FUSE client; OpenLDAP and the nslcd NSS/PAM bridge;
# Dovecot for the real-server logins; busybox for syslogd and small tools.
pkgs_cluster="glusterfs-server glusterfs-client fuse3 slapd ldap-utils nslcd libnss-ldapd libpam-ldapd libpam-modules libpam-runtime passwd dovecot-imapd curl busybox procps"
mark_cluster="usr/sbin/glusterd usr/sbin/glusterfs sbin/mount.glusterfs usr/sbin/slapd usr/sbin/slapadd usr/sbin/nslcd usr/bin/ldapsearch usr/sbin/dovecot usr/bin/doveadm usr/bin/curl bin/busybox"
# One release, Debian 12 (GlusterFS 10.3), unlike the server roots, whose
# scenarios run on Debian 12 and 13.  What the cluster suite tests is the
# module's core on storage shared by two frontends (ESTALE walks, locks
# across GlusterFS clients, 1,000+ racing first logins); that code is the
# same on both releases, and what does differ between them (Dovecot 2.3/2.4
# configuration, Courier, OpenSSH and PAM paths) is covered by tests/servers
# on both.  A second cluster release would add about 4 minutes (root and
# run) to make check for no new code path, and the figures of
# tests/cluster/RESULTS.md were taken on Debian 12.
releases_cluster="bookworm"

die77() { printf '%s\n' "$*" >&2; exit 77; }

# The first Debian mirror of the machine's own apt sources.
mirror() {
	if [ -n "${T_MIRROR:-}" ]; then printf '%s\n' "$T_MIRROR"; return; fi
	local f u
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		# deb822: the URIs of a stanza whose Suites name a plain suite.
		u=$(awk '
			/^[ \t]*$/ { if (uris != "" && ok) { print uris; exit } uris = ""; ok = 0; next }
			/^URIs:/ { uris = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i !~ /-/) ok = 1 }
			END { if (uris != "" && ok) print uris }' "$f" | head -n1)
		[ -n "$u" ] && { printf '%s\n' "$u"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		u=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i ~ /:\/\//) { if ($(i+1) !~ /-/) { print $i; exit } break } }' "$f")
		[ -n "$u" ] && { printf '%s\n' "$u"; return; }
	done
	return 1
}

key_of() { # NAME
	local p=pkgs_$1
	printf 'recipe=%s suite=%s variant=apt pkgs=%s\n' "$recipe" "$suite" \
		"$(tr ' ' '\n' <<<"${!p}" | sort | tr '\n' ' ')" | sha256sum | cut -c1-16
}

complete() { # DIR KEY NAME
	local m=mark_$3 f
	[ "$(cat "$1/stamp" 2>/dev/null)" = "$2" ] || return 1
	for f in ${!m}; do [ -e "$1/root/$f" ] || return 1; done
	chroot "$1/root" /bin/true 2>/dev/null
}

build() { # NAME KEY DIR
	local name=$1 key=$2 dir=$3 p=pkgs_$1 m tmp start log
	command -v mmdebstrap >/dev/null || die77 "mmdebstrap is not installed"
	m=$(mirror) || die77 "no Debian mirror in this machine's apt sources"
	tmp=$dir.tmp.$$
	rm -rf "$tmp"; mkdir -p "$tmp"
	log=$tmp/build.log
	start=$(date +%s.%N)
	printf '  building root %s (%s) from %s ...\n' "$name" "$key" "$m" >&2
	# In its own mount and PID namespaces, so nothing the package scripts
	# might start can outlive the build.
	if ! unshare --mount --pid --fork --propagation private \
		mmdebstrap --variant=apt --mode=root \
			--aptopt='APT::Install-Recommends "false"' \
			--dpkgopt='path-exclude=/usr/share/man/*' \
			--dpkgopt='path-exclude=/usr/share/doc/*' \
			--dpkgopt='path-exclude=/usr/share/locale/*' \
			--dpkgopt='path-include=/usr/share/locale/locale.alias' \
			--include="$(tr ' ' ',' <<<"${!p}")" \
			"$suite" "$tmp/root" "$m" >"$log" 2>&1; then
		if grep -Eqi 'could not resolve|failed to fetch|connection (refused|timed out)|temporary failure|unable to connect|no route|network is unreachable' "$log"; then
			rm -rf "$tmp"
			die77 "mmdebstrap cannot reach the package registry $m"
		fi
		tail -n 20 "$log" >&2
		rm -rf "$tmp"
		printf 'root.sh: mmdebstrap failed for %s\n' "$name" >&2
		return 1
	fi
	printf '%s\n' "$key" >"$tmp/stamp"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	awk -v s="$start" -v e="$(date +%s.%N)" -v n="$name" -v d="$(du -sm "$dir/root" | cut -f1)" \
		'BEGIN { printf "  built root %s in %.1f s (%s MB)\n", n, e - s, d }' >&2
}

path() { # NAME
	local name=$1 p=pkgs_$1 r=releases_$1 key dir old
	[ -n "${!p:-}" ] || { printf 'root.sh: unknown root %s\n' "$name" >&2; return 1; }
	case " ${!r:-$releases} " in *" $suite "*) ;; *) printf 'root.sh: no %s root for release %s\n' "$name" "$suite" >&2; return 1 ;; esac
	[ "$(id -u)" = 0 ] || die77 "not root"
	key=$(key_of "$name")
	dir=$cache/$name-$suite-$key
	mkdir -p "$cache" || die77 "cannot create $cache"
	exec 9>"$cache/.lock"
	flock 9
	if ! complete "$dir" "$key" "$name"; then
		[ -e "$dir" ] && printf '  root %s at %s is incomplete: rebuilding\n' "$name" "$dir" >&2
		# Roots of older recipes or package lists are of no further use.
		for old in "$cache/$name-$suite"-*; do
			[ -e "$old" ] && [ "$old" != "$dir" ] && rm -rf "$old"
		done
		# So are the cluster roots of the builder of tests/cluster before
		# this one, named NAME-KEY without a release.
		for old in "$cache/$name"-*; do
			[[ ${old##*/} =~ ^$name-[0-9a-f]{16}$ ]] && rm -rf "$old"
		done
		build "$name" "$key" "$dir" || return $?
	fi
	exec 9>&-
	printf '%s\n' "$dir/root"
}

case "${1:-}" in
path) [ $# = 2 ] || [ $# = 3 ] || { echo "usage: $0 path NAME [RELEASE]" >&2; exit 2; }
	suite=${3:-bookworm}; path "$2" ;;
list) echo "courier dovecot build cluster" ;;
releases) echo "$releases" ;;
mirror) mirror ;;
*) echo "usage: $0 path NAME [RELEASE] | list | releases | mirror" >&2; exit 2 ;;
esac
