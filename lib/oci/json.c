// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The JSON documents of an OCI image (image-spec 1.1): descriptors, image
 * indexes, manifests and configs, and Docker's schema 2 equivalents that
 * skopeo and podman may leave in a layout.  Parsed with jansson; what the
 * image spec requires is checked, unknown fields are ignored, duplicate
 * keys (which two readers could resolve differently) are refused.
 */
#include <jansson.h>
#include <stdlib.h>

#include "oci.h"

static json_t *load(const void *buf, size_t len, const char *name,
		    struct eseal_error *err)
{
	json_error_t je;
	json_t *root;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		eseal_errorf(err, EINVAL, "%s: invalid JSON at line %d: %s",
			     name, je.line, je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		eseal_errorf(err, EINVAL, "%s: not a JSON object", name);
		return NULL;
	}
	return root;
}

/*
 * The string member key of o into *out (malloc'd; NULL when absent and
 * not required).
 */
static int get_str(json_t *o, const char *key, bool required,
		   const char *name, const char *where, char **out,
		   struct eseal_error *err)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v) {
		if (required)
			return eseal_errorf(err, EINVAL, "%s: %s has no \"%s\"",
					    name, where, key);
		return 0;
	}
	if (!json_is_string(v))
		return eseal_errorf(err, EINVAL,
				    "%s: %s: \"%s\" is not a string", name,
				    where, key);
	*out = strdup(json_string_value(v));
	if (!*out)
		return eseal_errorf(err, ENOMEM, "out of memory");
	return 0;
}

static int get_digest(json_t *v, const char *name, const char *where,
		      struct oci_digest *d, struct eseal_error *err)
{
	if (!json_is_string(v) ||
	    oci_digest_parse(json_string_value(v), json_string_length(v), d))
		return eseal_errorf(err, EINVAL,
				    "%s: %s: the digest is not \"sha256:<hex>\" or \"sha512:<hex>\"",
				    name, where);
	return 0;
}

static int check_schema(json_t *root, const char *name,
			struct eseal_error *err)
{
	json_t *v = json_object_get(root, "schemaVersion");

	if (!json_is_integer(v) || json_integer_value(v) != 2)
		return eseal_errorf(err, EINVAL,
				    "%s: \"schemaVersion\" is not 2", name);
	return 0;
}

static int desc_parse(json_t *o, const char *name, const char *where,
		      struct oci_desc *d, struct eseal_error *err)
{
	json_t *v, *p;
	int r;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(o))
		return eseal_errorf(err, EINVAL, "%s: %s is not an object",
				    name, where);
	r = get_str(o, "mediaType", true, name, where, &d->media_type, err);
	if (!r)
		r = get_digest(json_object_get(o, "digest"), name, where,
			       &d->digest, err);
	if (r)
		return r;
	v = json_object_get(o, "size");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return eseal_errorf(err, EINVAL,
				    "%s: %s: \"size\" is not a byte count",
				    name, where);
	d->size = (uint64_t)json_integer_value(v);
	r = get_str(o, "artifactType", false, name, where, &d->artifact_type,
		    err);
	if (r)
		return r;
	v = json_object_get(o, "annotations");
	if (v && !json_is_object(v))
		return eseal_errorf(err, EINVAL,
				    "%s: %s: \"annotations\" is not an object",
				    name, where);
	if (v) {
		r = get_str(v, OCI_ANNOT_REF_NAME, false, name, where,
			    &d->ref_name, err);
		if (r)
			return r;
	}
	p = json_object_get(o, "platform");
	if (!p)
		return 0;
	if (!json_is_object(p))
		return eseal_errorf(err, EINVAL,
				    "%s: %s: \"platform\" is not an object",
				    name, where);
	r = get_str(p, "os", true, name, where, &d->os, err);
	if (!r)
		r = get_str(p, "architecture", true, name, where, &d->arch,
			    err);
	if (!r)
		r = get_str(p, "variant", false, name, where, &d->variant, err);
	return r;
}

/* The array member key of root as descriptors */
static int descs_parse(json_t *root, const char *key, const char *what,
		       const char *name, struct oci_desc **out, size_t *n,
		       struct eseal_error *err)
{
	json_t *a = json_object_get(root, key);
	char where[64];
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	if (!json_is_array(a))
		return eseal_errorf(err, EINVAL, "%s: \"%s\" is not an array",
				    name, key);
	if (!json_array_size(a))
		return 0;
	*out = calloc(json_array_size(a), sizeof(**out));
	if (!*out)
		return eseal_errorf(err, ENOMEM, "out of memory");
	for (i = 0; i < json_array_size(a); i++) {
		snprintf(where, sizeof(where), "%s %zu", what, i + 1);
		(*n)++;
		r = desc_parse(json_array_get(a, i), name, where, &(*out)[i],
			       err);
		if (r)
			return r;
	}
	return 0;
}

/*
 * The start of an index or a manifest: JSON, schemaVersion 2, and a
 * mediaType, when given, that is_type accepts.  *root on success (and on
 * errors after loading, for json_decref).
 */
