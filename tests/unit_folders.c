// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * unit_folders.c - table-driven test of fold_encode (folders.c): every
 * encoding case of folders=.  Prints one "PASS name" or "FAIL name: why"
 * line per case (tests/t_unit_folders.sh records them); exits 1 on a failure.
 * The expected modified UTF-7 was worked out independently (RFC 3501 5.1.3:
 * UTF-16 in BASE64 with ',' for '/', "&-" for '&').
 */
#include "folders.h"

#include <stdio.h>
#include <string.h>

#define REFUSED NULL

struct tcase {
	const char *name;  /* case name */
	const char *in;    /* as the administrator writes it */
	const char *utf7;  /* expected on disk by default, REFUSED */
	const char *utf8;  /* expected with utf8, REFUSED */
};

static char a254[255], a255[256], a253u[256], a252u[256], u94[300], u95[300],
	u127[300], u128[300], inbox_a254[300];

static void fill(void)
{
	memset(a254, 'a', 254);
	memset(a255, 'a', 255);
	memset(a253u, 'a', 253);
	strcpy(a253u + 253, "\xc3\xbc");
	memset(a252u, 'a', 252);
	strcpy(a252u + 252, "\xc3\xbc");
	for (int i = 0; i < 95; i++) {
		if (i < 94)
			memcpy(u94 + 2 * i, "\xc3\xbc", 2);
		memcpy(u95 + 2 * i, "\xc3\xbc", 2);
	}
	for (int i = 0; i < 128; i++) {
		if (i < 127)
			memcpy(u127 + 2 * i, "\xc3\xbc", 2);
		memcpy(u128 + 2 * i, "\xc3\xbc", 2);
	}
	strcpy(inbox_a254, "INBOX.");
	strcat(inbox_a254, a254);
}

/* "&APw" (94 times: 1504 bits = 251 BASE64 characters) and "-". */
static char u94_utf7[300];

static void fill_utf7(void)
{
	char *p = u94_utf7;
	/* 3 x U+00FC = 48 bits = 8 characters "APwA/AD8" in modified BASE64. */
	static const char eight[] = "APwA_AD8";
	int i;

	*p++ = '&';
	for (i = 0; i < 31; i++, p += 8)
		memcpy(p, eight, 8);
	/* one more U+00FC: 16 bits, "APw" */
	memcpy(p, "APw", 3);
	p += 3;
	*p++ = '-';
	*p = '\0';
	for (p = u94_utf7; *p != '\0'; p++)
		if (*p == '_')
			*p = ',';
}

