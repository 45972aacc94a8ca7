// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * hostbreaker.so: a PAM module that changes one thing of the process that
 * hosts it, named by its argument, so that tests/t_module_host.sh can show
 * that pamrun's host check (run -H, loop -H) catches each kind of change.
 * Both hooks succeed.  Test use only.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <security/pam_modules.h>

static void on_sig(int sig)
{
	(void)sig;
}

static void change(const char *what)
{
	if (strcmp(what, "umask") == 0) {
		umask(0);
	} else if (strcmp(what, "cwd") == 0) {
		if (chdir("/") != 0)
			abort();
	} else if (strcmp(what, "fd") == 0) {
		(void)open("/dev/null", O_RDONLY | O_CLOEXEC);
	} else if (strcmp(what, "cloexec") == 0) {
		fcntl(0, F_SETFD, fcntl(0, F_GETFD) ^ FD_CLOEXEC);
	} else if (strcmp(what, "signal") == 0) {
		signal(SIGUSR2, on_sig);
	} else if (strcmp(what, "mask") == 0) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGTERM);
		sigprocmask(SIG_BLOCK, &s, NULL);
	} else if (strcmp(what, "fsuid") == 0) {
		setfsuid(5002);
	} else if (strcmp(what, "groups") == 0) {
		gid_t g = 5002;
		setgroups(1, &g);
	} else if (strcmp(what, "rlimit") == 0) {
		struct rlimit r;
		getrlimit(RLIMIT_CORE, &r);
		r.rlim_cur = r.rlim_cur ? 0 : 1;
		setrlimit(RLIMIT_CORE, &r);
	} else if (strcmp(what, "env") == 0) {
		setenv("HOSTBREAKER", "1", 1);
	} else if (strcmp(what, "timer") == 0) {
		struct itimerval it = { { 0, 0 }, { 0, 0 } };
		setitimer(ITIMER_REAL, &it, NULL);
	} else if (strcmp(what, "child") == 0) {
		if (fork() == 0)
			_exit(0);
	} else if (strcmp(what, "subreaper") == 0) {
		prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
	}
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	(void)ph;
	(void)flags;
	for (int i = 0; i < argc; i++)
		change(argv[i]);
	return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	return pam_sm_acct_mgmt(ph, flags, argc, argv);
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	(void)ph;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
