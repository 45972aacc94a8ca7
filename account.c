// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * account.c - NSS lookups: the account, the group, the owner's groups.
 */
#define _GNU_SOURCE
#include "core.h"

#include <grp.h>
#include <pwd.h>
/* ------------------------------------------------------------------ */
/* Accounts and templates                                              */

/*
 * ERANGE asks for a bigger buffer; some NSS modules (nss_wrapper among them)
 * say -1 instead, so any other failure is also retried a few times larger.
 */
static bool retry_bigger(int err, size_t size)
{
	if (size >= (1u << 24) || err == ENOENT || err == ESRCH || err == EBADF ||
	    err == EPERM)
		return false;
	return err == ERANGE || size < (1u << 16);
}

/* Only the gid is kept, so the (possibly large) entry is read into scratch
 * space: a group with thousands of members must not look unknown. */
static enum md_result lookup_group(struct md_account *a, const char *name,
				   const struct md_log *log)
{
	struct group gr, *res = NULL;
	size_t size = 4096;
	char stackbuf[4096], *buf = stackbuf, *heap = NULL;
	int err;

	while ((err = getgrnam_r(name, &gr, buf, size, &res)) != 0 && retry_bigger(err, size)) {
		free(heap);
		size *= 4;
		buf = heap = malloc(size);
		if (buf == NULL) {
			md_logf(log, LOG_ERR, "out of memory looking up group %s", name);
			return MD_ERR_SYSTEM;
		}
	}
	if (res != NULL)
		a->gid = gr.gr_gid;
	free(heap);
	if (res != NULL)
		return MD_OK;
	if (err != 0 && err != ENOENT && err != ESRCH && err != EBADF && err != EPERM) {
		md_logf(log, LOG_ERR, "looking up group %s: %s", name, strerror(err));
		return MD_ERR_SYSTEM;
	}
	md_logf(log, LOG_ERR, "group %s is not known to NSS", name);
	return MD_ERR_NOUSER;
}

enum md_result md_account_lookup(struct md_account *a, const char *user,
				 const struct md_options *o,
				 const struct md_log *log)
{
	const char *who = o->owner != NULL ? o->owner : user;
	struct passwd pw, *res = NULL;
	size_t size = sizeof a->buf;
	char *buf = a->buf, pbuf[128];
	const char *why;
	int err;

	a->user = user;
	a->heap = NULL;
	if (!valid_name(user, &why)) {
		md_logf(log, LOG_ERR, "refusing user name \"%s\": it %s",
			printable(user, pbuf, sizeof pbuf), why);
		return MD_ERR_REFUSED;
	}
	/* The static buffer fits every ordinary entry; only huge ones cost
	 * an allocation. */
	while ((err = getpwnam_r(who, &pw, buf, size, &res)) != 0 && retry_bigger(err, size)) {
		free(a->heap);
		size *= 4;
		buf = a->heap = malloc(size);
		if (buf == NULL) {
			md_logf(log, LOG_ERR, "out of memory looking up %s", who);
			return MD_ERR_SYSTEM;
		}
	}
	if (res == NULL) {
		if (err != 0 && err != ENOENT && err != ESRCH && err != EBADF &&
		    err != EPERM) {
			md_logf(log, LOG_ERR, "looking up %s: %s", who, strerror(err));
			return MD_ERR_SYSTEM;
		}
		md_logf(log, LOG_ERR, "%s %s is not known to NSS",
			o->owner != NULL ? "owner" : "user", printable(who, pbuf, sizeof pbuf));
		return MD_ERR_NOUSER;
	}
	a->uid = pw.pw_uid;
	a->gid = pw.pw_gid;
	a->owner = pw.pw_name;
	a->home = pw.pw_dir;
	if (o->group != NULL)
		return lookup_group(a, o->group, log);
	return MD_OK;
}

enum md_result md_account_self(struct md_account *a, const char *user, const char *home,
			       uid_t uid, gid_t gid, const struct md_log *log)
{
	struct passwd pw, *res = NULL;
	size_t size = sizeof a->buf;
	char *buf = a->buf;
	int err;

	a->user = user;
	a->uid = uid;
	a->gid = gid;
	a->home = home;
	a->owner = NULL;
	a->heap = NULL;
	/* The name is only for the creator's groups and for log lines: an
	 * account NSS cannot list by uid still gets its maildir. */
	while ((err = getpwuid_r(a->uid, &pw, buf, size, &res)) != 0 && retry_bigger(err, size)) {
		free(a->heap);
		size *= 4;
		buf = a->heap = malloc(size);
		if (buf == NULL) {
			md_logf(log, LOG_ERR, "out of memory looking up uid %lu",
				(unsigned long)a->uid);
			return MD_ERR_SYSTEM;
		}
	}
	if (res != NULL)
		a->owner = pw.pw_name;
	return MD_OK;
}

void md_account_free(struct md_account *a)
{
	free(a->heap);
	a->heap = NULL;
}

/* The owner's supplementary groups, read before the clone (NSS may lock). */
gid_t *owner_groups(const struct md_account *a, int *n)
{
	int want = 64;
	gid_t *g = NULL;

	for (;;) {
		gid_t *more = realloc(g, (size_t)want * sizeof *g);
		int have = want;
		if (more == NULL)
			break;
		g = more;
		if (getgrouplist(a->owner, a->gid, g, &have) >= 0) {
			*n = have;
			return g;
		}
		if (have <= want || have > 65536)
			break;
		want = have;
	}
	free(g);
	return NULL;
}
