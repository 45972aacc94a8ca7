/*
 * maildir.c - options, templates and the safe creation of Maildir++ trees,
 * shared by pam_mkmaildir.so, authmkhome and mkmaildir.
 *
 * This code runs as root inside long-lived daemons and works in directories
 * that users own.  It therefore walks every path from "/" one component at a
 * time with openat(O_NOFOLLOW), never follows a symlink, never changes the
 * process umask, cwd, signal dispositions or credentials (fsuid/fsgid are
 * per thread and always restored), and builds a missing tree under a private
 * temporary name that is renamed into place only when it is complete.
 */
#define _GNU_SOURCE
#include "core.h"

#include <ctype.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/vfs.h>
#include <time.h>

static const char *const maildir_subdirs[] = { "cur", "new", "tmp" };

/*
 * One attempt's outcome: r, and (with MD_OK) whether the tree must be looked
 * at again because it is not, or not only, what this attempt made: a
 * concurrent login was first, the tree was taken away, a network filesystem
 * saw it replaced, a creator made it.
 */
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
/* ------------------------------------------------------------------ */
/* Building                                                            */

/*
 * Whether a refusal met by a build as root may come from a store that
 * squashes root: root (CAP_DAC_OVERRIDE, CAP_CHOWN, CAP_FOWNER) is refused
 * nothing of the kind where the store takes it for root.  Recorded for
 * md_ensure, which then builds again as the owner; the root pass's line is
 * then only a debug line.  Never with a creator (the administrator's).
 */
static bool squashed_root(const struct build *b, int e)
{
	if (b->denied == NULL || b->as_owner || b->euid != 0 || b->a->uid == 0 ||
	    b->o->creator != NULL || (e != EACCES && e != EPERM))
		return false;
	*b->denied = true;
	return true;
}

enum md_result sys_error(const struct build *b, const char *what,
				const char *name)
{
	int e = errno;

	md_logf(b->log, squashed_root(b, e) ? LOG_DEBUG : LOG_ERR, "%s %s%s%s: %s", what, b->path,
		name != NULL ? "/" : "", name != NULL ? name : "", strerror(e));
	return MD_ERR_SYSTEM;
}

/* Whether fd's inode (dfd/name when name is not NULL) already has mode:
 * mkdirat's and openat's mode usually is the final one, and on FUSE or NFS
 * a chmod that changes nothing is one more round trip to the server, while
 * the look is answered from the attributes the chown just brought back. */
static bool has_mode(int fd, const char *name, mode_t mode)
{
	struct stat st;
	int rc = name == NULL ? fstat(fd, &st) : fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW);

	return rc == 0 && (st.st_mode & 07777) == mode;
}

/*
 * Directories the build works in are held as O_PATH descriptors: every *at
 * call, fstat and fchownat work through them, and on FUSE they cost no
 * OPENDIR and RELEASEDIR requests (open(2) of a directory does).  Only a
 * chmod needs a real open, and it is rare (see has_mode); the sweep and the
 * teardown list directories through a stream of their own.
 */
#define DIR_FD (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static int chmod_fd(int fd, mode_t mode)
{
	int rfd, rc;

	if (fchmod(fd, mode) == 0)
		return 0;
	if (errno != EBADF) /* an O_PATH descriptor */
		return -1;
	rfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -1;
	rc = fchmod(rfd, mode);
	close(rfd);
	return rc;
}

static int hand_over(const struct build *b, int fd, uid_t uid, gid_t gid, mode_t mode)
{
	if (b->chown && fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return -1;
	return has_mode(fd, NULL, mode) ? 0 : chmod_fd(fd, mode);
}

/*
 * Inside a staging tree nobody but root can reach: what was made there an
 * instant ago needs no verification and may be reached by name.  In owner
 * mode the staging directory is the owner's, who can change it under us.
 */
static bool sealed(const struct build *b)
{
	return b->private && !b->as_owner;
}

/*
 * Whether what was made with mode made in the private tree has mode
 * already: the umask (or a default ACL) is the same for every creation in
 * it, and the top, made 0700, came out 0700 (b->exact).  Both can only take
 * bits away, so a mode taken for kept is never wider than asked; a host
 * thread changing the umask while we work could only narrow it.
 */
static bool made_as(const struct build *b, mode_t made, mode_t mode)
{
	return sealed(b) && b->exact && made == mode && (made & ~(mode_t)0700) == 0;
}

/* hand_over for what this build just made with mode made. */
static int hand_over_made(const struct build *b, int fd, mode_t made, mode_t mode)
{
	if (!made_as(b, made, mode))
		return hand_over(b, fd, b->a->uid, b->a->gid, mode);
	return b->chown ? fchownat(fd, "", b->a->uid, b->a->gid, AT_EMPTY_PATH) : 0;
}

/*
 * Creates directory name in dfd for the owner, or takes the one that is
 * there when it is a real directory of the owner (EEXIST is success once
 * verified: concurrent logins).  The directory's fd goes to *out.
 */
static enum md_result make_dir(const struct build *b, int dfd, const char *name, mode_t mode,
			       bool give, int *out)
{
	bool created = mkdirat(dfd, name, 0700) == 0;
	enum md_result r = MD_OK;
	struct stat st;
	int fd;

	if (!created && errno != EEXIST)
		return sys_error(b, "cannot create", name);
	fd = openat(dfd, name, DIR_FD);
	/* Made just now in our private tree, which nobody else can reach:
	 * there is nothing to verify. */
	if (fd >= 0 && created && sealed(b)) {
		if (give && hand_over_made(b, fd, 0700, mode) < 0) {
			r = sys_error(b, "cannot hand over", name);
			close(fd);
			return r;
		}
		*out = fd;
		return MD_OK;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		/* O_DIRECTORY wins over O_NOFOLLOW: tell a symlink apart. */
		if (e == ENOTDIR && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			e = ELOOP;
		if (e != ELOOP && e != ENOTDIR) {
			md_logf(b->log, LOG_ERR, "cannot open %s/%s: %s", b->path, name,
				strerror(e));
			return MD_ERR_SYSTEM;
		}
		md_logf(b->log, LOG_ERR, "%s/%s is %s: refused", b->path, name,
			e == ELOOP ? "a symlink" : "not a directory");
		return MD_ERR_REFUSED;
	}
	/* Made by us as root (a private tree) or as the owner (a repair). */
	if (created && (st.st_uid == b->euid || st.st_uid == b->a->uid)) {
		if (give && hand_over(b, fd, b->a->uid, b->a->gid, mode) < 0)
			r = sys_error(b, "cannot hand over", name);
	} else if (st.st_uid != b->a->uid) {
		md_logf(b->log, LOG_ERR, "%s/%s is owned by uid %lu, not %lu: refused",
			b->path, name, (unsigned long)st.st_uid, (unsigned long)b->a->uid);
		r = MD_ERR_REFUSED;
	}
	if (r != MD_OK)
		close(fd);
	else
		*out = fd;
	return r;
}

/*
 * Inside our private tree nobody else can reach a directory we just made
 * (mkdirat said so), so it is handed over by name: half the system calls.
 */
static enum md_result give_made(const struct build *b, int dfd, const char *name)
{
	if ((b->chown && fchownat(dfd, name, b->a->uid, b->a->gid, AT_SYMLINK_NOFOLLOW) < 0) ||
	    (!made_as(b, 0700, b->o->mode) && !has_mode(dfd, name, b->o->mode) &&
	     fchmodat(dfd, name, b->o->mode, 0) < 0))
		return sys_error(b, "cannot hand over", name);
	return MD_OK;
}

static enum md_result make_subdirs(const struct build *b, int dfd)
{
	enum md_result r;
	size_t i;

	for (i = 0; i < 3; i++) {
		const char *name = maildir_subdirs[i];
		int fd;
		if (sealed(b) && mkdirat(dfd, name, 0700) == 0) {
			if ((r = give_made(b, dfd, name)) != MD_OK)
				return r;
			continue;
		}
		if ((r = make_dir(b, dfd, name, b->o->mode, true, &fd)) != MD_OK)
			return r;
		close(fd);
	}
	return MD_OK;
}

/* Fills fd, a file just made 0600, hands it over and closes it. */
static enum md_result write_fd(const struct build *b, int fd, const char *name,
			       const char *data, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			close(fd);
			return sys_error(b, "cannot write", name);
		}
		done += (size_t)w;
	}
	if (hand_over_made(b, fd, 0600, 0600) < 0) {
		close(fd);
		return sys_error(b, "cannot hand over", name);
	}
	if (close(fd) < 0)
		return sys_error(b, "cannot write", name);
	return MD_OK;
}

/* A new file of name in dfd: O_EXCL, so nothing planted is reused.  -1 with errno. */
static int create_new(int dfd, const char *name)
{
	return openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
		      O_NOCTTY, 0600);
}

