// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * trust.c - untrusted text, and the trusted walk to root-owned files.
 */
#define _GNU_SOURCE
#include "core.h"

#include <linux/openat2.h>
#include <sys/syscall.h>

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
	/* As in mkmaildir.c's err_line: clang-analyzer 14 loses ap through the
	 * fortified vsnprintf. */
	vsnprintf(raw, sizeof raw, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
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

const char *md_escape(const char *in, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, left = strlen(in);

	while (*s != '\0') {
		uint32_t cp = 0;
		size_t n = utf8_char(s, left, &cp);
		bool safe = n > 1 ? !unsafe_cp(cp) : n == 1 && cp >= 0x20 && cp != 0x7f;
		size_t need = safe ? n : 4;
		if (o + need + 4 > outlen)
			break;
		if (safe)
			memcpy(out + o, s, n);
		else
			snprintf(out + o, 5, "\\x%02x", *s);
		o += need;
		left -= safe ? n : 1;
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
const char *printable(const char *s, char *buf, size_t len)
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

static bool valid_utf8(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t left = strlen(s), n;
	uint32_t cp;

	for (; left > 0; u += n, left -= n)
		if ((n = utf8_char(u, left, &cp)) == 0)
			return false;
	return true;
}

/* C0, DEL, and (in valid UTF-8) the C1 controls and the other unsafe code
 * points: nothing a path, a name or a creator's environment may carry. */
bool has_control(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t left = strlen(s), n;
	uint32_t cp = 0;

	for (; left > 0; u += n ? n : 1, left -= n ? n : 1) {
		n = utf8_char(u, left, &cp);
		if ((n == 1 && (cp < 0x20 || cp == 0x7f)) || (n > 1 && unsafe_cp(cp)))
			return true;
	}
	return false;
}

bool md_valid_text(const char *s)
{
	return !has_control(s) && valid_utf8(s);
}

/*
 * A value that becomes (part of) one path component: a user name, a domain,
 * an owner name.  Why it is refused goes to *why.
 */
bool valid_name(const char *s, const char **why)
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
	else if (!valid_utf8(s))
		*why = "is not valid UTF-8";
	else if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		*why = "is '.' or '..'";
	else if (s[0] == '-')
		/* creators and scripts would take it for an option */
		*why = "starts with '-'";
	else if (strncmp(s, TMP_PREFIX, sizeof TMP_PREFIX - 1) == 0)
		/* the form of the module's temporary names */
		*why = "starts with '" TMP_PREFIX "'";
	return *why == NULL;
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */

/* Splits an absolute path; "." and ".." are refused, "//" is one "/". */
bool split_path(const char *p, struct path *sp, const char **why)
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

/* Owned by root (or by euid, for authmkhome as the user). */
bool trusted_owner(const struct stat *st, uid_t euid)
{
	return st->st_uid == 0 || st->st_uid == euid;
}

/* Nobody else may write it; a sticky directory (/tmp) keeps root's entries
 * root's. */
static bool only_owner_writes(const struct stat *st)
{
	return (st->st_mode & 022) == 0 || (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX));
}

static bool right_type(const struct stat *st, bool want_dir)
{
	return want_dir ? S_ISDIR(st->st_mode) : S_ISREG(st->st_mode);
}

/* Owner, writers and type of one object on a trusted path. */
static bool trusted_object(const struct stat *st, uid_t euid, bool want_dir)
{
	return trusted_owner(st, euid) && only_owner_writes(st) && right_type(st, want_dir);
}

/*
 * The same checks as the walk below in fewer calls: top down, fstatat
 * without following a symlink of "/", then each directory, then the last
 * component, and only then one openat2 of the whole path that follows no
 * symlink, and fstat of what it opened.  Race-free against everyone but
 * the trusted owners themselves: a directory found root's (or euid's) and
 * writable by nobody else can afterwards be changed only by its owner (a
 * sticky one keeps its owner's entries), so once "/" passed, the entry the
 * next fstatat looks at can no longer be swapped by anyone else, and so on
 * down.  Unlike the walk, which holds each directory it checked, it does
 * not survive such an owner swapping two of its own directories between
 * the checks and the open: root, or the caller of authmkhome in its own
 * directories, who gains nothing by it.  The last stat
 * finds a regular file (or a directory) before anything is opened, as the
 * walk does, and RESOLVE_NO_SYMLINKS makes the open fail rather than follow
 * a symlink.  False (nothing open) whenever it does not end in an open fd
 * that passed every check: openat2 missing (ENOSYS) or filtered (EPERM),
 * an O_PATH open (openat2 refuses its other flags), or anything refused;
 * the caller then walks, which decides and says why.
 */
static bool open_trusted_fast(const struct path *sp, bool want_dir, int final_flags,
			      uid_t euid, struct stat *st, int *fd)
{
	struct open_how how = { .flags = (uint64_t)(final_flags | O_NOFOLLOW | O_CLOEXEC |
						    O_NONBLOCK | O_NOCTTY),
				.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	char p[sizeof sp->buf + 1] = "/";
	size_t i, len = 1;

	if (final_flags & O_PATH)
		return false;
	for (i = 0; i <= sp->n; i++) {
		if (fstatat(AT_FDCWD, p, st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !trusted_object(st, euid, i < sp->n || want_dir))
			return false;
		if (i < sp->n)
			len += (size_t)snprintf(p + len, sizeof p - len, "%s%s",
						i > 0 ? "/" : "", sp->comp[i]);
	}
	*fd = (int)syscall(SYS_openat2, AT_FDCWD, p, &how, sizeof how);
	if (*fd < 0)
		return false;
	if (fstat(*fd, st) == 0 && trusted_object(st, euid, want_dir))
		return true;
	close(*fd);
	return false;
}

/*
 * Walks path from "/" through directories that are root's and writable by
 * nobody else (no symlink anywhere), then looks at the last component with
 * fstatat before opening it: only a regular file (want_dir false) or a
 * directory (want_dir true) is ever opened, so a device, a FIFO or a socket
 * named by the administrator is refused without being touched.  The opened
 * object is checked again with fstat.  final_flags open the last component
 * (O_PATH to only look); the fd goes to *fd, its stat to *st.  What is not
 * TRUST_OK is logged.
 */
enum trust_result open_trusted_as(const char *path, const char *what, bool want_dir,
				  int final_flags, uid_t euid, struct stat *st, int *fd,
				  const struct md_log *log)
{
	struct path sp;
	const char *why;
	size_t i;
	int cur, next;

	if (!split_path(path, &sp, &why)) {
		md_logf(log, LOG_ERR, "%s %s %s", what, path, why);
		return TRUST_REFUSED;
	}
	if (open_trusted_fast(&sp, want_dir, final_flags, euid, st, fd))
		return TRUST_OK;
	cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (i = 0; cur >= 0; i++) {
		bool last = i + 1 == sp.n;
		if (fstat(cur, st) < 0) {
			md_logf(log, LOG_ERR, "%s cannot look at %s: %s", what, path, strerror(errno));
			close(cur);
			return TRUST_SYSERR;
		}
		if (!trusted_owner(st, euid) || !only_owner_writes(st)) {
			md_logf(log, LOG_ERR, "%s %s: %s is not owned by root or is writable by "
				"others: refused", what, path, i == 0 ? "/" : sp.comp[i - 1]);
			close(cur);
			return TRUST_REFUSED;
		}
		if (i == sp.n) {
			if (right_type(st, want_dir)) {
				*fd = cur;
				return TRUST_OK;
			}
			md_logf(log, LOG_ERR, "%s %s changed while it was opened: refused", what,
				path);
			close(cur);
			return TRUST_REFUSED;
		}
		if (last && fstatat(cur, sp.comp[i], st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !right_type(st, want_dir)) {
			md_logf(log, LOG_ERR, "%s %s is %s: refused", what, path,
				S_ISLNK(st->st_mode) ? "a symlink" : want_dir ?
				"not a directory" : "not a regular file");
			close(cur);
			return TRUST_REFUSED;
		}
		next = openat(cur, sp.comp[i], O_NOFOLLOW | O_CLOEXEC | (last ?
			      final_flags | O_NONBLOCK | O_NOCTTY : O_PATH | O_DIRECTORY));
		close(cur);
		cur = next;
	}
	if (errno == ELOOP || errno == ENOTDIR) {
		md_logf(log, LOG_ERR, "%s %s: a symlink or a file on its path: refused", what, path);
		return TRUST_REFUSED;
	}
	md_logf(log, LOG_ERR, "%s cannot open %s: %s", what, path, strerror(errno));
	return errno == ENOENT ? TRUST_REFUSED : TRUST_SYSERR;
}

enum trust_result open_trusted(const char *path, const char *what, int final_flags,
			       uid_t euid, struct stat *st, int *fd,
			       const struct md_log *log)
{
	return open_trusted_as(path, what, false, final_flags, euid, st, fd, log);
}
