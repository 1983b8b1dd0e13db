// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * What every part of the FUSE server uses (fuse-server.h): the log, the
 * path of a node for messages, a node by inode number, and each thread's
 * scratch (hashing contexts, a read buffer).  Calls nothing of the
 * server's other files, which sit on top of it: fuse-data.c (file data),
 * fuse-ops.c (the operations table) and fuse.c (mounting and serving).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuse-server.h"
#include "util/io.h"

void efuse_log(struct eseal_fuse *f, int priority, const char *fmt, ...)
{
	char msg[ESEAL_ERR_MSG_MAX + 512];
	va_list ap;

	if (!f->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->log(f->log_arg, priority, msg);
}

const char *efuse_path(const struct eseal_node *node, char *buf, size_t size)
{
	eseal_node_path(node, buf, size);
	return buf;
}

void efuse_tls_free(void *p)
{
	struct efuse_tls *t = p;

	eseal_fsverity_free(t->h256);
	eseal_fsverity_free(t->h512);
	free(t->buf);
	free(t);
}

struct efuse_tls *efuse_tls(struct eseal_fuse *f, size_t cap)
{
	struct efuse_tls *t = pthread_getspecific(f->tls);
	uint8_t *b;

	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return NULL;
		if (pthread_setspecific(f->tls, t)) {
			free(t);
			return NULL;
		}
	}
	if (t->cap < cap) {
		/* scratch: nothing in it is kept */
		b = eseal_io_buf_alloc(cap);
		if (!b)
			return NULL;
		free(t->buf);
		t->buf = b;
		t->cap = cap;
	}
	return t;
}

struct eseal_fsverity_ctx *efuse_hasher(struct efuse_tls *t, int alg)
{
	struct eseal_fsverity_ctx **h = alg == ESEAL_HASH_SHA512 ? &t->h512 :
								  &t->h256;

	if (!*h)
		*h = eseal_fsverity_new(alg);
	return *h;
}

struct eseal_node *efuse_node(struct eseal_fuse *f, fuse_ino_t ino)
{
	if (ino < 1 || ino > f->n_nodes)
		return NULL;
	return f->nodes[ino];
}
