/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * erofs-seal: verified, signed EROFS metadata images over a content-addressed
 * object store.  This is the one public header of liberofs-seal.
 *
 * Conventions:
 *  - Functions that can fail return 0 on success or a negative errno value,
 *    and fill the caller's struct eseal_error with a message that names the
 *    file, line or path and the reason.  The library never prints.
 *  - There is no global mutable state; everything lives in the objects the
 *    caller creates.
 */
#ifndef EROFS_SEAL_H
#define EROFS_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ESEAL_API __attribute__((visibility("default")))

/* ---- errors ------------------------------------------------------------ */

#define ESEAL_ERR_MSG_MAX 1024

struct eseal_error {
	int code;			/* positive errno value, 0 if none */
	char msg[ESEAL_ERR_MSG_MAX];	/* human readable, no trailing newline */
};

/* ---- fs-verity digests ------------------------------------------------- */

/* Algorithm ids as in the kernel's FS_VERITY_HASH_ALG_* */
#define ESEAL_HASH_SHA256 1
#define ESEAL_HASH_SHA512 2
#define ESEAL_DIGEST_MAX 64

struct eseal_digest {
	uint8_t alg;			/* ESEAL_HASH_* */
	uint8_t size;			/* 32 or 64 */
	uint8_t bytes[ESEAL_DIGEST_MAX];
};

/* "sha256" or "sha512"; NULL for an unknown id */
ESEAL_API const char *eseal_hash_name(int alg);
/* Parse "sha256"/"sha512" into an ESEAL_HASH_* id; negative on error. */
ESEAL_API int eseal_hash_from_name(const char *name);
/* Hex form of a digest; buf must hold 2 * ESEAL_DIGEST_MAX + 1 bytes. */
ESEAL_API void eseal_digest_hex(const struct eseal_digest *d, char *buf);
/* Parse "<alg>:<hex>" (e.g. "sha256:ab12...") */
ESEAL_API int eseal_digest_parse(const char *s, struct eseal_digest *d,
				 struct eseal_error *err);

/*
 * fs-verity digest (Merkle tree, 4 KiB blocks, no salt) of a whole file or a
 * buffer.  'name' is only used in error messages.
 */
ESEAL_API int eseal_fsverity_digest_fd(int fd, const char *name, int alg,
				       struct eseal_digest *out,
				       struct eseal_error *err);
ESEAL_API int eseal_fsverity_digest_buf(const void *buf, size_t len, int alg,
					struct eseal_digest *out);

/* ---- trees ------------------------------------------------------------- */

/*
 * A tree of filesystem entries: the in-memory form between readers (a
 * directory on disk, a composefs dump, an image) and writers (an image, a
 * dump).
 */
struct eseal_tree;

/* Read-only view of one entry, as handed to eseal_tree_walk() callbacks. */
struct eseal_entry {
	const char *path;		/* "/" for the root, "/a/b" below it */
	uint32_t mode;
	uint32_t nlink;
	uint32_t uid, gid;
	uint64_t rdev;
	uint64_t size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	const char *payload;		/* symlink target or object path, or NULL */
	const uint8_t *content;		/* inline content (size bytes), or NULL */
	const struct eseal_digest *digest; /* fs-verity digest, or NULL */
	const char *hardlink_to;	/* path of the first link, or NULL */
	size_t n_xattrs;
	const void *priv;		/* the library's; do not touch */
};

ESEAL_API void eseal_tree_free(struct eseal_tree *tree);
ESEAL_API size_t eseal_tree_count(const struct eseal_tree *tree);

/* Called for every entry, parents before children, children by name. */
typedef int (*eseal_walk_fn)(const struct eseal_entry *e, void *arg);
ESEAL_API int eseal_tree_walk(struct eseal_tree *tree, eseal_walk_fn fn,
			      void *arg, struct eseal_error *err);
/* xattr i of the entry last handed to the walk callback */
ESEAL_API int eseal_entry_xattr(const struct eseal_entry *e, size_t i,
				const char **key, const uint8_t **value,
				size_t *value_len);

/* ---- readers ----------------------------------------------------------- */

/* Flags for eseal_tree_from_dir() */
#define ESEAL_SCAN_SKIP_DEVICES  (1u << 0) /* leave out char/block devices */
#define ESEAL_SCAN_SKIP_XATTRS   (1u << 1) /* read no xattrs */
#define ESEAL_SCAN_USER_XATTRS   (1u << 2) /* read only user.* xattrs */
#define ESEAL_SCAN_USE_EPOCH     (1u << 3) /* all mtimes 0 */

