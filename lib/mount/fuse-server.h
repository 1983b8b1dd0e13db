/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The verifying FUSE server, shared by lib/mount/fuse*.c, each file
 * calling only those listed above it:
 *   fuse-common.c the log, node paths and numbers, per-thread scratch
 *   fuse-data.c   regular files: objects, their Merkle trees, verified reads
 *   fuse-ops.c    the low-level operations on the tree (lookup, stat,
 *                 readdir, readlink, xattrs, statfs; data: fuse-data.c)
 *   fuse.c        checking the image, mounting, serving, unmounting
 */
#ifndef ESEAL_FUSE_SERVER_H
#define ESEAL_FUSE_SERVER_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "fuse-umount.h"
#include "internal.h"
#include "tree.h"
#include "verity/merkle.h"
/* what the kernel may cache: nothing here ever changes */
#define ESEAL_FUSE_TIMEOUT 86400.0

struct efuse_store {
	int fd;
	char *name;		/* as given, for messages */
};

struct efuse_obj;

struct eseal_fuse {
	struct eseal_tree *tree;
	struct eseal_node **nodes;	/* by inode number; [0] unused */
	uint64_t n_nodes;		/* inode numbers 1 .. n_nodes */
	uint64_t data_bytes;		/* sum of regular file sizes */
	struct efuse_store *stores;
	size_t n_stores;
	struct eseal_merkle_cache *cache;
	unsigned int threads;
	unsigned int flags;		/* ESEAL_FUSE_* */
	eseal_log_fn log;
	void *log_arg;
	pthread_key_t tls;		/* struct efuse_tls of a thread */
	bool tls_made;
	/* an unchecked prefill could not be taken back: no open keeps
	 * the kernel's cache from now on */
	atomic_bool cache_suspect;

	/* objects in use or kept idle (fuse-data.c) */
	pthread_mutex_t objs_lock;
	pthread_cond_t objs_cond;
	struct efuse_obj **buckets;
	size_t n_buckets;
	struct efuse_obj *idle_head, *idle_tail;
	size_t n_idle;

	struct fuse_session *se;
	bool no_opendir;		/* the kernel can do without opendir */
	char *mountpoint;
	char *image;			/* as given */
	bool mounted;
};

/* Per-thread scratch: a hashing context and a read buffer */
struct efuse_tls {
	struct eseal_fsverity_ctx *h256, *h512;
	uint8_t *buf;
	size_t cap;
};

/* fuse-common.c */
/* A log line (syslog priority), when the caller asked for them */
void efuse_log(struct eseal_fuse *f, int priority, const char *fmt, ...)
	__printf(3, 4);
/* The path of a node in the image, for messages */
const char *efuse_path(const struct eseal_node *node, char *buf, size_t size);
/* This thread's scratch with a buffer of at least cap bytes, or NULL */
struct efuse_tls *efuse_tls(struct eseal_fuse *f, size_t cap);
/* Its hashing context for alg (made on first use), or NULL */
struct eseal_fsverity_ctx *efuse_hasher(struct efuse_tls *t, int alg);
/* Free a thread's scratch (the destructor of f->tls) */
void efuse_tls_free(void *p);
/* The node of an inode number the kernel gave us, or NULL */
struct eseal_node *efuse_node(struct eseal_fuse *f, fuse_ino_t ino);

/* fuse-ops.c */
extern const struct fuse_lowlevel_ops efuse_ops;

/* fuse-data.c: open, read and release regular files */
int efuse_data_init(struct eseal_fuse *f);
void efuse_data_free(struct eseal_fuse *f);
void efuse_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void efuse_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi);
void efuse_release(fuse_req_t req, fuse_ino_t ino,
		   struct fuse_file_info *fi);

#endif /* ESEAL_FUSE_SERVER_H */
