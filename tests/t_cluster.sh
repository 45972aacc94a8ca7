# SPDX-License-Identifier: GPL-2.0-or-later
# Several frontends, one shared GlusterFS mail store, one OpenLDAP directory:
# racing first logins across two frontends (tests/cluster/run.sh; also
# `make cluster-check`).  Root only; the storage host, the directory and the
# frontends live in throwaway Debian roots and namespaces of their own.
. "$(dirname "$0")/lib.sh"
bash "$T_TOP/tests/cluster/run.sh"
