// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * libFuzzer target: the dump reader and the image writer.  Any input must
 * be refused with a message or give a tree; the writer must then write
 * it or refuse with a message, never crash; and what it writes must read
 * back into a tree that writes the very same bytes.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erofs-seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;

/* Write tree into memfd; its bytes (mmap'ed) in *img, or NULL. */
static int write_image(struct eseal_tree *tree, void **img, size_t *len)
{
	struct eseal_image_opts opts = { .min_version = 0, .max_version = 1 };
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

/*
 * Trees the image cannot hold exactly: composefs gives a device, fifo or
 * socket whose size does not fit 32 bits an extended inode, yet stores
 * size 0, so reading the image back gives a tree that writes a compact
 * inode.  For those, only the second round trip must be exact.
 */
static int lossy_fn(const struct eseal_entry *e, void *arg)
{
	uint32_t t = e->mode & S_IFMT;

	if (t != S_IFREG && t != S_IFDIR && t != S_IFLNK &&
	    e->size > UINT32_MAX)
		*(bool *)arg = true;
	return 0;
}

static void *round_trip(void *img, size_t len, size_t *len2)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *back = NULL;
	void *img2, *copy;

	if (eseal_tree_from_image(img, len, &back, &err) < 0) {
		fprintf(stderr, "reading our image back: %s\n", err.msg);
		abort();
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
	eseal_tree_free(back);
	return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *tree = NULL;
	void *img, *img2, *copy;
	size_t len, len2;
	bool lossy = false;
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
	if (eseal_tree_walk(tree, lossy_fn, &lossy, &err) < 0)
		abort();
	eseal_tree_free(tree);

	/* our own image must read back into a tree that writes it again */
	img2 = round_trip(copy, len, &len2);
	if (lossy) {
		free(copy);
		copy = img2;
		len = len2;
		img2 = round_trip(copy, len, &len2);
	}
	if (len2 != len || memcmp(img2, copy, len)) {
		fprintf(stderr, "image -> tree -> image differs\n");
		abort();
	}
	free(img2);
	free(copy);
	return 0;
}
