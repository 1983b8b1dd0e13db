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
 *
 * Signed images (composefs's OCI sealing; docs/oci.md "Signed images"):
 *   seal.c      annotation keys, the artifact and inline annotations:
 *               building them and checking what a registry hands us
 *   layout-write.c  blobs and index.json tags written into a layout
 *   referrers.c the seals of a manifest in a layout (referrers tag
 *               "sha256-<hex>", inline annotations); adding one
 *   skopeo.c    skopeo as a subprocess: the registry transport
 *   sealed.c    the public entry points: seal, verify (and pull), push
 *   record.c    layer records: a layer's entries with file data by digest,
 *               kept in the store so that an unchanged layer is not read
 *               again
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
/* Exactly 2 * n lowercase hex digits (len of them) into n bytes: 0, -EINVAL */
int oci_hex_lower(const char *hex, size_t len, size_t n, uint8_t *out);

/* Hashing bytes to compare them with a digest */
struct oci_hash;
struct oci_hash *oci_hash_new(int alg);
void oci_hash_update(struct oci_hash *h, const void *buf, size_t len);
/* Finish; true when the bytes hashed have digest d.  got: their "alg:hex" */
bool oci_hash_check(struct oci_hash *h, const struct oci_digest *d,
		    char got[OCI_DIGEST_STR_MAX]);
void oci_hash_free(struct oci_hash *h);
/* The content digest of bytes */
int oci_digest_of(const void *buf, size_t len, int alg, struct oci_digest *d);

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
/* The pieces, for other documents (seal.c): jansson's json_t */
struct json_t;
struct json_t *oci_json_load(const void *buf, size_t len, const char *name,
			     struct eseal_error *err);
int oci_json_check_schema(struct json_t *root, const char *name,
			  struct eseal_error *err);
int oci_desc_parse(struct json_t *o, const char *name, const char *where,
		   struct oci_desc *d, struct eseal_error *err);
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
/* The layout directory (-1 for an oci-archive) */
int oci_layout_dirfd(const struct oci_layout *l);

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
/* The entry of an image index for platform (NULL: this machine's) */
int oci_index_pick(const struct oci_index *x, const char *platform,
		   const char *name, const struct oci_desc **out,
		   struct eseal_error *err);
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

/* ---- record.c ------------------------------------------------------------ */

/* A layer record being written (oom is noted, and fails the save) */
struct oci_rec;
int oci_rec_new(struct oci_rec **out);
void oci_rec_free(struct oci_rec *r);
void oci_rec_entry(struct oci_rec *r, const struct oci_entry *e);
void oci_rec_xattr(struct oci_rec *r, const char *key, const void *value,
		   size_t len);
void oci_rec_data(struct oci_rec *r, const struct eseal_digest *d,
		  const void *content, size_t len);
/* Store it as the record of the layer blob (for objects of hash alg) */
int oci_rec_save(struct oci_rec *r, const char *store, int alg,
		 size_t inline_max, const struct oci_digest *blob,
		 const struct oci_digest *diff_id, uint64_t size,
		 struct eseal_error *err);

/* One entry of a record, as replayed */
struct oci_rec_entry {
	struct oci_entry e;
	const uint8_t *xattrs, *xattrs_end;
	bool have_data;
	struct eseal_digest digest;
	const uint8_t *content;		/* inline content, content_len bytes */
	size_t content_len;
};

struct oci_replay {
	uint8_t *buf;
	size_t len;
	struct oci_rec_entry *entries;
	size_t n;
	uint64_t size;			/* the layer's uncompressed bytes */
};

/*
 * The record of the layer blob in store, when there is a usable one
 * (header, checksum, structure): 0, else -ENOENT (or -ENOMEM)
 */
int oci_rec_load(const char *store, int alg, size_t inline_max,
		 const struct oci_digest *blob, const struct oci_digest *diff_id,
		 struct oci_replay *rp);
void oci_replay_fini(struct oci_replay *rp);
/*
 * Can the record be replayed into store st (NULL: no store, no) with
 * this inline limit: is every object it names there?
 */
bool oci_replay_usable(const struct oci_replay *rp, struct eseal_objstore *st,
		       size_t inline_max);
/* xattr after *pos (NULL: the first) of an entry: 1, 0 at the end */
int oci_rec_next_xattr(const struct oci_rec_entry *re, const uint8_t **pos,
		       const char **key, const void **value, size_t *len);

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
	struct oci_rec *rec;		/* the layer's record, while written */
	unsigned int replayed;		/* layers that came from records */
};

#define OCI_APPLY_BUF (512u << 10)

int oci_apply_init(struct oci_apply *a, const struct eseal_oci_opts *opts,
		   struct eseal_store_stats *stats, struct eseal_error *err);
/* Apply one layer; 'name' names it in messages */
int oci_apply_layer(struct oci_apply *a, struct oci_tar *t, const char *name,
		    struct eseal_error *err);
