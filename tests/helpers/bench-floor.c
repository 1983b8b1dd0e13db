// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * bench-floor: the floors of make bench (scripts/bench), bare loops that do
 * only the kernel work a row cannot avoid, measured on the same machine in
 * the same run.
 *
 *	bench-floor read TREE [THREADS]
 *	bench-floor write STORE_DIR OUT_DIR [THREADS]
 *
 * read: every regular file below TREE (no symlink followed, not crossing
 * into other filesystems) is listed first, untimed; then THREADS threads
 * statx, open, pread in 1 MiB pieces into one reused buffer each, and
 * close every file.  Nothing is hashed.
 *
 * write: the objects of a filled store (STORE_DIR/xx/, not the *.merkle
 * files) are listed, untimed; then the same number of files of the same
 * sizes and names are written below OUT_DIR/xx/ as the store writes them
 * (lib/store/objstore.c): an O_TMPFILE in OUT_DIR, fchmod, queued; one
 * syncfs() per batch of up to 512, then each linked under its name; a last
 * syncfs() for the names.  The data comes from one hot buffer, so nothing
 * is read or hashed.  The clock runs from the first create to the last
 * syncfs().  The files' pages are dropped afterwards (untimed), so that
 * they do not push the tree or the store out of the page cache for the
 * rows that follow.
 *
 * THREADS defaults to the online CPUs.  Prints one line:
 *	seconds=S cpu=S files=N bytes=N threads=N
 * (cpu: user + system time of the timed part).  Exits 1 on any error,
 * naming the path.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define IO_BUF (1u << 20)	/* bytes per pread/pwrite */
#define READ_CHUNK 16		/* files a read thread takes at a time */
#define BATCH_MIN 128		/* as lib/store/objstore.c */
#define BATCH_MAX 512
#define FDS_KEPT (256 + 64)
#define MAX_THREADS 256

static atomic_bool failed;

static void fail(const char *path, int err, const char *what)
{
	atomic_store(&failed, true);
	if (err)
		fprintf(stderr, "bench-floor: %s: %s: %s\n", path, what,
			strerror(err));
	else
		fprintf(stderr, "bench-floor: %s: %s\n", path, what);
}

static void *xrealloc(void *p, size_t n, size_t size)
{
	p = reallocarray(p, n, size);
	if (!p) {
		fprintf(stderr, "bench-floor: out of memory\n");
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n, 1), s, n);
}

