// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * squashshim.so: an LD_PRELOAD shim that makes a directory tree look like
 * shared storage that squashes root (NFS root_squash, GlusterFS
 * server.root-squash), for tests/t_module_squash.sh.
 *
 * Only calls made directly by the code of the object named by T_SQUASH_OBJ
 * (default "pam_mkmaildir"), from a thread whose filesystem uid is 0, on
 * entries in directories at or below T_SQUASH_DIR, are judged: there such a
 * caller is uid/gid 65534 with no capabilities, as the store would treat it.
 *   lookups (openat, fstatat)          search permission on the directory
 *   listing or writing an opened entry read or write permission on it
 *   creating, renaming, removing       write and search permission on the
 *                                      directory; what is made is 65534's
 *   fchown, fchownat                   EPERM
 *   fchmod, fchmodat                   EPERM unless the entry is 65534's
 * A thread that took another filesystem uid (the module building as the
 * owner) passes through: the kernel's own checks are the store's then.
 *   T_SQUASH_TRACE=F   appends "name errno" for every call refused to F
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define ANON 65534

static int from_module(void *ret)
{
	Dl_info info;
	const char *obj = getenv("T_SQUASH_OBJ");

	if (!obj || !*obj)
		obj = "pam_mkmaildir";
	return dladdr(ret, &info) != 0 && info.dli_fname && strstr(info.dli_fname, obj);
}

static int fs_root(void)
{
	return setfsuid((uid_t)-1) == 0;
}

/* The path of fd (a directory fd, or AT_FDCWD) and name joined in buf. */
static int path_of(int fd, const char *name, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	if (name && name[0] == '/') {
		snprintf(buf, len, "%s", name);
		return 0;
	}
	if (fd == AT_FDCWD)
		snprintf(link, sizeof link, "/proc/self/cwd");
	else
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (name && *name && strcmp(name, ".") != 0) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s%s", l > 0 && buf[l - 1] == '/' ? "" : "/", name);
	}
	return 0;
}

static int below(const char *path)
{
	const char *d = getenv("T_SQUASH_DIR");
	size_t l;

	if (!d || !*d)
		return 0;
	l = strlen(d);
	return strncmp(path, d, l) == 0 && (path[l] == '\0' || path[l] == '/');
}

/* Whether uid/gid ANON may (want: 4 read, 2 write, 1 search) on st. */
static int anon_may(const struct stat *st, unsigned want)
{
	unsigned bits = st->st_uid == ANON ? (unsigned)st->st_mode >> 6 :
			st->st_gid == ANON ? (unsigned)st->st_mode >> 3 : (unsigned)st->st_mode;

	return (bits & want) == want;
}

static int refuse(const char *what, int e)
{
	const char *f = getenv("T_SQUASH_TRACE");
	FILE *t;

	if (f && *f && (t = fopen(f, "a")) != NULL) {
		fprintf(t, "%s %d\n", what, e);
		fclose(t);
	}
	errno = e;
	return -1;
}

/* The directory fd (at or below T_SQUASH_DIR) refuses want to ANON: its errno. */
static int dir_denies(int dfd, unsigned want)
{
	char p[PATH_MAX];
	struct stat st;

	if (path_of(dfd, NULL, p, sizeof p) < 0 || !below(p) || stat(p, &st) < 0)
		return 0;
	return anon_may(&st, want) ? 0 : EACCES;
}

/* Whether the entry name of dfd is at or below T_SQUASH_DIR. */
static int squashed(int dfd, const char *name)
{
	char p[PATH_MAX];

	return path_of(dfd, name, p, sizeof p) == 0 && below(p);
}

#define REAL(type, name, args) \
	static type(*real) args; \
	if (!real) \
		real = (type(*) args)dlsym(RTLD_NEXT, name)
#define JUDGED (fs_root() && from_module(__builtin_return_address(0)))

static void make_anon(int dfd, const char *name)
{
	static int (*real)(int, const char *, uid_t, gid_t, int);

	if (!real)
		real = (int (*)(int, const char *, uid_t, gid_t, int))dlsym(RTLD_NEXT, "fchownat");
	real(dfd, name, ANON, ANON, AT_SYMLINK_NOFOLLOW);
}

static int judge_open(int dfd, const char *path, int flags)
{
	struct stat st;
	int e;

	if (!squashed(dfd, NULL) && !(strcmp(path, ".") == 0 && squashed(dfd, ".")))
		return 0;
	if (strcmp(path, ".") != 0 && (e = dir_denies(dfd, 1)) != 0)
		return e;
	if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return (flags & O_CREAT) ? dir_denies(dfd, 3) : 0;
	if (flags & O_PATH)
		return 0;
	if ((flags & O_ACCMODE) != O_WRONLY && !anon_may(&st, S_ISDIR(st.st_mode) ? 5 : 4))
		return EACCES;
	if ((flags & O_ACCMODE) != O_RDONLY && !anon_may(&st, 2))
		return EACCES;
	return 0;
}

