// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The digest cache (digest-cache.h): one file, read whole and checked
 * before anything in it is believed, written anew when it changed.
 *
 * Layout, in this machine's byte order (a cache from another one fails the
 * magic number): a header, the stamps of the store's 256 fan-out
 * directories (keys; all zero: none), then n entries sorted by (dev, ino),
 * each a key and the digest (digest_size bytes).  The checksum, XXH64 of
 * the header (checksum 0) and the rest, catches a torn or damaged file.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "digest-cache.h"
#include "files.h"
#include "fsverity.h"
#include "io.h"
#include "objstore.h"

#define DC_MAGIC 0x31434465736c6145ull	/* "EalseDC1" on little-endian */
#define DC_VERSION 2
#define N_STAMPS 256			/* fan-out directories */
#define STAMPS_BYTES (N_STAMPS * sizeof(struct eseal_dcache_key))
#define DC_MAX_BYTES (1ull << 32)
#define TMP_PREFIX ".digest-cache."
#define LOCK_TRIES 100			/* of 10 ms */

struct dc_header {
	uint64_t magic;
	uint32_t version;
	uint32_t entry_size;		/* key + digest_size */
	uint64_t n;
	uint64_t root_dev, root_ino;	/* the source root */
	uint64_t fs_type, fs_id;	/* its filesystem (statfs) */
	uint32_t alg, digest_size;
	uint64_t checksum;
};

struct dc_new {				/* an entry for the next run */
	struct eseal_dcache_key k;
	uint8_t d[ESEAL_DIGEST_MAX];
};

struct eseal_dcache {
	int dirfd;
	char *name, *display;
	struct dc_header want;		/* the header a cache must have */
	uint8_t *buf;			/* the file read: header, entries */
	size_t n, stride;
	uint8_t *entries;
	uint8_t *kept;			/* entries read that stay: 1 */
	size_t n_kept;
	struct dc_new *add;		/* other entries for the next run */
	size_t n_add, cap_add;
	const struct eseal_dcache_key *old_stamps; /* in buf; NULL: none */
	struct eseal_dcache_key stamps[N_STAMPS];  /* this run's, to keep */
	bool trusted[N_STAMPS];		/* fan-out unchanged since the cache */
};

static int cmp_id(const struct eseal_dcache_key *a,
		  const struct eseal_dcache_key *b)
{
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return 0;
}

static bool same_key(const struct eseal_dcache_key *a,
		     const struct eseal_dcache_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_sec == b->mtime_sec && a->ctime_sec == b->ctime_sec &&
	       a->mtime_nsec == b->mtime_nsec && a->ctime_nsec == b->ctime_nsec;
}

static const struct eseal_dcache_key *entry_key(const struct eseal_dcache *c,
						size_t i)
{
	return (const void *)(c->entries + i * c->stride);
}

static uint64_t checksum(const uint8_t *buf, size_t len)
{
	struct dc_header h;
	XXH64_state_t *s = XXH64_createState();
	uint64_t v;

	if (!s)
		return 0;
	memcpy(&h, buf, sizeof(h));
	h.checksum = 0;
	XXH64_reset(s, 0);
	XXH64_update(s, &h, sizeof(h));
	XXH64_update(s, buf + sizeof(h), len - sizeof(h));
	v = XXH64_digest(s);
	XXH64_freeState(s);
	return v;
}

/* Is the buffer a cache we may believe?  ESEAL_CACHE_LOADED or why not. */
static uint32_t check_buf(struct eseal_dcache *c, const uint8_t *buf,
			  size_t len)
{
	struct dc_header h;
	size_t i;

	if (len < sizeof(h))
		return ESEAL_CACHE_CORRUPT;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != DC_MAGIC || h.version != DC_VERSION ||
	    h.entry_size != c->stride || len < sizeof(h) + STAMPS_BYTES ||
	    h.n != (len - sizeof(h) - STAMPS_BYTES) / c->stride ||
	    (len - sizeof(h) - STAMPS_BYTES) % c->stride)
		return ESEAL_CACHE_CORRUPT;
	if (h.checksum != checksum(buf, len))
		return ESEAL_CACHE_CORRUPT;
	if (h.root_dev != c->want.root_dev || h.root_ino != c->want.root_ino ||
	    h.fs_type != c->want.fs_type || h.fs_id != c->want.fs_id ||
	    h.alg != c->want.alg || h.digest_size != c->want.digest_size)
		return ESEAL_CACHE_OTHER_SOURCE;
	c->n = h.n;
	c->old_stamps = (const void *)(buf + sizeof(h));
	c->entries = (uint8_t *)buf + sizeof(h) + STAMPS_BYTES;
	for (i = 1; i < c->n; i++)
		if (cmp_id(entry_key(c, i - 1), entry_key(c, i)) >= 0) {
			c->n = 0;
			c->old_stamps = NULL;
			return ESEAL_CACHE_CORRUPT;
		}
	return ESEAL_CACHE_LOADED;
}

