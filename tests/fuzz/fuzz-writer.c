// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * libFuzzer target: the dump reader and the image writer.  Any input must
 * be refused with a message or give a tree; the writer must then write
 * it or refuse with a message, never crash; and what it writes must read
 * back (never refused by our own reader) into a tree that writes the very
 * same bytes and whose dump is the one of the tree written, but for what
 * the image cannot hold (tests/unit/canon.h, docs/format.md).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erofs-seal.h"
#include "../unit/canon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;

/* Write tree into memfd; its bytes (mmap'ed) in *img, or NULL. */
static int write_image(struct eseal_tree *tree, void **img, size_t *len)
{
	struct eseal_image_opts opts = ESEAL_IMAGE_OPTS_INIT;
	struct eseal_error err = { 0 };
	off_t end;

	*img = NULL;
	if (ftruncate(memfd, 0) || lseek(memfd, 0, SEEK_SET))
		abort();
	if (eseal_image_write(tree, &opts, memfd, NULL, &err) < 0) {
		if (!err.msg[0] || !err.code)
			abort();
		return -1;
	}
	end = lseek(memfd, 0, SEEK_END);
	if (end <= 0 || end % 4096)
		abort();
	*len = end;
	*img = mmap(NULL, *len, PROT_READ, MAP_SHARED, memfd, 0);
	if (*img == MAP_FAILED)
		abort();
	return 0;
}

/* The dump of the tree read back from img must be want (canon.h). */
static void same_dump(struct eseal_tree *back, const void *img, size_t len,
		      const char *want, size_t want_len)
{
	size_t got_len;
	char *got = canon_dump(back, canon_image_version(img, len), &got_len);

	if (!got)
		abort();
	if (got_len != want_len || memcmp(got, want, got_len)) {
		fprintf(stderr, "the image reads back to another dump:\n"
				"--- written\n%.*s--- read back\n%.*s",
			(int)want_len, want, (int)got_len, got);
		abort();
	}
	free(got);
}

/*
 * Read img back (never refused), compare its dump with want (if any),
 * write it again: that image (malloc'ed) in the result, and in *next the
 * canonical dump of the tree read back.
 */
static void *round_trip(void *img, size_t len, size_t *len2,
			const char *want, size_t want_len, char **next,
			size_t *next_len)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *back = NULL, *again = NULL;
	void *img2, *copy;

	if (eseal_tree_from_image(img, len, &back, &err) < 0) {
		fprintf(stderr, "reading our image back: %s\n", err.msg);
		abort();
	}
	if (want) {
		if (eseal_tree_from_image(img, len, &again, &err) < 0)
			abort();
		same_dump(again, img, len, want, want_len);
		eseal_tree_free(again);
	}
	if (write_image(back, &img2, len2) < 0) {
		fprintf(stderr, "writing a tree read back failed\n");
		abort();
	}
	copy = malloc(*len2);
	if (!copy)
		abort();
	memcpy(copy, img2, *len2);
	munmap(img2, *len2);
	*next = canon_dump(back, canon_image_version(copy, *len2), next_len);
	if (!*next)
		abort();
	eseal_tree_free(back);
	return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *tree = NULL;
	void *img, *img2, *copy;
	size_t len, len2, want_len = 0, next_len;
	char *want = NULL, *next;
	bool lossy;
	FILE *f;

	if (memfd < 0) {
		memfd = memfd_create("fuzz-writer", 0);
		if (memfd < 0)
			abort();
	}
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	if (eseal_tree_from_dump(f, "fuzz", ESEAL_DUMP_LENIENT, &tree,
				 &err) < 0) {
		fclose(f);
		if (!err.msg[0] || !err.code || tree)
			abort();
		return 0;
	}
	fclose(f);
	if (write_image(tree, &img, &len) < 0) {
		eseal_tree_free(tree);
		return 0;
	}
	copy = malloc(len);
	if (!copy)
		abort();
	memcpy(copy, img, len);
	munmap(img, len);
	lossy = canon_lossy(tree);
	/* what the image should read back as (changes the tree) */
	if (!lossy) {
		want = canon_dump(tree, canon_image_version(copy, len),
				  &want_len);
		if (!want)
			abort();
	}
	eseal_tree_free(tree);

	/*
	 * Our own image must read back, to the dump of the tree written,
	 * into a tree that writes it again.  Trees the image cannot hold
	 * exactly: so must the image of the tree read back.
	 */
	img2 = round_trip(copy, len, &len2, want, want_len, &next, &next_len);
	free(want);
	if (lossy) {
		free(copy);
		copy = img2;
		len = len2;
		want = next;
		img2 = round_trip(copy, len, &len2, want, next_len, &next,
				  &next_len);
		free(want);
	}
	free(next);
	if (len2 != len || memcmp(img2, copy, len)) {
		fprintf(stderr, "image -> tree -> image differs\n");
		abort();
	}
	free(img2);
	free(copy);
	return 0;
}
