// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * pamrun: drive PAM services through the real libpam, as mail servers do,
 * for the test suite (tests/), the benchmarks (bench/run.sh) and the cluster
 * suite (tests/cluster/).  The service files are read from CONFDIR
 * (pam_start_confdir), so nothing ever touches /etc/pam.d.  One program,
 * four modes, one conversation function and one host check:
 *
 *   pamrun [run] -d CONFDIR -s SERVICE -u USER [-r RHOST] [-t TTY]
 *          [-a account|session|both] [-n COUNT] [-S] [-H] [-F] [-C handler|ignore|default] [-P]
 *   pamrun loop  -d CONFDIR -s SERVICE -u USER [-a account|session|both]
 *          [-n COUNT] [-T THREADS] [-w FIFO] [-L FILE] [-m] [-H]
 *   pamrun time  -d CONFDIR -s SERVICE -p PREFIX -n COUNT [-i FIRST] [-k USERS]
 *          [-a session|account] [-w WARMUP] [-r] [-x] [-o|-l]
 *   pamrun race  -d CONFDIR -s SERVICE -a account|session -u USERFILE -w WORKERS
 *          -m MAILDIR-PATTERN [-F FOLDERS] [-N] [-O | -U UID:GID]
 *
 * run (the default when the first argument is an option): one handle, COUNT
 *   rounds of pam_acct_mgmt and/or pam_open_session + pam_close_session,
 *   stopping at the first failure.  Prints the pam_strerror text of the
 *   result ("STEP: text" on failure) and exits with the PAM code of the
 *   first failure (0 when everything succeeded).  -S passes PAM_SILENT.
 *   -H runs the host check below (exit 99 on a difference).  -F plays a
 *   daemon that closed stdin, stdout and stderr once started: it connects to
 *   syslog and looks the user up first, then closes fds 0, 1 and 2 right
 *   before the PAM calls, so that the module's next descriptors land there
 *   (nothing is printed then; the exit status tells).  -C sets the SIGCHLD
 *   disposition the "daemon" runs with (default: a handler with -H,
 *   untouched otherwise).  -P plays a daemon that keeps CAP_DAC_OVERRIDE
 *   permitted but not effective, and so must find it after the logins.
 * loop: a long-lived daemon's logins, for the hostile-conditions tests.  It
 *   does not stop at failures: COUNT rounds on each of THREADS threads (each
 *   with its own handle, all released together, all rounds PAM_SILENT),
 *   counting the PAM codes, and prints one line
 *     logins=N ok=N fail=N codes=CODE:COUNT,... [unlogged=N] [mem figures]
 *   A "#" in USER is replaced by the thread number.  -w FIFO waits until the
 *   FIFO is opened and closed by a writer (to release many processes at
 *   once).  -m measures after 1,000 rounds and at the end (thread 0):
 *   rss1k rssend (kB), heap1k heapend (mallinfo2 bytes in use), fd1k fdend.
 *   -L FILE records, through this program's own syslog entry points (which
 *   libpam's pam_syslog reaches), the module's LOG_ERR lines, and appends
 *   "CODE<TAB>lines" (lines separated by \x1f) to FILE for each failed
 *   login; failed logins without any such line count as "unlogged".  -H runs
 *   the host check.  Exit: 0 when every login succeeded, 1 when some failed.
 *   The daemon's state (below) is always set up, with a SIGCHLD handler.
 * time: timed login cycles for the benchmarks.  One cycle is
 *   pam_start_confdir, pam_open_session + pam_close_session (-a session, the
 *   default) or pam_acct_mgmt (-a account), pam_end, for user
 *   PREFIX<FIRST + i>, or PREFIX<FIRST + i % USERS> with -k (every-login
 *   runs); WARMUP untimed cycles first (with -k only).  Prints
 *     n=N median_ns= mean_ns= min_ns= p90_ns= failures=N
 *   and with -r rss_start_kb= rss_end_kb= hwm_kb=.  -x stops at the first
 *   failure.  Exit 1 when any cycle failed.  Nothing else runs per cycle,
 *   so that strace -c and callgrind of it measure the stack, not pamrun.
 *   -o keeps one handle for the whole run (one pam_start, PAM_USER set per
 *   cycle, one pam_end at the end), which leaves out libpam's loading of
 *   the stack; -l replaces the cycle by one getpwnam_r of the user, the
 *   lookup the module makes, in the same process and conditions.
 * race: first logins on one frontend of the cluster suite, released round by
 *   round so that the same users arrive at both frontends in the same
 *   instant.  USERFILE holds one name per line; each round forks one child
 *   per name (WORKERS a round), parked on a gate; race prints "?", reads the
 *   controller's release instant from stdin (microseconds since the epoch;
 *   "0" releases at once; EOF ends it), and at that instant every child runs
 *   pam_start_confdir + pam_acct_mgmt (or open + close session) + pam_end,
 *   then checks from this frontend that the maildir (MAILDIR-PATTERN, %u %n
 *   %d expanded as the module does) is complete: cur, new, tmp, and every
 *   folder of FOLDERS (comma separated) with cur, new, tmp, maildirfolder.
 *   Each child prints "R USER PAMRC COMPLETE START_NS DURATION_NS"
 *   (START_NS on CLOCK_REALTIME); race prints "." after each round.  -N (the
 *   control experiment) skips PAM and makes MAILDIR, cur, new and tmp with
 *   one mkdir(2) each, EEXIST counting as success, as a naive creator does.
 *   -O checks with the filesystem ids of the user (from NSS), -U with UID:GID
 *   (a store that squashes root shows root nothing of a 0700 maildir).
 *
 * Exit 98 on usage errors, 99 when the host check found a difference.
 *
 * THE HOST CHECK (run -H, loop -H).  The module runs inside long-lived root
 * daemons, so "the host is left as found" means: after the logins, compared
 * with a snapshot taken just before them,
 *   - file descriptors: the same numbers open, each naming the same file
 *     (readlink of /proc/self/fd) with the same close-on-exec flag;
 *   - umask, working directory, root directory;
 *   - credentials, from /proc/self/status: real, effective, saved and fs
 *     uids and gids, supplementary groups, the capability sets, no_new_privs
 *     and seccomp; the number of threads (so these are every thread's);
 *   - the session and process group, the child-subreaper flag, the
 *     parent-death signal (the daemon asks for SIGHUP, which it handles);
 *   - every signal's disposition (handler, flags, mask) and the signal mask;
 *   - every resource limit (soft and hard);
 *   - the environment, and the pending ITIMER_REAL timer (neither cancelled
 *     nor re-armed);
 *   - no child process, running or zombie.
 *   - the "dumpable" flag, which the kernel resets whenever the fsuid
 *     changes, so a module that switches filesystem ids must restore it.
 * Not compared: memory (loop -m measures it).
 * Before the snapshot pamrun does what a daemon has done before any module
 * runs: a syslog connection (openlog LOG_NDELAY; pam_syslog reuses it) and
 * NSS lookups (nss_wrapper keeps its files open from the first lookup on).
 * The daemon's state (run -H/-C, loop): a SIGCHLD handler (or -C's choice),
 * handlers on SIGALRM and SIGHUP, SIGPIPE ignored, SIGUSR1 and SIGHUP
 * blocked, a one-hour ITIMER_REAL, and, in every mode but time and race,
 * one descriptor without close-on-exec (on /dev/null), as daemons hold
 * listening sockets, so that a child of the module that inherits it shows.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000	/* set by the C library, not by callers */
