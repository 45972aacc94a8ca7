# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/run and tests/demo.sh, inside a private mount namespace
# (unshare --mount): replaces /dev with a private copy of the usual device
# nodes and starts a syslog daemon on its /dev/log, writing to $1, so that
# the module's log lines can be read without touching the host's /dev.
# Sets syslogd_pid.
private_dev() {
	mount -t tmpfs -o mode=0755,nosuid devtmp /dev
	mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/zero c 1 5
	mknod -m 666 /dev/full c 1 7; mknod -m 666 /dev/random c 1 8
	mknod -m 666 /dev/urandom c 1 9; mknod -m 666 /dev/tty c 5 0
	ln -s /proc/self/fd /dev/fd; ln -s fd/0 /dev/stdin
	ln -s fd/1 /dev/stdout; ln -s fd/2 /dev/stderr
	mkdir /dev/shm /dev/pts /dev/mqueue
	mount -t tmpfs -o mode=1777 shm /dev/shm
	mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts && ln -s pts/ptmx /dev/ptmx
	syslogd_pid=
	if command -v busybox >/dev/null; then
		: >"$1"
		busybox syslogd -n -O "$1" -S &
		syslogd_pid=$!
		for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.05; done
	fi
}
