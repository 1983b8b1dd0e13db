// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Scanner, worker side: read one directory (names, lstat, symlink targets,
 * xattrs) into a buffer of records.  Runs on pool threads; touches no tree.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "files.h"
#include "scan.h"
#include "tree.h"

/* what lstat() gives */
#define STAT_MASK STATX_BASIC_STATS

/* XATTR_LIST_MAX, XATTR_SIZE_MAX */
#define XATTR_BUF (64 * 1024)
#define XATTR_SMALL 512		/* tried first */
#define DENTS_BUF (32 * 1024)
/* composefs' xattr space per inode (LCFS_INODE_EXTERNAL_XATTR_MAX) */
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

struct eseal_scan_buf {
	char *xlist, *xval, *dents;
	char *names;			/* entry names, NUL-terminated */
	size_t names_len, names_cap;
	size_t *offs;			/* sorted offsets into names */
	size_t n, cap;
	bool no_xattrat;		/* kernel without listxattrat() */
	char proc[64 + NAME_MAX + 1];
};

struct out {
	uint8_t *p;
	size_t len, cap;
};

struct eseal_scan_buf *eseal_scan_buf_new(void)
{
	struct eseal_scan_buf *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->xlist = malloc(XATTR_BUF);
	b->xval = malloc(XATTR_BUF + 1);
	b->dents = malloc(DENTS_BUF);
	if (!b->xlist || !b->xval || !b->dents) {
		eseal_scan_buf_free(b);
		return NULL;
	}
	return b;
}

void eseal_scan_buf_free(struct eseal_scan_buf *b)
{
	if (!b)
		return;
	free(b->xlist);
	free(b->xval);
	free(b->dents);
	free(b->names);
	free(b->offs);
	free(b);
}

/*
 * "<src_root>/<path>/<name>" (parts optional) for messages, the part in
 * the tree escaped as `info ls` shows it
 */
static const char *msg_path(const struct eseal_scan_cfg *cfg, const char *path,
			    const char *name, char *buf, size_t size)
{
	char rel[ESEAL_ERR_MSG_MAX];
	size_t len;

	snprintf(rel, sizeof(rel), "%s%s%s",
		 path && strcmp(path, ".") ? path : "",
		 path && strcmp(path, ".") && name ? "/" : "",
		 name ? name : "");
	len = (size_t)snprintf(buf, size, "%s%s", cfg->src_root,
			       rel[0] ? "/" : "");
	if (len < size)
		eseal_escape_str(buf + len, size - len, rel);
	return buf;
}

static int syserr(const struct eseal_scan_cfg *cfg, struct eseal_error *err,
		  int code, const char *path, const char *name,
		  const char *what)
{
	char buf[ESEAL_ERR_MSG_MAX];

	return eseal_syserrorf(err, code, "%s: %s",
			       msg_path(cfg, path, name, buf, sizeof(buf)),
			       what);
}

static int error(const struct eseal_scan_cfg *cfg, struct eseal_error *err,
		 int code, const char *path, const char *name,
		 const char *what)
{
	char buf[ESEAL_ERR_MSG_MAX];

	return eseal_errorf(err, code, "%s: %s",
			    msg_path(cfg, path, name, buf, sizeof(buf)), what);
}

/* ---- output buffer ------------------------------------------------------- */

static void *out_reserve(struct out *o, size_t n)
{
	if (o->len + n > o->cap) {
		size_t cap = MAX(o->cap * 2, o->len + n);
		uint8_t *p;

		cap = MAX(cap, (size_t)4096);
		p = realloc(o->p, cap);
		if (!p)
			return NULL;
		o->p = p;
		o->cap = cap;
	}
	return o->p + o->len;
}

static int out_put(struct out *o, const void *data, size_t n)
{
	void *p = out_reserve(o, n);

	if (!p)
		return -ENOMEM;
	memcpy(p, data, n);
	o->len += n;
	return 0;
}

