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
 *  - Structs that may grow begin with "size_t size", which the caller sets
 *    with the struct's _INIT macro (struct eseal_mount_opts o =
 *    ESEAL_MOUNT_OPTS_INIT;) before filling the rest.  Members are only ever
 *    appended, each with 0 as its default, so that a program built against
 *    an older header keeps working with a newer library; a size the library
 *    does not know (a struct never initialised) is -EINVAL with a message.
 *    Options are read and results written only as far as that size says.
 *  - Structs the library fills for callbacks (struct eseal_entry, struct
 *    eseal_progress) only ever grow at the end as well.
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

/*
 * What went wrong, for a message.  Every call takes one, so it is a plain
 * fixed struct that never grows (a new field would be a new type).
 */
struct eseal_error {
	int code;			/* positive errno value, 0 if none */
	char msg[ESEAL_ERR_MSG_MAX];	/* human readable, no trailing newline */
};

/* ---- fs-verity digests (lib/verity) ------------------------------------- */

/* Algorithm ids as in the kernel's FS_VERITY_HASH_ALG_* */
#define ESEAL_HASH_SHA256 1
#define ESEAL_HASH_SHA512 2
#define ESEAL_DIGEST_MAX 64

/* A digest as a value: its layout is fixed (the kernel's algorithm ids). */
struct eseal_digest {
	uint8_t alg;			/* ESEAL_HASH_* */
	uint8_t size;			/* 32 or 64 */
	uint8_t bytes[ESEAL_DIGEST_MAX];
};

/**
 * eseal_hash_name() - The name of an fs-verity hash algorithm
 * @alg: ESEAL_HASH_SHA256 or ESEAL_HASH_SHA512
 *
 * Returns: "sha256" or "sha512"; NULL for an unknown id.
 */
ESEAL_API const char *eseal_hash_name(int alg);

/**
 * eseal_hash_from_name() - The id of an fs-verity hash algorithm
 * @name: "sha256" or "sha512"
 *
 * Returns: ESEAL_HASH_SHA256 or ESEAL_HASH_SHA512; -EINVAL for another
 * name or NULL.
 */
ESEAL_API int eseal_hash_from_name(const char *name);

/**
 * eseal_digest_hex() - A digest as lower-case hex
 * @d: the digest
 * @buf: 2 * ESEAL_DIGEST_MAX + 1 bytes for the digits and a NUL
 *
 * Returns: nothing; buf holds 2 * d->size digits.
 */
ESEAL_API void eseal_digest_hex(const struct eseal_digest *d, char *buf);

/**
 * eseal_digest_parse() - Parse "<alg>:<hex>" ("sha256:ab12...")
 * @s: the text
 * @d: the digest parsed
 * @err: a message naming s and what is wrong with it
 *
 * Returns: 0, or -EINVAL for an unknown algorithm, a wrong number of
 * digits or a character that is not a hex digit.
 */
ESEAL_API int eseal_digest_parse(const char *s, struct eseal_digest *d,
				 struct eseal_error *err);

/**
 * eseal_fsverity_digest_fd() - fs-verity digest of a whole file
 * @fd: the file, read with pread() from offset 0 to its end
 * @name: the file's name in error messages (NULL: "<fd>")
 * @alg: ESEAL_HASH_SHA256 or ESEAL_HASH_SHA512
 * @out: the digest (Merkle tree of 4 KiB blocks, no salt), as the kernel's
 *	 FS_IOC_MEASURE_VERITY reports it
 * @err: a message naming the file
 *
 * Returns: 0, -EINVAL for an unknown algorithm, -ENOMEM, or the -errno of
 * a failed read.
 */
ESEAL_API int eseal_fsverity_digest_fd(int fd, const char *name, int alg,
				       struct eseal_digest *out,
				       struct eseal_error *err);

/**
 * eseal_fsverity_digest_buf() - fs-verity digest of a buffer
 * @buf: the data
 * @len: its length
 * @alg: ESEAL_HASH_SHA256 or ESEAL_HASH_SHA512
 * @out: the digest
 *
 * Returns: 0, -EINVAL for an unknown algorithm, -ENOMEM, or -EIO when the
 * hash failed.
 */
ESEAL_API int eseal_fsverity_digest_buf(const void *buf, size_t len, int alg,
					struct eseal_digest *out);

/* ---- trees (lib/tree) --------------------------------------------------- */

/*
 * A tree of filesystem entries: the in-memory form between readers (a
 * directory on disk, a composefs dump, an image) and writers (an image, a
 * dump).
 */
struct eseal_tree;

/*
 * Read-only view of one entry, as handed to eseal_tree_walk() callbacks.
 * The library fills it; members are only ever appended.
 */
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

/**
 * eseal_tree_free() - Free a tree and everything in it
 * @tree: the tree, or NULL
 *
 * Returns: nothing.
 */
ESEAL_API void eseal_tree_free(struct eseal_tree *tree);

/**
 * eseal_tree_count() - The number of entries of a tree
 * @tree: the tree
 *
 * Returns: the entries, the root and hardlinks included.
 */
ESEAL_API size_t eseal_tree_count(const struct eseal_tree *tree);

/* Called for every entry; a non-zero return stops the walk. */
typedef int (*eseal_walk_fn)(const struct eseal_entry *e, void *arg);

/**
 * eseal_tree_walk() - Call fn for every entry of a tree
 * @tree: the tree
 * @fn: called with each entry, parents before children, children by name;
 *	the entry and its strings are valid during the call only
 * @arg: passed to fn
 * @err: filled when the walk itself fails
 *
 * Returns: 0 after the last entry, the first non-zero value fn returned,
 * or -ENOMEM.
 */
ESEAL_API int eseal_tree_walk(struct eseal_tree *tree, eseal_walk_fn fn,
			      void *arg, struct eseal_error *err);

/**
 * eseal_entry_xattr() - One xattr of the entry handed to a walk callback
 * @e: the entry, during the callback
 * @i: which one, 0 to e->n_xattrs - 1
 * @key: its name (NUL-terminated)
 * @value: its value (value_len bytes, NUL-terminated too)
 * @value_len: the value's length
 *
 * Returns: 0, or -ENOENT when there is no xattr i.
 */
ESEAL_API int eseal_entry_xattr(const struct eseal_entry *e, size_t i,
				const char **key, const uint8_t **value,
				size_t *value_len);

/* ---- readers (lib/scan, lib/dump, lib/image) ---------------------------- */

/* Flags for eseal_tree_from_dir() */
#define ESEAL_SCAN_SKIP_DEVICES  (1u << 0) /* leave out char/block devices */
#define ESEAL_SCAN_SKIP_XATTRS   (1u << 1) /* read no xattrs */
#define ESEAL_SCAN_USER_XATTRS   (1u << 2) /* read only user.* xattrs */
#define ESEAL_SCAN_USE_EPOCH     (1u << 3) /* all mtimes 0 */
#define ESEAL_SCAN_NO_HARDLINKS  (1u << 4) /* every name its own inode, as
					      mkcomposefs 1.0.8 does */

/**
 * eseal_tree_from_dir() - Scan a directory into a tree
 * @path: the directory
 * @flags: ESEAL_SCAN_*
 * @out: the new tree; free it with eseal_tree_free()
 * @err: a message naming the entry and the reason
 *
 * Regular files are not read here: eseal_tree_store_objects() hashes (and
 * stores) them.  Symlinks are not followed.  Names of one inode (same
 * device and inode number) become hardlinks to the first of them in
 * pre-order, unless ESEAL_SCAN_NO_HARDLINKS: then each is a file of its
 * own with nlink 1, and the image is the one mkcomposefs 1.0.8 writes.
 *
 * Returns: 0; the -errno of a failed system call (-ESTALE for a directory
 * replaced during the scan); -EINVAL for an entry the image format cannot
 * hold, -E2BIG for xattrs too large, -ELOOP for a tree too deep; -ENOMEM.
 */
ESEAL_API int eseal_tree_from_dir(const char *path, unsigned int flags,
				  struct eseal_tree **out,
				  struct eseal_error *err);

/* Flags for eseal_tree_from_dump() */
#define ESEAL_DUMP_LENIENT       (1u << 0) /* accept what mkcomposefs accepts leniently */

/**
 * eseal_tree_from_dump() - Read a composefs dump (composefs-dump(5))
 * @f: the stream, read to its end
 * @name: the stream in messages ("<stdin>" for stdin)
 * @flags: ESEAL_DUMP_*
 * @out: the new tree; free it with eseal_tree_free()
 * @err: a message "<name>:<line>: <reason>"
 *
 * Returns: 0; -EINVAL for a line the format or the image writer does not
 * accept (-EEXIST for a path given twice, -ENOTDIR for an entry below a
 * non-directory, -ELOOP for one too deep, -E2BIG or -EFBIG for xattrs too
 * large); -EIO for a read error; -ENOMEM.
 */
ESEAL_API int eseal_tree_from_dump(FILE *f, const char *name,
				   unsigned int flags, struct eseal_tree **out,
				   struct eseal_error *err);

/**
 * eseal_tree_from_image() - Load an EROFS image back into a tree
 * @buf: the whole image, in memory; untrusted (each field is checked and
 *	 read once, so it may even change meanwhile)
 * @len: its length
 * @out: the new tree; free it with eseal_tree_free()
 * @err: a message naming the inode or path and the reason
 *
 * Returns: 0; -EINVAL for a malformed image, -ENOTDIR for a root that is
 * not a directory; -EOPNOTSUPP for a feature this reader does not read;
 * -ELOOP for a directory reached twice; -EFBIG when it would expand beyond
 * a budget proportional to its size; -ENOMEM.
 */
ESEAL_API int eseal_tree_from_image(const void *buf, size_t len,
				    struct eseal_tree **out,
				    struct eseal_error *err);

/* ---- objects (lib/store) ------------------------------------------------ */

/*
 * Progress of eseal_tree_store_objects(), filled by the library (members
 * are only ever appended).
 */
struct eseal_progress {
	uint64_t entries_done, entries_total;
	uint64_t bytes_done, bytes_total;
};
typedef void (*eseal_progress_fn)(const struct eseal_progress *p, void *arg);

/* An object store open for writing, under its writers' lock (below). */
struct eseal_store_writer;

struct eseal_store_opts {
	size_t size;			/* ESEAL_STORE_OPTS_INIT */
	const char *store_dir;		/* object store, or NULL to only hash */
	int hash_alg;			/* ESEAL_HASH_*, 0 = sha256 */
	unsigned int threads;		/* 0 = online CPUs */
	size_t inline_max;		/* files up to this size are inlined;
					   0 = 64, as mkcomposefs */
	eseal_progress_fn progress;	/* may be NULL */
	void *progress_arg;
	/*
	 * The store, opened by eseal_store_writer_open(): objects go there
	 * and store_dir is ignored.  Its writers' lock then covers the
	 * caller's publication of the image too (docs/object-store.md);
	 * with store_dir alone the lock is held during this call only.
	 */
	struct eseal_store_writer *writer;
	const char *digest_cache;	/* the digest cache file; NULL: with
					   a store (store_dir or writer)
					   the store's own, else none */
	unsigned int flags;		/* ESEAL_STORE_* */
};
#define ESEAL_STORE_OPTS_INIT { .size = sizeof(struct eseal_store_opts) }

/* eseal_store_opts.flags */
#define ESEAL_STORE_NO_DIGEST_CACHE (1u << 0) /* no cache at all */

/* eseal_store_stats.cache_state: the digest cache as it was found */
#define ESEAL_CACHE_NONE	0	/* no cache was asked for */
#define ESEAL_CACHE_NEW		1	/* there was none: made */
#define ESEAL_CACHE_LOADED	2	/* read and used */
#define ESEAL_CACHE_CORRUPT	3	/* damaged: ignored, made anew */
#define ESEAL_CACHE_OTHER_SOURCE 4	/* of another source root, file
					   system or hash: ignored, made
					   anew */
#define ESEAL_CACHE_UNTRUSTED	5	/* not ours, writable by others or
					   not a regular file: ignored,
					   replaced */
#define ESEAL_CACHE_READ_ONLY	6	/* the store's cannot be made or
					   written there (permissions, a
					   read-only filesystem): the build
					   goes on without keeping it */

struct eseal_store_stats {
	size_t size;			/* ESEAL_STORE_STATS_INIT */
	uint64_t files, bytes;		/* regular files / bytes hashed */
	uint64_t objects_new;		/* objects written to the store */
	uint64_t objects_existing;	/* objects already present */
	uint64_t verity_enabled;	/* FS_IOC_ENABLE_VERITY succeeded */
	uint64_t verity_unsupported;	/* ... failed: not supported here */
	uint64_t cloned, copied;	/* by FICLONE / by copying */
	uint64_t from_cache;		/* digests the digest cache gave */
	uint64_t measured;		/* ... FS_IOC_MEASURE_VERITY gave */
	uint64_t hashed;		/* files read and hashed */
	uint32_t cache_state;		/* ESEAL_CACHE_* */
	uint32_t cache_written;		/* 1: the cache file was written */
};
#define ESEAL_STORE_STATS_INIT { .size = sizeof(struct eseal_store_stats) }

/**
 * eseal_tree_store_objects() - Hash, inline or store the files of a scan
 * @tree: a tree from eseal_tree_from_dir()
 * @opts: the store, hash and threads (ESEAL_STORE_OPTS_INIT first)
 * @stats: what was done (ESEAL_STORE_STATS_INIT first), or NULL
 * @err: a message naming the file or object and the reason
 *
 * For every regular file that came from the scan: compute its fs-verity
 * digest, inline it if small, else set its payload to the object path
 * "xx/<hex>" and (with a store_dir, created if missing) publish the object
 * (crash-safe: an object is linked under its name only once it is durable).
 * As mkcomposefs: empty files get no digest, payload or content; inlined
 * files (1..inline_max bytes) get all three and no object.
 *
 * A file larger than inline_max is not read when the digest cache knows
 * it (the same device, inode, size, mtime and ctime as when it was read)
 * or, where the source has fs-verity on it (4 KiB blocks, no salt, alg),
 * when the kernel measures it; with a store, only if its object is there
 * too (else it is read and stored again).  The cache is
 * opts->digest_cache, else with a store_dir the store's own, unless
 * ESEAL_STORE_NO_DIGEST_CACHE; a cache that is damaged, of another source
 * root or filesystem, not ours or writable by others is ignored and made
 * anew (stats->cache_state says which), and the file is replaced
 * atomically when its content changes.  The node's
 * size becomes the number of bytes hashed.  The result is the same for any
 * thread count; progress is called on the calling thread at most about 10
 * times a second, and once at the end.
 *
 * Returns: 0, -EINVAL for bad options (or a struct size this library does
 * not know), the -errno of a failed system call, -ENOMEM.
 */
ESEAL_API int eseal_tree_store_objects(struct eseal_tree *tree,
				       const struct eseal_store_opts *opts,
				       struct eseal_store_stats *stats,
				       struct eseal_error *err);

/**
 * eseal_store_lookup() - Is an object in an object store?
 * @store_fd: the store's directory, open
 * @store_name: the store in messages
 * @payload: the object's path in the store ("xx/<hex>")
 * @err: a message naming the entry and the reason
 *
 * Nothing below store_fd is followed if it is a symlink.
 *
 * Returns: 1 when the object is there as a regular file, 0 when it or a
 * directory on the way is missing; -EINVAL for a payload that is not a
 * path inside a store (an empty, "." or ".." component), -ELOOP or
 * -ENOTDIR for an entry on the way that is a symlink or not a directory
 * (or an object that is not a regular file), another -errno of a failed
 * system call.
 */
ESEAL_API int eseal_store_lookup(int store_fd, const char *store_name,
				 const char *payload,
				 struct eseal_error *err);

/* ---- the store's lifecycle (lib/store; store/ commands) ----------------- */

/*
 * What a store holds besides objects (docs/object-store.md).  DIR/xx/
 * holds objects, "<object>.merkle" Merkle tree files (FUSE mounts) and
 * temporary files; DIR itself the fan-out directories, temporary files,
 * ESEAL_STORE_META (store metadata: the lock file, caches of tools; gc
 * and fsck never touch it) and ESEAL_STORE_QUARANTINE (what fsck --repair
 * moved aside).  A temporary file ("<prefix>" + 6 characters) older than
 * ESEAL_STORE_TMP_GRACE seconds is a leftover of a crash.
 */
#define ESEAL_STORE_META	".erofs-seal"
#define ESEAL_STORE_LOCK	".erofs-seal/lock"
#define ESEAL_STORE_QUARANTINE	".quarantine"
#define ESEAL_STORE_TMP_PREFIX	".tmp-"
#define ESEAL_STORE_TREE_SUFFIX	".merkle"
#define ESEAL_STORE_TMP_GRACE	3600

/*
 * The lock protocol: every writer holds a shared flock(2) of
 * DIR/.erofs-seal/lock from before it looks up or adds its first object
 * until the image that needs them is published where a gc will find it;
 * gc holds it exclusively while it reads its roots and removes objects,
 * and fsck --repair while it moves objects.  eseal_store_writer_open()
 * takes the writers' lock; every function of this library that adds
 * objects takes it too, for as long as it runs.
 */

/* Flags of eseal_store_writer_open() */
#define ESEAL_STORE_NO_WAIT (1u << 0)	/* -EWOULDBLOCK instead of waiting */

