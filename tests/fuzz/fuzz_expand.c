// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * libFuzzer target: template expansion (md_expand) after md_option_set has
 * accepted the template.  Input: TEMPLATE \0 USER \0 HOME \0 (uid from the
 * last 4 bytes).  Properties: no crash or sanitizer report; a refusal is
 * always logged; a success is an absolute path that fits the buffer; and
 * when neither the template nor the home holds a '.' or a control character
 * (so that only the user's data could make one), the result holds no
 * control character, no "." or ".." component, and exactly the components
 * the template and the home give: a user name never adds a '/'.
 */
#define _GNU_SOURCE
#include <limits.h>

#include "fuzz.h"

static size_t components(const char *s)
{
	size_t n = 0;
	for (const char *p = s; *p; p++)
		if (*p != '/' && (p == s || p[-1] == '/'))
			n++;
	return n;
}

static int clean(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '.')
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct md_log log = { count_log, NULL, true };
	char *buf = malloc(size + 3), out[PATH_MAX], opt[PATH_MAX + 16];
	const char *tmpl, *user, *home;
	struct md_options o;
	struct md_account a;
	uint32_t uid = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = buf[size + 2] = '\0';
	tmpl = buf;
	user = tmpl + strlen(tmpl) + 1;
	home = user + (user < buf + size + 1 ? strlen(user) + 1 : 0);
	if (home > buf + size + 1)
		home = buf + size + 2;
	if (size >= 4)
		memcpy(&uid, data + size - 4, 4);

	md_options_init(&o);
	snprintf(opt, sizeof opt, "maildir=%s", tmpl);
	logged = 0;
	if (md_option_set(&o, opt, &log) != MD_OK) {
		if (!logged)
			abort();
		free(buf);
		return 0;
	}
	memset(&a, 0, sizeof a);
	a.user = user;
	a.owner = user;
	a.uid = uid;
	a.gid = uid;
	a.home = *home ? home : NULL;
	logged = 0;
	enum md_result r = md_expand(&o, &a, out, sizeof out, &log);
	if (r != MD_OK) {
		if (!logged)
			abort();
	} else {
		if (out[0] != '/' || strlen(out) >= sizeof out)
			abort();
		const char *t = o.maildir;
		int has_h = strstr(t, "%h") != NULL || (t[0] != '/' && strncmp(t, "%h", 2) != 0);
		if (clean(t) && (!has_h || (a.home && clean(a.home)))) {
			size_t want = 0;
			const char *p;
			for (const char *q = out; *q; q++)
				if ((unsigned char)*q < 0x20 || *q == 0x7f)
					abort();
			for (p = out; (p = strstr(p, "/.")) != NULL; p++)
				if (p[2] == '\0' || p[2] == '/' || (p[2] == '.' && (p[3] == '\0' || p[3] == '/')))
					abort();
			/* components: those of the template (escapes never add one)
			 * plus the home's, once per %h or for a relative template */
			char shape[PATH_MAX];
			size_t n = 0;
			for (p = t; *p && n + 2 < sizeof shape; p++) {
				if (*p == '%' && p[1]) {
					p++;
					if (*p == '%')
						shape[n++] = 'x';
					else if (*p == 'h')
						shape[n++] = '\x01'; /* the home, below */
					else
						shape[n++] = 'x';
				} else {
					shape[n++] = *p;
				}
			}
			shape[n] = '\0';
			/* each \x01 stands for the home: its components, glued to
			 * its neighbours; count conservatively by expansion */
			char full[PATH_MAX * 2];
			size_t f = 0;
			if (t[0] != '/' && strncmp(t, "%h", 2) != 0) {
				f += (size_t)snprintf(full + f, sizeof full - f, "%s/", a.home);
			}
			for (p = shape; *p && f + 1 < sizeof full; p++) {
				if (*p == '\x01')
					f += (size_t)snprintf(full + f, sizeof full - f, "%s", a.home);
				else
					full[f++] = *p;
				if (f >= sizeof full)
					f = sizeof full - 1;
			}
			full[f] = '\0';
			want = components(full);
			if (f < sizeof full - 1 && components(out) != want)
				abort();
		}
	}
	md_options_free(&o);
	free(buf);
	return 0;
}
