// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * vmtool: the few system calls the VM tests need that busybox lacks.
 * Linked statically and put into the test initramfs.
 *
 *   vmtool enable-verity [--sha512] FILE...  FS_IOC_ENABLE_VERITY (4K blocks,
 *                                      sha256 unless --sha512)
 *   vmtool measure FILE                print "sha256:<hex>" of a verity file
 *   vmtool mount-erofs SRC DIR [ARG...] fsopen/fsconfig/fsmount/move_mount;
 *        ARG is sig=FILE (sent as the binary "signature" parameter),
 *        KEY=VALUE (string parameter) or KEY (flag)
 *   vmtool add-key KEYRING CERT.der     add an X.509 cert to a named keyring
 *   vmtool reconfigure DIR [ARG...]     fspick + fsconfig + FSCONFIG_CMD_RECONFIGURE
 *   vmtool bench-mount N SRC [ARG...]   mount+umount N times, print mean ns
 *   vmtool exec FILE [ARG...]           execv (reports the errno of a denial)
 *   vmtool mmap-exec FILE              mmap FILE with PROT_EXEC
 *   vmtool mprotect-exec FILE          mmap FILE read-only, mprotect +EXEC
 *   vmtool restrict KEYRING            KEYCTL_RESTRICT_KEYRING (lock it)
 *   vmtool phys-offset FILE OFFSET     byte OFFSET of FILE on its device (FIEMAP)
 *   vmtool poke DEV OFFSET             flip the byte at OFFSET of DEV, bypassing
 *                                      the page cache (O_DIRECT)
 *   vmtool race-mount LINK REFDIR N [ARG...]
 *        N erofs mounts of LINK while a child keeps swapping LINK with
 *        LINK.alt (renameat2 RENAME_EXCHANGE); prints the number of swaps
 *        and the outcomes, and fails if a mount succeeded on the
 *        superblock mounted at REFDIR
 *
 * A failing system call prints "ERRNO_NAME: message" on stderr and the
 * exit status is the errno value, so tests can check the exact error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/fsverity.h>
#include <linux/keyctl.h>
#include <linux/mount.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case ENODATA: return "ENODATA";
	case ENOKEY: return "ENOKEY";
	case EKEYREJECTED: return "EKEYREJECTED";
	case EBADMSG: return "EBADMSG";
	case ENOTBLK: return "ENOTBLK";
	case EEXIST: return "EEXIST";
	case ENOTTY: return "ENOTTY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EBUSY: return "EBUSY";
	case ENOMEM: return "ENOMEM";
	case EMEDIUMTYPE: return "EMEDIUMTYPE";
	case ENOEXEC: return "ENOEXEC";
	case EKEYREVOKED: return "EKEYREVOKED";
	default: return "E?";
	}
}

static int fail(const char *what)
{
	int e = errno;

	fprintf(stderr, "%s: %s: %s\n", errname(e), what, strerror(e));
	return e ? e : 1;
}

static int enable_verity(const char *path, int alg)
{
	struct fsverity_enable_arg arg = {
		.version = 1,
		.hash_algorithm = alg,
		.block_size = 4096,
	};
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return fail(path);
	if (ioctl(fd, FS_IOC_ENABLE_VERITY, &arg) && errno != EEXIST) {
		close(fd);
		return fail(path);
	}
	close(fd);
	return 0;
}

static int measure(const char *path)
{
	/* struct fsverity_digest ends in a flexible array: room for sha512 */
	unsigned long long buf[(sizeof(struct fsverity_digest) + 64) / 8 + 1];
	struct fsverity_digest *m = (struct fsverity_digest *)buf;
	int fd = open(path, O_RDONLY);

	m->digest_size = 64;
	if (fd < 0)
		return fail(path);
	if (ioctl(fd, FS_IOC_MEASURE_VERITY, m)) {
		close(fd);
		return fail(path);
	}
	close(fd);
	printf("%s:", m->digest_algorithm == FS_VERITY_HASH_ALG_SHA512 ?
	       "sha512" : "sha256");
	for (int i = 0; i < m->digest_size; i++)
		printf("%02x", m->digest[i]);
	printf("\n");
	return 0;
}

static void *slurp(const char *path, size_t *len)
{
	struct stat st;
	void *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	buf = malloc(st.st_size ? st.st_size : 1);
	if (buf && read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = st.st_size;
	return buf;
}

/* Applies the ARG list to a filesystem context; 0 or errno. */
static int set_params(int fs, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		int r;

		if (!strncmp(argv[i], "sig=", 4)) {
			size_t len;
			void *blob = slurp(argv[i] + 4, &len);

			if (!blob)
				return fail(argv[i] + 4);
			r = syscall(SYS_fsconfig, fs, FSCONFIG_SET_BINARY,
				    "signature", blob, len);
			free(blob);
		} else if (eq) {
			*eq = 0;
			r = syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING,
				    argv[i], eq + 1, 0);
			*eq = '=';
		} else {
			r = syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG,
				    argv[i], NULL, 0);
		}
		if (r)
			return fail(argv[i]);
	}
	return 0;
}

