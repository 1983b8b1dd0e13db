// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * composefs's OCI sealing (composefs-rs crates/composefs-oci/src/
 * sealing_spec.rs), the documents: role-prefixed annotation keys, the
 * artifact manifest (an OCI image manifest with artifactType
 * application/vnd.composefs.metadata.v1, the empty config, one PKCS#7
 * signature layer per role in the spec's order, and a subject), and the
 * inline form (the same keys as annotations of the image manifest, the
 * signatures base64 under "<key>.sig").
 *
 * What a registry hands us is checked here, strictly: one algorithm per
 * seal, each role at most once and in order, lowercase hex of the
 * algorithm's size, signatures of at most ESEAL_SIG_MAX bytes.  Where the
 * spec leaves a choice, docs/oci.md ("Signed images") says which was made.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "oci.h"

static const char *const role_names[OCI_N_ROLES] = {
	[OCI_ROLE_MANIFEST] = "manifest",
	[OCI_ROLE_CONFIG] = "config",
	[OCI_ROLE_MERGED] = "merged.erofs.v1",
	[OCI_ROLE_BOOTABLE] = "merged.bootable.erofs.v1",
};

const char *oci_role_key(int role, int alg, char buf[OCI_KEY_MAX])
{
	snprintf(buf, OCI_KEY_MAX, OCI_ANNOT_PREFIX "%s.fsverity-%s-12",
		 role_names[role], eseal_hash_name(alg));
	return buf;
}

/* The role and algorithm of a composefs annotation key, or -1 */
static int key_role(const char *key, int *alg)
{
	static const int algs[] = { ESEAL_HASH_SHA256, ESEAL_HASH_SHA512 };
	char buf[OCI_KEY_MAX];
	size_t a;
	int role;

	for (role = 0; role < OCI_N_ROLES; role++)
		for (a = 0; a < ARRAY_SIZE(algs); a++)
			if (!strcmp(key, oci_role_key(role, algs[a], buf))) {
				*alg = algs[a];
				return role;
			}
	return -1;
}

/* Lowercase hex of exactly the algorithm's digest size */
static int parse_hex(const char *s, int alg, struct eseal_digest *d)
{
	size_t n = alg == ESEAL_HASH_SHA512 ? 64 : 32;

	memset(d, 0, sizeof(*d));
	if (oci_hex_lower(s, strlen(s), n, d->bytes))
		return -EINVAL;
	d->alg = (uint8_t)alg;
	d->size = (uint8_t)n;
	return 0;
}

void oci_seal_fini(struct oci_seal *s)
{
	int i;

	for (i = 0; i < OCI_N_ROLES; i++) {
		oci_desc_fini(&s->item[i].blob);
		free(s->item[i].sig);
	}
	oci_desc_fini(&s->subject);
	memset(s, 0, sizeof(*s));
}

/* ---- base64 (inline signatures) ------------------------------------------ */

static int b64_decode(const char *s, uint8_t **out, size_t *out_len)
{
	size_t n = strlen(s), i, pad = 0;
	uint8_t *buf;
	int got;

	*out = NULL;
	if (!n || n % 4 || n / 4 * 3 > ESEAL_SIG_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '=' && i >= n - 2) {
			pad++;
			continue;
		}
		if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return -EINVAL;
	}
	buf = malloc(n / 4 * 3 + 1);
	if (!buf)
		return -ENOMEM;
	got = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
	if (got < 0 || (size_t)got < pad) {
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	*out_len = (size_t)got - pad;
	return 0;
}

static char *b64_encode(const uint8_t *buf, size_t len)
{
	char *s = malloc(4 * ((len + 2) / 3) + 1);

	if (s)
		EVP_EncodeBlock((unsigned char *)s, buf, (int)len);
	return s;
}

/* ---- the artifact -------------------------------------------------------- */

/* The one composefs annotation of artifact layer i into s */
static int layer_item(json_t *layer, size_t i, const char *name,
		      struct oci_seal *s, int *last_role,
		      struct eseal_error *err)
{
	struct oci_seal_item *it = NULL;
	json_t *ann, *v;
	const char *key, *found = NULL;
	char where[32];
	int role = -1, alg = 0, r;

	snprintf(where, sizeof(where), "layer %zu", i + 1);
	ann = json_object_get(layer, "annotations");
	if (!json_is_object(ann))
		return eseal_errorf(err, EINVAL,
				    "%s: %s has no annotations (it must name what it signs)",
				    name, where);
	json_object_foreach(ann, key, v) {
		if (strncmp(key, OCI_ANNOT_PREFIX, strlen(OCI_ANNOT_PREFIX)))
			continue;	/* org.opencontainers.* and such */
		if (found)
			return eseal_errorf(err, EINVAL,
					    "%s: %s has two composefs annotations (%s and %s)",
					    name, where, found, key);
		found = key;
		role = key_role(key, &alg);
		if (role < 0)
			return eseal_errorf(err, EINVAL,
					    "%s: %s: unknown composefs annotation '%.80s' (known: composefs.{manifest,config,merged.erofs.v1,merged.bootable.erofs.v1}.fsverity-{sha256,sha512}-12)",
					    name, where, key);
		if (!json_is_string(v))
			return eseal_errorf(err, EINVAL,
					    "%s: %s: %s is not a string", name,
					    where, key);
		if (s->alg && alg != s->alg)
			return eseal_errorf(err, EINVAL,
					    "%s: %s: %s is not of the seal's algorithm %s (one algorithm per artifact)",
					    name, where, key,
					    eseal_hash_name(s->alg));
		if (role <= *last_role)
			return eseal_errorf(err, EINVAL,
					    "%s: %s: %s out of order (manifest, config, merged, merged.bootable, each once)",
					    name, where, key);
		s->alg = alg;
		it = &s->item[role];
		if (parse_hex(json_string_value(v), alg, &it->digest))
			return eseal_errorf(err, EINVAL,
					    "%s: %s: %s is not %u lowercase hex digits",
					    name, where, key,
					    alg == ESEAL_HASH_SHA512 ? 128 : 64);
	}
	if (!found)
		return eseal_errorf(err, EINVAL,
				    "%s: %s has no composefs annotation",
				    name, where);
	*last_role = role;
	it->present = true;
	r = oci_desc_parse(layer, name, where, &it->blob, err);
	if (r)
		return r;
	if (strcmp(it->blob.media_type, ESEAL_OCI_SIGNATURE_TYPE))
		return eseal_errorf(err, EINVAL,
				    "%s: %s: media type %s, not %s", name,
				    where, it->blob.media_type,
				    ESEAL_OCI_SIGNATURE_TYPE);
	if (!it->blob.size || it->blob.size > ESEAL_SIG_MAX)
		return eseal_errorf(err, EINVAL,
				    "%s: %s: a signature of %llu bytes (1 to %u allowed)",
				    name, where,
				    (unsigned long long)it->blob.size,
				    ESEAL_SIG_MAX);
	return 0;
}

int oci_artifact_parse(const void *buf, size_t len, const char *name,
		       struct oci_seal *out, struct eseal_error *err)
{
	struct oci_desc cfg = { 0 };
	json_t *root, *v, *layers;
	int r, last = -1;
	size_t i;

	memset(out, 0, sizeof(*out));
	root = oci_json_load(buf, len, name, err);
	if (!root)
		return -EINVAL;
	v = json_object_get(root, "artifactType");
	if (!json_is_string(v) ||
	    strcmp(json_string_value(v), ESEAL_OCI_ARTIFACT_TYPE)) {
		r = eseal_errorf(err, ENOMSG, "%s: not a composefs artifact",
				 name);
		goto out;
	}
	r = oci_json_check_schema(root, name, err);
	if (r)
		goto out;
	v = json_object_get(root, "mediaType");
	if (v && (!json_is_string(v) ||
		  strcmp(json_string_value(v), OCI_MT_MANIFEST))) {
		r = eseal_errorf(err, EINVAL,
				 "%s: an artifact's mediaType must be %s",
				 name, OCI_MT_MANIFEST);
		goto out;
	}
	r = oci_desc_parse(json_object_get(root, "config"), name, "the config",
			   &cfg, err);
	if (r)
		goto out;
	if (strcmp(cfg.media_type, OCI_MT_EMPTY) ||
	    strcmp(cfg.digest.str, OCI_EMPTY_DIGEST) || cfg.size != 2) {
		r = eseal_errorf(err, EINVAL,
				 "%s: the config is not the empty descriptor (%s, %s, 2 bytes)",
				 name, OCI_MT_EMPTY, OCI_EMPTY_DIGEST);
		goto out;
	}
	layers = json_object_get(root, "layers");
	if (!json_is_array(layers) || !json_array_size(layers) ||
	    json_array_size(layers) > OCI_N_ROLES) {
		r = eseal_errorf(err, EINVAL,
				 "%s: \"layers\" must list 1 to %d signatures",
				 name, OCI_N_ROLES);
		goto out;
	}
	for (i = 0; !r && i < json_array_size(layers); i++) {
		v = json_array_get(layers, i);
		if (!json_is_object(v))
			r = eseal_errorf(err, EINVAL,
					 "%s: layer %zu is not an object",
					 name, i + 1);
		else
			r = layer_item(v, i, name, out, &last, err);
	}
	if (r)
		goto out;
	/*
	 * The spec: the merged EROFS always, and with signatures (an
	 * artifact's layers are signatures) the manifest and config too.
	 */
	for (i = 0; i <= OCI_ROLE_MERGED; i++)
		if (!out->item[i].present) {
			char key[OCI_KEY_MAX];

			r = eseal_errorf(err, EINVAL,
					 "%s: no %s signature (an artifact signs the manifest, the config and the merged EROFS)",
					 name, oci_role_key((int)i, out->alg,
							    key));
			goto out;
		}
	v = json_object_get(root, "subject");
	if (!v) {
		r = eseal_errorf(err, EINVAL, "%s: no \"subject\"", name);
		goto out;
	}
	r = oci_desc_parse(v, name, "the subject", &out->subject, err);
	if (!r && !oci_is_manifest_type(out->subject.media_type))
		r = eseal_errorf(err, EINVAL,
				 "%s: the subject is a %s, not an image manifest",
				 name, out->subject.media_type);
	if (!r)
		r = oci_digest_of(buf, len, ESEAL_HASH_SHA256, &out->artifact);
out:
	oci_desc_fini(&cfg);
	json_decref(root);
	if (r)
		oci_seal_fini(out);
	return r;
}

static json_t *desc_json(const char *media_type, const char *digest,
			 uint64_t size)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest",
			 digest, "size", (json_int_t)size);
}

