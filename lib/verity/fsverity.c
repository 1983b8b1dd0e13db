// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * fs-verity digests: the Merkle tree of a stream of data, its descriptor,
 * and the textual "<alg>:<hex>" form.
 *
 * Hashing 4 KiB blocks one by one makes the per-hash set-up cost matter, so
 * each context fetches its EVP_MD once and keeps an initialised EVP_MD_CTX
 * that is copied into a working one for every block (no provider look-up,
 * no allocation per block).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fsverity.h"
#include "internal.h"
#include "sha256-x86.h"

/*
 * Enough levels for a 2^64 byte file with sha512 (64 hashes per block):
 * 2^52 blocks need 9 levels, plus the level that holds the root hash.
 */
#define MAX_LEVELS 12

struct eseal_fsverity_ctx {
	int alg;
	bool pairs;			/* hash data blocks two at a time */
	unsigned int dsize;		/* digest size */
	EVP_MD *md;
	EVP_MD_CTX *base;		/* initialised, never fed */
	EVP_MD_CTX *work;
	uint64_t data_size;		/* bytes fed so far */
	size_t partial;			/* bytes waiting in block[] */
	size_t filled[MAX_LEVELS];	/* bytes of hashes in level[i] */
	uint8_t block[ESEAL_VERITY_BLOCK];
	uint8_t level[MAX_LEVELS][ESEAL_VERITY_BLOCK];
};

size_t eseal_hash_size(int alg)
{
	switch (alg) {
	case ESEAL_HASH_SHA256:
		return 32;
	case ESEAL_HASH_SHA512:
		return 64;
	default:
		return 0;
	}
}

const char *eseal_hash_name(int alg)
{
	switch (alg) {
	case ESEAL_HASH_SHA256:
		return "sha256";
	case ESEAL_HASH_SHA512:
		return "sha512";
	default:
		return NULL;
	}
}

int eseal_hash_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	if (!strcmp(name, "sha256"))
		return ESEAL_HASH_SHA256;
	if (!strcmp(name, "sha512"))
		return ESEAL_HASH_SHA512;
	return -EINVAL;
}

void eseal_digest_hex(const struct eseal_digest *d, char *buf)
{
	eseal_hex_encode(d->bytes, MIN(d->size, (uint8_t)ESEAL_DIGEST_MAX),
			 buf);
}

int eseal_digest_parse(const char *s, struct eseal_digest *d,
		       struct eseal_error *err)
{
	const char *colon, *hex;
	char name[16];
	size_t size, len;
	int alg;

	if (!s)
		return eseal_errorf(err, EINVAL, "missing digest");
	colon = strchr(s, ':');
	if (!colon)
		return eseal_errorf(err, EINVAL,
				    "'%.200s': not a digest of the form <alg>:<hex>",
				    s);
	len = colon - s;
	if (len >= sizeof(name))
		return eseal_errorf(err, EINVAL, "'%.200s': unknown hash algorithm",
				    s);
	memcpy(name, s, len);
	name[len] = '\0';
	alg = eseal_hash_from_name(name);
	if (alg < 0)
		return eseal_errorf(err, EINVAL,
				    "'%.200s': unknown hash algorithm '%s' (use sha256 or sha512)",
				    s, name);
	size = eseal_hash_size(alg);
	hex = colon + 1;
	if (strlen(hex) != 2 * size)
		return eseal_errorf(err, EINVAL,
				    "'%.200s': a %s digest has %zu hex digits, not %zu",
				    s, name, 2 * size, strlen(hex));
	memset(d, 0, sizeof(*d));
	if (eseal_hex_decode(hex, size, d->bytes))
		return eseal_errorf(err, EINVAL, "'%.200s': invalid hex digit",
				    s);
	d->alg = (uint8_t)alg;
	d->size = (uint8_t)size;
	return 0;
}

void eseal_fsverity_reset(struct eseal_fsverity_ctx *c)
{
	c->data_size = 0;
	c->partial = 0;
	memset(c->filled, 0, sizeof(c->filled));
}

