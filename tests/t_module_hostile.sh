# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile login names, NSS entries and templates: refused, logged, and
# nothing at all created anywhere.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pam_harness.sh"
t_setup
t_need_root

V=$T_BASE/vmail
mkdir -p "$V/users" "$V/example.org" "$T_BASE/spool"
chown -R vmail:vmail "$V"; chmod 0755 "$T_BASE/spool"
for u in alice bob erin; do mkhome "$u"; done
pam_service byuser "owner=vmail maildir=$V/users/%u"
pam_service bydom "owner=vmail maildir=$V/%d/%n"
pam_service sys ""
pam_service spool "maildir=$T_BASE/spool/%u"

# refused LABEL SERVICE USER: PAM_PERM_DENIED / PAM_SESSION_ERR, nothing created.

long=$(printf 'x%.0s' $(seq 10240))
# --- %u: the whole login name becomes one path component ---
refused "user ../x" byuser "../x"
refused "user a/b" byuser "a/b"
refused "user .." byuser ".."
refused "user ." byuser "."
refused "empty user" byuser ""
refused "user with a newline" byuser $'a\nb'
refused "user with a tab" byuser $'a\tb'
refused "user with DEL" byuser $'a\x7fb'
refused "user with an escape sequence" byuser $'a\e[2Jb'
refused "user of 10 KB" byuser "$long"
refused "user x/../../../etc" byuser "x/../../../etc"
refused "user /abs" byuser "/abs"

# --- %d/%n ---
refused "domain with a slash (x@a/b)" bydom "x@a/b"
refused "domain .. (x@..)" bydom "x@.."
refused "domain . (x@.)" bydom "x@."
refused "local part .. (..@example.org)" bydom "..@example.org"
refused "local part with a slash (../x@example.org)" bydom "../x@example.org"
refused "local part with a newline" bydom $'a\nb@example.org'
refused "10 KB local part" bydom "$long@example.org"

# --- a login name NSS knows but that cannot be a path component ---
refused "NSS user evil/x with maildir=.../%u" spool "evil/x"

# --- NSS entries with unusable homes ---
refused "relative home in NSS" sys relhome
refused "empty home in NSS" sys emptyhome
refused "home with a .. component in NSS" sys dotdothome
check "home with ..: nothing at the escaped path" test ! -e "$T_BASE/escape"

# --- the default template with hostile names NSS does not know: no creation ---
for u in "../alice" "alice/../bob" "." ""; do
	before=$(snap "$T_BASE" | grep -v "^$T_PAMD")
	pam_login sys "$u" -a account
	expect_fail "system template, user '$u': refused"
	same "system template, user '$u': nothing created" "$before" "$(snap "$T_BASE" | grep -v "^$T_PAMD")"
done

# --- % in the login name is data, never expanded again ---
before=$(snap "$T_BASE" | grep -v "^$T_PAMD")
pam_login bydom 'x%h%u%%@example.org' -a account
after=$(snap "$T_BASE" | grep -v "^$T_PAMD")
new=$(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | grep '^>' | awk '{ print $2 }')
stray=$(printf '%s\n' "$new" | grep -v -e "^$V/example.org/x%h%u%%\(/\|\$\)" -e "^$V/example.org\$" | grep .)
if [ "$rc" = 0 ]; then
	check "user x%h%u%%@example.org: created literally" is_maildir "$V/example.org/x%h%u%%"
else
	pass "user x%h%u%%@example.org: refused ($rc)"
fi
check "user x%h%u%%@example.org: nothing created elsewhere (${stray//$'\n'/ })" test -z "$stray"

# --- templates that make . or .. components ---
tmpl() { # LABEL TEMPLATE
	local before m
	pam_service tmpl "maildir=$2"
	before=$(snap "$T_BASE" | grep -v "^$T_PAMD")
	m=$(log_mark)
	pam_login tmpl alice -a account
	if [ "$rc" = "$PAM_PERM_DENIED" ] || [ "$rc" = "$PAM_SERVICE_ERR" ]; then pass "$1: refused ($rc)"
	else fail "$1: refused" "expected PAM_PERM_DENIED or PAM_SERVICE_ERR, got $rc: $out"; fi
	pam_login tmpl alice -a session
	expect_fail "$1: session refused"
	same "$1: nothing created" "$before" "$(snap "$T_BASE" | grep -v "^$T_PAMD")"
	logged "$1: logged" "$m" "pam_mkmaildir"
}
tmpl "template %h/../x" "%h/../x"
tmpl "template %h/./Maildir" "%h/./Maildir"
tmpl "template ../Maildir (relative)" "../Maildir"
tmpl "template %h/Mail/.." "%h/Mail/.."

# --- an expansion longer than PATH_MAX: refused before anything is made ---
u250=$(printf 'u%.0s' $(seq 250))
pam_service deep "owner=vmail maildir=$V/users/$(printf '%%u/%.0s' $(seq 20))box"
before=$(snap "$T_BASE" | grep -v "^$T_PAMD")
pam_login deep "$u250" -a account
expect_fail "expansion over PATH_MAX: refused"
same "expansion over PATH_MAX: nothing created" "$before" "$(snap "$T_BASE" | grep -v "^$T_PAMD")"
