// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * lib/util/input.c: what the library and the commands accept as an input file.
 * Regular files are read whole up to a limit (exactly the limit is fine,
 * one byte more is -EFBIG); directories, devices, sockets and FIFOs are
 * refused with the path and the type in the message, a FIFO without
 * waiting for a writer; ESEAL_INPUT_PIPE_OK lets a FIFO through; an open
 * pipe is read to its end.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "erofs-seal.h"
#include "test.h"

static char top[] = "/tmp/eseal-input-XXXXXX";

static void put(const char *path, size_t size)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	char c = 'x';
	size_t i;

	for (i = 0; fd >= 0 && i < size; i++)
		if (write(fd, &c, 1) != 1)
			break;
	if (fd >= 0)
		close(fd);
}

static void test_regular(void)
{
	struct eseal_error err = { 0 };
	char path[512];
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	snprintf(path, sizeof(path), "%s/f", top);
	put(path, 10000);
	r = eseal_input_read(path, 0, 10000, &buf, &len, &err);
	CHECK(r == 0 && len == 10000 && buf && buf[9999] == 'x',
	      "a file of exactly the limit is read whole (%d, %zu)", r, len);
	free(buf);
	buf = NULL;
	r = eseal_input_read(path, 0, 9999, &buf, &len, &err);
	CHECK(r == -EFBIG && !buf && strstr(err.msg, path) &&
		      strstr(err.msg, "larger than 9999 bytes"),
	      "one byte over the limit: -EFBIG naming the path (%s)", err.msg);
	snprintf(path, sizeof(path), "%s/empty", top);
	put(path, 0);
	r = eseal_input_read(path, 0, 100, &buf, &len, &err);
	CHECK(r == 0 && len == 0, "an empty file reads as 0 bytes");
	free(buf);
	snprintf(path, sizeof(path), "%s/missing", top);
	r = eseal_input_open(path, 0, &err);
	CHECK(r == -ENOENT && strstr(err.msg, path),
	      "a missing file: -ENOENT naming it (%s)", err.msg);
}

static void test_not_regular(void)
{
	struct eseal_error err = { 0 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[512];
	int r, s, fl;

	r = eseal_input_open(top, 0, &err);
	CHECK(r == -EISDIR && strstr(err.msg, "is a directory"),
	      "a directory: -EISDIR, \"is a directory\" (%s)", err.msg);
	r = eseal_input_open("/dev/null", 0, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "/dev/null: is a character device"),
	      "a character device is refused (%s)", err.msg);

	snprintf(path, sizeof(path), "%s/fifo", top);
	mkfifo(path, 0600);
	alarm(10);	/* a blocking open would hang here: fail instead */
	r = eseal_input_open(path, 0, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "is a FIFO"),
	      "a FIFO nobody writes is refused at once (%s)", err.msg);
	r = eseal_input_open(path, ESEAL_INPUT_PIPE_OK, &err);
	fl = r >= 0 ? fcntl(r, F_GETFL) : -1;
	CHECK(r >= 0 && fl >= 0 && !(fl & O_NONBLOCK),
	      "ESEAL_INPUT_PIPE_OK opens a FIFO, blocking reads again");
	if (r >= 0)
		close(r);
	alarm(0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", top);
	snprintf(path, sizeof(path), "%s", sa.sun_path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		r = eseal_input_open(path, 0, &err);
		CHECK(r == -EINVAL && strstr(err.msg, "sock: is a socket"),
		      "a socket is refused (%s)", err.msg);
	} else {
		test_skip("cannot bind a unix socket in %s", top);
	}
	if (s >= 0)
		close(s);
	CHECK(!strcmp(eseal_file_type_name(S_IFLNK), "a symbolic link") &&
		      !strcmp(eseal_file_type_name(S_IFBLK), "a block device") &&
		      !strcmp(eseal_file_type_name(S_IFREG), "a regular file"),
	      "eseal_file_type_name() names the types");
}

static void test_pipe(void)
{
	struct eseal_error err = { 0 };
	uint8_t *buf = NULL, data[5000];
	size_t len = 0;
	int p[2], r;

	memset(data, 'p', sizeof(data));
	if (pipe(p) < 0 || write(p[1], data, sizeof(data)) != sizeof(data)) {
		test_skip("no pipe");
		return;
	}
	close(p[1]);
	r = eseal_input_read_fd(p[0], "<pipe>", 5000, &buf, &len, &err);
	CHECK(r == 0 && len == 5000 && buf[4999] == 'p',
	      "eseal_input_read_fd reads a pipe to its end");
	free(buf);
	close(p[0]);

	if (pipe(p) < 0 || write(p[1], data, sizeof(data)) != sizeof(data)) {
		test_skip("no pipe");
		return;
	}
	close(p[1]);
	buf = NULL;
	r = eseal_input_read_fd(p[0], "<pipe>", 4999, &buf, &len, &err);
	CHECK(r == -EFBIG && !buf && strstr(err.msg, "<pipe>: larger than"),
	      "... and stops at its limit (%s)", err.msg);
	close(p[0]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	test_regular();
	test_not_regular();
	test_pipe();
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", top);
	}
	return test_done();
}
