// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * populate.c - what goes into a maildir besides itself: cur/new/tmp, the
 * configured folders, the subscription files of both servers, the quota
 * file and the marker that says all of it was given.  Into a tree being
 * built (a spot with a tree), or into an existing maildir in place, as its
 * owner, where every folder that is missing is added by one rename.
 */
#define _GNU_SOURCE
#include "core.h"

static const char *const maildir_subdirs[] = { "cur", "new", "tmp" };


/*
 * The options were checked, so every name encodes; one that did not would
 * be skipped, never end the list early.
 */
char *next_folder(const struct md_options *o, const char **list, char *buf)
{
	while (*list != NULL && **list != '\0') {
		size_t len = strcspn(*list, ",");
		const char *why = fold_encode(*list, len, folder_encoding(o), buf + 1,
					      FOLDER_BUF - 1);
		*list += len + ((*list)[len] == ',');
		if (why == NULL && o->layout_fs && fold_fs_path(buf + 1) == NULL)
			return buf + 1;
		if (why == NULL && !o->layout_fs) {
			buf[0] = '.';
			return buf;
		}
	}
	return NULL;
}

static enum md_result spot_dir(const struct build *b, const struct spot *in, const char *name,
			       mode_t mode, bool hold, struct spot *out)
{
	if (in->t != NULL)
		return tree_dir(b, in, name, mode, hold, out);
	*out = (struct spot){ NULL, -1, -1 };
	return make_dir(b, in->fd, name, mode, hold ? &out->fd : NULL);
}

