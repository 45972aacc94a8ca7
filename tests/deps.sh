#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the Debian packages that building and testing need, when they
# are missing.  Run by `make check` and `make demo`; as root only, so that
# an administrator's unprivileged `make check` never installs anything.
set -eu
pkgs="gcc make libc6-dev libpam0g-dev libpam-runtime libnss-wrapper busybox
      python3 procps util-linux mount iproute2 mmdebstrap gpg debian-archive-keyring
      groff-base mandoc file strace valgrind clang cppcheck clang-tidy bc"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (install them as root)" >&2
	exit 0
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
