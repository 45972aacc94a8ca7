#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packages of the work tree, built for a release and cached.
#
#   debs.sh RELEASE      print the directory holding libpam-mkmaildir_*.deb
#                        and courier-authmkhome_*.deb built from the tree as
#                        it is now, in RELEASE's build root (root.sh path
#                        build RELEASE), building them if needed
#
# The build is dpkg-buildpackage -us -uc -b as nobody with
# DEB_BUILD_OPTIONS=nocheck (tests/t_debian.sh runs the full build, its
# tests and lintian; this only makes packages to install).  The result is
# cached under $T_ROOT_CACHE in debs-RELEASE-HASH, HASH being that of the
# source files, so an unchanged tree is built once.  Exit status as root.sh
# (77: no root to build in).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ "${1:-}" = --in-root ]; then
	# Run by ns.sh around the build root: $2 the copy of the source, $3
	# where the packages go.
	src=$2 out=$3
	mkdir -p "$R/build/home"
	cp -a "$src" "$R/build/pam-mkmaildir" && chown -R 65534:65534 "$R/build"
	chroot --userspec=65534:65534 "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/build/home LANG=C.UTF-8 DEB_BUILD_OPTIONS=nocheck \
		sh -c 'cd /build/pam-mkmaildir && dpkg-buildpackage -us -uc -b' >"$out/build.log" 2>&1 || exit 1
	cp "$R"/build/*.deb "$out/"
	exit 0
fi

[ $# = 1 ] || { echo "usage: $0 RELEASE" >&2; exit 2; }
rel=$1
cache=${T_ROOT_CACHE:-/var/cache/pam_mkmaildir-tests}
# The tree as t_debian.sh copies it: sources, without what builds make.
src_tar() {
	tar -C "$top" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - \
		--exclude=./.git --exclude=./debian/tmp --exclude=./debian/.debhelper \
		--exclude=./debian/libpam-mkmaildir --exclude=./debian/courier-authmkhome \
		--exclude='./debian/*-dbgsym' --exclude=./debian/files --exclude='./debian/*.substvars' \
		--exclude='./debian/*.debhelper.log' --exclude='./debian/debhelper-build-stamp' \
		--exclude='./build-san' --exclude='*.o' --exclude='*.so' --exclude=./authmkhome \
		--exclude=./mkmaildir --exclude=./tests/pamrun --exclude='./tests/*.so' \
		--exclude='./tests/fuzz/*-fuzz' --exclude='./bench/out*' .
}
hash=$(src_tar | sha256sum | cut -c1-16)
dir=$cache/debs-$rel-$hash
if ls "$dir"/libpam-mkmaildir_*.deb "$dir"/courier-authmkhome_*.deb >/dev/null 2>&1; then
	echo "$dir"; exit 0
fi
broot=$("$here/root.sh" path build "$rel") || exit $?
tmp=$dir.tmp.$$
rm -rf "$tmp"; mkdir -p "$tmp/src" "$tmp/out"
trap 'rm -rf "$tmp"' EXIT
src_tar | tar -C "$tmp/src" -xf -
t0=$(date +%s)
T_MODULE=${T_MODULE:-$top/pam_mkmaildir.so} "$here/ns.sh" "$broot" "$0" --in-root "$tmp/src" "$tmp/out" ||
	{ tail -n 20 "$tmp/out/build.log" >&2; echo "debs.sh: the $rel build failed" >&2; exit 1; }
printf '  built the packages for %s in %s s\n' "$rel" "$(( $(date +%s) - t0 ))" >&2
# Packages of older trees are of no further use.
for old in "$cache/debs-$rel-"*; do
	case $old in "$dir" | *.tmp.*) ;; *) rm -rf "$old" ;; esac
done
mkdir -p "$dir" && mv "$tmp/out/"*.deb "$dir/"
echo "$dir"
