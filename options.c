// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * options.c - the module options, their checks and the config= file.
 */
#define _GNU_SOURCE
#include "core.h"

#include <ctype.h>
/* ------------------------------------------------------------------ */
/* Options                                                             */

void md_options_init(struct md_options *o)
{
	memset(o, 0, sizeof *o);
	o->maildir = MD_DEFAULT_TEMPLATE;
	o->mode = 0700;
	o->homemode = 0700;
	o->timeout = MD_DEFAULT_TIMEOUT;
	o->quota_sources[0] = MD_QS_ENV;
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

enum fold_encoding folder_encoding(const struct md_options *o)
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

/*
 * quota_source=: env, option and authdaemon, comma-separated, each at most
 * once, into out (MD_QUOTA_SOURCES + 1 entries, MD_QS_END-terminated) when
 * out is not NULL.
 */
static bool parse_quota_sources(const char *v, unsigned char *out)
{
	static const char *const names[] = {
		[MD_QS_ENV] = "env", [MD_QS_OPTION] = "option", [MD_QS_AUTHDAEMON] = "authdaemon",
	};
	unsigned char list[MD_QUOTA_SOURCES + 1] = { MD_QS_END };
	unsigned seen = 0, n = 0, i;

	for (;;) {
		size_t len = strcspn(v, ",");
		for (i = MD_QS_ENV; i <= MD_QUOTA_SOURCES; i++)
			if (strlen(names[i]) == len && strncmp(v, names[i], len) == 0)
				break;
		if (i > MD_QUOTA_SOURCES || (seen & 1u << i) != 0)
			return false;
		seen |= 1u << i;
		list[n++] = (unsigned char)i;
		if (v[len] == '\0')
			break;
		v += len + 1;
	}
	if (out != NULL)
		memcpy(out, list, sizeof list);
	return true;
}

/*
 * arg is a valid quota_source= naming authdaemon.  A front end other than
 * authmkhome refuses that on its own line (the PAM module may run inside
 * authdaemond itself, and mkmaildir is not in a login), while the shared
 * file may say it for authmkhome: there the others ignore quota_source=.
 */
static bool asks_authdaemon(const char *arg)
{
	unsigned char list[MD_QUOTA_SOURCES + 1];
	unsigned i;

	if (strncmp(arg, "quota_source=", 13) != 0 || !parse_quota_sources(arg + 13, list))
		return false;
	for (i = 0; list[i] != MD_QS_END; i++)
		if (list[i] == MD_QS_AUTHDAEMON)
			return true;
	return false;
}

static enum md_result bad_value(const struct md_log *log, const char *name,
				const char *value, const char *why)
{
	char buf[128];

	md_logf(log, LOG_ERR, "option %s: invalid value \"%s\": %s", name,
		printable(value, buf, sizeof buf), why);
	return MD_ERR_CONFIG;
}

/* How a value is checked and stored; the table below says where. */
enum opt_kind {
	OPT_FLAG,      /* bool, no value */
	OPT_TEMPLATE,  /* const char *, %-escapes checked */
	OPT_NAME,      /* const char *, one path component */
	OPT_MODE,      /* mode_t */
	OPT_FOLDERS,   /* const char *, NULL when empty */
	OPT_LAYOUT,    /* bool: fs rather than maildir++ */
	OPT_QUOTA_SOURCE, /* quota_sources: a list of env, option, authdaemon */
	OPT_QUOTA,     /* const char *, and quota_file */
	OPT_PATH,      /* const char *, absolute */
	OPT_TIMEOUT,   /* unsigned seconds */
	OPT_CONFIG,    /* only on the PAM line, handled by md_options_parse */
};

struct opt_def {
	const char *name;
	enum opt_kind kind;
	size_t field;  /* offsetof in struct md_options */
};

#define FIELD(m) offsetof(struct md_options, m)
static const struct opt_def opt_defs[] = {
	{ "maildir", OPT_TEMPLATE, FIELD(maildir) },
	{ "owner", OPT_NAME, FIELD(owner) },
	{ "group", OPT_NAME, FIELD(group) },
	{ "mode", OPT_MODE, FIELD(mode) },
	{ "homemode", OPT_MODE, FIELD(homemode) },
	{ "folders", OPT_FOLDERS, FIELD(folders) },
	{ "quota", OPT_QUOTA, FIELD(quota) },
	{ "skel", OPT_PATH, FIELD(skel) },
	{ "creator", OPT_PATH, FIELD(creator) },
	{ "timeout", OPT_TIMEOUT, FIELD(timeout) },
	{ "config", OPT_CONFIG, 0 },
	{ "layout", OPT_LAYOUT, FIELD(layout_fs) },
	{ "quota_source", OPT_QUOTA_SOURCE, FIELD(quota_sources) },
	{ "subscribe", OPT_FLAG, FIELD(subscribe) },
	{ "createhome", OPT_FLAG, FIELD(createhome) },
	{ "creator_root", OPT_FLAG, FIELD(creator_root) },
	{ "debug", OPT_FLAG, FIELD(debug) },
	{ "quiet", OPT_FLAG, FIELD(quiet) },
	{ "utf8", OPT_FLAG, FIELD(utf8) },
	{ "squash", OPT_FLAG, FIELD(squash) },
};
#undef FIELD

/* Why v is not a valid value of kind, or NULL. */
static const char *check_value(enum opt_kind kind, const char *v)
{
	switch (kind) {
	case OPT_TEMPLATE:
		return *v == '\0' || has_control(v) || !valid_template(v) ?
		       "empty, a control character or an unknown %-escape "
		       "(known: %u %n %d %h %U %%)" : NULL;
	case OPT_LAYOUT:
		return strcmp(v, "maildir++") != 0 && strcmp(v, "fs") != 0 ?
		       "maildir++ (the default) or fs expected" : NULL;
	case OPT_QUOTA_SOURCE:
		return parse_quota_sources(v, NULL) ? NULL :
		       "env (the default), option or authdaemon expected, or a comma-separated "
		       "list of them in order of preference, each once";
	case OPT_PATH:
		return v[0] != '/' || has_control(v) || strlen(v) >= PATH_MAX ?
		       "an absolute path is required" : NULL;
	default:
		return NULL;
	}
}

static enum md_result set_value(struct md_options *o, const struct opt_def *d,
				const char *v, const struct md_log *log)
{
	void *field = (char *)o + d->field;
	const char *why = check_value(d->kind, v), *bad;
	size_t badlen;
	unsigned t;

	if (why != NULL)
		return bad_value(log, d->name, v, why);
	switch (d->kind) {
	case OPT_NAME:
		if (!valid_name(v, &why))
			return bad_value(log, d->name, v, why);
		*(const char **)field = v;
		break;
	case OPT_MODE:
		if (!parse_mode(v, field))
			return bad_value(log, d->name, v,
					 "an octal mode with u=rwx, no group or other write, "
					 "no setuid/setgid bit is required");
		break;
	case OPT_FOLDERS:
		/* The form on disk is known once every option is: utf8 may come
		 * later.  Here what neither form can hold; the rest at check. */
		if (*v != '\0' &&
		    (why = check_folder_list(v, FOLD_UTF8, false, &bad, &badlen)) != NULL)
			return bad_folder(log, bad, badlen, why);
		*(const char **)field = *v != '\0' ? v : NULL;
		break;
	case OPT_LAYOUT:
		*(bool *)field = strcmp(v, "fs") == 0;
		break;
	case OPT_QUOTA_SOURCE:
		parse_quota_sources(v, field);
		break;
	case OPT_QUOTA:
		if ((why = check_quota(v, &o->quota_file)) != NULL)
			return bad_value(log, d->name, v, why);
		*(const char **)field = v;
		break;
	case OPT_TIMEOUT:
		if (!parse_uint(v, MD_MAX_TIMEOUT, &t) || t == 0)
			return bad_value(log, d->name, v, "seconds from 1 to 3600 expected");
		*(unsigned *)field = t;
		break;
	case OPT_CONFIG:
		md_logf(log, LOG_ERR, "option config=%s: only allowed on the PAM line", v);
		return MD_ERR_CONFIG;
	case OPT_TEMPLATE:
	case OPT_PATH:
		*(const char **)field = v;
		break;
	case OPT_FLAG:
		break;
	}
	return MD_OK;
}

/* The option arg ("name=value" or "name") names, or NULL. */
static const struct opt_def *find_option(const char *arg)
{
	size_t nlen = strcspn(arg, "="), i;

	for (i = 0; i < sizeof opt_defs / sizeof opt_defs[0]; i++)
		if (strlen(opt_defs[i].name) == nlen && strncmp(opt_defs[i].name, arg, nlen) == 0)
			return &opt_defs[i];
	return NULL;
}

static enum md_result set_option(struct md_options *o, const struct opt_def *d,
				 const char *arg, const struct md_log *log)
{
	const char *eq = strchr(arg, '=');

	if (d->kind == OPT_FLAG) {
		if (eq != NULL)
			return bad_value(log, d->name, eq + 1, "takes no value");
		*(bool *)((char *)o + d->field) = true;
		return MD_OK;
	}
	if (eq == NULL) {
		md_logf(log, LOG_ERR, "option %s needs a value (%s=...)", d->name, d->name);
		return MD_ERR_CONFIG;
	}
	return set_value(o, d, eq + 1, log);
}

enum md_result md_option_set(struct md_options *o, const char *arg,
			     const struct md_log *log)
{
	const struct opt_def *d = find_option(arg);
	char buf[128];

	if (d != NULL)
		return set_option(o, d, arg, log);
	o->mistakes++;
	md_logf(log, LOG_ERR, "unknown option \"%s\": the maildir is built without it; correct "
		"it (the items it was meant to give are given at the next login after that)",
		printable(arg, buf, sizeof buf));
	return MD_OK;
}

/* Reads a whole configuration file that only root (or we) can change. */
static char *read_config(const char *path, const struct md_log *log)
{
	struct stat st;
	char *text = NULL;
	ssize_t n = 0, r;
	int fd;

	if (open_trusted(path, "option config:", O_RDONLY | O_NOCTTY | O_NONBLOCK, geteuid(),
			 &st, &fd, log) != TRUST_OK)
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

/*
 * Whether a line's text before any '=' looks like an option name, and may
 * be echoed in a log line: the file could be any file root can read
 * (config=/etc/shadow), whose contents must never reach the log.
 */
static bool option_like(const char *line)
{
	size_t n = strcspn(line, "=");

	return n > 0 && n <= 32 && strspn(line, "abcdefghijklmnopqrstuvwxyz_") == n;
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
	const struct opt_def *d;
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
	o->config = path;
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
		} else if ((d = find_option(line)) == NULL) {
			o->mistakes++;
			md_logf(log, LOG_ERR, "%s:%u: unknown option%s%.*s%s: the maildir is built "
				"without it; correct it", path, lineno, option_like(line) ? " \"" : "",
				option_like(line) ? (int)strcspn(line, "=") : 0, line,
				option_like(line) ? "\"" : "");
		} else if ((r = set_option(o, d, line, log)) != MD_OK) {
			md_logf(log, LOG_ERR, "%s:%u: invalid line", path, lineno);
		}
	}
	return r;
}

