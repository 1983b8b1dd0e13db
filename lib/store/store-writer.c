// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * A store opened for writing by a caller (eseal_store_writer_open()): the
 * object store, with the writers' lock it took, kept open across the
 * library's calls that add objects and the caller's publication of its
 * image, so that a gc cannot run in between (docs/object-store.md).
 */
#include <stdlib.h>

#include "internal.h"
#include "objstore.h"

struct eseal_store_writer {
	struct eseal_objstore *st;
};

int eseal_store_writer_open(const char *dir, unsigned int flags,
			    struct eseal_store_writer **out,
			    struct eseal_error *err)
{
	struct eseal_store_writer *w;
	int r;

	*out = NULL;
	if (flags & ~ESEAL_STORE_NO_WAIT)
		return eseal_errorf(err, EINVAL, "unknown store flags %#x",
				    flags);
	w = calloc(1, sizeof(*w));
	if (!w)
		return eseal_errorf(err, ENOMEM, "out of memory");
	r = eseal_objstore_open_flags(dir, flags, &w->st, err);
	if (r) {
		free(w);
		return r;
	}
	*out = w;
	return 0;
}

void eseal_store_writer_close(struct eseal_store_writer *w)
{
	if (!w)
		return;
	eseal_objstore_close(w->st);
	free(w);
}

int eseal_objstore_from_opts(const struct eseal_store_opts *opts,
			     struct eseal_objstore **out,
			     struct eseal_error *err)
{
	*out = NULL;
	if (opts->writer) {
		*out = eseal_objstore_ref(opts->writer->st);
		return 0;
	}
	if (!opts->store_dir)
		return 0;
	return eseal_objstore_open(opts->store_dir, out, err);
}
