// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Extended attributes of the image: the overlayfs rules composefs applies
 * to each inode's xattrs, the choice of shared xattrs, and the name filter.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "erofs-write.h"
#include "overlay-xattrs.h"

static const uint8_t empty_value[1];
static const uint8_t opaque_y[] = "y";
static const uint8_t opaque_x[] = "x";

void ew_xlist_free(struct ew_xlist *xl)
{
	free(xl->items);
	free(xl->buf);
	memset(xl, 0, sizeof(*xl));
}

/* Add or replace, as composefs' lcfs_node_set_xattr() does. */
static void xl_set(struct ew_xlist *xl, const char *key, const uint8_t *value,
		   uint32_t len)
{
	uint32_t i;

	for (i = 0; i < xl->n; i++) {
		if (strcmp(xl->items[i].key, key) == 0)
			break;
	}
	if (i == xl->n)
		xl->n++;
	xl->items[i] = (struct ew_xattr){ .key = key, .key_len = strlen(key),
					  .value = value, .value_len = len };
}

static int xattr_key_cmp(const void *a, const void *b)
{
	const struct ew_xattr *xa = a, *xb = b;

	return strcmp(xa->key, xb->key);
}

/*
 * Check the node's xattrs against composefs' limits and make room in xl
 * for them and what the overlay rules add (escaped names, metacopy and
 * redirect values).
 */
static int xl_reserve(struct ew_ctx *c, const struct eseal_node *node,
		      bool stub, struct ew_xlist *xl)
{
	size_t need = 0;
	uint32_t i, cap;

	for (i = 0; i < node->n_xattrs; i++) {
		const struct eseal_xattr *x = &node->xattrs[i];
		size_t klen = strlen(x->key);

		if (klen == 0 || klen > COMPOSEFS_XATTR_NAME_MAX)
			return ew_errorf(c, node, EINVAL,
					 "invalid xattr name length %zu", klen);
		if (x->value_len > COMPOSEFS_XATTR_VALUE_MAX) {
			char esc[ESEAL_ESC_SIZE(64)];

			return ew_errorf(c, node, E2BIG,
					 "xattr %s: value longer than %u bytes",
					 eseal_escape_str(esc, sizeof(esc), x->key),
					 COMPOSEFS_XATTR_VALUE_MAX);
		}
		if (eseal_ovl_is_trusted(x->key))
			need += klen + OVL_ESCAPE_EXTRA + 1;
	}
	if (stub) {
		need += OVL_METACOPY_MAX;
		if (node->payload)
			need += strlen(node->payload) + 2;
	}
	if (node->n_xattrs > UINT16_MAX)
		return ew_errorf(c, node, E2BIG, "too many xattrs");
	cap = node->n_xattrs + 8;
	if (cap > xl->cap) {
		struct ew_xattr *items = realloc(xl->items,
						 cap * sizeof(*items));

		if (!items)
			return eseal_errorf(c->err, ENOMEM, "out of memory");
		xl->items = items;
		xl->cap = cap;
	}
	if (need > xl->buf_cap) {
		char *buf = realloc(xl->buf, need);

		if (!buf)
			return eseal_errorf(c->err, ENOMEM, "out of memory");
		xl->buf = buf;
		xl->buf_cap = need;
	}
	return 0;
}

/*
 * The xattrs of inode ino as written: the tree's, with trusted.overlay.X
 * escaped as trusted.overlay.overlay.X, plus the metacopy and redirect of
 * stubs, the markers of escaped whiteouts and their directories, and the
 * root's opaque flag; sorted by name.
 */
