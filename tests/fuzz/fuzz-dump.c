// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * libFuzzer target: the dump parser, strict and lenient, on arbitrary
 * text must fail cleanly (an error with a message) or give a tree that the
 * image writer and the dump writer both handle; a tree written as an image
 * must load back with the image reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "erofs-seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void image_round_trip(struct eseal_tree *tree)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *back = NULL;
	int fd = memfd_create("fuzz-image", MFD_CLOEXEC);
	off_t len;
	void *map;

	if (fd < 0)
		abort();
	if (eseal_image_write(tree, NULL, fd, NULL, &err) < 0) {
		if (!err.msg[0])
			abort();
		close(fd);
		return;
	}
	len = lseek(fd, 0, SEEK_END);
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		abort();
	/* what we write, we must be able to read */
	if (eseal_tree_from_image(map, len, &back, &err) < 0) {
		fprintf(stderr, "our own image does not load: %s\n", err.msg);
		abort();
	}
	eseal_tree_free(back);
	munmap(map, len);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int modes[] = { 0, ESEAL_DUMP_LENIENT };
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct eseal_error err = { 0 };
		struct eseal_tree *tree = NULL;
		FILE *f, *null;

		f = fmemopen(size ? (void *)data : (void *)"", size ? size : 1, "r");
		if (!f)
			abort();
		if (!size)
			fgetc(f);	/* an empty stream */
		if (eseal_tree_from_dump(f, "fuzz", modes[i], &tree, &err) < 0) {
			fclose(f);
			if (!err.msg[0] || tree)
				abort();
			continue;
		}
		fclose(f);
		/* digest only: no output */
		if (eseal_image_write(tree, NULL, -1, NULL, &err) < 0 &&
		    !err.msg[0])
			abort();
		image_round_trip(tree);
		null = fopen("/dev/null", "w");
		if (!null)
			abort();
		if (eseal_dump_write(tree, null, &err) < 0 && !err.msg[0])
			abort();
		fclose(null);
		eseal_tree_free(tree);
	}
	return 0;
}
