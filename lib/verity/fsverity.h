/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * fs-verity file digests, computed in a stream.
 *
 * The digest of a file is the hash of its fsverity_descriptor, which holds
 * the root of a Merkle tree over the file's 4 KiB blocks (no salt), exactly
 * as the kernel's FS_IOC_MEASURE_VERITY reports it.  A context keeps one
 * partial block per tree level, so memory does not grow with the data.
 *
 *	c = eseal_fsverity_new(ESEAL_HASH_SHA256);
 *	while (...)
 *		eseal_fsverity_update(c, buf, len);
 *	eseal_fsverity_final(c, &digest);	(resets c for the next file)
 *	eseal_fsverity_free(c);
 *
 * A context is not thread-safe; use one per thread.
 */
#ifndef ESEAL_FSVERITY_H
#define ESEAL_FSVERITY_H

#include <stddef.h>
#include <stdint.h>

#include "erofs-seal.h"

#define ESEAL_VERITY_LOG_BLOCK 12
#define ESEAL_VERITY_BLOCK (1u << ESEAL_VERITY_LOG_BLOCK)

/* The kernel's struct fsverity_descriptor (include/uapi/linux/fsverity.h) */
struct eseal_fsverity_descriptor {
	uint8_t version;		/* 1 */
	uint8_t hash_algorithm;		/* ESEAL_HASH_* */
	uint8_t log_blocksize;		/* 12 */
	uint8_t salt_size;		/* 0 */
	uint8_t sig_size[4];		/* le32, 0 (reserved) */
	uint8_t data_size[8];		/* le64 file size */
	uint8_t root_hash[64];		/* zero padded */
	uint8_t salt[32];		/* zeros */
	uint8_t reserved[144];		/* zeros */
};
_Static_assert(sizeof(struct eseal_fsverity_descriptor) == 256,
	       "fsverity_descriptor is 256 bytes");

struct eseal_fsverity_ctx;

/* A context for alg (ESEAL_HASH_SHA256/512); NULL on error or bad alg. */
struct eseal_fsverity_ctx *eseal_fsverity_new(int alg);
/* Feed file data; returns 0 or -errno (-EIO on a hash failure). */
int eseal_fsverity_update(struct eseal_fsverity_ctx *c, const void *buf,
			  size_t len);
/* Finish: store the digest and reset the context for a new stream. */
int eseal_fsverity_final(struct eseal_fsverity_ctx *c,
			 struct eseal_digest *out);
/*
 * For tests: hash with OpenSSL only, never with the CPU-specific paths, so
 * that both can be compared.
 */
void eseal_fsverity_force_generic(struct eseal_fsverity_ctx *c);
/* Forget the data fed so far (after an error, say). */
void eseal_fsverity_reset(struct eseal_fsverity_ctx *c);
void eseal_fsverity_free(struct eseal_fsverity_ctx *c);

/*
 * Hash n whole blocks of ESEAL_VERITY_BLOCK bytes at data, one digest
 * each, back to back at out (the hashes of a Merkle tree level).
 */
int eseal_fsverity_hash_blocks(struct eseal_fsverity_ctx *c, const void *data,
			       size_t n, uint8_t *out);
/* The file digest of a Merkle tree root hash over data_size bytes. */
int eseal_fsverity_digest_from_root(struct eseal_fsverity_ctx *c,
				    uint64_t data_size, const uint8_t *root,
				    struct eseal_digest *out);

/* hash-copy.c */
/*
 * Hash what is read from fd (from offset 0) and, when wfd >= 0, write the
 * same bytes to wfd.  Reading stops at end of file or after 'expect' bytes
 * (the size fstat() reported; UINT64_MAX when unknown), which saves the
 * read that would find the end: the data hashed is a consistent snapshot
 * either way, and *size_out says how much it was.  Data passes through buf
 * in chunks of bufsize bytes filled completely (short reads are retried),
 * so when *size_out <= bufsize the whole content is in buf afterwards.
 * 'name' names fd in error messages, 'wname' names wfd.
 */
int eseal_hash_copy_fd(struct eseal_fsverity_ctx *c, int fd, const char *name,
		       int wfd, const char *wname, uint8_t *buf,
		       size_t bufsize, uint64_t expect,
		       struct eseal_digest *out, uint64_t *size_out,
		       struct eseal_error *err);

/* verity-ioctl.c */
/*
 * FS_IOC_MEASURE_VERITY of fd: 0 and *d, or -errno (-ENODATA: no
 * fs-verity on the file; -EOPNOTSUPP or -ENOTTY: none on its filesystem)
 */
int eseal_verity_measure(int fd, struct eseal_digest *d);
/*
 * The fs-verity digest of fd as this library computes it, from the kernel
 * without reading the data: only where fs-verity is on with alg, 4 KiB
 * blocks and no salt (FS_IOC_READ_VERITY_METADATA), as otherwise the
 * kernel's digest is another one.  0, or -errno (-ENODATA when it is not
 * so: read the file then).
 */
int eseal_verity_measure_std(int fd, int alg, struct eseal_digest *d);
/*
 * FS_IOC_ENABLE_VERITY on fd (opened read-only, no writer open), 4 KiB
 * blocks, no salt, hash alg: 0 or -errno
 */
int eseal_verity_enable(int fd, int alg);

/* Digest size of alg in bytes, 0 when unknown. */
size_t eseal_hash_size(int alg);

#endif /* ESEAL_FSVERITY_H */
