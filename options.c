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

