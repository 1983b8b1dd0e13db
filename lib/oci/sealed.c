// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Signed OCI images, the public entry points (docs/oci.md, "Signed
 * images"):
 *
 *  - seal: the canonical EROFS of an image in a layout, its digest and
 *    the manifest's and config's fs-verity digests signed, written back as
 *    an artifact that refers to the image, or inline;
 *  - verify (and pull, which is verify with a registry source, an image
 *    to write and a store to fill): the seals of the manifest are found
 *    and their signatures checked first, from the manifest, the config and
 *    the artifacts alone; only then are layers fetched (the ones the cache
 *    lacks) and read, the EROFS generated and its digest compared;
 *  - push: the image and its referrers tag copied with skopeo.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"

#define DOCKER_PREFIX "docker://"

_Static_assert(OCI_ROLE_MANIFEST == ESEAL_OCI_ROLE_MANIFEST &&
		       OCI_ROLE_CONFIG == ESEAL_OCI_ROLE_CONFIG &&
		       OCI_ROLE_MERGED == ESEAL_OCI_ROLE_MERGED,
	       "the public role numbers are the internal ones");

/* One image's documents: resolved, and the manifest's and config's bytes */
struct docs {
	struct oci_image img;		/* img.config unused for registries */
	uint8_t *mbuf, *cbuf;
	size_t mlen, clen;
};

static void docs_fini(struct docs *d)
{
	oci_image_fini(&d->img);
	free(d->mbuf);
	free(d->cbuf);
	memset(d, 0, sizeof(*d));
}

static int docs_from_layout(struct oci_layout *l, const char *ref,
			    const char *platform, struct docs *d,
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
		docs_fini(d);
		return r;
	}
	d->img.desc.size = d->mlen;
	return 0;
}

/* "@sha256:<hex>": the REF of a manifest by digest */
static void digest_ref(const struct oci_digest *d, char *buf, size_t size)
{
	snprintf(buf, size, "@%s", d->str);
}

/* The canonical EROFS of the image (by manifest digest) in a layout */
static int generate(const char *layout, const struct oci_digest *manifest,
		    int alg, const char *store_dir, int fd,
		    struct eseal_digest *digest, struct eseal_store_stats *stats,
		    unsigned int *replayed, struct eseal_error *err)
{
	struct eseal_oci_opts oo = { 0 };
	struct eseal_image_opts io = { 0 };
	struct eseal_tree *tree = NULL;
	char ref[OCI_DIGEST_STR_MAX + 1];
	struct eseal_source src = { .kind = ESEAL_SOURCE_OCI, .fd = -1 };
	int r;

	digest_ref(manifest, ref, sizeof(ref));
	src.path = (char *)layout;
	src.ref = ref;
	oo.store.store_dir = store_dir;
	oo.store.hash_alg = alg;
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

static int dup_str(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s);
	return 0;
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
			 const struct docs *d, struct eseal_error *err)
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
			  const struct docs *d,
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
		dup_str(res->artifact, sizeof(res->artifact), art.str);
		dup_str(res->manifest, sizeof(res->manifest),
			d->img.desc.digest.str);
	}
	return r;
}

static int write_inline(struct oci_layout *l, const struct eseal_source *src,
			struct oci_seal *s, const struct docs *d,
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
		dup_str(res->manifest, sizeof(res->manifest), m.str);
	return r;
}

int eseal_oci_seal(const char *source, const struct eseal_oci_seal_opts *o,
		   struct eseal_oci_seal_result *res, struct eseal_error *err)
{
	struct eseal_source src = { .fd = -1 };
	struct oci_layout *l = NULL;
	struct oci_seal s = { 0 };
	struct docs d = { 0 };
	int alg, r;

