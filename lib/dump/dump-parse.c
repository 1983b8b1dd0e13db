// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Reader of the composefs dump format (composefs-dump(5)): one entry per
 * line, eleven space separated fields (PATH SIZE MODE NLINK UID GID RDEV
 * MTIME PAYLOAD CONTENT DIGEST) then KEY=VALUE xattrs, all escaped.
 *
 * It accepts what mkcomposefs 1.0.8 --from-file accepts, with its strict
 * mode (CFS_PARSE_STRICT) as our default and its default mode as
 * ESEAL_DUMP_LENIENT, and leaves in the tree exactly what the image writer
 * needs to write the image mkcomposefs writes.  Where mkcomposefs would
 * silently accept garbage (unparsable numbers in some fields, truncation at
 * an escaped NUL, a malformed digest) we refuse it; docs/format.md lists
 * these cases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "composefs.h"
#include "dump.h"

enum {
	F_PATH,
	F_SIZE,
	F_MODE,
	F_NLINK,
	F_UID,
	F_GID,
	F_RDEV,
	F_MTIME,
	F_PAYLOAD,
	F_CONTENT,
	F_DIGEST,
	F_NFIELDS
};

static const char *const field_names[F_NFIELDS] = {
	"PATH", "SIZE", "MODE", "NLINK", "UID", "GID",
	"RDEV", "MTIME", "PAYLOAD", "CONTENT", "DIGEST",
};

/* The whole line after the fixed fields is capped, as in mkcomposefs. */
#define XATTR_LINE_MAX 65535u
/* Bookkeeping of mkcomposefs for its per-inode xattr budget */
#define XATTR_BUDGET_HEADER 12u
#define XATTR_BUDGET_ENTRY 7u

/*
 * Find the node at path (components separated by one or more '/'); NULL
 * when missing.  With parent_of, find the parent of the last component
 * instead and return that component in *last.
 */
static struct eseal_node *lookup(struct eseal_node *root, const char *path,
				 bool parent_of, const char **last,
				 size_t *last_len, const char **why)
{
	struct eseal_node *node = root;
	const char *p = path;

	*why = NULL;
	for (;;) {
		const char *start, *end;
		size_t len;

		while (*p == '/')
			p++;
		start = p;
		end = strchrnul(p, '/');
		len = end - start;
		if (parent_of && *end == '\0') {
			*last = start;
			*last_len = len;
			return node;
		}
		if (len == 0)
			return node;
		if ((len == 1 && start[0] == '.') ||
		    (len == 2 && start[0] == '.' && start[1] == '.')) {
			*why = "invalid . or .. in path";
			return NULL;
		}
		if (!S_ISDIR(node->mode) || node->link_to) {
			*why = "parent is not a directory";
			return NULL;
		}
		node = eseal_node_find_child(node, start, len);
		if (!node)
			return NULL;
		p = end;
	}
}

/* Account an xattr as mkcomposefs does, against its per-inode budget. */
static int xattr_budget(struct parser *ps, struct eseal_node *node,
			const char *key, size_t klen, size_t vlen,
			size_t *budget)
{
	const struct eseal_xattr *old = eseal_node_get_xattr(node, key);
	size_t size = *budget;
	size_t entry = XATTR_BUDGET_ENTRY + klen + vlen;

	if (old) {
		if (node->n_xattrs > 1)
			size -= XATTR_BUDGET_ENTRY + klen + old->value_len;
		else
			size = 0;
	}
	if (node->n_xattrs == 0 || (old && node->n_xattrs == 1))
		entry += XATTR_BUDGET_HEADER;
	if (size + entry > COMPOSEFS_XATTR_EXTERNAL_MAX)
		return perr(ps, "xattrs of this file exceed %u bytes",
			    COMPOSEFS_XATTR_EXTERNAL_MAX);
	*budget = size + entry;
	return 0;
}

static int parse_xattr(struct parser *ps, struct eseal_node *node,
		       struct field x, size_t *budget)
{
	struct field kf, rest = x;
	char *key;
	size_t klen, vlen;
	int ret;

	if (!dump_split(&rest, '=', &kf))
		return perr(ps, "missing = in xattr '%.*s'",
			    (int)MIN(x.len, 64u), x.p);
	ret = dump_unescape_str(ps, kf, "xattr name", &klen);
	if (ret)
		return ret;
	if (klen == 0)
		return perr(ps, "empty xattr name");
	if (klen > COMPOSEFS_XATTR_NAME_MAX)
		return perr(ps, "xattr name longer than %u bytes",
			    COMPOSEFS_XATTR_NAME_MAX);
	key = dump_keep(ps, &ps->key, &ps->key_cap, klen);
	if (!key)
		return oom(ps);
	ret = dump_unescape(ps, rest, "xattr value", &vlen);
	if (ret)
		return ret;
	if (vlen > COMPOSEFS_XATTR_VALUE_MAX)
		return perr(ps, "xattr %s: value longer than %u bytes", esc(ps, key),
			    COMPOSEFS_XATTR_VALUE_MAX);
	ret = xattr_budget(ps, node, key, klen, vlen, budget);
	if (ret)
		return ret;
	ret = eseal_node_set_xattr(ps->tree, node, key, ps->buf, vlen, ps->err);
	if (ret)
		return eseal_error_prefix(ps->err, "%s:%lu", ps->name,
					  ps->line);
	return 0;
}

