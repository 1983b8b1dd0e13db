/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * OCI images and tar layers as sources (docs/oci.md); never installed.
 *
 *   digest.c  content digests ("sha256:<hex>") and hashing them
 *   json.c    descriptors, image indexes, manifests, configs (jansson)
 *   layout.c  an image layout, a directory or an oci-archive: its files
 *             and blobs, read or streamed with their digests checked
 *   image.c   from a layout and a REF to the image: index, platform,
 *             manifest, config
 *   unpack.c  decompression: gzip (zlib), zstd and xz (libarchive)
 *   tar.c     one layer as a stream of entries: decompression (with the
 *             uncompressed digest) on a thread, tar parsing on the caller's
 *   store.c   objects of small files written on a few threads
 *   apply.c   entries into the tree: whiteouts, merges, hardlinks, file
 *             data streamed into the object store
 *   rules.c   the canonical OCI rules, also for any other tree
 *   source.c  the public entry points: source syntax, the whole pipeline
 */
#ifndef ESEAL_OCI_H
#define ESEAL_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "internal.h"
#include "objstore.h"

struct eseal_tree;
struct eseal_node;
struct eseal_objstore;

/* ---- digest.c ------------------------------------------------------------ */

/* "sha512:" + 128 hex digits + NUL */
#define OCI_DIGEST_STR_MAX (7 + 128 + 1)

/* A content digest as OCI descriptors and diff_ids write it */
struct oci_digest {
	int alg;			/* ESEAL_HASH_SHA256 or _SHA512 */
	uint8_t len;			/* 32 or 64 */
	uint8_t bytes[64];
	char str[OCI_DIGEST_STR_MAX];	/* "<alg>:<lowercase hex>" */
};

/*
 * Parse "sha256:<64 hex>" or "sha512:<128 hex>" (lowercase, as the image
 * spec requires; this also keeps a digest from naming a path outside
 * blobs/).  0, or -EINVAL for anything else.
 */
int oci_digest_parse(const char *s, size_t len, struct oci_digest *d);

/* Hashing bytes to compare them with a digest */
struct oci_hash;
struct oci_hash *oci_hash_new(int alg);
void oci_hash_update(struct oci_hash *h, const void *buf, size_t len);
/* Finish; true when the bytes hashed have digest d.  got: their "alg:hex" */
bool oci_hash_check(struct oci_hash *h, const struct oci_digest *d,
		    char got[OCI_DIGEST_STR_MAX]);
void oci_hash_free(struct oci_hash *h);

/* ---- json.c -------------------------------------------------------------- */

#define OCI_MT_INDEX	   "application/vnd.oci.image.index.v1+json"
#define OCI_MT_MANIFEST	   "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_CONFIG	   "application/vnd.oci.image.config.v1+json"
#define DOCKER_MT_LIST	   "application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_MT_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_MT_CONFIG   "application/vnd.docker.container.image.v1+json"
#define OCI_ANNOT_REF_NAME "org.opencontainers.image.ref.name"

/* Largest JSON document read (index.json, a manifest, a config) */
#define OCI_JSON_MAX (8u << 20)

/* A descriptor's size when the blob is named by digest alone */
#define OCI_SIZE_UNKNOWN UINT64_MAX

/* A descriptor; strings are NULL when absent */
struct oci_desc {
	char *media_type;
	struct oci_digest digest;
	uint64_t size;
	char *artifact_type;
	char *ref_name;			/* the org.opencontainers.image.ref.name
					   annotation */
	char *os, *arch, *variant;	/* its platform, if given */
};

struct oci_index {
	char *media_type;
	struct oci_desc *manifests;
	size_t n_manifests;
};

struct oci_manifest {
	char *media_type;
	char *artifact_type;
	struct oci_desc config;
	struct oci_desc *layers;
	size_t n_layers;
};

struct oci_config {
	char *os, *arch, *variant;
	char *rootfs_type;		/* "layers" */
	struct oci_digest *diff_ids;
	size_t n_diff_ids;
};

/*
 * Parse a document; 'name' names it in messages.  Duplicate keys and
 * fields of the wrong type are errors; unknown fields are ignored.
 */
int oci_index_parse(const void *buf, size_t len, const char *name,
		    struct oci_index *out, struct eseal_error *err);
int oci_manifest_parse(const void *buf, size_t len, const char *name,
		       struct oci_manifest *out, struct eseal_error *err);
int oci_config_parse(const void *buf, size_t len, const char *name,
		     struct oci_config *out, struct eseal_error *err);
