// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Writing the objects of small files on a few threads.  The tar reader
 * hashes each file itself (the tree needs its digest at once); what is
 * left, making a temporary file in the store, writing it and linking it,
 * is mostly waiting on the filesystem's journal (an O_TMPFILE is a journal
 * update), so a few threads do it side by side while the stream goes on.
 * Data waiting for them is bounded (STORE_INFLIGHT bytes), and an error
 * of one of them is reported by the next put or the drain.
 */
#include <stdlib.h>

#include "files.h"
#include "io.h"
#include "objstore.h"
#include "oci.h"
#include "workers.h"

#define STORE_THREADS 4
#define STORE_SLOTS 64
#define STORE_INFLIGHT (2u << 20)

struct job {
	struct eseal_digest digest;
	uint8_t *data;
	size_t len;
	int ret;
	struct eseal_obj_result res;
	struct eseal_error err;
};

struct oci_store {
	struct eseal_objstore *st;
	struct eseal_workers *w;
	struct eseal_store_stats *stats;
	size_t inflight;
	int ret;			/* the first error of a job */
	struct eseal_error err;
};

static void run_job(void *arg, void *tls, void *p)
{
	struct oci_store *s = arg;
	struct eseal_tmpfile tmp = { .fd = -1 };
	struct job *j = p;
	int r;

	(void)tls;
	memset(&j->res, 0, sizeof(j->res));
	r = eseal_objstore_has(s->st, &j->digest, &j->err);
	if (r > 0) {
		j->res.existing = true;
		j->ret = 0;
		return;
	}
	if (!r)
		r = eseal_objstore_tmp_new(s->st, &tmp, &j->err);
	if (!r) {
		if (eseal_pwrite_full(tmp.fd, j->data, j->len, 0) < 0) {
			r = eseal_syserrorf(&j->err, errno,
					    "writing an object");
			eseal_tmpfile_discard(&tmp);
		} else {
			r = eseal_objstore_tmp_commit(s->st, &tmp, &j->digest,
						      &j->res, &j->err);
		}
	}
	j->ret = r;
}

/* Take a finished job back: count it, keep the first error */
static void reap(struct oci_store *s, struct job *j)
{
	if (j->ret && !s->ret) {
		s->ret = j->ret;
		s->err = j->err;
	}
	if (!j->ret) {
		s->stats->objects_new += j->res.published;
		s->stats->objects_existing += j->res.existing;
		s->stats->copied += j->res.published;
	}
	s->inflight -= j->len;
	free(j->data);
	j->data = NULL;
	eseal_workers_put_free(s->w, j);
}

int oci_store_new(struct eseal_objstore *st, unsigned int threads,
		  struct eseal_store_stats *stats, struct oci_store **out,
		  struct eseal_error *err)
{
	static const struct eseal_workers_ops ops = { .run = run_job };
	struct oci_store *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return eseal_errorf(err, ENOMEM, "out of memory");
	s->st = st;
	s->stats = stats;
	s->w = eseal_workers_new(threads ? threads : STORE_THREADS, STORE_SLOTS,
				 sizeof(struct job), &ops, s, err);
	if (!s->w) {
		free(s);
		return -(err && err->code ? err->code : ENOMEM);
	}
	*out = s;
	return 0;
}

int oci_store_put(struct oci_store *s, const struct eseal_digest *d,
		  const void *data, size_t len, struct eseal_error *err)
{
	struct job *j;

	/* room: a free slot and the bytes in flight under the bound */
	for (;;) {
		while ((j = eseal_workers_wait_done(s->w, 0)))
			reap(s, j);
		if (s->ret)
			return eseal_errorf(err, s->err.code, "%s", s->err.msg);
		if (s->inflight + len <= STORE_INFLIGHT || !s->inflight) {
			j = eseal_workers_get_free(s->w);
			if (j)
				break;
		}
		j = eseal_workers_wait_done(s->w, -1);
		if (j)
			reap(s, j);
	}
	j->data = malloc(len ? len : 1);
	if (!j->data) {
		eseal_workers_put_free(s->w, j);
		return eseal_errorf(err, ENOMEM, "out of memory");
	}
	memcpy(j->data, data, len);
	j->len = len;
	j->digest = *d;
	s->inflight += len;
	eseal_workers_submit(s->w, j);
	return 0;
}

int oci_store_drain(struct oci_store *s, struct eseal_error *err)
{
	struct job *j;

	while (eseal_workers_busy(s->w))
		if ((j = eseal_workers_wait_done(s->w, -1)))
			reap(s, j);
	if (s->ret)
		return eseal_errorf(err, s->err.code, "%s", s->err.msg);
	return 0;
}

void oci_store_free(struct oci_store *s)
{
	struct job *j;

	if (!s)
		return;
	/* jobs still running finish first: their objects are whole */
	while (eseal_workers_busy(s->w))
		if ((j = eseal_workers_wait_done(s->w, -1)))
			reap(s, j);
	eseal_workers_free(s->w);
	free(s);
}
