// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Sealed images and registries (sealed.c tells the whole way): verify of
 * a layout or of a registry's image (pull: the manifest, config and seals
 * fetched with skopeo and checked before the layers the cache lacks are
 * fetched), and push of an image with its referrers tag.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"

#define DOCKER_PREFIX "docker://"

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
			  const char *platform, struct oci_docs *d,
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
		       const struct oci_docs *d, int alg, struct oci_layout **lp,
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
static unsigned int missing_layers(struct oci_layout *l, const struct oci_docs *d)
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
	struct oci_docs d = { 0 };
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
	snprintf(res->manifest, sizeof(res->manifest), "%s",
		 d.img.desc.digest.str);
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
	r = i = oci_choose_seal(&f, &d, o, res, err);
	if (i < 0)
		goto out;
	res->layers_fetched = missing_layers(l, &d);
	snprintf(step, sizeof(step), "fetching the layers of %s", source);
	r = copy_in(reg, step, mref, cache, err);
	/* skopeo checks each blob's digest: one that differs is bad content */
	if (r && strstr(err->msg, "did not match"))
		res->verdict = ESEAL_VERIFY_BAD;
	if (!r)
		r = oci_regenerate(cache, &d, &f.seals[i], o, res, err);
	if (!r)
		res->verdict = ESEAL_VERIFY_OK;
out:
	oci_found_fini(&pre);
	oci_found_fini(&f);
	oci_layout_close(l);
	oci_docs_fini(&d);
	free(mref);
	free(repo);
	free(cache);
	return r;
}

/* eseal_oci_verify() with options and a result of this library's size */
static int verify(const char *source, const struct eseal_oci_verify_opts *o,
		  struct eseal_oci_verify_result *res, struct eseal_error *err)
{
	struct eseal_source src = ESEAL_SOURCE_INIT;
	int r;

	if (!o->trust)
		return eseal_errorf(err, EINVAL,
				    "eseal_oci_verify: nothing to trust");
	if (o->hash_alg && o->hash_alg != ESEAL_HASH_SHA256 &&
	    o->hash_alg != ESEAL_HASH_SHA512)
		return eseal_errorf(err, EINVAL, "unknown hash algorithm %d",
				    o->hash_alg);
	/* the layer records and the default cache are found by store_dir */
	if (o->writer && !o->store_dir)
		return eseal_errorf(err, EINVAL,
				    "eseal_oci_verify: a writer without the store_dir it opened");
	if (!strncmp(source, DOCKER_PREFIX, strlen(DOCKER_PREFIX)))
		return verify_registry(source, o, res, err);
	r = eseal_source_parse(source, &src, err);
	if (!r && src.kind != ESEAL_SOURCE_OCI &&
	    src.kind != ESEAL_SOURCE_OCI_ARCHIVE)
		r = eseal_errorf(err, EINVAL,
				 "%s: not an image (docker://..., oci:LAYOUT[:REF] or oci-archive:FILE[:REF])",
				 source);
	if (!r)
		r = oci_verify_layout(&src, o, res, err);
	eseal_source_free(&src);
	return r;
}

/* Registry options of this library's size into *full, or NULL */
static int registry_in(const struct eseal_registry_opts *reg,
		       struct eseal_registry_opts *full,
		       const struct eseal_registry_opts **out,
		       struct eseal_error *err)
{
	*out = NULL;
	if (!reg)
		return 0;
	*out = full;
	return eseal_abi_in(full, sizeof(*full), reg, ESEAL_V0_REGISTRY_OPTS,
			    "eseal_registry_opts", err);
}

int eseal_oci_verify(const char *source,
		     const struct eseal_oci_verify_opts *opts,
		     struct eseal_oci_verify_result *res,
		     struct eseal_error *err)
{
	struct eseal_oci_verify_result full = ESEAL_OCI_VERIFY_RESULT_INIT;
	struct eseal_registry_opts reg;
	struct eseal_oci_verify_opts o;
	int r;

	if (!res)
		return eseal_errorf(err, EINVAL, "eseal_oci_verify: no result");
	r = eseal_abi_check(res, sizeof(full), ESEAL_V0_OCI_VERIFY_RESULT,
			    "eseal_oci_verify_result", err);
	if (r)
		return r;
	full.verdict = ESEAL_VERIFY_ERROR;
	if (!source || !opts)
		r = eseal_errorf(err, EINVAL,
				 "eseal_oci_verify: no source or options");
	else
		r = eseal_abi_in(&o, sizeof(o), opts, ESEAL_V0_OCI_VERIFY_OPTS,
				 "eseal_oci_verify_opts", err);
	if (!r)
		r = registry_in(o.registry, &reg, &o.registry, err);
	if (!r)
		r = verify(source, &o, &full, err);
	if (r && full.verdict == ESEAL_VERIFY_OK)
		full.verdict = ESEAL_VERIFY_ERROR;
	eseal_abi_out(res, &full, sizeof(full));
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
		   const struct eseal_registry_opts *opts,
		   struct eseal_error *err)
{
	const struct eseal_registry_opts *reg;
	struct eseal_registry_opts full;
	struct eseal_source src = ESEAL_SOURCE_INIT;
	struct oci_index top = { 0 };
	struct oci_layout *l = NULL;
	struct oci_docs d = { 0 };
	const struct oci_desc *tagged = NULL;
	char tag[OCI_REF_TAG_MAX], name[600], *from = NULL, *to = NULL;
	char *repo = NULL;
	uint8_t *buf;
	size_t len, i;
	int r;

	if (!source || !dest)
		return eseal_errorf(err, EINVAL,
				    "eseal_oci_push: no source or destination");
	r = registry_in(opts, &full, &reg, err);
	if (!r)
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
		r = oci_docs_from_layout(l, src.ref, NULL, &d, err);
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
	oci_docs_fini(&d);
	oci_layout_close(l);
	eseal_source_free(&src);
	return r;
}
