// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * maildir.c - md_ensure: walks to the maildir and builds what is missing,
 * completes what is incomplete, or reports what a check finds.
 *
 * Who does what:
 *  - a missing tree whose existing parent is the owner's (a maildir in the
 *    home, a virtual user's in vmail's domain directory) is built entirely
 *    with the owner's filesystem ids: nothing is handed over, nothing can be
 *    swapped in between, and a store that squashes root needs nothing else;
 *  - in a parent only root may write (/home for a new home, /var/mail),
 *    root makes the top and any directories above the home, hands the
 *    owner's directory over through the descriptor it holds, and the owner
 *    builds the rest; root renames the finished tree into place;
 *  - an existing maildir is completed in place, as its owner.
 */
#define _GNU_SOURCE
#include "core.h"

#include <time.h>

/* One attempt's outcome: r, or (with MD_OK) that the tree must be looked
 * at again: a concurrent login was first, or a creator made it. */
struct step {
	enum md_result r;
	bool again;
};

static struct step step_done(enum md_result r)
{
	return (struct step){ r, false };
}

static struct step step_again(void)
{
	return (struct step){ MD_OK, true };
}

/* Index of the home's last component in sp, or -1 when sp is neither the
 * home nor inside it (maildir=%h is the home). */
static ssize_t home_index(const struct md_account *a, const struct path *sp)
{
	struct path hp;
	const char *why;
	size_t i;

	if (a->home == NULL || !split_path(a->home, &hp, &why) || hp.n == 0 || hp.n > sp->n)
		return -1;
	for (i = 0; i < hp.n; i++)
		if (strcmp(hp.comp[i], sp->comp[i]) != 0)
			return -1;
	return (ssize_t)hp.n - 1;
}

/* What a directory made for component i is: above the home like /home
 * (root's, readable by all), the home, or the maildir and what it holds. */
static mode_t mode_of(const struct build *b, size_t i, ssize_t home_idx)
{
	if ((ssize_t)i < home_idx)
		return 0755;
	return (ssize_t)i == home_idx ? b->o->homemode : b->o->mode;
}

/* Takes the owner's filesystem ids unless they are taken already; logged. */
static bool as_owner(const struct build *b, struct fsids *ids)
{
	if (ids->changed || become_fs(ids, b->euid, b->a->uid, b->a->gid))
		return true;
	md_logf(b->log, LOG_ERR, "maildir %s: cannot take the filesystem ids of uid %lu (no "
		"CAP_SETUID/CAP_SETGID?): nothing done", b->path, (unsigned long)b->a->uid);
	return false;
}

/* Puts the thread's own ids back; an error if they did not come back. */
static enum md_result back_to_self(const struct build *b, struct fsids *ids, enum md_result r)
{
	if (restore_fs(ids)) {
		ids->changed = false;
		return r;
	}
	md_logf(b->log, LOG_CRIT, "maildir %s: the thread's filesystem ids, capabilities or "
		"dumpable flag did not come back", b->path);
	return MD_ERR_SYSTEM;
}

/*
 * The owner's part of a new tree: components from..n-1 below at, then
 * cur/new/tmp and the population of the maildir, then the skel into a
 * home this tree makes (home, or NULL).
 */
static enum md_result fill(const struct build *b, struct spot at, const struct path *sp,
			   size_t from, ssize_t home_idx, const struct spot *home)
{
	enum md_result r = MD_OK;
	struct spot h = home != NULL ? *home : (struct spot){ NULL, -1, -1 };
	size_t i;

	for (i = from; r == MD_OK && i < sp->n; i++) {
		r = tree_dir(b, &at, sp->comp[i], mode_of(b, i, home_idx), true, &at);
		if ((ssize_t)i == home_idx)
			h = at;
	}
	if (r == MD_OK)
		r = make_subdirs(b, &at);
	if (r == MD_OK)
		r = populate_folders(b, &at, NULL);
	if (r == MD_OK && h.t != NULL && b->o->skel != NULL)
		r = copy_skel_into(b, &h);
	return r;
}

/*
 * Index of the template's first component that names the account (%u, %n
 * or %U), or -1; only for a template without %h, whose components are the
 * path's one for one (an expanded value never holds a '/').
 */
