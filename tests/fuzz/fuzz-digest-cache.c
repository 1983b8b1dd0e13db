// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * libFuzzer target: the digest cache reader (lib/store/digest-cache.c)
 * on arbitrary bytes.  The first byte is the mode: bit 0 gives the bytes
 * the header this run wants and a right checksum (so that what follows
 * those checks is reached), bit 1 picks SHA-512 over SHA-256.  Then:
 *
 *   - opening never fails (a bad cache is no error) and a cache not
 *     loaded has no entries and finds nothing;
 *   - a loaded cache finds only what is in the bytes: a key and right
 *     after it the digest returned;
 *   - every entry it counts is found by a key read from the bytes;
 *   - kept whole, with one entry more, it is written and reads back
 *     (from the file, as a run would) to the same entries and that one;
 *   - read back and kept as it is, it is not written again.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest-cache.h"
#include "fsverity.h"
#include "fuzz-print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY_SIZE sizeof(struct eseal_dcache_key)
#define NAME "digest-cache"

static int dir_fd = -1;
static char dir[4096];

static void cleanup(void)
{
	unlinkat(dir_fd, NAME, 0);
	rmdir(dir);
}

/*
 * A directory of our own in $TMPDIR (run-fuzzer's, removed even after a
 * crash): the source root and where the cache is written
 */
static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	if (dir_fd >= 0)
		return;
	snprintf(dir, sizeof(dir), "%s/fuzz-digest-cache.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		abort();
	atexit(cleanup);
}

static struct eseal_dcache *open_cache(int alg, const uint8_t *bytes,
				       size_t len, uint32_t *state)
{
	struct eseal_error err = { 0 };
	struct eseal_dcache *c;
	int fd = dup(dir_fd), r;

	if (fd < 0)
		abort();
	if (bytes)
		r = eseal_dcache_open_buf(fd, NAME, NAME, dir_fd, alg, bytes,
					  len, &c, state, &err);
	else
		r = eseal_dcache_open(fd, NAME, NAME, dir_fd, alg, &c, state,
				      &err);
	if (r < 0)
		fuzz_fail("opening a cache failed", &err);
	return c;
}

struct entry {
	struct eseal_dcache_key k;
	struct eseal_digest d;
};

/* Was key k, then the digest d, in the bytes? */
static bool in_bytes(const uint8_t *bytes, size_t len,
		     const struct eseal_dcache_key *k,
		     const struct eseal_digest *d)
{
	uint8_t want[KEY_SIZE + ESEAL_DIGEST_MAX];

	memcpy(want, k, KEY_SIZE);
	memcpy(want + KEY_SIZE, d->bytes, d->size);
	return memmem(bytes, len, want, KEY_SIZE + d->size) != NULL;
}

/* Every entry of c found by a key at an 8-aligned offset of the bytes */
static size_t find_all(struct eseal_dcache *c, int alg, const uint8_t *bytes,
		       size_t len, struct entry *out)
{
	size_t n = eseal_dcache_count(c), found = 0, off, slot;
	uint8_t *seen = calloc(n ? n : 1, 1);
	struct eseal_dcache_key k;
	struct eseal_digest d;

	if (!seen)
		abort();
	for (off = 0; off + KEY_SIZE <= len; off += 8) {
		memcpy(&k, bytes + off, KEY_SIZE);
		if (!eseal_dcache_lookup(c, &k, &d, &slot))
			continue;
		if (slot >= n)
			fuzz_fail("a lookup gave a slot past the entries", NULL);
		if (d.alg != alg || d.size != eseal_hash_size(alg))
			fuzz_fail("a lookup gave a digest of another kind",
				  NULL);
		if (!in_bytes(bytes, len, &k, &d))
			fuzz_fail("a lookup gave a digest not in the bytes",
				  NULL);
		if (seen[slot])
			continue;
		seen[slot] = 1;
		out[found++] = (struct entry){ .k = k, .d = d };
		eseal_dcache_keep(c, slot);
	}
	free(seen);
	return found;
}

static bool same_id(const struct eseal_dcache_key *a,
		    const struct eseal_dcache_key *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

static void round_trip(struct eseal_dcache *c, int alg,
		       const struct entry *e, size_t n)
{
	struct eseal_error err = { 0 };
	struct eseal_dcache_key extra = {
		.dev = UINT64_MAX, .ino = UINT64_MAX - 1, .size = 7,
	};
	struct eseal_digest d = { .alg = alg, .size = eseal_hash_size(alg) };
	struct eseal_dcache *back;
	size_t i, want = n + 1;
	uint32_t state;
	bool written;

	memset(d.bytes, 0xa5, d.size);
	for (i = 0; i < n; i++)
		want -= same_id(&e[i].k, &extra);
	/* read_at_sec: long after the key's times, so not racy */
	if (eseal_dcache_add(c, &extra, &d, 1000) < 0)
		abort();
	if (eseal_dcache_save(c, &written, &err) < 0)
		fuzz_fail("saving the cache failed", &err);
	if (!written)
		fuzz_fail("a cache with an entry more was not written", NULL);

	back = open_cache(alg, NULL, 0, &state);
	if (state != ESEAL_CACHE_LOADED)
		fuzz_fail("the cache written does not load", NULL);
	if (eseal_dcache_count(back) != want)
		fuzz_fail("the cache written has other entries", NULL);
	for (i = 0; i < n; i++) {
		struct eseal_digest got;
		size_t slot;

		if (same_id(&e[i].k, &extra))
			continue;
		if (!eseal_dcache_lookup(back, &e[i].k, &got, &slot) ||
		    memcmp(&got, &e[i].d, sizeof(got)))
			fuzz_fail("an entry changed in the round trip", NULL);
		eseal_dcache_keep(back, slot);
	}
	{
		struct eseal_digest got;
		size_t slot;

		if (!eseal_dcache_lookup(back, &extra, &got, &slot) ||
		    memcmp(&got, &d, sizeof(got)))
			fuzz_fail("the entry added was lost", NULL);
		eseal_dcache_keep(back, slot);
	}
	if (eseal_dcache_save(back, &written, &err) < 0)
		fuzz_fail("saving the cache read back failed", &err);
	if (written)
		fuzz_fail("an unchanged cache was written again", NULL);
	eseal_dcache_free(back);
	if (unlinkat(dir_fd, NAME, 0) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eseal_dcache *c;
	struct entry *e;
	uint8_t *bytes;
	uint32_t state;
	size_t len, n, found;
	int alg;

	if (size < 1)
		return 0;
	setup();
	alg = data[0] & 2 ? ESEAL_HASH_SHA512 : ESEAL_HASH_SHA256;
	len = size - 1;
	bytes = malloc(len ? len : 1);
	if (!bytes)
		abort();
	memcpy(bytes, data + 1, len);
	if (data[0] & 1) {
		c = open_cache(alg, NULL, 0, &state);	/* no file: empty */
		eseal_dcache_seal_buf(c, bytes, len);
		eseal_dcache_free(c);
	}

	c = open_cache(alg, bytes, len, &state);
	n = eseal_dcache_count(c);
	e = calloc(n + 1, sizeof(*e));
	if (!e)
		abort();
	found = find_all(c, alg, bytes, len, e);
	if (state != ESEAL_CACHE_LOADED) {
		if (n || found)
			fuzz_fail("a cache not loaded has entries", NULL);
	} else {
		if (found != n)
			fuzz_fail("an entry counted is found by no key", NULL);
		round_trip(c, alg, e, n);
	}
	eseal_dcache_free(c);
	free(e);
	free(bytes);
	return 0;
}
