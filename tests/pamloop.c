/*
 * pamloop: many PAM logins in one process, as a long-lived mail daemon does
 * them, for the hostile-conditions tests (tests/t_hostile_*.sh).
 *
 *   pamloop -d CONFDIR -s SERVICE -u USER [-a account|session|both]
 *           [-n COUNT] [-T THREADS] [-w FIFO] [-L FILE] [-m] [-H]
 *
 * Unlike pamrun it does not stop at the first failure: it runs COUNT rounds
 * on each of THREADS threads (each thread with its own PAM handle, all
 * released together), counts the PAM codes, and prints one line:
 *
 *   logins=N ok=N fail=N codes=CODE:COUNT,... [mem figures]
 *
 * A "#" in USER is replaced by the thread number, so threads can log in as
 * different users.  -w FIFO waits until the FIFO is opened and closed by a
 * writer before starting (to release many processes at once).  -m measures
 * the process after 1,000 rounds and at the end (thread 0 in a single-thread
 * run): resident set size, heap bytes in use (mallinfo2) and open fds.  -H
 * -L FILE records, through this program's own syslog entry points (which
 * libpam's pam_syslog reaches), every LOG_ERR line of the module, and
 * appends "CODE<TAB>line" to FILE for each failed login; failed logins
 * without any such line are counted as "unlogged".  -H
 * checks that the process is as it was (umask, cwd, SIGCHLD disposition,
 * signal mask, uids/gids of every thread, no child processes or zombies),
 * reports differences on stderr and exits 99.  Exit status otherwise: 0
 * when every login succeeded, 1 when some failed, 98 on usage errors.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <syslog.h>
#include <unistd.h>

#include <stdarg.h>

#include <security/pam_appl.h>

#define MAXCODE 64
#define MAXTHREADS 256

static const char *confdir, *service, *user_pat, *what = "account";
static long count = 1;
static int nthreads = 1, measure;
static pthread_barrier_t start_line;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long codes[MAXCODE];
static long mem_at_1k[3], mem_at_end[3];
static FILE *logfile;
static long unlogged;

/* The LOG_ERR lines of the current login on this thread. */
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
		real(pri, fmt, copy); /* on to the syslog daemon as well */
	va_end(copy);
	if ((pri & LOG_PRIMASK) > LOG_ERR)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	if (!strstr(line, "pam_mkmaildir"))
		return;
	errcount++;
	if (errlen + strlen(line) + 2 < sizeof errlines)
		errlen += (size_t)snprintf(errlines + errlen, sizeof errlines - errlen, "%s\x1f", line);
}
/* Interposed: libpam's pam_vsyslog ends in one of these. */
void vsyslog(int pri, const char *fmt, va_list ap)
{
	record(pri, fmt, ap);
}
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap);
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	record(pri, fmt, ap);
}
void syslog(int pri, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(pri, fmt, ap);
	va_end(ap);
}
void __syslog_chk(int pri, int flag, const char *fmt, ...);
void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;
	(void)flag;
	va_start(ap, fmt);
	record(pri, fmt, ap);
	va_end(ap);
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)data;
	(void)msg;
	if (resp)
		*resp = NULL;
	return n > 0 && n <= PAM_MAX_NUM_MSG ? PAM_SUCCESS : PAM_CONV_ERR;
}

static void on_chld(int sig)
{
	(void)sig;
}

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
	return n - 1; /* the directory itself */
}

static void mem(long out[3])
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

static void *worker(void *arg)
{
	long t = (long)arg;
	char user[512];
	const char *p;
	size_t o = 0;

	for (p = user_pat; *p && o + 8 < sizeof user; p++) {
		if (*p == '#')
			o += (size_t)snprintf(user + o, sizeof user - o, "%ld", t);
		else
			user[o++] = *p;
	}
	user[o] = '\0';

	struct pam_conv pc = { conv, NULL };
	pam_handle_t *ph = NULL;
	int rc = pam_start_confdir(service, user, &pc, confdir, &ph);
	pthread_barrier_wait(&start_line);
	if (rc != PAM_SUCCESS) {
		pthread_mutex_lock(&lock);
		codes[rc < MAXCODE ? rc : MAXCODE - 1] += count;
		pthread_mutex_unlock(&lock);
		return NULL;
	}
	int acct = strcmp(what, "account") == 0 || strcmp(what, "both") == 0;
	int sess = strcmp(what, "session") == 0 || strcmp(what, "both") == 0;
	for (long i = 0; i < count; i++) {
		errlen = 0;
		errlines[0] = '\0';
		errcount = 0;
		rc = PAM_SUCCESS;
		if (acct)
			rc = pam_acct_mgmt(ph, PAM_SILENT);
		if (rc == PAM_SUCCESS && sess) {
			rc = pam_open_session(ph, PAM_SILENT);
			if (rc == PAM_SUCCESS)
				rc = pam_close_session(ph, PAM_SILENT);
		}
		pthread_mutex_lock(&lock);
		codes[rc >= 0 && rc < MAXCODE ? rc : MAXCODE - 1]++;
		if (rc != PAM_SUCCESS && logfile) {
			if (errcount == 0)
				unlogged++;
			fprintf(logfile, "%d\t%s\n", rc, errcount ? errlines : "(no LOG_ERR line)");
		}
		pthread_mutex_unlock(&lock);
		if (measure && t == 0 && i + 1 == 1000)
			mem(mem_at_1k);
	}
	pam_end(ph, rc);
	return NULL;
}

/* ---- host state ---- */

struct host {
	mode_t umask;
	char cwd[PATH_MAX];
	struct sigaction chld;
	sigset_t mask;
	char ids[4096];
};

