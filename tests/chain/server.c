// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * server.c - the server at the end of Courier's historic chain (imapd,
 * pop3d), for tests.
 *
 * Like the real servers (authmodclient) it refuses to run without a
 * non-empty AUTHENTICATED and then fails the login completely.  Otherwise
 * it writes what it was started with to $CHAIN_OUT/server (pid, uid, gid,
 * cwd, argv, open descriptors, whether the maildir is usable, and the whole
 * environment as env:NAME=VALUE lines) and prints "OK <user>" on stdout.
 */
#include "chain.h"

#include <sys/stat.h>

static int is_dir(const char *base, const char *sub)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof path, "%s%s", base, sub);
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

extern char **environ;

int main(int argc, char **argv)
{
	const char *a = getenv("AUTHENTICATED"), *md = getenv("MAILDIR");
	char cwd[4096], path[64], target[4096];
	char **e;
	int i, fd;

	if (a == NULL || *a == '\0') {
		note("server", "not authenticated pid=%d", (int)getpid());
		fail_completely("server");
	}
	if (md == NULL || *md == '\0')
		md = argc > 1 ? argv[1] : "Maildir";
	note("server", "pid=%d", (int)getpid());
	note("server", "uid=%lu", (unsigned long)getuid());
	note("server", "gid=%lu", (unsigned long)getgid());
	note("server", "cwd=%s", getcwd(cwd, sizeof cwd) ? cwd : "?");
	note("server", "argc=%d", argc);
	for (i = 0; i < argc; i++)
		note("server", "argv%d=%s", i, argv[i]);
	for (fd = 0; fd < 256; fd++) {
		ssize_t n;
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		if ((n = readlink(path, target, sizeof target - 1)) < 0)
			continue;
		target[n] = '\0';
		note("server", "fd%d=%s", fd, target);
	}
	note("server", "maildir=%s", is_dir(md, "/cur") && is_dir(md, "/new") &&
	     is_dir(md, "/tmp") ? "ok" : "missing");
	for (e = environ; *e != NULL; e++)
		note("server", "env:%s", *e);
	printf("OK %s\n", a);
	return 0;
}