static int opened(int fd, int dfd, const char *path, int flags, int existed)
{
	if (fd >= 0 && (flags & O_CREAT) && !existed)
		make_anon(dfd, path);
	return fd;
}

static int existed(int dfd, const char *path)
{
	struct stat st;

	return fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int openat(int dfd, const char *path, int flags, ...)
{
	va_list ap;
	int e, was;

	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	REAL(int, "openat", (int, const char *, int, ...));
	if (!JUDGED)
		return real(dfd, path, flags, mode);
	if ((e = judge_open(dfd, path, flags)) != 0)
		return refuse("openat", e);
	was = existed(dfd, path);
	return opened(real(dfd, path, flags, mode), dfd, path, flags, was);
}

int __openat_2(int dfd, const char *path, int flags);
int __openat_2(int dfd, const char *path, int flags)
{
	REAL(int, "__openat_2", (int, const char *, int));
	if (JUDGED) {
		int e = judge_open(dfd, path, flags);
		if (e != 0)
			return refuse("openat", e);
	}
	return real(dfd, path, flags);
}

int fstatat(int dfd, const char *path, struct stat *st, int flags)
{
	REAL(int, "fstatat", (int, const char *, struct stat *, int));
	if (JUDGED && *path && squashed(dfd, NULL)) {
		int e = dir_denies(dfd, 1);
		if (e != 0)
			return refuse("fstatat", e);
	}
	return real(dfd, path, st, flags);
}

int mkdirat(int dfd, const char *path, mode_t mode)
{
	REAL(int, "mkdirat", (int, const char *, mode_t));
	if (JUDGED && squashed(dfd, NULL)) {
		int e = dir_denies(dfd, 1), rc;
		if (e == 0 && existed(dfd, path))
			return real(dfd, path, mode); /* EEXIST */
		if (e != 0 || (e = dir_denies(dfd, 3)) != 0)
			return refuse("mkdirat", e);
		if ((rc = real(dfd, path, mode)) == 0)
			make_anon(dfd, path);
		return rc;
	}
	return real(dfd, path, mode);
}

static int entry_op(const char *what, int dfd)
{
	int e = squashed(dfd, NULL) ? dir_denies(dfd, 3) : 0;

	return e != 0 ? refuse(what, e) : 0;
}

int unlinkat(int dfd, const char *path, int flags)
{
	REAL(int, "unlinkat", (int, const char *, int));
	if (JUDGED && entry_op("unlinkat", dfd) < 0)
		return -1;
	return real(dfd, path, flags);
}

int renameat(int od, const char *op, int nd, const char *np)
{
	REAL(int, "renameat", (int, const char *, int, const char *));
	if (JUDGED && (entry_op("renameat", od) < 0 || entry_op("renameat", nd) < 0))
		return -1;
	return real(od, op, nd, np);
}

int renameat2(int od, const char *op, int nd, const char *np, unsigned int flags)
{
	REAL(int, "renameat2", (int, const char *, int, const char *, unsigned int));
	if (JUDGED && (entry_op("renameat2", od) < 0 || entry_op("renameat2", nd) < 0))
		return -1;
	return real(od, op, nd, np, flags);
}

int linkat(int od, const char *op, int nd, const char *np, int flags)
{
	REAL(int, "linkat", (int, const char *, int, const char *, int));
	if (JUDGED && entry_op("linkat", nd) < 0)
		return -1;
	return real(od, op, nd, np, flags);
}

int symlinkat(const char *target, int dfd, const char *path)
{
	REAL(int, "symlinkat", (const char *, int, const char *));
	if (JUDGED && entry_op("symlinkat", dfd) < 0)
		return -1;
	return real(target, dfd, path);
}

int fchown(int fd, uid_t u, gid_t g)
{
	REAL(int, "fchown", (int, uid_t, gid_t));
	if (JUDGED && squashed(fd, NULL))
		return refuse("fchown", EPERM);
	return real(fd, u, g);
}

int fchownat(int dfd, const char *path, uid_t u, gid_t g, int flags)
{
	REAL(int, "fchownat", (int, const char *, uid_t, gid_t, int));
	if (JUDGED && squashed(dfd, NULL))
		return refuse("fchownat", EPERM);
	return real(dfd, path, u, g, flags);
}

int fchmod(int fd, mode_t mode)
{
	struct stat st;

	REAL(int, "fchmod", (int, mode_t));
	if (JUDGED && squashed(fd, NULL) && (fstat(fd, &st) < 0 || st.st_uid != ANON))
		return refuse("fchmod", EPERM);
	return real(fd, mode);
}

int fchmodat(int dfd, const char *path, mode_t mode, int flags)
{
	struct stat st;

	REAL(int, "fchmodat", (int, const char *, mode_t, int));
	if (JUDGED && squashed(dfd, NULL) &&
	    (fstatat(dfd, path, &st, 0) < 0 || st.st_uid != ANON))
		return refuse("fchmodat", EPERM);
	return real(dfd, path, mode, flags);
}