/* The top-level "mediaType" of a document, malloc'd; NULL when none */
int oci_json_media_type(const void *buf, size_t len, const char *name,
			char **out, struct eseal_error *err);
void oci_desc_fini(struct oci_desc *d);
void oci_index_fini(struct oci_index *x);
void oci_manifest_fini(struct oci_manifest *m);
void oci_config_fini(struct oci_config *c);

static inline bool oci_is_index_type(const char *mt)
{
	return mt && (!strcmp(mt, OCI_MT_INDEX) || !strcmp(mt, DOCKER_MT_LIST));
}

static inline bool oci_is_manifest_type(const char *mt)
{
	return mt && (!strcmp(mt, OCI_MT_MANIFEST) ||
		      !strcmp(mt, DOCKER_MT_MANIFEST));
}

/* ---- layout.c ------------------------------------------------------------ */

/* An image layout: a directory, or the same as a tar file (oci-archive) */
struct oci_layout;

int oci_layout_open(const char *path, bool archive, struct oci_layout **out,
		    struct eseal_error *err);
void oci_layout_close(struct oci_layout *l);
/* "<path>" for messages */
const char *oci_layout_name(const struct oci_layout *l);

/* A file of the layout ("oci-layout", "index.json"), at most max bytes */
int oci_layout_read(struct oci_layout *l, const char *name, size_t max,
		    uint8_t **buf, size_t *len, struct eseal_error *err);
/* A whole blob, at most max bytes, its size and digest checked */
int oci_blob_read(struct oci_layout *l, const struct oci_desc *d, size_t max,
		  uint8_t **buf, size_t *len, struct eseal_error *err);

/* A blob as a stream; its digest and size are checked when it ends */
struct oci_blob;
int oci_blob_open(struct oci_layout *l, const struct oci_desc *d,
		  struct oci_blob **out, struct eseal_error *err);
/* Up to len bytes; 0 at the end, once the digest and size checked out */
ssize_t oci_blob_read_some(struct oci_blob *b, void *buf, size_t len,
			   struct eseal_error *err);
uint64_t oci_blob_pos(const struct oci_blob *b);
void oci_blob_close(struct oci_blob *b);

/* ---- image.c ------------------------------------------------------------- */

/* The image a REF selects */
struct oci_image {
	struct oci_desc desc;		/* of its manifest */
	struct oci_manifest manifest;
	struct oci_config config;
};

/*
 * Resolve ref (a tag, "@<digest>", or NULL for the only image) through
 * index.json, then an image index by platform ("os/arch[/variant]", NULL
 * for this machine's), to a manifest and its config; check that the
 * config has one diff_id per layer.
 */
int oci_image_resolve(struct oci_layout *l, const char *ref,
		      const char *platform, struct oci_image *img,
		      struct eseal_error *err);
void oci_image_fini(struct oci_image *img);
/* This machine's platform in OCI terms: "linux", "amd64", "" */
void oci_host_platform(const char **os, const char **arch,
		       const char **variant);

/* ---- unpack.c ------------------------------------------------------------ */

/* Where a layer's (compressed) bytes come from: up to len, 0 at the end */
typedef ssize_t (*oci_read_fn)(void *arg, void *buf, size_t len,
			       struct eseal_error *err);

/* A decompressed stream: gzip, zstd, xz or none, told by the bytes */
struct oci_unpack;
int oci_unpack_open(oci_read_fn fn, void *arg, const char *name,
		    struct oci_unpack **out, struct eseal_error *err);
/* Up to len bytes; 0 at the end, once the source was read to its end */
ssize_t oci_unpack_read(struct oci_unpack *u, void *buf, size_t len,
			struct eseal_error *err);
void oci_unpack_close(struct oci_unpack *u);

/* ---- tar.c --------------------------------------------------------------- */

struct oci_tar_opts {
	const char *name;		/* the layer, for messages */
	const struct oci_digest *diff_id; /* uncompressed digest, or NULL */
	uint64_t max_size;		/* uncompressed bytes allowed */
};

/* One tar entry; valid until the next oci_tar_next() */
struct oci_entry {
	const char *path;		/* as stored */
	const char *symlink;		/* target, or NULL */
	const char *hardlink;		/* target path, or NULL */
	uint32_t type;			/* S_IFREG, S_IFDIR, ... */
	uint32_t perm;			/* 07777 bits */
	uint32_t uid, gid;
	uint32_t rdev;			/* makedev() encoding, 32 bits */
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	uint64_t size;			/* regular files: data bytes */
};

struct oci_tar;

int oci_tar_open(oci_read_fn fn, void *arg, const struct oci_tar_opts *o,
		 struct oci_tar **out, struct eseal_error *err);
