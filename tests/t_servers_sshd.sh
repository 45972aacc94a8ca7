# SPDX-License-Identifier: GPL-2.0-or-later
# OpenSSH with UsePAM and pam_mkmaildir in the session stack: a real sshd and
# ssh client in throwaway Debian 12 (OpenSSH 9.2) and Debian 13 (OpenSSH 10,
# the session in sshd-session) roots, the ones Dovecot's tests use.
. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/servers/suite.sh"
run_releases sshd dovecot sshd.sh