	if (!o || !o->size || !res ||
	    (!o->signer && !o->trust &&
	     !(o->flags & ESEAL_OCI_SEAL_DIGESTS_ONLY)))
		return eseal_errorf(err, EINVAL,
				    "eseal_oci_seal: no signer, no signatures");
	alg = o->hash_alg ? o->hash_alg : ESEAL_HASH_SHA256;
	if (alg != ESEAL_HASH_SHA256 && alg != ESEAL_HASH_SHA512)
		return eseal_errorf(err, EINVAL, "unknown hash algorithm %d",
				    alg);
	memset((char *)res + sizeof(res->size), 0,
	       sizeof(*res) - sizeof(res->size));
	r = eseal_source_parse(source, &src, err);
	if (!r && src.kind != ESEAL_SOURCE_OCI)
		r = eseal_errorf(err, EINVAL,
				 "%s: seal writes into an image layout: give oci:LAYOUT[:REF]",
				 source);
	if (!r)
		r = oci_layout_open(src.path, false, &l, err);
	if (!r)
		r = docs_from_layout(l, src.ref, o->platform, &d, err);
	if (!r && (o->flags & ESEAL_OCI_SEAL_INLINE))
		r = inline_target(l, &src, &d, err);
	if (r)
		goto out;
	s.alg = alg;
	s.inline_mode = o->flags & ESEAL_OCI_SEAL_INLINE;
	r = generate(src.path, &d.img.desc.digest, alg, o->store_dir, -1,
		     &s.item[OCI_ROLE_MERGED].digest, &res->stats, NULL, err);
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
	dup_str(res->manifest, sizeof(res->manifest), d.img.desc.digest.str);
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
	docs_fini(&d);
	oci_layout_close(l);
	eseal_source_free(&src);
	return r;
}

/* ---- verify: the seals ----------------------------------------------------- */

static const char *const role_what[OCI_N_ROLES] = {
	[OCI_ROLE_MANIFEST] = "manifest",
	[OCI_ROLE_CONFIG] = "config",
	[OCI_ROLE_MERGED] = "EROFS image",
	[OCI_ROLE_BOOTABLE] = "bootable EROFS image",
};

/* Does the seal hold for these documents (signatures only)? */
static enum eseal_verify_class check_seal(const struct oci_seal *s,
					  const struct docs *d,
					  const struct eseal_trust *trust,
					  struct eseal_sig_info *info,
					  struct eseal_error *err)
{
	enum eseal_verify_class cls, worst = ESEAL_VERIFY_OK;
	struct eseal_error e = { 0 };
	struct eseal_sig_info si;
	struct eseal_digest got;
	char a[2 * ESEAL_DIGEST_MAX + 1], b[2 * ESEAL_DIGEST_MAX + 1];
	int i, r;

	if (!s->inline_mode &&
	    (strcmp(s->subject.digest.str, d->img.desc.digest.str) ||
	     s->subject.size != d->mlen)) {
		eseal_errorf(err, EINVAL,
			     "the seal is for manifest %s (%llu bytes), not this one, %s (%zu bytes)",
			     s->subject.digest.str,
			     (unsigned long long)s->subject.size,
			     d->img.desc.digest.str, d->mlen);
		return ESEAL_VERIFY_BAD;
	}
	for (i = OCI_ROLE_MANIFEST; i <= OCI_ROLE_CONFIG; i++) {
		if (!s->item[i].present)
			continue;
		r = i == OCI_ROLE_MANIFEST ?
			    eseal_fsverity_digest_buf(d->mbuf, d->mlen, s->alg,
						      &got) :
			    eseal_fsverity_digest_buf(d->cbuf, d->clen, s->alg,
						      &got);
		if (r) {
			eseal_errorf(err, -r, "hashing the %s failed",
				     role_what[i]);
			return ESEAL_VERIFY_ERROR;
		}
		if (memcmp(got.bytes, s->item[i].digest.bytes, got.size)) {
			eseal_digest_hex(&got, a);
			eseal_digest_hex(&s->item[i].digest, b);
			eseal_errorf(err, EINVAL,
				     "the %s's fs-verity digest is %s:%s, the seal signs %s:%s",
				     role_what[i], eseal_hash_name(s->alg), a,
				     eseal_hash_name(s->alg), b);
			return ESEAL_VERIFY_BAD;
		}
	}
	for (i = 0; i < OCI_N_ROLES; i++) {
		if (!s->item[i].present)
			continue;
		memset(&si, 0, sizeof(si));
		r = eseal_verify_digest(trust, &s->item[i].digest,
					s->item[i].sig, s->item[i].sig_len,
					&si, &e);
		cls = eseal_verify_class(r);
		if (i == OCI_ROLE_MERGED)
			*info = si;
		if (cls == ESEAL_VERIFY_OK || (worst != ESEAL_VERIFY_OK &&
					       worst != ESEAL_VERIFY_ERROR &&
					       cls != ESEAL_VERIFY_BAD))
			continue;
		if (worst == ESEAL_VERIFY_BAD)
			continue;
		worst = cls;
		eseal_errorf(err, e.code, "the %s's signature: %s",
			     role_what[i], e.msg[0] ? e.msg : strerror(-r));
	}
	return worst;
}

