/*
 * authdaemon.h - authmkhome asks Courier's authdaemond for an account's
 * quota (authdaemon.c).  Not part of the core the PAM module is linked
 * from: only authmkhome (and its unit test) use it.
 */
#ifndef AUTHDAEMON_H
#define AUTHDAEMON_H

#include <stdbool.h>
#include <stddef.h>
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

enum ad_result {
	AD_QUOTA,    /* the account has a quota: it is in the caller's buffer */
	AD_NOQUOTA,  /* known, with no quota field */
	AD_UNKNOWN,  /* authdaemond answered FAIL: no such account */
	AD_REFUSED,  /* a malformed answer, or one for another uid */
	AD_ERROR,    /* no answer: I/O error, timeout, connection closed */
};

/*
 * A connected stream socket to path, close-on-exec and non-blocking, or -1
 * with errno (EAGAIN: the daemon's backlog is full).
 */
int ad_connect(const char *path);

/* Why user cannot be sent to authdaemond, or NULL. */
const char *ad_bad_user(const char *user);

/*
 * Parses a whole answer (len bytes, NUL bytes included) for the account
 * whose uid must be uid.  On AD_QUOTA the quota's text is copied to quota
 * (at least AD_MAX_QUOTA + 1 bytes), checked as quota= checks it.  *why says
 * what was wrong for every other result.  Nothing of the answer but UID
 * and QUOTA is kept or ever reported.
 */
enum ad_result ad_parse(const char *reply, size_t len, uid_t uid, char *quota,
			const char **why);

/*
 * Sends "PRE . login USER" on fd, reads the answer within AD_TIMEOUT_MS and
 * parses it as ad_parse; the answer is wiped from memory before the return.
 * fd is left open.
 */
enum ad_result ad_query(int fd, const char *user, uid_t uid, char *quota,
			const char **why);

#endif
