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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erofs-read.h"
#include "erofs_fs.h"
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
	struct eseal_image_opts opts = { .min_version = version,
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

/* The round trips of one tree (freed here). */
static void round_trip_tree(const char *name, struct eseal_tree *t1,
			    unsigned int version)
{
	struct eseal_tree *t2 = NULL, *t3 = NULL;
	struct image img1 = { 0 }, img2 = { 0 }, img3 = { 0 };
	char *d2 = NULL, *d3 = NULL;
	size_t d2_len = 0, d3_len = 0;
	struct eseal_error err = { 0 };
	FILE *f;
	int ret;

	ret = write_image(t1, version, &img1, &err);
	if (ret) {
		CHECK(0, "%s: write: %s", name, err.msg);
		goto out;
	}
	ret = eseal_tree_from_image(img1.buf, img1.len, &t2, &err);
	CHECK(ret == 0, "%s: our image loads back (%s)", name,
	      ret ? err.msg : "ok");
	if (ret)
		goto out;
	ret = write_image(t2, version, &img2, &err);
	CHECK(ret == 0 && img2.len == img1.len &&
	      !memcmp(img1.buf, img2.buf, img1.len),
	      "%s: image -> tree -> image is byte-identical (%zu bytes)%s%s",
	      name, img1.len, ret ? ": " : "", ret ? err.msg : "");

	ret = dump_to_mem(t2, &d2, &d2_len, &err);
	if (ret) {
		CHECK(0, "%s: dump: %s", name, err.msg);
		goto out;
	}
	f = fmemopen(d2, d2_len, "r");
	ret = eseal_tree_from_dump(f, "dump of the image", 0, &t3, &err);
	fclose(f);
	CHECK(ret == 0, "%s: the dump of the image parses strictly (%s)", name,
	      ret ? err.msg : "ok");
	if (ret)
		goto out;
	ret = write_image(t3, version, &img3, &err);
	CHECK(ret == 0 && img3.len == img1.len &&
	      !memcmp(img1.buf, img3.buf, img1.len),
	      "%s: image -> dump -> image is byte-identical%s%s", name,
	      ret ? ": " : "", ret ? err.msg : "");
	ret = dump_to_mem(t3, &d3, &d3_len, &err);
	CHECK(ret == 0 && d3_len == d2_len && !memcmp(d2, d3, d2_len),
	      "%s: dump -> image -> dump is stable (%zu bytes)", name, d2_len);
out:
	eseal_tree_free(t1);
	eseal_tree_free(t2);
	eseal_tree_free(t3);
	free(img1.buf);
	free(img2.buf);
	free(img3.buf);
	free(d2);
	free(d3);
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

/* A chain of depth nested directories "d/d/d/..." */
static int load_nested(unsigned int depth, struct eseal_error *err)
{
	struct eseal_tree *t = eseal_tree_new(), *back = NULL;
	struct eseal_node *n = eseal_node_new(t, S_IFDIR | 0755);
	struct image img;
	unsigned int i;
	int ret;

	eseal_tree_set_root(t, n, err);
	for (i = 0; i < depth; i++)
		n = add(t, n, "d", S_IFDIR | 0755);
	ret = write_image(t, 0, &img, err);
	eseal_tree_free(t);
	if (ret)
		return ret;
	ret = eseal_tree_from_image(img.buf, img.len, &back, err);
	eseal_tree_free(back);
	free(img.buf);
	return ret;
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

	ret = load_nested(4000, &err);
	CHECK(ret == 0, "4000 nested directories load (%s)", ret ? err.msg : "ok");
	ret = load_nested(5000, &err);
	CHECK(ret == -ELOOP && strstr(err.msg, "deeper"),
	      "5000 nested directories are refused: %.80s", err.msg);

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
