/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * A set of objects by digest (open addressing; digests are uniformly
 * random, so their first bytes are the hash), with a little room per
 * object for what gc and stats count: the mark of gc, the images that
 * need an object.  Not thread-safe.
 */
#ifndef ESEAL_DIGEST_SET_H
#define ESEAL_DIGEST_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

struct digest_ent {
	uint64_t size;			/* the object's size, as an image says */
	uint32_t users;			/* images that need it */
	uint32_t last_user;		/* the last of them, + 1 */
	bool seen;			/* found in the store */
	uint8_t len;			/* 0: a free slot */
	uint8_t bytes[ESEAL_DIGEST_MAX];
};

struct digest_set {
	struct digest_ent *v;
	size_t n, cap;			/* cap: 0 or a power of two */
};

/*
 * The entry of d, added (zeroed but for the digest; *added says so) when
 * missing.  NULL when out of memory.  Entries move when the set grows:
 * a pointer is valid until the next add.
 */
struct digest_ent *digest_set_add(struct digest_set *s,
				  const struct eseal_digest *d, bool *added);
/* The entry of d, or NULL */
struct digest_ent *digest_set_find(const struct digest_set *s,
				   const struct eseal_digest *d);
void digest_set_free(struct digest_set *s);

#endif /* ESEAL_DIGEST_SET_H */