static char *join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *s = xrealloc(NULL, a + b + 2, 1);

	memcpy(s, dir, a);
	s[a] = '/';
	memcpy(s + a + 1, name, b + 1);
	return s;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_time(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void *page_buf(void)
{
	void *p = aligned_alloc((size_t)sysconf(_SC_PAGESIZE), IO_BUF);

	if (!p) {
		fprintf(stderr, "bench-floor: out of memory\n");
		exit(1);
	}
	return p;
}

/* run fn on n threads, each with its own arg */
static int run_threads(void *(*fn)(void *), void *args, size_t arg_size,
		       unsigned int n)
{
	pthread_t tid[MAX_THREADS];
	unsigned int i, started;
	int r = 0;

	for (started = 0; started < n; started++) {
		r = pthread_create(&tid[started], NULL, fn,
				   args ? (char *)args + started * arg_size :
					  NULL);
		if (r) {
			fail("pthread_create", r, "cannot start a thread");
			break;
		}
	}
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	return r;
}

/* ---- read ---------------------------------------------------------------- */

struct rfile {
	uint32_t dir;		/* index into dirs */
	char *name;
};

static const char *tree;
static int tree_fd;
static char **dirs;		/* relative to tree, "." first */
static size_t n_dirs, cap_dirs;
static struct rfile *rfiles;
static size_t n_rfiles, cap_rfiles;
static atomic_size_t r_next;
static atomic_bool noatime = true;

struct rthread {
	uint8_t *buf;
	uint64_t bytes, files;
};

static char *tree_path(const char *rel, const char *name)
{
	char *d = strcmp(rel, ".") ? join(tree, rel) : xstrdup(tree), *s;

	if (!name)
		return d;
	s = join(d, name);
	free(d);
	return s;
}

static void fail_at(const char *rel, const char *name, int err,
		    const char *what)
{
	char *p = tree_path(rel, name);

	fail(p, err, what);
	free(p);
}

/* list the directory open at fd (rel below tree), then its subdirectories */
static int walk(int fd, const char *rel, dev_t dev)
{
	char **subs = NULL;
	size_t n_subs = 0, cap_subs = 0, i;
	struct dirent *de;
	struct stat st;
	uint32_t me;
	DIR *d;
	int dfd, cfd, r = 0;

	if (n_dirs == cap_dirs) {
		cap_dirs = cap_dirs ? 2 * cap_dirs : 1024;
		dirs = xrealloc(dirs, cap_dirs, sizeof(*dirs));
	}
	me = (uint32_t)n_dirs;
	dirs[n_dirs++] = xstrdup(rel);
	dfd = dup(fd);
	d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		fail_at(rel, NULL, errno, "cannot read directory");
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	for (;;) {
		unsigned char type;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				fail_at(rel, NULL, errno,
					"cannot read directory");
				r = -1;
			}
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		type = de->d_type;
		if (type == DT_UNKNOWN) {
			if (fstatat(fd, de->d_name, &st,
				    AT_SYMLINK_NOFOLLOW) < 0) {
				fail_at(rel, de->d_name, errno, "cannot stat");
				r = -1;
				break;
			}
			type = S_ISREG(st.st_mode) ? DT_REG :
			       S_ISDIR(st.st_mode) ? DT_DIR : DT_UNKNOWN;
		}
		if (type == DT_REG) {
			if (n_rfiles == cap_rfiles) {
				cap_rfiles = cap_rfiles ? 2 * cap_rfiles :
							  4096;
				rfiles = xrealloc(rfiles, cap_rfiles,
						  sizeof(*rfiles));
			}
			rfiles[n_rfiles].dir = me;
			rfiles[n_rfiles++].name = xstrdup(de->d_name);
		} else if (type == DT_DIR) {
			if (n_subs == cap_subs) {
				cap_subs = cap_subs ? 2 * cap_subs : 16;
				subs = xrealloc(subs, cap_subs, sizeof(*subs));
			}
			subs[n_subs++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	for (i = 0; i < n_subs; i++) {
		char *sub = strcmp(rel, ".") ? join(rel, subs[i]) : subs[i];

		if (r)
			goto next;
		cfd = openat(fd, subs[i],
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			fail_at(sub, NULL, errno, "cannot open directory");
			r = -1;
		} else if (fstat(cfd, &st) < 0) {
			fail_at(sub, NULL, errno, "cannot stat");
			r = -1;
		} else if (st.st_dev == dev) {	/* like find -xdev */
			r = walk(cfd, sub, dev);
		}
		if (cfd >= 0)
			close(cfd);
next:
		if (sub != subs[i])
			free(sub);
		free(subs[i]);
	}
	free(subs);
	return r;
}

/* the directory rel below tree, no symlink followed on the way */
static int open_dir(const char *rel)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};

	return (int)syscall(SYS_openat2, tree_fd, rel, &how, sizeof(how));
}

static int read_one(struct rthread *t, int dfd, const struct rfile *f)
{
	const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	const char *rel = dirs[f->dir];
	struct statx stx;
	ssize_t n;
	off_t off = 0;
	int fd;

	if (statx(dfd, f->name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS,
		  &stx) < 0) {
		fail_at(rel, f->name, errno, "cannot stat");
		return -1;
	}
	if (!S_ISREG(stx.stx_mode)) {
		fail_at(rel, f->name, 0, "no longer a regular file");
		return -1;
	}
	fd = -1;
	if (atomic_load(&noatime)) {
		fd = openat(dfd, f->name, flags | O_NOATIME);
		if (fd < 0 && errno == EPERM)	/* not our file */
			atomic_store(&noatime, false);
	}
	if (fd < 0 && !atomic_load(&noatime))
		fd = openat(dfd, f->name, flags);
	if (fd < 0) {
		fail_at(rel, f->name, errno, "cannot open");
		return -1;
	}
	do {
		n = pread(fd, t->buf, IO_BUF, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail_at(rel, f->name, errno, "cannot read");
			close(fd);
			return -1;
		}
		off += n;
	} while (n == IO_BUF);	/* a short read of a regular file: its end */
	close(fd);
	t->bytes += (uint64_t)off;
	t->files++;
	return 0;
}

static void *read_worker(void *arg)
{
	struct rthread *t = arg;
	uint32_t cur = UINT32_MAX;
	size_t i, end;
	int dfd = -1;

	while (!atomic_load(&failed)) {
		i = atomic_fetch_add(&r_next, READ_CHUNK);
		if (i >= n_rfiles)
			break;
		end = i + READ_CHUNK < n_rfiles ? i + READ_CHUNK : n_rfiles;
		for (; i < end; i++) {
			if (rfiles[i].dir != cur) {
				if (dfd >= 0)
					close(dfd);
				cur = rfiles[i].dir;
				dfd = open_dir(dirs[cur]);
				if (dfd < 0) {
					fail_at(dirs[cur], NULL, errno,
						"cannot open directory");
					return NULL;
				}
			}
			if (read_one(t, dfd, &rfiles[i]))
				goto out;
		}
	}
out:
	if (dfd >= 0)
		close(dfd);
	return NULL;
}

static int cmd_read(const char *dir, unsigned int threads)
{
	struct rthread *t = xrealloc(NULL, threads, sizeof(*t));
	uint64_t bytes = 0, files = 0;
	double t0, c0, t1, c1;
	struct stat st;
	unsigned int i;

	tree = dir;
	tree_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tree_fd < 0 || fstat(tree_fd, &st) < 0) {
		fail(dir, errno, "cannot open directory");
		return 1;
	}
	if (walk(tree_fd, ".", st.st_dev))
		return 1;
	memset(t, 0, threads * sizeof(*t));
	for (i = 0; i < threads; i++)
		t[i].buf = page_buf();

	t0 = now();
	c0 = cpu_time();
	if (run_threads(read_worker, t, sizeof(*t), threads) ||
	    atomic_load(&failed))
		return 1;
	t1 = now();
	c1 = cpu_time();

	for (i = 0; i < threads; i++) {
		bytes += t[i].bytes;
		files += t[i].files;
	}
	printf("seconds=%.3f cpu=%.3f files=%llu bytes=%llu threads=%u\n",
	       t1 - t0, c1 - c0, (unsigned long long)files,
	       (unsigned long long)bytes, threads);
	return 0;
}

