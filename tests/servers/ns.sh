#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs one server scenario in throwaway namespaces around a cached root.
#
#   ns.sh ROOT SCRIPT [ARGS...]
#
# ROOT is a root made by root.sh; it is never written to: the scenario sees an
# overlay of it (a private copy when overlayfs is unavailable) that is thrown
# away afterwards.  SCRIPT runs (as PID 1 of new mount, PID and network
# namespaces, with only a loopback interface) outside the chroot, with:
#   R        the scenario's root (the overlay's mount point)
#   T_OUT    a directory shared with the root as /t/out
#   T_SYSLOG the log file of a busybox syslogd running inside the root on its
#            /dev/log
# The project's conf/ is visible read-only in the root as /t/conf, tests/servers
# as /t/servers, and the module under test ($T_MODULE) is bind-mounted
# read-only over <libdir>/security/pam_mkmaildir.so of the root, so PAM
# files name it like an installed module.  When SCRIPT ends, everything it
# started is killed with the PID namespace and every mount vanishes with the
# mount namespace; the trap then deletes the temporary files, on failure too.
set -u

if [ "${1:-}" != --inside ]; then
	[ $# -ge 2 ] || { echo "usage: $0 ROOT SCRIPT [ARGS...]" >&2; exit 2; }
	root=$(cd "$1" && pwd) || exit 1
	tmp=$(mktemp -d "${T_WORK:-/tmp}/servers.XXXXXX") || exit 1
	cleanup() {
		# The mounts lived only in the namespace, which is gone by now;
		# refuse to delete through anything still mounted here anyway.
		if grep -q " $tmp/" /proc/self/mountinfo; then
			echo "ns.sh: $tmp still has mounts, leaving it" >&2
		else
			rm -rf "$tmp"
		fi
	}
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
	mkdir -p "$tmp/upper" "$tmp/ovwork" "$tmp/merged" "$tmp/out"
	chmod 0755 "$tmp" "$tmp/merged" "$tmp/out"
	unshare --mount --pid --fork --net --propagation private -- \
		bash "$0" --inside "$root" "$tmp" "${@:2}"
	exit $?
fi

shift
root=$1 tmp=$2 script=$3
shift 3
R=$tmp/merged
T_OUT=$tmp/out
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
die() { echo "ns.sh: $*" >&2; exit 1; }

ip link set lo up 2>/dev/null || busybox ip link set lo up || die "cannot bring lo up"

if ! mount -t overlay overlay -o "lowerdir=$root,upperdir=$tmp/upper,workdir=$tmp/ovwork" "$R" 2>/dev/null; then
	cp -a --reflink=auto "$root/." "$R/" || die "cannot copy the root"
fi
mount -t proc proc "$R/proc" || die "cannot mount proc"
mount -t tmpfs -o mode=0755 run "$R/run"
mount -t tmpfs -o mode=1777 tmp "$R/tmp"
# A /dev of its own: device nodes, pts, and room for the root's /dev/log.
mount -t tmpfs -o mode=0755,nosuid dev "$R/dev"
for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	IFS=: read -r n ma mi <<<"$d"
	mknod -m 666 "$R/dev/$n" c "$ma" "$mi"
done
ln -s /proc/self/fd "$R/dev/fd"; ln -s fd/0 "$R/dev/stdin"
ln -s fd/1 "$R/dev/stdout"; ln -s fd/2 "$R/dev/stderr"
mkdir "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$R/dev/pts" && ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o mode=1777 shm "$R/dev/shm"

mkdir -p "$R/t/out" "$R/t/conf" "$R/t/servers"
mount --bind "$T_OUT" "$R/t/out"
mount --bind -o ro "$top/conf" "$R/t/conf" && mount -o remount,bind,ro "$R/t/conf"
mount --bind "$here" "$R/t/servers" && mount -o remount,bind,ro "$R/t/servers"

# The module, where an installed pam_mkmaildir.so would be.
secdir=$(dirname "$(ls "$R"/usr/lib/*/security/pam_unix.so | head -n1)")
[ -d "$secdir" ] || die "no PAM module directory in the root"
[ -f "${T_MODULE:-}" ] || die "no module at ${T_MODULE:-(T_MODULE unset)}"
: >"$secdir/pam_mkmaildir.so"
mount --bind -o ro "$T_MODULE" "$secdir/pam_mkmaildir.so" && mount -o remount,bind,ro "$secdir/pam_mkmaildir.so"
T_PAMDIR=${secdir#"$R"}

# Syslog inside the root, writing where the scenario (and a human after a
# failure, via T_KEEP) can read it.
T_SYSLOG=$T_OUT/syslog.log
: >"$T_SYSLOG"
chroot "$R" /bin/busybox syslogd -n -O /t/out/syslog.log -S &
for _ in $(seq 100); do [ -S "$R/dev/log" ] && break; sleep 0.05; done
[ -S "$R/dev/log" ] || die "syslogd did not start"

export R T_OUT T_SYSLOG T_PAMDIR
bash "$script" "$@"
rc=$?
if [ -n "${T_KEEP:-}" ]; then
	mkdir -p "$T_KEEP" && cp -a "$T_OUT/." "$T_KEEP/" 2>/dev/null
fi
exit $rc