int ew_xattrs_build(struct ew_ctx *c, uint32_t ino, struct ew_xlist *xl)
{
	const struct ew_inode *in = &c->inodes[ino];
	const struct eseal_node *node = in->node;
	bool stub = ew_is_stub(c, node);
	size_t used = 0;
	uint32_t i;
	int ret;

	ret = xl_reserve(c, node, stub, xl);
	if (ret)
		return ret;
	xl->n = 0;
	for (i = 0; i < node->n_xattrs; i++) {
		const struct eseal_xattr *x = &node->xattrs[i];
		const char *key = x->key;
		size_t klen = strlen(key);

		if (eseal_ovl_is_trusted(key)) {
			char *k = xl->buf + used;

			klen = eseal_ovl_escape(key, k);
			used += klen + 1;
			key = k;
		}
		/* escaping is injective: the names stay distinct */
		xl->items[xl->n++] = (struct ew_xattr){
			.key = key, .key_len = klen, .value = x->value,
			.value_len = x->value_len };
	}

	if (stub) {
		uint8_t *v = (uint8_t *)xl->buf + used;
		uint32_t vlen = eseal_ovl_metacopy_encode(node->digest, v);

		used += vlen;
		xl_set(xl, OVL_XATTR_METACOPY, vlen ? v : empty_value, vlen);
		if (node->payload && node->payload[0]) {
			char *r = xl->buf + used;
			size_t len;

			len = eseal_ovl_redirect_encode(node->payload, r);
			used += len + 1;
			xl_set(xl, OVL_XATTR_REDIRECT, (const uint8_t *)r, len);
		}
	}
	if (ew_is_whiteout(c, node)) {
		xl_set(xl, OVL_XATTR_ESCAPED_WHITEOUT, empty_value, 0);
		xl_set(xl, OVL_XATTR_USER_WHITEOUT, empty_value, 0);
	}
	if (in->flags & EW_WHITEOUTS) {
		xl_set(xl, OVL_XATTR_ESCAPED_WHITEOUTS, empty_value, 0);
		xl_set(xl, OVL_XATTR_USER_WHITEOUTS, empty_value, 0);
		if (c->version >= 1) {
			xl_set(xl, OVL_XATTR_ESCAPED_OPAQUE, opaque_x, 1);
			xl_set(xl, OVL_XATTR_USER_OPAQUE, opaque_x, 1);
		}
	}
	if (ino == 0)
		xl_set(xl, OVL_XATTR_OPAQUE, opaque_y, 1);

	if (xl->n > 8) {
		qsort(xl->items, xl->n, sizeof(*xl->items), xattr_key_cmp);
	} else {
		/* the usual handful: insertion sort */
		for (i = 1; i < xl->n; i++) {
			struct ew_xattr t = xl->items[i];
			uint32_t j = i;

			for (; j && strcmp(xl->items[j - 1].key, t.key) > 0; j--)
				xl->items[j] = xl->items[j - 1];
			xl->items[j] = t;
		}
	}
	for (i = 0; i < xl->n; i++) {
		struct ew_xattr *x = &xl->items[i];

		x->index = eseal_xattr_index(x->key, &x->prefix_len);
	}
	return 0;
}

uint32_t ew_xattr_filter(const struct ew_xlist *xl)
{
	uint32_t bits = 0, i;

	for (i = 0; i < xl->n; i++) {
		const struct ew_xattr *x = &xl->items[i];
		uint32_t h = XXH32(x->key + x->prefix_len,
				   x->key_len - x->prefix_len,
				   EROFS_XATTR_FILTER_SEED + x->index);

		bits |= 1u << (h & (EROFS_XATTR_FILTER_BITS - 1));
	}
	return EROFS_XATTR_FILTER_DEFAULT & ~bits;
}

static uint64_t xattr_hash(const struct ew_xattr *x)
{
	return XXH64(x->value, x->value_len, XXH64(x->key, x->key_len, 0));
}

static bool xattr_equal(const struct ew_xattr *a, const struct ew_xattr *b)
{
	return a->value_len == b->value_len && a->key_len == b->key_len &&
	       memcmp(a->key, b->key, a->key_len) == 0 &&
	       memcmp(a->value, b->value, a->value_len) == 0;
}

/* composefs' canonical order of shared xattrs: all descending */
static int shared_cmp(const void *a, const void *b)
{
	const struct ew_shared *x = a, *y = b;
	int r = strcmp(y->key, x->key);

	if (r)
		return r;
	if (x->value_len != y->value_len)
		return x->value_len < y->value_len ? 1 : -1;
	return memcmp(y->value, x->value, x->value_len);
}