/**
 * eseal_store_writer_open() - Open an object store to add objects to
 * @dir: the store, created with its parents when missing
 * @flags: ESEAL_STORE_NO_WAIT, or 0 to wait while a gc runs
 * @out: the store; pass it as eseal_store_opts.writer, and close it with
 *	 eseal_store_writer_close() once the images that need its objects
 *	 are published
 * @err: a message naming the store and the reason
 *
 * Takes the writers' (shared) lock of the store, creating DIR/.erofs-seal
 * and its lock file when missing.  A writer that may not create or open
 * the lock file (a read-only store, or one it may not write) goes on
 * without it: it cannot add objects either.
 *
 * Returns: 0; -EWOULDBLOCK with ESEAL_STORE_NO_WAIT while a gc holds the
 * lock; -ELOOP or -ENOTDIR when .erofs-seal or its lock file is a symlink
 * or not what it should be; another -errno of a failed system call;
 * -ENOMEM.
 */
ESEAL_API int eseal_store_writer_open(const char *dir, unsigned int flags,
				      struct eseal_store_writer **out,
				      struct eseal_error *err);

/**
 * eseal_store_writer_close() - Release a store opened for writing
 * @w: the store, or NULL
 *
 * Publishes nothing more (every object added is published by the call
 * that added it) and releases the writers' lock: call it after the images
 * that need the objects are published.
 *
 * Returns: nothing.
 */
ESEAL_API void eseal_store_writer_close(struct eseal_store_writer *w);

/* What gc and fsck found wrong with an entry (eseal_store_issue.problem) */
enum eseal_store_problem {
	ESEAL_PROBLEM_CONTENT = 1,	/* content does not give its name */
	ESEAL_PROBLEM_TYPE,		/* not a regular file (or directory) */
	ESEAL_PROBLEM_NAME,		/* a name no store entry has */
	ESEAL_PROBLEM_NO_VERITY,	/* fs-verity supported but off */
	ESEAL_PROBLEM_BAD_VERITY,	/* fs-verity digest is not its name */
	ESEAL_PROBLEM_WRITABLE,		/* others may write it */
	ESEAL_PROBLEM_STRAY_TMP,	/* a temporary file left by a crash */
	ESEAL_PROBLEM_ORPHAN_TREE,	/* a Merkle tree file of no object */
	ESEAL_PROBLEM_UNREADABLE,	/* could not be checked */
};

/* What was done about it (eseal_store_issue.action) */
enum eseal_store_action {
	ESEAL_ACTION_NONE = 0,		/* reported (or left alone) only */
	ESEAL_ACTION_QUARANTINED,	/* moved into .quarantine/ */
	ESEAL_ACTION_RESTORED,		/* ... and a good copy put in place */
	ESEAL_ACTION_FIXED,		/* mode or fs-verity set right */
	ESEAL_ACTION_REMOVED,		/* a Merkle tree file of no object */
	ESEAL_ACTION_FAILED,		/* the repair failed: action_detail */
};

/*
 * One entry gc left alone or fsck found wrong, handed to a callback on
 * the calling thread; valid during the call.  Filled by the library
 * (members are only ever appended).
 */
struct eseal_store_issue {
	const char *path;		/* below the store: "ab/cdef...", "ab" */
	int problem;			/* enum eseal_store_problem */
	const char *detail;		/* what is wrong, in words */
	int action;			/* enum eseal_store_action */
	const char *action_detail;	/* where it went, why it failed; or NULL */
};
typedef void (*eseal_store_issue_fn)(const struct eseal_store_issue *i,
				     void *arg);

/**
 * eseal_store_problem_name() - A word for a problem, as JSON shows it
 * @problem: an enum eseal_store_problem value
 *
 * Returns: "content", "type", "name", "no-verity", "bad-verity",
 * "writable", "stray-temporary", "orphan-tree" or "unreadable"; NULL for
 * another value.
 */
ESEAL_API const char *eseal_store_problem_name(int problem);

/**
 * eseal_store_action_name() - A word for an action, as JSON shows it
 * @action: an enum eseal_store_action value
 *
 * Returns: "none", "quarantined", "restored", "fixed", "removed" or
 * "failed"; NULL for another value.
 */
ESEAL_API const char *eseal_store_action_name(int action);

/* eseal_gc_opts.flags */
#define ESEAL_GC_DRY_RUN (1u << 0)	/* count what would go, remove nothing */
#define ESEAL_GC_ALL     (1u << 1)	/* no roots given: every object goes */
#define ESEAL_GC_NO_WAIT (1u << 2)	/* -EWOULDBLOCK while a writer runs */

struct eseal_gc_opts {
	size_t size;			/* ESEAL_GC_OPTS_INIT */
	const char *const *keep;	/* images whose objects stay */
	size_t n_keep;
	const char *const *keep_dirs;	/* ... and every image file below */
	size_t n_keep_dirs;
	unsigned int flags;		/* ESEAL_GC_* */
	unsigned int tmp_grace;		/* seconds; 0: ESEAL_STORE_TMP_GRACE */
	eseal_store_issue_fn issue;	/* entries left alone, or NULL */
	void *issue_arg;
};
#define ESEAL_GC_OPTS_INIT { .size = sizeof(struct eseal_gc_opts) }

struct eseal_gc_result {
	size_t size;			/* ESEAL_GC_RESULT_INIT */
	uint64_t images;		/* kept images read */
	uint64_t objects_kept, bytes_kept;
	uint64_t objects_missing;	/* needed by a kept image, absent */
	uint64_t objects_removed, bytes_removed; /* or would be (dry run) */
	uint64_t trees_removed, tree_bytes_removed;
	uint64_t tmp_removed, tmp_bytes_removed;
	uint64_t left_alone;		/* entries that are no object of ours */
};
#define ESEAL_GC_RESULT_INIT { .size = sizeof(struct eseal_gc_result) }

/**
 * eseal_store_gc() - Remove the objects no kept image needs
 * @store: the store
 * @opts: the kept images and directories, flags (ESEAL_GC_OPTS_INIT
 *	  first)
 * @res: what was kept and removed (ESEAL_GC_RESULT_INIT first), or NULL
 * @err: a message naming the store, image or entry and the reason
 *
 * Under the store's lock, exclusively (shared for a dry run): reads every
 * kept image (a --keep one must be an EROFS image; below a kept directory,
 * every regular file that starts like one is read, symlinks to files
 * followed, and the others skipped), then removes every object (a regular
 * file named by a digest) none of them needs, the Merkle tree files of
 * objects not kept, and temporary files older than the grace period.
 * Nothing else is removed and no symlink below the store is followed;
 * entries that are not ours are passed to opts->issue.  Any kept image
 * that cannot be read stops gc before anything is removed.
 *
 * Returns: 0; -EINVAL for no roots without ESEAL_GC_ALL, bad options, an
 * image that is not one, or a directory that is not an object store;
 * -EWOULDBLOCK with ESEAL_GC_NO_WAIT while the store is locked; another
 * -errno of reading an image or the store; -ENOMEM.
 */
ESEAL_API int eseal_store_gc(const char *store,
			     const struct eseal_gc_opts *opts,
			     struct eseal_gc_result *res,
			     struct eseal_error *err);

/* eseal_fsck_opts.flags */
#define ESEAL_FSCK_REPAIR  (1u << 0)	/* quarantine, restore, fix */
#define ESEAL_FSCK_NO_WAIT (1u << 1)	/* -EWOULDBLOCK while locked */

struct eseal_fsck_opts {
	size_t size;			/* ESEAL_FSCK_OPTS_INIT */
	unsigned int flags;		/* ESEAL_FSCK_* */
	const char *from;		/* with REPAIR: restore from this store */
	unsigned int threads;		/* hashing threads; 0: online CPUs */
	unsigned int tmp_grace;		/* seconds; 0: ESEAL_STORE_TMP_GRACE */
	eseal_store_issue_fn issue;	/* each problem found, or NULL */
	void *issue_arg;
};
#define ESEAL_FSCK_OPTS_INIT { .size = sizeof(struct eseal_fsck_opts) }

struct eseal_fsck_result {
	size_t size;			/* ESEAL_FSCK_RESULT_INIT */
	uint64_t objects, bytes;	/* objects hashed, their bytes */
	uint64_t trees;			/* Merkle tree files seen */
	uint64_t verity_checked;	/* objects whose fs-verity was measured */
	uint64_t problems;		/* issues found, unreadable ones too */
	uint64_t unreadable;		/* entries that could not be checked */
	uint64_t quarantined, restored, fixed, removed, failed;
};
#define ESEAL_FSCK_RESULT_INIT { .size = sizeof(struct eseal_fsck_result) }

/**
 * eseal_store_fsck() - Check every object of a store, and repair
 * @store: the store
 * @opts: repair, the store to restore from, threads, the callback
 *	  (ESEAL_FSCK_OPTS_INIT first)
 * @res: counts (ESEAL_FSCK_RESULT_INIT first), or NULL
 * @err: a message when the check cannot run at all
 *
 * Hashes every object on a thread pool and reports, through opts->issue,
 * content that does not give its name, entries that are not regular files
 * (or fan-out directories), names that are no store entry's, fs-verity
 * that is off or wrong where the filesystem has it, objects writable by
 * group or others, stray temporary files and Merkle tree files of no
 * object.  With ESEAL_FSCK_REPAIR (under the store's exclusive lock) bad
 * entries are moved into DIR/.quarantine/<time>-<pid>/ (never deleted),
 * a good copy of a bad object is restored from opts->from when it has
 * one (hashed before it is linked), modes and fs-verity are set right.
 * Nothing is followed if it is a symlink.  A kill at any moment leaves
 * every object that matched its name in place or restored.
 *
 * Returns: 0 when the check ran (res counts the problems); -EINVAL for a
 * directory that is not an object store or bad options; -EWOULDBLOCK with
 * ESEAL_FSCK_NO_WAIT while the store is locked; another -errno of opening
 * the store; -ENOMEM.
 */
ESEAL_API int eseal_store_fsck(const char *store,
			       const struct eseal_fsck_opts *opts,
			       struct eseal_fsck_result *res,
			       struct eseal_error *err);

/* The largest objects eseal_store_usage() lists */
#define ESEAL_STORE_LARGEST 10

struct eseal_store_usage {
	size_t size;			/* ESEAL_STORE_USAGE_INIT */
	uint64_t objects, bytes;	/* objects, their sizes */
	uint64_t disk_bytes;		/* their allocated blocks */
	uint64_t verity;		/* objects with fs-verity on */
	uint64_t trees, tree_bytes;	/* Merkle tree files */
	uint64_t tmp_files, tmp_bytes;	/* temporary files */
	uint64_t other;			/* entries that are none of these */
	size_t n_largest;
	struct {
		struct eseal_digest digest;
		uint64_t size;
	} largest[ESEAL_STORE_LARGEST];	/* largest first */
};
#define ESEAL_STORE_USAGE_INIT { .size = sizeof(struct eseal_store_usage) }

/**
 * eseal_store_usage() - Count the objects of a store
 * @store: the store
 * @u: the counts (ESEAL_STORE_USAGE_INIT first)
 * @err: a message naming the store or entry and the reason
 *
 * Takes no lock: objects that go meanwhile are not counted.
 *
 * Returns: 0; -EINVAL for a directory that is not an object store or a
 * struct size this library does not know; another -errno of reading the
 * store; -ENOMEM.
 */
ESEAL_API int eseal_store_usage(const char *store, struct eseal_store_usage *u,
				struct eseal_error *err);

/*
 * How much of an image is shared, handed to a callback (filled by the
 * library; members are only ever appended).  Hardlinks count once.
 */
struct eseal_image_usage {
	const char *image;
	uint64_t files, file_bytes;	/* regular files, their sizes */
	uint64_t inline_files;		/* of these, data in the image */
	uint64_t objects, object_bytes;	/* distinct objects they need */
	uint64_t stored, stored_bytes;	/* ... of these, in the store */
	uint64_t shared, shared_bytes;	/* ... needed by another image too */
};
typedef void (*eseal_image_usage_fn)(const struct eseal_image_usage *u,
				     void *arg);

/**
 * eseal_store_image_usage() - What images need of a store and share
 * @store: the store
 * @images: image files
 * @n_images: their number
 * @fn: called for each image, in order, once all are read
 * @arg: passed to fn
 * @err: a message naming the image or store and the reason
 *
 * Returns: 0; -EINVAL for a file that is not an image or a directory that
 * is not an object store; another -errno of reading them; -ENOMEM.
 */
ESEAL_API int eseal_store_image_usage(const char *store,
				      const char *const *images,
				      size_t n_images, eseal_image_usage_fn fn,
				      void *arg, struct eseal_error *err);

/* ---- writers (lib/image, lib/dump) --------------------------------------- */

struct eseal_image_opts {
	size_t size;			/* ESEAL_IMAGE_OPTS_INIT */
	unsigned int min_version;	/* composefs format versions, 0 or 1: */
	unsigned int max_version;	/* INIT: 0 to 1 (1 only when needed) */
	int hash_alg;			/* of the image digest: ESEAL_HASH_*,
					   0 = sha256 */
};
#define ESEAL_IMAGE_OPTS_INIT \
	{ .size = sizeof(struct eseal_image_opts), .min_version = 0, \
	  .max_version = 1 }

/**
 * eseal_image_write() - Write the EROFS image of a tree
 * @tree: the tree
 * @opts: the format versions and digest algorithm (ESEAL_IMAGE_OPTS_INIT
 *	  first), or NULL for the defaults (0 to 1, sha256)
 * @fd: where the image goes (may be a pipe), or -1 to compute the digest
 *	only
 * @digest: when not NULL, the image's fs-verity digest (sha256, or
 *	    opts->hash_alg)
 * @err: a message naming the entry and the reason
 *
 * The image is composefs 1.0.8's, byte for byte (docs/format.md).
 *
 * Returns: 0, -EINVAL for a tree the format cannot hold (or a bad option),
 * -ENAMETOOLONG, -EFBIG, -E2BIG for limits of the format, the -errno of a
 * failed write, -ENOMEM.
 */
ESEAL_API int eseal_image_write(struct eseal_tree *tree,
				const struct eseal_image_opts *opts, int fd,
				struct eseal_digest *digest,
				struct eseal_error *err);

/**
 * eseal_dump_write() - Write a tree in the composefs dump format
 * @tree: the tree
 * @f: the stream
 * @err: a message naming the entry where writing failed
 *
 * The dump is what "composefs-info dump" 1.0.8 prints (composefs-dump(5)).
 *
 * Returns: 0, the -errno of a failed write, -ENOMEM.
 */
ESEAL_API int eseal_dump_write(struct eseal_tree *tree, FILE *f,
			       struct eseal_error *err);

/**
 * eseal_list_write() - List the entries of a tree
 * @tree: the tree
 * @f: the stream
 * @err: a message naming the entry where writing failed
 *
 * The entries below the root, as "composefs-info ls" 1.0.8 lists them.
 *
 * Returns: 0, the -errno of a failed write, -ENOMEM.
 */
ESEAL_API int eseal_list_write(struct eseal_tree *tree, FILE *f,
			       struct eseal_error *err);

/* ---- OCI images and tar layers (lib/oci; docs/oci.md) -------------------- */

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
	size_t size;			/* ESEAL_SOURCE_INIT */
	int kind;			/* ESEAL_SOURCE_* */
	char *path;			/* directory, layout, archive, tar file;
					   "-" for a tar on the fd below */
	char *ref;			/* REF, or NULL */
	int fd;				/* path "-": the stream to read (the
					   caller's stdin); -1 after parsing */
};
#define ESEAL_SOURCE_INIT { .size = sizeof(struct eseal_source), .fd = -1 }

/**
 * eseal_source_parse() - Parse a SOURCE operand in the transport syntax
 * @spec: "oci:LAYOUT[:REF]", "oci-archive:FILE[:REF]", "tar:FILE",
 *	  "tar:-", or a directory; oci: and oci-archive: split at the first
 *	  ':' after the prefix, as skopeo does
 * @src: the parsed source (ESEAL_SOURCE_INIT first); free it with
 *	 eseal_source_free() after success
 * @err: a message naming spec and what is wrong with it
 *
 * Nothing is opened: src->kind and src->path say what to read.
 *
 * Returns: 0; -EINVAL for an empty path or REF (or a struct size this
 * library does not know); -ENOMEM.
 */
ESEAL_API int eseal_source_parse(const char *spec, struct eseal_source *src,
				 struct eseal_error *err);

/**
 * eseal_source_free() - Free the strings of a parsed source
 * @src: a source eseal_source_parse() filled
 *
 * Returns: nothing; src->path and src->ref are NULL after.
 */
ESEAL_API void eseal_source_free(struct eseal_source *src);

/* eseal_oci_opts.flags, and the flags of eseal_tree_oci_rules() */
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
	size_t size;			/* ESEAL_OCI_OPTS_INIT */
	const struct eseal_store_opts *store; /* the object store, hash,
					   inline limit, writer threads and
					   progress; NULL: only hash, sha256 */
	const char *platform;		/* "os/arch[/variant]" to pick from an
					   image index; NULL: this machine's */
	uint64_t max_size;		/* uncompressed bytes of all layers;
					   0 = ESEAL_OCI_MAX_SIZE_DEFAULT */
	uint64_t max_entries;		/* tar entries of all layers;
					   0 = ESEAL_OCI_MAX_ENTRIES_DEFAULT */
	unsigned int flags;		/* ESEAL_OCI_* */
};
#define ESEAL_OCI_OPTS_INIT { .size = sizeof(struct eseal_oci_opts) }