/* Insert node at path; the root when path is "/". */
static int add_node(struct parser *ps, const char *path,
		    struct eseal_node *node)
{
	struct eseal_node *parent;
	const char *name, *why;
	size_t len;
	int ret;

	if (strcmp(path, "/") == 0) {
		if (!S_ISDIR(node->mode))
			return perr(ps, "the root must be a directory");
		if (ps->tree->root)
			return perr(ps, "duplicate root /");
		ret = eseal_tree_set_root(ps->tree, node, ps->err);
		return ret ? eseal_error_prefix(ps->err, "%s:%lu", ps->name,
						ps->line) : 0;
	}
	if (!ps->tree->root)
		return perr(ps, "the first entry must be the root /");
	if (ps->strict && path[0] != '/')
		return strict_err(ps, "a path starts with /",
				  "path is not absolute: %s", esc(ps, path));
	parent = lookup(ps->tree->root, path, true, &name, &len, &why);
	if (!parent)
		return perr(ps, "%s: %s", why ? why : "parent directory missing",
			    esc(ps, path));
	if (len == 0)
		return perr(ps, "empty file name in path: %s", esc(ps, path));
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return perr(ps, "invalid . or .. in path: %s", esc(ps, path));
	if (len > COMPOSEFS_NAME_MAX)
		return perr(ps, "file name longer than %u bytes: %s",
			    COMPOSEFS_NAME_MAX, esc(ps, path));
	if (!S_ISDIR(parent->mode) || parent->link_to)
		return perr(ps, "parent is not a directory: %s", esc(ps, path));
	if (eseal_node_find_child(parent, name, len))
		return perr(ps, "duplicate path %s", esc(ps, path));
	ret = eseal_node_add_child(ps->tree, parent, node, name, len, ps->err);
	if (ret)
		return eseal_error_prefix(ps->err, "%s:%lu", ps->name,
					  ps->line);
	return 0;
}

static int add_link_fixup(struct parser *ps, struct eseal_node *node,
			  char *target)
{
	if (ps->n_links == ps->cap_links) {
		size_t cap = ps->cap_links ? 2 * ps->cap_links : 64;
		struct link_fixup *l = realloc(ps->links, cap * sizeof(*l));

		if (!l)
			return oom(ps);
		ps->links = l;
		ps->cap_links = cap;
	}
	ps->links[ps->n_links++] = (struct link_fixup){ node, target,
							ps->line };
	return 0;
}

/* The non-hardlink fields: everything from SIZE to DIGEST. */
static int parse_attrs(struct parser *ps, struct eseal_node *node,
		       struct field *f)
{
	uint32_t type = node->mode & S_IFMT;
	uint64_t size, nlink, uid, gid, rdev;
	size_t plen = 0, clen = 0;
	char *payload = NULL;
	int ret;

	if ((ret = dump_parse_uint(ps, f[F_SIZE], 10, UINT64_MAX, "SIZE", &size)) ||
	    (ret = dump_parse_uint(ps, f[F_NLINK], 10, UINT32_MAX, "NLINK",
			      &nlink)) ||
	    (ret = dump_parse_uint(ps, f[F_UID], 10, UINT32_MAX, "UID", &uid)) ||
	    (ret = dump_parse_uint(ps, f[F_GID], 10, UINT32_MAX, "GID", &gid)) ||
	    (ret = dump_parse_uint(ps, f[F_RDEV], 10, UINT32_MAX, "RDEV", &rdev)) ||
	    (ret = dump_parse_mtime(ps, f[F_MTIME], &node->mtime_sec,
			       &node->mtime_nsec)))
		return ret;
	node->nlink = nlink;
	node->uid = uid;
	node->gid = gid;
	if (type == S_IFCHR || type == S_IFBLK)
		node->rdev = rdev;
	else if (ps->strict && rdev != 0)
		return strict_err(ps, "RDEV is 0 except on a device",
				  "non-zero RDEV on a non-device");

	if (!dump_is_dash(f[F_PAYLOAD])) {
		ret = dump_unescape_str(ps, f[F_PAYLOAD], "PAYLOAD", &plen);
		if (ret)
			return ret;
		if (plen >= COMPOSEFS_PATH_MAX)
			return perr(ps, "PAYLOAD longer than %u bytes",
				    COMPOSEFS_PATH_MAX - 1);
		if (type == S_IFREG && plen &&
		    !eseal_payload_valid(ps->buf, plen))
			return perr(ps, "PAYLOAD '%s': not a path inside the object store (empty, . or .. component)",
				    esc(ps, ps->buf));
		/* an empty one (lenient short lines) is none, as for the writer */
		if (plen || type != S_IFREG) {
			payload = eseal_tree_strndup(ps->tree, ps->buf, plen);
			if (!payload)
				return oom(ps);
		}
	}
	node->size = size;
	if (!dump_is_dash(f[F_CONTENT])) {
		ret = dump_unescape(ps, f[F_CONTENT], "CONTENT", &clen);
		if (ret)
			return ret;
		if (clen != size)
			return perr(ps, "CONTENT has %zu bytes but SIZE is %llu",
				    clen, (unsigned long long)size);
		if (type == S_IFLNK && ps->strict && clen)
			return strict_err(ps, "a symlink has no CONTENT",
					  "a symlink with CONTENT");
		if (type != S_IFLNK && clen > COMPOSEFS_INLINE_CONTENT_MAX)
			return perr(ps, "CONTENT of %zu bytes exceeds the maximum of %u",
				    clen, COMPOSEFS_INLINE_CONTENT_MAX);
		/* only regular files use inline content */
		if (type == S_IFREG && clen &&
		    eseal_node_set_content(ps->tree, node, ps->buf, clen,
					   ps->err))
			return oom(ps);
	}

	if (type == S_IFLNK) {
		if (!payload || !plen)
			return perr(ps, "a symlink needs a non-empty target");
		if (ps->strict && size != plen)
			return strict_err(ps, "a symlink's SIZE is the length of its target",
					  "symlink SIZE %llu does not match its target length %zu",
					  (unsigned long long)size, plen);
		node->size = plen;
	} else if (type == S_IFREG && size && !node->content &&
		   size > ((uint64_t)COMPOSEFS_MAX_CHUNKS
			   << (EROFS_BLKSIZ_BITS +
			       EROFS_CHUNK_FORMAT_BLKBITS_MASK))) {
		return perr(ps, "file too large: %llu bytes",
			    (unsigned long long)size);
	}
	node->payload = payload;

	/* lenient: an empty DIGEST (short line) means none */
	if (!dump_is_dash(f[F_DIGEST]) && (ps->strict || f[F_DIGEST].len)) {
		struct eseal_digest d;

		ret = dump_unescape_str(ps, f[F_DIGEST], "DIGEST", &clen);
		if (ret)
			return ret;
		ret = dump_parse_digest(ps, ps->buf, clen, &d);
		if (ret)
			return ret;
		if (eseal_node_set_digest(ps->tree, node, &d, ps->err))
			return oom(ps);
	}
	return 0;
}

static int parse_line(struct parser *ps, const char *line, size_t len)
{
	struct field f[F_NFIELDS], rest = { line, len };
	struct eseal_node *node;
	bool hardlink = false;
	size_t plen, budget = 0;
	uint64_t mode;
	char *path;
	int i, ret;

	if (memchr(line, '\0', len))
		return perr(ps, "embedded NUL character at position %zu",
			    (size_t)((const char *)memchr(line, '\0', len) - line));
	for (i = 0; i < F_NFIELDS; i++) {
		bool more = dump_split(&rest, ' ', &f[i]);

		if (i == F_MODE && f[i].len && f[i].p[0] == '@')
			hardlink = true;
		if (more || i == F_NFIELDS - 1)
			continue;
		/*
		 * A short line: strict mode wants all fields (a hardlink
		 * needs them up to its PAYLOAD); lenient mode, like
		 * mkcomposefs, takes the missing ones as empty.
		 */
		if (ps->strict && (i < F_PAYLOAD || !hardlink))
			return strict_err(ps, "a line has all 11 fields (a hardlink's up to PAYLOAD)",
					  "missing field %s",
					  field_names[i + 1]);
		for (i++; i < F_NFIELDS; i++)
			f[i] = (struct field){ ps->strict ? "-" : "", ps->strict };
		break;
	}

	ret = dump_unescape_str(ps, f[F_PATH], "PATH", &plen);
	if (ret)
		return ret;
	if (plen == 0)
		return perr(ps, "empty path");
	path = dump_keep(ps, &ps->path, &ps->path_cap, plen);
	if (!path)
		return oom(ps);

	if (hardlink) {
		f[F_MODE].p++;
		f[F_MODE].len--;
	}
	ret = dump_parse_uint(ps, f[F_MODE], 8, UINT64_MAX, "MODE", &mode);
	if (ret)
		return ret;
	if (ps->strict && mode > 0177777)
		return strict_err(ps, "MODE has no bits above 0177777",
				  "invalid mode %llo",
				  (unsigned long long)mode);
	/* the image stores 16 bits; mkcomposefs drops the rest too */
	mode &= 0177777;
	if (!eseal_mode_type_valid(mode))
		return perr(ps, "invalid mode %llo (no valid file type)",
			    (unsigned long long)mode);

	node = eseal_node_new(ps->tree, mode);
	if (!node)
		return oom(ps);
	ret = add_node(ps, path, node);
	if (ret)
		return ret;

	if (hardlink) {
		size_t tlen;
		char *target;

		if (S_ISDIR(mode))
			return perr(ps, "directories cannot be hardlinked: %s",
				    esc(ps, path));
		if (dump_is_dash(f[F_PAYLOAD]))
			return perr(ps, "hardlink %s has no target", esc(ps, path));
		ret = dump_unescape_str(ps, f[F_PAYLOAD], "PAYLOAD", &tlen);
		if (ret)
			return ret;
		target = strdup(ps->buf);
		if (!target)
			return oom(ps);
		ret = add_link_fixup(ps, node, target);
		if (ret)
			free(target);
		return ret;
	}

	ret = parse_attrs(ps, node, f);
	if (ret)
		return ret;

	if (rest.len > XATTR_LINE_MAX)
		return perr(ps, "too many xattrs");
	while (rest.len > 0) {
		struct field x;

		dump_split(&rest, ' ', &x);
		ret = parse_xattr(ps, node, x, &budget);
		if (ret)
			return ret;
	}
	return 0;
}

