// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * libFuzzer target: option parsing.  The input is split at newlines; every
 * line goes through md_option_set, and the whole input is also read back as
 * a config= file through md_options_load (from a memfd, so that no file is
 * written per run).  Properties: no crash or sanitizer report, a
 * configuration error is always logged, every accepted mode keeps u=rwx and
 * has no group/other write or setuid/setgid bit, and every accepted timeout
 * is 1..MD_MAX_TIMEOUT.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static void check(const struct md_options *o)
{
	if ((o->mode & 0700) != 0700 || (o->mode & 06022) != 0 ||
	    (o->homemode & 0700) != 0700 || (o->homemode & 06022) != 0 ||
	    o->timeout < 1 || o->timeout > MD_MAX_TIMEOUT ||
	    (o->skel && o->skel[0] != '/') || (o->creator && o->creator[0] != '/'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int mfd = -1;
	static char path[64];
	struct md_log log = { count_log, NULL, true };
	struct md_options o;
	char *copy = malloc(size + 1), *line, *next;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';

	/* 1. line by line through md_option_set */
	md_options_init(&o);
	for (line = copy; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		logged = 0;
		if (md_option_set(&o, line, &log) != MD_OK) {
			if (logged == 0)
				abort(); /* a refusal without a log line */
			break; /* callers stop at the first error (the struct may
				  then hold a rejected value: see SECURITY.md) */
		}
		check(&o);
	}
	md_options_free(&o);

	/* 2. the same bytes as a config= file */
	if (mfd < 0) {
		mfd = memfd_create("fuzz-config", MFD_CLOEXEC);
		if (mfd < 0 || fchmod(mfd, 0600) < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", mfd);
	}
	if (ftruncate(mfd, 0) < 0 || pwrite(mfd, data, size, 0) != (ssize_t)size)
		abort();
	md_options_init(&o);
	logged = 0;
	if (md_options_load(&o, path, &log) != MD_OK) {
		if (logged == 0)
			abort();
	} else {
		check(&o);
	}
	md_options_free(&o);

	/* 3. as PAM arguments (newline- or NUL-separated), with md_options_parse */
	const char *argv[64];
	int argc = 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (size_t i = 0; i < size; i++)
		if (copy[i] == '\n')
			copy[i] = '\0';
	for (size_t i = 0; i < size && argc < 64; i += strlen(copy + i) + 1)
		argv[argc++] = copy + i;
	md_options_init(&o);
	logged = 0;
	if (md_options_parse(&o, argc, argv, NULL, 0, &log) != MD_OK) {
		if (logged == 0)
			abort();
	} else {
		check(&o);
	}
	md_options_free(&o);
	free(copy);
	return 0;
}
