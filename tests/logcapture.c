// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * logcapture.so: an LD_PRELOAD shim for the PAM tests that records every
 * syslog message of the process, with its facility and priority, before
 * passing it on to the real syslog.
 *
 * With T_LOGCAPTURE=FILE in the environment each message is appended to FILE
 * as one line "FACILITY.PRIORITY MESSAGE" (a message's own newlines become
 * "\n").  libpam's pam_syslog() ends in __syslog_chk; the module may also
 * call syslog() or vsyslog() directly: all four entry points are covered.
 * A message without a facility of its own gets openlog()'s (authmkhome's
 * LOG_MAIL), as syslog(3) does.
 * The busybox syslogd that tests/run starts only sees the text, not the
 * priority, which is what the module's log contract is about.
 *
 * With T_LOGCAPTURE_ONLY=1 as well, nothing is passed on: tests/run sets
 * both when it has no private /dev/log (not root, as in a package build),
 * so that no line of the tests reaches the host's syslog.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static const char *facility(int pri)
{
	switch (pri & LOG_FACMASK) {
	case 0: return "kern";	/* also: no facility given, openlog's default */
	case LOG_USER: return "user";
	case LOG_MAIL: return "mail";
	case LOG_DAEMON: return "daemon";
	case LOG_AUTH: return "auth";
	case LOG_AUTHPRIV: return "authpriv";
	default: return "other";
	}
}

/*
 * Opened once, as the program starts, in the programs that run the module's
 * code: it writes some lines while its thread has a user's filesystem ids,
 * which could not open the file then.  Other programs (the servers a chain
 * starts, whose descriptors the tests look at) open it per line.
 */
static int capture_fd = -1;

__attribute__((constructor)) static void open_capture(void)
{
	const char *file = getenv("T_LOGCAPTURE");
	const char *me = program_invocation_short_name;

	if (file != NULL && *file != '\0' && (strcmp(me, "pamrun") == 0 ||
	    strcmp(me, "authmkhome") == 0 || strcmp(me, "mkmaildir") == 0))
		capture_fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
}

/* openlog()'s facility, for messages that name none (0: openlog not called). */
static int open_facility;

void openlog(const char *ident, int option, int fac)
{
	static void (*real_openlog)(const char *, int, int);

	open_facility = fac & LOG_FACMASK;
	if (real_openlog == NULL)
		*(void **)&real_openlog = dlsym(RTLD_NEXT, "openlog");
	if (real_openlog != NULL)
		real_openlog(ident, option, fac);
}

static void capture(int pri, const char *fmt, va_list ap)
{
	static const char *const level[] = { "emerg", "alert", "crit", "err",
		"warning", "notice", "info", "debug" };
	static void (*real_vsyslog)(int, const char *, va_list);
	const char *file = getenv("T_LOGCAPTURE");
	int saved = errno;
	va_list copy;

	if ((pri & LOG_FACMASK) == 0)
		pri |= open_facility;
	if (file != NULL && *file != '\0') {
		char msg[4096], line[8300];
		size_t n = 0;
		int fd;

		errno = saved;	/* for %m */
		va_copy(copy, ap);
		vsnprintf(msg, sizeof msg, fmt, copy);
		va_end(copy);
		n = (size_t)snprintf(line, sizeof line, "%s.%s ", facility(pri),
				     level[pri & LOG_PRIMASK]);
		for (const char *p = msg; *p != '\0' && n < sizeof line - 3; p++) {
			if (*p == '\n') {
				if (p[1] == '\0')
					break;	/* a trailing newline is not part of the message */
				line[n++] = '\\';
				line[n++] = 'n';
			} else {
				line[n++] = *p;
			}
		}
		line[n++] = '\n';
		fd = capture_fd >= 0 ? capture_fd :
		     open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			ssize_t w = write(fd, line, n);
			(void)w;
			if (fd != capture_fd)
				close(fd);
		}
	}
	if (getenv("T_LOGCAPTURE_ONLY") != NULL) {
		errno = saved;
		return;
	}
	if (real_vsyslog == NULL)
		*(void **)&real_vsyslog = dlsym(RTLD_NEXT, "vsyslog");
	if (real_vsyslog != NULL) {
		errno = saved;	/* for %m */
		va_copy(copy, ap);
		real_vsyslog(pri, fmt, copy);
		va_end(copy);
	}
	errno = saved;
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	capture(pri, fmt, ap);
	va_end(ap);
}

void vsyslog(int pri, const char *fmt, va_list ap)
{
	capture(pri, fmt, ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...);
void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;
	(void)flag;
	va_start(ap, fmt);
	capture(pri, fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap);
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	capture(pri, fmt, ap);
}
