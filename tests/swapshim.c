// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * swapshim.so: an LD_PRELOAD shim that lets a test play the attacker at an
 * exact moment of the module's work, without any timing: when the process
 * calls mkdir, open or rename on a name, a shell command runs first (or
 * right after the call succeeded), once.
 *
 *   T_SWAP_NAME  the last path component to wait for; "prefix*" matches a
 *                prefix (e.g. ".mkmaildir-tmp*")
 *   T_SWAP_CALL  mkdir | open | rename: which family of calls (default: any)
 *   T_SWAP_WHEN  before | after (default after; "after" only fires on success)
 *   T_SWAP_CMD   the command, run by /bin/sh -c and waited for
 *   T_SWAP_MARK  a file created (O_EXCL) when the command runs, holding the
 *                path that triggered it: the test's proof that the attack
 *                happened, and what keeps it to one run in all processes
 *
 * Covered: mkdir, mkdirat, open, open64, openat, openat64 and their _2
 * fortify forms, rename, renameat, renameat2 (the old name is matched).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int fired;

static void maybe_fire(const char *call, const char *phase, const char *path)
{
	const char *want = getenv("T_SWAP_NAME"), *only = getenv("T_SWAP_CALL");
	const char *when = getenv("T_SWAP_WHEN"), *cmd = getenv("T_SWAP_CMD");
	const char *mark = getenv("T_SWAP_MARK"), *base;
	size_t n;
	int saved = errno, fd, ofsuid, ofsgid;
	pid_t pid;

	if (fired || path == NULL || want == NULL || cmd == NULL || mark == NULL)
		return;
	if (only != NULL && *only != '\0' && strcmp(only, call) != 0)
		return;
	if (strcmp(when != NULL && *when != '\0' ? when : "after", phase) != 0)
		return;
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	n = strlen(want);
	if (n > 0 && want[n - 1] == '*' ? strncmp(base, want, n - 1) != 0 : strcmp(base, want) != 0)
		return;
	fired = 1;
	/* The module may be working with the owner's filesystem ids (a repair):
	 * the mark and the attacker are the test's, i.e. root's. */
	ofsgid = setfsgid(0);
	ofsuid = setfsuid(0);
	/* The raw system call: the open() below must not come back here. */
	fd = (int)syscall(SYS_openat, AT_FDCWD, mark, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		setfsuid(ofsuid);
		setfsgid(ofsgid);
		errno = saved;
		return;	/* it already ran, in this process or another */
	}
	{
		char line[4200];
		int len = snprintf(line, sizeof line, "%s %s %s\n", call, phase, path);
		if (len > 0 && write(fd, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1) < 0)
			len = 0;
	}
	close(fd);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	setfsuid(ofsuid);
	setfsgid(ofsgid);
	errno = saved;
}

#define REAL(type, name, args) \
	static type (*real) args; \
	if (real == NULL) \
		*(void **)&real = dlsym(RTLD_NEXT, name)

static int done(const char *call, const char *path, int r)
{
	int e = errno;
	if (r >= 0)
		maybe_fire(call, "after", path);
	errno = e;
	return r;
}

static mode_t mode_of(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int mkdir(const char *p, mode_t m)
{
	REAL(int, "mkdir", (const char *, mode_t));
	maybe_fire("mkdir", "before", p);
	return done("mkdir", p, real(p, m));
}

int mkdirat(int d, const char *p, mode_t m)
{
	REAL(int, "mkdirat", (int, const char *, mode_t));
	maybe_fire("mkdir", "before", p);
	return done("mkdir", p, real(d, p, m));
}

#define OPEN_WRAPPER(fname) \
int fname(const char *p, int flags, ...) \
{ \
	va_list ap; \
	mode_t m; \
	REAL(int, #fname, (const char *, int, ...)); \
	va_start(ap, flags); \
	m = mode_of(flags, ap); \
	va_end(ap); \
	maybe_fire("open", "before", p); \
	return done("open", p, real(p, flags, m)); \
}

#define OPENAT_WRAPPER(fname) \
int fname(int d, const char *p, int flags, ...) \
{ \
	va_list ap; \
	mode_t m; \
	REAL(int, #fname, (int, const char *, int, ...)); \
	va_start(ap, flags); \
	m = mode_of(flags, ap); \
	va_end(ap); \
	maybe_fire("open", "before", p); \
	return done("open", p, real(d, p, flags, m)); \
}

OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)
OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

int __open_2(const char *p, int flags);
int __open_2(const char *p, int flags)
{
	REAL(int, "__open_2", (const char *, int));
	maybe_fire("open", "before", p);
	return done("open", p, real(p, flags));
}

int __open64_2(const char *p, int flags);
int __open64_2(const char *p, int flags)
{
	REAL(int, "__open64_2", (const char *, int));
	maybe_fire("open", "before", p);
	return done("open", p, real(p, flags));
}

int __openat_2(int d, const char *p, int flags);
int __openat_2(int d, const char *p, int flags)
{
	REAL(int, "__openat_2", (int, const char *, int));
	maybe_fire("open", "before", p);
	return done("open", p, real(d, p, flags));
}

int __openat64_2(int d, const char *p, int flags);
int __openat64_2(int d, const char *p, int flags)
{
	REAL(int, "__openat64_2", (int, const char *, int));
	maybe_fire("open", "before", p);
	return done("open", p, real(d, p, flags));
}

int rename(const char *o, const char *n)
{
	REAL(int, "rename", (const char *, const char *));
	maybe_fire("rename", "before", o);
	return done("rename", o, real(o, n));
}

int renameat(int od, const char *o, int nd, const char *n)
{
	REAL(int, "renameat", (int, const char *, int, const char *));
	maybe_fire("rename", "before", o);
	return done("rename", o, real(od, o, nd, n));
}

int renameat2(int od, const char *o, int nd, const char *n, unsigned int f)
{
	REAL(int, "renameat2", (int, const char *, int, const char *, unsigned int));
	maybe_fire("rename", "before", o);
	return done("rename", o, real(od, o, nd, n, f));
}