/* A document as compact JSON, in insertion order, malloc'd */
static int dump(json_t *root, uint8_t **buf, size_t *len,
		struct eseal_error *err)
{
	char *s = json_dumps(root, JSON_COMPACT);

	if (!s)
		return eseal_errorf(err, ENOMEM, "out of memory");
	*buf = (uint8_t *)s;
	*len = strlen(s);
	return 0;
}

int oci_artifact_make(const struct oci_seal *s, const struct oci_desc *subject,
		      uint8_t **buf, size_t *len, struct eseal_error *err)
{
	char key[OCI_KEY_MAX], hex[2 * ESEAL_DIGEST_MAX + 1];
	json_t *root, *layers, *l;
	struct oci_digest d;
	int i, r = -ENOMEM;

	root = json_pack("{s:i, s:s, s:s}", "schemaVersion", 2, "mediaType",
			 OCI_MT_MANIFEST, "artifactType",
			 ESEAL_OCI_ARTIFACT_TYPE);
	layers = json_array();
	if (!root || !layers ||
	    json_object_set_new(root, "config",
				desc_json(OCI_MT_EMPTY, OCI_EMPTY_DIGEST, 2)))
		goto out;
	for (i = 0; i < OCI_N_ROLES; i++) {
		const struct oci_seal_item *it = &s->item[i];

		if (!it->present)
			continue;
		if (oci_digest_of(it->sig, it->sig_len, ESEAL_HASH_SHA256, &d))
			goto out;
		eseal_digest_hex(&it->digest, hex);
		l = desc_json(ESEAL_OCI_SIGNATURE_TYPE, d.str, it->sig_len);
		if (!l || json_object_set_new(l, "annotations",
					      json_pack("{s:s}",
							oci_role_key(i, s->alg,
								     key),
							hex)) ||
		    json_array_append_new(layers, l))
			goto out;
	}
	if (json_object_set(root, "layers", layers) ||
	    json_object_set_new(root, "subject",
				desc_json(subject->media_type,
					  subject->digest.str, subject->size)))
		goto out;
	r = dump(root, buf, len, err);
out:
	json_decref(layers);
	json_decref(root);
	if (r == -ENOMEM)
		eseal_errorf(err, ENOMEM, "out of memory");
	return r;
}

