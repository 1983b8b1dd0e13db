// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * fs-verity digests: known answers from fsverity-utils, a naive whole-tree
 * implementation as a second opinion, streaming in odd chunk sizes, and the
 * textual forms.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fsverity.h"
#include "internal.h"
#include "test.h"

static void hex_of(const struct eseal_digest *d, char *buf)
{
	eseal_digest_hex(d, buf);
}

/* Known answers from "fsverity digest" (fsverity-utils 1.5) */
static void test_known(void)
{
	static const struct {
		const char *data;
		int alg;
		const char *hex;
	} kat[] = {
		{ "hello world\n", ESEAL_HASH_SHA256,
		  "37061ef2ac4c21bec68489b56138c5780306a4ad7fe6676236ecdf2c9027cd92" },
		{ "foo bar baz\n", ESEAL_HASH_SHA256,
		  "91e7d88cb7bc9cf6d8db3b0ecf89af4abf204bef5b3ade5113d5b62ef374e70b" },
		{ "hello world\n", ESEAL_HASH_SHA512,
		  "4098b052d2427dc9029c85062215dd6e6c41667bfae09f5ce90a49f7e01fca29"
		  "5c89b16a4d2703ac5b0593f476ca174675ee51829c2f1fd07c4133a87041c1d7" },
	};
	char hex[2 * ESEAL_DIGEST_MAX + 1];
	struct eseal_digest d;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kat); i++) {
		int r = eseal_fsverity_digest_buf(kat[i].data,
						  strlen(kat[i].data),
						  kat[i].alg, &d);

		hex_of(&d, hex);
		CHECK(r == 0 && !strcmp(hex, kat[i].hex) &&
			      d.alg == kat[i].alg &&
			      d.size == eseal_hash_size(kat[i].alg),
		      "known answer %zu (%s): %s", i,
		      eseal_hash_name(kat[i].alg), hex);
	}
}

/*
 * Naive reference: build every level of the tree in memory, then hash the
 * descriptor built field by field.
 */
static void md_hash(int alg, const void *p, size_t n, uint8_t *out)
{
	EVP_Digest(p, n, out, NULL,
		   alg == ESEAL_HASH_SHA256 ? EVP_sha256() : EVP_sha512(),
		   NULL);
}

static void naive_digest(const uint8_t *data, size_t len, int alg,
			 uint8_t *out)
{
	size_t ds = eseal_hash_size(alg), bs = 4096;
	uint8_t root[64] = { 0 }, desc[256] = { 0 };
	uint8_t *cur = NULL, *next;
	size_t cur_len = len, i;
	const uint8_t *src = data;

	while (cur_len > 0) {
		size_t nblocks = (cur_len + bs - 1) / bs;
		size_t next_len = nblocks * ds;

		next = calloc(1, next_len + bs);
		for (i = 0; i < nblocks; i++) {
			uint8_t blk[4096] = { 0 };
			size_t n = cur_len - i * bs < bs ? cur_len - i * bs : bs;

			memcpy(blk, src + i * bs, n);
			md_hash(alg, blk, bs, next + i * ds);
		}
		free(cur);
		cur = next;
		src = cur;
		if (nblocks == 1) {
			memcpy(root, cur, ds);
			break;
		}
		cur_len = next_len;
	}
	free(cur);
	desc[0] = 1;
	desc[1] = (uint8_t)alg;
	desc[2] = 12;
	for (i = 0; i < 8; i++)
		desc[8 + i] = (uint8_t)((uint64_t)len >> (8 * i));
	memcpy(desc + 16, root, 64);
	md_hash(alg, desc, sizeof(desc), out);
}

static void test_against_naive(void)
{
	static const size_t sizes[] = {
		0, 1, 4095, 4096, 4097, 8192, 12345, 128 * 4096,
		128 * 4096 + 1, 129 * 4096, 64 * 4096, 64 * 4096 + 1,
		1024 * 1024 + 1, 3 * 1024 * 1024 + 77,
	};
	static const size_t chunks[] = { 1, 7, 4096, 4097, 65536, 0 };
	size_t maxlen = 3 * 1024 * 1024 + 77, i, j;
	uint8_t *data = malloc(maxlen);
	struct eseal_fsverity_ctx *c[2];
	int a;

	srand(42);
	for (i = 0; i < maxlen; i++)
		data[i] = (uint8_t)rand();
	c[0] = eseal_fsverity_new(ESEAL_HASH_SHA256);
	c[1] = eseal_fsverity_new(ESEAL_HASH_SHA512);
	CHECK(c[0] && c[1], "contexts created");
	CHECK(eseal_fsverity_new(0) == NULL && eseal_fsverity_new(3) == NULL,
	      "unknown algorithms rejected");
	for (a = 0; a < 2; a++) {
		int alg = a ? ESEAL_HASH_SHA512 : ESEAL_HASH_SHA256;
		size_t ds = eseal_hash_size(alg);

		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			uint8_t want[64];
			int all_ok = 1;

			naive_digest(data, sizes[i], alg, want);
			for (j = 0; j < ARRAY_SIZE(chunks); j++) {
				struct eseal_digest d;
				size_t off = 0, step = chunks[j];
				int r = 0;

				/* step 0: varying steps */
				while (off < sizes[i] && !r) {
					size_t n = step ? step : 1 + (off * 31) % 9000;

					n = MIN(n, sizes[i] - off);
					r = eseal_fsverity_update(c[a], data + off, n);
					off += n;
				}
				if (!r)
					r = eseal_fsverity_final(c[a], &d);
				if (r || memcmp(d.bytes, want, ds) || d.size != ds)
					all_ok = 0;
			}
			CHECK(all_ok, "%s size %zu: streaming in chunks == naive tree",
			      eseal_hash_name(alg), sizes[i]);
		}
	}
	eseal_fsverity_free(c[0]);
	eseal_fsverity_free(c[1]);
	free(data);
}