/* Returns a mounted tree fd or -errno (after printing the reason). */
static int erofs_fsmount(const char *src, int argc, char **argv)
{
	int fs, mnt, e;

	fs = syscall(SYS_fsopen, "erofs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -fail("fsopen");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", src, 0))
		goto err;
	e = set_params(fs, argc, argv);
	if (e) {
		close(fs);
		return -e;
	}
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		goto err;
	mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
	if (mnt < 0)
		goto err;
	close(fs);
	return mnt;
err:
	e = fail(src);
	close(fs);
	return -e;
}

static int mount_erofs(const char *src, const char *dir, int argc,
		       char **argv)
{
	int mnt = erofs_fsmount(src, argc, argv);

	if (mnt < 0)
		return -mnt;
	if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, dir,
		    MOVE_MOUNT_F_EMPTY_PATH))
		return fail(dir);
	close(mnt);
	return 0;
}

static int reconfigure(const char *dir, int argc, char **argv)
{
	int fs = syscall(SYS_fspick, AT_FDCWD, dir, FSPICK_CLOEXEC), e;

	if (fs < 0)
		return fail("fspick");
	e = set_params(fs, argc, argv);
	if (!e && syscall(SYS_fsconfig, fs, FSCONFIG_CMD_RECONFIGURE, NULL,
			  NULL, 0))
		e = fail(dir);
	close(fs);
	return e;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Mount and unmount N times; prints the mean mount time in ns. */
static int bench_mount(int n, const char *src, int argc, char **argv)
{
	long long total = 0;

	for (int i = 0; i < n; i++) {
		long long t0 = now_ns();
		int mnt = erofs_fsmount(src, argc, argv);

		if (mnt < 0)
			return -mnt;
		total += now_ns() - t0;
		close(mnt);	/* detached tree: closing it unmounts */
	}
	printf("%lld\n", total / n);
	return 0;
}

/* The serial of the keyring named @ring_name in /proc/keys, or 0. */
static unsigned long find_keyring(const char *ring_name)
{
	char line[512], desc[256];
	unsigned long id = 0;
	FILE *f = fopen("/proc/keys", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long kid;
		char type[64];

		if (sscanf(line, "%lx %*s %*s %*s %*s %*s %*s %63s %255[^:]",
			   &kid, type, desc) == 3 &&
		    !strcmp(type, "keyring") && !strcmp(desc, ring_name)) {
			id = kid;
			break;
		}
	}
	fclose(f);
	return id;
}

static int add_key(const char *ring_name, const char *cert)
{
	unsigned long id = find_keyring(ring_name);
	size_t len;
	void *der;

	if (!id) {
		errno = ENOENT;
		return fail(ring_name);
	}
	der = slurp(cert, &len);
	if (!der)
		return fail(cert);
	if (syscall(SYS_add_key, "asymmetric", "", der, len, id) < 0)
		return fail("add_key");
	free(der);
	return 0;
}

static int restrict_keyring(const char *ring_name)
{
	unsigned long id = find_keyring(ring_name);

	if (!id) {
		errno = ENOENT;
		return fail(ring_name);
	}
	if (syscall(SYS_keyctl, KEYCTL_RESTRICT_KEYRING, id, NULL, NULL))
		return fail("keyctl restrict");
	return 0;
}

/* Where byte @off of @path lives on its block device. */
static int phys_offset(const char *path, long long off)
{
	union {
		struct fiemap fm;
		char buf[sizeof(struct fiemap) + sizeof(struct fiemap_extent)];
	} u = { .fm = {
		.fm_start = off,
		.fm_length = 1,
		.fm_flags = FIEMAP_FLAG_SYNC,
		.fm_extent_count = 1,
	} };
	struct fiemap_extent *e = &u.fm.fm_extents[0];
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return fail(path);
	if (ioctl(fd, FS_IOC_FIEMAP, &u.fm)) {
		close(fd);
		return fail("FS_IOC_FIEMAP");
	}
	close(fd);
	if (u.fm.fm_mapped_extents != 1 || e->fe_logical > (__u64)off ||
	    (e->fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_ENCODED |
			    FIEMAP_EXTENT_DATA_INLINE))) {
		errno = EINVAL;
		return fail("no plain extent at that offset");
	}
	printf("%llu\n", (unsigned long long)(e->fe_physical + off -
					      e->fe_logical));
	return 0;
}

/* Flip one byte on a block device without going through its page cache. */
static int poke(const char *dev, long long off)
{
	long long blk = off & ~4095LL;
	void *buf;
	int fd = open(dev, O_RDWR | O_DIRECT);

	if (fd < 0)
		return fail(dev);
	if (posix_memalign(&buf, 4096, 4096)) {
		close(fd);
		return fail("posix_memalign");
	}
	if (pread(fd, buf, 4096, blk) != 4096) {
		close(fd);
		return fail("pread");
	}
	((unsigned char *)buf)[off - blk] ^= 0xff;
	if (pwrite(fd, buf, 4096, blk) != 4096 || fsync(fd)) {
		close(fd);
		return fail("pwrite");
	}
	free(buf);
	close(fd);
	return 0;
}

