// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * walk.c - the trusted walk to a maildir: from "/", one component at a
 * time with openat(O_NOFOLLOW), every directory on the way root's or the
 * owner's, the maildir itself the owner's.  It ends at the deepest
 * directory that exists.
 */
#define _GNU_SOURCE
#include "core.h"

static struct walked walk_end(int fd, struct walked w)
{
	if (fd >= 0)
		close(fd);
	w.fd = -1;
	return w;
}

/* A component that could not be opened on the way, but for ENOENT. */
static struct walked walk_refused(const struct build *b, int fd, const char *name, int e,
				  struct walked w)
{
	struct stat lst;

	if (e == ESTALE) {
		/* A network filesystem saw the tree replaced under us,
		 * typically by another frontend's rename: walk again. */
		md_logf(b->log, LOG_DEBUG, "%s changed during the walk (ESTALE): again", b->path);
		w.again = true;
		return walk_end(fd, w);
	}
	/* O_DIRECTORY wins over O_NOFOLLOW: tell a symlink apart. */
	if (e == ENOTDIR && fstatat(fd, name, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(lst.st_mode))
		e = ELOOP;
	md_logf(b->log, LOG_ERR, "%s: component \"%s\" %s", b->path, name,
		e == ELOOP ? "is a symlink: refused" :
		e == ENOTDIR ? "is not a directory: refused" : strerror(e));
	w.r = e == ELOOP || e == ENOTDIR ? MD_ERR_REFUSED : MD_ERR_SYSTEM;
	return walk_end(fd, w);
}

/*
 * Opens one component as root or, where a store that squashes root refuses
 * root in a directory of the owner's, as the owner from there on.
 */
static int open_component(const struct build *b, int fd, const struct stat *st,
			  const char *name, struct walked *w)
{
	/* O_PATH: only search permission is needed on the way, which matters
	 * when authmkhome walks as the user. */
	int next = openat(fd, name, DIR_FD);

	if (next >= 0 || errno != EACCES || b->euid != 0 || w->ids.changed ||
	    st->st_uid != b->a->uid || b->a->uid == 0)
		return next;
	if (!become_fs(&w->ids, b->euid, b->a->uid, b->a->gid)) {
		errno = EACCES;
		return -1;
	}
	return openat(fd, name, DIR_FD);
}

struct walked walk(const struct build *b, const struct path *sp)
{
	struct walked w = { .r = MD_OK, .fd = -1 };
	size_t i;
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &w.st) < 0) {
		w.r = sys_error(b, "cannot open / for", NULL);
		return walk_end(fd, w);
	}
	for (i = 0; i < sp->n; i++) {
		int next = open_component(b, fd, &w.st, sp->comp[i], &w);
		if (next < 0 && errno == ENOENT)
			break;
		if (next < 0)
			return walk_refused(b, fd, sp->comp[i], errno, w);
		close(fd);
		fd = next;
		if (fstat(fd, &w.st) < 0) {
			w.r = sys_error(b, "cannot inspect", NULL);
			return walk_end(fd, w);
		}
		if ((w.st.st_uid != 0 || i == sp->n - 1) && w.st.st_uid != b->a->uid) {
			md_logf(b->log, LOG_ERR, "%s: \"%s\" is owned by uid %lu, not by root or "
				"uid %lu: refused", b->path, sp->comp[i],
				(unsigned long)w.st.st_uid, (unsigned long)b->a->uid);
			w.r = MD_ERR_REFUSED;
			return walk_end(fd, w);
		}
	}
	w.fd = fd;
	w.missing = i;
	return w;
}
