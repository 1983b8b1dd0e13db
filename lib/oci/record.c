// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Layer records: what a layer's tar entries were, in stream order, with
 * each regular file's data replaced by its fs-verity digest (and its
 * content when it is inlined).  A record is written into the object store
 * (<store>/.erofs-seal/layers/<object hash>/<blob alg>-<hex>) once the
 * layer was read whole and its blob digest and diff_id checked out;
 * replaying it through the same code that applies tar entries (apply.c)
 * gives the same tree without reading, decompressing or hashing the layer
 * again, so a pull of a new version reads only the layers that changed.
 *
 * A record is a cache, not a trust anchor: it is used only when its
 * header names the layer's digest and diff_id, the hash and inline limit
 * at hand, its checksum holds and every object it names is in the store;
 * whatever it gives is then checked by the digest of the whole image
 * against the signature.  Parsing it is bounds-checked all the same.
 *
 * Format (little endian): "ESEALREC" u32 version, u32 hash, u32 inline
 * limit, str blob digest, str diff_id, u64 uncompressed size, u64
 * entries; then per entry 'E' u32 type|perm u32 uid u32 gid u32 rdev i64
 * mtime u32 nsec u64 size str path str symlink str hardlink, followed by
 * its 'X' (str key, u32 len, value) and 'D' (u8 digest size, digest, u32
 * len, inline content) items; at the end the sha256 of all before.  A str
 * is a u32 length (0xffffffff: none) and that many bytes plus a NUL.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsverity.h"
#include "io.h"
#include "objstore.h"
#include "oci.h"
#include "store-open.h"

#define REC_MAGIC "ESEALREC"
#define REC_VERSION 1
#define REC_NONE UINT32_MAX
#define REC_MAX (1u << 30)	/* a record larger than this is not read */

struct oci_rec {
	uint8_t *buf;
	size_t len, cap;
	uint64_t n;
	bool oom;
};

/* ---- writing ------------------------------------------------------------- */

static void put(struct oci_rec *r, const void *p, size_t n)
{
	if (r->oom)
		return;
	if (r->len + n > r->cap) {
		size_t cap = MAX(r->cap * 2, r->len + n + 4096);
		uint8_t *b = realloc(r->buf, cap);

		if (!b) {
			r->oom = true;
			return;
		}
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
}

static void put_u8(struct oci_rec *r, uint8_t v)
{
	put(r, &v, 1);
}

static void put_u32(struct oci_rec *r, uint32_t v)
{
	uint8_t b[4];

	put_le32(b, v);
	put(r, b, 4);
}

static void put_u64(struct oci_rec *r, uint64_t v)
{
	put_u32(r, (uint32_t)v);
	put_u32(r, (uint32_t)(v >> 32));
}

static void put_str(struct oci_rec *r, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!s || n >= REC_NONE) {
		put_u32(r, REC_NONE);
		return;
	}
	put_u32(r, (uint32_t)n);
	put(r, s, n + 1);
}