#endif

#define EXIT_HOST 99
#define EXIT_USAGE 98

extern char **environ;

/* ================================================================ usage */

static void usage(void)
{
	fprintf(stderr,
		"usage: pamrun [run] -d CONFDIR -s SERVICE -u USER [-r RHOST] [-t TTY]\n"
		"              [-a account|session|both] [-n COUNT] [-S] [-H] [-F] [-C handler|ignore|default] [-P]\n"
		"       pamrun loop -d CONFDIR -s SERVICE -u USER [-a account|session|both]\n"
		"              [-n COUNT] [-T THREADS] [-w FIFO] [-L FILE] [-m] [-H]\n"
		"       pamrun time -d CONFDIR -s SERVICE -p PREFIX -n COUNT [-i FIRST] [-k USERS]\n"
		"              [-a session|account] [-w WARMUP] [-r] [-x] [-o|-l]\n"
		"       pamrun race -d CONFDIR -s SERVICE -a account|session -u USERFILE -w WORKERS\n"
		"              -m MAILDIR-PATTERN [-F FOLDERS] [-N] [-O | -U UID:GID]\n");
	exit(EXIT_USAGE);
}

/* -a account|session|both; only the modes' accepted words. */
static void parse_hooks(const char *what, bool allow_both, bool *acct, bool *sess)
{
	*acct = strcmp(what, "account") == 0 || (allow_both && strcmp(what, "both") == 0);
	*sess = strcmp(what, "session") == 0 || (allow_both && strcmp(what, "both") == 0);
	if (!*acct && !*sess)
		usage();
}

static long parse_count(const char *s, long max)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 0 || n > max)
		usage();
	return n;
}

/* ======================================================== conversation */

/* Shows messages, answers no prompt: a mail server has no way to ask the
 * user anything.  Never dereferences NULL. */
static int conv(int n, const struct pam_message **msg, struct pam_response **resp,
		void *data)
{
	(void)data;
	if (resp)
		*resp = NULL;
	if (n <= 0 || n > PAM_MAX_NUM_MSG || !msg)
		return PAM_CONV_ERR;
	for (int i = 0; i < n; i++) {
		const struct pam_message *m = msg[i];
		if (!m)
			return PAM_CONV_ERR;
		switch (m->msg_style) {
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			fprintf(stderr, "pamrun: conv: %s\n", m->msg ? m->msg : "(null)");
			break;
		default:
			return PAM_CONV_ERR;
		}
	}
	return PAM_SUCCESS;
}

static const struct pam_conv pam_conversation = { conv, NULL };

/* One login on an open handle: account and/or open + close session.  *step
 * names the call that failed. */
static int one_login(pam_handle_t *ph, bool acct, bool sess, int flags, const char **step)
{
	int rc = PAM_SUCCESS;
	if (acct) {
		*step = "pam_acct_mgmt";
		rc = pam_acct_mgmt(ph, flags);
	}
	if (rc == PAM_SUCCESS && sess) {
		*step = "pam_open_session";
		rc = pam_open_session(ph, flags);
		if (rc == PAM_SUCCESS) {
			*step = "pam_close_session";
			rc = pam_close_session(ph, flags);
		}
	}
	return rc;
}

/* =============================================== syslog capture (loop -L) */

static bool capture_errors;
/* The module's LOG_ERR lines of the current login on this thread. */
static __thread char errlines[2048];
static __thread size_t errlen;
static __thread int errcount;

static void record(int pri, const char *fmt, va_list ap)
{
	static void (*real)(int, const char *, va_list);
	char line[512];
	va_list copy;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "vsyslog");
	va_copy(copy, ap);
	if (real)
		real(pri, fmt, copy);	/* on to the syslog daemon (or a shim) as well */
	va_end(copy);
	if (!capture_errors || (pri & LOG_PRIMASK) > LOG_ERR)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	if (!strstr(line, "pam_mkmaildir"))
		return;
	errcount++;
	if (errlen + strlen(line) + 2 < sizeof errlines)
		errlen += (size_t)snprintf(errlines + errlen, sizeof errlines - errlen, "%s\x1f", line);
}

/* Interposed: libpam's pam_vsyslog ends in one of these (exported even
 * when built with -fvisibility=hidden, as the Makefile does). */
