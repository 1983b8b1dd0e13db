// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Finding the seals of an image manifest, and adding one, in an image
 * layout.  Referrers follow the distribution spec 1.1's referrers tag
 * schema: the tag "<alg>-<hex of the manifest digest>" names an image
 * index whose entries are the manifests that refer to it.  (The
 * referrers API of a registry is not used: erofs-seal talks to
 * registries only through skopeo, which has no command for it; see
 * docs/oci.md.)  An entry's artifactType is only a hint: skopeo 1.9.3
 * drops it when it copies an index, so every entry that may be a
 * composefs artifact is read, and its own artifactType and subject count.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "oci.h"

void oci_referrers_tag(const struct oci_digest *d, char buf[OCI_REF_TAG_MAX])
{
	snprintf(buf, OCI_REF_TAG_MAX, "%.6s-%s", d->str, d->str + 7);
}

bool oci_is_referrers_tag(const char *name)
{
	struct oci_digest d;
	char s[OCI_DIGEST_STR_MAX];
	size_t n = strlen(name);

	if (n < 8 || n >= sizeof(s) || name[6] != '-')
		return false;
	memcpy(s, name, n + 1);
	s[6] = ':';
	return !oci_digest_parse(s, n, &d);
}

void oci_found_fini(struct oci_found *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		oci_seal_fini(&f->seals[i]);
	free(f->seals);
	free(f->bad);
	memset(f, 0, sizeof(*f));
}

