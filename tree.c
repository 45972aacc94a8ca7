// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * tree.c - a tree that two logins may race to create (a maildir, a home, a
 * folder added to a maildir) is built under a fresh unpredictable name
 * beside its final name and appears there by one rename.  On a replicated
 * volume concurrent mkdir of one name can leave entries whose identities
 * differ across replicas for good; a rename of a finished tree leaves none,
 * so the final name is the only one two builders ever contend for.
 *
 * MUST:
 *  - make every entry new (mkdirat, O_EXCL), with the ids of whoever is to
 *    own it: root only for the top of a tree in a parent only root may
 *    write, and the directories above a home; the owner for all the rest;
 *  - record each entry made, and remove after a lost rename or a failure
 *    only those, each through the descriptor of its directory held since
 *    that directory was made, with the ids it was made with, after checking
 *    (dev/ino) that the name still is what was made where that is known;
 *  - never remove, rename or change anything else: no listing, no sweep,
 *    no lock, no name reserved beyond TMP_PREFIX;
 *  - never replace an existing final name (RENAME_NOREPLACE; where FUSE has
 *    none, look first, see tree_place).
 */
#define _GNU_SOURCE
#include "core.h"

#include <sys/random.h>
#include <time.h>

struct made {
	char *name;
	int parent;   /* index of the directory holding it; -1: the tree's at */
	int fd;       /* the directory, held since it was made; -1: a leaf */
	ino_t ino;    /* a file's or symlink's inode; 0 for a directory */
	bool dir;
	bool root;    /* made with root's ids (removed with them) */
};

struct tree {
	struct made *m;
	size_t n, cap, held;
	int at, into;          /* where the top is made, where it goes */
	const char *final;
	char tmp[TMP_NAME_LEN];
	struct stat top;
	bool as_root;          /* what is made now is made by root */
	bool placed;           /* renamed into place: no longer ours to remove */
	/*
	 * The top came out of mkdirat 0700 as asked: the umask and default
	 * ACL, the same for every creation in the tree, took no owner bits,
	 * so a directory made 0700 in it is 0700 without a look.  Both can
	 * only take bits away, so a mode taken for kept is never wider.
	 */
	bool exact;
	bool switches;         /* root began it: the owner's part is undone as the owner */
};

void tmp_name(char buf[TMP_NAME_LEN])
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&r;
	snprintf(buf, TMP_NAME_LEN, TMP_PREFIX "%016llx", (unsigned long long)r);
}

/*
 * gcc 12's -fanalyzer reports the name and the array as leaked once they are
 * stored in the tree through a pointer it was handed; both belong to the
 * tree from then on and tree_end frees them (valgrind and LeakSanitizer see
 * no leak in the suites).
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
/* Records an entry just made; its index, or -1 (logged) without memory. */
static int record(const struct build *b, struct tree *t, const char *name, int parent,
		  bool dir)
{
	struct made *m;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		m = realloc(t->m, cap * sizeof *m);
		if (m == NULL)
			goto nomem;
		t->m = m, t->cap = cap;
	}
	m = &t->m[t->n];
	*m = (struct made){ .name = strdup(name), .parent = parent, .fd = -1, .dir = dir,
			    .root = t->as_root };
	if (m->name == NULL)
		goto nomem;
	return (int)t->n++;
nomem:
	md_logf(b->log, LOG_ERR, "out of memory building %s", b->path);
	return -1;
}
#pragma GCC diagnostic pop

static int parent_fd(const struct tree *t, int parent)
{
	return parent < 0 ? t->at : t->m[parent].fd;
}

/* Mode exactly, through the descriptor, keeping the set-group-ID bit a
 * parent gave a directory. */
static int set_mode(int fd, mode_t mode)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	if ((st.st_mode & 0777) == mode)
		return 0;
	return chmod_fd(fd, mode | (st.st_mode & S_ISGID));
}

/*
 * The top just made could not be opened: it is removed by name only where
 * nobody but its maker can write the parent (then it is the one made; an
 * empty one, or rmdir fails).  Elsewhere it stays, like a killed build's.
 */
static void unmade_top(const struct tree *t)
{
	struct stat st;

	if (fstat(t->at, &st) == 0 && (st.st_mode & 022) == 0)
		unlinkat(t->at, t->tmp, AT_REMOVEDIR);
}

/*
 * Root makes its top with mode 0 (and sets 0700 through the descriptor):
 * in a parent that others can write (/var/mail, 2775 root:mail) a member
 * could swap another directory in between mkdirat and open, and root's
 * directories of mode 0 exist nowhere but in this instant of a build.  The
 * owner's top needs no such mark: only the owner can write its parent.
 */
