// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The FUSE operations on the image's tree: everything but file data.
 *
 * Inode numbers are those number_node() gave (the root is 1, as FUSE
 * wants); they are also st_ino, so the names of a hardlinked file share
 * one.  Nothing changes while mounted, so the kernel may cache entries,
 * attributes, symlinks and directory listings for as long as it likes,
 * and lookups of names that do not exist too.  The kernel checks
 * permissions itself (default_permissions), with ACLs when it can.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "fuse-server.h"

#define XATTR_TRUSTED "trusted."

static struct eseal_fuse *req_fuse(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* The directory of inode number ino, or NULL after replying ENOENT/ENOTDIR */
static struct eseal_node *dir_node(fuse_req_t req, fuse_ino_t ino)
{
	struct eseal_node *d = efuse_node(req_fuse(req), ino);

	if (!d || !S_ISDIR(d->mode)) {
		fuse_reply_err(req, d ? ENOTDIR : ENOENT);
		return NULL;
	}
	return d;
}

static void fill_stat(const struct eseal_node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = n->nlink ? n->nlink : 1;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_blksize = 4096;
	switch (n->mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
		st->st_size = (off_t)n->size;
		break;
	case S_IFLNK:
		st->st_size = n->payload ? (off_t)strlen(n->payload) : 0;
		break;
	case S_IFCHR:
	case S_IFBLK:
		st->st_rdev = n->rdev;
		break;
	}
	st->st_blocks = (blkcnt_t)DIV_ROUND_UP((uint64_t)st->st_size, 512);
	st->st_mtim.tv_sec = n->mtime_sec;
	st->st_mtim.tv_nsec = n->mtime_nsec;
	st->st_atim = st->st_mtim;
	st->st_ctim = st->st_mtim;
}

static void fill_entry(const struct eseal_node *node,
		       struct fuse_entry_param *e)
{
	const struct eseal_node *t = eseal_node_target((struct eseal_node *)node);

	memset(e, 0, sizeof(*e));
	e->ino = t->ino;
	e->generation = 1;
	fill_stat(t, &e->attr);
	e->attr_timeout = ESEAL_FUSE_TIMEOUT;
	e->entry_timeout = ESEAL_FUSE_TIMEOUT;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct eseal_fuse *f = userdata;

	unsigned int want = FUSE_CAP_ASYNC_READ | FUSE_CAP_CACHE_SYMLINKS |
			    FUSE_CAP_READDIRPLUS |
			    FUSE_CAP_PARALLEL_DIROPS | FUSE_CAP_POSIX_ACL |
			    FUSE_CAP_SPLICE_WRITE;

	conn->want |= want & conn->capable;
	/* directories need no open: see op_opendir() */
	f->no_opendir = conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT;
	/*
	 * The data never changes behind the kernel's back; and a listing
	 * always comes with the attributes (libfuse asks for "auto").
	 */
	conn->want &= ~(FUSE_CAP_AUTO_INVAL_DATA | FUSE_CAP_READDIRPLUS_AUTO);
	/* readahead of big files in parallel */
	conn->max_background = 64;
	conn->congestion_threshold = 48;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct eseal_node *p = dir_node(req, parent), *c;
	struct fuse_entry_param e;

	if (!p)
		return;
	c = eseal_node_find_child(p, name, strlen(name));
	if (!c) {
		/* a name that cannot appear: the kernel may remember that */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = ESEAL_FUSE_TIMEOUT;
		fuse_reply_entry(req, &e);
		return;
	}
	fill_entry(c, &e);
	fuse_reply_entry(req, &e);
}

/* The tree lives as long as the mount: the kernel's counts do not matter */
static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	(void)count;
	(void)forgets;
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct eseal_node *n = efuse_node(req_fuse(req), ino);
	struct stat st;

	(void)fi;
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_stat(n, &st);
	fuse_reply_attr(req, &st, ESEAL_FUSE_TIMEOUT);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct eseal_node *n = efuse_node(req_fuse(req), ino);

	if (!n || !S_ISLNK(n->mode) || !n->payload)
		fuse_reply_err(req, n ? EINVAL : ENOENT);
	else
		fuse_reply_readlink(req, n->payload);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	if (!dir_node(req, ino))
		return;
	/*
	 * ENOSYS tells a kernel that can do without to stop sending opendir
	 * and releasedir (two requests less per directory of a walk), and to
	 * keep and cache listings, as asked for here otherwise.
	 */
	if (req_fuse(req)->no_opendir) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

/* Offsets: 0 ".", 1 "..", 2 + i the i-th child; each entry's is the next */
static void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, bool plus)
{
	struct eseal_node *d = dir_node(req, ino), *c;
	struct fuse_entry_param e;
	const char *name;
	size_t pos = 0, len;
	uint64_t i;
	char *buf;

	if (!d)
		return;
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (i = off < 0 ? 0 : (uint64_t)off; i < (uint64_t)d->n_children + 2;
	     i++) {
		if (i == 0) {
			name = ".";
			c = d;
		} else if (i == 1) {
			name = "..";
			c = d->parent ? d->parent : d;
		} else {
			c = d->children[i - 2];
			name = c->name;
		}
		fill_entry(c, &e);
		if (plus)
			len = fuse_add_direntry_plus(req, buf + pos, size - pos,
						     name, &e, (off_t)i + 1);
		else
			len = fuse_add_direntry(req, buf + pos, size - pos,
						name, &e.attr, (off_t)i + 1);
		if (len > size - pos)
			break;
		pos += len;
	}
	fuse_reply_buf(req, buf, pos);
	free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)fi;
	readdir_common(req, ino, size, off, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	readdir_common(req, ino, size, off, true);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct eseal_fuse *f = req_fuse(req);
	struct statvfs sv;

	(void)ino;
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = 4096;
	sv.f_frsize = 4096;
	sv.f_blocks = DIV_ROUND_UP(f->data_bytes, 4096);
	sv.f_files = f->n_nodes;
	sv.f_namemax = 255;
	sv.f_flag = ST_RDONLY | ST_NODEV;
	fuse_reply_statfs(req, &sv);
}

