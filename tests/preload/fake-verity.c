// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * fake-verity.so: LD_PRELOAD it to make one file look as if fs-verity were
 * on, for the tests of mkimage's FS_IOC_MEASURE_VERITY path on machines
 * whose kernel or filesystem has no fs-verity.
 *
 *	FAKE_VERITY_NAME=<file name>	the file (any directory)
 *	FAKE_VERITY_DIGEST=<64 hex>	what FS_IOC_MEASURE_VERITY returns
 *	FAKE_VERITY_SALT=1		its descriptor has a salt
 *	FAKE_VERITY_NO_READ=1		reading it fails with EIO, which
 *					shows that it was not read
 *
 * statx() reports STATX_ATTR_VERITY for it; FS_IOC_READ_VERITY_METADATA
 * returns a descriptor (sha256, 4 KiB blocks, its size); everything else
 * is passed on.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fsverity.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static bool named(const char *path)
{
	const char *want = getenv("FAKE_VERITY_NAME"), *base;

	if (!want || !path)
		return false;
	base = strrchr(path, '/');
	return !strcmp(base ? base + 1 : path, want);
}

static bool is_fake(int fd)
{
	char proc[64], path[4096];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, path, sizeof(path) - 1);
	if (n < 0)
		return false;
	path[n] = '\0';
	return named(path);
}

int statx(int dirfd, const char *path, int flags, unsigned int mask,
	  struct statx *st)
{
	static int (*real)(int, const char *, int, unsigned int,
			   struct statx *);
	int r;

	if (!real)
		real = dlsym(RTLD_NEXT, "statx");
	r = real(dirfd, path, flags, mask, st);
	if (r == 0 && named(path) && S_ISREG(st->stx_mode)) {
		st->stx_attributes |= STATX_ATTR_VERITY;
		st->stx_attributes_mask |= STATX_ATTR_VERITY;
	}
	return r;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	const char *hex = getenv("FAKE_VERITY_DIGEST");
	struct stat st;

	if (req == FS_IOC_MEASURE_VERITY) {
		struct fsverity_digest *d = arg;
		int i;

		if (!hex || strlen(hex) != 64 || d->digest_size < 32) {
			errno = EINVAL;
			return -1;
		}
		d->digest_algorithm = FS_VERITY_HASH_ALG_SHA256;
		d->digest_size = 32;
		for (i = 0; i < 32; i++)
			d->digest[i] = (uint8_t)(hexval(hex[2 * i]) << 4 |
						 hexval(hex[2 * i + 1]));
		return 0;
	}
	if (req == FS_IOC_READ_VERITY_METADATA) {
		struct fsverity_read_metadata_arg *a = arg;
		uint8_t desc[256] = { 1, FS_VERITY_HASH_ALG_SHA256, 12 };
		uint64_t size;

		if (a->metadata_type != FS_VERITY_METADATA_TYPE_DESCRIPTOR ||
		    fstat(fd, &st) < 0) {
			errno = EINVAL;
			return -1;
		}
		if (getenv("FAKE_VERITY_SALT"))
			desc[3] = 8;	/* salt_size */
		size = (uint64_t)st.st_size;
		memcpy(desc + 8, &size, 8);
		if (a->length > sizeof(desc))
			a->length = sizeof(desc);
		memcpy((void *)(uintptr_t)a->buf_ptr, desc, a->length);
		return (int)a->length;
	}
	errno = ENOTTY;
	return -1;
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if ((req == FS_IOC_MEASURE_VERITY ||
	     req == FS_IOC_READ_VERITY_METADATA) && is_fake(fd))
		return fake_ioctl(fd, req, arg);
	if (!real)
		real = dlsym(RTLD_NEXT, "ioctl");
	return real(fd, req, arg);
}

static ssize_t no_read(int fd)
{
	if (getenv("FAKE_VERITY_NO_READ") && is_fake(fd)) {
		errno = EIO;
		return -1;
	}
	return 0;
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);

	if (no_read(fd))
		return -1;
	if (!real)
		real = dlsym(RTLD_NEXT, "pread64");
	return real(fd, buf, len, off);
}

ssize_t copy_file_range(int in, off_t *in_off, int out, off_t *out_off,
			size_t len, unsigned int flags)
{
	static ssize_t (*real)(int, off_t *, int, off_t *, size_t,
			       unsigned int);

	if (no_read(in))
		return -1;
	if (!real)
		real = dlsym(RTLD_NEXT, "copy_file_range");
	return real(in, in_off, out, out_off, len, flags);
}