/* What the seal is, for messages */
static void seal_name(const struct oci_seal *s, char *buf, size_t size)
{
	if (s->inline_mode)
		snprintf(buf, size, "inline %s seal", eseal_hash_name(s->alg));
	else
		snprintf(buf, size, "%s seal %s", eseal_hash_name(s->alg),
			 s->artifact.str);
}

/* verdict order when no seal holds: a bad one first, then untrusted */
static int rank(enum eseal_verify_class c)
{
	return c == ESEAL_VERIFY_BAD ? 3 : c == ESEAL_VERIFY_UNTRUSTED ? 2 : 1;
}

/*
 * The first seal of f that holds: its index, or -1 with res->verdict and
 * the message of the most telling failure.
 */
static int pick_seal(const struct oci_found *f, const struct docs *d,
		     const struct eseal_oci_verify_opts *o,
		     struct eseal_oci_verify_result *res,
		     struct eseal_error *err)
{
	enum eseal_verify_class cls, best = ESEAL_VERIFY_ERROR;
	struct eseal_error e, first = { 0 };
	char name[200];
	size_t i;
	int have = 0;

	res->seals = (unsigned int)(f->n + f->n_bad);
	for (i = 0; i < f->n_bad; i++)
		if (rank(ESEAL_VERIFY_BAD) > have) {
			have = rank(ESEAL_VERIFY_BAD);
			best = ESEAL_VERIFY_BAD;
			first = f->bad[i];
		}
	for (i = 0; i < f->n; i++) {
		memset(&e, 0, sizeof(e));
		cls = check_seal(&f->seals[i], d, o->trust, &res->info, &e);
		if (cls == ESEAL_VERIFY_OK)
			return (int)i;
		if (rank(cls) > have) {
			have = rank(cls);
			best = cls;
			seal_name(&f->seals[i], name, sizeof(name));
			eseal_errorf(&first, e.code, "%s: %s", name, e.msg);
		}
	}
	if (!f->n && !f->n_bad) {
		char tag[OCI_REF_TAG_MAX];

		oci_referrers_tag(&d->img.desc.digest, tag);
		best = ESEAL_VERIFY_BAD;
		eseal_errorf(&first, ENOKEY,
			     "manifest %s is not sealed%s%s: no composefs artifact under the referrers tag %s, no inline annotations",
			     d->img.desc.digest.str, o->hash_alg ? " with " : "",
			     o->hash_alg ? eseal_hash_name(o->hash_alg) : "",
			     tag);
	}
	res->verdict = best;
	if (res->seals > 1)
		eseal_errorf(err, first.code ? first.code : EINVAL,
			     "none of %u seals holds; %s", res->seals,
			     first.msg);
	else
		*err = first;
	return -1;
}

/* The seal held: what the result tells */
static int seal_held(const struct oci_seal *s,
		     struct eseal_oci_verify_result *res,
		     struct eseal_error *err)
{
	const struct oci_seal_item *m = &s->item[OCI_ROLE_MERGED];

	res->inline_mode = s->inline_mode;
	res->merged = m->digest;
	dup_str(res->artifact, sizeof(res->artifact),
		s->inline_mode ? "" : s->artifact.str);
	res->signature = malloc(m->sig_len);
	if (!res->signature)
		return eseal_errorf(err, ENOMEM, "out of memory");
	memcpy(res->signature, m->sig, m->sig_len);
	res->signature_len = m->sig_len;
	return 0;
}

/* The first seal of f that holds, the result filled: its index, or -errno */
static int choose_seal(const struct oci_found *f, const struct docs *d,
		       const struct eseal_oci_verify_opts *o,
		       struct eseal_oci_verify_result *res,
		       struct eseal_error *err)
{
	int i = pick_seal(f, d, o, res, err), r;

	if (i < 0)
		return -EKEYREJECTED;
	r = seal_held(&f->seals[i], res, err);
	return r ? r : i;
}

