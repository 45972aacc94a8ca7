// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * core.h - private to the core (everything but pam_mkmaildir.c,
 * authmkhome.c and mkmaildir.c); the front ends see only maildir.h.
 *
 * Results: a step that can fail returns enum md_result, and the function
 * that saw the errno has logged the cause, so callers only pass the result
 * on.  Two exceptions, each for a reason: a thin wrapper of one system call
 * (chmod_fd and the like) returns -1 with errno set, as the call does, for
 * the one caller that logs it with its own words; and a question (is this
 * complete, is this name valid) returns bool.
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
#define BUILD_ATTEMPTS 6
/*
 * Left in a maildir once its folders, subscriptions and quota file are made,
 * so that a maildir someone else made first (a delivery agent, the server)
 * still gets them, and a folder the user deleted later is not made again.
 * Not a dot name: Dovecot takes every dot entry for a folder; Courier lists
 * only directories.
 */
#define POPULATED_NAME "pam_mkmaildir.populated"
#define FOLDER_BUF (FOLD_NAME_MAX + 2)   /* ".name" and its NUL */
/* The population record of a configuration: RECORD_PREFIX and 16 hex
 * digits of a hash of its items (record.c). */
#define RECORD_PREFIX "pam_mkmaildir.given."
/*
 * A tree is built under TMP_PREFIX and 16 random hex digits beside its final
 * name (a folder added to an existing maildir: in the maildir's tmp/).  No
 * account name, domain or owner may start with it (valid_name).
 */
#define TMP_PREFIX ".mkmaildir."
#define TMP_NAME_LEN (sizeof TMP_PREFIX + 16)
/*
 * Levels of the skel copied below a home.  copy_skel recurses once a level
 * with a small frame (its buffers are in the leaf functions), so this stays
 * far below a 128 KiB thread stack (musl's default).
 */
#define SKEL_DEPTH 8
/* Directories a build may hold open at once: its tree, folders, skel. */
#define MAX_HELD 256

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

/* ---- fsids.c: filesystem ids of one thread ---- */

/*
 * What become_fs changed and restore_fs puts back: the thread's filesystem
 * uid/gid, its capability sets (two struct __user_cap_data_struct) and its
 * parent-death signal; the process's dumpable flag is kept by fsids.c for
 * every thread at once.
 */
struct fsids {
	uid_t uid;
	gid_t gid;
	uint32_t caps[6];
	int pdeathsig;
	bool changed;
};

/*
 * Takes uid/gid as the thread's filesystem ids when euid is root and uid is
 * not; false (nothing changed) when the kernel did not let them take.
 */
bool become_fs(struct fsids *saved, uid_t euid, uid_t uid, gid_t gid)
	__attribute__((warn_unused_result));
/* False when ids, capabilities or the dumpable flag did not come back. */
bool restore_fs(const struct fsids *saved) __attribute__((warn_unused_result));

/* ---- options.c ---- */

enum fold_encoding folder_encoding(const struct md_options *o);

/* ---- account.c ---- */

/* The owner's supplementary groups (malloc'ed, *n of them), or NULL. */
gid_t *owner_groups(const struct md_account *a, int *n);

/* ---- maildir.c: one md_ensure call ---- */

struct tree;

struct build {
	const struct md_options *o;
	const struct md_account *a;
	const struct md_log *log;
	const char *path;     /* the maildir, for log lines */
	uid_t euid;           /* asked once per md_ensure */
};

/* Logs what (and the errno) for b's maildir, or name in it; only logs. */
enum md_result sys_error(const struct build *b, const char *what, const char *name);

/* ---- walk.c ---- */

/* Where the walk to a maildir ended. */
struct walked {
	enum md_result r;
	bool again;       /* the path changed under the walk: walk again */
	int fd;           /* the deepest existing directory of the path */
	struct stat st;   /* its stat */
	size_t missing;   /* index of the first missing component, n if none */
	struct fsids ids; /* the owner's ids, taken where a store refused root */
};

/*
 * From "/", no symlink, every component root's or the owner's and the
 * maildir the owner's.  The caller closes fd and restores ids, also when
 * r is not MD_OK.
 */
struct walked walk(const struct build *b, const struct path *sp);

/* ---- fsops.c: making entries in place, for the owner ---- */

/* Directories held for *at calls only: no OPENDIR/RELEASEDIR on FUSE. */
#define DIR_FD (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* dfd/name (or fd itself with name NULL) has exactly mode. */
bool has_mode(int fd, const char *name, mode_t mode);
/* fchmod, also through an O_PATH descriptor. */
int chmod_fd(int fd, mode_t mode);
/* A directory stream of its own on dfd's directory. */
DIR *open_dir_stream(int dfd);
/* The next entry but "." and ".."; NULL with errno 0 at the end, or with
 * the error that cut the listing short. */
struct dirent *next_entry(DIR *d);
/* name in dfd is still the entry want describes. */
bool same_entry(int dfd, const char *name, const struct stat *want);
/*
 * Directory name of dfd, made now or already there as a real directory of
 * the owner (EEXIST is success once verified); an O_PATH fd of it goes to
 * *out when out is not NULL.
 */
enum md_result make_dir(const struct build *b, int dfd, const char *name, mode_t mode,
			int *out);
/* A new file (O_EXCL: nothing planted is reused), written, closed; its
 * inode to *ino when not NULL.  EEXIST is left in errno for the caller. */
enum md_result write_file(const struct build *b, int dfd, const char *name, const char *data,
			  size_t len, mode_t mode, ino_t *ino);
/* The same with the contents of src, a regular file open for reading,
 * when src is not -1. */
enum md_result copy_file(const struct build *b, int dfd, const char *name, const char *data,
			 size_t len, int src, mode_t mode, ino_t *ino);
