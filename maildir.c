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
#include "maildir.h"
#include "folders.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/fsuid.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#ifndef __WALL
#define __WALL 0x40000000
#endif

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

static const char *const maildir_subdirs[] = { "cur", "new", "tmp" };

/* Hands an already formatted line to the callback, which wants a va_list. */
static void log_fixed(const struct md_log *log, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void log_fixed(const struct md_log *log, int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log->fn(log->arg, priority, fmt, ap);
	va_end(ap);
}

/*
 * Every line is escaped here, whatever its arguments: a name, a path or a
 * creator's output may carry C0 or C1 controls or invalid UTF-8 that would
 * act on the terminal of whoever reads the log.
 */
void md_logf(const struct md_log *log, int priority, const char *fmt, ...)
{
	char raw[2048], line[2048];
	va_list ap;

	if (log == NULL || log->fn == NULL)
		return;
	if (priority == LOG_DEBUG && !log->debug)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	log_fixed(log, priority, "%s", md_escape(raw, line, sizeof line));
}

/*
 * Code points that must never reach a log line or a path unescaped: the
 * C1 controls (U+0080-U+009F, a CSI is U+009B), the line and paragraph
 * separators and the bidirectional overrides that make text read other
 * than it is.
 */
static bool unsafe_cp(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Length of the well-formed UTF-8 sequence at s (1 to 4), its code point
 * in *cp; 0 for a stray, overlong, surrogate or truncated sequence.
 */
static size_t utf8_seq(const unsigned char *s, unsigned long *cp)
{
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, *cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, *cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, *cp = s[0] & 0x07;
	else
		return 0;
	/* Overlong forms and surrogates are refused as well. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	return n;
}

const char *md_escape(const char *in, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	while (*s != '\0') {
		unsigned long cp;
		size_t n = utf8_seq(s, &cp);
		bool safe = n > 1 ? !unsafe_cp(cp) : n == 1 && cp >= 0x20 && cp != 0x7f;
		size_t need = safe ? n : 4;
		if (o + need + 4 > outlen)
			break;
		if (safe)
			memcpy(out + o, s, n);
		else
			snprintf(out + o, 5, "\\x%02x", *s);
		o += need;
		s += safe ? n : 1;
	}
	if (*s != '\0' && o + 4 <= outlen)
		memcpy(out + o, "...", 3), o += 3;
	out[o] = '\0';
	return out;
}

/*
 * A printable copy of untrusted text for log lines: control characters and
 * bytes above 0x7e become \xNN, and long text is cut.
 */
static const char *printable(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s != '\0' && o + 8 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c > 0x7e || c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (*s != '\0')
		memcpy(buf + o, "...", 4);
	else
		buf[o] = '\0';
	return buf;
}

/* ------------------------------------------------------------------ */
/* Validation of untrusted text                                        */

static bool valid_utf8(const unsigned char *s)
{
	unsigned long cp;
	size_t n;

	for (; *s != '\0'; s += n)
		if ((n = utf8_seq(s, &cp)) == 0)
			return false;
	return true;
}

/* C0, DEL, and (in valid UTF-8) the C1 controls and the other unsafe code
 * points: nothing a path, a name or a creator's environment may carry. */
static bool has_control(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t n;

	for (; *u != '\0'; u += n ? n : 1) {
		n = utf8_seq(u, &cp);
		if ((n == 1 && (cp < 0x20 || cp == 0x7f)) || (n > 1 && unsafe_cp(cp)))
			return true;
	}
	return false;
}

bool md_valid_text(const char *s)
{
	return !has_control(s) && valid_utf8((const unsigned char *)s);
}

/*
 * A value that becomes (part of) one path component: a user name, a domain,
 * an owner name.  Why it is refused goes to *why.
 */
static bool valid_name(const char *s, const char **why)
{
	size_t len = strlen(s);

	*why = NULL;
	if (len == 0)
		*why = "is empty";
	else if (len > MAX_VALUE)
		*why = "is too long";
	else if (strchr(s, '/') != NULL)
		*why = "contains '/'";
	else if (has_control(s))
		*why = "contains a control character (C0, C1 or a bidirectional override)";
	else if (!valid_utf8((const unsigned char *)s))
		*why = "is not valid UTF-8";
	else if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		*why = "is '.' or '..'";
	else if (s[0] == '-')
		/* creators and scripts would take it for an option */
		*why = "starts with '-'";
	return *why == NULL;
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */

struct path {
	char buf[PATH_MAX];
	const char *comp[MAX_COMPONENTS];
	size_t n;
};

/* Splits an absolute path; "." and ".." are refused, "//" is one "/". */
static bool split_path(const char *p, struct path *sp, const char **why)
{
	char *s, *save = NULL;

	*why = NULL;
	if (strlen(p) >= sizeof sp->buf || p[0] != '/') {
		*why = "is not an absolute path of reasonable length";
		return false;
	}
	if (has_control(p)) {
		*why = "contains a control character";
		return false;
	}
	strcpy(sp->buf, p);
	sp->n = 0;
	for (s = strtok_r(sp->buf, "/", &save); s != NULL; s = strtok_r(NULL, "/", &save)) {
		if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
			*why = "has a '.' or '..' component";
			return false;
		}
		if (sp->n == MAX_COMPONENTS) {
			*why = "has too many components";
			return false;
		}
		sp->comp[sp->n++] = s;
	}
	if (sp->n == 0)
		*why = "is the root directory";
	return *why == NULL;
}

/* Owned by root (or by whoever runs us, for authmkhome as the user). */
static bool trusted_owner(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/* Nobody else may write it; a sticky directory (/tmp) keeps root's entries
 * root's. */
static bool only_owner_writes(const struct stat *st)
{
	return (st->st_mode & 022) == 0 || (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX));
}

/*
 * Walks path from "/" through directories that are root's and writable by
 * nobody else (no symlink anywhere), then looks at the last component with
 * fstatat before opening it: only a regular file (want_dir false) or a
 * directory (want_dir true) is ever opened, so a device, a FIFO or a socket
 * named by the administrator is refused without being touched.  The opened
 * object is checked again with fstat.  final_flags open the last component
 * (O_PATH to only look); its stat goes to *st.  Returns the fd, or after
 * logging why TRUST_REFUSED (an unsafe or missing path: the configuration's
 * fault) or TRUST_SYSERR (an I/O error, no memory, ...).
 */
#define TRUST_REFUSED (-1)
#define TRUST_SYSERR (-2)
static int open_trusted_as(const char *path, const char *what, bool want_dir,
			   int final_flags, struct stat *st, const struct md_log *log)
{
	struct path sp;
	const char *why;
	size_t i;
	int fd, next;

	if (!split_path(path, &sp, &why)) {
		md_logf(log, LOG_ERR, "%s %s %s", what, path, why);
		return TRUST_REFUSED;
	}
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (i = 0; fd >= 0; i++) {
		bool last = i + 1 == sp.n;
		if (fstat(fd, st) < 0) {
			md_logf(log, LOG_ERR, "%s cannot look at %s: %s", what, path, strerror(errno));
			close(fd);
			return TRUST_SYSERR;
		}
		if (!trusted_owner(st) || !only_owner_writes(st)) {
			md_logf(log, LOG_ERR, "%s %s: %s is not owned by root or is writable by "
				"others: refused", what, path, i == 0 ? "/" : sp.comp[i - 1]);
			close(fd);
			return TRUST_REFUSED;
		}
		if (i == sp.n) {
			if (want_dir ? S_ISDIR(st->st_mode) : S_ISREG(st->st_mode))
				return fd;
			md_logf(log, LOG_ERR, "%s %s changed while it was opened: refused", what,
				path);
			close(fd);
			return TRUST_REFUSED;
		}
		if (last && fstatat(fd, sp.comp[i], st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !(want_dir ? S_ISDIR(st->st_mode) : S_ISREG(st->st_mode))) {
			md_logf(log, LOG_ERR, "%s %s is %s: refused", what, path,
				S_ISLNK(st->st_mode) ? "a symlink" : want_dir ?
				"not a directory" : "not a regular file");
			close(fd);
			return TRUST_REFUSED;
		}
		next = openat(fd, sp.comp[i], O_NOFOLLOW | O_CLOEXEC | (last ?
			      final_flags | O_NONBLOCK | O_NOCTTY : O_PATH | O_DIRECTORY));
		close(fd);
		fd = next;
	}
	if (errno == ELOOP || errno == ENOTDIR) {
		md_logf(log, LOG_ERR, "%s %s: a symlink or a file on its path: refused", what, path);
		return TRUST_REFUSED;
	}
	md_logf(log, LOG_ERR, "%s cannot open %s: %s", what, path, strerror(errno));
	return errno == ENOENT ? TRUST_REFUSED : TRUST_SYSERR;
}

/* A file that decides what runs and how (a config file, the creator). */
static int open_trusted(const char *path, const char *what, int final_flags,
			struct stat *st, const struct md_log *log)
{
	return open_trusted_as(path, what, false, final_flags, st, log);
}

/* ------------------------------------------------------------------ */
/* Options                                                             */

void md_options_init(struct md_options *o)
{
	memset(o, 0, sizeof *o);
	o->maildir = MD_DEFAULT_TEMPLATE;
	o->mode = 0700;
	o->homemode = 0700;
	o->timeout = MD_DEFAULT_TIMEOUT;
}

void md_options_free(struct md_options *o)
{
	free(o->config_text);
	o->config_text = NULL;
}

/* Octal, at most 4 digits; the owner keeps full access and nobody else
 * may write, so a maildir can never be shared for writing by accident. */
static bool parse_mode(const char *s, mode_t *out)
{
	unsigned long v = 0;
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '7' || n >= 4)
			return false;
		v = v * 8 + (unsigned long)(s[n] - '0');
	}
	if (n == 0 || (v & 0700) != 0700 || (v & 0022) != 0 || (v & 06000) != 0)
		return false;
	*out = (mode_t)v;
	return true;
}

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (unsigned)v;
	return true;
}

static bool valid_template(const char *t)
{
	for (; *t != '\0'; t++) {
		if (*t != '%')
			continue;
		t++;
		if (*t == '\0' || strchr("unhdU%", *t) == NULL)
			return false;
	}
	return true;
}

static enum fold_encoding folder_encoding(const struct md_options *o)
{
	return o->utf8 ? FOLD_UTF8 : FOLD_UTF7;
}

/*
 * Every name of the comma-separated list must encode (folders.c), and no
 * two may land on the same directory.  On a refusal *bad points at the name
 * and *badlen is its length.
 */
static const char *check_folder_list(const char *list, enum fold_encoding enc, bool fs,
				     const char **bad, size_t *badlen)
{
	char (*seen)[FOLD_NAME_MAX + 1] = malloc(MAX_FOLDERS * sizeof *seen);
	const char *p = list, *why = NULL;
	unsigned count = 0, i;

	*bad = p;
	*badlen = strcspn(p, ",");
	if (seen == NULL)
		return "out of memory";
	for (;; p += *badlen + 1) {
		*bad = p;
		*badlen = strcspn(p, ",");
		if (count == MAX_FOLDERS) {
			why = "more than 64 folders";
			break;
		}
		why = fold_encode(p, *badlen, enc, seen[count], sizeof seen[count]);
		if (why == NULL && fs)
			why = fold_fs_path(seen[count]);
		for (i = 0; why == NULL && i < count; i++)
			if (strcmp(seen[i], seen[count]) == 0)
				why = "listed twice (INBOX. is the namespace prefix)";
		if (why != NULL || p[*badlen] == '\0')
			break;
		count++;
	}
	free(seen);
	return why;
}

static enum md_result bad_folder(const struct md_log *log, const char *name, size_t len,
				 const char *why)
{
	char copy[FOLD_INPUT_MAX + 1], buf[128];

	if (len > FOLD_INPUT_MAX)
		len = FOLD_INPUT_MAX;
	memcpy(copy, name, len);
	copy[len] = '\0';
	md_logf(log, LOG_ERR, "option folders: invalid folder name \"%s\": %s",
		printable(copy, buf, sizeof buf), why);
	return MD_ERR_CONFIG;
}

/*
 * One limit of a Maildir++ quota.  Courier reads the byte count as a signed
 * 64-bit number and the message count as an int: anything larger wraps and
 * then refuses every delivery, so it is refused here.
 */
static bool parse_limit(const char **q, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)**q))
		return false;
	for (; isdigit((unsigned char)**q); (*q)++) {
		unsigned d = (unsigned)(**q - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/*
 * Maildir++ quota: "<n>S", "<n>C" or both, comma-separated.  *nonzero says
 * whether any limit is set: "0S,0C" is no quota, and maildirmake -q writes
 * no file for it.
 */
static const char *check_quota(const char *q, bool *nonzero)
{
	bool seen_s = false, seen_c = false;

	*nonzero = false;
	while (*q != '\0') {
		const char *start = q;
		uint64_t v;
		bool ok = parse_limit(&q, INT64_MAX, &v);
		if (ok && *q == 'C') {
			q = start;
			ok = parse_limit(&q, INT32_MAX, &v);
			if (!ok)
				return "a message count above 2147483647 (2^31-1)";
		}
		if (!ok)
			return isdigit((unsigned char)*start) ?
			       "a byte count above 9223372036854775807 (2^63-1)" :
			       "expected e.g. 1073741824S,10000C";
		if (*q == 'S' && !seen_s)
			seen_s = true;
		else if (*q == 'C' && !seen_c)
			seen_c = true;
		else
			return "expected e.g. 1073741824S,10000C";
		*nonzero |= v != 0;
		q++;
		if (*q == ',' && q[1] != '\0')
			q++;
		else if (*q != '\0')
			return "expected e.g. 1073741824S,10000C";
	}
	return seen_s || seen_c ? NULL : "expected e.g. 1073741824S,10000C";
}

enum opt_kind { OPT_FLAG, OPT_STRING };

struct opt_def {
	const char *name;
	enum opt_kind kind;
};

static const struct opt_def opt_defs[] = {
	{ "maildir", OPT_STRING },   { "owner", OPT_STRING },
	{ "group", OPT_STRING },     { "mode", OPT_STRING },
	{ "homemode", OPT_STRING },  { "folders", OPT_STRING },
	{ "quota", OPT_STRING },     { "skel", OPT_STRING },
	{ "creator", OPT_STRING },   { "timeout", OPT_STRING },
	{ "config", OPT_STRING },    { "subscribe", OPT_FLAG },
	{ "createhome", OPT_FLAG },  { "creator_root", OPT_FLAG },
	{ "debug", OPT_FLAG },       { "quiet", OPT_FLAG },
	{ "utf8", OPT_FLAG },        { "layout", OPT_STRING },
	{ "quota_source", OPT_STRING },
};

static enum md_result bad_value(const struct md_log *log, const char *name,
				const char *value, const char *why)
{
	char buf[128];

	md_logf(log, LOG_ERR, "option %s: invalid value \"%s\": %s", name,
		printable(value, buf, sizeof buf), why);
	return MD_ERR_CONFIG;
}

static enum md_result set_string(struct md_options *o, const char *name,
				 const char *v, const struct md_log *log)
{
	const char *why;

	if (strcmp(name, "maildir") == 0) {
		if (*v == '\0' || has_control(v) || !valid_template(v))
			return bad_value(log, name, v,
					 "empty, a control character or an unknown %-escape "
					 "(known: %u %n %d %h %U %%)");
		o->maildir = v;
	} else if (strcmp(name, "owner") == 0 || strcmp(name, "group") == 0) {
		if (!valid_name(v, &why))
			return bad_value(log, name, v, why);
		*(name[0] == 'o' ? &o->owner : &o->group) = v;
	} else if (strcmp(name, "mode") == 0 || strcmp(name, "homemode") == 0) {
		if (!parse_mode(v, name[0] == 'm' ? &o->mode : &o->homemode))
			return bad_value(log, name, v,
					 "an octal mode with u=rwx, no group or other write, "
					 "no setuid/setgid bit is required");
	} else if (strcmp(name, "folders") == 0) {
		const char *bad;
		size_t badlen;
		/* The form on disk is known once every option is: utf8 may come
		 * later.  Here what neither form can hold; the rest at check. */
		if (*v != '\0' &&
		    (why = check_folder_list(v, FOLD_UTF8, false, &bad, &badlen)) != NULL)
			return bad_folder(log, bad, badlen, why);
		o->folders = *v != '\0' ? v : NULL;
	} else if (strcmp(name, "layout") == 0) {
		if (strcmp(v, "maildir++") != 0 && strcmp(v, "fs") != 0)
			return bad_value(log, name, v, "maildir++ (the default) or fs expected");
		o->layout_fs = v[0] == 'f';
	} else if (strcmp(name, "quota_source") == 0) {
		if (strcmp(v, "env") != 0 && strcmp(v, "option") != 0)
			return bad_value(log, name, v, "env (the default) or option expected");
		o->quota_option = v[0] == 'o';
	} else if (strcmp(name, "quota") == 0) {
		if ((why = check_quota(v, &o->quota_file)) != NULL)
			return bad_value(log, name, v, why);
		o->quota = v;
	} else if (strcmp(name, "skel") == 0 || strcmp(name, "creator") == 0) {
		if (v[0] != '/' || has_control(v) || strlen(v) >= PATH_MAX)
			return bad_value(log, name, v, "an absolute path is required");
		*(name[0] == 's' ? &o->skel : &o->creator) = v;
	} else if (strcmp(name, "config") == 0) {
		md_logf(log, LOG_ERR, "option config=%s: only allowed on the PAM line", v);
		return MD_ERR_CONFIG;
	} else if (strcmp(name, "timeout") == 0) {
		unsigned t;
		if (!parse_uint(v, MD_MAX_TIMEOUT, &t) || t == 0)
			return bad_value(log, name, v, "seconds from 1 to 3600 expected");
		o->timeout = t;
	}
	return MD_OK;
}

static void set_flag(struct md_options *o, const char *name)
{
	if (strcmp(name, "subscribe") == 0)
		o->subscribe = true;
	else if (strcmp(name, "createhome") == 0)
		o->createhome = true;
	else if (strcmp(name, "creator_root") == 0)
		o->creator_root = true;
	else if (strcmp(name, "debug") == 0)
		o->debug = true;
	else if (strcmp(name, "quiet") == 0)
		o->quiet = true;
	else if (strcmp(name, "utf8") == 0)
		o->utf8 = true;
}

/*
 * from_file: the line came from a config file; an unknown one is then not
 * echoed to the log, whatever file that turns out to be.
 */
static enum md_result set_option(struct md_options *o, const char *arg,
				 const struct md_log *log, bool from_file)
{
	const char *eq = strchr(arg, '=');
	size_t nlen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	char name[16], buf[128];
	size_t i;

	for (i = 0; i < sizeof opt_defs / sizeof opt_defs[0]; i++) {
		const struct opt_def *d = &opt_defs[i];
		if (strlen(d->name) != nlen || strncmp(d->name, arg, nlen) != 0)
			continue;
		memcpy(name, d->name, nlen + 1);
		if (d->kind == OPT_FLAG) {
			if (eq != NULL)
				return bad_value(log, name, eq + 1, "takes no value");
			set_flag(o, name);
			return MD_OK;
		}
		if (eq == NULL) {
			md_logf(log, LOG_ERR, "option %s needs a value (%s=...)", name, name);
			return MD_ERR_CONFIG;
		}
		return set_string(o, name, eq + 1, log);
	}
	if (!from_file) /* the caller says where, without the content */
		md_logf(log, LOG_ERR, "unknown option \"%s\" ignored",
			printable(arg, buf, sizeof buf));
	o->unknown++;
	return MD_OK;
}

enum md_result md_option_set(struct md_options *o, const char *arg,
			     const struct md_log *log)
{
	return set_option(o, arg, log, false);
}

/* Reads a whole configuration file that only root (or we) can change. */
static char *read_config(const char *path, const struct md_log *log)
{
	struct stat st;
	char *text = NULL;
	ssize_t n = 0, r;
	int fd;

	fd = open_trusted(path, "option config:", O_RDONLY | O_NOCTTY | O_NONBLOCK, &st, log);
	if (fd < 0)
		return NULL;
	if (st.st_size >= MAX_CONFIG) {
		md_logf(log, LOG_ERR, "option config: %s is larger than 64 KiB", path);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		md_logf(log, LOG_ERR, "option config: out of memory");
		goto out;
	}
	while (n < st.st_size && (r = read(fd, text + n, (size_t)(st.st_size - n))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			md_logf(log, LOG_ERR, "option config: reading %s: %s", path,
				strerror(errno));
			goto fail;
		}
		n += r;
	}
	/* A NUL would hide the rest of its line from the parser. */
	if (memchr(text, '\0', (size_t)n) != NULL) {
		md_logf(log, LOG_ERR, "option config: %s contains a NUL byte: refused", path);
		goto fail;
	}
	text[n] = '\0';
	goto out;
fail:
	free(text);
	text = NULL;
out:
	close(fd);
	return text;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

enum md_result md_options_load(struct md_options *o, const char *path,
			       const struct md_log *log)
{
	enum md_result r = MD_OK;
	char *line, *next;
	unsigned lineno = 0;

	if (o->config_text != NULL) {
		md_logf(log, LOG_ERR, "option config: only one configuration file allowed");
		return MD_ERR_CONFIG;
	}
	if (path[0] != '/') {
		md_logf(log, LOG_ERR, "option config: %s is not an absolute path", path);
		return MD_ERR_CONFIG;
	}
	o->config_text = read_config(path, log);
	if (o->config_text == NULL)
		return MD_ERR_CONFIG;
	for (line = o->config_text; line != NULL && r == MD_OK; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		if (strncmp(line, "config=", 7) == 0) {
			md_logf(log, LOG_ERR, "%s:%u: config= cannot be nested", path, lineno);
			r = MD_ERR_CONFIG;
		} else {
			unsigned unknown = o->unknown;
			if ((r = set_option(o, line, log, true)) != MD_OK)
				md_logf(log, LOG_ERR, "%s:%u: invalid line", path, lineno);
			else if (o->unknown != unknown)
				md_logf(log, LOG_ERR, "%s:%u: unknown option ignored", path, lineno);
		}
	}
	return r;
}

enum md_result md_options_parse(struct md_options *o, int argc,
				const char **argv, const struct md_log *log)
{
	enum md_result r;
	int i;

	for (i = 0; i < argc; i++)
		if (strncmp(argv[i], "config=", 7) == 0 &&
		    (r = md_options_load(o, argv[i] + 7, log)) != MD_OK)
			return r;
	for (i = 0; i < argc; i++)
		if (strncmp(argv[i], "config=", 7) != 0 &&
		    (r = md_option_set(o, argv[i], log)) != MD_OK)
			return r;
	return md_options_check(o, log);
}

enum md_result md_options_check(const struct md_options *o,
				const struct md_log *log)
{
	const char *bad, *why;
	size_t badlen;

	if (o->folders != NULL &&
	    (why = check_folder_list(o->folders, folder_encoding(o), o->layout_fs, &bad,
				     &badlen)) != NULL)
		return bad_folder(log, bad, badlen, why);
	if (o->skel != NULL && !o->createhome)
		md_logf(log, LOG_WARNING, "skel=%s has no effect without createhome",
			o->skel);
	if (o->creator != NULL && (o->folders != NULL || o->quota != NULL || o->subscribe))
		md_logf(log, LOG_DEBUG,
			"creator= is set: folders, quota and subscribe are the creator's job");
	return MD_OK;
}

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

void md_account_free(struct md_account *a)
{
	free(a->heap);
	a->heap = NULL;
}

static bool append(char *out, size_t outlen, size_t *o, const char *s, size_t n)
{
	if (*o + n >= outlen)
		return false;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return true;
}

/* The text of one escape, or NULL (with *why) when it may not be used. */
static const char *escape_value(char c, const struct md_account *a,
				char *num, size_t numlen, size_t *len)
{
	const char *at = strchr(a->user, '@');

	switch (c) {
	case 'u':
		*len = strlen(a->user);
		return a->user;
	case 'n':
		*len = at != NULL ? (size_t)(at - a->user) : strlen(a->user);
		return a->user;
	case 'd':
		*len = at != NULL ? strlen(at + 1) : 0;
		return at != NULL ? at + 1 : "";
	case 'U':
		*len = (size_t)snprintf(num, numlen, "%lu", (unsigned long)a->uid);
		return num;
	case '%':
		*len = 1;
		return "%";
	default: /* 'h' is handled by the caller: it is a path, not a name */
		*len = 0;
		return "";
	}
}

/*
 * A home a maildir may be made in: absolute, no controls, not "/" (the
 * maildir would be /Maildir, owned by the user) and not /nonexistent,
 * Debian's mark for an account that has no home (nobody, daemons), which
 * createhome would otherwise make.
 */
static bool usable_home(const char *h)
{
	return h != NULL && h[0] == '/' && !has_control(h) && h[strspn(h, "/")] != '\0' &&
	       strcmp(h, "/nonexistent") != 0 && strcmp(h, "/nonexistent/") != 0;
}

enum md_result md_expand(const struct md_options *o,
			 const struct md_account *a, char *out, size_t outlen,
			 const struct md_log *log)
{
	const char *t = o->maildir, *why;
	char num[24], value[MAX_VALUE + 1], pbuf[128];
	size_t n = 0, len;

	out[0] = '\0';
	if (t[0] != '/' && strncmp(t, "%h", 2) != 0) {
		/* relative: under the home */
		if (!usable_home(a->home))
			goto badhome;
		if (!append(out, outlen, &n, a->home, strlen(a->home)) ||
		    !append(out, outlen, &n, "/", 1))
			goto toolong;
	}
	for (; *t != '\0'; t++) {
		const char *v;
		if (*t != '%') {
			if (!append(out, outlen, &n, t, 1))
				goto toolong;
			continue;
		}
		t++;
		if (*t == 'h') {
			if (!usable_home(a->home))
				goto badhome;
			if (!append(out, outlen, &n, a->home, strlen(a->home)))
				goto toolong;
			continue;
		}
		v = escape_value(*t, a, num, sizeof num, &len);
		if (len > MAX_VALUE) {
			md_logf(log, LOG_ERR, "refusing %%%c for user \"%s\": too long", *t,
				printable(a->user, pbuf, sizeof pbuf));
			return MD_ERR_REFUSED;
		}
		memcpy(value, v, len);
		value[len] = '\0';
		if (*t != '%' && !valid_name(value, &why)) {
			md_logf(log, LOG_ERR, "refusing %%%c of user \"%s\": it %s", *t,
				printable(a->user, pbuf, sizeof pbuf), why);
			return MD_ERR_REFUSED;
		}
		if (!append(out, outlen, &n, value, len))
			goto toolong;
	}
	if (out[0] != '/') {
		md_logf(log, LOG_ERR, "maildir %s is not an absolute path",
			printable(out, pbuf, sizeof pbuf));
		return MD_ERR_CONFIG;
	}
	return MD_OK;
badhome:
	md_logf(log, LOG_ERR, "home directory of %s is not an absolute path, or is / or "
		"/nonexistent: refused",
		printable(a->owner != NULL ? a->owner : a->user, pbuf, sizeof pbuf));
	return MD_ERR_REFUSED;
toolong:
	md_logf(log, LOG_ERR, "maildir path for user \"%s\" is too long",
		printable(a->user, pbuf, sizeof pbuf));
	return MD_ERR_REFUSED;
}

/* ------------------------------------------------------------------ */
/* Credentials for one thread                                          */

/*
 * Filesystem uid/gid of the calling thread only (the kernel keeps them per
 * thread and glibc does not broadcast them), so a host daemon's other
 * threads never see a change.  Used to remove things with exactly the
 * rights of the directory's owner.
 */
struct fsids {
	uid_t uid;
	gid_t gid;
	bool changed;
};

static void restore_fs(const struct fsids *saved)
{
	if (!saved->changed)
		return;
	setfsuid(saved->uid);
	setfsgid(saved->gid);
}

/*
 * setfsuid and setfsgid report no error: without CAP_SETUID/CAP_SETGID
 * (a root host in a restricted capability set) they silently change
 * nothing.  A second call returns the value in effect, as
 * pam_modutil_drop_priv checks; when the change did not take, the old ids
 * are put back and the caller must not act, or it would act as root.
 */
static bool __attribute__((warn_unused_result))
become_fs(struct fsids *saved, uid_t uid, gid_t gid)
{
	saved->changed = false;
	if (geteuid() != 0 || uid == 0)
		return true;
	saved->gid = (gid_t)setfsgid(gid);
	saved->uid = (uid_t)setfsuid(uid);
	saved->changed = true;
	if ((uid_t)setfsuid(uid) == uid && (gid_t)setfsgid(gid) == gid)
		return true;
	restore_fs(saved);
	saved->changed = false;
	return false;
}

/* A directory stream of its own on dfd's directory. */
static DIR *open_dir_stream(int dfd)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (d == NULL && fd >= 0)
		close(fd);
	return d;
}

/* The next entry but "." and ".."; NULL with errno 0 at the end, or with
 * the error that cut the listing short. */
static struct dirent *next_entry(DIR *d)
{
	struct dirent *de;

	do {
		errno = 0;
		de = readdir(d);
	} while (de != NULL && (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0));
	return de;
}

/*
 * Removal.  Everything is removed relative to descriptors held on
 * directories that were verified (dev/ino) when opened, never by re-opening
 * a path, never across a mount (st_dev), and every entry with the rights of
 * the owner of the directory that holds it, so that nothing a user could
 * have moved in is deleted with root's rights.  Bounded in depth.
 */
static int remove_dir_at(int dfd, const char *name, const struct stat *want, int depth);

/* Unlinks name from dfd with the rights of dfd's owner. */
static int unlink_as(int dfd, const char *name, int flags, uid_t uid, gid_t gid)
{
	struct fsids saved;
	int rc, e;

	if (!become_fs(&saved, uid, gid)) {
		errno = EPERM;
		return -1;
	}
	rc = unlinkat(dfd, name, flags);
	e = errno;
	restore_fs(&saved);
	errno = e;
	return rc;
}

static bool same_entry(int dfd, const char *name, const struct stat *want)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       st.st_dev == want->st_dev && st.st_ino == want->st_ino;
}

/*
 * Deeper than any tree a build makes, so that a failed build can always be
 * removed: every component of the path, the skel's directories below the
 * home (copy_skel) and a layout=fs folder of one-letter levels with its
 * cur/new/tmp.  One descriptor per level is held.
 */
#define SKEL_DEPTH 16
#define REMOVE_DEPTH (MAX_COMPONENTS + SKEL_DEPTH + FOLD_NAME_MAX / 2 + 2)

/* Removes entry name of the directory d (on device dev, owned by dst). */
static int remove_entry(DIR *d, const char *name, const struct stat *dst, int depth)
{
	struct stat st;
	int fd = dirfd(d);

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return unlink_as(fd, name, 0, dst->st_uid, dst->st_gid);
	/* A mount point is never entered. */
	if (st.st_dev != dst->st_dev)
		return -1;
	return remove_dir_at(fd, name, &st, depth + 1);
}

/* Empties the directory of stream d, which is on device dev. */
static int empty_stream(DIR *d, dev_t dev, int depth)
{
	struct dirent *de;
	struct stat dst;
	int rc = 0;

	if (depth > REMOVE_DEPTH || fstat(dirfd(d), &dst) < 0 || dst.st_dev != dev)
		return -1;
	while ((de = next_entry(d)) != NULL)
		if (remove_entry(d, de->d_name, &dst, depth) < 0)
			rc = -1;
	if (errno != 0)
		rc = -1;
	return rc;
}

/* Empties the directory open on fd, which is on device dev. */
static int empty_dir(int fd, dev_t dev, int depth)
{
	DIR *d = open_dir_stream(fd);
	int rc;

	if (d == NULL)
		return -1;
	rc = empty_stream(d, dev, depth);
	closedir(d);
	return rc;
}

/* Removes directory name of dfd, which must still be the one described by
 * want, and everything in it. */
static int remove_dir_at(int dfd, const char *name, const struct stat *want, int depth)
{
	struct stat st, pst;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc;
	DIR *d;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_dev != want->st_dev || st.st_ino != want->st_ino ||
	    (d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rc = empty_stream(d, want->st_dev, depth);
	closedir(d);
	if (rc < 0 || fstat(dfd, &pst) < 0 || !same_entry(dfd, name, want))
		return -1;
	return unlink_as(dfd, name, AT_REMOVEDIR, pst.st_uid, pst.st_gid);
}

/* ------------------------------------------------------------------ */
/* Building                                                            */

struct build {
	const struct md_options *o;
	const struct md_account *a;
	const struct md_log *log;
	const char *path;     /* the maildir, for log lines */
	bool chown;           /* creation needs handing over to the owner */
	bool private;         /* working inside our own root-only temporary tree */
};

static enum md_result sys_error(const struct build *b, const char *what,
				const char *name)
{
	int e = errno;

	md_logf(b->log, LOG_ERR, "%s %s%s%s: %s", what, b->path,
		name != NULL ? "/" : "", name != NULL ? name : "", strerror(e));
	return MD_ERR_SYSTEM;
}

static int hand_over(const struct build *b, int fd, uid_t uid, gid_t gid, mode_t mode)
{
	if (b->chown && fchown(fd, uid, gid) < 0)
		return -1;
	return fchmod(fd, mode);
}

/*
 * Creates directory name in dfd for the owner, or takes the one that is
 * there when it is a real directory of the owner (EEXIST is success once
 * verified: concurrent logins).  Returns an fd or -1 with the outcome set.
 */
static int make_dir(const struct build *b, int dfd, const char *name, mode_t mode,
		    bool give, enum md_result *r)
{
	bool created = mkdirat(dfd, name, 0700) == 0;
	struct stat st;
	int fd;

	if (!created && errno != EEXIST) {
		*r = sys_error(b, "cannot create", name);
		return -1;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		*r = errno == ELOOP || errno == ENOTDIR ? MD_ERR_REFUSED : MD_ERR_SYSTEM;
		if (errno == ELOOP || errno == ENOTDIR)
			md_logf(b->log, LOG_ERR, "%s/%s is %s: refused", b->path, name,
				errno == ELOOP ? "a symlink" : "not a directory");
		else
			md_logf(b->log, LOG_ERR, "cannot open %s/%s: %s", b->path, name,
				strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Made by us as root (a private tree) or as the owner (a repair). */
	if (created && (st.st_uid == geteuid() || st.st_uid == b->a->uid)) {
		if (give && hand_over(b, fd, b->a->uid, b->a->gid, mode) < 0) {
			*r = sys_error(b, "cannot hand over", name);
			close(fd);
			return -1;
		}
	} else if (st.st_uid != b->a->uid) {
		md_logf(b->log, LOG_ERR, "%s/%s is owned by uid %lu, not %lu: refused",
			b->path, name, (unsigned long)st.st_uid, (unsigned long)b->a->uid);
		*r = MD_ERR_REFUSED;
		close(fd);
		return -1;
	}
	return fd;
}

static enum md_result make_subdirs(const struct build *b, int dfd)
{
	enum md_result r = MD_OK;
	size_t i;

	for (i = 0; i < 3; i++) {
		const char *name = maildir_subdirs[i];
		int fd;
		/* Inside our private tree nobody else can reach a directory we just
		 * made, so it is handed over by name: half the system calls. */
		if (b->private && mkdirat(dfd, name, 0700) == 0) {
			if ((b->chown && fchownat(dfd, name, b->a->uid, b->a->gid,
						  AT_SYMLINK_NOFOLLOW) < 0) ||
			    fchmodat(dfd, name, b->o->mode, 0) < 0)
				return sys_error(b, "cannot hand over", name);
			continue;
		}
		fd = make_dir(b, dfd, name, b->o->mode, true, &r);
		if (fd < 0)
			return r;
		close(fd);
	}
	return MD_OK;
}

/* An owner's file, written in full; O_EXCL so nothing planted is reused. */
static enum md_result write_new(const struct build *b, int dfd, const char *name,
				const char *data, size_t len)
{
	size_t done = 0;
	int fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
			O_NOCTTY, 0600);
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
	if (hand_over(b, fd, b->a->uid, b->a->gid, 0600) < 0) {
		close(fd);
		return sys_error(b, "cannot hand over", name);
	}
	if (close(fd) < 0)
		return sys_error(b, "cannot write", name);
	return MD_OK;
}

/*
 * A file that readers must see whole: written in tmp/ and moved into place,
 * as Maildir++ requires of maildirsize.  A file already there is left alone
 * (a server's own subscriptions or quota file in a maildir it made): inside
 * our private tree nothing can be there, so a rename does; elsewhere a link
 * that fails on an existing name.
 */
static enum md_result write_atomic(const struct build *b, int mdfd, const char *name,
				   const char *data, size_t len)
{
	char tmpname[64];
	enum md_result r;
	int tfd;

	tfd = openat(mdfd, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tfd < 0)
		return sys_error(b, "cannot open", "tmp");
	snprintf(tmpname, sizeof tmpname, "%s.%ld.mkmaildir", name, (long)getpid());
	r = write_new(b, tfd, tmpname, data, len);
	if (r != MD_OK) {
		close(tfd);
		return r;
	}
	if (b->private) {
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

/* The same, replacing what is there (only maildirsize, whose content is ours to set). */
static enum md_result replace_atomic(const struct build *b, int mdfd, const char *name,
				     const char *data, size_t len)
{
	struct build priv = *b;

	priv.private = true; /* a rename, which replaces */
	return write_atomic(&priv, mdfd, name, data, len);
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
 * Returns the directory that holds the last level (mdfd itself or a new fd)
 * and its name through *last.
 */
static int fs_parent(const struct build *b, int mdfd, char *path, const char **last,
		     enum md_result *r)
{
	int dfd = mdfd;
	char *slash;

	*last = path;
	while ((slash = strchr(*last, '/')) != NULL) {
		int fd;
		*slash = '\0';
		fd = make_dir(b, dfd, *last, b->o->mode, true, r);
		*slash = '/';
		if (dfd != mdfd)
			close(dfd);
		if (fd < 0)
			return -1;
		dfd = fd;
		*last = slash + 1;
	}
	return dfd;
}

static enum md_result make_folder(const struct build *b, int mdfd, const char *dir)
{
	enum md_result r = MD_OK;
	char path[FOLDER_BUF];
	const char *name = dir;
	int dfd = mdfd, fd;

	if (b->o->layout_fs) {
		snprintf(path, sizeof path, "%s", dir);
		if ((dfd = fs_parent(b, mdfd, path, &name, &r)) < 0)
			return r;
	}
	fd = make_dir(b, dfd, name, b->o->mode, true, &r);
	if (dfd != mdfd)
		close(dfd);
	if (fd < 0)
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
	    hand_over(b, out, b->a->uid, b->a->gid, (st->st_mode & 0755) | 0600) < 0)
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
		} else if (!trusted_owner(&st)) {
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
			int d2 = s2 < 0 ? -1 : make_dir(b, dfd, de->d_name,
							(st.st_mode & 0755) | 0700, true, &r);
			if (s2 < 0)
				r = sys_error(b, "cannot read skel directory for", de->d_name);
			else if (d2 >= 0)
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
	int dfd;

	snprintf(what, sizeof what, "skel for %s:", b->path);
	dfd = open_trusted_as(b->o->skel, what, true, O_RDONLY | O_DIRECTORY, &st, b->log);

	if (dfd == TRUST_SYSERR)
		return MD_ERR_SYSTEM;
	if (dfd < 0) {
		md_logf(b->log, LOG_ERR, "skel %s not copied into the home of %s: refused",
			b->o->skel, b->a->user);
		return MD_ERR_CONFIG;
	}
	*fd = dfd;
	return MD_OK;
}

/* The roles of the directories a build creates. */
enum role { ROLE_ABOVE_HOME, ROLE_HOME, ROLE_BELOW };

static enum role role_of(size_t i, ssize_t home_idx)
{
	if (home_idx < 0 || (ssize_t)i > home_idx)
		return ROLE_BELOW;
	return (ssize_t)i == home_idx ? ROLE_HOME : ROLE_ABOVE_HOME;
}

static enum md_result finish_dir(const struct build *b, int fd, enum role role)
{
	int rc;

	if (role == ROLE_ABOVE_HOME)
		rc = fchmod(fd, 0755); /* like /home: root's, readable by all */
	else
		rc = hand_over(b, fd, b->a->uid, b->a->gid,
			       role == ROLE_HOME ? b->o->homemode : b->o->mode);
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
#define LOCK_SUFFIX ".lock"
#define ID_LEN 16
#define STAGING_GONE (-2)
#define STAGING_ATTEMPTS 8
#define SWEEP_MAX 16

struct staged {
	int sfd, lock, top;   /* the staging directory, ID.lock, the tree */
	struct stat sst, st;  /* the staging directory's and the tree's */
	char id[ID_LEN + 1];
	bool placed;          /* renamed into the parent */
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
 * Who must own the staging directory: whoever creates it, i.e. the module's
 * effective uid.  Shared storage that squashes root (issue 16) would map
 * this to the squashed uid; it is the one place to change.
 */
static uid_t staging_owner(void)
{
	return geteuid();
}

/*
 * The staging directory is never chmod-ed into shape: between mkdirat(2)
 * and openat(2) a member of a group-writable parent can exchange another
 * directory of root's in (RENAME_EXCHANGE), which must not lose its mode.
 * One we made has no group, other or special bits (mkdirat's 0700 and a
 * umask can only take bits away; root needs no permission bits).
 */
static bool staging_ok(const struct stat *st, const struct stat *parent)
{
	return S_ISDIR(st->st_mode) && st->st_uid == staging_owner() &&
	       (st->st_mode & 07077) == 0 && st->st_dev == parent->st_dev;
}

/*
 * Opens pfd's staging directory, creating it when needed.  STAGING_GONE when
 * a concurrent build removed it between the two steps (try again); -1 with
 * *r set and logged when it cannot be used.
 */
static int open_staging(const struct build *b, int pfd, struct stat *st, enum md_result *r)
{
	bool made = mkdirat(pfd, STAGING_NAME, 0700) == 0;
	struct stat pst;
	int fd, e;

	if (!made && errno != EEXIST) {
		*r = sys_error(b, "cannot create the staging directory " STAGING_NAME " beside", NULL);
		return -1;
	}
	fd = openat(pfd, STAGING_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT || e == ESTALE)
			return STAGING_GONE;
		md_logf(b->log, LOG_ERR, "cannot build %s: the staging directory " STAGING_NAME
			" in its parent %s: refused", b->path,
			e == ELOOP || e == ENOTDIR ? "is not a directory" : strerror(e));
		*r = e == ELOOP || e == ENOTDIR ? MD_ERR_REFUSED : MD_ERR_SYSTEM;
		return -1;
	}
	if (fstat(fd, st) < 0 || fstat(pfd, &pst) < 0) {
		e = errno;
		close(fd);
		if (e == ESTALE)
			return STAGING_GONE;
		errno = e;
		*r = sys_error(b, "cannot inspect the staging directory beside", NULL);
		return -1;
	}
	if (!staging_ok(st, &pst)) {
		md_logf(b->log, LOG_ERR, "cannot build %s: " STAGING_NAME " in its parent is "
			"owned by uid %lu with mode %04o%s, not a 0700 directory of uid %lu: "
			"refused (someone who can write the parent made or moved it there)",
			b->path, (unsigned long)st->st_uid, (unsigned)(st->st_mode & 07777),
			st->st_dev != pst.st_dev ? " on another filesystem" : "",
			(unsigned long)staging_owner());
		close(fd);
		*r = MD_ERR_REFUSED;
		return -1;
	}
	return fd;
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
	if (fstat(lfd, &lst) < 0 || !S_ISREG(lst.st_mode) || lst.st_uid != staging_owner() ||
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
	if (remove_dir_at(sfd, claim, &tst, 0) < 0) {
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

/* The staging directory goes when it is empty, so that none is left in a
 * user's home; one still in use by a concurrent build stays (ENOTEMPTY).
 * In a parent where others can rename entries it stays for good: between
 * the identity check and rmdir(2) by name a member could put an empty
 * directory that is not ours at that name, and rmdir would remove it.
 * Something else at its name means that someone who can write the parent
 * moved it while we worked: say so, touch neither. */
static void drop_staging(const struct build *b, int pfd, const struct staged *sg)
{
	struct stat st;

	if (same_entry(pfd, STAGING_NAME, &sg->sst)) {
		if (!others_rename_in(pfd))
			unlinkat(pfd, STAGING_NAME, AT_REMOVEDIR);
	} else if (fstatat(pfd, STAGING_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		md_logf(b->log, LOG_WARNING, "the staging directory " STAGING_NAME " beside %s "
			"was replaced while in use (by uid %lu, or someone who can write the "
			"parent): both left alone", b->path, (unsigned long)st.st_uid);
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
		sg->sfd = open_staging(b, pfd, &sg->sst, &r);
		if (sg->sfd == STAGING_GONE)
			continue;
		if (sg->sfd < 0)
			return r;
		if (!sweep(b, sg->sfd, &sg->sst, !swept, foreign, sizeof foreign)) {
			md_logf(b->log, LOG_ERR, "cannot build %s: " STAGING_NAME " in its parent "
				"holds \"%s\", which the module never makes: refused (someone who "
				"can write the parent moved a directory there)", b->path, foreign);
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
	sg->top = openat(sg->sfd, sg->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sg->top >= 0 && fstat(sg->top, &sg->st) < 0) {
		r = sys_error(b, "cannot inspect the temporary directory for", NULL);
		close(sg->top);
		sg->top = -1; /* unstage() removes it by name: still empty */
		return r;
	}
	if (sg->top < 0 || fchmod(sg->top, 0700) < 0)
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
	    (empty_dir(sg->top, sg->st.st_dev, 0) < 0 || !same_entry(sg->sfd, sg->id, &sg->st) ||
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
		if (i > first) {
			fd = make_dir(b, cur, sp->comp[i], 0700, false, &r);
			if (fd < 0)
				break;
		}
		if (role == ROLE_HOME && skel >= 0)
			r = copy_skel(b, skel, fd, 0);
		if (r == MD_OK && i == sp->n - 1)
			r = populate_maildir(b, fd);
		/* The top is handed over last, just before it appears. */
		if (r == MD_OK && i > first)
			r = finish_dir(b, fd, role);
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
 * put at the name (EEXIST, "lost": the walk judges what is there).  Where
 * the filesystem has no RENAME_NOREPLACE (GlusterFS's FUSE client answers
 * EINVAL) the plain rename is the only one there is, and such an empty
 * directory is replaced as before.
 */
static int place(int sfd, const char *id, int pfd, const char *name)
{
	int rc = renameat2(sfd, id, pfd, name, RENAME_NOREPLACE);

	if (rc < 0 && (errno == EINVAL || errno == ENOSYS))
		rc = renameat(sfd, id, pfd, name);
	return rc;
}

/*
 * Builds components sp->comp[first..] in pfd's staging directory and renames
 * the top into place.  Returns MD_OK, an error, or (via *lost) the news that
 * the tree did not end up in place as built (a concurrent login was first,
 * or it was taken away): walk again.
 */
static enum md_result build_tree(const struct build *shared, int pfd, const struct path *sp,
				 size_t first, ssize_t home_idx, bool *lost)
{
	struct build priv = *shared;
	struct staged sg = { .sfd = -1, .lock = -1, .top = -1 };
	enum md_result r;

	*lost = false;
	priv.private = true;
	r = stage(&priv, pfd, &sg);
	if (r == MD_OK)
		r = fill(&priv, sg.top, sp, first, home_idx);
	if (r == MD_OK)
		r = finish_dir(&priv, sg.top, role_of(first, home_idx));
	if (r == MD_OK && place(sg.sfd, sg.id, pfd, sp->comp[first]) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY || errno == ENOENT) {
			md_logf(priv.log, LOG_DEBUG, "maildir %s: rename into place: %s",
				priv.path, strerror(errno));
			*lost = true;
		} else {
			r = sys_error(&priv, "cannot rename the new tree into place for", NULL);
		}
	} else if (r == MD_OK) {
		sg.placed = true;
		/* Once in place, the owner may already have swapped it. */
		*lost = !same_entry(pfd, sp->comp[first], &sg.st);
	} else if (sg.top >= 0 && !same_entry(sg.sfd, sg.id, &sg.st)) {
		/* Taken away under us (a cleanup on a host that does not share
		 * our lock thought it stale): not an error, another attempt. */
		*lost = true;
		r = MD_OK;
	}
	unstage(&priv, pfd, &sg);
	return r;
}

/* ------------------------------------------------------------------ */
/* Checking and repairing an existing maildir                          */

/* False with errno ENOENT only when the entry does not exist. */
static bool is_owned_dir(const struct build *b, int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	errno = EEXIST;
	return S_ISDIR(st.st_mode) && st.st_uid == b->a->uid;
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
		snprintf(dir + len, 16, "/%s", maildir_subdirs[i]);
		if (is_owned_dir(b, mdfd, dir))
			continue;
		dir[len] = '\0';
		/* A folder the user deleted is not created again. */
		return i == 0 && errno == ENOENT &&
		       fstatat(mdfd, dir, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
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

	if (!become_fs(&saved, b->a->uid, b->a->gid)) {
		md_logf(b->log, LOG_ERR, "maildir %s: cannot take the filesystem ids of uid %lu "
			"(no CAP_SETUID/CAP_SETGID?): not repaired", b->path,
			(unsigned long)b->a->uid);
		return MD_ERR_SYSTEM;
	}
	r = repair_as_owner(b, mdfd);
	restore_fs(&saved);
	return r;
}

static void report_missing(const struct build *b, int mdfd)
{
	const char *list = b->o->folders;
	char buf[FOLDER_BUF + 16], *dir;
	size_t i;

	for (i = 0; i < 3; i++)
		if (!is_owned_dir(b, mdfd, maildir_subdirs[i]))
			md_logf(b->log, LOG_ERR, "%s/%s is missing or not the owner's directory",
				b->path, maildir_subdirs[i]);
	if (has_content(b->o) && !is_populated(mdfd)) {
		md_logf(b->log, LOG_ERR, "%s has not been populated (no %s): its folders, "
			"subscriptions and quota file are missing", b->path, POPULATED_NAME);
		return;
	}
	while ((dir = next_folder(b->o, &list, buf)) != NULL) {
		char name[FOLDER_BUF];
		snprintf(name, sizeof name, "%s", dir);
		if (!folder_ok(b, mdfd, dir))
			md_logf(b->log, LOG_ERR, "folder %s/%s is incomplete", b->path, name);
	}
}

/* ------------------------------------------------------------------ */
/* The creator program                                                 */

/* Only root may be able to change the program or any directory above it. */
static bool creator_trusted(const struct build *b, const char *path)
{
	struct stat st;
	int fd = open_trusted(path, "creator", O_PATH, &st, b->log);

	if (fd < 0)
		return false;
	close(fd);
	if (st.st_uid != 0 || (st.st_mode & 0111) == 0) {
		md_logf(b->log, LOG_ERR, "creator %s is not a program owned by root: refused",
			path);
		return false;
	}
	return true;
}

struct child_env {
	char *vars[16];
	char store[8192];
	size_t used, n;
};

static void env_add(struct child_env *e, const char *name, const char *value)
{
	int len;

	if (value == NULL || has_control(value) || e->n + 1 >= 16)
		return;
	len = snprintf(e->store + e->used, sizeof e->store - e->used, "%s=%s", name, value);
	if (len < 0 || (size_t)len >= sizeof e->store - e->used)
		return;
	e->vars[e->n++] = e->store + e->used;
	e->used += (size_t)len + 1;
	e->vars[e->n] = NULL;
}

/* What the creator's processes need, prepared before the clone. */
struct spawn {
	const char *prog;
	char *const *argv;
	char *const *envp;
	int out;          /* write end for the creator's stdout and stderr */
	int status;       /* write end for the supervisor's report */
	const gid_t *groups;
	int ngroups;
	uid_t uid;
	gid_t gid;
	bool drop;
	long long deadline; /* CLOCK_MONOTONIC ms: the supervisor ends it all */
};

/* What the supervisor reports instead of a wait status when the creator
 * ran out of time, or was not started because its descendants could not be
 * found afterwards (no wait status is negative). */
#define CREATOR_TIMED_OUT (-1)
#define CREATOR_NO_PROC (-2)
/* How long after the deadline the host waits for the supervisor's report
 * before it kills the supervisor itself. */
#define SUPERVISOR_GRACE_MS 10000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * After the clone only raw system calls and async-signal-safe functions
 * are used: another thread of the host may have held a lock (malloc's,
 * NSS's) at the moment of the clone.
 */
static pid_t raw_clone(unsigned long flags)
{
	return (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
}

/*
 * s->out is above 2 (see above_stdio), so each dup2 below really copies and
 * clears FD_CLOEXEC, whatever the host left on 0-2; /dev/null is opened
 * without O_CLOEXEC, so it is right even where it lands on 0 itself.
 */
static void __attribute__((noreturn)) creator_exec(const struct spawn *s)
{
	int devnull = open("/dev/null", O_RDONLY);
	sigset_t none;

	sigemptyset(&none);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(s->out, 1) < 0 ||
	    dup2(s->out, 2) < 0 || sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		_exit(126);
	syscall(SYS_close_range, 3U, ~0U, 0U);
	if (s->drop && (syscall(SYS_setgroups, s->ngroups, s->groups) < 0 ||
			syscall(SYS_setresgid, s->gid, s->gid, s->gid) < 0 ||
			syscall(SYS_setresuid, s->uid, s->uid, s->uid) < 0))
		_exit(126);
	umask(077);
	if (chdir("/") < 0)
		_exit(126);
	execve(s->prog, s->argv, s->envp);
	_exit(127);
}

/*
 * The clone copied every descriptor of every thread of the host (client
 * sockets, other logins' pipes and locks): keep only the two pipes, so
 * that nothing of the host stays open for as long as the creator runs.
 */
static void close_all_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	syscall(SYS_close_range, 3U, (unsigned)lo - 1, 0U);
	syscall(SYS_close_range, (unsigned)lo + 1, (unsigned)hi - 1, 0U);
	syscall(SYS_close_range, (unsigned)hi + 1, ~0U, 0U);
}

/*
 * Kills every process below the supervisor (a child subreaper): the
 * children listed in /proc, then whatever their death orphans onto us,
 * until none is left.  Only system calls: no allocation after a clone.
 */
/* /proc/self/task/TID/children of the calling thread. */
static void children_path(char *path, size_t len)
{
	snprintf(path, len, "/proc/self/task/%ld/children", (long)syscall(SYS_gettid));
}

/*
 * SIGKILLs every child listed in the children file, read to its end: a pid
 * cut at a read boundary is carried over, never taken for a shorter one.
 * False when the file cannot be read.
 */
static bool kill_listed_children(const char *path)
{
	char buf[4096];
	long pid = 0;
	ssize_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while ((len = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < len; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = pid * 10 + (buf[i] - '0');
				continue;
			}
			if (pid > 0)
				kill((pid_t)pid, SIGKILL);
			pid = 0;
		}
	}
	close(fd);
	if (len < 0)
		return false;
	if (pid > 0)
		kill((pid_t)pid, SIGKILL);
	return true;
}

static void kill_descendants(void)
{
	char path[64];
	int round;

	children_path(path, sizeof path);
	/* Bounded: never keep the login waiting for something unkillable. */
	for (round = 0; round < 2000; round++) {
		struct timespec ms = { 0, 1000000 };
		pid_t w;
		if (!kill_listed_children(path))
			return;
		while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (w < 0 && errno == ECHILD)
			return;
		nanosleep(&ms, NULL);
	}
}

/*
 * Waits for the creator until the deadline; SIGCHLD is blocked, so it stays
 * pending for sigtimedwait (the creator's, or an orphan's that died).
 * Returns the wait status or CREATOR_TIMED_OUT.
 */
static int wait_creator(pid_t pid, long long deadline, const sigset_t *chld)
{
	int status = 126 << 8;

	for (;;) {
		long long left;
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			return status;
		left = deadline - now_ms();
		if (left <= 0)
			return CREATOR_TIMED_OUT;
		struct timespec ts = { (time_t)(left / 1000), (long)(left % 1000) * 1000000L };
		sigtimedwait(chld, NULL, &ts);
	}
}

/*
 * The supervisor, a child of the host with no exit signal: it starts the
 * creator in a session of its own, waits for it until the deadline with
 * default signal dispositions (whatever the host did to SIGCHLD), and takes
 * down every process below it -- the creator on a timeout, and whatever
 * escaped into a session of its own -- then reports through a pipe and
 * ends its session, itself last.
 */
static void __attribute__((noreturn)) creator_supervisor(const struct spawn *s)
{
	/* The kernel's own sigaction: glibc refuses to touch the two signals it
	 * keeps for itself, and an ignored one would survive the execve. */
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		unsigned long mask;
	} dfl = { SIG_DFL, 0, NULL, 0 };
	sigset_t chld;
	char path[64];
	int sig, status = 126 << 8;
	pid_t pid;

	children_path(path, sizeof path);
	for (sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_SETMASK, &chld, NULL);
	close_all_but(s->out, s->status);
	setsid();
	/* Orphans of the creator, even those in a session of their own, become
	 * our children, so that none of them outlives the login. */
	prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
	/* Without a children file (no /proc, or a kernel without it) a process
	 * that left the session could not be found again: start nothing. */
	if (!kill_listed_children(path)) {
		status = CREATOR_NO_PROC;
		if (write(s->status, &status, sizeof status) < 0)
			_exit(1);
		_exit(0);
	}
	pid = raw_clone(SIGCHLD);
	if (pid == 0)
		creator_exec(s);
	close(s->out);
	if (pid > 0)
		status = wait_creator(pid, s->deadline, &chld);
	/* On a timeout nothing may outlive the report: the host returns at once. */
	if (status == CREATOR_TIMED_OUT)
		kill_descendants();
	if (write(s->status, &status, sizeof status) < 0)
		_exit(1);
	kill_descendants();
	kill(0, SIGKILL);
	_exit(0);
}

/* What the creator printed, on its way to the log line by line. */
struct output {
	char buf[1024];
	size_t len;
	unsigned lines;
	bool skipping;  /* the rest of an overlong line, already logged */
};

static void log_line(const struct build *b, struct output *out, const char *line)
{
	char pbuf[512];

	if (*line == '\0')
		return;
	if (out->lines < MAX_CREATOR_LINES)
		md_logf(b->log, LOG_NOTICE, "creator: %s", printable(line, pbuf, sizeof pbuf));
	else if (out->lines == MAX_CREATOR_LINES)
		md_logf(b->log, LOG_NOTICE, "creator: further output not logged");
	out->lines++;
}

/* Logs every complete line; with flush, the unfinished one as well. */
static void log_output(const struct build *b, struct output *out, bool flush)
{
	char *start = out->buf, *end = out->buf + out->len, *nl;

	while ((nl = memchr(start, '\n', (size_t)(end - start))) != NULL) {
		*nl = '\0';
		if (!out->skipping)
			log_line(b, out, start);
		out->skipping = false;
		start = nl + 1;
	}
	out->len = (size_t)(end - start);
	memmove(out->buf, start, out->len);
	if (out->len == sizeof out->buf - 1 || (flush && out->len > 0)) {
		/* A line longer than the buffer is logged cut, the rest skipped. */
		out->buf[out->len] = '\0';
		if (!out->skipping)
			log_line(b, out, out->buf);
		out->skipping = !flush;
		out->len = 0;
	}
}

/* Reads what is there; false at end of file or on an error. */
static bool read_output(const struct build *b, int fd, struct output *out)
{
	ssize_t got = read(fd, out->buf + out->len, sizeof out->buf - 1 - out->len);

	if (got < 0 && errno == EINTR)
		return true;
	if (got <= 0)
		return false;
	out->len += (size_t)got;
	log_output(b, out, false);
	return true;
}

/* The owner's supplementary groups, read before the clone (NSS may lock). */
static gid_t *owner_groups(const struct md_account *a, int *n)
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

/*
 * A host that closed 0, 1 or 2 gets its pipes there: both ends move above
 * 2, so that the creator's stdin, stdout and stderr are always set by a
 * real dup2 and the supervisor's close_all_but never closes a pipe.
 */
static bool above_stdio(int p[2])
{
	for (int i = 0; i < 2; i++) {
		int fd;
		if (p[i] > 2)
			continue;
		if ((fd = fcntl(p[i], F_DUPFD_CLOEXEC, 3)) < 0)
			return false;
		close(p[i]);
		p[i] = fd;
	}
	return true;
}

/*
 * Runs the creator and waits for it alone.  The supervisor is cloned with
 * no exit signal, so the host's SIGCHLD handler never hears of it and the
 * host's waitpid(-1) cannot reap it; the creator's status arrives through a
 * pipe, so even a host that ignores SIGCHLD (auto-reaping) loses nothing.
 */
static enum md_result supervise_creator(const struct build *b, const struct md_context *ctx,
				       const gid_t *groups, int ngroups, bool drop)
{
	const struct md_options *o = b->o;
	const struct md_account *a = b->a;
	char uidbuf[24], gidbuf[24];
	struct output out = { .len = 0 };
	char *argv[4] = { (char *)o->creator, (char *)a->user, (char *)b->path, NULL };
	int outp[2], statp[2] = { -1, -1 }, status = 0;
	long long deadline = now_ms() + (long long)o->timeout * 1000;
	struct child_env env = { .n = 0 };
	struct spawn sp;
	size_t slen = 0;
	bool timed_out = false;
	pid_t pid;

	snprintf(uidbuf, sizeof uidbuf, "%lu", (unsigned long)a->uid);
	snprintf(gidbuf, sizeof gidbuf, "%lu", (unsigned long)a->gid);
	env_add(&env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	env_add(&env, "PAM_USER", a->user);
	env_add(&env, "AUTHENTICATED", a->user);
	env_add(&env, "PAM_SERVICE", ctx != NULL ? ctx->service : NULL);
	env_add(&env, "PAM_RHOST", ctx != NULL ? ctx->rhost : NULL);
	env_add(&env, "PAM_TYPE", ctx != NULL ? ctx->type : NULL);
	env_add(&env, "UID", uidbuf);
	env_add(&env, "GID", gidbuf);
	env_add(&env, "HOME", a->home);
	env_add(&env, "MAILDIR", b->path);
	env_add(&env, "USER", a->owner);
	env_add(&env, "LOGNAME", a->owner);

	if (pipe2(outp, O_CLOEXEC) < 0)
		return sys_error(b, "creator: cannot make a pipe for", NULL);
	if (pipe2(statp, O_CLOEXEC) < 0 || !above_stdio(outp) || !above_stdio(statp)) {
		int e = errno;
		close(outp[0]);
		close(outp[1]);
		if (statp[0] >= 0) {
			close(statp[0]);
			close(statp[1]);
		}
		errno = e;
		return sys_error(b, "creator: cannot make a pipe for", NULL);
	}
	sp = (struct spawn){ o->creator, argv, env.vars, outp[1], statp[1], groups,
			     ngroups, a->uid, a->gid, drop, deadline };
	pid = raw_clone(0);
	if (pid == 0)
		creator_supervisor(&sp);
	close(outp[1]);
	close(statp[1]);
	if (pid < 0) {
		close(outp[0]);
		close(statp[0]);
		return sys_error(b, "creator: cannot start it for", NULL);
	}
	md_logf(b->log, LOG_DEBUG, "creator %s started for %s", o->creator, a->user);

	while (slen < sizeof status) {
		struct pollfd p[2] = { { outp[0], POLLIN, 0 }, { statp[0], POLLIN, 0 } };
		long long left = deadline + SUPERVISOR_GRACE_MS - now_ms();
		ssize_t got;
		if (left <= 0) {
			/* The supervisor should have ended it all long ago. */
			timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL); /* in case it had not reached setsid() yet */
			break;
		}
		if (poll(p, 2, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents != 0 && !read_output(b, outp[0], &out)) {
			/* EOF: a negative fd is skipped by poll */
			close(outp[0]);
			outp[0] = -1;
		}
		if (p[1].revents != 0) {
			got = read(statp[0], (char *)&status + slen, sizeof status - slen);
			if (got <= 0 && !(got < 0 && errno == EINTR))
				break; /* the supervisor died without a word */
			slen += got > 0 ? (size_t)got : 0;
		}
	}
	/* What is already written; a grandchild may still be writing. */
	if (outp[0] >= 0 && fcntl(outp[0], F_SETFL, O_NONBLOCK) == 0) {
		int budget = 64;
		while (budget-- > 0 && read_output(b, outp[0], &out))
			;
	}
	log_output(b, &out, true);
	if (outp[0] >= 0)
		close(outp[0]);
	close(statp[0]);
	/* The supervisor ends itself (or was killed above); reap it unless the
	 * kernel already did because the host ignores SIGCHLD. */
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;

	if (timed_out || (slen == sizeof status && status == CREATOR_TIMED_OUT)) {
		md_logf(b->log, LOG_ERR, "creator %s for %s killed after %u s timeout%s",
			o->creator, a->user, o->timeout, timed_out ?
			" (its supervisor did not answer)" : ", with all its processes");
		return MD_ERR_SYSTEM;
	}
	if (slen == sizeof status && status == CREATOR_NO_PROC) {
		md_logf(b->log, LOG_ERR, "creator %s for %s not started: /proc/self/task/*/children "
			"cannot be read, so processes it leaves behind could not be found "
			"(mount /proc)", o->creator, a->user);
		return MD_ERR_SYSTEM;
	}
	if (slen < sizeof status) {
		md_logf(b->log, LOG_ERR, "creator %s for %s: its supervisor died", o->creator,
			a->user);
		return MD_ERR_SYSTEM;
	}
	if (WIFSIGNALED(status)) {
		md_logf(b->log, LOG_ERR, "creator %s for %s killed by signal %d", o->creator,
			a->user, WTERMSIG(status));
		return MD_ERR_SYSTEM;
	}
	if (WEXITSTATUS(status) != 0) {
		md_logf(b->log, LOG_ERR, "creator %s for %s failed with exit status %d%s",
			o->creator, a->user, WEXITSTATUS(status),
			WEXITSTATUS(status) == 127 ? " (could not be executed)" :
			WEXITSTATUS(status) == 126 ? " (could not be started as the owner)" : "");
		return MD_ERR_SYSTEM;
	}
	return MD_OK;
}

static enum md_result run_creator(const struct build *b, const struct md_context *ctx)
{
	bool drop = geteuid() == 0 && !b->o->creator_root;
	gid_t *groups = NULL;
	int ngroups = 0;
	enum md_result r;

	if (!creator_trusted(b, b->o->creator))
		return MD_ERR_CONFIG;
	if (drop && (groups = owner_groups(b->a, &ngroups)) == NULL) {
		md_logf(b->log, LOG_ERR, "creator: cannot list the groups of %s", b->a->owner);
		return MD_ERR_SYSTEM;
	}
	r = supervise_creator(b, ctx, groups, ngroups, drop);
	free(groups);
	return r;
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

#define WALK_AGAIN (-2)

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
static void tidy_staging(const struct build *b, struct parent *up)
{
	struct staged sg = { .sfd = -1, .lock = -1, .top = -1 };
	char foreign[NAME_MAX + 1];
	struct stat st, pst;

	if (up->fd < 0 || fstatat(up->fd, STAGING_NAME, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode) || st.st_uid != staging_owner() || (st.st_mode & 07077) != 0 ||
	    (st.st_nlink <= 2 && up->known && renames_in(&up->st)))
		return;
	sg.sfd = openat(up->fd, STAGING_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sg.sfd < 0)
		return;
	if (fstat(sg.sfd, &sg.sst) < 0 || fstat(up->fd, &pst) < 0 || !staging_ok(&sg.sst, &pst)) {
		close(sg.sfd);
		return;
	}
	md_logf(b->log, LOG_DEBUG, "maildir %s: tidying the staging directory beside it", b->path);
	if (sweep(b, sg.sfd, &sg.sst, !b->o->no_sweep, foreign, sizeof foreign))
		drop_staging(b, up->fd, &sg);
	else
		md_logf(b->log, LOG_WARNING, "the staging directory " STAGING_NAME " beside %s "
			"holds \"%s\", which the module never makes: left alone", b->path, foreign);
	close(sg.sfd);
}

/*
 * Opens the deepest existing directory of sp from "/".  *missing is the index
 * of the first missing component (sp->n when everything exists, and then
 * the fd is the maildir itself).
 */
static int walk(const struct build *b, const struct path *sp, size_t *missing,
		struct parent *up, enum md_result *r)
{
	struct stat st = { 0 };
	size_t i;
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	up->fd = -1;
	up->known = false;

	if (fd < 0) {
		*r = sys_error(b, "cannot open / for", NULL);
		return -1;
	}
	for (i = 0; i < sp->n; i++) {
		/* O_PATH: only search permission is needed on the way, which
		 * matters when authmkhome walks as the user. */
		int next = openat(fd, sp->comp[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			int e = errno;
			struct stat lst;
			if (e == ENOENT)
				break;
			if (e == ESTALE)
				goto changed;
			/* O_DIRECTORY wins over O_NOFOLLOW: tell a symlink apart. */
			if (e == ENOTDIR && fstatat(fd, sp->comp[i], &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(lst.st_mode))
				e = ELOOP;
			close(fd);
			close_parent(up);
			*r = e == ELOOP || e == ENOTDIR ? MD_ERR_REFUSED : MD_ERR_SYSTEM;
			md_logf(b->log, LOG_ERR, "%s: component \"%s\" %s", b->path, sp->comp[i],
				e == ELOOP ? "is a symlink: refused" :
				e == ENOTDIR ? "is not a directory: refused" : strerror(e));
			return -1;
		}
		/* The maildir's parent is kept for a look at its staging name. */
		if (i == sp->n - 1) {
			up->fd = fd;
			up->st = st;
			up->known = i > 0;
		} else {
			close(fd);
		}
		fd = next;
		if (fstat(fd, &st) < 0) {
			if (errno == ESTALE)
				goto changed;
			close(fd);
			close_parent(up);
			*r = sys_error(b, "cannot inspect", NULL);
			return -1;
		}
		/* On the way, root's or the owner's; the maildir itself, the owner's. */
		if ((st.st_uid != 0 || i == sp->n - 1) && st.st_uid != b->a->uid) {
			md_logf(b->log, LOG_ERR, "%s: \"%s\" is owned by uid %lu, not by root or "
				"uid %lu: refused", b->path, sp->comp[i],
				(unsigned long)st.st_uid, (unsigned long)b->a->uid);
			close(fd);
			close_parent(up);
			*r = MD_ERR_REFUSED;
			return -1;
		}
	}
	*missing = i;
	if (i < sp->n)
		close_parent(up);
	return fd;
changed:
	/* A network filesystem (GlusterFS, NFS) saw the tree replaced under
	 * us, typically by another frontend's rename: walk again. */
	close(fd);
	close_parent(up);
	md_logf(b->log, LOG_DEBUG, "%s changed during the walk (ESTALE): again", b->path);
	*r = MD_OK;
	return WALK_AGAIN;
}

static enum md_result create_missing(const struct build *b, int fd, const struct path *sp,
				     size_t missing, const struct md_context *ctx,
				     bool *lost)
{
	ssize_t home_idx = home_index(b->a, sp);
	enum md_result r;

	*lost = false;
	if (b->a->home != NULL && strcmp(b->a->home, "/") == 0) {
		md_logf(b->log, LOG_ERR, "cannot create %s: the home of %s is /: refused",
			b->path, b->a->user);
		return MD_ERR_REFUSED;
	}
	/* Directories above a home are root's (0755), as /home is. */
	if (home_idx > 0 && (ssize_t)missing < home_idx && geteuid() != 0) {
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
	if (b->o->creator != NULL) {
		if ((r = run_creator(b, ctx)) != MD_OK)
			return r;
		*lost = true; /* walk again: verify what the creator made */
		return MD_OK;
	}
	r = build_tree(b, fd, sp, missing, home_idx, lost);
	if (r == MD_OK && !*lost)
		md_logf(b->log, LOG_NOTICE, "created maildir %s for %s (uid %lu)", b->path,
			b->a->user, (unsigned long)b->a->uid);
	return r;
}

enum md_result md_ensure(const struct md_options *o, const struct md_account *a,
			 const char *path, const struct md_context *ctx,
			 bool check_only, const struct md_log *log)
{
	struct build b = { o, a, log, path, geteuid() == 0 || a->gid != getegid(), false };
	enum md_result r = MD_OK;
	struct path sp;
	const char *why;
	bool creator_ran = false;
	int attempt;

	if (!split_path(path, &sp, &why)) {
		md_logf(log, LOG_ERR, "maildir %s %s: refused", path, why);
		return MD_ERR_REFUSED;
	}
	if (geteuid() != 0 && geteuid() != a->uid) {
		md_logf(log, LOG_ERR, "maildir %s: running as uid %lu cannot create for uid %lu",
			path, (unsigned long)geteuid(), (unsigned long)a->uid);
		return MD_ERR_SYSTEM;
	}
	for (attempt = 0; attempt < BUILD_ATTEMPTS; attempt++) {
		struct parent up = { .fd = -1 };
		size_t missing;
		bool lost;
		int fd = walk(&b, &sp, &missing, &up, &r);

		if (fd == WALK_AGAIN)
			continue;
		if (fd < 0)
			return r;
		if (missing == sp.n) {
			if (!looks_complete(&b, fd))
				r = check_only ? MD_MISSING : creator_ran ? MD_ERR_SYSTEM :
				    repair(&b, fd);
			if (r != MD_OK && (check_only || creator_ran))
				report_missing(&b, fd);
			if (r == MD_OK && !check_only)
				tidy_staging(&b, &up);
			close_parent(&up);
			close(fd);
			if (r == MD_OK && creator_ran)
				md_logf(log, LOG_NOTICE, "created maildir %s for %s (uid %lu) with creator %s",
					path, a->user, (unsigned long)a->uid, o->creator);
			return r;
		}
		if (check_only || creator_ran) {
			md_logf(log, LOG_ERR, "maildir %s %s", path, creator_ran ?
				"is still missing after the creator exited 0" : "is missing");
			close(fd);
			return check_only ? MD_MISSING : MD_ERR_SYSTEM;
		}
		r = create_missing(&b, fd, &sp, missing, ctx, &lost);
		creator_ran = o->creator != NULL;
		close(fd);
		/* A tree of ours that was renamed into place whole was complete
		 * and private until then: only a lost race or a creator's work
		 * needs another look. */
		if (r != MD_OK || (!lost && !creator_ran))
			return r;
		md_logf(log, LOG_DEBUG, "maildir %s: verifying after %s", path,
			creator_ran ? "the creator" : "a concurrent creation");
	}
	md_logf(log, LOG_ERR, "maildir %s: gave up after %d concurrent attempts", path,
		BUILD_ATTEMPTS);
	return MD_ERR_SYSTEM;
}
