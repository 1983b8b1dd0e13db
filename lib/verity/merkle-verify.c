// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Data blocks checked against an untrusted Merkle tree file, as fs-verity
 * checks them in the kernel: a tree block is used only once it hashes to
 * its entry in its (verified) parent, the top block only once its hash,
 * as the root hash of the fs-verity descriptor, gives the file's digest.
 *
 * Verified tree blocks are kept in one cache for all files: a fixed set
 * of slots found by hashing (file id, block number), replaced in CLOCK
 * order (a block used since the hand last passed gets another round).
 * The cache holds copies, so a tree file that changes later cannot change
 * a verified block.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "merkle.h"
#include "util/io.h"

#define NONE UINT32_MAX
#define MIN_SLOTS 16

struct slot {
	uint64_t id, blk;		/* the key; id 0: free */
	uint32_t next;			/* next slot in the bucket */
	uint8_t ref;			/* used since the hand passed */
};

struct eseal_merkle_cache {
	pthread_mutex_t lock;
	uint32_t n_slots, used, hand;
	uint32_t mask;			/* buckets - 1 */
	uint32_t *buckets;
	struct slot *slots;
	uint8_t *data;			/* n_slots blocks */
	atomic_uint_fast64_t next_id;
	uint64_t hits, misses;
};

struct eseal_merkle_cache *eseal_merkle_cache_new(size_t bytes)
{
	struct eseal_merkle_cache *c = calloc(1, sizeof(*c));
	size_t n = bytes / ESEAL_VERITY_BLOCK, nb = 1;

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	n = MAX(n, (size_t)MIN_SLOTS);
	n = MIN(n, (size_t)1 << 24);
	while (nb < n)
		nb <<= 1;
	c->n_slots = (uint32_t)n;
	c->mask = (uint32_t)nb - 1;
	c->buckets = malloc(nb * sizeof(*c->buckets));
	c->slots = calloc(n, sizeof(*c->slots));
	c->data = malloc(n * ESEAL_VERITY_BLOCK);
	if (!c->buckets || !c->slots || !c->data) {
		eseal_merkle_cache_free(c);
		return NULL;
	}
	memset(c->buckets, 0xff, nb * sizeof(*c->buckets));
	atomic_init(&c->next_id, 1);
	return c;
}

void eseal_merkle_cache_free(struct eseal_merkle_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->data);
	free(c->slots);
	free(c->buckets);
	free(c);
}

uint64_t eseal_merkle_cache_new_id(struct eseal_merkle_cache *c)
{
	return atomic_fetch_add(&c->next_id, 1);
}

void eseal_merkle_cache_stats(struct eseal_merkle_cache *c, uint64_t *hits,
			      uint64_t *misses, size_t *blocks)
{
	pthread_mutex_lock(&c->lock);
	*hits = c->hits;
	*misses = c->misses;
	*blocks = c->used;
	pthread_mutex_unlock(&c->lock);
}

static uint32_t bucket(const struct eseal_merkle_cache *c, uint64_t id,
		       uint64_t blk)
{
	uint64_t x = (id * 0x9E3779B97F4A7C15ull) ^ (blk * 0xC2B2AE3D27D4EB4Full);

	return (uint32_t)(x >> 32 ^ x) & c->mask;
}

/* Copy a cached block to out; false when it is not cached */
static bool cache_get(struct eseal_merkle_cache *c, uint64_t id, uint64_t blk,
		      uint8_t *out)
{
	uint32_t i;

	pthread_mutex_lock(&c->lock);
	for (i = c->buckets[bucket(c, id, blk)]; i != NONE; i = c->slots[i].next)
		if (c->slots[i].id == id && c->slots[i].blk == blk)
			break;
	if (i == NONE) {
		c->misses++;
	} else {
		c->hits++;
		c->slots[i].ref = 1;
		memcpy(out, c->data + (size_t)i * ESEAL_VERITY_BLOCK,
		       ESEAL_VERITY_BLOCK);
	}
	pthread_mutex_unlock(&c->lock);
	return i != NONE;
}

static void unlink_slot(struct eseal_merkle_cache *c, uint32_t s)
{
	uint32_t *p = &c->buckets[bucket(c, c->slots[s].id, c->slots[s].blk)];

	while (*p != s)
		p = &c->slots[*p].next;
	*p = c->slots[s].next;
}

static void cache_put(struct eseal_merkle_cache *c, uint64_t id, uint64_t blk,
		      const uint8_t *data)
{
	uint32_t b = bucket(c, id, blk), s;

	pthread_mutex_lock(&c->lock);
	for (s = c->buckets[b]; s != NONE; s = c->slots[s].next)
		if (c->slots[s].id == id && c->slots[s].blk == blk)
			goto out;	/* another thread was first */
	if (c->used < c->n_slots) {
		s = c->used++;
	} else {
		while (c->slots[c->hand].ref) {
			c->slots[c->hand].ref = 0;
			c->hand = (c->hand + 1) % c->n_slots;
		}
		s = c->hand;
		c->hand = (c->hand + 1) % c->n_slots;
		unlink_slot(c, s);
	}
	c->slots[s].id = id;
	c->slots[s].blk = blk;
	c->slots[s].ref = 0;
	c->slots[s].next = c->buckets[b];
	c->buckets[b] = s;
	memcpy(c->data + (size_t)s * ESEAL_VERITY_BLOCK, data,
	       ESEAL_VERITY_BLOCK);
out:
	pthread_mutex_unlock(&c->lock);
}