/*
 * trusted.* names are for CAP_SYS_ADMIN: the kernel refuses to read them
 * for others, but lists what the server lists, so leave them out of the
 * list for callers other than root.
 */
static bool hidden(fuse_req_t req, const char *key)
{
	return !strncmp(key, XATTR_TRUSTED, strlen(XATTR_TRUSTED)) &&
	       fuse_req_ctx(req)->uid != 0;
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	struct eseal_node *n = efuse_node(req_fuse(req), ino);
	const struct eseal_xattr *x;

	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	x = hidden(req, name) ? NULL : eseal_node_get_xattr(n, name);
	if (!x)
		fuse_reply_err(req, ENODATA);
	else if (!size)
		fuse_reply_xattr(req, x->value_len);
	else if (size < x->value_len)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, (const char *)x->value, x->value_len);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct eseal_node *n = efuse_node(req_fuse(req), ino);
	size_t total = 0, pos = 0, len;
	uint32_t i;
	char *buf;

	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	for (i = 0; i < n->n_xattrs; i++)
		if (!hidden(req, n->xattrs[i].key))
			total += strlen(n->xattrs[i].key) + 1;
	if (!size) {
		fuse_reply_xattr(req, total);
		return;
	}
	if (size < total) {
		fuse_reply_err(req, ERANGE);
		return;
	}
	buf = malloc(total ? total : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (i = 0; i < n->n_xattrs; i++) {
		if (hidden(req, n->xattrs[i].key))
			continue;
		len = strlen(n->xattrs[i].key) + 1;
		memcpy(buf + pos, n->xattrs[i].key, len);
		pos += len;
	}
	fuse_reply_buf(req, buf, total);
	free(buf);
}

const struct fuse_lowlevel_ops efuse_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.readlink = op_readlink,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.releasedir = op_releasedir,
	.statfs = op_statfs,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
	.open = efuse_open,
	.read = efuse_read,
	.release = efuse_release,
};
