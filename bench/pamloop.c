/*
 * pamloop: time real Linux-PAM login cycles, as a mail server's auth
 * process runs them, through pam_start_confdir (no /etc/pam.d involved).
 *
 *   pamloop -d CONFDIR -s SERVICE -p PREFIX -n COUNT [-i FIRST] [-k USERS]
 *           [-a session|account] [-w WARMUP] [-r] [-x]
 *
 * One cycle is pam_start_confdir, then pam_open_session + pam_close_session
 * (-a session, the default) or pam_acct_mgmt (-a account), then pam_end.
 * Cycle i logs in user PREFIX<FIRST + i>, or PREFIX<FIRST + i % USERS> with
 * -k (the same users again and again: every-login runs).  WARMUP untimed
 * cycles come first (with -k only: a first-login run has no users to spare).
 *
 * Each cycle is timed with clock_gettime(CLOCK_MONOTONIC).  Printed on one
 * line: n, the median, mean, minimum and 90th percentile in nanoseconds,
 * and the failures.  -r adds the resident set size (kB) after the warm-up
 * and at the end, and the peak (VmHWM).  -x stops at the first failure with
 * exit status 1 (the default is to count failures and go on).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

static int conv(int n, const struct pam_message **msg, struct pam_response **resp,
		void *data)
{
	(void)msg;
	(void)data;
	if (resp != NULL)
		*resp = NULL;
	return n > 0 ? PAM_SUCCESS : PAM_CONV_ERR;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long status_kb(const char *field)
{
	char line[256];
	size_t len = strlen(field);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
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

static void usage(void)
{
	fputs("usage: pamloop -d CONFDIR -s SERVICE -p PREFIX -n COUNT [-i FIRST] [-k USERS]\n"
	      "               [-a session|account] [-w WARMUP] [-r] [-x]\n", stderr);
	exit(2);
}

/* One cycle; returns the first PAM error or PAM_SUCCESS. */
static int cycle(const char *confdir, const char *service, const char *user,
		 bool account)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *pamh = NULL;
	int rc;

	rc = pam_start_confdir(service, user, &pc, confdir, &pamh);
	if (rc != PAM_SUCCESS)
		return rc;
	if (account) {
		rc = pam_acct_mgmt(pamh, PAM_SILENT);
	} else {
		rc = pam_open_session(pamh, PAM_SILENT);
		if (rc == PAM_SUCCESS)
			rc = pam_close_session(pamh, PAM_SILENT);
	}
	pam_end(pamh, rc);
	return rc;
}

int main(int argc, char **argv)
{
	const char *confdir = NULL, *service = NULL, *prefix = NULL;
	unsigned long n = 0, first = 0, users = 0, warmup = 0, i;
	bool account = false, rss = false, stop = false;
	unsigned long failures = 0;
	long rss_start = -1;
	long long *t, sum = 0;
	int c, first_err = PAM_SUCCESS;
	char user[256];

	while ((c = getopt(argc, argv, "d:s:p:n:i:k:a:w:rx")) != -1) {
		switch (c) {
		case 'd': confdir = optarg; break;
		case 's': service = optarg; break;
		case 'p': prefix = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'i': first = strtoul(optarg, NULL, 10); break;
		case 'k': users = strtoul(optarg, NULL, 10); break;
		case 'w': warmup = strtoul(optarg, NULL, 10); break;
		case 'a':
			if (strcmp(optarg, "account") == 0)
				account = true;
			else if (strcmp(optarg, "session") != 0)
				usage();
			break;
		case 'r': rss = true; break;
		case 'x': stop = true; break;
		default: usage();
		}
	}
	if (confdir == NULL || service == NULL || prefix == NULL || n == 0 || optind != argc)
		usage();
	if (users == 0)
		warmup = 0;
	t = calloc(n, sizeof *t);
	if (t == NULL)
		return 2;

	/* NSS (nss_wrapper reads its whole file on the first lookup) is warmed
	 * up before anything is measured, whatever the stack does with it. */
	snprintf(user, sizeof user, "%s%lu", prefix, first);
	(void)getpwnam(user);
	for (i = 0; i < warmup; i++) {
		snprintf(user, sizeof user, "%s%lu", prefix, first + i % users);
		cycle(confdir, service, user, account);
	}
	if (rss)
		rss_start = status_kb("VmRSS");
	for (i = 0; i < n; i++) {
		long long t0;
		int rc;
		snprintf(user, sizeof user, "%s%lu", prefix,
			 first + (users != 0 ? i % users : i));
		t0 = now_ns();
		rc = cycle(confdir, service, user, account);
		t[i] = now_ns() - t0;
		sum += t[i];
		if (rc != PAM_SUCCESS) {
			if (failures++ == 0) {
				first_err = rc;
				fprintf(stderr, "pamloop: %s for %s: %s\n", service, user,
					pam_strerror(NULL, rc));
			}
			if (stop)
				break;
		}
	}
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
	return failures != 0 && (stop || first_err != PAM_SUCCESS) ? 1 : 0;
}
