// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The objects kept images need (store-roots.h).  Images are read whole
 * into memory through the library's input rule (regular files only, a
 * FIFO is never waited on) and parsed by the hostile-safe reader; nothing
 * is mapped.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erofs_fs.h"
#include "store-roots.h"
#include "store-walk.h"
#include "tree.h"

/* Directories below a kept directory: deeper is refused */
#define KEEP_DIR_DEPTH_MAX 64

struct mark {
	struct digest_set *set;
	struct root_image *img;
	size_t cap;
	struct eseal_error *err;
};

static int mark_node(struct eseal_node *node, const char *path, void *arg)
{
	struct mark *m = arg;
	struct root_image *img = m->img;
	struct digest_ent *e;
	struct eseal_digest d;
	bool added;

	(void)path;
	if (!S_ISREG(node->mode) || node->link_to)
		return 0;
	img->files++;
	img->file_bytes += node->size;
	if (node->content)
		img->inline_files++;
	if (!node->payload || store_payload_digest(node->payload, &d))
		return 0;
	e = digest_set_add(m->set, &d, &added);
	if (!e)
		return -ENOMEM;
	e->size = node->size;
	if (e->last_user == img->no)
		return 0;		/* a duplicate within the image */
	e->last_user = img->no;
	e->users++;
	img->objects++;
	img->object_bytes += node->size;
	if (!img->keep_list)
		return 0;
	if (img->objects > m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 1024;
		struct eseal_digest *v = realloc(img->digests,
						 cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		img->digests = v;
		m->cap = cap;
	}
	img->digests[img->objects - 1] = d;
	return 0;
}

/* 1 when fd starts as an EROFS image does, 0 when not, or -errno */
static int looks_like_image(int fd)
{
	uint8_t magic[4];
	ssize_t n;

	n = pread(fd, magic, sizeof(magic), EROFS_SUPER_OFFSET);
	if (n < 0)
		return -errno;
	return n == sizeof(magic) && get_le32(magic) == EROFS_SUPER_MAGIC_V1;
}

/* store_roots_image() of a file open as fd (closed here) */
static int image_fd(struct digest_set *set, int fd, const char *path,
		    bool must, struct root_image *img, struct eseal_error *err)
{
	struct mark m = { .set = set, .img = img, .err = err };
	struct eseal_tree *tree = NULL;
	uint8_t *buf = NULL;
	size_t len;
	int r;

	r = looks_like_image(fd);
	if (r <= 0) {
		close(fd);
		if (r < 0)
			return eseal_syserrorf(err, -r, "%s", path);
		if (!must)
			return 0;
		return eseal_errorf(err, EINVAL,
				    "%s: not an EROFS image (no superblock magic at byte %d)",
				    path, EROFS_SUPER_OFFSET);
	}
	r = eseal_input_read_fd(fd, path, STORE_IMAGE_MAX, &buf, &len, err);
	close(fd);
	if (r)
		return r;
	r = eseal_tree_from_image(buf, len, &tree, err);
	free(buf);
	if (r)
		return eseal_error_prefix(err, "%s", path);
	r = eseal_tree_walk_nodes(tree, mark_node, &m, err);
	eseal_tree_free(tree);
	if (r == -ENOMEM)
		return eseal_errorf(err, ENOMEM, "%s: out of memory", path);
	return r ? r : 1;
}

int store_roots_image(struct digest_set *set, const char *path, bool must,
		      struct root_image *img, struct eseal_error *err)
{
	int fd = eseal_input_open(path, 0, err);

	if (fd < 0)
		return fd;
	return image_fd(set, fd, path, must, img, err);
}

static int walk_dir(struct digest_set *set, char *path, size_t len,
		    size_t cap, unsigned int depth, uint32_t *n_images,
		    struct eseal_error *err)
{
	struct root_image img;
	struct dirent *d;
	DIR *dir;
	int fd, r = 0;

	if (depth > KEEP_DIR_DEPTH_MAX)
		return eseal_errorf(err, ELOOP,
				    "%s: more than %d directories deep",
				    path, KEEP_DIR_DEPTH_MAX);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
				(depth ? O_NOFOLLOW : 0));
	if (fd < 0)
		return eseal_syserrorf(err, errno, "%s", path);
	dir = fdopendir(fd);
	if (!dir) {
		r = eseal_syserrorf(err, errno, "%s", path);
		close(fd);
		return r;
	}
	errno = 0;
	while (!r && (d = readdir(dir))) {
		size_t n = strlen(d->d_name);
		unsigned char t = d->d_type;
		struct stat st;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (len + 1 + n + 1 > cap) {
			r = eseal_errorf(err, ENAMETOOLONG, "%s/%s: path too long",
					 path, d->d_name);
			break;
		}
		path[len] = '/';
		memcpy(path + len + 1, d->d_name, n + 1);
		if (t == DT_UNKNOWN)
			t = fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) ?
				    DT_UNKNOWN :
			    S_ISDIR(st.st_mode) ? DT_DIR :
			    S_ISREG(st.st_mode) ? DT_REG :
			    S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
		if (t == DT_DIR) {
			r = walk_dir(set, path, len + 1 + n, cap, depth + 1,
				     n_images, err);
		} else if (t == DT_REG || t == DT_LNK) {
			/* a symlink to a file is kept too: keeping more is safe */
			r = eseal_input_open(path, 0, err);
			if (r >= 0) {
				memset(&img, 0, sizeof(img));
				img.no = *n_images + 1;
				r = image_fd(set, r, path, false, &img, err);
				*n_images += r == 1;
			} else if (r == -EINVAL || r == -EISDIR ||
				   r == -ENOENT || r == -ELOOP) {
				/* no regular file: a symlink to a directory,
				 * a FIFO, a dangling link, gone meanwhile */
				r = 0;
			}
			r = MIN(r, 0);
		}
		path[len] = '\0';
		errno = 0;
	}
	if (!r && errno)
		r = eseal_syserrorf(err, errno, "%s", path);
	closedir(dir);
	return r;
}

int store_roots_dir(struct digest_set *set, const char *dir,
		    uint32_t *n_images, struct eseal_error *err)
{
	size_t cap = 8192, len = strlen(dir);
	char *path;
	int r;

	if (len + 1 > cap)
		return eseal_errorf(err, ENAMETOOLONG, "%s: path too long", dir);
	path = malloc(cap);
	if (!path)
		return eseal_errorf(err, ENOMEM, "out of memory");
	memcpy(path, dir, len + 1);
	r = walk_dir(set, path, len, cap, 0, n_images, err);
	free(path);
	return r;
}
