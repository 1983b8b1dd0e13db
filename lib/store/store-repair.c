// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * fsck --repair (store-repair.h): the quarantine and restoring objects
 * from another store.  Every directory is opened with O_NOFOLLOW below its
 * parent's fd and every move is a rename or link between such fds, so
 * nothing is followed and nothing leaves the store's filesystem.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "io.h"
#include "objstore.h"
#include "store-open.h"
#include "store-repair.h"
#include "store-walk.h"

#define QUARANTINE_MODE 0700
#define COPY_BUF (512 * 1024)

int repair_init(struct repair *rp, int store_fd, const char *store,
		const char *from, struct eseal_error *err)
{
	struct stat a, b;
	struct tm tm;
	time_t now = time(NULL);
	size_t i;

	memset(rp, 0, sizeof(*rp));
	rp->store_fd = store_fd;
	rp->store = store;
	rp->from_fd = rp->qroot_fd = -1;
	for (i = 0; i < ARRAY_SIZE(rp->qsub_fd); i++)
		rp->qsub_fd[i] = -1;
	gmtime_r(&now, &tm);
	snprintf(rp->run, sizeof(rp->run), "%04d%02d%02dT%02d%02d%02dZ-%d",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)getpid());
	if (!from)
		return 0;
	rp->from = from;
	rp->from_fd = store_open_dir(from, err);
	if (rp->from_fd < 0)
		return eseal_error_prefix(err, "--from");
	if (fstat(rp->from_fd, &a) == 0 && fstat(store_fd, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return eseal_errorf(err, EINVAL,
				    "%s: the store to restore from is the store itself",
				    from);
	rp->buf = eseal_io_buf_alloc(COPY_BUF);
	if (!rp->buf)
		return eseal_errorf(err, ENOMEM, "out of memory");
	return 0;
}

void repair_fini(struct repair *rp)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rp->qsub_fd); i++)
		if (rp->qsub_fd[i] >= 0)
			close(rp->qsub_fd[i]);
	for (i = 0; i < ARRAY_SIZE(rp->c); i++)
		eseal_fsverity_free(rp->c[i]);
	if (rp->qroot_fd >= 0)
		close(rp->qroot_fd);
	if (rp->from_fd >= 0)
		close(rp->from_fd);
	free(rp->buf);
}

/* Directory name below dir_fd, made (mode 0700) when missing, not followed */
static int sub_dir(int dir_fd, const char *name, const char *store,
		   const char *rel, struct eseal_error *err)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	struct stat st;
	int fd;

	fd = openat(dir_fd, name, flags);
	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(dir_fd, name, QUARANTINE_MODE) < 0 &&
		    errno != EEXIST)
			return eseal_syserrorf(err, errno,
					       "%s/%s: cannot create", store,
					       rel);
		fd = openat(dir_fd, name, flags);
	}
	if (fd >= 0)
		return fd;
	if ((errno == ELOOP || errno == ENOTDIR) &&
	    fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return eseal_store_entry_error(err, store, rel, strlen(rel),
					 st.st_mode, "a directory");
	return eseal_syserrorf(err, errno, "%s/%s", store, rel);
}

/* The quarantine's directory for entries of fan-out fan (-1: the root) */
static int quarantine_dir(struct repair *rp, int fan, struct eseal_error *err)
{
	char rel[sizeof(ESEAL_STORE_QUARANTINE) + sizeof(rp->run) + 4];
	char sub[3];
	int q;

	if (rp->qroot_fd < 0) {
		q = sub_dir(rp->store_fd, ESEAL_STORE_QUARANTINE, rp->store,
			    ESEAL_STORE_QUARANTINE, err);
		if (q < 0)
			return q;
		snprintf(rel, sizeof(rel), "%s/%s", ESEAL_STORE_QUARANTINE,
			 rp->run);
		rp->qroot_fd = sub_dir(q, rp->run, rp->store, rel, err);
		close(q);
		if (rp->qroot_fd < 0)
			return rp->qroot_fd;
	}
	if (fan < 0)
		return rp->qroot_fd;
	if (rp->qsub_fd[fan] < 0) {
		eseal_hex_encode(&(uint8_t){ (uint8_t)fan }, 1, sub);
		snprintf(rel, sizeof(rel), "%s/%s/%s", ESEAL_STORE_QUARANTINE,
			 rp->run, sub);
		rp->qsub_fd[fan] = sub_dir(rp->qroot_fd, sub, rp->store, rel,
					   err);
	}
	return rp->qsub_fd[fan];
}

static void where_of(const struct repair *rp, int fan, const char *name,
		     char *where, size_t size)
{
	if (fan < 0)
		snprintf(where, size, "%s/%s/%s", ESEAL_STORE_QUARANTINE,
			 rp->run, name);
	else
		snprintf(where, size, "%s/%s/%02x/%s", ESEAL_STORE_QUARANTINE,
			 rp->run, (unsigned int)fan, name);
}

