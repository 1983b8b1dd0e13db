/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Merkle tree files (verity/merkle.h) kept next to the objects of a store,
 * opened and published without following anything below the store
 * (lib/store/merkle-file.c).
 */
#ifndef ESEAL_MERKLE_FILE_H
#define ESEAL_MERKLE_FILE_H

#include "verity/merkle.h"

/* A tree file is named "<object>" ESEAL_STORE_TREE_SUFFIX, next to it */

/*
 * Open the tree of the object at 'object' (a path below dir_fd, the
 * object store) read-only, without following symlinks; -ENOENT when
 * there is none, -EBADMSG when it is not a regular file of g's tree size.
 */
int eseal_merkle_open(int dir_fd, const char *object,
		      const struct eseal_merkle_geo *g, struct eseal_error *err);

/*
 * Build the tree of the object open at obj_fd and check that it hashes to
 * 'want' (-EBADMSG, "object <store_name>/<object>: does not match ...",
 * when it does not).  The tree is
 * published next to the object when the store takes it (an unnamed file
 * linked under its name once complete, replacing a bad one), else kept
 * in an unnamed file in memory.  Returns an fd of the tree; *published
 * says which.  g must have at least one level.  sink: as for
 * eseal_merkle_build() (the bytes are checked when this returns an fd).
 */
int eseal_merkle_make(int dir_fd, const char *store_name, const char *object,
		      int obj_fd, const struct eseal_merkle_geo *g,
		      const struct eseal_digest *want, unsigned int threads,
		      const struct eseal_merkle_sink *sink, bool *published,
		      struct eseal_error *err);

#endif /* ESEAL_MERKLE_FILE_H */
