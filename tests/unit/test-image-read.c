// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The image reader.
 *
 * Round trips over the composefs test dumps ($COMPAT_DIR): dump -> image
 * -> tree (our reader) -> image gives identical bytes, and so does
 * -> dump -> parse -> image; a second dump is identical to the first.
 *
 * Hostile input: truncations, bit flips, a directory that contains
 * itself, a hardlinked directory, bad magic and huge counts must all give
 * an error with a message, never a crash (this also runs under
 * ASan+UBSan).  Seed images come from our writer and from mkfs.erofs (an
 * independent writer) when it is installed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "canon.h"
#include "erofs-read.h"
#include "erofs_fs.h"
#include "objstore.h"
#include "test.h"
#include "tree.h"

struct image {
	uint8_t *buf;
	size_t len;
};

static bool read_file(const char *path, struct image *img)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	img->buf = malloc(n > 0 ? n : 1);
	img->len = n;
	if (!img->buf || fread(img->buf, 1, n, f) != (size_t)n) {
		fclose(f);
		return false;
	}
	fclose(f);
	return true;
}

/* Load, and if that works dump to /dev/null; returns the load result. */
static int try_load(const uint8_t *buf, size_t len, struct eseal_error *err)
{
	struct eseal_tree *tree = NULL;
	int ret;

	memset(err, 0, sizeof(*err));
	ret = eseal_tree_from_image(buf, len, &tree, err);
	if (ret == 0) {
		FILE *null = fopen("/dev/null", "w");

		eseal_dump_write(tree, null, err);
		fclose(null);
		eseal_tree_free(tree);
	}
	return ret;
}

/* A reader over img, enough to locate inodes with erofs_read_inode(). */
static void reader_init(struct erofs_reader *r, const struct image *img,
			struct eseal_error *err)
{
	const uint8_t *sb = img->buf + EROFS_SUPER_OFFSET;

	memset(r, 0, sizeof(*r));
	r->buf = img->buf;
	r->len = img->len;
	r->blkbits = sb[offsetof(struct erofs_super_block, blkszbits)];
	r->blksz = 1u << r->blkbits;
	r->meta_off = (uint64_t)get_le32(sb + offsetof(struct erofs_super_block,
						      meta_blkaddr))
		      << r->blkbits;
	r->root_nid = get_le16(sb + offsetof(struct erofs_super_block,
					     root_nid));
	r->err = err;
}

/* The first data block of directory nid (*blen bytes), or NULL. */
static uint8_t *dir_block(const struct image *img, uint64_t dir_nid,
			  size_t *blen)
{
	struct eseal_error err;
	struct erofs_reader r;
	struct erofs_rinode ii;

	reader_init(&r, img, &err);
	if (erofs_read_inode(&r, dir_nid, &ii))
		return NULL;
	*blen = MIN(ii.size, (uint64_t)r.blksz);
	if (ii.datalayout == EROFS_INODE_FLAT_INLINE && ii.size < r.blksz)
		return img->buf + ii.inline_off;
	return img->buf + ((uint64_t)ii.i_u << r.blkbits);
}

/* The dirent named name in the first block of directory nid, or NULL. */
static uint8_t *find_dirent(const struct image *img, uint64_t dir_nid,
			    const char *name)
{
	uint8_t *blk;
	size_t n, i, blen;

	blk = dir_block(img, dir_nid, &blen);
	if (!blk)
		return NULL;
	n = get_le16(blk + 8) / sizeof(struct erofs_dirent);
	for (i = 0; i < n; i++) {
		uint8_t *de = blk + i * sizeof(struct erofs_dirent);
		size_t off = get_le16(de + 8);
		size_t end = i + 1 < n ? get_le16(de + 8 + 12) :
			     off + strnlen((char *)blk + off, blen - off);

		if (end - off == strlen(name) &&
		    !memcmp(blk + off, name, end - off))
			return de;
	}
	return NULL;
}