#define INTERPOSED __attribute__((visibility("default")))
INTERPOSED void vsyslog(int pri, const char *fmt, va_list ap)
{
	record(pri, fmt, ap);
}
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap);
INTERPOSED void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	record(pri, fmt, ap);
}
INTERPOSED void syslog(int pri, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(pri, fmt, ap);
	va_end(ap);
}
void __syslog_chk(int pri, int flag, const char *fmt, ...);
INTERPOSED void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;
	(void)flag;
	va_start(ap, fmt);
	record(pri, fmt, ap);
	va_end(ap);
}

/* ==================================================== the daemon's state */

static volatile sig_atomic_t chld_count;

static void on_chld(int sig)
{
	(void)sig;
	chld_count++;	/* a daemon's handler; it must still be ours afterwards */
}

static void on_other(int sig)
{
	(void)sig;
}

/* Signals, mask and timer of a typical daemon; CHLD is handler|ignore|default. */
static int daemon_signals(const char *chld)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (strcmp(chld, "handler") == 0)
		sa.sa_handler = on_chld;
	else if (strcmp(chld, "ignore") == 0)
		sa.sa_handler = SIG_IGN;
	else if (strcmp(chld, "default") == 0)
		sa.sa_handler = SIG_DFL;
	else
		return -1;
	if (sigaction(SIGCHLD, &sa, NULL) != 0)
		return -1;
	sa.sa_handler = on_other;
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGHUP, 0L, 0L, 0L);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL);

	/* A long timer the module must leave alone. */
	struct itimerval it = { { 0, 0 }, { 3600, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	return 0;
}

/* Daemons hold descriptors without close-on-exec (listening sockets, log
 * files): one stays open, so that a child which inherits it shows. */
static void daemon_inherited_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);
	(void)fd;
}

/* What a daemon has done before any module runs (see the top). */
static void daemon_warm_up(const char *user)
{
	openlog("pamrun", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	if (user)
		(void)getpwnam(user);
	(void)getpwnam("root");
	(void)getpwuid(0);
	(void)getgrgid(0);
	gid_t groups[64];
	int ngroups = 64;
	(void)getgrouplist("root", 0, groups, &ngroups);
	endpwent();
	endgrent();
}

/* ======================================================= the host check */

#define MAXFD 256
#define IDLINES 2048

struct host {
	mode_t umask;
	char cwd[PATH_MAX], root[PATH_MAX];
	bool sa_ok[NSIG];
	struct sigaction sa[NSIG];
	sigset_t mask;
	int nfd;
	int fd[MAXFD], fdflags[MAXFD];
	char fdtarget[MAXFD][PATH_MAX];
	char ids[IDLINES];	/* credential lines of /proc/self/status */
	pid_t sid, pgrp;
	int subreaper, dumpable, pdeathsig;
	struct rlimit rlim[RLIM_NLIMITS];
	char *env;		/* environment, joined */
	struct itimerval timer;
};

static char *join_env(void)
{
	size_t len = 1;
	for (char **e = environ; e && *e; e++)
		len += strlen(*e) + 1;
	char *s = malloc(len), *p = s;
	if (!s)
		return NULL;
	for (char **e = environ; e && *e; e++) {
		size_t l = strlen(*e);
		memcpy(p, *e, l);
		p[l] = '\n';
		p += l + 1;
	}
	*p = '\0';
	return s;
}

static void read_ids(char *out, size_t len)
{
	static const char *const keys[] = { "Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:",
					    "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:",
					    "Seccomp:", "Threads:" };
	char line[512];
	size_t o = 0;
	FILE *f = fopen("/proc/self/status", "re");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
			if (strncmp(line, keys[i], strlen(keys[i])) == 0 &&
			    o + strlen(line) + 1 < len)
				o += (size_t)snprintf(out + o, len - o, "%s", line);
	fclose(f);
}

static void read_link(const char *path, char *out)
{
	ssize_t n = readlink(path, out, PATH_MAX - 1);
	out[n < 0 ? 0 : n] = '\0';
}

static void read_fds(struct host *h)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int self = dirfd(d);
	struct dirent *de;
	while ((de = readdir(d)) && h->nfd < MAXFD) {
		if (de->d_name[0] == '.')
			continue;
		int fd = atoi(de->d_name);
		if (fd == self)
			continue;
		char link[64];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		read_link(link, h->fdtarget[h->nfd]);
		h->fdflags[h->nfd] = fcntl(fd, F_GETFD);
		h->fd[h->nfd++] = fd;
	}
	closedir(d);
}

static struct host *host_snapshot(void)
{
	struct host *h = calloc(1, sizeof *h);
	if (!h) {
		fprintf(stderr, "pamrun: out of memory\n");
		exit(EXIT_USAGE);
	}
	h->umask = umask(0);
	umask(h->umask);
	if (!getcwd(h->cwd, sizeof h->cwd))
		snprintf(h->cwd, sizeof h->cwd, "(getcwd: %s)", strerror(errno));
	read_link("/proc/self/root", h->root);
	for (int s = 1; s < NSIG; s++)
		h->sa_ok[s] = sigaction(s, NULL, &h->sa[s]) == 0;
	pthread_sigmask(SIG_SETMASK, NULL, &h->mask);
	read_ids(h->ids, sizeof h->ids);
	h->sid = getsid(0);
	h->pgrp = getpgrp();
	if (prctl(PR_GET_CHILD_SUBREAPER, &h->subreaper, 0L, 0L, 0L) != 0)
		h->subreaper = -1;
	if (prctl(PR_GET_PDEATHSIG, &h->pdeathsig, 0L, 0L, 0L) != 0)
		h->pdeathsig = -1;
	h->dumpable = prctl(PR_GET_DUMPABLE, 0L, 0L, 0L, 0L);
	for (int r = 0; r < RLIM_NLIMITS; r++)
		getrlimit((__rlimit_resource_t)r, &h->rlim[r]);
	h->env = join_env();
	getitimer(ITIMER_REAL, &h->timer);
	read_fds(h);
	return h;
}

