// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The image writer beyond the composefs corpus: metacopy stubs with
 * digests (sha256 and sha512), redirects, xattr escaping, whiteouts and
 * the format version, determinism, pipes, digest-only writes, and errors
 * naming the path.  Images are checked with a small independent reader of
 * the raw bytes, and with fsck.erofs when it is installed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "composefs.h"
#include "erofs_fs.h"
#include "fsverity.h"
#include "tree.h"
#include "test.h"

struct img {
	uint8_t *p;
	size_t len;
};

/* ---- a minimal raw reader, for our own small images ------------------ */

static const uint8_t *inode_at(const struct img *im, uint64_t nid)
{
	uint64_t off = nid * 32;

	return off + 64 <= im->len ? im->p + off : NULL;
}

static bool compact(const uint8_t *ino)
{
	return !(get_le16(ino) & 1);
}

static uint64_t isize(const uint8_t *ino)
{
	return compact(ino) ? get_le32(ino + 8) : get_le64(ino + 8);
}

static uint32_t xattr_area(const uint8_t *ino)
{
	return erofs_xattr_ibody_size(get_le16(ino + 2));
}

static const char *const prefixes[] = {
	"", "user.", "system.posix_acl_access", "system.posix_acl_default",
	"trusted.", "lustre.", "security.",
};

static bool entry_is(const uint8_t *e, const char *name)
{
	const char *pre;
	size_t plen;

	if (e[1] >= ARRAY_SIZE(prefixes))
		return false;
	pre = prefixes[e[1]];
	plen = strlen(pre);
	return strlen(name) == plen + e[0] && !strncmp(name, pre, plen) &&
	       !memcmp(name + plen, e + 4, e[0]);
}

/* Value of xattr name of inode nid, or NULL. */
static const uint8_t *get_xattr(const struct img *im, uint64_t nid,
				const char *name, size_t *len)
{
	const uint8_t *ino = inode_at(im, nid), *sb = im->p + 1024, *x, *end;
	uint32_t i, n_shared;

	if (!ino || !xattr_area(ino))
		return NULL;
	x = ino + (compact(ino) ? 32 : 64);
	end = x + xattr_area(ino);
	n_shared = x[4];
	for (i = 0; i < n_shared; i++) {
		uint32_t id = get_le32(x + 12 + 4 * i);
		const uint8_t *e = im->p + get_le32(sb + 44) * 4096ull + id * 4;

		if (entry_is(e, name)) {
			*len = get_le16(e + 2);
			return e + 4 + e[0];
		}
	}
	for (x += 12 + 4 * n_shared; x < end;
	     x += (4 + x[0] + get_le16(x + 2) + 3) & ~3u) {
		if (entry_is(x, name)) {
			*len = get_le16(x + 2);
			return x + 4 + x[0];
		}
	}
	return NULL;
}

/* Find name in directory dir; its nid and file type. */
static bool lookup(const struct img *im, uint64_t dir, const char *name,
		   uint64_t *nid, uint8_t *ftype)
{
	const uint8_t *ino = inode_at(im, dir);
	uint64_t size = isize(ino), done;
	unsigned int layout = get_le16(ino) >> 1 & 7;

	for (done = 0; done < size; done += 4096) {
		uint64_t chunk = size - done < 4096 ? size - done : 4096;
		const uint8_t *b;
		uint32_t n, i;

		if (layout == EROFS_INODE_FLAT_INLINE && size - done < 4096)
			b = ino + (compact(ino) ? 32 : 64) + xattr_area(ino);
		else
			b = im->p + get_le32(ino + 16) * 4096ull + done;
		n = get_le16(b + 8) / 12;
		for (i = 0; i < n; i++) {
			uint32_t off = get_le16(b + 12 * i + 8);
			uint32_t next = i + 1 < n ? get_le16(b + 12 * i + 20) :
						    chunk;

			if (i + 1 == n && memchr(b + off, 0, next - off))
				next = off + strlen((const char *)b + off);
			if (next - off == strlen(name) &&
			    !memcmp(b + off, name, next - off)) {
				*nid = get_le64(b + 12 * i);
				*ftype = b[12 * i + 10];
				return true;
			}
		}
	}
	return false;
}

static uint64_t path_nid(const struct img *im, const char *path)
{
	uint64_t nid = get_le16(im->p + 1024 + 14);
	char buf[256], *save, *c;
	uint8_t ft;

	snprintf(buf, sizeof(buf), "%s", path);
	for (c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save))
		if (!lookup(im, nid, c, &nid, &ft))
			return UINT64_MAX;
	return nid;
}