/* An owner's file, written in full. */
static enum md_result write_new(const struct build *b, int dfd, const char *name,
				const char *data, size_t len)
{
	int fd = create_new(dfd, name);

	if (fd < 0) {
		if (errno == EEXIST) {
			struct stat st;
			if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				return sys_error(b, "cannot inspect", name);
			if (S_ISREG(st.st_mode) && st.st_uid == b->a->uid)
				return MD_OK;
			md_logf(b->log, LOG_ERR, "%s/%s exists and is not the owner's file: refused",
				b->path, name);
			return MD_ERR_REFUSED;
		}
		return sys_error(b, "cannot create", name);
	}
	return write_fd(b, fd, name, data, len);
}

/*
 * A file that readers must see whole: written in tmp/ and moved into place,
 * as Maildir++ requires of maildirsize.  With replace, a rename; without, a
 * link that fails on an existing name, leaving what is there alone (a
 * server's own subscriptions or quota file in a maildir it made).
 */
static enum md_result via_tmp(const struct build *b, int mdfd, const char *name,
			      const char *data, size_t len, bool replace)
{
	char tmpname[64];
	enum md_result r;
	int tfd;

	tfd = openat(mdfd, "tmp", DIR_FD);
	if (tfd < 0)
		return sys_error(b, "cannot open", "tmp");
	snprintf(tmpname, sizeof tmpname, "%s.%ld.mkmaildir", name, (long)getpid());
	r = write_new(b, tfd, tmpname, data, len);
	if (r != MD_OK) {
		close(tfd);
		return r;
	}
	if (replace) {
		if (renameat(tfd, tmpname, mdfd, name) < 0) {
			r = sys_error(b, "cannot rename into place", name);
			unlinkat(tfd, tmpname, 0);
		}
	} else {
		if (linkat(tfd, tmpname, mdfd, name, 0) == 0)
			;
		else if (errno == EEXIST)
			md_logf(b->log, LOG_DEBUG, "%s/%s exists: left as it is", b->path, name);
		else
			r = sys_error(b, "cannot link into place", name);
		unlinkat(tfd, tmpname, 0);
	}
	close(tfd);
	return r;
}

/*
 * Such a file, written once.  Inside our private tree no reader sees it
 * before the whole tree is renamed into place, so it is written where it
 * belongs; only a copy of the skel there (maildir=%h) makes it go the long
 * way, which replaces it, as before.  Elsewhere what is there is left alone.
 */
static enum md_result write_atomic(const struct build *b, int mdfd, const char *name,
				   const char *data, size_t len)
{
	int fd;

	if (!b->private)
		return via_tmp(b, mdfd, name, data, len, false);
	fd = create_new(mdfd, name);
	if (fd >= 0)
		return write_fd(b, fd, name, data, len);
	if (errno != EEXIST)
		return sys_error(b, "cannot create", name);
	return via_tmp(b, mdfd, name, data, len, true);
}

/* The same, replacing what is there (only maildirsize, whose content is ours to set). */
static enum md_result replace_atomic(const struct build *b, int mdfd, const char *name,
				     const char *data, size_t len)
{
	return via_tmp(b, mdfd, name, data, len, true);
}

/*
 * Next folder of the comma-separated list, in the server's form on disk, in
 * buf (FOLDER_BUF bytes at least): ".Name" in the Maildir++ layout, the
 * relative path "Archive/2024" in the fs layout (then at buf + 1).  The
 * options were checked, so every name encodes; one that did not would be
 * skipped, never end the list early.
 */
static char *next_folder(const struct md_options *o, const char **list, char *buf)
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

/*
 * The fs layout: each level but the last a plain directory (as Dovecot
 * makes them), walked one component at a time without following symlinks.
 * The directory that holds the last level (mdfd itself or a new fd) goes
 * to *parent, the last level's name to *last.
 */
static enum md_result fs_parent(const struct build *b, int mdfd, char *path, int *parent,
				const char **last)
{
	enum md_result r = MD_OK;
	int dfd = mdfd;
	char *slash;

	*last = path;
	while (r == MD_OK && (slash = strchr(*last, '/')) != NULL) {
		int fd = -1;
		*slash = '\0';
		r = make_dir(b, dfd, *last, b->o->mode, true, &fd);
		*slash = '/';
		if (dfd != mdfd)
			close(dfd);
		dfd = fd;
		*last = slash + 1;
	}
	if (r == MD_OK)
		*parent = dfd;
	return r;
}

/*
 * A Maildir++ folder dir (".Name", one component) that mkdirat has just made
 * in our private tree: its contents are made through it by name, as the
 * floor does, without a descriptor of its own.  Nothing but this build can
 * have put anything in it (a skel copied into the tree cannot reach a
 * directory made after it), so "dir/cur" meets no symlink on the way.
 */
static enum md_result fill_made_folder(const struct build *b, int mdfd, const char *dir)
{
	char path[FOLDER_BUF + 16];
	enum md_result r;
	size_t i;

	if ((r = give_made(b, mdfd, dir)) != MD_OK)
		return r;
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, maildir_subdirs[i]);
		if (mkdirat(mdfd, path, 0700) < 0)
			return sys_error(b, "cannot create", path);
		if ((r = give_made(b, mdfd, path)) != MD_OK)
			return r;
	}
	snprintf(path, sizeof path, "%s/maildirfolder", dir);
	return write_new(b, mdfd, path, "", 0);
}

static enum md_result make_folder(const struct build *b, int mdfd, const char *dir)
{
	enum md_result r;
	char path[FOLDER_BUF];
	const char *name = dir;
	int dfd = mdfd, fd;

	if (sealed(b) && !b->o->layout_fs && mkdirat(mdfd, dir, 0700) == 0)
		return fill_made_folder(b, mdfd, dir);
	if (b->o->layout_fs) {
		snprintf(path, sizeof path, "%s", dir);
		if ((r = fs_parent(b, mdfd, path, &dfd, &name)) != MD_OK)
			return r;
	}
	r = make_dir(b, dfd, name, b->o->mode, true, &fd);
	if (dfd != mdfd)
		close(dfd);
	if (r != MD_OK)
		return r;
	r = make_subdirs(b, fd);
	/* maildirfolder marks a Maildir++ folder; the fs layout has none. */
	if (r == MD_OK && !b->o->layout_fs)
		r = write_new(b, fd, "maildirfolder", "", 0);
	close(fd);
	return r;
}

/*
 * Subscription files for both servers, each name in the form on disk, as
 * each server writes them itself: Courier lists "INBOX" and "INBOX.Name"
 * (its own SUBSCRIBE writes the same), Dovecot 2.3 and 2.4 read the
 * version-2 format, where a tab separates hierarchy levels so the file is
 * right whatever separator the namespace uses.
 */
static enum md_result write_subscriptions(const struct build *b, int mdfd)
{
	size_t cap = 32 + MAX_FOLDERS * (FOLDER_BUF + 8);
	char *courier = malloc(cap), *dovecot = malloc(cap);
	const char *list = b->o->folders, *f;
	size_t nc = 0, nd = 0;
	char dir[FOLDER_BUF];
	enum md_result r;

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
	/* Courier knows no fs layout: only Dovecot's file there. */
	r = b->o->layout_fs ? MD_OK : write_atomic(b, mdfd, "courierimapsubscribed", courier, nc);
	if (r == MD_OK)
		r = write_atomic(b, mdfd, "subscriptions", dovecot, nd);
	free(courier);
	free(dovecot);
	return r;
}

/* Whether the module has anything to put into a maildir besides cur/new/tmp. */
static bool has_content(const struct md_options *o)
{
	return o->creator == NULL && (o->folders != NULL || o->quota_file);
}

/*
 * The size lines of a maildirsize someone else wrote (a delivery agent's or
 * the server's, whose header carries no or other limits), appended at
 * buf[n..cap): they account for the mail already there.  Returns the new
 * length, or n when there is no such file or nothing usable in it.
 */
static size_t old_size_lines(int mdfd, char *buf, size_t n, size_t cap)
{
	char old[8192];
	ssize_t got;
	const char *nl;
	int fd = openat(mdfd, "maildirsize",
			O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;

	if (fd < 0)
		return n;
	got = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, old, sizeof old - 1) : -1;
	close(fd);
	if (got <= 0 || (size_t)got == sizeof old - 1)
		return n; /* unreadable or too big: the servers recalculate it */
	old[got] = '\0';
	nl = strchr(old, '\n');
	if (nl == NULL || nl[1] == '\0' || strlen(nl + 1) >= cap - n ||
	    strspn(nl + 1, "0123456789- \n") != strlen(nl + 1))
		return n;
	memcpy(buf + n, nl + 1, strlen(nl + 1));
	return n + strlen(nl + 1);
}

