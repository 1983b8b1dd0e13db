// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Extended attributes of the image: the overlayfs rules composefs applies
 * to each inode's xattrs, the choice of shared xattrs, and the name filter.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "erofs-writer.h"

static const uint8_t empty_value[1];
static const uint8_t opaque_y[] = "y";
static const uint8_t opaque_x[] = "x";

/* Name prefixes EROFS stores as an index, as composefs picks them */
static const struct {
	const char *prefix;
	uint8_t len;
	uint8_t index;
} xattr_prefixes[] = {
	{ "user.", 5, EROFS_XATTR_INDEX_USER },
	{ "system.posix_acl_access", 23, EROFS_XATTR_INDEX_POSIX_ACL_ACCESS },
	{ "system.posix_acl_default", 24, EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT },
	{ "trusted.", 8, EROFS_XATTR_INDEX_TRUSTED },
	{ "security.", 9, EROFS_XATTR_INDEX_SECURITY },
};

#define OVL_TRUSTED_LEN (sizeof(OVL_XATTR_TRUSTED_PREFIX) - 1)
#define OVL_ESCAPE_EXTRA (sizeof("overlay.") - 1)

void ew_xlist_free(struct ew_xlist *xl)
{
	free(xl->items);
	free(xl->buf);
	memset(xl, 0, sizeof(*xl));
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
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
	xl->items[i] = (struct ew_xattr){ .key = key, .value = value,
					  .value_len = len };
}