/* ---- write --------------------------------------------------------------- */

struct wobj {
	uint8_t fan;		/* its fan-out directory, xx */
	uint64_t size;
	char *name;
};

struct pending {
	int fd;
	size_t obj;
};

static const char *out_dir;
static int out_fd, fan_fd[256];
static struct wobj *wobjs;
static size_t n_wobjs, cap_wobjs, batch;
static atomic_size_t w_next;
static uint8_t *hot;		/* the data of every file */
static pthread_mutex_t pend_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t flush_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pending *pend;
static size_t n_pend, cap_pend;

static void fail_obj(const char *dir, const struct wobj *o, int err,
		     const char *what)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%02x/%s", dir, o->fan, o->name);
	fail(path, err, what);
}

/* the objects of the fan-out directory xx (fan) of the store */
static int list_fanout(int sfd, const char *store, unsigned int fan)
{
	char sub[4], path[PATH_MAX];
	struct dirent *de;
	struct statx stx;
	size_t len;
	DIR *d;
	int fd, r = 0;

	snprintf(sub, sizeof(sub), "%02x", fan);
	snprintf(path, sizeof(path), "%s/%s", store, sub);
	fd = openat(sfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		fail(path, errno, "cannot open directory");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				fail(path, errno, "cannot read directory");
				r = -1;
			}
			break;
		}
		len = strlen(de->d_name);
		/* ".", "..", temporary files; Merkle trees are no objects */
		if (de->d_name[0] == '.' ||
		    (len > 7 && !strcmp(de->d_name + len - 7, ".merkle")))
			continue;
		if (statx(fd, de->d_name, AT_SYMLINK_NOFOLLOW,
			  STATX_TYPE | STATX_SIZE, &stx) < 0) {
			snprintf(path, sizeof(path), "%s/%s/%s", store, sub,
				 de->d_name);
			fail(path, errno, "cannot stat");
			r = -1;
			break;
		}
		if (!S_ISREG(stx.stx_mode))
			continue;
		if (n_wobjs == cap_wobjs) {
			cap_wobjs = cap_wobjs ? 2 * cap_wobjs : 4096;
			wobjs = xrealloc(wobjs, cap_wobjs, sizeof(*wobjs));
		}
		wobjs[n_wobjs].fan = (uint8_t)fan;
		wobjs[n_wobjs].size = stx.stx_size;
		wobjs[n_wobjs++].name = xstrdup(de->d_name);
	}
	closedir(d);
	return r;
}

