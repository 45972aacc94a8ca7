# SPDX-License-Identifier: GPL-2.0-or-later
# No line of the tests reaches the host's syslog, even where tests/run has
# no private /dev/log of its own: run as a user other than root (make check
# as a user, the package build, which runs the suite as nobody), tests/run
# captures every syslog() of the tests in a file (tests/logcapture.c with
# T_LOGCAPTURE_ONLY) instead of sending it.
#
# Here the outer tests/run (root) owns a private /dev/log whose lines land
# in $T_SYSLOG: it stands for the host's.  A nested tests/run as nobody runs
# the scripts that log through all three ways in (pam_syslog in pamrun,
# authmkhome in a clean environment, authmkhome in Courier's chain); not one
# line may reach that /dev/log, and the capture must hold them all.
. "$(dirname "$0")/lib.sh"

if ! is_root; then skip "syslog capture" "runs a nested suite as nobody: needs root"; exit 0; fi
if [ -z "$T_SYSLOG" ] || [ ! -S /dev/log ]; then
	skip "syslog capture" "no private syslog daemon (busybox) to stand for the host's"; exit 0
fi
for f in pam_mkmaildir.so authmkhome tests/pamrun; do
	[ -e "$T_TOP/$f" ] || { fail "syslog capture: $f built" "run make all tests/pamrun"; exit 0; }
done

# A copy of the tree nobody can read, wherever the checkout lies.
D=$(mktemp -d /tmp/mkmaildir-syslog.XXXXXX)
trap '[ -n "${T_KEEP:-}" ] || rm -rf "$D"' EXIT
chmod 0755 "$D"
mkdir "$D/tree"
tar -C "$T_TOP" -cf - --exclude=./.git --exclude=./build-san . | tar -C "$D/tree" -xf -
install -d -o 65534 -g 65534 "$D/out"

m=$(log_mark)
(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups \
	env -u T_IN_NS -u T_SYSLOG -u T_RESULTS -u T_WORK -u T_TOP -u LD_PRELOAD \
	T_SKIP_OK=1 HOME=/nonexistent T_SYSLOG_COPY="$D/out/captured" \
	"$D/tree/tests/run" "$D/tree/tests/t_module_basic.sh" "$D/tree/tests/t_authmkhome_chain.sh" \
	"$D/tree/tests/t_authmkhome_input.sh") >"$D/out/run.log" 2>&1
rc=$?
sleep 0.5	# busybox syslogd writes asynchronously
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$D/out/run.log" | tail -n 1)
printf '   nested run as nobody: %s\n' "${summary:-no summary}"
if [ "$rc" = 0 ] && grep -Eq '^[1-9][0-9]* passed, 0 failed' <<<"$summary"; then
	pass "syslog capture: the nested suite as nobody passed"
else
	fail "syslog capture: the nested suite as nobody passed" "exit $rc: $(grep -E 'FAIL' "$D/out/run.log" | head -n 3 | tr '\n' ' ')"
fi
leaked=$(log_since "$m" | wc -l)
if [ "$leaked" = 0 ]; then
	pass "syslog capture: no line reached /dev/log"
else
	fail "syslog capture: no line reached /dev/log" "$leaked lines, e.g. $(log_since "$m" | head -n 2 | tr '\n' ' ')"
fi
check "syslog capture: tests/run says so" grep -Eq '^syslog: [1-9][0-9]* lines captured, none sent' "$D/out/run.log"
check "syslog capture: the module's lines (pam_syslog) were captured" \
	grep -Eq '^authpriv\.notice pam_mkmaildir\(plain:account\): created maildir ' "$D/out/captured"
check "syslog capture: authmkhome's lines (clean environment, Courier's chain) were captured" \
	grep -Eq '^mail\.notice created maildir .*/t_authmkhome_(chain|input)/' "$D/out/captured"
check "syslog capture: authmkhome's refusals were captured" \
	grep -Eq '^mail\.err AUTHENTICATED contains' "$D/out/captured"
