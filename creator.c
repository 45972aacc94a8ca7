// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * creator.c - the administrator's creator program, run under a supervisor that
 * no host signal handler or waitpid(-1) can disturb.
 */
#define _GNU_SOURCE
#include "core.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef __WALL
#define __WALL 0x40000000
#endif
/* ------------------------------------------------------------------ */
/* The creator program                                                 */

/* Only root may be able to change the program or any directory above it. */
static bool creator_trusted(const struct build *b, const char *path)
{
	struct stat st;
	int fd;

	if (open_trusted(path, "creator", O_PATH, b->euid, &st, &fd, b->log) != TRUST_OK)
		return false;
	close(fd);
	if (st.st_uid != 0 || (st.st_mode & 0111) == 0) {
		md_logf(b->log, LOG_ERR, "creator %s is not a program owned by root: refused",
			path);
		return false;
	}
	return true;
}

struct child_env {
	char *vars[16];
	char store[8192];
	size_t used, n;
};

static void env_add(struct child_env *e, const char *name, const char *value)
{
	int len;

	if (value == NULL || has_control(value) || e->n + 1 >= 16)
		return;
	len = snprintf(e->store + e->used, sizeof e->store - e->used, "%s=%s", name, value);
	if (len < 0 || (size_t)len >= sizeof e->store - e->used)
		return;
	e->vars[e->n++] = e->store + e->used;
	e->used += (size_t)len + 1;
	e->vars[e->n] = NULL;
}

/* What the creator's processes need, prepared before the clone. */
struct spawn {
	const char *prog;
	char *const *argv;
	char *const *envp;
	int out;          /* write end for the creator's stdout and stderr */
	int status;       /* write end for the supervisor's report */
	const gid_t *groups;
	int ngroups;
	uid_t uid;
	gid_t gid;
	bool drop;
	long long deadline; /* CLOCK_MONOTONIC ms: the supervisor ends it all */
};

/* What the supervisor reports instead of a wait status when the creator
 * ran out of time, or was not started because its descendants could not be
 * found afterwards (no wait status is negative). */
#define CREATOR_TIMED_OUT (-1)
#define CREATOR_NO_PROC (-2)
/* How long after the deadline the host waits for the supervisor's report
 * before it kills the supervisor itself. */
#define SUPERVISOR_GRACE_MS 10000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * After the clone only raw system calls and async-signal-safe functions
 * are used: another thread of the host may have held a lock (malloc's,
 * NSS's) at the moment of the clone.
 */
static pid_t raw_clone(unsigned long flags)
{
	return (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
}

/*
 * s->out is above 2 (see above_stdio), so each dup2 below really copies and
 * clears FD_CLOEXEC, whatever the host left on 0-2; /dev/null is opened
 * without O_CLOEXEC, so it is right even where it lands on 0 itself.
 */
static void __attribute__((noreturn)) creator_exec(const struct spawn *s)
{
	int devnull = open("/dev/null", O_RDONLY);
	sigset_t none;

	sigemptyset(&none);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(s->out, 1) < 0 ||
	    dup2(s->out, 2) < 0 || sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		_exit(126);
	syscall(SYS_close_range, 3U, ~0U, 0U);
	if (s->drop && (syscall(SYS_setgroups, s->ngroups, s->groups) < 0 ||
			syscall(SYS_setresgid, s->gid, s->gid, s->gid) < 0 ||
			syscall(SYS_setresuid, s->uid, s->uid, s->uid) < 0))
		_exit(126);
	umask(077);
	if (chdir("/") < 0)
		_exit(126);
	execve(s->prog, s->argv, s->envp);
	_exit(127);
}

/*
 * The clone copied every descriptor of every thread of the host (client
 * sockets, other logins' pipes and locks): keep only the two pipes, so
 * that nothing of the host stays open for as long as the creator runs.
 */
static void close_all_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	syscall(SYS_close_range, 3U, (unsigned)lo - 1, 0U);
	syscall(SYS_close_range, (unsigned)lo + 1, (unsigned)hi - 1, 0U);
	syscall(SYS_close_range, (unsigned)hi + 1, ~0U, 0U);
}

/*
 * Kills every process below the supervisor (a child subreaper): the
 * children listed in /proc, then whatever their death orphans onto us,
 * until none is left.  Only system calls: no allocation after a clone.
 */
/* /proc/self/task/TID/children of the calling thread. */
static void children_path(char *path, size_t len)
{
	snprintf(path, len, "/proc/self/task/%ld/children", (long)syscall(SYS_gettid));
}

/*
 * SIGKILLs every child listed in the children file, read to its end: a pid
 * cut at a read boundary is carried over, never taken for a shorter one.
 * False when the file cannot be read.
 */
static bool kill_listed_children(const char *path)
{
	char buf[4096];
	long pid = 0;
	ssize_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while ((len = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < len; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = pid * 10 + (buf[i] - '0');
				continue;
			}
			if (pid > 0)
				kill((pid_t)pid, SIGKILL);
			pid = 0;
		}
	}
	close(fd);
	if (len < 0)
		return false;
	if (pid > 0)
		kill((pid_t)pid, SIGKILL);
	return true;
}

