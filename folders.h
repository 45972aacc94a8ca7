// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * folders.h - folder names as administrators write them (UTF-8, '.' between
 * levels) turned into the name each IMAP server keeps on disk.  Private to
 * the three programs; no PAM or filesystem work in here.
 */
#ifndef FOLDERS_H
#define FOLDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fold_encoding {
	FOLD_UTF7, /* IMAP modified UTF-7 (RFC 3501 5.1.3): Dovecot's default layout */
	FOLD_UTF8, /* UTF-8: Courier-IMAP 5 and later, Dovecot with :UTF-8 */
};

/*
 * The longest encoded name: the folder's directory is "." plus the name, one
 * path component, and everything the module makes inside it (cur, new, tmp,
 * maildirfolder) is a component of its own.
 */
#define FOLD_NAME_MAX 254

/* The longest name accepted as written, before the INBOX. prefix is dropped. */
#define FOLD_INPUT_MAX 1024

/*
 * Encodes the folder name at name[0..len) into out (NUL-terminated, without
 * the leading dot).  A leading "INBOX." in any case is the namespace prefix
 * and is dropped.  Returns NULL, or why the name is refused (a constant
 * string); out is then undefined.  outlen must be at least FOLD_NAME_MAX + 1.
 */
const char *fold_encode(const char *name, size_t len, enum fold_encoding enc,
			char *out, size_t outlen);

/*
 * Dovecot's fs layout: turns an encoded name (from fold_encode) into the
 * relative path of its directory in place, one directory per level
 * ("Archive.2024" becomes "Archive/2024").  Returns NULL, or why the name
 * cannot be a folder there (a level named cur, new or tmp: Dovecot's
 * "reserved name", it would be a part of the maildir above it).
 */
const char *fold_fs_path(char *enc);

/*
 * The one UTF-8 decoder: the length (1 to 4) of the well-formed sequence at
 * s[0..len), its code point in *cp; 0 for a stray byte, an overlong form, a
 * surrogate, a code point beyond Unicode or a sequence cut short.
 */
size_t utf8_char(const unsigned char *s, size_t len, uint32_t *cp);

#endif
