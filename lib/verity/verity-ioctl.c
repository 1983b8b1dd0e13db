// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The kernel's fs-verity of a file (fsverity.h): measuring it (mount's
 * checks of an image, fsck's of objects, mkimage's source files that have
 * it) and turning it on (the store's new objects, fsck --repair).
 */
#include <errno.h>
#include <stddef.h>
#include <linux/fsverity.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fsverity.h"

int eseal_verity_measure(int fd, struct eseal_digest *d)
{
	_Alignas(struct fsverity_digest)
		uint8_t buf[sizeof(struct fsverity_digest) + ESEAL_DIGEST_MAX];
	struct fsverity_digest *m = (struct fsverity_digest *)buf;

	memset(buf, 0, sizeof(buf));
	m->digest_size = ESEAL_DIGEST_MAX;
	if (ioctl(fd, FS_IOC_MEASURE_VERITY, m))
		return -errno;
	if (m->digest_size > ESEAL_DIGEST_MAX || !m->digest_algorithm)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->alg = (uint8_t)m->digest_algorithm;
	d->size = (uint8_t)m->digest_size;
	memcpy(d->bytes, m->digest, m->digest_size);
	return 0;
}

int eseal_verity_measure_std(int fd, int alg, struct eseal_digest *d)
{
	struct eseal_fsverity_descriptor desc;
	struct fsverity_read_metadata_arg arg = {
		.metadata_type = FS_VERITY_METADATA_TYPE_DESCRIPTOR,
		.length = sizeof(desc),
		.buf_ptr = (uint64_t)(uintptr_t)&desc,
	};
	int n, r;

	memset(&desc, 0, sizeof(desc));
	n = ioctl(fd, FS_IOC_READ_VERITY_METADATA, &arg);
	if (n < 0)
		return -errno;
	if ((size_t)n < offsetof(struct eseal_fsverity_descriptor, salt) ||
	    desc.version != 1 || desc.hash_algorithm != alg ||
	    desc.log_blocksize != ESEAL_VERITY_LOG_BLOCK || desc.salt_size)
		return -ENODATA;
	r = eseal_verity_measure(fd, d);
	if (r)
		return r;
	return d->alg == alg && d->size == eseal_hash_size(alg) ? 0 : -ENODATA;
}

int eseal_verity_enable(int fd, int alg)
{
	struct fsverity_enable_arg arg;

	memset(&arg, 0, sizeof(arg));
	arg.version = 1;
	arg.hash_algorithm = alg == ESEAL_HASH_SHA512 ?
				     FS_VERITY_HASH_ALG_SHA512 :
				     FS_VERITY_HASH_ALG_SHA256;
	arg.block_size = ESEAL_VERITY_BLOCK;
	return ioctl(fd, FS_IOC_ENABLE_VERITY, &arg) ? -errno : 0;
}
