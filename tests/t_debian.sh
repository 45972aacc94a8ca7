#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packages, end to end (issues 7, 11, 12.9, 17), once per
# release of tests/servers/root.sh (bookworm, trixie; T_DEBIAN_RELEASES
# picks some), never on the host:
#   - in the release's build root (root.sh path build RELEASE), in fresh
#     namespaces (tests/servers/ns.sh): dpkg-buildpackage -us -uc -b as
#     nobody in a copy of the tree (the work tree is never written), which
#     runs the part of the suite that needs no root (DEB_BUILD_OPTIONS=
#     nocheck skips it; as root under a 0700 /root it says it cannot);
#     that release's lintian (no E:/W:); make install DESTDIR= PREFIX= and
#     SECUREDIR= (the module where libpam-modules keeps pam_unix.so);
#   - on the host: what the packages hold, hardening of the binaries;
#   - dovecot root: dpkg -i libpam-mkmaildir, pam-auth-update --enable /
#     --remove mkmaildir, the profile's line with the shared conffile
#     /etc/security/mkmaildir.conf (as shipped, with folders, beside a line
#     of one's own, deleted), purge with the profile enabled leaves nothing
#     behind; then the Dovecot scenario (tests/servers/dovecot.sh) against
#     the INSTALLED module;
#   - courier root: courier-authmkhome's diversions, first IMAP and POP3
#     logins through the installed authmkhome, a reinstall of the release's
#     courier-imap and courier-pop keeps authmkhome in front, the source's
#     by-hand script leaves the package's diversions alone, purge restores
#     Courier's own files and leaves nothing behind; over local diversions
#     the package refuses and leaves dpkg clean; then the Courier scenario
#     (tests/servers/courier.sh) against the installed module;
#   - the upgrade: a Debian 12 Courier root with both packages installed
#     and enabled, apt-get full-upgrade to trixie, first logins (PAM session
#     through common-session, Courier IMAP through authmkhome).
# Root only (chroot, namespaces); needs dpkg-deb and readelf on the host.
#
# ns.sh runs this same file inside the namespaces as
#   t_debian.sh --in-root TASK DEBS EXTRACT [COURIER_DEBS [- SCENARIO]]
set -u

# ---------------------------------------------------------------------------
# Inside a root (run by ns.sh: $R, $T_OUT, $T_SYSLOG, $T_PAMDIR are set).
# ---------------------------------------------------------------------------
if [ "${1:-}" = --in-root ]; then
	task=$2 DEBS=$3 X=$4 CDEBS=${5:-}
	. "$T_TOP/tests/lib.sh"
	. "$T_TOP/tests/servers/lib.sh"
	# session_py: /tmp/session.py in the root, a real libpam session
	# (authenticate, account, open and close a session): USER PASSWORD [SERVICE].
	session_py() {
		cat >"$R/tmp/session.py" <<'PY'
import ctypes, ctypes.util, sys
pam = ctypes.CDLL("libpam.so.0")
class Msg(ctypes.Structure): _fields_ = [("style", ctypes.c_int), ("msg", ctypes.c_char_p)]
class Resp(ctypes.Structure): _fields_ = [("resp", ctypes.c_char_p), ("code", ctypes.c_int)]
CONV = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.POINTER(Msg)),
                        ctypes.POINTER(ctypes.POINTER(Resp)), ctypes.c_void_p)
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.calloc.restype = ctypes.c_void_p
libc.strdup.restype = ctypes.c_void_p
def conv(n, msgs, resp, data):
    arr = libc.calloc(n, ctypes.sizeof(Resp))
    r = ctypes.cast(arr, ctypes.POINTER(Resp))
    for i in range(n):
        if msgs[i].contents.style in (1, 2):
            r[i].resp = ctypes.cast(libc.strdup(sys.argv[2].encode()), ctypes.c_char_p)
    resp[0] = r
    return 0
class Conv(ctypes.Structure): _fields_ = [("conv", CONV), ("data", ctypes.c_void_p)]
c = Conv(CONV(conv), None)
h = ctypes.c_void_p()
service = sys.argv[3] if len(sys.argv) > 3 else "t-debian"
assert pam.pam_start(service.encode(), sys.argv[1].encode(), ctypes.byref(c), ctypes.byref(h)) == 0
for step in ("pam_authenticate", "pam_acct_mgmt", "pam_open_session", "pam_close_session"):
    rc = getattr(pam, step)(h, 0)
    print(step, rc)
    if rc != 0:
        sys.exit(1)