/* Apply one layer from its record */
int oci_apply_replay(struct oci_apply *a, const struct oci_replay *rp,
		     const char *name, struct eseal_error *err);
/* Publish what is queued and count it (a->st is closed) */
int oci_apply_sync(struct oci_apply *a, struct eseal_error *err);
/* Free all but the tree (and what was taken out of it) */
void oci_apply_fini(struct oci_apply *a);

/* ---- source.c ------------------------------------------------------------ */

/*
 * eseal_tree_from_source() with options (opts->store set) and stats of
 * this library's size, telling how many layers came from their records
 * (replayed, or NULL)
 */
int oci_tree_from_source(const struct eseal_source *src,
			 const struct eseal_oci_opts *opts,
			 struct eseal_tree **out,
			 struct eseal_store_stats *stats,
			 unsigned int *replayed, struct eseal_error *err);

/* ---- rules.c ------------------------------------------------------------- */

/*
 * Hardlinks as composefs sees them: each inode is named first by the name
 * that comes first in sorted depth-first order, nlink counts its names.
 * Links whose first node was removed take its attributes over.
 */
int oci_canonical_links(struct eseal_tree *tree, struct eseal_error *err);

/* Metadata of directories that exist only because a path needs them */
#define OCI_IMPLIED_DIR_MODE (S_IFDIR | 0755)

/* ---- seal.c -------------------------------------------------------------- */

#define OCI_MT_EMPTY	 "application/vnd.oci.empty.v1+json"
#define OCI_EMPTY_DIGEST \
	"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define OCI_ANNOT_PREFIX "composefs."

/* What a seal signs, in the order of the artifact's layers */
enum oci_role {
	OCI_ROLE_MANIFEST,
	OCI_ROLE_CONFIG,
	OCI_ROLE_MERGED,
	OCI_ROLE_BOOTABLE,		/* merged.bootable: checked, not made */
	OCI_N_ROLES,
};

/* "composefs.merged.erofs.v1.fsverity-sha256-12" and such */
#define OCI_KEY_MAX 64
const char *oci_role_key(int role, int alg, char buf[OCI_KEY_MAX]);

struct oci_seal_item {
	bool present;
	struct eseal_digest digest;	/* the fs-verity digest it names */
	struct oci_desc blob;		/* artifact: the signature layer */
	uint8_t *sig;			/* the signature, once read */
	size_t sig_len;
};

/* One seal: an artifact, or the annotations of a manifest */
struct oci_seal {
	bool inline_mode;
	int alg;			/* ESEAL_HASH_* of every digest */
	struct oci_digest artifact;	/* its manifest's digest */
	struct oci_desc subject;	/* what the artifact names */
	struct oci_seal_item item[OCI_N_ROLES];
};

void oci_seal_fini(struct oci_seal *s);

/*
 * An artifact manifest (as composefs-rs's spec has it): artifactType,
 * the empty config, signature layers each with one composefs annotation
 * in role order, one algorithm, a subject.  -ENOMSG when it is no
 * composefs artifact at all (another artifactType), -EINVAL when it is a
 * malformed one.
 */
int oci_artifact_parse(const void *buf, size_t len, const char *name,
		       struct oci_seal *out, struct eseal_error *err);
/* The artifact for seal s (digests and signatures set); malloc'd JSON */
int oci_artifact_make(const struct oci_seal *s, const struct oci_desc *subject,
		      uint8_t **buf, size_t *len, struct eseal_error *err);
/*
 * The inline seal of a manifest for alg: config and merged digests and
 * signatures (base64 under "<key>.sig").  -ENOENT when it has none.
 */
int oci_inline_parse(const void *buf, size_t len, const char *name, int alg,
		     struct oci_seal *out, struct eseal_error *err);
/* The manifest with seal s inline (its other fields kept); malloc'd */
int oci_inline_make(const void *buf, size_t len, const char *name,
		    const struct oci_seal *s, uint8_t **out, size_t *out_len,
		    struct eseal_error *err);

/* ---- layout-write.c ------------------------------------------------------ */

/* dir/name as a directory fd, made when missing, never through a symlink */
int oci_sub_dir(int dfd, const char *name, const char *where,
		struct eseal_error *err);
/* buf as dfd/name (where names dfd), fsynced, renamed into place */
int oci_put_file(int dfd, const char *where, const char *name,
		 const void *buf, size_t len, struct eseal_error *err);
/* Add a blob (its sha256 digest into d; its descriptor's digest/size) */
int oci_layout_put_blob(struct oci_layout *l, const void *buf, size_t len,
			struct oci_digest *d, struct eseal_error *err);

/* A tag of index.json and what it names (NULL media type: remove it) */
struct oci_tag {
	const char *name;
	const char *media_type;
	const char *artifact_type;	/* or NULL */
	const struct oci_digest *digest;
	uint64_t size;
};
/*
 * Point tags at descriptors in index.json (every entry with one of these
 * names is replaced; the others, and unknown fields, stay), written anew
 * and renamed into place.
 */
