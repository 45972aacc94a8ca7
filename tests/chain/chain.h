// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * chain.h - what the test programs of Courier's historic module chain share
 * (login.c, authtest.c, server.c): the chain's own failure path and a
 * record file per program under $CHAIN_OUT.
 */
#ifndef CHAIN_H
#define CHAIN_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_RECORD 8192

/* Appends one line to $CHAIN_OUT/NAME. */
static inline void note(const char *name, const char *fmt, ...)
{
	const char *dir = getenv("CHAIN_OUT");
	char path[4096];
	va_list ap;
	FILE *f;

	if (dir == NULL)
		return;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "ae")) == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* Writes buf to $CHAIN_OUT/NAME, replacing it. */
static inline void save(const char *name, const char *buf, size_t len)
{
	const char *dir = getenv("CHAIN_OUT");
	char path[4096];
	FILE *f;

	if (dir == NULL)
		return;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "we")) == NULL)
		return;
	fwrite(buf, 1, len, f);
	fclose(f);
}

/* Reads fd 3 to EOF; returns the length or -1. */
static inline ssize_t read_fd3(char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while ((n = read(3, buf + len, size - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		len += (size_t)n;
		if (len == size)
			return -1;
	}
	return (ssize_t)len;
}

/*
 * Puts LEN bytes of BUF on a new fd 3 and execs ARGV[0] with ARGV, the way
 * the chain hands a record to the next module: a child writes the bytes.
 */
static inline void exec_with_record(char **argv, const char *buf, size_t len)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		exit(111);
	pid = fork();
	if (pid < 0)
		exit(111);
	if (pid == 0) {
		close(p[0]);
		while (len > 0) {
			ssize_t n = write(p[1], buf, len);
			if (n <= 0)
				_exit(1);
			buf += n;
			len -= (size_t)n;
		}
		_exit(0);
	}
	close(p[1]);
	if (dup2(p[0], 3) < 0)
		exit(111);
	if (p[0] != 3)
		close(p[0]);
	execv(argv[0], argv);
	note("errors", "exec %s: %s", argv[0], strerror(errno));
	exit(111);
}

/* The chain's hard failure: rerun $AUTHUSER with AUTHARGV0..AUTHARGC-1. */
static inline void fail_completely(const char *who)
{
	const char *user = getenv("AUTHUSER"), *ac = getenv("AUTHARGC");
	char *vec[65], name[32];
	int n = ac != NULL ? atoi(ac) : 0, i;

	note("errors", "%s: failing the login completely", who);
	if (user == NULL || n < 1 || n > 64)
		exit(112);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "AUTHARGV%d", i);
		if ((vec[i] = getenv(name)) == NULL)
			exit(112);
	}
	vec[n] = NULL;
	execv(user, vec);
	exit(112);
}

#endif
