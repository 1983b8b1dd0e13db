/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The digest cache: for each regular file of a source tree, (device,
 * inode, size, mtime ns, ctime ns) -> its fs-verity digest, so that a
 * rebuild never reads an unchanged file again (docs/object-store.md,
 * "Digest cache").
 *
 * Never wrong: a write changes ctime, which no user can set, so a file
 * rewritten with its old size and mtime misses; an entry whose times are
 * within ESEAL_DCACHE_RACY_SEC of the moment the file was read is not
 * kept (a write in the same timestamp tick would leave the times as they
 * were); a cache of another source root, filesystem or hash algorithm, a
 * corrupt one (length, order, checksum) and one that is not ours or is
 * writable by others are ignored, and replaced by a new one.  The file is
 * replaced atomically (a temporary file, then rename), under an flock of
 * its directory; it is not fsynced, as a torn file fails its checksum.
 *
 * Lookups are for the calling thread only (the one that owns the tree).
 */
#ifndef ESEAL_DIGEST_CACHE_H
#define ESEAL_DIGEST_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

struct eseal_objstore;
struct stat;

#define ESEAL_DCACHE_RACY_SEC 2

/* The cache's key: a file as stat() sees it */
struct eseal_dcache_key {
	uint64_t dev, ino, size;
	int64_t mtime_sec, ctime_sec;
	uint32_t mtime_nsec, ctime_nsec;
};

struct eseal_dcache;

/*
 * Open the cache 'name' in the directory dirfd (which the cache owns from
 * now on, even on error; display: the file in messages) for the tree
 * below the directory src_fd, hashed with alg.  A
 * missing, foreign or damaged cache is no error: the cache starts empty
 * and *state (ESEAL_CACHE_*) says why.  Errors: reading a file that is
 * there, ENOMEM.
 */
int eseal_dcache_open(int dirfd, const char *name, const char *display,
		      int src_fd, int alg, struct eseal_dcache **out,
		      uint32_t *state, struct eseal_error *err);
/*
 * For tests and fuzzers: eseal_dcache_open() with the bytes of the cache
 * file given (len of them, copied), not read from 'name' (which is still
 * where eseal_dcache_save() writes).
 */
int eseal_dcache_open_buf(int dirfd, const char *name, const char *display,
			  int src_fd, int alg, const void *bytes, size_t len,
			  struct eseal_dcache **out, uint32_t *state,
			  struct eseal_error *err);
/* The number of entries read (0 unless *state was ESEAL_CACHE_LOADED) */
size_t eseal_dcache_count(const struct eseal_dcache *c);
/*
 * For fuzzers: give buf (len bytes) the header that c wants (the source,
 * the algorithm, the entry count its length says) and a right checksum,
 * so that the checks after those are reached.
 */
void eseal_dcache_seal_buf(const struct eseal_dcache *c, void *buf,
			   size_t len);
/*
 * The digest of the file with key k, or false; *slot (may be NULL) names
 * the entry for eseal_dcache_keep()
 */
bool eseal_dcache_lookup(struct eseal_dcache *c,
			 const struct eseal_dcache_key *k,
			 struct eseal_digest *d, size_t *slot);
/* Keep the entry a lookup found, as it is, for the next run */
void eseal_dcache_keep(struct eseal_dcache *c, size_t slot);
/* The key of a file stat() described */
void eseal_dcache_key_of(struct eseal_dcache_key *k, const struct stat *st);
/*
 * The store's part, to call before any object of st is looked up: stamps
 * of its fan-out directories "00".."ff" as stat() sees them now.  The
 * cache keeps them with its entries, whose objects were all there after
 * they were taken; a fan-out directory whose stamp is the one the cache
 * kept has had no object removed (an unlink changes its ctime, which no
 * user can set), so the objects of the cache's entries there need no
 * lookup.  Stamps within ESEAL_DCACHE_RACY_SEC of now are not kept.
 * Without this call (no store) the cache keeps no stamps.
 */
void eseal_dcache_set_store(struct eseal_dcache *c, struct eseal_objstore *st);
/*
 * Is the object of d, a digest this cache gave, known to be in the store
 * given to eseal_dcache_set_store()?
 */
bool eseal_dcache_object_known(const struct eseal_dcache *c,
			       const struct eseal_digest *d);
/* The same for every object of the fan-out directory i */
bool eseal_dcache_fanout_known(const struct eseal_dcache *c, unsigned int i);
/*
 * Keep k -> d for the next run; read_at_sec is when the file was opened
 * (CLOCK_REALTIME): a racy entry is left out.
 */
int eseal_dcache_add(struct eseal_dcache *c, const struct eseal_dcache_key *k,
		     const struct eseal_digest *d, int64_t read_at_sec);
/*
 * Write what was added, when it differs from what was read: *written
 * says whether it was.  Not writing (the lock is held by another run
 * for long) is no error.
 */
int eseal_dcache_save(struct eseal_dcache *c, bool *written,
		      struct eseal_error *err);
void eseal_dcache_free(struct eseal_dcache *c);

#endif /* ESEAL_DIGEST_CACHE_H */
