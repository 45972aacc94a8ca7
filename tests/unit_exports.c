// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * unit_exports.c - pam_mkmaildir.so, loaded as libpam loads it, exports the
 * PAM entry points it implements and nothing of the core.  Usage:
 * unit_exports MODULE.  Prints "PASS name" or "FAIL name: why" lines
 * (tests/t_unit_core.sh records them); exits 1 on a failure.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>

static const struct {
	const char *sym;
	bool exported;
} syms[] = {
	{ "pam_sm_open_session", true }, { "pam_sm_close_session", true },
	{ "pam_sm_acct_mgmt", true }, { "pam_sm_authenticate", false },
	{ "pam_sm_setcred", false }, { "pam_sm_chauthtok", false },
	/* one name of each file of the core, public and private */
	{ "md_ensure", false }, { "md_expand", false }, { "md_options_parse", false },
	{ "md_option_set", false }, { "md_account_lookup", false }, { "md_account_self", false },
	{ "md_logf", false }, { "md_escape", false }, { "has_control", false },
	{ "valid_name", false }, { "open_trusted", false }, { "become_fs", false },
	{ "run_creator", false }, { "owner_groups", false }, { "fold_encode", false },
	{ "sys_error", false },
};

int main(int argc, char **argv)
{
	unsigned failed = 0;
	void *h;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: unit_exports MODULE\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		printf("FAIL dlopen %s: %s\n", argv[1], dlerror());
		return 1;
	}
	printf("PASS dlopen of the module with RTLD_NOW\n");
	for (i = 0; i < sizeof syms / sizeof syms[0]; i++) {
		bool found = dlsym(h, syms[i].sym) != NULL;
		if (found == syms[i].exported) {
			printf("PASS dlsym %s: %s\n", syms[i].sym,
			       found ? "exported" : "not exported");
		} else {
			printf("FAIL dlsym %s: %s\n", syms[i].sym,
			       found ? "exported, must not be" : "not exported");
			failed++;
		}
	}
	dlclose(h);
	return failed > 0;
}
