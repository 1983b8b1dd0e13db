// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Reader: a directory on disk -> tree.
 *
 * Attributes are taken as mkcomposefs 1.0.8 takes them (lcfs_build and
 * lcfs_load_node_from_file), so that the same input gives the same image:
 * mode, uid, gid, rdev and st_size of every entry (a symlink's size is the
 * length of its target), mtime with nanoseconds unless USE_EPOCH, nlink 1
 * (directories: 2 + subdirectories), every xattr in listxattr order (or
 * only user.*, or none).  File data is not read here; the store step does
 * that.  Unlike mkcomposefs, hardlinks are kept: the first path met in
 * pre-order (children by name) is the target, later ones link to it.
 *
 * The walk is iterative and works relative to directory fds, so depth and
 * path length are unlimited.  At most MAX_OPEN_DIRS directory fds are open;
 * deeper ancestors are closed and reopened through ".." (checked by device
 * and inode) when the walk climbs back.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tree.h"

#define MAX_OPEN_DIRS 64
#define XATTR_BUF (64 * 1024)		/* XATTR_LIST_MAX / XATTR_SIZE_MAX */
#define DENTS_BUF (32 * 1024)
/* composefs' limit on the xattrs of one inode (LCFS_INODE_EXTERNAL_XATTR_MAX) */
#define CFS_XATTR_MAX (UINT16_MAX / 2)

/* Linux 6.13 *xattrat(): xattrs relative to a directory fd, no /proc */
#ifndef __NR_getxattrat
#define __NR_getxattrat 464
#endif
#ifndef __NR_listxattrat
#define __NR_listxattrat 465
#endif

struct xattrat_args {			/* struct xattr_args */
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

#define ALL_SCAN_FLAGS (ESEAL_SCAN_SKIP_DEVICES | ESEAL_SCAN_SKIP_XATTRS | \
			ESEAL_SCAN_USER_XATTRS | ESEAL_SCAN_USE_EPOCH)

struct frame {
	struct eseal_node *node;
	int fd;				/* -1 while closed to spare fds */
	dev_t dev;
	ino_t ino;
	char *names;			/* entry names, NUL-terminated */
	size_t names_len, names_cap;
	size_t *offs;			/* sorted offsets into names */
	size_t n, cap, next;
};

struct link_slot {
	dev_t dev;
	ino_t ino;
	struct eseal_node *node;	/* NULL: empty slot */
};

struct scan {
	struct eseal_tree *tree;
	unsigned int flags;
	struct eseal_error *err;
	struct frame *frames;
	size_t depth, cap;
	char *xlist, *xval, *dents;
	struct link_slot *links;
	size_t n_links, links_cap;	/* cap is a power of two */
	bool no_xattrat;		/* kernel without listxattrat() */
	char proc[64 + 256];
};

/* "<src_root><node path>/<name>" for messages; NULL when out of memory */
static char *full_path(struct scan *s, const struct eseal_node *dir,
		       const char *name)
{
	const struct eseal_node *n;
	size_t len = strlen(s->tree->src_root) + 2 + (name ? strlen(name) : 0);
	char *p;
	int r;

	for (n = dir; n && n->parent; n = n->parent)
		len += strlen(n->name) + 1;
	p = malloc(len + 1);
	if (!p)
		return NULL;
	strcpy(p, s->tree->src_root);
	if (dir) {
		r = eseal_node_path(dir, p + strlen(p), len + 1 - strlen(p));
		if (r == 1)		/* the root: "/" */
			p[strlen(p) - 1] = '\0';
	}
	if (name) {
		strcat(p, "/");
		strcat(p, name);
	}
	return p;
}

static int scan_syserr(struct scan *s, int code, const struct eseal_node *dir,
		       const char *name, const char *what)
{
	char *p = full_path(s, dir, name);
	int r;

	r = eseal_syserrorf(s->err, code, "%s: %s", p ? p : "?", what);
	free(p);
	return r;
}

static int scan_err(struct scan *s, int code, const struct eseal_node *dir,
		    const char *name, const char *what)
{
	char *p = full_path(s, dir, name);
	int r;

	r = eseal_errorf(s->err, code, "%s: %s", p ? p : "?", what);
	free(p);
	return r;
}

/* ---- hardlinks: (dev, ino) -> first node ------------------------------- */

static size_t link_hash(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev;

	return (size_t)(h ^ (h >> 29));
}

static struct link_slot *link_find(struct scan *s, dev_t dev, ino_t ino)
{
	size_t i;

	if (!s->links_cap)
		return NULL;
	for (i = link_hash(dev, ino) & (s->links_cap - 1);;
	     i = (i + 1) & (s->links_cap - 1)) {
		struct link_slot *l = &s->links[i];

		if (!l->node || (l->dev == dev && l->ino == ino))
			return l;
	}
}