pam.pam_end(h, 0)
PY
	}

	if [ "$task" = build ]; then
		# The release's build root: DEBS is where the results go, X the
		# copy of the source.  Everything runs as nobody in the chroot.
		inb() { chroot --userspec=65534:65534 "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/build/home LANG=C.UTF-8 CI="${CI:-}" sh -c "cd /build/pam-mkmaildir && $1"; }
		mkdir -p "$R/build/home"
		cp -a "$X" "$R/build/pam-mkmaildir"
		chown -R 65534:65534 "$R/build"
		# The root's /dev/log stands for the build host's syslog: the
		# build-time tests must send nothing there (tests/run captures).
		m=$(log_mark)
		inb 'dpkg-buildpackage -us -uc -b' >"$DEBS/build.log" 2>&1
		echo $? >"$DEBS/build.rc"
		sleep 0.5	# busybox syslogd writes asynchronously
		log_since "$m" >"$DEBS/build.syslog"
		cp "$R"/build/*.deb "$R"/build/*.changes "$R"/build/*.buildinfo "$DEBS/" 2>/dev/null
		inb 'DEB_BUILD_OPTIONS=nocheck debian/rules override_dh_auto_test' >"$DEBS/nocheck.out" 2>&1
		chroot "$R" dpkg -L libpam-modules | grep '/security/pam_unix\.so$' | head -n1 >"$DEBS/pam_unix"
		inb 'make -s print-securedir' >"$DEBS/securedir" 2>&1
		# make install as root (as an administrator would), into DESTDIR:
		# what lands, and that nothing lands outside it.
		touch "$R/build/stamp"
		chroot "$R" sh -c 'cd /build/pam-mkmaildir && make -s install DESTDIR=/build/di PREFIX=/usr/local' >"$DEBS/install.log" 2>&1
		(cd "$R/build/di" && find . -type f | sed 's|^\.||') >"$DEBS/install.list"
		find "$R/usr" "$R/lib"/ "$R/etc" -xdev -newer "$R/build/stamp" -type f 2>/dev/null | wc -l >"$DEBS/install.outside"
		# An options file already there is the administrator's: kept.
		mkdir -p "$R/build/di2/etc/security" && echo '# mine' >"$R/build/di2/etc/security/mkmaildir.conf"
		chroot "$R" sh -c 'cd /build/pam-mkmaildir && make -s install DESTDIR=/build/di2 SECUREDIR=/opt/pam' >>"$DEBS/install.log" 2>&1
		cp "$R/build/di2/etc/security/mkmaildir.conf" "$DEBS/install.conf2"
		(cd "$R/build/di2" && find . -type f | sed 's|^\.||') >"$DEBS/install.list2"
		# Built as root in a checkout under /root (0700), the build-time
		# tests cannot run as nobody: the guard says so, the build goes on.
		cp -a "$R/build/pam-mkmaildir" "$R/root/pam-mkmaildir" && chown -R 0:0 "$R/root/pam-mkmaildir"
		chmod 0700 "$R/root"
		chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
			sh -c 'cd /root/pam-mkmaildir && debian/rules override_dh_auto_test' >"$DEBS/rootbuild.out" 2>&1
		echo $? >"$DEBS/rootbuild.rc"
		chroot "$R" dpkg-query -W -f='${Version}' lintian >"$DEBS/lintian.version" 2>/dev/null
		(cd "$R/build" && chroot --userspec=65534:65534 "$R" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/build/home \
			LANG=C.UTF-8 sh -c 'lintian -I --show-overrides /build/*.changes') >"$DEBS/lintian.out" 2>&1
		echo $? >"$DEBS/lintian.rc"
		exit 0
	fi

	if [ "$task" = upgraded ]; then
		# A Debian 12 root with both packages installed and enabled, then
		# apt-get full-upgrade'd to Debian 13 (DEBS: that root, unmounted).
		printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
		chmod 0755 "$R/usr/sbin/policy-rc.d"
		# ns.sh put a module over libpam's pam_mkmaildir.so (truncating the
		# overlay's copy): the package's own file comes back from below.
		mod=$R$T_PAMDIR/pam_mkmaildir.so
		if grep -q " ${mod} " /proc/self/mountinfo; then umount "$mod" || exit 1; fi
		cp -a "$DEBS$T_PAMDIR/pam_mkmaildir.so" "$mod"
		check "upgrade: the release is Debian 13" grep -q '^VERSION_CODENAME=trixie' "$R/etc/os-release"
		check "upgrade: libpam-mkmaildir and courier-authmkhome still installed" \
			bash -c 'for p in libpam-mkmaildir courier-authmkhome; do [ "$(chroot "$0" dpkg-query -W -f="\${db:Status-Abbrev}" $p)" = "ii " ] || exit 1; done' "$R"
		check "upgrade: dpkg --audit finds nothing" test -z "$(inr dpkg --audit 2>&1)"
		check "upgrade: libpam finds the module in its directory ($T_PAMDIR)" test -s "$mod"
		check "upgrade: it is the package's module (dpkg -S of its Debian 12 path)" \
			bash -c 'chroot "$0" dpkg -S "/lib/$(basename "$(dirname "$1")")/security/pam_mkmaildir.so" | grep -q "^libpam-mkmaildir:"' "$R" "$T_PAMDIR"
		check "upgrade: the profile's line is still in common-session" grep -q 'pam_mkmaildir\.so' "$R/etc/pam.d/common-session"
		divs=$(inr dpkg-divert --list | grep -c 'by courier-authmkhome$')
		check "upgrade: both diversions of courier-authmkhome intact" test "$divs" = 2
		check "upgrade: Courier's new imapd went to the diverted name" test -x "$R/usr/bin/imapd.distrib"
		# The first logins.
		cat >"$R/etc/pam.d/t-debian" <<-'PAM'
		@include common-auth
		@include common-account
		@include common-session
		PAM
		session_py
		newuser ulla ulla-pw-1 && newuser uwe uwe-pw-1 || exit 1
		out=$(inr python3 /tmp/session.py ulla ulla-pw-1 2>&1)
		check "upgrade: a PAM session through common-session succeeds" grep -qx 'pam_open_session 0' <<<"$out"
		check_maildir "upgrade: the profile's line made ~/Maildir" /home/ulla/Maildir "$(uid_of ulla)" "$(gid_of ulla)"
		for f in imapd pop3d; do sed -i -e 's/^ADDRESS=.*/ADDRESS=127.0.0.1/' "$R/etc/courier/$f"; done
		mkdir -p "$R/run/courier/authdaemon"
		imapctl=/usr/lib/courier/imapd
		[ -x "$R$imapctl" ] || imapctl=/usr/sbin/imapd
		inr sh -c "cd / && /usr/sbin/authdaemond start && $imapctl start" >/dev/null 2>&1
		need upgrade-courier-started wait_port 143 || exit 0
		out=$(client imap uwe uwe-pw-1 list select 2>&1)
		say "uwe imap: $(tr '\n' ' ' <<<"$out")"
		check "upgrade: Courier's first IMAP login through authmkhome succeeds" grep -q '^SELECT OK' <<<"$out"
		check_maildir "upgrade: authmkhome made ~/Maildir" /home/uwe/Maildir "$(uid_of uwe)" "$(gid_of uwe)"
		inr sh -c "$imapctl stop; /usr/sbin/authdaemond stop" >/dev/null 2>&1
		exit 0
	fi

	# No service may start from a maintainer script in here.
	printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
	chmod 0755 "$R/usr/sbin/policy-rc.d"

	# ns.sh bind-mounts a module over the root's pam_mkmaildir.so; the
	# package's own file must be what PAM loads here.
	mod=$R$T_PAMDIR/pam_mkmaildir.so
	if grep -q " ${mod} " /proc/self/mountinfo; then umount "$mod" || exit 1; fi
	rm -f "$mod"

	# The package's module, where this release's libpam-modules keeps
	# pam_unix.so (what ns.sh found as T_PAMDIR).
	pkgmod=$(cd "$X" && find . -path '*/security/pam_mkmaildir.so' | head -n1)
	pkgmod=${pkgmod#.}

	# dpkgi PKG...: dpkg -i the packages' .debs inside the root.
	dpkgi() {
		local p f args=()
		mkdir -p "$R/tmp/debs"
		for p in "$@"; do
			for f in "$DEBS/${p}_"*.deb "$CDEBS/${p}_"*.deb; do
				[ -f "$f" ] || continue
				cp "$f" "$R/tmp/debs/" && args+=("/tmp/debs/$(basename "$f")")
			done
		done
		inr env DEBIAN_FRONTEND=noninteractive dpkg -i "${args[@]}" >"$T_OUT/dpkg.log" 2>&1 ||
			{ sed 's/^/   dpkg: /' "$T_OUT/dpkg.log"; return 1; }
	}
	purge() { inr env DEBIAN_FRONTEND=noninteractive dpkg --purge "$@" >"$T_OUT/dpkg.log" 2>&1 ||
			{ sed 's/^/   dpkg: /' "$T_OUT/dpkg.log"; return 1; }; }
	installed() { [ "$(inr dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = 'ii ' ]; }
	# Every path of the root with type, mode and owner (and a checksum for
	# /etc and /usr), minus what lives only for the run and dpkg's own
	# bookkeeping; and the list of a package's files (dpkg -L).
	tree() {
		(cd "$R" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \
			-o -path ./tmp -o -path ./t -o -path ./var/log -o -path ./var/cache \
			-o -path ./var/lib/dpkg -o -path ./home -o -path ./var/lib/courier \) -prune \
			-o -printf '%p %y %m %U:%G\n' | sort)
		(cd "$R" && find ./etc ./usr ./lib* -xdev -type f -exec md5sum {} + 2>/dev/null | sort -k2)
	}
	# (directories, and /lib, a symlink to one, are not the package's alone)
	files_of() { inr dpkg -L "$1" | while read -r f; do [ -d "$R$f" ] || echo "$f"; done; }
	gone() { # LIST: none of the paths exists any more
		local f left=
		while read -r f; do [ -z "$f" ] || [ ! -e "$R$f" ] && [ ! -L "$R$f" ] || left="$left $f"; done <<<"$1"
		[ -z "$left" ] || { echo "   still there:$left"; return 1; }
	}
	pam_line() { grep -E '^[^#]*pam_mkmaildir\.so' "$R/etc/pam.d/$1"; }
	same() { # NAME BEFORE AFTER
		if [ "$2" = "$3" ]; then pass "$1"; else
			fail "$1" "$(diff <(echo "$2") <(echo "$3") | grep '^[<>]' | head -n 8 | tr '\n' ';')"
		fi
	}
	# The module PAM loads is the package's file, not a bind mount.
	check_module_is_packaged() {
		check "$1: $pkgmod is the package's file" cmp -s "$R$pkgmod" "$X$pkgmod"
		check "$1: no module mounted over it" bash -c '! grep -q "/security/pam_mkmaildir.so " /proc/self/mountinfo'
		check "$1: the package's module is in libpam-modules' directory" \
			test "$(dirname "$pkgmod")" = "$(dirname "$(inr dpkg -L libpam-modules | grep '/pam_unix\.so$' | head -n1)")"
		check "$1: dpkg -S names libpam-mkmaildir" bash -c '[ "$(chroot "$0" dpkg -S "$1" 2>/dev/null | cut -d: -f1)" = libpam-mkmaildir ]' "$R" "$pkgmod"
	}

	case $task in
	pam-auth-update)
		# libpam-mkmaildir in the Dovecot root: profile, purge.
		# A user and a PAM service over common-*, made before the snapshot.
		for u in mia nora olga pia; do newuser "$u" "$u-pw-1" || exit 1; done
		printf '@include common-auth\n@include common-account\n@include common-session\n' >"$R/etc/pam.d/t-debian"
		# README.Debian's cooperation: common-session, then a line of one's
		# own that names the same file.
		printf '@include common-auth\n@include common-account\n@include common-session\nsession required pam_mkmaildir.so config=/etc/security/mkmaildir.conf\n' >"$R/etc/pam.d/t-debian-own"
		before=$(tree)
		sess0=$(cat "$R/etc/pam.d/common-session")
		need debian-install-libpam-mkmaildir dpkgi libpam-mkmaildir || exit 0
		check "installed: libpam-mkmaildir is installed" installed libpam-mkmaildir
		check_module_is_packaged installed
		check "installed: the profile is in /usr/share/pam-configs" test -f "$R/usr/share/pam-configs/mkmaildir"
		check "installed: off by default (no line in common-session)" bash -c '! grep -q pam_mkmaildir "$0"/etc/pam.d/common-session*' "$R"
		listed=$(files_of libpam-mkmaildir)
		check "installed: mkmaildir runs in the root" bash -c 'chroot "$0" /usr/sbin/mkmaildir -h >/dev/null 2>&1; [ $? -lt 126 ]' "$R"

		inr env DEBIAN_FRONTEND=noninteractive pam-auth-update --enable mkmaildir
		line=$(pam_line common-session)
		say "common-session after --enable: $line"
		check "pam-auth-update --enable mkmaildir adds the session line" grep -Eq '^session[[:space:]]+optional[[:space:]]+pam_mkmaildir\.so' <<<"$line"
		check "pam-auth-update: not in common-session-noninteractive (cron, ...)" bash -c '! grep -q pam_mkmaildir "$0"/etc/pam.d/common-session-noninteractive' "$R"
		check "pam-auth-update: the line comes after pam_unix" awk '/pam_unix\.so/ { u = NR } /pam_mkmaildir\.so/ { m = NR } END { exit !(u && m > u) }' "$R/etc/pam.d/common-session"
		inr env DEBIAN_FRONTEND=noninteractive pam-auth-update --remove mkmaildir
		check "pam-auth-update --remove mkmaildir takes the line away" bash -c '! grep -q pam_mkmaildir "$0"/etc/pam.d/common-*' "$R"
		same "pam-auth-update --remove: common-session exactly as before" "$sess0" "$(cat "$R/etc/pam.d/common-session")"

		# A real libpam session through common-session, with the module enabled.
		inr env DEBIAN_FRONTEND=noninteractive pam-auth-update --enable mkmaildir
		session_py
		mark=$(log_mark)
		out=$(inr python3 /tmp/session.py mia mia-pw-1 2>&1)
		say "libpam session: $(tr '\n' ' ' <<<"$out")"
		check "common-session: a libpam session of a system user succeeds" grep -qx 'pam_open_session 0' <<<"$out"
		check_maildir "common-session: the installed module made ~/Maildir" /home/mia/Maildir "$(uid_of mia)" "$(gid_of mia)"
		check "common-session: the module logged the creation" log_has "$mark" 'pam_mkmaildir.*created.*/home/mia/Maildir'
		check "common-session: the profile's line names the shared config file" \
			grep -Eq 'pam_mkmaildir\.so[[:space:]]+config=/etc/security/mkmaildir\.conf$' "$R/etc/pam.d/common-session"
		conf=$R/etc/security/mkmaildir.conf
		check "conffile: /etc/security/mkmaildir.conf installed, root's, 0644" \
			test "$(stat -c '%U:%G %a' "$conf" 2>/dev/null)" = "root:root 644"
		check "conffile: as shipped, a new maildir has INBOX only (the defaults)" \
			bash -c '! ls -a "$0" | grep -q "^\.[A-Z]"' "$R/home/mia/Maildir"
		# The folders go in the file: the profile's line makes them.
		cp "$conf" "$T_OUT/mkmaildir.conf.orig"
		printf 'folders=Drafts,Sent,Trash,Junk\nsubscribe\n' >>"$conf"
		out=$(inr python3 /tmp/session.py nora nora-pw-1 2>&1)
		check "conffile: with folders= in the file, the profile's session succeeds" grep -qx 'pam_open_session 0' <<<"$out"
		check "conffile: the profile's line made the folders of the file" \
			bash -c 'for f in Drafts Sent Trash Junk; do [ -d "$0/.$f/cur" ] || exit 1; done; grep -q Sent "$0/subscriptions"' "$R/home/nora/Maildir"
		# An explicit line of one's own after common-session, same file.
		out=$(inr python3 /tmp/session.py olga olga-pw-1 t-debian-own 2>&1)
		check "profile + own line with config=: the session succeeds" grep -qx 'pam_open_session 0' <<<"$out"
		check "profile + own line with config=: the folders are there" \
			bash -c 'for f in Drafts Sent Trash Junk; do [ -d "$0/.$f/cur" ] || exit 1; done' "$R/home/olga/Maildir"
		# The file deleted by the administrator: one clear line, nothing made,
		# the login goes on (the profile's line is optional).
		rm -f "$conf"
		mark=$(log_mark)
		out=$(inr python3 /tmp/session.py pia pia-pw-1 2>&1)
		check "conffile deleted: the profile's session still succeeds (optional)" grep -qx 'pam_open_session 0' <<<"$out"
		check "conffile deleted: nothing is made" test ! -e "$R/home/pia/Maildir"
		check "conffile deleted: the module says why" log_has "$mark" 'pam_mkmaildir.*config.*/etc/security/mkmaildir\.conf'
		cp "$T_OUT/mkmaildir.conf.orig" "$conf"

		# An upgrade (a reinstall goes through the same scripts) keeps an
		# enabled profile enabled.
		need debian-reinstall-libpam-mkmaildir dpkgi libpam-mkmaildir || exit 0
		check "upgrade: the enabled session line stays" grep -q 'pam_mkmaildir' "$R/etc/pam.d/common-session"

		# Purge with the profile still enabled.
		need debian-purge-libpam-mkmaildir purge libpam-mkmaildir || exit 0
		check "purge: warns that /etc/pam.d/t-debian-own still names the module" \
			grep -q 'warning: pam_mkmaildir.so is still named in .*/etc/pam.d/t-debian-own' "$T_OUT/dpkg.log"
		check "purge: libpam-mkmaildir is gone from dpkg" bash -c '! chroot "$0" dpkg-query -W libpam-mkmaildir >/dev/null 2>&1' "$R"
		check "purge: the session line is gone from common-session*" bash -c '! grep -q pam_mkmaildir "$0"/etc/pam.d/common-*' "$R"
		check "purge: no file of dpkg -L is left ($(wc -l <<<"$listed") files)" gone "$listed"
		check "purge: no maintainer script or list of the package is left" bash -c '! ls "$0"/var/lib/dpkg/info/ | grep -q "^libpam-mkmaildir"' "$R"
		same "purge: the root is as before the install" "$before" "$(tree)"
		;;

	courier-authmkhome)
		# courier-authmkhome in the Courier root with the stock PAM files
		# (no pam_mkmaildir line): only authmkhome can make the maildirs.
		for f in imapd pop3d; do
			sed -i -e 's/^ADDRESS=.*/ADDRESS=127.0.0.1/' "$R/etc/courier/$f"
		done
		mkdir -p "$R/run/courier/authdaemon"
		# Courier's IMAP control script: /usr/sbin/imapd on Debian 12,
		# /usr/lib/courier/imapd on 13 (pop3d stays in /usr/sbin).
		imapctl=/usr/sbin/imapd
		[ -x "$R$imapctl" ] || imapctl=/usr/lib/courier/imapd
		inr sh -c "cd / && /usr/sbin/authdaemond start && $imapctl start && /usr/sbin/pop3d start" >/dev/null 2>&1
		need debian-courier-started wait_port 143 || exit 0
		need debian-courier-started wait_port 110 || exit 0
		for u in dave bob carol erin frank gina; do newuser "$u" "$u-pw-1" || exit 1; done
		sleep 0.5
		before=$(tree)
		div0=$(inr dpkg-divert --list | sort)
		if client imap dave dave-pw-1 >/dev/null 2>&1; then
			fail "stock Courier refuses a first login without maildir" "it did not: the courier-authmkhome checks would prove nothing"
			exit 0
		fi

		need debian-install-courier-authmkhome dpkgi courier-authmkhome || exit 0
		check "courier-authmkhome: installed" installed courier-authmkhome
		divs=$(inr dpkg-divert --list | grep 'by courier-authmkhome$')
		say "diversions: $(tr '\n' ';' <<<"$divs")"
		check "courier-authmkhome: diverts something on install" test -n "$divs"
		# "diversion of /usr/bin/imapd to /usr/bin/imapd.distrib by courier-authmkhome"
		pairs=$(awk '{ print $3, $5 }' <<<"$divs")
		origmd5() { # FILE: the md5sum the owning Courier package records for FILE
			local f=$1 p
			for p in courier-imap courier-pop; do
				awk -v f="${f#/}" '$2 == f { print $1 }' "$R/var/lib/dpkg/info/$p.md5sums" 2>/dev/null
			done | head -n1
		}
		diversions_ok() { # LABEL
			local f d ok=0 m
			while read -r f d; do
				[ -n "$f" ] || continue
				m=$(origmd5 "$f")
				[ -n "$m" ] || { echo "   $f: no Courier package ships it"; ok=1; continue; }
				[ "$(md5sum <"$R$d" | cut -d' ' -f1)" = "$m" ] || { echo "   $d is not Courier's $f"; ok=1; }
				cmp -s "$R$f" "$X$f" || { echo "   $f is not courier-authmkhome's file"; ok=1; }
			done <<<"$pairs"
			return $ok
		}
		check "courier-authmkhome: Courier's programs moved aside, authmkhome's in their place" diversions_ok
		check "courier-authmkhome: imapd is among them" grep -q '^/usr/bin/imapd ' <<<"$pairs"
		listed=$(files_of courier-authmkhome)

		mark=$(log_mark)
		out=$(client imap bob bob-pw-1 list select 2>&1)
		say "bob imap: $(tr '\n' ' ' <<<"$out")"
		check "authmkhome (installed): first IMAP login succeeds" grep -q '^SELECT OK' <<<"$out"
		check_maildir "authmkhome (installed): IMAP login made ~/Maildir" /home/bob/Maildir "$(uid_of bob)" "$(gid_of bob)"
		out=$(client pop3 carol carol-pw-1 2>&1)
		say "carol pop3: $(tr '\n' ' ' <<<"$out")"
		check "authmkhome (installed): first POP3 login succeeds" grep -qx 'STAT 0 0' <<<"$out"
		check_maildir "authmkhome (installed): POP3 login made ~/Maildir" /home/carol/Maildir "$(uid_of carol)" "$(gid_of carol)"
		check "authmkhome (installed): logged to syslog" log_has "$mark" 'authmkhome'

		# An upgrade of Courier (a reinstall of the same .debs goes through
		# the same unpack): authmkhome must stay in front.
		if [ -n "$CDEBS" ] && ls "$CDEBS"/courier-imap_*.deb "$CDEBS"/courier-pop_*.deb >/dev/null 2>&1; then
			if need debian-courier-reinstall dpkgi courier-imap courier-pop; then
				check "courier upgrade: diversions still in place" test "$divs" = "$(inr dpkg-divert --list | grep 'by courier-authmkhome$')"
				check "courier upgrade: authmkhome still in front, Courier's new files aside" diversions_ok
				out=$(client imap erin erin-pw-1 select 2>&1)
				check "courier upgrade: first IMAP login still makes the maildir" grep -q '^SELECT OK' <<<"$out"
				check_maildir "courier upgrade: erin's maildir" /home/erin/Maildir "$(uid_of erin)" "$(gid_of erin)"
			fi
		else
			skip "courier upgrade" "no courier-imap/courier-pop .debs could be downloaded"
		fi

		if need debian-reinstall-courier-authmkhome dpkgi courier-authmkhome; then
			check "courier-authmkhome upgrade: diversions unchanged" test "$divs" = "$(inr dpkg-divert --list | grep 'by courier-authmkhome$')"
			check "courier-authmkhome upgrade: wrappers and servers in place" diversions_ok
		fi

		# The source's by-hand script over the package's diversions (issue
		# 12, 9b): it must leave them, and the package's wrappers, alone.
		out=$(inr /t/conf/courier-authmkhome/courier-authmkhome remove 2>&1)
		say "courier-authmkhome remove over the package's diversions: $(tr '\n' ' ' <<<"$out")"
		check "by-hand remove: says the diversions are the package's" grep -q 'diverted by package courier-authmkhome' <<<"$out"
		check "by-hand remove: the package's diversions stay" test "$divs" = "$(inr dpkg-divert --list | grep 'by courier-authmkhome$')"
		check "by-hand remove: the package's wrappers and Courier's servers stay" diversions_ok
		out=$(inr /t/conf/courier-authmkhome/courier-authmkhome install 2>&1)
		check "by-hand install: refuses over the package's diversions" bash -c '! grep -q "now runs authmkhome" <<<"$0"' "$out"
		check "by-hand install: the package's wrappers stay" diversions_ok
		out=$(client imap gina gina-pw-1 select 2>&1)
		check "by-hand remove/install: a first IMAP login still makes the maildir" grep -q '^SELECT OK' <<<"$out"

		need debian-purge-courier-authmkhome purge courier-authmkhome || exit 0
		check "purge: courier-authmkhome is gone from dpkg" bash -c '! chroot "$0" dpkg-query -W courier-authmkhome >/dev/null 2>&1' "$R"
		same "purge: diversions removed" "$div0" "$(inr dpkg-divert --list | sort)"
		restored() {
			local f d
			while read -r f d; do
				[ -n "$f" ] || continue
				[ "$(md5sum <"$R$f" | cut -d' ' -f1)" = "$(origmd5 "$f")" ] || { echo "   $f is not Courier's"; return 1; }
				[ ! -e "$R$d" ] || { echo "   $d is left"; return 1; }
			done <<<"$pairs"
		}
		check "purge: Courier's own programs are back in place" restored
		check "purge: no file of dpkg -L is left ($(wc -l <<<"$listed") files)" gone "$(grep -vxF -f <(cut -d' ' -f1 <<<"$pairs") <<<"$listed")"
		out=$(client imap frank frank-pw-1 2>&1)
		check "purge: stock Courier again (no maildir, login refused)" bash -c '! grep -q "^LOGIN OK" <<<"$0"' "$out"
		same "purge: the root is as before the install" "$before" "$(tree)"
		inr sh -c "/usr/sbin/pop3d stop; $imapctl stop; /usr/sbin/authdaemond stop" >/dev/null 2>&1
		;;

	local-diversion)
		# conf/courier-authmkhome (the by-hand way of authmkhome(8)) left
		# local diversions: the package refuses them and changes nothing.
		install -m 0755 "$X/usr/sbin/authmkhome" "$R/usr/sbin/authmkhome"
		need debian-by-hand-install inr /t/conf/courier-authmkhome/courier-authmkhome install >/dev/null || exit 0
		div0=$(inr dpkg-divert --list | sort)
		before=$(tree)
		cp "$DEBS"/courier-authmkhome_*.deb "$R/tmp/"
		out=$(inr sh -c 'dpkg -i /tmp/courier-authmkhome_*.deb' 2>&1)
		rc=$?
		say "dpkg -i over local diversions (rc $rc): $(grep courier-authmkhome: <<<"$out" | head -n 2 | tr '\n' ' ')"
		check "local diversions: dpkg -i courier-authmkhome refuses" test "$rc" != 0
		check "local diversions: the reason is given" grep -q 'already diverted by a local diversion' <<<"$out"
		check "local diversions: the package is not installed" \
			test "$(inr dpkg-query -W -f='${db:Status-Status}' courier-authmkhome 2>/dev/null)" != installed
		# and the refusal leaves dpkg clean: no half-installed
		# package that every later apt run stops at.
		st=$(inr dpkg-query -W -f='${db:Status-Abbrev}' courier-authmkhome 2>/dev/null)
		say "courier-authmkhome after the refusal: '${st:-unknown}'"
		check "local diversions: no reinstall-required state (was iHR)" bash -c '[ "${0:2:1}" != R ]' "${st:-   }"
		check "local diversions: dpkg --audit finds nothing" test -z "$(inr dpkg --audit 2>&1)"
		same "local diversions: left as they were" "$div0" "$(inr dpkg-divert --list | sort)"
		same "local diversions: the root is as before" "$before" "$(tree)"
		# Broken by hand, the diversion record gone first, then Courier's
		# server renamed over the wrapper.
		need debian-by-hand-remove inr /t/conf/courier-authmkhome/courier-authmkhome remove >/dev/null || exit 0
		rm -f "$R/usr/sbin/authmkhome"
		check "by-hand remove: no diversion of either server is left" \
			bash -c '! chroot "$0" dpkg-divert --list | grep -Eq "/usr/bin/imapd|courierpop3d"' "$R"
		byhand_restored() {
			local f p m
			for f in /usr/bin/imapd:courier-imap /usr/lib/courier/courier/courierpop3d:courier-pop; do
				p=${f#*:} f=${f%%:*}
				m=$(awk -v f="${f#/}" '$2 == f { print $1 }' "$R/var/lib/dpkg/info/$p.md5sums")
				[ "$(md5sum <"$R$f" | cut -d' ' -f1)" = "$m" ] || { echo "   $f is not $p's"; return 1; }
				[ ! -e "$R$f.distrib" ] || { echo "   $f.distrib is left"; return 1; }
			done
		}
		check "by-hand remove: Courier's own servers are back, no .distrib left" byhand_restored
		check "local diversions: after courier-authmkhome remove, the package installs" dpkgi courier-authmkhome
		check "local diversions: and diverts both servers itself" test "$(inr dpkg-divert --list | grep -c 'by courier-authmkhome$')" = 2
		;;

	scenario)
		# The real-servers scenario, against the installed module.
		name=$6
		need "debian-install-libpam-mkmaildir-$name" dpkgi libpam-mkmaildir || exit 0
		check_module_is_packaged "$name scenario"
		inner=$T_OUT/scenario-results
		: >"$inner"
		T_RESULTS=$inner bash "$T_TOP/tests/servers/$name.sh"
		rc=$?
		sed -E 's/^(PASS|FAIL|SKIP) /\1 installed package: /' "$inner" >>"$T_RESULTS"
		check "$name scenario against the installed module ran checks" test "$(grep -c '^PASS' "$inner")" -gt 0
		[ "$rc" = 0 ] || fail "$name scenario" "exited $rc"
		;;
	esac
	exit 0