static bool xattr_is(const struct img *im, const char *path,
		     const char *name, const void *want, size_t want_len)
{
	uint64_t nid = path_nid(im, path);
	const uint8_t *v;
	size_t len;

	if (nid == UINT64_MAX)
		return false;
	v = get_xattr(im, nid, name, &len);
	if (!want)
		return !v;
	return v && len == want_len && !memcmp(v, want, len);
}

/* ---- building trees ---------------------------------------------------- */

static struct eseal_node *add(struct eseal_tree *t, struct eseal_node *dir,
			      const char *name, uint32_t mode)
{
	struct eseal_node *n = eseal_node_new(t, mode);
	struct eseal_error err;

	n->mtime_sec = 1000;
	if (eseal_node_add_child(t, dir, n, name, strlen(name), &err))
		abort();
	return n;
}

static struct eseal_tree *sample_tree(bool whiteout)
{
	struct eseal_tree *t = eseal_tree_new();
	struct eseal_error err;
	struct eseal_node *root = eseal_node_new(t, S_IFDIR | 0755), *n, *sub;
	struct eseal_digest d = { ESEAL_HASH_SHA256, 32, { 0 } };
	int i;

	root->mtime_sec = 1000;
	eseal_tree_set_root(t, root, &err);
	eseal_node_set_xattr(t, root, "security.selinux", "ctx", 4, &err);
	for (i = 0; i < 64; i++)
		d.bytes[i] = i + 1;
	n = add(t, root, "file", S_IFREG | 0644);
	n->size = 5000000;
	eseal_node_set_payload(t, n, "ab/cdef", &err);
	eseal_node_set_digest(t, n, &d, &err);
	n = add(t, root, "file512", S_IFREG | 0644);
	n->size = 7;
	eseal_node_set_payload(t, n, "cd/ef", &err);
	d.alg = ESEAL_HASH_SHA512;
	d.size = 64;
	eseal_node_set_digest(t, n, &d, &err);
	n = add(t, root, "nodigest", S_IFREG | 0600);
	n->size = 10;
	n = add(t, root, "small", S_IFREG | 0644);
	n->size = 5;
	eseal_node_set_content(t, n, "hello", 5, &err);
	n = add(t, root, "00", S_IFREG | 0644);
	n = add(t, root, "ln", S_IFLNK | 0777);
	eseal_node_set_payload(t, n, "target", &err);
	n->size = 6;
	sub = add(t, root, "sub", S_IFDIR | 0755);
	n = add(t, sub, "esc", S_IFREG | 0644);
	eseal_node_set_xattr(t, n, "trusted.overlay.foo", "bar", 3, &err);
	eseal_node_set_xattr(t, n, "user.overlay.redirect", "x", 1, &err);
	if (whiteout) {
		n = add(t, sub, "wh", S_IFCHR | 0644);
		n->size = 3;
	}
	return t;
}

static int write_img(struct eseal_tree *t, unsigned int min, unsigned int max,
		     struct img *im, struct eseal_digest *d,
		     struct eseal_error *err)
{
	struct eseal_image_opts o = { .size = sizeof(o), .min_version = min,
				      .max_version = max };
	int fd = memfd_create("img", 0), ret;

	memset(err, 0, sizeof(*err));
	ret = eseal_image_write(t, &o, fd, d, err);
	im->len = lseek(fd, 0, SEEK_END);
	im->p = malloc(im->len + 1);
	if (pread(fd, im->p, im->len, 0) != (ssize_t)im->len)
		abort();
	close(fd);
	return ret;
}

static void fsck(const struct img *im, const char *what)
{
	char path[] = "/tmp/eseal-fsck-XXXXXX", cmd[128];
	int fd;

	if (access("/usr/bin/fsck.erofs", X_OK) &&
	    access("/sbin/fsck.erofs", X_OK)) {
		test_skip("fsck.erofs not installed");
		return;
	}
	fd = mkstemp(path);
	if (fd < 0 || write(fd, im->p, im->len) != (ssize_t)im->len) {
		CHECK(0, "temp file for fsck");
		return;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "fsck.erofs %s >/dev/null 2>&1", path);
	CHECK(system(cmd) == 0, "fsck.erofs accepts the %s image", what);
	unlink(path);
}

