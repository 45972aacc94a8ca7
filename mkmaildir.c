// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * mkmaildir.c - create, complete or check users' maildirs from the command
 * line, with the same code, options and configuration file as the PAM
 * module, so that a maildir made here is exactly the one a login would make.
 *
 *   mkmaildir [-c CONFIG] [-o OPTION]... [-n [-D | -S LOCATION]] [-j JOBS] [-q] [USER...]
 *
 * Without USER arguments the names are read from stdin, one a line.  Every
 * user gets one line on stdout, in input order:
 *
 *   USER: ok | created | completed | missing: WHY | unsafe: WHY | error: WHY
 *         | differs: module PATH, server PATH
 *
 * The core's log lines go to stderr.  See mkmaildir.8.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "maildir.h"

#define PROG "mkmaildir"
#define MAX_NAME 255          /* longest user name accepted (as the core) */
#define MAX_JOBS 256
#define MAX_OPTS 64
#define PROGRESS_MIN 100      /* users before a progress line is worth it */
#define PROGRESS_MS 200       /* between two progress updates */

/* Exit statuses, documented in mkmaildir.8. */
enum {
	EXIT_ALLOK = 0,   /* every maildir is (now) complete */
	EXIT_MISSING = 1, /* -n: at least one maildir is missing or incomplete */
	EXIT_FAILED = 2,  /* at least one user failed (error, unsafe, or -D/-S:
			   * the server's maildir differs) */
	EXIT_USAGE = 3,   /* bad usage or configuration, unreadable input,
			   * unwritable output */
};

enum status { ST_PENDING, ST_OK, ST_CREATED, ST_COMPLETED, ST_MISSING, ST_DIFFERS, ST_UNSAFE,
	      ST_ERROR };

static const char *const status_word[] = {
	[ST_PENDING] = "pending", [ST_OK] = "ok", [ST_CREATED] = "created",
	[ST_COMPLETED] = "completed", [ST_MISSING] = "missing", [ST_UNSAFE] = "unsafe",
	[ST_DIFFERS] = "differs", [ST_ERROR] = "error",
};

struct item {
	char *name;           /* as given (argv, or a copy of a stdin line) */
	const char *refused;  /* why the front end refused the name, or NULL */
	bool truncated;       /* the stdin line was longer than MAX_NAME */
	enum status st;
	char *reason;         /* for missing, unsafe and error */
	char *maildir;        /* -n: the path checked, for list_leftovers */
};

struct run {
	struct md_options o;
	struct item *items;
	size_t n;
	bool check_only;
	bool quiet;
	char *server;         /* -D, -S: the server's mail location, or NULL */
	atomic_size_t next;   /* next item a worker takes */

	pthread_mutex_t lock; /* everything below, stdout and stderr */
	size_t printed;       /* items before this one are on stdout */
	size_t done;
	size_t count[ST_ERROR + 1];
	bool progress;        /* stderr is a terminal and the list is long */
	size_t progress_len;  /* characters of the progress line on screen */
	long long progress_at;
	bool out_tty;
};

/* ------------------------------------------------------------------ */
/* Output                                                              */

/*
 * A user name as it appears in output: printable ASCII stays, everything
 * else and the two characters that could confuse a reader of the report
 * (backslash and colon) become \xNN.
 */
static const char *shown(const char *s, bool truncated, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s != '\0' && o + 8 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c >= 0x7f || c == '\\' || c == ':')
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	if ((*s != '\0' || truncated) && o + 4 <= len)
		memcpy(buf + o, "...", 4);
	return buf;
}

/* Log text on one line: control characters become '?'. */
static void one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Called with the lock held: removes the progress line from the screen. */
static void progress_clear(struct run *r)
{
	if (r->progress_len == 0)
		return;
	fprintf(stderr, "\r%*s\r", (int)r->progress_len, "");
	r->progress_len = 0;
}