static ssize_t account_index(const char *t)
{
	ssize_t i = -1;
	bool start = true;

	if (strstr(t, "%h") != NULL)
		return -1;
	for (; *t != '\0'; t++) {
		if (*t == '/') {
			start = true;
			continue;
		}
		if (start)
			i++, start = false;
		if (*t == '%' && (t[1] == 'u' || t[1] == 'n' || t[1] == 'U'))
			return i;
		if (*t == '%' && t[1] != '\0')
			t++;
	}
	return -1;
}

/*
 * The first component root's part hands over: the home, when the tree holds
 * it; else the first one when one owner has them all (owner=vmail: its
 * domain directories); else the first that names the account, and the
 * directories above it, shared by accounts of their own uids (/srv/mail
 * for maildir=/srv/mail/%u), are root's, 0755, like /home.
 */
static size_t owners_first(const struct build *b, const struct path *sp, size_t first,
			   ssize_t home_idx)
{
	ssize_t acct = account_index(b->o->maildir);

	if (home_idx >= (ssize_t)first)
		return (size_t)home_idx;
	if (b->o->owner != NULL)
		return first;
	if (acct < 0 || (size_t)acct >= sp->n)
		return sp->n - 1;
	return (size_t)acct > first ? (size_t)acct : first;
}

/*
 * Root's part, in a parent only root may write: the top, the directories
 * above the home (root's), and the owner's first directory, handed over;
 * the owner's part follows with the owner's ids.
 */
static enum md_result fill_as_root(const struct build *b, struct spot top, const struct path *sp,
				   size_t first, ssize_t home_idx)
{
	size_t own = owners_first(b, sp, first, home_idx);
	struct spot at = top;
	struct fsids ids = { .changed = false };
	enum md_result r = MD_OK;
	size_t i;

	for (i = first + 1; r == MD_OK && i <= own; i++)
		r = tree_dir(b, &at, sp->comp[i], i < own ? 0755 : 0700, true, &at);
	if (r == MD_OK)
		r = tree_finish(b, &at, true, mode_of(b, own, home_idx));
	if (r != MD_OK || !as_owner(b, &ids))
		return r != MD_OK ? r : MD_ERR_SYSTEM;
	r = fill(b, at, sp, own + 1, home_idx, (ssize_t)own == home_idx ? &at : NULL);
	r = back_to_self(b, &ids, r);
	if (r == MD_OK && own > first)
		r = tree_finish(b, &top, false, 0755);
	return r;
}

/*
 * Builds components sp->comp[first..] beside the final name in the
 * existing directory w->fd and renames the top into place.  root: w->fd is
 * root's, so root makes the top (fill_as_root).
 */
static struct step build_tree(const struct build *b, const struct walked *w,
			      const struct path *sp, ssize_t home_idx, bool root)
{
	size_t first = w->missing;
	struct tree *t = NULL;
	struct spot top;
	enum placed p = PLACE_FAILED;
	enum md_result r = tree_start(&t, b, w->fd, w->fd, sp->comp[first], root, &top);

	if (r == MD_OK && root)
		r = fill_as_root(b, top, sp, first, home_idx);
	else if (r == MD_OK)
		r = fill(b, top, sp, first + 1, home_idx, (ssize_t)first == home_idx ? &top : NULL);
	if (r == MD_OK && !root)
		r = tree_finish(b, &top, false, mode_of(b, first, home_idx));
	if (r == MD_OK)
		p = tree_place(t, b);
	tree_end(t, b, p != PLACED);
	if (r != MD_OK || p == PLACE_FAILED)
		return step_done(r != MD_OK ? r : MD_ERR_SYSTEM);
	if (p == PLACE_LOST)
		return step_again();
	md_logf(b->log, LOG_NOTICE, "created maildir %s for %s (uid %lu)", b->path, b->a->user,
		(unsigned long)b->a->uid);
	return step_done(MD_OK);
}

/*
 * Whether the missing components from missing on may be made at all: the
 * same answer for a check (-n) as for the real run.
 */