/*
 * The mount path is looked up more than once on its way through get_tree;
 * swap it between an image file and a block device while mounting, and
 * report what the mounts found.  A success on the superblock already
 * mounted at @refdir is a mount that skipped fill_super, i.e. skipped the
 * signature checks.
 */
static int race_mount(const char *link, const char *refdir, int n, int argc,
		      char **argv)
{
	char alt[4096];
	struct stat ref, st;
	int reused = 0, fresh = 0, refused = 0;
	unsigned long *swaps;
	pid_t pid;

	if (stat(refdir, &ref))
		return fail(refdir);
	snprintf(alt, sizeof(alt), "%s.alt", link);
	swaps = mmap(NULL, sizeof(*swaps), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (swaps == MAP_FAILED)
		return fail("mmap");
	pid = fork();
	if (pid < 0)
		return fail("fork");
	if (!pid) {
		for (;;)
			if (!syscall(SYS_renameat2, AT_FDCWD, link, AT_FDCWD,
				     alt, RENAME_EXCHANGE))
				__atomic_add_fetch(swaps, 1, __ATOMIC_RELAXED);
	}
	for (int i = 0; i < n; i++) {
		int fs, mnt;

		fs = syscall(SYS_fsopen, "erofs", FSOPEN_CLOEXEC);
		if (fs < 0) {
			kill(pid, SIGKILL);
			return fail("fsopen");
		}
		if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source",
			    link, 0) || set_params(fs, argc, argv) ||
		    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL,
			    0)) {
			refused++;
			close(fs);
			continue;
		}
		mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
			      MOUNT_ATTR_RDONLY);
		close(fs);
		if (mnt < 0) {
			refused++;
			continue;
		}
		if (!fstat(mnt, &st) && st.st_dev == ref.st_dev)
			reused++;
		else
			fresh++;
		close(mnt);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("%d mounts, %lu path swaps: %d on a new superblock, %d refused, %d on the superblock at %s\n",
	       n, __atomic_load_n(swaps, __ATOMIC_RELAXED), fresh, refused,
	       reused, refdir);
	return reused ? 1 : 0;
}

static int map_exec(const char *path, int use_mprotect)
{
	int fd = open(path, O_RDONLY);
	void *p;

	if (fd < 0)
		return fail(path);
	p = mmap(NULL, 4096, use_mprotect ? PROT_READ : PROT_READ | PROT_EXEC,
		 MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	if (use_mprotect && mprotect(p, 4096, PROT_READ | PROT_EXEC))
		return fail("mprotect");
	munmap(p, 4096);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "enable-verity") && argc > 2) {
		int alg = FS_VERITY_HASH_ALG_SHA256, first = 2;

		if (!strcmp(argv[2], "--sha512")) {
			alg = FS_VERITY_HASH_ALG_SHA512;
			first = 3;
		}
		for (int i = first; i < argc; i++) {
			int r = enable_verity(argv[i], alg);

			if (r)
				return r;
		}
		return 0;
	}
	if (!strcmp(cmd, "measure") && argc == 3)
		return measure(argv[2]);
	if (!strcmp(cmd, "mount-erofs") && argc >= 4)
		return mount_erofs(argv[2], argv[3], argc - 4, argv + 4);
	if (!strcmp(cmd, "reconfigure") && argc >= 3)
		return reconfigure(argv[2], argc - 3, argv + 3);
	if (!strcmp(cmd, "exec") && argc >= 3) {
		execv(argv[2], argv + 2);
		return fail(argv[2]);
	}
	if (!strcmp(cmd, "bench-mount") && argc >= 4)
		return bench_mount(atoi(argv[2]), argv[3], argc - 4, argv + 4);
	if (!strcmp(cmd, "add-key") && argc == 4)
		return add_key(argv[2], argv[3]);
	if (!strcmp(cmd, "mmap-exec") && argc == 3)
		return map_exec(argv[2], 0);
	if (!strcmp(cmd, "mprotect-exec") && argc == 3)
		return map_exec(argv[2], 1);
	if (!strcmp(cmd, "restrict") && argc == 3)
		return restrict_keyring(argv[2]);
	if (!strcmp(cmd, "phys-offset") && argc == 4)
		return phys_offset(argv[2], atoll(argv[3]));
	if (!strcmp(cmd, "poke") && argc == 4)
		return poke(argv[2], atoll(argv[3]));
	if (!strcmp(cmd, "race-mount") && argc >= 5)
		return race_mount(argv[2], argv[3], atoi(argv[4]), argc - 5,
				  argv + 5);
	fprintf(stderr, "usage: see the comment at the top of vmtool.c\n");
	return 2;
}