ESEAL_API int eseal_tree_from_dir(const char *path, unsigned int flags,
				  struct eseal_tree **out,
				  struct eseal_error *err);

/* Flags for eseal_tree_from_dump() */
#define ESEAL_DUMP_LENIENT       (1u << 0) /* accept what mkcomposefs accepts leniently */

/* 'name' names the stream in error messages ("<stdin>" for stdin). */
ESEAL_API int eseal_tree_from_dump(FILE *f, const char *name,
				   unsigned int flags, struct eseal_tree **out,
				   struct eseal_error *err);

/* Load an image (whole file in memory) back into a tree; hostile-safe. */
ESEAL_API int eseal_tree_from_image(const void *buf, size_t len,
				    struct eseal_tree **out,
				    struct eseal_error *err);

/* ---- objects ----------------------------------------------------------- */

struct eseal_progress {
	uint64_t entries_done, entries_total;
	uint64_t bytes_done, bytes_total;
};
typedef void (*eseal_progress_fn)(const struct eseal_progress *p, void *arg);

struct eseal_store_opts {
	const char *store_dir;		/* object store, or NULL to only hash */
	int hash_alg;			/* ESEAL_HASH_*, 0 = sha256 */
	unsigned int threads;		/* 0 = online CPUs */
	size_t inline_max;		/* files up to this size are inlined;
					   0 = 64, as mkcomposefs */
	eseal_progress_fn progress;	/* may be NULL */
	void *progress_arg;
};

struct eseal_store_stats {
	uint64_t files, bytes;		/* regular files / bytes hashed */
	uint64_t objects_new;		/* objects written to the store */
	uint64_t objects_existing;	/* objects already present */
	uint64_t verity_enabled;	/* FS_IOC_ENABLE_VERITY succeeded */
	uint64_t verity_unsupported;	/* ... failed: not supported here */
	uint64_t cloned, copied;	/* by FICLONE / by copying */
};

/*
 * For every regular file that came from a directory scan: compute its
 * fs-verity digest, inline it if small, else set its payload to the object
 * path "xx/<hex>" and (with a store_dir, created if missing) publish the
 * object.  As mkcomposefs: empty files get no digest, payload or content;
 * inlined files (1..inline_max bytes) get all three and no object.  The
 * node's size becomes the number of bytes hashed.  The result is the same
 * for any thread count; progress is called on the calling thread at most
 * about 10 times a second, and once at the end.
 */
ESEAL_API int eseal_tree_store_objects(struct eseal_tree *tree,
				       const struct eseal_store_opts *opts,
				       struct eseal_store_stats *stats,
				       struct eseal_error *err);

/*
 * Is the object a payload names in the object store open at store_fd
 * (store_name names it in messages)?  1 when it is there as a regular
 * file, 0 when it or a directory on the way is missing.  Nothing below
 * store_fd is followed if it is a symlink: an entry on the way that is not
 * a plain directory, or an object that is not a regular file, is an error
 * naming it, and so is a payload that is not a path inside a store (an
 * empty, "." or ".." component).
 */
ESEAL_API int eseal_store_lookup(int store_fd, const char *store_name,
				 const char *payload,
				 struct eseal_error *err);

/* ---- writers ----------------------------------------------------------- */

struct eseal_image_opts {
	unsigned int min_version;	/* composefs format version, 0 or 1 */
	unsigned int max_version;
	int hash_alg;			/* of the image digest; 0 = sha256 */
};

/*
 * Write the EROFS image of the tree to fd (which may be a pipe).  When
 * digest is non-NULL, the fs-verity digest of the image bytes (sha256,
 * or opts->hash_alg) is stored there.  fd may be -1 to compute the digest
 * only.
 */
ESEAL_API int eseal_image_write(struct eseal_tree *tree,
				const struct eseal_image_opts *opts, int fd,
				struct eseal_digest *digest,
				struct eseal_error *err);

/*
 * Write the tree in the composefs dump format, as "composefs-info dump"
 * 1.0.8 prints it (see composefs-dump(5)).
 */
ESEAL_API int eseal_dump_write(struct eseal_tree *tree, FILE *f,
			       struct eseal_error *err);
/* List the entries below the root as "composefs-info ls" 1.0.8 does. */
ESEAL_API int eseal_list_write(struct eseal_tree *tree, FILE *f,
			       struct eseal_error *err);

