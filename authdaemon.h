// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * authdaemon.h - authmkhome asks Courier's authdaemond for an account's
 * quota (authdaemon.c).  Not part of the core the PAM module is linked
 * from: only authmkhome (and its unit test) use it.
 */
#ifndef AUTHDAEMON_H
#define AUTHDAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "maildir.h"

/* Where Debian's courier-authdaemon listens (make AUTHDAEMON_SOCKET=). */
#ifndef AUTHDAEMON_SOCKET
#define AUTHDAEMON_SOCKET "/run/courier/authdaemon/socket"
#endif

#define AD_TIMEOUT_MS 2000   /* the whole question and answer */
#define AD_MAX_REPLY 8192    /* authdaemond's own buffer (BUFSIZ) */
#define AD_MAX_USER 255
#define AD_MAX_QUOTA 64      /* "9223372036854775807S,2147483647C" is 32 */
#define AD_MAX_PATH 4096     /* PATH_MAX: HOME and MAILDIR of an answer */

/* What an answer says that authmkhome uses: the password hash is not here. */
struct ad_answer {
	char quota[AD_MAX_QUOTA + 1];  /* on AD_QUOTA */
	char home[AD_MAX_PATH];        /* HOME, "" when the answer has none */
	char maildir[AD_MAX_PATH];     /* MAILDIR, "" when the answer has none */
};

enum ad_result {
	AD_QUOTA,    /* the account has a quota: it is in the caller's buffer */
	AD_NOQUOTA,  /* known, with no quota field */
	AD_UNKNOWN,  /* authdaemond answered FAIL: no such account */
	AD_REFUSED,  /* a malformed answer, or a quota quota= would refuse */
	AD_FOREIGN,  /* a well-formed answer for another uid or home (ad_for_home) */
	AD_BADUSER,  /* the user name cannot be sent (ad_bad_user): not asked */
	AD_ERROR,    /* no answer: I/O error, timeout, connection closed */
};

/* What authmkhome does with authdaemond's part of quota_source= (ad_decide). */
enum ad_action {
	AD_USE,       /* the answer's quota */
	AD_NEXT,      /* the next source: authdaemond has none, or cannot be asked */
	AD_TEMPFAIL,  /* the login fails now and the next one asks again */
	AD_DENY,      /* the login fails, nothing built: no answer for this account */
};

/*
 * The failure policy, in one place: connect_err is 0 when the socket was
 * connected (r is then ad_query's result), else the connect's errno (r is
 * ignored).  A socket that cannot be reached at all (EACCES: not setgid
 * courier; ENOENT, ENOTDIR: no socket at that path) is a configuration,
 * so the next source serves, as it would every time; a daemon reached but
 * not answering well is a moment's, and building with a lesser source's
 * quota would write the wrong limit into maildirsize for good.  No answer
 * for this account (FAIL, another uid's or home's, a name that cannot be
 * asked) refuses the login, all three alike (see the code).
 */
enum ad_action ad_decide(int connect_err, enum ad_result r);

/*
 * A connected stream socket to path, close-on-exec and non-blocking, or -1
 * with errno (EAGAIN: the daemon's backlog is full).
 */
int ad_connect(const char *path);

/* Why user cannot be sent to authdaemond, or NULL. */
const char *ad_bad_user(const char *user);

/*
 * Parses a whole answer (len bytes, NUL bytes included) for the account
 * whose uid must be uid.  On AD_QUOTA the quota's text is copied to
 * ans->quota, checked as quota= checks it; on AD_QUOTA and AD_NOQUOTA
 * ans->home and ans->maildir hold HOME and MAILDIR (or "").  *why says what
 * was wrong for every other result.  Nothing of the answer but UID, HOME,
 * MAILDIR and QUOTA is kept or ever reported.
 */
enum ad_result ad_parse(const char *reply, size_t len, uid_t uid, struct ad_answer *ans,
			const char **why);

/*
 * Why ans is not the answer for the maildir being built, or NULL.  home is
 * the directory Courier chdir'ed into (getcwd), cwd its stat; path the
 * maildir, absolute (ad_join_path).  The answer's HOME must be absolute and
 * name the directory cwd is (stat, a final symlink followed: Courier's own
 * chdir into HOME followed it); path must lie in home, or be the answer's
 * MAILDIR (relative to home).  Reads nothing but HOME's stat.
 */
const char *ad_for_home(const struct ad_answer *ans, const struct stat *cwd, const char *home,
			const char *path);

/*
 * The maildir as an absolute path: md, a relative one under home; "." and
 * empty components dropped.  false: longer than len.
 */
bool ad_join_path(const char *home, const char *md, char *out, size_t len);

/*
 * Sends "PRE . login USER" on fd, reads the answer within AD_TIMEOUT_MS and
 * parses it as ad_parse; the answer is wiped from memory before the return.
 * fd is left open.
 */
enum ad_result ad_query(int fd, const char *user, uid_t uid, struct ad_answer *ans,
			const char **why);

/* CLOCK_MONOTONIC in milliseconds, for authmkhome's deadlines too. */
long long ad_mono_ms(void);

/* A log that says nothing: checks whose caller reports the outcome. */
extern const struct md_log ad_quiet_log;

#endif