/* What can only be checked once every option is known. */
static enum md_result check_options(const struct md_options *o, const struct md_log *log)
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

/*
 * The default file is read when it exists.  "Exists" is lstat's answer: a
 * symlink left there (dangling or not) is then refused by the trusted open,
 * never silently taken for no file.
 */
static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 || errno != ENOENT;
}

/* argv's config=FILE, else the default file when it exists, else none. */
static enum md_result load_config(struct md_options *o, int argc, const char **argv,
				  const char *default_config, const struct md_log *log)
{
	enum md_result r;
	int i;

	for (i = 0; i < argc; i++)
		if (strncmp(argv[i], "config=", 7) == 0 &&
		    (r = md_options_load(o, argv[i] + 7, log)) != MD_OK)
			return r;
	if (o->config == NULL && default_config != NULL && exists(default_config))
		return md_options_load(o, default_config, log);
	return MD_OK;
}

enum md_result md_options_parse(struct md_options *o, int argc, const char **argv,
				const char *default_config, unsigned flags,
				const struct md_log *log)
{
	enum md_result r = load_config(o, argc, argv, default_config, log);
	char buf[128];
	int i;

	for (i = 0; i < argc && r == MD_OK; i++) {
		if (strncmp(argv[i], "config=", 7) == 0)
			continue;
		if ((flags & MD_STRICT) && find_option(argv[i]) == NULL) {
			md_logf(log, LOG_ERR, "unknown option \"%s\"",
				printable(argv[i], buf, sizeof buf));
			r = MD_ERR_CONFIG;
		} else if (!(flags & MD_AUTHDAEMON) && asks_authdaemon(argv[i])) {
			md_logf(log, LOG_ERR, "quota_source=%s: authdaemon is for authmkhome in "
				"Courier's chain only; this front end never asks authdaemond",
				printable(argv[i] + 13, buf, sizeof buf));
			r = MD_ERR_CONFIG;
		} else {
			r = md_option_set(o, argv[i], log);
		}
	}
	if (r == MD_OK)
		r = check_options(o, log);
	o->thorough = (flags & MD_THOROUGH) != 0;
	record_name(o, o->record);
	return r;
}