int oci_layout_set_tags(struct oci_layout *l, const struct oci_tag *tags,
			size_t n, struct eseal_error *err);

/* ---- referrers.c --------------------------------------------------------- */

/* "sha256-<hex>": the referrers tag of a manifest (distribution spec 1.1) */
#define OCI_REF_TAG_MAX OCI_DIGEST_STR_MAX
void oci_referrers_tag(const struct oci_digest *d, char buf[OCI_REF_TAG_MAX]);
/* Is name a referrers tag (sha256-<64 hex> or sha512-<128 hex>)? */
bool oci_is_referrers_tag(const char *name);

/*
 * The seals of the manifest (desc, bytes) in a layout: the composefs
 * artifacts its referrers tag lists, then inline ones; signatures read.
 * alg 0: any.  Artifacts that are not composefs's are passed over;
 * broken ones are kept with their error in bad[] (a caller reports them).
 */
struct oci_found {
	struct oci_seal *seals;
	size_t n;
	/* composefs artifacts that could not be read or parsed */
	struct eseal_error *bad;
	size_t n_bad;
};
int oci_find_seals(struct oci_layout *l, const struct oci_desc *manifest,
		   const void *mbuf, size_t mlen, int alg,
		   struct oci_found *out, struct eseal_error *err);
void oci_found_fini(struct oci_found *f);
/* Note a broken composefs artifact (its error) */
int oci_found_add_bad(struct oci_found *f, const struct eseal_error *e);

/*
 * Make the artifact (a blob already) a referrer of subject: a new
 * referrers index blob that lists what the one tagged "sha256-<hex>"
 * listed (nothing when fresh), and the artifact (once).  The caller
 * points the tag at it.
 */
int oci_add_referrer(struct oci_layout *l, const struct oci_desc *subject,
		     const struct oci_digest *artifact, uint64_t artifact_size,
		     bool fresh, struct oci_digest *index_digest,
		     uint64_t *index_size, struct eseal_error *err);

/* ---- skopeo.c ------------------------------------------------------------ */

/* Which side of a copy the registry options apply to */
enum oci_side { OCI_SIDE_NONE, OCI_SIDE_SRC, OCI_SIDE_DEST };

/*
 * Run skopeo VERB [registry options] ARGS...: its stdout (at most
 * out_max bytes; out may be NULL to drop it) is returned; a failure is an
 * error "<step>: <skopeo's stderr, verbatim>".
 */
int oci_skopeo(const struct eseal_registry_opts *r, const char *step,
	       const char *verb, enum oci_side side, const char *const *args,
	       uint8_t **out, size_t *out_len, size_t out_max,
	       struct eseal_error *err);

/* ---- sealed.c ------------------------------------------------------------ */

/* One image's documents: resolved, and the manifest's and config's bytes */
struct oci_docs {
	struct oci_image img;		/* img.config unused for registries */
	uint8_t *mbuf, *cbuf;
	size_t mlen, clen;
};

void oci_docs_fini(struct oci_docs *d);
/* The image REF names in a layout, with its manifest's and config's bytes */
int oci_docs_from_layout(struct oci_layout *l, const char *ref,
			 const char *platform, struct oci_docs *d,
			 struct eseal_error *err);
/*
 * The canonical EROFS of the image (by manifest digest) in a layout: to
 * fd (or -1), its objects into store_dir (or NULL) with layer records,
 * through writer when the caller holds the store open (or NULL: under a
 * lock of this call's own), its digest; stats (this library's size) and
 * replayed as oci_tree_from_source() fills them.
 */
int oci_generate(const char *layout, const struct oci_digest *manifest,
		 int alg, const char *store_dir,
		 struct eseal_store_writer *writer, int fd,
		 struct eseal_digest *digest, struct eseal_store_stats *stats,
		 unsigned int *replayed, struct eseal_error *err);

/* ---- seal-check.c -------------------------------------------------------- */

/*
 * The first seal of f that holds (every signature trusted, the manifest
 * and config digests right), the result filled: its index; else -errno
 * with res->verdict and the message of the most telling failure.
 */
int oci_choose_seal(const struct oci_found *f, const struct oci_docs *d,
		    const struct eseal_oci_verify_opts *o,
		    struct eseal_oci_verify_result *res, struct eseal_error *err);
/* Generate the EROFS and compare it with seal s; res->verdict on failure */
int oci_regenerate(const char *layout, const struct oci_docs *d,
		   const struct oci_seal *s,
		   const struct eseal_oci_verify_opts *o,
		   struct eseal_oci_verify_result *res, struct eseal_error *err);
/* eseal_oci_verify() of an oci: or oci-archive: source */
int oci_verify_layout(const struct eseal_source *src,
		      const struct eseal_oci_verify_opts *o,
		      struct eseal_oci_verify_result *res,
		      struct eseal_error *err);

#endif /* ESEAL_OCI_H */