/* Called with the lock held: draws the progress line. */
static void progress_draw(struct run *r)
{
	int len;

	if (r->out_tty)
		fflush(stdout);
	len = fprintf(stderr, "\r" PROG ": %zu/%zu users (%zu%%), %zu failed",
		      r->done, r->n, r->done * 100 / r->n,
		      r->count[ST_UNSAFE] + r->count[ST_ERROR]);
	r->progress_len = len > 1 ? (size_t)len - 1 : 0;
}

/* Called with the lock held: a new progress line, at most every PROGRESS_MS. */
static void progress_show(struct run *r, bool force)
{
	long long t;

	if (!r->progress)
		return;
	t = now_ms();
	if (!force && t - r->progress_at < PROGRESS_MS)
		return;
	r->progress_at = t;
	progress_draw(r);
}

/* One line on stderr, whole, between other threads' lines. */
static void err_line(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void err_line(struct run *r, const char *fmt, ...)
{
	char raw[2048], line[2048];
	va_list ap;
	int len;

	va_start(ap, fmt);
	/* ap is started on the line above; clang-analyzer 14 loses track of
	 * it through the fortified vsnprintf. */
	len = vsnprintf(raw, sizeof raw, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	if (len < 0)
		return;
	/* Whatever reached the line (a path from the command line, a byte of
	 * an option), nothing unsafe gets to the terminal. */
	md_escape(raw, line, sizeof line - 1);
	len = (int)strlen(line);
	line[len] = '\n';
	line[len + 1] = '\0';
	if (r != NULL) {
		/* The progress line stays below the log lines. */
		bool shown_before;
		pthread_mutex_lock(&r->lock);
		shown_before = r->progress_len > 0;
		progress_clear(r);
		if (r->out_tty)
			fflush(stdout);
		fputs(line, stderr);
		if (shown_before)
			progress_draw(r);
		pthread_mutex_unlock(&r->lock);
	} else {
		fputs(line, stderr);
	}
}

static const char *severity(int priority)
{
	if (priority <= LOG_ERR)
		return "error: ";
	if (priority == LOG_WARNING)
		return "warning: ";
	if (priority == LOG_DEBUG)
		return "debug: ";
	return "";
}

/* Log lines that belong to no user: options and the configuration file. */
static void global_log(void *arg, int priority, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	one_line(msg);
	err_line(arg, PROG ": %s%s", severity(priority), msg);
}

/* ------------------------------------------------------------------ */
/* The server's maildir (-D, -S)                                       */

/* The value of one variable of Dovecot's (2.3: %u, 2.4: %{user}); NULL
 * for one we do not know, so that the report says so instead of guessing. */
static const char *variable(const char *name, size_t n, const struct md_account *a,
			    bool home_known, const char **why)
{
	const char *at = strchr(a->user, '@');
	static _Thread_local char part[MAX_NAME + 1];

	if ((n == 1 && *name == 'u') || (n == 4 && memcmp(name, "user", 4) == 0))
		return a->user;
	if ((n == 1 && *name == 'n') || (n == 13 && memcmp(name, "user|username", 13) == 0)) {
		size_t k = at != NULL ? (size_t)(at - a->user) : strlen(a->user);
		snprintf(part, sizeof part, "%.*s", (int)k, a->user);
		return part;
	}
	if ((n == 1 && *name == 'd') || (n == 11 && memcmp(name, "user|domain", 11) == 0))
		return at != NULL ? at + 1 : "";
	if ((n == 1 && *name == 'h') || (n == 4 && memcmp(name, "home", 4) == 0)) {
		/* With owner= the account is the owner's: the server's home
		 * comes from its userdb, which we do not read. */
		if (!home_known)
			*why = "the server's home comes from its userdb (owner= is set): "
			       "give the location without ~ or home with -S";
		return home_known ? a->home : NULL;
	}
	return NULL;
}

/* One %X or %{...} at *p; advances *p.  The spaces 2.4 allows around
 * the | are dropped. */
static const char *expand_one(const char **p, const struct md_account *a, bool home_known,
			      const char **why)
{
	char name[64];
	size_t n = 0;
	const char *from = *p, *s = *p + 1, *v;

	if (*s == '{') {
		for (s++; *s != '\0' && *s != '}'; s++)
			if (*s != ' ' && n < sizeof name - 1)
				name[n++] = *s;
		if (*s == '\0')
			return *why = "an unclosed %{ in the server's mail location", NULL;
		s++;
	} else if (*s != '\0') {
		name[n++] = *s++;
	}
	name[n] = '\0';
	*p = s;
	if (n == 1 && name[0] == '%')
		return "%";
	v = variable(name, n, a, home_known, why);
	if (v == NULL && *why == NULL) {
		static _Thread_local char msg[128];
		snprintf(msg, sizeof msg, "it uses %.*s, which mkmaildir does not expand",
			 (int)(s - from), from);
		*why = msg;
	}
	return v;
}

/* Whether loc names another format than maildir (mbox:, sdbox:...). */
static bool other_format(const char *loc)
{
	size_t n = strspn(loc, "abcdefghijklmnopqrstuvwxyz");

	return n > 0 && loc[n] == ':' && strncmp(loc, "maildir:", 8) != 0;
}

/*
 * The maildir the server uses for a, from its mail location (2.3's
 * maildir:PATH[:OPTIONS] or 2.4's mail_path); NULL with *why when it
 * cannot be told.
 */
static char *server_maildir(const char *loc, const struct md_account *a, bool home_known,
			    const char **why)
{
	char out[PATH_MAX];
	size_t o = 0;
	const char *p = loc, *start, *end, *v;

	out[0] = '\0';
	if (other_format(loc))
		return *why = "the server's mail location is not a maildir", NULL;
	if (strncmp(p, "maildir:", 8) == 0)
		p += 8;
	start = p;
	end = p + strcspn(p, ":");
	/* Only a leading ~ is the home, as for Dovecot. */
	while (p < end) {
		if (*p == '~' && p == start && (p[1] == '/' || p + 1 == end))
			v = variable("home", 4, a, home_known, why), p++;
		else if (*p == '%')
			v = expand_one(&p, a, home_known, why);
		else
			v = NULL;
		if (v == NULL && *why != NULL)
			return NULL;
		if (v == NULL ? !md_append(out, sizeof out, &o, p++, 1)
			      : !md_append(out, sizeof out, &o, v, strlen(v)))
			return *why = "the server's path is too long", NULL;
	}
	while (o > 1 && out[o - 1] == '/')
		out[--o] = '\0';
	if (out[0] != '/')
		return *why = "the server's mail location is not an absolute path", NULL;
	return strdup(out);
}

/* ------------------------------------------------------------------ */
/* One user                                                            */

/* The md_log of one user's work: each worker has its own. */
struct job {
	struct run *run;
	const struct item *it;
	char reason[1024];    /* the first error the core reported */
	char missing[1024];   /* the first thing a check found missing */
};

static void job_log(void *arg, int priority, const char *fmt, va_list ap)
{
	struct job *j = arg;
	char msg[1024], name[MAX_NAME * 4 + 8];

	vsnprintf(msg, sizeof msg, fmt, ap);
	one_line(msg);
	if (priority <= LOG_ERR && j->reason[0] == '\0')
		snprintf(j->reason, sizeof j->reason, "%s", msg);
	/* What a check finds missing is its report (stdout), not an error:
	 * on stderr only as a notice, and not with -q. */
	if (j->run->check_only && priority == LOG_NOTICE && j->missing[0] == '\0')
		snprintf(j->missing, sizeof j->missing, "%s", msg);
	if (j->run->quiet && priority > LOG_WARNING && priority != LOG_DEBUG)
		return;
	err_line(j->run, PROG ": %s: %s%s", shown(j->it->name, j->it->truncated, name,
						  sizeof name), severity(priority), msg);
}

static enum status status_of(enum md_result res, enum md_done done)
{
	static const enum status of_done[] = {
		[MD_DONE_NOTHING] = ST_OK, [MD_DONE_CREATED] = ST_CREATED,
		[MD_DONE_COMPLETED] = ST_COMPLETED,
	};

	switch (res) {
	case MD_OK:
		return of_done[done];
	case MD_MISSING:
		return ST_MISSING;
	case MD_ERR_REFUSED:
		return ST_UNSAFE;
	default:
		return ST_ERROR;
	}
}

/*
 * -D, -S: the server's maildir for a against the module's (path); a
 * difference, or a location we cannot expand, replaces the outcome: a
 * login would not find the maildir the module makes.
 */
static void compare_server(const struct run *r, const struct md_account *a, const char *path,
			   enum status *st, char **reason)
{
	const char *why = NULL;
	char *theirs = server_maildir(r->server, a, r->o.owner == NULL, &why);
	char *text = NULL;
	bool replace = true;

	if (theirs == NULL) {
		*st = ST_ERROR;
		if (asprintf(&text, "cannot compare with the server: %s (%s)",
			     why != NULL ? why : "out of memory", r->server) < 0)
			text = NULL;
	} else if (strcmp(theirs, path) != 0) {
		*st = ST_DIFFERS;
		if (asprintf(&text, "module %s, server %s", path, theirs) < 0)
			text = NULL;
	} else {
		replace = false;
	}
	free(theirs);
	if (replace) {
		free(*reason);
		*reason = text != NULL ? text : strdup("differs (out of memory)");
	}
}

/*
 * Works on one user; the outcome goes to *st, for the failures the reason
 * to *reason, and with -n the maildir checked to *maildir (the item itself
 * is only written under the lock).
 */
static void process(struct run *r, const struct item *it, enum status *st, char **reason,
		    char **maildir)
{
	struct job j = { .run = r, .it = it };
	struct md_log log = { job_log, &j, r->o.debug };
	struct md_context ctx = { PROG, NULL, PROG };
	enum md_done done = MD_DONE_NOTHING;
	struct md_account a;
	char path[PATH_MAX];
	enum md_result res;

	if (it->refused != NULL) {
		md_logf(&log, LOG_ERR, "refusing user name: it %s", it->refused);
		res = MD_ERR_SYSTEM;
	} else {
		res = md_account_lookup(&a, it->name, &r->o, &log);
		if (res == MD_OK)
			res = md_expand(&r->o, &a, path, sizeof path, &log);
		/* An unsafe name or home is an error of the user's entry. */
		if (res == MD_ERR_REFUSED)
			res = MD_ERR_SYSTEM;
		if (res == MD_OK) {
			md_logf(&log, LOG_DEBUG, "maildir of %s is %s", a.user, path);
			res = md_ensure(&r->o, &a, path, &ctx, r->check_only, &done, &log);
			if (r->check_only && (res == MD_OK || res == MD_MISSING))
				*maildir = strdup(path);
		}
	}
	*st = status_of(res, done);
	if (*st == ST_MISSING)
		*reason = strdup(j.missing[0] != '\0' ? j.missing : "missing (no reason given)");
	else if (*st == ST_UNSAFE || *st == ST_ERROR)
		*reason = strdup(j.reason[0] != '\0' ? j.reason : "failed (no reason given)");
	if (r->server != NULL && (*st == ST_OK || *st == ST_MISSING))
		compare_server(r, &a, path, st, reason);
	if (it->refused == NULL)
		md_account_free(&a);
}

/* Called with the lock held: prints the finished items at the head. */
static void report(struct run *r)
{
	char name[MAX_NAME * 4 + 8];
	/* Only a report on the same terminal has to make room. */
	bool shown_before = r->out_tty && r->progress_len > 0;

	if (shown_before)
		progress_clear(r);
	while (r->printed < r->n && r->items[r->printed].st != ST_PENDING) {
		struct item *it = &r->items[r->printed++];
		bool bad = it->st == ST_MISSING || it->st == ST_DIFFERS || it->st == ST_UNSAFE ||
			   it->st == ST_ERROR;
		if (!r->quiet || bad) {
			fputs(shown(it->name, it->truncated, name, sizeof name), stdout);
			fputs(": ", stdout);
			fputs(status_word[it->st], stdout);
			if (it->reason != NULL) {
				fputs(": ", stdout);
				fputs(it->reason, stdout);
			}
			fputc('\n', stdout);
		}
		free(it->reason);
		it->reason = NULL;
	}
	if (shown_before)
		progress_draw(r);
}

/* Prints the temporary trees a killed build left in dir (.mkmaildir.* of
 * this version, .mkmaildir-tmp* of earlier ones): nobody reads them, and
 * the administrator may remove them once no build is running. */
static size_t list_leftovers(const char *dir)
{
	char buf[PATH_MAX * 4];
	struct dirent *de;
	size_t n = 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, ".mkmaildir.", 11) == 0 ||
		    strncmp(de->d_name, ".mkmaildir-tmp", 14) == 0) {
			char path[PATH_MAX * 2];
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			printf("leftover: %s\n", md_escape(path, buf, sizeof buf));
			n++;
		}
	closedir(d);
	return n;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * -n: lists what killed builds left beside each maildir checked, beside the
 * directory above it (a home, a domain: a tree built from there up has its
 * temporary name one level higher) and in its tmp/, each directory once
 * (one readdir of each).
 */
static size_t report_leftovers(struct run *r)
{
	char **dirs = calloc(r->n * 3 + 1, sizeof *dirs);
	size_t nd = 0, i, found = 0;

	for (i = 0; dirs != NULL && i < r->n; i++) {
		char *m = r->items[i].maildir, *slash;
		if (m == NULL)
			continue;
		if (asprintf(&dirs[nd], "%s/tmp", m) >= 0)
			nd++;
		if ((slash = strrchr(m, '/')) != NULL && slash != m) {
			*slash = '\0';
			dirs[nd++] = m;
			r->items[i].maildir = NULL;
			if ((slash = strrchr(m, '/')) != NULL && slash != m &&
			    (dirs[nd] = strndup(m, (size_t)(slash - m))) != NULL)
				nd++;
		}
	}
	if (dirs != NULL)
		qsort(dirs, nd, sizeof *dirs, by_name);
	for (i = 0; i < nd; i++)
		if (i == 0 || strcmp(dirs[i], dirs[i - 1]) != 0)
			found += list_leftovers(dirs[i]);
	for (i = 0; i < nd; i++)
		free(dirs[i]);
	for (i = 0; i < r->n; i++)
		free(r->items[i].maildir);
	free(dirs);
	return found;
}

static void *worker(void *arg)
{
	struct run *r = arg;
	size_t i;

	while ((i = atomic_fetch_add(&r->next, 1)) < r->n) {
		struct item *it = &r->items[i];
		enum status st = ST_ERROR;
		char *reason = NULL, *maildir = NULL;
		process(r, it, &st, &reason, &maildir);
		pthread_mutex_lock(&r->lock);
		it->st = st;
		it->reason = reason;
		it->maildir = maildir;
		r->done++;
		r->count[it->st]++;
		report(r);
		progress_show(r, r->done == r->n);
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

/*
 * One lookup in this thread before the workers start: an NSS module may
 * set itself up lazily on its first call without a lock (nss_wrapper does,
 * and crashes or loses entries when threads race into it).
 */
static void nss_warm_up(const struct md_options *o)
{
	char buf[4096];
	struct passwd pw, *pres;
	struct group gr, *gres;

	getpwnam_r(o->owner != NULL ? o->owner : "root", &pw, buf, sizeof buf, &pres);
	getgrgid_r(0, &gr, buf, sizeof buf, &gres);
}

/* ------------------------------------------------------------------ */
/* Input                                                               */

/* Why the front end refuses a name, before any lookup; NULL when it may go on. */
static const char *bad_name(const char *s, size_t len, bool truncated)
{
	size_t i;

	if (truncated || len > MAX_NAME)
		return "is longer than 255 bytes";
	if (strlen(s) != len)
		return "contains a NUL byte";
	if (len == 0)
		return "is empty";
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "contains a control character";
	return NULL;
}

static bool add_item(struct item **items, size_t *n, size_t *cap, char *name,
		     const char *refused, bool truncated)
{
	if (*n == *cap) {
		size_t ncap = *cap != 0 ? *cap * 2 : 256;
		struct item *p = realloc(*items, ncap * sizeof *p);
		if (p == NULL)
			return false;
		*items = p;
		*cap = ncap;
	}
	(*items)[(*n)++] = (struct item){ name, refused, truncated, ST_PENDING, NULL, NULL };
	return true;
}

/*
 * Reads user names from stdin, one a line.  The newline (and a CR before
 * it) is removed, empty lines are skipped; a line longer than MAX_NAME is
 * kept only as far as MAX_NAME bytes and refused, so no line can make us
 * hold more than that.
 */
static bool read_names(struct item **items, size_t *n, size_t *cap)
{
	char buf[MAX_NAME + 1] = "";
	size_t len = 0;
	bool truncated = false, eof = false;

	while (!eof) {
		int c = getc_unlocked(stdin);
		char *name;
		if (c == EOF) {
			if (ferror(stdin)) {
				fprintf(stderr, PROG ": error: reading user names from stdin: %s\n",
					strerror(errno));
				return false;
			}
			eof = true;
			if (len == 0 && !truncated)
				break;
		} else if (c != '\n') {
			if (len < sizeof buf - 1)
				buf[len++] = (char)c;
			else
				truncated = true;
			continue;
		}
		if (len > 0 && buf[len - 1] == '\r' && !truncated)
			len--;
		buf[len] = '\0';
		if (len == 0 && !truncated)
			continue;
		name = malloc(len + 1);
		if (name == NULL) {
			fprintf(stderr, PROG ": error: out of memory reading user names\n");
			return false;
		}
		memcpy(name, buf, len + 1);
		if (!add_item(items, n, cap, name, bad_name(buf, len, truncated), truncated)) {
			free(name);
			fprintf(stderr, PROG ": error: out of memory reading user names\n");
			return false;
		}
		len = 0;
		truncated = false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Options                                                             */

static void usage(FILE *f)
{
	fputs("usage: " PROG " [-c CONFIG] [-o OPTION]... [-n [-D | -S LOCATION]] [-j JOBS] [-q] "
	      "[USER...]\n"
	      "  -c CONFIG  options file (default " CONFIG_FILE " when it exists)\n"
	      "  -o OPTION  a module option (name=value or flag); wins over the file\n"
	      "  -n         check only: change nothing, report what is missing or unsafe\n"
	      "  -D         with -n: compare each maildir with Dovecot's (doveconf)\n"
	      "  -S LOCATION  with -n: compare with this server mail location\n"
	      "  -j JOBS    users worked on in parallel (default: the number of CPUs)\n"
	      "  -q         report only users that failed or are missing; no notices\n"
	      "Without USER, names are read from stdin, one a line.\n"
	      "Each user gets one line: USER: ok|created|completed|missing|differs|unsafe|error"
	      "[: why]\n"
	      "Exit: 0 all complete, 1 (-n) something missing, 2 a user failed or differs, "
	      "3 usage.\n",
	      f);
}

/* The output of doveconf -h SETTING, one line, or NULL when it fails
 * (2.3 knows no mail_path, 2.4 no mail_location). */
static char *doveconf(const char *setting)
{
	char cmd[128], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	snprintf(cmd, sizeof cmd, "doveconf -h %s 2>/dev/null", setting);
	f = popen(cmd, "r"); // NOLINT(cert-env33-c): the administrator runs mkmaildir -D as root to ask the installed doveconf; the command is a constant
	if (f == NULL)
		return NULL;
	n = getline(&line, &cap, f);
	if (pclose(f) != 0 || n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* -D: Dovecot's mail location, as 2.4 (mail_driver, mail_path) or 2.3
 * (mail_location) has it; NULL after saying why. */
static char *dovecot_location(void)
{
	char *path = doveconf("mail_path"), *driver;

	if (path == NULL) {
		path = doveconf("mail_location");
		if (path == NULL)
			fputs(PROG ": error: -D: doveconf -h mail_path and doveconf -h "
			      "mail_location both failed: is Dovecot installed?\n", stderr);
		else if (path[0] == '\0')
			fputs(PROG ": error: -D: Dovecot's mail_location is empty (Dovecot looks "
			      "for the mail itself): set it, or give the path with -S\n", stderr);
		if (path != NULL && path[0] == '\0')
			free(path), path = NULL;
		return path;
	}
	driver = doveconf("mail_driver");
	if (driver == NULL || strcmp(driver, "maildir") != 0) {
		err_line(NULL, PROG ": error: -D: Dovecot's mail_driver is \"%s\", not maildir",
			 driver != NULL ? driver : "");
		free(path), path = NULL;
	}
	free(driver);
	return path;
}

static unsigned default_jobs(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static bool parse_jobs(const char *s, unsigned *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > MAX_JOBS)
			return false;
	}
	if (v == 0)
		return false;
	*out = (unsigned)v;
	return true;
}

/* The core wants an absolute path for the configuration file. */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX], *p;
	size_t len;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof cwd) == NULL)
		return NULL;
	len = strlen(cwd) + strlen(path) + 2;
	p = malloc(len);
	if (p != NULL)
		snprintf(p, len, "%s/%s", cwd, path);
	return p;
}

int main(int argc, char **argv)
{
	static struct run r;
	struct md_log glog = { global_log, NULL, false };
	const char *config = NULL;
	static const char *opts[MAX_OPTS + 1];
	char *config_arg = NULL;
	enum md_result res;
	size_t nopts = 0, cap = 0, i;
	unsigned jobs = 0, nthreads;
	pthread_t *threads;
	bool from_stdin;
	int c, status;

	opterr = 0;
	while ((c = getopt(argc, argv, ":c:o:nDS:j:qh")) != -1) {
		switch (c) {
		case 'c':
			if (config != NULL) {
				fputs(PROG ": error: -c may be given only once\n", stderr);
				return EXIT_USAGE;
			}
			config = optarg;
			break;
		case 'o':
			if (optarg == NULL || strncmp(optarg, "config=", 7) == 0) {
				fputs(PROG ": error: -o config= is not accepted; use -c\n", stderr);
				return EXIT_USAGE;
			}
			if (nopts == MAX_OPTS) {
				fprintf(stderr, PROG ": error: more than %d -o options\n", MAX_OPTS);
				return EXIT_USAGE;
			}
			opts[nopts++] = optarg;
			break;
		case 'n':
			r.check_only = true;
			break;
		case 'D':
		case 'S':
			if (r.server != NULL) {
				fputs(PROG ": error: -D and -S may be given once, not both\n", stderr);
				return EXIT_USAGE;
			}
			r.server = c == 'S' ? strdup(optarg) : dovecot_location();
			if (r.server == NULL)
				return EXIT_USAGE;
			break;
		case 'j':
			if (!parse_jobs(optarg, &jobs)) {
				fprintf(stderr, PROG ": error: -j wants a number from 1 to %d\n",
					MAX_JOBS);
				return EXIT_USAGE;
			}
			break;
		case 'q':
			r.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 ? EXIT_ALLOK : EXIT_USAGE;
		case ':':
			err_line(NULL, PROG ": error: -%c needs an argument", optopt);
			usage(stderr);
			return EXIT_USAGE;
		default:
			err_line(NULL, PROG ": error: unknown option -%c", optopt);
			usage(stderr);
			return EXIT_USAGE;
		}
	}

	if (r.server != NULL && !r.check_only) {
		fputs(PROG ": error: -D and -S compare paths only with -n\n", stderr);
		return EXIT_USAGE;
	}

	/* The file first, then -o in order: the command line wins, as the
	 * PAM line wins over config=.  A typo on the command line stops here
	 * (MD_STRICT); a login would only log it. */
	md_options_init(&r.o);
	if (config != NULL) {
		char *abs = absolute(config);
		size_t len = abs != NULL ? strlen(abs) + 8 : 0;
		char *arg = abs != NULL ? malloc(len) : NULL;
		if (arg == NULL) {
			fputs(PROG ": error: out of memory\n", stderr);
			free(abs);
			return EXIT_USAGE;
		}
		snprintf(arg, len, "config=%s", abs);
		free(abs);
		opts[nopts++] = arg; /* room was kept for it */
		config_arg = arg;
	}
	res = md_options_parse(&r.o, (int)nopts, opts, CONFIG_FILE, MD_STRICT | MD_THOROUGH,
			       &glog);
	free(config_arg);
	if (res != MD_OK)
		return EXIT_USAGE;
	/* A login only logs a mistake and builds without it; the
	 * administrator's own run stops, so a check cannot pass on it. */
	if (r.o.mistakes > 0) {
		fprintf(stderr, PROG ": error: %u unknown option%s in the configuration (above): "
			"fix %s first\n", r.o.mistakes, r.o.mistakes == 1 ? "" : "s",
			r.o.mistakes == 1 ? "it" : "them");
		md_options_free(&r.o);
		return EXIT_USAGE;
	}
	glog.debug = r.o.debug;
	/* A login names its file (config= on the PAM line); without one this
	 * run may make another maildir than the login would. */
	if (r.o.config == NULL)
		err_line(NULL, PROG ": warning: no configuration file (" CONFIG_FILE
			 " does not exist and no -c): the built-in defaults%s are used",
			 nopts > 0 ? " and -o" : "");

	from_stdin = optind >= argc;
	if (from_stdin) {
		if (!read_names(&r.items, &r.n, &cap))
			return EXIT_USAGE;
	} else {
		for (; optind < argc; optind++) {
			const char *s = argv[optind];
			if (!add_item(&r.items, &r.n, &cap, argv[optind],
				      bad_name(s, strlen(s), false), false)) {
				fputs(PROG ": error: out of memory\n", stderr);
				return EXIT_USAGE;
			}
		}
	}
	if (r.n == 0) {
		if (from_stdin)
			fputs(PROG ": no user names on stdin\n", stderr);
		return EXIT_ALLOK;
	}

	pthread_mutex_init(&r.lock, NULL);
	atomic_init(&r.next, 0);
	r.progress = !r.quiet && r.n >= PROGRESS_MIN && isatty(STDERR_FILENO);
	r.out_tty = isatty(STDOUT_FILENO);
	r.progress_at = now_ms();

	if (jobs == 0)
		jobs = default_jobs();
	nthreads = jobs < r.n ? jobs : (unsigned)r.n;
	if (nthreads > MAX_JOBS)
		nthreads = MAX_JOBS;
	if (nthreads > 1)
		nss_warm_up(&r.o);
	/* This thread is one of the workers. */
	threads = calloc(nthreads, sizeof *threads);
	for (i = 1; threads != NULL && i < nthreads; i++) {
		int e = pthread_create(&threads[i], NULL, worker, &r);
		if (e != 0) {
			fprintf(stderr, PROG ": warning: only %zu of %u jobs started: %s\n", i,
				nthreads, strerror(e));
			break;
		}
	}
	nthreads = threads != NULL ? (unsigned)i : 1;
	worker(&r);
	for (i = 1; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);

	pthread_mutex_lock(&r.lock);
	progress_clear(&r);
	pthread_mutex_unlock(&r.lock);
	if (r.progress)
		fprintf(stderr, PROG ": %zu users: %zu ok, %zu created, %zu completed, "
			"%zu missing, %zu differ, %zu unsafe, %zu errors\n", r.n, r.count[ST_OK],
			r.count[ST_CREATED], r.count[ST_COMPLETED], r.count[ST_MISSING],
			r.count[ST_DIFFERS], r.count[ST_UNSAFE], r.count[ST_ERROR]);

	if (r.check_only && report_leftovers(&r) > 0 && !r.quiet)
		fputs(PROG ": the leftover entries above are temporary trees of builds that were "
		      "killed; nothing reads them: remove them when no build is running\n", stderr);
	if (r.count[ST_UNSAFE] + r.count[ST_ERROR] + r.count[ST_DIFFERS] > 0)
		status = EXIT_FAILED;
	else if (r.count[ST_MISSING] > 0)
		status = EXIT_MISSING;
	else
		status = EXIT_ALLOK;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": error: writing the report: %s\n", strerror(errno));
		status = EXIT_USAGE;
	}
	md_options_free(&r.o);
	return status;
}
