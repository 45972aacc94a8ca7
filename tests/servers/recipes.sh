#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One recipe of RECIPES.md, run as an administrator would, in a throwaway
# root of the server's stock Debian installation.  Run by ns.sh:
#
#   ns.sh ROOT recipes.sh NAME
#
# with T_RELEASE (bookworm or trixie) and T_DEBS (the directory of the
# packages built from the tree for that release, tests/servers/debs.sh).
#
#   1. the root as Debian would have it: its dpkg keeps /usr/share/doc (the
#      recipes copy the examples from there), and the module ns.sh mounted
#      over pam_mkmaildir.so is taken away, so PAM loads the package's;
#   2. the recipe's shell blocks (<!-- recipe: NAME step [RELEASE] -->),
#      each as one "sh -e" script, as root, from /root/debs, which holds
#      the .debs; each block is a check of its own;
#   3. a first login of the recipe's new user with a real client (imaplib
#      via client.py, or ssh), which must see the folders;
#   4. each line "COMMAND  # OUTPUT" of the check blocks: COMMAND must exit
#      0 and, when OUTPUT is given, print a line matching it ("..." is
#      anything, a word N a number).
#
# The substitutions, and the only ones: the root has no network and no
# systemd, so three commands of the recipes are replaced by programs in the
# root's /usr/local/sbin (ahead of /usr/sbin and /usr/bin on PATH):
#   apt-get install PKG... ./X.deb...  checks that each PKG is installed
#                        (the root was built with it: root.sh) and runs
#                        dpkg -i on the .deb files;
#   systemctl restart|start UNIT...    stops and starts the daemon of each
#                        unit by hand (dovecot, ssh, courier-authdaemon,
#                        courier-imap, courier-pop);
#   journalctl --grep PATTERN          greps the root's syslog (ns.sh's
#                        busybox syslogd) as the journal would.
# Adding a recipe: its blocks in RECIPES.md, its root and login below
# (root_of, login), and its name in tests/t_recipes.sh.
set -u
. "$T_TOP/tests/lib.sh"
. "$T_TOP/tests/servers/lib.sh"

name=$1
doc=${T_RECIPES:-$T_TOP/RECIPES.md}

# blocks KIND: the recipe's blocks of KIND for this release, in document
# order, each followed by a line holding only the byte \001.
blocks() {
	awk -v name="$name" -v kind="$1" -v rel="$T_RELEASE" '
		/^<!-- recipe: / {
			want = ($3 == name && $4 == kind && ($5 == "-->" || $5 == rel))
			pending = 1; next
		}
		pending && /^```/ { pending = 0; inblock = 1; next }
		inblock && /^```/ { inblock = 0; if (want) print "\001"; want = 0; next }
		inblock { if (want) print; next }
		/[^ \t]/ { pending = 0 }
	' "$doc"
}

