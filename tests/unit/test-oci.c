// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Unit tests of lib/oci: digests, the source syntax, the JSON documents,
 * taking subtrees out, the hardlink rule and the canonical OCI rules.
 */
#include <string.h>

#include "oci/oci.h"
#include "test.h"
#include "tree.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct eseal_node *add(struct eseal_tree *t, struct eseal_node *dir,
			      const char *name, uint32_t mode)
{
	struct eseal_error err = { 0 };
	struct eseal_node *n = eseal_node_new(t, mode);

	if (!n || eseal_node_add_child(t, dir, n, name, strlen(name), &err))
		abort();
	return n;
}

static void test_digests(void)
{
	struct oci_digest d;
	const char *s = "sha256:" HEX64;

	CHECK(oci_digest_parse(s, strlen(s), &d) == 0 && d.len == 32 &&
	      d.bytes[0] == 0x01 && d.bytes[31] == 0xef && !strcmp(d.str, s),
	      "sha256 digest parsed");
	CHECK(oci_digest_parse("sha512:" HEX64 HEX64, 135, &d) == 0 &&
	      d.alg == ESEAL_HASH_SHA512, "sha512 digest parsed");
	CHECK(oci_digest_parse("sha256:" HEX64 "0", 72, &d) == -EINVAL,
	      "a digest one digit too long is refused");
	CHECK(oci_digest_parse("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
			       71, &d) == -EINVAL, "uppercase hex is refused");
	CHECK(oci_digest_parse("md5:0123", 8, &d) == -EINVAL,
	      "an unknown algorithm is refused");
	s = "sha256:../../../../etc/passwd/0123456789abcdef0123456789abcdef012345678";
	CHECK(strlen(s) == 71 && oci_digest_parse(s, strlen(s), &d) == -EINVAL,
	      "a path is no digest");
}

static void test_sources(void)
{
	struct eseal_error err = { 0 };
	struct eseal_source s = ESEAL_SOURCE_INIT;

	CHECK(eseal_source_parse("oci:dir:tag", &s, &err) == 0 &&
	      s.kind == ESEAL_SOURCE_OCI && !strcmp(s.path, "dir") &&
	      !strcmp(s.ref, "tag") && s.fd == -1, "oci:dir:tag");
	eseal_source_free(&s);
	CHECK(eseal_source_parse("oci-archive:a.tar:localhost/x:1", &s,
				 &err) == 0 &&
	      s.kind == ESEAL_SOURCE_OCI_ARCHIVE && !strcmp(s.path, "a.tar") &&
	      !strcmp(s.ref, "localhost/x:1"),
	      "oci-archive: splits at the first ':'");
	eseal_source_free(&s);
	CHECK(eseal_source_parse("oci:dir", &s, &err) == 0 && !s.ref,
	      "no REF");
	eseal_source_free(&s);
	CHECK(eseal_source_parse("tar:a:b.tar", &s, &err) == 0 &&
	      s.kind == ESEAL_SOURCE_TAR && !strcmp(s.path, "a:b.tar"),
	      "tar: takes the rest as the path");
	eseal_source_free(&s);
	CHECK(eseal_source_parse("some/dir", &s, &err) == 0 &&
	      s.kind == ESEAL_SOURCE_DIR && !strcmp(s.path, "some/dir"),
	      "a plain path is a directory");
	eseal_source_free(&s);
	CHECK(eseal_source_parse("oci:dir:", &s, &err) == -EINVAL &&
	      strstr(err.msg, "empty REF"), "an empty REF is refused");
	CHECK(eseal_source_parse("tar:", &s, &err) == -EINVAL,
	      "an empty path is refused");
}

static void test_json(void)
{
	struct eseal_error err = { 0 };
	struct oci_manifest m;
	struct oci_config c;
	struct oci_index x;
	const char *man =
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" OCI_MT_CONFIG
		"\",\"digest\":\"sha256:" HEX64 "\",\"size\":7},\"layers\":[{"
		"\"mediaType\":\"t\",\"digest\":\"sha256:" HEX64 "\",\"size\":1}]}";
	const char *dup = "{\"schemaVersion\":2,\"schemaVersion\":2,\"manifests\":[]}";
	const char *idx = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
		OCI_MT_MANIFEST "\",\"digest\":\"sha256:" HEX64 "\",\"size\":3,"
		"\"annotations\":{\"" OCI_ANNOT_REF_NAME "\":\"v1\"},"
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}";
	const char *cfg = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
		HEX64 "\"]}}";

	CHECK(oci_manifest_parse(man, strlen(man), "m", &m, &err) == 0 &&
	      m.n_layers == 1 && m.config.size == 7 &&
	      !strcmp(m.config.media_type, OCI_MT_CONFIG),
	      "a manifest");
	oci_manifest_fini(&m);
	CHECK(oci_index_parse(dup, strlen(dup), "i", &x, &err) == -EINVAL &&
	      strstr(err.msg, "duplicate"), "duplicate keys refused: %s",
	      err.msg);
	CHECK(oci_index_parse(idx, strlen(idx), "i", &x, &err) == 0 &&
	      x.n_manifests == 1 && !strcmp(x.manifests[0].ref_name, "v1") &&
	      !strcmp(x.manifests[0].arch, "arm64"),
	      "an index with a tag and a platform");
	oci_index_fini(&x);
	CHECK(oci_config_parse(cfg, strlen(cfg), "c", &c, &err) == 0 &&
	      c.n_diff_ids == 1, "a config");
	oci_config_fini(&c);
	CHECK(oci_manifest_parse("{\"schemaVersion\":2,\"config\":{},\"layers\":[]}",
				 43, "m", &m, &err) == -EINVAL &&
	      strstr(err.msg, "mediaType"), "a config without a media type: %s",
	      err.msg);
	CHECK(oci_config_parse("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[7]}}",
			       43, "c", &c, &err) == -EINVAL,
	      "a diff_id that is not a string: %s", err.msg);
	CHECK(oci_index_parse("{\"schemaVersion\":1,\"manifests\":[]}", 34, "i",
			      &x, &err) == -EINVAL, "schemaVersion 1 refused");
}

