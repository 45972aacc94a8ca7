# SPDX-License-Identifier: GPL-2.0-or-later
# Dovecot (imap, pop3, lda) with pam_mkmaildir in the session stack, system
# and virtual users: real daemons and clients in throwaway Debian 12
# (Dovecot 2.3) and Debian 13 (Dovecot 2.4) roots (tests/servers/dovecot.sh,
# once per release, with that release's conf/ examples).
. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/servers/suite.sh"
run_releases dovecot dovecot dovecot.sh
