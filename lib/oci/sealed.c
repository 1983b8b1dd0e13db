// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Signed OCI images (docs/oci.md, "Signed images"), in three files that
 * call downwards only:
 *
 *  - sealed.c (this one): an image's documents, its canonical EROFS, and
 *    seal: the EROFS digest and the manifest's and config's fs-verity
 *    digests signed, written back as an artifact that refers to the
 *    image, or inline;
 *  - seal-check.c: the seals of a manifest checked, signatures first,
 *    then the EROFS regenerated and compared;
 *  - registry.c: verify (and pull, which is verify with a registry
 *    source, an image to write and a store to fill: the signatures are
 *    checked before any layer is fetched) and push, with skopeo.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"

_Static_assert(OCI_ROLE_MANIFEST == ESEAL_OCI_ROLE_MANIFEST &&
		       OCI_ROLE_CONFIG == ESEAL_OCI_ROLE_CONFIG &&
		       OCI_ROLE_MERGED == ESEAL_OCI_ROLE_MERGED,
	       "the public role numbers are the internal ones");

void oci_docs_fini(struct oci_docs *d)
{
	oci_image_fini(&d->img);
	free(d->mbuf);
	free(d->cbuf);
	memset(d, 0, sizeof(*d));
}

int oci_docs_from_layout(struct oci_layout *l, const char *ref,
			 const char *platform, struct oci_docs *d,
			 struct eseal_error *err)
{
	int r;

	memset(d, 0, sizeof(*d));
	r = oci_image_resolve(l, ref, platform, &d->img, err);
	if (!r)
		r = oci_blob_read(l, &d->img.desc, OCI_JSON_MAX, &d->mbuf,
				  &d->mlen, err);
	if (!r)
		r = oci_blob_read(l, &d->img.manifest.config, OCI_JSON_MAX,
				  &d->cbuf, &d->clen, err);
	if (r) {
		oci_docs_fini(d);
		return r;
	}
	d->img.desc.size = d->mlen;
	return 0;
}

int oci_generate(const char *layout, const struct oci_digest *manifest,
		 int alg, const char *store_dir,
		 struct eseal_store_writer *writer, int fd,
		 struct eseal_digest *digest, struct eseal_store_stats *stats,
		 unsigned int *replayed, struct eseal_error *err)
{
	struct eseal_store_opts so = ESEAL_STORE_OPTS_INIT;
	struct eseal_oci_opts oo = ESEAL_OCI_OPTS_INIT;
	struct eseal_image_opts io = ESEAL_IMAGE_OPTS_INIT;
	struct eseal_tree *tree = NULL;
	char ref[OCI_DIGEST_STR_MAX + 1];
	struct eseal_source src = ESEAL_SOURCE_INIT;
	int r;

	/* "@sha256:<hex>": the REF of a manifest by digest */
	snprintf(ref, sizeof(ref), "@%s", manifest->str);
	src.kind = ESEAL_SOURCE_OCI;
	src.path = (char *)layout;
	src.ref = ref;
	so.store_dir = store_dir;
	so.writer = writer;
	so.hash_alg = alg;
	oo.store = &so;
	oo.flags = ESEAL_OCI_RULES | (store_dir ? ESEAL_OCI_LAYER_RECORDS : 0);
	r = oci_tree_from_source(&src, &oo, &tree, stats, replayed, err);
	if (r)
		return r;
	io.min_version = io.max_version = ESEAL_OCI_FORMAT_VERSION;
	io.hash_alg = alg;
	r = eseal_image_write(tree, &io, fd, digest, err);
	eseal_tree_free(tree);
	return r;
}

/* ---- seal ---------------------------------------------------------------- */

/* Sign the item's digest, or take the signature made elsewhere (checked) */
static int sign_item(const struct eseal_oci_seal_opts *o, int role,
		     struct oci_seal_item *it, const char *what,
		     struct eseal_error *err)
{
	struct eseal_error e = { 0 };
	int r;

	if (o->signer) {
		r = eseal_sign_digest(o->signer, &it->digest, &it->sig,
				      &it->sig_len, err);
		if (r)
			return eseal_error_prefix(err, "signing the %s", what);
		it->present = true;
		return 0;
	}
	if (!o->sigs[role] || !o->sig_lens[role] ||
	    o->sig_lens[role] > ESEAL_SIG_MAX)
		return eseal_errorf(err, EINVAL, "no signature of the %s given",
				    what);
	r = o->trust ? eseal_verify_digest(o->trust, &it->digest, o->sigs[role],
					   o->sig_lens[role], NULL, &e) :
		       -EINVAL;
	if (r)
		return eseal_errorf(err, r == -EINVAL ? EINVAL : -r,
				    "the signature given for the %s does not verify over its digest: %s",
				    what, e.msg[0] ? e.msg : "nothing to trust");
	it->sig = malloc(o->sig_lens[role]);
	if (!it->sig)
		return eseal_errorf(err, ENOMEM, "out of memory");
	memcpy(it->sig, o->sigs[role], o->sig_lens[role]);
	it->sig_len = o->sig_lens[role];
	it->present = true;
	return 0;
}

