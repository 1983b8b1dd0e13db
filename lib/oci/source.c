// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The public entry points for OCI and tar sources: the transport syntax
 * (skopeo's: "oci:LAYOUT:REF" splits at the first ':'), and the whole way
 * from a source to a tree whose file data is in the object store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "objstore.h"
#include "oci.h"
#include "tree.h"

static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
};

int eseal_source_parse(const char *spec, struct eseal_source *src,
		       struct eseal_error *err)
{
	static const struct {
		const char *prefix;
		int kind;
	} kinds[] = {
		{ "oci:", ESEAL_SOURCE_OCI },
		{ "oci-archive:", ESEAL_SOURCE_OCI_ARCHIVE },
		{ "tar:", ESEAL_SOURCE_TAR },
	};
	struct eseal_source s = ESEAL_SOURCE_INIT;
	const char *rest = spec, *colon;
	size_t i;
	int r;

	r = eseal_abi_check(src, sizeof(s), ESEAL_V0_SOURCE, "eseal_source",
			    err);
	if (r)
		return r;
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		size_t n = strlen(kinds[i].prefix);

		if (!strncmp(spec, kinds[i].prefix, n)) {
			s.kind = kinds[i].kind;
			rest = spec + n;
			break;
		}
	}
	colon = s.kind == ESEAL_SOURCE_OCI ||
			s.kind == ESEAL_SOURCE_OCI_ARCHIVE ?
			strchr(rest, ':') : NULL;
	if (colon && !colon[1])
		return eseal_errorf(err, EINVAL, "%s: empty REF after ':'",
				    spec);
	s.path = colon ? strndup(rest, (size_t)(colon - rest)) : strdup(rest);
	if (colon)
		s.ref = strdup(colon + 1);
	if (!s.path || (colon && !s.ref))
		r = eseal_errorf(err, ENOMEM, "out of memory");
	else if (!s.path[0])
		r = eseal_errorf(err, EINVAL, "%s: empty path", spec);
	if (r) {
		eseal_source_free(&s);
		return r;
	}
	eseal_abi_out(src, &s, sizeof(s));
	return 0;
}

void eseal_source_free(struct eseal_source *src)
{
	free(src->path);
	free(src->ref);
	src->path = src->ref = NULL;
}

/* ---- reading ------------------------------------------------------------- */

struct fd_src {
	int fd;
	const char *name;
	atomic_uint_fast64_t *count;
};

static ssize_t fd_read(void *arg, void *buf, size_t len,
		       struct eseal_error *err)
{
	struct fd_src *s = arg;
	ssize_t n;

	do
		n = read(s->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return eseal_syserrorf(err, errno, "%s", s->name);
	atomic_fetch_add(s->count, (uint64_t)n);
	return n;
}

struct blob_src {
	struct oci_blob *b;
	atomic_uint_fast64_t *count;
};

static ssize_t blob_read(void *arg, void *buf, size_t len,
			 struct eseal_error *err)
{
	struct blob_src *s = arg;
	ssize_t n = oci_blob_read_some(s->b, buf, len, err);

	if (n > 0)
		atomic_fetch_add(s->count, (uint64_t)n);
	return n;
}

/*
 * A layer failed (it did not decompress, or its tar is broken): when its
 * blob does not match its digest, that is the cause to report.  The rest
 * of the blob is read to tell.
 */
static void blame_blob(struct oci_blob *b, const char *name,
		       struct eseal_error *err)
{
	struct eseal_error e2 = { 0 };
	uint8_t buf[16384];
	ssize_t n;

	while ((n = oci_blob_read_some(b, buf, sizeof(buf), &e2)) > 0)
		;
	if (n < 0)
		eseal_errorf(err, e2.code, "%s: %s", name, e2.msg);
}

/* One tar layer (tar:FILE or tar:-) */
static int from_tar(struct oci_apply *a, const struct eseal_source *src,
		    uint64_t max_size, struct eseal_error *err)
{
	struct oci_tar_opts to = { 0 };
	struct fd_src s = { .fd = -1, .count = a->in_bytes };
	struct oci_tar *t;
	struct stat st;
	int r;

	if (!strcmp(src->path, "-")) {
		if (src->fd < 0)
			return eseal_errorf(err, EINVAL,
					    "tar:-: no stream to read");
		s.fd = src->fd;
		s.name = "<stdin>";
	} else {
		s.fd = eseal_input_open(src->path, 0, err);
		if (s.fd < 0)
			return s.fd;
		s.name = src->path;
		if (fstat(s.fd, &st) == 0)
			a->bytes_total = (uint64_t)st.st_size;
	}
	to.name = s.name;
	to.max_size = max_size;
	r = oci_tar_open(fd_read, &s, &to, &t, err);
	if (!r) {
		r = oci_apply_layer(a, t, s.name, err);
		oci_tar_close(t);
	}
	if (s.fd != src->fd)
		close(s.fd);
	return r;
}

static bool is_layer_type(const char *mt)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(layer_types); i++)
		if (!strcmp(mt, layer_types[i]))
			return true;
	return false;
}

