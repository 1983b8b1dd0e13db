/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The content-addressed object store: DIR/xx/<rest of hex>, named by the
 * fs-verity digest of the object's bytes.
 *
 * Invariant: a crash at any point leaves no object whose content does not
 * match its name.  A new object is written to an O_TMPFILE (or, where that
 * is unsupported, a ".tmp-*" file in DIR, never an object name), hashed
 * from the bytes actually stored, fsynced, and only then linked under its
 * name; linkat() never replaces, so existing objects are not rewritten.
 *
 * One struct eseal_objstore may be used by several threads at once.
 */
#ifndef ESEAL_OBJSTORE_H
#define ESEAL_OBJSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fsverity.h"

/* "xx/" + hex + NUL */
#define ESEAL_OBJPATH_MAX (2 * ESEAL_DIGEST_MAX + 2)
#define ESEAL_OBJ_MODE 0644
/* Files up to this size are inlined (LCFS_RECOMMENDED_INLINE_CONTENT_MAX) */
#define ESEAL_INLINE_MAX_DEFAULT 64

struct eseal_objstore;

/*
 * Open (creating it and its parents if needed) the store directory, and
 * take its writers' lock (store-lock.h), which the store holds until it is
 * closed: every writer of this library follows the lock protocol by
 * opening the store.  flags: ESEAL_STORE_NO_WAIT.
 */
int eseal_objstore_open_flags(const char *dir, unsigned int flags,
			      struct eseal_objstore **out,
			      struct eseal_error *err);
/* The same, waiting while a gc holds the lock */
int eseal_objstore_open(const char *dir, struct eseal_objstore **out,
			struct eseal_error *err);
/* One more reference (a caller's eseal_store_writer); returns st */
struct eseal_objstore *eseal_objstore_ref(struct eseal_objstore *st);
/*
 * The store a writer's options name (store-writer.c): opts->writer's (a
 * new reference), else opts->store_dir opened for this caller, else NULL
 * (hash only).  Close it with eseal_objstore_close().
 */
struct eseal_store_opts;
int eseal_objstore_from_opts(const struct eseal_store_opts *opts,
			     struct eseal_objstore **out,
			     struct eseal_error *err);
/*
 * A caller's share of the counts of a store it may share with others
 * (store-writer.c): eseal_objstore_mark() notes them before its objects
 * are added, eseal_objstore_stats_since() puts what changed since into
 * stats (raced objects count as existing, not new; the fs-verity counts).
 */
struct eseal_objstore_mark {
	uint64_t raced, verity_ok, verity_failed;
};
void eseal_objstore_mark(struct eseal_objstore *st,
			 struct eseal_objstore_mark *m);
struct eseal_store_stats;
void eseal_objstore_stats_since(struct eseal_objstore *st,
				const struct eseal_objstore_mark *m,
				struct eseal_store_stats *stats);
/* For tests: pretend a mechanism is unsupported, to exercise fallbacks. */
#define ESEAL_OBJSTORE_NO_CLONE   (1u << 0)
#define ESEAL_OBJSTORE_NO_CFR     (1u << 1)
#define ESEAL_OBJSTORE_NO_TMPFILE (1u << 2)
void eseal_objstore_disable(struct eseal_objstore *st, unsigned int what);

/*
 * Publish the objects still queued (see eseal_objstore_add), then fsync
 * the directories objects were published in.
 */
int eseal_objstore_sync(struct eseal_objstore *st, struct eseal_error *err);
/*
 * Drop a reference; the last one discards what is still queued (nothing
 * half-made stays), releases the lock and frees.
 */
void eseal_objstore_close(struct eseal_objstore *st);
/*
 * Objects queued but found linked by then (another writer, or a duplicate
 * in flight), and FS_IOC_ENABLE_VERITY results, for all flushed objects.
 */
void eseal_objstore_counts(struct eseal_objstore *st, uint64_t *raced,
			   uint64_t *verity_ok, uint64_t *verity_failed);

/*
 * Is the object path ("xx/<hex>") there, as a regular file?  1, 0, or an
 * error naming what is there instead (nothing below the store is
 * followed).  One fstatat(): fan-out directories are opened once.
 */
int eseal_objstore_has_path(struct eseal_objstore *st, const char *path,
			    struct eseal_error *err);

/*
 * List the store's objects once (getdents of each fan-out directory), so
 * that eseal_objstore_has_path() answers for those without a system call:
 * for many lookups of objects that are mostly there.  Call it before other
 * threads use the store.  skip (NULL: none): fan-out directories i with
 * skip[i] set are not listed (their objects are looked up).
 */
int eseal_objstore_index(struct eseal_objstore *st, const bool *skip,
			 struct eseal_error *err);

/*
 * stat() of the fan-out directory i ("00".."ff"), not followed: 0, or
 * -errno (-ENOTDIR: not a directory).
 */