static void host_free(struct host *h)
{
	if (h)
		free(h->env);
	free(h);
}

/* Children of this process, running or zombie, as " [pid, state, comm]". */
static int list_children(char *out, size_t outlen)
{
	int found = 0;
	pid_t me = getpid();
	out[0] = '\0';
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		char path[300], buf[512];
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* pid (comm) state ppid ...; comm may hold anything: parse from the last ')'. */
		char *rp = strrchr(buf, ')');
		char state;
		int ppid;
		if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2 || ppid != me)
			continue;
		found++;
		char *lp = strchr(buf, '(');
		size_t used = strlen(out);
		if (lp && lp < rp)
			snprintf(out + used, outlen - used, " [pid %s, state %c, %.*s]", de->d_name,
				 state, (int)(rp - lp - 1), lp + 1);
	}
	closedir(d);
	return found;
}

static bool same_sa(const struct sigaction *a, const struct sigaction *b)
{
	if (a->sa_handler != b->sa_handler)
		return false;
	if ((a->sa_flags & ~SA_RESTORER) != (b->sa_flags & ~SA_RESTORER))
		return false;
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&a->sa_mask, s) != sigismember(&b->sa_mask, s))
			return false;
	return true;
}

static const char *sa_name(const struct sigaction *a)
{
	if (a->sa_handler == SIG_DFL)
		return "SIG_DFL";
	if (a->sa_handler == SIG_IGN)
		return "SIG_IGN";
	if (a->sa_handler == on_chld)
		return "pamrun's SIGCHLD handler";
	if (a->sa_handler == on_other)
		return "pamrun's handler";
	return "a foreign handler";
}

#define DIFF(...) do { fprintf(stderr, "pamrun: host changed: " __VA_ARGS__); bad++; } while (0)

/* The lines of A missing from B, and of B missing from A. */
static int compare_lines(const char *what, const char *a, const char *b)
{
	int bad = 0;
	if (strcmp(a, b) == 0)
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		const char *x = pass ? b : a, *y = pass ? a : b;
		for (const char *l = x; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != 0)) {
			size_t n = strcspn(l, "\n");
			bool found = false;
			for (const char *m = y; *m && !found; m += strcspn(m, "\n") + (m[strcspn(m, "\n")] != 0))
				found = strcspn(m, "\n") == n && strncmp(l, m, n) == 0;
			if (!found)
				DIFF("%s: %s %.*s\n", what, pass ? "now" : "was", (int)n, l);
		}
	}
	if (!bad)
		DIFF("%s: the same lines, in another order or number\n", what);
	return bad;
}

static int compare_fds(const struct host *a, const struct host *b)
{
	int bad = 0;
	for (int i = 0; i < a->nfd; i++) {
		int j;
		for (j = 0; j < b->nfd && b->fd[j] != a->fd[i]; j++)
			;
		if (j == b->nfd)
			DIFF("fd %d (%s) was closed\n", a->fd[i], a->fdtarget[i]);
		else if (strcmp(a->fdtarget[i], b->fdtarget[j]) != 0)
			DIFF("fd %d now refers to %s instead of %s\n", a->fd[i], b->fdtarget[j],
			     a->fdtarget[i]);
		else if (a->fdflags[i] != b->fdflags[j])
			DIFF("fd %d (%s): descriptor flags %d -> %d\n", a->fd[i], a->fdtarget[i],
			     a->fdflags[i], b->fdflags[j]);
	}
	for (int j = 0; j < b->nfd; j++) {
		int i;
		for (i = 0; i < a->nfd && a->fd[i] != b->fd[j]; i++)
			;
		if (i == a->nfd)
			DIFF("fd %d (%s) was left open\n", b->fd[j], b->fdtarget[j]);
	}
	return bad;
}

static int compare_signals(const struct host *a, const struct host *b)
{
	int bad = 0;
	for (int s = 1; s < NSIG; s++) {
		if (a->sa_ok[s] != b->sa_ok[s] || (a->sa_ok[s] && !same_sa(&a->sa[s], &b->sa[s])))
			DIFF("disposition of signal %d (%s): %s -> %s\n", s, strsignal(s),
			     sa_name(&a->sa[s]), sa_name(&b->sa[s]));
		if (sigismember(&a->mask, s) != sigismember(&b->mask, s))
			DIFF("signal %d (%s) %s the signal mask\n", s, strsignal(s),
			     sigismember(&b->mask, s) ? "added to" : "removed from");
	}
	return bad;
}

static int compare_process(const struct host *a, const struct host *b)
{
	int bad = 0;
	if (a->umask != b->umask)
		DIFF("umask %04o -> %04o\n", (unsigned)a->umask, (unsigned)b->umask);
	if (strcmp(a->cwd, b->cwd) != 0)
		DIFF("cwd %s -> %s\n", a->cwd, b->cwd);
	if (strcmp(a->root, b->root) != 0)
		DIFF("root directory %s -> %s\n", a->root, b->root);
	bad += compare_lines("credentials", a->ids, b->ids);
	if (a->sid != b->sid || a->pgrp != b->pgrp)
		DIFF("session/process group %d/%d -> %d/%d\n", (int)a->sid, (int)a->pgrp,
		     (int)b->sid, (int)b->pgrp);
	if (a->subreaper != b->subreaper)
		DIFF("child subreaper flag %d -> %d\n", a->subreaper, b->subreaper);
	if (a->pdeathsig != b->pdeathsig)
		DIFF("parent-death signal %d -> %d\n", a->pdeathsig, b->pdeathsig);
	for (int r = 0; r < RLIM_NLIMITS; r++)
		if (a->rlim[r].rlim_cur != b->rlim[r].rlim_cur || a->rlim[r].rlim_max != b->rlim[r].rlim_max)
			DIFF("resource limit %d: %llu/%llu -> %llu/%llu\n", r,
			     (unsigned long long)a->rlim[r].rlim_cur, (unsigned long long)a->rlim[r].rlim_max,
			     (unsigned long long)b->rlim[r].rlim_cur, (unsigned long long)b->rlim[r].rlim_max);
	if (!a->env || !b->env || strcmp(a->env, b->env) != 0)
		DIFF("environment changed\n");
	if (a->timer.it_value.tv_sec || a->timer.it_value.tv_usec) {
		if (b->timer.it_value.tv_sec == 0 && b->timer.it_value.tv_usec == 0)
			DIFF("the pending interval timer (ITIMER_REAL) was cancelled\n");
		else if (b->timer.it_value.tv_sec > a->timer.it_value.tv_sec)
			DIFF("the pending interval timer (ITIMER_REAL) was re-armed\n");
	} else if (b->timer.it_value.tv_sec || b->timer.it_value.tv_usec) {
		DIFF("an interval timer (ITIMER_REAL) was armed\n");
	}
	if (a->dumpable != b->dumpable)
		DIFF("the dumpable flag changed: %d -> %d\n", a->dumpable, b->dumpable);
	return bad;
}

