// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * eseal_store_gc(): mark the objects kept images need, sweep the rest.
 *
 * Safety, in order of the steps:
 *  - the store's lock is taken exclusively before the roots are read, so
 *    that an image a writer publishes is either seen (the writer finished
 *    before) or made after the sweep (the writer waits for it);
 *  - every root is read before anything is removed, and a root that
 *    cannot be read stops gc;
 *  - only regular files named as objects, their Merkle tree files and
 *    stale temporary files are removed, with unlinkat() below fan-out
 *    directories opened without following symlinks; anything else is
 *    left alone and reported.  A kill at any moment leaves fewer garbage
 *    objects, and every object that was kept.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest-set.h"
#include "store-lock.h"
#include "store-roots.h"
#include "store-walk.h"

struct gc {
	struct eseal_gc_opts o;
	struct eseal_gc_result r;
	struct digest_set set;
	const char *store;
	time_t stale_before;		/* temporary files older go */
	bool dry;
	struct eseal_error *err;
};

static void left_alone(struct gc *g, const struct store_entry *e,
		       int problem, const char *detail)
{
	char path[ESEAL_ESC_SIZE(STORE_REL_MAX)];
	struct eseal_store_issue i = {
		.path = eseal_escape_str(path, sizeof(path), e->rel),
		.problem = problem, .detail = detail,
		.action = ESEAL_ACTION_NONE,
	};

	g->r.left_alone++;
	if (g->o.issue)
		g->o.issue(&i, g->o.issue_arg);
}

/* An entry of the wrong type, which gc leaves alone */
static void wrong_type(struct gc *g, const struct store_entry *e,
		       const char *want)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "%s, not %s: left alone%s",
		 store_dtype_name(e->type), want,
		 e->type == DT_LNK ? " (symlinks are not followed)" : "");
	left_alone(g, e, ESEAL_PROBLEM_TYPE, msg);
}

/*
 * Remove entry e (a regular file) unless this is a dry run; *bytes gets
 * its size.  1 when it was (or would be) removed, 0 when it went
 * meanwhile, or -errno.
 */