static void test_overlay_xattrs(void)
{
	struct eseal_tree *t = sample_tree(true);
	uint8_t meta256[36] = { 0, 36, 0, 1 }, meta512[68] = { 0, 68, 0, 2 };
	struct eseal_error err;
	struct eseal_digest d;
	struct img im;
	uint64_t nid;
	uint8_t ft;
	int i, ret;

	for (i = 0; i < 64; i++) {
		if (i < 32)
			meta256[4 + i] = i + 1;
		meta512[4 + i] = i + 1;
	}
	ret = write_img(t, 0, 1, &im, &d, &err);
	CHECK(ret == 0, "sample tree written (%s)", err.msg);
	CHECK(get_le32(im.p) == COMPOSEFS_MAGIC && get_le32(im.p + 12) == 1,
	      "composefs header, version 1 because of the whiteout");
	CHECK(get_le32(im.p + 1024) == EROFS_SUPER_MAGIC_V1, "EROFS magic");
	CHECK(xattr_is(&im, "/file", "trusted.overlay.metacopy", meta256, 36),
	      "metacopy: version 0, length 36, flags 0, sha256, digest");
	CHECK(xattr_is(&im, "/file", "trusted.overlay.redirect", "/ab/cdef", 8),
	      "redirect is / + payload");
	CHECK(xattr_is(&im, "/file512", "trusted.overlay.metacopy", meta512, 68),
	      "metacopy: length 68, sha512 digest");
	CHECK(xattr_is(&im, "/nodigest", "trusted.overlay.metacopy", "", 0) &&
		      xattr_is(&im, "/nodigest", "trusted.overlay.redirect",
			       NULL, 0),
	      "no digest: empty metacopy, no payload: no redirect");
	CHECK(xattr_is(&im, "/small", "trusted.overlay.metacopy", NULL, 0),
	      "inline file: no metacopy");
	nid = path_nid(&im, "/small");
	CHECK(nid != UINT64_MAX && isize(inode_at(&im, nid)) == 5 &&
		      !memcmp(inode_at(&im, nid) + 32 + xattr_area(inode_at(&im, nid)),
			      "hello", 5),
	      "inline content after the inode");
	CHECK(xattr_is(&im, "/", "trusted.overlay.opaque", "y", 1),
	      "root is opaque");
	CHECK(xattr_is(&im, "/sub/esc", "trusted.overlay.overlay.foo", "bar", 3) &&
		      xattr_is(&im, "/sub/esc", "trusted.overlay.foo", NULL, 0),
	      "trusted.overlay.* escaped");
	CHECK(xattr_is(&im, "/sub/esc", "user.overlay.redirect", "x", 1),
	      "user.overlay.* kept");
	nid = path_nid(&im, "/sub/wh");
	CHECK(nid != UINT64_MAX &&
		      S_ISREG(get_le16(inode_at(&im, nid) + 4)) &&
		      isize(inode_at(&im, nid)) == 0,
	      "whiteout stored as an empty regular file");
	CHECK(xattr_is(&im, "/sub/wh", "trusted.overlay.overlay.whiteout", "", 0) &&
		      xattr_is(&im, "/sub/wh", "user.overlay.whiteout", "", 0),
	      "whiteout markers");
	CHECK(xattr_is(&im, "/sub", "trusted.overlay.overlay.whiteouts", "", 0) &&
		      xattr_is(&im, "/sub", "user.overlay.whiteouts", "", 0) &&
		      xattr_is(&im, "/sub", "trusted.overlay.overlay.opaque", "x", 1) &&
		      xattr_is(&im, "/sub", "user.overlay.opaque", "x", 1),
	      "directory of a whiteout marked, opaque=x in version 1");
	CHECK(lookup(&im, path_nid(&im, "/"), "01", &nid, &ft) &&
		      ft == EROFS_FT_CHRDEV &&
		      xattr_is(&im, "/ff", "security.selinux", "ctx", 4),
	      "root whiteouts 01..ff, with the root's selinux label");
	CHECK(lookup(&im, path_nid(&im, "/"), "00", &nid, &ft) &&
		      ft == EROFS_FT_REG_FILE,
	      "the tree's own /00 is kept");
	CHECK(lookup(&im, path_nid(&im, "/sub"), "..", &nid, &ft) &&
		      nid == path_nid(&im, "/") && ft == EROFS_FT_DIR &&
		      lookup(&im, path_nid(&im, "/sub"), ".", &nid, &ft) &&
		      nid == path_nid(&im, "/sub"),
	      ". and .. entries");
	fsck(&im, "sample");
	free(im.p);

	ret = write_img(t, 0, 0, &im, &d, &err);
	CHECK(ret == 0 && get_le32(im.p + 12) == 0 &&
		      xattr_is(&im, "/sub", "trusted.overlay.overlay.opaque",
			       NULL, 0) &&
		      xattr_is(&im, "/sub", "user.overlay.whiteouts", "", 0),
	      "max version 0: version 0, no opaque=x");
	free(im.p);
	eseal_tree_free(t);

	t = sample_tree(false);
	ret = write_img(t, 0, 1, &im, &d, &err);
	CHECK(ret == 0 && get_le32(im.p + 12) == 0,
	      "no whiteout: version 0 by default");
	free(im.p);
	ret = write_img(t, 1, 1, &im, &d, &err);
	CHECK(ret == 0 && get_le32(im.p + 12) == 1, "version 1 when asked for");
	free(im.p);
	ret = write_img(t, 2, 2, &im, &d, &err);
	CHECK(ret < 0 && strstr(err.msg, "unsupported composefs version 2"),
	      "version 2 refused: %s", err.msg);
	free(im.p);
	eseal_tree_free(t);
}