/* The tag REF must name the manifest itself for an inline seal */
static int inline_target(struct oci_layout *l, const struct eseal_source *src,
			 const struct oci_docs *d, struct eseal_error *err)
{
	struct oci_index top = { 0 };
	char name[600];
	uint8_t *buf;
	size_t len, i;
	int r;

	if (!src->ref || src->ref[0] == '@')
		return eseal_errorf(err, EINVAL,
				    "%s: an inline seal changes the manifest, so REF must be a tag that then names the new one",
				    src->path);
	r = oci_layout_read(l, "index.json", OCI_JSON_MAX, &buf, &len, err);
	if (r)
		return r;
	snprintf(name, sizeof(name), "%s/index.json", src->path);
	r = oci_index_parse(buf, len, name, &top, err);
	free(buf);
	for (i = 0; !r && i < top.n_manifests; i++)
		if (top.manifests[i].ref_name &&
		    !strcmp(top.manifests[i].ref_name, src->ref) &&
		    strcmp(top.manifests[i].digest.str, d->img.desc.digest.str))
			r = eseal_errorf(err, EINVAL,
					 "%s: tag '%s' names an image index; an inline seal would change the manifest it lists (seal a tag of the manifest itself, or use an artifact)",
					 src->path, src->ref);
	oci_index_fini(&top);
	return r;
}

static int write_artifact(struct oci_layout *l, struct oci_seal *s,
			  const struct oci_docs *d,
			  struct eseal_oci_seal_result *res,
			  struct eseal_error *err)
{
	struct oci_digest blob, art, idx;
	char tag[OCI_REF_TAG_MAX];
	struct oci_tag t = { 0 };
	uint8_t *buf = NULL;
	uint64_t idx_size;
	size_t len;
	int i, r = 0;

	for (i = 0; !r && i < OCI_N_ROLES; i++)
		if (s->item[i].present)
			r = oci_layout_put_blob(l, s->item[i].sig,
						s->item[i].sig_len, &blob,
						err);
	if (!r)
		r = oci_layout_put_blob(l, "{}", 2, &blob, err);
	if (!r)
		r = oci_artifact_make(s, &d->img.desc, &buf, &len, err);
	if (!r)
		r = oci_layout_put_blob(l, buf, len, &art, err);
	if (!r)
		r = oci_add_referrer(l, &d->img.desc, &art, len, false, &idx,
				     &idx_size, err);
	free(buf);
	if (r)
		return r;
	oci_referrers_tag(&d->img.desc.digest, tag);
	t.name = tag;
	t.media_type = OCI_MT_INDEX;
	t.digest = &idx;
	t.size = idx_size;
	r = oci_layout_set_tags(l, &t, 1, err);
	if (!r) {
		snprintf(res->artifact, sizeof(res->artifact), "%s", art.str);
		snprintf(res->manifest, sizeof(res->manifest), "%s",
			 d->img.desc.digest.str);
	}
	return r;
}

static int write_inline(struct oci_layout *l, const struct eseal_source *src,
			struct oci_seal *s, const struct oci_docs *d,
			struct eseal_oci_seal_result *res,
			struct eseal_error *err)
{
	struct oci_digest m;
	struct oci_tag t = { 0 };
	char name[600];
	uint8_t *buf = NULL;
	size_t len;
	int r;

	snprintf(name, sizeof(name), "%s: manifest %s", src->path,
		 d->img.desc.digest.str);
	r = oci_inline_make(d->mbuf, d->mlen, name, s, &buf, &len, err);
	if (!r)
		r = oci_layout_put_blob(l, buf, len, &m, err);
	free(buf);
	if (r)
		return r;
	t.name = src->ref;
	t.media_type = d->img.desc.media_type ? d->img.desc.media_type :
						OCI_MT_MANIFEST;
	t.digest = &m;
	t.size = len;
	r = oci_layout_set_tags(l, &t, 1, err);
	if (!r)
		snprintf(res->manifest, sizeof(res->manifest), "%s", m.str);
	return r;
}