static void test_fd(void)
{
	char path[] = "/tmp/eseal-test-fsverity.XXXXXX";
	struct eseal_error err = { 0 };
	struct eseal_digest d1, d2;
	size_t len = 300000, i;
	uint8_t *data = malloc(len);
	int fd = mkstemp(path);
	int r;

	CHECK(fd >= 0, "temp file");
	unlink(path);
	for (i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 12));
	CHECK(write(fd, data, len) == (ssize_t)len, "write data");
	/* the file position must not matter */
	r = eseal_fsverity_digest_fd(fd, "tmp", ESEAL_HASH_SHA256, &d1, &err);
	CHECK(r == 0, "digest_fd: %s", err.msg);
	eseal_fsverity_digest_buf(data, len, ESEAL_HASH_SHA256, &d2);
	CHECK(!memcmp(&d1, &d2, sizeof(d1)), "digest_fd == digest_buf");
	r = eseal_fsverity_digest_fd(fd, "tmp", 9, &d1, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "tmp"),
	      "bad algorithm: error names the file: %s", err.msg);
	close(fd);

	fd = open("/", O_RDONLY | O_DIRECTORY);
	r = eseal_fsverity_digest_fd(fd, "/the/dir", ESEAL_HASH_SHA256, &d1,
				     &err);
	CHECK(r == -EISDIR && strstr(err.msg, "/the/dir"),
	      "reading a directory fails naming it: %s", err.msg);
	close(fd);
	free(data);
}

static void test_text(void)
{
	struct eseal_error err = { 0 };
	struct eseal_digest d, d2;
	char hex[2 * ESEAL_DIGEST_MAX + 1], s[200];

	CHECK(eseal_hash_from_name("sha256") == ESEAL_HASH_SHA256 &&
		      eseal_hash_from_name("sha512") == ESEAL_HASH_SHA512 &&
		      eseal_hash_from_name("md5") < 0 &&
		      eseal_hash_from_name("SHA256") < 0 &&
		      eseal_hash_from_name(NULL) < 0,
	      "hash names parse");
	CHECK(!strcmp(eseal_hash_name(ESEAL_HASH_SHA256), "sha256") &&
		      !strcmp(eseal_hash_name(ESEAL_HASH_SHA512), "sha512") &&
		      eseal_hash_name(0) == NULL,
	      "hash ids name");

	eseal_fsverity_digest_buf("x", 1, ESEAL_HASH_SHA512, &d);
	eseal_digest_hex(&d, hex);
	CHECK(strlen(hex) == 128, "sha512 hex has 128 digits");
	snprintf(s, sizeof(s), "sha512:%s", hex);
	CHECK(eseal_digest_parse(s, &d2, &err) == 0 &&
		      !memcmp(&d, &d2, sizeof(d)),
	      "parse(hex(d)) == d");
	CHECK(eseal_digest_parse("sha256:37061EF2AC4C21BEC68489B56138C5780306A4AD7FE6676236ECDF2C9027CD92",
				 &d2, &err) == 0 &&
		      d2.alg == ESEAL_HASH_SHA256 && d2.bytes[0] == 0x37 &&
		      d2.bytes[31] == 0x92,
	      "upper-case hex accepted");
	CHECK(eseal_digest_parse("sha256:abcd", &d2, &err) == -EINVAL &&
		      strstr(err.msg, "64 hex digits"),
	      "short digest rejected: %s", err.msg);
	CHECK(eseal_digest_parse("md5:abcd", &d2, &err) == -EINVAL &&
		      strstr(err.msg, "md5"),
	      "unknown algorithm rejected: %s", err.msg);
	CHECK(eseal_digest_parse("37061ef2", &d2, &err) == -EINVAL,
	      "missing algorithm rejected: %s", err.msg);
	CHECK(eseal_digest_parse("sha256:g7061ef2ac4c21bec68489b56138c5780306a4ad7fe6676236ecdf2c9027cd92",
				 &d2, &err) == -EINVAL,
	      "bad hex digit rejected: %s", err.msg);
}

int main(void)
{
	test_known();
	test_against_naive();
	test_fd();
	test_text();
	return test_done();
}
