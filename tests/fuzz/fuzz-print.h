/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * For the fuzz targets: a tree must print, as a dump and as a listing,
 * or fail with a message; the output goes to /dev/null.  A round trip
 * that breaks aborts with a line run-fuzzer looks for.
 */
#ifndef ESEAL_FUZZ_PRINT_H
#define ESEAL_FUZZ_PRINT_H

#include <stdio.h>
#include <stdlib.h>

#include "erofs-seal.h"

static inline void fuzz_print(struct eseal_tree *tree)
{
	struct eseal_error err = { 0 };
	FILE *null = fopen("/dev/null", "w");

	if (!null)
		abort();
	if (eseal_dump_write(tree, null, &err) < 0 && !err.msg[0])
		abort();
	if (eseal_list_write(tree, null, &err) < 0 && !err.msg[0])
		abort();
	fclose(null);
}

static inline void __attribute__((noreturn))
fuzz_fail(const char *what, const struct eseal_error *err)
{
	fprintf(stderr, "round trip broken: %s: %s\n", what,
		err ? err->msg : "");
	abort();
}

#endif /* ESEAL_FUZZ_PRINT_H */
