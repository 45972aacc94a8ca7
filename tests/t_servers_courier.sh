# Courier-IMAP and courier-pop (authdaemond, authpam) with pam_mkmaildir in
# the account stack: real daemons and clients in a throwaway Debian 12 root.
. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/servers/suite.sh"
run_servers courier courier courier.sh