/* ---- names --------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b, void *arg)
{
	const char *names = arg;

	return strcmp(names + *(const size_t *)a, names + *(const size_t *)b);
}

static int add_name(struct eseal_scan_buf *b, const char *name)
{
	size_t len = strlen(name) + 1;

	if (b->names_len + len > b->names_cap) {
		size_t cap = MAX(b->names_cap * 2, b->names_len + len);
		char *p;

		cap = MAX(cap, (size_t)4096);
		p = realloc(b->names, cap);
		if (!p)
			return -ENOMEM;
		b->names = p;
		b->names_cap = cap;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		size_t *o = realloc(b->offs, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		b->offs = o;
		b->cap = cap;
	}
	memcpy(b->names + b->names_len, name, len);
	b->offs[b->n++] = b->names_len;
	b->names_len += len;
	return 0;
}

static int read_names(const struct eseal_scan_cfg *cfg,
		      struct eseal_scan_buf *b, int fd, const char *path,
		      struct eseal_error *err)
{
	ssize_t n, pos;

	b->n = b->names_len = 0;
	for (;;) {
		n = getdents64(fd, b->dents, DENTS_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return syserr(cfg, err, errno, path, NULL,
				      "cannot read directory");
		}
		if (n == 0)
			break;
		for (pos = 0; pos < n;) {
			struct dirent64 *d;

			d = (struct dirent64 *)(b->dents + pos);

			pos += d->d_reclen;
			if (d->d_name[0] == '.' &&
			    (!d->d_name[1] ||
			     (d->d_name[1] == '.' && !d->d_name[2])))
				continue;
			if (add_name(b, d->d_name))
				return eseal_errorf(err, ENOMEM,
						    "out of memory");
		}
	}
	if (b->n > 1)
		qsort_r(b->offs, b->n, sizeof(*b->offs), cmp_names, b->names);
	return 0;
}

/* ---- xattrs -------------------------------------------------------------- */

/*
 * The entry is 'name' in the directory open at dfd, or that directory
 * itself when name is NULL; symlinks are not followed.  *xattrat() where
 * the kernel has them, else the same calls on a /proc/self/fd path.
 */
static ssize_t list_xattrs_size(struct eseal_scan_buf *b, int dfd,
				const char *name, size_t size)
{
	ssize_t n;

	if (!b->no_xattrat) {
		n = syscall(__NR_listxattrat, dfd, name ? name : "",
			    name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH,
			    b->xlist, size);
		if (n >= 0 || errno != ENOSYS)
			return n;
		b->no_xattrat = true;
	}
	if (name) {
		snprintf(b->proc, sizeof(b->proc), "/proc/self/fd/%d/%s", dfd,
			 name);
		return llistxattr(b->proc, b->xlist, size);
	}
	snprintf(b->proc, sizeof(b->proc), "/proc/self/fd/%d", dfd);
	return listxattr(b->proc, b->xlist, size);
}

/*
 * The kernel allocates as much as the buffer offered for every call, and
 * 64 KiB costs more than the call itself: ask with a small buffer first
 * (most files have no or few xattrs), the whole size only on ERANGE.
 */
static ssize_t list_xattrs(struct eseal_scan_buf *b, int dfd,
			   const char *name)
{
	ssize_t n = list_xattrs_size(b, dfd, name, XATTR_SMALL);

	if (n < 0 && errno == ERANGE)
		n = list_xattrs_size(b, dfd, name, XATTR_BUF);
	return n;
}

/* after list_xattrs(), which chose the method and set b->proc */
static ssize_t get_xattr_size(struct eseal_scan_buf *b, int dfd,
			      const char *name, const char *key, size_t size)
{
	struct xattrat_args args;

	if (!b->no_xattrat) {
		args.value = (uint64_t)(uintptr_t)b->xval;
		args.size = (uint32_t)size;
		args.flags = 0;
		return syscall(__NR_getxattrat, dfd, name ? name : "",
			       name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH, key,
			       &args, sizeof(args));
	}
	if (name)
		return lgetxattr(b->proc, key, b->xval, size);
	return getxattr(b->proc, key, b->xval, size);
}

