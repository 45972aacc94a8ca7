// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * maildir.h - what the three front ends (pam_mkmaildir.so, authmkhome,
 * mkmaildir) use of the core: options, the account, template expansion, and
 * md_ensure, the safe creation, repair or check of a Maildir++ tree.  The
 * core's own files share core.h.
 */
#ifndef MAILDIR_H
#define MAILDIR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Outcomes, mapped by each front end to its own return codes. */
enum md_result {
	MD_OK = 0,
	MD_ERR_CONFIG,  /* the administrator's configuration is wrong */
	MD_ERR_NOUSER,  /* the user or owner is not known to NSS */
	MD_ERR_REFUSED, /* hostile input or an unsafe path: refused */
	MD_ERR_SYSTEM,  /* I/O error, full disk, failed creator, no memory */
	MD_MISSING,     /* check only: the maildir is missing or incomplete */
};

/*
 * Where log lines go: pam_syslog in the module, syslog elsewhere.  The
 * callback gets a syslog priority; lines at LOG_DEBUG are only produced when
 * the debug option is set.
 */
struct md_log {
	void (*fn)(void *arg, int priority, const char *fmt, va_list ap);
	void *arg;
	bool debug;
};

void md_logf(const struct md_log *log, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A copy of in for a log or report line: printable ASCII and well-formed
 * UTF-8 stay; C0 and C1 controls, DEL, bidirectional overrides, line
 * separators and every byte of invalid UTF-8 become \xNN; cut with "...".
 * md_logf applies it to every line.  Returns out.
 */
const char *md_escape(const char *in, char *out, size_t outlen);

/* Text free of C0/C1 controls and other unsafe code points, valid UTF-8. */
bool md_valid_text(const char *s);

/* The configuration file shared by every front end (make CONFIG_FILE=). */
#ifndef CONFIG_FILE
#define CONFIG_FILE "/etc/security/mkmaildir.conf"
#endif

#define MD_DEFAULT_TEMPLATE "%h/Maildir"
#define RECORD_NAME_LEN 40
#define MD_DEFAULT_TIMEOUT 10
#define MD_MAX_TIMEOUT 3600

/* The places quota_source= names (enum md_quota_source). */
enum md_quota_source {
	MD_QS_END = 0,
	MD_QS_ENV,         /* $MAILDIRQUOTA of the login's environment */
	MD_QS_OPTION,      /* quota= */
	MD_QS_AUTHDAEMON,  /* the account's quota field, asked from authdaemond */
};
#define MD_QUOTA_SOURCES 3

struct md_options {
	const char *maildir;  /* template */
	const char *owner;    /* NULL: the user itself */
	const char *group;    /* NULL: the owner's primary group */
	const char *folders;  /* comma-separated Maildir++ folder names */
	const char *quota;    /* first line of maildirsize */
	/* quota_source=: where authmkhome in Courier's chain looks for the
	   account's quota, in order, MD_QS_END-terminated; quota= comes last
	   when option is not listed.  Default: env. */
	unsigned char quota_sources[MD_QUOTA_SOURCES + 1];
	bool quota_file;      /* quota has a limit that is not 0: write maildirsize */
	const char *skel;     /* absolute directory copied into a new home */
	const char *creator;  /* absolute path of the creator program */
	mode_t mode;          /* directories of the maildir */
	mode_t homemode;      /* a created home */
	unsigned timeout;     /* seconds the creator may run */
	bool subscribe;
	bool utf8;            /* folder names in UTF-8 on disk, not modified UTF-7 */
	bool layout_fs;       /* Dovecot's fs layout: Maildir/Archive/2024/cur */
	bool createhome;
	bool creator_root;
	bool debug;
	bool quiet;
	bool squash;          /* accepted from older configurations; no effect:
				 a store that squashes root needs nothing */
	const char *config;   /* the configuration file read, or NULL */
	bool thorough;        /* MD_THOROUGH: no every-login shortcut */
	unsigned mistakes;    /* unknown options and lines: logged, and made
				 loud by each front end */
	char record[RECORD_NAME_LEN]; /* the population record's name */
	char *config_text;    /* owns the strings read from it */
};

void md_options_init(struct md_options *o);
void md_options_free(struct md_options *o);

/*
 * Applies one option ("name=value" or a bare word).  Unknown names are
 * logged and ignored; malformed values are configuration errors.
 * config=FILE is handled by md_options_parse, not here.
 */
enum md_result md_option_set(struct md_options *o, const char *arg,
			     const struct md_log *log);

/*
 * Reads FILE: one option per line, '#' starts a comment.  The strings stay
 * valid until md_options_free.
 */
enum md_result md_options_load(struct md_options *o, const char *path,
			       const struct md_log *log);

/* What differs between the front ends (md_options_parse's flags). */
#define MD_STRICT   0x1  /* an unknown option in argv is an error, not ignored */
#define MD_THOROUGH 0x2 /* see thorough: mkmaildir checks every part */
#define MD_AUTHDAEMON 0x4 /* quota_source=authdaemon may be given in argv: only
			     authmkhome asks authdaemond; elsewhere it is an error
			     there (the shared file may carry it for authmkhome) */

/*
 * The one way the front ends set options: the file named by a config= in
 * argv, else default_config when it exists (lstat: a symlink there counts,
 * and is refused), else none; then the rest of argv in order, so that
 * options on the command or PAM line win over the file; then the checks
 * that need every option.
 */
enum md_result md_options_parse(struct md_options *o, int argc, const char **argv,
				const char *default_config, unsigned flags,
				const struct md_log *log);

/* Who the maildir is for, resolved through NSS. */
struct md_account {
	const char *user;    /* the login name as given */
	uid_t uid;           /* owner of everything created */
	gid_t gid;
	const char *owner;   /* owner's account name (for initgroups) */
	const char *home;    /* the owner's home directory */
	char buf[4096];      /* backing store for the NSS strings */
	char *heap;          /* used instead of buf for oversized entries */
};

/* The account of user (or of the owner= option), by name. */
enum md_result md_account_lookup(struct md_account *a, const char *user,
				 const struct md_options *o,
				 const struct md_log *log);

/*
 * The account of the calling process itself (authmkhome, run as the user
 * the login chain authenticated as user): its real uid and gid (as the
 * caller read them, once), home as given, and the owner's name from NSS by
 * uid when NSS knows it.
 */
enum md_result md_account_self(struct md_account *a, const char *user, const char *home,
			       uid_t uid, gid_t gid, const struct md_log *log);
void md_account_free(struct md_account *a);

/*
 * Expands the maildir template for the account into out (absolute, no "."
 * or ".." components, no control characters).
 */
enum md_result md_expand(const struct md_options *o,
			 const struct md_account *a, char *out, size_t outlen,
			 const struct md_log *log);

/* Appends n bytes of s to out at *o, NUL-terminated; false when they do
 * not fit (out is then unchanged). */
bool md_append(char *out, size_t outlen, size_t *o, const char *s, size_t n);

/* What a creator program is told about the login. */
struct md_context {
	const char *service;  /* PAM_SERVICE, or the front end's name */
	const char *rhost;
	const char *type;     /* "open_session", "account", ... */
};

/* What md_ensure did, when it returns MD_OK. */
enum md_done {
	MD_DONE_NOTHING,    /* the maildir was complete already */
	MD_DONE_CREATED,    /* it was missing and is now made */
	MD_DONE_COMPLETED,  /* it existed, incomplete, and is now completed */
};

/*
 * Makes sure the maildir at path is complete: walks to it without following
 * symlinks, builds what is missing (itself or through the creator), repairs
 * what is incomplete, and verifies the result; what it did goes to *done.
 * With check_only nothing is changed: what is missing is logged at
 * LOG_NOTICE and MD_MISSING returned, while what the real run would refuse
 * (an unsafe path, a missing home without createhome, ...) is the same
 * error as there.
 */
enum md_result md_ensure(const struct md_options *o,
			 const struct md_account *a, const char *path,
			 const struct md_context *ctx, bool check_only,
			 enum md_done *done, const struct md_log *log);

#endif