/* Reports every difference on stderr; returns their number. */
static int host_compare(const struct host *a, const struct host *b)
{
	int bad = compare_process(a, b) + compare_signals(a, b) + compare_fds(a, b);
	char kids[4096];
	if (list_children(kids, sizeof kids))
		DIFF("child processes left behind:%s\n", kids);
	return bad;
}

/* host_changed: whether the host differs from BEFORE now; frees BEFORE. */
static int host_changed(struct host *before)
{
	struct host *after = host_snapshot();
	int changed = host_compare(before, after);
	host_free(before);
	host_free(after);
	return changed;
}
#undef DIFF

/* ============================================================ mode run */

/*
 * -P: a host that keeps cap permitted but not effective (and so expects to
 * find it so after the logins): a module's fsuid round trip would raise it.
 */
static int drop_effective(int cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0, 0, 0 }, { 0, 0, 0 } };

	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	d[cap / 32].effective &= ~(1U << (cap % 32));
	return (int)syscall(SYS_capset, &h, d);
}

static int mode_run(int argc, char **argv)
{
	const char *confdir = NULL, *service = NULL, *user = NULL, *rhost = NULL, *tty = NULL;
	const char *what = "both", *chld = NULL;
	long count = 1;
	int flags = 0, opt;
	bool host = false, no_stdio = false, permitted_only = false, acct, sess;

	while ((opt = getopt(argc, argv, "d:s:u:r:t:a:n:SHFC:P")) != -1) {
		switch (opt) {
		case 'd': confdir = optarg; break;
		case 's': service = optarg; break;
		case 'u': user = optarg; break;
		case 'r': rhost = optarg; break;
		case 't': tty = optarg; break;
		case 'a': what = optarg; break;
		case 'n': count = parse_count(optarg, 100000); break;
		case 'S': flags = PAM_SILENT; break;
		case 'H': host = true; break;
		case 'F': no_stdio = true; break;
		case 'C': chld = optarg; break;
		case 'P': permitted_only = true; break;
		default: usage();
		}
	}
	if (optind != argc || !confdir || !service || !user || count < 1)
		usage();
	parse_hooks(what, true, &acct, &sess);
	if (permitted_only && drop_effective(CAP_DAC_OVERRIDE) != 0)
		return EXIT_USAGE;
	if (host && !chld)
		chld = "handler";
	if (chld && daemon_signals(chld) != 0)
		usage();
	daemon_inherited_fd();

	struct host *before = NULL;
	if (host) {
		daemon_warm_up(user);
		before = host_snapshot();
	}

	pam_handle_t *ph = NULL;
	const char *step = "pam_set_item";
	int rc = pam_start_confdir(service, user, &pam_conversation, confdir, &ph);
	if (rc != PAM_SUCCESS) {
		printf("pam_start_confdir: %s\n", ph ? pam_strerror(ph, rc) : "failed");
		return rc;
	}
	if (rhost && (rc = pam_set_item(ph, PAM_RHOST, rhost)) != PAM_SUCCESS)
		goto done;
	if (tty && (rc = pam_set_item(ph, PAM_TTY, tty)) != PAM_SUCCESS)
		goto done;
	if (no_stdio) {
		openlog("pamrun", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
		(void)getpwnam(user);
		close(0);
		close(1);
		close(2);
	}
	for (long i = 0; i < count && rc == PAM_SUCCESS; i++)
		rc = one_login(ph, acct, sess, flags, &step);
done:
	if (rc == PAM_SUCCESS)
		printf("%s\n", pam_strerror(ph, rc));
	else
		printf("%s: %s\n", step, pam_strerror(ph, rc));
	pam_end(ph, rc);
	fflush(stdout);

	if (host && host_changed(before))
		return EXIT_HOST;
	return rc;
}

/* =========================================================== mode loop */

#define MAXCODE 64
#define MAXTHREADS 256

static struct {
	const char *confdir, *service, *user_pat;
	bool acct, sess, measure;
	long count;
	pthread_barrier_t start_line;
	pthread_mutex_t lock;
	long codes[MAXCODE];
	long mem_at_1k[3], mem_at_end[3];
	FILE *logfile;
	long unlogged;
} lp = { .lock = PTHREAD_MUTEX_INITIALIZER, .count = 1 };

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory itself */
}

/* Resident set (kB), heap bytes in use, open fds. */
static void measure_memory(long out[3])
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	struct mallinfo2 mi = mallinfo2();
	out[0] = rss * (sysconf(_SC_PAGESIZE) / 1024);
	out[1] = (long)mi.uordblks;
	out[2] = count_fds();
}

/* USER with "#" replaced by the thread number. */
static void thread_user(long t, char *user, size_t len)
{
	size_t o = 0;
	for (const char *p = lp.user_pat; *p && o + 24 < len; p++) {
		if (*p == '#')
			o += (size_t)snprintf(user + o, len - o, "%ld", t);
		else
			user[o++] = *p;
	}
	user[o] = '\0';
}