fi

# ---------------------------------------------------------------------------
# Outside: for each release, build and lintian in its build root, inspect,
# then its server roots.
# ---------------------------------------------------------------------------
. "$(dirname "$0")/lib.sh"
self=$T_TOP/tests/t_debian.sh
rootsh=$T_TOP/tests/servers/root.sh
t0=$(date +%s.%N)
lap() { awk -v a="$t0" -v b="$(date +%s.%N)" -v n="$1" 'BEGIN { printf "   [%-40s %5.1f s]\n", n, b - a }'; t0=$(date +%s.%N); }
say() { printf '   %s\n' "$*"; }

if ! is_root; then skip debian "builds as nobody and installs into throwaway roots: needs root"; exit 0; fi
[ -f "$T_TOP/debian/control" ] || { fail debian "no debian/control"; exit 0; }
for t in unshare chroot mount dpkg-deb readelf; do
	command -v "$t" >/dev/null || { skip "debian: tools" "$t is not installed"; exit 0; }
done
chmod 0711 "$T_WORK"

getroot() { # NAME RELEASE: the cached root of the real-servers suite
	local err rc r
	err=$b/root-err
	r=$("$rootsh" path "$1" "$2" 2>"$err")
	rc=$?
	# Only the path goes to stdout (the caller captures it); root.sh's
	# progress lines of a first build go to the log.
	sed 's/^/ /' "$err" >&2
	if [ "$rc" = 77 ]; then skip "debian $2: $1 root" "$(tail -n1 "$err")"; return 1; fi
	if [ "$rc" != 0 ] || [ ! -d "$r" ]; then fail "debian $2: $1 root" "cannot build it"; return 1; fi
	echo "$r"
}
# inroot ROOT TASK [ARGS]: this script in fresh namespaces around ROOT; its
# results are named after the release.
inroot() {
	local r=$1 task=$2 res=$b/results-$2 rc
	shift 2
	: >"$res"
	# T_RELEASE: the scenarios of tests/servers pick the release's server
	# configuration by it (the upgraded root is a trixie one).
	T_RESULTS=$res T_RELEASE=${relname:-$rel} T_MODULE=${mod:-$T_TOP/pam_mkmaildir.so} \
		"$T_TOP/tests/servers/ns.sh" "$r" "$self" --in-root "$task" "$@"
	rc=$?
	sed -E "s/^(PASS|FAIL|SKIP) /\1 $rel: /" "$res" >>"$T_RESULTS"
	[ "$rc" = 0 ] || fail "$rel: debian: $task in the root" "exited $rc"
}