/*
 * The store writes objects in the order it meets the files, which is in
 * no order of their digests: shuffle (the same way every run), so that
 * the fan-out directories are written in turn as in the store, not one
 * after the other.
 */
static void shuffle(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct wobj tmp;
	size_t i, j;

	for (i = n_wobjs; i > 1; i--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = (size_t)(x % i);
		tmp = wobjs[i - 1];
		wobjs[i - 1] = wobjs[j];
		wobjs[j] = tmp;
	}
}

/* objects per syncfs(), as the store chooses it */
static size_t batch_size(void)
{
	struct rlimit rl;
	rlim_t room;

	/* raised as cli/erofs-seal.c raises it: to the hard limit, at most
	   65536 */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 &&
	    rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur <= FDS_KEPT)
		return BATCH_MIN;
	room = (rl.rlim_cur - FDS_KEPT) / 2;
	return room < BATCH_MIN ? BATCH_MIN :
	       room > BATCH_MAX ? BATCH_MAX : (size_t)room;
}

static int link_obj(int fd, const struct wobj *o)
{
	char proc[64];

	if (linkat(fd, "", fan_fd[o->fan], o->name, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -1;
	/* without CAP_DAC_READ_SEARCH: through /proc */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, fan_fd[o->fan], o->name,
		      AT_SYMLINK_FOLLOW);
}

/* make the queued files durable, then link them */
static int flush(void)
{
	struct pending *p;
	size_t i, n;
	int r = 0;

	pthread_mutex_lock(&flush_lock);
	pthread_mutex_lock(&pend_lock);
	p = pend;
	n = n_pend;
	pend = NULL;
	n_pend = cap_pend = 0;
	pthread_mutex_unlock(&pend_lock);
	if (n && syncfs(out_fd) < 0) {
		fail(out_dir, errno, "cannot sync");
		r = -1;
	}
	for (i = 0; i < n; i++) {
		if (!r && link_obj(p[i].fd, &wobjs[p[i].obj]) < 0) {
			fail_obj(out_dir, &wobjs[p[i].obj], errno,
				 "cannot link");
			r = -1;
		}
		close(p[i].fd);
	}
	free(p);
	pthread_mutex_unlock(&flush_lock);
	return r;
}

/* 1 when the batch is full */
static int queue(int fd, size_t obj)
{
	int full;

	pthread_mutex_lock(&pend_lock);
	if (n_pend == cap_pend) {
		cap_pend = cap_pend ? cap_pend + 16 : batch + 16;
		pend = xrealloc(pend, cap_pend, sizeof(*pend));
	}
	pend[n_pend].fd = fd;
	pend[n_pend++].obj = obj;
	full = n_pend >= batch;
	pthread_mutex_unlock(&pend_lock);
	return full;
}

static int write_one(size_t i)
{
	const struct wobj *o = &wobjs[i];
	uint64_t off = 0;
	ssize_t n;
	int fd;

	fd = openat(out_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
	if (fd < 0) {
		fail(out_dir, errno, "cannot create a temporary file");
		return -1;
	}
	while (off < o->size) {
		size_t k = o->size - off < IO_BUF ? o->size - off : IO_BUF;

		n = pwrite(fd, hot, k, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail_obj(out_dir, o, n < 0 ? errno : EIO,
				 "cannot write");
			close(fd);
			return -1;
		}
		off += (uint64_t)n;
	}
	if (fchmod(fd, 0644) < 0) {
		fail_obj(out_dir, o, errno, "cannot chmod");
		close(fd);
		return -1;
	}
	return queue(fd, i) ? flush() : 0;
}

static void *write_worker(void *arg)
{
	size_t i;

	(void)arg;
	while (!atomic_load(&failed)) {
		i = atomic_fetch_add(&w_next, 1);
		if (i >= n_wobjs || write_one(i))
			break;
	}
	return NULL;
}

/* untimed: the written files leave the page cache */
static void drop_pages(void)
{
	size_t i;
	int fd;

	for (i = 0; i < n_wobjs; i++) {
		fd = openat(fan_fd[wobjs[i].fan], wobjs[i].name,
			    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
}

static int cmd_write(const char *store, const char *out,
		     unsigned int threads)
{
	uint64_t bytes = 0;
	struct stat ss, os;
	double t0, c0, t1, c1;
	char sub[4];
	unsigned int i;
	int sfd;

	sfd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || fstat(sfd, &ss) < 0) {
		fail(store, errno, "cannot open directory");
		return 1;
	}
	for (i = 0; i < 256; i++)
		if (list_fanout(sfd, store, i))
			return 1;
	close(sfd);
	if (!n_wobjs) {
		fail(store, 0, "no objects (not a filled store?)");
		return 1;
	}
	for (i = 0; i < n_wobjs; i++)
		bytes += wobjs[i].size;
	shuffle();

	out_dir = out;
	if (mkdir(out, 0755) < 0 && errno != EEXIST) {
		fail(out, errno, "cannot make directory");
		return 1;
	}
	out_fd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (out_fd < 0 || fstat(out_fd, &os) < 0) {
		fail(out, errno, "cannot open directory");
		return 1;
	}
	if (os.st_dev == ss.st_dev && os.st_ino == ss.st_ino) {
		fail(out, 0, "is the store itself");
		return 1;
	}
	for (i = 0; i < 256; i++) {
		snprintf(sub, sizeof(sub), "%02x", i);
		if (mkdirat(out_fd, sub, 0755) < 0 && errno != EEXIST) {
			fail(out, errno, "cannot make a fan-out directory");
			return 1;
		}
		fan_fd[i] = openat(out_fd, sub, O_RDONLY | O_DIRECTORY |
						O_NOFOLLOW | O_CLOEXEC);
		if (fan_fd[i] < 0) {
			fail(out, errno, "cannot open a fan-out directory");
			return 1;
		}
	}
	batch = batch_size();
	hot = page_buf();
	memset(hot, 0x5a, IO_BUF);	/* touched once; no zero page */

	t0 = now();
	c0 = cpu_time();
	if (run_threads(write_worker, NULL, 0, threads) ||
	    atomic_load(&failed) || flush())
		return 1;
	if (syncfs(out_fd) < 0) {	/* the names */
		fail(out, errno, "cannot sync");
		return 1;
	}
	t1 = now();
	c1 = cpu_time();
	drop_pages();

	printf("seconds=%.3f cpu=%.3f files=%zu bytes=%llu threads=%u\n",
	       t1 - t0, c1 - c0, n_wobjs, (unsigned long long)bytes, threads);
	return 0;
}

/* ---- main ---------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr, "usage: bench-floor read TREE [THREADS]\n"
			"       bench-floor write STORE_DIR OUT_DIR [THREADS]\n");
	return 2;
}

static unsigned int parse_threads(const char *s)
{
	unsigned long n;
	char *end;

	if (!s) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		return c < 1 ? 1 : c > MAX_THREADS ? MAX_THREADS :
						     (unsigned int)c;
	}
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || end == s || *end || n < 1 || n > MAX_THREADS) {
		fprintf(stderr, "bench-floor: %s: not a thread count (1-%d)\n",
			s, MAX_THREADS);
		exit(2);
	}
	return (unsigned int)n;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && argc <= 4 && !strcmp(argv[1], "read"))
		return cmd_read(argv[2], parse_threads(argv[3]));
	if (argc >= 4 && argc <= 5 && !strcmp(argv[1], "write"))
		return cmd_write(argv[2], argv[3], parse_threads(argv[4]));
	return usage();
}
