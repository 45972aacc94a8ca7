// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * unit_expand.c - table-driven test of md_expand (expand.c) after
 * md_option_set (options.c) took the template: every escape, relative and
 * absolute templates, homes that cannot hold a maildir, values that cannot
 * be a path component, and templates the option refuses.  Linked against
 * libcore.a, the objects the module is linked from.  Prints one "PASS name"
 * or "FAIL name: why" line per case (tests/t_unit_core.sh records them);
 * exits 1 on a failure.
 */
#include "maildir.h"
#include "tests/unit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char SET_REFUSED[] = "(option refused)";

struct tcase {
	const char *tmpl;    /* maildir= */
	const char *user;
	const char *home;    /* NULL: the account has none */
	unsigned uid;
	enum md_result want;
	const char *path;    /* expected with MD_OK; SET_REFUSED: md_option_set fails */
};

static char long_user[300], long_path[5000];

static const struct tcase cases[] = {
	/* each escape */
	{ "%h/Maildir", "alice", "/home/alice", 1000, MD_OK, "/home/alice/Maildir" },
	{ "/var/mail/%u", "alice", "/home/alice", 1000, MD_OK, "/var/mail/alice" },
	{ "/var/mail/%u", "bob@example.org", "/home/b", 1000, MD_OK, "/var/mail/bob@example.org" },
	{ "/var/mail/%n", "bob@example.org", "/home/b", 1000, MD_OK, "/var/mail/bob" },
	{ "/var/mail/%n", "alice", "/home/alice", 1000, MD_OK, "/var/mail/alice" },
	{ "/var/vmail/%d/%n", "bob@example.org", "/", 1000, MD_OK, "/var/vmail/example.org/bob" },
	{ "/var/mail/%U", "alice", "/home/alice", 1000, MD_OK, "/var/mail/1000" },
	{ "/var/mail/%U", "alice", "/home/alice", 0, MD_OK, "/var/mail/0" },
	{ "/var/mail/%U", "alice", "/home/alice", 4294967294u, MD_OK, "/var/mail/4294967294" },
	{ "/var/mail/100%%", "alice", "/home/alice", 1000, MD_OK, "/var/mail/100%" },
	{ "/var/mail/%%u", "alice", "/home/alice", 1000, MD_OK, "/var/mail/%u" },
	{ "%h", "alice", "/home/alice", 1000, MD_OK, "/home/alice" },
	{ "%h/%u-%n-%d-%U", "a@b", "/h", 7, MD_OK, "/h/a@b-a-b-7" },
	/* the first '@' splits: the domain may hold another */
	{ "/m/%d/%n", "a@b@c", "/h", 1, MD_OK, "/m/b@c/a" },
	/* relative: under the home */
	{ "Maildir", "alice", "/home/alice", 1000, MD_OK, "/home/alice/Maildir" },
	{ "mail/%u", "alice", "/home/alice", 1000, MD_OK, "/home/alice/mail/alice" },
	{ "Maildir", "alice", "/home/alice/", 1000, MD_OK, "/home/alice//Maildir" },
	/* %d without a domain is empty: not a path component */
	{ "/m/%d/%n", "alice", "/h", 1, MD_ERR_REFUSED, NULL },
	/* homes that cannot hold a maildir */
	{ "%h/Maildir", "alice", NULL, 1000, MD_ERR_REFUSED, NULL },
	{ "%h/Maildir", "alice", "", 1000, MD_ERR_REFUSED, NULL },
	{ "%h/Maildir", "alice", "/", 1000, MD_ERR_REFUSED, NULL },
	{ "%h/Maildir", "alice", "//", 1000, MD_ERR_REFUSED, NULL },
	{ "%h/Maildir", "alice", "/nonexistent", 1000, MD_ERR_REFUSED, NULL },
	{ "%h/Maildir", "alice", "/nonexistent/", 1000, MD_ERR_REFUSED, NULL },
	{ "%h/Maildir", "alice", "home/alice", 1000, MD_ERR_REFUSED, NULL },
	{ "%h/Maildir", "alice", "/home/al\nice", 1000, MD_ERR_REFUSED, NULL },
	{ "Maildir", "alice", "/", 1000, MD_ERR_REFUSED, NULL },
	/* no %h: the home does not matter */
	{ "/var/mail/%u", "alice", NULL, 1000, MD_OK, "/var/mail/alice" },
	{ "/var/mail/%u", "alice", "/", 1000, MD_OK, "/var/mail/alice" },
	/* values that cannot be one path component */
	{ "/m/%u", "..", "/h", 1, MD_ERR_REFUSED, NULL },
	{ "/m/%u", ".", "/h", 1, MD_ERR_REFUSED, NULL },
	{ "/m/%u", "a/b", "/h", 1, MD_ERR_REFUSED, NULL },
	{ "/m/%u", "-rf", "/h", 1, MD_ERR_REFUSED, NULL },
	{ "/m/%u", "a\tb", "/h", 1, MD_ERR_REFUSED, NULL },
	{ "/m/%u", "a\x7f", "/h", 1, MD_ERR_REFUSED, NULL },
	{ "/m/%u", "a\xc2\x9b" "b", "/h", 1, MD_ERR_REFUSED, NULL },      /* C1 CSI */
	{ "/m/%u", "a\xe2\x80\xae" "b", "/h", 1, MD_ERR_REFUSED, NULL },  /* RLO */
	{ "/m/%u", "a\xff" "b", "/h", 1, MD_ERR_REFUSED, NULL },          /* not UTF-8 */
	{ "/m/%u", "\xc3\xa9mile", "/h", 1, MD_OK, "/m/\xc3\xa9mile" },
	{ "/m/%n", "@example.org", "/h", 1, MD_ERR_REFUSED, NULL },        /* empty %n */
	{ "/m/%d", "bob@", "/h", 1, MD_ERR_REFUSED, NULL },                /* empty %d */
	{ "/m/%d", "bob@..", "/h", 1, MD_ERR_REFUSED, NULL },
	{ "/m/%n", "..@x", "/h", 1, MD_ERR_REFUSED, NULL },
	{ "/m/%u", long_user, "/h", 1, MD_ERR_REFUSED, NULL },             /* > 255 */
	/* the whole path too long */
	{ long_path, "alice", "/h", 1, MD_ERR_REFUSED, NULL },
	/* templates the option refuses */
	{ "", "alice", "/h", 1, MD_ERR_CONFIG, SET_REFUSED },
	{ "/m/%", "alice", "/h", 1, MD_ERR_CONFIG, SET_REFUSED },
	{ "/m/%q", "alice", "/h", 1, MD_ERR_CONFIG, SET_REFUSED },
	{ "/m/%H", "alice", "/h", 1, MD_ERR_CONFIG, SET_REFUSED },
	{ "/m/%u%", "alice", "/h", 1, MD_ERR_CONFIG, SET_REFUSED },
	{ "/m/\n", "alice", "/h", 1, MD_ERR_CONFIG, SET_REFUSED },
	{ "/m/\x01%u", "alice", "/h", 1, MD_ERR_CONFIG, SET_REFUSED },
};

