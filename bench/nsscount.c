// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * nsscount: an LD_PRELOAD counter of NSS account and group lookups, for
 * bench/run.sh.  Every call is passed on to the C library unchanged and
 * counted by the object it came from (the caller's return address, through
 * dladdr), so that the calls pam_mkmaildir.so makes per login can be told
 * from libpam's and the driver's.  At exit the counts are appended to
 * $NSSCOUNT_OUT as lines "OBJECT FUNCTION COUNT" (OBJECT a basename).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 64

static struct {
	const char *fn;
	char obj[64];
	unsigned long n;
} slot[SLOTS];

static void count(const char *fn, const void *caller)
{
	Dl_info info;
	const char *obj = "?", *slash;

	if (caller && dladdr(caller, &info) && info.dli_fname) {
		obj = info.dli_fname;
		slash = strrchr(obj, '/');
		obj = slash ? slash + 1 : obj;
	}
	for (int i = 0; i < SLOTS; i++) {
		if (slot[i].fn == NULL) {
			slot[i].fn = fn;
			snprintf(slot[i].obj, sizeof slot[i].obj, "%s", obj[0] ? obj : "main");
		}
		if (slot[i].fn == fn && strncmp(slot[i].obj, obj[0] ? obj : "main",
						  sizeof slot[i].obj - 1) == 0) {
			slot[i].n++;
			return;
		}
	}
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("NSSCOUNT_OUT");
	FILE *f = path ? fopen(path, "ae") : NULL;

	if (!f)
		return;
	for (int i = 0; i < SLOTS && slot[i].fn; i++)
		fprintf(f, "%s %s %lu\n", slot[i].obj, slot[i].fn, slot[i].n);
	fclose(f);
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))
#define CALLER __builtin_return_address(0)

int getpwnam_r(const char *n, struct passwd *p, char *b, size_t s, struct passwd **r)
{
	count("getpwnam_r", CALLER);
	return NEXT(getpwnam_r)(n, p, b, s, r);
}

int getpwuid_r(uid_t u, struct passwd *p, char *b, size_t s, struct passwd **r)
{
	count("getpwuid_r", CALLER);
	return NEXT(getpwuid_r)(u, p, b, s, r);
}

struct passwd *getpwnam(const char *n)
{
	count("getpwnam", CALLER);
	return NEXT(getpwnam)(n);
}

struct passwd *getpwuid(uid_t u)
{
	count("getpwuid", CALLER);
	return NEXT(getpwuid)(u);
}

int getgrnam_r(const char *n, struct group *g, char *b, size_t s, struct group **r)
{
	count("getgrnam_r", CALLER);
	return NEXT(getgrnam_r)(n, g, b, s, r);
}

int getgrgid_r(gid_t id, struct group *g, char *b, size_t s, struct group **r)
{
	count("getgrgid_r", CALLER);
	return NEXT(getgrgid_r)(id, g, b, s, r);
}

struct group *getgrnam(const char *n)
{
	count("getgrnam", CALLER);
	return NEXT(getgrnam)(n);
}

struct group *getgrgid(gid_t id)
{
	count("getgrgid", CALLER);
	return NEXT(getgrgid)(id);
}

int getgrouplist(const char *u, gid_t g, gid_t *gs, int *n)
{
	count("getgrouplist", CALLER);
	return NEXT(getgrouplist)(u, g, gs, n);
}

int initgroups(const char *u, gid_t g)
{
	count("initgroups", CALLER);
	return NEXT(initgroups)(u, g);
}
