// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Merkle tree files next to the objects of a store: "xx/<hex>.merkle".
 *
 * A tree is made from the object, checked against the digest the image
 * gives, and only then linked under its name (an unnamed file until
 * complete, so nobody sees half a tree).  It is not made durable: a tree
 * file is never trusted anyway, and one that a crash left wrong is found
 * wrong by the first check against the image and made again.  Where the
 * store cannot take it (not ours, read-only) the tree lives in memory.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "files.h"
#include "merkle-file.h"
#include "store-open.h"

/*
 * a tree being made, where the fan-out directory has no O_TMPFILE: the
 * store's temporary name, which gc and fsck know (docs/object-store.md)
 */
#define TMP_PREFIX ESEAL_STORE_TMP_PREFIX

int eseal_merkle_open(int dir_fd, const char *object,
		      const struct eseal_merkle_geo *g, struct eseal_error *err)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	if (snprintf(path, sizeof(path), "%s" ESEAL_STORE_TREE_SUFFIX, object) >=
	    (int)sizeof(path))
		return eseal_errorf(err, ENAMETOOLONG, "%s: name too long",
				    object);
	fd = eseal_store_open(dir_fd, path, O_RDONLY, &st);
	if (fd == -ENOENT)
		return fd;
	if (fd == -EINVAL || fd == -EISDIR || fd == -ELOOP)
		return eseal_errorf(err, EBADMSG,
				    "%s: not a regular file", path);
	if (fd < 0)
		return eseal_syserrorf(err, -fd, "%s", path);
	if ((uint64_t)st.st_size != eseal_merkle_tree_size(g)) {
		close(fd);
		return eseal_errorf(err, EBADMSG,
				    "%s: %llu bytes, a tree of this object has %llu",
				    path, (unsigned long long)st.st_size,
				    (unsigned long long)eseal_merkle_tree_size(g));
	}
	return fd;
}

int eseal_merkle_make(int dir_fd, const char *store_name, const char *object,
		      int obj_fd, const struct eseal_merkle_geo *g,
		      const struct eseal_digest *want, unsigned int threads,
		      const struct eseal_merkle_sink *sink, bool *published,
		      struct eseal_error *err)
{
	char name[PATH_MAX + 80], leaf[NAME_MAX + 1];
	char have_hex[2 * ESEAL_DIGEST_MAX + 1], want_hex[2 * ESEAL_DIGEST_MAX + 1];
	const char *slash = strrchr(object, '/');
	struct eseal_tmpfile t = { .fd = -1 };
	struct eseal_digest d;
	int dir = dir_fd, fd = -1, r;

	*published = false;
	if (!g->levels)
		return eseal_errorf(err, EINVAL, "%s/%s: needs no Merkle tree",
				    store_name, object);
	snprintf(name, sizeof(name), "object %s/%s", store_name, object);
	if (snprintf(leaf, sizeof(leaf), "%s" ESEAL_STORE_TREE_SUFFIX,
		     slash ? slash + 1 : object) >= (int)sizeof(leaf))
		return eseal_errorf(err, ENAMETOOLONG, "%s: name too long",
				    name);
	if (slash) {
		char sub[PATH_MAX];

		snprintf(sub, sizeof(sub), "%.*s", (int)(slash - object),
			 object);
		dir = eseal_store_open(dir_fd, sub, O_RDONLY | O_DIRECTORY,
				       NULL);
	}
	/* in the store when it takes it (files.h), else in memory */
	if (dir >= 0 && eseal_tmpfile_create(&t, dir, TMP_PREFIX, O_RDWR,
					     0644, false) == 0)
		fd = t.fd;
	else
		fd = memfd_create("erofs-seal-merkle", MFD_CLOEXEC);
	if (fd < 0) {
		r = eseal_syserrorf(err, errno, "%s: no room for its Merkle tree",
				    name);
		goto out;
	}
	r = eseal_merkle_build(obj_fd, name, g, fd, threads, sink,
			       &d, err);
	if (!r && (d.alg != want->alg || d.size != want->size ||
		   memcmp(d.bytes, want->bytes, d.size))) {
		eseal_digest_hex(&d, have_hex);
		eseal_digest_hex(want, want_hex);
		r = eseal_errorf(err, EBADMSG,
				 "%s: does not match the fs-verity digest in the image (it has %s:%s, the image says %s:%s)",
				 name, eseal_hash_name(d.alg), have_hex,
				 eseal_hash_name(want->alg), want_hex);
	}
	if (r) {
		if (t.fd < 0)
			close(fd);
		goto out;
	}
	/* linked under its name once complete, replacing a bad tree */
	*published = t.fd >= 0 && eseal_tmpfile_replace(&t, leaf,
							 TMP_PREFIX) == 0;
	t.fd = -1;	/* the caller's now */
	r = fd;
out:
	eseal_tmpfile_discard(&t);
	if (dir >= 0 && dir != dir_fd)
		close(dir);
	return r;
}