/* ---- OCI images and tar layers (lib/oci/; docs/oci.md) ----------------- */

/*
 * Sources in skopeo's transport syntax:
 *   oci:LAYOUT[:REF]        an OCI image layout directory
 *   oci-archive:FILE[:REF]  the same layout as a tar file
 *   tar:FILE, tar:-         one layer tarball (uncompressed, gzip, zstd or
 *                           xz, detected from the bytes)
 * REF is a tag (the org.opencontainers.image.ref.name annotation) or
 * "@sha256:<hex>" (a manifest or index digest); without it the layout must
 * hold exactly one image.  Anything else names a directory.
 */
#define ESEAL_SOURCE_DIR	 0
#define ESEAL_SOURCE_OCI	 1
#define ESEAL_SOURCE_OCI_ARCHIVE 2
#define ESEAL_SOURCE_TAR	 3

struct eseal_source {
	int kind;			/* ESEAL_SOURCE_* */
	char *path;			/* directory, layout, archive, tar file;
					   "-" for a tar on the fd below */
	char *ref;			/* REF, or NULL */
	int fd;				/* path "-": the stream to read (the
					   caller's stdin); -1 after parsing */
};

ESEAL_API int eseal_source_parse(const char *spec, struct eseal_source *src,
				 struct eseal_error *err);
ESEAL_API void eseal_source_free(struct eseal_source *src);

/* eseal_oci_opts.flags */
#define ESEAL_OCI_RULES       (1u << 0) /* the canonical OCI rules; always
					   for oci: and oci-archive: */
#define ESEAL_OCI_USER_XATTRS (1u << 1) /* the rules keep user.* xattrs */
/*
 * Keep a record of each layer read in the store (<store>/.erofs-seal/
 * layers/) and replay a layer from its record, without reading it, when
 * all its objects are there (docs/oci.md, "Layer records")
 */
#define ESEAL_OCI_LAYER_RECORDS (1u << 2)

/* Limits for hostile input (a gzip bomb, a flood of entries) */
#define ESEAL_OCI_MAX_SIZE_DEFAULT    (32ull << 30) /* uncompressed bytes */
#define ESEAL_OCI_MAX_ENTRIES_DEFAULT (4ull << 20)  /* tar entries */
/* The composefs format version of images of canonical trees */
#define ESEAL_OCI_FORMAT_VERSION 1

struct eseal_oci_opts {
	struct eseal_store_opts store;	/* objects (threads is unused) */
	const char *platform;		/* "os/arch[/variant]" to pick from an
					   image index; NULL: this machine's */
	uint64_t max_size;		/* uncompressed bytes of all layers;
					   0 = ESEAL_OCI_MAX_SIZE_DEFAULT */
	uint64_t max_entries;		/* tar entries of all layers;
					   0 = ESEAL_OCI_MAX_ENTRIES_DEFAULT */
	unsigned int flags;		/* ESEAL_OCI_* */
};

/*
 * The tree of an OCI image (its layers applied in order, with the OCI
 * whiteout rules) or of one tar layer, read as a stream: every regular
 * file's bytes go from the (decompressed) stream into the object store
 * (opts->store.store_dir; NULL only hashes), hashed as they are written;
 * files up to the inline limit get their content in the tree.  Nothing
 * is extracted.  Blob digests (and the config's diff_ids) are checked as
 * the bytes stream past.  On error nothing is returned; objects already
 * published stay valid.  progress (in opts->store) counts compressed
 * bytes and entries.  src->kind must not be ESEAL_SOURCE_DIR.
 */
ESEAL_API int eseal_tree_from_source(const struct eseal_source *src,
				     const struct eseal_oci_opts *opts,
				     struct eseal_tree **out,
				     struct eseal_store_stats *stats,
				     struct eseal_error *err);

/*
 * The canonical OCI rules on any tree (what oci: sources get always, and
 * mkimage --oci-rules gives a directory): hardlinks as shared inodes
 * named first in sorted depth-first order, the root's metadata copied
 * from /usr, /run emptied (its mtime that of /usr), only the
 * security.capability xattr kept (and user.* with ESEAL_OCI_USER_XATTRS).
 * Images of such trees are written with format version
 * ESEAL_OCI_FORMAT_VERSION.
 */
ESEAL_API int eseal_tree_oci_rules(struct eseal_tree *tree, unsigned int flags,
				   struct eseal_error *err);