static void test_hostile(const char *label, const struct image *seed,
			 size_t expect_entries, bool named_dirs)
{
	struct eseal_error err;
	struct eseal_tree *tree = NULL;
	struct image img;
	size_t len, i, failures, bad_msgs;
	uint64_t root_nid;
	uint8_t *de, *de2;
	int ret;

	ret = eseal_tree_from_image(seed->buf, seed->len, &tree, &err);
	CHECK(ret == 0, "%s: the seed image loads (%s)", label,
	      ret ? err.msg : "ok");
	if (ret)
		return;
	CHECK(eseal_tree_count(tree) == expect_entries,
	      "%s: %zu entries (expected %zu)", label, eseal_tree_count(tree),
	      expect_entries);
	eseal_tree_free(tree);

	img.len = seed->len;
	img.buf = malloc(seed->len);

	/* truncated at every 64-byte boundary */
	failures = bad_msgs = 0;
	for (len = 0; len < seed->len; len += 64) {
		uint8_t *copy = malloc(len ? len : 1);

		memcpy(copy, seed->buf, len);
		ret = try_load(copy, len, &err);
		if (ret) {
			failures++;
			if (!err.msg[0] || ret != -err.code)
				bad_msgs++;
		}
		free(copy);
	}
	CHECK(failures >= (EROFS_SUPER_OFFSET + 128) / 64 && !bad_msgs,
	      "%s: %zu of %zu truncations fail, all with a message", label,
	      failures, DIV_ROUND_UP(seed->len, (size_t)64));

	/* random bit flips (fixed seed: reproducible) */
	srand(1234);
	failures = bad_msgs = 0;
	for (i = 0; i < 4000; i++) {
		int flips = 1 + rand() % 4, k;

		memcpy(img.buf, seed->buf, seed->len);
		for (k = 0; k < flips; k++) {
			/* mostly metadata, where it hurts */
			size_t limit = i % 2 ? seed->len :
				       MIN(seed->len, (size_t)3 * 4096);
			size_t pos = (size_t)rand() % limit;

			img.buf[pos] ^= 1u << (rand() % 8);
		}
		ret = try_load(img.buf, img.len, &err);
		if (ret) {
			failures++;
			if (!err.msg[0])
				bad_msgs++;
		}
	}
	CHECK(!bad_msgs, "%s: 4000 bit-flipped images: %zu rejected, all with a message",
	      label, failures);

	root_nid = get_le16(seed->buf + EROFS_SUPER_OFFSET +
			    offsetof(struct erofs_super_block, root_nid));

	/* a directory that contains itself */
	memcpy(img.buf, seed->buf, seed->len);
	de = named_dirs ? find_dirent(&img, root_nid, "dir") : NULL;
	if (named_dirs)
		CHECK(de != NULL, "%s: found the dirent of /dir", label);
	if (de) {
		put_le64(de, root_nid);
		ret = try_load(img.buf, img.len, &err);
		CHECK(ret == -ELOOP && strstr(err.msg, "twice"),
		      "%s: a directory containing the root is refused: %s",
		      label, err.msg);
	}

	/* a hardlinked directory: /other points at /dir's inode */
	memcpy(img.buf, seed->buf, seed->len);
	de = named_dirs ? find_dirent(&img, root_nid, "dir") : NULL;
	de2 = named_dirs ? find_dirent(&img, root_nid, "other") : NULL;
	if (named_dirs)
		CHECK(de && de2, "%s: found the dirents of /dir and /other",
		      label);
	if (de && de2) {
		memcpy(de2, de, 8);
		ret = try_load(img.buf, img.len, &err);
		CHECK(ret == -ELOOP, "%s: a hardlinked directory is refused: %s",
		      label, err.msg);
		/* a nid far beyond the image */
		memcpy(img.buf, seed->buf, seed->len);
		put_le64(de2, (uint64_t)1 << 60);
		ret = try_load(img.buf, img.len, &err);
		CHECK(ret == -EINVAL && strstr(err.msg, "beyond"),
		      "%s: a huge nid is refused: %s", label, err.msg);
		/* a huge name offset in the first dirent */
		memcpy(img.buf, seed->buf, seed->len);
		de = dir_block(&img, root_nid, &len);
		put_le16(de + 8, 0xfff0);
		ret = try_load(img.buf, img.len, &err);
		CHECK(ret < 0 && err.msg[0], "%s: a huge dirent count is refused: %s",
		      label, err.msg);
	}

	/* names out of order: /small renamed in place to /zmall */
	memcpy(img.buf, seed->buf, seed->len);
	de = named_dirs ? find_dirent(&img, root_nid, "small") : NULL;
	if (de) {
		uint8_t *blk = dir_block(&img, root_nid, &len);

		blk[get_le16(de + 8)] = 'z';
		ret = try_load(img.buf, img.len, &err);
		CHECK(ret == -EINVAL && strstr(err.msg, "out of order"),
		      "%s: an unsorted directory is refused: %s", label,
		      err.msg);
	}

	/* bad magic */
	memcpy(img.buf, seed->buf, seed->len);
	img.buf[EROFS_SUPER_OFFSET] ^= 0xff;
	ret = try_load(img.buf, img.len, &err);
	CHECK(ret == -EINVAL && strstr(err.msg, "magic"),
	      "%s: bad magic is refused: %s", label, err.msg);

	/* huge sizes and counts in the root inode */
	{
		struct erofs_reader r;
		struct erofs_rinode ii;
		uint8_t *ino;

		memcpy(img.buf, seed->buf, seed->len);
		reader_init(&r, &img, &err);
		erofs_read_inode(&r, root_nid, &ii);
		ino = img.buf + ii.off;
		if (ii.isize == 32)
			put_le32(ino + 8, 0xffffffffu);
		else
			put_le64(ino + 8, UINT64_MAX);
		ret = try_load(img.buf, img.len, &err);
		CHECK(ret < 0 && err.msg[0], "%s: a huge directory size is refused: %s",
		      label, err.msg);

		memcpy(img.buf, seed->buf, seed->len);
		put_le16(ino + 2, 0xffff);
		ret = try_load(img.buf, img.len, &err);
		CHECK(ret < 0 && err.msg[0], "%s: a huge xattr count is refused: %s",
		      label, err.msg);

		memcpy(img.buf, seed->buf, seed->len);
		put_le16(ino + 2, 1);	/* a bare 12-byte xattr header */
		ino[ii.isize + 4] = 255; /* ... claiming 255 shared xattrs */
		ret = try_load(img.buf, img.len, &err);
		CHECK(ret < 0 && err.msg[0],
		      "%s: 255 shared xattrs in a 12-byte area are refused: %s",
		      label, err.msg);

		memcpy(img.buf, seed->buf, seed->len);
		put_le16(ino + 4, 0170755);	/* no such file type */
		ret = try_load(img.buf, img.len, &err);
		CHECK(ret == -EINVAL && strstr(err.msg, "type"),
		      "%s: an invalid file type is refused: %s", label, err.msg);
	}
	free(img.buf);
}

