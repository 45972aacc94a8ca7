// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * nsstime: the cost of the NSS lookup pam_mkmaildir makes at every login,
 * one getpwnam_r(3) of the user, timed alone through whatever nsswitch.conf
 * says (bench/cluster.sh: files, then LDAP through nslcd).
 *
 *   nsstime -p PREFIX -k USERS -n COUNT [-w WARMUP]
 *
 * Looks up PREFIX<i % USERS> COUNT times after WARMUP untimed lookups and
 * prints n= median_ns= mean_ns= min_ns= failures= (a failure: the user was
 * not found or the lookup failed).
 */
#define _GNU_SOURCE
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int lookup(const char *prefix, unsigned long i)
{
	char name[256], buf[4096];
	struct passwd pw, *res = NULL;

	snprintf(name, sizeof name, "%s%lu", prefix, i);
	return getpwnam_r(name, &pw, buf, sizeof buf, &res) == 0 && res != NULL;
}

int main(int argc, char **argv)
{
	unsigned long n = 0, users = 1, warm = 0, i, fails = 0;
	const char *prefix = NULL;
	long long *t, sum = 0;
	int c;

	while ((c = getopt(argc, argv, "p:k:n:w:")) != -1) {
		switch (c) {
		case 'p': prefix = optarg; break;
		case 'k': users = strtoul(optarg, NULL, 10); break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'w': warm = strtoul(optarg, NULL, 10); break;
		default:
			fputs("usage: nsstime -p PREFIX -k USERS -n COUNT [-w WARMUP]\n", stderr);
			return 2;
		}
	}
	if (prefix == NULL || n == 0 || users == 0 || (t = calloc(n, sizeof *t)) == NULL)
		return 2;
	for (i = 0; i < warm; i++)
		lookup(prefix, i % users);
	for (i = 0; i < n; i++) {
		long long t0 = now_ns();
		fails += !lookup(prefix, i % users);
		t[i] = now_ns() - t0;
		sum += t[i];
	}
	qsort(t, n, sizeof *t, by_value);
	printf("n=%lu median_ns=%lld mean_ns=%lld min_ns=%lld failures=%lu\n", n, t[(n - 1) / 2],
	       sum / (long long)n, t[0], fails);
	free(t);
	return fails != 0;
}
