/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * What the entries of an object store are, by name (store-names.c), and a
 * walk over all of them that follows no symlink (store-walk.c): the one
 * home of the store's layout for gc, fsck and stats.
 *
 *	DIR/xx/<hex>			an object (lower-case hex of a sha256 or
 *					sha512 fs-verity digest, xx its first
 *					byte)
 *	DIR/xx/<hex>.merkle		its Merkle tree file (FUSE mounts)
 *	DIR/.tmp-*, DIR/xx/.tmp-*	temporary files
 *	DIR/.erofs-seal/		metadata: the lock file, caches
 *	DIR/.quarantine/		what fsck --repair moved aside
 *	DIR/lost+found			a filesystem's, when DIR is its root
 *
 * A directory holding anything else is not an object store.
 */
#ifndef ESEAL_STORE_WALK_H
#define ESEAL_STORE_WALK_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "internal.h"

/* Kinds of names in the store's root */
enum store_root_kind {
	STORE_ROOT_OTHER = 0,		/* not a store's */
	STORE_ROOT_FANOUT,		/* "xx": two lower-case hex digits */
	STORE_ROOT_META,		/* .erofs-seal */
	STORE_ROOT_QUARANTINE,		/* .quarantine */
	STORE_ROOT_LOST_FOUND,		/* lost+found */
	STORE_ROOT_TMP,			/* .tmp-* */
};

/* Kinds of names in a fan-out directory */
enum store_name_kind {
	STORE_NAME_OTHER = 0,		/* not a store's */
	STORE_NAME_OBJECT,		/* <hex> */
	STORE_NAME_TREE,		/* <hex>.merkle */
	STORE_NAME_TMP,			/* .tmp-* */
};

/* The kind of a name in the store's root; *fanout for a fan-out name */
int store_root_kind(const char *name, unsigned int *fanout);
/*
 * The kind of a name in fan-out directory 'fanout' (0..255); *d is the
 * digest an object or tree name stands for.
 */
int store_name_kind(unsigned int fanout, const char *name,
		    struct eseal_digest *d);
/*
 * The object a payload ("xx/<hex>") names: 0 and *d, or -EINVAL for a
 * payload that names no object (another path below a store).
 */
int store_payload_digest(const char *payload, struct eseal_digest *d);

/* What a DT_* type is, for a message: "a symbolic link", ... */
const char *store_dtype_name(unsigned char type);

/* ---- the walk (store-walk.c) --------------------------------------------- */

/* Room for "xx/" + a name + NUL */
#define STORE_REL_MAX (3 + 255 + 1)

struct store_entry {
	int dir_fd;			/* the directory holding it */
	int fanout;			/* its fan-out directory, -1: the root */
	const char *name;		/* in dir_fd */
	const char *rel;		/* below the store, for messages */
	unsigned char type;		/* DT_* (never DT_UNKNOWN) */
	int kind;			/* STORE_ROOT_* or STORE_NAME_* */
	struct eseal_digest digest;	/* STORE_NAME_OBJECT and _TREE */
	int fd;				/* a fan-out directory itself (kind
					   STORE_ROOT_FANOUT, a directory):
					   open; else -1 */
	int error;			/* an errno: the fan-out directory
					   (kind STORE_ROOT_FANOUT) could not
					   be read; its entries are not seen */
};

/* A non-zero return stops the walk and is returned by it */
typedef int (*store_entry_fn)(const struct store_entry *e, void *arg);

/*
 * Open the store's directory (the path as given; what lies below it is
 * never followed) and check that it is one: every entry of its root has a
 * store's name.  Returns the fd, or -errno with a message (-EINVAL and
 * "... is not an object store" for a directory holding something else).
 */
int store_open_dir(const char *store, struct eseal_error *err);

/*
 * Walk a store opened by store_open_dir(): fn gets each entry of the root
 * but .erofs-seal, .quarantine and lost+found (a fan-out directory before
 * its entries; fan-out directories in order, 00 to ff), and each entry of
 * each fan-out directory that is a directory (opened with O_NOFOLLOW).
 */
int store_walk(int store_fd, const char *store, store_entry_fn fn, void *arg,
	       struct eseal_error *err);

#endif /* ESEAL_STORE_WALK_H */
