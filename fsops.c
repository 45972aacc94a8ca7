// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * fsops.c - single filesystem operations on an existing maildir, done with
 * the owner's filesystem ids, each of which verifies what it found.
 */
#define _GNU_SOURCE
#include "core.h"

/* name is relative to some directory of the build: it is named as itself,
 * beside the maildir it was for, never joined to a path it is not in. */
enum md_result sys_error(const struct build *b, const char *what, const char *name)
{
	int e = errno;

	if (name != NULL)
		md_logf(b->log, LOG_ERR, "%s \"%s\" for %s: %s", what, name, b->path, strerror(e));
	else
		md_logf(b->log, LOG_ERR, "%s %s: %s", what, b->path, strerror(e));
	return MD_ERR_SYSTEM;
}

/* Whether fd's inode (dfd/name when name is not NULL) has mode already: on
 * FUSE or NFS a chmod that changes nothing is one more round trip. */
bool has_mode(int fd, const char *name, mode_t mode)
{
	struct stat st;
	int rc = name == NULL ? fstat(fd, &st) : fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW);

	return rc == 0 && (st.st_mode & 07777) == mode;
}

/*
 * An O_PATH descriptor cannot be fchmod-ed: through its /proc/self/fd link
 * (the inode it holds, nothing a user can swap), else, without /proc, by
 * reopening it, which needs the search permission a umask may have taken.
 */
int chmod_fd(int fd, mode_t mode)
{
	char proc[32];
	int rfd, rc;

	if (fchmod(fd, mode) == 0)
		return 0;
	if (errno != EBADF)
		return -1;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (chmod(proc, mode) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	rfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -1;
	rc = fchmod(rfd, mode);
	close(rfd);
	return rc;
}

bool same_entry(int dfd, const char *name, const struct stat *want)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       st.st_dev == want->st_dev && st.st_ino == want->st_ino;
}

DIR *open_dir_stream(int dfd)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (d == NULL && fd >= 0)
		close(fd);
	return d;
}

struct dirent *next_entry(DIR *d)
{
	struct dirent *de;

	do {
		errno = 0;
		de = readdir(d);
	} while (de != NULL && (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0));
	return de;
}

/* Why name in dfd could not be opened as a directory, logged. */
static enum md_result not_a_dir(const struct build *b, int dfd, const char *name, int e)
{
	struct stat st;

	/* O_DIRECTORY wins over O_NOFOLLOW: tell a symlink apart. */
	if (e == ENOTDIR && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		e = ELOOP;
	if (e != ELOOP && e != ENOTDIR) {
		errno = e;
		return sys_error(b, "cannot open", name);
	}
	md_logf(b->log, LOG_ERR, "\"%s\" for %s is %s: refused", name, b->path,
		e == ELOOP ? "a symlink" : "not a directory");
	return MD_ERR_REFUSED;
}

enum md_result make_dir(const struct build *b, int dfd, const char *name, mode_t mode,
			int *out)
{
	bool created = mkdirat(dfd, name, mode) == 0;
	struct stat st;
	int fd;

	if (!created && errno != EEXIST)
		return sys_error(b, "cannot create", name);
	fd = openat(dfd, name, DIR_FD);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return not_a_dir(b, dfd, name, e);
	}
	if (st.st_uid != b->a->uid) {
		md_logf(b->log, LOG_ERR, "\"%s\" for %s is owned by uid %lu, not %lu: refused",
			name, b->path, (unsigned long)st.st_uid, (unsigned long)b->a->uid);
		close(fd);
		return MD_ERR_REFUSED;
	}
	/* The umask may have taken group or other bits the administrator
	 * asked for; a set-group-ID parent's bit stays. */
	if (created && (st.st_mode & 0777) != mode &&
	    chmod_fd(fd, mode | (st.st_mode & S_ISGID)) < 0) {
		close(fd);
		return sys_error(b, "cannot set the mode of", name);
	}
	if (out != NULL)
		*out = fd;
	else
		close(fd);
	return MD_OK;
}

static void unlink_if_same(int dfd, const char *name, const struct stat *st)
{
	if (same_entry(dfd, name, st))
		unlinkat(dfd, name, 0);
}

static bool write_all(int fd, const char *data, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno != EINTR)
			return false;
		done += w < 0 ? 0 : (size_t)w;
	}
	return true;
}

/* All of src (a regular file open for reading) into fd. */
static bool copy_all(int fd, int src)
{
	char data[16384];
	ssize_t n;

	while ((n = read(src, data, sizeof data)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || !write_all(fd, data, (size_t)n))
			return false;
	}
	return true;
}

enum md_result write_file(const struct build *b, int dfd, const char *name, const char *data,
			  size_t len, mode_t mode, ino_t *ino)
{
	return copy_file(b, dfd, name, data, len, -1, mode, ino);
}

enum md_result copy_file(const struct build *b, int dfd, const char *name, const char *data,
			 size_t len, int src, mode_t mode, ino_t *ino)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
			O_NOCTTY, mode);
	struct stat st;
	bool done;

	if (fd < 0)
		return errno == EEXIST ? MD_ERR_REFUSED : sys_error(b, "cannot create", name);
	done = src >= 0 ? copy_all(fd, src) : write_all(fd, data, len);
	/* The umask or a default ACL may have taken bits from mode. */
	if (!done || fstat(fd, &st) < 0 ||
	    ((st.st_mode & 07777) != mode && fchmod(fd, mode) < 0)) {
		int e = errno;
		/* Made an instant ago, and held since: nothing half-written stays. */
		if (fstat(fd, &st) == 0)
			unlink_if_same(dfd, name, &st);
		close(fd);
		errno = e;
		return sys_error(b, "cannot write", name);
	}
	if (ino != NULL)
		*ino = st.st_ino;
	return close(fd) < 0 ? sys_error(b, "cannot write", name) : MD_OK;
}

enum md_result write_via_tmp(const struct build *b, int mdfd, const char *name,
			     const char *data, size_t len)
{
	char tmpname[TMP_NAME_LEN];
	enum md_result r;
	int tfd = openat(mdfd, "tmp", DIR_FD);

	if (tfd < 0)
		return sys_error(b, "cannot open", "tmp");
	tmp_name(tmpname);
	r = write_file(b, tfd, tmpname, data, len, 0600, NULL);
	if (r == MD_ERR_REFUSED)
		md_logf(b->log, LOG_ERR, "%s/tmp/%s exists: refused", b->path, tmpname);
	if (r != MD_OK) {
		close(tfd);
		return r;
	}
	/* A link fails on an existing name: what is there is left as it is. */
	if (linkat(tfd, tmpname, mdfd, name, 0) < 0 && errno != EEXIST)
		r = sys_error(b, "cannot link into place", name);
	unlinkat(tfd, tmpname, 0);
	close(tfd);
	return r;
}