static void count_login(int rc)
{
	pthread_mutex_lock(&lp.lock);
	lp.codes[rc >= 0 && rc < MAXCODE ? rc : MAXCODE - 1]++;
	if (rc != PAM_SUCCESS && lp.logfile) {
		if (errcount == 0)
			lp.unlogged++;
		fprintf(lp.logfile, "%d\t%s\n", rc, errcount ? errlines : "(no LOG_ERR line)");
	}
	pthread_mutex_unlock(&lp.lock);
}

static void *loop_worker(void *arg)
{
	long t = (long)arg;
	char user[512];
	const char *step;

	thread_user(t, user, sizeof user);
	pam_handle_t *ph = NULL;
	int rc = pam_start_confdir(lp.service, user, &pam_conversation, lp.confdir, &ph);
	pthread_barrier_wait(&lp.start_line);
	if (rc != PAM_SUCCESS) {
		pthread_mutex_lock(&lp.lock);
		lp.codes[rc >= 0 && rc < MAXCODE ? rc : MAXCODE - 1] += lp.count;
		pthread_mutex_unlock(&lp.lock);
		return NULL;
	}
	for (long i = 0; i < lp.count; i++) {
		errlen = 0;
		errlines[0] = '\0';
		errcount = 0;
		rc = one_login(ph, lp.acct, lp.sess, PAM_SILENT, &step);
		count_login(rc);
		if (lp.measure && t == 0 && i + 1 == 1000)
			measure_memory(lp.mem_at_1k);
	}
	pam_end(ph, rc);
	return NULL;
}

static void wait_for_writer(const char *fifo)
{
	int fd = open(fifo, O_RDONLY | O_CLOEXEC);
	char c;
	while (fd >= 0 && read(fd, &c, 1) > 0)
		;
	if (fd >= 0)
		close(fd);
}

static long print_loop_line(int nthreads)
{
	long total = 0;
	for (int c = 0; c < MAXCODE; c++)
		total += lp.codes[c];
	printf("logins=%ld ok=%ld fail=%ld codes=", lp.count * nthreads, lp.codes[0],
	       total - lp.codes[0]);
	for (int c = 0, first = 1; c < MAXCODE; c++)
		if (lp.codes[c]) {
			printf("%s%d:%ld", first ? "" : ",", c, lp.codes[c]);
			first = 0;
		}
	if (lp.logfile)
		printf(" unlogged=%ld", lp.unlogged);
	if (lp.measure)
		printf(" rss1k=%ld rssend=%ld heap1k=%ld heapend=%ld fd1k=%ld fdend=%ld",
		       lp.mem_at_1k[0], lp.mem_at_end[0], lp.mem_at_1k[1], lp.mem_at_end[1],
		       lp.mem_at_1k[2], lp.mem_at_end[2]);
	printf("\n");
	fflush(stdout);
	return total - lp.codes[0];
}

static int mode_loop(int argc, char **argv)
{
	const char *fifo = NULL, *what = "account";
	int nthreads = 1, opt;
	bool host = false;

	while ((opt = getopt(argc, argv, "d:s:u:a:n:T:w:L:mH")) != -1) {
		switch (opt) {
		case 'd': lp.confdir = optarg; break;
		case 's': lp.service = optarg; break;
		case 'u': lp.user_pat = optarg; break;
		case 'a': what = optarg; break;
		case 'n': lp.count = parse_count(optarg, LONG_MAX / MAXTHREADS); break;
		case 'T': nthreads = (int)parse_count(optarg, MAXTHREADS); break;
		case 'w': fifo = optarg; break;
		case 'm': lp.measure = true; break;
		case 'L':
			lp.logfile = fopen(optarg, "ae");
			if (!lp.logfile)
				usage();
			capture_errors = true;
			break;
		case 'H': host = true; break;
		default: usage();
		}
	}
	if (optind != argc || !lp.confdir || !lp.service || !lp.user_pat || lp.count < 1 ||
	    nthreads < 1)
		usage();
	parse_hooks(what, true, &lp.acct, &lp.sess);
	daemon_signals("handler");
	daemon_inherited_fd();
	if (fifo)
		wait_for_writer(fifo);
	/* Also: nss_wrapper initialises itself on first use without a lock, so
	 * 16 threads making the first lookup at once would test nss_wrapper. */
	daemon_warm_up(NULL);

	struct host *before = host ? host_snapshot() : NULL;
	pthread_barrier_init(&lp.start_line, NULL, (unsigned)nthreads);
	pthread_t tid[MAXTHREADS];
	if (nthreads == 1) {
		loop_worker((void *)0);
	} else {
		for (long t = 0; t < nthreads; t++)
			if (pthread_create(&tid[t], NULL, loop_worker, (void *)t) != 0) {
				fprintf(stderr, "pamrun: pthread_create failed\n");
				return EXIT_USAGE;
			}
		for (int t = 0; t < nthreads; t++)
			pthread_join(tid[t], NULL);
	}
	if (lp.measure)
		measure_memory(lp.mem_at_end);
	long failed = print_loop_line(nthreads);
	if (host && host_changed(before))
		return EXIT_HOST;
	return failed ? 1 : 0;
}

/* =========================================================== mode time */

static long long now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long status_kb(const char *field)
{
	char line[256];
	size_t len = strlen(field);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* One cycle, start to end; returns the first PAM error or PAM_SUCCESS. */
static int time_cycle(const char *confdir, const char *service, const char *user, bool acct)
{
	pam_handle_t *ph = NULL;
	const char *step;
	int rc = pam_start_confdir(service, user, &pam_conversation, confdir, &ph);

	if (rc != PAM_SUCCESS)
		return rc;
	rc = one_login(ph, acct, !acct, PAM_SILENT, &step);
	pam_end(ph, rc);
	return rc;
}

/* time -o: the same hook on a handle that stays open. */
static int time_on_handle(pam_handle_t *ph, const char *user, bool acct)
{
	const char *step;
	int rc = pam_set_item(ph, PAM_USER, user);

	return rc != PAM_SUCCESS ? rc : one_login(ph, acct, !acct, PAM_SILENT, &step);
}

/* time -l: the module's NSS lookup alone (its buffer size included). */
static int time_lookup(const char *user)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	return getpwnam_r(user, &pw, buf, sizeof buf, &res) == 0 && res ? PAM_SUCCESS
									 : PAM_USER_UNKNOWN;
}

