// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * authtest.c - an authentication module of Courier's historic chain, for
 * tests: the success path of the real modules (authsuccess).
 *
 *   authtest NEXT...
 *
 * Already authenticated: execs NEXT at once.  Otherwise reads the record
 * on fd 3 (and saves it as $CHAIN_OUT/authtest.record) and looks the login
 * name up in $CHAIN_USERS, lines of name:password:uid:gid:home[:maildir[:quota]]:
 *   unknown name   -> "not mine": the same bytes to NEXT on a new fd 3;
 *   wrong password -> the login fails completely ($AUTHUSER is rerun);
 *   match          -> drops to uid/gid (as root), chdir(home), sets AUTHADDR,
 *                     AUTHFULLNAME, MAILDIR and MAILDIRQUOTA (when given;
 *                     authsuccess set MAILDIRQUOTA from the module's quota)
 *                     and AUTHENTICATED, and execs NEXT.
 */
#include "chain.h"

#include <grp.h>

int main(int argc, char **argv)
{
	const char *a = getenv("AUTHENTICATED"), *users = getenv("CHAIN_USERS");
	char rec[MAX_RECORD], copy[MAX_RECORD], line[1024];
	char *service, *type, *user, *pass, *p;
	ssize_t len;
	FILE *f;

	if (argc < 2)
		return 2;
	if (a != NULL && *a != '\0') {
		execv(argv[1], argv + 1);
		return 111;
	}
	if ((len = read_fd3(rec, sizeof rec - 1)) < 0)
		fail_completely("authtest");
	save("authtest.record", rec, (size_t)len);
	note("authtest", "pid=%d record=%zd", (int)getpid(), len);
	memcpy(copy, rec, (size_t)len);
	copy[len] = '\0';
	service = strtok(copy, "\n");
	type = strtok(NULL, "\n");
	user = strtok(NULL, "\n");
	pass = strtok(NULL, "\n");
	if (service == NULL || type == NULL || user == NULL || pass == NULL ||
	    strcmp(type, "login") != 0 || users == NULL || (f = fopen(users, "re")) == NULL) {
		note("authtest", "not mine");
		exec_with_record(argv + 1, rec, (size_t)len);
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *fld[7] = { 0 };
		int n = 0;
		line[strcspn(line, "\n")] = '\0';
		for (p = line; n < 7; n++) {
			fld[n] = p;
			if ((p = strchr(p, ':')) == NULL)
				break;
			*p++ = '\0';
		}
		if (n < 4 || strcmp(fld[0], user) != 0)
			continue;
		fclose(f);
		if (strcmp(fld[1], pass) != 0) {
			note("authtest", "bad password for %s", user);
			fail_completely("authtest");
		}
		uid_t uid = (uid_t)strtoul(fld[2], NULL, 10);
		gid_t gid = (gid_t)strtoul(fld[3], NULL, 10);
		if (geteuid() == 0) {
			if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
				fail_completely("authtest");
		} else if (uid != getuid()) {
			note("authtest", "cannot become uid %lu", (unsigned long)uid);
			fail_completely("authtest");
		}
		if (chdir(fld[4]) < 0) {
			note("authtest", "chdir %s: %s", fld[4], strerror(errno));
			fail_completely("authtest");
		}
		setenv("AUTHADDR", user, 1);
		setenv("AUTHFULLNAME", "Test User", 1);
		if (fld[5] != NULL && *fld[5] != '\0')
			setenv("MAILDIR", fld[5], 1);
		if (fld[6] != NULL && *fld[6] != '\0')
			setenv("MAILDIRQUOTA", fld[6], 1);
		setenv("AUTHENTICATED", user, 1);
		note("authtest", "authenticated %s", user);
		execv(argv[1], argv + 1);
		return 111;
	}
	fclose(f);
	note("authtest", "not mine: %s", user);
	exec_with_record(argv + 1, rec, (size_t)len);
	return 111;
}
