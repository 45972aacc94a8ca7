// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * What the fuzz targets of md_option_set and md_expand share: the core's
 * header and a log sink that formats every message (so that the sanitizers
 * see each argument used) and counts them in logged, so that a target can
 * tell that a refusal was logged.
 */
#ifndef FUZZ_H
#define FUZZ_H
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../maildir.h"

static int logged;
static void count_log(void *arg, int pri, const char *fmt, va_list ap)
{
	char buf[1024];
	(void)arg;
	(void)pri;
	vsnprintf(buf, sizeof buf, fmt, ap);
	logged++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif
