/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The xattr rules of a composefs image, each in one place for the writer
 * and the reader (lib/format/overlay-xattrs.c): the EROFS name prefixes
 * (an index stands for a prefix), the escaping of a tree's own
 * trusted.overlay.* xattrs, and the metacopy and redirect values of a
 * stub file, encoded and decoded side by side.  docs/format.md has the
 * rules in words.
 */
#ifndef ESEAL_OVERLAY_XATTRS_H
#define ESEAL_OVERLAY_XATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "composefs.h"
#include "internal.h"

static inline bool eseal_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * The name prefix EROFS_XATTR_INDEX_* index stands for ("" for NONE);
 * NULL for an index EROFS does not define.
 */
const char *eseal_xattr_prefix(unsigned int index);

/*
 * The index under which key is stored, as composefs chooses it (user.,
 * the two POSIX ACL names, trusted., security.; never lustre.), and in
 * *prefix_len the bytes of key it stands for; EROFS_XATTR_INDEX_NONE and
 * 0 when none applies.
 */
uint8_t eseal_xattr_index(const char *key, uint8_t *prefix_len);

/*
 * A tree's trusted.overlay.X xattr is stored escaped, as
 * trusted.overlay.overlay.X, so that overlayfs does not act on it; the
 * escaped name is this much longer.
 */
#define OVL_ESCAPE_EXTRA (sizeof(OVL_XATTR_ESCAPE_PREFIX) - \
			  sizeof(OVL_XATTR_TRUSTED_PREFIX))

/* Is key in the overlay's trusted namespace (to escape or to interpret)? */
static inline bool eseal_ovl_is_trusted(const char *key)
{
	return eseal_has_prefix(key, OVL_XATTR_TRUSTED_PREFIX);
}

/*
 * Write the escaped form of key (an eseal_ovl_is_trusted() name) to out,
 * strlen(key) + OVL_ESCAPE_EXTRA + 1 bytes; returns its length.  Escaping
 * is injective: distinct names stay distinct.
 */
size_t eseal_ovl_escape(const char *key, char *out);

/*
 * Undo the escaping in place: true when key was an escaped name (now the
 * tree's trusted.overlay.X), false when it is not one (key unchanged).
 */
bool eseal_ovl_unescape(char *key);

/*
 * trusted.overlay.metacopy of a stub file: empty without a digest, else
 * overlayfs' struct ovl_metacopy holding it.  Encode writes at most
 * OVL_METACOPY_MAX bytes to out and returns the length (0 for no
 * digest).  Decode accepts the forms composefs reads (a sha256 or sha512
 * digest of the right length) and returns false for anything else.
 */
#define OVL_METACOPY_MAX (OVL_METACOPY_HEADER_SIZE + ESEAL_DIGEST_MAX)
size_t eseal_ovl_metacopy_encode(const struct eseal_digest *d, uint8_t *out);
bool eseal_ovl_metacopy_decode(const uint8_t *value, size_t len,
			       struct eseal_digest *d);

/*
 * trusted.overlay.redirect of a stub file: "/" + its payload (the object's
 * path in the store), no NUL.  Encode writes strlen(payload) + 2 bytes
 * (NUL-terminated) to out and returns the value's length.  Decode checks
 * that the value is that form and the payload a path inside a store
 * (eseal_payload_valid), and points *payload (*len bytes) into value.
 */
size_t eseal_ovl_redirect_encode(const char *payload, char *out);
bool eseal_ovl_redirect_decode(const uint8_t *value, size_t len,
			       const char **payload, size_t *payload_len);

#endif /* ESEAL_OVERLAY_XATTRS_H */
