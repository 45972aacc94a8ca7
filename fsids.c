// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * fsids.c - the calling thread's filesystem ids, switched to an owner's and
 * back, with everything the switch touches put back as it was.
 *
 * MUST, for every switch:
 *  - act on this thread only: setfsuid/setfsgid are per thread (glibc passes
 *    them straight to the kernel), so a host daemon's other threads never
 *    see the owner's ids;
 *  - verify that the ids took: without CAP_SETUID/CAP_SETGID they silently
 *    change nothing, and acting then would be acting as root;
 *  - restore the effective capability set exactly: the way back to fsuid 0
 *    raises every permitted filesystem capability into the effective set
 *    (cap_task_fix_setuid), which a host that keeps CAP_DAC_OVERRIDE
 *    permitted but not effective did not have before;
 *  - restore the dumpable flag and the parent-death signal, which any fsuid
 *    change resets: the process never had the owner's real or effective
 *    ids, so they guard nothing here, and a daemon that could dump core, or
 *    asked to be signalled when its parent dies, still does.  The dumpable
 *    flag is the whole process's while the ids are each thread's: it is
 *    saved when the first thread switches and put back when the last one
 *    is back, so threads switching at once never leave it reset.
 */
#define _GNU_SOURCE
#include "core.h"

#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <pthread.h>
#include <sys/syscall.h>

/* The one piece of process-wide state: how many threads have switched ids,
 * and the dumpable flag from before the first of them did. */
static pthread_mutex_t dumpable_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned switched;
static int dumpable_before;

static void first_in(void)
{
	pthread_mutex_lock(&dumpable_lock);
	if (switched++ == 0)
		dumpable_before = prctl(PR_GET_DUMPABLE);
	pthread_mutex_unlock(&dumpable_lock);
}

/* False when the flag could not be put back. */
static bool last_out(void)
{
	bool ok = true;

	pthread_mutex_lock(&dumpable_lock);
	if (--switched == 0 && prctl(PR_GET_DUMPABLE) != dumpable_before)
		ok = prctl(PR_SET_DUMPABLE, dumpable_before) == 0;
	pthread_mutex_unlock(&dumpable_lock);
	return ok;
}

static bool caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return syscall(SYS_capget, &h, data) == 0;
}

static bool caps_set(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return syscall(SYS_capset, &h, data) == 0;
}

/* Puts the thread's ids, capabilities and dumpable flag back; false when
 * any of them did not come back (logged by the caller). */
bool restore_fs(const struct fsids *saved)
{
	/* Zeroed: valgrind knows only the first of the two structures capget
	 * fills (the version-1 size). */
	struct __user_cap_data_struct now[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
	bool ok;

	if (!saved->changed)
		return true;
	setfsuid(saved->uid);
	setfsgid(saved->gid);
	ok = (uid_t)setfsuid(saved->uid) == saved->uid && (gid_t)setfsgid(saved->gid) == saved->gid;
	/* capset only when they differ: a host's seccomp filter or security
	 * module may forbid capset, and usually nothing was raised. */
	ok = caps_get(now) && (memcmp(now, saved->caps, sizeof now) == 0 ||
			       (caps_set((struct __user_cap_data_struct *)saved->caps) &&
				caps_get(now) && memcmp(now, saved->caps, sizeof now) == 0)) && ok;
	ok = last_out() && ok;
	if (saved->pdeathsig != 0)
		ok = prctl(PR_SET_PDEATHSIG, saved->pdeathsig) == 0 && ok;
	return ok;
}

/*
 * The filesystem capabilities (CAP_CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH,
 * FOWNER, FSETID, LINUX_IMMUTABLE, MKNOD; MAC_OVERRIDE in the second word),
 * which the kernel drops from the effective set on the way to a non-zero
 * fsuid, unless the host set SECBIT_NO_SETUID_FIXUP: then they are dropped
 * here, so that acting as the owner never carries root's overrides.
 */
#define FS_CAPS0 ((1U << 0) | (1U << 1) | (1U << 2) | (1U << 3) | (1U << 4) | (1U << 9) | \
		  (1U << 27))
#define FS_CAPS1 (1U << 0)

static bool no_fs_caps(void)
{
	struct __user_cap_data_struct d[2] = { { 0, 0, 0 }, { 0, 0, 0 } };

	if (!caps_get(d))
		return false;
	if ((d[0].effective & FS_CAPS0) == 0 && (d[1].effective & FS_CAPS1) == 0)
		return true;
	d[0].effective &= ~FS_CAPS0;
	d[1].effective &= ~FS_CAPS1;
	return caps_set(d) && caps_get(d) && (d[0].effective & FS_CAPS0) == 0 &&
	       (d[1].effective & FS_CAPS1) == 0;
}

bool become_fs(struct fsids *saved, uid_t euid, uid_t uid, gid_t gid)
{
	saved->changed = false;
	if (euid != 0 || uid == 0)
		return true;
	memset(saved->caps, 0, sizeof saved->caps);
	if (!caps_get((struct __user_cap_data_struct *)saved->caps))
		return false;
	if (prctl(PR_GET_PDEATHSIG, &saved->pdeathsig) != 0)
		return false;
	first_in();
	saved->gid = (gid_t)setfsgid(gid);
	saved->uid = (uid_t)setfsuid(uid);
	saved->changed = true;
	if ((uid_t)setfsuid(uid) == uid && (gid_t)setfsgid(gid) == gid && no_fs_caps())
		return true;
	/* Back to where it was: the ids did not change, so neither did the
	 * capabilities; a failure here is a failure to restore nothing. */
	(void)!restore_fs(saved);
	saved->changed = false;
	return false;
}