/* ---- signatures (lib/pkcs7.c; sign/ commands) --------------------------- */

/*
 * What is signed is the kernel's struct fsverity_formatted_digest over an
 * image's fs-verity digest: "FSVerity", le16 algorithm id, le16 digest
 * size, digest.  A signature is a detached DER PKCS#7 SignedData, the form
 * the kernel's verify_pkcs7_signature() and `fsverity sign` use.
 */
#define ESEAL_FORMATTED_DIGEST_MAX (12 + ESEAL_DIGEST_MAX)
/* Largest signature accepted (the kernel's cap on an fsconfig blob). */
#define ESEAL_SIG_MAX (1u << 20)

/* Fill buf with the formatted digest; returns its length, 0 on a bad alg. */
ESEAL_API size_t eseal_formatted_digest(const struct eseal_digest *d,
					uint8_t buf[ESEAL_FORMATTED_DIGEST_MAX]);

/* A private key and its certificate, ready to sign. */
struct eseal_signer;

struct eseal_signer_opts {
	const char *key;	/* PEM/DER key file, or a "pkcs11:" URI */
	const char *cert;	/* PEM/DER certificate file */
	/*
	 * Passphrase of an encrypted key file, or the PIN of a token (a URI's
	 * pin-value= or pin-source= wins); NULL for none.
	 */
	const char *passphrase;
	/* PKCS#11 module; NULL: the URI's module-path= or p11-kit's proxy */
	const char *pkcs11_module;
};

/*
 * Load key and certificate; refuses keys the kernel would reject (RSA-PSS,
 * Ed25519, other curves) and a certificate that does not match the key.
 */
ESEAL_API int eseal_signer_open(const struct eseal_signer_opts *opts,
				struct eseal_signer **out,
				struct eseal_error *err);
ESEAL_API void eseal_signer_free(struct eseal_signer *s);

/*
 * Sign a digest: PKCS#7 SignedData, detached, no authenticated attributes,
 * no certificates, signer by issuer and serial, the digest's hash
 * algorithm (sha256/sha512).  *sig is malloc'd; free() it.
 */
ESEAL_API int eseal_sign_digest(struct eseal_signer *s,
				const struct eseal_digest *d, uint8_t **sig,
				size_t *sig_len, struct eseal_error *err);

/*
 * What a verifier trusts.  Two models, like the kernel's:
 *  - pinned certificates (eseal_trust_add_certs): a signer is trusted when
 *    its issuer and serial name one of them, as a key in the kernel's
 *    keyring; no chain, no validity period (the kernel checks neither);
 *  - CA bundles (eseal_trust_add_ca): a signer's certificate (from the
 *    pinned ones, the bundle or the signature) must chain to one of them
 *    at the current time, with keyUsage allowing digitalSignature.
 * With both, pinned certificates only supply signer certificates and must
 * chain to a CA too.
 */
struct eseal_trust;

ESEAL_API int eseal_trust_new(struct eseal_trust **out,
			      struct eseal_error *err);
ESEAL_API void eseal_trust_free(struct eseal_trust *t);
/* A file of one DER or one or more PEM certificates. */
ESEAL_API int eseal_trust_add_certs(struct eseal_trust *t, const char *path,
				    struct eseal_error *err);
ESEAL_API int eseal_trust_add_certs_mem(struct eseal_trust *t,
					const void *buf, size_t len,
					const char *name,
					struct eseal_error *err);
ESEAL_API int eseal_trust_add_ca(struct eseal_trust *t, const char *path,
				 struct eseal_error *err);

/* About a verified signature (or as far as verification got). */
struct eseal_sig_info {
	char signer[256];	/* subject of the signer's certificate */
	char issuer[256];	/* issuer, as named in the signature */
	char serial[132];	/* serial number, hex */
	char key[32];		/* "RSA-3072", "ECDSA-P256", ... */
	char hash[16];		/* PKCS#7 digest algorithm, "sha256" */
	unsigned int n_signers;
	bool authattrs;		/* the signer used authenticated attributes */
};

/*
 * Verify sig over digest d with the kernel's acceptance rules (see
 * docs/signing.md).  Returns 0 when the signature is valid and trusted.
 * Errors, by class (eseal_verify_class()):
 *   bad signature:     -EBADMSG (malformed, or a form the kernel rejects),
 *                      -ENOPKG (an algorithm the kernel lacks),
 *                      -EKEYREJECTED (does not match the digest)
 *   untrusted signer:  -ENOKEY (no signer is trusted),
 *                      -EKEYEXPIRED (certificate chain fails, e.g. expired)
 *   other:             -ENOMEM, -EINVAL (bad arguments), ...
 * info may be NULL.
 */
ESEAL_API int eseal_verify_digest(const struct eseal_trust *t,
				  const struct eseal_digest *d,
				  const void *sig, size_t sig_len,
				  struct eseal_sig_info *info,
				  struct eseal_error *err);

enum eseal_verify_class {
	ESEAL_VERIFY_OK = 0,
	ESEAL_VERIFY_BAD,	/* bad signature */
	ESEAL_VERIFY_UNTRUSTED,	/* valid or not, no trusted signer */
	ESEAL_VERIFY_ERROR,	/* anything else: memory, input */
};
ESEAL_API enum eseal_verify_class eseal_verify_class(int ret);

/*
 * The fs-verity hash a signature was most likely made for: ESEAL_HASH_SHA256
 * or ESEAL_HASH_SHA512 when that is its first signer's digest algorithm
 * (as `fsverity sign` and eseal_sign_digest() make them), else 0.  A hint
 * for choosing how to digest an image, not a check.
 */
ESEAL_API int eseal_signature_hash_alg(const void *sig, size_t len);

/* Read a signature file (at most ESEAL_SIG_MAX bytes); free() *buf. */
ESEAL_API int eseal_signature_read(const char *path, uint8_t **buf,
				   size_t *len, struct eseal_error *err);

/* ---- signed OCI images (lib/oci/; docs/oci.md, "Signed images") ------- */

/*
 * composefs's OCI sealing (composefs-rs sealing_spec.rs): PKCS#7
 * signatures, as eseal_sign_digest() makes them, over the fs-verity
 * digests of an image's manifest, its config and the canonical EROFS its
 * layers give, carried in an artifact that refers to the image (found by
 * the referrers tag "sha256-<hex of the manifest digest>") or inline, as
 * annotations of the image manifest.
 */
#define ESEAL_OCI_ARTIFACT_TYPE	 "application/vnd.composefs.metadata.v1"
#define ESEAL_OCI_SIGNATURE_TYPE "application/vnd.composefs.signature.v1+pkcs7"
/* "sha512:" + 128 hex digits + NUL */
#define ESEAL_OCI_DIGEST_STR_MAX 136

/*
 * How to reach a registry: skopeo runs as a subprocess with these (its
 * --tls-verify, --authfile, --creds and --cert-dir); NULL: not given.
 */
struct eseal_registry_opts {
	size_t size;			/* ESEAL_REGISTRY_OPTS_INIT */
	const char *skopeo;		/* the program; NULL: "skopeo" in PATH */
	int tls_verify;			/* -1: skopeo's default, 0, 1 */
	const char *authfile;
	const char *creds;		/* USER[:PASSWORD] */
	const char *cert_dir;
};
#define ESEAL_REGISTRY_OPTS_INIT \
	{ .size = sizeof(struct eseal_registry_opts), .tls_verify = -1 }

/* eseal_oci_seal_opts.flags */
#define ESEAL_OCI_SEAL_INLINE (1u << 0) /* annotations in the image manifest */
#define ESEAL_OCI_SEAL_DIGESTS_ONLY (1u << 1) /* the digests to sign, no seal */

/* What a seal signs (eseal_oci_seal_opts.sigs) */
#define ESEAL_OCI_ROLE_MANIFEST 0
#define ESEAL_OCI_ROLE_CONFIG	1
#define ESEAL_OCI_ROLE_MERGED	2
#define ESEAL_OCI_ROLES		3

struct eseal_oci_seal_opts {
	size_t size;			/* ESEAL_OCI_SEAL_OPTS_INIT */
	struct eseal_signer *signer;	/* signs; or NULL and sigs below */
	int hash_alg;			/* fs-verity hash; 0 = sha256 */
	const char *store_dir;		/* objects go here, or NULL */
	const char *platform;		/* as eseal_oci_opts.platform */
	unsigned int flags;		/* ESEAL_OCI_SEAL_* */
	/*
	 * Remote signing: signatures made elsewhere over the digests a
	 * DIGESTS_ONLY run gave (the manifest's is not used inline); each is
	 * verified against trust before the seal is written.
	 */
	const uint8_t *sigs[ESEAL_OCI_ROLES];
	size_t sig_lens[ESEAL_OCI_ROLES];
	const struct eseal_trust *trust;
};
#define ESEAL_OCI_SEAL_OPTS_INIT { .size = sizeof(struct eseal_oci_seal_opts) }

struct eseal_oci_seal_result {
	size_t size;			/* ESEAL_OCI_SEAL_RESULT_INIT */
	/* the sealed image's manifest (inline: the new one REF now names) */
	char manifest[ESEAL_OCI_DIGEST_STR_MAX];
	char artifact[ESEAL_OCI_DIGEST_STR_MAX]; /* "" when inline */
	struct eseal_digest merged;	/* fs-verity digest of the EROFS */
	struct eseal_digest config_verity, manifest_verity;
	struct eseal_store_stats stats;
};
#define ESEAL_OCI_SEAL_RESULT_INIT \
	{ .size = sizeof(struct eseal_oci_seal_result) }

/*
 * Seal the image "oci:LAYOUT[:REF]" names: generate its canonical EROFS
 * (filling store_dir), sign the digests and write the artifact into the
 * layout (blobs, and the referrers tag in index.json), or, inline, a new
 * manifest with the annotations that REF then names.  The layout changes
 * only at the end: its index.json is replaced atomically.  With
 * ESEAL_OCI_SEAL_DIGESTS_ONLY only res's digests are filled.
 */
ESEAL_API int eseal_oci_seal(const char *source,
			     const struct eseal_oci_seal_opts *opts,
			     struct eseal_oci_seal_result *res,
			     struct eseal_error *err);

struct eseal_oci_verify_opts {
	size_t size;			/* ESEAL_OCI_VERIFY_OPTS_INIT */
	const struct eseal_trust *trust;
	int hash_alg;			/* only seals of this hash; 0: any */
	const char *platform;
	const char *store_dir;		/* objects go here, or NULL */
	int image_fd;			/* the EROFS is written here, or -1 */
	/* docker:// sources (pull): the registry and a layout to fetch to */
	const struct eseal_registry_opts *registry;
	const char *cache;		/* NULL: <store_dir>/.erofs-seal/oci */
};
#define ESEAL_OCI_VERIFY_OPTS_INIT \
	{ .size = sizeof(struct eseal_oci_verify_opts), .image_fd = -1 }

struct eseal_oci_verify_result {
	size_t size;			/* ESEAL_OCI_VERIFY_RESULT_INIT */
	int verdict;			/* enum eseal_verify_class */
	bool inline_mode;		/* the seal that held was inline */
	char manifest[ESEAL_OCI_DIGEST_STR_MAX];
	char artifact[ESEAL_OCI_DIGEST_STR_MAX];
	struct eseal_digest merged;	/* the signed EROFS digest */
	struct eseal_sig_info info;	/* its signer */
	uint8_t *signature;		/* its signature (malloc'd) */
	size_t signature_len;
	struct eseal_store_stats stats;
	unsigned int seals;		/* seals found for the manifest */
	unsigned int layers, layers_fetched, layers_replayed;
};
#define ESEAL_OCI_VERIFY_RESULT_INIT \
	{ .size = sizeof(struct eseal_oci_verify_result) }

/*
 * Verify a sealed image: "oci:LAYOUT[:REF]" or "docker://HOST/REPO:TAG"
 * (fetched with skopeo into opts->cache, the layers only after the
 * signatures held, and only those the cache lacks).  Finds the seals (the
 * artifacts that refer to the manifest, and inline annotations), checks
 * every signature of one of them and the manifest and config digests,
 * then regenerates the EROFS (to image_fd, its objects into store_dir)
 * and compares its digest.  0 when a seal held; else res->verdict says
 * why (ESEAL_VERIFY_BAD, _UNTRUSTED, or _ERROR: nothing could be read).
 * eseal_oci_verify_result_fini() frees the signature.
 */
ESEAL_API int eseal_oci_verify(const char *source,
			       const struct eseal_oci_verify_opts *opts,
			       struct eseal_oci_verify_result *res,
			       struct eseal_error *err);
ESEAL_API void eseal_oci_verify_result_fini(struct eseal_oci_verify_result *r);

/*
 * Copy "oci:LAYOUT:REF" to "docker://HOST/REPO:TAG" with skopeo, its
 * manifest unchanged (so that its digest stays the subject), then the
 * referrers tag of that manifest, when the layout has one.
 */
ESEAL_API int eseal_oci_push(const char *source, const char *dest,
			     const struct eseal_registry_opts *reg,
			     struct eseal_error *err);

/* ---- keyrings (lib/keyring.c) ------------------------------------------ */

/*
 * Kernel keyrings through libkeyutils.  A keyring is named by its
 * description (".erofs", ".fs-verity", or one of the caller's), a serial
 * number, or "@s", "@u", "@us", "@p", "@t" for the special keyrings.
 */
ESEAL_API int eseal_keyring_find(const char *name, int32_t *serial,
				 struct eseal_error *err);

/*
 * Add a certificate (one DER or PEM certificate, as a buffer) to a keyring
 * as an "asymmetric" key; *key gets the new key's serial (may be NULL).
 * The certificate's key must be one the kernel can use.
 */
ESEAL_API int eseal_keyring_add_cert(int32_t keyring, const void *cert,
				     size_t len, const char *name,
				     int32_t *key, struct eseal_error *err);

struct eseal_key_info {
	int32_t serial;
	char type[32];
	char description[256];
};

/* The keys linked into a keyring; free() *keys. */
ESEAL_API int eseal_keyring_list(int32_t keyring,
				 struct eseal_key_info **keys, size_t *n,
				 struct eseal_error *err);

/*
 * Restrict a keyring: restriction NULL locks it (no key can be added any
 * more); otherwise an "asymmetric" restriction such as "builtin_trusted",
 * "builtin_and_secondary_trusted" or "key_or_keyring:<serial>[:chain]".
 */
ESEAL_API int eseal_keyring_restrict(int32_t keyring, const char *restriction,
				     struct eseal_error *err);

/* ---- mounting (lib/mount.c; mount/ commands) ---------------------------- */

/*
 * Mount an image as a verified overlay: the EROFS image is mounted read-only
 * at a private directory under the run directory, and an overlay with the
 * object stores as data-only layers goes on the mount point.  The image is
 * checked by the kernel when it supports EROFS signatures, else by
 * measuring its fs-verity digest, else from a private copy verified in
 * userspace.  Nothing stays mounted when a step fails.
 */

/* How the image was checked (eseal_mount_result.mode) */
#define ESEAL_MOUNT_MODE_KERNEL   1 /* the kernel checked signature/pin */
#define ESEAL_MOUNT_MODE_FSVERITY 2 /* fs-verity digest checked here */
#define ESEAL_MOUNT_MODE_COPY     3 /* a private copy checked here */

/* eseal_mount_opts.flags */
#define ESEAL_MOUNT_REQUIRE_SIGNATURE (1u << 0) /* refuse without one */
#define ESEAL_MOUNT_READ_ONLY         (1u << 1) /* also with an upperdir */
#define ESEAL_MOUNT_INSECURE_NO_DATA_VERITY (1u << 2) /* allow verity=off */
#define ESEAL_MOUNT_NO_KERNEL_VERIFY  (1u << 3) /* check in userspace */
#define ESEAL_MOUNT_NO_FSVERITY       (1u << 4) /* always use a copy */
#define ESEAL_MOUNT_LEGACY_OVERLAY    (1u << 5) /* lowerdir=A::B string */

/* Guarantees a mount lacks (eseal_mount_result.missing) */
#define ESEAL_MISSING_UNVERIFIED   (1u << 0) /* no signature, no pin */
#define ESEAL_MISSING_UNSIGNED     (1u << 1) /* pinned, not signed */
#define ESEAL_MISSING_KERNEL_CHECK (1u << 2) /* checked here, not by kernel */
#define ESEAL_MISSING_IMAGE_VERITY (1u << 3) /* later reads unchecked */
#define ESEAL_MISSING_DATA_VERITY  (1u << 4) /* blobs unchecked */
#define ESEAL_MISSING_WRITABLE     (1u << 5) /* upper layer unsigned */

struct eseal_mount_opts {
	const char *const *basedirs;	/* object stores, at least one */
	size_t n_basedirs;
	const void *signature;		/* PKCS#7 DER, or NULL */
	size_t signature_len;
	const char *cert;		/* trusted certificates (pinned) */
	const char *ca;			/* trusted CA bundle */
	const char *keyring;		/* trusted kernel keyring, or NULL */
	const struct eseal_digest *digest; /* pinned image digest, or NULL */
	const char *upperdir, *workdir;	/* both or neither */
	unsigned int flags;		/* ESEAL_MOUNT_* */
	const char *rundir;		/* NULL: ESEAL_MOUNT_RUNDIR */
	const char *privdir;		/* NULL: ESEAL_MOUNT_PRIVDIR */
};

