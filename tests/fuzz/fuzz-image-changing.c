// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * libFuzzer target: eseal_tree_from_image() on an image that changes while
 * it is read, as a file someone else writes to would.
 *
 * Built with ESEAL_FETCH_HOOK (Makefile): every read the reader makes of
 * image bytes (the img_*() fetchers of lib/image/erofs-read.h) calls
 * eseal_fetch_hook() right after it, and the hook changes the bytes just
 * read (each xor'ed with a non-zero value from a generator seeded by the
 * input, so that a crash reproduces).  A reader that reads each field
 * once never sees the change; one that checks a field and then reads it
 * again to use it gets another value than the one it checked, and
 * ASan/UBSan or the checks below catch what follows: an index out of
 * bounds, a name with '/' or "..", a payload that leaves the store.
 * Fields read again on purpose (shared xattrs, blocks several inodes
 * point at) just see an image that changed, which must be an error or a
 * valid tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erofs-read.h"
#include "fuzz-print.h"
#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *img;
static size_t img_len;
static uint64_t rng;

static uint8_t next_byte(void)
{
	/* xorshift64 */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)(rng >> 24);
}

void eseal_fetch_hook(const uint8_t *p, size_t len)
{
	size_t i;

	/* the reader checked the range before reading it */
	if (p < img || len > img_len || (size_t)(p - img) > img_len - len)
		abort();
	for (i = 0; i < len; i++)
		img[(p - img) + i] ^= next_byte() | 1;
}

/* Whatever the image did, the tree obeys the tree's rules. */
static int check_entry(const struct eseal_entry *e, void *arg)
{
	const char *p = e->path, *slash;
	uint32_t depth = 0;

	(void)arg;
	if (p[0] != '/')
		abort();
	if (p[1]) {
		for (p++;; p = slash + 1) {
			slash = strchrnul(p, '/');
			if (!eseal_name_valid(p, (size_t)(slash - p)))
				abort();
			depth++;
			if (!*slash)
				break;
		}
	}
	if (depth > ESEAL_TREE_DEPTH_MAX)
		abort();
	if (!eseal_mtime_nsec_valid(e->mtime_nsec) ||
	    !eseal_mode_type_valid(e->mode))
		abort();
	if (S_ISREG(e->mode) && e->payload && !e->hardlink_to &&
	    !eseal_payload_valid(e->payload, strlen(e->payload)))
		abort();
	if (S_ISLNK(e->mode) && !e->hardlink_to &&
	    (!e->payload || !e->payload[0]))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *tree = NULL;
	size_t i;

	img = malloc(size ? size : 1);
	if (!img)
		abort();
	memcpy(img, data, size);
	img_len = size;
	/* FNV-1a of the input: the same input changes the same way */
	rng = 0xcbf29ce484222325ull;
	for (i = 0; i < size; i++)
		rng = (rng ^ data[i]) * 0x100000001b3ull;
	rng |= 1;

	if (eseal_tree_from_image(img, size, &tree, &err) < 0) {
		if (!err.msg[0] || !err.code || tree)
			abort();
		free(img);
		return 0;
	}
	if (eseal_tree_walk(tree, check_entry, NULL, &err) < 0)
		abort();
	fuzz_print(tree);
	eseal_tree_free(tree);
	free(img);
	return 0;
}