static void read_ids(char *out, size_t len)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	size_t o = 0;

	out[0] = '\0';
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[300], line[512];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%s/status", de->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof line, f))
			if ((!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) ||
			     !strncmp(line, "Groups:", 7)) && o + strlen(line) + 1 < len)
				o += (size_t)snprintf(out + o, len - o, "%s", line);
		fclose(f);
	}
	closedir(d);
}

static void snapshot(struct host *h)
{
	memset(h, 0, sizeof *h);
	h->umask = umask(0);
	umask(h->umask);
	if (!getcwd(h->cwd, sizeof h->cwd))
		h->cwd[0] = '\0';
	sigaction(SIGCHLD, NULL, &h->chld);
	pthread_sigmask(SIG_SETMASK, NULL, &h->mask);
	read_ids(h->ids, sizeof h->ids);
}

static int children(void)
{
	char path[64], buf[4096];
	int n = 0;
	snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t got = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[got] = '\0';
	for (char *p = strtok(buf, " \n"); p; p = strtok(NULL, " \n"))
		n++;
	return n;
}

static int compare(const struct host *a, const struct host *b)
{
	int bad = 0;
	if (a->umask != b->umask)
		bad++, fprintf(stderr, "pamloop: host changed: umask %04o -> %04o\n", a->umask, b->umask);
	if (strcmp(a->cwd, b->cwd))
		bad++, fprintf(stderr, "pamloop: host changed: cwd %s -> %s\n", a->cwd, b->cwd);
	if (a->chld.sa_handler != b->chld.sa_handler)
		bad++, fprintf(stderr, "pamloop: host changed: SIGCHLD disposition\n");
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&a->mask, s) != sigismember(&b->mask, s))
			bad++, fprintf(stderr, "pamloop: host changed: signal %d in the mask\n", s);
	if (strcmp(a->ids, b->ids))
		bad++, fprintf(stderr, "pamloop: host changed: credentials\n%s->\n%s", a->ids, b->ids);
	int kids = children();
	if (kids)
		bad++, fprintf(stderr, "pamloop: host changed: %d child processes (or zombies) left\n", kids);
	return bad;
}

static void usage(void)
{
	fprintf(stderr, "usage: pamloop -d CONFDIR -s SERVICE -u USER [-a account|session|both]\n"
			"               [-n COUNT] [-T THREADS] [-w FIFO] [-L FILE] [-m] [-H]\n");
	exit(98);
}

int main(int argc, char **argv)
{
	const char *fifo = NULL;
	int host = 0, opt;

	while ((opt = getopt(argc, argv, "d:s:u:a:n:T:w:L:mH")) != -1) {
		switch (opt) {
		case 'd': confdir = optarg; break;
		case 's': service = optarg; break;
		case 'u': user_pat = optarg; break;
		case 'a': what = optarg; break;
		case 'n': count = atol(optarg); break;
		case 'T': nthreads = atoi(optarg); break;
		case 'w': fifo = optarg; break;
		case 'm': measure = 1; break;
		case 'L':
			logfile = fopen(optarg, "ae");
			if (!logfile)
				usage();
			break;
		case 'H': host = 1; break;
		default: usage();
		}
	}
	if (optind != argc || !confdir || !service || !user_pat || count < 1 || nthreads < 1 ||
	    nthreads > MAXTHREADS)
		usage();

	/* A daemon's SIGCHLD handler and a blocked signal, as pamrun -H has. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);

	if (fifo) {
		int fd = open(fifo, O_RDONLY | O_CLOEXEC);
		char c;
		while (fd >= 0 && read(fd, &c, 1) > 0)
			;
		if (fd >= 0)
			close(fd);
	}

	/* A daemon has made NSS lookups before its first login; nss_wrapper
	 * also initialises itself on first use without a lock, so 16 threads
	 * making the first lookup at once would test nss_wrapper, not us. */
	(void)getpwnam("root");
	(void)getgrgid(0);
	endpwent();
	endgrent();

	struct host before, after;
	snapshot(&before);
	pthread_barrier_init(&start_line, NULL, (unsigned)nthreads);
	pthread_t tid[MAXTHREADS];
	if (nthreads == 1) {
		worker((void *)0);
	} else {
		for (long t = 0; t < nthreads; t++)
			if (pthread_create(&tid[t], NULL, worker, (void *)t) != 0) {
				fprintf(stderr, "pamloop: pthread_create failed\n");
				return 98;
			}
		for (int t = 0; t < nthreads; t++)
			pthread_join(tid[t], NULL);
	}
	if (measure)
		mem(mem_at_end);
	snapshot(&after);

	long total = 0;
	printf("logins=%ld ok=%ld fail=", count * nthreads, codes[0]);
	for (int c = 0; c < MAXCODE; c++)
		total += codes[c];
	printf("%ld codes=", total - codes[0]);
	for (int c = 0, first = 1; c < MAXCODE; c++)
		if (codes[c]) {
			printf("%s%d:%ld", first ? "" : ",", c, codes[c]);
			first = 0;
		}
	if (logfile)
		printf(" unlogged=%ld", unlogged);
	if (measure)
		printf(" rss1k=%ld rssend=%ld heap1k=%ld heapend=%ld fd1k=%ld fdend=%ld",
		       mem_at_1k[0], mem_at_end[0], mem_at_1k[1], mem_at_end[1], mem_at_1k[2],
		       mem_at_end[2]);
	printf("\n");
	fflush(stdout);
	if (host && compare(&before, &after))
		return 99;
	return total == codes[0] ? 0 : 1;
}