static bool same_digest(const struct eseal_digest *a,
			const struct eseal_digest *b)
{
	return a->alg == b->alg && a->size == b->size &&
	       !memcmp(a->bytes, b->bytes, a->size);
}

/*
 * Block idx of the given level, verified, into out: from the cache, or
 * read from the tree file and checked against its parent (recursively;
 * there are at most ESEAL_MERKLE_MAX_LEVELS levels).
 */
static int tree_block(struct eseal_merkle_cache *c,
		      const struct eseal_merkle_file *f,
		      struct eseal_fsverity_ctx *h, unsigned int level,
		      uint64_t idx, uint8_t *out, struct eseal_error *err)
{
	const struct eseal_merkle_geo *g = &f->geo;
	uint64_t blk = g->start[level] + idx;
	uint8_t parent[ESEAL_VERITY_BLOCK], hash[ESEAL_DIGEST_MAX];
	struct eseal_digest d;
	ssize_t n;
	int r;

	if (cache_get(c, f->id, blk, out))
		return 0;
	n = eseal_pread_full(f->tree_fd, out, ESEAL_VERITY_BLOCK,
			     blk * ESEAL_VERITY_BLOCK);
	if (n < 0)
		return eseal_syserrorf(err, errno,
				       "Merkle tree block %llu: read error",
				       (unsigned long long)blk);
	if (n < ESEAL_VERITY_BLOCK)
		return eseal_errorf(err, EUCLEAN,
				    "Merkle tree block %llu is missing (the tree file is truncated)",
				    (unsigned long long)blk);
	if (eseal_fsverity_hash_blocks(h, out, 1, hash))
		return eseal_errorf(err, EIO, "hashing failed");
	if (level + 1 == g->levels) {
		/* the top block: its hash is the root hash */
		if (eseal_fsverity_digest_from_root(h, g->data_size, hash, &d))
			return eseal_errorf(err, EIO, "hashing failed");
		if (!same_digest(&d, &f->digest))
			return eseal_errorf(err, EUCLEAN,
					    "the Merkle tree's root does not give the digest in the image");
	} else {
		r = tree_block(c, f, h, level + 1, idx / g->per_block, parent,
			       err);
		if (r)
			return r;
		if (memcmp(parent + (idx % g->per_block) * g->dsize, hash,
			   g->dsize))
			return eseal_errorf(err, EUCLEAN,
					    "Merkle tree block %llu (level %u) does not match its parent",
					    (unsigned long long)blk, level);
	}
	cache_put(c, f->id, blk, out);
	return 0;
}

static int bad_block(struct eseal_error *err, uint64_t b, uint64_t *bad)
{
	*bad = b;
	return eseal_errorf(err, EBADMSG,
			    "data block %llu (bytes %llu-%llu) does not match the fs-verity digest in the image",
			    (unsigned long long)b,
			    (unsigned long long)b * ESEAL_VERITY_BLOCK,
			    (unsigned long long)(b + 1) * ESEAL_VERITY_BLOCK - 1);
}

/* A file of one block has no tree: the block's hash is the root hash */
static int verify_single(const struct eseal_merkle_file *f,
			 struct eseal_fsverity_ctx *h, const uint8_t *data,
			 uint64_t *bad, struct eseal_error *err)
{
	uint8_t hash[ESEAL_DIGEST_MAX];
	struct eseal_digest d;

	if (eseal_fsverity_hash_blocks(h, data, 1, hash) ||
	    eseal_fsverity_digest_from_root(h, f->geo.data_size, hash, &d))
		return eseal_errorf(err, EIO, "hashing failed");
	if (!same_digest(&d, &f->digest))
		return bad_block(err, 0, bad);
	return 0;
}

int eseal_merkle_verify(struct eseal_merkle_cache *c,
			const struct eseal_merkle_file *f,
			struct eseal_fsverity_ctx *h, uint64_t first,
			const uint8_t *data, size_t n, uint64_t *bad,
			struct eseal_error *err)
{
	const struct eseal_merkle_geo *g = &f->geo;
	uint8_t tb[ESEAL_VERITY_BLOCK], hs[ESEAL_VERITY_BLOCK];
	uint64_t b, k, m, j;
	size_t i = 0;
	int r;

	if (first > g->data_blocks || n > g->data_blocks - first)
		return eseal_errorf(err, EINVAL,
				    "data block %llu is beyond the end of the file",
				    (unsigned long long)(first + n));
	if (!g->levels)
		return n ? verify_single(f, h, data, bad, err) : 0;
	while (i < n) {
		b = first + i;
		k = b % g->per_block;
		m = MIN((uint64_t)(n - i), g->per_block - k);
		r = tree_block(c, f, h, 0, b / g->per_block, tb, err);
		if (r) {
			*bad = b;
			return r;
		}
		if (eseal_fsverity_hash_blocks(h, data + i * ESEAL_VERITY_BLOCK,
					       (size_t)m, hs))
			return eseal_errorf(err, EIO, "hashing failed");
		for (j = 0; j < m; j++)
			if (memcmp(hs + j * g->dsize, tb + (k + j) * g->dsize,
				   g->dsize))
				return bad_block(err, b + j, bad);
		i += (size_t)m;
	}
	return 0;
}

int eseal_merkle_check_root(struct eseal_merkle_cache *c,
			    const struct eseal_merkle_file *f,
			    struct eseal_fsverity_ctx *h,
			    struct eseal_error *err)
{
	uint8_t top[ESEAL_VERITY_BLOCK];

	if (!f->geo.levels)
		return 0;
	return tree_block(c, f, h, f->geo.levels - 1, 0, top, err);
}