static void test_links(void)
{
	struct eseal_error err = { 0 };
	struct oci_graveyard g = { 0 };
	struct eseal_tree *t = eseal_tree_new();
	struct eseal_node *root, *a, *b, *z, *f, *l1, *l2, *x;

	root = eseal_node_new(t, S_IFDIR | 0755);
	eseal_tree_set_root(t, root, &err);
	a = add(t, root, "a", S_IFDIR | 0755);
	b = add(t, root, "b", S_IFDIR | 0755);
	z = add(t, root, "z", S_IFDIR | 0755);
	/* first named deep in z, then linked from b and a */
	f = add(t, z, "f", S_IFREG | 0600);
	f->uid = 42;
	eseal_node_set_xattr(t, f, "user.k", "v", 1, &err);
	l1 = add(t, b, "l1", S_IFREG);
	l1->link_to = f;
	l2 = add(t, a, "l2", S_IFREG);
	l2->link_to = f;
	x = add(t, a, "x", S_IFREG | 0644);
	CHECK(eseal_tree_count(t) == 8, "8 nodes");
	CHECK(oci_canonical_links(t, &err) == 0, "links settled");
	CHECK(!l2->link_to && l2->uid == 42 && l2->mode == (S_IFREG | 0600) &&
	      l2->n_xattrs == 1 && l2->nlink == 3,
	      "the first name in sorted order owns the inode, nlink 3");
	CHECK(l1->link_to == l2 && f->link_to == l2,
	      "the other names link to it");
	/* remove the owner: a later name takes the inode over */
	CHECK(oci_remove(t, &g, a, &err) == 0 && eseal_tree_count(t) == 5,
	      "a directory taken out with all below it");
	CHECK(!eseal_node_find_child(root, "a", 1), "... and gone");
	CHECK(oci_canonical_links(t, &err) == 0 && !l1->link_to &&
	      l1->uid == 42 && l1->nlink == 2 && f->link_to == l1,
	      "a removed first name hands the inode on");
	(void)x;
	oci_graveyard_free(&g);
	eseal_tree_free(t);
}

static void test_rules(void)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *t = eseal_tree_new();
	struct eseal_node *root, *usr, *run, *f;

	root = eseal_node_new(t, S_IFDIR | 0700);
	eseal_tree_set_root(t, root, &err);
	eseal_node_set_xattr(t, root, "user.root", "r", 1, &err);
	CHECK(eseal_tree_oci_rules(t, 0, &err) == -ENOENT &&
	      strstr(err.msg, "/usr"), "no /usr: %s", err.msg);
	usr = add(t, root, "usr", S_IFDIR | 0751);
	usr->uid = 3;
	usr->mtime_sec = 1234;
	usr->mtime_nsec = 5;
	eseal_node_set_xattr(t, usr, "security.capability", "c", 1, &err);
	eseal_node_set_xattr(t, usr, "security.selinux", "s", 1, &err);
	run = add(t, root, "run", S_IFDIR | 0755);
	add(t, add(t, run, "d", S_IFDIR | 0755), "f", S_IFREG);
	f = add(t, root, "f", S_IFREG | 0644);
	eseal_node_set_xattr(t, f, "user.a", "1", 1, &err);
	eseal_node_set_xattr(t, f, "trusted.b", "2", 1, &err);
	CHECK(eseal_tree_oci_rules(t, 0, &err) == 0, "rules applied");
	CHECK(root->mode == (S_IFDIR | 0751) && root->uid == 3 &&
	      root->mtime_sec == 1234 && root->mtime_nsec == 5 &&
	      root->n_xattrs == 1 &&
	      !strcmp(root->xattrs[0].key, "security.capability"),
	      "the root has /usr's metadata and xattrs (allowlisted)");
	CHECK(run->n_children == 0 && run->mtime_sec == 1234,
	      "/run emptied, with /usr's mtime");
	CHECK(f->n_xattrs == 0 && usr->n_xattrs == 1,
	      "only security.capability stays");
	CHECK(eseal_tree_count(t) == 4, "the count follows");
	eseal_node_set_xattr(t, f, "user.a", "1", 1, &err);
	CHECK(eseal_tree_oci_rules(t, ESEAL_OCI_USER_XATTRS, &err) == 0 &&
	      f->n_xattrs == 1, "ESEAL_OCI_USER_XATTRS keeps user.*");
	eseal_tree_free(t);

	t = eseal_tree_new();
	root = eseal_node_new(t, S_IFDIR | 0755);
	eseal_tree_set_root(t, root, &err);
	add(t, root, "usr", S_IFDIR | 0755);
	add(t, root, "run", S_IFLNK | 0777);
	CHECK(eseal_tree_oci_rules(t, 0, &err) == -ENOTDIR &&
	      strstr(err.msg, "/run"), "a /run that is no directory: %s",
	      err.msg);
	eseal_tree_free(t);
}

int main(void)
{
	test_digests();
	test_sources();
	test_json();
	test_links();
	test_rules();
	return test_done();
}