/* Point every hardlink at its final target, refusing cycles and dirs. */
static int resolve_links(struct parser *ps)
{
	size_t i;

	for (i = 0; i < ps->n_links; i++) {
		struct link_fixup *l = &ps->links[i];
		struct eseal_node *t;
		const char *why;

		ps->line = l->line;
		t = lookup(ps->tree->root, l->target, false, NULL, NULL, &why);
		if (!t)
			return perr(ps, "no target %s for hardlink", esc(ps, l->target));
		if (t == l->node)
			return perr(ps, "self-referential hardlink %s",
				    esc(ps, l->target));
		l->node->link_to = t;
	}
	for (i = 0; i < ps->n_links; i++) {
		struct link_fixup *l = &ps->links[i];
		struct eseal_node *t = l->node->link_to, *n;
		size_t steps = 0;

		while (t->link_to) {
			t = t->link_to;
			if (t == l->node || ++steps > ps->n_links) {
				ps->line = l->line;
				return perr(ps, "hardlink cycle at %s",
					    esc(ps, l->target));
			}
		}
		if (S_ISDIR(t->mode)) {
			ps->line = l->line;
			return perr(ps, "hardlink to a directory: %s",
				    esc(ps, l->target));
		}
		/* flatten the chain */
		for (n = l->node; n->link_to != t;) {
			struct eseal_node *next = n->link_to;

			n->link_to = t;
			n = next;
		}
		l->node->mode = t->mode;
	}
	return 0;
}

int eseal_tree_from_dump(FILE *f, const char *name, unsigned int flags,
			 struct eseal_tree **out, struct eseal_error *err)
{
	struct parser ps = {
		.name = name ? name : "<dump>",
		.strict = !(flags & ESEAL_DUMP_LENIENT),
		.err = err,
	};
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	*out = NULL;
	if (flags & ~ESEAL_DUMP_LENIENT)
		return eseal_errorf(err, EINVAL, "%s: unknown flags", ps.name);
	ps.tree = eseal_tree_new();
	if (!ps.tree)
		return eseal_errorf(err, ENOMEM, "out of memory");
	while ((n = getline(&line, &cap, f)) > 0) {
		ps.line++;
		if (line[n - 1] == '\n') {
			n--;
		} else if (ps.strict) {
			ret = strict_err(&ps, "every line ends with a newline",
					 "missing trailing newline");
			goto out;
		}
		ret = parse_line(&ps, line, n);
		if (ret)
			goto out;
	}
	if (ferror(f)) {
		ret = eseal_syserrorf(err, EIO, "%s: read error", ps.name);
		goto out;
	}
	if (!ps.tree->root) {
		ret = eseal_errorf(err, EINVAL, "%s: no entries", ps.name);
		goto out;
	}
	ret = resolve_links(&ps);
out:
	free(line);
	free(ps.buf);
	for (n = 0; n < (ssize_t)ps.n_links; n++)
		free(ps.links[n].target);
	free(ps.links);
	free(ps.path);
	free(ps.key);
	if (ret) {
		eseal_tree_free(ps.tree);
		return ret;
	}
	*out = ps.tree;
	return 0;
}
