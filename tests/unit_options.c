// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * unit_options.c - table-driven test of the options (options.c): every
 * option with good and malformed values, name validation (valid_name,
 * trust.c), and md_options_parse's precedence: config= over the default
 * file, the command or PAM line over the file, MD_STRICT, MD_THOROUGH, the
 * default file's lstat rule.  Linked against libcore.a, the objects the
 * module is linked from.  Usage: unit_options DIR (a directory for the
 * configuration files, reachable through root's directories only).
 * Prints one "PASS name" or "FAIL name: why" line per case
 * (tests/t_unit_core.sh records them); exits 1 on a failure.
 */
#define _GNU_SOURCE
#include "core.h"
#include "tests/unit.h"

#include <stdarg.h>

struct ocase {
	const char *arg;     /* one option, as on the PAM line */
	enum md_result want;
	const char *field;   /* the option whose value is then checked, or NULL */
	const char *value;   /* that value as value_of renders it */
};

static const struct ocase ocases[] = {
	/* maildir= */
	{ "maildir=%h/Maildir", MD_OK, "maildir", "%h/Maildir" },
	{ "maildir=/var/vmail/%d/%n", MD_OK, "maildir", "/var/vmail/%d/%n" },
	{ "maildir=Maildir", MD_OK, "maildir", "Maildir" },
	{ "maildir=/m/%U/%%", MD_OK, "maildir", "/m/%U/%%" },
	{ "maildir=", MD_ERR_CONFIG, "maildir", "%h/Maildir" },
	{ "maildir", MD_ERR_CONFIG, NULL, NULL },
	{ "maildir=/m/%x", MD_ERR_CONFIG, "maildir", "%h/Maildir" },
	{ "maildir=/m/%", MD_ERR_CONFIG, NULL, NULL },
	{ "maildir=/m/\x1b[0m", MD_ERR_CONFIG, NULL, NULL },
	{ "maildir=/m/\xc2\x85", MD_ERR_CONFIG, NULL, NULL },
	/* owner= and group=: one path component, a name */
	{ "owner=vmail", MD_OK, "owner", "vmail" },
	{ "group=mail", MD_OK, "group", "mail" },
	{ "owner=", MD_ERR_CONFIG, "owner", "(null)" },
	{ "owner=a/b", MD_ERR_CONFIG, "owner", "(null)" },
	{ "owner=..", MD_ERR_CONFIG, NULL, NULL },
	{ "owner=.", MD_ERR_CONFIG, NULL, NULL },
	{ "owner=-x", MD_ERR_CONFIG, NULL, NULL },
	{ "group=a\tb", MD_ERR_CONFIG, "group", "(null)" },
	{ "group=\xff", MD_ERR_CONFIG, NULL, NULL },
	/* mode= and homemode=: u=rwx, no group/other write, no setuid/setgid */
	{ "mode=0700", MD_OK, "mode", "0700" },
	{ "mode=700", MD_OK, "mode", "0700" },
	{ "mode=0750", MD_OK, "mode", "0750" },
	{ "mode=0755", MD_OK, "mode", "0755" },
	{ "mode=1700", MD_OK, "mode", "01700" },
	{ "homemode=0711", MD_OK, "homemode", "0711" },
	{ "mode=0600", MD_ERR_CONFIG, "mode", "0700" },
	{ "mode=0770", MD_ERR_CONFIG, "mode", "0700" },
	{ "mode=0702", MD_ERR_CONFIG, NULL, NULL },
	{ "mode=4700", MD_ERR_CONFIG, NULL, NULL },
	{ "mode=2700", MD_ERR_CONFIG, NULL, NULL },
	{ "mode=0800", MD_ERR_CONFIG, NULL, NULL },
	{ "mode=07000", MD_ERR_CONFIG, NULL, NULL },
	{ "mode=", MD_ERR_CONFIG, NULL, NULL },
	{ "mode=rwx", MD_ERR_CONFIG, NULL, NULL },
	{ "homemode=0777", MD_ERR_CONFIG, "homemode", "0700" },
	/* folders= (the encoder has its own unit test) */
	{ "folders=Sent,Drafts,Trash", MD_OK, "folders", "Sent,Drafts,Trash" },
	{ "folders=", MD_OK, "folders", "(null)" },
	{ "folders=Sent,Sent", MD_ERR_CONFIG, NULL, NULL },
	{ "folders=Sent,INBOX.Sent", MD_ERR_CONFIG, NULL, NULL },
	{ "folders=a\tb", MD_ERR_CONFIG, NULL, NULL },
	/* layout= */
	{ "layout=fs", MD_OK, "layout", "1" },
	{ "layout=maildir++", MD_OK, "layout", "0" },
	{ "layout=Maildir++", MD_ERR_CONFIG, "layout", "0" },
	{ "layout=", MD_ERR_CONFIG, NULL, NULL },
	/* quota_source= */
	{ "quota_source=option", MD_OK, "quota_source", "option" },
	{ "quota_source=env", MD_OK, "quota_source", "env" },
	{ "quota_source=authdaemon", MD_OK, "quota_source", "authdaemon" },
	{ "quota_source=authdaemon,env", MD_OK, "quota_source", "authdaemon,env" },
	{ "quota_source=env,authdaemon", MD_OK, "quota_source", "env,authdaemon" },
	{ "quota_source=option,authdaemon", MD_OK, "quota_source", "option,authdaemon" },
	{ "quota_source=authdaemon,option,env", MD_OK, "quota_source", "authdaemon,option,env" },
	{ "quota_source=", MD_ERR_CONFIG, "quota_source", "env" },
	{ "quota_source=Option", MD_ERR_CONFIG, NULL, NULL },
	{ "quota_source=env,env", MD_ERR_CONFIG, "quota_source", "env" },
	{ "quota_source=authdaemon,env,authdaemon", MD_ERR_CONFIG, "quota_source", "env" },
	{ "quota_source=authdaemon,", MD_ERR_CONFIG, "quota_source", "env" },
	{ "quota_source=,env", MD_ERR_CONFIG, NULL, NULL },
	{ "quota_source=authdaemon,,env", MD_ERR_CONFIG, NULL, NULL },
	{ "quota_source=authdaemon env", MD_ERR_CONFIG, NULL, NULL },
	{ "quota_source=userdb", MD_ERR_CONFIG, NULL, NULL },
	{ "quota_source=authdaemond", MD_ERR_CONFIG, NULL, NULL },
	{ "quota_source=auth", MD_ERR_CONFIG, NULL, NULL },
	/* quota= */
	{ "quota=1073741824S", MD_OK, "quota", "1073741824S file" },
	{ "quota=1000S,100C", MD_OK, "quota", "1000S,100C file" },
	{ "quota=100C,1000S", MD_OK, "quota", "100C,1000S file" },
	{ "quota=0S,0C", MD_OK, "quota", "0S,0C no file" },
	{ "quota=9223372036854775807S", MD_OK, "quota", "9223372036854775807S file" },
	{ "quota=9223372036854775808S", MD_ERR_CONFIG, "quota", "(null) no file" },
	{ "quota=2147483647C", MD_OK, "quota", "2147483647C file" },
	{ "quota=2147483648C", MD_ERR_CONFIG, NULL, NULL },
	{ "quota=1000", MD_ERR_CONFIG, NULL, NULL },
	{ "quota=1000S,", MD_ERR_CONFIG, NULL, NULL },
	{ "quota=1000S,2000S", MD_ERR_CONFIG, NULL, NULL },
	{ "quota=S", MD_ERR_CONFIG, NULL, NULL },
	{ "quota=-1S", MD_ERR_CONFIG, NULL, NULL },
	{ "quota=", MD_ERR_CONFIG, NULL, NULL },
	/* skel= and creator=: absolute paths */
	{ "skel=/etc/skel", MD_OK, "skel", "/etc/skel" },
	{ "creator=/usr/local/sbin/mkhome", MD_OK, "creator", "/usr/local/sbin/mkhome" },
	{ "skel=etc/skel", MD_ERR_CONFIG, "skel", "(null)" },
	{ "creator=", MD_ERR_CONFIG, "creator", "(null)" },
	{ "creator=/bin/x\ny", MD_ERR_CONFIG, NULL, NULL },
	/* timeout= */
	{ "timeout=1", MD_OK, "timeout", "1" },
	{ "timeout=3600", MD_OK, "timeout", "3600" },
	{ "timeout=0", MD_ERR_CONFIG, "timeout", "10" },
	{ "timeout=3601", MD_ERR_CONFIG, "timeout", "10" },
	{ "timeout=10s", MD_ERR_CONFIG, NULL, NULL },
	{ "timeout=-1", MD_ERR_CONFIG, NULL, NULL },
	{ "timeout=99999999999999999999", MD_ERR_CONFIG, NULL, NULL },
	/* the flags */
	{ "subscribe", MD_OK, "subscribe", "1" },
	{ "createhome", MD_OK, "createhome", "1" },
	{ "creator_root", MD_OK, "creator_root", "1" },
	{ "debug", MD_OK, "debug", "1" },
	{ "quiet", MD_OK, "quiet", "1" },
	{ "utf8", MD_OK, "utf8", "1" },
	{ "subscribe=yes", MD_ERR_CONFIG, "subscribe", "0" },
	{ "debug=", MD_ERR_CONFIG, "debug", "0" },
	/* config= is the PAM line's, never an option of md_option_set */
	{ "config=/etc/security/mkmaildir.conf", MD_ERR_CONFIG, NULL, NULL },
	/* unknown names: logged and ignored */
	{ "frobnicate", MD_OK, NULL, NULL },
	{ "folderz=Sent", MD_OK, "folders", "(null)" },
	{ "Debug", MD_OK, "debug", "0" },
	{ "", MD_OK, NULL, NULL },
};

static struct md_log quiet_log = { count_log, NULL, true };

static const char *str(const char *s)
{
	return s != NULL ? s : "(null)";
}

/* An option's value in o as text. */
static const char *value_of(const struct md_options *o, const char *name, char *buf,
			    size_t len)
{
	static const struct { const char *name; size_t off; } strings[] = {
		{ "maildir", offsetof(struct md_options, maildir) },
		{ "owner", offsetof(struct md_options, owner) },
		{ "group", offsetof(struct md_options, group) },
		{ "folders", offsetof(struct md_options, folders) },
		{ "skel", offsetof(struct md_options, skel) },
		{ "creator", offsetof(struct md_options, creator) },
	};
	static const struct { const char *name; size_t off; } flags[] = {
		{ "subscribe", offsetof(struct md_options, subscribe) },
		{ "createhome", offsetof(struct md_options, createhome) },
		{ "creator_root", offsetof(struct md_options, creator_root) },
		{ "debug", offsetof(struct md_options, debug) },
		{ "quiet", offsetof(struct md_options, quiet) },
		{ "utf8", offsetof(struct md_options, utf8) },
		{ "layout", offsetof(struct md_options, layout_fs) },
		{ "thorough", offsetof(struct md_options, thorough) },
	};
	size_t i;

	for (i = 0; i < sizeof strings / sizeof strings[0]; i++)
		if (strcmp(name, strings[i].name) == 0)
			return str(*(const char *const *)((const char *)o + strings[i].off));
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (strcmp(name, flags[i].name) == 0)
			return *(const bool *)((const char *)o + flags[i].off) ? "1" : "0";
	if (strcmp(name, "mode") == 0 || strcmp(name, "homemode") == 0)
		snprintf(buf, len, "0%o", (unsigned)(name[0] == 'm' ? o->mode : o->homemode));
	else if (strcmp(name, "timeout") == 0)
		snprintf(buf, len, "%u", o->timeout);
	else if (strcmp(name, "mistakes") == 0)
		snprintf(buf, len, "%u", o->mistakes);
	else if (strcmp(name, "record") == 0)
		snprintf(buf, len, "%.20s", o->record);
	else if (strcmp(name, "quota_source") == 0) {
		static const char *const src[] = { "?", "env", "option", "authdaemon" };
		size_t n = 0;
		buf[0] = '\0';
		for (i = 0; i < MD_QUOTA_SOURCES && o->quota_sources[i] != MD_QS_END; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i > 0 ? "," : "",
					      src[o->quota_sources[i] <= 3 ? o->quota_sources[i] : 0]);
	} else if (strcmp(name, "quota") == 0)
		snprintf(buf, len, "%s %s", str(o->quota), o->quota_file ? "file" : "no file");
	else
		snprintf(buf, len, "(no such field %s)", name);
	return buf;
}

static void one_option(const struct ocase *c)
{
	char name[300], why[600] = "", buf[128];
	struct md_options o;
	enum md_result r;

	md_options_init(&o);
	logged = 0;
	r = md_option_set(&o, c->arg, &quiet_log);
	snprintf(name, sizeof name, "md_option_set \"%s\"", c->arg);
	if (r != c->want)
		snprintf(why, sizeof why, "gave %s, want %s", result_name(r), result_name(c->want));
	else if (r != MD_OK && logged == 0)
		snprintf(why, sizeof why, "refused without a log line");
	else if (c->field != NULL && strcmp(value_of(&o, c->field, buf, sizeof buf), c->value) != 0)
		snprintf(why, sizeof why, "%s is \"%s\", want \"%s\"", c->field, buf[0] ? buf :
			 value_of(&o, c->field, buf, sizeof buf), c->value);
	report(why[0] == '\0', name, why);
	md_options_free(&o);
}

/* --- valid_name, the rule of every value that becomes one path component --- */

struct ncase {
	const char *s;
	bool ok;
};

static char n255[256], n256[257];

static const struct ncase ncases[] = {
	{ "alice", true }, { "bob@example.org", true }, { "a.b", true }, { "a-", true },
	{ "_x", true }, { "\xc3\xa9mile", true }, { "a b", true }, { "...", true },
	{ n255, true }, { n256, false }, { "", false }, { ".", false }, { "..", false },
	{ "a/b", false }, { "/", false }, { "-a", false }, { "a\n", false },
	{ "a\x7f", false }, { "\x01", false }, { "a\xc2\x9b", false },
	{ "a\xe2\x80\xa8", false }, { "a\xe2\x81\xa6", false }, { "\xc0\xaf", false },
	{ "\xed\xa0\x80", false }, { "\xf4\x90\x80\x80", false }, { "a\xe2\x82", false },
};

static void one_name(const struct ncase *c)
{
	const char *why;
	bool ok = valid_name(c->s, &why);
	char name[300], e[64];

	snprintf(name, sizeof name, "valid_name \"%s\" (%zu bytes) %s",
		 md_escape(c->s, e, sizeof e), strlen(c->s), c->ok ? "accepted" : "refused");
	if (ok != c->ok)
		report(false, name, ok ? "accepted" : why);
	else if (!ok && why == NULL)
		report(false, name, "refused without a reason");
	else
		report(true, name, NULL);
}

/* --- md_options_parse: the file, the line, the flags --- */

static const char *dir;

/* Writes DIR/name (0644) with text; returns its path. */
static const char *conf(const char *name, const char *text)
{
	static char paths[8][PATH_MAX];
	static unsigned next;
	char *p = paths[next++ % 8];
	FILE *f;

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	f = fopen(p, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("FAIL writing %s\n", p);
		exit(1);
	}
	chmod(p, 0644);
	return p;
}

struct pcase {
	const char *name;
	const char *args[4];      /* NULL-terminated; "@file" is config=<file> */
	const char *deflt;        /* the default file: NULL none, "@x" DIR/x */
	unsigned flags;
	enum md_result want;
	const char *field, *value; /* checked when want is MD_OK */
	const char *field2, *value2;
};

static const struct pcase pcases[] = {
	{ "parse: no options, no file: the defaults", { NULL }, NULL, 0, MD_OK,
	  "maildir", "%h/Maildir", "folders", "(null)" },
	{ "parse: config= is read", { "@a.conf", NULL }, NULL, 0, MD_OK,
	  "folders", "Sent", "quota", "1000S file" },
	{ "parse: the line wins over config= (after it)", { "@a.conf", "folders=Junk", NULL },
	  NULL, 0, MD_OK, "folders", "Junk", "quota", "1000S file" },
	{ "parse: the line wins over config= (before it)", { "folders=Junk", "@a.conf", NULL },
	  NULL, 0, MD_OK, "folders", "Junk", "quota", "1000S file" },
	{ "parse: the later of two line options wins", { "mode=0750", "mode=0755", NULL }, NULL,
	  0, MD_OK, "mode", "0755", NULL, NULL },
	{ "parse: the later of two file lines wins", { "@twice.conf", NULL }, NULL, 0, MD_OK,
	  "folders", "B", NULL, NULL },
	{ "parse: the default file is read when no config= is given", { NULL }, "@a.conf", 0,
	  MD_OK, "folders", "Sent", NULL, NULL },
	{ "parse: config= replaces the default file", { "@b.conf", NULL }, "@a.conf", 0, MD_OK,
	  "folders", "Trash", "quota", "(null) no file" },
	{ "parse: the line wins over the default file", { "folders=Junk", NULL }, "@a.conf", 0,
	  MD_OK, "folders", "Junk", "quota", "1000S file" },
	{ "parse: a missing default file is no file", { NULL }, "@absent.conf", 0, MD_OK,
	  "folders", "(null)", NULL, NULL },
	{ "parse: a dangling symlink as the default file is refused", { NULL }, "@dangling.conf",
	  0, MD_ERR_CONFIG, NULL, NULL, NULL, NULL },
	{ "parse: a symlink as the default file is refused", { NULL }, "@link.conf", 0,
	  MD_ERR_CONFIG, NULL, NULL, NULL, NULL },
	{ "parse: a missing config= file is an error", { "@absent.conf", NULL }, NULL, 0,
	  MD_ERR_CONFIG, NULL, NULL, NULL, NULL },
	{ "parse: a relative config= path is an error", { "config=a.conf", NULL }, NULL, 0,
	  MD_ERR_CONFIG, NULL, NULL, NULL, NULL },
	{ "parse: two config= are an error", { "@a.conf", "@b.conf", NULL }, NULL, 0,
	  MD_ERR_CONFIG, NULL, NULL, NULL, NULL },
	{ "parse: config= inside the file is an error", { "@nested.conf", NULL }, NULL, 0,
	  MD_ERR_CONFIG, NULL, NULL, NULL, NULL },
	{ "parse: a bad line in the file is an error", { "@bad.conf", NULL }, NULL, 0,
	  MD_ERR_CONFIG, NULL, NULL, NULL, NULL },
	{ "parse: a bad value on the line is an error", { "@a.conf", "mode=0777", NULL }, NULL, 0,
	  MD_ERR_CONFIG, NULL, NULL, NULL, NULL },
	{ "parse: comments, blank lines, CR and blanks around a line", { "@comments.conf", NULL },
	  NULL, 0, MD_OK, "folders", "X", "subscribe", "1" },
	{ "parse: an unknown option on the line is ignored", { "frobnicate", "subscribe", NULL },
	  NULL, 0, MD_OK, "subscribe", "1", NULL, NULL },
	{ "parse: an unknown option on the line is counted", { "frobnicate", "subscibe", NULL },
	  NULL, 0, MD_OK, "mistakes", "2", NULL, NULL },
	{ "parse: an unknown option in the file is counted", { "@unknown.conf", NULL },
	  NULL, 0, MD_OK, "mistakes", "1", "folders", "U" },
	{ "parse: the record is named after the configuration", { "folders=Sent", NULL },
	  NULL, 0, MD_OK, "record", "pam_mkmaildir.given.", NULL, NULL },
	{ "parse: MD_STRICT: an unknown option on the line is an error", { "frobnicate", NULL },
	  NULL, MD_STRICT, MD_ERR_CONFIG, NULL, NULL, NULL, NULL },
	{ "parse: MD_STRICT: an unknown option in the file is ignored", { "@unknown.conf", NULL },
	  NULL, MD_STRICT, MD_OK, "folders", "U", NULL, NULL },
	{ "parse: MD_THOROUGH sets thorough", { NULL }, NULL, MD_THOROUGH, MD_OK,
	  "thorough", "1", NULL, NULL },
	{ "parse: thorough is not an option", { "thorough", NULL }, NULL, 0, MD_OK,
	  "thorough", "0", "mistakes", "1" },
	{ "parse: squash is accepted and counts as no mistake", { "squash", NULL }, NULL, 0, MD_OK,
	  "mistakes", "0", NULL, NULL },
	/* quota_source=authdaemon: on the line only where the front end asks authdaemond */
	{ "parse: quota_source=authdaemon on the line is refused (PAM, mkmaildir)",
	  { "quota_source=authdaemon", NULL }, NULL, 0, MD_ERR_CONFIG, NULL, NULL, NULL, NULL },
	{ "parse: quota_source=env,authdaemon on mkmaildir's line is refused",
	  { "quota_source=env,authdaemon", NULL }, NULL, MD_STRICT | MD_THOROUGH, MD_ERR_CONFIG,
	  NULL, NULL, NULL, NULL },
	{ "parse: quota_source=option on the line is taken without MD_AUTHDAEMON",
	  { "quota_source=option", NULL }, NULL, 0, MD_OK, "quota_source", "option", NULL, NULL },
	{ "parse: MD_AUTHDAEMON: quota_source=authdaemon,env on the line is taken",
	  { "quota_source=authdaemon,env", NULL }, NULL, MD_AUTHDAEMON, MD_OK, "quota_source",
	  "authdaemon,env", NULL, NULL },
	{ "parse: quota_source=authdaemon in the shared file is taken (authmkhome's)",
	  { "@qsource.conf", NULL }, NULL, 0, MD_OK, "quota_source", "authdaemon,env", NULL, NULL },
	{ "parse: quota_source=authdaemon in the default file is taken",
	  { NULL }, "@qsource.conf", MD_STRICT, MD_OK, "quota_source", "authdaemon,env", NULL, NULL },
	{ "parse: a malformed quota_source= on the line stays a value error",
	  { "quota_source=authdaemon,authdaemon", NULL }, NULL, 0, MD_ERR_CONFIG, NULL, NULL,
	  NULL, NULL },
	/* what needs every option: the folder list against utf8 and layout */
	{ "parse: folders in UTF-8 with utf8 given later", { "folders=Entw\xc3\xbc" "rfe", "utf8",
	  NULL }, NULL, 0, MD_OK, "utf8", "1", "folders", "Entw\xc3\xbc" "rfe" },
	{ "parse: layout=fs refuses a folder fs cannot hold", { "folders=a..b", "layout=fs", NULL },
	  NULL, 0, MD_ERR_CONFIG, NULL, NULL, NULL, NULL },
};

static void setup_files(void)
{
	char p[PATH_MAX], q[PATH_MAX];

	conf("a.conf", "folders=Sent\nquota=1000S\n");
	conf("b.conf", "folders=Trash\n");
	conf("twice.conf", "folders=A\nfolders=B\n");
	conf("nested.conf", "config=/etc/passwd\n");
	conf("bad.conf", "folders=Sent\nmode=0777\n");
	conf("comments.conf", "# a comment\n\n  folders=X \t\r\n\tsubscribe\n# end");
	conf("unknown.conf", "frobnicate\nfolders=U\n");
	conf("qsource.conf", "quota_source=authdaemon,env\n");
	snprintf(p, sizeof p, "%s/absent.conf", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/dangling.conf", dir);
	unlink(p);
	if (symlink("/nonexistent/mkmaildir.conf", p) < 0)
		printf("FAIL symlink %s\n", p);
	snprintf(p, sizeof p, "%s/link.conf", dir);
	snprintf(q, sizeof q, "%s/a.conf", dir);
	unlink(p);
	if (symlink(q, p) < 0)
		printf("FAIL symlink %s\n", p);
}

static const char *in_dir(const char *at, char *buf, size_t len, const char *prefix)
{
	snprintf(buf, len, "%s%s/%s", prefix, dir, at + 1);
	return buf;
}

static void one_parse(const struct pcase *c)
{
	char argbuf[4][PATH_MAX + 16], defbuf[PATH_MAX], why[600] = "", b1[128], b2[128];
	const char *argv[4], *deflt = NULL;
	struct md_options o;
	enum md_result r;
	int argc = 0;

	for (; argc < 4 && c->args[argc] != NULL; argc++)
		argv[argc] = c->args[argc][0] == '@' ?
			     in_dir(c->args[argc], argbuf[argc], sizeof argbuf[argc], "config=") :
			     c->args[argc];
	if (c->deflt != NULL)
		deflt = in_dir(c->deflt, defbuf, sizeof defbuf, "");
	md_options_init(&o);
	logged = 0;
	r = md_options_parse(&o, argc, argv, deflt, c->flags, &quiet_log);
	if (r != c->want)
		snprintf(why, sizeof why, "gave %s, want %s", result_name(r), result_name(c->want));
	else if (r != MD_OK && logged == 0)
		snprintf(why, sizeof why, "refused without a log line");
	else if (r == MD_OK && c->field != NULL &&
		 strcmp(value_of(&o, c->field, b1, sizeof b1), c->value) != 0)
		snprintf(why, sizeof why, "%s is \"%s\", want \"%s\"", c->field,
			 value_of(&o, c->field, b1, sizeof b1), c->value);
	else if (r == MD_OK && c->field2 != NULL &&
		 strcmp(value_of(&o, c->field2, b2, sizeof b2), c->value2) != 0)
		snprintf(why, sizeof why, "%s is \"%s\", want \"%s\"", c->field2,
			 value_of(&o, c->field2, b2, sizeof b2), c->value2);
	else if (r == MD_OK && (o.config != NULL) != (o.config_text != NULL))
		snprintf(why, sizeof why, "config and config_text disagree");
	report(why[0] == '\0', c->name, why);
	md_options_free(&o);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: unit_options DIR\n");
		return 2;
	}
	dir = argv[1];
	memset(n255, 'n', 255);
	memset(n256, 'n', 256);
	for (i = 0; i < sizeof ocases / sizeof ocases[0]; i++)
		one_option(&ocases[i]);
	for (i = 0; i < sizeof ncases / sizeof ncases[0]; i++)
		one_name(&ncases[i]);
	setup_files();
	for (i = 0; i < sizeof pcases / sizeof pcases[0]; i++)
		one_parse(&pcases[i]);
	return failed > 0;
}