static const struct tcase cases[] = {
	{ "plain ASCII", "Sent", "Sent", "Sent" },
	{ "ASCII punctuation kept", "Spam (old) #1 + [x]", "Spam (old) #1 + [x]", "Spam (old) #1 + [x]" },
	{ "levels", "Archive.2024", "Archive.2024", "Archive.2024" },
	{ "ampersand", "Q&A", "Q&-A", "Q&A" },
	{ "two ampersands", "&&", "&-&-", "&&" },
	{ "umlaut", "Entw\xc3\xbcrfe", "Entw&APw-rfe", "Entw\xc3\xbcrfe" },
	{ "non-ASCII then ampersand", "\xc3\xbc&", "&APw-&-", "\xc3\xbc&" },
	{ "CJK (RFC 3501)", "\xe5\x8f\xb0\xe5\x8c\x97", "&U,BTFw-", "\xe5\x8f\xb0\xe5\x8c\x97" },
	{ "three CJK in one shift", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "&ZeVnLIqe-",
	  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
	{ "euro between ASCII", "a\xe2\x82\xac" "b", "a&IKw-b", "a\xe2\x82\xac" "b" },
	{ "non-BMP (surrogate pair)", "\xf0\x9f\x98\x80", "&2D3eAA-", "\xf0\x9f\x98\x80" },
	{ "non-BMP G clef", "\xf0\x9d\x84\x9e", "&2DTdHg-", "\xf0\x9d\x84\x9e" },
	{ "non-BMP and BMP, two shifts", "x\xf0\x9f\x98\x80y\xe2\x82\xac", "x&2D3eAA-y&IKw-",
	  "x\xf0\x9f\x98\x80y\xe2\x82\xac" },
	{ "non-ASCII level", "Archiv.Entw\xc3\xbcrfe", "Archiv.Entw&APw-rfe", "Archiv.Entw\xc3\xbcrfe" },
	{ "INBOX. prefix dropped", "INBOX.Sent", "Sent", "Sent" },
	{ "inbox. prefix, any case", "inbox.Sent", "Sent", "Sent" },
	{ "InBoX. prefix, levels", "InBoX.Archive.2024", "Archive.2024", "Archive.2024" },
	{ "INBOXES is a folder", "INBOXES", "INBOXES", "INBOXES" },
	{ "INBOX.x is not INBOX", "INBOXx.y", "INBOXx.y", "INBOXx.y" },
	{ "INBOX alone", "INBOX", REFUSED, REFUSED },
	{ "inbox alone", "inbox", REFUSED, REFUSED },
	{ "INBOX.INBOX", "INBOX.INBOX", REFUSED, REFUSED },
	{ "INBOX.inbox.Sub", "INBOX.inbox.Sub", REFUSED, REFUSED },
	{ "INBOX.Sub without prefix is INBOX's child", "Inbox.Sub.x", "Sub.x", "Sub.x" },
	{ "INBOX. and nothing", "INBOX.", REFUSED, REFUSED },
	{ "empty", "", REFUSED, REFUSED },
	{ "dot", ".", REFUSED, REFUSED },
	{ "leading dot", ".Sent", REFUSED, REFUSED },
	{ "trailing dot", "Sent.", REFUSED, REFUSED },
	{ "empty level", "a..b", REFUSED, REFUSED },
	{ "dot-dot", "..", REFUSED, REFUSED },
	{ "slash", "a/b", REFUSED, REFUSED },
	{ "slash alone", "/", REFUSED, REFUSED },
	{ "backslash", "a\\b", REFUSED, REFUSED },
	{ "IMAP wildcard *", "a*", REFUSED, REFUSED },
	{ "IMAP wildcard %", "a%", REFUSED, REFUSED },
	{ "double quote", "a\"b", REFUSED, REFUSED },
	{ "tilde", "~x", REFUSED, REFUSED },
	{ "C0 control", "a\x01" "b", REFUSED, REFUSED },
	{ "tab", "a\tb", REFUSED, REFUSED },
	{ "newline", "a\nb", REFUSED, REFUSED },
	{ "DEL", "a\x7f", REFUSED, REFUSED },
	{ "C1 control U+0080", "a\xc2\x80", REFUSED, REFUSED },
	{ "C1 control U+009B (CSI)", "a\xc2\x9b" "2J", REFUSED, REFUSED },
	{ "U+00A0 is not a control", "a\xc2\xa0" "b", "a&AKA-b", "a\xc2\xa0" "b" },
	{ "invalid byte 0xff", "a\xff", REFUSED, REFUSED },
	{ "lone continuation byte", "a\x80", REFUSED, REFUSED },
	{ "truncated 2-byte", "a\xc3", REFUSED, REFUSED },
	{ "truncated 3-byte", "\xe2\x82", REFUSED, REFUSED },
	{ "truncated 4-byte", "\xf0\x9f\x98", REFUSED, REFUSED },
	{ "overlong '/'", "\xc0\xaf", REFUSED, REFUSED },
	{ "overlong 3-byte", "\xe0\x80\xaf", REFUSED, REFUSED },
	{ "overlong 4-byte", "\xf0\x80\x80\xaf", REFUSED, REFUSED },
	{ "UTF-16 surrogate", "\xed\xa0\x80", REFUSED, REFUSED },
	{ "beyond U+10FFFF", "\xf4\x90\x80\x80", REFUSED, REFUSED },
	{ "0xf5 lead byte", "\xf5\x80\x80\x80", REFUSED, REFUSED },
	{ "bad continuation", "\xc3\x28", REFUSED, REFUSED },
};

struct lcase {
	const char *name;
	const char *in;
	const char *utf7; /* expected, REFUSED; "=" means the same as in */
	const char *utf8;
};

static int failures;

static void result(const char *name, const char *mode, bool ok, const char *why)
{
	if (ok) {
		printf("PASS fold_encode %s (%s)\n", name, mode);
	} else {
		printf("FAIL fold_encode %s (%s): %s\n", name, mode, why);
		failures++;
	}
}

static void run(const char *name, const char *in, enum fold_encoding enc, const char *want)
{
	char out[FOLD_NAME_MAX + 1], why[600];
	const char *mode = enc == FOLD_UTF7 ? "utf7" : "utf8";
	const char *r = fold_encode(in, strlen(in), enc, out, sizeof out);

	if (want == REFUSED) {
		snprintf(why, sizeof why, "accepted as \"%.300s\"", out);
		result(name, mode, r != NULL, why);
	} else if (r != NULL) {
		snprintf(why, sizeof why, "refused: %s", r);
		result(name, mode, false, why);
	} else {
		snprintf(why, sizeof why, "got \"%.280s\"", out);
		result(name, mode, strcmp(out, want) == 0, why);
	}
}

int main(void)
{
	size_t i;

	fill();
	fill_utf7();
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run(cases[i].name, cases[i].in, FOLD_UTF7, cases[i].utf7);
		run(cases[i].name, cases[i].in, FOLD_UTF8, cases[i].utf8);
	}
	/* NAME_MAX: ".name" is one file name of at most 255 bytes. */
	const struct lcase lens[] = {
		{ "254 ASCII bytes fit", a254, a254, a254 },
		{ "255 ASCII bytes do not", a255, REFUSED, REFUSED },
		{ "INBOX. plus 254 bytes fit", inbox_a254, a254, a254 },
		{ "253 bytes + U+00FC: 255 in UTF-8, 258 in UTF-7", a253u, REFUSED, REFUSED },
		{ "252 bytes + U+00FC: 254 in UTF-8, 257 in UTF-7", a252u, REFUSED, a252u },
		{ "94 x U+00FC: 253 bytes in UTF-7", u94, u94_utf7, u94 },
		{ "95 x U+00FC: 256 bytes in UTF-7", u95, REFUSED, u95 },
		{ "127 x U+00FC: 254 bytes in UTF-8", u127, REFUSED, u127 },
		{ "128 x U+00FC: 256 bytes in UTF-8", u128, REFUSED, REFUSED },
	};
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		run(lens[i].name, lens[i].in, FOLD_UTF7, lens[i].utf7);
		run(lens[i].name, lens[i].in, FOLD_UTF8, lens[i].utf8);
	}
	/* Dovecot's fs layout: levels become directories; cur, new, tmp and the
	 * names of the maildir's own files refused. */
	{
		static const struct { const char *in, *want; } fs[] = {
			{ "Sent", "Sent" }, { "Archive.2024", "Archive/2024" },
			{ "a.b.c", "a/b/c" }, { "Q&-A.Entw&APw-rfe", "Q&-A/Entw&APw-rfe" },
			{ "curly.newer.tmpx", "curly/newer/tmpx" }, { "cur", NULL },
			{ "Archive.new", NULL }, { "tmp.x", NULL }, { "a.cur.b", NULL },
			/* the maildir's own files, at its top only */
			{ "subscriptions", NULL }, { "maildirsize", NULL }, { "maildirfolder", NULL },
			{ "dovecot-uidlist", NULL }, { "dovecot.index", NULL },
			{ "courierimapsubscribed", NULL }, { "pam_mkmaildir.populated", NULL },
			{ "subscription", "subscription" }, { "sub", "sub" },
			{ "Archive.subscriptions", "Archive/subscriptions" },
			{ "dove", "dove" }, { "courier", "courier" },
		};
		for (i = 0; i < sizeof fs / sizeof fs[0]; i++) {
			char buf[64], why[128];
			const char *r;
			snprintf(buf, sizeof buf, "%s", fs[i].in);
			r = fold_fs_path(buf);
			snprintf(why, sizeof why, "%s -> %s", fs[i].in, r != NULL ? r : buf);
			result(fs[i].in, "fs layout",
			       fs[i].want == NULL ? r != NULL : r == NULL && strcmp(buf, fs[i].want) == 0, why);
		}
	}
	/* A NUL inside the given length is a control character, not the end. */
	{
		char out[FOLD_NAME_MAX + 1];
		result("embedded NUL", "utf7", fold_encode("a\0b", 3, FOLD_UTF7, out, sizeof out) != NULL,
		       "accepted");
		result("too small a buffer", "utf7", fold_encode("Sent", 4, FOLD_UTF7, out, 4) != NULL,
		       "accepted");
	}
	return failures != 0;
}
