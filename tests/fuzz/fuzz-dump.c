// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * libFuzzer target: the dump parser, strict and lenient, on arbitrary
 * text must fail cleanly (an error with a message) or give a tree for
 * which the round trips hold that composefs promises:
 *
 *   tree -> image -> tree (image reader) -> image: identical bytes
 *   tree -> dump -> tree (parser) -> image: identical bytes
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "erofs-seal.h"
#include "fuzz-print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct blob {
	uint8_t *buf;
	size_t len;
};

/* The image of tree, or buf NULL when the writer refuses the tree. */
static struct blob write_image(struct eseal_tree *tree)
{
	struct eseal_error err = { 0 };
	struct blob b = { NULL, 0 };
	int fd = memfd_create("fuzz-image", MFD_CLOEXEC);
	off_t len;

	if (fd < 0)
		abort();
	if (eseal_image_write(tree, NULL, fd, NULL, &err) < 0) {
		if (!err.msg[0])
			fuzz_fail("writer error without a message", &err);
		close(fd);
		return b;
	}
	len = lseek(fd, 0, SEEK_END);
	b.buf = malloc(len ? len : 1);
	if (!b.buf || pread(fd, b.buf, len, 0) != len)
		abort();
	b.len = len;
	close(fd);
	return b;
}

static bool same(const struct blob *a, const struct blob *b)
{
	return a->buf && b->buf && a->len == b->len &&
	       !memcmp(a->buf, b->buf, a->len);
}

static void round_trips(struct eseal_tree *tree, unsigned int mode)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *back = NULL, *again = NULL;
	struct blob img, img2, img3;
	char *dump = NULL;
	size_t dump_len = 0;
	FILE *f;

	img = write_image(tree);
	if (!img.buf)
		return;
	/* what we write, we must be able to read, and write again */
	if (eseal_tree_from_image(img.buf, img.len, &back, &err) < 0)
		fuzz_fail("our own image does not load", &err);
	img2 = write_image(back);
	if (!same(&img, &img2))
		fuzz_fail("image -> tree -> image differs", NULL);

	f = open_memstream(&dump, &dump_len);
	if (!f || eseal_dump_write(back, f, &err) < 0)
		fuzz_fail("dumping the tree of our image", &err);
	fclose(f);
	f = fmemopen(dump, dump_len ? dump_len : 1, "r");
	if (!f)
		abort();
	if (eseal_tree_from_dump(f, "redump", mode, &again, &err) < 0)
		fuzz_fail("the dump of our image does not parse", &err);
	fclose(f);
	img3 = write_image(again);
	if (!same(&img, &img3))
		fuzz_fail("image -> dump -> image differs", NULL);

	eseal_tree_free(back);
	eseal_tree_free(again);
	free(dump);
	free(img.buf);
	free(img2.buf);
	free(img3.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int modes[] = { 0, ESEAL_DUMP_LENIENT };
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct eseal_error err = { 0 };
		struct eseal_tree *tree = NULL;
		FILE *f;

		f = fmemopen(size ? (void *)data : (void *)"", size ? size : 1,
			     "r");
		if (!f)
			abort();
		if (!size)
			fgetc(f);	/* an empty stream */
		if (eseal_tree_from_dump(f, "fuzz", modes[i], &tree, &err) < 0) {
			fclose(f);
			if (!err.msg[0] || tree)
				fuzz_fail("parser error without a message", &err);
			continue;
		}
		fclose(f);
		/* digest only: no output */
		if (eseal_image_write(tree, NULL, -1, NULL, &err) < 0 &&
		    !err.msg[0])
			fuzz_fail("writer error without a message", &err);
		round_trips(tree, modes[i]);
		fuzz_print(tree);
		eseal_tree_free(tree);
	}
	return 0;
}
