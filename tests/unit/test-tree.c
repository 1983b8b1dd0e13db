// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Unit tests of the in-memory tree: sorted children, name rules, xattrs,
 * paths and walks.
 */
#include <string.h>

#include "test.h"
#include "tree.h"

static int count_cb(struct eseal_node *node, const char *path, void *arg)
{
	char *acc = arg;

	(void)node;
	strcat(acc, path);
	strcat(acc, ";");
	return 0;
}

/* The payload rule: a path inside an object store, and nothing else */
static void test_payloads(void)
{
	static const struct {
		const char *p;
		bool valid;
	} cases[] = {
		{ "ab/cdef", true }, { "ab/cd/e.file", true }, { "x", true },
		{ "a..b/.c", true }, { "sp ace/t\tab", true },
		{ "", false }, { "/ab/cd", false }, { "ab//cd", false },
		{ "ab/cd/", false }, { ".", false }, { "..", false },
		{ "../ab", false }, { "ab/../../etc/passwd", false },
		{ "ab/./cd", false }, { "ab/..", false }, { "/", false },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK(eseal_payload_valid(cases[i].p, strlen(cases[i].p)) ==
		      cases[i].valid, "payload '%s' is %s", cases[i].p,
		      cases[i].valid ? "valid" : "refused");
	CHECK(!eseal_payload_valid("ab\0cd", 5), "a NUL inside is refused");
}

int main(void)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *tree = eseal_tree_new();
	struct eseal_node *root, *a, *b, *c, *d, *found;
	const char *names[] = { "zeta", "alpha", "mid", "beta" };
	char acc[256] = "";
	char path[64];
	size_t i;
	int ret;

	CHECK(tree, "tree allocated");
	root = eseal_node_new(tree, S_IFDIR | 0755);
	CHECK(eseal_tree_set_root(tree, root, &err) == 0, "root set");
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		struct eseal_node *n = eseal_node_new(tree, S_IFREG | 0644);

		ret = eseal_node_add_child(tree, root, n, names[i],
					   strlen(names[i]), &err);
		CHECK(ret == 0, "add child %s", names[i]);
	}
	CHECK(root->n_children == 4 && !strcmp(root->children[0]->name, "alpha") &&
	      !strcmp(root->children[3]->name, "zeta"),
	      "children sorted by name");
	a = eseal_node_new(tree, S_IFREG);
	ret = eseal_node_add_child(tree, root, a, "mid", 3, &err);
	CHECK(ret == -EEXIST && strstr(err.msg, "mid"), "duplicate refused: %s",
	      err.msg);
	CHECK(eseal_node_add_child(tree, root, a, "..", 2, &err) == -EINVAL,
	      "'..' refused");
	CHECK(eseal_node_add_child(tree, root, a, "a/b", 3, &err) == -EINVAL,
	      "'/' refused");
	CHECK(eseal_node_add_child(tree, root, a, "", 0, &err) == -EINVAL,
	      "empty name refused");
	found = eseal_node_find_child(root, "beta", 4);
	CHECK(found && !strcmp(found->name, "beta"), "find child");
	CHECK(!eseal_node_find_child(root, "bet", 3), "prefix is not a match");

	b = eseal_node_new(tree, S_IFDIR | 0700);
	CHECK(eseal_node_add_child(tree, root, b, "dir", 3, &err) == 0,
	      "add dir");
	c = eseal_node_new(tree, S_IFLNK | 0777);
	CHECK(eseal_node_add_child(tree, b, c, "link", 4, &err) == 0,
	      "add nested");
	CHECK(eseal_node_add_child(tree, c, a, "x", 1, &err) == -ENOTDIR,
	      "child of a symlink refused");
	CHECK(eseal_node_path(c, path, sizeof(path)) == 9 &&
	      !strcmp(path, "/dir/link"), "path %s", path);
	CHECK(eseal_node_path(c, path, 5) == -ENAMETOOLONG, "short buffer");

	d = eseal_node_new(tree, S_IFREG);
	CHECK(eseal_node_set_xattr(tree, d, "user.b", "1", 1, &err) == 0 &&
	      eseal_node_set_xattr(tree, d, "user.a", "22", 2, &err) == 0 &&
	      eseal_node_set_xattr(tree, d, "user.b", "333", 3, &err) == 0,
	      "xattrs set");
	CHECK(d->n_xattrs == 2 && eseal_node_get_xattr(d, "user.b")->value_len == 3,
	      "xattr replaced, not duplicated");
	eseal_node_sort_xattrs(d);
	CHECK(!strcmp(d->xattrs[0].key, "user.a"), "xattrs sorted");
	CHECK(eseal_node_set_xattr(tree, d, "", "", 0, &err) == -EINVAL,
	      "empty xattr key refused");

	CHECK(eseal_tree_walk_nodes(tree, count_cb, acc, &err) == 0, "walk");
	CHECK(!strcmp(acc, "/;/alpha;/beta;/dir;/dir/link;/mid;/zeta;"),
	      "walk order: %s", acc);
	/* the tree frees the arrays of the nodes it holds */
	CHECK(eseal_node_add_child(tree, root, d, "with-xattrs", 11, &err) == 0,
	      "add node with xattrs");
	eseal_tree_free(tree);
	test_payloads();
	return test_done();
}