static int link_add(struct scan *s, dev_t dev, ino_t ino,
		    struct eseal_node *node)
{
	struct link_slot *l;

	if ((s->n_links + 1) * 2 > s->links_cap) {
		struct link_slot *old = s->links;
		size_t i, old_cap = s->links_cap;

		s->links_cap = old_cap ? old_cap * 2 : 256;
		s->links = calloc(s->links_cap, sizeof(*s->links));
		if (!s->links) {
			s->links = old;
			s->links_cap = old_cap;
			return -ENOMEM;
		}
		for (i = 0; i < old_cap; i++) {
			if (!old[i].node)
				continue;
			*link_find(s, old[i].dev, old[i].ino) = old[i];
		}
		free(old);
	}
	l = link_find(s, dev, ino);
	l->dev = dev;
	l->ino = ino;
	l->node = node;
	s->n_links++;
	return 0;
}

/* ---- directory entries ------------------------------------------------- */

static int cmp_names(const void *a, const void *b, void *arg)
{
	const char *names = arg;

	return strcmp(names + *(const size_t *)a, names + *(const size_t *)b);
}

static int add_name(struct frame *f, const char *name)
{
	size_t len = strlen(name) + 1;

	if (f->names_len + len > f->names_cap) {
		size_t cap = MAX(f->names_cap * 2, f->names_len + len);
		char *p;

		cap = MAX(cap, (size_t)4096);
		p = realloc(f->names, cap);
		if (!p)
			return -ENOMEM;
		f->names = p;
		f->names_cap = cap;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		size_t *o = realloc(f->offs, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		f->offs = o;
		f->cap = cap;
	}
	memcpy(f->names + f->names_len, name, len);
	f->offs[f->n++] = f->names_len;
	f->names_len += len;
	return 0;
}

/* Read all names of the directory open at f->fd, sorted. */
static int read_entries(struct scan *s, struct frame *f)
{
	ssize_t n, pos;
	int r;

	f->n = f->next = f->names_len = 0;
	for (;;) {
		n = getdents64(f->fd, s->dents, DENTS_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return scan_syserr(s, errno, f->node, NULL,
					   "cannot read directory");
		}
		if (n == 0)
			break;
		for (pos = 0; pos < n;) {
			struct dirent64 *d = (struct dirent64 *)(s->dents + pos);

			pos += d->d_reclen;
			if (d->d_name[0] == '.' &&
			    (!d->d_name[1] ||
			     (d->d_name[1] == '.' && !d->d_name[2])))
				continue;
			r = add_name(f, d->d_name);
			if (r)
				return eseal_errorf(s->err, ENOMEM,
						    "out of memory");
		}
	}
	if (f->n > 1)
		qsort_r(f->offs, f->n, sizeof(*f->offs), cmp_names, f->names);
	return 0;
}

/* ---- xattrs ------------------------------------------------------------ */

/*
 * The entry is 'name' in the directory open at dfd, or the directory
 * itself when name is NULL; symlinks are not followed.  *xattrat() where
 * the kernel has them, else the same calls on a /proc/self/fd path.
 */
static ssize_t list_xattrs(struct scan *s, int dfd, const char *name)
{
	ssize_t n;

	if (!s->no_xattrat) {
		n = syscall(__NR_listxattrat, dfd, name ? name : "",
			    name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH, s->xlist,
			    (size_t)XATTR_BUF);
		if (n >= 0 || errno != ENOSYS)
			return n;
		s->no_xattrat = true;
	}
	if (name) {
		snprintf(s->proc, sizeof(s->proc), "/proc/self/fd/%d/%s", dfd,
			 name);
		return llistxattr(s->proc, s->xlist, XATTR_BUF);
	}
	snprintf(s->proc, sizeof(s->proc), "/proc/self/fd/%d", dfd);
	return listxattr(s->proc, s->xlist, XATTR_BUF);
}

/* after list_xattrs(), which chose the method and set s->proc */
static ssize_t get_xattr(struct scan *s, int dfd, const char *name,
			 const char *key)
{
	struct xattrat_args args;

	if (!s->no_xattrat) {
		args.value = (uint64_t)(uintptr_t)s->xval;
		args.size = XATTR_BUF;
		args.flags = 0;
		return syscall(__NR_getxattrat, dfd, name ? name : "",
			       name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH, key,
			       &args, sizeof(args));
	}
	if (name)
		return lgetxattr(s->proc, key, s->xval, XATTR_BUF);
	return getxattr(s->proc, key, s->xval, XATTR_BUF);
}

/*
 * Read the xattrs of 'name' in the directory open at dfd (of the directory
 * itself when name is NULL) into node; dir names dfd in messages.
 */
static int read_xattrs(struct scan *s, struct eseal_node *node, int dfd,
		       const struct eseal_node *dir, const char *name)
{
	ssize_t len, vlen;
	size_t total = 0;
	const char *k;
	int r;

	if (s->flags & ESEAL_SCAN_SKIP_XATTRS)
		return 0;
	len = list_xattrs(s, dfd, name);
	if (len < 0) {
		if (errno == ENOTSUP)
			return 0;	/* no xattrs on this filesystem */
		return scan_syserr(s, errno, dir, name, "cannot list xattrs");
	}
	for (k = s->xlist; k < s->xlist + len; k += strlen(k) + 1) {
		if (!*k)
			continue;
		if ((s->flags & ESEAL_SCAN_USER_XATTRS) &&
		    strncmp(k, "user.", 5) != 0)
			continue;
		vlen = get_xattr(s, dfd, name, k);
		if (vlen < 0) {
			if (errno == ENODATA)
				continue;	/* removed meanwhile */
			return scan_syserr(s, errno, dir, name,
					   "cannot read xattr");
		}
		/* mkcomposefs's accounting: worst case alignment */
		total += 2 * 4 - 1 + strlen(k) + (size_t)vlen;
		if (total + 12 > CFS_XATTR_MAX) {
			char msg[128];

			snprintf(msg, sizeof(msg),
				 "xattrs too large for composefs (over %u bytes)",
				 CFS_XATTR_MAX);
			return scan_err(s, E2BIG, dir, name, msg);
		}
		r = eseal_node_set_xattr(s->tree, node, k, s->xval,
					 (size_t)vlen, s->err);
		if (r)
			return r;
	}
	return 0;
}

/* ---- the walk ---------------------------------------------------------- */

static void set_attrs(struct scan *s, struct eseal_node *node,
		      const struct stat *st)
{
	node->uid = st->st_uid;
	node->gid = st->st_gid;
	node->rdev = (uint32_t)st->st_rdev;
	node->size = (uint64_t)st->st_size;
	if (!(s->flags & ESEAL_SCAN_USE_EPOCH)) {
		node->mtime_sec = st->st_mtim.tv_sec;
		node->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
	}
	if (S_ISDIR(st->st_mode))
		node->nlink = 2;
	else if (S_ISREG(st->st_mode))
		node->flags |= ESEAL_NODE_FROM_SOURCE;
}

/* Push a frame for a directory already open at fd. */
static int push_dir(struct scan *s, struct eseal_node *node, int fd,
		    const struct stat *st)
{
	struct frame *f;

	if (s->depth == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct frame *fr = realloc(s->frames, cap * sizeof(*fr));

		if (!fr) {
			close(fd);
			return eseal_errorf(s->err, ENOMEM, "out of memory");
		}
		memset(fr + s->cap, 0, (cap - s->cap) * sizeof(*fr));
		s->frames = fr;
		s->cap = cap;
	}
	/* spare fds: the deep ancestor is reopened through ".." later */
	if (s->depth >= MAX_OPEN_DIRS) {
		struct frame *old = &s->frames[s->depth - MAX_OPEN_DIRS];

		if (old->fd >= 0) {
			close(old->fd);
			old->fd = -1;
		}
	}
	f = &s->frames[s->depth++];
	f->node = node;
	f->fd = fd;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	return read_entries(s, f);
}

static int pop_dir(struct scan *s)
{
	struct frame *f = &s->frames[--s->depth];
	struct frame *parent;
	struct stat st;
	int fd;

	if (s->depth && (parent = &s->frames[s->depth - 1])->fd < 0) {
		fd = openat(f->fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || st.st_dev != parent->dev ||
		    st.st_ino != parent->ino) {
			if (fd >= 0)
				close(fd);
			close(f->fd);
			f->fd = -1;
			return scan_err(s, ESTALE, parent->node, NULL,
					"directory moved during the scan");
		}
		parent->fd = fd;
	}
	close(f->fd);
	f->fd = -1;
	return 0;
}

static int scan_entry(struct scan *s, struct frame *f, const char *name)
{
	struct eseal_node *node, *dir = f->node;
	struct link_slot *l;
	struct stat st, st2;
	ssize_t n;
	int fd, r;

	if (fstatat(f->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return scan_syserr(s, errno, dir, name, "cannot stat");
	if ((s->flags & ESEAL_SCAN_SKIP_DEVICES) &&
	    (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
		return 0;
	switch (st.st_mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFBLK:
	case S_IFCHR: case S_IFSOCK: case S_IFIFO:
		break;
	default:
		return scan_err(s, EINVAL, dir, name, "unsupported file type");
	}

	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		l = link_find(s, st.st_dev, st.st_ino);
		if (l && l->node) {
			node = eseal_node_new(s->tree, l->node->mode);
			if (!node)
				return eseal_errorf(s->err, ENOMEM,
						    "out of memory");
			node->link_to = l->node;
			if (l->node->nlink < UINT32_MAX)
				l->node->nlink++;
			return eseal_node_add_child(s->tree, dir, node, name,
						    strlen(name), s->err);
		}
	}

	node = eseal_node_new(s->tree, st.st_mode);
	if (!node)
		return eseal_errorf(s->err, ENOMEM, "out of memory");
	set_attrs(s, node, &st);
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(f->fd, name, s->xval, XATTR_BUF);
		if (n < 0)
			return scan_syserr(s, errno, dir, name,
					   "cannot read symlink");
		if (n == 0 || n >= PATH_MAX)
			return scan_err(s, EINVAL, dir, name,
					n ? "symlink target too long" :
					    "empty symlink target");
		s->xval[n] = '\0';
		r = eseal_node_set_payload(s->tree, node, s->xval, s->err);
		if (r)
			return r;
		node->size = (uint64_t)n;
	}
	r = read_xattrs(s, node, f->fd, dir, name);
	if (r)
		return r;
	r = eseal_node_add_child(s->tree, dir, node, name, strlen(name),
				 s->err);
	if (r)
		return r;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 &&
	    link_add(s, st.st_dev, st.st_ino, node))
		return eseal_errorf(s->err, ENOMEM, "out of memory");
	if (!S_ISDIR(st.st_mode))
		return 0;

	if (dir->nlink < UINT32_MAX)
		dir->nlink++;
	fd = openat(f->fd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return scan_syserr(s, errno, dir, name, "cannot open directory");
	if (fstat(fd, &st2) < 0 || st2.st_dev != st.st_dev ||
	    st2.st_ino != st.st_ino) {
		close(fd);
		return scan_err(s, ESTALE, dir, name,
				"directory replaced during the scan");
	}
	return push_dir(s, node, fd, &st);	/* f is invalid from here */
}

static int scan_tree(struct scan *s, const char *path)
{
	struct eseal_node *root;
	struct frame *f;
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return eseal_syserrorf(s->err, errno, "%s", path);
	if (fstat(fd, &st) < 0) {
		r = eseal_syserrorf(s->err, errno, "%s: cannot stat", path);
		close(fd);
		return r;
	}
	root = eseal_node_new(s->tree, st.st_mode);
	if (!root) {
		close(fd);
		return eseal_errorf(s->err, ENOMEM, "out of memory");
	}
	set_attrs(s, root, &st);
	r = eseal_tree_set_root(s->tree, root, s->err);
	if (!r)
		r = read_xattrs(s, root, fd, NULL, NULL);
	if (r) {
		close(fd);
		return r;
	}
	r = push_dir(s, root, fd, &st);
	while (!r && s->depth) {
		f = &s->frames[s->depth - 1];
		if (f->next == f->n) {
			r = pop_dir(s);
			continue;
		}
		f->next++;
		r = scan_entry(s, f, f->names + f->offs[f->next - 1]);
	}
	return r;
}

int eseal_tree_from_dir(const char *path, unsigned int flags,
			struct eseal_tree **out, struct eseal_error *err)
{
	struct scan s = { 0 };
	size_t i;
	int r;

	*out = NULL;
	if (flags & ~ALL_SCAN_FLAGS)
		return eseal_errorf(err, EINVAL, "unknown scan flags 0x%x",
				    flags & ~ALL_SCAN_FLAGS);
	if ((flags & ESEAL_SCAN_SKIP_XATTRS) &&
	    (flags & ESEAL_SCAN_USER_XATTRS))
		return eseal_errorf(err, EINVAL,
				    "skipping xattrs and reading user xattrs conflict");
	if (!path || !*path)
		return eseal_errorf(err, EINVAL, "empty source path");
	s.flags = flags;
	s.err = err;
	s.tree = eseal_tree_new();
	s.xlist = malloc(XATTR_BUF);
	s.xval = malloc(XATTR_BUF + 1);
	s.dents = malloc(DENTS_BUF);
	if (!s.tree || !s.xlist || !s.xval || !s.dents) {
		r = eseal_errorf(err, ENOMEM, "out of memory");
		goto out;
	}
	s.tree->src_root = strdup(path);
	if (!s.tree->src_root) {
		r = eseal_errorf(err, ENOMEM, "out of memory");
		goto out;
	}
	r = scan_tree(&s, path);
out:
	for (i = 0; i < s.cap; i++) {
		if (i < s.depth && s.frames[i].fd >= 0)
			close(s.frames[i].fd);
		free(s.frames[i].names);
		free(s.frames[i].offs);
	}
	free(s.frames);
	free(s.links);
	free(s.xlist);
	free(s.xval);
	free(s.dents);
	if (r) {
		eseal_tree_free(s.tree);
		return r;
	}
	*out = s.tree;
	return 0;
}