/* A file of the owner's: made in a tree, or made or kept in place. */
static enum md_result spot_file(const struct build *b, const struct spot *in, const char *name,
				const char *data, size_t len)
{
	enum md_result r;
	struct stat st;

	if (in->t != NULL)
		return tree_file(b, in, name, data, len, 0600);
	if ((r = write_file(b, in->fd, name, data, len, 0600, NULL)) != MD_ERR_REFUSED)
		return r;
	if (fstatat(in->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == b->a->uid)
		return MD_OK;
	md_logf(b->log, LOG_ERR, "%s/%s exists and is not the owner's file: refused", b->path,
		name);
	return MD_ERR_REFUSED;
}

enum md_result make_subdirs(const struct build *b, const struct spot *md)
{
	enum md_result r = MD_OK;
	struct spot unused;
	size_t i;

	for (i = 0; i < 3 && r == MD_OK; i++)
		r = spot_dir(b, md, maildir_subdirs[i], b->o->mode, false, &unused);
	return r;
}

/* cur/new/tmp and, in the Maildir++ layout, maildirfolder, in folder f. */
static enum md_result fill_folder(const struct build *b, const struct spot *f)
{
	enum md_result r = make_subdirs(b, f);

	/* maildirfolder marks a Maildir++ folder; the fs layout has none. */
	if (r == MD_OK && !b->o->layout_fs)
		r = spot_file(b, f, "maildirfolder", "", 0);
	return r;
}

/*
 * The levels of path ("2024", "a/b"; "" for none) below spot at of a tree,
 * each made unless the tree has it already (Archive for Archive/2024), then
 * the folder's contents in the last.
 */
static enum md_result make_levels(const struct build *b, struct spot at, char *path)
{
	enum md_result r = MD_OK;
	char *slash;

	while (r == MD_OK && *path != '\0') {
		struct spot next;
		if ((slash = strchr(path, '/')) != NULL)
			*slash = '\0';
		if (!tree_find(&at, path, &next))
			r = tree_dir(b, &at, path, b->o->mode, true, &next);
		if (slash != NULL)
			*slash = '/';
		at = next;
		path = slash != NULL ? slash + 1 : path + strlen(path);
	}
	return r == MD_OK ? fill_folder(b, &at) : r;
}

/*
 * A folder of an existing maildir, from its first missing level fa->last in
 * fa->parent down: built in the maildir's tmp/, where no server lists it as
 * a folder even if the build is killed, and renamed from there.  A
 * concurrent login that was first leaves its folder, which must be a
 * directory of the owner's.
 */
static enum md_result add_levels(const struct build *b, int mdfd, const struct folder_at *fa)
{
	struct tree *t = NULL;
	struct spot top;
	enum md_result r;
	enum placed p = PLACE_FAILED;
	int tfd = openat(mdfd, "tmp", DIR_FD);

	if (tfd < 0)
		return sys_error(b, "cannot open", "tmp");
	r = tree_start(&t, b, tfd, fa->parent, fa->last, false, &top);
	if (r == MD_OK)
		r = make_levels(b, top, fa->rest);
	if (r == MD_OK)
		r = tree_finish(b, &top, false, b->o->mode);
	if (r == MD_OK && (p = tree_place(t, b)) == PLACE_FAILED)
		r = MD_ERR_SYSTEM;
	if (p == PLACE_LOST && look_at(b, fa->parent, fa->last) != ENTRY_OWNED_DIR) {
		md_logf(b->log, LOG_ERR, "folder %s/%s: something else took its name: refused",
			b->path, fa->last);
		r = MD_ERR_REFUSED;
	}
	tree_end(t, b, p != PLACED);
	close(tfd);
	return r;
}

/*
 * One configured folder of an existing maildir: completed in place, or,
 * unless the maildir was populated before (the user deleted it), added.
 */
static enum md_result complete_folder(const struct build *b, int mdfd, char *dir,
				      bool populated)
{
	struct folder_at fa;
	enum md_result r = MD_OK;

	switch (folder_open(b, mdfd, dir, &fa)) {
	case ENTRY_OWNED_DIR:
		r = fill_folder(b, &(struct spot){ NULL, -1, fa.fd });
		close(fa.fd);
		return r;
	case ENTRY_ABSENT:
		if (!populated)
			r = add_levels(b, mdfd, &fa);
		if (fa.parent != mdfd)
			close(fa.parent);
		return r;
	case ENTRY_OTHER:
		break;
	}
	md_logf(b->log, LOG_ERR, "folder %s/%s: a level of it is not a directory of the owner's: "
		"refused", b->path, dir);
	return MD_ERR_REFUSED;
}

/*
 * Subscription files for both servers, each name in the form on disk, as
 * each server writes them itself: Courier lists "INBOX" and "INBOX.Name"
 * (its own SUBSCRIBE writes the same), Dovecot 2.3 and 2.4 read the
 * version-2 format, where a tab separates hierarchy levels so the file is
 * right whatever separator the namespace uses.
 */
static enum md_result write_subscriptions(const struct build *b, const struct spot *md)
{
	size_t cap = 32 + MAX_FOLDERS * (FOLDER_BUF + 8);
	char *courier = malloc(cap), *dovecot = malloc(cap);
	const char *list = b->o->folders, *f;
	size_t nc = 0, nd = 0;
	char dir[FOLDER_BUF];
	enum md_result r = MD_OK;

	if (courier == NULL || dovecot == NULL) {
		free(courier);
		free(dovecot);
		md_logf(b->log, LOG_ERR, "out of memory writing subscriptions");
		return MD_ERR_SYSTEM;
	}
	nc = (size_t)snprintf(courier, cap, "INBOX\n");
	nd = (size_t)snprintf(dovecot, cap, "V\t2\n\nINBOX\n");
	while ((f = next_folder(b->o, &list, dir)) != NULL) {
		nc += (size_t)snprintf(courier + nc, cap - nc, "INBOX%s\n", f);
		for (f += *f == '.'; *f != '\0'; f++)
			dovecot[nd++] = *f == '.' || *f == '/' ? '\t' : *f;
		dovecot[nd++] = '\n';
	}
	/* Courier knows no fs layout: only Dovecot's file there.  In place,
	 * a server's own file is left as it is. */
	if (!b->o->layout_fs)
		r = md->t != NULL ? tree_file(b, md, "courierimapsubscribed", courier, nc, 0600) :
		    write_via_tmp(b, md->fd, "courierimapsubscribed", courier, nc);
	if (r == MD_OK)
		r = md->t != NULL ? tree_file(b, md, "subscriptions", dovecot, nd, 0600) :
		    write_via_tmp(b, md->fd, "subscriptions", dovecot, nd);
	free(courier);
	free(dovecot);
	return r;
}

static enum md_result write_quota(const struct build *b, const struct spot *md)
{
	char quota[160];
	struct stat st;
	int n = snprintf(quota, sizeof quota, "%s\n%12d %12d\n", b->o->quota, 0, 0);

	if (n < 0 || (size_t)n >= sizeof quota) {
		md_logf(b->log, LOG_ERR, "quota specification too long");
		return MD_ERR_CONFIG;
	}
	if (md->t != NULL)
		return tree_file(b, md, "maildirsize", quota, (size_t)n, 0600);
	if (fstatat(md->fd, "maildirsize", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		md_logf(b->log, LOG_NOTICE, "%s/maildirsize exists: left as it is (remove it to "
			"have one with %s written at the next login, after removing the maildir's "
			"pam_mkmaildir.given.* files)", b->path, b->o->quota);
		return MD_OK;
	}
	return write_via_tmp(b, md->fd, "maildirsize", quota, (size_t)n);
}

/*
 * Everything the configuration gives that g does not list (g NULL: a new
 * tree, nothing given yet), then the record of this configuration.  In
 * place, a folder that is there is completed and one that is missing is
 * added; the subscription files are written only where they are not
 * (a server's or the user's own are left as they are); the quota file gets
 * the configured limits over the size lines of one already there.
 */
enum md_result populate_folders(const struct build *b, const struct spot *md,
				const struct given *g)
{
	const char *list = b->o->folders;
	char buf[FOLDER_BUF], *dir;
	enum md_result r = MD_OK;
	bool subs = false;

	if (b->o->creator != NULL)
		return MD_OK; /* a creator's maildir is the creator's to fill */
	while (r == MD_OK && (dir = next_folder(b->o, &list, buf)) != NULL) {
		subs = subs || g == NULL || !given(g, "subscribe", dir);
		if (g != NULL && given(g, "folder", dir))
			continue;
		r = md->t != NULL ? make_levels(b, *md, dir) : complete_folder(b, md->fd, dir, false);
	}
	if (r == MD_OK && b->o->subscribe && b->o->folders != NULL && subs)
		r = write_subscriptions(b, md);
	if (r == MD_OK && b->o->quota_file && (g == NULL || !given(g, "quota", b->o->quota)))
		r = write_quota(b, md);
	return r == MD_OK ? write_record(b, md, g) : r;
}