/* ---- inline -------------------------------------------------------------- */

/* The item of role from an annotations object: 1 found, 0 not, -errno */
static int inline_item(json_t *ann, int role, int alg, const char *name,
		       const char *where, struct oci_seal_item *it,
		       struct eseal_error *err)
{
	char key[OCI_KEY_MAX], sigkey[OCI_KEY_MAX + 4];
	json_t *v, *sv;

	oci_role_key(role, alg, key);
	v = json_is_object(ann) ? json_object_get(ann, key) : NULL;
	if (!v)
		return 0;
	snprintf(sigkey, sizeof(sigkey), "%s.sig", key);
	sv = json_object_get(ann, sigkey);
	if (!json_is_string(v) ||
	    parse_hex(json_string_value(v), alg, &it->digest))
		return eseal_errorf(err, EINVAL,
				    "%s: %s: %s is not %u lowercase hex digits",
				    name, where, key,
				    alg == ESEAL_HASH_SHA512 ? 128 : 64);
	if (!sv)
		return eseal_errorf(err, EINVAL,
				    "%s: %s: %s has no signature (%s)", name,
				    where, key, sigkey);
	if (!json_is_string(sv) ||
	    b64_decode(json_string_value(sv), &it->sig, &it->sig_len))
		return eseal_errorf(err, EINVAL,
				    "%s: %s: %s is not base64 of at most %u bytes",
				    name, where, sigkey, ESEAL_SIG_MAX);
	it->present = true;
	return 1;
}

