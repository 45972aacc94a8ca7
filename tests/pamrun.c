/*
 * pamrun: drive a PAM service through the real libpam, as a mail server would.
 *
 *   pamrun -d CONFDIR -s SERVICE -u USER [-r RHOST] [-t TTY]
 *          [-a account|session|both] [-n COUNT] [-S] [-H] [-F] [-C handler|ignore|default]
 *
 * The service file is read from CONFDIR (pam_start_confdir), so tests never
 * touch /etc/pam.d.  For each of COUNT rounds it calls pam_acct_mgmt and/or
 * pam_open_session + pam_close_session, stopping at the first failure.  It
 * prints the pam_strerror text of the result and exits with the PAM code of
 * the first failure (0 when everything succeeded).  -S passes PAM_SILENT.
 *
 * -H checks that the module leaves the hosting process as it found it: umask,
 * working directory, SIGCHLD and other signal dispositions, signal mask, the
 * set of open file descriptors, real/effective/saved/fs uids and gids,
 * supplementary groups, the environment, a pending interval timer, and no
 * child process (running or zombie) left behind.  Any difference is reported
 * on stderr and the exit status is 99.
 * pamrun always holds one descriptor without close-on-exec (on /dev/null), as
 * daemons do, so that a child of the module that inherits it can tell.
 * -F plays a daemon that closed stdin, stdout and stderr once started: it
 * connects to syslog and looks the user up first, then closes fds 0, 1
 * and 2 right before the PAM calls, so that the module's next descriptors
 * land there.  (Nothing is printed then; the exit status tells.)
 * -C sets the SIGCHLD disposition the "daemon" runs with (default: a custom
 * handler with -H, untouched otherwise).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_appl.h>

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000	/* set by the C library, not by callers */
#endif

#define EXIT_HOST 99
#define EXIT_USAGE 98

extern char **environ;

/* ---- conversation: answers nothing, never dereferences NULL ---- */

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
			/* A mail server has no way to ask the user anything. */
			return PAM_CONV_ERR;
		}
	}
	return PAM_SUCCESS;
}

/* ---- host state snapshot ---- */

#define MAXFD 256
#define NSIGS 7

static const int watched_sigs[NSIGS] = { SIGCHLD, SIGALRM, SIGPIPE, SIGTERM, SIGHUP, SIGINT, SIGUSR1 };

struct host {
	mode_t umask;
	char cwd[PATH_MAX];
	struct sigaction sa[NSIGS];
	sigset_t mask;
	int nfd;
	int fd[MAXFD];
	char fdtarget[MAXFD][PATH_MAX];
	char ids[3][512];	/* Uid:, Gid:, Groups: lines of /proc/self/status */
	char *env;		/* environment, joined */
	struct itimerval timer;
};

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

static void read_ids(struct host *h)
{
	static const char *keys[3] = { "Uid:", "Gid:", "Groups:" };
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");
	for (int i = 0; i < 3; i++)
		h->ids[i][0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		for (int i = 0; i < 3; i++) {
			size_t kl = strlen(keys[i]);
			if (strncmp(line, keys[i], kl) == 0)
				snprintf(h->ids[i], sizeof h->ids[i], "%s", line);
		}
	}
	fclose(f);
}

static void snapshot(struct host *h)
{
	memset(h, 0, sizeof *h);
	h->umask = umask(0);
	umask(h->umask);
	if (!getcwd(h->cwd, sizeof h->cwd))
		snprintf(h->cwd, sizeof h->cwd, "(getcwd: %s)", strerror(errno));
	for (int i = 0; i < NSIGS; i++)
		sigaction(watched_sigs[i], NULL, &h->sa[i]);
	sigprocmask(SIG_SETMASK, NULL, &h->mask);
	read_ids(h);
	h->env = join_env();
	getitimer(ITIMER_REAL, &h->timer);

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
		ssize_t n = readlink(link, h->fdtarget[h->nfd], PATH_MAX - 1);
		h->fdtarget[h->nfd][n < 0 ? 0 : n] = '\0';
		h->fd[h->nfd++] = fd;
	}
	closedir(d);
}

/* Children of this process, running or zombie, as "pid state comm" lines. */
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
		/* pid (comm) state ppid ... ; comm may contain anything, so
		 * parse from the last ')'. */
		char *rp = strrchr(buf, ')');
		char state;
		int ppid;
		if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
			continue;
		if (ppid != me)
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

static int same_sa(const struct sigaction *a, const struct sigaction *b)
{
	if (a->sa_handler != b->sa_handler)
		return 0;
	if ((a->sa_flags & ~SA_RESTORER) != (b->sa_flags & ~SA_RESTORER))
		return 0;
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&a->sa_mask, s) != sigismember(&b->sa_mask, s))
			return 0;
	return 1;
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

