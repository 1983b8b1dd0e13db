// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The directory scanner, the object store and eseal_tree_store_objects():
 * attributes as mkcomposefs takes them, hardlinks, deep trees, identical
 * results for any thread count, every copy mechanism, existing objects left
 * alone, errors naming the path, and a file rewritten while it is stored.
 * Every store is re-verified file by file with eseal_fsverity_digest_fd().
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "objstore.h"
#include "tree.h"
#include "test.h"

static char top[256];

static void put_file(const char *rel, size_t size, unsigned int seed)
{
	char path[4096];
	uint8_t *buf = malloc(size + 1);
	size_t i;
	int fd;

	for (i = 0; i < size; i++)
		buf[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 10));
	snprintf(path, sizeof(path), "%s/%s", top, rel);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || write(fd, buf, size) != (ssize_t)size)
		perror(path);
	close(fd);
	free(buf);
}

static void run(const char *fmt, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg);
	if (system(cmd) != 0)
		fprintf(stderr, "# command failed: %s\n", cmd);
}

/* ---- verifying a store ---------------------------------------------------- */

struct verify {
	size_t objects, bad, stray, bad_mode;
};

/*
 * Every file below dir must be xx/<hex> with matching content, mode 0644
 * (but the store's metadata directory).
 */
static void verify_store(const char *dir, struct verify *v)
{
	struct eseal_error err;
	struct eseal_digest d;
	char sub[1024], path[1536], hex[2 * ESEAL_DIGEST_MAX + 1];
	struct dirent *de, *fe;
	struct stat st;
	DIR *top_d, *sub_d;
	int fd;

	memset(v, 0, sizeof(*v));
	top_d = opendir(dir);
	if (!top_d)
		return;
	while ((de = readdir(top_d))) {
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		/* the store's metadata: its lock, the digest cache */
		if (!strcmp(de->d_name, ESEAL_STORE_META))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		if (strlen(de->d_name) != 2 || !(sub_d = opendir(sub))) {
			v->stray++;	/* temp files, junk */
			continue;
		}
		while ((fe = readdir(sub_d))) {
			if (fe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", sub, fe->d_name);
			fd = open(path, O_RDONLY);
			if (fd < 0 || fstat(fd, &st) < 0 ||
			    eseal_fsverity_digest_fd(fd, path, ESEAL_HASH_SHA256,
						     &d, &err) < 0) {
				v->bad++;
				if (fd >= 0)
					close(fd);
				continue;
			}
			close(fd);
			eseal_digest_hex(&d, hex);
			if (strncmp(hex, de->d_name, 2) ||
			    strcmp(hex + 2, fe->d_name))
				v->bad++;
			if ((st.st_mode & 07777) != ESEAL_OBJ_MODE)
				v->bad_mode++;
			v->objects++;
		}
		closedir(sub_d);
	}
	closedir(top_d);
}

static bool store_ok(const char *dir, const char *what)
{
	struct verify v;

	verify_store(dir, &v);
	CHECK(v.objects && !v.bad && !v.stray && !v.bad_mode,
	      "%s: store consistent (%zu objects, %zu bad, %zu stray, %zu bad mode)",
	      what, v.objects, v.bad, v.stray, v.bad_mode);
	return !v.bad && !v.stray;
}

/* ---- tree helpers ----------------------------------------------------------- */

struct nodes {
	struct eseal_node *v[4096];
	char *path[4096];
	size_t n;
};

static int collect(struct eseal_node *node, const char *path, void *arg)
{
	struct nodes *ns = arg;

	if (ns->n < 4096) {
		ns->path[ns->n] = strdup(path);
		ns->v[ns->n++] = node;
	}
	return 0;
}

static void nodes_free(struct nodes *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->path[i]);
	ns->n = 0;
}

static struct eseal_node *find(struct nodes *ns, const char *path)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (!strcmp(ns->path[i], path))
			return ns->v[i];
	return NULL;
}

static bool same_node_data(const struct eseal_node *a,
			   const struct eseal_node *b)
{
	if (a->size != b->size || !a->payload != !b->payload ||
	    !a->content != !b->content || !a->digest != !b->digest)
		return false;
	if (a->payload && strcmp(a->payload, b->payload))
		return false;
	if (a->content && memcmp(a->content, b->content, a->size))
		return false;
	if (a->digest && memcmp(a->digest, b->digest, sizeof(*a->digest)))
		return false;
	return true;
}

/* ---- the test tree ---------------------------------------------------------- */