/*
 * maildirsize as Courier's maildirmake -q writes it: the limits, then one
 * size line of an empty maildir (Maildir++ wants two lines or more).  No
 * file for a quota without limits (0S,0C), as with maildirmake.  In a
 * maildir someone else made first, a maildirsize already there (Dovecot's
 * delivery agent writes one with no limits) gets our limits over its own
 * size lines.
 */
static enum md_result write_quota(const struct build *b, int mdfd)
{
	char quota[8192 + 128];
	size_t len;
	int n;

	if (!b->o->quota_file)
		return MD_OK;
	n = snprintf(quota, sizeof quota, "%s\n", b->o->quota);
	if (n < 0 || (size_t)n >= 128) {
		md_logf(b->log, LOG_ERR, "quota specification too long");
		return MD_ERR_CONFIG;
	}
	len = b->private ? (size_t)n : old_size_lines(mdfd, quota, (size_t)n, sizeof quota);
	if (len == (size_t)n)
		len += (size_t)snprintf(quota + n, sizeof quota - (size_t)n, "%12d %12d\n", 0, 0);
	if (b->private)
		return write_atomic(b, mdfd, "maildirsize", quota, len);
	return replace_atomic(b, mdfd, "maildirsize", quota, len);
}

static const char populated_text[] =
	"pam_mkmaildir made the folders, subscriptions and quota file of this maildir.\n"
	"Remove this file to have the missing ones made again at the next login.\n";

/*
 * Folders, subscriptions, quota file and the marker, into a new maildir
 * (mdfd still private to us) or one that someone else made first.
 */
static enum md_result populate_folders(const struct build *b, int mdfd)
{
	const char *list = b->o->folders, *dir;
	char buf[FOLDER_BUF];
	enum md_result r = MD_OK;

	if (!has_content(b->o))
		return MD_OK;
	while ((dir = next_folder(b->o, &list, buf)) != NULL)
		if ((r = make_folder(b, mdfd, dir)) != MD_OK)
			return r;
	if (b->o->subscribe && b->o->folders != NULL &&
	    (r = write_subscriptions(b, mdfd)) != MD_OK)
		return r;
	if ((r = write_quota(b, mdfd)) != MD_OK)
		return r;
	return write_new(b, mdfd, POPULATED_NAME, populated_text, sizeof populated_text - 1);
}

/* Everything inside a new maildir; mdfd is still private to us. */
static enum md_result populate_maildir(const struct build *b, int mdfd)
{
	enum md_result r;

	if ((r = make_subdirs(b, mdfd)) != MD_OK)
		return r;
	return populate_folders(b, mdfd);
}

/* Copies one regular file of the skel; special files are skipped. */
static enum md_result copy_file(const struct build *b, int sfd, int dfd,
				const char *name, const struct stat *st)
{
	char data[16384];
	enum md_result r = MD_OK;
	int in, out;
	struct stat now;
	ssize_t n;

	in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (in < 0)
		return sys_error(b, "cannot read skel file for", name);
	if (fstat(in, &now) < 0 || now.st_ino != st->st_ino || now.st_dev != st->st_dev ||
	    !S_ISREG(now.st_mode)) {
		close(in);
		errno = ESTALE;
		return sys_error(b, "skel file changed while copied for", name);
	}
	out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return sys_error(b, "cannot create skel copy in", name);
	}
	while ((n = read(in, data, sizeof data)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(out, data, (size_t)n) != n) {
			r = sys_error(b, "cannot copy skel file into", name);
			break;
		}
	}
	if (r == MD_OK &&
	    hand_over_made(b, out, 0600, (st->st_mode & 0755) | 0600) < 0)
		r = sys_error(b, "cannot hand over", name);
	close(in);
	if (close(out) < 0 && r == MD_OK)
		r = sys_error(b, "cannot write", name);
	return r;
}

/*
 * Copies the skel tree into a new home.  Symlinks are recreated as
 * symlinks (never followed); devices, FIFOs and sockets are skipped;
 * nothing keeps setuid, setgid or group/other write bits.
 */
static enum md_result copy_skel(const struct build *b, int sfd, int dfd, int depth)
{
	enum md_result r = MD_OK;
	struct dirent *de;
	DIR *d = open_dir_stream(sfd);