void eseal_fsverity_free(struct eseal_fsverity_ctx *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->work);
	EVP_MD_CTX_free(c->base);
	EVP_MD_free(c->md);
	free(c);
}

struct eseal_fsverity_ctx *eseal_fsverity_new(int alg)
{
	struct eseal_fsverity_ctx *c;
	const char *name;

	switch (alg) {
	case ESEAL_HASH_SHA256:
		name = "SHA256";
		break;
	case ESEAL_HASH_SHA512:
		name = "SHA512";
		break;
	default:
		return NULL;
	}
	c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	c->alg = alg;
	c->pairs = alg == ESEAL_HASH_SHA256 && eseal_sha256_x86_usable();
	c->dsize = (unsigned int)eseal_hash_size(alg);
	c->md = EVP_MD_fetch(NULL, name, NULL);
	c->base = EVP_MD_CTX_new();
	c->work = EVP_MD_CTX_new();
	if (!c->md || !c->base || !c->work ||
	    !EVP_DigestInit_ex(c->base, c->md, NULL) ||
	    !EVP_DigestInit_ex(c->work, c->md, NULL)) {
		eseal_fsverity_free(c);
		return NULL;
	}
	eseal_fsverity_reset(c);
	return c;
}

static int hash(struct eseal_fsverity_ctx *c, const void *data, size_t len,
		uint8_t *out)
{
	if (!EVP_MD_CTX_copy_ex(c->work, c->base) ||
	    !EVP_DigestUpdate(c->work, data, len) ||
	    !EVP_DigestFinal_ex(c->work, out, NULL))
		return -EIO;
	return 0;
}

/* Append a hash to a level; a full level block moves up as one hash. */
static int push_hash(struct eseal_fsverity_ctx *c, unsigned int lvl,
		     const uint8_t *h)
{
	uint8_t tmp[ESEAL_DIGEST_MAX];

	for (;;) {
		if (lvl >= MAX_LEVELS)
			return -EFBIG;
		memcpy(c->level[lvl] + c->filled[lvl], h, c->dsize);
		c->filled[lvl] += c->dsize;
		if (c->filled[lvl] < ESEAL_VERITY_BLOCK)
			return 0;
		if (hash(c, c->level[lvl], ESEAL_VERITY_BLOCK, tmp))
			return -EIO;
		c->filled[lvl] = 0;
		h = tmp;
		lvl++;
	}
}

static int hash_data_block(struct eseal_fsverity_ctx *c, const uint8_t *blk)
{
	uint8_t h[ESEAL_DIGEST_MAX];

	if (hash(c, blk, ESEAL_VERITY_BLOCK, h))
		return -EIO;
	return push_hash(c, 0, h);
}

void eseal_fsverity_force_generic(struct eseal_fsverity_ctx *c)
{
	c->pairs = false;
}

/*
 * Two whole data blocks straight from the caller's buffer: hashing them
 * together is faster than one after the other (see sha256-x86.h).
 */
static int hash_data_pair(struct eseal_fsverity_ctx *c, const uint8_t *blk)
{
#if defined(__x86_64__)
	uint8_t h[2][32];
	int ret;

	eseal_sha256_4k_x2(blk, blk + ESEAL_VERITY_BLOCK, h[0], h[1]);
	ret = push_hash(c, 0, h[0]);
	return ret ? ret : push_hash(c, 0, h[1]);
#else
	int ret = hash_data_block(c, blk);

	return ret ? ret : hash_data_block(c, blk + ESEAL_VERITY_BLOCK);
#endif
}