static void make_tree(void)
{
	char rel[8192];
	int i;

	run("rm -rf %s && mkdir -p %s/src/sub/subsub %s/src/empty %s/src/deep",
	    top);
	put_file("src/zero", 0, 1);
	put_file("src/one", 1, 2);
	put_file("src/i64", 64, 3);
	put_file("src/i65", 65, 4);
	put_file("src/block", 4096, 5);
	put_file("src/sub/medium", 100000, 6);
	put_file("src/sub/big", 1024 * 1024 + 1, 7);
	put_file("src/sub/dup", 100000, 6);	/* same content as medium */
	put_file("src/sub/subsub/x", 5000, 8);
	snprintf(rel, sizeof(rel), "%s/src/sub/big", top);
	chmod(rel, 0600);
	snprintf(rel, sizeof(rel), "%s/src/link", top);
	symlink("sub/medium", rel);
	snprintf(rel, sizeof(rel), "%s/src/a-hard", top);
	{
		char t[512];

		snprintf(t, sizeof(t), "%s/src/sub/subsub/x", top);
		link(t, rel);	/* a-hard comes first in pre-order */
		snprintf(rel, sizeof(rel), "%s/src/z-hard", top);
		link(t, rel);
	}
	snprintf(rel, sizeof(rel), "%s/src/fifo", top);
	mkfifo(rel, 0640);
	snprintf(rel, sizeof(rel), "%s/src/one", top);
	setxattr(rel, "user.test", "v1", 2, 0);
	setxattr(rel, "trusted.test", "t", 1, 0);	/* root only */

	/* deep: 200 levels of 30-byte names, paths beyond PATH_MAX */
	/* build it with a relative walk */
	{
		int dfd = open(top, O_RDONLY | O_DIRECTORY), nfd;
		char name[64];

		nfd = openat(dfd, "src/deep", O_RDONLY | O_DIRECTORY);
		close(dfd);
		dfd = nfd;
		for (i = 0; i < 200; i++) {
			snprintf(name, sizeof(name),
				 "level-%03d-abcdefghijklmnopqrst", i);
			mkdirat(dfd, name, 0755);
			nfd = openat(dfd, name, O_RDONLY | O_DIRECTORY);
			close(dfd);
			dfd = nfd;
		}
		nfd = openat(dfd, "leaf", O_CREAT | O_WRONLY, 0644);
		if (write(nfd, "deep leaf data, more than sixty-four bytes long, "
			       "so that it is stored as an object\n", 84) != 84)
			perror("leaf");
		close(nfd);
		close(dfd);
	}
}

