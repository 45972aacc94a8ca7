# SPDX-License-Identifier: GPL-2.0-or-later
# The BENCHMARKS.md generator cannot rot: bench/run.sh in a tiny
# configuration (one run, tmpfs, small sizes, every section but profile)
# must write the complete file: every table, the Goals rows each with a
# status word, the cluster figures taken from bench/cluster.sh's KEY=VALUE
# lines, and "not measured (REASON)" when that script fails.  No timing is
# asserted: the figures of so small a run mean nothing.
. "$(dirname "$0")/lib.sh"
cd "$T_TOP" || exit 1

if ! is_root; then skip "bench generator" "needs root (private mounts, accounts)"; exit 0; fi
for f in pam_mkmaildir.so mkmaildir tests/pamrun; do
	[ -e "$f" ] || { fail "bench generator" "build first: $f is missing"; exit 0; }
done
make -s bench/pam_nop.so >/dev/null 2>&1 || { fail "bench generator" "make bench/pam_nop.so failed"; exit 0; }

w=$(mktemp -d /tmp/t_bench.XXXXXX)
trap 'rm -rf "$w"' EXIT
# A stand-in for bench/cluster.sh that keeps the contract: table lines and
# KEY=VALUE figures in the file named by -o.
cat >"$w/cluster-ok.sh" <<'EOS'
#!/bin/sh
[ "$1" = -o ] || exit 2
cat >"$2" <<'EOT'
  fake cluster table line
GLUSTER_FLOOR_US=1000
GLUSTER_FIRST_US=1200
LDAP_PERMIT_US_100=50
LDAP_MODULE_US_100=90
LDAP_LOOKUP_US_100=35
EOT
EOS
printf '#!/bin/sh\necho "no cluster roots here" >&2\nexit 3\n' >"$w/cluster-fail.sh"
chmod 0755 "$w/cluster-ok.sh" "$w/cluster-fail.sh"

tiny=(-r 1 -f tmpfs -A 10 -c 20 -n 10 -N 100 -b 40 -m 2 -S 50 -k 4 -J "1 2")
if BENCH_MDM=stub BENCH_CLUSTER_SH=$w/cluster-ok.sh bench/run.sh "${tiny[@]}" \
	-s "every first siblings bulk cost cluster" -o "$w/B.md" >"$w/out" 2>"$w/err"; then
	pass "bench/run.sh runs in a tiny configuration"
else
	fail "bench/run.sh runs in a tiny configuration" "$(tail -n 3 "$w/err" | tr '\n' ' ')"
	exit 0
fi
md=$w/B.md
missing=
for t in '^1\. Every login' '^2\. First login' '^2b\. First login' '^3\. Bulk' '^4\. Cost' \
	'^5\. GlusterFS and LDAP' '^## Goals' '^## Method' 'pam_nop \(session' 'getpwnam_r of the same user' \
	'one handle, many sessions' 'NSS calls per session' 'fake cluster table line'; do
	grep -Eq -- "$t" "$md" || missing="$missing [$t]"
done
if [ -z "$missing" ]; then pass "BENCHMARKS.md has every table"; else fail "BENCHMARKS.md has every table" "missing:$missing"; fi
if grep -q '^@[A-Z]*@$' "$md"; then fail "no placeholder is left" "$(grep '^@' "$md" | head -n 3 | tr '\n' ' ')"
else pass "no placeholder is left"; fi

# Every goal row ends in a status word.
goals=$(sed -n '/^## Goals/,/^## /p' "$md" | grep '^| ' | grep -v '^| goal \|^| ---')
bad=$(grep -Ev '\| \*\*(met|missed|not measured|information)\*\* \|$' <<<"$goals" || true)
n=0
for g in "files NSS: own work" "LDAP" "no NSS lookup" "First login, tmpfs: cost" "siblings" "GlusterFS" \
	"Bulk, tmpfs" "pam_mkhomedir" "pam_exec" "creator"; do
	grep -q -- "$g" <<<"$goals" && n=$((n + 1)) || bad="$bad [no row: $g]"
done
if [ -z "$bad" ] && [ "$n" = 10 ]; then pass "every goal row has a status word"
else fail "every goal row has a status word" "$bad"; fi
# The figures measured here are figures, not "not measured".
nm=$(grep -E 'files NSS: own work|First login, tmpfs: cost|siblings|Bulk, tmpfs|GlusterFS|LDAP' <<<"$goals" | grep -c 'not measured' || true)
if [ "$nm" = 0 ]; then pass "every measured goal has a status from figures"
else fail "every measured goal has a status from figures" "$nm rows say not measured"; fi
# The cluster contract: 1200 / 1000 = 1.20 is within 1.5; 90 - 50 - 35 = 5 µs.
if grep -q 'GlusterFS.*1\.20×.*\*\*met\*\*' <<<"$goals" && grep -q 'LDAP.*100 accounts: 5\.0 µs.*\*\*met\*\*' <<<"$goals"; then
	pass "cluster figures come from bench/cluster.sh's KEY=VALUE lines"
else fail "cluster figures come from bench/cluster.sh's KEY=VALUE lines" "$(grep -E 'GlusterFS|LDAP' <<<"$goals" | tr '\n' ' ')"; fi
if grep -q '^1\. Every login' "$w/out" && grep -q '^| goal' "$w/out"; then pass "the tables also go to standard output"
else fail "the tables also go to standard output" "$(head -n 3 "$w/out")"; fi

# A failing cluster script: "not measured (its reason)", and the rest still written.
if BENCH_MDM=stub BENCH_CLUSTER_SH=$w/cluster-fail.sh bench/run.sh "${tiny[@]}" -s "bulk cluster" \
	-b 10 -m 0 -o "$w/C.md" >"$w/out2" 2>"$w/err2" &&
	grep -q 'GlusterFS.*not measured (bench/cluster.sh exited 3: no cluster roots here).*\*\*not measured\*\*' "$w/C.md" &&
	grep -q '^3\. Bulk' "$w/C.md" && grep -q 'files NSS: own work.*section not run.*\*\*not measured\*\*' "$w/C.md"; then
	pass "a failing bench/cluster.sh is reported as not measured, with its reason"
else
	fail "a failing bench/cluster.sh is reported as not measured, with its reason" \
		"$(grep -E 'GlusterFS|own work' "$w/C.md" 2>/dev/null | tr '\n' ' ') $(tail -n 2 "$w/err2" | tr '\n' ' ')"
fi