/**
 * eseal_tree_from_source() - Read an OCI image or a tar layer into a tree
 * @src: an oci:, oci-archive: or tar: source (eseal_source_parse())
 * @opts: the store, limits and rules (ESEAL_OCI_OPTS_INIT first, and
 *	  ESEAL_STORE_OPTS_INIT first in opts->store), or NULL for the
 *	  defaults
 * @out: the new tree; free it with eseal_tree_free()
 * @stats: what was stored (ESEAL_STORE_STATS_INIT first), or NULL
 * @err: a message naming the layer and the entry, and the reason
 *
 * The tree of an OCI image (its layers applied in order, with the OCI
 * whiteout rules, and the canonical rules of eseal_tree_oci_rules()) or
 * of one tar layer (the canonical rules with ESEAL_OCI_RULES), read as a
 * stream: every regular file's bytes go from the (decompressed) stream
 * into the object store (opts->store->writer, else store_dir, under its
 * writers' lock as for eseal_tree_store_objects(); neither only hashes),
 * hashed as they are written; files up to the inline limit get their
 * content in the tree.  Nothing is extracted.  Blob digests (and the
 * config's diff_ids) are checked as the bytes stream past.  progress
 * counts compressed bytes and entries.  docs/oci.md has the rules.
 *
 * Returns: 0; on error no tree, objects already published stay valid and
 * no temporary file remains: -EINVAL for a malformed layout, manifest,
 * config or archive, a digest that does not match, an entry that escapes
 * the root (or bad options, or a struct size this library does not know),
 * -ENOENT for a missing blob, image, hardlink target or /usr, -ELOOP for a
 * symlink in a layout's path or an index nested too deep, -ENOTDIR,
 * -EISDIR for an entry of the wrong type on the way, -EFBIG for more data
 * or entries than the limits, -E2BIG, -ENAMETOOLONG, -ERANGE for values
 * beyond the format, -ENOTSUP for an unknown compression, -EIO for a
 * corrupt stream, another -errno of a failed system call, -ENOMEM.
 */
ESEAL_API int eseal_tree_from_source(const struct eseal_source *src,
				     const struct eseal_oci_opts *opts,
				     struct eseal_tree **out,
				     struct eseal_store_stats *stats,
				     struct eseal_error *err);

/**
 * eseal_tree_oci_rules() - Apply the canonical OCI rules to any tree
 * @tree: the tree, changed in place
 * @flags: ESEAL_OCI_USER_XATTRS or 0
 * @err: a message naming the entry and the reason
 *
 * What oci: sources get always and mkimage --oci-rules gives a directory,
 * a dump or a tar layer: hardlinks as shared inodes named first in sorted
 * depth-first order, the root's metadata copied from /usr, /run emptied
 * (its mtime that of /usr), only the security.capability xattr kept (and
 * user.* with ESEAL_OCI_USER_XATTRS).  Images of such trees are to be
 * written with format version ESEAL_OCI_FORMAT_VERSION.
 *
 * Returns: 0; -EINVAL for a tree without a root, -ENOENT when there is
 * no /usr, -ENOTDIR when /usr or /run is not a directory; -ENOMEM.
 */
ESEAL_API int eseal_tree_oci_rules(struct eseal_tree *tree, unsigned int flags,
				   struct eseal_error *err);

/* ---- signatures (lib/sign; sign/ commands) ------------------------------ */

/*
 * What is signed is the kernel's struct fsverity_formatted_digest over an
 * image's fs-verity digest: "FSVerity", le16 algorithm id, le16 digest
 * size, digest.  A signature is a detached DER PKCS#7 SignedData, the form
 * the kernel's verify_pkcs7_signature() and `fsverity sign` use.
 */
#define ESEAL_FORMATTED_DIGEST_MAX (12 + ESEAL_DIGEST_MAX)
/* Largest signature accepted (the kernel's cap on an fsconfig blob). */
#define ESEAL_SIG_MAX (1u << 20)

/**
 * eseal_formatted_digest() - The bytes a signature signs
 * @d: an image's fs-verity digest
 * @buf: the kernel's struct fsverity_formatted_digest of it
 *
 * Returns: the length written, or 0 for a digest that is not sha256 or
 * sha512 of the right size.
 */
ESEAL_API size_t eseal_formatted_digest(const struct eseal_digest *d,
					uint8_t buf[ESEAL_FORMATTED_DIGEST_MAX]);

/* A private key and its certificate, ready to sign. */
struct eseal_signer;

struct eseal_signer_opts {
	size_t size;		/* ESEAL_SIGNER_OPTS_INIT */
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
#define ESEAL_SIGNER_OPTS_INIT { .size = sizeof(struct eseal_signer_opts) }

/**
 * eseal_signer_open() - Load a signing key and its certificate
 * @opts: key, certificate, passphrase, module (ESEAL_SIGNER_OPTS_INIT first)
 * @out: the signer; free it with eseal_signer_free()
 * @err: a message naming the file or URI and the reason
 *
 * Refuses keys the kernel would reject (RSA-PSS, Ed25519, other curves)
 * and a certificate that does not match the key.
 *
 * Returns: 0; -EINVAL for a bad option, file or key or a certificate of
 * another key; -ENOPKG for a key the kernel cannot use; -EACCES for a
 * wrong or missing passphrase; -ENOENT for a key not on the token, -EIO
 * for a token that fails; -EFBIG, or another -errno of a failed read;
 * -ENOMEM.
 */
ESEAL_API int eseal_signer_open(const struct eseal_signer_opts *opts,
				struct eseal_signer **out,
				struct eseal_error *err);

/**
 * eseal_signer_free() - Free a signer
 * @s: the signer, or NULL
 *
 * Returns: nothing.
 */
ESEAL_API void eseal_signer_free(struct eseal_signer *s);

/**
 * eseal_sign_digest() - Sign an image's fs-verity digest
 * @s: the signer
 * @d: the digest (sha256 or sha512)
 * @sig: the signature, malloc'ed; free() it
 * @sig_len: its length
 * @err: a message saying what failed
 *
 * The signature is PKCS#7 SignedData, detached, with no authenticated
 * attributes and no certificates, the signer named by issuer and serial,
 * the digest's hash algorithm: what `fsverity sign` makes.
 *
 * Returns: 0, -EINVAL for a bad digest or key, -EIO when OpenSSL fails to
 * sign, -ENOMEM.
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

/**
 * eseal_trust_new() - An empty set of trusted certificates
 * @out: the set; free it with eseal_trust_free()
 * @err: a message when out of memory
 *
 * Returns: 0 or -ENOMEM.
 */
ESEAL_API int eseal_trust_new(struct eseal_trust **out,
			      struct eseal_error *err);

/**
 * eseal_trust_free() - Free a set of trusted certificates
 * @t: the set, or NULL
 *
 * Returns: nothing.
 */
ESEAL_API void eseal_trust_free(struct eseal_trust *t);

/**
 * eseal_trust_add_certs() - Pin the certificates of a file
 * @t: the set
 * @path: one DER or one or more PEM certificates
 * @err: a message naming the file and the reason
 *
 * Returns: 0; -EINVAL for a file without a certificate; -ENOPKG for a key
 * the kernel cannot use; -EFBIG, or another -errno of a failed read;
 * -ENOMEM.
 */
ESEAL_API int eseal_trust_add_certs(struct eseal_trust *t, const char *path,
				    struct eseal_error *err);

/**
 * eseal_trust_add_certs_mem() - Pin the certificates of a buffer
 * @t: the set
 * @buf: one DER or one or more PEM certificates
 * @len: its length
 * @name: the buffer in messages
 * @err: a message naming it and the reason
 *
 * Returns: as eseal_trust_add_certs().
 */
ESEAL_API int eseal_trust_add_certs_mem(struct eseal_trust *t,
					const void *buf, size_t len,
					const char *name,
					struct eseal_error *err);

/**
 * eseal_trust_add_ca() - Trust signers that chain to a CA bundle
 * @t: the set
 * @path: one DER or one or more PEM CA certificates
 * @err: a message naming the file and the reason
 *
 * Returns: as eseal_trust_add_certs(), but any key is taken: the kernel
 * never sees a CA's.
 */
ESEAL_API int eseal_trust_add_ca(struct eseal_trust *t, const char *path,
				 struct eseal_error *err);

/* About a verified signature (or as far as verification got). */
struct eseal_sig_info {
	size_t size;		/* ESEAL_SIG_INFO_INIT */
	char signer[256];	/* subject of the signer's certificate */
	char issuer[256];	/* issuer, as named in the signature */
	char serial[132];	/* serial number, hex */
	char key[32];		/* "RSA-3072", "ECDSA-P256", ... */
	char hash[16];		/* PKCS#7 digest algorithm, "sha256" */
	unsigned int n_signers;
	bool authattrs;		/* the signer used authenticated attributes */
};
#define ESEAL_SIG_INFO_INIT { .size = sizeof(struct eseal_sig_info) }

/**
 * eseal_verify_digest() - Verify a signature with the kernel's rules
 * @t: what is trusted
 * @d: the image's fs-verity digest
 * @sig: the signature (DER PKCS#7)
 * @sig_len: its length
 * @info: who signed, how (ESEAL_SIG_INFO_INIT first), or NULL
 * @err: a message saying why the signature is refused
 *
 * Accepts what the kernel's verify_pkcs7_signature() accepts for an EROFS
 * or fs-verity signature (docs/signing.md), no more.
 *
 * Returns: 0 when the signature is valid and trusted.  Errors, by class
 * (eseal_verify_class()):
 *   bad signature:     -EBADMSG (malformed, or a form the kernel rejects),
 *                      -ENOPKG (an algorithm the kernel lacks),
 *                      -EKEYREJECTED (does not match the digest)
 *   untrusted signer:  -ENOKEY (no signer is trusted),
 *                      -EKEYEXPIRED (certificate chain fails, e.g. expired)
 *   other:             -ENOMEM, -EINVAL (bad arguments), ...
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

/**
 * eseal_verify_class() - The class of a result of eseal_verify_digest()
 * @ret: what it returned
 *
 * Returns: ESEAL_VERIFY_OK, _BAD, _UNTRUSTED or _ERROR.
 */
ESEAL_API enum eseal_verify_class eseal_verify_class(int ret);

/**
 * eseal_signature_hash_alg() - The hash a signature was likely made for
 * @sig: the signature
 * @len: its length
 *
 * A hint for choosing how to digest an image, not a check.
 *
 * Returns: ESEAL_HASH_SHA256 or ESEAL_HASH_SHA512 when that is the first
 * signer's digest algorithm (as `fsverity sign` and eseal_sign_digest()
 * make them), else 0.
 */
ESEAL_API int eseal_signature_hash_alg(const void *sig, size_t len);

/**
 * eseal_signature_read() - Read a signature file
 * @path: the file, a regular file of at most ESEAL_SIG_MAX bytes
 * @buf: its bytes, malloc'ed; free() it
 * @len: their number
 * @err: a message naming the file and the reason
 *
 * Returns: 0, or as eseal_input_read().
 */
ESEAL_API int eseal_signature_read(const char *path, uint8_t **buf,
				   size_t *len, struct eseal_error *err);

/* ---- signed OCI images (lib/oci; docs/oci.md, "Signed images") ---------- */

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
	/* objects the EROFS names: written to the store / already there */
	uint64_t objects_new, objects_existing;
};
#define ESEAL_OCI_SEAL_RESULT_INIT \
	{ .size = sizeof(struct eseal_oci_seal_result) }