static void test_scan(struct eseal_tree **out)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *tree = NULL;
	struct eseal_node *n, *h1, *h2, *x;
	struct nodes ns = { .n = 0 };
	char src[512];
	struct stat st;
	int r;

	snprintf(src, sizeof(src), "%s/src", top);
	r = eseal_tree_from_dir(src, 0, &tree, &err);
	CHECK(r == 0, "scan: %s", err.msg);
	*out = tree;
	if (r)
		return;
	CHECK(tree->src_root && !strcmp(tree->src_root, src), "src_root set");
	eseal_tree_walk_nodes(tree, collect, &ns, &err);
	CHECK(ns.n == eseal_tree_count(tree), "walk sees all %zu nodes", ns.n);

	n = find(&ns, "/zero");
	CHECK(n && S_ISREG(n->mode) && n->size == 0 &&
		      (n->flags & ESEAL_NODE_FROM_SOURCE) && n->nlink == 1,
	      "empty file");
	n = find(&ns, "/sub/big");
	stat(strcat(strcpy(src, top), "/src/sub/big"), &st);
	CHECK(n && n->size == 1024 * 1024 + 1 && (n->mode & 07777) == 0600 &&
		      n->mtime_sec == st.st_mtim.tv_sec &&
		      n->mtime_nsec == (uint32_t)st.st_mtim.tv_nsec &&
		      n->uid == st.st_uid && !n->payload && !n->digest,
	      "regular file attributes, no data read yet");
	n = find(&ns, "/link");
	CHECK(n && S_ISLNK(n->mode) && n->payload &&
		      !strcmp(n->payload, "sub/medium") && n->size == 10 &&
		      !(n->flags & ESEAL_NODE_FROM_SOURCE),
	      "symlink: payload is the target, size its length");
	n = find(&ns, "/fifo");
	CHECK(n && S_ISFIFO(n->mode), "fifo kept");
	n = find(&ns, "/sub");
	CHECK(n && S_ISDIR(n->mode) && n->nlink == 3,
	      "directory nlink = 2 + subdirectories (%u)", n ? n->nlink : 0);
	CHECK(tree->root->nlink == 2 + 3, "root nlink (%u)", tree->root->nlink);
	n = find(&ns, "/one");
	CHECK(n && eseal_node_get_xattr(n, "user.test") &&
		      !memcmp(eseal_node_get_xattr(n, "user.test")->value, "v1",
			      2),
	      "user xattr read");
	if (getuid() == 0)
		CHECK(n && eseal_node_get_xattr(n, "trusted.test"),
		      "trusted xattr read (root)");
	h1 = find(&ns, "/a-hard");
	h2 = find(&ns, "/z-hard");
	x = find(&ns, "/sub/subsub/x");
	CHECK(h1 && h2 && x && !h1->link_to && h2->link_to == h1 &&
		      x->link_to == h1 && h1->nlink == 3 &&
		      (h1->flags & ESEAL_NODE_FROM_SOURCE) &&
		      !(x->flags & ESEAL_NODE_FROM_SOURCE),
	      "hardlinks: first in pre-order is the target, nlink counts all");
	n = find(&ns, "/deep");
	CHECK(n && n->n_children == 1, "deep directory scanned");
	{
		size_t i;
		int found = 0;

		for (i = 0; i < ns.n; i++)
			if (!strcmp(ns.v[i]->name ? ns.v[i]->name : "", "leaf"))
				found = strlen(ns.path[i]) > 4096;
		CHECK(found, "leaf 200 levels deep, path beyond PATH_MAX");
	}
	nodes_free(&ns);

	{
		struct eseal_tree *t2 = NULL;

		snprintf(src, sizeof(src), "%s/src", top);
		r = eseal_tree_from_dir(src, ESEAL_SCAN_USE_EPOCH |
					ESEAL_SCAN_SKIP_XATTRS, &t2, &err);
		CHECK(r == 0, "scan with USE_EPOCH|SKIP_XATTRS");
		if (!r) {
			eseal_tree_walk_nodes(t2, collect, &ns, &err);
			n = find(&ns, "/one");
			CHECK(n && n->n_xattrs == 0 && n->mtime_sec == 0 &&
				      n->mtime_nsec == 0 &&
				      t2->root->mtime_sec == 0,
			      "epoch mtimes, no xattrs");
			nodes_free(&ns);
			eseal_tree_free(t2);
		}
		r = eseal_tree_from_dir(src, ESEAL_SCAN_USER_XATTRS, &t2, &err);
		if (!r) {
			eseal_tree_walk_nodes(t2, collect, &ns, &err);
			n = find(&ns, "/one");
			CHECK(n && n->n_xattrs == 1 &&
				      !strcmp(n->xattrs[0].key, "user.test"),
			      "USER_XATTRS keeps only user.*");
			nodes_free(&ns);
			eseal_tree_free(t2);
		}
		r = eseal_tree_from_dir(src, ESEAL_SCAN_SKIP_XATTRS |
					ESEAL_SCAN_USER_XATTRS, &t2, &err);
		CHECK(r == -EINVAL && !t2, "conflicting flags rejected");
		snprintf(src, sizeof(src), "%s/nonexistent", top);
		r = eseal_tree_from_dir(src, 0, &t2, &err);
		CHECK(r == -ENOENT && strstr(err.msg, src),
		      "missing source names it: %s", err.msg);
		snprintf(src, sizeof(src), "%s/src/one", top);
		r = eseal_tree_from_dir(src, 0, &t2, &err);
		CHECK(r == -ENOTDIR && strstr(err.msg, src),
		      "file as source: %s", err.msg);
	}
	if (getuid() == 0) {
		struct eseal_tree *t2 = NULL;

		snprintf(src, sizeof(src), "%s/src/chr", top);
		mknod(src, S_IFCHR | 0600, makedev(1, 3));
		snprintf(src, sizeof(src), "%s/src", top);
		r = eseal_tree_from_dir(src, 0, &t2, &err);
		eseal_tree_walk_nodes(t2, collect, &ns, &err);
		n = find(&ns, "/chr");
		CHECK(n && S_ISCHR(n->mode) && n->rdev == makedev(1, 3),
		      "char device kept with rdev");
		nodes_free(&ns);
		eseal_tree_free(t2);
		r = eseal_tree_from_dir(src, ESEAL_SCAN_SKIP_DEVICES, &t2, &err);
		eseal_tree_walk_nodes(t2, collect, &ns, &err);
		CHECK(r == 0 && !find(&ns, "/chr"), "SKIP_DEVICES drops it");
		nodes_free(&ns);
		eseal_tree_free(t2);
		snprintf(src, sizeof(src), "%s/src/chr", top);
		unlink(src);
	} else {
		test_skip("devices need root");
	}
}