/* An image of a layout (oci:, oci-archive:) */
static int from_layout(struct oci_apply *a, const struct eseal_source *src,
		       const struct eseal_oci_opts *opts, uint64_t max_size,
		       struct eseal_error *err)
{
	struct oci_layout *l = NULL;
	struct oci_image img = { 0 };
	uint64_t used = 0;
	char name[600];
	size_t i, n;
	int r;

	r = oci_layout_open(src->path, src->kind == ESEAL_SOURCE_OCI_ARCHIVE,
			    &l, err);
	if (!r)
		r = oci_image_resolve(l, src->ref, opts->platform, &img, err);
	n = img.manifest.n_layers;
	for (i = 0; !r && i < n; i++)
		a->bytes_total += img.manifest.layers[i].size;
	for (i = 0; !r && i < n; i++) {
		const struct oci_desc *d = &img.manifest.layers[i];
		struct blob_src bs = { .count = a->in_bytes };
		struct oci_tar_opts to = { 0 };
		struct oci_tar *t;

		snprintf(name, sizeof(name), "%.500s: layer %zu of %zu (%.19s)",
			 src->path, i + 1, n, d->digest.str);
		if (!is_layer_type(d->media_type)) {
			r = eseal_errorf(err, EINVAL,
					 "%s: media type %s is not a tar layer",
					 name, d->media_type);
			break;
		}
		r = oci_blob_open(l, d, &bs.b, err);
		if (r)
			break;
		to.name = name;
		to.diff_id = &img.config.diff_ids[i];
		to.max_size = max_size - used;
		r = oci_tar_open(blob_read, &bs, &to, &t, err);
		if (!r) {
			r = oci_apply_layer(a, t, name, err);
			used += oci_tar_size(t);
			oci_tar_close(t);
		}
		if (r)
			blame_blob(bs.b, name, err);
		oci_blob_close(bs.b);
	}
	oci_image_fini(&img);
	oci_layout_close(l);
	return r;
}

/* The whole way, with options and results of this library's size */
static int from_source(const struct eseal_source *src,
		       const struct eseal_oci_opts *opts, struct eseal_tree **out,
		       struct eseal_store_stats *stats, struct eseal_error *err)
{
	atomic_uint_fast64_t in_bytes = 0;
	struct eseal_error serr;
	struct oci_apply a;
	uint64_t max_size;
	unsigned int flags = opts->flags;
	int r;

	if (src->kind != ESEAL_SOURCE_OCI &&
	    src->kind != ESEAL_SOURCE_OCI_ARCHIVE &&
	    src->kind != ESEAL_SOURCE_TAR)
		return eseal_errorf(err, EINVAL,
				    "%s: not an OCI or tar source",
				    src->path ? src->path : "(none)");
	max_size = opts->max_size ? opts->max_size :
				    ESEAL_OCI_MAX_SIZE_DEFAULT;
	r = oci_apply_init(&a, opts, stats, err);
	a.in_bytes = &in_bytes;
	if (!r && src->kind == ESEAL_SOURCE_TAR)
		r = from_tar(&a, src, max_size, err);
	else if (!r)
		r = from_layout(&a, src, opts, max_size, err);
	/* an image is always canonical; a single tar when asked */
	if (src->kind != ESEAL_SOURCE_TAR)
		flags |= ESEAL_OCI_RULES;
	if (!r)
		r = (flags & ESEAL_OCI_RULES) ?
			    eseal_tree_oci_rules(a.tree, flags, err) :
			    oci_canonical_links(a.tree, err);
	oci_graveyard_free(&a.removed);
	/* objects queued are whole and valid, even after an error */
	if (oci_apply_sync(&a, r ? &serr : err) < 0 && !r)
		r = -err->code;
	oci_apply_fini(&a);
	if (r) {
		eseal_tree_free(a.tree);
		return r < 0 ? r : -EINVAL;
	}
	*out = a.tree;
	return 0;
}

int eseal_tree_from_source(const struct eseal_source *src,
			   const struct eseal_oci_opts *opts,
			   struct eseal_tree **out,
			   struct eseal_store_stats *stats,
			   struct eseal_error *err)
{
	struct eseal_oci_opts o = { .size = sizeof(o) };
	struct eseal_store_stats full = { .size = sizeof(full) };
	struct eseal_store_opts so;
	struct eseal_source s;
	int r;

	*out = NULL;
	if (!src)
		return eseal_errorf(err, EINVAL, "no source");
	r = eseal_abi_in(&s, sizeof(s), src, ESEAL_V0_SOURCE, "eseal_source",
			 err);
	if (!r && opts)
		r = eseal_abi_in(&o, sizeof(o), opts, ESEAL_V0_OCI_OPTS,
				 "eseal_oci_opts", err);
	if (!r)
		r = eseal_store_args_in(o.store, stats, &so, err);
	if (r)
		return r;
	o.store = &so;
	r = from_source(&s, &o, out, &full, err);
	if (stats)
		eseal_abi_out(stats, &full, sizeof(full));
	return r;
}
