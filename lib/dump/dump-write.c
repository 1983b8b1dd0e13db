// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Write a tree in the composefs dump format, byte for byte as
 * "composefs-info dump" (composefs 1.0.8) prints it:
 *
 *   PATH SIZE [@]MODE NLINK UID GID RDEV MTIME PAYLOAD CONTENT DIGEST XATTR...
 *
 * one line per entry, parents before children, children by name.  Fields
 * are escaped: '\\', '\n', '\r' and '\t' as C escapes, every other byte
 * outside the printable ASCII range (space included) as \xXY.  An optional
 * field that is absent is "-", and a field whose value is exactly "-" is
 * written as "\x2d".  In xattrs '=' is escaped too.  A hardlink prints the
 * attributes of the entry it links to, '@' before the mode, and that
 * entry's path as the payload.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

#define ESC_STANDARD	ESEAL_ESC_SPACE	/* dump fields */
#define ESC_LS		ESEAL_ESC_LS	/* space is printed as is (ls) */
#define ESC_EQUAL	(ESEAL_ESC_SPACE | ESEAL_ESC_EQUAL) /* xattrs */
#define ESC_LONE_DASH	(1u << 8)	/* a value of "-" is escaped */

/* The escaping of eseal_escape_byte(), the one shared with messages */
static void put_escaped(FILE *f, const void *buf, size_t len,
			unsigned int flags)
{
	const uint8_t *s = buf;
	char form[ESEAL_ESC_MAX];
	size_t i, n;

	if ((flags & ESC_LONE_DASH) && len == 1 && s[0] == '-') {
		fputs("\\x2d", f);
		return;
	}
	for (i = 0; i < len; i++) {
		n = eseal_escape_byte(s[i], flags, form);
		if (n == 1)
			putc_unlocked(form[0], f);
		else
			fwrite_unlocked(form, 1, n, f);
	}
}

static void put_escaped_str(FILE *f, const char *s, unsigned int flags)
{
	if (!s)
		putc_unlocked('-', f);
	else
		put_escaped(f, s, strlen(s), flags);
}

struct dump_state {
	FILE *f;
	char *link_path;
	size_t link_cap;
	struct eseal_error *err;
};

/* the path of n into st->link_path, growing it as needed */
static int node_path_alloc(struct dump_state *st, const struct eseal_node *n)
{
	int len;

	for (;;) {
		char *p;

		len = eseal_node_path(n, st->link_path, st->link_cap);
		if (len != -ENAMETOOLONG)
			return len;
		p = realloc(st->link_path, st->link_cap * 2);
		if (!p)
			return eseal_errorf(st->err, ENOMEM, "out of memory");
		st->link_path = p;
		st->link_cap *= 2;
	}
}

static int write_error(struct dump_state *st, const char *what,
		       const char *path)
{
	char esc[256];

	return eseal_syserrorf(st->err, errno ? errno : EIO,
			       "writing the %s failed at '%s'", what,
			       eseal_escape_str(esc, sizeof(esc), path));
}

static int dump_one(struct eseal_node *node, const char *path, void *arg)
{
	struct dump_state *st = arg;
	struct eseal_node *t = eseal_node_target(node);
	const char *payload = t->payload;
	char hex[2 * ESEAL_DIGEST_MAX + 1];
	FILE *f = st->f;
	uint32_t i;
	int ret;

	if (node->link_to) {
		ret = node_path_alloc(st, node->link_to);
		if (ret < 0)
			return ret;
		payload = st->link_path;
	}
	put_escaped_str(f, path, ESC_STANDARD);
	fprintf(f, " %" PRIu64 " %s%o %" PRIu32 " %" PRIu32 " %" PRIu32
		   " %" PRIu32 " %" PRIi64 ".%" PRIu32 " ",
		t->size, node->link_to ? "@" : "", t->mode, t->nlink, t->uid,
		t->gid, t->rdev, t->mtime_sec, t->mtime_nsec);
	put_escaped_str(f, payload, ESC_STANDARD | ESC_LONE_DASH);
	putc_unlocked(' ', f);
	if (t->content && t->size)
		put_escaped(f, t->content, t->size,
			    ESC_STANDARD | ESC_LONE_DASH);
	else
		putc_unlocked('-', f);
	putc_unlocked(' ', f);
	if (t->digest && t->digest->size <= ESEAL_DIGEST_MAX) {
		eseal_hex_encode(t->digest->bytes, t->digest->size, hex);
		fputs_unlocked(hex, f);
	} else {
		putc_unlocked('-', f);
	}
	for (i = 0; i < t->n_xattrs; i++) {
		const struct eseal_xattr *x = &t->xattrs[i];

		putc_unlocked(' ', f);
		put_escaped_str(f, x->key, ESC_EQUAL);
		putc_unlocked('=', f);
		put_escaped(f, x->value, x->value_len, ESC_EQUAL);
	}
	putc_unlocked('\n', f);
	if (ferror(f))
		return write_error(st, "dump", path);
	return 0;
}

/* Walk the tree with fn, locked, and flush; 'what' names the output */
static int write_tree(struct eseal_tree *tree, FILE *f, eseal_node_fn fn,
		      struct dump_state *st, const char *what,
		      struct eseal_error *err)
{
	int ret;

	if (!tree || !tree->root)
		return eseal_errorf(err, EINVAL, "the tree has no root");
	flockfile(f);
	ret = eseal_tree_walk_nodes(tree, fn, st, err);
	if (!ret && fflush(f) != 0)
		ret = eseal_syserrorf(err, errno ? errno : EIO,
				      "writing the %s failed", what);
	funlockfile(f);
	return ret;
}

int eseal_dump_write(struct eseal_tree *tree, FILE *f,
		     struct eseal_error *err)
{
	struct dump_state st = { .f = f, .link_cap = 4096, .err = err };
	int ret;

	st.link_path = malloc(st.link_cap);
	if (!st.link_path)
		return eseal_errorf(err, ENOMEM, "out of memory");
	ret = write_tree(tree, f, dump_one, &st, "dump", err);
	free(st.link_path);
	return ret;
}

/*
 * "composefs-info ls": every entry below the root, one a line; directories
 * end in "/\t", symlinks get "\t-> TARGET", stub files "\t@ OBJECT".
 * Hardlinks print their path only, as composefs does.
 */
static int list_one(struct eseal_node *node, const char *path, void *arg)
{
	struct dump_state *st = arg;
	FILE *f = st->f;

	if (!node->parent)
		return 0;
	put_escaped_str(f, path, ESC_LS);
	if (!node->link_to) {
		switch (node->mode & S_IFMT) {
		case S_IFDIR:
			fputs("/\t", f);
			break;
		case S_IFLNK:
			fputs("\t-> ", f);
			put_escaped_str(f, node->payload ? node->payload : "",
					ESC_STANDARD);
			break;
		case S_IFREG:
			if (node->payload) {
				fputs("\t@ ", f);
				put_escaped_str(f, node->payload, ESC_STANDARD);
			}
			break;
		}
	}
	putc_unlocked('\n', f);
	if (ferror(f))
		return write_error(st, "listing", path);
	return 0;
}

int eseal_list_write(struct eseal_tree *tree, FILE *f,
		     struct eseal_error *err)
{
	struct dump_state st = { .f = f, .err = err };

	return write_tree(tree, f, list_one, &st, "listing", err);
}