/* ---- round trips over the composefs test dumps --------------------- */

static int write_image(struct eseal_tree *tree, unsigned int version,
		       struct image *out, struct eseal_error *err)
{
	struct eseal_image_opts opts = { .size = sizeof(opts),
					 .min_version = version,
					 .max_version = version };
	int fd = memfd_create("image", MFD_CLOEXEC);
	off_t size;
	int ret;

	out->buf = NULL;
	if (fd < 0)
		return eseal_syserrorf(err, errno, "memfd_create");
	ret = eseal_image_write(tree, &opts, fd, NULL, err);
	size = lseek(fd, 0, SEEK_END);
	if (!ret && size > 0) {
		out->len = size;
		out->buf = malloc(size);
		if (!out->buf || pread(fd, out->buf, size, 0) != size)
			ret = eseal_errorf(err, EIO, "reading the image back");
	} else if (!ret) {
		ret = eseal_errorf(err, EIO, "empty image");
	}
	close(fd);
	return ret;
}

static int dump_to_mem(struct eseal_tree *tree, char **buf, size_t *len,
		       struct eseal_error *err)
{
	FILE *f = open_memstream(buf, len);
	int ret;

	if (!f)
		return eseal_syserrorf(err, errno, "open_memstream");
	ret = eseal_dump_write(tree, f, err);
	fclose(f);
	return ret;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static void round_trip_tree(const char *name, struct eseal_tree *t1,
			    unsigned int version);

static void round_trip(const char *dir, const char *name)
{
	/* mkcomposefs' own test parses these leniently */
	static const char *const lenient[] = {
		"no-newline.dump", "longlink.dump",
		"honggfuzz-longlink-unterminated.dump",
	};
	struct eseal_tree *t1 = NULL;
	struct eseal_error err = { 0 };
	unsigned int flags = 0, version = 0;
	size_t i;
	char path[4096], cmd[4200];
	FILE *f, *vf;
	int ret;

	for (i = 0; i < ARRAY_SIZE(lenient); i++)
		if (!strcmp(name, lenient[i]))
			flags = ESEAL_DUMP_LENIENT;
	snprintf(path, sizeof(path), "%s/%s.version", dir, name);
	vf = fopen(path, "r");
	if (vf) {
		if (fscanf(vf, "%u", &version) != 1)
			version = 0;
		fclose(vf);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (has_suffix(name, ".gz")) {
		snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
		f = popen(cmd, "r");
	} else {
		f = fopen(path, "r");
	}
	if (!f) {
		CHECK(0, "%s: cannot open", name);
		return;
	}
	ret = eseal_tree_from_dump(f, name, flags, &t1, &err);
	if (has_suffix(name, ".gz"))
		pclose(f);
	else
		fclose(f);
	if (ret) {
		CHECK(0, "%s: parse: %s", name, err.msg);
		return;
	}
	round_trip_tree(name, t1, version);
}

/* The first line where two dumps differ, for a message */
static const char *first_diff(const char *a, size_t alen, const char *b,
			      size_t blen, char *buf, size_t size)
{
	size_t i = 0, start = 0;

	while (i < alen && i < blen && a[i] == b[i])
		if (a[i++] == '\n')
			start = i;
	snprintf(buf, size, "written '%.*s' read '%.*s'",
		 (int)strcspn(a + start, "\n"), a + start,
		 (int)strcspn(b + start, "\n"), b + start);
	return buf;
}

/*
 * What the writer emits its reader reads back to the same dump
 * (tests/unit/canon.h): the image img reads back to the dump want.
 */
static bool reads_back(const char *name, const struct image *img,
		       const char *want, size_t want_len, bool quiet)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *t = NULL;
	char *got, msg[600];
	size_t got_len = 0;
	bool same;
	int ret;

	ret = eseal_tree_from_image(img->buf, img->len, &t, &err);
	if (ret) {
		CHECK(0, "%s: our image reads back: %s", name, err.msg);
		return false;
	}
	got = canon_dump(t, canon_image_version(img->buf, img->len),
			 &got_len);
	eseal_tree_free(t);
	same = got && want && got_len == want_len &&
	       !memcmp(got, want, got_len);
	if (!same || !quiet)
		CHECK(same, "%s: the image reads back to the dump of the tree written%s%s",
		      name, same ? "" : ": ",
		      same ? "" : first_diff(want ? want : "", want_len,
					     got ? got : "", got_len, msg,
					     sizeof(msg)));
	free(got);
	return same;
}

/*
 * The round trips of one tree (freed here); quiet: only failures print
 * (for the many generated trees).  Returns whether all held.
 */
static bool round_trip_tree_q(const char *name, struct eseal_tree *t1,
			      unsigned int version, bool quiet)
{
	struct eseal_tree *t2 = NULL, *t3 = NULL;
	struct image img1 = { 0 }, img2 = { 0 }, img3 = { 0 };
	char *d2 = NULL, *d3 = NULL, *want = NULL;
	size_t d2_len = 0, d3_len = 0, want_len = 0;
	struct eseal_error err = { 0 };
	bool lossy = canon_lossy(t1), held = false, same;
	FILE *f;
	int ret;

	ret = write_image(t1, version, &img1, &err);
	if (ret) {
		CHECK(0, "%s: write: %s", name, err.msg);
		goto out;
	}
	/* the tree as its image reads back; for a lossy one, see below */
	if (!lossy) {
		want = canon_dump(t1, canon_image_version(img1.buf, img1.len),
				  &want_len);
		if (!reads_back(name, &img1, want, want_len, quiet))
			goto out;
	}
	ret = eseal_tree_from_image(img1.buf, img1.len, &t2, &err);
	if (ret || !quiet)
		CHECK(ret == 0, "%s: our image loads back (%s)", name,
		      ret ? err.msg : "ok");
	if (ret)
		goto out;
	ret = write_image(t2, version, &img2, &err);
	same = ret == 0 && img2.len == img1.len &&
	       !memcmp(img1.buf, img2.buf, img1.len);
	if (!same || !quiet)
		CHECK(same,
		      "%s: image -> tree -> image is byte-identical (%zu bytes)%s%s",
		      name, img1.len, ret ? ": " : "", ret ? err.msg : "");
	if (!same)
		goto out;
	if (lossy) {
		/* not the tree written, but the one read back, is exact */
		struct eseal_tree *t = NULL;

		if (eseal_tree_from_image(img1.buf, img1.len, &t, &err))
			goto out;
		want = canon_dump(t, version, &want_len);
		eseal_tree_free(t);
		if (!reads_back(name, &img2, want, want_len, quiet))
			goto out;
	}

	ret = dump_to_mem(t2, &d2, &d2_len, &err);
	if (ret) {
		CHECK(0, "%s: dump: %s", name, err.msg);
		goto out;
	}
	f = fmemopen(d2, d2_len, "r");
	ret = eseal_tree_from_dump(f, "dump of the image", 0, &t3, &err);
	fclose(f);
	if (ret || !quiet)
		CHECK(ret == 0, "%s: the dump of the image parses strictly (%s)",
		      name, ret ? err.msg : "ok");
	if (ret)
		goto out;
	ret = write_image(t3, version, &img3, &err);
	same = ret == 0 && img3.len == img1.len &&
	       !memcmp(img1.buf, img3.buf, img1.len);
	if (!same || !quiet)
		CHECK(same, "%s: image -> dump -> image is byte-identical%s%s",
		      name, ret ? ": " : "", ret ? err.msg : "");
	if (!same)
		goto out;
	ret = dump_to_mem(t3, &d3, &d3_len, &err);
	same = ret == 0 && d3_len == d2_len && !memcmp(d2, d3, d2_len);
	if (!same || !quiet)
		CHECK(same, "%s: dump -> image -> dump is stable (%zu bytes)",
		      name, d2_len);
	held = same;
out:
	free(want);
	eseal_tree_free(t1);
	eseal_tree_free(t2);
	eseal_tree_free(t3);
	free(img1.buf);
	free(img2.buf);
	free(img3.buf);
	free(d2);
	free(d3);
	return held;
}

static void round_trip_tree(const char *name, struct eseal_tree *t1,
			    unsigned int version)
{
	round_trip_tree_q(name, t1, version, false);
}

/* Cases fuzzing found, and the odd corners of the format */
static void round_trip_corners(void)
{
	static const char *const dumps[][2] = {
		{ "fifo with a 64-bit size",
		  "/ 4096 40755 2 0 0 0 0.0 - - -\n"
		  "/fifo 9500000000000000 10644 1 0 0 0 0.0 - - -\n" },
		{ "devices, escapes, hardlinks, whiteouts",
		  "/ 4096 40755 2 0 0 0 5.5 - - - trusted.overlay.opaque=y\n"
		  "/-\\x20\\n 3 100644 2 0 0 0 5.5 - \\x2d\\t\\\\ -\n"
		  "/c 7 20644 1 70000 0 259 1.0 - - -\n"
		  "/d 0 40755 2 0 0 0 5.5 - - -\n"
		  "/d/w 0 20000 1 0 0 0 5.5 - - -\n"
		  "/h 3 @100644 2 0 0 0 5.5 /-\\x20\\n - -\n"
		  "/s 0 140644 1 0 0 0 5.5 - - -\n" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dumps); i++) {
		struct eseal_error err = { 0 };
		struct eseal_tree *t = NULL;
		FILE *f = fmemopen((void *)dumps[i][1], strlen(dumps[i][1]),
				   "r");
		int ret = eseal_tree_from_dump(f, dumps[i][0], 0, &t, &err);

		fclose(f);
		CHECK(ret == 0, "%s: parses (%s)", dumps[i][0],
		      ret ? err.msg : "ok");
		if (!ret)
			round_trip_tree(dumps[i][0], t, 1);
	}
}

/* ---- generated trees ------------------------------------------------- */

static uint64_t gen_state;

static uint64_t gen(uint64_t n)
{
	gen_state ^= gen_state << 13;
	gen_state ^= gen_state >> 7;
	gen_state ^= gen_state << 17;
	return n ? gen_state % n : gen_state;
}

/* A name: mostly plain, sometimes with bytes that need escaping */
static size_t gen_name(char *buf)
{
	static const char odd[] = " -=\\\x1b\n\t\x7f\xff\xc3.";
	size_t len = 1 + gen(12), i;

	for (i = 0; i < len; i++)
		buf[i] = gen(6) ? (char)('a' + gen(26)) :
			 odd[gen(sizeof(odd) - 1)];
	if ((len == 1 && buf[0] == '.') ||
	    (len == 2 && buf[0] == '.' && buf[1] == '.'))
		buf[0] = 'x';
	return len;
}

static void gen_bytes(uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)gen(256);
}

