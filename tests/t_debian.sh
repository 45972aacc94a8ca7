#!/usr/bin/env bash
# The Debian packages, end to end (issue 7):
#   - dpkg-buildpackage -us -uc -b, as nobody, in a copy of the tree under
#     $T_WORK (the work tree is never written); the build runs the part of
#     the suite that needs no root; DEB_BUILD_OPTIONS=nocheck skips it;
#   - what the packages hold, hardening of the binaries, lintian (no E:/W:);
#   - in the throwaway Debian 12 roots of the real-servers suite (never on
#     the host), each in fresh namespaces (tests/servers/ns.sh):
#       dovecot root: dpkg -i libpam-mkmaildir, pam-auth-update --enable /
#         --remove mkmaildir add and take away the common-session line, purge
#         with the profile enabled leaves nothing behind; then the Dovecot
#         scenario (tests/servers/dovecot.sh) against the INSTALLED module;
#       courier root: courier-authmkhome's diversions, first IMAP and POP3
#         logins through the installed authmkhome, a reinstall of courier-imap
#         and courier-pop keeps authmkhome in front, purge restores Courier's
#         own files and leaves nothing behind;
#       courier root again: the Courier scenario (tests/servers/courier.sh)
#         against the installed module.
# Root only (builds as nobody, chroot, namespaces); missing build tools are
# installed on the host with apt-get (the only change made to the host).
#
# ns.sh runs this same file inside the namespaces as
#   t_debian.sh --in-root TASK DEBS EXTRACT [COURIER_DEBS]
set -u

# ---------------------------------------------------------------------------
# Inside a root (run by ns.sh: $R, $T_OUT, $T_SYSLOG, $T_PAMDIR are set).
# ---------------------------------------------------------------------------
if [ "${1:-}" = --in-root ]; then
	task=$2 DEBS=$3 X=$4 CDEBS=${5:-}
	. "$T_TOP/tests/lib.sh"
	. "$T_TOP/tests/servers/lib.sh"

	# No service may start from a maintainer script in here.
	printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
	chmod 0755 "$R/usr/sbin/policy-rc.d"

	# ns.sh bind-mounts a module over the root's pam_mkmaildir.so; the
	# package's own file must be what PAM loads here.
	mod=$R$T_PAMDIR/pam_mkmaildir.so
	if grep -q " ${mod} " /proc/self/mountinfo; then umount "$mod" || exit 1; fi
	rm -f "$mod"

	ma=$(basename "$(dirname "$(dirname "$(find "$X/lib" -name pam_mkmaildir.so | head -n1)")")")
	pkgmod=/lib/$ma/security/pam_mkmaildir.so

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
		check "$1: dpkg -S names libpam-mkmaildir" bash -c '[ "$(chroot "$0" dpkg -S "$1" 2>/dev/null | cut -d: -f1)" = libpam-mkmaildir ]' "$R" "$pkgmod"
	}

	case $task in
	pam-auth-update)
		# libpam-mkmaildir in the Dovecot root: profile, purge.
		# A user and a PAM service over common-*, made before the snapshot.
		newuser mia 'mia-pw-1' || exit 1
		printf '@include common-auth\n@include common-account\n@include common-session\n' >"$R/etc/pam.d/t-debian"
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
assert pam.pam_start(b"t-debian", sys.argv[1].encode(), ctypes.byref(c), ctypes.byref(h)) == 0
for step in ("pam_authenticate", "pam_acct_mgmt", "pam_open_session", "pam_close_session"):
    rc = getattr(pam, step)(h, 0)
    print(step, rc)
    if rc != 0:
        sys.exit(1)
