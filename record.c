// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * record.c - the population record: which configured items a maildir has
 * been given.  An item is a folder ("folder .Drafts"), its subscription
 * ("subscribe .Drafts") or the quota file ("quota 100000S").  What the
 * configuration holds and no record lists is given once, then recorded; what
 * a record lists is never given again, so what the user deleted stays
 * deleted, and an item the configuration gains later (or a misspelled option,
 * once corrected) reaches every maildir at its next login.
 *
 * The record of a configuration is a file named by a hash of its items,
 * RECORD_PREFIX and 16 hex digits, written last and listing every item
 * given so far: one fstatat(2) of that name tells an unchanged
 * configuration's complete maildir.  A configuration change writes a new
 * record beside the old ones, which stay (nothing the module did not make in
 * the same call is changed): one small file per change.  The file
 * pam_mkmaildir.populated of earlier versions means that everything
 * configured then was given; what it was is not known, so every item
 * configured when the first record is written beside it is taken as given.
 */
#define _GNU_SOURCE
#include "core.h"

#define KEYS_MAX (MAX_FOLDERS * 2 * (FOLDER_BUF + 16) + 256)

/* The items the configuration gives, one a line, in a malloc'ed string. */
static char *config_items(const struct md_options *o)
{
	char *k = malloc(KEYS_MAX), buf[FOLDER_BUF];
	const char *list = o->folders, *f;
	size_t n = 0;

	if (k == NULL)
		return NULL;
	k[0] = '\0';
	if (o->creator != NULL)
		return k;
	while ((f = next_folder(o, &list, buf)) != NULL)
		n += (size_t)snprintf(k + n, KEYS_MAX - n, "folder %s\n", f);
	list = o->folders;
	while (o->subscribe && (f = next_folder(o, &list, buf)) != NULL)
		n += (size_t)snprintf(k + n, KEYS_MAX - n, "subscribe %s\n", f);
	if (o->quota_file)
		snprintf(k + n, KEYS_MAX - n, "quota %s\n", o->quota);
	return k;
}

void record_name(const struct md_options *o, char out[RECORD_NAME_LEN])
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	char *k = config_items(o);
	const char *p;

	for (p = k != NULL ? k : ""; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	free(k);
	snprintf(out, RECORD_NAME_LEN, RECORD_PREFIX "%016llx", (unsigned long long)h);
}

/* Appends the regular file name of mdfd (at most 64 KiB) to g. */
static void read_one(int mdfd, const char *name, struct given *g)
{
	char buf[65536];
	ssize_t n;
	char *t;
	int fd = openat(mdfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;

	if (fd < 0)
		return;
	n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, buf, sizeof buf - 1) : -1;
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	t = realloc(g->text, g->len + (size_t)n + 1);
	if (t == NULL)
		return;
	memcpy(t + g->len, buf, (size_t)n + 1);
	g->text = t;
	g->len += (size_t)n;
}

/*
 * What the maildir was given: the union of its records, by one listing of
 * the maildir's top (only when the record of this configuration is not
 * there).
 */
bool read_given(int mdfd, struct given *g)
{
	struct dirent *de;
	DIR *d = open_dir_stream(mdfd);
	bool earlier = false, records = false;

	*g = (struct given){ NULL, 0, false };
	if (d == NULL)
		return false;
	while ((de = next_entry(d)) != NULL) {
		if (strcmp(de->d_name, POPULATED_NAME) == 0)
			earlier = true;
		else if (strncmp(de->d_name, RECORD_PREFIX, sizeof RECORD_PREFIX - 1) == 0)
			records = true, read_one(mdfd, de->d_name, g);
	}
	closedir(d);
	/* Once a record was written beside it, the records say it all. */
	g->all = earlier && !records;
	return true;
}

bool given(const struct given *g, const char *kind, const char *item)
{
	size_t kl = strlen(kind), il = strlen(item);
	const char *p = g->text;

	if (g->all)
		return true;
	for (; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, kind, kl) == 0 && p[kl] == ' ' && strncmp(p + kl + 1, item, il) == 0 &&
		    p[kl + 1 + il] == '\n')
			return true;
	return false;
}

void given_free(struct given *g)
{
	free(g->text);
	*g = (struct given){ NULL, 0, false };
}

/* The record of this configuration: everything given before, and now
 * everything it configures. */
enum md_result write_record(const struct build *b, const struct spot *md, const struct given *g)
{
	static const char head[] =
		"# pam_mkmaildir: what this maildir was given (folders, subscriptions, quota).\n"
		"# What is listed here is not given again; remove this file and the other\n"
		"# pam_mkmaildir.* files to have every configured item given once more.\n";
	char *now = config_items(b->o), *all;
	enum md_result r;
	size_t n;

	if (now == NULL)
		goto nomem;
	n = sizeof head - 1 + strlen(now) + (g != NULL && !g->all ? g->len : 0);
	all = malloc(n + 1);
	if (all == NULL) {
		free(now);
		goto nomem;
	}
	snprintf(all, n + 1, "%s%s%s", head, g != NULL && !g->all && g->text != NULL ? g->text : "",
		 now);
	r = md->t != NULL ? tree_file(b, md, b->o->record, all, strlen(all), 0600) :
	    write_via_tmp(b, md->fd, b->o->record, all, strlen(all));
	free(all);
	free(now);
	return r;
nomem:
	md_logf(b->log, LOG_ERR, "out of memory writing the record of %s", b->path);
	return MD_ERR_SYSTEM;
}