/* small first, as list_xattrs() */
static ssize_t get_xattr(struct eseal_scan_buf *b, int dfd, const char *name,
			 const char *key)
{
	ssize_t n = get_xattr_size(b, dfd, name, key, XATTR_SMALL);

	if (n < 0 && errno == ERANGE)
		n = get_xattr_size(b, dfd, name, key, XATTR_BUF);
	return n;
}

/* Append the xattrs of the entry to o; returns how many, or -errno. */
static int put_xattrs(const struct eseal_scan_cfg *cfg,
		      struct eseal_scan_buf *b, struct out *o, int dfd,
		      const char *path, const char *name,
		      struct eseal_error *err)
{
	struct eseal_scan_xattr x;
	ssize_t len, vlen;
	size_t total = 0;
	const char *k;
	int n = 0;

	if (cfg->flags & ESEAL_SCAN_SKIP_XATTRS)
		return 0;
	len = list_xattrs(b, dfd, name);
	if (len < 0) {
		if (errno == ENOTSUP)
			return 0;	/* no xattrs on this filesystem */
		return syserr(cfg, err, errno, path, name,
			      "cannot list xattrs");
	}
	for (k = b->xlist; k < b->xlist + len; k += strlen(k) + 1) {
		if (!*k)
			continue;
		if ((cfg->flags & ESEAL_SCAN_USER_XATTRS) &&
		    strncmp(k, "user.", 5) != 0)
			continue;
		vlen = get_xattr(b, dfd, name, k);
		if (vlen < 0) {
			if (errno == ENODATA)
				continue;	/* removed meanwhile */
			return syserr(cfg, err, errno, path, name,
				      "cannot read xattr");
		}
		/* mkcomposefs's accounting: worst case alignment */
		total += 2 * 4 - 1 + strlen(k) + (size_t)vlen;
		if (total + 12 > CFS_XATTR_MAX) {
			char msg[128];

			snprintf(msg, sizeof(msg),
				 "xattrs too large for composefs (over %u bytes)",
				 CFS_XATTR_MAX);
			return error(cfg, err, E2BIG, path, name, msg);
		}
		x.key_len = (uint32_t)strlen(k);
		x.value_len = (uint32_t)vlen;
		if (out_put(o, &x, sizeof(x)) || out_put(o, k, x.key_len + 1) ||
		    out_put(o, b->xval, (size_t)vlen))
			return eseal_errorf(err, ENOMEM, "out of memory");
		n++;
	}
	return n;
}

/* ---- records ------------------------------------------------------------- */

/*
 * Append the record of 'name' in the directory open at dfd (of dfd itself,
 * named ".", when name is NULL) described by st.  Returns 0, 1 when the
 * entry is left out, or -errno.
 */
static int put_entry(const struct eseal_scan_cfg *cfg, struct eseal_scan_buf *b,
		     struct out *o, int dfd, const char *path,
		     const char *name, const struct statx *st,
		     struct eseal_error *err)
{
	struct eseal_scan_rec rec = { 0 };
	size_t start = o->len;
	const char *rname = name ? name : ".";
	static const uint8_t zeros[8];
	ssize_t n = 0;
	int r;

