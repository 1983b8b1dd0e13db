// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * eseal_store_fsck(): hash every object of a store on a thread pool and
 * report, by path, what is wrong; with repair, set it right
 * (store-repair.c).
 *
 * The walk (store-walk.c) runs on the calling thread and hands objects to
 * the workers as it finds them; workers only open (below a fan-out
 * directory fd, O_NOFOLLOW, O_NONBLOCK), measure fs-verity and hash.
 * Results come back to the calling thread, which alone reports, counts
 * and repairs, so that the callback and the store's changes happen in one
 * place.  Large objects are not sorted first: a store's objects are many
 * and mostly small, and the walk's order reads directories once.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "store-lock.h"
#include "store-repair.h"
#include "store-walk.h"
#include "workers.h"

#define READ_BUF (512 * 1024)
#define OBJ_WRITABLE (S_IWGRP | S_IWOTH)	/* objects: nobody else */
#define DIR_WRITABLE S_IWOTH			/* fan-out: not everyone */

struct fsck {
	struct eseal_fsck_opts o;
	struct eseal_fsck_result r;
	const char *store;
	int store_fd;
	int dirs[256];			/* fan-out directories, for the jobs */
	bool repair;
	time_t stale_before;
	struct repair rp;
	struct eseal_workers *w;
	struct job *cur;		/* being filled */
	struct eseal_error *err;
};

struct tls {
	struct eseal_fsverity_ctx *c[ESEAL_HASH_SHA512 + 1];
	uint8_t *buf;
};

/* One object to check */
struct item {
	unsigned int fan;
	char name[256];
	char rel[STORE_REL_MAX];
	struct eseal_digest want;
	/* results */
	int ret;			/* 0, or the -errno of opening/reading */
	bool opened;			/* ret is about reading, not opening */
	mode_t mode;
	uint64_t size;
	struct eseal_digest got;
	int verity;			/* 1 measured, 0 off, -1 unsupported */
	struct eseal_digest measured;
	struct eseal_error err;
};

/*
 * A few objects of one fan-out directory: one hand-over to a worker and
 * back for several objects, since most are small
 */
#define JOB_ITEMS 16
struct job {
	unsigned int n;
	struct item it[JOB_ITEMS];
};

/* ---- the workers ---------------------------------------------------------- */

static int tls_init(void *arg, void **out)
{
	struct tls *t = calloc(1, sizeof(*t));

	(void)arg;
	*out = t;
	if (!t)
		return -ENOMEM;
	t->buf = eseal_io_buf_alloc(READ_BUF);
	return t->buf ? 0 : -ENOMEM;
}

static void tls_fini(void *arg, void *p)
{
	struct tls *t = p;
	size_t i;

	(void)arg;
	for (i = 0; i < ARRAY_SIZE(t->c); i++)
		eseal_fsverity_free(t->c[i]);
	free(t->buf);
	free(t);
}

