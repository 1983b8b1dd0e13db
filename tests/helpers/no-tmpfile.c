// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * no-tmpfile: run a command as if on a filesystem without O_TMPFILE, for
 * the tests of the fallback to a named temporary file.
 *
 *	no-tmpfile COMMAND [ARG...]
 *
 * A seccomp filter makes open(2) and openat(2) with O_TMPFILE fail with
 * EOPNOTSUPP, as such filesystems do; everything else is allowed.  Exits 77
 * where it cannot do that (not x86_64, no seccomp).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define SKIP 77

#if defined(__x86_64__)
/* the low 32 bits of syscall argument i (little endian) */
#define ARG_LO(i) \
	(offsetof(struct seccomp_data, args) + (i) * sizeof(__u64))

static int install(void)
{
	struct sock_filter f[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
				 offsetof(struct seccomp_data, arch)),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64,
				 1, 0),
		/* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
				 offsetof(struct seccomp_data, nr)),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 2, 0),
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open, 3, 0),
		/* 6 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 7: openat(dirfd, path, flags) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
		/* 8 */ BPF_STMT(BPF_JMP | BPF_JA, 1),
		/* 9: open(path, flags) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		/* 10: __O_TMPFILE, the bit O_TMPFILE adds to O_DIRECTORY */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_TMPFILE & ~O_DIRECTORY,
			 0, 1),
		/* 11 */ BPF_STMT(BPF_RET | BPF_K,
				  SECCOMP_RET_ERRNO | (EOPNOTSUPP & 0xffff)),
		/* 12 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(f) / sizeof(f[0]),
		.filter = f,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}
#else
static int install(void)
{
	errno = ENOSYS;
	return -1;
}
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: no-tmpfile COMMAND [ARG...]\n");
		return 2;
	}
	if (install() < 0) {
		fprintf(stderr, "no-tmpfile: cannot install the filter: %s\n",
			strerror(errno));
		return SKIP;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "no-tmpfile: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
