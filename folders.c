// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * folders.c - a folder name of folders= in the form its server keeps on disk.
 *
 * Administrators write names as users see them, in UTF-8.  Dovecot's default
 * Maildir++ layout keeps IMAP modified UTF-7 on disk and in its subscriptions
 * ("Entwürfe" is .Entw&APw-rfe, "Q&A" is .Q&-A); Courier-IMAP 5 and Dovecot
 * with :UTF-8 keep UTF-8 (.Entwürfe, .Q&A).  A name is refused with a reason
 * when it could leave the maildir, confuse an IMAP server or not fit in one
 * path component once encoded.
 */
#include "folders.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#define INBOX_PREFIX "INBOX."

size_t utf8_char(const unsigned char *s, size_t len, uint32_t *cp)
{
	static const uint32_t least[] = { 0, 0x80, 0x800, 0x10000 };
	uint32_t c;
	size_t n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 1, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 2, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 3, c = s[0] & 0x07;
	else
		return 0;
	if (n >= len)
		return 0;
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and what lies beyond Unicode. */
	if (c < least[n] || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n + 1;
}

/* Why a character cannot be part of a folder name, or NULL. */
static const char *refused_char(uint32_t c)
{
	if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f))
		return "a control character";
	if (c == '/')
		return "'/' would leave the maildir";
	if (c == '*' || c == '%')
		return "'*' and '%' are IMAP wildcards";
	if (c == '\\' || c == '"' || c == '~')
		return "'\\', '\"' and '~' are refused";
	return NULL;
}

/* Checks the levels of the decoded name: none empty, the first not INBOX. */
static const char *check_levels(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return "an empty name";
	if (s[0] == '.' || s[len - 1] == '.')
		return "an empty level (a leading or trailing '.')";
	for (i = 0; i + 1 < len; i++)
		if (s[i] == '.' && s[i + 1] == '.')
			return "an empty level ('..')";
	if ((len == 5 || (len > 5 && s[5] == '.')) && strncasecmp(s, "INBOX", 5) == 0)
		return "INBOX is the maildir itself, not a folder";
	return NULL;
}

struct out {
	char *p;
	size_t len, cap;
	bool full;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->p[o->len++] = c;
	else
		o->full = true;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* Modified BASE64 of UTF-16 units, carried across calls in bits/nbits. */
static void put_unit(struct out *o, uint32_t unit, uint32_t *bits, int *nbits)
{
	*bits = (*bits << 16) | unit;
	*nbits += 16;
	while (*nbits >= 6) {
		*nbits -= 6;
		put(o, b64[(*bits >> *nbits) & 0x3f]);
	}
	*bits &= (1u << *nbits) - 1;
}

static void end_shift(struct out *o, uint32_t bits, int nbits)
{
	if (nbits > 0)
		put(o, b64[(bits << (6 - nbits)) & 0x3f]);
	put(o, '-');
}

static void encode_utf7(struct out *o, const unsigned char *s, size_t len)
{
	bool shifted = false;
	uint32_t bits = 0;
	int nbits = 0;
	size_t i = 0;

	/* The name was checked: every character decodes. */
	while (i < len) {
		uint32_t c = 0;
		i += utf8_char(s + i, len - i, &c);
		if (c >= 0x20 && c <= 0x7e) {
			if (shifted)
				end_shift(o, bits, nbits);
			shifted = false;
			bits = 0, nbits = 0;
			put(o, (char)c);
			if (c == '&')
				put(o, '-');
			continue;
		}
		if (!shifted)
			put(o, '&');
		shifted = true;
		if (c >= 0x10000) {
			c -= 0x10000;
			put_unit(o, 0xd800 | (c >> 10), &bits, &nbits);
			put_unit(o, 0xdc00 | (c & 0x3ff), &bits, &nbits);
		} else {
			put_unit(o, c, &bits, &nbits);
		}
	}
	if (shifted)
		end_shift(o, bits, nbits);
}

/*
 * Whether level (n bytes) names a file the servers or the module keep at
 * the top of a maildir: subscriptions, maildirsize, maildirfolder, the
 * module's marker, Dovecot's dovecot* and Courier's courierimap* files.
 */
static bool maildir_file(const char *level, size_t n)
{
	static const char *const exact[] = { "subscriptions", "maildirsize", "maildirfolder",
					     "pam_mkmaildir" };
	size_t i;

	for (i = 0; i < sizeof exact / sizeof exact[0]; i++)
		if (n == strlen(exact[i]) && strncmp(level, exact[i], n) == 0)
			return true;
	return (n >= 7 && strncmp(level, "dovecot", 7) == 0) ||
	       (n >= 11 && strncmp(level, "courierimap", 11) == 0);
}

const char *fold_fs_path(char *enc)
{
	char *level = enc, *p;

	for (p = enc;; p++) {
		if (*p != '.' && *p != '\0')
			continue;
		if ((p - level == 3) && (strncmp(level, "cur", 3) == 0 ||
					 strncmp(level, "new", 3) == 0 ||
					 strncmp(level, "tmp", 3) == 0))
			return "cur, new and tmp are parts of a maildir (reserved in the fs layout)";
		if (level == enc && maildir_file(level, (size_t)(p - level)))
			return "the name of a file of the maildir itself (reserved in the fs layout)";
		if (*p == '\0')
			return NULL;
		*p = '/';
		level = p + 1;
	}
}

const char *fold_encode(const char *name, size_t len, enum fold_encoding enc,
			char *out, size_t outlen)
{
	const unsigned char *s;
	struct out o = { out, 0, outlen, false };
	const char *why;
	size_t i, used;

	if (len > FOLD_INPUT_MAX)
		return "longer than 1024 bytes";
	if (len >= sizeof INBOX_PREFIX - 1 &&
	    strncasecmp(name, INBOX_PREFIX, sizeof INBOX_PREFIX - 1) == 0) {
		name += sizeof INBOX_PREFIX - 1;
		len -= sizeof INBOX_PREFIX - 1;
	}
	if ((why = check_levels(name, len)) != NULL)
		return why;
	s = (const unsigned char *)name;
	for (i = 0; i < len; i += used) {
		uint32_t c;
		if ((used = utf8_char(s + i, len - i, &c)) == 0)
			return "not valid UTF-8";
		if ((why = refused_char(c)) != NULL)
			return why;
	}
	if (enc == FOLD_UTF8) {
		for (i = 0; i < len; i++)
			put(&o, name[i]);
	} else {
		encode_utf7(&o, s, len);
	}
	if (o.full || o.len > FOLD_NAME_MAX)
		return "longer than 254 bytes on disk (with its '.', one file name)";
	out[o.len] = '\0';
	return NULL;
}
