// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The two-way SHA-NI hash of 4 KiB blocks against OpenSSL, and fs-verity
 * digests with that fast path on and forced off, over many file sizes.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "fsverity.h"
#include "internal.h"
#include "sha256-x86.h"
#include "test.h"

#define BLK ESEAL_VERITY_BLOCK

static void fill(uint8_t *p, size_t n)
{
	if (n && RAND_bytes(p, (int)n) != 1)
		abort();
}

#if defined(__x86_64__)
static void sha256(const uint8_t *p, size_t n, uint8_t *out)
{
	unsigned int len = 0;

	if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) || len != 32)
		abort();
}

static void test_pairs(void)
{
	static uint8_t a[BLK], b[BLK];
	uint8_t ha[32], hb[32], ra[32], rb[32];
	int i, bad = 0, same_bad = 0;

	for (i = 0; i < 500; i++) {
		fill(a, BLK);
		fill(b, BLK);
		/* some blocks of one repeated byte, zeros among them */
		if (i % 10 == 1)
			memset(a, i % 20 == 1 ? 0 : i, BLK);
		eseal_sha256_4k_x2(a, b, ha, hb);
		sha256(a, BLK, ra);
		sha256(b, BLK, rb);
		if (memcmp(ha, ra, 32) || memcmp(hb, rb, 32))
			bad++;
		eseal_sha256_4k_x2(a, a, ha, hb);
		if (memcmp(ha, ra, 32) || memcmp(hb, ra, 32))
			same_bad++;
	}
	CHECK(!bad, "2-way SHA-256 equals OpenSSL on 500 block pairs (%d bad)",
	      bad);
	CHECK(!same_bad,
	      "2-way SHA-256 equals OpenSSL on 500 identical pairs (%d bad)",
	      same_bad);

	/* the output order follows the input order */
	memset(a, 0, BLK);
	memset(b, 0xff, BLK);
	eseal_sha256_4k_x2(a, b, ha, hb);
	sha256(a, BLK, ra);
	sha256(b, BLK, rb);
	CHECK(!memcmp(ha, ra, 32) && !memcmp(hb, rb, 32),
	      "2-way SHA-256 of zeros and 0xff blocks, in order");
}
#endif

/* Digest of buf[0..len) fed in chunks of 'chunk' bytes. */
static int digest(struct eseal_fsverity_ctx *c, const uint8_t *buf,
		  size_t len, size_t chunk, struct eseal_digest *d)
{
	size_t off, n;
	int ret;

	for (off = 0; off < len; off += n) {
		n = MIN(chunk, len - off);
		ret = eseal_fsverity_update(c, buf + off, n);
		if (ret)
			return ret;
	}
	return eseal_fsverity_final(c, d);
}

/*
 * Sizes around every boundary the pair path can get wrong (odd and even
 * block counts, partial blocks, a full level-0 hash block of 128 hashes)
 * in several chunkings, fast path on against forced off.
 */
static void test_digests(void)
{
	static const size_t sizes[] = {
		0,	     1,		  4095,	      4096,	   4097,
		8191,	     8192,	  8193,	      12288,	   3 * BLK + 1,
		16384,	     127 * BLK,	  128 * BLK,  129 * BLK,   130 * BLK,
		128 * BLK + 7, 256 * BLK, 257 * BLK - 1, 1000 * BLK + 123,
		16385 * BLK, 16384 * BLK + 2 * BLK + 1,
	};
	static const size_t chunks[] = { 1u << 20, 8192, 3 * BLK, 4096, 12289,
					 65536 + 5 };
	struct eseal_fsverity_ctx *fast = eseal_fsverity_new(ESEAL_HASH_SHA256);
	struct eseal_fsverity_ctx *slow = eseal_fsverity_new(ESEAL_HASH_SHA256);
	size_t max = 16387 * BLK, i, j;
	uint8_t *buf = malloc(max);
	int bad = 0, runs = 0;

	if (!fast || !slow || !buf)
		abort();
	eseal_fsverity_force_generic(slow);
	fill(buf, max);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(chunks); j++) {
			struct eseal_digest df, ds, db;
			int rf, rs, rb = 0;

			/* the big files once, the chunk size matters less */
			if (sizes[i] > 2000 * BLK && j)
				continue;
			rf = digest(fast, buf, sizes[i], chunks[j], &df);
			rs = digest(slow, buf, sizes[i], chunks[j], &ds);
			if (j == 0)
				rb = eseal_fsverity_digest_buf(buf, sizes[i],
							       ESEAL_HASH_SHA256,
							       &db);
			runs++;
			if (rf || rs || rb || memcmp(&df, &ds, sizeof(df)) ||
			    (j == 0 && memcmp(&df, &db, sizeof(df)))) {
				bad++;
				printf("# size %zu chunk %zu differs\n",
				       sizes[i], chunks[j]);
			}
		}
	}
	CHECK(!bad, "fs-verity digests fast == generic in %d runs (%d bad)",
	      runs, bad);

	/* a zero-filled file: every pair is two identical blocks */
	memset(buf, 0, 300 * BLK);
	{
		struct eseal_digest df, ds;
		int rf = digest(fast, buf, 300 * BLK, 1u << 20, &df);
		int rs = digest(slow, buf, 300 * BLK, 1u << 20, &ds);

		CHECK(!rf && !rs && !memcmp(&df, &ds, sizeof(df)),
		      "fs-verity digest of zeros fast == generic");
	}
	free(buf);
	eseal_fsverity_free(fast);
	eseal_fsverity_free(slow);
}

int main(void)
{
	if (!eseal_sha256_x86_usable()) {
		test_skip("this CPU has no SHA-NI: the 2-way path is unused");
		test_skip("fs-verity fast path: not available on this CPU");
		/* the generic path still has to agree with itself */
		test_digests();
		return test_done();
	}
#if defined(__x86_64__)
	test_pairs();
#endif
	test_digests();
	return test_done();
}
