# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/t_servers_*.sh after tests/lib.sh.
#
# run_servers LABEL ROOT SCENARIO [RELEASE]: gets the cached root ROOT of
# RELEASE (root.sh; bookworm by default), then runs tests/servers/SCENARIO in
# fresh namespaces around it (ns.sh), with T_RELEASE set to the release.
# Reports a skip when not root or when the root cannot be had for a reason
# outside the suite (no mmdebstrap, registry unreachable); under CI=true
# lib.sh turns that skip into a failure.
run_servers() {
	local label=$1 name=$2 scenario=$3 release=${4:-bookworm} root rc err t0 t1
	if ! is_root; then skip "$label" "the server tests need root (namespaces, chroot)"; return 0; fi
	for t in unshare chroot mount; do
		command -v "$t" >/dev/null || { skip "$label" "$t is not installed"; return 0; }
	done
	if [ ! -f "$T_MODULE" ]; then fail "$label" "no module at $T_MODULE (run make first)"; return 0; fi
	export T_MODULE T_TOP T_RESULTS T_WORK
	export T_RELEASE=$release
	err=$(mktemp "${T_WORK:-/tmp}/root-err.XXXXXX")
	t0=$(date +%s.%N)
	root=$("$T_TOP/tests/servers/root.sh" path "$name" "$release" 2>"$err")
	rc=$?
	sed 's/^/ /' "$err"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" -v n="$name/$release" 'BEGIN { printf "   [root %-29s %5.1f s]\n", n, b - a }'
	if [ "$rc" = 77 ]; then skip "$label" "$(tail -n1 "$err")"; rm -f "$err"; return 0; fi
	rm -f "$err"
	if [ "$rc" != 0 ] || [ ! -d "$root" ]; then fail "$label" "cannot build the $name root"; return 0; fi
	"$T_TOP/tests/servers/ns.sh" "$root" "$T_TOP/tests/servers/$scenario"
	rc=$?
	[ "$rc" = 0 ] || fail "$label" "$scenario exited $rc"
}

# run_releases LABEL ROOT SCENARIO: run_servers once for each release of
# root.sh, as LABEL/RELEASE.
run_releases() {
	local release
	for release in $("$T_TOP/tests/servers/root.sh" releases); do
		run_servers "$1/$release" "$2" "$3" "$release"
	done
}

# need_authmkhome LABEL: stops the script with a failure when authmkhome is
# not built.
need_authmkhome() {
	[ -x "$T_TOP/authmkhome" ] && return 0
	fail "$1" "$T_TOP/authmkhome does not exist (run make)"
	exit 0
}