# Hardening of an ELF file: full RELRO, BIND_NOW, PIE executables, stack
# protector and fortified calls where the code has any.
hard() {
	local f=$1 why=
	readelf -lW "$f" | grep -q GNU_RELRO || why="$why no RELRO;"
	readelf -dW "$f" | grep -Eq 'BIND_NOW|FLAGS_1.*NOW' || why="$why no BIND_NOW;"
	readelf -hW "$f" | grep -q 'DYN ' || why="$why not PIE/PIC;"
	readelf -sW --dyn-syms "$f" | grep -q '__stack_chk_fail' || why="$why no stack protector;"
	readelf -sW --dyn-syms "$f" | grep -q '_chk@' || why="$why no fortified calls;"
	readelf -lW "$f" | grep -A1 GNU_STACK | grep -q 'RWE' && why="$why executable stack;"
	[ -z "$why" ] || { echo "   $f:$why"; return 1; }
}

# The Courier packages installed in ROOT, downloaded into DIR with the
# root's own apt sources and keys (so for its release), nothing written to
# the root: the .debs to reinstall over the diversions.
root_download() { # ROOT DIR PKG...
	local r=$1 d=$2 p v want= o
	shift 2
	for p in "$@"; do
		v=$(dpkg-query --admindir="$r/var/lib/dpkg" -W -f='${Version}' "$p" 2>/dev/null) && want="$want $p=$v"
	done
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	o=(-o Dir="$r/" -o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache"
		-o Dir::State::status="$r/var/lib/dpkg/status" -o Dir::Bin::Methods=/usr/lib/apt/methods
		-o Dir::Log="$d" -o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq)
	# shellcheck disable=SC2086
	apt-get "${o[@]}" update >"$d/apt.log" 2>&1 && (cd "$d" && apt-get "${o[@]}" download $want >>"$d/apt.log" 2>&1)
}