/**
 * eseal_oci_seal() - Seal an image of an OCI layout
 * @source: "oci:LAYOUT[:REF]"
 * @opts: the signer (or signatures made elsewhere and what to check them
 *	  against), hash, store, platform and flags (ESEAL_OCI_SEAL_OPTS_INIT
 *	  first)
 * @res: the digests signed and what was written
 *	 (ESEAL_OCI_SEAL_RESULT_INIT first)
 * @err: a message naming the layout, document or layer and the reason
 *
 * Generates the image's canonical EROFS (filling opts->store_dir), signs
 * its digest and the manifest's and config's fs-verity digests, and
 * writes the artifact into the layout (blobs, and the referrers tag in
 * index.json), or with ESEAL_OCI_SEAL_INLINE a new manifest with the
 * annotations that REF then names.  The layout changes only at the end:
 * its index.json is replaced atomically.  With ESEAL_OCI_SEAL_DIGESTS_ONLY
 * only res's digests are filled and nothing is written.
 *
 * Returns: 0; -EINVAL for a source that is not an oci: layout, bad
 * options (or a struct size this library does not know), a signature
 * given that does not verify over its digest; as eseal_tree_from_source()
 * for the image, as eseal_sign_digest() for signing; another -errno of a
 * failed write to the layout; -ENOMEM.
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
	/*
	 * store_dir opened by eseal_store_writer_open(): objects go there,
	 * and its writers' lock then covers the caller's publication of the
	 * image written to image_fd too (docs/object-store.md), as pull
	 * does; with store_dir alone the lock is held while the EROFS is
	 * generated only.
	 */
	struct eseal_store_writer *writer;
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
	char signer[256];		/* subject of its signer's certificate */
	char key[32];			/* its key: "RSA-3072", "ECDSA-P256"... */
	uint8_t *signature;		/* its signature (malloc'd) */
	size_t signature_len;
	uint64_t objects_new, objects_existing; /* as in the seal result */
	unsigned int seals;		/* seals found for the manifest */
	unsigned int layers, layers_fetched, layers_replayed;
};
#define ESEAL_OCI_VERIFY_RESULT_INIT \
	{ .size = sizeof(struct eseal_oci_verify_result) }

/**
 * eseal_oci_verify() - Verify a sealed OCI image
 * @source: "oci:LAYOUT[:REF]" or "docker://HOST/REPO:TAG" (fetched with
 *	    skopeo into opts->cache, the layers only after the signatures
 *	    held, and only those the cache lacks)
 * @opts: what is trusted, the hash, store, image fd, registry and cache
 *	  (ESEAL_OCI_VERIFY_OPTS_INIT first, ESEAL_REGISTRY_OPTS_INIT first
 *	  in opts->registry)
 * @res: the verdict, the seal that held and its signer
 *	 (ESEAL_OCI_VERIFY_RESULT_INIT first); free it with
 *	 eseal_oci_verify_result_fini()
 * @err: a message naming the document, seal or layer and the reason
 *
 * Finds the seals (the artifacts that refer to the manifest, and inline
 * annotations), checks every signature of one of them and the manifest's
 * and config's digests, then regenerates the EROFS (to image_fd, its
 * objects into store_dir, or opts->writer's store) and compares its
 * digest.  A caller that publishes the image afterwards passes a writer
 * and closes it once the image has its name.
 *
 * Returns: 0 when a seal held; else a negative errno and res->verdict
 * says why: ESEAL_VERIFY_BAD (no seal, a signature or digest that does
 * not match, a layer changed), ESEAL_VERIFY_UNTRUSTED (no trusted
 * signer), or ESEAL_VERIFY_ERROR (nothing could be read: as
 * eseal_tree_from_source(), skopeo's failure, bad options or a struct
 * size this library does not know).
 */
ESEAL_API int eseal_oci_verify(const char *source,
			       const struct eseal_oci_verify_opts *opts,
			       struct eseal_oci_verify_result *res,
			       struct eseal_error *err);

/**
 * eseal_oci_verify_result_fini() - Free what a verify result holds
 * @r: a result eseal_oci_verify() filled
 *
 * Returns: nothing; r->signature is NULL after.
 */
ESEAL_API void eseal_oci_verify_result_fini(struct eseal_oci_verify_result *r);

/**
 * eseal_oci_push() - Copy a sealed image to a registry
 * @source: "oci:LAYOUT:REF"
 * @dest: "docker://HOST/REPO:TAG"
 * @reg: how to reach the registry (ESEAL_REGISTRY_OPTS_INIT first), or
 *	 NULL for skopeo's defaults
 * @err: a message naming the step and skopeo's own error
 *
 * The image goes with skopeo, its manifest unchanged (so that its digest
 * stays the subject), then the referrers tag of that manifest, when the
 * layout has one.
 *
 * Returns: 0; -EINVAL for a source or destination of another transport
 * (or a struct size this library does not know); -EIO when skopeo
 * failed; another -errno of running it or reading the layout; -ENOMEM.
 */
ESEAL_API int eseal_oci_push(const char *source, const char *dest,
			     const struct eseal_registry_opts *reg,
			     struct eseal_error *err);

/* ---- keyrings (lib/sign/keyring.c) -------------------------------------- */

/*
 * Kernel keyrings through libkeyutils.  A keyring is named by its
 * description (".erofs", ".fs-verity", or one of the caller's), a serial
 * number, or "@s", "@u", "@us", "@p", "@t" for the special keyrings.
 */

/**
 * eseal_keyring_find() - Find a keyring by name
 * @name: its description, serial number or special name
 * @serial: its serial number
 * @err: a message naming it and the reason
 *
 * Returns: 0; -ENOENT when there is no such keyring; -EINVAL for no name
 * or a key that is not a keyring; another -errno of a failed keyctl.
 */
ESEAL_API int eseal_keyring_find(const char *name, int32_t *serial,
				 struct eseal_error *err);

/**
 * eseal_keyring_add_cert() - Add a certificate to a keyring
 * @keyring: the keyring's serial number
 * @cert: one DER or PEM certificate
 * @len: its length
 * @name: the certificate in messages
 * @key: the new key's serial number, or NULL
 * @err: a message naming the certificate and the kernel's reason
 *
 * The certificate becomes an "asymmetric" key; its key must be one the
 * kernel can use.
 *
 * Returns: 0; -EINVAL for data that is not one certificate; -ENOPKG for a
 * key the kernel cannot use; the -errno of a failed add_key (the kernel's
 * refusal: -EBADMSG, -EKEYREJECTED, -EACCES, ...); -ENOMEM.
 */
