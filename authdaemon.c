// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * authdaemon.c - the one question authmkhome asks Courier's authdaemond:
 * the quota of the account it runs for.
 *
 * The protocol, as courier-authlib's authdaemond.c (doauth, pre, printauth)
 * and authdaemonlib.c (_authdaemondo) speak it: one request line
 * "PRE MODULE SERVICE USER\n" (MODULE "." for every module), answered by
 * lines NAME=value (USERNAME, UID, GID, HOME, ADDRESS, NAME, MAILDIR, QUOTA,
 * PASSWD, PASSWD2, OPTIONS, each at most once, in that order) and a line
 * ".", or by "FAIL\n" when no module knows the user; on a temporary error
 * the daemon closes the connection without a word.  One request per
 * connection.
 *
 * The answer carries the account's password hash (PASSWD): it is never
 * copied, logged or kept, and the buffer is wiped before ad_query returns.
 */
#define _GNU_SOURCE
#include "authdaemon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Any service name will do: only the userdb's per-service password
 * (SERVICEpw) depends on it, and that is not what we ask for. */
#define AD_SERVICE "login"

int ad_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	int fd, e;

	if (n >= sizeof sa.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, n + 1);
	/* Non-blocking: a daemon whose backlog is full gives EAGAIN at once
	 * instead of a wait; every later wait is a poll with a deadline. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&sa, sizeof sa) == 0)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

const char *ad_bad_user(const char *user)
{
	const unsigned char *p;

	if (user == NULL || *user == '\0')
		return "the user name is empty";
	if (strnlen(user, AD_MAX_USER + 1) > AD_MAX_USER)
		return "the user name is longer than 255 bytes";
	/* authdaemond splits the request at spaces and ends it at '\n'. */
	for (p = (const unsigned char *)user; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return "the user name contains a space or a control character";
	return NULL;
}

static void no_log(void *arg, int priority, const char *fmt, va_list ap)
{
	(void)arg, (void)priority, (void)fmt, (void)ap;
}

const struct md_log ad_quiet_log = { no_log, NULL, false };

/* text, len bytes, is a quota that quota= would take. */
static bool quota_ok(const char *text, size_t len)
{
	char arg[sizeof "quota=" + AD_MAX_QUOTA];
	struct md_options o;
	enum md_result r;

	snprintf(arg, sizeof arg, "quota=%.*s", (int)len, text);
	md_options_init(&o);
	r = md_option_set(&o, arg, &ad_quiet_log); /* why says it all */
	md_options_free(&o);
	return r == MD_OK;
}

/* A decimal uid_t, nothing else. */
static bool parse_uid(const char *s, size_t len, uid_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX || (uid_t)v != v)
		return false;
	*out = (uid_t)v;
	return true;
}

/* What the answer said of the fields we use. */
struct fields {
	const char *uid, *quota, *home, *maildir;
	size_t uid_len, quota_len, home_len, maildir_len;
};

/* Keeps value (len bytes) as *at; false when the field came before. */
static bool take(const char **at, size_t *at_len, const char *value, size_t len)
{
	if (*at != NULL)
		return false;
	*at = value;
	*at_len = len;
	return true;
}

/* One line NAME=value (no '\n'); only UID, QUOTA, HOME, MAILDIR are looked at. */
static const char *one_line(const char *line, size_t len, struct fields *f)
{
	const char *eq = memchr(line, '=', len);
	size_t nlen, i;

	if (eq == NULL || eq == line)
		return "a line of the answer is not NAME=value";
	nlen = (size_t)(eq - line);
	for (i = 0; i < nlen; i++)
		if ((line[i] < 'A' || line[i] > 'Z') && (line[i] < '0' || line[i] > '9') &&
		    line[i] != '_')
			return "a line of the answer is not NAME=value";
	if (nlen == 3 && memcmp(line, "UID", 3) == 0 &&
	    !take(&f->uid, &f->uid_len, eq + 1, len - nlen - 1))
		return "the answer has UID twice";
	if (nlen == 5 && memcmp(line, "QUOTA", 5) == 0 &&
	    !take(&f->quota, &f->quota_len, eq + 1, len - nlen - 1))
		return "the answer has QUOTA twice";
	if (nlen == 4 && memcmp(line, "HOME", 4) == 0 &&
	    !take(&f->home, &f->home_len, eq + 1, len - nlen - 1))
		return "the answer has HOME twice";
	if (nlen == 7 && memcmp(line, "MAILDIR", 7) == 0 &&
	    !take(&f->maildir, &f->maildir_len, eq + 1, len - nlen - 1))
		return "the answer has MAILDIR twice";
	return NULL;
}

