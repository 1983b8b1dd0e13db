// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * A set of objects by digest (digest-set.h): linear probing in a table
 * at most half full.
 */
#include <stdlib.h>
#include <string.h>

#include "digest-set.h"

#define MIN_CAP 1024

static size_t slot_of(const struct digest_set *s, const uint8_t *bytes)
{
	uint64_t h;

	memcpy(&h, bytes, sizeof(h));
	return (size_t)h & (s->cap - 1);
}

static struct digest_ent *probe(const struct digest_set *s,
				const uint8_t *bytes, uint8_t len)
{
	size_t i = slot_of(s, bytes);

	for (;; i = (i + 1) & (s->cap - 1)) {
		struct digest_ent *e = &s->v[i];

		if (!e->len || (e->len == len && !memcmp(e->bytes, bytes, len)))
			return e;
	}
}

static int grow(struct digest_set *s)
{
	size_t cap = s->cap ? 2 * s->cap : MIN_CAP, i;
	struct digest_set n = { .cap = cap, .n = s->n };

	n.v = calloc(cap, sizeof(*n.v));
	if (!n.v)
		return -ENOMEM;
	for (i = 0; i < s->cap; i++)
		if (s->v[i].len)
			*probe(&n, s->v[i].bytes, s->v[i].len) = s->v[i];
	free(s->v);
	*s = n;
	return 0;
}

struct digest_ent *digest_set_add(struct digest_set *s,
				  const struct eseal_digest *d, bool *added)
{
	struct digest_ent *e;

	*added = false;
	if (2 * (s->n + 1) > s->cap && grow(s))
		return NULL;
	e = probe(s, d->bytes, d->size);
	if (!e->len) {
		memset(e, 0, sizeof(*e));
		e->len = d->size;
		memcpy(e->bytes, d->bytes, d->size);
		s->n++;
		*added = true;
	}
	return e;
}

struct digest_ent *digest_set_find(const struct digest_set *s,
				   const struct eseal_digest *d)
{
	struct digest_ent *e;

	if (!s->cap)
		return NULL;
	e = probe(s, d->bytes, d->size);
	return e->len ? e : NULL;
}

void digest_set_free(struct digest_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
