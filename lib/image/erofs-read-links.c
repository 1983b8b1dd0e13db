// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Which name of a hardlinked file owns its inode.
 *
 * The reader walks directories depth first and makes the first name it
 * meets for an inode the node that holds the attributes; the others become
 * links to it.  The writer, like composefs, numbers inodes breadth first
 * and places a hardlinked file's inode where its owning name comes in that
 * order.  A dump may name as owner a name that is not the first one (a
 * link listed before its target), so reading an image back and writing it
 * again would move that inode and change the bytes.
 *
 * Inode numbers (nids) grow along the breadth-first order of the names
 * that own an inode.  So, taking the inodes in nid order, each owner is a
 * name of its inode that comes after the owner of the inode before: the
 * earliest such name is chosen.  Where several names would do, the writer
 * lays the inodes out the same way whichever owns them, but for a
 * whiteout: the writer marks the directory of its owner as holding
 * whiteouts, so its owner is a name in a marked directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erofs-read.h"

struct seq {
	uint64_t nid;
	struct eseal_node *node;	/* NULL for a dropped root whiteout */
};

static uint64_t entry_nid(const struct eseal_node *n)
{
	return n->link_to ? n->link_to->nid : n->nid;
}

/*
 * Breadth-first order of all names, with the whiteouts composefs added to
 * the root (dropped from the tree) merged in by name.
 */
static struct seq *bfs(struct erofs_reader *r, size_t *n_out)
{
	size_t cap = r->tree->n_nodes + 257, n = 0, head;
	struct seq *s = malloc(cap * sizeof(*s));
	struct eseal_node *root = r->tree->root;

	if (!s)
		return NULL;
	s[n++] = (struct seq){ root->nid, root };
	for (head = 0; head < n; head++) {
		struct eseal_node *d = s[head].node;
		unsigned int w = 256;
		uint32_t i = 0;
		char fake[3];

		if (!d || d->link_to || !S_ISDIR(d->mode))
			continue;
		if (d == root)
			w = 0;
		while (i < d->n_children || w < 256) {
			if (w < 256 && !r->fake_seen[w]) {
				w++;
				continue;
			}
			if (w < 256)
				snprintf(fake, sizeof(fake), "%02x", w);
			if (n == cap)
				break;
			if (i < d->n_children &&
			    (w == 256 || strcmp(d->children[i]->name, fake) < 0)) {
				s[n] = (struct seq){ entry_nid(d->children[i]),
						     d->children[i] };
				i++;
			} else {
				s[n] = (struct seq){ r->fake_nid[w], NULL };
				w++;
			}
			n++;
		}
	}
	*n_out = n;
	return s;
}

/* A position in the breadth-first order, sorted by nid then position */
struct pos {
	uint64_t nid;
	size_t at;
};

static int cmp_pos(const void *a, const void *b)
{
	const struct pos *x = a, *y = b;

	if (x->nid != y->nid)
		return x->nid < y->nid ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Can the name at s[p] own its inode, as the writer places owners? */
static bool may_own(const struct erofs_reader *r, const struct seq *s,
		    size_t p)
{
	const struct eseal_node *t;

	if (!s[p].node)
		return true;
	t = eseal_node_target(s[p].node);
	if (r->composefs && S_ISCHR(t->mode) && t->rdev == 0)
		return s[p].node->parent->flags & ESEAL_NODE_OVL_WHITEOUTS;
	return true;
}

int erofs_fix_link_owners(struct erofs_reader *r)
{
	size_t n, i, j, k, last = 0;
	bool have_last = false;
	struct pos *pos;
	struct seq *s;

	s = bfs(r, &n);
	pos = s ? malloc(n * sizeof(*pos)) : NULL;
	if (!pos) {
		free(s);
		return eseal_errorf(r->err, ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		pos[i] = (struct pos){ s[i].nid, i };
	qsort(pos, n, sizeof(*pos), cmp_pos);
	for (i = 0; i < n; i = j) {
		size_t chosen = pos[i].at;

		/* the names of one inode: pos[i..j), in order */
		for (j = i + 1; j < n && pos[j].nid == pos[i].nid; j++)
			;
		for (k = i; k < j; k++) {
			if ((!have_last || pos[k].at > last) &&
			    may_own(r, s, pos[k].at)) {
				chosen = pos[k].at;
				break;
			}
		}
		if (k < j && s[chosen].node) {
			struct eseal_node *t = eseal_node_target(s[chosen].node);

			if (t != s[chosen].node)
				eseal_node_swap_places(t, s[chosen].node);
		}
		/* an image we did not write may fit no rule: go on */
		last = chosen;
		have_last = true;
	}
	free(pos);
	free(s);
	return 0;
}
