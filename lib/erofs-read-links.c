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
 * that own an inode, so the owner is the name whose neighbours in that
 * order (names whose inode has no other name, and the whiteouts composefs
 * adds to the root) have smaller nids before it and larger ones after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erofs-read.h"

#define NONE UINT64_MAX

struct seq {
	uint64_t nid;
	struct eseal_node *node;	/* NULL for a dropped root whiteout */
};

static uint64_t entry_nid(const struct eseal_node *n)
{
	return n->link_to ? n->link_to->nid : n->nid;
}

static bool single(const struct seq *s)
{
	/* node->ino counts the names of an inode during this pass */
	return !s->node || (!s->node->link_to && s->node->ino == 1);
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

static uint32_t child_index(const struct eseal_node *parent,
			    const struct eseal_node *child)
{
	uint32_t i = 0;

	while (parent->children[i] != child)
		i++;
	return i;
}

/* Exchange the places (parent, name) of two nodes. */
static void swap_places(struct eseal_node *t, struct eseal_node *l)
{
	struct eseal_node *tp = t->parent, *lp = l->parent;
	uint32_t ti = child_index(tp, t), li = child_index(lp, l);
	uint32_t depth = t->depth;
	char *name = t->name;

	tp->children[ti] = l;
	lp->children[li] = t;
	t->name = l->name;
	l->name = name;
	t->parent = lp;
	l->parent = tp;
	t->depth = l->depth;
	l->depth = depth;
}

int erofs_fix_link_owners(struct erofs_reader *r)
{
	uint64_t *prev = NULL, *next = NULL;
	struct seq *s;
	size_t n, i;
	int ret = 0;

	s = bfs(r, &n);
	if (!s)
		return eseal_errorf(r->err, ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if (s[i].node)
			eseal_node_target(s[i].node)->ino = 0;
	for (i = 0; i < n; i++)
		if (s[i].node)
			eseal_node_target(s[i].node)->ino++;
	prev = malloc(n * sizeof(*prev));
	next = malloc(n * sizeof(*next));
	if (!prev || !next) {
		ret = eseal_errorf(r->err, ENOMEM, "out of memory");
		goto out;
	}
	/* nearest single-name nid before and after each position */
	for (i = 0; i < n; i++)
		prev[i] = i == 0 ? NONE : single(&s[i - 1]) ? s[i - 1].nid : prev[i - 1];
	for (i = n; i-- > 0;)
		next[i] = i == n - 1 ? NONE :
			  single(&s[i + 1]) ? s[i + 1].nid : next[i + 1];
	for (i = 0; i < n; i++) {
		struct eseal_node *node = s[i].node, *t;

		if (!node || single(&s[i]))
			continue;
		t = eseal_node_target(node);
		if (t->ino == 0)
			continue;	/* group already settled */
		if ((prev[i] == NONE || prev[i] < s[i].nid) &&
		    (next[i] == NONE || s[i].nid < next[i])) {
			if (node != t)
				swap_places(t, node);
			t->ino = 0;
		}
	}
out:
	for (i = 0; i < n; i++)
		if (s[i].node)
			eseal_node_target(s[i].node)->ino = 0;
	free(prev);
	free(next);
	free(s);
	return ret;
}
