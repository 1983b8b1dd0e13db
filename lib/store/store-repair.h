/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * What fsck --repair does to an entry (store-repair.c), under the store's
 * exclusive lock.  Nothing is deleted but a Merkle tree file of no object:
 * a bad entry is moved into DIR/.quarantine/<time>-<pid>/ (its fan-out
 * directory and name kept), and a good copy restored from another store
 * takes its name atomically.  At every moment an object's name holds the
 * bad content, the good one or nothing, and the bad one is at its name or
 * in the quarantine.
 */
#ifndef ESEAL_STORE_REPAIR_H
#define ESEAL_STORE_REPAIR_H

#include <stdbool.h>

#include "fsverity.h"
#include "internal.h"

struct repair {
	int store_fd;
	const char *store;
	int from_fd;			/* the store to restore from, or -1 */
	const char *from;
	char run[64];			/* .quarantine/<this> */
	int qroot_fd;			/* .quarantine/<run>, -1 until needed */
	int qsub_fd[256];		/* .quarantine/<run>/xx, -1 until then */
	struct eseal_fsverity_ctx *c[ESEAL_HASH_SHA512 + 1];
	uint8_t *buf;
};

/*
 * Set up: from (may be NULL) is opened as a store and must not be the
 * store itself.  Returns 0 or -errno with a message.
 */
int repair_init(struct repair *rp, int store_fd, const char *store,
		const char *from, struct eseal_error *err);
void repair_fini(struct repair *rp);

/*
 * Move the entry name of dir_fd (in fan-out directory fan, or -1 for the
 * store's root) into the quarantine; where gets its path below the store.
 */
int repair_quarantine(struct repair *rp, int dir_fd, int fan,
		      const char *name, char *where, size_t where_size,
		      struct eseal_error *err);

/*
 * Replace the bad object name (fan-out fan, open as dir_fd; regular file,
 * other entry, or none) by a copy of object d from the other store,
 * hashed before it is linked; the bad entry goes into the quarantine
 * first (where, as above).  Returns 1 when restored, 0 when the other
 * store has no such object (the bad entry is then quarantined only), or
 * -errno with a message (nothing is lost: the entry is where it was or in
 * the quarantine).
 */
int repair_restore(struct repair *rp, int dir_fd, int fan, const char *name,
		   const struct eseal_digest *d, char *where,
		   size_t where_size, struct eseal_error *err);

#endif /* ESEAL_STORE_REPAIR_H */