/* Move (or, with link, hard-link) the entry into the quarantine */
static int to_quarantine(struct repair *rp, int dir_fd, int fan,
			 const char *name, bool link, char *where,
			 size_t where_size, struct eseal_error *err)
{
	int q = quarantine_dir(rp, fan, err);

	if (q < 0)
		return q;
	where_of(rp, fan, name, where, where_size);
	if (link ? linkat(dir_fd, name, q, name, 0) :
		   renameat(dir_fd, name, q, name))
		return eseal_syserrorf(err, errno, "cannot %s it to %s",
				       link ? "link" : "move", where);
	/* durable before the name is given to anything else */
	fsync(q);
	return 0;
}

int repair_quarantine(struct repair *rp, int dir_fd, int fan,
		      const char *name, char *where, size_t where_size,
		      struct eseal_error *err)
{
	return to_quarantine(rp, dir_fd, fan, name, false, where, where_size,
			     err);
}

/* Open object name of fan-out fan in the other store; -ENOENT when none */
static int open_source(struct repair *rp, int fan, const char *name,
		       struct stat *st, struct eseal_error *err)
{
	char sub[3];
	int dfd, fd;

	eseal_hex_encode(&(uint8_t){ (uint8_t)fan }, 1, sub);
	dfd = openat(rp->from_fd, sub,
		     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? -ENOENT :
		       eseal_syserrorf(err, errno, "%s/%s", rp->from, sub);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT :
		       eseal_syserrorf(err, errno, "%s/%s/%s", rp->from, sub,
				       name);
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return eseal_errorf(err, EINVAL,
				    "%s/%s/%s: not a regular file", rp->from,
				    sub, name);
	}
	return fd;
}

/* The good copy of d from src into a temporary file t of dir_fd */
static int copy_verified(struct repair *rp, int src, const struct stat *st,
			 int dir_fd, const char *name,
			 const struct eseal_digest *d, struct eseal_tmpfile *t,
			 struct eseal_error *err)
{
	char sname[PATH_MAX], hex[2 * ESEAL_DIGEST_MAX + 1];
	struct eseal_digest got;
	uint64_t size;
	int r, rfd;

	snprintf(sname, sizeof(sname), "%s/%02x/%s", rp->from, d->bytes[0],
		 name);
	if (!rp->c[d->alg]) {
		rp->c[d->alg] = eseal_fsverity_new(d->alg);
		if (!rp->c[d->alg])
			return eseal_errorf(err, ENOMEM, "out of memory");
	}
	r = eseal_tmpfile_create(t, dir_fd, ESEAL_STORE_TMP_PREFIX, O_RDWR,
				 ESEAL_OBJ_MODE, false);
	if (r)
		return eseal_syserrorf(err, -r,
				       "cannot create a temporary file");
	r = eseal_hash_copy_fd(rp->c[d->alg], src, sname, t->fd,
			       "a temporary file", rp->buf, COPY_BUF,
			       (uint64_t)st->st_size, &got, &size, err);
	if (r)
		return r;
	if (got.size != d->size || memcmp(got.bytes, d->bytes, d->size)) {
		eseal_digest_hex(&got, hex);
		return eseal_errorf(err, EBADMSG,
				    "the copy in %s is bad too (its digest is %s)",
				    rp->from, hex);
	}
	if (fchmod(t->fd, ESEAL_OBJ_MODE) < 0 || fsync(t->fd) < 0)
		return eseal_syserrorf(err, errno, "a temporary file");
	/* fs-verity where the filesystem has it (read-only fd, no writer) */
	rfd = eseal_tmpfile_reopen(t, O_RDONLY);
	if (rfd >= 0) {
		close(t->fd);
		t->fd = rfd;
		eseal_verity_enable(rfd, d->alg);
	}
	return 0;
}

int repair_restore(struct repair *rp, int dir_fd, int fan, const char *name,
		   const struct eseal_digest *d, char *where,
		   size_t where_size, struct eseal_error *err)
{
	struct eseal_tmpfile t = { .fd = -1 };
	bool linked = false;
	struct stat st, cur;
	int src, r;

	where[0] = '\0';
	src = open_source(rp, fan, name, &st, err);
	if (src == -ENOENT)
		return repair_quarantine(rp, dir_fd, fan, name, where,
					 where_size, err);
	if (src < 0)
		return src;
	r = copy_verified(rp, src, &st, dir_fd, name, d, &t, err);
	close(src);
	if (r)
		goto out;
	/*
	 * The bad file is linked into the quarantine and the good one
	 * renamed over it: the name never goes missing.  Where a link is
	 * impossible (a directory, protected_hardlinks) it is moved first.
	 */
	if (fstatat(dir_fd, name, &cur, AT_SYMLINK_NOFOLLOW) == 0) {
		r = S_ISDIR(cur.st_mode) ? -EISDIR :
		    to_quarantine(rp, dir_fd, fan, name, true, where,
				  where_size, err);
		linked = !r;
		if (r)
			r = to_quarantine(rp, dir_fd, fan, name, false, where,
					  where_size, err);
		if (r)
			goto out;
	}
	r = linked ? eseal_tmpfile_replace(&t, name, ESEAL_STORE_TMP_PREFIX) :
		     eseal_tmpfile_link(&t, dir_fd, name);
	if (r) {
		eseal_syserrorf(err, -r, "cannot link the good copy");
		goto out;
	}
	fsync(dir_fd);
	r = 1;
out:
	eseal_tmpfile_discard(&t);
	return r;
}