static int progress_calls;
static struct eseal_progress last_progress;

static void progress(const struct eseal_progress *p, void *arg)
{
	(void)arg;
	progress_calls++;
	last_progress = *p;
}

static int store(struct eseal_tree *tree, const char *store_dir,
		 unsigned int threads, struct eseal_store_stats *stats,
		 struct eseal_error *err)
{
	struct eseal_store_opts o = ESEAL_STORE_OPTS_INIT;

	o.store_dir = store_dir;
	o.threads = threads;
	o.progress = progress;
	return eseal_tree_store_objects(tree, &o, stats, err);
}

static void test_store(struct eseal_tree *t1)
{
	struct eseal_error err = { 0 };
	struct eseal_store_stats s1 = ESEAL_STORE_STATS_INIT;
	struct eseal_store_stats s2 = ESEAL_STORE_STATS_INIT;
	struct eseal_store_stats s3 = ESEAL_STORE_STATS_INIT;
	struct eseal_tree *t2 = NULL, *t3 = NULL;
	struct nodes n1 = { .n = 0 }, n2 = { .n = 0 }, n3 = { .n = 0 };
	struct eseal_node *n;
	char src[512], st1[512], st2[512], path[1024];
	struct stat before, after;
	size_t i;
	int r, same = 1;

	snprintf(src, sizeof(src), "%s/src", top);
	snprintf(st1, sizeof(st1), "%s/store1", top);
	snprintf(st2, sizeof(st2), "%s/store2/nested", top);
	eseal_tree_from_dir(src, 0, &t2, &err);
	eseal_tree_from_dir(src, 0, &t3, &err);

	progress_calls = 0;
	r = store(t1, st1, 1, &s1, &err);
	CHECK(r == 0, "store with 1 thread: %s", err.msg);
	CHECK(progress_calls >= 1 &&
		      last_progress.entries_done == last_progress.entries_total &&
		      last_progress.bytes_done == last_progress.bytes_total,
	      "progress reported, ends complete (%d calls)", progress_calls);
	r = store(t2, st2, 7, &s2, &err);
	CHECK(r == 0, "store with 7 threads: %s", err.msg);
	r = store(t3, NULL, 3, &s3, &err);
	CHECK(r == 0, "hash only, 3 threads: %s", err.msg);
	CHECK(s1.files == 10 && s1.objects_new == 6 &&
		      s1.objects_existing == 1 && s1.bytes == s2.bytes,
	      "stats: %llu files, %llu new, %llu existing, %llu bytes",
	      (unsigned long long)s1.files, (unsigned long long)s1.objects_new,
	      (unsigned long long)s1.objects_existing,
	      (unsigned long long)s1.bytes);
	CHECK(s1.objects_new == s1.cloned + s1.copied &&
		      s1.objects_new == s1.verity_enabled + s1.verity_unsupported,
	      "clone/copy and verity counts add up (%llu cloned, %llu copied, "
	      "%llu verity, %llu no verity)",
	      (unsigned long long)s1.cloned, (unsigned long long)s1.copied,
	      (unsigned long long)s1.verity_enabled,
	      (unsigned long long)s1.verity_unsupported);
	CHECK(s3.objects_new == 0 && s3.files == s1.files, "hash only stores nothing");

	eseal_tree_walk_nodes(t1, collect, &n1, &err);
	eseal_tree_walk_nodes(t2, collect, &n2, &err);
	eseal_tree_walk_nodes(t3, collect, &n3, &err);
	CHECK(n1.n == n2.n && n1.n == n3.n, "same shape");
	for (i = 0; i < n1.n && i < n2.n && i < n3.n; i++)
		if (!same_node_data(n1.v[i], n2.v[i]) ||
		    !same_node_data(n1.v[i], n3.v[i]))
			same = 0;
	CHECK(same, "1 thread, 7 threads and hash-only give identical nodes");

	n = find(&n1, "/zero");
	CHECK(n && !n->digest && !n->payload && !n->content,
	      "empty file: no digest, payload or content");
	n = find(&n1, "/i64");
	CHECK(n && n->content && n->digest && n->payload &&
		      n->content[63] == (uint8_t)(3 * 131 + 63 * 7),
	      "64 bytes: inline content plus digest and payload");
	if (n && n->payload) {
		snprintf(path, sizeof(path), "%s/%s", st1, n->payload);
		CHECK(access(path, F_OK) != 0, "inline file not stored");
	}
	n = find(&n1, "/i65");
	CHECK(n && !n->content && n->digest && n->payload &&
		      strlen(n->payload) == 65 && n->payload[2] == '/',
	      "65 bytes: object, payload xx/<62 hex>");
	n = find(&n1, "/one");
	if (n && n->digest) {
		struct eseal_digest d;

		eseal_fsverity_digest_buf(n->content, 1, ESEAL_HASH_SHA256, &d);
		CHECK(!memcmp(&d, n->digest, sizeof(d)), "digest of 1 byte file");
	}
	n = find(&n1, "/sub/big");
	if (n && n->payload) {
		snprintf(path, sizeof(path), "%s/%s", st1, n->payload);
		CHECK(stat(path, &before) == 0 &&
			      before.st_size == 1024 * 1024 + 1,
		      "object of a 0600 file stored");
	}
	store_ok(st1, "store1");
	store_ok(st2, "store2 (created with parents)");

	/* again: nothing is rewritten */
	r = store(t3, st1, 2, &s3, &err);
	CHECK(r == 0 && s3.objects_new == 0 && s3.objects_existing == 7,
	      "second run: no new objects (%llu existing)",
	      (unsigned long long)s3.objects_existing);
	if (n && n->payload) {
		snprintf(path, sizeof(path), "%s/%s", st1, n->payload);
		stat(path, &after);
		CHECK(before.st_ino == after.st_ino &&
			      before.st_mtim.tv_nsec == after.st_mtim.tv_nsec &&
			      before.st_mtim.tv_sec == after.st_mtim.tv_sec,
		      "existing object untouched (same inode and mtime)");
	}
	nodes_free(&n1);
	nodes_free(&n2);
	nodes_free(&n3);
	eseal_tree_free(t2);
	eseal_tree_free(t3);
}