static void kill_descendants(void)
{
	char path[64];
	int round;

	children_path(path, sizeof path);
	/* Bounded: never keep the login waiting for something unkillable. */
	for (round = 0; round < 2000; round++) {
		struct timespec ms = { 0, 1000000 };
		pid_t w;
		if (!kill_listed_children(path))
			return;
		while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (w < 0 && errno == ECHILD)
			return;
		nanosleep(&ms, NULL);
	}
}

/*
 * Waits for the creator until the deadline; SIGCHLD is blocked, so it stays
 * pending for sigtimedwait (the creator's, or an orphan's that died).
 * Returns the wait status or CREATOR_TIMED_OUT.
 */
static int wait_creator(pid_t pid, long long deadline, const sigset_t *chld)
{
	int status = 126 << 8;

	for (;;) {
		long long left;
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			return status;
		left = deadline - now_ms();
		if (left <= 0)
			return CREATOR_TIMED_OUT;
		struct timespec ts = { (time_t)(left / 1000), (long)(left % 1000) * 1000000L };
		sigtimedwait(chld, NULL, &ts);
	}
}

/*
 * The supervisor, a child of the host with no exit signal: it starts the
 * creator in a session of its own, waits for it until the deadline with
 * default signal dispositions (whatever the host did to SIGCHLD), and takes
 * down every process below it -- the creator on a timeout, and whatever
 * escaped into a session of its own -- then reports through a pipe and
 * ends its session, itself last.
 */
static void __attribute__((noreturn)) creator_supervisor(const struct spawn *s)
{
	/* The kernel's own sigaction: glibc refuses to touch the two signals it
	 * keeps for itself, and an ignored one would survive the execve. */
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		unsigned long mask;
	} dfl = { SIG_DFL, 0, NULL, 0 };
	sigset_t chld;
	char path[64];
	int sig, status = 126 << 8;
	pid_t pid;

	children_path(path, sizeof path);
	for (sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_SETMASK, &chld, NULL);
	close_all_but(s->out, s->status);
	setsid();
	/* Orphans of the creator, even those in a session of their own, become
	 * our children, so that none of them outlives the login. */
	prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
	/* Without a children file (no /proc, or a kernel without it) a process
	 * that left the session could not be found again: start nothing. */
	if (!kill_listed_children(path)) {
		status = CREATOR_NO_PROC;
		if (write(s->status, &status, sizeof status) < 0)
			_exit(1);
		_exit(0);
	}
	pid = raw_clone(SIGCHLD);
	if (pid == 0)
		creator_exec(s);
	close(s->out);
	if (pid > 0)
		status = wait_creator(pid, s->deadline, &chld);
	/* On a timeout nothing may outlive the report: the host returns at once. */
	if (status == CREATOR_TIMED_OUT)
		kill_descendants();
	if (write(s->status, &status, sizeof status) < 0)
		_exit(1);
	kill_descendants();
	kill(0, SIGKILL);
	_exit(0);
}

/* What the creator printed, on its way to the log line by line. */
struct output {
	char buf[1024];
	size_t len;
	unsigned lines;
	bool skipping;  /* the rest of an overlong line, already logged */
};

static void log_line(const struct build *b, struct output *out, const char *line)
{
	char pbuf[512];

	if (*line == '\0')
		return;
	if (out->lines < MAX_CREATOR_LINES)
		md_logf(b->log, LOG_NOTICE, "creator: %s", printable(line, pbuf, sizeof pbuf));
	else if (out->lines == MAX_CREATOR_LINES)
		md_logf(b->log, LOG_NOTICE, "creator: further output not logged");
	out->lines++;
}

