# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/cluster/inside.sh (its helpers and variables in scope):
# a real Dovecot on each frontend, PAM service with pam_ldap (through the
# frontend's nslcd) for authentication and pam_mkmaildir in the session
# stack (passdb pam session=yes), userdb passwd (NSS, so LDAP too), maildirs
# on the GlusterFS volume.  The same users log in over IMAP at both
# frontends in the same instant.

dovecot_setup() { # NODE
	local n=$1 r=${ROOT[$1]}
	mkdir -p "$r/etc/dovecot-cl" "$r/var/lib/dovecot-cl"
	cat >"$r/etc/dovecot-cl/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = /run/dovecot-cl
state_dir = /var/lib/dovecot-cl
log_path = /var/log/dovecot-cl.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1000
passdb {
  driver = pam
  args = session=yes dovecot-cl
}
userdb {
  driver = passwd
}
service imap-login {
  inet_listener imap {
    port = 143
  }
  inet_listener imaps {
    port = 0
  }
}
EOF
	cat >"$r/etc/pam.d/dovecot-cl" <<EOF
auth     required pam_ldap.so
account  required pam_ldap.so
session  required $MOD createhome folders=$FOLDERS subscribe quota=$QUOTA
EOF
	on "$n" dovecot -c /etc/dovecot-cl/dovecot.conf || return 1
	waitfor 10 on "$n" bash -c 'exec 3<>/dev/tcp/127.0.0.1/143'
}

# imap_login NODE USER AT: one IMAP login (LIST) at the instant AT (µs since
# the epoch); prints "USER RC".
imap_login() {
	on "$1" bash -c 'd=$(( $3 - ${EPOCHREALTIME/./} ))
		[ "$d" -gt 0 ] && sleep "$(printf "%d.%06d" $(( d / 1000000 )) $(( d % 1000000 )))"
		curl -s --max-time 60 -u "$1:$2" imap://127.0.0.1/ >/dev/null
		echo "$1 $?"' _ "$2" "$PW" "$3"
}

dovecot_race() {
	local users=$W/users.dovecot i u at exp act label=dovecot m1 m2 good=0 pids
	seq -f 'd%04g' 1 "$CL_DOVECOT_USERS" >"$users"
	for n in fe1 fe2; do
		dovecot_setup "$n" || { fail "cluster dovecot: Dovecot starts on $n" "see $n:/var/log/dovecot-cl.log"; return 1; }
	done
	pass "cluster dovecot: Dovecot runs on both frontends"
	read -r m1 m2 <<<"$(marks)"
	: >"$OUT/dovecot.res"
	mapfile -t all <"$users"
	for ((i = 0; i < ${#all[@]}; i += CL_WORKERS)); do
		at=$(( ${EPOCHREALTIME/./} + 300000 ))
		pids=()
		for u in "${all[@]:i:CL_WORKERS}"; do
			imap_login fe1 "$u" "$at" >>"$OUT/dovecot.res" &
			pids+=($!)
			imap_login fe2 "$u" "$at" >>"$OUT/dovecot.res" &
			pids+=($!)
		done
		wait "${pids[@]}"
	done
	logs_since dovecot "$m1" "$m2"
	good=$(awk '$2 == 0' "$OUT/dovecot.res" | wc -l)
	if [ "$good" = $((CL_DOVECOT_USERS * 2)) ]; then
		pass "cluster dovecot: $good racing IMAP first logins, every one OK"
	else
		fail "cluster dovecot: $((CL_DOVECOT_USERS * 2)) racing IMAP first logins, every one OK" \
			"$good OK: $(awk '$2 != 0' "$OUT/dovecot.res" | head -n5 | tr '\n' ';')"
	fi
	# Everything the module makes is there, as it should be, from both
	# frontends and on the brick (Dovecot adds its own index files).
	exp=$(expected_tree "$users" home)
	for view in "fe1:${ROOT[fe1]}/srv/gluster" "fe2:${ROOT[fe2]}/srv/gluster" "brick:$W/brick/vol"; do
		act=$(actual_tree "${view#*:}" $(sed 's|^|home/|' "$users") 2>&1)
		m=$(comm -23 <(echo "$exp") <(echo "$act") | wc -l)
		if [ "$m" = 0 ]; then
			pass "cluster dovecot: all $CL_DOVECOT_USERS maildirs complete and owned right (seen from ${view%%:*})"
		else
			fail "cluster dovecot: all maildirs complete and owned right (seen from ${view%%:*})" \
				"$m entries missing or wrong: $(comm -23 <(echo "$exp") <(echo "$act") | head -n5 | tr '\n' ';')"
		fi
	done
	left=$(mkmaildir_names "" "${ROOT[fe1]}/srv/gluster" home | wc -l)
	check "cluster dovecot: no .mkmaildir* name left" test "$left" = 0
	created=$(cat "$OUT"/dovecot.log[12] | grep -c 'pam_mkmaildir.*created maildir')
	other=$(cat "$OUT"/dovecot.log[12] | grep 'pam_mkmaildir' | grep -vc 'created maildir')
	echo "dovecot $created $other" >"$OUT/dovecot.logfig"
	if [ "$created" = "$CL_DOVECOT_USERS" ] && [ "$other" = 0 ]; then
		pass "cluster dovecot: one 'created maildir' per user, nothing else from the module"
	else
		fail "cluster dovecot: one 'created maildir' per user, nothing else from the module" \
			"$created created, $other other: $(cat "$OUT"/dovecot.log[12] | grep pam_mkmaildir | grep -v 'created maildir' | head -n3 | tr '\n' ';')"
	fi
	cat "${ROOT[fe1]}/var/log/dovecot-cl.log" "${ROOT[fe2]}/var/log/dovecot-cl.log" >"$OUT/dovecot-server.log" 2>/dev/null
	m=$(grep -Eci 'error|fatal|panic' "$OUT/dovecot-server.log")
	if [ "$m" = 0 ]; then
		pass "cluster dovecot: no error, fatal or panic in either Dovecot's log"
	else
		fail "cluster dovecot: no error, fatal or panic in either Dovecot's log" \
			"$(grep -Ei 'error|fatal|panic' "$OUT/dovecot-server.log" | head -n3 | tr '\n' ';')"
	fi
	# Figures: logins, failures, (no in-process completeness check here), time n/a.
	echo "dovecot $(wc -l <"$OUT/dovecot.res") $(awk '$2 != 0' "$OUT/dovecot.res" | wc -l) - - - - -1 -1 -1" >"$OUT/dovecot.fig"
	lap "race: $CL_DOVECOT_USERS users x 2 Dovecot frontends"
}

dovecot_race