/* Each copy mechanism gives the same object. */
static void test_mechanisms(void)
{
	static const unsigned int modes[] = {
		0, ESEAL_OBJSTORE_NO_CLONE | ESEAL_OBJSTORE_NO_CFR,
		ESEAL_OBJSTORE_NO_TMPFILE,
		ESEAL_OBJSTORE_NO_TMPFILE | ESEAL_OBJSTORE_NO_CLONE |
			ESEAL_OBJSTORE_NO_CFR,
	};
	struct eseal_fsverity_ctx *c = eseal_fsverity_new(ESEAL_HASH_SHA256);
	struct eseal_digest want;
	struct eseal_error err;
	uint8_t *buf = malloc(65536);
	char dir[512], src[512];
	size_t i;
	int fd;

	snprintf(src, sizeof(src), "%s/src/sub/big", top);
	fd = open(src, O_RDONLY);
	eseal_fsverity_digest_fd(fd, src, ESEAL_HASH_SHA256, &want, &err);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		struct eseal_objstore *st;
		struct eseal_obj_result res;
		int r;

		snprintf(dir, sizeof(dir), "%s/mech%zu", top, i);
		r = eseal_objstore_open(dir, &st, &err);
		CHECK(r == 0, "open store %zu", i);
		if (r)
			continue;
		eseal_objstore_disable(st, modes[i]);
		r = eseal_objstore_add(st, fd, src, UINT64_MAX, c, buf, 65536,
				       64, &res, &err);
		CHECK(r == 0 && res.published &&
			      !memcmp(&res.digest, &want, sizeof(want)) &&
			      res.size == 1024 * 1024 + 1,
		      "mechanism set %zu (how %d): object queued: %s", i,
		      res.how, r ? err.msg : "");
		r = eseal_objstore_add(st, fd, src, UINT64_MAX, c, buf, 65536,
				       64, &res, &err);
		CHECK(r == 0 && res.existing && !res.published,
		      "mechanism set %zu: a duplicate while queued is dropped",
		      i);
		r = eseal_objstore_sync(st, &err);
		CHECK(r == 0, "mechanism set %zu: sync publishes: %s", i,
		      r ? err.msg : "");
		r = eseal_objstore_add(st, fd, src, UINT64_MAX, c, buf, 65536,
				       64, &res, &err);
		CHECK(r == 0 && res.existing && !res.published,
		      "mechanism set %zu: second add finds it", i);
		eseal_objstore_sync(st, &err);
		eseal_objstore_close(st);
		store_ok(dir, "mechanism store");
	}
	close(fd);
	free(buf);
	eseal_fsverity_free(c);
}

