// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * libFuzzer target: eseal_tree_from_image() on arbitrary bytes must fail
 * cleanly (an error with a message) or give a tree that can be dumped.
 */
#include <stdio.h>
#include <stdlib.h>

#include "erofs-seal.h"
#include "fuzz-print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *tree = NULL;

	if (eseal_tree_from_image(data, size, &tree, &err) < 0) {
		/* every failure must say why */
		if (!err.msg[0] || !err.code || tree)
			abort();
		return 0;
	}
	fuzz_print(tree);
	eseal_tree_free(tree);
	return 0;
}