# --- 1. the root as Debian has it -------------------------------------------------
sed -i '\|^path-exclude=/usr/share/doc/|d' "$R"/etc/dpkg/dpkg.cfg.d/* 2>/dev/null
mod=$R$T_PAMDIR/pam_mkmaildir.so
if grep -q " ${mod} " /proc/self/mountinfo; then umount "$mod" || exit 1; fi
rm -f "$mod"
mkdir -p "$R/root/debs"
cp "$T_DEBS"/libpam-mkmaildir_*.deb "$T_DEBS"/courier-authmkhome_*.deb "$R/root/debs/" || exit 1
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"; chmod 0755 "$R/usr/sbin/policy-rc.d"
mkdir -p "$R/usr/local/sbin"
cat >"$R/usr/local/sbin/apt-get" <<'SH'
#!/bin/sh
# tests/servers/recipes.sh: apt-get install without a network.
[ "${1:-}" = install ] || { echo "apt-get (recipes.sh): only install is supported" >&2; exit 100; }
shift
debs=
for a in "$@"; do
	case $a in
	-*) ;;
	*.deb) [ -f "$a" ] || { echo "apt-get (recipes.sh): no package $a" >&2; exit 100; }; debs="$debs $a" ;;
	*) dpkg-query -W -f='${db:Status-Abbrev}' "$a" 2>/dev/null | grep -q '^ii' ||
		{ echo "apt-get (recipes.sh): $a is not in this root (tests/servers/root.sh)" >&2; exit 100; } ;;
	esac
done
[ -z "$debs" ] || DEBIAN_FRONTEND=noninteractive dpkg -i $debs
SH
cat >"$R/usr/local/sbin/systemctl" <<'SH'
#!/bin/bash
# tests/servers/recipes.sh: systemctl restart without systemd.
case ${1:-} in restart|start|reload|try-restart) ;; *) echo "systemctl (recipes.sh): $1 unsupported" >&2; exit 1 ;; esac
shift
stop_pid() { # PIDFILE
	local p i; p=$(cat "$1" 2>/dev/null) || return 0
	kill "$p" 2>/dev/null || return 0
	for i in $(seq 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.05; done
	kill -9 "$p"
}
# The daemons must not keep the caller's stdout and stderr open (they are
# what the caller waits on); what they print goes to /t/out/systemctl.log.
log=/t/out/systemctl.log
rc=0
for u in "$@"; do
	u=${u%.service}
	case $u in
	dovecot) stop_pid /run/dovecot/master.pid; /usr/sbin/dovecot ;;
	ssh|sshd) stop_pid /run/sshd.pid; mkdir -p /run/sshd; /usr/sbin/sshd ;;
	courier-authdaemon) mkdir -p /run/courier/authdaemon
		cd / && { /usr/sbin/authdaemond stop; /usr/sbin/authdaemond start; } ;;
	courier-imap) cd / && { /usr/lib/courier/imapd stop; /usr/lib/courier/imapd start; } ;;
	courier-pop) cd / && { /usr/lib/courier/pop3d stop; /usr/lib/courier/pop3d start; } ;;
	*) echo "systemctl (recipes.sh): unknown unit $u"; false ;;
	esac </dev/null >>"$log" 2>&1 || { rc=1; echo "systemctl (recipes.sh): $u failed:" >&2; tail -n 5 "$log" >&2; }
done
exit $rc
SH
cat >"$R/usr/local/sbin/journalctl" <<'SH'
#!/bin/sh
# tests/servers/recipes.sh: journalctl --grep on the root's syslog.
pat=
while [ $# -gt 0 ]; do
	case $1 in
	-g|--grep) pat=$2; shift ;;
	--grep=*) pat=${1#--grep=} ;;
	esac
	shift
done
grep -E -- "${pat:-.}" /t/out/syslog.log
SH
chmod 0755 "$R"/usr/local/sbin/{apt-get,systemctl,journalctl}

# --- 2. the steps ---------------------------------------------------------------------
steps=$(blocks step)
n=0
while IFS= read -r -d $'\001' block; do
	block=${block#$'\n'}
	[ -n "$block" ] || continue
	n=$((n + 1))
	printf '%s\n' "$block" >"$R/root/recipe-step-$n.sh"
	out=$(inr sh -c "cd /root/debs && sh -ex /root/recipe-step-$n.sh" 2>&1)
	rc=$?
	if [ "$rc" = 0 ]; then pass "recipe-$name step $n"; else
		fail "recipe-$name step $n" "exit $rc: $(tail -n 6 <<<"$out" | tr '\n' ';')"
		tail -n 20 "$T_SYSLOG" | sed 's/^/     syslog: /'
		exit 0
	fi
done <<<"$steps"
need "recipe-$name has steps" test "$n" -gt 0 || exit 0
lap "$name: steps"

# --- 3. the first login ----------------------------------------------------------------
case $name in courier-*) pfx=INBOX. ;; *) pfx= ;; esac
imap_login() { # USER PASSWORD
	local out
	need "recipe-$name server listening" wait_port 143 || { tail -n 20 "$T_SYSLOG"; return 1; }
	out=$(client imap "$1" "$2" list)
	say "imap: $(oneline "$out")"
	check "recipe-$name first IMAP login lists the folders" bash -c \
		'grep -qx "LOGIN OK" <<<"$1" || exit 1; for f in Drafts Sent Trash Junk; do grep -qx "LIST $2$f" <<<"$1" || exit 1; done' \
		_ "$out" "$pfx"
}
ssh_login() { # USER
	local out
	need "recipe-$name server listening" wait_port 22 || return 1
	inr ssh-keygen -q -t ed25519 -N '' -f /root/recipe_key
	mkdir -p "$R/home/$1/.ssh"
	cp "$R/root/recipe_key.pub" "$R/home/$1/.ssh/authorized_keys"
	inr chown -R "$1:" "/home/$1/.ssh"
	out=$(inr ssh -i /root/recipe_key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=20 "$1@127.0.0.1" 'ls -A Maildir' 2>&1)
	say "ssh: $(oneline "$out")"
	check "recipe-$name first ssh login sees the folders" bash -c \
		'for f in Drafts Sent Trash Junk; do grep -qx ".$f" <<<"$1" || exit 1; done' _ "$out"
}
case $name in
courier-authpam | dovecot-system | dovecot-postlogin) imap_login alice alice-pw-1 ;;
courier-userdb | dovecot-virtual) imap_login alice@example.org alice-pw-1 ;;
sshd) ssh_login alice ;;
mkmaildir) ;; # no server: the check is mkmaildir -n
*) fail "recipe-$name" "no login for this recipe in tests/servers/recipes.sh" ;;
esac
lap "$name: first login"

# --- 4. the document's own check ---------------------------------------------------------
sleep 0.3 # syslogd
checks=$(blocks check | tr -d '\001')
k=0
while IFS= read -r line; do
	case $line in '' | '#'*) continue ;; esac
	k=$((k + 1))
	cmd=${line%%  # *} want=
	[ "$cmd" = "$line" ] || want=${line#*  # }
	out=$(inr sh -c "$cmd" 2>&1)
	rc=$?
	say "check: $cmd -> $(head -n 3 <<<"$out" | tr '\n' ';')"
	if [ "$rc" != 0 ]; then fail "recipe-$name check $k" "exit $rc: $cmd: $(oneline "$out")"; continue; fi
	[ -n "$want" ] || { pass "recipe-$name check $k"; continue; }
	# OUTPUT as an ERE: its metacharacters escaped, then "..." and N.
	re=$(printf '%s' "$want" | sed -e 's/[][\.*^$+?(){}|/]/\\&/g' -e 's/\\\.\\\.\\\./.*/g' \
		-e 's/\bN\b/[0-9]+/g')
	if grep -Eq -- "^$re\$" <<<"$out"; then pass "recipe-$name check $k"; else
		fail "recipe-$name check $k" "$cmd printed no line /$re/: $(oneline "$out" | cut -c1-300)"
	fi
done <<<"$checks"
need "recipe-$name has checks" test "$k" -gt 0
lap "$name: checks"
exit 0
