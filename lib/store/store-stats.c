// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * eseal_store_usage() and eseal_store_image_usage(): what a store holds,
 * and what images need of it and share.  Read only, no lock: an object
 * that goes meanwhile is not counted.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store-roots.h"
#include "store-walk.h"

/* ---- the store -------------------------------------------------------------- */

static void add_largest(struct eseal_store_usage *u,
			const struct eseal_digest *d, uint64_t size)
{
	size_t i = u->n_largest;

	if (i == ESEAL_STORE_LARGEST && u->largest[i - 1].size >= size)
		return;
	if (i < ESEAL_STORE_LARGEST)
		u->n_largest++;
	else
		i--;
	/* insertion: largest first, ties in walk order */
	for (; i > 0 && u->largest[i - 1].size < size; i--)
		u->largest[i] = u->largest[i - 1];
	u->largest[i].digest = *d;
	u->largest[i].size = size;
}

static int usage_entry(const struct store_entry *e, void *arg)
{
	struct eseal_store_usage *u = arg;
	struct statx stx;

	if (e->fanout < 0) {
		if (e->kind == STORE_ROOT_FANOUT && e->type == DT_DIR &&
		    !e->error)
			return 0;
		if (e->kind == STORE_ROOT_TMP && e->type == DT_REG)
			goto tmp;
		u->other++;
		return 0;
	}
	if (e->type != DT_REG || e->kind == STORE_NAME_OTHER) {
		u->other++;
		return 0;
	}
tmp:
	if (statx(e->dir_fd, e->name, AT_SYMLINK_NOFOLLOW,
		  STATX_SIZE | STATX_BLOCKS, &stx) < 0)
		return 0;	/* gone meanwhile */
	switch (e->kind) {
	case STORE_NAME_OBJECT:
		u->objects++;
		u->bytes += stx.stx_size;
		u->disk_bytes += stx.stx_blocks * 512;
		u->verity += !!(stx.stx_attributes_mask & stx.stx_attributes &
				STATX_ATTR_VERITY);
		add_largest(u, &e->digest, stx.stx_size);
		break;
	case STORE_NAME_TREE:
		u->trees++;
		u->tree_bytes += stx.stx_size;
		break;
	default:	/* temporary files, in the root or a fan-out */
		u->tmp_files++;
		u->tmp_bytes += stx.stx_size;
		break;
	}
	return 0;
}

int eseal_store_usage(const char *store, struct eseal_store_usage *u,
		      struct eseal_error *err)
{
	struct eseal_store_usage full;
	int fd, r;

	if (!u)
		return eseal_errorf(err, EINVAL, "no result struct");
	r = eseal_abi_check(u, sizeof(full), ESEAL_V0_STORE_USAGE,
			    "eseal_store_usage", err);
	if (r)
		return r;
	memset(&full, 0, sizeof(full));
	full.size = sizeof(full);
	fd = store_open_dir(store, err);
	if (fd < 0)
		return fd;
	r = store_walk(fd, store, usage_entry, &full, err);
	close(fd);
	eseal_abi_out(u, &full, sizeof(full));
	return r;
}

/* ---- images ------------------------------------------------------------------ */

static int seen_entry(const struct store_entry *e, void *arg)
{
	struct digest_ent *k;

	if (e->fanout >= 0 && e->kind == STORE_NAME_OBJECT &&
	    e->type == DT_REG && (k = digest_set_find(arg, &e->digest)))
		k->seen = true;
	return 0;
}

int eseal_store_image_usage(const char *store, const char *const *images,
			    size_t n_images, eseal_image_usage_fn fn,
			    void *arg, struct eseal_error *err)
{
	struct digest_set set = { 0 };
	struct root_image *img;
	size_t i, k;
	int fd, r = 0;

	if (!fn || (n_images && !images))
		return eseal_errorf(err, EINVAL, "no images or no callback");
	img = calloc(n_images ? n_images : 1, sizeof(*img));
	if (!img)
		return eseal_errorf(err, ENOMEM, "out of memory");
	fd = store_open_dir(store, err);
	if (fd < 0) {
		free(img);
		return fd;
	}
	for (i = 0; i < n_images && r >= 0; i++) {
		img[i].no = (uint32_t)i + 1;
		img[i].keep_list = true;
		r = store_roots_image(&set, images[i], true, &img[i], err);
	}
	if (r >= 0)
		r = store_walk(fd, store, seen_entry, &set, err);
	for (i = 0; i < n_images && r >= 0; i++) {
		struct eseal_image_usage u = { .image = images[i] };

		u.files = img[i].files;
		u.file_bytes = img[i].file_bytes;
		u.inline_files = img[i].inline_files;
		u.objects = img[i].objects;
		u.object_bytes = img[i].object_bytes;
		for (k = 0; k < img[i].objects; k++) {
			struct digest_ent *e = digest_set_find(&set,
							       &img[i].digests[k]);

			if (e->seen) {
				u.stored++;
				u.stored_bytes += e->size;
			}
			if (e->users > 1) {
				u.shared++;
				u.shared_bytes += e->size;
			}
		}
		fn(&u, arg);
	}
	for (i = 0; i < n_images; i++)
		free(img[i].digests);
	free(img);
	digest_set_free(&set);
	close(fd);
	return MIN(r, 0);
}