static void gen_attrs(struct eseal_tree *t, struct eseal_node *n,
		      const struct eseal_node *root)
{
	static const char *const keys[] = {
		"user.a", "user.overlay.opaque", "trusted.overlay.redirect",
		"trusted.overlay.overlay.x", "security.selinux", "trusted.x",
		"user.long.name.of.an.attribute",
	};
	uint8_t value[80];
	uint32_t i, nx = (uint32_t)gen(4);

	n->mode = (n->mode & S_IFMT) | (uint32_t)gen(010000);
	n->uid = gen(4) ? (uint32_t)gen(70000) : (uint32_t)gen(0);
	n->gid = gen(4) ? (uint32_t)gen(1000) : (uint32_t)gen(0);
	/* often the root's mtime: compact inodes */
	if (root && gen(3) == 0) {
		n->mtime_sec = root->mtime_sec;
		n->mtime_nsec = root->mtime_nsec;
	} else {
		n->mtime_sec = (int64_t)gen(1ull << 34) - (1ll << 33);
		n->mtime_nsec = gen(4) ? (uint32_t)gen(1000000000) :
					 999999999u;
	}
	for (i = 0; i < nx; i++) {
		size_t vlen = gen(sizeof(value));

		gen_bytes(value, vlen);
		if (eseal_node_set_xattr(t, n, keys[gen(ARRAY_SIZE(keys))],
					 value, vlen, NULL))
			abort();
	}
}

