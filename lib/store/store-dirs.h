/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The object store's directories (lib/store/store-dirs.c), for objstore.c:
 * fan-out directories "xx" opened once below the store's fd without
 * following a symlink, lookups, a listing of the objects, and the store's
 * directory for what is not an object.
 */
#ifndef ESEAL_STORE_DIRS_H
#define ESEAL_STORE_DIRS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

#include "internal.h"

struct fan_index;

struct eseal_store_dirs {
	int fd;				/* the store (not owned) */
	const char *dir;		/* its name, for messages (not owned) */
	atomic_int fanout[256];		/* "xx" opened (O_NOFOLLOW, checked),
					   fd + 1; 0: not yet */
	struct fan_index *index;	/* what eseal_store_dirs_index() saw,
					   read-only after; NULL: none */
};

void eseal_store_dirs_init(struct eseal_store_dirs *st, int fd,
			   const char *dir);
/* Close the fan-out directories, free the listing */
void eseal_store_dirs_fini(struct eseal_store_dirs *st);

/*
 * The fan-out directory of an object path ("xx/..."), opened once and
 * kept: an fd (not to be closed), or -ENOENT (no message) when it is
 * missing and create is not set.  Thread-safe.
 */
int eseal_store_fanout(struct eseal_store_dirs *st, const char *path,
		       bool create, struct eseal_error *err);
/* eseal_objstore_has_path(), eseal_objstore_index() */
int eseal_store_dirs_has(struct eseal_store_dirs *st, const char *path,
			 struct eseal_error *err);
int eseal_store_dirs_index(struct eseal_store_dirs *st, const bool *skip,
			   struct eseal_error *err);

#endif /* ESEAL_STORE_DIRS_H */