/* The answer is complete: "FAIL\n", or lines ending with a line ".". */
static bool complete(const char *r, size_t len)
{
	return (len == 5 && memcmp(r, "FAIL\n", 5) == 0) ||
	       (len == 2 && memcmp(r, ".\n", 2) == 0) ||
	       (len > 2 && memcmp(r + len - 3, "\n.\n", 3) == 0);
}

/* A path field into out (AD_MAX_PATH bytes): false when too long. */
static bool copy_path(char *out, const char *value, size_t len)
{
	out[0] = '\0';
	if (value == NULL)
		return true;
	if (len >= AD_MAX_PATH)
		return false;
	memcpy(out, value, len);
	out[len] = '\0';
	return true;
}

enum ad_result ad_parse(const char *reply, size_t len, uid_t uid, struct ad_answer *ans,
			const char **why)
{
	struct fields f = { NULL, NULL, NULL, NULL, 0, 0, 0, 0 };
	const char *p = reply, *end;
	uid_t got;

	*why = NULL;
	ans->quota[0] = ans->home[0] = ans->maildir[0] = '\0';
	if (len == 0) {
		*why = "authdaemond closed the connection without an answer";
		return AD_ERROR;
	}
	if (len > AD_MAX_REPLY) {
		*why = "the answer is longer than 8192 bytes";
		return AD_REFUSED;
	}
	if (memchr(reply, '\0', len) != NULL) {
		*why = "the answer contains a NUL byte";
		return AD_REFUSED;
	}
	if (len == 5 && memcmp(reply, "FAIL\n", 5) == 0) {
		*why = "authdaemond does not know the account";
		return AD_UNKNOWN;
	}
	if (!complete(reply, len)) {
		*why = "the answer does not end with a line \".\"";
		return AD_REFUSED;
	}
	end = reply + len - 2;  /* the final "." */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if ((*why = one_line(p, (size_t)(nl - p), &f)) != NULL)
			return AD_REFUSED;
		p = nl + 1;
	}
	if (f.uid == NULL || !parse_uid(f.uid, f.uid_len, &got)) {
		*why = f.uid == NULL ? "the answer has no UID" : "the answer's UID is not a number";
		return AD_REFUSED;
	}
	/* A local user may run authmkhome with any AUTHENTICATED: the quota of
	 * an account that is not the caller's own uid is none of its business. */
	if (got != uid) {
		*why = "the answer is for another uid";
		return AD_FOREIGN;
	}
	if (!copy_path(ans->home, f.home, f.home_len) ||
	    !copy_path(ans->maildir, f.maildir, f.maildir_len)) {
		*why = "the answer's HOME or MAILDIR is longer than 4095 bytes";
		return AD_REFUSED;
	}
	if (f.quota == NULL || f.quota_len == 0) {
		*why = "the account has no quota field";
		return AD_NOQUOTA;
	}
	if (f.quota_len > AD_MAX_QUOTA) {
		*why = "the account's quota is longer than 64 bytes";
		return AD_REFUSED;
	}
	if (!quota_ok(f.quota, f.quota_len)) {
		*why = "the account's quota is not a Maildir++ quota (e.g. 1073741824S,10000C)";
		return AD_REFUSED;
	}
	memcpy(ans->quota, f.quota, f.quota_len);
	ans->quota[f.quota_len] = '\0';
	return AD_QUOTA;
}