/* The case as a printable name. */
static const char *label(const struct tcase *c, char *buf, size_t len)
{
	char t[64], u[64], h[64];

	md_escape(c->tmpl, t, sizeof t);
	md_escape(c->user, u, sizeof u);
	md_escape(c->home == NULL ? "(none)" : c->home[0] == '\0' ? "(empty)" : c->home, h,
		  sizeof h);
	snprintf(buf, len, "md_expand maildir=%s user=%s home=%s", t, u, h);
	return buf;
}

static bool run(const struct tcase *c, char *why, size_t whylen)
{
	struct md_log log = { count_log, NULL, true };
	struct md_options o;
	struct md_account a;
	char opt[6000], out[4096];
	enum md_result r;

	md_options_init(&o);
	snprintf(opt, sizeof opt, "maildir=%s", c->tmpl);
	logged = 0;
	r = md_option_set(&o, opt, &log);
	if (c->path == SET_REFUSED) {
		if (r == MD_ERR_CONFIG && logged > 0)
			return true;
		snprintf(why, whylen, "md_option_set gave %s (%u log lines), want MD_ERR_CONFIG",
			 result_name(r), logged);
		return false;
	}
	if (r != MD_OK) {
		snprintf(why, whylen, "md_option_set refused the template");
		return false;
	}
	memset(&a, 0, sizeof a);
	a.user = c->user;
	a.owner = c->user;
	a.uid = c->uid;
	a.gid = c->uid;
	a.home = c->home;
	logged = 0;
	r = md_expand(&o, &a, out, sizeof out, &log);
	if (r != c->want) {
		snprintf(why, whylen, "gave %s, want %s", result_name(r), result_name(c->want));
		return false;
	}
	if (r != MD_OK && logged == 0) {
		snprintf(why, whylen, "refused without a log line");
		return false;
	}
	if (r == MD_OK && strcmp(out, c->path) != 0) {
		char e[128];
		snprintf(why, whylen, "gave \"%s\", want \"%s\"", md_escape(out, e, sizeof e),
			 c->path);
		return false;
	}
	return true;
}

int main(void)
{
	size_t i;

	memset(long_user, 'a', 256);
	long_path[0] = '/';
	for (i = 1; i < 4200; i++)
		long_path[i] = i % 200 == 0 ? '/' : 'x';
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[512], why[512] = "";
		bool ok = run(&cases[i], why, sizeof why);
		report(ok, label(&cases[i], name, sizeof name), why);
	}
	return failed > 0;
}
