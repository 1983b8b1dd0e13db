// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The shape of an fs-verity Merkle tree and building one from a file.
 *
 * Level 0 is most of the work (one hash per data block); each of its
 * blocks covers one run of per_block data blocks (512 KiB with sha256),
 * so threads take runs in turn and write their level-0 block straight to
 * its place.  The levels above are 1/128 of that and are hashed from the
 * tree file on one thread.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "merkle.h"
#include "util/io.h"
#include "workers.h"

/* the data of a level-0 block is read and hashed in pieces this big */
#define PIECE ((size_t)128 << 10)
/* threads only pay off for this many level-0 blocks (2 MiB) each */
#define RUNS_PER_THREAD 4
#define MAX_THREADS 16

int eseal_merkle_geometry(int alg, uint64_t data_size,
			  struct eseal_merkle_geo *g)
{
	uint64_t blocks, off = 0;
	unsigned int i;

	memset(g, 0, sizeof(*g));
	g->dsize = (unsigned int)eseal_hash_size(alg);
	if (!g->dsize)
		return -EINVAL;
	g->alg = alg;
	g->per_block = ESEAL_VERITY_BLOCK / g->dsize;
	g->data_size = data_size;
	g->data_blocks = data_size / ESEAL_VERITY_BLOCK +
			 !!(data_size % ESEAL_VERITY_BLOCK);
	for (blocks = g->data_blocks; blocks > 1; g->levels++) {
		if (g->levels == ESEAL_MERKLE_MAX_LEVELS)
			return -EFBIG;
		blocks = DIV_ROUND_UP(blocks, g->per_block);
		g->count[g->levels] = blocks;
	}
	/* the root level first, as fs-verity stores it */
	for (i = g->levels; i-- > 0;) {
		g->start[i] = off;
		off += g->count[i];
	}
	g->tree_blocks = off;
	return 0;
}

struct build {
	int fd, out_fd;
	const struct eseal_merkle_sink *sink;	/* or NULL */
	const char *name;
	const struct eseal_merkle_geo *g;
	atomic_uint_fast64_t next;	/* next level-0 block to make */
	atomic_int failed;
	pthread_mutex_t lock;		/* err */
	struct eseal_error *err;
	int ret;
};

static void build_fail(struct build *b, int ret)
{
	pthread_mutex_lock(&b->lock);
	if (!b->ret)
		b->ret = ret;
	pthread_mutex_unlock(&b->lock);
	atomic_store(&b->failed, 1);
}

static int size_error(struct build *b, uint64_t have)
{
	int r;

	pthread_mutex_lock(&b->lock);
	r = eseal_errorf(b->err, EBADMSG,
			 "%s: %s%llu bytes, the image says %llu", b->name,
			 have > b->g->data_size ? "more than " : "",
			 (unsigned long long)MIN(have, b->g->data_size),
			 (unsigned long long)b->g->data_size);
	pthread_mutex_unlock(&b->lock);
	return r;
}

static int io_error(struct build *b, const char *what, int e)
{
	int r;

	pthread_mutex_lock(&b->lock);
	r = eseal_syserrorf(b->err, e, "%s: %s", b->name, what);
	pthread_mutex_unlock(&b->lock);
	return r;
}

/*
 * Level-0 block i: the hashes of its run, read, hashed and handed to the
 * sink a piece at a time, so that each piece is still in the CPU's cache
 * for the next step
 */
static int level0_block(struct build *b, struct eseal_fsverity_ctx *h,
			uint8_t *buf, uint8_t *tb, uint64_t i)
{
	const struct eseal_merkle_geo *g = b->g;
	uint64_t off = i * eseal_merkle_run(g), end;
	size_t len, nb;
	uint8_t *out = tb;
	ssize_t n;

	end = MIN(off + eseal_merkle_run(g), g->data_size);
	memset(tb, 0, ESEAL_VERITY_BLOCK);
	for (; off < end; off += len, out += nb * g->dsize) {
		len = (size_t)MIN((uint64_t)PIECE, end - off);
		n = eseal_pread_full(b->fd, buf, len, off);
		if (n < 0)
			return io_error(b, "read error", errno);
		if ((size_t)n < len)
			return size_error(b, off + (uint64_t)n);
		nb = DIV_ROUND_UP(len, ESEAL_VERITY_BLOCK);
		memset(buf + len, 0, nb * ESEAL_VERITY_BLOCK - len);
		if (eseal_fsverity_hash_blocks(h, buf, nb, out))
			return io_error(b, "hashing failed", EIO);
		if (b->sink)
			b->sink->run(b->sink->arg, off, buf, len);
	}
	if (eseal_pwrite_full(b->out_fd, tb, ESEAL_VERITY_BLOCK,
			      (g->start[0] + i) * ESEAL_VERITY_BLOCK))
		return io_error(b, "writing its Merkle tree", errno);
	return 0;
}

/* Level-0 blocks, in turn with the other threads */
static void *level0(void *arg)
{
	struct build *b = arg;
	const struct eseal_merkle_geo *g = b->g;
	struct eseal_fsverity_ctx *h = eseal_fsverity_new(g->alg);
	uint8_t *buf = eseal_io_buf_alloc(PIECE), *tb = malloc(ESEAL_VERITY_BLOCK);
	uint64_t i;
	int r;

	if (!h || !buf || !tb) {
		pthread_mutex_lock(&b->lock);
		eseal_errorf(b->err, ENOMEM, "%s: out of memory", b->name);
		pthread_mutex_unlock(&b->lock);
		build_fail(b, -ENOMEM);
		goto out;
	}
	while (!atomic_load(&b->failed)) {
		i = atomic_fetch_add(&b->next, 1);
		if (i >= g->count[0])
			break;
		r = level0_block(b, h, buf, tb, i);
		if (r) {
			build_fail(b, r);
			break;
		}
	}
out:
	free(tb);
	free(buf);
	eseal_fsverity_free(h);
	return NULL;
}

