#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make demo: a real Linux-PAM login (libpam, pam_start_confdir, the built
# module) for a demo user, twice: the first creates the maildir, the second
# takes the fast path.  Nothing on the host changes: the demo account comes
# from nss_wrapper, the PAM service file and the home live in a temporary
# directory, and (as root) the log goes to a private syslog daemon.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" = 0 ] && [ -z "${DEMO_IN_NS:-}" ]; then
	export DEMO_IN_NS=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi
work=$(mktemp -d /tmp/mkmaildir-demo.XXXXXX)
syslogd_pid=
trap '[ -n "$syslogd_pid" ] && kill "$syslogd_pid"; rm -rf "$work"' EXIT
chmod 0755 "$work"
log=$work/syslog.log
if [ -n "${DEMO_IN_NS:-}" ]; then
	. "$top/tests/privdev.sh"
	private_dev "$log"
fi

uid=$(id -u) gid=$(id -g)
[ "$uid" = 0 ] && uid=4242 gid=4242
mkdir -p "$work/home/demo" "$work/pam.d"
chown "$uid:$gid" "$work/home/demo"
chmod 0700 "$work/home/demo"
printf 'demo:x:%s:%s:Demo User:%s:/bin/sh\n' "$uid" "$gid" "$work/home/demo" >"$work/passwd"
printf 'demo:x:%s:\n' "$gid" >"$work/group"
nsslib=$(dpkg -L libnss-wrapper | grep '/libnss_wrapper\.so$' | head -n 1)
opts="folders=Drafts,Sent,Trash,Junk subscribe quota=1073741824S,10000C"
echo "session required $top/pam_mkmaildir.so $opts" >"$work/pam.d/demo"

login() {
	LD_PRELOAD=$nsslib NSS_WRAPPER_PASSWD=$work/passwd NSS_WRAPPER_GROUP=$work/group \
		"$top/tests/pamrun" -d "$work/pam.d" -s demo -u demo -a session
}
tree() {
	(cd "$work/home/demo" && find Maildir -printf '  %M %4U:%-4G %p\n' | sort -k3)
}

echo "== PAM service file ($work/pam.d/demo):"
sed 's/^/  /' "$work/pam.d/demo"
echo
echo "== First login of 'demo' (uid $uid) through libpam:"
login | sed 's/^/  /'
echo
echo "== What the module created:"
tree
echo
echo "  maildirsize:       $(head -n 1 "$work/home/demo/Maildir/maildirsize")"
echo "  courierimapsubscribed: $(tr '\n' ' ' <"$work/home/demo/Maildir/courierimapsubscribed")"
before=$(cd "$work/home/demo" && find Maildir -printf '%p %T@\n' | sort)
echo
echo "== Second login (fast path):"
login | sed 's/^/  /'
after=$(cd "$work/home/demo" && find Maildir -printf '%p %T@\n' | sort)
if [ "$before" = "$after" ]; then
	echo "  nothing was rewritten: every entry and mtime is unchanged"
else
	echo "  the tree changed on the second login" >&2
	exit 1
fi
if command -v strace >/dev/null; then
	# The module's own cost: the same process with pam_permit instead.
	echo "session required pam_permit.so" >"$work/pam.d/permit"
	count() {
		LD_PRELOAD=$nsslib NSS_WRAPPER_PASSWD=$work/passwd NSS_WRAPPER_GROUP=$work/group \
			strace -f -c -o "$work/strace" "$top/tests/pamrun" -d "$work/pam.d" -s "$1" \
			-u demo -a session >/dev/null && awk '/total/ { print $4 }' "$work/strace"
	}
	with=$(count demo) without=$(count permit)
	echo "  system calls of the fast path: $((with - without)) ($with for the whole login" \
		"process, $without with pam_permit in its place)"
fi
if [ -s "$log" ]; then
	sleep 0.2
	echo
	echo "== The module's log lines:"
	grep pam_mkmaildir "$log" | sed 's/^/  /'
fi
