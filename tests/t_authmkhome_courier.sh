# authmkhome in front of today's Courier-IMAP and courier-pop with
# courier-authlib-userdb (virtual users, no PAM): real daemons and clients
# in a throwaway Debian 12 root (tests/servers/courier-userdb.sh).
. "$(dirname "$0")/lib.sh"
. "$T_TOP/tests/servers/suite.sh"
if [ ! -x "$T_TOP/authmkhome" ]; then
	fail "authmkhome-courier" "$T_TOP/authmkhome does not exist (run make)"
	exit 0
fi
run_servers authmkhome-courier courier courier-userdb.sh