static enum md_result may_create(const struct build *b, size_t missing, ssize_t home_idx)
{
	if (b->a->home != NULL && strcmp(b->a->home, "/") == 0) {
		md_logf(b->log, LOG_ERR, "cannot create %s: the home of %s is /: refused",
			b->path, b->a->user);
		return MD_ERR_REFUSED;
	}
	/* Directories above a home are root's (0755), as /home is. */
	if (home_idx > 0 && (ssize_t)missing < home_idx && b->euid != 0) {
		md_logf(b->log, LOG_ERR, "cannot create %s: directories above the home %s are "
			"missing and only root may make them", b->path, b->a->home);
		return MD_ERR_SYSTEM;
	}
	/* A creator may make the home itself, as the original authmkhome's did. */
	if (home_idx >= 0 && (ssize_t)missing <= home_idx && !b->o->createhome &&
	    b->o->creator == NULL) {
		md_logf(b->log, LOG_ERR, "home directory %s of %s does not exist and "
			"createhome is not set", b->a->home, b->a->user);
		return MD_ERR_SYSTEM;
	}
	return MD_OK;
}

static struct step create_missing(const struct build *b, struct walked *w, const struct path *sp,
				  const struct md_context *ctx)
{
	ssize_t home_idx = home_index(b->a, sp);
	enum md_result r = may_create(b, w->missing, home_idx);
	bool root = b->euid == 0 && b->a->uid != 0 && w->st.st_uid != b->a->uid;
	struct step st;

	if (r != MD_OK)
		return step_done(r);
	if (b->o->creator != NULL) {
		r = run_creator(b, ctx);
		/* walk again: verify what the creator made */
		return r == MD_OK ? step_again() : step_done(r);
	}
	if (root && w->ids.changed) {
		md_logf(b->log, LOG_ERR, "cannot create %s for %s: root was refused on the way "
			"(a store that squashes root?) and only root may create in \"%s\"",
			b->path, b->a->user, w->missing > 0 ? sp->comp[w->missing - 1] : "/");
		return step_done(MD_ERR_SYSTEM);
	}
	if (!root && !as_owner(b, &w->ids))
		return step_done(MD_ERR_SYSTEM);
	st = build_tree(b, w, sp, home_idx, root);
	return st;
}

/*
 * The maildir has no record of this configuration: what its records lack
 * is given, and the record written; when they lack nothing (another
 * configuration gave it all), only the record is written, so that the next
 * login needs one look.
 */
static enum md_result give_missing(const struct build *b, const struct spot *md)
{
	struct given g;
	enum md_result r;

	if (!read_given(md->fd, &g))
		return sys_error(b, "cannot list", NULL);
	if (lacks_items(b, &g, 0)) {
		md_logf(b->log, LOG_NOTICE, "giving maildir %s what its configuration adds",
			b->path);
		r = populate_folders(b, md, &g);
	} else {
		r = write_record(b, md, &g);
	}
	given_free(&g);
	return r;
}

/*
 * The maildir exists, open on fd: completes it in place as its owner, or in
 * a check (or once the creator said it made it) tells what it lacks.
 */
static enum md_result complete(const struct build *b, struct walked *w, bool check_only,
			       bool creator_ran, enum md_done *done)
{
	struct spot md = { NULL, -1, w->fd };
	enum md_result r;

	if (looks_complete(b, w->fd, check_only))
		return MD_OK;
	if (check_only || creator_ran) {
		report_missing(b, w->fd, check_only ? LOG_NOTICE : LOG_ERR);
		return check_only ? MD_MISSING : MD_ERR_SYSTEM;
	}
	if (!as_owner(b, &w->ids))
		return MD_ERR_SYSTEM;
	/* A store that squashes root may hide the maildir's inside from root
	 * alone: what the owner sees decides. */
	if (w->ids.changed && looks_complete(b, w->fd, false))
		return MD_OK;
	md_logf(b->log, LOG_NOTICE, "completing maildir %s for %s (uid %lu)", b->path,
		b->a->user, (unsigned long)b->a->uid);
	r = make_subdirs(b, &md);
	if (r == MD_OK && !is_populated(b, w->fd))
		r = give_missing(b, &md);
	if (r == MD_OK && *done == MD_DONE_NOTHING)
		*done = MD_DONE_COMPLETED;
	return r;
}