enum md_result tree_start(struct tree **tp, const struct build *b, int at, int into,
			  const char *final, bool root, struct spot *top)
{
	struct tree *t = calloc(1, sizeof *t);
	mode_t made = root ? 0 : 0700;
	int fd;

	*tp = t;
	if (t == NULL) {
		md_logf(b->log, LOG_ERR, "out of memory building %s", b->path);
		return MD_ERR_SYSTEM;
	}
	*t = (struct tree){ .at = at, .into = into, .final = final, .as_root = root,
			    .switches = root && b->euid == 0 && b->a->uid != 0 };
	tmp_name(t->tmp);
	if (mkdirat(at, t->tmp, made) < 0) {
		if (!root || (errno != EACCES && errno != EPERM))
			return sys_error(b, "cannot create a temporary directory for", final);
		md_logf(b->log, LOG_ERR, "cannot create %s for %s: only root may create \"%s\" in "
			"its parent, and root was refused (%s; a store that squashes root?): "
			"create the home first, or make that parent directory the owner's",
			b->path, b->a->user, final, strerror(errno));
		return MD_ERR_SYSTEM;
	}
	fd = openat(at, t->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &t->top) < 0) {
		enum md_result r = sys_error(b, "cannot open the temporary directory for", final);
		if (fd >= 0)
			close(fd);
		unmade_top(t);
		return r;
	}
	/* A umask or default ACL takes bits, never adds them. */
	if (!S_ISDIR(t->top.st_mode) || t->top.st_uid != (root ? 0 : b->a->uid) ||
	    (t->top.st_mode & 0777 & ~made) != 0 || (root && (t->top.st_mode & 0777) != 0)) {
		md_logf(b->log, LOG_ERR, "%s: the temporary directory %s was replaced under "
			"the build (someone who can write its parent): refused", b->path, t->tmp);
		close(fd);
		return MD_ERR_REFUSED;
	}
	if (record(b, t, t->tmp, -1, true) < 0) {
		close(fd);
		return MD_ERR_SYSTEM;
	}
	t->m[0].fd = fd;
	t->held = 1;
	*top = (struct spot){ t, 0, fd };
	t->exact = (t->top.st_mode & 0777) == 0700;
	if (!t->exact && fchmod(fd, 0700 | (t->top.st_mode & S_ISGID)) < 0)
		return sys_error(b, "cannot set the mode of the temporary directory for", final);
	return MD_OK;
}

enum md_result tree_dir(const struct build *b, const struct spot *in, const char *name,
			mode_t mode, bool hold, struct spot *out)
{
	struct tree *t = in->t;
	int i, fd = -1;

	if (hold && t->held == MAX_HELD) {
		md_logf(b->log, LOG_ERR, "%s: more than %d directories to build at once: refused",
			b->path, MAX_HELD);
		return MD_ERR_CONFIG;
	}
	if (mkdirat(in->fd, name, mode) < 0)
		return sys_error(b, "cannot create", name);
	if ((i = record(b, t, name, in->idx, true)) < 0)
		return MD_ERR_SYSTEM;
	/* The umask may have taken bits the administrator asked for: a leaf
	 * is opened for its chmod too (never chmod-ed by name, which would
	 * follow a symlink its owner put there). */
	bool chmod = !t->exact || (mode & 077) != 0;
	if ((hold || chmod) && (fd = openat(in->fd, name, DIR_FD)) < 0)
		return sys_error(b, "cannot open", name);
	if (chmod && set_mode(fd, mode) < 0) {
		if (!hold)
			close(fd);
		return sys_error(b, "cannot set the mode of", name);
	}
	if (hold)
		t->m[i].fd = fd, t->held++;
	else if (fd >= 0)
		close(fd), fd = -1;
	if (out != NULL)
		*out = (struct spot){ t, i, fd };
	return MD_OK;
}

/* A file made from data or src, recorded (the same false leak as record's). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
static enum md_result tree_made_file(const struct build *b, const struct spot *in,
				     const char *name, const char *data, size_t len, int src,
				     mode_t mode)
{
	ino_t ino = 0;
	enum md_result r = copy_file(b, in->fd, name, data, len, src, mode, &ino);
	int i;

	if (r == MD_ERR_REFUSED)
		md_logf(b->log, LOG_ERR, "%s: %s appeared in the tree being built: refused",
			b->path, name);
	if (r != MD_OK)
		return r;
	if ((i = record(b, in->t, name, in->idx, false)) < 0)
		return MD_ERR_SYSTEM;
	in->t->m[i].ino = ino;
	return MD_OK;
}
#pragma GCC diagnostic pop

enum md_result tree_file(const struct build *b, const struct spot *in, const char *name,
			 const char *data, size_t len, mode_t mode)
{
	return tree_made_file(b, in, name, data, len, -1, mode);
}

enum md_result tree_copy(const struct build *b, const struct spot *in, const char *name, int src,
			 mode_t mode)
{
	return tree_made_file(b, in, name, NULL, 0, src, mode);
}

enum md_result tree_symlink(const struct build *b, const struct spot *in, const char *name,
			    const char *target)
{
	struct stat st;
	int i;

	if (symlinkat(target, in->fd, name) < 0 ||
	    fstatat(in->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return sys_error(b, "cannot make the symlink", name);
	if ((i = record(b, in->t, name, in->idx, false)) < 0)
		return MD_ERR_SYSTEM;
	in->t->m[i].ino = st.st_ino;
	return MD_OK;
}

bool tree_find(const struct spot *in, const char *name, struct spot *out)
{
	struct tree *t = in->t;
	size_t i;

	for (i = 0; i < t->n; i++) {
		struct made *m = &t->m[i];
		if (m->parent != in->idx || !m->dir || strcmp(m->name, name) != 0)
			continue;
		if (m->fd < 0 && t->held < MAX_HELD &&
		    (m->fd = openat(in->fd, name, DIR_FD)) >= 0)
			t->held++;
		*out = (struct spot){ t, (int)i, m->fd };
		return m->fd >= 0;
	}
	return false;
}

enum md_result tree_finish(const struct build *b, const struct spot *s, bool give, mode_t mode)
{
	struct stat st;

	if (fstat(s->fd, &st) < 0 ||
	    (give && b->a->uid != st.st_uid &&
	     fchownat(s->fd, "", b->a->uid, st.st_mode & S_ISGID ? (gid_t)-1 : b->a->gid,
		      AT_EMPTY_PATH) < 0) ||
	    set_mode(s->fd, mode) < 0)
		return sys_error(b, "cannot hand over", s->t->m[s->idx].name);
	if (give)
		s->t->as_root = false;
	return MD_OK;
}

/*
 * Where the filesystem has no RENAME_NOREPLACE (GlusterFS's FUSE client
 * answers EINVAL), the name is looked up first and a plain rename follows:
 * between the two an empty directory someone made at the final name would
 * be replaced (a tree with anything in it never is: ENOTEMPTY).
 */
