// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Input files named by path: the one place that decides what may be read
 * (a regular file; a FIFO only where the caller allows one) and how much
 * (a caller's size limit, read into a private buffer, never mapped).
 *
 * A FIFO nobody writes would block open(2) forever and a device may have
 * side effects on open, so the file is opened with O_NONBLOCK | O_NOCTTY,
 * checked with fstat() and only then switched back to blocking reads.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

const char *eseal_file_type_name(unsigned int mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFLNK:
		return "a symbolic link";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	default:
		return "a special file";
	}
}

int eseal_input_open(const char *path, unsigned int flags,
		     struct eseal_error *err)
{
	struct stat st;
	int fd, fl, e;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		/* a socket cannot be opened at all: say what it is */
		if (e == ENXIO && stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			return eseal_errorf(err, EINVAL,
					    "%s: is a socket, not a regular file",
					    path);
		return eseal_syserrorf(err, e, "%s", path);
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		return eseal_syserrorf(err, e, "%s", path);
	}
	if (!S_ISREG(st.st_mode) &&
	    !(S_ISFIFO(st.st_mode) && (flags & ESEAL_INPUT_PIPE_OK))) {
		close(fd);
		if (S_ISDIR(st.st_mode))
			return eseal_errorf(err, EISDIR, "%s: is a directory",
					    path);
		return eseal_errorf(err, EINVAL,
				    "%s: is %s, not a regular file", path,
				    eseal_file_type_name(st.st_mode));
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		e = errno;
		close(fd);
		return eseal_syserrorf(err, e, "%s", path);
	}
	return fd;
}

/*
 * Read fd to its end, at most max bytes; pread() from offset 0 when
 * positioned, read() for a pipe.  size_hint sizes the first buffer.
 */
static int read_all(int fd, const char *name, size_t max, bool positioned,
		    size_t size_hint, uint8_t **buf, size_t *len,
		    struct eseal_error *err)
{
	uint8_t *b = NULL, *nb;
	size_t n = 0, cap = 0;
	ssize_t r;

	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : MAX(size_hint + 1, (size_t)4096);
			if (cap > max + 1 || cap <= n)
				cap = max + 1;
			nb = realloc(b, cap);
			if (!nb) {
				free(b);
				return eseal_errorf(err, ENOMEM,
						    "%s: out of memory", name);
			}
			b = nb;
		}
		r = positioned ? pread(fd, b + n, cap - n, (off_t)n) :
				 read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(b);
			return eseal_syserrorf(err, errno, "%s", name);
		}
		if (r == 0)
			break;
		n += r;
		if (n > max) {
			free(b);
			return eseal_errorf(err, EFBIG,
					    "%s: larger than %zu bytes", name,
					    max);
		}
	}
	*buf = b;
	*len = n;
	return 0;
}

int eseal_input_read_fd(int fd, const char *name, size_t max, uint8_t **buf,
			size_t *len, struct eseal_error *err)
{
	return read_all(fd, name, max, false, 0, buf, len, err);
}

int eseal_input_read(const char *path, unsigned int flags, size_t max,
		     uint8_t **buf, size_t *len, struct eseal_error *err)
{
	bool regular = false;
	struct stat st;
	size_t hint = 0;
	int fd, ret;

	fd = eseal_input_open(path, flags, err);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		regular = true;
		if ((uint64_t)st.st_size > max) {
			close(fd);
			return eseal_errorf(err, EFBIG,
					    "%s: larger than %zu bytes", path,
					    max);
		}
		hint = (size_t)st.st_size;
	}
	ret = read_all(fd, path, max, regular, hint, buf, len, err);
	close(fd);
	return ret;
}