/* Logs every complete line; with flush, the unfinished one as well. */
static void log_output(const struct build *b, struct output *out, bool flush)
{
	char *start = out->buf, *end = out->buf + out->len, *nl;

	while ((nl = memchr(start, '\n', (size_t)(end - start))) != NULL) {
		*nl = '\0';
		if (!out->skipping)
			log_line(b, out, start);
		out->skipping = false;
		start = nl + 1;
	}
	out->len = (size_t)(end - start);
	memmove(out->buf, start, out->len);
	if (out->len == sizeof out->buf - 1 || (flush && out->len > 0)) {
		/* A line longer than the buffer is logged cut, the rest skipped. */
		out->buf[out->len] = '\0';
		if (!out->skipping)
			log_line(b, out, out->buf);
		out->skipping = !flush;
		out->len = 0;
	}
}

/* Reads what is there; false at end of file or on an error. */
static bool read_output(const struct build *b, int fd, struct output *out)
{
	ssize_t got = read(fd, out->buf + out->len, sizeof out->buf - 1 - out->len);

	if (got < 0 && errno == EINTR)
		return true;
	if (got <= 0)
		return false;
	out->len += (size_t)got;
	log_output(b, out, false);
	return true;
}

/*
 * A host that closed 0, 1 or 2 gets its pipes there: both ends move above
 * 2, so that the creator's stdin, stdout and stderr are always set by a
 * real dup2 and the supervisor's close_all_but never closes a pipe.
 */
static bool above_stdio(int p[2])
{
	for (int i = 0; i < 2; i++) {
		int fd;
		if (p[i] > 2)
			continue;
		if ((fd = fcntl(p[i], F_DUPFD_CLOEXEC, 3)) < 0)
			return false;
		close(p[i]);
		p[i] = fd;
	}
	return true;
}

/*
 * Runs the creator and waits for it alone.  The supervisor is cloned with
 * no exit signal, so the host's SIGCHLD handler never hears of it and the
 * host's waitpid(-1) cannot reap it; the creator's status arrives through a
 * pipe, so even a host that ignores SIGCHLD (auto-reaping) loses nothing.
 */