/*
 * A random tree the writer accepts and the image holds exactly (none of
 * canon_lossy()'s cases): every file type, inline and stub files,
 * hardlinks (also to whiteouts), odd names, xattrs the overlay rewrites.
 */
static struct eseal_tree *gen_tree(void)
{
	struct eseal_tree *t = eseal_tree_new();
	struct eseal_node *nodes[64], *dirs[64], *n;
	size_t n_nodes = 0, n_dirs = 0, count = 1 + gen(60), i;
	char name[16];

	n = eseal_node_new(t, S_IFDIR);
	eseal_tree_set_root(t, n, NULL);
	gen_attrs(t, n, NULL);
	dirs[n_dirs++] = n;
	for (i = 0; i < count; i++) {
		struct eseal_node *parent = dirs[gen(n_dirs)];
		uint32_t kind = (uint32_t)gen(n_nodes ? 10 : 9);
		size_t len = gen_name(name);

		if (kind == 9) {
			/* a hardlink to a file seen already */
			struct eseal_node *target = nodes[gen(n_nodes)];

			n = eseal_node_new(t, target->mode);
			n->link_to = target;
			target->nlink++;
		} else {
			static const uint32_t types[] = {
				S_IFDIR, S_IFREG, S_IFREG, S_IFREG, S_IFLNK,
				S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK,
			};

			n = eseal_node_new(t, types[kind]);
		}
		if (eseal_node_add_child(t, parent, n, name, len, NULL))
			continue;	/* a name taken: fine */
		if (n->link_to)
			continue;
		gen_attrs(t, n, t->root);
		switch (n->mode & S_IFMT) {
		case S_IFDIR:
			if (n_dirs < ARRAY_SIZE(dirs))
				dirs[n_dirs++] = n;
			continue;
		case S_IFREG: {
			uint8_t data[64];
			struct eseal_digest d = { ESEAL_HASH_SHA256, 32, { 0 } };
			char path[70];

			switch (gen(3)) {
			case 0:
				n->size = 0;
				break;
			case 1:	/* inline */
				n->size = 1 + gen(64);
				gen_bytes(data, n->size);
				eseal_node_set_content(t, n, data, n->size,
						       NULL);
				break;
			default: /* a stub, with or without payload, digest */
				n->size = 1 + gen(1ull << 40);
				gen_bytes(d.bytes, 32);
				if (gen(4))
					eseal_node_set_digest(t, n, &d, NULL);
				eseal_object_path(&d, path);
				if (gen(4))
					eseal_node_set_payload(t, n, path,
							       NULL);
			}
			break;
		}
		case S_IFLNK: {
			char target[40];
			size_t tl = 1 + gen(sizeof(target) - 1), k;

			for (k = 0; k < tl; k++)
				target[k] = (char)(1 + gen(255));
			target[tl] = '\0';
			eseal_node_set_payload(t, n, target, NULL);
			n->size = tl;
			break;
		}
		case S_IFCHR:
		case S_IFBLK:
			/* a character device 0:0 is a whiteout */
			n->rdev = gen(3) ? (uint32_t)gen(0) : 0;
			break;
		}
		if (n_nodes < ARRAY_SIZE(nodes))
			nodes[n_nodes++] = n;
	}
	return t;
}