int eseal_fsverity_update(struct eseal_fsverity_ctx *c, const void *buf,
			  size_t len)
{
	const uint8_t *p = buf;
	size_t n;
	int ret;

	c->data_size += len;
	while (len) {
		if (c->pairs && c->partial == 0 &&
		    len >= 2 * ESEAL_VERITY_BLOCK) {
			ret = hash_data_pair(c, p);
			if (ret)
				return ret;
			p += 2 * ESEAL_VERITY_BLOCK;
			len -= 2 * ESEAL_VERITY_BLOCK;
			continue;
		}
		if (c->partial == 0 && len >= ESEAL_VERITY_BLOCK) {
			ret = hash_data_block(c, p);
			if (ret)
				return ret;
			p += ESEAL_VERITY_BLOCK;
			len -= ESEAL_VERITY_BLOCK;
			continue;
		}
		n = MIN(len, ESEAL_VERITY_BLOCK - c->partial);

		memcpy(c->block + c->partial, p, n);
		c->partial += n;
		p += n;
		len -= n;
		if (c->partial == ESEAL_VERITY_BLOCK) {
			c->partial = 0;
			ret = hash_data_block(c, c->block);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int eseal_fsverity_hash_blocks(struct eseal_fsverity_ctx *c, const void *data,
			       size_t n, uint8_t *out)
{
	const uint8_t *p = data;

#if defined(__x86_64__)
	for (; c->pairs && n >= 2; n -= 2) {
		eseal_sha256_4k_x2(p, p + ESEAL_VERITY_BLOCK, out,
				   out + c->dsize);
		p += 2 * ESEAL_VERITY_BLOCK;
		out += 2 * c->dsize;
	}
#endif
	for (; n; n--) {
		if (hash(c, p, ESEAL_VERITY_BLOCK, out))
			return -EIO;
		p += ESEAL_VERITY_BLOCK;
		out += c->dsize;
	}
	return 0;
}

int eseal_fsverity_digest_from_root(struct eseal_fsverity_ctx *c,
				    uint64_t data_size, const uint8_t *root,
				    struct eseal_digest *out)
{
	struct eseal_fsverity_descriptor desc;

	memset(&desc, 0, sizeof(desc));
	desc.version = 1;
	desc.hash_algorithm = (uint8_t)c->alg;
	desc.log_blocksize = ESEAL_VERITY_LOG_BLOCK;
	put_le64(desc.data_size, data_size);
	memcpy(desc.root_hash, root, c->dsize);
	memset(out, 0, sizeof(*out));
	out->alg = (uint8_t)c->alg;
	out->size = (uint8_t)c->dsize;
	return hash(c, &desc, sizeof(desc), out->bytes);
}

int eseal_fsverity_final(struct eseal_fsverity_ctx *c,
			 struct eseal_digest *out)
{
	uint8_t root[ESEAL_DIGEST_MAX] = { 0 };
	uint64_t blocks;
	unsigned int lvl, n_levels = 0;
	int ret = 0;

	/* The root hash of an empty file is all zeros. */
	if (c->data_size) {
		if (c->partial) {
			memset(c->block + c->partial, 0,
			       ESEAL_VERITY_BLOCK - c->partial);
			c->partial = 0;
			ret = hash_data_block(c, c->block);
			if (ret)
				goto out;
		}
		blocks = DIV_ROUND_UP(c->data_size, ESEAL_VERITY_BLOCK);
		while (blocks > 1) {
			blocks = DIV_ROUND_UP(blocks,
					      ESEAL_VERITY_BLOCK / c->dsize);
			n_levels++;
		}
		/* Pad and hash every unfinished block up to the root. */
		for (lvl = 0; lvl < n_levels; lvl++) {
			uint8_t h[ESEAL_DIGEST_MAX];

			if (!c->filled[lvl])
				continue;
			memset(c->level[lvl] + c->filled[lvl], 0,
			       ESEAL_VERITY_BLOCK - c->filled[lvl]);
			c->filled[lvl] = 0;
			ret = hash(c, c->level[lvl], ESEAL_VERITY_BLOCK, h);
			if (!ret)
				ret = push_hash(c, lvl + 1, h);
			if (ret)
				goto out;
		}
		memcpy(root, c->level[n_levels], c->dsize);
	}
	ret = eseal_fsverity_digest_from_root(c, c->data_size, root, out);
out:
	eseal_fsverity_reset(c);
	return ret;
}
