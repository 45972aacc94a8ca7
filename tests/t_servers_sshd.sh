# OpenSSH with UsePAM and pam_mkmaildir in the session stack: a real sshd and
# ssh client in a throwaway Debian 12 root (the one Dovecot's tests use).
. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/servers/suite.sh"
run_servers sshd dovecot sshd.sh