static void test_output(void)
{
	struct eseal_tree *t = sample_tree(true);
	struct eseal_image_opts o = ESEAL_IMAGE_OPTS_INIT;
	struct eseal_digest d1, d2, d3, d4;
	struct eseal_error err;
	struct img a, b;
	uint8_t *buf;
	int p[2];
	ssize_t n;

	write_img(t, 0, 1, &a, &d1, &err);
	write_img(t, 0, 1, &b, &d2, &err);
	CHECK(a.len == b.len && !memcmp(a.p, b.p, a.len) &&
		      !memcmp(d1.bytes, d2.bytes, 32),
	      "same tree, same bytes and digest");
	eseal_fsverity_digest_buf(a.p, a.len, ESEAL_HASH_SHA256, &d3);
	CHECK(d1.alg == ESEAL_HASH_SHA256 && d1.size == 32 &&
		      !memcmp(d1.bytes, d3.bytes, 32),
	      "streamed digest is the fs-verity digest of the bytes");
	CHECK(eseal_image_write(t, &o, -1, &d4, &err) == 0 &&
		      !memcmp(d4.bytes, d1.bytes, 32),
	      "fd -1: digest only");
	CHECK(a.len % 4096 == 0 && a.len < 65536, "image of %zu bytes", a.len);

	if (pipe(p) == 0) {
		int ret = eseal_image_write(t, &o, p[1], NULL, &err);

		close(p[1]);
		buf = malloc(a.len + 1);
		n = read(p[0], buf, a.len + 1);
		close(p[0]);
		CHECK(ret == 0 && n == (ssize_t)a.len && !memcmp(buf, a.p, a.len),
		      "written through a pipe");
		free(buf);
	}
	p[0] = open("/dev/full", O_WRONLY);
	if (p[0] >= 0) {
		CHECK(eseal_image_write(t, &o, p[0], NULL, &err) < 0 &&
			      strstr(err.msg, "writing the image failed"),
		      "write error reported: %s", err.msg);
		close(p[0]);
	}
	free(a.p);
	free(b.p);
	eseal_tree_free(t);
}

static void expect_error(struct eseal_tree *t, const char *want,
			 const char *what)
{
	struct eseal_image_opts o = ESEAL_IMAGE_OPTS_INIT;
	struct eseal_error err = { 0 };
	int ret = eseal_image_write(t, &o, -1, NULL, &err);

	CHECK(ret < 0 && strstr(err.msg, want), "%s: '%s'", what, err.msg);
	eseal_tree_free(t);
}

static void test_errors(void)
{
	struct eseal_tree *t;
	struct eseal_node *n, *d;
	struct eseal_error err;
	char *big;

	t = sample_tree(false);
	add(t, t->root, "bad", S_IFLNK | 0777);
	expect_error(t, "/bad: symlink without a target", "symlink target");

	t = sample_tree(false);
	n = add(t, eseal_node_find_child(t->root, "sub", 3), "huge",
		S_IFREG | 0644);
	n->size = 1ull << 54;
	expect_error(t, "/sub/huge: file too large", "stub too large");

	t = sample_tree(false);
	add(t, t->root, "nomode", 0644);
	expect_error(t, "/nomode: invalid file type", "mode without type");

	t = sample_tree(false);
	n = add(t, t->root, "x", S_IFREG | 0644);
	big = calloc(1, 70000);
	eseal_node_set_xattr(t, n, "user.big", big, 70000, &err);
	free(big);
	expect_error(t, "/x: xattr user.big: value longer than 65535",
		     "xattr value too long");

	t = sample_tree(false);
	d = eseal_node_find_child(t->root, "sub", 3);
	n = add(t, t->root, "dirlink", S_IFREG | 0644);
	n->link_to = d;
	expect_error(t, "/dirlink: hardlink to a directory", "hardlink to a dir");

	t = sample_tree(false);
	n = add(t, t->root, "outside", S_IFREG | 0644);
	n->link_to = eseal_node_new(t, S_IFREG | 0644);
	expect_error(t, "/outside: hardlink to a file outside the tree",
		     "hardlink out of the tree");
}

int main(void)
{
	test_overlay_xattrs();
	test_output();
	test_errors();
	return test_done();
}
