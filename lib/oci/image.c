// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * From an image layout and a REF to one image: index.json names the
 * manifests (by tag in the org.opencontainers.image.ref.name annotation,
 * or by digest); an image index picks a manifest by platform; the
 * manifest names the config and the layers; the config's diff_ids name
 * the layers' uncompressed digests.
 */
#include <stdio.h>
#include <stdlib.h>

#include "oci.h"

/* Nested image indexes followed at most */
#define INDEX_DEPTH_MAX 4

void oci_host_platform(const char **os, const char **arch,
		       const char **variant)
{
	*os = "linux";
	*variant = "";
#if defined(__x86_64__)
	*arch = "amd64";
#elif defined(__aarch64__)
	*arch = "arm64";
	*variant = "v8";
#elif defined(__i386__)
	*arch = "386";
#elif defined(__arm__)
	*arch = "arm";
	*variant = "v7";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	*arch = "ppc64le";
#elif defined(__s390x__)
	*arch = "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	*arch = "riscv64";
#else
	*arch = "unknown";
#endif
}

struct platform {
	char os[64], arch[64], variant[64];
};

static int platform_parse(const char *s, struct platform *p,
			  struct eseal_error *err)
{
	const char *os, *arch, *variant;
	int n;

	memset(p, 0, sizeof(*p));
	if (!s) {
		oci_host_platform(&os, &arch, &variant);
		snprintf(p->os, sizeof(p->os), "%s", os);
		snprintf(p->arch, sizeof(p->arch), "%s", arch);
		snprintf(p->variant, sizeof(p->variant), "%s", variant);
		return 0;
	}
	n = sscanf(s, "%63[^/]/%63[^/]/%63[^/]", p->os, p->arch, p->variant);
	if (n < 2 || strlen(s) != strlen(p->os) + strlen(p->arch) + 1 +
					 (n == 3 ? strlen(p->variant) + 1 : 0))
		return eseal_errorf(err, EINVAL,
				    "invalid platform '%s' (os/arch[/variant])",
				    s);
	return 0;
}

/*
 * Does descriptor d fit platform p?  An absent variant matches any; arm64
 * images often give none, or "v8".
 */
static bool platform_match(const struct oci_desc *d, const struct platform *p)
{
	if (!d->os || !d->arch || strcmp(d->os, p->os) ||
	    strcmp(d->arch, p->arch))
		return false;
	return !p->variant[0] || !d->variant || !strcmp(d->variant, p->variant);
}

static int desc_copy(struct oci_desc *to, const struct oci_desc *from,
		     struct eseal_error *err)
{
	memset(to, 0, sizeof(*to));
	to->digest = from->digest;
	to->size = from->size;
	if (from->media_type && !(to->media_type = strdup(from->media_type)))
		return eseal_errorf(err, ENOMEM, "out of memory");
	return 0;
}

/* Which entry of index.json the ref names */
static int pick_top(struct oci_layout *l, const struct oci_index *x,
		    const char *ref, struct oci_desc *out,
		    struct eseal_error *err)
{
	const struct oci_desc *found = NULL;
	struct oci_digest want;
	size_t i;

	if (!ref) {
		if (x->n_manifests != 1)
			return eseal_errorf(err, EINVAL,
					    "%s: holds %zu images; name one (:TAG or :@sha256:<hex>)",
					    oci_layout_name(l), x->n_manifests);
		return desc_copy(out, &x->manifests[0], err);
	}
	if (ref[0] == '@') {
		if (oci_digest_parse(ref + 1, strlen(ref + 1), &want))
			return eseal_errorf(err, EINVAL,
					    "invalid digest reference '%s' (@sha256:<hex>)",
					    ref);
		for (i = 0; i < x->n_manifests; i++)
			if (!strcmp(x->manifests[i].digest.str, want.str))
				return desc_copy(out, &x->manifests[i], err);
		/* not listed: the blob itself, its type read from it */
		memset(out, 0, sizeof(*out));
		out->digest = want;
		out->size = OCI_SIZE_UNKNOWN;
		return 0;
	}
	for (i = 0; i < x->n_manifests; i++) {
		if (!x->manifests[i].ref_name ||
		    strcmp(x->manifests[i].ref_name, ref))
			continue;
		if (found && strcmp(found->digest.str,
				    x->manifests[i].digest.str))
			return eseal_errorf(err, EINVAL,
					    "%s: tag '%s' names more than one manifest",
					    oci_layout_name(l), ref);
		found = &x->manifests[i];
	}
	if (!found)
		return eseal_errorf(err, ENOENT, "%s: no image tagged '%s'",
				    oci_layout_name(l), ref);
	return desc_copy(out, found, err);
}

