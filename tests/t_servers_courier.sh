# SPDX-License-Identifier: GPL-2.0-or-later
# Courier-IMAP and courier-pop (authdaemond, authpam) with pam_mkmaildir in
# the account stack: real daemons and clients in throwaway Debian 12 and
# Debian 13 roots (tests/servers/courier.sh, once per release).
. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/servers/suite.sh"
run_releases courier courier courier.sh