debian_release() { # RELEASE
	local rel=$1 b src x mod broot root lint f
	b=$T_WORK/debian-$rel
	src=$b/src
	x=$b/extract
	mod=
	# A copy of the tree (what is in the work tree now, built files aside);
	# the build root builds it as nobody, as on a buildd.
	mkdir -p "$src"
	tar -C "$T_TOP" -cf - --exclude=./.git --exclude=./debian/tmp --exclude=./debian/.debhelper \
		--exclude=./debian/libpam-mkmaildir --exclude=./debian/courier-authmkhome \
		--exclude='./debian/*-dbgsym' --exclude=./debian/files --exclude='./debian/*.substvars' \
		--exclude='./debian/*.debhelper.log' --exclude='./debian/debhelper-build-stamp' \
		--exclude='./build-san' --exclude='*.o' --exclude=./pam_mkmaildir.so --exclude=./authmkhome \
		--exclude=./mkmaildir --exclude=./tests/pamrun . | tar -C "$src" -xf -

	broot=$(getroot build "$rel") || return 0
	lap "$rel: build root"
	inroot "$broot" build "$b" "$src"
	lap "$rel: dpkg-buildpackage, lintian, make install"

	if [ "$(cat "$b/build.rc" 2>/dev/null)" != 0 ]; then
		tail -n 30 "$b/build.log" | sed 's/^/   build: /'
		fail "$rel: dpkg-buildpackage -us -uc -b (as nobody)" "exit $(cat "$b/build.rc" 2>/dev/null)"
		return 0
	fi
	pass "$rel: dpkg-buildpackage -us -uc -b (as nobody)"
	local summary changes deb_pam deb_cam secdir contents_pam contents_cam fields
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$b/build.log" | tail -n1)
	say "$rel: build-time tests: ${summary:-none}"
	check "$rel: the build ran the no-root test suite and it passed" grep -Eq '^[1-9][0-9]* passed, 0 failed' <<<"$summary"
	check "$rel: the build-time tests sent no line to the build host's syslog" test ! -s "$b/build.syslog"
	[ ! -s "$b/build.syslog" ] || head -n 3 "$b/build.syslog" | sed 's/^/   leaked: /'
	check "$rel: the build-time tests captured their syslog lines instead" \
		grep -Eq '^syslog: [1-9][0-9]* lines captured, none sent' "$b/build.log"
	check "$rel: DEB_BUILD_OPTIONS=nocheck runs no tests" bash -c '! grep -q "passed" "$0"' "$b/nocheck.out"
	say "$rel: tests of a root build under /root (0700): $(tail -n1 "$b/rootbuild.out") (exit $(cat "$b/rootbuild.rc"))"
	check "$rel: built as root under /root (0700): the tests are not run, and it says so" \
		grep -qx 'tests: built as root in a tree nobody cannot read: not run' "$b/rootbuild.out"
	check "$rel: built as root under /root (0700): the test step succeeds" test "$(cat "$b/rootbuild.rc")" = 0

	changes=$(ls "$b"/pam-mkmaildir_*_*.changes 2>/dev/null | head -n1)
	deb_pam=$(ls "$b"/libpam-mkmaildir_*.deb 2>/dev/null | head -n1)
	deb_cam=$(ls "$b"/courier-authmkhome_*.deb 2>/dev/null | head -n1)
	if [ -z "$changes" ] || [ -z "$deb_pam" ] || [ -z "$deb_cam" ]; then
		fail "$rel: the build made both packages" "$(ls "$b")"
		return 0
	fi

	# --- what the packages hold ------------------------------------------
	mkdir -p "$x"
	dpkg-deb -x "$deb_pam" "$x" && dpkg-deb -x "$deb_cam" "$x"
	secdir=$(dirname "$(cat "$b/pam_unix")")
	say "$rel: libpam-modules keeps pam_unix.so in $secdir"
	check "$rel: libpam-mkmaildir: the module in libpam-modules' directory ($secdir)" test -f "$x$secdir/pam_mkmaildir.so"
	check "$rel: libpam-mkmaildir: one module, nowhere else" \
		test "$(cd "$x" && find . -name 'pam_mkmaildir.so*' | wc -l)" = 1
	mod=$x$secdir/pam_mkmaildir.so
	contents_pam=$(dpkg-deb -c "$deb_pam" | awk '{ print $6 }' | sed 's|^\./|/|')
	contents_cam=$(dpkg-deb -c "$deb_cam" | awk '{ print $6 }' | sed 's|^\./|/|')
	for f in /usr/sbin/mkmaildir /usr/share/man/man8/pam_mkmaildir.8.gz /usr/share/man/man8/mkmaildir.8.gz \
		/usr/share/pam-configs/mkmaildir /usr/share/doc/libpam-mkmaildir/copyright \
		/usr/share/doc/libpam-mkmaildir/examples/pam.d/dovecot /usr/share/doc/libpam-mkmaildir/examples/mkmaildir.conf \
		/etc/security/mkmaildir.conf; do
		check "$rel: libpam-mkmaildir ships $f" grep -qxF "$f" <<<"$contents_pam"
	done
	for f in /usr/sbin/authmkhome /usr/share/man/man8/authmkhome.8.gz /usr/share/doc/courier-authmkhome/copyright \
		/usr/share/doc/courier-authmkhome/examples/authmkhome-creator; do
		check "$rel: courier-authmkhome ships $f" grep -qxF "$f" <<<"$contents_cam"
	done
	check "$rel: courier-authmkhome: the example creator is not installed as the default creator" \
		bash -c '! grep -qx /usr/sbin/authmkhome-creator <<<"$0"' "$contents_cam"
	check "$rel: /etc/security/mkmaildir.conf is a conffile of libpam-mkmaildir" \
		bash -c 'dpkg-deb --ctrl-tarfile "$0" | tar -xOf - ./conffiles | grep -qx /etc/security/mkmaildir.conf' "$deb_pam"
	check "$rel: /etc/security/mkmaildir.conf sets no option as shipped (changes nothing)" \
		bash -c '! grep -Ev "^[[:space:]]*(#|$)" "$0"' "$x/etc/security/mkmaildir.conf"
	check "$rel: courier-authmkhome ships nothing in /etc (its presence changes nothing)" \
		bash -c '! grep -q "^/etc/" <<<"$0"' "$contents_cam"
	check "$rel: pam-configs/mkmaildir: Default: no" grep -qx 'Default: no' "$x/usr/share/pam-configs/mkmaildir"
	check "$rel: pam-configs/mkmaildir: the session line reads the shared config file" \
		awk '/^Session:/ { s = 1; next } /^[^ \t]/ { s = 0 } s && /pam_mkmaildir\.so[ \t]+config=\/etc\/security\/mkmaildir\.conf$/ { f = 1 } END { exit !f }' "$x/usr/share/pam-configs/mkmaildir"
	fields=$(dpkg-deb -f "$deb_pam" Depends; dpkg-deb -f "$deb_cam" Depends)
	check "$rel: Depends: shlibs resolved (libc6, libpam0g)" bash -c 'grep -q "libc6 (>=" <<<"$0" && grep -q "libpam0g" <<<"$0"' "$fields"
	for f in "$mod" "$x"/usr/sbin/mkmaildir "$x"/usr/sbin/authmkhome; do
		check "$rel: hardened: ${f#"$x"}" hard "$f"
	done

	# --- make install, in the build root ---------------------------------
	say "$rel: make print-securedir: $(cat "$b/securedir")"
	check "$rel: make's default SECUREDIR is libpam-modules' ($secdir)" test "$(cat "$b/securedir")" = "$secdir"
	check "$rel: make install DESTDIR= PREFIX=/usr/local: module in DESTDIR$secdir" \
		grep -qx "$secdir/pam_mkmaildir.so" "$b/install.list"
	check "$rel: make install DESTDIR= PREFIX=/usr/local: programs in PREFIX/sbin" \
		bash -c 'grep -qx /usr/local/sbin/mkmaildir "$0" && grep -qx /usr/local/sbin/authmkhome "$0" && grep -qx /usr/local/share/man/man8/pam_mkmaildir.8 "$0"' "$b/install.list"
	check "$rel: make install DESTDIR=: nothing outside DESTDIR" test "$(cat "$b/install.outside")" = 0
	check "$rel: make install SECUREDIR=/opt/pam honoured" grep -qx /opt/pam/pam_mkmaildir.so "$b/install.list2"
	check "$rel: make install installs /etc/security/mkmaildir.conf (the recipes' config=)" \
		grep -qx /etc/security/mkmaildir.conf "$b/install.list"
	check "$rel: make install leaves an existing /etc/security/mkmaildir.conf as it is" \
		test "$(cat "$b/install.conf2")" = '# mine'

	# --- that release's lintian ------------------------------------------
	lint=$(cat "$b/lintian.out")
	printf '%s\n' "$lint" | sed "s/^/   lintian $rel: /"
	if [ "$(cat "$b/lintian.rc")" -ge 2 ] && ! grep -q '^[EWIPNO]:' <<<"$lint"; then
		fail "$rel: lintian ran" "exit $(cat "$b/lintian.rc")"
	else
		check "$rel: lintian ($(cat "$b/lintian.version")): no errors" bash -c '! grep -q "^E:" <<<"$0"' "$lint"
		check "$rel: lintian ($(cat "$b/lintian.version")): no warnings" bash -c '! grep -q "^W:" <<<"$0"' "$lint"
	fi
	lap "$rel: contents"

	# --- in the release's server roots -----------------------------------
	if root=$(getroot dovecot "$rel"); then
		lap "$rel: dovecot root"
		inroot "$root" pam-auth-update "$b" "$x"
		lap "$rel: install, pam-auth-update, purge"
		inroot "$root" scenario "$b" "$x" "" dovecot
		lap "$rel: dovecot scenario, installed"
	fi
	if root=$(getroot courier "$rel"); then
		lap "$rel: courier root"
		cdebs=$b/courier-debs
		root_download "$root" "$cdebs" courier-imap courier-pop || sed 's/^/   apt: /' "$cdebs/apt.log" | tail -n 5
		inroot "$root" courier-authmkhome "$b" "$x" "$cdebs"
		lap "$rel: courier-authmkhome"
		inroot "$root" local-diversion "$b" "$x"
		lap "$rel: over local diversions"
		inroot "$root" scenario "$b" "$x" "" courier
		lap "$rel: courier scenario, installed"
	fi
}

