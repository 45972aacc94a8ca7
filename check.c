// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * check.c - whether an existing maildir is complete.  Every look is one
 * component at a time (fstatat with AT_SYMLINK_NOFOLLOW of a single name,
 * or openat with O_NOFOLLOW), so no symlink a user made is followed, and
 * what is reported does not depend on where one points.
 */
#define _GNU_SOURCE
#include "core.h"

#include <linux/openat2.h>
#include <sys/syscall.h>

static const char *const maildir_subdirs[] = { "cur", "new", "tmp" };

enum entry look_at(const struct build *b, int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? ENTRY_ABSENT : ENTRY_OTHER;
	return S_ISDIR(st.st_mode) && st.st_uid == b->a->uid ? ENTRY_OWNED_DIR : ENTRY_OTHER;
}

/* The record of this configuration is there, the owner's: everything it
 * gives was given. */
bool is_populated(const struct build *b, int mdfd)
{
	struct stat st;

	return fstatat(mdfd, b->o->record, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode) && st.st_uid == b->a->uid;
}

/*
 * cur/new/tmp, and the record of this configuration: it is written last
 * and means that every item was given, so the folders are not looked at
 * again (one the user deleted stays deleted).  A creator's maildir has no
 * record.
 */
bool looks_complete(const struct build *b, int mdfd, bool check_only)
{
	struct given g;
	size_t i;
	bool lacks;

	for (i = 0; i < 3; i++)
		if (look_at(b, mdfd, maildir_subdirs[i]) != ENTRY_OWNED_DIR)
			return false;
	if (b->o->creator != NULL || is_populated(b, mdfd))
		return true;
	/* A check may find that other configurations' records cover it all;
	 * a login then writes this one's record (complete() does). */
	if (!check_only || !read_given(mdfd, &g))
		return false;
	lacks = lacks_items(b, &g, 0);
	given_free(&g);
	return !lacks;
}

bool lacks_items(const struct build *b, const struct given *g, int priority)
{
	const char *list = b->o->folders;
	char buf[FOLDER_BUF], *dir;
	bool subs = false, lacks = false;

	while ((dir = next_folder(b->o, &list, buf)) != NULL) {
		if (!given(g, "folder", dir)) {
			lacks = true;
			if (priority != 0)
				md_logf(b->log, priority, "%s lacks folder %s (configured, never given)",
					b->path, dir);
		}
		subs = subs || (b->o->subscribe && !given(g, "subscribe", dir));
	}
	if (subs && priority != 0)
		md_logf(b->log, priority, "%s lacks its subscriptions (configured, never given)",
			b->path);
	if (b->o->quota_file && !given(g, "quota", b->o->quota)) {
		lacks = true;
		if (priority != 0)
			md_logf(b->log, priority, "%s lacks its quota file for %s (configured, never "
				"given)", b->path, b->o->quota);
	}
	return lacks || subs;
}

static void report_items(const struct build *b, int mdfd, int priority)
{
	struct given g;

	if (!read_given(mdfd, &g))
		return;
	lacks_items(b, &g, priority);
	given_free(&g);
}

void report_missing(const struct build *b, int mdfd, int priority)
{
	size_t i;

	for (i = 0; i < 3; i++)
		if (look_at(b, mdfd, maildir_subdirs[i]) != ENTRY_OWNED_DIR)
			md_logf(b->log, priority, "%s/%s is missing or not the owner's directory",
				b->path, maildir_subdirs[i]);
	if (b->o->creator == NULL && !is_populated(b, mdfd))
		report_items(b, mdfd, priority);
}

enum entry folder_open(const struct build *b, int mdfd, char *dir, struct folder_at *fa)
{
	char *level = dir;
	int cur = mdfd;

	for (;;) {
		char *slash = strchr(level, '/');
		struct stat st;
		int next;

		if (slash != NULL)
			*slash = '\0';
		next = openat(cur, level, DIR_FD);
		if (next < 0 && errno == ENOENT) {
			*fa = (struct folder_at){ -1, cur, level,
						  slash != NULL ? slash + 1 : level + strlen(level) };
			return ENTRY_ABSENT;
		}
		if (slash != NULL)
			*slash = '/';
		if (cur != mdfd)
			close(cur);
		if (next < 0 || fstat(next, &st) < 0 || st.st_uid != b->a->uid) {
			if (next >= 0)
				close(next);
			return ENTRY_OTHER;
		}
		if (slash == NULL) {
			*fa = (struct folder_at){ next, -1, NULL, NULL };
			return ENTRY_OWNED_DIR;
		}
		cur = next;
		level = slash + 1;
	}
}

/*
 * The every-login path: a maildir that is the account's and holds the
 * account's marker (written last, after every other part) is complete, and
 * nothing needs doing.  It is opened in one call that refuses a symlink in
 * any component, magic links included, so nothing a user controls is
 * followed; it is only looked at, never changed.  Anything else (no
 * openat2: ENOSYS on old kernels, EPERM under a seccomp filter; a symlink;
 * another owner; no marker) is left to the full walk and its checks.
 */
bool fast_complete(const struct build *b)
{
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, b->path, &how, sizeof how);
	struct stat st, mk;
	bool ok;

	if (fd < 0)
		return false;
	ok = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == b->a->uid &&
	     b->o->creator == NULL &&
	     fstatat(fd, b->o->record, &mk, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(mk.st_mode) &&
	     mk.st_uid == b->a->uid;
	close(fd);
	return ok;
}