int eseal_objstore_fanout_stat(struct eseal_objstore *st, unsigned int i,
			       struct stat *sb);

/*
 * The store's ESEAL_STORE_META directory (the digest cache):
 * eseal_store_meta_open(), quiet about permission errors (a store we may
 * only read).  Returns an fd of it (the caller closes it) or -errno.
 */
int eseal_objstore_meta_dir(struct eseal_objstore *st, struct eseal_error *err);
/* The store directory as given, for messages */
const char *eseal_objstore_dir(const struct eseal_objstore *st);

/* "xx/<hex>" of a digest, as mkcomposefs names objects and payloads */
void eseal_object_path(const struct eseal_digest *d, char *buf);

enum eseal_obj_how { ESEAL_OBJ_CLONED = 1, ESEAL_OBJ_COPIED };

struct eseal_obj_result {
	struct eseal_digest digest;
	uint64_t size;			/* bytes stored (and hashed) */
	bool published;			/* a new object was queued: it is
					   linked by a later add or by
					   eseal_objstore_sync() */
	bool existing;			/* the object was already there */
	bool inline_only;		/* size <= keep_max: data in buf */
	uint8_t how;			/* enum eseal_obj_how */
};

/*
 * Store the data of sfd (a regular file of 'expect' bytes by fstat(), or
 * UINT64_MAX; 'name' for messages): copy it to a temporary file (FICLONE,
 * else copy_file_range, else read/write), hash the copy and queue it for
 * publication: every 128 objects one syncfs() makes the batch durable,
 * then each is linked under its name (so an add may return an error about
 * an earlier object).  Where cloning is unsupported the source is hashed
 * first and nothing is copied when that object exists already (a second
 * read, of data just read, only for new objects).  Data of 1..keep_max
 * bytes and empty data are not published (res->inline_only, content in
 * buf); buf needs at least keep_max + 1 bytes.
 */
int eseal_objstore_add(struct eseal_objstore *st, int sfd, const char *name,
		       uint64_t expect, struct eseal_fsverity_ctx *c,
		       uint8_t *buf, size_t bufsize, uint64_t keep_max,
		       struct eseal_obj_result *res, struct eseal_error *err);

/*
 * Streamed objects: data that comes from a stream (a tar layer) rather
 * than a file.  eseal_objstore_tmp_new() makes a temporary file in the
 * store (files.h: O_TMPFILE, or a ".tmp-*" name where there is none); the
 * caller writes the bytes to t->fd, hashing what it writes, and then
 * either commits it under its digest d or drops it with
 * eseal_tmpfile_discard().  Commit consumes t (t->fd is -1 after, success
 * or not): it discards it when that object is there already
 * (res->existing), else queues it for publication as eseal_objstore_add
 * does (res->published), under the same crash-safety rule: linked only
 * after a syncfs() made it durable.  Both return 0 or -errno with err set.
 */
struct eseal_tmpfile;
int eseal_objstore_tmp_new(struct eseal_objstore *st, struct eseal_tmpfile *t,
			   struct eseal_error *err);
int eseal_objstore_tmp_commit(struct eseal_objstore *st,
			      struct eseal_tmpfile *t,
			      const struct eseal_digest *d,
			      struct eseal_obj_result *res,
			      struct eseal_error *err);
/*
 * 1 when the object of digest d is in the store, 0 when not, or an error
 * (an entry on the way that is not what it should be): the lookup of
 * eseal_objstore_has_path()
 */
int eseal_objstore_has(struct eseal_objstore *st, const struct eseal_digest *d,
		       struct eseal_error *err);

/*
 * The store options and stats a public function was given, checked as the
 * growable structs they are (util/abi.c): opts (NULL: all defaults) is
 * copied into o at this library's size, stats (NULL: none wanted) is only
 * checked.  Returns 0, or -EINVAL naming the struct's _INIT macro.
 */
int eseal_store_args_in(const struct eseal_store_opts *opts,
			const struct eseal_store_stats *stats,
			struct eseal_store_opts *o, struct eseal_error *err);

/*
 * Give a regular file node the data it was found to have, by mkcomposefs
 * 1.0.8's rule (lcfs_node_set_from_content with COMPUTE_DIGEST |
 * BY_DIGEST): its size; when not empty also its fs-verity digest and the
 * payload "xx/<rest of hex>", and when at most inline_max bytes its
 * content (which the caller then passes).  The one home of that rule.
 */
struct eseal_tree;
struct eseal_node;
int eseal_node_set_data(struct eseal_tree *tree, struct eseal_node *node,
			const struct eseal_digest *d, uint64_t size,
			const uint8_t *content, size_t inline_max,
			struct eseal_error *err);

#endif /* ESEAL_OBJSTORE_H */