/*
 * A file of an existing maildir that readers must see whole: written in its
 * tmp/ and linked into place; one already there (a server's own) is left.
 */
enum md_result write_via_tmp(const struct build *b, int mdfd, const char *name,
			     const char *data, size_t len);

/* ---- tree.c: a tree built under a temporary name, renamed into place ---- */

/* A fresh unpredictable temporary name (TMP_PREFIX and 16 hex digits). */
void tmp_name(char buf[TMP_NAME_LEN]);

/*
 * Where the population writes: into a tree being built (t, and idx its
 * directory there), or in place in an existing maildir (t NULL).
 */
struct spot {
	struct tree *t;
	int idx;
	int fd;
};

/*
 * Starts a tree whose top is made in at under a temporary name, to become
 * final in into.  root: root makes the top (a parent only root may write),
 * the rest is the owner's to make (tree_owner).  *top is the top's spot.
 */
enum md_result tree_start(struct tree **t, const struct build *b, int at, int into,
			  const char *final, bool root, struct spot *top);
/* Directory name in spot in (held open when hold), its spot to *out. */
enum md_result tree_dir(const struct build *b, const struct spot *in, const char *name,
			mode_t mode, bool hold, struct spot *out);
/* A new file in spot in. */
enum md_result tree_file(const struct build *b, const struct spot *in, const char *name,
			 const char *data, size_t len, mode_t mode);
/* A copy of src (a regular file open for reading) in spot in. */
enum md_result tree_copy(const struct build *b, const struct spot *in, const char *name, int src,
			 mode_t mode);
/* A symlink in spot in. */
enum md_result tree_symlink(const struct build *b, const struct spot *in, const char *name,
			    const char *target);
/* An entry the tree made already: its spot (opened now if it was a leaf). */
bool tree_find(const struct spot *in, const char *name, struct spot *out);
/*
 * Gives spot's directory its mode, and with give hands it over to the owner
 * (a set-group-ID parent's group and bit stay, as the administrator meant):
 * what the tree makes after that is the owner's to make.
 */
enum md_result tree_finish(const struct build *b, const struct spot *s, bool give, mode_t mode);
/* What tree_place did. */
enum placed { PLACED, PLACE_LOST, PLACE_FAILED };
/* Renames the finished tree onto its final name, never replacing one. */
enum placed tree_place(struct tree *t, const struct build *b);
/* Removes what the tree made (after a lost rename or a failure) and frees it. */
void tree_end(struct tree *t, const struct build *b, bool undo);

struct given;

/* ---- populate.c: cur/new/tmp, folders, subscriptions, quota ---- */

/* Next configured folder in its form on disk (".Name", or "Archive/2024"
 * at buf + 1 in the fs layout); buf holds FOLDER_BUF bytes at least. */
char *next_folder(const struct md_options *o, const char **list, char *buf);
enum md_result make_subdirs(const struct build *b, const struct spot *md);
/*
 * Folders, subscriptions, quota file and the marker: into a tree, or into
 * an existing maildir that was never populated, where a folder that is
 * there is completed and one that is missing is built in the maildir's
 * tmp/ and renamed into place.
 */
enum md_result populate_folders(const struct build *b, const struct spot *md,
				const struct given *g);

/* ---- record.c: the population record ---- */

/* What a maildir's records list (text: "kind item" lines). */
struct given {
	char *text;
	size_t len;
	bool all;     /* an earlier version's marker: everything was given */
};
/* The record's name for o (options.c keeps it in o->record). */
void record_name(const struct md_options *o, char out[RECORD_NAME_LEN]);
/* Reads every record of the maildir (one listing of its top). */
bool read_given(int mdfd, struct given *g);
bool given(const struct given *g, const char *kind, const char *item);
void given_free(struct given *g);
/* Writes o's record: what g lists and everything o configures. */
enum md_result write_record(const struct build *b, const struct spot *md, const struct given *g);

/* ---- skel.c ---- */

/* Copies the skel into the home being built (a tree's spot). */
enum md_result copy_skel_into(const struct build *b, const struct spot *home);

/* ---- check.c: is an existing maildir complete ---- */

bool is_populated(const struct build *b, int mdfd);
/* The every-login path: the maildir and its marker are the account's. */
bool fast_complete(const struct build *b);
/* Every part is there (or was deleted by its user); a check also reads the
 * records of other configurations. */
bool looks_complete(const struct build *b, int mdfd, bool check_only);
/* Whether g lacks an item the configuration gives; each logged at priority
 * (0: not logged). */
bool lacks_items(const struct build *b, const struct given *g, int priority);
/* Logs, at priority, each part that is missing. */
void report_missing(const struct build *b, int mdfd, int priority);
/* What an entry of an existing maildir is. */
enum entry { ENTRY_OWNED_DIR, ENTRY_ABSENT, ENTRY_OTHER };
enum entry look_at(const struct build *b, int dfd, const char *name);
/* Where a folder's levels end. */
struct folder_at {
	int fd;        /* ENTRY_OWNED_DIR: the folder, open */
	int parent;    /* ENTRY_ABSENT: the level holding the first missing one */
	char *last;    /* ENTRY_ABSENT: the first missing level (cut in dir) */
	char *rest;    /* ENTRY_ABSENT: the levels below it ("" for none) */
};
/*
 * Opens folder dir ("Archive/2024", ".Drafts") one level at a time without
 * following a symlink, each level a directory of the owner's; parent and
 * fd are mdfd or descriptors of the caller's to close.
 */
enum entry folder_open(const struct build *b, int mdfd, char *dir, struct folder_at *fa);

/* ---- creator.c ---- */

/* Runs the administrator's creator for b's maildir and waits for it. */
enum md_result run_creator(const struct build *b, const struct md_context *ctx);

#endif
