# SPDX-License-Identifier: GPL-2.0-or-later
# Folder names, subscriptions, quota files and maildirs made before the first
# login, judged by Courier's and Dovecot's own tools (tests/servers/folders.sh)
# in throwaway Debian 12 and 13 roots.
. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/servers/suite.sh"
for release in ${T_RELEASES:-bookworm trixie}; do
	run_servers "servers-folders-courier-$release" courier folders.sh "$release"
	run_servers "servers-folders-dovecot-$release" dovecot folders.sh "$release"
done