ESEAL_API int eseal_keyring_add_cert(int32_t keyring, const void *cert,
				     size_t len, const char *name,
				     int32_t *key, struct eseal_error *err);

/* One key of a keyring; an array element of fixed size (room to grow). */
struct eseal_key_info {
	int32_t serial;
	char type[32];
	char description[256];
	uint32_t reserved[8];	/* 0 */
};

/**
 * eseal_keyring_list() - The keys linked into a keyring
 * @keyring: the keyring's serial number
 * @keys: an array of them, malloc'ed; free() it
 * @n: their number
 * @err: a message naming the keyring and the reason
 *
 * Returns: 0, the -errno of a failed keyctl, -ENOMEM.
 */
ESEAL_API int eseal_keyring_list(int32_t keyring,
				 struct eseal_key_info **keys, size_t *n,
				 struct eseal_error *err);

/**
 * eseal_keyring_restrict() - Restrict what a keyring takes
 * @keyring: the keyring's serial number
 * @restriction: NULL locks it (no key can be added any more); else an
 *		 "asymmetric" restriction such as "builtin_trusted",
 *		 "builtin_and_secondary_trusted" or
 *		 "key_or_keyring:<serial>[:chain]"
 * @err: a message naming the keyring and the kernel's reason
 *
 * Returns: 0, or the -errno of keyctl_restrict_keyring().
 */
ESEAL_API int eseal_keyring_restrict(int32_t keyring, const char *restriction,
				     struct eseal_error *err);

/* ---- mounting (lib/mount; mount/ commands) ------------------------------ */

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
#define ESEAL_MOUNT_MODE_FUSE     4 /* an in-memory copy checked here and
				       served by eseal_fuse_serve() */

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
	size_t size;			/* ESEAL_MOUNT_OPTS_INIT */
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
#define ESEAL_MOUNT_OPTS_INIT { .size = sizeof(struct eseal_mount_opts) }

#define ESEAL_MOUNT_RUNDIR  "/run/erofs-seal"
#define ESEAL_MOUNT_PRIVDIR "/var/lib/erofs-seal/private"
/* A buffer size for paths the library returns (eseal_umount()) */
#define ESEAL_PATH_MAX 4096

struct eseal_mount_result {
	size_t size;			/* ESEAL_MOUNT_RESULT_INIT */
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
	char *layer;			/* where the EROFS layer is mounted */
	char *mountpoint;		/* the overlay, resolved */
};
#define ESEAL_MOUNT_RESULT_INIT \
	{ .size = sizeof(struct eseal_mount_result) }

/* Kernel support found by eseal_mount_probe() */
struct eseal_mount_features {
	size_t size;			/* ESEAL_MOUNT_FEATURES_INIT */
	bool new_mount_api;		/* fsopen() and friends */
	bool erofs;			/* EROFS is available */
	bool erofs_signature;		/* EROFS "signature" parameter */
	bool overlay;
	bool overlay_append;		/* lowerdir+ / datadir+ */
	bool overlay_verity;		/* overlay "verity" option */
};
#define ESEAL_MOUNT_FEATURES_INIT \
	{ .size = sizeof(struct eseal_mount_features) }

/**
 * eseal_mount_probe() - What the running kernel supports
 * @f: the features found (ESEAL_MOUNT_FEATURES_INIT first)
 * @err: a message when probing itself fails
 *
 * Returns: 0 (a feature that is missing is false, not an error), -EINVAL
 * for a struct size this library does not know, or the -errno of an
 * fsopen() that failed for another reason than a missing filesystem.
 */
ESEAL_API int eseal_mount_probe(struct eseal_mount_features *f,
				struct eseal_error *err);

/**
 * eseal_mount() - Mount an image as a verified overlay
 * @image: the EROFS image
 * @mountpoint: where the overlay goes
 * @opts: object stores, what to trust, flags (ESEAL_MOUNT_OPTS_INIT first)
 * @res: how it was checked and mounted (ESEAL_MOUNT_RESULT_INIT first);
 *	 after success release it with eseal_mount_result_release()
 * @err: a message that starts with the step that failed
 *
 * Returns: 0 when mounted; else nothing stays mounted and: -EINVAL for bad
 * options (or a struct size this library does not know); -EPERM or
 * -ENOTDIR for a directory that is not one, not ours or open to others;
 * -EBADMSG, -ENOPKG, -EKEYREJECTED, -ENOKEY, -EKEYEXPIRED for a signature
 * refused (as eseal_verify_digest()), -EKEYREJECTED also for a digest
 * that is not the pinned one; -ENOSYS, -ENODEV, -EOPNOTSUPP when the
 * kernel lacks what is needed; -ENOTBLK for a private directory on tmpfs;
 * or the -errno of a failed system call (the kernel's message quoted).
 */
ESEAL_API int eseal_mount(const char *image, const char *mountpoint,
			  const struct eseal_mount_opts *opts,
			  struct eseal_mount_result *res,
			  struct eseal_error *err);

/**
 * eseal_mount_result_release() - Free the paths of a mount result
 * @res: a result eseal_mount() filled
 *
 * The struct itself stays the caller's; its layer and mountpoint become
 * NULL.
 *
 * Returns: nothing.
 */
ESEAL_API void eseal_mount_result_release(struct eseal_mount_result *res);

/**
 * eseal_mount_missing_text() - A guarantee a mount lacks, in plain words
 * @bit: one ESEAL_MISSING_* bit
 *
 * Returns: one line of text, or NULL for an unknown bit.
 */
ESEAL_API const char *eseal_mount_missing_text(unsigned int bit);

/* eseal_umount() flags */
#define ESEAL_UMOUNT_LAZY (1u << 0)	/* MNT_DETACH a busy mount */

/**
 * eseal_umount() - Take down a mount of eseal_mount() or eseal_fuse_mount()
 * @mountpoint: the overlay, or (when its overlay is gone) an EROFS layer
 *		under rundir, or a FUSE mount
 * @rundir: the run directory; NULL: ESEAL_MOUNT_RUNDIR
 * @flags: ESEAL_UMOUNT_*
 * @layer: where to copy the path of the EROFS layer removed, or NULL
 * @layer_size: its size (ESEAL_PATH_MAX holds any); a longer path is cut
 * @err: a message naming the mount and the reason
 *
 * Takes down the overlay and its EROFS layer (only the layer's directory
 * when the layer was unmounted already), or a layer whose overlay is gone,
 * or a FUSE mount made by eseal_fuse_mount() (by its owner: as root with
 * umount2(), else through fusermount3 -u; no layer: @layer gets "").
 *
 * Returns: 0; -EBUSY, naming the overlay, for a layer an overlay still
 * stacks on, or for a busy mount without ESEAL_UMOUNT_LAZY; -EINVAL for a
 * path that is not mounted or not mounted by eseal_mount() or
 * eseal_fuse_mount(); another -errno of a failed system call.
 */
ESEAL_API int eseal_umount(const char *mountpoint, const char *rundir,
			   unsigned int flags, char *layer,
			   size_t layer_size, struct eseal_error *err);

/* ---- verified FUSE mounts (lib/mount/fuse*.c) ------------------------- */

/*
 * An image served through FUSE (libfuse 3), every read verified: the image
 * is read into memory and checked as eseal_mount() checks a private copy
 * (signature against certificates, a CA or a keyring; digest pin), then
 * parsed with the hostile-safe reader.  Inline files come from that copy;
 * every other regular file is read from its object in the stores (the
 * first store that has it) and each 4 KiB block is checked against the
 * fs-verity digest in the image before it is returned, through a Merkle
 * tree kept next to the object ("<object>.merkle", the format of
 * `fsverity digest --out-merkle-tree`; made when missing or wrong, kept
 * in memory where the store is not writable) that is trusted only as far
 * as it hashes up to that digest.  A block that does not verify fails
 * its read with EIO and is logged, naming the object; the other blocks
 * still read.  The mount is read-only, nodev, default_permissions,
 * allow_other as root (for others when /etc/fuse.conf allows it), nosuid
 * unless root mounts a signed or pinned image, of type "fuse.erofs-seal"
 * with the image as its source; unprivileged callers mount through
 * fusermount3.
 */
struct eseal_fuse;

/* eseal_fuse_opts.flags */
#define ESEAL_FUSE_DEBUG (1u << 0)	/* libfuse's request trace on stderr */

/* priority: as syslog's LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
typedef void (*eseal_log_fn)(void *arg, int priority, const char *msg);

struct eseal_fuse_opts {
	size_t size;			/* ESEAL_FUSE_OPTS_INIT */
	size_t cache_bytes;		/* verified tree blocks kept in
					   memory; 0: 32 MiB */
	unsigned int threads;		/* requests served at once; 0: 16 */
	unsigned int flags;		/* ESEAL_FUSE_* */
	eseal_log_fn log;		/* what goes wrong after mounting (a
					   bad block, ...); may be NULL */
	void *log_arg;
};
#define ESEAL_FUSE_OPTS_INIT { .size = sizeof(struct eseal_fuse_opts) }

