/*
 * unit.h - what the core's table-driven unit tests (tests/unit_*.c) share:
 * a log sink that only counts lines, and the names of the results.
 * Included once per test program.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdarg.h>

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

#endif
