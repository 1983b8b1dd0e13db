// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Merkle tree files: their shape, building them (any thread count gives
 * the same tree, whose root gives the file's fs-verity digest, laid out
 * as a naive builder here lays it out), checking data against them (a
 * changed data block is -EBADMSG and only that block; a changed, missing
 * or foreign tree block is -EUCLEAN), a tiny cache, and tree files next
 * to objects in a store.  The integration tests compare the files with
 * `fsverity digest --out-merkle-tree`.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "test.h"
#include "store/merkle-file.h"

#define B ESEAL_VERITY_BLOCK

static uint8_t *random_data(size_t len, unsigned int seed)
{
	uint8_t *p = malloc(len ? len : 1);
	uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)(x >> 24);
	}
	return p;
}

static int memfd_with(const void *data, size_t len)
{
	int fd = memfd_create("test", MFD_CLOEXEC);

	if (fd >= 0 && len && write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

static void md(int alg, const void *p, size_t len, uint8_t *out)
{
	EVP_Digest(p, len, out, NULL,
		   alg == ESEAL_HASH_SHA512 ? EVP_sha512() : EVP_sha256(),
		   NULL);
}

/*
 * The tree the slow way: every level in memory, bottom up, then written
 * root level first.  Returns its size in *len (malloc'd bytes).
 */
static uint8_t *naive_tree(int alg, const uint8_t *data, size_t len,
			   size_t *out_len)
{
	size_t ds = eseal_hash_size(alg), n = DIV_ROUND_UP(len, B), i, nl = 0;
	uint8_t *levels[ESEAL_MERKLE_MAX_LEVELS], *cur, *out, blk[B];
	size_t counts[ESEAL_MERKLE_MAX_LEVELS], total = 0, pos = 0;

	/* hashes of the data blocks */
	cur = calloc(n, ds);
	for (i = 0; i < n; i++) {
		memset(blk, 0, B);
		memcpy(blk, data + i * B, MIN((size_t)B, len - i * B));
		md(alg, blk, B, cur + i * ds);
	}
	while (n > 1) {
		size_t nb = DIV_ROUND_UP(n * ds, B);
		uint8_t *lvl = calloc(nb, B), *next = calloc(nb, ds);

		memcpy(lvl, cur, n * ds);
		for (i = 0; i < nb; i++)
			md(alg, lvl + i * B, B, next + i * ds);
		levels[nl] = lvl;
		counts[nl++] = nb;
		total += nb * B;
		free(cur);
		cur = next;
		n = nb;
	}
	free(cur);
	out = malloc(total ? total : 1);
	for (i = nl; i-- > 0;) {
		memcpy(out + pos, levels[i], counts[i] * B);
		pos += counts[i] * B;
		free(levels[i]);
	}
	*out_len = total;
	return out;
}

static void test_geometry(void)
{
	struct eseal_merkle_geo g;

	CHECK(!eseal_merkle_geometry(ESEAL_HASH_SHA256, 4096, &g) &&
		      g.levels == 0 && g.tree_blocks == 0 && g.data_blocks == 1,
	      "one block: no tree");
	CHECK(!eseal_merkle_geometry(ESEAL_HASH_SHA256, 4097, &g) &&
		      g.levels == 1 && g.tree_blocks == 1 && g.start[0] == 0,
	      "two blocks: one tree block");
	CHECK(!eseal_merkle_geometry(ESEAL_HASH_SHA256, 128 * 4096, &g) &&
		      g.levels == 1 && g.count[0] == 1,
	      "128 blocks fill one sha256 tree block");
	CHECK(!eseal_merkle_geometry(ESEAL_HASH_SHA256, 128 * 4096 + 1, &g) &&
		      g.levels == 2 && g.count[0] == 2 && g.count[1] == 1 &&
		      g.start[1] == 0 && g.start[0] == 1 && g.tree_blocks == 3,
	      "129 blocks: two levels, the root level first");
	CHECK(!eseal_merkle_geometry(ESEAL_HASH_SHA512, 64 * 64 * 4096 + 1,
				     &g) &&
		      g.per_block == 64 && g.levels == 3 && g.count[0] == 65 &&
		      g.count[1] == 2 && g.count[2] == 1 && g.start[2] == 0 &&
		      g.start[1] == 1 && g.start[0] == 3,
	      "sha512: 64 hashes per block, three levels");
	CHECK(!eseal_merkle_geometry(ESEAL_HASH_SHA256, UINT64_MAX, &g) &&
		      g.levels == 8,
	      "2^64 bytes: 8 levels");
	CHECK(eseal_merkle_geometry(7, 4096, &g) == -EINVAL,
	      "an unknown hash is refused");
}

static bool same_fd_bytes(int fd, const uint8_t *want, size_t len)
{
	uint8_t *got = malloc(len + 1);
	bool same;

	same = pread(fd, got, len + 1, 0) == (ssize_t)len &&
	       !memcmp(got, want, len);
	free(got);
	return same;
}

/* A sink that puts the runs it gets back together */
struct collect {
	uint8_t *buf;
	size_t len;
	pthread_mutex_t lock;
	size_t bytes;		/* handed over in all */
	bool bad;		/* a run out of place */
};

static void collect_run(void *arg, uint64_t off, const uint8_t *data,
			size_t len)
{
	struct collect *c = arg;

	pthread_mutex_lock(&c->lock);
	if (off > c->len || len > c->len - off)
		c->bad = true;
	else
		memcpy(c->buf + off, data, len);
	c->bytes += len;
	pthread_mutex_unlock(&c->lock);
}

static void test_build(int alg, size_t len)
{
	uint8_t *data = random_data(len, (unsigned int)len), *naive;
	struct eseal_merkle_geo g;
	struct eseal_digest want, d1, d4;
	struct eseal_error err = { 0 };
	int fd = memfd_with(data, len), t1, t4, r1, r4;
	size_t nlen;
	char hex[2 * ESEAL_DIGEST_MAX + 1];

	eseal_fsverity_digest_buf(data, len, alg, &want);
	eseal_merkle_geometry(alg, len, &g);
	t1 = memfd_create("t1", MFD_CLOEXEC);
	t4 = memfd_create("t4", MFD_CLOEXEC);
	r1 = eseal_merkle_build(fd, "data", &g, t1, 1, NULL, &d1, &err);
	r4 = eseal_merkle_build(fd, "data", &g, t4, 4, NULL, &d4, &err);
	eseal_digest_hex(&d1, hex);
	CHECK(!r1 && !r4 && !memcmp(&d1, &want, sizeof(want)) &&
		      !memcmp(&d4, &want, sizeof(want)),
	      "%s, %zu bytes: built with 1 and 4 threads, the digest is the file's (%s) %s",
	      eseal_hash_name(alg), len, hex, err.msg);
	if (len > 2 * eseal_merkle_run(&g)) {
		struct collect c = { .buf = malloc(len), .len = len,
				   .lock = PTHREAD_MUTEX_INITIALIZER };
		const struct eseal_merkle_sink sink = { collect_run, &c };

		memset(c.buf, 0xAA, len);
		r1 = eseal_merkle_build(fd, "data", &g, t1, 3, &sink, &d1,
					&err);
		CHECK(!r1 && !memcmp(&d1, &want, sizeof(want)) &&
			      !memcmp(c.buf, data, len) && c.bytes == len &&
			      !c.bad,
		      "%s, %zu bytes: the sink gets every run once, as hashed",
		      eseal_hash_name(alg), len);
		free(c.buf);
	}
	naive = naive_tree(alg, data, len, &nlen);
	CHECK(nlen == eseal_merkle_tree_size(&g) &&
		      same_fd_bytes(t1, naive, nlen) &&
		      same_fd_bytes(t4, naive, nlen),
	      "%s, %zu bytes: the tree (%zu bytes) is laid out root level first",
	      eseal_hash_name(alg), len, nlen);
	free(naive);
	close(t1);
	close(t4);
	close(fd);
	free(data);
}

static void test_wrong_size(void)
{
	uint8_t *data = random_data(3 * B, 3);
	struct eseal_merkle_geo g;
	struct eseal_digest d;
	struct eseal_error err = { 0 };
	int fd = memfd_with(data, 3 * B), t = memfd_create("t", MFD_CLOEXEC);

	eseal_merkle_geometry(ESEAL_HASH_SHA256, 3 * B + 1, &g);
	CHECK(eseal_merkle_build(fd, "obj", &g, t, 1, NULL, &d, &err) == -EBADMSG &&
		      strstr(err.msg, "obj: 12288 bytes, the image says 12289"),
	      "a shorter file is refused: %s", err.msg);
	eseal_merkle_geometry(ESEAL_HASH_SHA256, 3 * B - 1, &g);
	CHECK(eseal_merkle_build(fd, "obj", &g, t, 1, NULL, &d, &err) == -EBADMSG &&
		      strstr(err.msg, "more than"),
	      "a longer file is refused: %s", err.msg);
	eseal_merkle_geometry(ESEAL_HASH_SHA256, 100, &g);
	CHECK(eseal_merkle_build(fd, "obj", &g, t, 1, NULL, &d, &err) == -EBADMSG,
	      "a longer one-block file is refused: %s", err.msg);
	close(t);
	close(fd);
	free(data);
}

struct fixture {
	uint8_t *data;		/* padded to whole blocks */
	size_t len;
	struct eseal_merkle_file f;
	struct eseal_merkle_cache *c;
	struct eseal_fsverity_ctx *h;
};

static void fixture_init(struct fixture *x, int alg, size_t len,
			 size_t cache_bytes)
{
	struct eseal_error err = { 0 };
	int fd;
	uint8_t *r = random_data(len, 77);

	x->len = len;
	/* whole blocks, zero-padded, as the server reads them */
	x->data = calloc(DIV_ROUND_UP(len, B) + 1, B);
	memcpy(x->data, r, len);
	free(r);
	fd = memfd_with(x->data, len);
	eseal_merkle_geometry(alg, len, &x->f.geo);
	x->f.tree_fd = memfd_create("tree", MFD_CLOEXEC);
	eseal_merkle_build(fd, "data", &x->f.geo, x->f.tree_fd, 2, NULL,
			   &x->f.digest, &err);
	close(fd);
	x->c = eseal_merkle_cache_new(cache_bytes);
	x->f.id = eseal_merkle_cache_new_id(x->c);
	x->h = eseal_fsverity_new(alg);
}

static void fixture_fini(struct fixture *x)
{
	close(x->f.tree_fd);
	eseal_merkle_cache_free(x->c);
	eseal_fsverity_free(x->h);
	free(x->data);
}

/* Verify every block in runs of 'run' blocks; the number that fail */
static unsigned int verify_all(struct fixture *x, size_t run, uint64_t *bad,
			       int *first_err)
{
	uint64_t n = x->f.geo.data_blocks, b, k;
	struct eseal_error err = { 0 };
	unsigned int fails = 0;
	int r;

	*first_err = 0;
	for (b = 0; b < n; b += run) {
		k = MIN((uint64_t)run, n - b);
		r = eseal_merkle_verify(x->c, &x->f, x->h, b, x->data + b * B,
					(size_t)k, bad, &err);
		if (r) {
			fails++;
			if (!*first_err)
				*first_err = r;
		}
	}
	return fails;
}

static void test_verify(void)
{
	struct eseal_error err = { 0 };
	struct fixture x;
	uint64_t bad = 0, hits, misses;
	size_t blocks;
	uint8_t byte;
	int e, r;

	/* 300 blocks and a bit: two levels, three level-0 blocks */
	fixture_init(&x, ESEAL_HASH_SHA256, 300 * B + 123, 64 << 10);
	CHECK(verify_all(&x, 1, &bad, &e) == 0 && verify_all(&x, 7, &bad, &e) == 0 &&
		      verify_all(&x, 256, &bad, &e) == 0,
	      "every block verifies, one by one and in runs");
	eseal_merkle_cache_stats(x.c, &hits, &misses, &blocks);
	CHECK(blocks == 4 && hits > misses,
	      "the cache holds the 4 tree blocks (%zu), hits %llu, misses %llu",
	      blocks, (unsigned long long)hits, (unsigned long long)misses);

	x.data[130 * B + 5] ^= 1;
	r = eseal_merkle_verify(x.c, &x.f, x.h, 128, x.data + 128 * B, 10, &bad,
				&err);
	CHECK(r == -EBADMSG && bad == 130 &&
		      strstr(err.msg, "data block 130 (bytes 532480-536575)"),
	      "a changed data block: -EBADMSG naming it: %s", err.msg);
	CHECK(verify_all(&x, 1, &bad, &e) == 1 && e == -EBADMSG,
	      "only that block fails");
	x.data[130 * B + 5] ^= 1;
	/* the zero padding of the last block is part of its hash */
	x.data[300 * B + 200] = 1;
	CHECK(eseal_merkle_verify(x.c, &x.f, x.h, 300, x.data + 300 * B, 1,
				  &bad, &err) == -EBADMSG && bad == 300,
	      "bytes after the end in the last block fail it");
	x.data[300 * B + 200] = 0;

	/* a changed level-0 tree block, seen by a fresh cache */
	eseal_merkle_cache_free(x.c);
	x.c = eseal_merkle_cache_new(0);
	pread(x.f.tree_fd, &byte, 1, 2 * B + 40);
	byte ^= 0x80;
	pwrite(x.f.tree_fd, &byte, 1, 2 * B + 40);
	CHECK(verify_all(&x, 1, &bad, &e) == 128 && e == -EUCLEAN,
	      "a changed tree block fails the 128 blocks it covers with -EUCLEAN");
	r = eseal_merkle_verify(x.c, &x.f, x.h, 129, x.data + 129 * B, 1, &bad,
				&err);
	CHECK(r == -EUCLEAN && bad == 129 &&
		      strstr(err.msg, "does not match its parent"),
	      "... saying so: %s", err.msg);
	byte ^= 0x80;
	pwrite(x.f.tree_fd, &byte, 1, 2 * B + 40);
	CHECK(verify_all(&x, 3, &bad, &e) == 0,
	      "restored, everything verifies again");

	/* the root block, with a cache that forgot it */
	eseal_merkle_cache_free(x.c);
	x.c = eseal_merkle_cache_new(0);
	pread(x.f.tree_fd, &byte, 1, 7);
	byte ^= 1;
	pwrite(x.f.tree_fd, &byte, 1, 7);
	r = eseal_merkle_check_root(x.c, &x.f, x.h, &err);
	CHECK(r == -EUCLEAN && strstr(err.msg, "root does not give the digest"),
	      "a changed root block: %s", err.msg);
	CHECK(verify_all(&x, 1, &bad, &e) == 301 && e == -EUCLEAN,
	      "... and no block verifies");
	byte ^= 1;
	pwrite(x.f.tree_fd, &byte, 1, 7);

	/* a truncated tree */
	eseal_merkle_cache_free(x.c);
	x.c = eseal_merkle_cache_new(0);
	ftruncate(x.f.tree_fd, 3 * B);
	r = eseal_merkle_verify(x.c, &x.f, x.h, 299, x.data + 299 * B, 1, &bad,
				&err);
	CHECK(r == -EUCLEAN && strstr(err.msg, "truncated"),
	      "a truncated tree: %s", err.msg);
	CHECK(verify_all(&x, 1, &bad, &e) == 45,
	      "... fails the blocks of its missing part only");

	/* a tree for other data: its root gives another digest */
	x.f.digest.bytes[0] ^= 1;
	eseal_merkle_cache_free(x.c);
	x.c = eseal_merkle_cache_new(0);
	CHECK(eseal_merkle_check_root(x.c, &x.f, x.h, &err) == -EUCLEAN,
	      "a tree whose root gives another digest is refused");
	fixture_fini(&x);
}

static void test_single_block(void)
{
	struct eseal_error err = { 0 };
	struct fixture x;
	uint64_t bad;

	fixture_init(&x, ESEAL_HASH_SHA256, 1000, 0);
	CHECK(x.f.geo.levels == 0 &&
		      !eseal_merkle_verify(x.c, &x.f, x.h, 0, x.data, 1, &bad,
					   &err) &&
		      !eseal_merkle_check_root(x.c, &x.f, x.h, &err),
	      "a one-block file verifies without a tree");
	x.data[999] ^= 1;
	CHECK(eseal_merkle_verify(x.c, &x.f, x.h, 0, x.data, 1, &bad, &err) ==
			      -EBADMSG &&
		      bad == 0,
	      "... and a change in it is -EBADMSG");
	CHECK(eseal_merkle_verify(x.c, &x.f, x.h, 1, x.data, 1, &bad, &err) ==
		      -EINVAL,
	      "a block past the end is refused");
	fixture_fini(&x);
}

/* Three levels of sha512 through a cache of 16 blocks, in any order */
static void test_small_cache(void)
{
	struct fixture x;
	struct eseal_error err = { 0 };
	uint64_t bad, hits, misses, b, n;
	size_t blocks;
	unsigned int fails = 0, i;
	int e;

	fixture_init(&x, ESEAL_HASH_SHA512, 64 * 64 * B + 5 * B, 0);
	n = x.f.geo.data_blocks;
	CHECK(x.f.geo.levels == 3 && verify_all(&x, 1000, &bad, &e) == 0,
	      "sha512, three levels: everything verifies");
	for (i = 0; i < 3000; i++) {
		b = (i * 2654435761u) % n;
		fails += !!eseal_merkle_verify(x.c, &x.f, x.h, b,
					       x.data + b * B, 1, &bad, &err);
	}
	eseal_merkle_cache_stats(x.c, &hits, &misses, &blocks);
	CHECK(fails == 0 && blocks == 16 && misses > 16,
	      "3000 scattered blocks verify through 16 cached tree blocks (%llu misses)",
	      (unsigned long long)misses);
	fixture_fini(&x);
}

/* Entries of dir (below dfd) but . and .. */
static int count_entries(int dfd, const char *dir)
{
	DIR *d = fdopendir(openat(dfd, dir, O_RDONLY | O_DIRECTORY));
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void test_files(void)
{
	char dir[] = "/tmp/test-merkle.XXXXXX", path[256];
	uint8_t *data = random_data(20000, 5);
	struct eseal_merkle_geo g;
	struct eseal_digest want, other;
	struct eseal_error err = { 0 };
	struct stat st;
	bool published;
	int dfd, ofd, fd;

	if (!mkdtemp(dir)) {
		test_skip("no temporary directory");
		free(data);
		return;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	mkdirat(dfd, "ab", 0755);
	ofd = openat(dfd, "ab/cdef", O_RDWR | O_CREAT, 0644);
	write(ofd, data, 20000);
	eseal_fsverity_digest_buf(data, 20000, ESEAL_HASH_SHA256, &want);
	eseal_merkle_geometry(ESEAL_HASH_SHA256, 20000, &g);

	CHECK(eseal_merkle_open(dfd, "ab/cdef", &g, &err) == -ENOENT,
	      "no tree yet");
	other = want;
	other.bytes[3] ^= 1;
	fd = eseal_merkle_make(dfd, dir, "ab/cdef", ofd, &g, &other, 0,
			       NULL, &published, &err);
	CHECK(fd == -EBADMSG && strstr(err.msg, "does not match") &&
		      fstatat(dfd, "ab/cdef.merkle", &st, 0) < 0,
	      "an object that does not match: nothing published: %s", err.msg);
	fd = eseal_merkle_make(dfd, dir, "ab/cdef", ofd, &g, &want, 0,
			       NULL, &published, &err);
	CHECK(fd >= 0 && published &&
		      fstatat(dfd, "ab/cdef.merkle", &st, 0) == 0 &&
		      st.st_size == B,
	      "made and published next to the object");
	close(fd);
	fd = eseal_merkle_open(dfd, "ab/cdef", &g, &err);
	CHECK(fd >= 0, "opened");
	close(fd);
	/* a bad tree there is replaced */
	truncate(strcat(strcpy(path, dir), "/ab/cdef.merkle"), 10);
	CHECK(eseal_merkle_open(dfd, "ab/cdef", &g, &err) == -EBADMSG &&
		      strstr(err.msg, "10 bytes"),
	      "a tree of the wrong size is refused: %s", err.msg);
	fd = eseal_merkle_make(dfd, dir, "ab/cdef", ofd, &g, &want, 0,
			       NULL, &published, &err);
	CHECK(fd >= 0 && published && stat(path, &st) == 0 &&
		      st.st_size == B,
	      "and made again in its place");
	close(fd);
	CHECK(count_entries(dfd, "ab") == 2,
	      "... leaving no temporary file beside it");
	unlink(path);
	CHECK(symlink("/etc/passwd", path) == 0 &&
		      eseal_merkle_open(dfd, "ab/cdef", &g, &err) == -EBADMSG,
	      "a symlink is not followed: %s", err.msg);
	unlink(path);
	close(ofd);
	unlinkat(dfd, "ab/cdef", 0);
	unlinkat(dfd, "ab", AT_REMOVEDIR);
	close(dfd);
	rmdir(dir);
	free(data);
}

int main(void)
{
	static const size_t sizes[] = { 1, 4095, 4096, 4097, 3 * B + 7,
					128 * B, 128 * B + 1, 600000,
					5 << 20 };
	size_t i;

	test_geometry();
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		test_build(ESEAL_HASH_SHA256, sizes[i]);
	test_build(ESEAL_HASH_SHA512, 600000);
	test_build(ESEAL_HASH_SHA512, 64 * 64 * B + 1);
	test_wrong_size();
	test_verify();
	test_single_block();
	test_small_cache();
	test_files();
	return test_done();
}