/* eseal_oci_seal() with options and a result of this library's size */
static int seal(const char *source, const struct eseal_oci_seal_opts *o,
		struct eseal_oci_seal_result *res, struct eseal_error *err)
{
	struct eseal_store_stats st = ESEAL_STORE_STATS_INIT;
	struct eseal_source src = ESEAL_SOURCE_INIT;
	struct oci_layout *l = NULL;
	struct oci_seal s = { 0 };
	struct oci_docs d = { 0 };
	int alg, r;

	if (!o->signer && !o->trust &&
	    !(o->flags & ESEAL_OCI_SEAL_DIGESTS_ONLY))
		return eseal_errorf(err, EINVAL,
				    "eseal_oci_seal: no signer, no signatures");
	alg = o->hash_alg ? o->hash_alg : ESEAL_HASH_SHA256;
	if (alg != ESEAL_HASH_SHA256 && alg != ESEAL_HASH_SHA512)
		return eseal_errorf(err, EINVAL, "unknown hash algorithm %d",
				    alg);
	r = eseal_source_parse(source, &src, err);
	if (!r && src.kind != ESEAL_SOURCE_OCI)
		r = eseal_errorf(err, EINVAL,
				 "%s: seal writes into an image layout: give oci:LAYOUT[:REF]",
				 source);
	if (!r)
		r = oci_layout_open(src.path, false, &l, err);
	if (!r)
		r = oci_docs_from_layout(l, src.ref, o->platform, &d, err);
	if (!r && (o->flags & ESEAL_OCI_SEAL_INLINE))
		r = inline_target(l, &src, &d, err);
	if (r)
		goto out;
	s.alg = alg;
	s.inline_mode = o->flags & ESEAL_OCI_SEAL_INLINE;
	/* seal publishes no image that needs the objects: the lock that
	 * generation takes for itself is enough (docs/object-store.md) */
	r = oci_generate(src.path, &d.img.desc.digest, alg, o->store_dir, NULL,
			 -1, &s.item[OCI_ROLE_MERGED].digest, &st, NULL, err);
	res->objects_new = st.objects_new;
	res->objects_existing = st.objects_existing;
	if (!r)
		r = eseal_fsverity_digest_buf(d.cbuf, d.clen, alg,
					      &s.item[OCI_ROLE_CONFIG].digest);
	if (!r && !s.inline_mode)
		r = eseal_fsverity_digest_buf(d.mbuf, d.mlen, alg,
					      &s.item[OCI_ROLE_MANIFEST].digest);
	if (r < 0 && !err->msg[0])
		r = eseal_errorf(err, -r, "hashing failed");
	if (r)
		goto out;
	res->merged = s.item[OCI_ROLE_MERGED].digest;
	res->config_verity = s.item[OCI_ROLE_CONFIG].digest;
	res->manifest_verity = s.item[OCI_ROLE_MANIFEST].digest;
	snprintf(res->manifest, sizeof(res->manifest), "%s",
		 d.img.desc.digest.str);
	if (o->flags & ESEAL_OCI_SEAL_DIGESTS_ONLY)
		goto out;
	if (!s.inline_mode)
		r = sign_item(o, ESEAL_OCI_ROLE_MANIFEST,
			      &s.item[OCI_ROLE_MANIFEST], "manifest", err);
	if (!r)
		r = sign_item(o, ESEAL_OCI_ROLE_CONFIG,
			      &s.item[OCI_ROLE_CONFIG], "config", err);
	if (!r)
		r = sign_item(o, ESEAL_OCI_ROLE_MERGED,
			      &s.item[OCI_ROLE_MERGED], "EROFS image", err);
	if (r)
		goto out;
	r = s.inline_mode ? write_inline(l, &src, &s, &d, res, err) :
			    write_artifact(l, &s, &d, res, err);
out:
	oci_seal_fini(&s);
	oci_docs_fini(&d);
	oci_layout_close(l);
	eseal_source_free(&src);
	return r;
}

int eseal_oci_seal(const char *source, const struct eseal_oci_seal_opts *opts,
		   struct eseal_oci_seal_result *res, struct eseal_error *err)
{
	struct eseal_oci_seal_result full = ESEAL_OCI_SEAL_RESULT_INIT;
	struct eseal_oci_seal_opts o;
	int r;

	if (!source || !opts || !res)
		return eseal_errorf(err, EINVAL,
				    "eseal_oci_seal: no source, options or result");
	r = eseal_abi_in(&o, sizeof(o), opts, ESEAL_V0_OCI_SEAL_OPTS,
			 "eseal_oci_seal_opts", err);
	if (!r)
		r = eseal_abi_check(res, sizeof(full), ESEAL_V0_OCI_SEAL_RESULT,
				    "eseal_oci_seal_result", err);
	if (r)
		return r;
	r = seal(source, &o, &full, err);
	eseal_abi_out(res, &full, sizeof(full));
	return r;
}