static int add_shared(struct ew_ctx *c, size_t *cap, const struct ew_xattr *x,
		      uint32_t rep)
{
	struct ew_shared *s;

	if (c->n_shared == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;

		s = realloc(c->shared, ncap * sizeof(*s));
		if (!s)
			return eseal_errorf(c->err, ENOMEM, "out of memory");
		c->shared = s;
		*cap = ncap;
	}
	s = &c->shared[c->n_shared];
	s->key = strdup(x->key);
	s->value = malloc(x->value_len + 1);
	if (!s->key || !s->value) {
		free(s->key);
		free(s->value);
		return eseal_errorf(c->err, ENOMEM, "out of memory");
	}
	memcpy(s->value, x->value, x->value_len);
	s->value_len = x->value_len;
	s->index = x->index;
	s->prefix_len = x->prefix_len;
	s->rep = rep;
	c->n_shared++;
	return 0;
}

/*
 * The xattr lists of the few inodes holding the first occurrences looked
 * at most recently: a tree has only a handful of often repeated xattrs
 * (security contexts, empty metacopy values), so this avoids rebuilding.
 */
#define REP_CACHE 8

struct rep_cache {
	struct ew_xlist xl[REP_CACHE];
	uint32_t first[REP_CACHE];	/* first xref of the inode cached */
	uint32_t ino[REP_CACHE];	/* UINT32_MAX: empty */
	uint32_t used[REP_CACHE];	/* for LRU */
	uint32_t clock;
};

static void rep_cache_free(struct rep_cache *rc)
{
	int k;

	for (k = 0; k < REP_CACHE; k++)
		ew_xlist_free(&rc->xl[k]);
}

/* The xattr of occurrence i; starts[0..n_starts) are known. */
static int rep_xattr(struct ew_ctx *c, struct rep_cache *rc,
		     const uint32_t *starts, uint32_t n_starts, uint32_t i,
		     const struct ew_xattr **out)
{
	uint32_t lo = 0, hi = n_starts;
	int k, victim = 0, ret;

	for (k = 0; k < REP_CACHE; k++) {
		if (rc->ino[k] != UINT32_MAX && i >= rc->first[k] &&
		    i < rc->first[k] + rc->xl[k].n) {
			rc->used[k] = ++rc->clock;
			*out = &rc->xl[k].items[i - rc->first[k]];
			return 0;
		}
		if (rc->used[k] < rc->used[victim])
			victim = k;
	}
	/* the last inode whose first occurrence is <= i */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (starts[mid] <= i)
			lo = mid;
		else
			hi = mid;
	}
	ret = ew_xattrs_build(c, lo, &rc->xl[victim]);
	if (ret)
		return ret;
	rc->ino[victim] = lo;
	rc->first[victim] = starts[lo];
	rc->used[victim] = ++rc->clock;
	*out = &rc->xl[victim].items[i - starts[lo]];
	return 0;
}

static int grow_table(struct ew_ctx *c)
{
	size_t size = c->table_size ? 2 * c->table_size : 4096, i;
	uint64_t *t = calloc(size, sizeof(*t));

	if (!t)
		return eseal_errorf(c->err, ENOMEM, "out of memory");
	for (i = 0; i < c->table_size; i++) {
		uint64_t v = c->xref_table[i];
		size_t slot;

		if (!v)
			continue;
		slot = (v >> 32) & (size - 1);
		while (t[slot])
			slot = (slot + 1) & (size - 1);
		t[slot] = v;
	}
	free(c->xref_table);
	c->xref_table = t;
	c->table_size = size;
	return 0;
}

/*
 * Record occurrence i (xattr x): find the first equal occurrence through
 * the hash table (comparing contents, so hash collisions do no harm) and
 * count it, or make i the first of its kind.
 */