	if ((cfg->flags & ESEAL_SCAN_SKIP_DEVICES) &&
	    (S_ISCHR(st->stx_mode) || S_ISBLK(st->stx_mode)))
		return 1;
	switch (st->stx_mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFBLK:
	case S_IFCHR: case S_IFSOCK: case S_IFIFO:
		break;
	default:
		return error(cfg, err, EINVAL, path, name,
			     "unsupported file type");
	}
	rec.dev = makedev(st->stx_dev_major, st->stx_dev_minor);
	rec.ino = st->stx_ino;
	rec.rdev = makedev(st->stx_rdev_major, st->stx_rdev_minor);
	rec.size = st->stx_size;
	rec.mtime_sec = st->stx_mtime.tv_sec;
	rec.mtime_nsec = st->stx_mtime.tv_nsec;
	rec.ctime_sec = st->stx_ctime.tv_sec;
	rec.ctime_nsec = st->stx_ctime.tv_nsec;
	if (st->stx_attributes & st->stx_attributes_mask & STATX_ATTR_VERITY)
		rec.attrs |= ESEAL_SRC_VERITY;
	rec.mode = st->stx_mode;
	rec.uid = st->stx_uid;
	rec.gid = st->stx_gid;
	rec.nlink = st->stx_nlink;
	rec.name_len = (uint32_t)strlen(rname);
	if (S_ISLNK(st->stx_mode)) {
		n = readlinkat(dfd, name, b->xval, XATTR_BUF);
		if (n < 0)
			return syserr(cfg, err, errno, path, name,
				      "cannot read symlink");
		if (n == 0 || n >= PATH_MAX)
			return error(cfg, err, EINVAL, path, name,
				     n ? "symlink target too long" :
					 "empty symlink target");
		rec.link_len = (uint32_t)n;
		rec.size = (uint64_t)n;
	}
	if (out_put(o, &rec, sizeof(rec)) ||
	    out_put(o, rname, rec.name_len + 1))
		goto oom;
	if (n) {
		b->xval[n] = '\0';
		if (out_put(o, b->xval, (size_t)n + 1))
			goto oom;
	}
	r = put_xattrs(cfg, b, o, dfd, path, name, err);
	if (r < 0) {
		o->len = start;
		return r;
	}
	if (out_put(o, zeros, ALIGN_UP(o->len, (size_t)8) - o->len))
		goto oom;
	((struct eseal_scan_rec *)(o->p + start))->n_xattrs = (uint32_t)r;
	((struct eseal_scan_rec *)(o->p + start))->total =
		(uint32_t)(o->len - start);
	return 0;
oom:
	o->len = start;
	return eseal_errorf(err, ENOMEM, "out of memory");
}

int eseal_scan_read_dir(const struct eseal_scan_cfg *cfg,
			struct eseal_scan_buf *b, const char *path, dev_t dev,
			ino_t ino, uint8_t **recs, size_t *len, size_t *n,
			struct eseal_error *err)
{
	struct out o = { 0 };
	struct statx stx;
	struct stat st;
	size_t i;
	int fd, r = 0;

	*recs = NULL;
	*len = *n = 0;
	fd = eseal_open_below(cfg->src_fd, path,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return syserr(cfg, err, errno, path, NULL,
			      "cannot open directory");
	if (fstat(fd, &st) < 0 || st.st_dev != dev || st.st_ino != ino) {
		r = error(cfg, err, ESTALE, path, NULL,
			  "directory replaced during the scan");
		goto out;
	}
	r = read_names(cfg, b, fd, path, err);
	for (i = 0; !r && i < b->n; i++) {
		const char *name = b->names + b->offs[i];

		if (statx(fd, name, AT_SYMLINK_NOFOLLOW, STAT_MASK, &stx) < 0) {
			r = syserr(cfg, err, errno, path, name, "cannot stat");
			break;
		}
		r = put_entry(cfg, b, &o, fd, path, name, &stx, err);
		if (r == 1)
			r = 0;		/* left out */
		else if (!r)
			(*n)++;
	}
out:
	close(fd);
	if (r) {
		free(o.p);
		*n = 0;
		return r;
	}
	*recs = o.p;
	*len = o.len;
	return 0;
}

int eseal_scan_read_self(const struct eseal_scan_cfg *cfg,
			 struct eseal_scan_buf *b, int fd, uint8_t **recs,
			 size_t *len, struct eseal_error *err)
{
	struct out o = { 0 };
	struct statx st;
	int r;

	*recs = NULL;
	*len = 0;
	if (statx(fd, "", AT_EMPTY_PATH, STAT_MASK, &st) < 0)
		return syserr(cfg, err, errno, NULL, NULL, "cannot stat");
	r = put_entry(cfg, b, &o, fd, NULL, NULL, &st, err);
	if (r) {
		free(o.p);
		return r < 0 ? r : error(cfg, err, EINVAL, NULL, NULL,
					 "not a directory");
	}
	*recs = o.p;
	*len = o.len;
	return 0;
}
