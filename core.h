/*
 * core.h - private to the core (trust.c, options.c, account.c, expand.c,
 * creator.c, maildir.c, folders.c); the front ends see only maildir.h.
 *
 * Every file of the core works for root inside long-lived daemons, in
 * directories users own: paths are walked from "/" one component at a time
 * with openat(O_NOFOLLOW), no symlink is followed, and the process umask,
 * cwd, signal dispositions and credentials are never changed (fsuid/fsgid
 * are per thread and always restored).
 */
#ifndef CORE_H
#define CORE_H

#include "maildir.h"
#include "folders.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define MAX_COMPONENTS 64
#define MAX_VALUE 255          /* one expanded escape, one name */
#define MAX_CONFIG 65536
#define MAX_FOLDERS 64
#define MAX_CREATOR_LINES 64
#define BUILD_ATTEMPTS 8
#define STALE_SECONDS 10
/*
 * Left in a maildir once its folders, subscriptions and quota file are made,
 * so that a maildir someone else made first (a delivery agent, the server)
 * still gets them, and a folder the user deleted later is not made again.
 * Not a dot name: Dovecot takes every dot entry for a folder; Courier lists
 * only directories.
 */
#define POPULATED_NAME "pam_mkmaildir.populated"
#define FOLDER_BUF (FOLD_NAME_MAX + 2)   /* ".name" and its NUL */
/*
 * Deeper than any tree a build makes, so that a failed build can always be
 * removed: every component of the path, the skel's directories below the
 * home (copy_skel) and a layout=fs folder of one-letter levels with its
 * cur/new/tmp.  One descriptor per level is held.
 */
#define SKEL_DEPTH 16
#define REMOVE_DEPTH (MAX_COMPONENTS + SKEL_DEPTH + FOLD_NAME_MAX / 2 + 2)

/* ---- trust.c: untrusted text ---- */

/* C0, DEL, C1 controls and the other unsafe code points. */
bool has_control(const char *s);
/* A copy for log lines: controls, bytes above 0x7e and '\' as \xNN. */
const char *printable(const char *s, char *buf, size_t len);
/*
 * A value that becomes (part of) one path component: a user name, a domain,
 * an owner name.  Why it is refused goes to *why.
 */
bool valid_name(const char *s, const char **why);

/* ---- trust.c: paths and the trusted walk ---- */

struct path {
	char buf[PATH_MAX];
	const char *comp[MAX_COMPONENTS];
	size_t n;
};

/* Splits an absolute path; "." and ".." are refused, "//" is one "/". */
bool split_path(const char *p, struct path *sp, const char **why);

/* Owned by root, or by euid (authmkhome runs as the user). */
bool trusted_owner(const struct stat *st, uid_t euid);

/* What a trusted open failed with, logged already. */
enum trust_result {
	TRUST_OK,
	TRUST_REFUSED,  /* an unsafe or missing path: the configuration's fault */
	TRUST_SYSERR,   /* an I/O error, no memory, ... */
};

/*
 * Opens a file (want_dir false) or directory (want_dir true) that only root
 * (or euid) can change, through directories of the same kind, no symlink
 * anywhere; the fd goes to *fd, its stat to *st.
 */
enum trust_result open_trusted_as(const char *path, const char *what, bool want_dir,
				  int final_flags, uid_t euid, struct stat *st, int *fd,
				  const struct md_log *log);
/* A file that decides what runs and how (a config file, the creator). */
enum trust_result open_trusted(const char *path, const char *what, int final_flags,
			       uid_t euid, struct stat *st, int *fd,
			       const struct md_log *log);

/* ---- trust.c: filesystem ids of one thread, removal ---- */

/*
 * Filesystem uid/gid of the calling thread only (the kernel keeps them per
 * thread and glibc does not broadcast them), so a host daemon's other
 * threads never see a change.
 */
struct fsids {
	uid_t uid;
	gid_t gid;
	bool changed;
};

/*
 * Takes uid/gid as the thread's filesystem ids when euid is root; false
 * (nothing changed) when the kernel did not let them take.
 */
bool become_fs(struct fsids *saved, uid_t euid, uid_t uid, gid_t gid)
	__attribute__((warn_unused_result));
void restore_fs(const struct fsids *saved);

/* A directory stream of its own on dfd's directory. */
DIR *open_dir_stream(int dfd);
/* The next entry but "." and ".."; NULL with errno 0 at the end, or with
 * the error that cut the listing short. */
struct dirent *next_entry(DIR *d);
/* name in dfd is still the entry want describes. */
bool same_entry(int dfd, const char *name, const struct stat *want);
/*
 * Removal.  Everything is removed relative to descriptors held on
 * directories that were verified (dev/ino) when opened, never by re-opening
 * a path, never across a mount (st_dev), and every entry with the rights of
 * the owner of the directory that holds it, so that nothing a user could
 * have moved in is deleted with root's rights.  Bounded in depth.  As the
 * system calls: 0, or -1 with errno.
 */
/* Empties the directory open on fd, which is on device dev. */
int empty_dir(int fd, dev_t dev, uid_t euid, int depth);
/* Removes directory name of dfd, still the one want describes, and its
 * contents. */
int remove_dir_at(int dfd, const char *name, const struct stat *want, uid_t euid,
		  int depth);

/* ---- options.c ---- */

enum fold_encoding folder_encoding(const struct md_options *o);

/* ---- account.c ---- */

/* The owner's supplementary groups (malloc'ed, *n of them), or NULL. */
gid_t *owner_groups(const struct md_account *a, int *n);

/* ---- maildir.c: one md_ensure call ---- */

struct build {
	const struct md_options *o;
	const struct md_account *a;
	const struct md_log *log;
	const char *path;     /* the maildir, for log lines */
	uid_t euid;           /* asked once per md_ensure */
	bool chown;           /* creation needs handing over to the owner */
	bool private;         /* working inside our own temporary tree */
	/*
	 * In the private tree: a directory made 0700 there came out 0700 (the
	 * umask or a default ACL took nothing from the owner's bits), so what
	 * is made 0700 or 0600 needs no fchmod to have that mode.
	 */
	bool exact;
	/*
	 * Shared storage that squashes root (NFS root_squash, GlusterFS
	 * server.root-squash): as_owner builds with the owner's filesystem ids
	 * (the staging directory is then the owner's); denied, when not NULL,
	 * is set by the root pass where root was refused what root is never
	 * refused on a store that does not squash it (EACCES, EPERM).
	 */
	bool as_owner;
	bool *denied;
};

/* Logs what (and the errno) for b's maildir, or name in it. */
enum md_result sys_error(const struct build *b, const char *what, const char *name);

/* ---- creator.c ---- */

/* Runs the administrator's creator for b's maildir and waits for it. */
enum md_result run_creator(const struct build *b, const struct md_context *ctx);

#endif