static int time_one(pam_handle_t *ph, bool lookup, const char *confdir, const char *service,
		    const char *user, bool acct)
{
	if (lookup)
		return time_lookup(user);
	if (ph)
		return time_on_handle(ph, user, acct);
	return time_cycle(confdir, service, user, acct);
}

static int mode_time(int argc, char **argv)
{
	pam_handle_t *ph = NULL;
	bool one_handle = false, lookup = false;
	const char *confdir = NULL, *service = NULL, *prefix = NULL, *what = "session";
	unsigned long n = 0, first = 0, users = 0, warmup = 0, i, failures = 0;
	bool acct, sess, rss = false, stop = false;
	long rss_start = -1;
	long long *t, sum = 0;
	int opt;
	char user[256];

	while ((opt = getopt(argc, argv, "d:s:p:n:i:k:a:w:rxol")) != -1) {
		switch (opt) {
		case 'd': confdir = optarg; break;
		case 's': service = optarg; break;
		case 'p': prefix = optarg; break;
		case 'n': n = (unsigned long)parse_count(optarg, 100000000); break;
		case 'i': first = (unsigned long)parse_count(optarg, LONG_MAX); break;
		case 'k': users = (unsigned long)parse_count(optarg, LONG_MAX); break;
		case 'w': warmup = (unsigned long)parse_count(optarg, LONG_MAX); break;
		case 'a': what = optarg; break;
		case 'r': rss = true; break;
		case 'x': stop = true; break;
		case 'o': one_handle = true; break;
		case 'l': lookup = true; break;
		default: usage();
		}
	}
	if (!confdir || !service || !prefix || n == 0 || optind != argc ||
	    (one_handle && lookup))
		usage();
	parse_hooks(what, false, &acct, &sess);
	if (users == 0)
		warmup = 0;
	t = calloc(n, sizeof *t);
	if (!t)
		return EXIT_USAGE;

	/* NSS (nss_wrapper reads its whole file on the first lookup) is warmed
	 * up before anything is measured, whatever the stack does with it. */
	snprintf(user, sizeof user, "%s%lu", prefix, first);
	(void)getpwnam(user);
	if (one_handle &&
	    pam_start_confdir(service, user, &pam_conversation, confdir, &ph) != PAM_SUCCESS)
		return 1;
	for (i = 0; i < warmup; i++) {
		snprintf(user, sizeof user, "%s%lu", prefix, first + i % users);
		time_one(ph, lookup, confdir, service, user, acct);
	}
	if (rss)
		rss_start = status_kb("VmRSS");
	for (i = 0; i < n; i++) {
		snprintf(user, sizeof user, "%s%lu", prefix, first + (users ? i % users : i));
		long long t0 = now_ns(CLOCK_MONOTONIC);
		int rc = time_one(ph, lookup, confdir, service, user, acct);
		t[i] = now_ns(CLOCK_MONOTONIC) - t0;
		sum += t[i];
		if (rc != PAM_SUCCESS) {
			if (failures++ == 0)
				fprintf(stderr, "pamrun: %s for %s: %s\n", service, user,
					pam_strerror(NULL, rc));
			if (stop)
				break;
		}
	}
	if (ph)
		pam_end(ph, failures ? PAM_SYSTEM_ERR : PAM_SUCCESS);
	if (i < n)
		n = i + 1;
	qsort(t, n, sizeof *t, cmp_ll);
	printf("n=%lu median_ns=%lld mean_ns=%lld min_ns=%lld p90_ns=%lld failures=%lu",
	       n, t[n / 2], sum / (long long)n, t[0], t[n * 9 / 10], failures);
	if (rss)
		printf(" rss_start_kb=%ld rss_end_kb=%ld hwm_kb=%ld", rss_start,
		       status_kb("VmRSS"), status_kb("VmHWM"));
	printf("\n");
	free(t);
	return failures ? 1 : 0;
}

/* =========================================================== mode race */