pam.pam_end(h, 0)
PY
		mark=$(log_mark)
		out=$(inr python3 /tmp/session.py mia mia-pw-1 2>&1)
		say "libpam session: $(tr '\n' ' ' <<<"$out")"
		check "common-session: a libpam session of a system user succeeds" grep -qx 'pam_open_session 0' <<<"$out"
		check_maildir "common-session: the installed module made ~/Maildir" /home/mia/Maildir "$(uid_of mia)" "$(gid_of mia)"
		check "common-session: the module logged the creation" log_has "$mark" 'pam_mkmaildir.*created.*/home/mia/Maildir'

		# An upgrade (a reinstall goes through the same scripts) keeps an
		# enabled profile enabled.
		need debian-reinstall-libpam-mkmaildir dpkgi libpam-mkmaildir || exit 0
		check "upgrade: the enabled session line stays" grep -q 'pam_mkmaildir' "$R/etc/pam.d/common-session"

		# Purge with the profile still enabled.
		need debian-purge-libpam-mkmaildir purge libpam-mkmaildir || exit 0
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
		inr sh -c 'cd / && /usr/sbin/authdaemond start && /usr/sbin/imapd start && /usr/sbin/pop3d start' >/dev/null 2>&1
		need debian-courier-started wait_port 143 || exit 0
		need debian-courier-started wait_port 110 || exit 0
		for u in dave bob carol erin frank; do newuser "$u" "$u-pw-1" || exit 1; done
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
		inr sh -c '/usr/sbin/pop3d stop; /usr/sbin/imapd stop; /usr/sbin/authdaemond stop' >/dev/null 2>&1
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
		same "local diversions: left as they were" "$div0" "$(inr dpkg-divert --list | sort)"
		same "local diversions: the root is as before" "$before" "$(tree)"
		inr /t/conf/courier-authmkhome/courier-authmkhome remove >/dev/null
		rm -f "$R/usr/sbin/authmkhome"
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
# Outside: build, inspect, lintian, then the roots.
# ---------------------------------------------------------------------------
. "$(dirname "$0")/lib.sh"
self=$T_TOP/tests/t_debian.sh
t0=$(date +%s.%N)
lap() { awk -v a="$t0" -v b="$(date +%s.%N)" -v n="$1" 'BEGIN { printf "   [%-34s %5.1f s]\n", n, b - a }'; t0=$(date +%s.%N); }

if ! is_root; then skip debian "builds as nobody and installs into throwaway roots: needs root"; exit 0; fi
[ -f "$T_TOP/debian/control" ] || { fail debian "no debian/control"; exit 0; }

# Build tools on the host, when missing (apt-get, Debian registry only).
pkgs_missing() {
	local p m=
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || m="$m $p"
	done
	echo "$m"
}
apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 && return 0
	apt-get update -qq >/dev/null 2>&1 || return 1
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}
missing=$(pkgs_missing dpkg-dev debhelper lintian binutils)
if [ -n "$missing" ]; then
	echo "   installing$missing"
	# shellcheck disable=SC2086
	apt_install $missing || { skip debian "cannot install$missing from the package registry"; exit 0; }
fi

# A copy of the tree (what is in the work tree now, built files aside),
# owned by nobody: the build runs as an ordinary user, as on a buildd.
chmod 0711 "$T_WORK"
b=$T_WORK/debian
src=$b/pam-mkmaildir
mkdir -p "$src" "$b/home"
tar -C "$T_TOP" -cf - --exclude=./.git --exclude=./debian/tmp --exclude=./debian/.debhelper \
	--exclude=./debian/libpam-mkmaildir --exclude=./debian/courier-authmkhome \
	--exclude='./debian/*-dbgsym' --exclude=./debian/files --exclude='./debian/*.substvars' \
	--exclude='./debian/*.debhelper.log' --exclude='./debian/debhelper-build-stamp' . | tar -C "$src" -xf -
chown -R 65534:65534 "$b"
chmod 0755 "$b"
asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups \
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$b/home" LANG=C.UTF-8 CI="${CI:-}" "$@"; }

if ! (cd "$src" && dpkg-checkbuilddeps >/dev/null 2>&1); then
	echo "   installing the build dependencies"
	(export DEBIAN_FRONTEND=noninteractive; apt-get build-dep -y -qq --no-install-recommends "$src" >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 && apt-get build-dep -y -qq --no-install-recommends "$src" >/dev/null 2>&1; }) ||
		{ skip debian "cannot install the build dependencies from the package registry"; exit 0; }