/* Generate the EROFS and compare; res->verdict on failure */
static int regenerate(const char *layout, const struct docs *d,
		      const struct oci_seal *s,
		      const struct eseal_oci_verify_opts *o,
		      struct eseal_oci_verify_result *res,
		      struct eseal_error *err)
{
	char a[2 * ESEAL_DIGEST_MAX + 1], b[2 * ESEAL_DIGEST_MAX + 1];
	struct eseal_digest got;
	int r;

	r = generate(layout, &d->img.desc.digest, s->alg, o->store_dir,
		     o->image_fd, &got, &res->stats, &res->layers_replayed, err);
	if (r) {
		/* what cannot be read is 4; content that is wrong is bad */
		res->verdict = r == -ENOENT || r == -EIO || r == -EACCES ||
					       r == -ENOSPC || r == -ENOMEM ||
					       r == -EROFS || r == -EPERM ?
				       ESEAL_VERIFY_ERROR :
				       ESEAL_VERIFY_BAD;
		return r;
	}
	if (memcmp(got.bytes, s->item[OCI_ROLE_MERGED].digest.bytes,
		   got.size)) {
		eseal_digest_hex(&got, a);
		eseal_digest_hex(&s->item[OCI_ROLE_MERGED].digest, b);
		res->verdict = ESEAL_VERIFY_BAD;
		return eseal_errorf(err, EKEYREJECTED,
				    "the layers give an EROFS image of digest %s:%s, the seal signs %s:%s",
				    eseal_hash_name(s->alg), a,
				    eseal_hash_name(s->alg), b);
	}
	return 0;
}

static int verify_layout(const struct eseal_source *src,
			 const struct eseal_oci_verify_opts *o,
			 struct eseal_oci_verify_result *res,
			 struct eseal_error *err)
{
	struct oci_layout *l = NULL;
	struct oci_found f = { 0 };
	struct docs d = { 0 };
	int r, i;

	res->verdict = ESEAL_VERIFY_ERROR;
	r = oci_layout_open(src->path, src->kind == ESEAL_SOURCE_OCI_ARCHIVE,
			    &l, err);
	if (!r)
		r = docs_from_layout(l, src->ref, o->platform, &d, err);
	if (!r) {
		dup_str(res->manifest, sizeof(res->manifest),
			d.img.desc.digest.str);
		res->layers = (unsigned int)d.img.manifest.n_layers;
		r = oci_find_seals(l, &d.img.desc, d.mbuf, d.mlen, o->hash_alg,
				   &f, err);
	}
	if (r) {
		/* a blob that is not what its digest says is bad content */
		if (r == -EINVAL)
			res->verdict = ESEAL_VERIFY_BAD;
		goto out;
	}
	r = i = choose_seal(&f, &d, o, res, err);
	if (i >= 0)
		r = regenerate(src->path, &d, &f.seals[i], o, res, err);
	if (!r)
		res->verdict = ESEAL_VERIFY_OK;
out:
	oci_found_fini(&f);
	docs_fini(&d);
	oci_layout_close(l);
	return r;
}

/* ---- verify: a registry (pull) ----------------------------------------- */

/* "docker://HOST/REPO" of "docker://HOST/REPO[:TAG|@DIGEST]", malloc'd */
static char *docker_repo(const char *ref)
{
	const char *s = ref + strlen(DOCKER_PREFIX), *slash, *end;

	end = strchr(s, '@');
	if (!end) {
		slash = strrchr(s, '/');
		end = strchr(slash ? slash : s, ':');
	}
	return strndup(ref, end ? (size_t)(end - ref) : strlen(ref));
}

/* skopeo inspect --raw [--config] REF, at most OCI_JSON_MAX bytes */
static int inspect(const struct eseal_registry_opts *reg, const char *step,
		   const char *ref, bool config, uint8_t **buf, size_t *len,
		   struct eseal_error *err)
{
	const char *args[] = { "--raw", config ? "--config" : ref,
			       config ? ref : NULL, NULL };

	return oci_skopeo(reg, step, "inspect", OCI_SIDE_NONE, args, buf, len,
			  OCI_JSON_MAX, err);
}

/* skopeo copy --quiet --preserve-digests FROM oci:CACHE */
static int copy_in(const struct eseal_registry_opts *reg, const char *step,
		   const char *from, const char *cache,
		   struct eseal_error *err)
{
	char *to;
	int r;

