// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Atomic output files (lib/util/output.c), as the library's callers see
 * them: nothing under the name until commit, a regular file replaced
 * whole, special files and inputs refused and left alone, nothing left
 * behind by an output that is freed uncommitted.  And the write-behind
 * that images use on the way there (lib/util/io.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erofs-seal.h"
#include "io.h"
#include "test.h"

/* in the current directory: the runner gives each test its own */
static char dir[] = "output-XXXXXX";

/* entries of dir other than . and .. */
static int n_entries(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static char *path_of(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static bool file_is(const char *path, const char *want)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(want) && !memcmp(buf, want, (size_t)n);
}

static void test_write(void)
{
	struct eseal_error err = { 0 };
	struct eseal_output *o;
	char *p = strdup(path_of("out"));
	int r;

	r = eseal_output_open(p, 0, NULL, 0, &o, &err);
	CHECK(r == 0 && eseal_output_fd(o) >= 0, "open a new output (%s)",
	      err.msg);
	if (r)
		goto out;
	CHECK(eseal_output_write(o, "one", 3, &err) == 0, "write to it");
	CHECK(access(p, F_OK) < 0, "nothing under its name before commit");
	CHECK(eseal_output_commit(o, &err) == 0 && file_is(p, "one"),
	      "commit: the file is there, whole");
	CHECK(eseal_output_commit(o, &err) == -EINVAL,
	      "a second commit is refused");
	eseal_output_free(o);

	r = eseal_output_open(p, 0, NULL, 0, &o, &err);
	if (!r)
		r = eseal_output_write(o, "two", 3, &err);
	CHECK(!r && file_is(p, "one"),
	      "the old file stays while a new one is written");
	CHECK(!r && eseal_output_commit(o, &err) == 0 && file_is(p, "two"),
	      "... and is replaced at commit");
	eseal_output_free(o);

	r = eseal_output_open(p, 0, NULL, 0, &o, &err);
	if (!r)
		eseal_output_write(o, "three", 5, &err);
	eseal_output_free(o);
	CHECK(!r && file_is(p, "two") && n_entries() == 1,
	      "an output freed without commit leaves the old file and nothing else");
out:
	unlink(p);
	free(p);
}

static void test_refused(void)
{
	struct eseal_error err = { 0 };
	struct eseal_output *o = NULL;
	char *in = strdup(path_of("input"));
	const char *inputs[] = { NULL, in };
	int r;

	mkdir(path_of("dir"), 0755);
	r = eseal_output_open(path_of("dir"), 0, NULL, 0, &o, &err);
	CHECK(r == -EISDIR && strstr(err.msg, "is a directory; refusing"),
	      "a directory is refused (%s)", err.msg);
	symlink("input", path_of("link"));
	r = eseal_output_open(path_of("link"), 0, NULL, 0, &o, &err);
	CHECK(r < 0 && strstr(err.msg, "is a symbolic link; refusing"),
	      "a symlink is refused (%s)", err.msg);
	mkfifo(path_of("fifo"), 0644);
	r = eseal_output_open(path_of("fifo"), 0, NULL, 0, &o, &err);
	CHECK(r < 0 && strstr(err.msg, "is a FIFO; refusing"),
	      "a FIFO is refused (%s)", err.msg);
	close(open(in, O_CREAT | O_WRONLY, 0644));
	r = eseal_output_open(in, 0, inputs, 2, &o, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "same file as the input"),
	      "an input is refused as the output (%s)", err.msg);
	r = eseal_output_open(path_of("x/"), 0, NULL, 0, &o, &err);
	CHECK(r == -EISDIR && strstr(err.msg, "names a directory"),
	      "a path ending in / is refused (%s)", err.msg);
	r = eseal_output_open(path_of("nodir/x"), 0, NULL, 0, &o, &err);
	CHECK(r == -ENOENT && strstr(err.msg, "cannot open its directory"),
	      "a missing directory is named (%s)", err.msg);
	r = eseal_output_open(path_of("new"), 1, NULL, 0, &o, &err);
	CHECK(r == -EINVAL && !o, "unknown flags are refused (%s)", err.msg);
	CHECK(n_entries() == 4, "nothing was created or removed");
	rmdir(path_of("dir"));
	unlink(path_of("link"));
	unlink(path_of("fifo"));
	unlink(in);
	free(in);
}

/* writeback starts at whole steps only, and stops for good on a pipe */
static void test_write_behind(void)
{
	struct eseal_write_behind wb = { 0 };
	static char chunk[64 * 1024];
	uint64_t written = 0;
	int fd = open(path_of("wb"), O_RDWR | O_CREAT | O_EXCL, 0644);
	int p[2];

	CHECK(fd >= 0, "write-behind: a file to write");
	if (fd < 0)
		return;
	memset(chunk, 'w', sizeof(chunk));
	while (written < 2 * ESEAL_WRITE_BEHIND + 100) {
		if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
			break;
		written += sizeof(chunk);
		eseal_write_behind(&wb, fd, written);
		if (written == ESEAL_WRITE_BEHIND - sizeof(chunk))
			CHECK(wb.started == 0 && !wb.off,
			      "write-behind: nothing started below one step");
	}
	CHECK(!wb.off && wb.started == 2 * ESEAL_WRITE_BEHIND,
	      "write-behind: two whole steps started (%llu)",
	      (unsigned long long)wb.started);
	CHECK(fsync(fd) == 0, "write-behind: the file still syncs");
	close(fd);
	unlink(path_of("wb"));

	memset(&wb, 0, sizeof(wb));
	if (pipe(p) < 0) {
		CHECK(0, "pipe");
		return;
	}
	eseal_write_behind(&wb, p[1], ESEAL_WRITE_BEHIND);
	CHECK(wb.off && wb.started == 0, "write-behind: a pipe turns it off");
	eseal_write_behind(&wb, p[1], 3 * ESEAL_WRITE_BEHIND);
	CHECK(wb.off && wb.started == 0, "write-behind: and it stays off");
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return test_done();
	}
	test_write();
	test_refused();
	test_write_behind();
	rmdir(dir);
	return test_done();
}