static int doc_begin(const void *buf, size_t len, const char *name,
		     const char *what, bool (*is_type)(const char *),
		     json_t **root, char **media_type, struct eseal_error *err)
{
	int r;

	*root = load(buf, len, name, err);
	if (!*root)
		return -EINVAL;
	r = check_schema(*root, name, err);
	if (!r)
		r = get_str(*root, "mediaType", false, name, what, media_type,
			    err);
	if (!r && *media_type && !is_type(*media_type))
		r = eseal_errorf(err, EINVAL, "%s: media type %s is not %s",
				 name, *media_type, what);
	return r;
}

int oci_index_parse(const void *buf, size_t len, const char *name,
		    struct oci_index *out, struct eseal_error *err)
{
	json_t *root;
	int r;

	memset(out, 0, sizeof(*out));
	r = doc_begin(buf, len, name, "an image index", oci_is_index_type,
		      &root, &out->media_type, err);
	if (!r)
		r = descs_parse(root, "manifests", "manifest", name,
				&out->manifests, &out->n_manifests, err);
	json_decref(root);
	if (r)
		oci_index_fini(out);
	return r;
}

int oci_manifest_parse(const void *buf, size_t len, const char *name,
		       struct oci_manifest *out, struct eseal_error *err)
{
	json_t *root;
	int r;

	memset(out, 0, sizeof(*out));
	r = doc_begin(buf, len, name, "an image manifest",
		      oci_is_manifest_type, &root, &out->media_type, err);
	if (!r)
		r = get_str(root, "artifactType", false, name, "the manifest",
			    &out->artifact_type, err);
	if (!r)
		r = desc_parse(json_object_get(root, "config"), name,
			       "the config", &out->config, err);
	if (!r)
		r = descs_parse(root, "layers", "layer", name, &out->layers,
				&out->n_layers, err);
	json_decref(root);
	if (r)
		oci_manifest_fini(out);
	return r;
}

int oci_config_parse(const void *buf, size_t len, const char *name,
		     struct oci_config *out, struct eseal_error *err)
{
	json_t *root, *rootfs, *ids;
	char where[48];
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	root = load(buf, len, name, err);
	if (!root)
		return -EINVAL;
	r = get_str(root, "os", false, name, "the config", &out->os, err);
	if (!r)
		r = get_str(root, "architecture", false, name, "the config",
			    &out->arch, err);
	if (!r)
		r = get_str(root, "variant", false, name, "the config",
			    &out->variant, err);
	if (r)
		goto out;
	rootfs = json_object_get(root, "rootfs");
	if (!json_is_object(rootfs)) {
		r = eseal_errorf(err, EINVAL, "%s: no \"rootfs\" object", name);
		goto out;
	}
	r = get_str(rootfs, "type", true, name, "rootfs", &out->rootfs_type,
		    err);
	if (r)
		goto out;
	if (strcmp(out->rootfs_type, "layers")) {
		r = eseal_errorf(err, EINVAL,
				 "%s: rootfs type \"%s\", not \"layers\"", name,
				 out->rootfs_type);
		goto out;
	}
	ids = json_object_get(rootfs, "diff_ids");
	if (!json_is_array(ids)) {
		r = eseal_errorf(err, EINVAL,
				 "%s: rootfs \"diff_ids\" is not an array",
				 name);
		goto out;
	}
	if (json_array_size(ids)) {
		out->diff_ids = calloc(json_array_size(ids),
				       sizeof(*out->diff_ids));
		if (!out->diff_ids) {
			r = eseal_errorf(err, ENOMEM, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < json_array_size(ids); i++) {
		snprintf(where, sizeof(where), "diff_id %zu", i + 1);
		r = get_digest(json_array_get(ids, i), name, where,
			       &out->diff_ids[i], err);
		if (r)
			goto out;
		out->n_diff_ids++;
	}
out:
	json_decref(root);
	if (r)
		oci_config_fini(out);
	return r;
}

int oci_json_media_type(const void *buf, size_t len, const char *name,
			char **out, struct eseal_error *err)
{
	json_t *root = load(buf, len, name, err);
	int r;

	*out = NULL;
	if (!root)
		return -EINVAL;
	r = get_str(root, "mediaType", false, name, "the document", out, err);
	json_decref(root);
	return r;
}

void oci_desc_fini(struct oci_desc *d)
{
	free(d->media_type);
	free(d->artifact_type);
	free(d->ref_name);
	free(d->os);
	free(d->arch);
	free(d->variant);
	memset(d, 0, sizeof(*d));
}

void oci_index_fini(struct oci_index *x)
{
	size_t i;

	for (i = 0; i < x->n_manifests; i++)
		oci_desc_fini(&x->manifests[i]);
	free(x->manifests);
	free(x->media_type);
	memset(x, 0, sizeof(*x));
}

void oci_manifest_fini(struct oci_manifest *m)
{
	size_t i;

	for (i = 0; i < m->n_layers; i++)
		oci_desc_fini(&m->layers[i]);
	free(m->layers);
	oci_desc_fini(&m->config);
	free(m->media_type);
	free(m->artifact_type);
	memset(m, 0, sizeof(*m));
}

void oci_config_fini(struct oci_config *c)
{
	free(c->os);
	free(c->arch);
	free(c->variant);
	free(c->rootfs_type);
	free(c->diff_ids);
	memset(c, 0, sizeof(*c));
}