/**
 * eseal_fuse_mount() - Check an image and mount it through FUSE
 * @image: the EROFS image
 * @mountpoint: where it goes
 * @mopts: object stores and what to trust (ESEAL_MOUNT_OPTS_INIT first):
 *	   basedirs, signature, cert, ca, keyring, digest and
 *	   ESEAL_MOUNT_REQUIRE_SIGNATURE apply; an upper directory is
 *	   refused; the rest means nothing here
 * @fopts: the server's cache, threads, flags and log
 *	   (ESEAL_FUSE_OPTS_INIT first), or NULL for the defaults
 * @out: the server, mounted but not yet serving (the kernel queues
 *	 requests meanwhile)
 * @res: how it was checked (ESEAL_MOUNT_RESULT_INIT first): mode
 *	 ESEAL_MOUNT_MODE_FUSE, data_verity true, layer NULL; after success
 *	 release it with eseal_mount_result_release()
 * @err: a message that starts with the step that failed
 *
 * No thread runs before eseal_fuse_serve(), so the caller may fork() in
 * between to detach.
 *
 * Returns: 0 when mounted; else nothing stays mounted, *@out is NULL and:
 * -EINVAL for bad options (or a struct size this library does not know)
 * or an image that is not EROFS; -EBADMSG, -ENOPKG, -EKEYREJECTED,
 * -ENOKEY, -EKEYEXPIRED for a signature refused (as eseal_verify_digest()),
 * -EKEYREJECTED also for a digest that is not the pinned one; -EFBIG for
 * an image over 4 GiB or with 2^32 entries; -EPERM when the FUSE mount
 * itself fails; or the -errno of a failed system call.
 */
ESEAL_API int eseal_fuse_mount(const char *image, const char *mountpoint,
			       const struct eseal_mount_opts *mopts,
			       const struct eseal_fuse_opts *fopts,
			       struct eseal_fuse **out,
			       struct eseal_mount_result *res,
			       struct eseal_error *err);

/**
 * eseal_fuse_serve() - Serve a FUSE mount until it goes
 * @f: a server from eseal_fuse_mount()
 * @err: a message naming the mount point and the reason
 *
 * Serves until the file system is unmounted (eseal_umount(), umount(8),
 * fusermount3 -u) or SIGTERM, SIGINT or SIGHUP arrives (handlers are
 * installed for the duration), then unmounts.
 *
 * Returns: 0 once unmounted; -EINVAL for a server not mounted (served
 * already); -ENOMEM; or the -errno that ended libfuse's loop.
 */
ESEAL_API int eseal_fuse_serve(struct eseal_fuse *f, struct eseal_error *err);

/**
 * eseal_fuse_free() - Unmount a FUSE server if still mounted, and free it
 * @f: a server from eseal_fuse_mount(), or NULL
 *
 * Returns: nothing.
 */
ESEAL_API void eseal_fuse_free(struct eseal_fuse *f);

/* ---- input files (lib/util/input.c) ------------------------------------- */

/*
 * Every file the library reads by path goes through these, and commands
 * use them for theirs: only a regular file is read (a directory, device,
 * socket or FIFO is refused with a message naming the path and its type),
 * and the open never blocks on a FIFO nobody writes.
 */
#define ESEAL_INPUT_PIPE_OK (1u << 0)	/* also a FIFO or pipe (secrets) */

/**
 * eseal_file_type_name() - What a file is, for a message
 * @mode: a st_mode
 *
 * Returns: "a regular file", "a directory", "a FIFO", ... (never NULL).
 */
ESEAL_API const char *eseal_file_type_name(unsigned int mode);

/**
 * eseal_input_open() - Open a file to read
 * @path: the file
 * @flags: ESEAL_INPUT_*
 * @err: a message naming the path and the reason
 *
 * The fd is O_CLOEXEC, with blocking reads.
 *
 * Returns: the fd; -EISDIR for a directory, -EINVAL for another file that
 * is not regular (or a FIFO without ESEAL_INPUT_PIPE_OK), another -errno
 * of a failed open.
 */
ESEAL_API int eseal_input_open(const char *path, unsigned int flags,
			       struct eseal_error *err);

/**
 * eseal_input_read() - Read a whole file of a bounded size
 * @path: the file
 * @flags: ESEAL_INPUT_*
 * @max: the most bytes it may have
 * @buf: its bytes, malloc'ed; free() it
 * @len: their number
 * @err: a message naming the path and the reason
 *
 * The bytes are read (pread), never mapped, so a file that changes
 * meanwhile gives old or new bytes, or fewer, but no signal.
 *
 * Returns: 0; -EFBIG ("<path>: larger than <max> bytes"), as
 * eseal_input_open(), the -errno of a failed read, -ENOMEM.
 */
ESEAL_API int eseal_input_read(const char *path, unsigned int flags,
			       size_t max, uint8_t **buf, size_t *len,
			       struct eseal_error *err);

/**
 * eseal_input_read_fd() - Read an open file to its end (stdin)
 * @fd: the file
 * @name: the file in messages
 * @max: the most bytes it may have
 * @buf: its bytes, malloc'ed; free() it
 * @len: their number
 * @err: a message naming it and the reason
 *
 * Returns: as eseal_input_read().
 */
ESEAL_API int eseal_input_read_fd(int fd, const char *name, size_t max,
				  uint8_t **buf, size_t *len,
				  struct eseal_error *err);

/* ---- output files (lib/util/output.c) ----------------------------------- */

/*
 * An output file that appears complete or not at all: the bytes go to a
 * temporary file beside the target (an unnamed O_TMPFILE, else a
 * short-named ".erofs-seal.*" file), which is fsynced and only then takes
 * the target's name; the directory is fsynced after.  A target that exists
 * must be a regular file (a device, FIFO, socket, directory or symlink is
 * refused and left alone) and none of the caller's inputs.  The library
 * publishes its own outputs this way; commands use it for theirs.
 *
 *	eseal_output_open(path, 0, inputs, n, &o, &err);
 *	write to eseal_output_fd(o), or with eseal_output_write();
 *	eseal_output_commit(o, &err);
 *	eseal_output_free(o);		(discards it when not committed)
 */
struct eseal_output;

/**
 * eseal_output_open() - Start an output file
 * @path: the target
 * @flags: 0 (no flag is defined yet)
 * @inputs: files the target must not be (NULL entries are skipped)
 * @n_inputs: their number
 * @out: the output; free it with eseal_output_free()
 * @err: a message naming the path and the reason
 *
 * The target is checked now, and again at commit.
 *
 * Returns: 0; -EISDIR for a path that names a directory, -EEXIST for a
 * target that is not a regular file, -EINVAL for a target that is an
 * input (or unknown flags), another -errno of opening the directory or
 * creating the temporary file, -ENOMEM.
 */
ESEAL_API int eseal_output_open(const char *path, unsigned int flags,
				const char *const *inputs, size_t n_inputs,
				struct eseal_output **out,
				struct eseal_error *err);

/**
 * eseal_output_fd() - Where to write an output's bytes
 * @o: the output
 *
 * Returns: the temporary file's fd (-1 once committed).
 */
ESEAL_API int eseal_output_fd(const struct eseal_output *o);

/**
 * eseal_output_write() - Write bytes to an output, all of them
 * @o: the output
 * @buf: the bytes
 * @len: their number
 * @err: a message naming the target and the reason
 *
 * Returns: 0, or the -errno of the failed write (-EIO for a write that
 * wrote nothing).
 */
ESEAL_API int eseal_output_write(struct eseal_output *o, const void *buf,
				 size_t len, struct eseal_error *err);

/**
 * eseal_output_commit() - Give an output its name
 * @o: the output
 * @err: a message naming the target and the reason
 *
 * The file gets mode 0666 less the umask, is fsynced and then linked or
 * renamed over the target, atomically; then the directory is fsynced.
 *
 * Returns: 0; -EINVAL when committed already; -EISDIR or -EEXIST when the
 * target became something else than a regular file meanwhile; another
 * -errno of the failed fsync, link or rename (the target is unchanged).
 */
ESEAL_API int eseal_output_commit(struct eseal_output *o,
				  struct eseal_error *err);

/**
 * eseal_output_free() - Free an output, discarding it if not committed
 * @o: the output, or NULL
 *
 * Returns: nothing.
 */
ESEAL_API void eseal_output_free(struct eseal_output *o);

/* ---- misc --------------------------------------------------------------- */

/**
 * eseal_version() - The library's version
 *
 * Returns: its version, "0.1.0".
 */
ESEAL_API const char *eseal_version(void);

#ifdef __cplusplus
}
#endif

#endif /* EROFS_SEAL_H */