/* Levels 1 and up from the level below, read back from the tree file */
static int upper_levels(struct build *b, struct eseal_fsverity_ctx *h,
			uint8_t *root)
{
	const struct eseal_merkle_geo *g = b->g;
	size_t run = (size_t)g->per_block * ESEAL_VERITY_BLOCK;
	uint8_t *buf = eseal_io_buf_alloc(run), tb[ESEAL_VERITY_BLOCK];
	uint64_t l, i, nb;
	int r = 0;

	if (!buf)
		return eseal_errorf(b->err, ENOMEM, "%s: out of memory",
				    b->name);
	for (l = 1; l < g->levels && !r; l++) {
		for (i = 0; i < g->count[l]; i++) {
			nb = MIN((uint64_t)g->per_block,
				 g->count[l - 1] - i * g->per_block);
			if (eseal_pread_full(b->out_fd, buf, nb * ESEAL_VERITY_BLOCK,
				      (g->start[l - 1] + i * g->per_block) *
					      ESEAL_VERITY_BLOCK) !=
			    (ssize_t)(nb * ESEAL_VERITY_BLOCK)) {
				r = io_error(b, "reading its Merkle tree back",
					     errno ? errno : EIO);
				break;
			}
			memset(tb, 0, sizeof(tb));
			if (eseal_fsverity_hash_blocks(h, buf, nb, tb)) {
				r = io_error(b, "hashing failed", EIO);
				break;
			}
			if (eseal_pwrite_full(b->out_fd, tb, sizeof(tb),
				       (g->start[l] + i) * ESEAL_VERITY_BLOCK)) {
				r = io_error(b, "writing its Merkle tree",
					     errno);
				break;
			}
		}
	}
	/* the root hash: of the top block */
	if (!r && eseal_pread_full(b->out_fd, buf, ESEAL_VERITY_BLOCK,
			    g->start[g->levels - 1] * ESEAL_VERITY_BLOCK) !=
			  ESEAL_VERITY_BLOCK)
		r = io_error(b, "reading its Merkle tree back",
			     errno ? errno : EIO);
	if (!r && eseal_fsverity_hash_blocks(h, buf, 1, root))
		r = io_error(b, "hashing failed", EIO);
	free(buf);
	return r;
}

/* A file of at most one block: its hash is the root */
static int single_block(struct build *b, struct eseal_fsverity_ctx *h,
			uint8_t *root)
{
	uint8_t blk[ESEAL_VERITY_BLOCK + 1];
	ssize_t n;

	n = eseal_pread_full(b->fd, blk, sizeof(blk), 0);
	if (n < 0)
		return io_error(b, "read error", errno);
	if ((uint64_t)n != b->g->data_size)
		return size_error(b, (uint64_t)n);
	if (!n)
		return 0;	/* the root of an empty file is zeros */
	memset(blk + n, 0, ESEAL_VERITY_BLOCK - (size_t)n);
	if (eseal_fsverity_hash_blocks(h, blk, 1, root))
		return io_error(b, "hashing failed", EIO);
	if (b->sink)
		b->sink->run(b->sink->arg, 0, blk, (size_t)n);
	return 0;
}

int eseal_merkle_build(int fd, const char *name,
		       const struct eseal_merkle_geo *g, int out_fd,
		       unsigned int threads,
		       const struct eseal_merkle_sink *sink,
		       struct eseal_digest *digest, struct eseal_error *err)
{
	struct build b = {
		.fd = fd,
		.out_fd = out_fd,
		.sink = sink,
		.name = name,
		.g = g,
		.err = err,
	};
	struct eseal_fsverity_ctx *h = eseal_fsverity_new(g->alg);
	uint8_t root[ESEAL_DIGEST_MAX] = { 0 }, extra;
	pthread_t tid[MAX_THREADS];
	unsigned int n = 0, i;
	int r;

	if (!h)
		return eseal_errorf(err, ENOMEM, "%s: out of memory", name);
	pthread_mutex_init(&b.lock, NULL);
	if (ftruncate(out_fd, (off_t)eseal_merkle_tree_size(g))) {
		r = eseal_syserrorf(err, errno, "%s: its Merkle tree", name);
		goto out;
	}
	if (!g->levels) {
		r = single_block(&b, h, root);
		goto digest;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (!threads)
		threads = eseal_online_cpus();
	threads = (unsigned int)MIN((uint64_t)MIN(threads, MAX_THREADS),
				    g->count[0] / RUNS_PER_THREAD);
	/* this thread is one of them */
	for (i = 1; i < threads; i++) {
		if (pthread_create(&tid[n], NULL, level0, &b))
			break;
		n++;
	}
	level0(&b);
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	r = b.ret;
	if (r)
		goto out;
	/* nothing after the size the image gives */
	if (eseal_pread_full(fd, &extra, 1, g->data_size) == 1) {
		r = size_error(&b, g->data_size + 1);
		goto out;
	}
	r = upper_levels(&b, h, root);
digest:
	if (!r && eseal_fsverity_digest_from_root(h, g->data_size, root,
						  digest))
		r = eseal_errorf(err, EIO, "%s: hashing failed", name);
out:
	pthread_mutex_destroy(&b.lock);
	eseal_fsverity_free(h);
	return r;
}