#define ESEAL_MOUNT_RUNDIR  "/run/erofs-seal"
#define ESEAL_MOUNT_PRIVDIR "/var/lib/erofs-seal/private"
#define ESEAL_PATH_MAX 4096

struct eseal_mount_result {
	int mode;			/* ESEAL_MOUNT_MODE_* */
	bool have_digest;		/* digest below is valid */
	struct eseal_digest digest;	/* the image's fs-verity digest */
	bool signature_checked;		/* a signature was verified */
	bool digest_pinned;		/* digest matched the pin */
	bool data_verity;		/* overlay verity=require */
	bool legacy_overlay;		/* lowerdir=A::B string was used */
	bool kernel_signed;		/* the EROFS superblock shows "signed" */
	char signer[256];		/* who signed, when checked here */
	unsigned int missing;		/* ESEAL_MISSING_* */
	char layer[ESEAL_PATH_MAX];	/* where the EROFS layer is mounted */
	char mountpoint[ESEAL_PATH_MAX]; /* the overlay, resolved */
};

/* Kernel support found by eseal_mount_probe() */
struct eseal_mount_features {
	bool new_mount_api;		/* fsopen() and friends */
	bool erofs;			/* EROFS is available */
	bool erofs_signature;		/* EROFS "signature" parameter */
	bool overlay;
	bool overlay_append;		/* lowerdir+ / datadir+ */
	bool overlay_verity;		/* overlay "verity" option */
};

ESEAL_API int eseal_mount_probe(struct eseal_mount_features *f,
				struct eseal_error *err);

ESEAL_API int eseal_mount(const char *image, const char *mountpoint,
			  const struct eseal_mount_opts *opts,
			  struct eseal_mount_result *res,
			  struct eseal_error *err);

/* One line in plain words for an ESEAL_MISSING_* bit; NULL if unknown. */
ESEAL_API const char *eseal_mount_missing_text(unsigned int bit);

/* eseal_umount() flags */
#define ESEAL_UMOUNT_LAZY (1u << 0)	/* MNT_DETACH a busy mount */

/*
 * Take down an overlay made by eseal_mount() and its EROFS layer (only the
 * layer's directory when the layer was unmounted already), or (when
 * mountpoint is a layer under rundir) a layer whose overlay is gone:
 * -EBUSY, naming the overlay, while an overlay still stacks on it.  rundir
 * NULL means ESEAL_MOUNT_RUNDIR.  When layer is non-NULL, the path of the
 * EROFS layer that was removed is copied there (ESEAL_PATH_MAX bytes).
 */
ESEAL_API int eseal_umount(const char *mountpoint, const char *rundir,
			   unsigned int flags, char *layer,
			   struct eseal_error *err);

/* ---- input files (lib/input.c) ---------------------------------------- */

/*
 * Every file the library reads by path goes through these, and commands
 * use them for theirs: only a regular file is read (a directory, device,
 * socket or FIFO is refused with a message naming the path and its type,
 * -EISDIR for a directory, else -EINVAL), and the open never blocks on a
 * FIFO nobody writes.
 */
#define ESEAL_INPUT_PIPE_OK (1u << 0)	/* also a FIFO or pipe (secrets) */

/* "a regular file", "a directory", "a FIFO", ... for a st_mode */
ESEAL_API const char *eseal_file_type_name(unsigned int mode);
/* Open path to read (O_CLOEXEC, blocking reads); returns the fd. */
ESEAL_API int eseal_input_open(const char *path, unsigned int flags,
			       struct eseal_error *err);
/*
 * Read a whole file of at most max bytes into a malloc'd buffer; free()
 * *buf.  A larger file is -EFBIG, "<path>: larger than <max> bytes".  The
 * bytes are read (pread), never mapped, so a file that changes meanwhile
 * gives old or new bytes, or fewer, but no signal.
 */
ESEAL_API int eseal_input_read(const char *path, unsigned int flags,
			       size_t max, uint8_t **buf, size_t *len,
			       struct eseal_error *err);
/* The same for an open fd read to its end (stdin); name is for messages. */
ESEAL_API int eseal_input_read_fd(int fd, const char *name, size_t max,
				  uint8_t **buf, size_t *len,
				  struct eseal_error *err);

/* ---- misc -------------------------------------------------------------- */

ESEAL_API const char *eseal_version(void);

#ifdef __cplusplus
}
#endif

#endif /* EROFS_SEAL_H */