static int add_seal(struct oci_found *f, struct oci_seal *s)
{
	struct oci_seal *n = realloc(f->seals, (f->n + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	f->seals = n;
	f->seals[f->n++] = *s;
	memset(s, 0, sizeof(*s));
	return 0;
}

int oci_found_add_bad(struct oci_found *f, const struct eseal_error *e)
{
	struct eseal_error *n = realloc(f->bad, (f->n_bad + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	f->bad = n;
	f->bad[f->n_bad++] = *e;
	return 0;
}

/* The index.json entry of tag, or NULL */
static const struct oci_desc *find_tag(const struct oci_index *x,
				       const char *tag)
{
	size_t i;

	for (i = 0; i < x->n_manifests; i++)
		if (x->manifests[i].ref_name &&
		    !strcmp(x->manifests[i].ref_name, tag))
			return &x->manifests[i];
	return NULL;
}

static int read_index(struct oci_layout *l, struct oci_index *x,
		      struct eseal_error *err)
{
	char name[600];
	uint8_t *buf;
	size_t len;
	int r;

	r = oci_layout_read(l, "index.json", OCI_JSON_MAX, &buf, &len, err);
	if (r)
		return r;
	snprintf(name, sizeof(name), "%s/index.json", oci_layout_name(l));
	r = oci_index_parse(buf, len, name, x, err);
	free(buf);
	return r;
}

/* One entry of the referrers index: a seal, nothing, or a bad one */
static int try_artifact(struct oci_layout *l, const struct oci_desc *d,
			int alg, struct oci_found *f, struct eseal_error *err)
{
	struct eseal_error e = { 0 };
	struct oci_seal s = { 0 };
	char name[600];
	uint8_t *buf = NULL;
	size_t len;
	int r, i;

	if ((d->artifact_type &&
	     strcmp(d->artifact_type, ESEAL_OCI_ARTIFACT_TYPE)) ||
	    !oci_is_manifest_type(d->media_type))
		return 0;
	snprintf(name, sizeof(name), "%s: artifact %s", oci_layout_name(l),
		 d->digest.str);
	r = oci_blob_read(l, d, OCI_JSON_MAX, &buf, &len, &e);
	if (!r)
		r = oci_artifact_parse(buf, len, name, &s, &e);
	free(buf);
	if (r == -ENOMSG)
		return 0;	/* some other artifact */
	if (!r && alg && s.alg != alg) {
		oci_seal_fini(&s);
		return 0;
	}
	for (i = 0; !r && i < OCI_N_ROLES; i++)
		if (s.item[i].present)
			r = oci_blob_read(l, &s.item[i].blob, ESEAL_SIG_MAX,
					  &s.item[i].sig, &s.item[i].sig_len,
					  &e);
	if (!r)
		r = add_seal(f, &s);
	else if (r != -ENOMEM)
		r = oci_found_add_bad(f, &e);
	oci_seal_fini(&s);
	return r == -ENOMEM ? eseal_errorf(err, ENOMEM, "out of memory") : 0;
}

int oci_find_seals(struct oci_layout *l, const struct oci_desc *manifest,
		   const void *mbuf, size_t mlen, int alg,
		   struct oci_found *out, struct eseal_error *err)
{
	static const int algs[] = { ESEAL_HASH_SHA256, ESEAL_HASH_SHA512 };
	struct oci_index top = { 0 }, refs = { 0 };
	const struct oci_desc *t;
	struct eseal_error e = { 0 };
	struct oci_seal s;
	char tag[OCI_REF_TAG_MAX], name[600];
	uint8_t *buf = NULL;
	size_t len, i;
	int r;

	memset(out, 0, sizeof(*out));
	oci_referrers_tag(&manifest->digest, tag);
	/* no layout: only inline seals */
	r = l ? read_index(l, &top, err) : 0;
	if (r)
		return r;
	t = l ? find_tag(&top, tag) : NULL;
	if (t) {
		snprintf(name, sizeof(name), "%s: referrers index %s (tag %s)",
			 oci_layout_name(l), t->digest.str, tag);
		r = oci_blob_read(l, t, OCI_JSON_MAX, &buf, &len, err);
		if (!r)
			r = oci_index_parse(buf, len, name, &refs, err);
		free(buf);
	}
	for (i = 0; !r && i < refs.n_manifests; i++)
		r = try_artifact(l, &refs.manifests[i], alg, out, err);
	snprintf(name, sizeof(name), "%s%smanifest %s",
		 l ? oci_layout_name(l) : "", l ? ": " : "",
		 manifest->digest.str);
	for (i = 0; !r && i < ARRAY_SIZE(algs); i++) {
		if (alg && algs[i] != alg)
			continue;
		r = oci_inline_parse(mbuf, mlen, name, algs[i], &s, &e);
		if (!r)
			r = add_seal(out, &s);
		else if (r == -ENOENT)
			r = 0;
		else if (r != -ENOMEM)
			r = oci_found_add_bad(out, &e);
		if (r == -ENOMEM)
			r = eseal_errorf(err, ENOMEM, "out of memory");
	}
	oci_index_fini(&top);
	oci_index_fini(&refs);
	if (r)
		oci_found_fini(out);
	return r;
}

int oci_add_referrer(struct oci_layout *l, const struct oci_desc *subject,
		     const struct oci_digest *artifact, uint64_t artifact_size,
		     bool fresh, struct oci_digest *index_digest,
		     uint64_t *index_size, struct eseal_error *err)
{
	struct oci_index top = { 0 };
	const struct oci_desc *t;
	char tag[OCI_REF_TAG_MAX], name[600];
	json_t *root = NULL, *list, *e, *keep = NULL;
	uint8_t *buf = NULL;
	size_t len, i;
	char *out = NULL;
	int r;

	oci_referrers_tag(&subject->digest, tag);
	r = read_index(l, &top, err);
	if (r)
		return r;
	t = fresh ? NULL : find_tag(&top, tag);
	keep = json_array();
	if (!keep)
		goto nomem;
	if (t) {
		snprintf(name, sizeof(name), "%s: referrers index %s (tag %s)",
			 oci_layout_name(l), t->digest.str, tag);
		r = oci_blob_read(l, t, OCI_JSON_MAX, &buf, &len, err);
		if (r)
			goto out;
		root = oci_json_load(buf, len, name, err);
		free(buf);
		if (!root) {
			r = -EINVAL;
			goto out;
		}
		list = json_object_get(root, "manifests");
		if (!json_is_array(list)) {
			r = eseal_errorf(err, EINVAL,
					 "%s: \"manifests\" is not an array",
					 name);
			goto out;
		}
		/* the others' referrers stay; the same artifact is not listed twice */
		json_array_foreach(list, i, e) {
			json_t *d = json_object_get(e, "digest");

			if (json_is_string(d) &&
			    !strcmp(json_string_value(d), artifact->str))
				continue;
			if (json_array_append(keep, e))
				goto nomem;
		}
		json_decref(root);
	}
	root = json_pack("{s:i, s:s}", "schemaVersion", 2, "mediaType",
			 OCI_MT_INDEX);
	e = json_pack("{s:s, s:s, s:I, s:s}", "mediaType", OCI_MT_MANIFEST,
		      "digest", artifact->str, "size", (json_int_t)artifact_size,
		      "artifactType", ESEAL_OCI_ARTIFACT_TYPE);
	if (!root || !e || json_array_append_new(keep, e) ||
	    json_object_set(root, "manifests", keep))
		goto nomem;
	out = json_dumps(root, JSON_COMPACT);
	if (!out)
		goto nomem;
	r = oci_layout_put_blob(l, out, strlen(out), index_digest, err);
	*index_size = strlen(out);
	goto out;
nomem:
	r = eseal_errorf(err, ENOMEM, "out of memory");
out:
	free(out);
	json_decref(keep);
	json_decref(root);
	oci_index_fini(&top);
	return r;
}