static void generated_trees(void)
{
	unsigned int i, held = 0, total = 300;
	char name[64];

	gen_state = 0x9e3779b97f4a7c15ull;
	for (i = 0; i < total; i++) {
		snprintf(name, sizeof(name), "generated tree %u", i);
		held += round_trip_tree_q(name, gen_tree(), i % 2, true);
	}
	CHECK(held == total,
	      "%u generated trees: every image reads back to the dump of its tree, and writes the same bytes again (%u held)",
	      total, held);
}

/* ---- directory trees --------------------------------------------------- */

/* depth nested directories "d" below dir, a file "f" in the deepest */
static bool make_chain(const char *dir, unsigned int depth)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY), next, f;
	unsigned int i;

	for (i = 0; fd >= 0 && i < depth; i++) {
		if (mkdirat(fd, "d", 0755) < 0 && errno != EEXIST)
			break;
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = next;
	}
	if (fd < 0)
		return false;
	f = openat(fd, "f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	close(fd);
	if (f < 0)
		return false;
	close(f);
	return i == depth;
}

static bool put_file(const char *path, size_t size, int seed)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f)
		return false;
	for (i = 0; i < size; i++)
		putc((int)((i * 7 + (size_t)seed) % 251), f);
	return fclose(f) == 0;
}