int oci_image_resolve(struct oci_layout *l, const char *ref,
		      const char *platform, struct oci_image *img,
		      struct eseal_error *err)
{
	struct oci_index top = { 0 }, idx = { 0 };
	struct platform plat;
	struct oci_desc cur = { 0 };
	uint8_t *buf = NULL;
	char name[600], *mt = NULL;
	size_t len, i;
	int r, depth;

	memset(img, 0, sizeof(*img));
	r = platform_parse(platform, &plat, err);
	if (r)
		return r;
	r = oci_layout_read(l, "oci-layout", 4096, &buf, &len, err);
	if (r) {
		if (r == -ENOENT)
			eseal_errorf(err, ENOENT,
				     "%s: not an OCI image layout (no oci-layout file)",
				     oci_layout_name(l));
		return r;
	}
	free(buf);
	buf = NULL;
	r = oci_layout_read(l, "index.json", OCI_JSON_MAX, &buf, &len, err);
	if (r)
		return r;
	snprintf(name, sizeof(name), "%s/index.json", oci_layout_name(l));
	r = oci_index_parse(buf, len, name, &top, err);
	free(buf);
	buf = NULL;
	if (!r)
		r = pick_top(l, &top, ref, &cur, err);
	for (depth = 0; !r; depth++) {
		snprintf(name, sizeof(name), "%s: %s", oci_layout_name(l),
			 cur.digest.str);
		r = oci_blob_read(l, &cur, OCI_JSON_MAX, &buf, &len, err);
		if (r)
			break;
		if (!cur.media_type) {
			/* named by digest alone: the document says */
			r = oci_json_media_type(buf, len, name, &mt, err);
			if (r)
				break;
			cur.media_type = mt;
			mt = NULL;
			if (!cur.media_type) {
				r = eseal_errorf(err, EINVAL,
						 "%s: no mediaType: neither a manifest nor an index",
						 name);
				break;
			}
		}
		if (oci_is_manifest_type(cur.media_type)) {
			r = oci_manifest_parse(buf, len, name, &img->manifest,
					       err);
			break;
		}
		if (!oci_is_index_type(cur.media_type)) {
			r = eseal_errorf(err, EINVAL,
					 "%s: media type %s is not an image",
					 name, cur.media_type);
			break;
		}
		if (depth == INDEX_DEPTH_MAX) {
			r = eseal_errorf(err, ELOOP,
					 "%s: image indexes nested too deep",
					 name);
			break;
		}
		r = oci_index_parse(buf, len, name, &idx, err);
		free(buf);
		buf = NULL;
		if (r)
			break;
		for (i = 0; i < idx.n_manifests; i++)
			if (platform_match(&idx.manifests[i], &plat))
				break;
		if (i == idx.n_manifests) {
			r = eseal_errorf(err, ENOENT,
					 "%s: no image for platform %s/%s%s%s",
					 name, plat.os, plat.arch,
					 plat.variant[0] ? "/" : "",
					 plat.variant);
			break;
		}
		oci_desc_fini(&cur);
		r = desc_copy(&cur, &idx.manifests[i], err);
		oci_index_fini(&idx);
	}
	free(buf);
	oci_index_fini(&top);
	oci_index_fini(&idx);
	if (!r && img->manifest.artifact_type)
		r = eseal_errorf(err, EINVAL,
				 "%s: an artifact (%s), not an image", name,
				 img->manifest.artifact_type);
	if (!r && strcmp(img->manifest.config.media_type, OCI_MT_CONFIG) &&
	    strcmp(img->manifest.config.media_type, DOCKER_MT_CONFIG))
		r = eseal_errorf(err, EINVAL,
				 "%s: config of type %s: an artifact, not an image",
				 name, img->manifest.config.media_type);
	if (r) {
		oci_desc_fini(&cur);
		oci_image_fini(img);
		return r;
	}
	img->desc = cur;
	r = oci_blob_read(l, &img->manifest.config, OCI_JSON_MAX, &buf, &len,
			  err);
	if (!r) {
		snprintf(name, sizeof(name), "%s: config %s",
			 oci_layout_name(l), img->manifest.config.digest.str);
		r = oci_config_parse(buf, len, name, &img->config, err);
		free(buf);
	}
	if (!r && img->config.n_diff_ids != img->manifest.n_layers)
		r = eseal_errorf(err, EINVAL,
				 "%s: the config lists %zu diff_ids for %zu layers",
				 name, img->config.n_diff_ids,
				 img->manifest.n_layers);
	if (r)
		oci_image_fini(img);
	return r;
}

void oci_image_fini(struct oci_image *img)
{
	oci_desc_fini(&img->desc);
	oci_manifest_fini(&img->manifest);
	oci_config_fini(&img->config);
}