static enum md_result supervise_creator(const struct build *b, const struct md_context *ctx,
				       const gid_t *groups, int ngroups, bool drop)
{
	const struct md_options *o = b->o;
	const struct md_account *a = b->a;
	char uidbuf[24], gidbuf[24];
	struct output out = { .len = 0 };
	char *argv[4] = { (char *)o->creator, (char *)a->user, (char *)b->path, NULL };
	int outp[2], statp[2] = { -1, -1 }, status = 0;
	long long deadline = now_ms() + (long long)o->timeout * 1000;
	struct child_env env = { .n = 0 };
	struct spawn sp;
	size_t slen = 0;
	bool timed_out = false;
	pid_t pid;

	snprintf(uidbuf, sizeof uidbuf, "%lu", (unsigned long)a->uid);
	snprintf(gidbuf, sizeof gidbuf, "%lu", (unsigned long)a->gid);
	env_add(&env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	env_add(&env, "PAM_USER", a->user);
	env_add(&env, "AUTHENTICATED", a->user);
	env_add(&env, "PAM_SERVICE", ctx != NULL ? ctx->service : NULL);
	env_add(&env, "PAM_RHOST", ctx != NULL ? ctx->rhost : NULL);
	env_add(&env, "PAM_TYPE", ctx != NULL ? ctx->type : NULL);
	env_add(&env, "UID", uidbuf);
	env_add(&env, "GID", gidbuf);
	env_add(&env, "HOME", a->home);
	env_add(&env, "MAILDIR", b->path);
	env_add(&env, "USER", a->owner);
	env_add(&env, "LOGNAME", a->owner);

	if (pipe2(outp, O_CLOEXEC) < 0)
		return sys_error(b, "creator: cannot make a pipe for", NULL);
	if (pipe2(statp, O_CLOEXEC) < 0 || !above_stdio(outp) || !above_stdio(statp)) {
		int e = errno;
		close(outp[0]);
		close(outp[1]);
		if (statp[0] >= 0) {
			close(statp[0]);
			close(statp[1]);
		}
		errno = e;
		return sys_error(b, "creator: cannot make a pipe for", NULL);
	}
	sp = (struct spawn){ o->creator, argv, env.vars, outp[1], statp[1], groups,
			     ngroups, a->uid, a->gid, drop, deadline };
	pid = raw_clone(0);
	if (pid == 0)
		creator_supervisor(&sp);
	close(outp[1]);
	close(statp[1]);
	if (pid < 0) {
		close(outp[0]);
		close(statp[0]);
		return sys_error(b, "creator: cannot start it for", NULL);
	}
	md_logf(b->log, LOG_DEBUG, "creator %s started for %s", o->creator, a->user);

	while (slen < sizeof status) {
		struct pollfd p[2] = { { outp[0], POLLIN, 0 }, { statp[0], POLLIN, 0 } };
		long long left = deadline + SUPERVISOR_GRACE_MS - now_ms();
		ssize_t got;
		if (left <= 0) {
			/* The supervisor should have ended it all long ago. */
			timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL); /* in case it had not reached setsid() yet */
			break;
		}
		if (poll(p, 2, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents != 0 && !read_output(b, outp[0], &out)) {
			/* EOF: a negative fd is skipped by poll */
			close(outp[0]);
			outp[0] = -1;
		}
		if (p[1].revents != 0) {
			got = read(statp[0], (char *)&status + slen, sizeof status - slen);
			if (got <= 0 && !(got < 0 && errno == EINTR))
				break; /* the supervisor died without a word */
			slen += got > 0 ? (size_t)got : 0;
		}
	}
	/* What is already written; a grandchild may still be writing. */
	if (outp[0] >= 0 && fcntl(outp[0], F_SETFL, O_NONBLOCK) == 0) {
		int budget = 64;
		while (budget-- > 0 && read_output(b, outp[0], &out))
			;
	}
	log_output(b, &out, true);
	if (outp[0] >= 0)
		close(outp[0]);
	close(statp[0]);
	/* The supervisor ends itself (or was killed above); reap it unless the
	 * kernel already did because the host ignores SIGCHLD. */
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;

	if (timed_out || (slen == sizeof status && status == CREATOR_TIMED_OUT)) {
		md_logf(b->log, LOG_ERR, "creator %s for %s killed after %u s timeout%s",
			o->creator, a->user, o->timeout, timed_out ?
			" (its supervisor did not answer)" : ", with all its processes");
		return MD_ERR_SYSTEM;
	}
	if (slen == sizeof status && status == CREATOR_NO_PROC) {
		md_logf(b->log, LOG_ERR, "creator %s for %s not started: /proc/self/task/*/children "
			"cannot be read, so processes it leaves behind could not be found "
			"(mount /proc)", o->creator, a->user);
		return MD_ERR_SYSTEM;
	}
	if (slen < sizeof status) {
		md_logf(b->log, LOG_ERR, "creator %s for %s: its supervisor died", o->creator,
			a->user);
		return MD_ERR_SYSTEM;
	}
	if (WIFSIGNALED(status)) {
		md_logf(b->log, LOG_ERR, "creator %s for %s killed by signal %d", o->creator,
			a->user, WTERMSIG(status));
		return MD_ERR_SYSTEM;
	}
	if (WEXITSTATUS(status) != 0) {
		md_logf(b->log, LOG_ERR, "creator %s for %s failed with exit status %d%s",
			o->creator, a->user, WEXITSTATUS(status),
			WEXITSTATUS(status) == 127 ? " (could not be executed)" :
			WEXITSTATUS(status) == 126 ? " (could not be started as the owner)" : "");
		return MD_ERR_SYSTEM;
	}
	return MD_OK;
}

enum md_result run_creator(const struct build *b, const struct md_context *ctx)
{
	bool drop = b->euid == 0 && !b->o->creator_root;
	gid_t *groups = NULL;
	int ngroups = 0;
	enum md_result r;

	if (!creator_trusted(b, b->o->creator))
		return MD_ERR_CONFIG;
	if (drop && (groups = owner_groups(b->a, &ngroups)) == NULL) {
		md_logf(b->log, LOG_ERR, "creator: cannot list the groups of %s", b->a->owner);
		return MD_ERR_SYSTEM;
	}
	r = supervise_creator(b, ctx, groups, ngroups, drop);
	free(groups);
	return r;
}