/*
 * The listing of a store (eseal_objstore_index): a listed object is there
 * without a lookup; anything else (missing, added after the listing, not
 * a regular file, a name in upper case) is still looked up, so the answer
 * is the one without a listing.
 */
static void test_index(void)
{
	/* Q: an object that is not there, but its name in upper case is */
	static const char q[] = "cd/cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";
	static const char fifo[] = "ab/abababababababababababababababababababababababababababababab";
	struct eseal_fsverity_ctx *c = eseal_fsverity_new(ESEAL_HASH_SHA256);
	char dir[512], src[512], cmd[1024], path[ESEAL_OBJPATH_MAX];
	struct eseal_objstore *st = NULL;
	struct eseal_obj_result res;
	struct eseal_error err;
	uint8_t *buf = malloc(65536);
	int fd, r;

	snprintf(src, sizeof(src), "%s/src/sub/big", top);
	snprintf(dir, sizeof(dir), "%s/indexed", top);
	fd = open(src, O_RDONLY);
	r = eseal_objstore_open(dir, &st, &err);
	if (!r)
		r = eseal_objstore_add(st, fd, src, UINT64_MAX, c, buf, 65536,
				       64, &res, &err);
	if (!r)
		r = eseal_objstore_sync(st, &err);
	eseal_objstore_close(st);
	CHECK(r == 0, "a store with one object: %s", r ? err.msg : "ok");
	eseal_object_path(&res.digest, path);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p ab cd && mkfifo %s && touch cd/$(echo %s | cut -c4- | tr a-f A-F)",
		 dir, fifo, q);
	run("%s", cmd);
	r = eseal_objstore_open(dir, &st, &err);
	if (!r)
		r = eseal_objstore_index(st, NULL, &err);
	CHECK(r == 0, "the store is listed: %s", r ? err.msg : "ok");
	if (!r) {
		CHECK(eseal_objstore_has_path(st, path, &err) == 1,
		      "a listed object is there");
		CHECK(eseal_objstore_has_path(st, q, &err) == 0,
		      "an object whose name is there in upper case is not");
		r = eseal_objstore_has_path(st, fifo, &err);
		CHECK(r == -ENOTDIR && strstr(err.msg, "is a FIFO"),
		      "a FIFO with an object's name is an error: %s",
		      err.msg);
		CHECK(eseal_objstore_has_path(st, "00/00", &err) == 0,
		      "a missing object is not there");
	}
	eseal_objstore_close(st);
	close(fd);
	free(buf);
	eseal_fsverity_free(c);
}

/*
 * Nothing below the store is followed: a fan-out directory that is a
 * symlink out of it gets no object, with any copy mechanism, and lookups
 * name what is wrong.
 */