fi
lap "debian: tools"

(cd "$src" && asnobody dpkg-buildpackage -us -uc -b) >"$b/build.log" 2>&1
rc=$?
if [ "$rc" != 0 ]; then
	tail -n 30 "$b/build.log" | sed 's/^/   build: /'
	fail "dpkg-buildpackage -us -uc -b (as nobody)" "exit $rc"
	exit 0
fi
pass "dpkg-buildpackage -us -uc -b (as nobody)"
lap "debian: dpkg-buildpackage"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$b/build.log" | tail -n1)
say() { printf '   %s\n' "$*"; }
say "build-time tests: ${summary:-none}"
check "the build ran the no-root test suite and it passed" grep -Eq '^[1-9][0-9]* passed, 0 failed' <<<"$summary"
out=$(cd "$src" && asnobody env DEB_BUILD_OPTIONS=nocheck debian/rules override_dh_auto_test 2>&1)
check "DEB_BUILD_OPTIONS=nocheck runs no tests" bash -c '! grep -q "passed" <<<"$0"' "$out"

changes=$(ls "$b"/pam-mkmaildir_*_*.changes 2>/dev/null | head -n1)
deb_pam=$(ls "$b"/libpam-mkmaildir_*.deb 2>/dev/null | head -n1)
deb_cam=$(ls "$b"/courier-authmkhome_*.deb 2>/dev/null | head -n1)
if [ -z "$changes" ] || [ -z "$deb_pam" ] || [ -z "$deb_cam" ]; then
	fail "the build made both packages" "$(ls "$b")"
	exit 0
fi

# --- what the packages hold -------------------------------------------------
x=$b/extract
mkdir -p "$x"
dpkg-deb -x "$deb_pam" "$x" && dpkg-deb -x "$deb_cam" "$x"
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)
secdir=$(dirname "$(dpkg -L libpam-modules 2>/dev/null | grep '/pam_unix\.so$' | head -n1)")
say "libpam-modules keeps its modules in $secdir"
check "libpam-mkmaildir: the module in libpam-modules' directory ($secdir)" test -f "$x$secdir/pam_mkmaildir.so"
check "libpam-mkmaildir: the module in the multiarch directory" test -f "$x/lib/$ma/security/pam_mkmaildir.so"
contents_pam=$(dpkg-deb -c "$deb_pam" | awk '{ print $6 }' | sed 's|^\./|/|')
contents_cam=$(dpkg-deb -c "$deb_cam" | awk '{ print $6 }' | sed 's|^\./|/|')
for f in /usr/sbin/mkmaildir /usr/share/man/man8/pam_mkmaildir.8.gz /usr/share/man/man8/mkmaildir.8.gz \
	/usr/share/pam-configs/mkmaildir /usr/share/doc/libpam-mkmaildir/copyright \
	/usr/share/doc/libpam-mkmaildir/examples/pam.d/dovecot /usr/share/doc/libpam-mkmaildir/examples/mkmaildir.conf; do
	check "libpam-mkmaildir ships $f" grep -qxF "$f" <<<"$contents_pam"
done
for f in /usr/sbin/authmkhome /usr/share/man/man8/authmkhome.8.gz /usr/share/doc/courier-authmkhome/copyright \
	/usr/share/doc/courier-authmkhome/examples/authmkhome-creator; do
	check "courier-authmkhome ships $f" grep -qxF "$f" <<<"$contents_cam"
done
check "courier-authmkhome: the example creator is not installed as the default creator" \
	bash -c '! grep -qx /usr/sbin/authmkhome-creator <<<"$0"' "$contents_cam"
check "no package installs /etc/security/mkmaildir.conf (read when it exists)" \
	bash -c '! grep -q "^/etc/security/mkmaildir.conf" <<<"$0"' "$contents_pam$contents_cam"