	if (asprintf(&to, "oci:%s", cache) < 0)
		return eseal_errorf(err, ENOMEM, "out of memory");
	r = oci_skopeo(reg, step, "copy", OCI_SIDE_SRC,
		       (const char *[]){ "--quiet", "--preserve-digests", from,
					 to, NULL },
		       NULL, NULL, 1u << 20, err);
	free(to);
	return r;
}

/* The image manifest REF names, resolving an image index by platform */
static int fetch_manifest(const struct eseal_registry_opts *reg,
			  const char *source, const char *repo,
			  const char *platform, struct docs *d,
			  struct eseal_error *err)
{
	struct oci_index x = { 0 };
	const struct oci_desc *pick;
	char step[700], *mt = NULL, *ref;
	int r, depth;

	snprintf(step, sizeof(step), "fetching the manifest of %s", source);
	r = inspect(reg, step, source, false, &d->mbuf, &d->mlen, err);
	for (depth = 0; !r; depth++) {
		r = oci_json_media_type(d->mbuf, d->mlen, source, &mt, err);
		if (r || !oci_is_index_type(mt))
			break;
		r = oci_index_parse(d->mbuf, d->mlen, source, &x, err);
		if (!r && depth == 2)
			r = eseal_errorf(err, ELOOP,
					 "%s: image indexes nested too deep",
					 source);
		if (!r)
			r = oci_index_pick(&x, platform, source, &pick, err);
		if (r)
			break;
		if (asprintf(&ref, "%s@%s", repo, pick->digest.str) < 0) {
			r = eseal_errorf(err, ENOMEM, "out of memory");
			break;
		}
		oci_index_fini(&x);
		free(d->mbuf);
		free(mt);
		mt = NULL;
		d->mbuf = NULL;
		r = inspect(reg, step, ref, false, &d->mbuf, &d->mlen, err);
		free(ref);
	}
	oci_index_fini(&x);
	if (!r)
		r = oci_manifest_parse(d->mbuf, d->mlen, source,
				       &d->img.manifest, err);
	if (!r && d->img.manifest.artifact_type)
		r = eseal_errorf(err, EINVAL, "%s: an artifact (%s), not an image",
				 source, d->img.manifest.artifact_type);
	if (!r)
		r = oci_digest_of(d->mbuf, d->mlen, ESEAL_HASH_SHA256,
				  &d->img.desc.digest);
	if (!r) {
		d->img.desc.size = d->mlen;
		d->img.desc.media_type = mt ? mt : strdup(OCI_MT_MANIFEST);
		mt = NULL;
		if (!d->img.desc.media_type)
			r = eseal_errorf(err, ENOMEM, "out of memory");
	}
	free(mt);
	return r;
}

/* The referrers of the manifest, filtered, copied into the cache and
 * listed under its referrers tag there (the tag is dropped when none) */
static int fetch_seals(const struct eseal_registry_opts *reg,
		       const char *repo, const char *cache,
		       const struct docs *d, int alg, struct oci_layout **lp,
		       struct oci_found *found, struct eseal_error *err)
{
	struct oci_index refs = { 0 };
	struct eseal_error e = { 0 };
	struct oci_digest got, idx;
	struct oci_seal s;
	struct oci_tag t = { 0 };
	char tag[OCI_REF_TAG_MAX], step[400], *ref = NULL;
	uint8_t *buf = NULL;
	size_t len, i, n = 0;
	uint64_t idx_size = 0;
	int r;