/* A tree of every kind of entry mkimage reads from a directory */
static bool make_dir_tree(const char *d)
{
	static const size_t sizes[] = { 0, 1, 64, 65, 4096, 70000 };
	struct timespec ts[2] = { { 0, 999999999 }, { 1700000000, 999999999 } };
	char path[256], target[256];
	size_t i;

	if (mkdir(d, 0755) < 0)
		return false;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		snprintf(path, sizeof(path), "%s/file-%zu", d, sizes[i]);
		if (!put_file(path, sizes[i], (int)i))
			return false;
	}
	snprintf(path, sizeof(path), "%s/\x1b[31mred\nline\xff", d);
	if (!put_file(path, 100, 9))
		return false;
	/* hardlinks, named before and after the first name */
	snprintf(target, sizeof(target), "%s/file-65", d);
	snprintf(path, sizeof(path), "%s/a-link", d);
	if (link(target, path) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/z-link", d);
	if (link(target, path) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/symlink", d);
	if (symlink("file-4096", path) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/fifo", d);
	if (mkfifo(path, 0640) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/sub", d);
	if (mkdir(path, 0700) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/sub/file-70000-again", d);
	if (!put_file(path, 70000, 5))
		return false;
	if (geteuid() == 0) {
		/* a device and a whiteout (a character device 0:0) */
		snprintf(path, sizeof(path), "%s/null", d);
		mknod(path, S_IFCHR | 0666, makedev(1, 3));
		snprintf(path, sizeof(path), "%s/sub/whiteout", d);
		mknod(path, S_IFCHR, makedev(0, 0));
	}
	snprintf(path, sizeof(path), "%s/file-1", d);
	setxattr(path, "user.note", "hello", 5, 0);	/* if supported */
	utimensat(AT_FDCWD, path, ts, 0);
	/*
	 * Deep, not as deep as the limit: scanning a chain of directories
	 * costs depth^2 / 2 opens (each is opened from the top) and takes
	 * ~25 s at 4096; the limit itself is checked with trees and dumps.
	 */
	snprintf(path, sizeof(path), "%s/deep", d);
	if (mkdir(path, 0755) < 0 || !make_chain(path, 300))
		return false;
	return true;
}

/* Trees scanned from directories, with digests as mkimage makes them */
static void dir_trees(void)
{
	static const struct {
		const char *name;
		unsigned int flags, version;
	} scans[] = {
		{ "directory tree", 0, 0 },
		{ "directory tree, --use-epoch, version 1",
		  ESEAL_SCAN_USE_EPOCH, 1 },
	};
	struct eseal_store_opts opts = { .size = sizeof(opts), .threads = 2 };
	struct eseal_error err = { 0 };
	struct eseal_tree *t;
	size_t i;
	int ret;

	if (system("rm -rf rt-src") != 0 || !make_dir_tree("rt-src")) {
		CHECK(0, "made a directory tree to scan");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(scans); i++) {
		ret = eseal_tree_from_dir("rt-src", scans[i].flags, &t, &err);
		if (!ret)
			ret = eseal_tree_store_objects(t, &opts, NULL, &err);
		CHECK(ret == 0, "%s: scanned, %zu entries (%s)", scans[i].name,
		      ret ? 0 : eseal_tree_count(t), ret ? err.msg : "ok");
		if (!ret)
			round_trip_tree(scans[i].name, t, scans[i].version);
		else
			eseal_tree_free(t);
	}
	if (system("rm -rf rt-src") != 0)
		CHECK(0, "removed the directory tree");
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void round_trips(struct image *seed)
{
	const char *dir = getenv("COMPAT_DIR");
	char *names[256];
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;

	d = dir ? opendir(dir) : NULL;
	if (!d) {
		test_skip("COMPAT_DIR not set or missing: no round trips over the composefs dumps");
		return;
	}
	while ((de = readdir(d)) && n < ARRAY_SIZE(names)) {
		if (strncmp(de->d_name, "should-fail", 11) &&
		    (has_suffix(de->d_name, ".dump") ||
		     has_suffix(de->d_name, ".dump.gz")))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		round_trip(dir, names[i]);
		/* special.dump (whiteouts, overlay xattrs, ACLs) seeds the
		 * hostile tests below with a composefs image */
		if (!strcmp(names[i], "special.dump") && !seed->buf) {
			char path[4096];
			struct eseal_tree *t;
			struct eseal_error err;
			FILE *f;

			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			f = fopen(path, "r");
			if (f && !eseal_tree_from_dump(f, path, 0, &t, &err)) {
				write_image(t, 0, seed, &err);
				eseal_tree_free(t);
			}
			if (f)
				fclose(f);
		}
		free(names[i]);
	}
}

/* ---- limits: nesting depth, memory budget -------------------------------- */

static struct eseal_node *add(struct eseal_tree *t, struct eseal_node *parent,
			      const char *name, uint32_t mode)
{
	struct eseal_node *n = eseal_node_new(t, mode);
	struct eseal_error err;

	if (!n || eseal_node_add_child(t, parent, n, name, strlen(name), &err))
		abort();
	return n;
}

/*
 * A chain of depth nested directories "/d/d/d/...", and an empty "/z";
 * the image in *img.  The tree's depth limit stops a deeper chain.
 */
static int write_nested(unsigned int depth, struct image *img,
			struct eseal_error *err)
{
	struct eseal_tree *t = eseal_tree_new();
	struct eseal_node *n = eseal_node_new(t, S_IFDIR | 0755), *d;
	unsigned int i;
	int ret;

	eseal_tree_set_root(t, n, err);
	add(t, n, "z", S_IFDIR | 0755);
	for (i = 0; i < depth; i++) {
		d = eseal_node_new(t, S_IFDIR | 0755);
		ret = eseal_node_add_child(t, n, d, "d", 1, err);
		if (ret) {
			eseal_tree_free(t);
			return ret;
		}
		n = d;
	}
	ret = write_image(t, 0, img, err);
	eseal_tree_free(t);
	return ret;
}

static void test_depth(void)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *back = NULL;
	struct image img;
	uint64_t nid, z_nid;
	uint8_t *de, *blk;
	size_t blen;
	unsigned int i;
	int ret;

	ret = write_nested(ESEAL_TREE_DEPTH_MAX, &img, &err);
	CHECK(ret == 0, "a tree %u directories deep is written (%s)",
	      ESEAL_TREE_DEPTH_MAX, ret ? err.msg : "ok");
	if (ret)
		return;
	ret = eseal_tree_from_image(img.buf, img.len, &back, &err);
	CHECK(ret == 0 && eseal_tree_count(back) == ESEAL_TREE_DEPTH_MAX + 2,
	      "... and its image reads back (%s)", ret ? err.msg : "ok");
	eseal_tree_free(back);

	/*
	 * An image one level deeper than any tree can be: the deepest
	 * directory's ".." renamed ".a" and pointed at /z, which the walk
	 * has not reached yet (it comes after /d).
	 */
	nid = get_le16(img.buf + EROFS_SUPER_OFFSET +
		       offsetof(struct erofs_super_block, root_nid));
	de = find_dirent(&img, nid, "z");
	z_nid = de ? get_le64(de) : 0;
	for (i = 0; de && i < ESEAL_TREE_DEPTH_MAX; i++) {
		de = find_dirent(&img, nid, "d");
		if (de)
			nid = get_le64(de);
	}
	de = de ? find_dirent(&img, nid, "..") : NULL;
	blk = de ? dir_block(&img, nid, &blen) : NULL;
	CHECK(blk != NULL, "found the deepest directory's \"..\"");
	if (blk) {
		blk[get_le16(de + 8) + 1] = 'a';
		put_le64(de, z_nid);
		ret = eseal_tree_from_image(img.buf, img.len, &back, &err);
		CHECK(ret == -ELOOP && strstr(err.msg, "deeper than 4096") &&
		      !back,
		      "an image %u levels deep is refused: %s",
		      ESEAL_TREE_DEPTH_MAX + 1, err.msg);
	}
	free(img.buf);

	ret = write_nested(ESEAL_TREE_DEPTH_MAX + 1, &img, &err);
	CHECK(ret == -ELOOP && strstr(err.msg, "nested deeper than 4096"),
	      "a tree cannot grow deeper: %s", err.msg);
}

static void test_limits(void)
{
	struct eseal_tree *t = eseal_tree_new(), *back = NULL;
	struct eseal_node *root = eseal_node_new(t, S_IFDIR | 0755);
	struct eseal_error err = { 0 };
	static uint8_t value[30000];
	struct image img;
	char name[32];
	int i, ret;

	test_depth();

	/*
	 * 6000 files share one 30 kB xattr: a small image whose tree would
	 * need 180 MB; the reader must stop at its budget, not allocate it.
	 */
	memset(value, 'v', sizeof(value));
	eseal_tree_set_root(t, root, &err);
	for (i = 0; i < 6000; i++) {
		struct eseal_node *n;

		snprintf(name, sizeof(name), "f%d", i);
		n = add(t, root, name, S_IFREG | 0644);
		if (eseal_node_set_xattr(t, n, "user.big", value,
					 sizeof(value), &err))
			abort();
	}
	ret = write_image(t, 0, &img, &err);
	eseal_tree_free(t);
	CHECK(ret == 0, "an image with a widely shared xattr is written (%s)",
	      ret ? err.msg : "ok");
	if (ret)
		return;
	ret = eseal_tree_from_image(img.buf, img.len, &back, &err);
	CHECK(ret == -EFBIG && !back,
	      "a %zu-byte image expanding to 180 MB is refused: %s", img.len,
	      err.msg);
	eseal_tree_free(back);
	free(img.buf);
}

/* ---- seeds from mkfs.erofs ----------------------------------------------- */

static bool make_tree(void)
{
	return system("rm -rf seedtree && mkdir -p seedtree/dir/sub seedtree/other && "
		      "printf 'hello\\n' >seedtree/small && "
		      "head -c 10000 /dev/zero | tr '\\0' q >seedtree/big && "
		      "ln seedtree/small seedtree/dir/hardlink && "
		      "ln -s small seedtree/symlink && "
		      "touch seedtree/dir/sub/a seedtree/dir/sub/b && "
		      "for i in $(seq 1 150); do touch seedtree/other/entry-$i; done && "
		      "(setfattr -n user.x -v y seedtree/small 2>/dev/null; true)") == 0;
}

int main(void)
{
	static const char *const variants[][2] = {
		{ "mkfs.erofs plain", "" },
		{ "mkfs.erofs chunked", "--chunksize=4096" },
	};
	struct eseal_error err;
	struct image img;
	size_t v;
	/* /, dir, dir/sub, a, b, hardlink, other + 150, small, big, symlink */
	size_t entries = 1 + 1 + 1 + 2 + 1 + 1 + 150 + 3;

	CHECK(try_load((const uint8_t *)"", 0, &err) == -EINVAL && err.msg[0],
	      "an empty buffer is refused: %s", err.msg);

	test_limits();
	round_trip_corners();
	generated_trees();
	dir_trees();
	img.buf = NULL;
	round_trips(&img);
	if (img.buf) {
		struct eseal_tree *t;

		/* hostile variants of a composefs image of special.dump */
		if (!eseal_tree_from_image(img.buf, img.len, &t, &err)) {
			test_hostile("composefs image of special.dump", &img,
				     eseal_tree_count(t), false);
			eseal_tree_free(t);
		}
		free(img.buf);
	}

	if (system("command -v mkfs.erofs >/dev/null") != 0 || !make_tree()) {
		test_skip("mkfs.erofs not installed: no seed images");
		return test_done();
	}
	for (v = 0; v < ARRAY_SIZE(variants); v++) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd),
			 "mkfs.erofs --quiet -T0 %s seed.img seedtree >/dev/null 2>&1",
			 variants[v][1]);
		if (system(cmd) != 0 || !read_file("seed.img", &img)) {
			test_skip("%s: mkfs.erofs failed", variants[v][0]);
			continue;
		}
		test_hostile(variants[v][0], &img, entries, true);
		free(img.buf);
	}
	return test_done();
}