bool ad_join_path(const char *home, const char *md, char *out, size_t len)
{
	const char *p = md;
	size_t o = 0;

	if (md[0] != '/') {
		o = strlen(home);
		if (o >= len)
			return false;
		memcpy(out, home, o);
	}
	while (*p != '\0') {
		size_t c;
		while (*p == '/')
			p++;
		c = strcspn(p, "/");
		if (c == 0 || (c == 1 && p[0] == '.')) {
			p += c;
			continue;
		}
		if (o + 1 + c >= len)
			return false;
		out[o++] = '/';
		memcpy(out + o, p, c);
		o += c;
		p += c;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return true;
}

/* path is dir (no "/" at its end) or below it, with no ".." component. */
static bool below(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	const char *p;

	if (strncmp(path, dir, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return false;
	for (p = path + n; (p = strstr(p, "/..")) != NULL; p += 3)
		if (p[3] == '\0' || p[3] == '/')
			return false;
	return true;
}

const char *ad_for_home(const struct ad_answer *ans, const struct stat *cwd, const char *home,
			const char *path)
{
	char md[AD_MAX_PATH];
	struct stat st;

	if (ans->home[0] == '\0')
		return "the answer has no HOME";
	if (ans->home[0] != '/')
		return "the answer's HOME is not absolute";
	/* Courier's chdir into HOME followed every symlink, the final one
	 * too, so the same walk tells the directory it put us in.  A symlink
	 * swapped in by the shared uid proves nothing that uid cannot do: it
	 * can write every home of its own anyway. */
	if (stat(ans->home, &st) != 0 || !S_ISDIR(st.st_mode))
		return "the answer's HOME is not a directory";
	if (st.st_dev != cwd->st_dev || st.st_ino != cwd->st_ino)
		return "the answer's HOME is not the current directory";
	if (below(home, path))
		return NULL;
	if (ans->maildir[0] != '\0' && ad_join_path(home, ans->maildir, md, sizeof md) &&
	    strcmp(md, path) == 0)
		return NULL;
	return "the maildir is neither in the home nor the answer's MAILDIR";
}

long long ad_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd pfd = { fd, events, 0 };
		long long left = deadline - ad_mono_ms();
		int n = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -1 : n;
	}
}

static enum ad_result send_request(int fd, const char *user, long long deadline,
				   const char **why)
{
	char req[sizeof "PRE . " AD_SERVICE " \n" + AD_MAX_USER];
	size_t len = (size_t)snprintf(req, sizeof req, "PRE . %s %s\n", AD_SERVICE, user), off = 0;

	while (off < len) {
		ssize_t n;
		int w = wait_fd(fd, POLLOUT, deadline);
		if (w <= 0) {
			*why = w == 0 ? "authdaemond took the request not within 2 s" :
			       "cannot send the request to authdaemond";
			return AD_ERROR;
		}
		/* MSG_NOSIGNAL: a daemon gone away is an answer, not SIGPIPE. */
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			*why = "cannot send the request to authdaemond";
			return AD_ERROR;
		}
		off += (size_t)n;
	}
	return AD_QUOTA;
}

/* Reads the answer into buf (AD_MAX_REPLY + 1 bytes): its length, or -1. */
static ssize_t read_answer(int fd, char *buf, long long deadline, const char **why)
{
	size_t len = 0;

	while (!complete(buf, len) && len <= AD_MAX_REPLY) {
		ssize_t n;
		int w = wait_fd(fd, POLLIN, deadline);
		if (w <= 0) {
			*why = w == 0 ? "authdaemond did not answer within 2 s" :
			       "cannot read authdaemond's answer";
			return -1;
		}
		n = read(fd, buf + len, AD_MAX_REPLY + 1 - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			*why = "cannot read authdaemond's answer";
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

enum ad_result ad_query(int fd, const char *user, uid_t uid, struct ad_answer *ans,
			const char **why)
{
	long long deadline = ad_mono_ms() + AD_TIMEOUT_MS;
	char buf[AD_MAX_REPLY + 1];
	enum ad_result r;
	ssize_t len;

	ans->quota[0] = ans->home[0] = ans->maildir[0] = '\0';
	if ((*why = ad_bad_user(user)) != NULL)
		return AD_BADUSER;
	if ((r = send_request(fd, user, deadline, why)) != AD_QUOTA)
		return r;
	len = read_answer(fd, buf, deadline, why);
	r = len < 0 ? AD_ERROR : ad_parse(buf, (size_t)len, uid, ans, why);
	explicit_bzero(buf, sizeof buf);
	return r;
}

enum ad_action ad_decide(int connect_err, enum ad_result r)
{
	if (connect_err != 0)
		return connect_err == EACCES || connect_err == EPERM || connect_err == ENOENT ||
		       connect_err == ENOTDIR || connect_err == ENAMETOOLONG ||
		       connect_err == ELOOP ? AD_NEXT : AD_TEMPFAIL;
	switch (r) {
	case AD_QUOTA:
		return AD_USE;
	case AD_NOQUOTA:   /* the account has no quota of its own */
		return AD_NEXT;
	/* No answer for this account.  The three are one to the caller (one
	 * log line, one exit status): a local user running authmkhome with
	 * any AUTHENTICATED must not learn whether an account exists.  All
	 * refuse rather than fall back: in Courier's chain authdaemond has
	 * just authenticated the account, so a FAIL is a moment's (or a hand
	 * run), and a maildir built now with a lesser source's quota would
	 * keep it in maildirsize for good; refused, nothing is built and the
	 * next login builds it right. */
	case AD_UNKNOWN:
	case AD_BADUSER:
	case AD_FOREIGN:
		return AD_DENY;
	case AD_REFUSED:
	case AD_ERROR:
	default:
		return AD_TEMPFAIL;
	}
}