/* %u the name, %n before the first @, %d after it (empty without one). */
static int expand(const char *pat, const char *user, char *out, size_t len)
{
	const char *at = strchr(user, '@');
	size_t o = 0;

	for (const char *p = pat; *p; p++) {
		const char *s = p;
		size_t n = 1;
		if (*p == '%' && p[1]) {
			p++;
			if (*p == 'u') { s = user; n = strlen(user); }
			else if (*p == 'n') { s = user; n = at ? (size_t)(at - user) : strlen(user); }
			else if (*p == 'd') { s = at ? at + 1 : ""; n = strlen(s); }
			else { s = p; n = 1; }
		}
		if (o + n + 1 > len)
			return -1;
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

static bool is_type(const char *base, const char *sub, mode_t type)
{
	char p[3072];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s", base, sub);
	return lstat(p, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

static bool maildir_complete(const char *md, const char *folders)
{
	static const char *const sub[] = { "cur", "new", "tmp" };
	char f[2048], buf[512];

	if (!is_type(md, ".", S_IFDIR))
		return false;
	for (int i = 0; i < 3; i++)
		if (!is_type(md, sub[i], S_IFDIR))
			return false;
	snprintf(buf, sizeof buf, "%s", folders);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		snprintf(f, sizeof f, "%s/.%s", md, t);
		for (int i = 0; i < 3; i++)
			if (!is_type(f, sub[i], S_IFDIR))
				return false;
		if (!is_type(f, "maildirfolder", S_IFREG))
			return false;
	}
	return true;
}

/* The control: what a creator without the temporary-name design does, one
 * mkdir per level with EEXIST taken as success. */
static int naive_create(const char *pattern, const char *user)
{
	static const char *const sub[] = { "", "/cur", "/new", "/tmp" };
	char md[1024], p[1100];

	if (expand(pattern, user, md, sizeof md) != 0)
		return PAM_SYSTEM_ERR;
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", md, sub[i]);
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return PAM_SYSTEM_ERR;
	}
	return PAM_SUCCESS;
}

struct race {
	const char *confdir, *service, *pattern, *folders;
	bool acct, naive, as_user;
	long check_uid, check_gid;   /* -U, or -1 */
};

/* The check's filesystem ids (-O, -U): this child only. */
static void check_as(const struct race *r, const char *user)
{
	long uid = r->check_uid, gid = r->check_gid;
	struct passwd *pw;

	if (r->as_user && (pw = getpwnam(user)) != NULL) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (uid >= 0) {
		setfsgid((gid_t)gid);
		setfsuid((uid_t)uid);
	}
}

/* A child: parked on the gate until the release instant, one login, the
 * check, one R line. */
static void race_login(const struct race *r, const char *user, int gate)
{
	long long at = 0;
	while (read(gate, &at, sizeof at) < 0 && errno == EINTR)
		;
	if (at > 0) {
		struct timespec ts = { at / 1000000000LL, at % 1000000000LL };
		while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	long long t0 = now_ns(CLOCK_REALTIME), m0 = now_ns(CLOCK_MONOTONIC);
	int rc;
	if (r->naive) {
		rc = naive_create(r->pattern, user);
	} else {
		pam_handle_t *ph = NULL;
		const char *step;
		rc = pam_start_confdir(r->service, user, &pam_conversation, r->confdir, &ph);
		if (rc == PAM_SUCCESS) {
			pam_set_item(ph, PAM_RHOST, "10.200.0.99");
			pam_set_item(ph, PAM_TTY, "race");
			rc = one_login(ph, r->acct, !r->acct, PAM_SILENT, &step);
			pam_end(ph, rc);
		}
	}
	long long m1 = now_ns(CLOCK_MONOTONIC);
	char md[1024], line[1536];
	check_as(r, user);
	bool ok = expand(r->pattern, user, md, sizeof md) == 0 && maildir_complete(md, r->folders);
	snprintf(line, sizeof line, "R %s %d %d %lld %lld\n", user, rc, ok, t0, m1 - m0);
	if (write(1, line, strlen(line)) < 0)
		_exit(2);
	_exit(0);
}

static char **read_users(const char *file, size_t *nusers)
{
	char **users = NULL, buf[512];
	size_t cap = 0;
	FILE *f = fopen(file, "re");

	if (!f) {
		perror(file);
		exit(EXIT_USAGE);
	}
	*nusers = 0;
	while (fgets(buf, sizeof buf, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (!*buf)
			continue;
		if (*nusers == cap && !(users = realloc(users, (cap = cap * 2 + 64) * sizeof *users)))
			exit(97);
		users[(*nusers)++] = strdup(buf);
	}
	fclose(f);
	return users;
}

static int mode_race(int argc, char **argv)
{
	struct race r = { .folders = "" };
	const char *what = "session", *ufile = NULL;
	int workers = 1, opt;
	bool sess;
	size_t nusers, next = 0;

	r.check_uid = r.check_gid = -1;
	while ((opt = getopt(argc, argv, "d:s:a:u:w:m:F:NOU:")) != -1) {
		switch (opt) {
		case 'd': r.confdir = optarg; break;
		case 's': r.service = optarg; break;
		case 'a': what = optarg; break;
		case 'u': ufile = optarg; break;
		case 'w': workers = (int)parse_count(optarg, 64); break;
		case 'm': r.pattern = optarg; break;
		case 'F': r.folders = optarg; break;
		case 'N': r.naive = true; break;
		case 'O': r.as_user = true; break;
		case 'U':
			if (sscanf(optarg, "%ld:%ld", &r.check_uid, &r.check_gid) != 2)
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc || !r.confdir || !r.service || !ufile || !r.pattern || workers < 1)
		usage();
	parse_hooks(what, false, &r.acct, &sess);
	if (r.naive)
		r.folders = "";
	char **users = read_users(ufile, &nusers);
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);

	while (next < nusers) {
		int gate[2], n = 0;
		char go[64];
		if (pipe(gate) < 0)
			return 97;
		for (; n < workers && next + n < nusers; n++) {
			pid_t p = fork();
			if (p < 0)
				return 97;
			if (p == 0) {
				close(gate[1]);
				race_login(&r, users[next + n], gate[0]);
			}
		}
		close(gate[0]);
		/* Parked: tell the controller, which sends both frontends the same
		 * release instant (microseconds since the epoch, one line). */
		if (write(1, "?\n", 2) != 2 || !fgets(go, sizeof go, stdin)) {
			close(gate[1]);
			while (wait(NULL) > 0)
				;
			return 1;
		}
		long long at = strtoll(go, NULL, 10) * 1000LL;
		for (int i = 0; i < n; i++)
			if (write(gate[1], &at, sizeof at) != (ssize_t)sizeof at)
				return 97;
		close(gate[1]);
		while (wait(NULL) > 0)
			;
		next += (size_t)n;
		if (write(1, ".\n", 2) != 2)
			return 1;
	}
	return 0;
}

/* ================================================================ main */

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} modes[] = { { "run", mode_run }, { "loop", mode_loop }, { "time", mode_time },
		      { "race", mode_race } };

	if (argc > 1 && argv[1][0] != '-') {
		for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
			if (strcmp(argv[1], modes[i].name) == 0)
				return modes[i].run(argc - 1, argv + 1);
		usage();
	}
	return mode_run(argc, argv);
}
