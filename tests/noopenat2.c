// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * noopenat2 ERRNO PROGRAM [ARGS...]: runs PROGRAM under a seccomp filter
 * that answers openat2(2) with ERRNO (ENOSYS, as an old kernel does, or
 * EPERM, as a container runtime's filter may), for the test of the
 * module's fallback to its walk.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int e = argc > 2 && strcmp(argv[1], "EPERM") == 0 ? EPERM : ENOSYS;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)e),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof f / sizeof f[0], f };

	if (argc < 3) {
		fputs("usage: noopenat2 ENOSYS|EPERM PROGRAM [ARGS...]\n", stderr);
		return 98;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		perror("noopenat2: seccomp");
		return 98;
	}
	execvp(argv[2], argv + 2);
	perror("noopenat2: exec");
	return 98;
}