static int add_occurrence(struct ew_ctx *c, struct rep_cache *rc,
			  const uint32_t *starts, uint32_t n_starts,
			  const struct ew_xattr *x, uint32_t i)
{
	struct ew_xref *xr = &c->xrefs[i];
	uint32_t h = (uint32_t)xattr_hash(x);
	size_t slot;
	int ret;

	xr->info = ew_xattr_entry_size(x);
	for (slot = h & (c->table_size - 1); c->xref_table[slot];
	     slot = (slot + 1) & (c->table_size - 1)) {
		uint64_t v = c->xref_table[slot];
		uint32_t r = (uint32_t)v - 1;
		const struct ew_xattr *rx;

		/* the hash is kept beside the index: one miss, not two */
		if ((uint32_t)(v >> 32) != h)
			continue;
		ret = rep_xattr(c, rc, starts, n_starts, r, &rx);
		if (ret)
			return ret;
		if (xattr_equal(rx, x)) {
			xr->rep = r;
			c->xrefs[r].info |= EW_REPEATED;
			return 0;
		}
	}
	/* a new one: keep the table at most 3/4 full */
	if (4 * (c->n_reps + 1) > 3 * c->table_size) {
		ret = grow_table(c);
		if (ret)
			return ret;
		for (slot = h & (c->table_size - 1); c->xref_table[slot];)
			slot = (slot + 1) & (c->table_size - 1);
	}
	c->xref_table[slot] = (uint64_t)h << 32 | (i + 1);
	c->n_reps++;
	xr->rep = i;
	return 0;
}

/*
 * Decide which xattrs are shared (those used more than once), in which
 * order they are stored, and record for every occurrence its shared index
 * (or EW_NOT_SHARED) in c->xrefs.  Also sets c->has_acl.
 */
int ew_xattrs_share(struct ew_ctx *c)
{
	struct rep_cache rc = { 0 };
	size_t xcap = 0, scap = 0, i;
	uint32_t *starts, ino;
	int ret = 0;

	memset(rc.ino, 0xff, sizeof(rc.ino));
	ret = grow_table(c);
	if (ret)
		return ret;
	starts = malloc(((size_t)c->n_inodes + 1) * sizeof(*starts));
	if (!starts)
		return eseal_errorf(c->err, ENOMEM, "out of memory");
	for (ino = 0; ino < c->n_inodes; ino++) {
		ret = ew_xattrs_build(c, ino, &c->xl);
		if (ret)
			goto out;
		c->inodes[ino].n_xattrs = c->xl.n;
		starts[ino] = c->n_xrefs;
		if (c->n_xrefs + c->xl.n >= UINT32_MAX) {
			ret = eseal_errorf(c->err, EFBIG, "too many xattrs");
			goto out;
		}
		if (c->n_xrefs + c->xl.n > xcap) {
			size_t ncap = MAX(2 * xcap, c->n_xrefs + c->xl.n + 1024);
			struct ew_xref *x = realloc(c->xrefs, ncap * sizeof(*x));

			if (!x) {
				ret = eseal_errorf(c->err, ENOMEM,
						   "out of memory");
				goto out;
			}
			c->xrefs = x;
			xcap = ncap;
		}
		for (i = 0; i < c->xl.n; i++) {
			const struct ew_xattr *x = &c->xl.items[i];

			if (x->index == EROFS_XATTR_INDEX_POSIX_ACL_ACCESS ||
			    x->index == EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT) {
				if (x->key_len == x->prefix_len)
					c->has_acl = true;
			}
			ret = add_occurrence(c, &rc, starts, ino + 1, x,
					     c->n_xrefs);
			if (ret)
				goto out;
			c->n_xrefs++;
		}
	}

	/* the shared ones, in composefs' order */
	for (i = 0; i < c->n_xrefs; i++) {
		const struct ew_xattr *x;

		if (c->xrefs[i].rep != i || !(c->xrefs[i].info & EW_REPEATED))
			continue;
		ret = rep_xattr(c, &rc, starts, c->n_inodes, i, &x);
		if (!ret)
			ret = add_shared(c, &scap, x, i);
		if (ret)
			goto out;
	}
	if (c->n_shared > 1)
		qsort(c->shared, c->n_shared, sizeof(*c->shared), shared_cmp);
	for (i = 0; i < c->n_xrefs; i++) {
		if (c->xrefs[i].rep == i)
			c->xrefs[i].info = EW_UNSHARED |
					   (c->xrefs[i].info & ~EW_REPEATED);
	}
	c->shared_size = 0;
	for (i = 0; i < c->n_shared; i++) {
		struct ew_shared *s = &c->shared[i];

		c->xrefs[s->rep].info = i;
		s->offset = c->shared_size;
		c->shared_size += erofs_xattr_entry_size(
			strlen(s->key) - s->prefix_len, s->value_len);
	}
out:
	free(c->xref_table);
	c->xref_table = NULL;
	c->table_size = 0;
	free(starts);
	rep_cache_free(&rc);
	return ret;
}