check "pam-configs/mkmaildir: Default: no" grep -qx 'Default: no' "$x/usr/share/pam-configs/mkmaildir"
check "pam-configs/mkmaildir: offers the session line" \
	awk '/^Session:/ { s = 1; next } /^[^ \t]/ { s = 0 } s && /pam_mkmaildir\.so/ { f = 1 } END { exit !f }' "$x/usr/share/pam-configs/mkmaildir"
fields=$(dpkg-deb -f "$deb_pam" Depends; dpkg-deb -f "$deb_cam" Depends)
check "Depends: shlibs resolved (libc6, libpam0g)" bash -c 'grep -q "libc6 (>=" <<<"$0" && grep -q "libpam0g" <<<"$0"' "$fields"

# Hardening of every ELF file: full RELRO, BIND_NOW, PIE executables,
# stack protector and fortified calls where the code has any.
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
for f in "$x"/lib/*/security/pam_mkmaildir.so "$x"/usr/sbin/mkmaildir "$x"/usr/sbin/authmkhome; do
	check "hardened: ${f#"$x"}" hard "$f"
done
lap "debian: contents"

# --- lintian ------------------------------------------------------------------
lint=$(asnobody lintian -I --show-overrides "$changes" 2>&1)
lrc=$?
printf '%s\n' "$lint" | sed 's/^/   lintian: /'
if [ "$lrc" -ge 2 ] && ! grep -q '^[EWIPNO]:' <<<"$lint"; then
	fail "lintian ran" "exit $lrc"
else
	check "lintian: no errors" bash -c '! grep -q "^E:" <<<"$0"' "$lint"
	check "lintian: no warnings" bash -c '! grep -q "^W:" <<<"$0"' "$lint"
fi
lap "debian: lintian"

# --- in the throwaway roots ---------------------------------------------------
for t in unshare chroot mount; do
	command -v "$t" >/dev/null || { skip "debian: roots" "$t is not installed"; exit 0; }
done
getroot() { # NAME: the cached root of the real-servers suite
	local err rc r
	err=$b/root-err
	r=$("$T_TOP/tests/servers/root.sh" path "$1" 2>"$err")
	rc=$?
	sed 's/^/ /' "$err"
	if [ "$rc" = 77 ]; then skip "debian: $1 root" "$(tail -n1 "$err")"; return 1; fi
	if [ "$rc" != 0 ] || [ ! -d "$r" ]; then fail "debian: $1 root" "cannot build it"; return 1; fi
	echo "$r"
}
# inroot ROOT TASK [ARGS]: this script in fresh namespaces around ROOT.
inroot() {
	local r=$1 task=$2
	shift 2
	T_MODULE=$x/lib/$ma/security/pam_mkmaildir.so \
		"$T_TOP/tests/servers/ns.sh" "$r" "$self" --in-root "$task" "$b" "$x" "$@"
	local rc=$?
	[ "$rc" = 0 ] || fail "debian: $task in the root" "exited $rc"
}

if root=$(getroot dovecot); then
	lap "debian: dovecot root"
	inroot "$root" pam-auth-update
	lap "debian: install, pam-auth-update, purge"
	inroot "$root" scenario "" dovecot
	lap "debian: dovecot scenario, installed"
fi
if root=$(getroot courier); then
	lap "debian: courier root"
	# The Courier packages of the root, to reinstall over the diversions.
	cdebs=$b/courier-debs
	mkdir -p "$cdebs"
	want=
	for p in courier-imap courier-pop; do
		v=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}' "$p" 2>/dev/null) && want="$want $p=$v"
	done
	# shellcheck disable=SC2086
	(cd "$cdebs" && { apt-get download -qq $want >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 && apt-get download -qq $want >/dev/null 2>&1; }; })
	inroot "$root" courier-authmkhome "$cdebs"
	lap "debian: courier-authmkhome"
	inroot "$root" local-diversion
	lap "debian: over local diversions"
	inroot "$root" scenario "" courier
	lap "debian: courier scenario, installed"
fi
exit 0