static void test_symlinks(void)
{
	static const unsigned int modes[] = {
		0, ESEAL_OBJSTORE_NO_CLONE | ESEAL_OBJSTORE_NO_CFR,
		ESEAL_OBJSTORE_NO_TMPFILE | ESEAL_OBJSTORE_NO_CLONE,
	};
	struct eseal_fsverity_ctx *c = eseal_fsverity_new(ESEAL_HASH_SHA256);
	char dir[600], src[512], out[512], obj[ESEAL_OBJPATH_MAX], sub[3];
	char path[1200];
	struct eseal_digest want;
	struct eseal_error err;
	uint8_t *buf = malloc(65536);
	size_t i;
	int fd, sfd, r;

	snprintf(src, sizeof(src), "%s/src/sub/big", top);
	fd = open(src, O_RDONLY);
	eseal_fsverity_digest_fd(fd, src, ESEAL_HASH_SHA256, &want, &err);
	eseal_object_path(&want, obj);
	memcpy(sub, obj, 2);
	sub[2] = '\0';
	snprintf(out, sizeof(out), "%s/outside", top);
	mkdir(out, 0755);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		struct eseal_objstore *st;
		struct eseal_obj_result res;

		snprintf(dir, sizeof(dir), "%s/sym%zu", top, i);
		mkdir(dir, 0755);
		snprintf(path, sizeof(path), "%s/%s", dir, sub);
		if (symlink(out, path) < 0)
			perror(path);
		r = eseal_objstore_open(dir, &st, &err);
		if (r)
			continue;
		eseal_objstore_disable(st, modes[i]);
		r = eseal_objstore_add(st, fd, src, UINT64_MAX, c, buf, 65536,
				       64, &res, &err);
		if (!r)
			r = eseal_objstore_sync(st, &err);
		CHECK(r == -ELOOP && strstr(err.msg, "is a symbolic link"),
		      "mechanism set %zu: a symlinked fan-out directory is refused: %s",
		      i, err.msg);
		eseal_objstore_close(st);
		snprintf(path, sizeof(path), "%s/%s", out, obj + 3);
		CHECK(access(path, F_OK) < 0,
		      "mechanism set %zu: no object written where it points", i);
	}

	/* planted between the lookup and the link: found when publishing */
	{
		struct eseal_objstore *st;
		struct eseal_obj_result res;

		snprintf(dir, sizeof(dir), "%s/sym-late", top);
		r = eseal_objstore_open(dir, &st, &err);
		if (!r)
			r = eseal_objstore_add(st, fd, src, UINT64_MAX, c, buf,
					       65536, 64, &res, &err);
		CHECK(r == 0 && res.published, "an object is queued (%s)",
		      r ? err.msg : "ok");
		snprintf(path, sizeof(path), "%s/%s", dir, sub);
		if (symlink(out, path) < 0)
			perror(path);
		r = r ? r : eseal_objstore_sync(st, &err);
		CHECK(r == -ELOOP && strstr(err.msg, "is a symbolic link"),
		      "a fan-out symlink planted before publishing is refused: %s",
		      err.msg);
		eseal_objstore_close(st);
		snprintf(path, sizeof(path), "%s/%s", out, obj + 3);
		CHECK(access(path, F_OK) < 0, "... and nothing written there");
	}

	/* eseal_store_lookup(), as info missing-objects uses it */
	snprintf(dir, sizeof(dir), "%s/look", top);
	run("mkdir -p %s/aa %s/bb %s/dd && touch %s/aa/obj", dir);
	run("ln -s aa %s/cc && ln -s ../aa/obj %s/bb/link && mkfifo %s/ee",
	    dir);
	run("touch %s/ff && mkdir %s/dd/sub", dir);
	sfd = open(dir, O_RDONLY | O_DIRECTORY | O_PATH);
	CHECK(eseal_store_lookup(sfd, "S", "aa/obj", &err) == 1,
	      "lookup: a regular object is there");
	CHECK(eseal_store_lookup(sfd, "S", "aa/none", &err) == 0 &&
	      eseal_store_lookup(sfd, "S", "zz/none", &err) == 0,
	      "lookup: missing object, missing fan-out: not there");
	r = eseal_store_lookup(sfd, "S", "cc/obj", &err);
	CHECK(r == -ELOOP && !strcmp(err.msg, "S/cc is a symbolic link, not a directory (symlinks in an object store are not followed)"),
	      "lookup: a symlinked fan-out is an error: %s", err.msg);
	r = eseal_store_lookup(sfd, "S", "bb/link", &err);
	CHECK(r == -ELOOP && strstr(err.msg, "S/bb/link is a symbolic link, not a regular file"),
	      "lookup: a symlinked object is an error: %s", err.msg);
	r = eseal_store_lookup(sfd, "S", "ee/x", &err);
	CHECK(r == -ENOTDIR && strstr(err.msg, "S/ee is a FIFO, not a directory"),
	      "lookup: a FIFO fan-out is an error: %s", err.msg);
	r = eseal_store_lookup(sfd, "S", "ff/x", &err);
	CHECK(r == -ENOTDIR && strstr(err.msg, "S/ff is a regular file"),
	      "lookup: a file as fan-out is an error: %s", err.msg);
	r = eseal_store_lookup(sfd, "S", "dd/sub", &err);
	CHECK(r < 0 && strstr(err.msg, "S/dd/sub is a directory, not a regular file"),
	      "lookup: a directory as object is an error: %s", err.msg);
	r = eseal_store_lookup(sfd, "S", "aa/../aa/obj", &err);
	CHECK(r == -EINVAL && strstr(err.msg, "not a path inside the object store"),
	      "lookup: a payload with .. is refused: %s", err.msg);
	close(sfd);
	close(fd);
	free(buf);
	eseal_fsverity_free(c);
}