int oci_inline_parse(const void *buf, size_t len, const char *name, int alg,
		     struct oci_seal *out, struct eseal_error *err)
{
	json_t *root, *ann, *cfg;
	char key[OCI_KEY_MAX];
	int r;

	memset(out, 0, sizeof(*out));
	out->inline_mode = true;
	out->alg = alg;
	root = oci_json_load(buf, len, name, err);
	if (!root)
		return -EINVAL;
	ann = json_object_get(root, "annotations");
	cfg = json_object_get(json_object_get(root, "config"), "annotations");
	r = inline_item(ann, OCI_ROLE_MERGED, alg, name, "the manifest",
			&out->item[OCI_ROLE_MERGED], err);
	if (r == 0)
		r = -ENOENT;	/* not sealed inline with this algorithm */
	if (r > 0)
		r = inline_item(cfg, OCI_ROLE_CONFIG, alg, name, "the config",
				&out->item[OCI_ROLE_CONFIG], err);
	if (r == 0)
		r = eseal_errorf(err, EINVAL,
				 "%s: sealed inline without a config digest (%s on the config descriptor)",
				 name, oci_role_key(OCI_ROLE_CONFIG, alg, key));
	if (r > 0)
		r = inline_item(ann, OCI_ROLE_BOOTABLE, alg, name,
				"the manifest", &out->item[OCI_ROLE_BOOTABLE],
				err);
	json_decref(root);
	if (r < 0) {
		oci_seal_fini(out);
		return r;
	}
	out->inline_mode = true;
	out->alg = alg;
	return 0;
}

/* Set role's digest and signature in the annotations of obj */
static int inline_set(json_t *obj, const struct oci_seal *s, int role)
{
	char key[OCI_KEY_MAX], sigkey[OCI_KEY_MAX + 4];
	char hex[2 * ESEAL_DIGEST_MAX + 1];
	const struct oci_seal_item *it = &s->item[role];
	json_t *ann = json_object_get(obj, "annotations");
	char *b64;
	int r;

	if (!it->present)
		return 0;
	if (!json_is_object(ann)) {
		ann = json_object();
		if (!ann || json_object_set_new(obj, "annotations", ann))
			return -ENOMEM;
	}
	oci_role_key(role, s->alg, key);
	snprintf(sigkey, sizeof(sigkey), "%s.sig", key);
	eseal_digest_hex(&it->digest, hex);
	b64 = b64_encode(it->sig, it->sig_len);
	if (!b64)
		return -ENOMEM;
	r = json_object_set_new(ann, key, json_string(hex)) ||
	    json_object_set_new(ann, sigkey, json_string(b64));
	free(b64);
	return r ? -ENOMEM : 0;
}

int oci_inline_make(const void *buf, size_t len, const char *name,
		    const struct oci_seal *s, uint8_t **out, size_t *out_len,
		    struct eseal_error *err)
{
	json_t *root, *cfg;
	int r;

	root = oci_json_load(buf, len, name, err);
	if (!root)
		return -EINVAL;
	cfg = json_object_get(root, "config");
	if (!json_is_object(cfg)) {
		json_decref(root);
		return eseal_errorf(err, EINVAL, "%s: no config descriptor",
				    name);
	}
	r = inline_set(cfg, s, OCI_ROLE_CONFIG);
	if (!r)
		r = inline_set(root, s, OCI_ROLE_MERGED);
	if (r)
		r = eseal_errorf(err, ENOMEM, "out of memory");
	else
		r = dump(root, out, out_len, err);
	json_decref(root);
	return r;
}
