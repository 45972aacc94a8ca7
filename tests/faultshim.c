// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * faultshim.so: an LD_PRELOAD shim that fails one call of the module's
 * creation path, or kills the process there, for tests/t_hostile_faults.sh.
 *
 * Only calls made directly by the code of the object named by T_FAULT_OBJ
 * (default "pam_mkmaildir") are counted, so libpam, NSS and the C library's
 * own use of the same functions are never disturbed.  Counted functions:
 * open, openat, __openat_2, mkdirat, fchown, fchownat, fchmod, renameat, renameat2,
 * unlinkat, symlinkat, readlinkat, read, write, close, dup, flock, fstat,
 * fstatat, fdopendir, readdir, getrandom.
 *
 *   T_FAULT=N:ERRNO   the N-th counted call (from 1) fails with ERRNO
 *                     (ENOSPC EIO EACCES EROFS EDQUOT EINTR), without
 *                     being made; close still closes (as the kernel does)
 *   T_FAULT=N:KILL    the process is killed by SIGKILL at the N-th call
 *   T_FAULT_TRACE=F   appends "N name" for every counted call to F
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static long calls;

static int from_module(void *ret)
{
	Dl_info info;
	const char *obj = getenv("T_FAULT_OBJ");

	if (!obj || !*obj)
		obj = "pam_mkmaildir";
	return dladdr(ret, &info) != 0 && info.dli_fname && strstr(info.dli_fname, obj);
}

static int errno_named(const char *s)
{
	static const struct { const char *n; int e; } t[] = {
		{ "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EACCES", EACCES }, { "EROFS", EROFS },
		{ "EDQUOT", EDQUOT }, { "EINTR", EINTR }, { "EPERM", EPERM }, { "ENOMEM", ENOMEM },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(s, t[i].n) == 0)
			return t[i].e;
	return EIO;
}

/* 0: make the call; otherwise the errno to fail it with. */
static int fault(const char *name, void *ret)
{
	const char *spec = getenv("T_FAULT"), *trace = getenv("T_FAULT_TRACE");
	long n;
	char *colon;

	if (!from_module(ret))
		return 0;
	n = ++calls;
	if (trace) {
		char line[128];
		int fd = (int)syscall(SYS_openat, AT_FDCWD, trace, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		int len = snprintf(line, sizeof line, "%ld %s\n", n, name);
		if (fd >= 0) {
			if (syscall(SYS_write, fd, line, (size_t)len) < 0)
				len = 0;
			syscall(SYS_close, fd);
		}
	}
	if (!spec || strtol(spec, &colon, 10) != n || *colon != ':')
		return 0;
	if (strcmp(colon + 1, "KILL") == 0)
		syscall(SYS_kill, getpid(), SIGKILL);
	return errno_named(colon + 1);
}

#define REAL(type, name, args) \
	static type(*real) args; \
	if (!real) \
		*(void **)&real = dlsym(RTLD_NEXT, name)
#define FAULT(name, failval) \
	do { \
		int e_ = fault(name, __builtin_return_address(0)); \
		if (e_) { \
			errno = e_; \
			return failval; \
		} \
	} while (0)

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	REAL(int, "open", (const char *, int, ...));
	FAULT("open", -1);
	return real(path, flags, mode);
}

int openat(int dfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	REAL(int, "openat", (int, const char *, int, ...));
	FAULT("openat", -1);
	return real(dfd, path, flags, mode);
}

int __openat_2(int dfd, const char *path, int flags);
int __openat_2(int dfd, const char *path, int flags)
{
	REAL(int, "__openat_2", (int, const char *, int));
	FAULT("openat", -1);
	return real(dfd, path, flags);
}

int mkdirat(int dfd, const char *path, mode_t mode)
{
	REAL(int, "mkdirat", (int, const char *, mode_t));
	FAULT("mkdirat", -1);
	return real(dfd, path, mode);
}

int fchown(int fd, uid_t u, gid_t g)
{
	REAL(int, "fchown", (int, uid_t, gid_t));
	FAULT("fchown", -1);
	return real(fd, u, g);
}

int fchownat(int dfd, const char *path, uid_t u, gid_t g, int flags)
{
	REAL(int, "fchownat", (int, const char *, uid_t, gid_t, int));
	FAULT("fchownat", -1);
	return real(dfd, path, u, g, flags);
}

int fchmod(int fd, mode_t mode)
{
	REAL(int, "fchmod", (int, mode_t));
	FAULT("fchmod", -1);
	return real(fd, mode);
}

int renameat(int od, const char *op, int nd, const char *np)
{
	REAL(int, "renameat", (int, const char *, int, const char *));
	FAULT("renameat", -1);
	return real(od, op, nd, np);
}

int renameat2(int od, const char *op, int nd, const char *np, unsigned int flags)
{
	REAL(int, "renameat2", (int, const char *, int, const char *, unsigned int));
	FAULT("renameat2", -1);
	return real(od, op, nd, np, flags);
}

int unlinkat(int dfd, const char *path, int flags)
{
	REAL(int, "unlinkat", (int, const char *, int));
	FAULT("unlinkat", -1);
	return real(dfd, path, flags);
}

int symlinkat(const char *target, int dfd, const char *path)
{
	REAL(int, "symlinkat", (const char *, int, const char *));
	FAULT("symlinkat", -1);
	return real(target, dfd, path);
}

ssize_t readlinkat(int dfd, const char *path, char *buf, size_t len)
{
	REAL(ssize_t, "readlinkat", (int, const char *, char *, size_t));
	FAULT("readlinkat", -1);
	return real(dfd, path, buf, len);
}

ssize_t read(int fd, void *buf, size_t len)
{
	REAL(ssize_t, "read", (int, void *, size_t));
	FAULT("read", -1);
	return real(fd, buf, len);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	REAL(ssize_t, "write", (int, const void *, size_t));
	FAULT("write", -1);
	return real(fd, buf, len);
}

int close(int fd)
{
	REAL(int, "close", (int));
	int e = fault("close", __builtin_return_address(0));
	int r = real(fd); /* Linux closes the descriptor even when close fails */
	if (e) {
		errno = e;
		return -1;
	}
	return r;
}

int dup(int fd)
{
	REAL(int, "dup", (int));
	FAULT("dup", -1);
	return real(fd);
}

int flock(int fd, int op)
{
	REAL(int, "flock", (int, int));
	FAULT("flock", -1);
	return real(fd, op);
}

int fstat(int fd, struct stat *st)
{
	REAL(int, "fstat", (int, struct stat *));
	FAULT("fstat", -1);
	return real(fd, st);
}

int fstatat(int dfd, const char *path, struct stat *st, int flags)
{
	REAL(int, "fstatat", (int, const char *, struct stat *, int));
	FAULT("fstatat", -1);
	return real(dfd, path, st, flags);
}

DIR *fdopendir(int fd)
{
	REAL(DIR *, "fdopendir", (int));
	FAULT("fdopendir", NULL);
	return real(fd);
}

struct dirent *readdir(DIR *d)
{
	REAL(struct dirent *, "readdir", (DIR *));
	FAULT("readdir", NULL);
	return real(d);
}

ssize_t getrandom(void *buf, size_t len, unsigned flags)
{
	REAL(ssize_t, "getrandom", (void *, size_t, unsigned));
	FAULT("getrandom", -1);
	return real(buf, len, flags);
}