static int remove_file(struct gc *g, const struct store_entry *e,
		       uint64_t *bytes, time_t *mtime)
{
	struct stat st;

	if (fstatat(e->dir_fd, e->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 :
		       eseal_syserrorf(g->err, errno, "%s/%s", g->store,
				       e->rel);
	if (!S_ISREG(st.st_mode))
		return 0;	/* swapped meanwhile: not ours to remove */
	*bytes = (uint64_t)st.st_size;
	if (mtime) {
		*mtime = st.st_mtime;
		if (st.st_mtime >= g->stale_before)
			return 0;	/* a writer's, perhaps: too young */
	}
	if (g->dry)
		return 1;
	if (unlinkat(e->dir_fd, e->name, 0) < 0)
		return errno == ENOENT ? 0 :
		       eseal_syserrorf(g->err, errno, "%s/%s: cannot remove",
				       g->store, e->rel);
	return 1;
}

static int sweep_tmp(struct gc *g, const struct store_entry *e)
{
	uint64_t bytes = 0;
	time_t mtime;
	int r;

	if (e->type != DT_REG) {
		wrong_type(g, e, "a regular file");
		return 0;
	}
	r = remove_file(g, e, &bytes, &mtime);
	if (r > 0) {
		g->r.tmp_removed++;
		g->r.tmp_bytes_removed += bytes;
	}
	return MIN(r, 0);
}

static int sweep_root(struct gc *g, const struct store_entry *e)
{
	char msg[128];

	switch (e->kind) {
	case STORE_ROOT_FANOUT:
		if (e->error) {
			snprintf(msg, sizeof(msg), "cannot be read: %s",
				 strerror(e->error));
			left_alone(g, e, ESEAL_PROBLEM_UNREADABLE, msg);
		} else if (e->type != DT_DIR) {
			wrong_type(g, e, "a directory");
		}
		return 0;
	case STORE_ROOT_TMP:
		return sweep_tmp(g, e);
	}
	left_alone(g, e, ESEAL_PROBLEM_NAME, "not a store's name, left alone");
	return 0;
}

static int sweep_entry(const struct store_entry *e, void *arg)
{
	struct gc *g = arg;
	struct digest_ent *k;
	uint64_t bytes = 0;
	int r;

	if (e->fanout < 0)
		return sweep_root(g, e);
	switch (e->kind) {
	case STORE_NAME_OBJECT:
		if (e->type != DT_REG) {
			wrong_type(g, e, "a regular file");
			return 0;
		}
		k = digest_set_find(&g->set, &e->digest);
		if (k) {
			k->seen = true;
			g->r.objects_kept++;
			g->r.bytes_kept += k->size;
			return 0;
		}
		r = remove_file(g, e, &bytes, NULL);
		if (r > 0) {
			g->r.objects_removed++;
			g->r.bytes_removed += bytes;
		}
		return MIN(r, 0);
	case STORE_NAME_TREE:
		if (e->type != DT_REG) {
			wrong_type(g, e, "a regular file");
			return 0;
		}
		/* a tree goes with its object, and when its object is gone */
		if (digest_set_find(&g->set, &e->digest))
			return 0;
		r = remove_file(g, e, &bytes, NULL);
		if (r > 0) {
			g->r.trees_removed++;
			g->r.tree_bytes_removed += bytes;
		}
		return MIN(r, 0);
	case STORE_NAME_TMP:
		return sweep_tmp(g, e);
	}
	left_alone(g, e, ESEAL_PROBLEM_NAME, "not a store's name, left alone");
	return 0;
}

/* The roots: every kept image, read before anything is removed */
static int mark(struct gc *g)
{
	struct root_image img;
	uint32_t n = 0;
	size_t i;
	int r;

	for (i = 0; i < g->o.n_keep; i++) {
		memset(&img, 0, sizeof(img));
		img.no = ++n;
		r = store_roots_image(&g->set, g->o.keep[i], true, &img,
				      g->err);
		if (r < 0)
			return eseal_error_prefix(g->err,
						  "cannot read a kept image");
	}
	for (i = 0; i < g->o.n_keep_dirs; i++) {
		r = store_roots_dir(&g->set, g->o.keep_dirs[i], &n, g->err);
		if (r < 0)
			return eseal_error_prefix(g->err,
						  "cannot read a kept directory");
	}
	g->r.images = n;
	return 0;
}

static int check_opts(const struct eseal_gc_opts *o, struct eseal_error *err)
{
	bool roots = o->n_keep || o->n_keep_dirs;

	if (o->flags & ~(ESEAL_GC_DRY_RUN | ESEAL_GC_ALL | ESEAL_GC_NO_WAIT))
		return eseal_errorf(err, EINVAL, "unknown gc flags %#x",
				    o->flags);
	if ((o->n_keep && !o->keep) || (o->n_keep_dirs && !o->keep_dirs))
		return eseal_errorf(err, EINVAL, "no array of kept images");
	if (!roots && !(o->flags & ESEAL_GC_ALL))
		return eseal_errorf(err, EINVAL,
				    "no image to keep: name them (--keep, --keep-dir), or say that every object goes (--all)");
	if (roots && (o->flags & ESEAL_GC_ALL))
		return eseal_errorf(err, EINVAL,
				    "--all removes every object: it takes no image to keep");
	return 0;
}

static int gc(const char *store, struct gc *g)
{
	struct digest_ent *k;
	int fd, lock_fd = -1, r;
	size_t i;

	r = check_opts(&g->o, g->err);
	if (r)
		return r;
	g->dry = g->o.flags & ESEAL_GC_DRY_RUN;
	g->stale_before = time(NULL) -
			  (time_t)(g->o.tmp_grace ? g->o.tmp_grace :
						    ESEAL_STORE_TMP_GRACE);
	fd = store_open_dir(store, g->err);
	if (fd < 0)
		return fd;
	/* a dry run removes nothing: it only keeps a gc from running */
	r = eseal_store_lock(fd, store,
			     (g->dry ? STORE_LOCK_OPTIONAL :
				       STORE_LOCK_EXCLUSIVE) |
			     ((g->o.flags & ESEAL_GC_NO_WAIT) ?
				      STORE_LOCK_NO_WAIT : 0),
			     g->dry ? "a gc" : "a writer or a gc", &lock_fd,
			     g->err);
	if (!r)
		r = mark(g);
	if (!r)
		r = store_walk(fd, store, sweep_entry, g, g->err);
	for (i = 0; !r && i < g->set.cap; i++) {
		k = &g->set.v[i];
		g->r.objects_missing += k->len && !k->seen;
	}
	if (lock_fd >= 0)
		close(lock_fd);
	close(fd);
	return r;
}

int eseal_store_gc(const char *store, const struct eseal_gc_opts *opts,
		   struct eseal_gc_result *res, struct eseal_error *err)
{
	struct gc g = { .store = store, .err = err };
	int r;

	if (!opts)
		return eseal_errorf(err, EINVAL, "no gc options");
	r = eseal_abi_in(&g.o, sizeof(g.o), opts, ESEAL_V0_GC_OPTS,
			 "eseal_gc_opts", err);
	if (!r && res)
		r = eseal_abi_check(res, sizeof(g.r), ESEAL_V0_GC_RESULT,
				    "eseal_gc_result", err);
	if (r)
		return r;
	g.r.size = sizeof(g.r);
	r = gc(store, &g);
	digest_set_free(&g.set);
	if (res)
		eseal_abi_out(res, &g.r, sizeof(g.r));
	return r;
}
