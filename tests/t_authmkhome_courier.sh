# SPDX-License-Identifier: GPL-2.0-or-later
# authmkhome in front of today's Courier-IMAP and courier-pop with
# courier-authlib-userdb (virtual users, no PAM): real daemons and clients
# in throwaway Debian 12 and Debian 13 roots (tests/servers/courier-userdb.sh,
# once per release).
. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/servers/suite.sh"
need_authmkhome authmkhome-courier
run_releases authmkhome-courier courier courier-userdb.sh
