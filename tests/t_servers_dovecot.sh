# Dovecot (imap, pop3, lda) with pam_mkmaildir in the session stack, system
# and virtual users: real daemons and clients in a throwaway Debian 12 root.
. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/servers/suite.sh"
run_servers dovecot dovecot dovecot.sh