	oci_referrers_tag(&d->img.desc.digest, tag);
	if (asprintf(&ref, "%s:%s", repo, tag) < 0)
		return eseal_errorf(err, ENOMEM, "out of memory");
	snprintf(step, sizeof(step), "looking for seals (tag %s)", tag);
	r = inspect(reg, step, ref, false, &buf, &len, &e);
	free(ref);
	if (r && strstr(e.msg, "manifest unknown"))
		r = 0;		/* no referrers */
	else if (r)
		*err = e;
	else
		r = oci_index_parse(buf, len, step, &refs, err);
	free(buf);
	buf = NULL;
	for (i = 0; !r && i < refs.n_manifests; i++) {
		const struct oci_desc *a = &refs.manifests[i];

		if ((a->artifact_type &&
		     strcmp(a->artifact_type, ESEAL_OCI_ARTIFACT_TYPE)) ||
		    !oci_is_manifest_type(a->media_type))
			continue;
		if (asprintf(&ref, "%s@%s", repo, a->digest.str) < 0) {
			r = eseal_errorf(err, ENOMEM, "out of memory");
			break;
		}
		snprintf(step, sizeof(step), "fetching the seal %s",
			 a->digest.str);
		r = inspect(reg, step, ref, false, &buf, &len, err);
		if (!r && (oci_digest_of(buf, len, a->digest.alg, &got) ||
			   strcmp(got.str, a->digest.str)))
			r = eseal_errorf(err, EINVAL,
					 "%s: the registry sent a manifest of digest %s",
					 step, got.str);
		/* only what is a composefs artifact (of alg) is copied */
		if (!r) {
			bool want = false;
			int pr = oci_artifact_parse(buf, len, step, &s, &e);

			if (!pr) {
				want = !alg || s.alg == alg;
				oci_seal_fini(&s);
			} else if (pr != -ENOMSG) {
				r = oci_found_add_bad(found, &e);
			}
			if (!r && want)
				r = copy_in(reg, step, ref, cache, err);
			if (!r && want && !*lp)
				r = oci_layout_open(cache, false, lp, err);
			if (!r && want)
				r = oci_add_referrer(*lp, &d->img.desc,
						     &a->digest, len, n == 0,
						     &idx, &idx_size, err);
			n += !r && want;
			memset(&e, 0, sizeof(e));
		}
		free(ref);
		free(buf);
		buf = NULL;
	}
	oci_index_fini(&refs);
	if (r)
		return r;
	if (!*lp && !access(cache, F_OK))
		r = oci_layout_open(cache, false, lp, err);
	if (r || !*lp)
		return r;
	/* the cache's tag lists what the registry lists now, or goes */
	t.name = tag;
	t.media_type = n ? OCI_MT_INDEX : NULL;
	t.digest = &idx;
	t.size = idx_size;
	return oci_layout_set_tags(*lp, &t, 1, err);
}

/* Which of the manifest's layers the cache lacks */
static unsigned int missing_layers(struct oci_layout *l, const struct docs *d)
{
	const struct oci_manifest *m = &d->img.manifest;
	unsigned int n = 0;
	char name[OCI_DIGEST_STR_MAX + 16];
	struct stat st;
	size_t i;

	for (i = 0; i < m->n_layers; i++) {
		snprintf(name, sizeof(name), "blobs/%.6s/%s",
			 m->layers[i].digest.str, m->layers[i].digest.str + 7);
		n += !l || fstatat(oci_layout_dirfd(l), name, &st,
				   AT_SYMLINK_NOFOLLOW) < 0 ||
		     !S_ISREG(st.st_mode);
	}
	return n;
}

/* The cache: given, or <store>/.erofs-seal/oci (made as needed) */
static int cache_path(const struct eseal_oci_verify_opts *o, char **out,
		      struct eseal_error *err)
{
	char *dir;

