// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * floor: the least work that makes the benchmark's maildir tree, as a
 * yardstick -- a bare loop of mkdirat, openat, write and fchown(at), with
 * no checks, no walk from "/", no temporary name and no rename.
 *
 *   floor -b BASEDIR -n COUNT -u UID -g GID [-i FIRST] [-j JOBS] [-H] [-p PREFIX]
 *
 * Tree I is BASEDIR/PREFIX<I> (PREFIX defaults to "f").  With -H that is a
 * home holding Maildir; without it, it is the maildir itself (the bulk,
 * virtual-user layout).  The maildir gets cur, new, tmp, four folders
 * (Drafts, Sent, Trash, Junk) with their cur/new/tmp and maildirfolder,
 * courierimapsubscribed and subscriptions, and maildirsize -- the same
 * tree pam_mkmaildir makes with
 *   folders=Drafts,Sent,Trash,Junk subscribe quota=1073741824S,10000C
 * Everything is owned by UID:GID, directories 0700, files 0600.
 *
 * JOBS processes share the COUNT trees.  Printed: count, wall seconds, wall
 * nanoseconds per tree and trees per second; with one process also the
 * median nanoseconds of one tree (median_tree_ns).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const dirs[] = {
	"cur", "new", "tmp",
	".Drafts", ".Drafts/cur", ".Drafts/new", ".Drafts/tmp",
	".Sent", ".Sent/cur", ".Sent/new", ".Sent/tmp",
	".Trash", ".Trash/cur", ".Trash/new", ".Trash/tmp",
	".Junk", ".Junk/cur", ".Junk/new", ".Junk/tmp",
};

static const struct {
	const char *name, *data;
} files[] = {
	{ ".Drafts/maildirfolder", "" },
	{ ".Sent/maildirfolder", "" },
	{ ".Trash/maildirfolder", "" },
	{ ".Junk/maildirfolder", "" },
	{ "courierimapsubscribed", "INBOX.Drafts\nINBOX.Sent\nINBOX.Trash\nINBOX.Junk\n" },
	{ "subscriptions", "V\t2\n\nINBOX\nDrafts\nSent\nTrash\nJunk\n" },
	{ "maildirsize", "1073741824S,10000C\n" },
};

static uid_t uid;
static gid_t gid;

static void die(const char *what, const char *path)
{
	fprintf(stderr, "floor: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void mkdir_own(int base, const char *path)
{
	if (mkdirat(base, path, 0700) < 0)
		die("mkdir", path);
	if (fchownat(base, path, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		die("chown", path);
}

static void tree(int base, const char *top, bool home)
{
	char md[300], p[400];
	size_t i;

	mkdir_own(base, top);
	if (home) {
		snprintf(md, sizeof md, "%s/Maildir", top);
		mkdir_own(base, md);
	} else {
		snprintf(md, sizeof md, "%s", top);
	}
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", md, dirs[i]);
		mkdir_own(base, p);
	}
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		size_t len = strlen(files[i].data);
		int fd;
		snprintf(p, sizeof p, "%s/%s", md, files[i].name);
		fd = openat(base, p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			die("create", p);
		if (len != 0 && write(fd, files[i].data, len) != (ssize_t)len)
			die("write", p);
		if (fchown(fd, uid, gid) < 0)
			die("chown", p);
		close(fd);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *basedir = NULL, *prefix = "f";
	unsigned long n = 0, first = 0, jobs = 1, j;
	bool home = false, have_uid = false, have_gid = false;
	double t0, t, *each = NULL, median = 0;
	int c, base, failed = 0;

	while ((c = getopt(argc, argv, "b:n:u:g:i:j:Hp:")) != -1) {
		switch (c) {
		case 'b': basedir = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'u': uid = (uid_t)strtoul(optarg, NULL, 10); have_uid = true; break;
		case 'g': gid = (gid_t)strtoul(optarg, NULL, 10); have_gid = true; break;
		case 'i': first = strtoul(optarg, NULL, 10); break;
		case 'j': jobs = strtoul(optarg, NULL, 10); break;
		case 'H': home = true; break;
		case 'p': prefix = optarg; break;
		default:
			fputs("usage: floor -b BASEDIR -n COUNT -u UID -g GID [-i FIRST] [-j JOBS]"
			      " [-H] [-p PREFIX]\n", stderr);
			return 2;
		}
	}
	if (basedir == NULL || !have_uid || !have_gid || jobs == 0)
		return 2;
	base = open(basedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (base < 0)
		die("open", basedir);
	umask(077);
	if (jobs == 1 && n != 0 && (each = calloc(n, sizeof *each)) == NULL)
		die("calloc", "");

	t0 = now();
	for (j = 0; j < jobs; j++) {
		pid_t pid = jobs == 1 ? 0 : fork();
		if (pid < 0)
			die("fork", "");
		if (pid == 0) {
			unsigned long lo = n * j / jobs, hi = n * (j + 1) / jobs, i;
			char top[280];
			for (i = lo; i < hi; i++) {
				double t1 = now();
				snprintf(top, sizeof top, "%s%lu", prefix, first + i);
				tree(base, top, home);
				if (each != NULL)
					each[i] = now() - t1;
			}
			if (jobs == 1)
				break;
			_exit(0);
		}
	}
	if (jobs > 1) {
		int st;
		while (wait(&st) > 0)
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				failed = 1;
	}
	t = now() - t0;
	if (each != NULL) {
		qsort(each, n, sizeof *each, by_value);
		median = each[(n - 1) / 2];
	}
	printf("count=%lu seconds=%.6f per_tree_ns=%.0f rate=%.1f", n, t,
	       n != 0 ? t * 1e9 / (double)n : 0.0, n != 0 ? (double)n / t : 0.0);
	if (each != NULL)
		printf(" median_tree_ns=%.0f", median * 1e9);
	putchar('\n');
	free(each);
	return failed;
}
