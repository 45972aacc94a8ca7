# SPDX-License-Identifier: GPL-2.0-or-later
# authmkhome as Dovecot's post-login program (script-login -d), without PAM:
# passwd-file and static userdbs, real daemons and clients in throwaway
# Debian 12 (Dovecot 2.3) and Debian 13 (Dovecot 2.4) roots
# (tests/servers/postlogin.sh, once per release, with that release's
# conf/dovecot*-postlogin.conf as it is).
. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/servers/suite.sh"
if [ ! -x "$T_TOP/authmkhome" ]; then
	fail "postlogin" "$T_TOP/authmkhome does not exist (run make)"
	exit 0
fi
for release in $("$T_TOP/tests/servers/root.sh" releases); do
	run_servers "postlogin/$release" dovecot postlogin.sh "$release"
done