static int rename_noreplace(struct tree *t)
{
	struct stat st;

	/* By name: only someone who can write the parent can swap it in
	 * between, and what that puts at the final name the walk refuses. */
	if (!same_entry(t->at, t->tmp, &t->top)) {
		errno = ENOENT;
		return -1;
	}
	if (renameat2(t->at, t->tmp, t->into, t->final, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (fstatat(t->into, t->final, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return errno == ENOENT ? renameat(t->at, t->tmp, t->into, t->final) : -1;
}

enum placed tree_place(struct tree *t, const struct build *b)
{
	if (rename_noreplace(t) < 0) {
		/* Another login was first (EEXIST, ENOTEMPTY); our tree was taken
		 * away (ENOENT); another frontend changed the parent (ESTALE). */
		if (errno != EEXIST && errno != ENOTEMPTY && errno != ENOENT && errno != ESTALE) {
			sys_error(b, "cannot rename the new tree into place for", t->final);
			return PLACE_FAILED;
		}
		md_logf(b->log, LOG_DEBUG, "%s: rename into place: %s", b->path, strerror(errno));
		return PLACE_LOST;
	}
	/* In place now, it is no longer ours to remove, whatever follows. */
	t->placed = true;
	return same_entry(t->into, t->final, &t->top) ? PLACED : PLACE_LOST;
}

/* Removes entry i if its name still is what was made (a directory is
 * removed only when empty: what someone else put in it stays). */
static void unmake(const struct tree *t, size_t i)
{
	const struct made *m = &t->m[i];
	int pfd = parent_fd(t, m->parent);
	struct stat st;

	if (pfd < 0)
		return;
	if (m->fd >= 0) {
		if (fstat(m->fd, &st) < 0 || !same_entry(pfd, m->name, &st))
			return;
	} else if (m->ino != 0) {
		if (fstatat(pfd, m->name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_ino != m->ino)
			return;
	}
	unlinkat(pfd, m->name, m->dir ? AT_REMOVEDIR : 0);
}

/* Undoes the tree in reverse: the owner's part as the owner, then root's. */
static void undo(struct tree *t, const struct build *b)
{
	struct fsids saved = { .changed = false };
	bool owner = false;
	size_t i;

	for (i = t->n; i-- > 0;) {
		if (t->switches && !t->m[i].root && !owner) {
			if (!become_fs(&saved, b->euid, b->a->uid, b->a->gid)) {
				md_logf(b->log, LOG_ERR, "%s: cannot take uid %lu's ids to remove "
					"what the build made: %s left", b->path,
					(unsigned long)b->a->uid, t->tmp);
				return;
			}
			owner = true;
		} else if (owner && t->m[i].root) {
			owner = false;
			if (!restore_fs(&saved))
				break;
		}
		unmake(t, i);
	}
	if ((owner || saved.changed) && !restore_fs(&saved))
		md_logf(b->log, LOG_CRIT, "%s: the thread's filesystem ids, capabilities or "
			"dumpable flag did not come back", b->path);
}

void tree_end(struct tree *t, const struct build *b, bool remove)
{
	size_t i;

	if (t == NULL)
		return;
	if (remove && !t->placed && t->n > 0) {
		md_logf(b->log, LOG_DEBUG, "%s: removing the %zu entries of %s", b->path, t->n,
			t->tmp);
		undo(t, b);
	}
	for (i = 0; i < t->n; i++) {
		if (t->m[i].fd >= 0)
			close(t->m[i].fd);
		free(t->m[i].name);
	}
	free(t->m);
	free(t);
}
