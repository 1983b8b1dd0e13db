// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * fs-verity digests of what is read from a file, while copying it
 * elsewhere or not, and of a buffer: the one loop that reads, hashes and
 * writes (the object store's copies, the digest of a file).
 */
#include <fcntl.h>
#include <stdlib.h>

#include "fsverity.h"
#include "internal.h"
#include "io.h"

int eseal_hash_copy_fd(struct eseal_fsverity_ctx *c, int fd, const char *name,
		       int wfd, const char *wname, uint8_t *buf,
		       size_t bufsize, uint64_t expect,
		       struct eseal_digest *out, uint64_t *size_out,
		       struct eseal_error *err)
{
	uint64_t off = 0;
	size_t want;
	ssize_t n;
	int r;

	eseal_fsverity_reset(c);
	for (;;) {
		want = bufsize;
		if (off < expect && expect - off < want)
			want = (size_t)(expect - off);
		n = eseal_pread_full(fd, buf, want, off);
		if (n < 0) {
			r = eseal_syserrorf(err, errno, "%s: read error", name);
			goto fail;
		}
		if (n == 0)
			break;
		if (wfd >= 0 &&
		    eseal_pwrite_full(wfd, buf, (size_t)n, off) < 0) {
			r = eseal_syserrorf(err, errno, "%s: write error",
					    wname);
			goto fail;
		}
		r = eseal_fsverity_update(c, buf, (size_t)n);
		if (r) {
			eseal_syserrorf(err, -r, "%s: hashing failed", name);
			goto fail;
		}
		off += (uint64_t)n;
		if ((size_t)n < want || off >= expect)
			break;
	}
	r = eseal_fsverity_final(c, out);
	if (r)
		return eseal_syserrorf(err, -r, "%s: hashing failed", name);
	*size_out = off;
	return 0;
fail:
	eseal_fsverity_reset(c);
	return r;
}

#define FD_BUF_SIZE (256 * 1024)

int eseal_fsverity_digest_fd(int fd, const char *name, int alg,
			     struct eseal_digest *out,
			     struct eseal_error *err)
{
	struct eseal_fsverity_ctx *c;
	uint64_t size;
	uint8_t *buf;
	int ret;

	if (!name)
		name = "<fd>";
	if (!eseal_hash_size(alg))
		return eseal_errorf(err, EINVAL, "%s: unknown hash algorithm %d",
				    name, alg);
	c = eseal_fsverity_new(alg);
	buf = eseal_io_buf_alloc(FD_BUF_SIZE);
	if (!c || !buf) {
		ret = eseal_errorf(err, ENOMEM, "%s: out of memory", name);
		goto out;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	ret = eseal_hash_copy_fd(c, fd, name, -1, NULL, buf, FD_BUF_SIZE,
				 UINT64_MAX, out, &size, err);
out:
	free(buf);
	eseal_fsverity_free(c);
	return ret;
}

int eseal_fsverity_digest_buf(const void *buf, size_t len, int alg,
			      struct eseal_digest *out)
{
	struct eseal_fsverity_ctx *c;
	int ret;

	if (!eseal_hash_size(alg))
		return -EINVAL;
	c = eseal_fsverity_new(alg);
	if (!c)
		return -ENOMEM;
	ret = eseal_fsverity_update(c, buf, len);
	if (!ret)
		ret = eseal_fsverity_final(c, out);
	eseal_fsverity_free(c);
	return ret;
}
