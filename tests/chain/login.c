// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * login.c - the login side of Courier's historic module chain, for tests.
 *
 *   login MODULE... SERVER MAILDIR
 *
 * First run: saves its own arguments in AUTHARGC/AUTHARGV*, sets AUTHUSER
 * to argv[0] and an empty AUTHENTICATED, and execs the first module with
 * the authentication record on fd 3: the bytes of the file $CHAIN_RECORD,
 * or "imap\nlogin\n$CHAIN_USER\n$CHAIN_PASS\n".  Before exec it notes its
 * pid and the descriptors it inherited (but 3) in $CHAIN_OUT/login.
 *
 * Rerun by a module that failed the login (AUTHARGC is set): prints
 * "NO Login failed." on stdout, notes its arguments, and exits 1.
 */
#include "chain.h"

int main(int argc, char **argv)
{
	const char *ac = getenv("AUTHARGC"), *rf = getenv("CHAIN_RECORD");
	char rec[MAX_RECORD * 2], name[32];
	size_t len = 0;
	int i;

	if (ac != NULL && *ac != '\0' && strcmp(ac, "0") != 0) {
		note("login", "rerun pid=%d argc=%d", (int)getpid(), argc);
		for (i = 0; i < argc; i++)
			note("login", "rerun argv%d=%s", i, argv[i]);
		printf("NO Login failed.\n");
		return 1;
	}
	if (argc < 2 || argv[0][0] != '/')
		return 2;
	setenv("AUTHUSER", argv[0], 1);
	setenv("AUTHENTICATED", "", 1);
	snprintf(name, sizeof name, "%d", argc);
	setenv("AUTHARGC", name, 1);
	for (i = 0; i < argc; i++) {
		snprintf(name, sizeof name, "AUTHARGV%d", i);
		setenv(name, argv[i], 1);
	}
	if (rf != NULL) {
		FILE *f = fopen(rf, "re");
		if (f == NULL)
			return 2;
		len = fread(rec, 1, sizeof rec, f);
		fclose(f);
	} else {
		const char *u = getenv("CHAIN_USER"), *p = getenv("CHAIN_PASS");
		int n = snprintf(rec, sizeof rec, "imap\nlogin\n%s\n%s\n", u ? u : "",
				 p ? p : "");
		if (n < 0 || (size_t)n >= sizeof rec)
			return 2;
		len = (size_t)n;
	}
	save("login.record", rec, len);
	for (i = 0; i < 256; i++) /* what the login itself inherited */
		if (i != 3 && fcntl(i, F_GETFD) >= 0)
			note("login", "fd%d", i);
	note("login", "start pid=%d", (int)getpid());
	exec_with_record(argv + 1, rec, len);
	return 111;
}
