// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The one opener below a directory fd (lib/util/open-below.c) and the
 * store's opener on top of it (lib/store/store-open.c): no symlink is
 * followed on the way or at the end, nothing leaves the directory, both
 * through openat2() (paths under PATH_MAX) and through the walk a
 * component at a time (paths beyond it, as in a deep source tree, and any
 * path where the kernel refuses openat2: here a seccomp filter makes it
 * fail with ENOSYS, then EPERM).
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files.h"
#include "internal.h"
#include "store-open.h"
#include "test.h"

#define NAME30 "abcdefghijklmnopqrstuvwxyz0123"
#define DEPTH 160	/* 160 * 31 bytes: well beyond PATH_MAX */

/* errno of a failed eseal_open_below(), or 0 (closing what it opened) */
static int below(int dfd, const char *rel, int flags)
{
	int fd = eseal_open_below(dfd, rel, flags);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/*
 * Below dfd: "<prefix>d/f" (a file), "<prefix>d/ln" -> f, "<prefix>sl" ->
 * d, "<prefix>fifo"
 */
static void cases(int dfd, const char *prefix, const char *what)
{
	char f[PATH_MAX * 2], ln[PATH_MAX * 2], via[PATH_MAX * 2];
	char up[PATH_MAX * 2], fifo[PATH_MAX * 2];
	struct stat st;
	int fd;

	snprintf(f, sizeof(f), "%sd/f", prefix);
	snprintf(ln, sizeof(ln), "%sd/ln", prefix);
	snprintf(via, sizeof(via), "%ssl/f", prefix);
	snprintf(up, sizeof(up), "%sd/../d/f", prefix);
	snprintf(fifo, sizeof(fifo), "%sfifo", prefix);

	CHECK(below(dfd, f, O_RDONLY | O_CLOEXEC) == 0,
	      "%s: a plain file opens", what);
	CHECK(below(dfd, ln, O_RDONLY | O_CLOEXEC) == ELOOP,
	      "%s: a symlink at the end is not followed", what);
	CHECK(below(dfd, ln, O_PATH | O_CLOEXEC) == ELOOP,
	      "%s: ... not even for O_PATH", what);
	fd = eseal_open_below(dfd, ln, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode),
	      "%s: O_PATH | O_NOFOLLOW gets the symlink itself", what);
	if (fd >= 0)
		close(fd);
	CHECK(below(dfd, via, O_RDONLY | O_CLOEXEC) == ELOOP,
	      "%s: a symlink on the way is not followed", what);
	CHECK(below(dfd, up, O_RDONLY | O_CLOEXEC) == EXDEV,
	      "%s: '..' is refused", what);
	fd = eseal_store_open(dfd, f, O_RDONLY, &st);
	CHECK(fd >= 0 && S_ISREG(st.st_mode),
	      "%s: the store's opener opens a regular file", what);
	if (fd >= 0)
		close(fd);
	CHECK(eseal_store_open(dfd, fifo, O_RDONLY, NULL) == -EINVAL,
	      "%s: ... refuses a FIFO without waiting on it", what);
	CHECK(eseal_store_open(dfd, ln, O_RDONLY, NULL) == -ELOOP &&
	      eseal_store_open(dfd, via, O_RDONLY, NULL) == -ELOOP,
	      "%s: ... and follows no symlink", what);
}

/* From here on, openat2 fails with errno e in this process */
static bool refuse_openat2(int e)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (e & 0xffff)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 4, .filter = f };

	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	       prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

/* What cases() opens, made in dfd */
static void populate(int dfd, const char *what)
{
	int fd;

	mkdirat(dfd, "d", 0755);
	fd = openat(dfd, "d/f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || symlinkat("f", dfd, "d/ln") || symlinkat("d", dfd, "sl") ||
	    mkfifoat(dfd, "fifo", 0644))
		CHECK(0, "set up the %s tree", what);
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	char top[] = "/tmp/eseal-open-below-XXXXXX";
	char deep[DEPTH * 31 + 1] = "", path[PATH_MAX];
	int tfd, dfd, fd, i;

	if (!mkdtemp(top)) {
		CHECK(0, "mkdtemp");
		return test_done();
	}
	tfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* short paths: openat2() */
	snprintf(path, sizeof(path), "%s/short", top);
	mkdir(path, 0755);
	dfd = openat(tfd, "short", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	populate(dfd, "short");
	cases(dfd, "", "short path");
	CHECK(below(dfd, "/etc/passwd", O_RDONLY | O_CLOEXEC) == EXDEV,
	      "short path: an absolute path is refused");
	close(dfd);

	/* the same beyond PATH_MAX: the walk */
	dfd = dup(tfd);
	for (i = 0; i < DEPTH; i++) {
		fd = openat(dfd, NAME30, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 && mkdirat(dfd, NAME30, 0755) == 0)
			fd = openat(dfd, NAME30,
				    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(dfd);
		dfd = fd;
		strcat(deep, NAME30 "/");
	}
	populate(dfd, "deep");
	close(dfd);
	CHECK(strlen(deep) > PATH_MAX, "the deep path is %zu bytes",
	      strlen(deep));
	cases(tfd, deep, "beyond PATH_MAX");

	/* a symlinked directory high up a long path */
	if (symlinkat(NAME30, tfd, "up"))
		CHECK(0, "symlink up");
	memcpy(deep, "up", 2);
	memmove(deep + 2, deep + strlen(NAME30), strlen(deep + strlen(NAME30)) + 1);
	strcat(deep, "d/f");
	CHECK(below(tfd, deep, O_RDONLY | O_CLOEXEC) == ELOOP,
	      "beyond PATH_MAX: a symlink at the top of the way is not followed");

	/* short paths again, without openat2: the walk (the later filter
	 * wins for a syscall both match, so EPERM after ENOSYS) */
	dfd = openat(tfd, "short", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (refuse_openat2(ENOSYS)) {
		errno = 0;
		CHECK(syscall(SYS_openat2, dfd, "d", NULL, 0) < 0 &&
		      errno == ENOSYS, "the filter makes openat2 ENOSYS");
		cases(dfd, "", "short path, no openat2 (ENOSYS)");
		CHECK(below(dfd, "/etc/passwd", O_RDONLY | O_CLOEXEC) == EXDEV,
		      "short path, no openat2: an absolute path is refused");
		if (refuse_openat2(EPERM))
			cases(dfd, "", "short path, no openat2 (EPERM)");
		else
			CHECK(0, "a second seccomp filter");
	} else {
		test_skip("no seccomp filter here: the walk without openat2");
	}
	close(dfd);
	close(tfd);
	snprintf(path, sizeof(path), "rm -rf %s", top);
	if (system(path))
		CHECK(0, "clean up");
	return test_done();
}