# upchroot DIR SCRIPT: SCRIPT (sh) chrooted into DIR, with /proc, /dev, /run
# and /tmp of a private mount namespace, the network of the host.
upchroot() {
	unshare --mount --pid --fork --propagation private bash -c '
		r=$1
		mount -t proc proc "$r/proc" && mount --bind /dev "$r/dev" &&
		mount -t tmpfs -o mode=0755 run "$r/run" && mount -t tmpfs -o mode=1777 tmp "$r/tmp" || exit 1
		chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
			DEBIAN_FRONTEND=noninteractive sh -c "$2"' upchroot "$@"
}

# The upgrade an administrator does: a Debian 12 Courier root with the
# Debian 12 packages installed and enabled, apt-get full-upgrade to trixie,
# then the first logins (it downloads and unpacks a whole release).
upgrade_test() {
	local b=$T_WORK/debian-bookworm u=$T_WORK/upgrade root rel=bookworm x mod relname
	x=$b/extract
	mod=$(find "$x" -path '*/security/pam_mkmaildir.so' | head -n1)
	if ! ls "$b"/libpam-mkmaildir_*.deb "$b"/courier-authmkhome_*.deb >/dev/null 2>&1 || [ -z "$mod" ]; then
		fail "upgrade 12 to 13" "no Debian 12 packages were built"
		return 0
	fi
	root=$(getroot courier bookworm) || return 0
	mkdir -p "$u"
	cp -a --reflink=auto "$root" "$u/root" || { fail "upgrade 12 to 13" "cannot copy the root"; return 0; }
	mkdir -p "$u/root/root/debs"
	cp "$b"/libpam-mkmaildir_*.deb "$b"/courier-authmkhome_*.deb "$u/root/root/debs/"
	cp /etc/resolv.conf "$u/root/etc/resolv.conf"
	printf '#!/bin/sh\nexit 101\n' >"$u/root/usr/sbin/policy-rc.d"
	chmod 0755 "$u/root/usr/sbin/policy-rc.d"
	upchroot "$u/root" 'dpkg -i /root/debs/*.deb && pam-auth-update --enable mkmaildir' >"$u/install.log" 2>&1
	check "upgrade 12 to 13: the Debian 12 packages install and enable in Debian 12" test $? = 0
	lap "upgrade: install in Debian 12"
	sed -i 's/ bookworm / trixie /' "$u/root/etc/apt/sources.list"
	if ! upchroot "$u/root" 'apt-get -qq update' >"$u/upgrade.log" 2>&1; then
		sed 's/^/   apt: /' "$u/upgrade.log" | tail -n 5
		skip "upgrade 12 to 13" "apt-get update of trixie failed: registry unreachable?"
		rm -rf "$u"
		return 0
	fi
	upchroot "$u/root" 'apt-get -y -q -o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold full-upgrade' >>"$u/upgrade.log" 2>&1
	local rc=$?
	[ "$rc" = 0 ] || tail -n 20 "$u/upgrade.log" | sed 's/^/   apt: /'
	say "upgrade: $(grep -E '^[0-9]+ upgraded' "$u/upgrade.log" | tail -n1)"
	check "upgrade 12 to 13: apt-get full-upgrade succeeds" test "$rc" = 0
	lap "upgrade: apt-get full-upgrade to trixie"
	rel=upgrade relname=trixie
	inroot "$u/root" upgraded "$u/root" "$x"
	lap "upgrade: first logins in Debian 13"
	rm -rf "$u"
}

for rel in ${T_DEBIAN_RELEASES:-$("$rootsh" releases)}; do
	debian_release "$rel"
done
# Measured here: ~90 s warm (copy, install, 65 s full-upgrade of ~150
# packages, logins), so it runs by default; T_DEBIAN_UPGRADE=0 leaves it out.
case " ${T_DEBIAN_RELEASES:-$("$rootsh" releases)} " in
*" bookworm "*) [ "${T_DEBIAN_UPGRADE:-1}" = 0 ] || upgrade_test ;;
esac
exit 0
