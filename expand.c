// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * expand.c - the maildir template: %u %n %d %h %U %%.
 */
#define _GNU_SOURCE
#include "core.h"


bool md_append(char *out, size_t outlen, size_t *o, const char *s, size_t n)
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
		if (!md_append(out, outlen, &n, a->home, strlen(a->home)) ||
		    !md_append(out, outlen, &n, "/", 1))
			goto toolong;
	}
	for (; *t != '\0'; t++) {
		const char *v;
		if (*t != '%') {
			if (!md_append(out, outlen, &n, t, 1))
				goto toolong;
			continue;
		}
		t++;
		if (*t == 'h') {
			if (!usable_home(a->home))
				goto badhome;
			if (!md_append(out, outlen, &n, a->home, strlen(a->home)))
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
		if (!md_append(out, outlen, &n, value, len))
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

