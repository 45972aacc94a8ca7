// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * libFuzzer target: the Courier fd-3 authentication record as authmkhome
 * receives it when AUTHENTICATED is empty.  authmkhome.c exposes no parser
 * of its own: it reads the record and hands exactly the same bytes on to
 * the next module on a new fd 3, or fails the login.  This harness compiles
 * authmkhome.c itself (no copy of its code) with execv, exit, alarm and the
 * syslog calls redirected to the harness, feeds the input on fd 3 and
 * checks: no crash or sanitizer report; a record of at most PIPE_BUF bytes
 * reaches the next module byte for byte; a longer one is refused (the login
 * program is rerun to fail the login) and never passed on; no descriptor
 * leaks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static jmp_buf back;
static const uint8_t *want;
static size_t want_len;
enum { NONE, PASSED, FAILED, EXITED };

void fuzz_exit(int status) __attribute__((noreturn));
int fuzz_execv(const char *path, char *const argv[]);
unsigned fuzz_alarm(unsigned s);
void fuzz_syslog(int pri, const char *fmt, ...);
void fuzz_openlog(const char *ident, int opt, int fac);

void fuzz_exit(int status)
{
	(void)status;
	longjmp(back, EXITED);
}

unsigned fuzz_alarm(unsigned s)
{
	(void)s;
	return 0;
}

void fuzz_syslog(int pri, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	(void)pri;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
}

void fuzz_openlog(const char *ident, int opt, int fac)
{
	(void)ident;
	(void)opt;
	(void)fac;
}

int fuzz_execv(const char *path, char *const argv[])
{
	(void)argv;
	if (strcmp(path, "/fuzz/next") == 0) {
		/* the next module: fd 3 must hold exactly the record */
		uint8_t got[PIPE_BUF * 2 + 16];
		size_t n = 0;
		ssize_t r;
		while ((r = read(3, got + n, sizeof got - n)) > 0)
			n += (size_t)r;
		if (want_len > PIPE_BUF || n != want_len || memcmp(got, want, n) != 0)
			abort();
		close(3);
		longjmp(back, PASSED);
	}
	if (strcmp(path, "/fuzz/login") == 0) {
		if (want_len <= PIPE_BUF)
			abort(); /* a record that fits was refused */
		close(3);
		longjmp(back, FAILED);
	}
	abort();
}

#define main authmkhome_main
#define execv fuzz_execv
#define exit fuzz_exit
#define alarm fuzz_alarm
#define syslog fuzz_syslog
#define openlog fuzz_openlog
#include "../../authmkhome.c"
#undef main
#undef execv
#undef exit

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fds_before = -1;
	int p[2];

	if (size > 65536 - 1)
		return 0; /* more than a pipe holds without a writer process */
	if (fds_before < 0) {
		setenv("AUTHUSER", "/fuzz/login", 1);
		setenv("AUTHARGC", "1", 1);
		setenv("AUTHARGV0", "/fuzz/login", 1);
		unsetenv("AUTHENTICATED");
	}
	if (pipe(p) < 0)
		abort();
	if (size > 0 && write(p[1], data, size) != (ssize_t)size)
		abort();
	close(p[1]);
	if (p[0] != 3) {
		if (dup2(p[0], 3) < 0)
			abort();
		close(p[0]);
	}
	want = data;
	want_len = size;
	char *argv[] = { (char *)"authmkhome", (char *)"/fuzz/next", NULL };
	volatile int how = setjmp(back);
	if (how == 0)
		authmkhome_main(2, argv);
	if (how != PASSED && how != FAILED)
		abort(); /* returned or exited without a decision */
	if (fcntl(3, F_GETFD) != -1)
		abort(); /* the record's descriptor leaked */
	/* no other descriptor may have leaked either */
	int fds = 0;
	for (int fd = 0; fd < 64; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			fds++;
	if (fds_before < 0)
		fds_before = fds;
	else if (fds != fds_before)
		abort();
	return 0;
}
