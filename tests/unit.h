// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * unit.h - what the core's table-driven unit tests (tests/unit_*.c) share:
 * a log sink that only counts lines, the names of the results, and the
 * PASS/FAIL line of a case.
 * Included once per test program.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "maildir.h"

static unsigned logged;

static void count_log(void *arg, int priority, const char *fmt, va_list ap)
{
	(void)arg, (void)priority, (void)fmt, (void)ap;
	logged++;
}

static const char *result_name(enum md_result r)
{
	static const char *const names[] = {
		[MD_OK] = "MD_OK", [MD_ERR_CONFIG] = "MD_ERR_CONFIG",
		[MD_ERR_NOUSER] = "MD_ERR_NOUSER", [MD_ERR_REFUSED] = "MD_ERR_REFUSED",
		[MD_ERR_SYSTEM] = "MD_ERR_SYSTEM", [MD_MISSING] = "MD_MISSING",
	};

	return names[r];
}

static unsigned failed;

/* One "PASS name" or "FAIL name: why" line (tests/t_unit_*.sh record them),
 * flushed before any fork of the case can duplicate it. */
static void report(bool ok, const char *name, const char *why)
{
	char n[256];

	md_escape(name, n, sizeof n);
	if (ok) {
		printf("PASS %s\n", n);
	} else {
		printf("FAIL %s: %s\n", n, why);
		failed++;
	}
	fflush(stdout);
}

#endif