	if (d == NULL)
		return sys_error(b, "cannot read skel for", NULL);
	while (r == MD_OK && (de = next_entry(d)) != NULL) {
		struct stat st;
		if (fstatat(sfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = sys_error(b, "cannot read skel entry for", de->d_name);
		} else if (!trusted_owner(&st, b->euid)) {
			/* Only root may say what a new home holds. */
			md_logf(b->log, LOG_WARNING, "skel entry %s (uid %lu) is not root's: "
				"not copied into %s", de->d_name, (unsigned long)st.st_uid,
				b->path);
		} else if (S_ISDIR(st.st_mode) && (st.st_mode & 022) != 0) {
			/* Anyone could have linked or put anything in it. */
			md_logf(b->log, LOG_WARNING, "skel directory %s is writable by others "
				"(mode %04o): not copied into %s", de->d_name,
				(unsigned)(st.st_mode & 07777), b->path);
		} else if (S_ISREG(st.st_mode)) {
			r = copy_file(b, sfd, dfd, de->d_name, &st);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(sfd, de->d_name, target, sizeof target - 1);
			if (n < 0)
				r = sys_error(b, "cannot read skel link for", de->d_name);
			else if ((target[n] = '\0', symlinkat(target, dfd, de->d_name)) < 0 ||
				 (b->chown && fchownat(dfd, de->d_name, b->a->uid, b->a->gid,
							AT_SYMLINK_NOFOLLOW) < 0))
				r = sys_error(b, "cannot copy skel link into", de->d_name);
		} else if (S_ISDIR(st.st_mode) && depth < SKEL_DEPTH) {
			int s2 = openat(sfd, de->d_name,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int d2 = -1;
			if (s2 < 0)
				r = sys_error(b, "cannot read skel directory for", de->d_name);
			else if ((r = make_dir(b, dfd, de->d_name, (st.st_mode & 0755) | 0700,
					       true, &d2)) == MD_OK)
				r = copy_skel(b, s2, d2, depth + 1);
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
		}
	}
	if (r == MD_OK && errno != 0)
		r = sys_error(b, "cannot read skel for", NULL);
	closedir(d);
	return r;
}

/*
 * The skel decides what every new home starts with (.profile, .ssh, ...),
 * so it is held to the rules of config= and creator=: the directory and
 * every directory above it root's and writable by nobody else, no symlink
 * on the way.
 */
static enum md_result open_skel(const struct build *b, int *fd)
{
	char what[PATH_MAX + 16];
	struct stat st;

	snprintf(what, sizeof what, "skel for %s:", b->path);
	switch (open_trusted_as(b->o->skel, what, true, O_RDONLY | O_DIRECTORY, b->euid, &st,
				fd, b->log)) {
	case TRUST_OK:
		return MD_OK;
	case TRUST_SYSERR:
		return MD_ERR_SYSTEM;
	case TRUST_REFUSED:
		break;
	}
	md_logf(b->log, LOG_ERR, "skel %s not copied into the home of %s: refused",
		b->o->skel, b->a->user);
	return MD_ERR_CONFIG;
}

/* The roles of the directories a build creates. */
enum role { ROLE_ABOVE_HOME, ROLE_HOME, ROLE_BELOW };

static enum role role_of(size_t i, ssize_t home_idx)
{
	if (home_idx < 0 || (ssize_t)i > home_idx)
		return ROLE_BELOW;
	return (ssize_t)i == home_idx ? ROLE_HOME : ROLE_ABOVE_HOME;
}

/* made: fd's directory is one this build made 0700 (not the skel's copy). */
static enum md_result finish_dir(const struct build *b, int fd, enum role role, bool made)
{
	mode_t mode = role == ROLE_HOME ? b->o->homemode : b->o->mode;
	int rc;

	if (role == ROLE_ABOVE_HOME)
		rc = chmod_fd(fd, 0755); /* like /home: root's, readable by all */
	else if (made)
		rc = hand_over_made(b, fd, 0700, mode);
	else
		rc = hand_over(b, fd, b->a->uid, b->a->gid, mode);
	return rc < 0 ? sys_error(b, "cannot hand over", NULL) : MD_OK;
}

/*
 * Staging.  A missing tree is built in STAGING_NAME, a directory of the
 * parent of its top that the effective uid (root) creates with mode 0700
 * and verifies through the fd at every open.  Nobody else can create,
 * rename or remove anything in it, so its entries are the module's by a
 * fact no user can forge in a directory they can write (names, modes and
 * mtimes they can); the parent itself is never listed, so a first login
 * costs the same beside 100,000 siblings as in an empty parent.
 *
 * In it, a build ID (16 hex digits) is a directory ID and a regular file
 * ID.lock that the build holds flock-ed from before the directory exists
 * until after the tree has left (GlusterFS shares locks on files between
 * clients, not on directories).  A tree whose lock nobody holds and that
 * nothing touched for STALE_SECONDS (the mtime guard is for network
 * filesystems that do not share locks) was left by a build that died, and
 * the next build in that parent removes it.
 */
#define STAGING_NAME ".mkmaildir-tmp"
#define OWNER_SUFFIX ".uid"
#define LOCK_SUFFIX ".lock"
#define ID_LEN 16
#define STAGING_ATTEMPTS 8
#define SWEEP_MAX 16

struct staged {
	int sfd, lock, top;   /* the staging directory, ID.lock, the tree */
	struct stat sst, st;  /* the staging directory's and the tree's */
	char id[ID_LEN + 1];
	bool placed;          /* renamed into the parent */
	bool keep;            /* the staging directory stays once empty */
};

static void random_id(char *buf)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&r;
	snprintf(buf, ID_LEN + 1, "%016llx", (unsigned long long)r);
}

static void lock_name(char *buf, size_t len, const char *id)
{
	snprintf(buf, len, "%s" LOCK_SUFFIX, id);
}

/* Whether s starts with ID_LEN lowercase hex digits. */
static bool has_id(const char *s)
{
	size_t i;

	for (i = 0; i < ID_LEN; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* ID.lock: exactly ID_LEN lowercase hex digits and the suffix. */
static bool is_lock_name(const char *s)
{
	return has_id(s) && strcmp(s + ID_LEN, LOCK_SUFFIX) == 0;
}

/* The only names the module ever makes in a staging directory. */
static bool is_staging_entry(const char *s)
{
	return has_id(s) && (s[ID_LEN] == '\0' || strcmp(s + ID_LEN, LOCK_SUFFIX) == 0);
}

/*
 * Who must own the staging directory: whoever builds, i.e. the module's
 * effective uid, or the owner on a store that squashes root (as_owner).
 * Nobody else can then create, rename or remove anything in it.
 */
static uid_t staging_owner(const struct build *b)
{
	return b->as_owner ? b->a->uid : b->euid;
}

/*
 * The staging directory's name depends on its builder: root's is
 * STAGING_NAME, a build as the owner uses STAGING_NAME.uidUID.  Neither
 * can open, prove or remove the other's on a store that squashes root (a
 * 0700 directory of root's left by a build before squashing began, or
 * before squash was set, would otherwise block every first login there),
 * so neither ever looks at the other's; each is still refused when it is
 * not a 0700 directory of its builder's.
 */
struct sname {
	char s[sizeof STAGING_NAME + sizeof OWNER_SUFFIX + 20];
};

static struct sname staging_name(const struct build *b)
{
	struct sname n;

	if (b->as_owner)
		snprintf(n.s, sizeof n.s, STAGING_NAME OWNER_SUFFIX "%lu", (unsigned long)b->a->uid);
	else
		snprintf(n.s, sizeof n.s, "%s", STAGING_NAME);
	return n;
}

/*
 * Whose rights removal takes in the staging directory: its owner's.  As
 * root: each directory owner's (trust.c).  As the owner: the owner's alone,
 * never another uid's, since the owner can put anything it may move into
 * its own staging directory (a group directory of someone else's, say), and
 * that must not be emptied with its owner's rights.  trust.c changes no ids
 * for a uid that is not root; the thread already has the owner's.
 */
static uid_t remover(const struct build *b)
{
	return staging_owner(b);
}

static bool renames_in(const struct stat *pst);

/*
 * On a store that squashes root, root's mkdirat(2) in a parent anyone may
 * write makes a directory of the anonymous uid: that means "build as the
 * owner" (md_ensure).  Only what root itself just made counts: a directory
 * of another uid's that root could open says nothing about the store (on a
 * plain one root opens anything), so it stays refused (open_staging).  The
 * one root made is removed again, empty, even where others can rename
 * entries: whoever could swap an empty directory in there can remove it
 * anyway, and left there it would be refused by every later pass as root.
 */
static bool staging_squashed(const struct build *b, int pfd, bool made, const struct stat *st)
{
	struct sname n = staging_name(b);
	const char *name = n.s;

	if (!made || st->st_uid == b->euid || !squashed_root(b, EACCES))
		return false;
	if (same_entry(pfd, name, st))
		unlinkat(pfd, name, AT_REMOVEDIR);
	md_logf(b->log, LOG_DEBUG, "maildir %s: the %s root made in its parent is uid %lu's "
		"(root squashed on this store?)", b->path, name, (unsigned long)st->st_uid);
	return true;
}

/*
 * The staging directory is never chmod-ed into shape: between mkdirat(2)
 * and openat(2) a member of a group-writable parent can exchange another
 * directory of the builder's in (RENAME_EXCHANGE), which must not lose its
 * mode.  One we made has no group, other or special bits (mkdirat's 0700
 * and a umask can only take bits away; its owner needs no more).
 */
static bool staging_ok(const struct build *b, const struct stat *st, const struct stat *parent)
{
	return S_ISDIR(st->st_mode) && st->st_uid == staging_owner(b) &&
	       (st->st_mode & 07077) == 0 && st->st_dev == parent->st_dev;
}

/*
 * Opens pfd's staging directory into *out, creating it when needed; again
 * when a concurrent build removed it between the two steps.
 */
static struct step open_staging(const struct build *b, int pfd, struct stat *st, int *out)
{
	struct sname n = staging_name(b);
	bool made = mkdirat(pfd, n.s, 0700) == 0;
	struct stat pst;
	int fd, e;

	if (!made && errno != EEXIST)
		return step_done(sys_error(b, "cannot create the staging directory beside", NULL));
	fd = openat(pfd, n.s, DIR_FD);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT || e == ESTALE)
			return step_again();
		errno = e;
		if (squashed_root(b, e)) /* root refused: the store squashes it */
			return step_done(sys_error(b, "cannot open the staging directory beside", NULL));
		md_logf(b->log, LOG_ERR, "cannot build %s: the staging directory %s in its parent "
			"%s: refused", b->path, n.s,
			e == ELOOP || e == ENOTDIR ? "is not a directory" : strerror(e));
		return step_done(e == ELOOP || e == ENOTDIR ? MD_ERR_REFUSED : MD_ERR_SYSTEM);
	}
	if (fstat(fd, st) < 0 || fstat(pfd, &pst) < 0) {
		e = errno;
		close(fd);
		if (e == ESTALE)
			return step_again();
		errno = e;
		return step_done(sys_error(b, "cannot inspect the staging directory beside", NULL));
	}
	if (!staging_ok(b, st, &pst) && staging_squashed(b, pfd, made, st)) {
		close(fd);
		return step_done(MD_ERR_SYSTEM);
	}
	if (!staging_ok(b, st, &pst)) {
		md_logf(b->log, LOG_ERR, "cannot build %s: %s in its parent is "
			"owned by uid %lu with mode %04o%s, not a 0700 directory of uid %lu: "
			"refused (someone who can write the parent made or moved it there%s)",
			b->path, n.s, (unsigned long)st->st_uid, (unsigned)(st->st_mode & 07777),
			st->st_dev != pst.st_dev ? " on another filesystem" : "",
			(unsigned long)staging_owner(b),
			/* a squashed root's mkdirat there makes the anonymous uid's */
			!b->as_owner && b->euid == 0 && renames_in(&pst) ?
			", or a build as root on a store that squashes root: remove it, or set "
			"squash" : "");
		close(fd);
		return step_done(MD_ERR_REFUSED);
	}
	*out = fd;
	return step_done(MD_OK);
}

/* A fresh ID and its lock file in sfd, held.  -1 with errno. */
static int new_lock(int sfd, char *id)
{
	char name[ID_LEN + sizeof LOCK_SUFFIX];
	int fd, e;

	random_id(id);
	lock_name(name, sizeof name, id);
	fd = openat(sfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		e = errno;
		unlinkat(sfd, name, 0);
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Removes sfd's ID.lock, held on fd: only its holder ever removes a lock
 * file, and nobody else can create one in the staging directory. */
static void drop_lock(int sfd, const char *id, int fd)
{
	char name[ID_LEN + sizeof LOCK_SUFFIX];

	lock_name(name, sizeof name, id);
	unlinkat(sfd, name, 0);
	close(fd);
}

/*
 * Removes tree ID of a build that died.  Its lock is taken first (a second
 * sweeper then sees it held), the tree is claimed by a rename to a fresh ID
 * with a lock of its own (a build renaming it into place at that moment and
 * this removal cannot both succeed; a removal cut short is taken up later),
 * and the claimed tree must still be the one that was judged (dev/ino).
 */
static void reclaim(const struct build *b, int sfd, const struct stat *sst, const char *lname)
{
	char id[ID_LEN + 1], claim[ID_LEN + 1];
	time_t old = time(NULL) - STALE_SECONDS;
	struct stat lst, tst;
	int lfd, cfd;

	memcpy(id, lname, ID_LEN);
	id[ID_LEN] = '\0';
	lfd = openat(sfd, lname, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (lfd < 0)
		return;
	if (fstat(lfd, &lst) < 0 || !S_ISREG(lst.st_mode) || lst.st_uid != staging_owner(b) ||
	    lst.st_mtime > old || flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		close(lfd);
		return;
	}
	if (fstatat(sfd, id, &tst, AT_SYMLINK_NOFOLLOW) < 0) {
		/* The tree left (placed or torn down) before its lock file did. */
		if (errno == ENOENT)
			drop_lock(sfd, id, lfd);
		else
			close(lfd);
		return;
	}
	if (!S_ISDIR(tst.st_mode) || tst.st_dev != sst->st_dev || tst.st_mtime > old ||
	    (cfd = new_lock(sfd, claim)) < 0) {
		close(lfd);
		return;
	}
	if (renameat(sfd, id, sfd, claim) < 0) {
		drop_lock(sfd, claim, cfd);
		close(lfd);
		return;
	}
	md_logf(b->log, LOG_NOTICE, "removing the tree of an interrupted build (%s) from "
		"the staging directory beside %s", id, b->path);
	drop_lock(sfd, id, lfd);
	if (remove_dir_at(sfd, claim, &tst, remover(b), 0) < 0) {
		md_logf(b->log, LOG_WARNING, "could not remove all of interrupted build %s "
			"beside %s: %s (will be tried again)", claim, b->path, strerror(errno));
		close(cfd);
		return;
	}
	drop_lock(sfd, claim, cfd);
}

/*
 * Lists the staging directory (never the parent: a few entries) and, when
 * reclaim_too, removes trees of builds that died.  False, with the name in
 * foreign, when it holds a name the module never makes: then it is not
 * ours, whoever owns it (a root 0700 lost+found a member renamed there),
 * and nothing in it is touched.  The listing is cheap, so it is done even
 * where sweeping is not (bulk runs).
 */
static bool sweep(const struct build *b, int sfd, const struct stat *sst, bool reclaim_too,
		  char *foreign, size_t len)
{
	char names[SWEEP_MAX][ID_LEN + sizeof LOCK_SUFFIX];
	struct dirent *de;
	DIR *d = open_dir_stream(sfd);
	int i, n = 0;

	if (d == NULL)
		return true; /* not judged; a build then fails on its own */
	while ((de = next_entry(d)) != NULL) {
		if (!is_staging_entry(de->d_name)) {
			snprintf(foreign, len, "%s", de->d_name);
			closedir(d);
			return false;
		}
		if (n < SWEEP_MAX && is_lock_name(de->d_name))
			memcpy(names[n++], de->d_name, sizeof names[0]);
	}
	closedir(d);
	for (i = 0; reclaim_too && i < n; i++)
		reclaim(b, sfd, sst, names[i]);
	return true;
}

/*
 * Whether someone besides the parent's owner can rename entries in it: a
 * group- or world-writable directory without the sticky bit.
 */
static bool renames_in(const struct stat *pst)
{
	return (pst->st_mode & (S_IWGRP | S_IWOTH)) != 0 && (pst->st_mode & S_ISVTX) == 0;
}

static bool others_rename_in(int pfd)
{
	struct stat pst;

	return fstat(pfd, &pst) < 0 || renames_in(&pst);
}

/*
 * Whether the staging directory of a parent stays once empty: everywhere but
 * in the account's own home.  A parent shared by many accounts (/home, a
 * domain's directory) keeps one, like lost+found: removing and making it
 * again at every first login races with other frontends on shared storage
 * (GlusterFS answers such a race with ESTALE at the rename into place).
 */
static bool keeps_staging(ssize_t home_idx, size_t parent_idx)
{
	return home_idx < 0 || (size_t)home_idx != parent_idx;
}

/* The staging directory goes when it is empty and not kept, so that none is
 * left in a user's home; one still in use by a concurrent build stays
 * (ENOTEMPTY).  In a parent where others can rename entries it stays for
 * good: between the identity check and rmdir(2) by name a member could put
 * an empty directory that is not ours at that name, and rmdir would remove
 * it.  Something else at its name means that someone who can write the
 * parent moved it while we worked: say so, touch neither. */
static void drop_staging(const struct build *b, int pfd, const struct staged *sg)
{
	struct sname n = staging_name(b);
	struct stat st;

	if (same_entry(pfd, n.s, &sg->sst)) {
		if (!sg->keep && !others_rename_in(pfd))
			unlinkat(pfd, n.s, AT_REMOVEDIR);
	} else if (fstatat(pfd, n.s, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		md_logf(b->log, LOG_WARNING, "the staging directory %s beside %s "
			"was replaced while in use (by uid %lu, or someone who can write the "
			"parent): both left alone", n.s, b->path, (unsigned long)st.st_uid);
	}
}

/* A new, empty, locked tree in pfd's staging directory. */
static enum md_result stage(const struct build *b, int pfd, struct staged *sg)
{
	enum md_result r = MD_OK;
	bool swept = b->o->no_sweep;
	char foreign[NAME_MAX + 1];
	int attempt, e;

	for (attempt = 0; sg->lock < 0 && attempt < STAGING_ATTEMPTS; attempt++) {
		struct step st = open_staging(b, pfd, &sg->sst, &sg->sfd);
		if (st.again)
			continue;
		if (st.r != MD_OK)
			return st.r;
		if (!sweep(b, sg->sfd, &sg->sst, !swept, foreign, sizeof foreign)) {
			md_logf(b->log, LOG_ERR, "cannot build %s: %s in its parent "
				"holds \"%s\", which the module never makes: refused (someone who "
				"can write the parent moved a directory there)", b->path,
				staging_name(b).s, foreign);
			close(sg->sfd);
			sg->sfd = -1;
			return MD_ERR_REFUSED;
		}
		swept = true;
		/* Once our lock file is in it, the staging directory stays. */
		if ((sg->lock = new_lock(sg->sfd, sg->id)) >= 0)
			break;
		e = errno;
		close(sg->sfd);
		sg->sfd = -1;
		if (e != ENOENT && e != ESTALE && e != EEXIST) {
			errno = e;
			return sys_error(b, "cannot create a build lock beside", NULL);
		}
	}
	if (sg->lock < 0) {
		md_logf(b->log, LOG_ERR, "cannot build %s: its staging directory kept "
			"disappearing (%d attempts)", b->path, STAGING_ATTEMPTS);
		return MD_ERR_SYSTEM;
	}
	if (mkdirat(sg->sfd, sg->id, 0700) < 0)
		return sys_error(b, "cannot create a temporary directory beside", NULL);
	sg->top = openat(sg->sfd, sg->id, DIR_FD);
	if (sg->top >= 0 && fstat(sg->top, &sg->st) < 0) {
		r = sys_error(b, "cannot inspect the temporary directory for", NULL);
		close(sg->top);
		sg->top = -1; /* unstage() removes it by name: still empty */
		return r;
	}
	/* It stays 0700 while it is built; only a umask or a default ACL can
	 * have made it less (then b->exact is false for the build). */
	if (sg->top < 0 || ((sg->st.st_mode & 07777) != 0700 && chmod_fd(sg->top, 0700) < 0))
		return sys_error(b, "cannot open the temporary directory for", NULL);
	return MD_OK;
}

/*
 * Undoes what stage() did and the build did not hand over: the tree is torn
 * down through the descriptor held on it, and only while its name in the
 * staging directory is still that tree.
 */
static void unstage(const struct build *b, int pfd, struct staged *sg)
{
	bool left = false;

	if (!sg->placed && sg->sfd >= 0 && sg->top >= 0 && same_entry(sg->sfd, sg->id, &sg->st) &&
	    (empty_dir(sg->top, sg->st.st_dev, remover(b), 0) < 0 || !same_entry(sg->sfd, sg->id, &sg->st) ||
	     unlinkat(sg->sfd, sg->id, AT_REMOVEDIR) < 0)) {
		md_logf(b->log, LOG_WARNING, "could not remove temporary %s in the staging "
			"directory beside %s: %s (a later login will)", sg->id, b->path,
			strerror(errno));
		left = true;
	} else if (!sg->placed && sg->sfd >= 0 && sg->top < 0 &&
		   unlinkat(sg->sfd, sg->id, AT_REMOVEDIR) < 0 && errno != ENOENT) {
		left = true; /* empty: never opened */
	}
	if (sg->top >= 0)
		close(sg->top);
	/* A tree left behind keeps its lock file, so that a later sweep finds
	 * it once the lock is released (now) and STALE_SECONDS have passed. */
	if (sg->lock >= 0 && left)
		close(sg->lock);
	else if (sg->sfd >= 0 && sg->lock >= 0)
		drop_lock(sg->sfd, sg->id, sg->lock);
	if (sg->sfd >= 0) {
		drop_staging(b, pfd, sg);
		close(sg->sfd);
	}
}

/* Creates components sp->comp[first + 1..] inside top and fills them. */
static enum md_result fill(const struct build *b, int top, const struct path *sp,
			   size_t first, ssize_t home_idx)
{
	enum md_result r = MD_OK;
	int cur = top, skel = -1;
	size_t i;

	if (b->o->skel != NULL && b->o->createhome && home_idx >= (ssize_t)first &&
	    (r = open_skel(b, &skel)) != MD_OK)
		return r;
	for (i = first; r == MD_OK && i < sp->n; i++) {
		enum role role = role_of(i, home_idx);
		int fd = cur;
		if (i > first && (r = make_dir(b, cur, sp->comp[i], 0700, false, &fd)) != MD_OK)
			break;
		if (role == ROLE_HOME && skel >= 0)
			r = copy_skel(b, skel, fd, 0);
		if (r == MD_OK && i == sp->n - 1)
			r = populate_maildir(b, fd);
		/* The top is handed over last, just before it appears. */
		/* Without a skel, nothing else is in the tree: fill made it. */
		if (r == MD_OK && i > first)
			r = finish_dir(b, fd, role, skel < 0);
		if (cur != top)
			close(cur);
		cur = fd;
	}
	if (cur != top && cur >= 0)
		close(cur);
	if (skel >= 0)
		close(skel);
	return r;
}

/*
 * The rename into place never replaces anything: renameat(2) alone would
 * silently remove an empty directory that someone who can write the parent
 * put at the name (EEXIST, "again": the walk judges what is there).  Where
 * the filesystem has no RENAME_NOREPLACE (GlusterFS's FUSE client answers
 * EINVAL) the plain rename is the only one there is, and such an empty
 * directory is replaced as before.
 */
static int rename_noreplace(int sfd, const char *id, int pfd, const char *name)
{
	int rc = renameat2(sfd, id, pfd, name, RENAME_NOREPLACE);

	if (rc < 0 && (errno == EINVAL || errno == ENOSYS))
		rc = renameat(sfd, id, pfd, name);
	return rc;
}

/* The staged tree is complete: its top goes into place. */
static struct step place(const struct build *b, int pfd, const struct path *sp, size_t first,
			 struct staged *sg)
{
	if (rename_noreplace(sg->sfd, sg->id, pfd, sp->comp[first]) < 0) {
		/* ESTALE: another frontend changed the parent under us. */
		if (errno != EEXIST && errno != ENOTEMPTY && errno != ENOENT && errno != ESTALE)
			return step_done(sys_error(b, "cannot rename the new tree into place for",
						   NULL));
		md_logf(b->log, LOG_DEBUG, "maildir %s: rename into place: %s", b->path,
			strerror(errno));
		return step_again();
	}
	sg->placed = true;
	/* Once in place, the owner may already have swapped it. */
	return same_entry(pfd, sp->comp[first], &sg->st) ? step_done(MD_OK) : step_again();
}

/*
 * Builds components sp->comp[first..] in pfd's staging directory and renames
 * the top into place.
 */
static struct step build_tree(const struct build *shared, int pfd, const struct path *sp,
			      size_t first, ssize_t home_idx)
{
	struct build priv = *shared;
	struct staged sg = { .sfd = -1, .lock = -1, .top = -1,
			     .keep = first == 0 || keeps_staging(home_idx, first - 1) };
	enum md_result r;
	struct step st;

	priv.private = true;
	r = stage(&priv, pfd, &sg);
	priv.exact = (sg.st.st_mode & 07777) == 0700;
	if (r == MD_OK)
		r = fill(&priv, sg.top, sp, first, home_idx);
	if (r == MD_OK)
		r = finish_dir(&priv, sg.top, role_of(first, home_idx), true);
	if (r == MD_OK)
		st = place(&priv, pfd, sp, first, &sg);
	else if (sg.top >= 0 && !same_entry(sg.sfd, sg.id, &sg.st))
		/* Taken away under us (a cleanup on a host that does not share
		 * our lock thought it stale): what failed was not ours to
		 * finish; another attempt. */
		st = step_again();
	else
		st = step_done(r);
	unstage(&priv, pfd, &sg);
	return st;
}

/* ------------------------------------------------------------------ */
/* Checking and repairing an existing maildir                          */

/* What an entry of an existing maildir is. */
enum entry {
	ENTRY_OWNED_DIR,  /* a directory of the owner */
	ENTRY_ABSENT,     /* nothing of that name */
	ENTRY_OTHER,      /* anything else, or it cannot be looked at */
};

static enum entry look_at(const struct build *b, int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return ENTRY_ABSENT;
		squashed_root(b, errno); /* root may not look: the owner will */
		return ENTRY_OTHER;
	}
	return S_ISDIR(st.st_mode) && st.st_uid == b->a->uid ? ENTRY_OWNED_DIR : ENTRY_OTHER;
}

static bool is_owned_dir(const struct build *b, int dfd, const char *name)
{
	return look_at(b, dfd, name) == ENTRY_OWNED_DIR;
}

/* The marker is there: the module populated this maildir before. */
static bool is_populated(int mdfd)
{
	struct stat st;

	return fstatat(mdfd, POPULATED_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
}

/*
 * One configured folder (its name from next_folder at dir, with room for
 * 16 more bytes) is complete, or gone (the user deleted it).
 */
static bool folder_ok(const struct build *b, int mdfd, char *dir)
{
	size_t i, len = strlen(dir);
	struct stat st;

	for (i = 0; i < 3; i++) {
		enum entry e;
		snprintf(dir + len, 16, "/%s", maildir_subdirs[i]);
		if ((e = look_at(b, mdfd, dir)) == ENTRY_OWNED_DIR)
			continue;
		dir[len] = '\0';
		/* A folder the user deleted is not created again. */
		return i == 0 && e == ENTRY_ABSENT && look_at(b, mdfd, dir) == ENTRY_ABSENT;
	}
	if (b->o->layout_fs)
		return true;
	snprintf(dir + len, 16, "/maildirfolder");
	return fstatat(mdfd, dir, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/*
 * The every-login check: a handful of fstatat calls.  It may be fooled only
 * into doing nothing; every change goes through the careful path below.
 */
static bool looks_complete(const struct build *b, int mdfd)
{
	const char *list = b->o->folders;
	char buf[FOLDER_BUF + 16], *dir;
	size_t i;

	for (i = 0; i < 3; i++)
		if (!is_owned_dir(b, mdfd, maildir_subdirs[i]))
			return false;
	if (has_content(b->o) && !is_populated(mdfd))
		return false;
	while ((dir = next_folder(b->o, &list, buf)) != NULL)
		if (!folder_ok(b, mdfd, dir))
			return false;
	return true;
}

/*
 * Completes an existing maildir in place, entry by entry, with the owner's
 * filesystem rights: what it makes in the owner's tree is the owner's from
 * the first instant, so no fault can leave anything of root's there.  A
 * maildir the module never populated (made by a delivery agent or the
 * server) gets everything; one it did gets only its remaining folders
 * completed.
 */
static enum md_result repair_as_owner(const struct build *b, int mdfd)
{
	const char *list = b->o->folders, *dir;
	char buf[FOLDER_BUF];
	enum md_result r;

	md_logf(b->log, LOG_NOTICE, "completing maildir %s for %s (uid %lu)", b->path,
		b->a->user, (unsigned long)b->a->uid);
	if ((r = make_subdirs(b, mdfd)) != MD_OK)
		return r;
	if (has_content(b->o) && !is_populated(mdfd)) {
		md_logf(b->log, LOG_NOTICE, "populating maildir %s: folders, subscriptions, quota",
			b->path);
		return populate_folders(b, mdfd);
	}
	while ((dir = next_folder(b->o, &list, buf)) != NULL) {
		struct stat st;
		if (fstatat(mdfd, dir, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
			continue;
		if ((r = make_folder(b, mdfd, dir)) != MD_OK)
			return r;
	}
	return MD_OK;
}

static enum md_result repair(const struct build *b, int mdfd)
{
	struct fsids saved;
	enum md_result r;

	if (!become_fs(&saved, b->euid, b->a->uid, b->a->gid)) {
		md_logf(b->log, LOG_ERR, "maildir %s: cannot take the filesystem ids of uid %lu "
			"(no CAP_SETUID/CAP_SETGID?): not repaired", b->path,
			(unsigned long)b->a->uid);
		return MD_ERR_SYSTEM;
	}
	r = repair_as_owner(b, mdfd);
	restore_fs(&saved);
	return r;
}

/* Logs, at priority, each part of the maildir that is missing. */
static void report_missing(const struct build *b, int mdfd, int priority)
{
	const char *list = b->o->folders;
	char buf[FOLDER_BUF + 16], *dir;
	size_t i;

	for (i = 0; i < 3; i++)
		if (!is_owned_dir(b, mdfd, maildir_subdirs[i]))
			md_logf(b->log, priority, "%s/%s is missing or not the owner's directory",
				b->path, maildir_subdirs[i]);
	if (has_content(b->o) && !is_populated(mdfd)) {
		md_logf(b->log, priority, "%s has not been populated (no %s): its folders, "
			"subscriptions and quota file are missing", b->path, POPULATED_NAME);
		return;
	}
	while ((dir = next_folder(b->o, &list, buf)) != NULL) {
		char name[FOLDER_BUF];
		snprintf(name, sizeof name, "%s", dir);
		if (!folder_ok(b, mdfd, dir))
			md_logf(b->log, priority, "folder %s/%s is incomplete", b->path, name);
	}
}

/* ------------------------------------------------------------------ */
/* The walk                                                            */

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

/* The parent of a maildir that exists, held by the walk. */
struct parent {
	int fd;
	struct stat st;
	bool known;           /* st describes fd (not so for "/") */
};

static void close_parent(struct parent *up)
{
	if (up->fd >= 0)
		close(up->fd);
	up->fd = -1;
}

/*
 * A staging directory left in the parent of a maildir that exists (a build
 * killed after its rename into place, or killed and then beaten by a
 * retry) would stay for good, since no later login there builds: every
 * login looks with one fstatat(2), and only when one of ours is there is
 * it swept and dropped (drop_staging's rules).  In a parent where others
 * can rename entries it stays anyway; there it is only opened while it
 * holds trees.  A directory at the name that is not ours is left alone: a
 * build would refuse it and say so.
 */
static void tidy_as_owner(const struct build *b, struct parent *up, bool keep);

static void tidy_staging(const struct build *b, struct parent *up, bool keep)
{
	struct staged sg = { .sfd = -1, .lock = -1, .top = -1, .keep = keep };
	struct sname n = staging_name(b);
	char foreign[NAME_MAX + 1];
	struct stat st, pst;

	tidy_as_owner(b, up, keep);
	if (up->fd < 0 || fstatat(up->fd, n.s, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode) || st.st_uid != staging_owner(b) || (st.st_mode & 07077) != 0 ||
	    (st.st_nlink <= 2 && (keep || (up->known && renames_in(&up->st)))))
		return;
	sg.sfd = openat(up->fd, n.s, DIR_FD);
	if (sg.sfd < 0)
		return;
	if (fstat(sg.sfd, &sg.sst) < 0 || fstat(up->fd, &pst) < 0 ||
	    !staging_ok(b, &sg.sst, &pst)) {
		close(sg.sfd);
		return;
	}
	md_logf(b->log, LOG_DEBUG, "maildir %s: tidying the staging directory beside it", b->path);
	if (sweep(b, sg.sfd, &sg.sst, !b->o->no_sweep, foreign, sizeof foreign))
		drop_staging(b, up->fd, &sg);
	else
		md_logf(b->log, LOG_WARNING, "the staging directory %s beside %s "
			"holds \"%s\", which the module never makes: left alone", n.s, b->path,
			foreign);
	close(sg.sfd);
}

/*
 * The owner's staging directory in a parent of the owner's, seen by a pass
 * as root, is what a build as the owner leaves (a store that squashes
 * root): tidied with the owner's rights alone, which is all the owner has
 * anyway.  It costs a login whose parent is the owner's (the home, a
 * domain directory of vmail's) one fstatat(2) more on every store: where
 * squashed root may still look (GlusterFS lets it look up names in a 0700
 * directory) only this look finds what a build as the owner left.  Looking
 * only after root's own lookup was refused made 6 of 600 racing squashed
 * logins in the cluster suite fail (an owner's staging directory seen as
 * root's): kept.
 */
static void tidy_as_owner(const struct build *b, struct parent *up, bool keep)
{
	struct build owner = *b;
	struct fsids saved;
	struct stat st;

	if (b->as_owner || b->euid != 0 || b->a->uid == 0 || up->fd < 0 || !up->known ||
	    up->st.st_uid != b->a->uid)
		return;
	owner.as_owner = true;
	if (fstatat(up->fd, staging_name(&owner).s, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return;
	if (!become_fs(&saved, b->euid, b->a->uid, b->a->gid))
		return;
	owner.chown = false;
	owner.denied = NULL;
	tidy_staging(&owner, up, keep);
	restore_fs(&saved);
}

/* Where the walk ended. */
struct walked {
	struct step step;
	int fd;           /* the deepest existing directory of the path */
	size_t missing;   /* index of the first missing component, sp->n if none */
	struct parent up; /* the maildir's parent when the maildir exists */
};

static struct walked walk_failed(enum md_result r)
{
	return (struct walked){ step_done(r), -1, 0, { .fd = -1 } };
}

/* A component that could not be opened on the way, but for ENOENT. */
static enum md_result walk_refused(const struct build *b, int fd, const char *name, int e)
{
	struct stat lst;

	/* O_DIRECTORY wins over O_NOFOLLOW: tell a symlink apart. */
	if (e == ENOTDIR && fstatat(fd, name, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(lst.st_mode))
		e = ELOOP;
	md_logf(b->log, e == EACCES && squashed_root(b, e) ? LOG_DEBUG : LOG_ERR,
		"%s: component \"%s\" %s", b->path, name,
		e == ELOOP ? "is a symlink: refused" :
		e == ENOTDIR ? "is not a directory: refused" : strerror(e));
	return e == ELOOP || e == ENOTDIR ? MD_ERR_REFUSED : MD_ERR_SYSTEM;
}

/* Closes what the walk holds and ends it with w. */
static struct walked walk_stop(int fd, struct parent *up, struct walked w)
{
	if (fd >= 0)
		close(fd);
	close_parent(up);
	return w;
}

/* A network filesystem (GlusterFS, NFS) saw the tree replaced under us,
 * typically by another frontend's rename (ESTALE): walk again. */
static struct walked walk_changed(const struct build *b)
{
	md_logf(b->log, LOG_DEBUG, "%s changed during the walk (ESTALE): again", b->path);
	return (struct walked){ step_again(), -1, 0, { .fd = -1 } };
}

/*
 * Whether a maildir seen as root's 0700 may be another host's tree, already
 * handed over and renamed into place, seen through attributes this client
 * still caches from when it listed the staging directory: a GlusterFS
 * client fills the kernel's and its md-cache's attributes of every entry
 * from READDIRPLUS and serves them for about a second without asking the
 * brick (NFS caches attributes the same way).  Only root builds in staging.
 */
static bool maybe_stale_tree(const struct build *b, int fd, const struct stat *st)
{
	struct statfs fs;

	return b->euid == 0 && S_ISDIR(st->st_mode) && st->st_uid == 0 &&
	       (st->st_mode & 07777) == 0700 && fstatfs(fd, &fs) == 0 &&
	       (fs.f_type == FUSE_SUPER_MAGIC || fs.f_type == NFS_SUPER_MAGIC);
}

/*
 * Opens the deepest existing directory of sp from "/", every component on
 * the way root's or the owner's, the maildir itself the owner's.  Before
 * the last attempt, a maildir that may be a stale view of another host's
 * tree is looked at again (after a pause) rather than refused.
 */
static struct walked walk(const struct build *b, const struct path *sp, bool last)
{
	struct parent up = { .fd = -1 };
	struct stat st = { 0 };
	size_t i;
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return walk_failed(sys_error(b, "cannot open / for", NULL));
	for (i = 0; i < sp->n; i++) {
		/* O_PATH: only search permission is needed on the way, which
		 * matters when authmkhome walks as the user. */
		int next = openat(fd, sp->comp[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT)
			break;
		if (next < 0)
			return walk_stop(fd, &up, errno == ESTALE ? walk_changed(b) :
					 walk_failed(walk_refused(b, fd, sp->comp[i], errno)));
		/* The maildir's parent is kept for a look at its staging name. */
		if (i == sp->n - 1) {
			up.fd = fd;
			up.st = st;
			up.known = i > 0;
		} else {
			close(fd);
		}
		fd = next;
		if (fstat(fd, &st) < 0)
			return walk_stop(fd, &up, errno == ESTALE ? walk_changed(b) :
					 walk_failed(sys_error(b, "cannot inspect", NULL)));
		if (i == sp->n - 1 && st.st_uid != b->a->uid && !last &&
		    maybe_stale_tree(b, fd, &st)) {
			md_logf(b->log, LOG_DEBUG, "%s: seen as root's 0700, perhaps another "
				"host's tree not yet seen as handed over: again", b->path);
			return walk_stop(fd, &up, (struct walked){ step_again(), -1, 0, { .fd = -1 } });
		}
		if ((st.st_uid != 0 || i == sp->n - 1) && st.st_uid != b->a->uid) {
			md_logf(b->log, LOG_ERR, "%s: \"%s\" is owned by uid %lu, not by root or "
				"uid %lu: refused", b->path, sp->comp[i],
				(unsigned long)st.st_uid, (unsigned long)b->a->uid);
			return walk_stop(fd, &up, walk_failed(MD_ERR_REFUSED));
		}
	}
	if (i < sp->n)
		close_parent(&up);
	return (struct walked){ step_done(MD_OK), fd, i, up };
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

/*
 * Built as the owner, a tree goes only into a directory of the owner's:
 * one of root's (/home, for a missing home) is root's to build in, and a
 * root the store squashes cannot.  One line says so; nothing is made.
 */
static enum md_result owner_may_build(const struct build *b, int fd, const struct path *sp,
				      size_t missing)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return sys_error(b, "cannot inspect the parent of", NULL);
	if (st.st_uid == b->a->uid)
		return MD_OK;
	md_logf(b->log, LOG_ERR, "cannot create %s for %s: %s, so it is built as uid %lu, and "
		"its existing parent \"%s\" is uid %lu's, where only root may create "
		"(make that directory the owner's, or the home, first)", b->path, b->a->user,
		b->o->squash ? "squash is set" : "the store squashes root (root was refused)",
		(unsigned long)b->a->uid, missing > 0 ? sp->comp[missing - 1] : "/",
		(unsigned long)st.st_uid);
	return MD_ERR_SYSTEM;
}

static struct step create_missing(const struct build *b, int fd, const struct path *sp,
				  size_t missing, const struct md_context *ctx)
{
	ssize_t home_idx = home_index(b->a, sp);
	enum md_result r = may_create(b, missing, home_idx);
	struct step st;

	if (r == MD_OK && b->as_owner && b->o->creator == NULL)
		r = owner_may_build(b, fd, sp, missing);
	if (r != MD_OK)
		return step_done(r);
	if (b->o->creator != NULL) {
		r = run_creator(b, ctx);
		/* walk again: verify what the creator made */
		return r == MD_OK ? step_again() : step_done(r);
	}
	st = build_tree(b, fd, sp, missing, home_idx);
	if (st.r == MD_OK && !st.again)
		md_logf(b->log, LOG_NOTICE, "created maildir %s for %s (uid %lu)%s", b->path,
			b->a->user, (unsigned long)b->a->uid,
			b->as_owner ? " as its owner (root squashed)" : "");
	return st;
}

/*
 * The maildir exists, open on fd: completes it, or in a check (or once the
 * creator said it made it) tells what it lacks.
 */
static enum md_result complete(const struct build *b, int fd, bool check_only,
			       bool creator_ran, enum md_done *done)
{
	enum md_result r;

	if (looks_complete(b, fd))
		return MD_OK;
	if (b->denied != NULL && *b->denied)
		return MD_ERR_SYSTEM; /* looked at again as the owner (md_ensure) */
	if (check_only || creator_ran) {
		report_missing(b, fd, check_only ? LOG_NOTICE : LOG_ERR);
		return check_only ? MD_MISSING : MD_ERR_SYSTEM;
	}
	r = repair(b, fd);
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
 * The pause before attempt n: none before the first look after a lost race,
 * then 50 ms doubling (3.15 s in all), so that the attempts outlast what a
 * network filesystem's client caches (GlusterFS: about 1 s of attributes
 * and entries; the ESTALE of a lookup that meets a directory still linked
 * in the staging directory) instead of all meeting it within milliseconds.
 */
static void backoff(int attempt)
{
	struct timespec ts;
	long ms;

	if (attempt < 2)
		return;
	ms = 50L << (attempt - 2);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The attempts of one pass, as root or as the owner. */
static enum md_result attempts(const struct build *bp, const struct path *sp,
			       const struct md_context *ctx, bool check_only, enum md_done *done)
{
	const struct build b = *bp;
	const struct md_options *o = b.o;
	const struct md_account *a = b.a;
	const struct md_log *log = b.log;
	const char *path = b.path;
	bool creator_ran = false;
	int attempt;

	for (attempt = 0; attempt < BUILD_ATTEMPTS; attempt++) {
		struct walked w;
		enum md_result r;
		struct step st;

		backoff(attempt);
		w = walk(&b, sp, attempt == BUILD_ATTEMPTS - 1);
		if (w.step.again)
			continue;
		if (w.step.r != MD_OK)
			return w.step.r;
		if (w.missing == sp->n) {
			r = complete(&b, w.fd, check_only, creator_ran, done);
			if (r == MD_OK && !check_only)
				tidy_staging(&b, &w.up, sp->n < 2 ||
					     keeps_staging(home_index(a, sp), sp->n - 2));
			close_parent(&w.up);
			close(w.fd);
			if (r == MD_OK && creator_ran)
				md_logf(log, LOG_NOTICE, "created maildir %s for %s (uid %lu) with creator %s",
					path, a->user, (unsigned long)a->uid, o->creator);
			return r;
		}
		if (check_only || creator_ran) {
			close(w.fd);
			if (check_only)
				return check_missing(&b, sp, w.missing);
			md_logf(log, LOG_ERR, "maildir %s is still missing after the creator exited 0",
				path);
			return MD_ERR_SYSTEM;
		}
		st = create_missing(&b, w.fd, sp, w.missing, ctx);
		creator_ran = o->creator != NULL;
		close(w.fd);
		if (st.r == MD_OK)
			*done = MD_DONE_CREATED;
		/* A tree of ours that was renamed into place whole was complete
		 * and private until then: only a lost race or a creator's work
		 * needs another look. */
		if (st.r != MD_OK || !st.again)
			return st.r;
		md_logf(log, LOG_DEBUG, "maildir %s: verifying after %s", path,
			creator_ran ? "the creator" : "a concurrent creation");
	}
	md_logf(log, LOG_ERR, "maildir %s: gave up after %d concurrent attempts", path,
		BUILD_ATTEMPTS);
	return MD_ERR_SYSTEM;
}

/*
 * A pass with the owner's filesystem ids, for this thread only (the host's
 * other threads and its credentials stay as they were), restored on every
 * path: everything it makes is the owner's from the first instant, so
 * nothing is handed over (modes are still set exactly).
 */
static enum md_result attempts_as_owner(const struct build *root, const struct path *sp,
					const struct md_context *ctx, bool check_only,
					enum md_done *done)
{
	struct build b = *root;
	struct fsids saved;
	enum md_result r;

	if (!become_fs(&saved, b.euid, b.a->uid, b.a->gid)) {
		md_logf(b.log, LOG_ERR, "maildir %s: cannot take the filesystem ids of uid %lu "
			"(no CAP_SETUID/CAP_SETGID?): not built as its owner", b.path,
			(unsigned long)b.a->uid);
		return MD_ERR_SYSTEM;
	}
	b.as_owner = true;
	b.chown = false;
	b.denied = NULL;
	*done = MD_DONE_NOTHING;
	r = attempts(&b, sp, ctx, check_only, done);
	restore_fs(&saved);
	return r;
}

enum md_result md_ensure(const struct md_options *o, const struct md_account *a,
			 const char *path, const struct md_context *ctx,
			 bool check_only, enum md_done *done, const struct md_log *log)
{
	uid_t euid = geteuid();
	bool denied = false;
	struct build b = { .o = o, .a = a, .log = log, .path = path, .euid = euid,
			   .chown = euid == 0 || a->gid != getegid(), .denied = &denied };
	bool owner_pass = euid == 0 && a->uid != 0 && o->creator == NULL;
	struct path sp;
	const char *why;
	enum md_result r;

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
	if (owner_pass && o->squash)
		return attempts_as_owner(&b, &sp, ctx, check_only, done);
	r = attempts(&b, &sp, ctx, check_only, done);
	if (r == MD_OK || !owner_pass || !denied)
		return r;
	md_logf(log, LOG_DEBUG, "maildir %s: root was refused on its store (root squashing?): "
		"again as uid %lu", path, (unsigned long)a->uid);
	return attempts_as_owner(&b, &sp, ctx, check_only, done);
}