static void check_item(struct fsck *f, struct tls *t, struct item *j)
{
	const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	int fd, alg = j->want.alg;
	struct stat st;

	j->ret = 0;
	j->opened = false;
	j->verity = -1;
	j->err.msg[0] = '\0';
	fd = openat(f->dirs[j->fan], j->name, flags | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = openat(f->dirs[j->fan], j->name, flags);
	if (fd < 0) {
		j->ret = -errno;
		return;
	}
	if (fstat(fd, &st) < 0) {
		j->ret = -errno;
		goto out;
	}
	j->mode = st.st_mode;
	j->opened = true;
	if (!S_ISREG(st.st_mode))
		goto out;		/* swapped meanwhile: the caller says */
	if (!t->c[alg] && !(t->c[alg] = eseal_fsverity_new(alg))) {
		j->ret = -ENOMEM;
		goto out;
	}
	switch (eseal_verity_measure(fd, &j->measured)) {
	case 0:
		j->verity = 1;
		break;
	case -ENODATA:
		j->verity = 0;
		break;
	}
	if (st.st_size > READ_BUF)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	j->ret = eseal_hash_copy_fd(t->c[alg], fd, j->rel, -1, NULL, t->buf,
				    READ_BUF, (uint64_t)st.st_size, &j->got,
				    &j->size, &j->err);
out:
	close(fd);
}

static void run_job(void *arg, void *tls, void *jobp)
{
	struct job *j = jobp;
	unsigned int i;

	for (i = 0; i < j->n; i++)
		check_item(arg, tls, &j->it[i]);
}

/* ---- reporting and repairing (the calling thread) -------------------------- */

static void report(struct fsck *f, const char *rel, int problem,
		   const char *detail, int action, const char *adetail)
{
	char path[ESEAL_ESC_SIZE(STORE_REL_MAX)];
	char *where = NULL;
	struct eseal_store_issue i = {
		.path = eseal_escape_str(path, sizeof(path), rel),
		.problem = problem, .detail = detail,
		.action = action, .action_detail = adetail,
	};

	/* names are shown as `info ls` shows them, wherever they appear */
	if (adetail && (where = malloc(ESEAL_ESC_SIZE(strlen(adetail))))) {
		strcpy(where, adetail);
		eseal_escape_message(where, ESEAL_ESC_SIZE(strlen(adetail)));
		i.action_detail = where;
	}

	f->r.problems++;
	f->r.unreadable += problem == ESEAL_PROBLEM_UNREADABLE;
	f->r.quarantined += action == ESEAL_ACTION_QUARANTINED ||
			    action == ESEAL_ACTION_RESTORED;
	f->r.restored += action == ESEAL_ACTION_RESTORED;
	f->r.fixed += action == ESEAL_ACTION_FIXED;
	f->r.removed += action == ESEAL_ACTION_REMOVED;
	f->r.failed += action == ESEAL_ACTION_FAILED;
	if (f->o.issue)
		f->o.issue(&i, f->o.issue_arg);
	free(where);
}

/*
 * A bad entry: reported and, with repair, moved into the quarantine (an
 * object restored from the other store when it has it, d non-NULL).
 */
static void bad_entry(struct fsck *f, int dir_fd, int fan, const char *name,
		      const char *rel, int problem, const char *detail,
		      const struct eseal_digest *d)
{
	char where[PATH_MAX];
	struct eseal_error e = { 0 };
	int r, action = ESEAL_ACTION_QUARANTINED;

	if (!f->repair) {
		report(f, rel, problem, detail, ESEAL_ACTION_NONE, NULL);
		return;
	}
	if (d && f->rp.from_fd >= 0) {
		r = repair_restore(&f->rp, dir_fd, fan, name, d, where,
				   sizeof(where), &e);
		if (r > 0)
			action = ESEAL_ACTION_RESTORED;
	} else {
		r = repair_quarantine(&f->rp, dir_fd, fan, name, where,
				      sizeof(where), &e);
	}
	if (r < 0) {
		/* what happened to the entry is in the message */
		report(f, rel, problem, detail, ESEAL_ACTION_FAILED, e.msg);
		return;
	}
	if (action == ESEAL_ACTION_RESTORED) {
		char both[PATH_MAX + 64];

		snprintf(both, sizeof(both), "%s (a good copy from %s took its place)",
			 where, f->rp.from);
		report(f, rel, problem, detail, action, both);
	} else {
		report(f, rel, problem, detail, action, where);
	}
}

/* A problem fixed in place by fn (chmod, fs-verity) */
static void fixable(struct fsck *f, const char *rel, int problem,
		    const char *detail, int fix_ret)
{
	char why[128];

	if (!f->repair) {
		report(f, rel, problem, detail, ESEAL_ACTION_NONE, NULL);
	} else if (fix_ret < 0) {
		snprintf(why, sizeof(why), "%s", strerror(-fix_ret));
		report(f, rel, problem, detail, ESEAL_ACTION_FAILED, why);
	} else {
		report(f, rel, problem, detail, ESEAL_ACTION_FIXED, NULL);
	}
}

static int fix_object(struct fsck *f, const struct item *j, bool verity)
{
	int fd = openat(f->dirs[j->fan], j->name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		r = -EINVAL;
	else if (verity)
		r = eseal_verity_enable(fd, j->want.alg);
	else if (fchmod(fd, st.st_mode & 07777 & ~OBJ_WRITABLE) < 0)
		r = -errno;
	close(fd);
	return r;
}

static bool same_digest(const struct eseal_digest *a,
			const struct eseal_digest *b)
{
	return a->size == b->size && !memcmp(a->bytes, b->bytes, a->size);
}

static void item_done(struct fsck *f, struct item *j)
{
	char msg[ESEAL_ERR_MSG_MAX + 32], hex[2 * ESEAL_DIGEST_MAX + 1];
	int dfd = f->dirs[j->fan];

	if (j->ret == -ENOENT && !j->opened)
		return;		/* gone since the walk: nothing to check */
	if (j->ret == -ELOOP && !j->opened) {
		bad_entry(f, dfd, (int)j->fan, j->name, j->rel,
			  ESEAL_PROBLEM_TYPE,
			  "a symbolic link, not a regular file", &j->want);
		return;
	}
	if (j->ret == -EIO && j->opened) {
		/* with fs-verity on, a block that does not match its hash */
		bad_entry(f, dfd, (int)j->fan, j->name, j->rel,
			  ESEAL_PROBLEM_CONTENT, "cannot be read back: I/O error",
			  &j->want);
		return;
	}
	if (j->ret) {
		snprintf(msg, sizeof(msg), "cannot be read: %s",
			 j->err.msg[0] ? j->err.msg : strerror(-j->ret));
		report(f, j->rel, ESEAL_PROBLEM_UNREADABLE, msg,
		       ESEAL_ACTION_NONE, NULL);
		return;
	}
	if (!S_ISREG(j->mode)) {
		snprintf(msg, sizeof(msg), "%s, not a regular file",
			 eseal_file_type_name(j->mode));
		bad_entry(f, dfd, (int)j->fan, j->name, j->rel,
			  ESEAL_PROBLEM_TYPE, msg, &j->want);
		return;
	}
	f->r.objects++;
	f->r.bytes += j->size;
	if (!same_digest(&j->got, &j->want)) {
		eseal_digest_hex(&j->got, hex);
		snprintf(msg, sizeof(msg),
			 "content does not match its name (its digest is %s)",
			 hex);
		bad_entry(f, dfd, (int)j->fan, j->name, j->rel,
			  ESEAL_PROBLEM_CONTENT, msg, &j->want);
		return;
	}
	f->r.verity_checked += j->verity >= 0;
	if (j->verity > 0 && (j->measured.alg != j->want.alg ||
			      !same_digest(&j->measured, &j->want))) {
		eseal_digest_hex(&j->measured, hex);
		snprintf(msg, sizeof(msg),
			 "its fs-verity digest is %s:%s, not its name",
			 eseal_hash_name(j->measured.alg) ?: "?", hex);
		bad_entry(f, dfd, (int)j->fan, j->name, j->rel,
			  ESEAL_PROBLEM_BAD_VERITY, msg, &j->want);
		return;
	}
	if (j->verity == 0)
		fixable(f, j->rel, ESEAL_PROBLEM_NO_VERITY,
			"fs-verity is not enabled (the filesystem has it)",
			f->repair ? fix_object(f, j, true) : 0);
	if (j->mode & OBJ_WRITABLE) {
		snprintf(msg, sizeof(msg), "mode %04o: writable by %s",
			 (unsigned int)(j->mode & 07777),
			 (j->mode & S_IWOTH) ? "others" : "its group");
		fixable(f, j->rel, ESEAL_PROBLEM_WRITABLE, msg,
			f->repair ? fix_object(f, j, false) : 0);
	}
}

/* Take finished jobs back (waiting for one when wait) */
static void reap(struct fsck *f, bool wait)
{
	struct job *j;
	unsigned int i;

	while ((j = eseal_workers_wait_done(f->w, wait ? -1 : 0))) {
		for (i = 0; i < j->n; i++)
			item_done(f, &j->it[i]);
		eseal_workers_put_free(f->w, j);
		wait = false;
	}
}

/* ---- the walk --------------------------------------------------------------- */

/* Hand the job being filled to the workers */
static void submit(struct fsck *f)
{
	if (f->cur && f->cur->n)
		eseal_workers_submit(f->w, f->cur);
	else if (f->cur)
		eseal_workers_put_free(f->w, f->cur);
	f->cur = NULL;
}

/* Add an object to the job being filled (of its fan-out directory) */
static void add_object(struct fsck *f, const struct store_entry *e)
{
	struct item *it;

	if (f->cur && (f->cur->n == JOB_ITEMS ||
		       f->cur->it[0].fan != (unsigned int)e->fanout))
		submit(f);
	if (!f->cur) {
		while (!(f->cur = eseal_workers_get_free(f->w)))
			reap(f, true);
		f->cur->n = 0;
	}
	it = &f->cur->it[f->cur->n++];
	it->fan = (unsigned int)e->fanout;
	snprintf(it->name, sizeof(it->name), "%s", e->name);
	snprintf(it->rel, sizeof(it->rel), "%s", e->rel);
	it->want = e->digest;
}

/* A regular temporary file: stray once older than the grace period */
static void tmp_entry(struct fsck *f, const struct store_entry *e)
{
	struct stat st;

	if (e->type != DT_REG) {
		char msg[96];

		snprintf(msg, sizeof(msg), "%s, not a regular file",
			 store_dtype_name(e->type));
		bad_entry(f, e->dir_fd, e->fanout, e->name, e->rel,
			  ESEAL_PROBLEM_TYPE, msg, NULL);
		return;
	}
	if (fstatat(e->dir_fd, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && st.st_mtime < f->stale_before)
		bad_entry(f, e->dir_fd, e->fanout, e->name, e->rel,
			  ESEAL_PROBLEM_STRAY_TMP,
			  "a temporary file left behind (by a crash)", NULL);
}

static void fanout_dir(struct fsck *f, const struct store_entry *e)
{
	unsigned int fan = 0;
	struct stat st;
	char msg[128];

	store_root_kind(e->name, &fan);
	if (e->error) {
		snprintf(msg, sizeof(msg), "cannot be read: %s",
			 strerror(e->error));
		report(f, e->rel, ESEAL_PROBLEM_UNREADABLE, msg,
		       ESEAL_ACTION_NONE, NULL);
		return;
	}
	if (e->type != DT_DIR) {
		snprintf(msg, sizeof(msg), "%s, not a directory%s",
			 store_dtype_name(e->type),
			 e->type == DT_LNK ? " (not followed)" : "");
		bad_entry(f, e->dir_fd, -1, e->name, e->rel,
			  ESEAL_PROBLEM_TYPE, msg, NULL);
		return;
	}
	if (f->dirs[fan] < 0)
		f->dirs[fan] = fcntl(e->fd, F_DUPFD_CLOEXEC, 0);
	if (fstat(e->fd, &st) == 0 && (st.st_mode & DIR_WRITABLE)) {
		snprintf(msg, sizeof(msg), "mode %04o: writable by everyone",
			 (unsigned int)(st.st_mode & 07777));
		fixable(f, e->rel, ESEAL_PROBLEM_WRITABLE, msg,
			!f->repair ? 0 :
			fchmod(e->fd, st.st_mode & 07777 & ~DIR_WRITABLE) ?
				     -errno : 0);
	}
}

static int on_entry(const struct store_entry *e, void *arg)
{
	struct fsck *f = arg;
	char obj[STORE_REL_MAX], msg[96];
	struct stat st;
	size_t n;

	reap(f, false);
	if (e->fanout < 0) {
		if (e->kind == STORE_ROOT_FANOUT)
			fanout_dir(f, e);
		else if (e->kind == STORE_ROOT_TMP)
			tmp_entry(f, e);
		else	/* appeared since the store was opened: not moved */
			report(f, e->rel, ESEAL_PROBLEM_NAME,
			       "not a name an object store has",
			       ESEAL_ACTION_NONE, NULL);
		return 0;
	}
	if (f->dirs[e->fanout] < 0)
		return eseal_syserrorf(f->err, EMFILE, "%s/%02x", f->store,
				       (unsigned int)e->fanout);
	switch (e->kind) {
	case STORE_NAME_OBJECT:
		if (e->type == DT_REG) {
			add_object(f, e);
			return 0;
		}
		snprintf(msg, sizeof(msg), "%s, not a regular file%s",
			 store_dtype_name(e->type),
			 e->type == DT_LNK ? " (not followed)" : "");
		bad_entry(f, e->dir_fd, e->fanout, e->name, e->rel,
			  ESEAL_PROBLEM_TYPE, msg, &e->digest);
		return 0;
	case STORE_NAME_TREE:
		if (e->type != DT_REG) {
			snprintf(msg, sizeof(msg), "%s, not a regular file",
				 store_dtype_name(e->type));
			bad_entry(f, e->dir_fd, e->fanout, e->name, e->rel,
				  ESEAL_PROBLEM_TYPE, msg, NULL);
			return 0;
		}
		f->r.trees++;
		/* the tree of an object that is not there */
		n = strlen(e->name) - (sizeof(ESEAL_STORE_TREE_SUFFIX) - 1);
		snprintf(obj, sizeof(obj), "%.*s", (int)n, e->name);
		if (fstatat(e->dir_fd, obj, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
		    errno != ENOENT)
			return 0;
		if (!f->repair)
			report(f, e->rel, ESEAL_PROBLEM_ORPHAN_TREE,
			       "the Merkle tree file of an object that is not in the store",
			       ESEAL_ACTION_NONE, NULL);
		else if (unlinkat(e->dir_fd, e->name, 0) == 0)
			report(f, e->rel, ESEAL_PROBLEM_ORPHAN_TREE,
			       "the Merkle tree file of an object that is not in the store",
			       ESEAL_ACTION_REMOVED, NULL);
		else
			report(f, e->rel, ESEAL_PROBLEM_ORPHAN_TREE,
			       "the Merkle tree file of an object that is not in the store",
			       ESEAL_ACTION_FAILED, strerror(errno));
		return 0;
	case STORE_NAME_TMP:
		tmp_entry(f, e);
		return 0;
	}
	bad_entry(f, e->dir_fd, e->fanout, e->name, e->rel, ESEAL_PROBLEM_NAME,
		  "not the name of an object (lower-case hex of a digest)",
		  NULL);
	return 0;
}

static int fsck(const char *store, struct fsck *f)
{
	static const struct eseal_workers_ops ops = {
		.thread_init = tls_init,
		.thread_fini = tls_fini,
		.run = run_job,
	};
	unsigned int known = ESEAL_FSCK_REPAIR | ESEAL_FSCK_NO_WAIT;
	int lock_fd = -1, r;

	if (f->o.flags & ~known)
		return eseal_errorf(f->err, EINVAL, "unknown fsck flags %#x",
				    f->o.flags);
	f->repair = f->o.flags & ESEAL_FSCK_REPAIR;
	if (f->o.from && !f->repair)
		return eseal_errorf(f->err, EINVAL,
				    "a store to restore from is for a repair");
	f->stale_before = time(NULL) -
			  (time_t)(f->o.tmp_grace ? f->o.tmp_grace :
						    ESEAL_STORE_TMP_GRACE);
	f->store_fd = store_open_dir(store, f->err);
	if (f->store_fd < 0)
		return f->store_fd;
	/*
	 * Repairs move objects: no writer may rely on one meanwhile.  A
	 * check only keeps gc from removing what it is reading.
	 */
	r = eseal_store_lock(f->store_fd, store,
			     (f->repair ? STORE_LOCK_EXCLUSIVE :
					  STORE_LOCK_OPTIONAL) |
			     ((f->o.flags & ESEAL_FSCK_NO_WAIT) ?
				      STORE_LOCK_NO_WAIT : 0),
			     f->repair ? "a writer or a gc" : "a gc",
			     &lock_fd, f->err);
	if (!r)
		r = repair_init(&f->rp, f->store_fd, store, f->o.from, f->err);
	if (!r) {
		f->w = eseal_workers_new(f->o.threads, 0, sizeof(struct job),
					 &ops, f, f->err);
		if (!f->w)
			r = -(f->err->code ? f->err->code : ENOMEM);
	}
	if (!r)
		r = store_walk(f->store_fd, store, on_entry, f, f->err);
	if (f->w) {
		submit(f);
		while (eseal_workers_busy(f->w))
			reap(f, true);
		eseal_workers_free(f->w);
	}
	repair_fini(&f->rp);
	if (lock_fd >= 0)
		close(lock_fd);
	close(f->store_fd);
	return r;
}

int eseal_store_fsck(const char *store, const struct eseal_fsck_opts *opts,
		     struct eseal_fsck_result *res, struct eseal_error *err)
{
	struct fsck *f;
	size_t i;
	int r;

	if (!opts)
		return eseal_errorf(err, EINVAL, "no fsck options");
	f = calloc(1, sizeof(*f));
	if (!f)
		return eseal_errorf(err, ENOMEM, "out of memory");
	f->err = err;
	f->store = store;
	f->rp.from_fd = f->rp.qroot_fd = -1;
	for (i = 0; i < ARRAY_SIZE(f->dirs); i++)
		f->dirs[i] = f->rp.qsub_fd[i] = -1;
	r = eseal_abi_in(&f->o, sizeof(f->o), opts, ESEAL_V0_FSCK_OPTS,
			 "eseal_fsck_opts", err);
	if (!r && res)
		r = eseal_abi_check(res, sizeof(f->r), ESEAL_V0_FSCK_RESULT,
				    "eseal_fsck_result", err);
	if (!r) {
		f->r.size = sizeof(f->r);
		r = fsck(store, f);
		if (res)
			eseal_abi_out(res, &f->r, sizeof(f->r));
	}
	for (i = 0; i < ARRAY_SIZE(f->dirs); i++)
		if (f->dirs[i] >= 0)
			close(f->dirs[i]);
	free(f);
	return r;
}