int oci_rec_new(struct oci_rec **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void oci_rec_free(struct oci_rec *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

void oci_rec_entry(struct oci_rec *r, const struct oci_entry *e)
{
	put_u8(r, 'E');
	put_u32(r, e->type | e->perm);
	put_u32(r, e->uid);
	put_u32(r, e->gid);
	put_u32(r, e->rdev);
	put_u64(r, (uint64_t)e->mtime_sec);
	put_u32(r, e->mtime_nsec);
	put_u64(r, e->size);
	put_str(r, e->path);
	put_str(r, e->symlink);
	put_str(r, e->hardlink);
	r->n++;
}

void oci_rec_xattr(struct oci_rec *r, const char *key, const void *value,
		   size_t len)
{
	put_u8(r, 'X');
	put_str(r, key);
	put_u32(r, (uint32_t)len);
	put(r, value, len);
}

void oci_rec_data(struct oci_rec *r, const struct eseal_digest *d,
		  const void *content, size_t len)
{
	put_u8(r, 'D');
	put_u8(r, d->size);
	put(r, d->bytes, d->size);
	put_u32(r, (uint32_t)len);
	put(r, content, len);
}

/* <store>/.erofs-seal/layers/<alg>, made as needed; an fd */
static int rec_dir(const char *store, int alg, struct eseal_error *err)
{
	const char *parts[] = { ".erofs-seal", "layers", eseal_hash_name(alg) };
	int fd, next;
	size_t i;

	fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return eseal_syserrorf(err, errno, "%s", store);
	for (i = 0; i < ARRAY_SIZE(parts); i++) {
		next = oci_sub_dir(fd, parts[i], store, err);
		close(fd);
		if (next < 0)
			return next;
		fd = next;
	}
	return fd;
}

static void rec_name(const struct oci_digest *blob, char *buf, size_t size)
{
	snprintf(buf, size, "%.6s-%s", blob->str, blob->str + 7);
}

int oci_rec_save(struct oci_rec *r, const char *store, int alg,
		 size_t inline_max, const struct oci_digest *blob,
		 const struct oci_digest *diff_id, uint64_t size,
		 struct eseal_error *err)
{
	struct oci_rec h = { 0 };
	struct oci_digest sum;
	char name[OCI_DIGEST_STR_MAX], where[600];
	int fd, ret;

	put(&h, REC_MAGIC, 8);
	put_u32(&h, REC_VERSION);
	put_u32(&h, (uint32_t)alg);
	put_u32(&h, (uint32_t)inline_max);
	put_str(&h, blob->str);
	put_str(&h, diff_id ? diff_id->str : NULL);
	put_u64(&h, size);
	put_u64(&h, r->n);
	put(&h, r->buf, r->len);
	if (h.oom || r->oom || oci_digest_of(h.buf, h.len, ESEAL_HASH_SHA256,
					     &sum)) {
		free(h.buf);
		return eseal_errorf(err, ENOMEM, "out of memory");
	}
	put(&h, sum.bytes, 32);
	fd = h.oom ? -ENOMEM : rec_dir(store, alg, err);
	if (fd < 0) {
		free(h.buf);
		return fd == -ENOMEM ? eseal_errorf(err, ENOMEM, "out of memory") :
				       fd;
	}
	rec_name(blob, name, sizeof(name));
	snprintf(where, sizeof(where), "%s/.erofs-seal/layers/%s", store,
		 eseal_hash_name(alg));
	ret = oci_put_file(fd, where, name, h.buf, h.len, err);
	close(fd);
	free(h.buf);
	return ret;
}

/* ---- reading --------------------------------------------------------------- */

struct cur {
	const uint8_t *p, *end;
	bool bad;
};

static const uint8_t *take(struct cur *c, size_t n)
{
	const uint8_t *p = c->p;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = true;
		return NULL;
	}
	c->p += n;
	return p;
}

static uint8_t get_u8(struct cur *c)
{
	const uint8_t *p = take(c, 1);

	return p ? *p : 0;
}

static uint32_t get_u32(struct cur *c)
{
	const uint8_t *p = take(c, 4);

	return p ? get_le32(p) : 0;
}

static uint64_t get_u64(struct cur *c)
{
	uint64_t lo = get_u32(c);

	return lo | (uint64_t)get_u32(c) << 32;
}

/* A str: NULL for none (or on a bad record: c->bad says which) */
static const char *get_str(struct cur *c)
{
	uint32_t n = get_u32(c);
	const uint8_t *p;

	if (n == REC_NONE)
		return NULL;
	p = take(c, (size_t)n + 1);
	if (!p || p[n] || memchr(p, 0, n)) {
		c->bad = true;
		return NULL;
	}
	return (const char *)p;
}

void oci_replay_fini(struct oci_replay *rp)
{
	free(rp->buf);
	free(rp->entries);
	memset(rp, 0, sizeof(*rp));
}

static int parse(struct oci_replay *rp, int alg, size_t inline_max,
		 const struct oci_digest *blob, const struct oci_digest *diff_id)
{
	struct cur c = { rp->buf, rp->buf + rp->len - 32, false };
	struct oci_rec_entry *re = NULL;
	struct oci_digest sum;
	const char *b, *dl;
	const uint8_t *p;
	uint64_t n, i = 0;
	uint32_t mode;

	if (rp->len < 40 ||
	    oci_digest_of(rp->buf, rp->len - 32, ESEAL_HASH_SHA256, &sum) ||
	    memcmp(sum.bytes, rp->buf + rp->len - 32, 32))
		return -EINVAL;
	p = take(&c, 8);
	if (!p || memcmp(p, REC_MAGIC, 8) || get_u32(&c) != REC_VERSION ||
	    get_u32(&c) != (uint32_t)alg || get_u32(&c) != inline_max)
		return -EINVAL;
	b = get_str(&c);
	dl = get_str(&c);
	rp->size = get_u64(&c);
	n = get_u64(&c);
	if (c.bad || !b || strcmp(b, blob->str) ||
	    (diff_id ? !dl || strcmp(dl, diff_id->str) : dl != NULL) ||
	    n > rp->len / 16)
		return -EINVAL;
	rp->entries = calloc(n ? n : 1, sizeof(*rp->entries));
	if (!rp->entries)
		return -ENOMEM;
	while (!c.bad && c.p < c.end) {
		switch (get_u8(&c)) {
		case 'E':
			if (i == n)
				return -EINVAL;
			re = &rp->entries[i++];
			mode = get_u32(&c);
			re->e.type = mode & S_IFMT;
			re->e.perm = mode & 07777;
			re->e.uid = get_u32(&c);
			re->e.gid = get_u32(&c);
			re->e.rdev = get_u32(&c);
			re->e.mtime_sec = (int64_t)get_u64(&c);
			re->e.mtime_nsec = get_u32(&c);
			re->e.size = get_u64(&c);
			re->e.path = get_str(&c);
			re->e.symlink = get_str(&c);
			re->e.hardlink = get_str(&c);
			if (!re->e.path)
				return -EINVAL;
			break;
		case 'X':
			/* an entry's xattrs come one after the other */
			if (!re || (re->xattrs && re->xattrs_end != c.p - 1))
				return -EINVAL;
			if (!re->xattrs)
				re->xattrs = c.p;
			if (!get_str(&c) || !take(&c, get_u32(&c)))
				return -EINVAL;
			re->xattrs_end = c.p;
			break;
		case 'D':
			if (!re || re->have_data)
				return -EINVAL;
			re->digest.size = get_u8(&c);
			if (re->digest.size != eseal_hash_size(alg) ||
			    !(p = take(&c, re->digest.size)))
				return -EINVAL;
			re->digest.alg = (uint8_t)alg;
			memcpy(re->digest.bytes, p, re->digest.size);
			re->content_len = get_u32(&c);
			re->content = take(&c, re->content_len);
			if (c.bad || re->content_len > inline_max ||
			    (re->content_len && re->content_len != re->e.size))
				return -EINVAL;
			re->have_data = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (c.bad || i != n)
		return -EINVAL;
	rp->n = (size_t)n;
	return 0;
}

int oci_rec_load(const char *store, int alg, size_t inline_max,
		 const struct oci_digest *blob, const struct oci_digest *diff_id,
		 struct oci_replay *rp)
{
	char name[OCI_DIGEST_STR_MAX], path[OCI_DIGEST_STR_MAX + 32];
	struct stat st;
	ssize_t got;
	int sfd, fd, r;

	memset(rp, 0, sizeof(*rp));
	sfd = open(store, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return -ENOENT;
	rec_name(blob, name, sizeof(name));
	snprintf(path, sizeof(path), ".erofs-seal/layers/%s/%s",
		 eseal_hash_name(alg), name);
	/* a regular file below the store, nothing on the way followed */
	fd = eseal_store_open(sfd, path, O_RDONLY, &st);
	close(sfd);
	if (fd < 0)
		return -ENOENT;
	if (st.st_size < 40 || st.st_size > REC_MAX) {
		close(fd);
		return -ENOENT;
	}
	rp->len = (size_t)st.st_size;
	rp->buf = malloc(rp->len);
	got = rp->buf ? eseal_pread_full(fd, rp->buf, rp->len, 0) : -1;
	close(fd);
	r = got == (ssize_t)rp->len ?
		    parse(rp, alg, inline_max, blob, diff_id) :
		    -EINVAL;
	if (r)
		oci_replay_fini(rp);
	return r == -ENOMEM ? r : r ? -ENOENT : 0;
}

bool oci_replay_usable(const struct oci_replay *rp, struct eseal_objstore *st,
		       size_t inline_max)
{
	const struct oci_rec_entry *re;
	size_t i;

	if (!st)
		return false;
	for (i = 0; i < rp->n; i++) {
		re = &rp->entries[i];
		if (re->have_data && re->e.size > inline_max &&
		    eseal_objstore_has(st, &re->digest, NULL) != 1)
			return false;
	}
	return true;
}

int oci_rec_next_xattr(const struct oci_rec_entry *re, const uint8_t **pos,
		       const char **key, const void **value, size_t *len)
{
	struct cur c;

	if (!re->xattrs)
		return 0;
	c.p = *pos ? *pos : re->xattrs;
	c.end = re->xattrs_end;
	c.bad = false;
	if (c.p >= c.end)
		return 0;
	/* parse() checked every item: these cannot fail */
	*key = get_str(&c);
	*len = get_u32(&c);
	*value = take(&c, *len);
	/* the next item starts with its 'X' */
	if (c.p < c.end)
		take(&c, 1);
	*pos = c.p;
	return c.bad ? -EINVAL : 1;
}
