// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * lib/util/open-below.c: eseal_open_below() opens paths of any length (one
 * over PATH_MAX a component at a time, never through a symlink on the
 * way: ELOOP); eseal_open_beneath() never leaves its directory and never
 * follows a symlink, with openat2() and, where the kernel refuses openat2
 * (here: a seccomp filter that makes it ENOSYS), with its walk of
 * components.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files.h"
#include "test.h"

static char top[] = "/tmp/eseal-open-below-XXXXXX";
static int topfd = -1;

/* the fd's file is the regular file 'f' of top/a/b (by its inode) */
static bool is_f(int fd)
{
	struct stat a, b;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/a/b/f", top);
	return fd >= 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	       a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static void check_beneath(const char *how)
{
	const int flags = O_RDONLY | O_CLOEXEC;
	int fd;

	fd = eseal_open_beneath(topfd, "a/b/f", flags);
	CHECK(is_f(fd), "%s: a file below the directory opens", how);
	if (fd >= 0)
		close(fd);
	errno = 0;
	fd = eseal_open_beneath(topfd, "l/f", flags);
	CHECK(fd < 0 && errno == ELOOP,
	      "%s: a symlink on the way is not followed (%s)", how,
	      strerror(errno));
	errno = 0;
	fd = eseal_open_beneath(topfd, "a/b/lf", flags);
	CHECK(fd < 0 && errno == ELOOP,
	      "%s: a symlink at the end is not followed (%s)", how,
	      strerror(errno));
	errno = 0;
	fd = eseal_open_beneath(topfd, "a/../../x", flags);
	CHECK(fd < 0 && errno == EXDEV, "%s: '..' out of it is refused (%s)",
	      how, strerror(errno));
	errno = 0;
	fd = eseal_open_beneath(topfd, "/etc/passwd", flags);
	CHECK(fd < 0 && errno == EXDEV, "%s: an absolute path is refused (%s)",
	      how, strerror(errno));
	errno = 0;
	fd = eseal_open_beneath(topfd, "a/b/missing", flags);
	CHECK(fd < 0 && errno == ENOENT, "%s: a missing file is ENOENT (%s)",
	      how, strerror(errno));
}

/* A path over PATH_MAX: top/d/d/.../d/g, and one with a symlink in it */
static void test_long(void)
{
	char rel[2 * PATH_MAX];
	size_t n = 0, depth = PATH_MAX / 2 + 8;
	size_t i;
	int fd;

	for (i = 0; i < depth; i++)
		n += (size_t)snprintf(rel + n, sizeof(rel) - n, "d/");
	/* make the directories through short relative steps */
	fd = openat(topfd, ".", O_PATH | O_DIRECTORY);
	for (i = 0; fd >= 0 && i < depth; i++) {
		int next;

		mkdirat(fd, "d", 0755);
		next = openat(fd, "d", O_PATH | O_DIRECTORY);
		close(fd);
		fd = next;
	}
	if (fd < 0) {
		CHECK(0, "set up a path over PATH_MAX: %s", strerror(errno));
		return;
	}
	close(openat(fd, "g", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	symlinkat("/", fd, "sl");
	close(fd);

	snprintf(rel + n, sizeof(rel) - n, "g");
	CHECK(strlen(rel) >= PATH_MAX, "the path is over PATH_MAX (%zu)",
	      strlen(rel));
	fd = eseal_open_below(topfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	CHECK(fd >= 0, "eseal_open_below opens it (%s)",
	      fd < 0 ? strerror(errno) : "ok");
	if (fd >= 0)
		close(fd);
	snprintf(rel + n, sizeof(rel) - n, "sl/etc/passwd");
	errno = 0;
	fd = eseal_open_below(topfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	CHECK(fd < 0 && errno == ELOOP,
	      "eseal_open_below walks through no symlink on the way (%s)",
	      strerror(errno));
}

/* From here on, openat2 fails with ENOSYS in this process */
static bool refuse_openat2(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 4, .filter = f };

	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	       prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

int main(void)
{
	char path[PATH_MAX], cmd[PATH_MAX + 16];
	int fd;

	if (!mkdtemp(top) || (topfd = open(top, O_PATH | O_DIRECTORY)) < 0) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return test_done();
	}
	snprintf(path, sizeof(path), "%s/a", top);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/a/b", top);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/a/b/f", top);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/l", top);
	if (symlink("a/b", path) < 0)
		CHECK(0, "symlink: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/a/b/lf", top);
	if (symlink("f", path) < 0)
		CHECK(0, "symlink: %s", strerror(errno));

	check_beneath("openat2");
	test_long();
	if (refuse_openat2()) {
		errno = 0;
		CHECK(syscall(SYS_openat2, topfd, "a", NULL, 0) < 0 &&
		      errno == ENOSYS, "the filter makes openat2 ENOSYS");
		check_beneath("the walk");
	} else {
		test_skip("no seccomp filter here: the walk without openat2");
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		CHECK(0, "clean up %s", top);
	return test_done();
}