	if (o->cache) {
		*out = strdup(o->cache);
	} else {
		if (!o->store_dir)
			return eseal_errorf(err, EINVAL,
					    "a docker:// source needs a store or a cache to fetch the image into");
		if (asprintf(&dir, "%s/.erofs-seal", o->store_dir) < 0)
			return eseal_errorf(err, ENOMEM, "out of memory");
		if ((mkdir(o->store_dir, 0755) < 0 && errno != EEXIST) ||
		    (mkdir(dir, 0755) < 0 && errno != EEXIST)) {
			int e = errno;

			eseal_syserrorf(err, e, "%s", dir);
			free(dir);
			return -e;
		}
		if (asprintf(out, "%s/oci", dir) < 0)
			*out = NULL;
		free(dir);
	}
	if (!*out)
		return eseal_errorf(err, ENOMEM, "out of memory");
	if (strchr(*out, ':')) {
		eseal_errorf(err, EINVAL,
			     "%s: a cache path cannot hold ':' (skopeo's oci: syntax)",
			     *out);
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

static int verify_registry(const char *source,
			   const struct eseal_oci_verify_opts *o,
			   struct eseal_oci_verify_result *res,
			   struct eseal_error *err)
{
	const struct eseal_registry_opts *reg = o->registry;
	struct oci_found pre = { 0 }, f = { 0 };
	struct oci_layout *l = NULL;
	struct oci_digest got;
	struct docs d = { 0 };
	char *repo = NULL, *cache = NULL, *mref = NULL, step[700];
	size_t k;
	int r, i;

	res->verdict = ESEAL_VERIFY_ERROR;
	r = cache_path(o, &cache, err);
	if (r)
		return r;
	repo = docker_repo(source);
	if (!repo) {
		r = eseal_errorf(err, ENOMEM, "out of memory");
		goto out;
	}
	r = fetch_manifest(reg, source, repo, o->platform, &d, err);
	if (r) {
		if (r == -EINVAL)
			res->verdict = ESEAL_VERIFY_BAD;
		goto out;
	}
	dup_str(res->manifest, sizeof(res->manifest), d.img.desc.digest.str);
	res->layers = (unsigned int)d.img.manifest.n_layers;
	if (asprintf(&mref, "%s@%s", repo, d.img.desc.digest.str) < 0) {
		r = eseal_errorf(err, ENOMEM, "out of memory");
		goto out;
	}
	snprintf(step, sizeof(step), "fetching the config of %s", source);
	r = inspect(reg, step, mref, true, &d.cbuf, &d.clen, err);
	if (r)
		goto out;
	if (oci_digest_of(d.cbuf, d.clen, d.img.manifest.config.digest.alg,
			  &got) ||
	    strcmp(got.str, d.img.manifest.config.digest.str) ||
	    d.clen != d.img.manifest.config.size) {
		res->verdict = ESEAL_VERIFY_BAD;
		r = eseal_errorf(err, EINVAL,
				 "%s: the config has digest %s and %zu bytes, the manifest says %s and %llu",
				 step, got.str, d.clen,
				 d.img.manifest.config.digest.str,
				 (unsigned long long)d.img.manifest.config.size);
		goto out;
	}
	/* the signatures first: nothing large is fetched before they hold */
	r = fetch_seals(reg, repo, cache, &d, o->hash_alg, &l, &pre, err);
	if (!r)
		r = oci_find_seals(l, &d.img.desc, d.mbuf, d.mlen, o->hash_alg,
				   &f, err);
	for (k = 0; !r && k < pre.n_bad; k++)
		r = oci_found_add_bad(&f, &pre.bad[k]);
	if (r)
		goto out;
	r = i = choose_seal(&f, &d, o, res, err);
	if (i < 0)
		goto out;
	res->layers_fetched = missing_layers(l, &d);
	snprintf(step, sizeof(step), "fetching the layers of %s", source);
	r = copy_in(reg, step, mref, cache, err);
	/* skopeo checks each blob's digest: one that differs is bad content */
	if (r && strstr(err->msg, "did not match"))
		res->verdict = ESEAL_VERIFY_BAD;
	if (!r)
		r = regenerate(cache, &d, &f.seals[i], o, res, err);
	if (!r)
		res->verdict = ESEAL_VERIFY_OK;
out:
	oci_found_fini(&pre);
	oci_found_fini(&f);
	oci_layout_close(l);
	docs_fini(&d);
	free(mref);
	free(repo);
	free(cache);
	return r;
}

int eseal_oci_verify(const char *source,
		     const struct eseal_oci_verify_opts *o,
		     struct eseal_oci_verify_result *res,
		     struct eseal_error *err)
{
	struct eseal_source src = { .fd = -1 };
	int r;

	if (!res || !res->size)
		return eseal_errorf(err, EINVAL, "eseal_oci_verify: no result");
	memset((char *)res + sizeof(res->size), 0,
	       sizeof(*res) - sizeof(res->size));
	res->verdict = ESEAL_VERIFY_ERROR;
	if (!o || !o->size || !o->trust)
		return eseal_errorf(err, EINVAL,
				    "eseal_oci_verify: nothing to trust");
	if (o->hash_alg && o->hash_alg != ESEAL_HASH_SHA256 &&
	    o->hash_alg != ESEAL_HASH_SHA512)
		return eseal_errorf(err, EINVAL, "unknown hash algorithm %d",
				    o->hash_alg);
	if (!strncmp(source, DOCKER_PREFIX, strlen(DOCKER_PREFIX)))
		return verify_registry(source, o, res, err);
	r = eseal_source_parse(source, &src, err);
	if (!r && src.kind != ESEAL_SOURCE_OCI &&
	    src.kind != ESEAL_SOURCE_OCI_ARCHIVE)
		r = eseal_errorf(err, EINVAL,
				 "%s: not an image (docker://..., oci:LAYOUT[:REF] or oci-archive:FILE[:REF])",
				 source);
	if (!r)
		r = verify_layout(&src, o, res, err);
	eseal_source_free(&src);
	if (r && res->verdict == ESEAL_VERIFY_OK)
		res->verdict = ESEAL_VERIFY_ERROR;
	return r;
}

void eseal_oci_verify_result_fini(struct eseal_oci_verify_result *r)
{
	if (!r)
		return;
	free(r->signature);
	r->signature = NULL;
	r->signature_len = 0;
}

/* ---- push ------------------------------------------------------------------ */

int eseal_oci_push(const char *source, const char *dest,
		   const struct eseal_registry_opts *reg,
		   struct eseal_error *err)
{
	struct eseal_source src = { .fd = -1 };
	struct oci_index top = { 0 };
	struct oci_layout *l = NULL;
	struct docs d = { 0 };
	const struct oci_desc *tagged = NULL;
	char tag[OCI_REF_TAG_MAX], name[600], *from = NULL, *to = NULL;
	char *repo = NULL;
	uint8_t *buf;
	size_t len, i;
	int r;

	r = eseal_source_parse(source, &src, err);
	if (!r && (src.kind != ESEAL_SOURCE_OCI || !src.ref ||
		   src.ref[0] == '@'))
		r = eseal_errorf(err, EINVAL,
				 "%s: push copies a tagged image of a layout: give oci:LAYOUT:TAG",
				 source);
	if (!r && strncmp(dest, DOCKER_PREFIX, strlen(DOCKER_PREFIX)))
		r = eseal_errorf(err, EINVAL,
				 "%s: the destination is a registry: docker://HOST/REPO:TAG",
				 dest);
	if (!r)
		r = oci_layout_open(src.path, false, &l, err);
	if (!r)
		r = docs_from_layout(l, src.ref, NULL, &d, err);
	if (!r)
		r = oci_layout_read(l, "index.json", OCI_JSON_MAX, &buf, &len,
				    err);
	if (!r) {
		snprintf(name, sizeof(name), "%s/index.json", src.path);
		r = oci_index_parse(buf, len, name, &top, err);
		free(buf);
	}
	for (i = 0; !r && i < top.n_manifests; i++)
		if (top.manifests[i].ref_name &&
		    !strcmp(top.manifests[i].ref_name, src.ref))
			tagged = &top.manifests[i];
	repo = docker_repo(dest);
	if (!r && (!repo || asprintf(&from, "oci:%s:%s", src.path, src.ref) < 0))
		r = eseal_errorf(err, ENOMEM, "out of memory");
	/* the manifest unchanged: its digest is the seal's subject */
	if (!r) {
		bool all = tagged && oci_is_index_type(tagged->media_type);

		snprintf(name, sizeof(name), "pushing %s to %s", source, dest);
		r = oci_skopeo(reg, name, "copy", OCI_SIDE_DEST,
			       (const char *[]){ "--quiet",
						 "--preserve-digests",
						 all ? "--all" : from,
						 all ? from : dest,
						 all ? dest : NULL, NULL },
			       NULL, NULL, 1u << 20, err);
	}
	/*
	 * Then its referrers tag: skopeo rewrites an index it copies
	 * (dropping artifactType), so its digest may change; the artifacts
	 * it lists are copied unchanged.
	 */
	oci_referrers_tag(&d.img.desc.digest, tag);
	for (i = 0, tagged = NULL; !r && i < top.n_manifests; i++)
		if (top.manifests[i].ref_name &&
		    !strcmp(top.manifests[i].ref_name, tag))
			tagged = &top.manifests[i];
	if (!r && tagged) {
		free(from);
		from = NULL;
		if (asprintf(&from, "oci:%s:%s", src.path, tag) < 0 ||
		    asprintf(&to, "%s:%s", repo, tag) < 0)
			r = eseal_errorf(err, ENOMEM, "out of memory");
		snprintf(name, sizeof(name), "pushing the seals of %s (tag %s)",
			 source, tag);
		if (!r)
			r = oci_skopeo(reg, name, "copy", OCI_SIDE_DEST,
				       (const char *[]){ "--quiet", "--all",
							 from, to, NULL },
				       NULL, NULL, 1u << 20, err);
	}
	free(from);
	free(to);
	free(repo);
	oci_index_fini(&top);
	docs_fini(&d);
	oci_layout_close(l);
	eseal_source_free(&src);
	return r;
}
