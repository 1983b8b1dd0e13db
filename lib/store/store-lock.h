/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The store's lock (docs/object-store.md, "The lock protocol"): a flock(2)
 * of DIR/.erofs-seal/lock, shared by writers from before their first
 * object until their image is published, exclusive for gc and for fsck
 * --repair.  The lock goes with the fd: a process that dies releases it.
 */
#ifndef ESEAL_STORE_LOCK_H
#define ESEAL_STORE_LOCK_H

#include <stdbool.h>

#include "internal.h"

#define STORE_LOCK_EXCLUSIVE (1u << 0)	/* else shared */
#define STORE_LOCK_NO_WAIT   (1u << 1)	/* -EWOULDBLOCK instead of waiting */
/*
 * When the lock file cannot be created or opened for want of permission
 * (a read-only store, one of another user), go on without it: *lock_fd
 * is -1.
 */
#define STORE_LOCK_OPTIONAL  (1u << 2)

/*
 * Take the lock of the store open as store_fd (store names it in
 * messages), creating .erofs-seal and its lock file (mode 0644) when
 * missing; neither is followed if it is a symlink.  'who' says what
 * holds it, for the message when it is busy ("a gc").  Returns 0 and
 * *lock_fd (close it to release the lock), or -errno with a message.
 */
int eseal_store_lock(int store_fd, const char *store, unsigned int flags,
		     const char *who, int *lock_fd, struct eseal_error *err);

/*
 * DIR/.erofs-seal (ESEAL_STORE_META: the lock file, the digest cache),
 * created (mode 0755) when missing, never followed if it is a symlink.
 * Returns an fd of it (the caller closes it) or -errno with a message;
 * with quiet_perm, no message for a permission error (-EACCES, -EPERM,
 * -EROFS: a store we may only read).
 */
int eseal_store_meta_open(int store_fd, const char *store, bool quiet_perm,
			  struct eseal_error *err);

#endif /* ESEAL_STORE_LOCK_H */