/* 1 and *e filled, 0 at the end of the archive, or -errno */
int oci_tar_next(struct oci_tar *t, struct oci_entry *e,
		 struct eseal_error *err);
/* xattr i of the current entry: 1, 0 when there is no such, or -errno */
int oci_tar_xattr(struct oci_tar *t, const char **key, const void **value,
		  size_t *len, struct eseal_error *err);
/*
 * The next block of the current entry's data (at offset *off: the gaps of
 * a sparse file are zeros): 1, 0 at its end, or -errno.
 */
int oci_tar_block(struct oci_tar *t, const void **buf, size_t *len,
		  uint64_t *off, struct eseal_error *err);
/*
 * After the last entry: read what follows the archive to the end of the
 * stream and check the uncompressed digest.
 */
int oci_tar_finish(struct oci_tar *t, struct eseal_error *err);
/* Uncompressed bytes so far */
uint64_t oci_tar_size(struct oci_tar *t);
void oci_tar_close(struct oci_tar *t);

/* ---- store.c ------------------------------------------------------------- */

/* Objects of files hashed in memory, written on a few threads */
struct oci_store;
int oci_store_new(struct eseal_objstore *st, unsigned int threads,
		  struct eseal_store_stats *stats, struct oci_store **out,
		  struct eseal_error *err);
/* Queue data (copied) as the object of d; an earlier job's error */
int oci_store_put(struct oci_store *s, const struct eseal_digest *d,
		  const void *data, size_t len, struct eseal_error *err);
/* Wait for all queued objects; the first error */
int oci_store_drain(struct oci_store *s, struct eseal_error *err);
void oci_store_free(struct oci_store *s);

/* ---- apply.c ------------------------------------------------------------- */

/*
 * Subtrees taken out of a tree (whiteouts, replaced entries, an emptied
 * /run): their nodes stay until the hardlinks are settled
 * (oci_canonical_links), then their arrays are freed.
 */
struct oci_graveyard {
	struct eseal_node **nodes;
	size_t n, cap;
};

/* Take child out of its parent and keep it in g */
int oci_remove(struct eseal_tree *tree, struct oci_graveyard *g,
	       struct eseal_node *child, struct eseal_error *err);
/* The same for every entry of dir */
int oci_remove_all(struct eseal_tree *tree, struct oci_graveyard *g,
		   struct eseal_node *dir, struct eseal_error *err);
void oci_graveyard_free(struct oci_graveyard *g);

/* Applying layers to one tree */
struct oci_apply {
	struct eseal_tree *tree;
	struct eseal_objstore *st;	/* NULL: only hash */
	struct oci_store *writer;	/* small objects, with st */
	struct eseal_objstore_mark mark; /* st's counts before this source */
	int hash_alg;
	size_t inline_max;
	uint64_t max_entries, n_entries;
	struct eseal_store_stats *stats;
	struct eseal_fsverity_ctx *verity;
	uint8_t *buf;			/* OCI_APPLY_BUF bytes */
	struct oci_graveyard removed;	/* subtrees taken out */
	/* progress */
	const struct eseal_store_opts *sopts;
	uint64_t bytes_total;		/* compressed bytes of all layers */
	atomic_uint_fast64_t *in_bytes;	/* compressed bytes read so far */
	uint64_t last_ms;
	/* path components of the entry at hand: offsets and lengths */
	uint32_t *comps;
	size_t cap_comps;
};

#define OCI_APPLY_BUF (512u << 10)

int oci_apply_init(struct oci_apply *a, const struct eseal_oci_opts *opts,
		   struct eseal_store_stats *stats, struct eseal_error *err);
/* Apply one layer; 'name' names it in messages */
int oci_apply_layer(struct oci_apply *a, struct oci_tar *t, const char *name,
		    struct eseal_error *err);
/* Publish what is queued and count it (a->st is closed) */
int oci_apply_sync(struct oci_apply *a, struct eseal_error *err);
/* Free all but the tree (and what was taken out of it) */
void oci_apply_fini(struct oci_apply *a);

/* ---- rules.c ------------------------------------------------------------- */

/*
 * Hardlinks as composefs sees them: each inode is named first by the name
 * that comes first in sorted depth-first order, nlink counts its names.
 * Links whose first node was removed take its attributes over.
 */
int oci_canonical_links(struct eseal_tree *tree, struct eseal_error *err);

/* Metadata of directories that exist only because a path needs them */
#define OCI_IMPLIED_DIR_MODE (S_IFDIR | 0755)

#endif /* ESEAL_OCI_H */
