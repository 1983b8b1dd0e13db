// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The xattr rules of a composefs image: see overlay-xattrs.h.
 */
#include "overlay-xattrs.h"
#include "tree.h"

/* Name prefixes by EROFS_XATTR_INDEX_*: the one table of them */
static const struct {
	const char *prefix;
	uint8_t len;
	bool composefs;			/* composefs stores names with it */
} xattr_prefixes[] = {
	[EROFS_XATTR_INDEX_NONE] = { "", 0, false },
	[EROFS_XATTR_INDEX_USER] = { "user.", 5, true },
	[EROFS_XATTR_INDEX_POSIX_ACL_ACCESS] = { "system.posix_acl_access",
						 23, true },
	[EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT] = { "system.posix_acl_default",
						  24, true },
	[EROFS_XATTR_INDEX_TRUSTED] = { "trusted.", 8, true },
	[EROFS_XATTR_INDEX_LUSTRE] = { "lustre.", 7, false },
	[EROFS_XATTR_INDEX_SECURITY] = { "security.", 9, true },
};

const char *eseal_xattr_prefix(unsigned int index)
{
	if (index >= ARRAY_SIZE(xattr_prefixes))
		return NULL;
	return xattr_prefixes[index].prefix;
}

uint8_t eseal_xattr_index(const char *key, uint8_t *prefix_len)
{
	uint8_t i;

	*prefix_len = 0;
	/* the usual names start with none of these: skip the table */
	if (key[0] != 'u' && key[0] != 's' && key[0] != 't')
		return EROFS_XATTR_INDEX_NONE;
	for (i = 0; i < ARRAY_SIZE(xattr_prefixes); i++) {
		if (!xattr_prefixes[i].composefs ||
		    strncmp(key, xattr_prefixes[i].prefix,
			    xattr_prefixes[i].len))
			continue;
		*prefix_len = xattr_prefixes[i].len;
		return i;
	}
	return EROFS_XATTR_INDEX_NONE;
}

size_t eseal_ovl_escape(const char *key, char *out)
{
	const size_t tlen = sizeof(OVL_XATTR_TRUSTED_PREFIX) - 1;
	const size_t elen = sizeof(OVL_XATTR_ESCAPE_PREFIX) - 1;
	size_t klen = strlen(key);

	memcpy(out, OVL_XATTR_ESCAPE_PREFIX, elen);
	memcpy(out + elen, key + tlen, klen - tlen + 1);
	return klen + OVL_ESCAPE_EXTRA;
}

bool eseal_ovl_unescape(char *key)
{
	const size_t tlen = sizeof(OVL_XATTR_TRUSTED_PREFIX) - 1;
	const size_t elen = sizeof(OVL_XATTR_ESCAPE_PREFIX) - 1;

	if (!eseal_has_prefix(key, OVL_XATTR_ESCAPE_PREFIX))
		return false;
	/* trusted.overlay.overlay.X -> trusted.overlay.X */
	memmove(key + tlen, key + elen, strlen(key) - elen + 1);
	return true;
}

size_t eseal_ovl_metacopy_encode(const struct eseal_digest *d, uint8_t *out)
{
	size_t len;

	if (!d)
		return 0;
	len = OVL_METACOPY_HEADER_SIZE + d->size;
	out[0] = OVL_METACOPY_VERSION;
	out[1] = (uint8_t)len;
	out[2] = 0;
	out[3] = d->alg;
	memcpy(out + OVL_METACOPY_HEADER_SIZE, d->bytes, d->size);
	return len;
}

bool eseal_ovl_metacopy_decode(const uint8_t *value, size_t len,
			       struct eseal_digest *d)
{
	uint8_t alg;

	if (len < OVL_METACOPY_HEADER_SIZE)
		return false;
	memset(d, 0, sizeof(*d));
	alg = value[3];
	if (len == OVL_METACOPY_HEADER_SIZE + 32 && alg != ESEAL_HASH_SHA512) {
		d->alg = ESEAL_HASH_SHA256;
		d->size = 32;
	} else if (len == OVL_METACOPY_HEADER_SIZE + 64 &&
		   alg == ESEAL_HASH_SHA512) {
		d->alg = ESEAL_HASH_SHA512;
		d->size = 64;
	} else {
		return false;
	}
	memcpy(d->bytes, value + OVL_METACOPY_HEADER_SIZE, d->size);
	return true;
}

size_t eseal_ovl_redirect_encode(const char *payload, char *out)
{
	size_t len = strlen(payload);

	out[0] = '/';
	memcpy(out + 1, payload, len + 1);
	return len + 1;
}

bool eseal_ovl_redirect_decode(const uint8_t *value, size_t len,
			       const char **payload, size_t *payload_len)
{
	if (len < 2 || value[0] != '/' ||
	    !eseal_payload_valid((const char *)value + 1, len - 1))
		return false;
	*payload = (const char *)value + 1;
	*payload_len = len - 1;
	return true;
}
