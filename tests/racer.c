// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * racer: the local attacker of tests/t_hostile_race.sh.  Drops to the
 * attacker's uid and gid, then, in a tight loop until STOPFILE exists,
 * rearranges the attacker's own home while the module works in it:
 *
 *   racer UID GID HOME STOPFILE TARGET...
 *
 * Each round picks one attack at random and then puts things back:
 *  - a component of the maildir (Maildir, cur, new, tmp, .Sent, .Sent/cur)
 *    is replaced by a symlink to one of the TARGETs (/etc, /root, another
 *    user's home, a missing path), then restored;
 *  - the same components are replaced by a regular file, a FIFO, the
 *    device node HOME/dev.node, or the hard link HOME/hl.root (a root-owned
 *    file), then restored;
 *  - the maildir is replaced by HOME/foreign, a maildir owned by another
 *    user, then restored;
 *  - maildirfolder and maildirsize are replaced by the hard link;
 *  - tmp (or the whole maildir) is removed so that the module repairs (or
 *    rebuilds) it, and the staging directory .mkmaildir-tmp of builds in
 *    progress is taken away and replaced by a symlink to a TARGET.
 * Whatever it leaves in the way goes to HOME/trash.  It prints the number of
 * rounds and of attack operations that succeeded.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char home[4096];
static char **targets;
static int ntargets;
static unsigned long ops, trashed;
static unsigned seed = 12345;

static unsigned rnd(unsigned n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

/* Leaves the planted thing in place a little while.  A busy wait: a sleep
 * would give the CPU away for a whole time slice on a loaded machine. */
static void tiny_pause(void)
{
	volatile unsigned spin = 0;
	unsigned n = rnd(4) == 0 ? rnd(20000) : 0;
	while (spin < n)
		spin++;
}

static void p(char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s/%s", home, rel);
}

/* Moves whatever is at rel out of the way (to trash/N). */
static void to_trash(const char *rel)
{
	char a[8192], b[8192];
	p(a, sizeof a, rel);
	snprintf(b, sizeof b, "%s/trash/%lu", home, trashed++);
	if (rename(a, b) == 0)
		ops++;
}

static const char *const comps[] = { "Maildir", "Maildir/cur", "Maildir/new", "Maildir/tmp",
				     "Maildir/.Sent", "Maildir/.Sent/cur", "Maildir/.Sent/tmp" };
#define NCOMPS (sizeof comps / sizeof comps[0])

/* Replace comp by something else for a moment, then put it back. */
static void swap_component(int kind)
{
	const char *c = comps[rnd(NCOMPS)];
	char path[8192], away[8192], src[8192];
	p(path, sizeof path, c);
	snprintf(away, sizeof away, "%s.away", path);
	int had = rename(path, away) == 0;
	if (had)
		ops++;
	int placed = 0;
	switch (kind) {
	case 0: /* symlink to a target */
		placed = symlink(targets[rnd((unsigned)ntargets)], path) == 0;
		break;
	case 1: { /* regular file */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		placed = fd >= 0;
		if (fd >= 0)
			close(fd);
		break;
	}
	case 2: /* FIFO */
		placed = mkfifo(path, 0600) == 0;
		break;
	case 3: /* the device node */
		p(src, sizeof src, "dev.node");
		placed = rename(src, path) == 0;
		break;
	case 4: /* the hard link to root's file */
		p(src, sizeof src, "hl.root");
		placed = rename(src, path) == 0;
		break;
	case 5: /* another user's maildir */
		p(src, sizeof src, "foreign");
		if (strcmp(c, "Maildir") == 0)
			placed = rename(src, path) == 0;
		break;
	}
	if (placed)
		ops++;
	tiny_pause();
	if (placed) {
		if (kind == 3 || kind == 4 || kind == 5) {
			const char *back = kind == 3 ? "dev.node" : kind == 4 ? "hl.root" : "foreign";
			p(src, sizeof src, back);
			if (rename(path, src) != 0)
				to_trash(c);
		} else if (unlink(path) != 0) {
			to_trash(c);
		}
	}
	if (had && rename(away, path) != 0) {
		/* the module made a new one meanwhile: keep it, drop ours */
		char rel[8192];
		snprintf(rel, sizeof rel, "%s.away", c);
		to_trash(rel);
	}
}

/* A hard link to root's file where the module writes files. */
static void plant_hardlink(void)
{
	static const char *const files[] = { "Maildir/.Sent/maildirfolder", "Maildir/maildirsize",
					      "Maildir/courierimapsubscribed", "Maildir/subscriptions" };
	const char *f = files[rnd(4)];
	char path[8192], away[8192], src[8192];
	p(path, sizeof path, f);
	snprintf(away, sizeof away, "%s.away", path);
	p(src, sizeof src, "hl.root");
	int had = rename(path, away) == 0;
	if (rename(src, path) == 0) {
		ops++;
		tiny_pause();
		if (rename(path, src) != 0)
			to_trash(f);
	}
	if (had && rename(away, path) != 0) {
		char rel[8192];
		snprintf(rel, sizeof rel, "%s.away", f);
		to_trash(rel);
	}
}

/* Builds in progress: take their temporary directory away. */
static void steal_temporaries(const char *dir)
{
	char d[8192];
	p(d, sizeof d, dir);
	DIR *dh = opendir(d);
	if (!dh)
		return;
	struct dirent *de;
	while ((de = readdir(dh))) {
		if (strncmp(de->d_name, ".mkmaildir-tmp", 14) != 0)
			continue;
		char rel[8192];
		snprintf(rel, sizeof rel, "%s/%s", dir, de->d_name);
		to_trash(rel);
		char path[8192];
		p(path, sizeof path, rel);
		if (symlink(targets[rnd((unsigned)ntargets)], path) == 0) {
			ops++;
			tiny_pause();
			unlink(path);
		}
	}
	closedir(dh);
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: racer UID GID HOME STOPFILE TARGET...\n");
		return 2;
	}
	uid_t uid = (uid_t)atol(argv[1]);
	gid_t gid = (gid_t)atol(argv[2]);
	snprintf(home, sizeof home, "%s", argv[3]);
	const char *stop = argv[4];
	targets = argv + 5;
	ntargets = argc - 5;
	if (uid == 0 || setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0 || geteuid() != uid) {
		fprintf(stderr, "racer: cannot become uid %lu\n", (unsigned long)uid);
		return 2;
	}
	seed ^= (unsigned)getpid();
	unsigned long rounds = 0;
	while (access(stop, F_OK) != 0) {
		for (int i = 0; i < 64; i++, rounds++) {
			unsigned what = rnd(40);
			if (what < 6)
				swap_component(0);
			else if (what < 10)
				swap_component(1 + (int)rnd(4));
			else if (what < 12)
				swap_component(5);
			else if (what < 14)
				plant_hardlink();
			else if (what < 16) {
				char t[8192];
				p(t, sizeof t, "Maildir/tmp");
				if (rmdir(t) == 0)
					ops++;
			} else if (what < 17) {
				if (rnd(3) == 0)
					to_trash("Maildir");
			} else if (what < 20) {
				steal_temporaries(".");
				steal_temporaries("Maildir");
			} else if (what < 30) {
				swap_component(0);
			} else {
				swap_component(1 + (int)rnd(5));
			}
		}
	}
	printf("rounds=%lu ops=%lu\n", rounds, ops);
	return 0;
}
