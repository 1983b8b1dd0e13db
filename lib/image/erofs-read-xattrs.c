// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The xattrs of an inode read from an untrusted image: inline entries
 * first, then shared ones (the order composefs reads them in), names
 * rebuilt from their prefix index (short or long prefixes), and, for
 * composefs images, the overlayfs xattrs turned back into the tree's form.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "erofs-read.h"
#include "erofs_fs.h"
#include "overlay-xattrs.h"

#define XATTR_NAME_MAX_LEN 255

/* Build the full name into key (XATTR_NAME_MAX_LEN + 1 bytes); name is
 * in the image and read once. */
static int xattr_name(struct erofs_reader *r, uint8_t index,
		      const uint8_t *name, size_t name_len, char *key)
{
	const uint8_t *infix = NULL;
	size_t plen, ilen = 0;
	const char *prefix;

	if (index & EROFS_XATTR_LONG_PREFIX) {
		const struct erofs_rprefix *p;

		if ((index & EROFS_XATTR_LONG_PREFIX_MASK) >= r->n_prefixes)
			return eseal_errorf(r->err, EINVAL,
					    "xattr uses undefined long prefix %u",
					    index & EROFS_XATTR_LONG_PREFIX_MASK);
		p = &r->prefixes[index & EROFS_XATTR_LONG_PREFIX_MASK];
		index = p->base;
		infix = p->infix;
		ilen = p->len;
	}
	prefix = index & EROFS_XATTR_LONG_PREFIX ? NULL :
						    eseal_xattr_prefix(index);
	if (!prefix)
		return eseal_errorf(r->err, EINVAL,
				    "xattr has unknown name index %u", index);
	plen = strlen(prefix);
	if (plen + ilen + name_len > XATTR_NAME_MAX_LEN)
		return eseal_errorf(r->err, EINVAL, "xattr name too long");
	if (plen + ilen + name_len == 0)
		return eseal_errorf(r->err, EINVAL, "empty xattr name");
	memcpy(key, prefix, plen);
	if (ilen)
		memcpy(key + plen, infix, ilen);
	if (name_len)
		img_copy(key + plen + ilen, name, name_len);
	key[plen + ilen + name_len] = '\0';
	if (strlen(key) != plen + ilen + name_len)
		return eseal_errorf(r->err, EINVAL,
				    "xattr name contains a NUL byte");
	return 0;
}

/*
 * Composefs images: handle an overlayfs xattr.  Returns 1 when the xattr
 * was consumed (or dropped), 0 when it is to be stored under *key (which
 * may have been un-escaped in place).
 */
static int overlay_xattr(struct erofs_reader *r, struct eseal_node *node,
			 char *key, const uint8_t *value, size_t vlen)
{
	int ret;

	if (!strcmp(key, OVL_XATTR_REDIRECT)) {
		char esc[ESEAL_ESC_SIZE(64)];
		const char *payload;
		size_t plen;

		if (!S_ISREG(node->mode))
			return 1;
		/* "/" + a payload: the writer's form, and nothing else */
		if (!eseal_ovl_redirect_decode(value, vlen, &payload, &plen))
			return eseal_errorf(r->err, EINVAL,
					    "invalid overlay redirect '%s' (not a path inside the object store)",
					    eseal_escape_name(esc, sizeof(esc),
							      value, vlen));
		node->payload = eseal_tree_strndup(r->tree, payload, plen);
		if (!node->payload)
			return eseal_errorf(r->err, ENOMEM, "out of memory");
		return 1;
	}
	if (!strcmp(key, OVL_XATTR_METACOPY)) {
		struct eseal_digest d;

		if (!S_ISREG(node->mode) ||
		    !eseal_ovl_metacopy_decode(value, vlen, &d))
			return 1;
		ret = eseal_node_set_digest(r->tree, node, &d, r->err);
		return ret ? ret : 1;
	}
	if (!strcmp(key, OVL_XATTR_ESCAPED_WHITEOUT) && S_ISREG(node->mode)) {
		/* an escaped whiteout: a 0/0 character device again */
		node->mode = S_IFCHR | (node->mode & ~S_IFMT);
		node->rdev = 0;
		node->size = 0;
		node->payload = NULL;
		node->content = NULL;
		node->digest = NULL;
		return 1;
	}
	if (!strcmp(key, OVL_XATTR_ESCAPED_WHITEOUTS) && S_ISDIR(node->mode))
		node->flags |= ESEAL_NODE_OVL_WHITEOUTS; /* erofs-read-links.c */
	if (!strcmp(key, OVL_XATTR_ESCAPED_WHITEOUTS) ||
	    !strcmp(key, OVL_XATTR_USER_WHITEOUT) ||
	    !strcmp(key, OVL_XATTR_USER_WHITEOUTS))
		return 1;
	/* the overlay's own are dropped, escaped ones of the tree kept */
	if (eseal_ovl_is_trusted(key) && !eseal_ovl_unescape(key))
		return 1;
	return 0;
}

/*
 * One xattr entry at entry (room bytes left for it); *used gets its size.
 * The header, name and value are each read once, the value into
 * r->xvalue, and used from there.
 */
static int one_xattr(struct erofs_reader *r, struct eseal_node *node,
		     const uint8_t *entry, size_t room, size_t *used)
{
	char key[XATTR_NAME_MAX_LEN + 1];
	uint8_t hdr[sizeof(struct erofs_xattr_entry)];
	uint8_t name_len, index;
	uint16_t vlen;
	int ret;

	if (room < sizeof(struct erofs_xattr_entry))
		return eseal_errorf(r->err, EINVAL, "truncated xattr");
	img_copy(hdr, entry, sizeof(hdr));
	name_len = hdr[0];
	index = hdr[1];
	vlen = get_le16(hdr + 2);
	if (room - sizeof(struct erofs_xattr_entry) < (size_t)name_len + vlen)
		return eseal_errorf(r->err, EINVAL, "truncated xattr");
	*used = erofs_xattr_entry_size(name_len, vlen);
	ret = xattr_name(r, index, entry + 4, name_len, key);
	if (ret)
		return ret;
	ret = erofs_charge(r, sizeof(struct eseal_xattr) + strlen(key) +
				  vlen + 32);
	if (ret)
		return ret;
	if (!r->xvalue) {
		r->xvalue = malloc(UINT16_MAX + 1);
		if (!r->xvalue)
			return eseal_errorf(r->err, ENOMEM, "out of memory");
	}
	img_copy(r->xvalue, entry + 4 + name_len, vlen);
	r->xvalue[vlen] = '\0';
	if (r->composefs) {
		ret = overlay_xattr(r, node, key, r->xvalue, vlen);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	return eseal_node_set_xattr(r->tree, node, key, r->xvalue, vlen,
				    r->err);
}

int erofs_read_xattrs(struct erofs_reader *r, struct eseal_node *node,
		      const struct erofs_rinode *ii)
{
	const uint8_t *area;
	unsigned int shared, i;
	size_t pos, used;
	int ret;

	if (!ii->xattr_size)
		return 0;
	/* erofs_read_inode() checked that the area is inside the image */
	area = r->buf + ii->off + ii->isize;
	shared = img_u8(area + offsetof(struct erofs_xattr_ibody_header,
					h_shared_count));
	if (sizeof(struct erofs_xattr_ibody_header) + 4u * shared >
	    ii->xattr_size)
		return eseal_errorf(r->err, EINVAL,
				    "inode %llu: too many shared xattrs for its xattr area",
				    (unsigned long long)ii->nid);
	pos = sizeof(struct erofs_xattr_ibody_header) + 4u * shared;
	while (pos + sizeof(struct erofs_xattr_entry) < ii->xattr_size) {
		ret = one_xattr(r, node, area + pos, ii->xattr_size - pos,
				&used);
		if (ret)
			return ret;
		pos += used;
	}
	for (i = 0; i < shared; i++) {
		uint32_t id = img_le32(area +
				       sizeof(struct erofs_xattr_ibody_header) +
				       4u * i);
		uint64_t off = r->xattr_off + (uint64_t)id * 4;

		if (off >= r->len)
			return eseal_errorf(r->err, EINVAL,
					    "inode %llu: shared xattr %u is beyond the end of the image",
					    (unsigned long long)ii->nid, id);
		ret = one_xattr(r, node, r->buf + off, r->len - off, &used);
		if (ret)
			return ret;
	}
	return 0;
}
