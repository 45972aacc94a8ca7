// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * skel.c - a new home gets a copy of the skel, made by the home's owner in
 * the tree being built, after the maildir: what the module made wins, and
 * the skel's own entries fill in around it.
 *
 * It is copied with the owner's rights, like everything below the home:
 * a skel entry the owner could not read stops the build with a line that
 * says so (nothing is made, and the next login after the fix makes it).
 * Symlinks are recreated as symlinks (never followed); devices, FIFOs and
 * sockets are skipped; nothing keeps setuid, setgid or group/other write
 * bits.  The skel decides what every new home starts with (.profile,
 * .ssh, ...), so it is held to the rules of config= and creator=: the
 * directory and every one above it root's and writable by nobody else, no
 * symlink on the way, and every entry copied root's.
 */
#define _GNU_SOURCE
#include "core.h"

static enum md_result copy_regular(const struct build *b, int sfd, const struct spot *to,
				   const char *name, const struct stat *st)
{
	enum md_result r;
	struct stat now;
	int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (in < 0 && errno == EACCES) {
		md_logf(b->log, LOG_ERR, "skel file %s is not readable by uid %lu, whose rights "
			"copy the skel: home of %s not made (make it readable, or remove it from "
			"the skel)", name, (unsigned long)b->a->uid, b->a->user);
		return MD_ERR_CONFIG;
	}
	if (in < 0)
		return sys_error(b, "cannot read skel file", name);
	if (fstat(in, &now) < 0 || now.st_ino != st->st_ino || now.st_dev != st->st_dev ||
	    !S_ISREG(now.st_mode)) {
		close(in);
		errno = ESTALE;
		return sys_error(b, "skel file changed while copied for", name);
	}
	r = tree_copy(b, to, name, in, (st->st_mode & 0755) | 0600);
	close(in);
	return r;
}

/* Not inlined: its buffer stays out of copy_skel's recursive frame. */
static __attribute__((noinline)) enum md_result
copy_link(const struct build *b, int sfd, const struct spot *to, const char *name)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(sfd, name, target, sizeof target - 1);

	if (n < 0)
		return sys_error(b, "cannot read skel link for", name);
	target[n] = '\0';
	return tree_symlink(b, to, name, target);
}

/* Whether entry st of the skel may be copied; logged when not. */
static bool copyable(const struct build *b, const char *name, const struct stat *st)
{
	if (!trusted_owner(st, b->euid)) {
		md_logf(b->log, LOG_WARNING, "skel entry %s (uid %lu) is not root's: not copied "
			"into %s", name, (unsigned long)st->st_uid, b->path);
		return false;
	}
	if (S_ISDIR(st->st_mode) && (st->st_mode & 022) != 0) {
		/* Anyone could have linked or put anything in it. */
		md_logf(b->log, LOG_WARNING, "skel directory %s is writable by others (mode %04o): "
			"not copied into %s", name, (unsigned)(st->st_mode & 07777), b->path);
		return false;
	}
	return S_ISREG(st->st_mode) || S_ISLNK(st->st_mode) || S_ISDIR(st->st_mode);
}

static enum md_result copy_skel(const struct build *b, int sfd, const struct spot *to, int depth);

static enum md_result copy_dir(const struct build *b, int sfd, const struct spot *to,
			       const char *name, const struct stat *st, int depth)
{
	enum md_result r = MD_OK;
	struct spot sub;
	int s2;

	if (depth >= SKEL_DEPTH) {
		md_logf(b->log, LOG_WARNING, "skel directory %s is more than %d levels deep: not "
			"copied into %s", name, SKEL_DEPTH, b->path);
		return MD_OK;
	}
	s2 = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s2 < 0)
		return sys_error(b, "cannot read skel directory for", name);
	/* The maildir was made first: the skel's Maildir/ merges into it. */
	if (!tree_find(to, name, &sub))
		r = tree_dir(b, to, name, (st->st_mode & 0755) | 0700, true, &sub);
	if (r == MD_OK)
		r = copy_skel(b, s2, &sub, depth + 1);
	close(s2);
	return r;
}

static enum md_result copy_entry(const struct build *b, int sfd, const struct spot *to,
				 const char *name, int depth)
{
	struct stat st, have;

	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return sys_error(b, "cannot read skel entry for", name);
	if (!copyable(b, name, &st))
		return MD_OK;
	if (S_ISDIR(st.st_mode))
		return copy_dir(b, sfd, to, name, &st, depth);
	/* What the module made itself (maildirsize, subscriptions) wins. */
	if (fstatat(to->fd, name, &have, AT_SYMLINK_NOFOLLOW) == 0)
		return MD_OK;
	return S_ISREG(st.st_mode) ? copy_regular(b, sfd, to, name, &st) :
	       copy_link(b, sfd, to, name);
}

static enum md_result copy_skel(const struct build *b, int sfd, const struct spot *to, int depth)
{
	enum md_result r = MD_OK;
	struct dirent *de;
	DIR *d = open_dir_stream(sfd);

	if (d == NULL)
		return sys_error(b, "cannot read skel for", NULL);
	while (r == MD_OK && (de = next_entry(d)) != NULL)
		r = copy_entry(b, sfd, to, de->d_name, depth);
	if (r == MD_OK && errno != 0)
		r = sys_error(b, "cannot read skel for", NULL);
	closedir(d);
	return r;
}

enum md_result copy_skel_into(const struct build *b, const struct spot *home)
{
	char what[PATH_MAX + 16];
	struct stat st;
	enum md_result r;
	int sfd;

	snprintf(what, sizeof what, "skel for %s:", b->path);
	switch (open_trusted_as(b->o->skel, what, true, O_RDONLY | O_DIRECTORY, b->euid, &st, &sfd,
				b->log)) {
	case TRUST_OK:
		break;
	case TRUST_SYSERR:
		return MD_ERR_SYSTEM;
	case TRUST_REFUSED:
		md_logf(b->log, LOG_ERR, "skel %s not copied into the home of %s: refused",
			b->o->skel, b->a->user);
		return MD_ERR_CONFIG;
	}
	r = copy_skel(b, sfd, home, 0);
	close(sfd);
	return r;
}