static int compare(const struct host *a, const struct host *b)
{
	int bad = 0;
#define DIFF(...) do { fprintf(stderr, "pamrun: host changed: " __VA_ARGS__); bad++; } while (0)
	if (a->umask != b->umask)
		DIFF("umask %04o -> %04o\n", (unsigned)a->umask, (unsigned)b->umask);
	if (strcmp(a->cwd, b->cwd) != 0)
		DIFF("cwd %s -> %s\n", a->cwd, b->cwd);
	for (int i = 0; i < NSIGS; i++)
		if (!same_sa(&a->sa[i], &b->sa[i]))
			DIFF("disposition of signal %d (%s): %s -> %s\n", watched_sigs[i],
			     strsignal(watched_sigs[i]), sa_name(&a->sa[i]), sa_name(&b->sa[i]));
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&a->mask, s) != sigismember(&b->mask, s))
			DIFF("signal %d (%s) %s the signal mask\n", s, strsignal(s),
			     sigismember(&b->mask, s) ? "added to" : "removed from");
	for (int i = 0; i < 3; i++)
		if (strcmp(a->ids[i], b->ids[i]) != 0)
			DIFF("credentials: %.*s -> %s", (int)strcspn(a->ids[i], "\n"), a->ids[i], b->ids[i]);
	if (!a->env || !b->env || strcmp(a->env, b->env) != 0)
		DIFF("environment changed\n");
	if (b->timer.it_value.tv_sec == 0 && b->timer.it_value.tv_usec == 0)
		DIFF("the pending interval timer (ITIMER_REAL) was cancelled\n");
	else if (b->timer.it_value.tv_sec > a->timer.it_value.tv_sec)
		DIFF("the pending interval timer (ITIMER_REAL) was re-armed\n");
	for (int i = 0; i < a->nfd; i++) {
		int j;
		for (j = 0; j < b->nfd && b->fd[j] != a->fd[i]; j++)
			;
		if (j == b->nfd)
			DIFF("fd %d (%s) was closed\n", a->fd[i], a->fdtarget[i]);
		else if (strcmp(a->fdtarget[i], b->fdtarget[j]) != 0)
			DIFF("fd %d now refers to %s instead of %s\n", a->fd[i], b->fdtarget[j],
			     a->fdtarget[i]);
	}
	for (int j = 0; j < b->nfd; j++) {
		int i;
		for (i = 0; i < a->nfd && a->fd[i] != b->fd[j]; i++)
			;
		if (i == a->nfd)
			DIFF("fd %d (%s) was left open\n", b->fd[j], b->fdtarget[j]);
	}
	char kids[4096];
	if (list_children(kids, sizeof kids))
		DIFF("child processes left behind:%s\n", kids);
#undef DIFF
	return bad;
}

/* Put the process in the state of a typical daemon before the module runs. */
static int prepare_host(const char *chld)
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
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	/* Daemons often run with some signals blocked. */
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

static void usage(void)
{
	fprintf(stderr,
		"usage: pamrun -d CONFDIR -s SERVICE -u USER [-r RHOST] [-t TTY]\n"
		"              [-a account|session|both] [-n COUNT] [-S] [-H] [-F] [-C handler|ignore|default]\n");
	exit(EXIT_USAGE);
}

int main(int argc, char **argv)
{
	const char *confdir = NULL, *service = NULL, *user = NULL, *rhost = NULL, *tty = NULL;
	const char *what = "both", *chld = NULL;
	long count = 1;
	int host = 0, flags = 0, opt, no_stdio = 0;

	while ((opt = getopt(argc, argv, "d:s:u:r:t:a:n:SHFC:")) != -1) {
		switch (opt) {
		case 'd': confdir = optarg; break;
		case 's': service = optarg; break;
		case 'u': user = optarg; break;
		case 'r': rhost = optarg; break;
		case 't': tty = optarg; break;
		case 'a': what = optarg; break;
		case 'n': {
			char *end;
			count = strtol(optarg, &end, 10);
			if (*end || count < 1 || count > 100000)
				usage();
			break;
		}
		case 'S': flags = PAM_SILENT; break;
		case 'H': host = 1; break;
		case 'F': no_stdio = 1; break;
		case 'C': chld = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !confdir || !service || !user)
		usage();
	int do_acct = strcmp(what, "account") == 0 || strcmp(what, "both") == 0;
	int do_sess = strcmp(what, "session") == 0 || strcmp(what, "both") == 0;
	if (!do_acct && !do_sess)
		usage();
	if (host && !chld)
		chld = "handler";
	if (chld && prepare_host(chld) != 0)
		usage();

	/* Daemons hold descriptors without close-on-exec (listening sockets,
	 * log files): keep one open, so that a creator which inherits what it
	 * should not shows it. */
	int daemon_fd = open("/dev/null", O_RDONLY);
	(void)daemon_fd;

	struct host before, after;
	if (host) {
		/* Things a daemon has already done before any PAM module runs:
		 * a syslog connection (pam_syslog reuses it) and NSS lookups of
		 * users and groups (an NSS backend such as nss_wrapper may keep
		 * its files open from the first lookup on). */
		openlog("pamrun", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
		(void)getpwnam(user);
		(void)getpwuid(0);
		(void)getgrgid(0);
		gid_t groups[64];
		int ngroups = 64;
		(void)getgrouplist("root", 0, groups, &ngroups);
		endpwent();
		endgrent();
		snapshot(&before);
	}

	struct pam_conv pc = { conv, NULL };
	pam_handle_t *ph = NULL;
	const char *step = "pam_set_item";
	int rc = pam_start_confdir(service, user, &pc, confdir, &ph);
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
	for (long i = 0; i < count && rc == PAM_SUCCESS; i++) {
		if (do_acct) {
			step = "pam_acct_mgmt";
			rc = pam_acct_mgmt(ph, flags);
			if (rc != PAM_SUCCESS)
				break;
		}
		if (do_sess) {
			step = "pam_open_session";
			rc = pam_open_session(ph, flags);
			if (rc != PAM_SUCCESS)
				break;
			step = "pam_close_session";
			rc = pam_close_session(ph, flags);
		}
	}
done:
	if (rc == PAM_SUCCESS)
		printf("%s\n", pam_strerror(ph, rc));
	else
		printf("%s: %s\n", step, pam_strerror(ph, rc));
	pam_end(ph, rc);
	fflush(stdout);

	if (host) {
		int changed;
		snapshot(&after);
		changed = compare(&before, &after);
		free(before.env);
		free(after.env);
		if (changed)
			return EXIT_HOST;
	}
	return rc;
}
