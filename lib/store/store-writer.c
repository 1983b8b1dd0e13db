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

void eseal_objstore_mark(struct eseal_objstore *st,
			 struct eseal_objstore_mark *m)
{
	eseal_objstore_counts(st, &m->raced, &m->verity_ok, &m->verity_failed);
}

void eseal_objstore_stats_since(struct eseal_objstore *st,
				const struct eseal_objstore_mark *m,
				struct eseal_store_stats *stats)
{
	struct eseal_objstore_mark now;
	uint64_t raced;

	eseal_objstore_mark(st, &now);
	raced = MIN(now.raced - m->raced, stats->objects_new);
	stats->objects_new -= raced;
	stats->objects_existing += raced;
	stats->verity_enabled = now.verity_ok - m->verity_ok;
	stats->verity_unsupported = now.verity_failed - m->verity_failed;
}
