// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The one opener below a directory fd (lib/util/open-below.c) and the
 * store's opener on top of it (lib/store/store-open.c): no symlink is
 * followed on the way or at the end, nothing leaves the directory, both
 * through openat2() (paths under PATH_MAX) and through the walk a
 * component at a time (paths beyond it, as in a deep source tree).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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
	close(tfd);
	snprintf(path, sizeof(path), "rm -rf %s", top);
	if (system(path))
		CHECK(0, "clean up");
	return test_done();
}
