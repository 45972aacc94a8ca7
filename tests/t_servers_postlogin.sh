# SPDX-License-Identifier: GPL-2.0-or-later
# authmkhome as Dovecot's post-login program (script-login -d), without PAM:
# passwd-file and static userdbs, real daemons and clients in throwaway
# Debian 12 (Dovecot 2.3) and Debian 13 (Dovecot 2.4) roots
# (tests/servers/postlogin.sh, once per release, with that release's
# conf/dovecot*-postlogin.conf as it is).
. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/servers/suite.sh"
need_authmkhome postlogin
run_releases postlogin dovecot postlogin.sh