/* Use buf (malloc'ed, len bytes; ours from now on) if it is a cache of ours */
static int take_buf(struct eseal_dcache *c, uint8_t *buf, size_t len,
		    uint32_t *state, struct eseal_error *err)
{
	*state = check_buf(c, buf, len);
	if (*state != ESEAL_CACHE_LOADED) {
		free(buf);
		return 0;
	}
	c->buf = buf;
	c->kept = calloc(c->n ? c->n : 1, 1);
	if (!c->kept)
		return eseal_errorf(err, ENOMEM, "out of memory");
	return 0;
}

/* Read the cache file, if it is there and ours: *state says what it was */
static int load(struct eseal_dcache *c, uint32_t *state,
		struct eseal_error *err)
{
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int fd, r = 0;

	fd = openat(c->dirfd, c->name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			*state = ESEAL_CACHE_NEW;
			return 0;
		}
		if (errno == ELOOP || errno == EACCES) {
			*state = ESEAL_CACHE_UNTRUSTED;
			return 0;
		}
		return eseal_syserrorf(err, errno, "%s", c->display);
	}
	if (fstat(fd, &st) < 0) {
		r = eseal_syserrorf(err, errno, "%s", c->display);
		goto out;
	}
	/* only a regular file of ours (or root's) nobody else can write */
	if (!S_ISREG(st.st_mode) || (st.st_mode & 022) ||
	    (st.st_uid != geteuid() && st.st_uid != 0)) {
		*state = ESEAL_CACHE_UNTRUSTED;
		goto out;
	}
	if ((uint64_t)st.st_size > DC_MAX_BYTES) {
		*state = ESEAL_CACHE_CORRUPT;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = eseal_errorf(err, ENOMEM, "out of memory");
		goto out;
	}
	/* one byte more than fstat said: a file that grew is no cache */
	n = eseal_pread_full(fd, buf, (size_t)st.st_size + 1, 0);
	if (n < 0) {
		r = eseal_syserrorf(err, errno, "%s: read error", c->display);
		free(buf);
		goto out;
	}
	if ((size_t)n != (size_t)st.st_size) {
		*state = ESEAL_CACHE_CORRUPT;
		free(buf);
		goto out;
	}
	r = take_buf(c, buf, (size_t)n, state, err);
out:
	close(fd);
	return r;
}

/* An empty cache for the tree below src_fd (see eseal_dcache_open) */
static int create(int dirfd, const char *name, const char *display,
		  int src_fd, int alg, struct eseal_dcache **out,
		  struct eseal_error *err)
{
	struct eseal_dcache *c;
	struct statfs sf;
	struct stat st;

	*out = NULL;
	if (fstat(src_fd, &st) < 0 || fstatfs(src_fd, &sf) < 0) {
		close(dirfd);
		return eseal_syserrorf(err, errno, "%s: the source directory",
				       display);
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(dirfd);
		return eseal_errorf(err, ENOMEM, "out of memory");
	}
	c->dirfd = dirfd;
	c->name = strdup(name);
	c->display = strdup(display);
	c->want = (struct dc_header){
		.magic = DC_MAGIC, .version = DC_VERSION,
		.root_dev = st.st_dev, .root_ino = st.st_ino,
		.fs_type = (uint64_t)sf.f_type, .alg = (uint32_t)alg,
		.digest_size = (uint32_t)eseal_hash_size(alg),
	};
	memcpy(&c->want.fs_id, &sf.f_fsid, MIN(sizeof(c->want.fs_id),
					       sizeof(sf.f_fsid)));
	c->stride = sizeof(struct eseal_dcache_key) + c->want.digest_size;
	c->want.entry_size = (uint32_t)c->stride;
	if (!c->name || !c->display) {
		eseal_dcache_free(c);
		return eseal_errorf(err, ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

int eseal_dcache_open(int dirfd, const char *name, const char *display,
		      int src_fd, int alg, struct eseal_dcache **out,
		      uint32_t *state, struct eseal_error *err)
{
	int r;

	*state = ESEAL_CACHE_NONE;
	r = create(dirfd, name, display, src_fd, alg, out, err);
	if (!r)
		r = load(*out, state, err);
	if (r) {
		eseal_dcache_free(*out);
		*out = NULL;
	}
	return r;
}

int eseal_dcache_open_buf(int dirfd, const char *name, const char *display,
			  int src_fd, int alg, const void *bytes, size_t len,
			  struct eseal_dcache **out, uint32_t *state,
			  struct eseal_error *err)
{
	uint8_t *buf;
	int r;

	*state = ESEAL_CACHE_NONE;
	r = create(dirfd, name, display, src_fd, alg, out, err);
	if (r)
		return r;
	buf = malloc(len ? len : 1);
	if (!buf)
		r = eseal_errorf(err, ENOMEM, "out of memory");
	else
		r = take_buf(*out, (uint8_t *)memcpy(buf, bytes, len), len,
			     state, err);
	if (r) {
		eseal_dcache_free(*out);
		*out = NULL;
	}
	return r;
}

size_t eseal_dcache_count(const struct eseal_dcache *c)
{
	return c->n;
}

void eseal_dcache_seal_buf(const struct eseal_dcache *c, void *buf,
			   size_t len)
{
	struct dc_header h = c->want;

	if (len < sizeof(h))
		return;
	h.n = len < sizeof(h) + STAMPS_BYTES ? 0 :
	      (len - sizeof(h) - STAMPS_BYTES) / c->stride;
	memcpy(buf, &h, sizeof(h));
	h.checksum = checksum(buf, len);
	memcpy(buf, &h, sizeof(h));
}

/* The entry read with k's key: its index, or c->n */
static size_t find(const struct eseal_dcache *c,
		   const struct eseal_dcache_key *k)
{
	size_t lo = 0, hi = c->n, mid;
	const struct eseal_dcache_key *e;
	int cmp;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		e = entry_key(c, mid);
		cmp = cmp_id(k, e);
		if (cmp == 0)
			return same_key(k, e) ? mid : c->n;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return c->n;
}

bool eseal_dcache_lookup(struct eseal_dcache *c,
			 const struct eseal_dcache_key *k,
			 struct eseal_digest *d, size_t *slot)
{
	size_t i = find(c, k);

	if (i == c->n)
		return false;
	if (slot)
		*slot = i;
	memset(d, 0, sizeof(*d));
	d->alg = (uint8_t)c->want.alg;
	d->size = (uint8_t)c->want.digest_size;
	memcpy(d->bytes, entry_key(c, i) + 1, d->size);
	return true;
}

static bool racy(const struct eseal_dcache_key *k, int64_t read_at_sec)
{
	return k->ctime_sec > read_at_sec - ESEAL_DCACHE_RACY_SEC ||
	       k->mtime_sec > read_at_sec - ESEAL_DCACHE_RACY_SEC;
}

void eseal_dcache_key_of(struct eseal_dcache_key *k, const struct stat *st)
{
	*k = (struct eseal_dcache_key){
		.dev = st->st_dev, .ino = st->st_ino,
		.size = (uint64_t)st->st_size,
		.mtime_sec = st->st_mtim.tv_sec,
		.ctime_sec = st->st_ctim.tv_sec,
		.mtime_nsec = (uint32_t)st->st_mtim.tv_nsec,
		.ctime_nsec = (uint32_t)st->st_ctim.tv_nsec,
	};
}

void eseal_dcache_set_store(struct eseal_dcache *c, struct eseal_objstore *st)
{
	struct timespec now;
	struct stat sb;
	unsigned int i;

	clock_gettime(CLOCK_REALTIME, &now);
	for (i = 0; i < N_STAMPS; i++) {
		memset(&c->stamps[i], 0, sizeof(c->stamps[i]));
		c->trusted[i] = false;
		if (eseal_objstore_fanout_stat(st, i, &sb) < 0)
			continue;	/* missing (or not a directory) */
		eseal_dcache_key_of(&c->stamps[i], &sb);
		/* changed too recently: a change in the same tick hides */
		if (racy(&c->stamps[i], now.tv_sec)) {
			memset(&c->stamps[i], 0, sizeof(c->stamps[i]));
			continue;
		}
		c->trusted[i] = c->old_stamps &&
				same_key(&c->old_stamps[i], &c->stamps[i]);
	}
}

bool eseal_dcache_fanout_known(const struct eseal_dcache *c, unsigned int i)
{
	return i < N_STAMPS && c->trusted[i];
}

bool eseal_dcache_object_known(const struct eseal_dcache *c,
			       const struct eseal_digest *d)
{
	return d->size && c->trusted[d->bytes[0]];
}

void eseal_dcache_keep(struct eseal_dcache *c, size_t slot)
{
	if (slot < c->n) {
		c->n_kept += !c->kept[slot];
		c->kept[slot] = 1;
	}
}

int eseal_dcache_add(struct eseal_dcache *c, const struct eseal_dcache_key *k,
		     const struct eseal_digest *d, int64_t read_at_sec)
{
	struct dc_new *e;
	size_t i;

	if (d->alg != c->want.alg || d->size != c->want.digest_size ||
	    racy(k, read_at_sec))
		return 0;
	/* an entry read, as it was: it stays (no copy, no sorting) */
	i = find(c, k);
	if (i < c->n && !memcmp(entry_key(c, i) + 1, d->bytes, d->size)) {
		eseal_dcache_keep(c, i);
		return 0;
	}
	if (c->n_add == c->cap_add) {
		size_t cap = c->cap_add ? 2 * c->cap_add : 1024;

		e = realloc(c->add, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		c->add = e;
		c->cap_add = cap;
	}
	e = &c->add[c->n_add++];
	e->k = *k;
	memcpy(e->d, d->bytes, d->size);
	return 0;
}

static int cmp_new(const void *a, const void *b)
{
	return cmp_id(&((const struct dc_new *)a)->k,
		      &((const struct dc_new *)b)->k);
}

/* Sort the new entries and keep one per (dev, ino): the last added */
static void sort_new(struct eseal_dcache *c)
{
	size_t i, j;

	if (c->n_add > 1)
		qsort(c->add, c->n_add, sizeof(*c->add), cmp_new);
	for (i = j = 0; i < c->n_add; i++) {
		if (j && !cmp_id(&c->add[j - 1].k, &c->add[i].k)) {
			c->add[j - 1] = c->add[i];
			continue;
		}
		c->add[j++] = c->add[i];
	}
	c->n_add = j;
}

/* The lock of the cache's directory, held while the file is replaced */
static bool lock_dir(int dirfd)
{
	int i;

	for (i = 0; i < LOCK_TRIES; i++) {
		if (flock(dirfd, LOCK_EX | LOCK_NB) == 0)
			return true;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return false;
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	return false;
}

static int write_file(struct eseal_dcache *c, struct eseal_error *err)
{
	struct eseal_tmpfile t;
	struct dc_header h = c->want;
	uint8_t *buf, *p;
	size_t i = 0, j = 0, len;
	struct stat st;
	int r;

	len = sizeof(h) + STAMPS_BYTES + (c->n_kept + c->n_add) * c->stride;
	buf = malloc(len);
	if (!buf)
		return eseal_errorf(err, ENOMEM, "out of memory");
	/* the entries kept and the others, both sorted, merged */
	p = buf + sizeof(h) + STAMPS_BYTES;
	h.n = 0;
	while (i < c->n || j < c->n_add) {
		int cmp;

		if (i < c->n && !c->kept[i]) {
			i++;
			continue;
		}
		cmp = i == c->n ? 1 : j == c->n_add ? -1 :
		      cmp_id(entry_key(c, i), &c->add[j].k);
		if (cmp < 0) {
			memcpy(p, entry_key(c, i++), c->stride);
		} else {
			/* the same file read again: the new entry */
			i += !cmp;
			memcpy(p, &c->add[j].k, sizeof(c->add[j].k));
			memcpy(p + sizeof(c->add[j].k), c->add[j].d,
			       c->want.digest_size);
			j++;
		}
		p += c->stride;
		h.n++;
	}
	len = (size_t)(p - buf);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), c->stamps, STAMPS_BYTES);
	h.checksum = checksum(buf, len);
	memcpy(buf, &h, sizeof(h));
	r = eseal_tmpfile_create(&t, c->dirfd, TMP_PREFIX, O_WRONLY, 0644,
				 false);
	if (r) {
		free(buf);
		return eseal_syserrorf(err, -r,
				       "%s: cannot create a temporary file",
				       c->display);
	}
	if (eseal_pwrite_full(t.fd, buf, len, 0) < 0 ||
	    fchmod(t.fd, 0644) < 0) {
		r = eseal_syserrorf(err, errno, "%s: write error", c->display);
		goto out;
	}
	/* replace only a regular file (or nothing) */
	if (fstatat(c->dirfd, c->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode)) {
		r = eseal_errorf(err, EEXIST,
				 "%s: is %s; refusing to replace it with a digest cache",
				 c->display, eseal_file_type_name(st.st_mode));
		goto out;
	}
	r = eseal_tmpfile_replace(&t, c->name, TMP_PREFIX);
	if (r)
		r = eseal_syserrorf(err, -r, "%s: cannot put the new file in place",
				    c->display);
out:
	eseal_tmpfile_discard(&t);
	free(buf);
	return r;
}

int eseal_dcache_save(struct eseal_dcache *c, bool *written,
		      struct eseal_error *err)
{
	int r;

	*written = false;
	sort_new(c);
	if (!c->n_add && c->n_kept == c->n && c->old_stamps &&
	    !memcmp(c->stamps, c->old_stamps, STAMPS_BYTES))
		return 0;		/* every entry and stamp as it was */
	if (!lock_dir(c->dirfd))
		return 0;		/* another run writes it */
	r = write_file(c, err);
	flock(c->dirfd, LOCK_UN);
	*written = !r;
	return r;
}

void eseal_dcache_free(struct eseal_dcache *c)
{
	if (!c)
		return;
	close(c->dirfd);
	free(c->buf);
	free(c->kept);
	free(c->add);
	free(c->name);
	free(c->display);
	free(c);
}
