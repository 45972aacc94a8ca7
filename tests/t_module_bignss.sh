# SPDX-License-Identifier: GPL-2.0-or-later
# NSS answers bigger than the usual buffers, as LDAP directories give them:
# a group= with hundreds of members, passwd entries with a 10 KB GECOS field,
# an owner in hundreds of supplementary groups for whom the creator runs.
# A *_r lookup that does not grow its buffer on ERANGE turns these into
# "unknown" and fails every login.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

# 800 members make the group entry about 8 KB.
{
	printf 'biggrp:x:7000:'
	for i in $(seq 1 800); do printf 'member%03d,' "$i"; done
	printf 'alice\n'
	for i in $(seq 1 300); do printf 'g%03d:x:%d:alice\n' "$i" $((7100 + i)); done
} >>"$NSS_WRAPPER_GROUP"
gecos=$(head -c 10000 /dev/zero | tr '\0' g)
printf 'bigal:x:5301:5301:%s:%s:/bin/sh\nvbig:x:5302:5302:%s:%s:/usr/sbin/nologin\n' \
	"$gecos" "$T_HOMES/bigal" "$gecos" "$T_BASE/vbig" >>"$NSS_WRAPPER_PASSWD"
printf 'bigal:x:5301:\nvbig:x:5302:\n' >>"$NSS_WRAPPER_GROUP"
check "setup: nss_wrapper serves the 8 KB group" test "$(getent group biggrp | wc -c)" -gt 8000
check "setup: nss_wrapper serves the 10 KB passwd entry" test "$(getent passwd bigal | wc -c)" -gt 10000
check "setup: alice is in more than 300 groups" test "$(id -G alice | wc -w)" -gt 300

A=$(home_of alice)

# --- group= naming an 8 KB group ---
mkhome alice 0700
pam_service grp "group=biggrp"
pam_login grp alice -a account -H
expect "group=biggrp (8 KB entry), account: succeeds" "$PAM_SUCCESS"
check "group=biggrp: the maildir's group is 7000" test "$(stat -c %g "$A/Maildir" "$A/Maildir/cur" 2>&1 | sort -u)" = 7000
mkhome alice 0700
pam_login grp alice -a session -H
expect "group=biggrp (8 KB entry), session: succeeds" "$PAM_SUCCESS"

# --- a PAM user with a 10 KB passwd entry ---
mkhome bigal 0700
pam_service plain ""
pam_login plain bigal -a account -H
expect "user with a 10 KB passwd entry: succeeds" "$PAM_SUCCESS"
check "user with a 10 KB passwd entry: a complete maildir of uid 5301" \
	test "$(stat -c %u "$T_HOMES/bigal/Maildir" "$T_HOMES/bigal/Maildir/tmp" 2>&1 | sort -u)" = 5301

# --- owner= with a 10 KB passwd entry ---
mkdir -m 0755 "$T_BASE/spool"
pam_service own "owner=vbig maildir=$T_BASE/spool/%n"
pam_login own bob@example.org -a session -H
expect "owner with a 10 KB passwd entry: succeeds" "$PAM_SUCCESS"
check "owner with a 10 KB passwd entry: owned by uid 5302" test "$(stat -c %u "$T_BASE/spool/bob/new" 2>&1)" = 5302

# --- the creator runs with every supplementary group of the owner ---
mkdir -m 0755 "$T_BASE/bin"
cat >"$T_BASE/bin/creator" <<'EOF'
#!/bin/sh
mkdir -m 0700 "$2" "$2/cur" "$2/new" "$2/tmp" || exit 1
id -G >"$(dirname "$2")/creator-groups"
EOF
chmod 0755 "$T_BASE/bin/creator"
mkhome alice 0700
pam_service cr "creator=$T_BASE/bin/creator"
pam_login cr alice -a account -H
expect "creator for an owner in 300+ groups: succeeds" "$PAM_SUCCESS"
want=$(id -G alice | tr ' ' '\n' | sort -n)
if [ ! -f "$A/creator-groups" ]; then
	fail "creator for an owner in 300+ groups: runs with exactly the owner's groups" "the creator did not run"
elif got=$(tr ' ' '\n' <"$A/creator-groups" | sort -n) && [ "$got" = "$want" ]; then
	pass "creator for an owner in 300+ groups: runs with exactly the owner's $(printf '%s\n' "$want" | wc -l) groups"
else
	fail "creator for an owner in 300+ groups: runs with exactly the owner's groups" \
		"$(printf '%s\n' "$got" | wc -l) groups, differing: $(diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | grep '^[<>]' | head -n 5 | tr '\n' ' ')"
fi