static void test_errors(void)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *t = NULL;
	char src[512], dir[512], victim[512];
	int r;

	snprintf(src, sizeof(src), "%s/src", top);
	snprintf(dir, sizeof(dir), "%s/store-err", top);
	snprintf(victim, sizeof(victim), "%s/src/sub/medium", top);
	r = eseal_tree_from_dir(src, 0, &t, &err);
	if (r)
		return;
	unlink(victim);			/* vanished after the scan */
	r = store(t, dir, 4, NULL, &err);
	CHECK(r == -ENOENT && strstr(err.msg, victim),
	      "vanished file: error names it: %s", err.msg);
	{
		struct verify v;

		verify_store(dir, &v);
		CHECK(!v.bad && !v.stray,
		      "store consistent after the error (%zu objects)",
		      v.objects);
	}
	eseal_tree_free(t);
	put_file("src/sub/medium", 100000, 6);
	if (getuid() != 0) {
		chmod(victim, 0);
		r = eseal_tree_from_dir(src, 0, &t, &err);
		r = r ? r : store(t, dir, 2, NULL, &err);
		CHECK(r == -EACCES && strstr(err.msg, victim),
		      "unreadable file: %s", err.msg);
		eseal_tree_free(t);
		chmod(victim, 0644);
	} else {
		test_skip("unreadable files: running as root");
	}
}

/* ---- a file rewritten while it is stored ------------------------------------ */

static atomic_bool stop_writer;

static void *writer(void *arg)
{
	const char *path = arg;
	static uint8_t chunk[65536];
	unsigned int round = 0;
	int fd = open(path, O_WRONLY);

	while (!atomic_load(&stop_writer)) {
		off_t off;

		memset(chunk, (int)(round++ & 0xff), sizeof(chunk));
		for (off = 0; off < 8 << 20; off += sizeof(chunk))
			if (pwrite(fd, chunk, sizeof(chunk), off) < 0)
				break;
		/* sometimes shrink and grow it too */
		if (round % 7 == 0 && ftruncate(fd, 3 << 20) < 0)
			break;
	}
	close(fd);
	return NULL;
}

static void test_concurrent(void)
{
	struct eseal_error err = { 0 };
	struct nodes ns = { .n = 0 };
	char src[512], dir[512], file[512], obj[1024];
	int i, r, mismatch = 0, failures = 0;
	pthread_t th;

	snprintf(src, sizeof(src), "%s/csrc", top);
	snprintf(dir, sizeof(dir), "%s/cstore", top);
	snprintf(file, sizeof(file), "%s/csrc/hot", top);
	mkdir(src, 0755);
	put_file("csrc/hot", 8 << 20, 9);
	put_file("csrc/cold", 300000, 10);
	atomic_store(&stop_writer, false);
	pthread_create(&th, NULL, writer, file);
	for (i = 0; i < 12; i++) {
		struct eseal_tree *t = NULL;
		struct eseal_node *n;
		struct eseal_digest d;
		struct stat st;
		int fd;

		r = eseal_tree_from_dir(src, 0, &t, &err);
		if (!r)
			r = store(t, dir, 2, NULL, &err);
		if (r) {
			failures++;
			eseal_tree_free(t);
			continue;
		}
		eseal_tree_walk_nodes(t, collect, &ns, &err);
		n = find(&ns, "/hot");
		if (n && n->payload) {
			snprintf(obj, sizeof(obj), "%s/%s", dir, n->payload);
			fd = open(obj, O_RDONLY);
			if (fd < 0 || fstat(fd, &st) < 0 ||
			    eseal_fsverity_digest_fd(fd, obj, ESEAL_HASH_SHA256,
						     &d, &err) ||
			    memcmp(&d, n->digest, sizeof(d)) ||
			    (uint64_t)st.st_size != n->size)
				mismatch++;
			if (fd >= 0)
				close(fd);
		}
		nodes_free(&ns);
		eseal_tree_free(t);
	}
	atomic_store(&stop_writer, true);
	pthread_join(th, NULL);
	CHECK(failures == 0, "12 runs against a concurrent writer succeed");
	CHECK(mismatch == 0,
	      "node digest and size always match the object it names");
	store_ok(dir, "store filled during concurrent writes");
}

int main(void)
{
	struct eseal_tree *tree = NULL;
	const char *tmp = getenv("TMPDIR");

	snprintf(top, sizeof(top), "%s/eseal-test-objstore.%d",
		 tmp ? tmp : "/tmp", (int)getpid());
	make_tree();
	test_scan(&tree);
	if (tree)
		test_store(tree);
	test_mechanisms();
	test_index();
	test_symlinks();
	test_errors();
	test_concurrent();
	eseal_tree_free(tree);
	run("rm -rf %s", top);
	return test_done();
}
