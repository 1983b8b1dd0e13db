/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The objects images need (store-roots.c): what gc keeps and stats counts.
 * The objects an image needs are its regular files' payloads that name an
 * object ("xx/<hex>"); a payload that names anything else is no object of
 * a store, and nothing gc would remove.
 */
#ifndef ESEAL_STORE_ROOTS_H
#define ESEAL_STORE_ROOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "digest-set.h"

/* Largest image read (into memory, never mapped), as `info` reads them */
#define STORE_IMAGE_MAX ((size_t)1 << 30)

struct root_image {
	uint32_t no;			/* this image's number, from 1 */
	uint64_t files, file_bytes;	/* regular files (hardlinks once) */
	uint64_t inline_files;
	uint64_t objects, object_bytes;	/* distinct objects it needs */
	struct eseal_digest *digests;	/* those objects, when keep_list */
	bool keep_list;
};

/*
 * Add the objects the image at path needs to set: each entry's users is
 * counted once per image (and last_user set to img->no), size set.  With
 * must, a file that is not an EROFS image is an error; without, it is
 * skipped (returns 0; 1 when it was read).  Returns -errno with a message
 * naming the image otherwise.
 */
int store_roots_image(struct digest_set *set, const char *path, bool must,
		      struct root_image *img, struct eseal_error *err);

/*
 * The same for every image file below dir (its subdirectories too, not
 * followed if they are symlinks; symlinks to files are followed), files
 * that are not images skipped; *n_images counts those read and numbers
 * them from *n_images + 1.
 */
int store_roots_dir(struct digest_set *set, const char *dir,
		    uint32_t *n_images, struct eseal_error *err);

#endif /* ESEAL_STORE_ROOTS_H */