/* A check finds a component missing: what the real run would do about it. */
static enum md_result check_missing(const struct build *b, const struct path *sp,
				    size_t missing)
{
	enum md_result r = may_create(b, missing, home_index(b->a, sp));

	if (r != MD_OK)
		return r;
	md_logf(b->log, LOG_NOTICE, "maildir %s is missing", b->path);
	return MD_MISSING;
}

/*
 * The pause before attempt n: none before the first look after a lost
 * race, then 100 ms doubling, so that a network filesystem's client caches
 * (GlusterFS: about 1 s of entries) are outlasted.
 */
static void backoff(int attempt)
{
	struct timespec ts;
	long ms;

	if (attempt < 2)
		return;
	ms = 100L << (attempt - 2);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One attempt: walk, then complete, build or report. */
static struct step attempt(const struct build *b, const struct path *sp,
			   const struct md_context *ctx, bool check_only, bool creator_ran,
			   enum md_done *done)
{
	struct walked w = walk(b, sp);
	struct step st = step_done(w.r);

	if (w.again)
		st = step_again();
	else if (w.r != MD_OK)
		;
	else if (w.missing == sp->n)
		st = step_done(complete(b, &w, check_only, creator_ran, done));
	else if (check_only)
		st = step_done(check_missing(b, sp, w.missing));
	else if (creator_ran) {
		md_logf(b->log, LOG_ERR, "maildir %s is still missing after the creator exited 0",
			b->path);
		st = step_done(MD_ERR_SYSTEM);
	} else {
		st = create_missing(b, &w, sp, ctx);
		if (st.r == MD_OK && !st.again && b->o->creator == NULL)
			*done = MD_DONE_CREATED;
	}
	if (w.fd >= 0)
		close(w.fd);
	st.r = back_to_self(b, &w.ids, st.r);
	return st;
}

static enum md_result attempts(const struct build *b, const struct path *sp,
			       const struct md_context *ctx, bool check_only, enum md_done *done)
{
	bool creator_ran = false;
	int n;

	for (n = 0; n < BUILD_ATTEMPTS; n++) {
		struct step st;

		backoff(n);
		st = attempt(b, sp, ctx, check_only, creator_ran, done);
		if (st.r != MD_OK || !st.again) {
			if (st.r == MD_OK && creator_ran)
				md_logf(b->log, LOG_NOTICE, "created maildir %s for %s (uid %lu) with "
					"creator %s", b->path, b->a->user, (unsigned long)b->a->uid,
					b->o->creator);
			if (st.r == MD_OK && creator_ran)
				*done = MD_DONE_CREATED;
			return st.r;
		}
		creator_ran = creator_ran || (b->o->creator != NULL && !check_only);
		md_logf(b->log, LOG_DEBUG, "maildir %s: looking again after %s", b->path,
			creator_ran ? "the creator" : "a concurrent creation");
	}
	md_logf(b->log, LOG_ERR, "maildir %s: gave up after %d concurrent attempts", b->path,
		BUILD_ATTEMPTS);
	return MD_ERR_SYSTEM;
}

enum md_result md_ensure(const struct md_options *o, const struct md_account *a,
			 const char *path, const struct md_context *ctx,
			 bool check_only, enum md_done *done, const struct md_log *log)
{
	uid_t euid = geteuid();
	struct build b = { .o = o, .a = a, .log = log, .path = path, .euid = euid };
	struct path sp;
	const char *why;

	*done = MD_DONE_NOTHING;
	if (!split_path(path, &sp, &why)) {
		md_logf(log, LOG_ERR, "maildir %s %s: refused", path, why);
		return MD_ERR_REFUSED;
	}
	if (euid != 0 && euid != a->uid) {
		md_logf(log, LOG_ERR, "maildir %s: running as uid %lu cannot create for uid %lu",
			path, (unsigned long)euid, (unsigned long)a->uid);
		return MD_ERR_SYSTEM;
	}
	/* mkmaildir looks at everything (o->thorough). */
	if (!o->thorough && fast_complete(&b))
		return MD_OK;
	return attempts(&b, &sp, ctx, check_only, done);
}
