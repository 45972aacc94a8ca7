# SPDX-License-Identifier: GPL-2.0-or-later
# Every recipe of RECIPES.md as written, on Debian 12 and 13: the packages
# built from the tree (tests/servers/debs.sh, cached by the hash of the
# sources), installed in a throwaway root of the server's stock Debian
# installation, then the document's steps, a first login with a real
# client and the document's own check (tests/servers/recipes.sh, which
# lists the three commands it substitutes).  T_RECIPES_ONLY="NAME..."
# picks recipes, T_RECIPES_RELEASES="RELEASE..." releases.
. "$(dirname "$0")/lib.sh"
servers=$T_TOP/tests/servers
# recipe:root
recipes="courier-authpam:courier courier-userdb:courier dovecot-system:dovecot dovecot-virtual:dovecot dovecot-postlogin:dovecot sshd:dovecot mkmaildir:dovecot"

if ! is_root; then skip recipes "the recipes run in throwaway roots: needs root"; exit 0; fi
for t in unshare chroot mount; do
	command -v "$t" >/dev/null || { skip recipes "$t is not installed"; exit 0; }
done
[ -f "$T_MODULE" ] || { fail recipes "no module at $T_MODULE (run make first)"; exit 0; }
export T_MODULE T_TOP T_RESULTS T_WORK

# README.md shows the lines of conf/ files the recipes install: a block
# introduced by "(conf/FILE):" must consist of lines of that file (blanks
# squeezed), so that the README cannot drift from what is tested.
readme_blocks() {
	awk '
		match($0, /\(conf\/[^)]+\)\)?:$/) { f = substr($0, RSTART + 1); sub(/\)+:$/, "", f); want = 1; inb = 0; next }
		want && /^     *[^ ]/ { inb = 1; line = $0; sub(/^ +/, "", line); gsub(/[ \t]+/, " ", line); print f "\t" line; next }
		want && /^[ \t]*$/ { next }
		{ want = 0; inb = 0 }
	' "$T_TOP/README.md"
}
bad= n=0
while IFS=$'\t' read -r f line; do
	n=$((n + 1))
	tr -s ' \t' '  ' <"$T_TOP/$f" 2>/dev/null | sed 's/^ //' | grep -qxF -- "$line" || bad="$bad $f: \"$line\";"
done < <(readme_blocks)
if [ "$n" -gt 0 ] && [ -z "$bad" ]; then pass "recipes: README's $n lines from conf/ are in their files"
else fail "recipes: README's lines from conf/ are in their files" "${bad:-no such lines found}"; fi
for rel in ${T_RECIPES_RELEASES:-$("$servers/root.sh" releases)}; do
	export T_RELEASE=$rel
	err=$(mktemp "$T_WORK/recipes-err.XXXXXX")
	t0=$(date +%s.%N)
	T_DEBS=$("$servers/debs.sh" "$rel" 2>"$err"); rc=$?
	sed 's/^/ /' "$err"
	awk -v a="$t0" -v b="$(date +%s.%N)" -v n="$rel" 'BEGIN { printf "   [packages %-25s %5.1f s]\n", n, b - a }'
	if [ "$rc" = 77 ]; then skip "recipes/$rel" "$(tail -n1 "$err")"; continue; fi
	if [ "$rc" != 0 ]; then fail "recipes/$rel: packages built" "$(tail -n 3 "$err" | tr '\n' ' ')"; continue; fi
	export T_DEBS
	for r in $recipes; do
		name=${r%%:*} root=${r#*:}
		case " ${T_RECIPES_ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
		path=$("$servers/root.sh" path "$root" "$rel" 2>"$err"); rc=$?
		sed 's/^/ /' "$err"
		if [ "$rc" = 77 ]; then skip "recipe/$rel: $name" "$(tail -n1 "$err")"; continue; fi
		if [ "$rc" != 0 ]; then fail "recipe/$rel: $name" "cannot build the $root root"; continue; fi
		"$servers/ns.sh" "$path" "$servers/recipes.sh" "$name" ||
			fail "recipe/$rel: $name" "recipes.sh exited $?"
	done
	rm -f "$err"
done