static int xattr_key_cmp(const void *a, const void *b)
{
	const struct ew_xattr *xa = a, *xb = b;

	return strcmp(xa->key, xb->key);
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
	size_t need = 0, used = 0;
	uint32_t i, cap;

	for (i = 0; i < node->n_xattrs; i++) {
		const struct eseal_xattr *x = &node->xattrs[i];
		size_t klen = strlen(x->key);

		if (klen == 0 || klen > COMPOSEFS_XATTR_NAME_MAX)
			return ew_errorf(c, node, EINVAL,
					 "invalid xattr name length %zu", klen);
		if (x->value_len > COMPOSEFS_XATTR_VALUE_MAX)
			return ew_errorf(c, node, E2BIG,
					 "xattr %s: value longer than %u bytes",
					 x->key, COMPOSEFS_XATTR_VALUE_MAX);
		if (has_prefix(x->key, OVL_XATTR_TRUSTED_PREFIX))
			need += klen + OVL_ESCAPE_EXTRA + 1;
	}
	if (stub) {
		need += OVL_METACOPY_HEADER_SIZE + ESEAL_DIGEST_MAX;
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

	xl->n = 0;
	for (i = 0; i < node->n_xattrs; i++) {
		const struct eseal_xattr *x = &node->xattrs[i];
		const char *key = x->key;

		if (has_prefix(key, OVL_XATTR_TRUSTED_PREFIX)) {
			char *k = xl->buf + used;

			used += sprintf(k, "%s%s", OVL_XATTR_ESCAPE_PREFIX,
					key + OVL_TRUSTED_LEN) + 1;
			key = k;
		}
		/* escaping is injective: the names stay distinct */
		xl->items[xl->n++] = (struct ew_xattr){
			.key = key, .value = x->value,
			.value_len = x->value_len };
	}

	if (stub) {
		uint8_t *v = (uint8_t *)xl->buf + used;
		uint32_t vlen = 0;

		if (node->digest) {
			vlen = OVL_METACOPY_HEADER_SIZE + node->digest->size;
			v[0] = OVL_METACOPY_VERSION;
			v[1] = vlen;
			v[2] = 0;
			v[3] = node->digest->alg;
			memcpy(v + 4, node->digest->bytes, node->digest->size);
			used += vlen;
		}
		xl_set(xl, OVL_XATTR_METACOPY, vlen ? v : empty_value, vlen);
		if (node->payload && node->payload[0]) {
			char *r = xl->buf + used;
			int len = sprintf(r, "/%s", node->payload);

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

	if (xl->n > 1)
		qsort(xl->items, xl->n, sizeof(*xl->items), xattr_key_cmp);
	for (i = 0; i < xl->n; i++) {
		struct ew_xattr *x = &xl->items[i];
		size_t p;

		x->index = EROFS_XATTR_INDEX_NONE;
		x->prefix_len = 0;
		for (p = 0; p < ARRAY_SIZE(xattr_prefixes); p++) {
			if (strncmp(x->key, xattr_prefixes[p].prefix,
				    xattr_prefixes[p].len) == 0) {
				x->index = xattr_prefixes[p].index;
				x->prefix_len = xattr_prefixes[p].len;
				break;
			}
		}
	}
	return 0;
}

uint32_t ew_xattr_filter(const struct ew_xlist *xl)
{
	uint32_t bits = 0, i;

	for (i = 0; i < xl->n; i++) {
		const struct ew_xattr *x = &xl->items[i];
		const char *name = x->key + x->prefix_len;
		uint32_t h = XXH32(name, strlen(name),
				   EROFS_XATTR_FILTER_SEED + x->index);

		bits |= 1u << (h & (EROFS_XATTR_FILTER_BITS - 1));
	}
	return EROFS_XATTR_FILTER_DEFAULT & ~bits;
}

static uint64_t xattr_hash(const struct ew_xattr *x)
{
	return XXH64(x->value, x->value_len,
		     XXH64(x->key, strlen(x->key), 0));
}

static bool xattr_equal(const struct ew_xattr *a, const struct ew_xattr *b)
{
	return a->value_len == b->value_len &&
	       strcmp(a->key, b->key) == 0 &&
	       memcmp(a->value, b->value, a->value_len) == 0;
}

static int xref_cmp(const void *a, const void *b, void *arg)
{
	const struct ew_xref *xr = arg;
	const struct ew_xref *x = &xr[*(const uint32_t *)a];
	const struct ew_xref *y = &xr[*(const uint32_t *)b];

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
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

static int add_xref(struct ew_ctx *c, size_t *cap, uint32_t ino,
		    uint32_t idx, uint64_t hash)
{
	if (c->n_xrefs == *cap) {
		size_t ncap = *cap ? 2 * *cap : 1024;
		struct ew_xref *x = realloc(c->xrefs, ncap * sizeof(*x));

		if (!x)
			return eseal_errorf(c->err, ENOMEM, "out of memory");
		c->xrefs = x;
		*cap = ncap;
	}
	c->xrefs[c->n_xrefs++] = (struct ew_xref){ hash, ino, idx };
	return 0;
}

static int add_shared(struct ew_ctx *c, size_t *cap, const struct ew_xattr *x)
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
	s->group = c->n_shared++;
	return 0;
}

/*
 * Mark the members perm[a..b) (all with one hash) that equal the first
 * still unmarked one as group g; returns how many there were.  Hash
 * collisions between different xattrs are handled, if slowly.
 */
static int mark_group(struct ew_ctx *c, uint32_t *perm, size_t a, size_t b,
		      uint8_t *done, size_t *count, struct ew_xattr *rep)
{
	size_t i;
	int ret;

	*count = 0;
	for (i = a; i < b; i++) {
		struct ew_xref *x = &c->xrefs[perm[i]];

		if (done[i - a])
			continue;
		if (*count) {
			ret = ew_xattrs_build(c, x->ino, &c->xl2);
			if (ret)
				return ret;
			if (!xattr_equal(rep, &c->xl2.items[x->idx]))
				continue;
		} else {
			ret = ew_xattrs_build(c, x->ino, &c->xl);
			if (ret)
				return ret;
			*rep = c->xl.items[x->idx];
		}
		done[i - a] = 1;
		(*count)++;
	}
	return 0;
}

/*
 * Decide which xattrs are shared (those used by more than one inode), in
 * which order they are stored, and record for every occurrence its shared
 * index (or EW_NOT_SHARED) in c->xrefs.  Also sets c->has_acl.
 */
int ew_xattrs_share(struct ew_ctx *c)
{
	size_t xcap = 0, scap = 0, a, b, i, n_groups = 0;
	uint32_t *perm = NULL, *g2s = NULL;
	uint8_t *done = NULL;
	size_t done_cap = 0;
	uint32_t ino;
	int ret = 0;

	for (ino = 0; ino < c->n_inodes; ino++) {
		ret = ew_xattrs_build(c, ino, &c->xl);
		if (ret)
			return ret;
		for (i = 0; i < c->xl.n; i++) {
			const struct ew_xattr *x = &c->xl.items[i];

			if (strcmp(x->key, "system.posix_acl_access") == 0 ||
			    strcmp(x->key, "system.posix_acl_default") == 0)
				c->has_acl = true;
			ret = add_xref(c, &xcap, ino, i, xattr_hash(x));
			if (ret)
				return ret;
		}
	}
	if (c->n_xrefs > UINT32_MAX)
		return eseal_errorf(c->err, EFBIG, "too many xattrs");
	if (!c->n_xrefs)
		return 0;

	perm = malloc(c->n_xrefs * sizeof(*perm));
	if (!perm)
		return eseal_errorf(c->err, ENOMEM, "out of memory");
	for (i = 0; i < c->n_xrefs; i++)
		perm[i] = i;
	qsort_r(perm, c->n_xrefs, sizeof(*perm), xref_cmp, c->xrefs);

	for (a = 0; a < c->n_xrefs; a = b) {
		uint64_t h = c->xrefs[perm[a]].hash;
		size_t left;

		for (b = a + 1; b < c->n_xrefs && c->xrefs[perm[b]].hash == h;)
			b++;
		if (b - a == 1) {
			c->xrefs[perm[a]].hash = EW_NOT_SHARED;
			continue;
		}
		if (b - a > done_cap) {
			uint8_t *d = realloc(done, b - a);

			if (!d) {
				ret = eseal_errorf(c->err, ENOMEM,
						   "out of memory");
				goto out;
			}
			done = d;
			done_cap = b - a;
		}
		memset(done, 0, b - a);
		/* one group per distinct xattr among equal hashes */
		for (left = b - a; left;) {
			struct ew_xattr rep = { 0 };
			size_t count, j;
			uint64_t g = EW_NOT_SHARED;

			ret = mark_group(c, perm, a, b, done, &count, &rep);
			if (ret)
				goto out;
			left -= count;
			if (count > 1) {
				ret = add_shared(c, &scap, &rep);
				if (ret)
					goto out;
				g = n_groups++;
			}
			/* done[] == 1 marks this round's members */
			for (j = a; j < b; j++) {
				if (done[j - a] == 1) {
					c->xrefs[perm[j]].hash = g;
					done[j - a] = 2;
				}
			}
		}
	}

	if (c->n_shared > 1)
		qsort(c->shared, c->n_shared, sizeof(*c->shared), shared_cmp);
	g2s = malloc((c->n_shared + 1) * sizeof(*g2s));
	if (!g2s) {
		ret = eseal_errorf(c->err, ENOMEM, "out of memory");
		goto out;
	}
	c->shared_size = 0;
	for (i = 0; i < c->n_shared; i++) {
		struct ew_shared *s = &c->shared[i];

		g2s[s->group] = i;
		s->offset = c->shared_size;
		c->shared_size += erofs_xattr_entry_size(
			strlen(s->key) - s->prefix_len, s->value_len);
	}
	for (i = 0; i < c->n_xrefs; i++) {
		if (c->xrefs[i].hash != EW_NOT_SHARED)
			c->xrefs[i].hash = g2s[c->xrefs[i].hash];
	}
out:
	free(g2s);
	free(done);
	free(perm);
	return ret;
}
