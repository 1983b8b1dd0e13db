// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Writing into an OCI image layout directory (oci seal): blobs under
 * blobs/<alg>/<hex>, and tags in index.json.  Each file is written to a
 * temporary file in its directory (files.h: eseal_tmpfile), fsynced and
 * only then given its name, replacing the old one atomically, so a
 * reader sees the old file or the new one, never part of one; index.json
 * is replaced last, so an interrupted seal leaves only unreferenced blobs.
 * Nothing below the layout is followed if it is a symlink.  Writers are
 * not serialised: two tools changing index.json at once lose one change
 * (skopeo does not lock it either).
 */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "io.h"
#include "oci.h"

#define OCI_TMP_PREFIX ".erofs-seal."

int oci_sub_dir(int dfd, const char *name, const char *where,
		struct eseal_error *err)
{
	int fd;

	if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
		return eseal_syserrorf(err, errno, "%s/%s", where, name);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return eseal_syserrorf(err, errno == ELOOP ? ENOTDIR : errno,
				       "%s/%s (not followed if a symlink)",
				       where, name);
	return fd;
}

int oci_put_file(int dfd, const char *where, const char *name,
		 const void *buf, size_t len, struct eseal_error *err)
{
	struct eseal_tmpfile t;
	int r;

	r = eseal_tmpfile_create(&t, dfd, OCI_TMP_PREFIX, O_WRONLY, 0644,
				 false);
	if (r)
		return eseal_syserrorf(err, -r,
				       "%s: cannot create a temporary file",
				       where);
	if (eseal_pwrite_full(t.fd, buf, len, 0) < 0 || fchmod(t.fd, 0644) < 0 ||
	    fsync(t.fd) < 0)
		r = -errno;
	if (!r)
		r = eseal_tmpfile_replace(&t, name, OCI_TMP_PREFIX);
	eseal_tmpfile_discard(&t);
	if (r)
		return eseal_syserrorf(err, -r, "%s/%s", where, name);
	fsync(dfd);
	return 0;
}

int oci_layout_put_blob(struct oci_layout *l, const void *buf, size_t len,
			struct oci_digest *d, struct eseal_error *err)
{
	char where[600];
	int dfd = oci_layout_dirfd(l), bfd, afd, r;

	if (dfd < 0)
		return eseal_errorf(err, EROFS,
				    "%s: an oci-archive cannot be written to",
				    oci_layout_name(l));
	r = oci_digest_of(buf, len, ESEAL_HASH_SHA256, d);
	if (r)
		return eseal_errorf(err, -r, "hashing a blob failed");
	snprintf(where, sizeof(where), "%s", oci_layout_name(l));
	bfd = oci_sub_dir(dfd, "blobs", where, err);
	if (bfd < 0)
		return bfd;
	snprintf(where, sizeof(where), "%s/blobs", oci_layout_name(l));
	afd = oci_sub_dir(bfd, "sha256", where, err);
	close(bfd);
	if (afd < 0)
		return afd;
	snprintf(where, sizeof(where), "%s/blobs/sha256", oci_layout_name(l));
	r = oci_put_file(afd, where, d->str + 7, buf, len, err);
	close(afd);
	return r;
}

static bool has_tag(json_t *entry, const struct oci_tag *tags, size_t n)
{
	json_t *v = json_object_get(json_object_get(entry, "annotations"),
				    OCI_ANNOT_REF_NAME);
	size_t i;

	for (i = 0; json_is_string(v) && i < n; i++)
		if (!strcmp(json_string_value(v), tags[i].name))
			return true;
	return false;
}

int oci_layout_set_tags(struct oci_layout *l, const struct oci_tag *tags,
			size_t n, struct eseal_error *err)
{
	char name[600];
	json_t *root = NULL, *list, *e, *keep = NULL;
	uint8_t *buf = NULL;
	size_t len, i;
	char *out = NULL;
	int r;

	if (oci_layout_dirfd(l) < 0)
		return eseal_errorf(err, EROFS,
				    "%s: an oci-archive cannot be written to",
				    oci_layout_name(l));
	snprintf(name, sizeof(name), "%s/index.json", oci_layout_name(l));
	r = oci_layout_read(l, "index.json", OCI_JSON_MAX, &buf, &len, err);
	if (r)
		return r;
	root = oci_json_load(buf, len, name, err);
	free(buf);
	if (!root)
		return -EINVAL;
	list = json_object_get(root, "manifests");
	keep = json_array();
	if (!json_is_array(list) || !keep) {
		r = eseal_errorf(err, EINVAL, "%s: \"manifests\" is not an array",
				 name);
		goto out;
	}
	json_array_foreach(list, i, e)
		if (!has_tag(e, tags, n) && json_array_append(keep, e))
			goto nomem;
	for (i = 0; i < n; i++) {
		if (!tags[i].media_type)
			continue;
		e = json_pack("{s:s, s:s, s:I}", "mediaType", tags[i].media_type,
			      "digest", tags[i].digest->str, "size",
			      (json_int_t)tags[i].size);
		if (!e || (tags[i].artifact_type &&
			   json_object_set_new(e, "artifactType",
					       json_string(tags[i].artifact_type))) ||
		    json_object_set_new(e, "annotations",
					json_pack("{s:s}", OCI_ANNOT_REF_NAME,
						  tags[i].name)) ||
		    json_array_append_new(keep, e))
			goto nomem;
	}
	if (json_object_set(root, "manifests", keep))
		goto nomem;
	out = json_dumps(root, JSON_COMPACT);
	if (!out)
		goto nomem;
	r = oci_put_file(oci_layout_dirfd(l), oci_layout_name(l), "index.json", out,
		     strlen(out), err);
	goto out;
nomem:
	r = eseal_errorf(err, ENOMEM, "out of memory");
out:
	free(out);
	json_decref(keep);
	json_decref(root);
	return r;
}
