// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * vmtool: the few system calls the VM tests need that busybox lacks.
 * Linked statically and put into the test initramfs.
 *
 *   vmtool enable-verity FILE...       FS_IOC_ENABLE_VERITY (sha256, 4K)
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
 *
 * A failing system call prints "ERRNO_NAME: message" on stderr and the
 * exit status is the errno value, so tests can check the exact error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fsverity.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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
	default: return "E?";
	}
}

static int fail(const char *what)
{
	int e = errno;

	fprintf(stderr, "%s: %s: %s\n", errname(e), what, strerror(e));
	return e ? e : 1;
}

static int enable_verity(const char *path)
{
	struct fsverity_enable_arg arg = {
		.version = 1,
		.hash_algorithm = FS_VERITY_HASH_ALG_SHA256,
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

static int add_key(const char *ring_name, const char *cert)
{
	char line[512], desc[256];
	unsigned long id = 0;
	size_t len;
	void *der;
	FILE *f = fopen("/proc/keys", "r");

	if (!f)
		return fail("/proc/keys");
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
		for (int i = 2; i < argc; i++) {
			int r = enable_verity(argv[i]);

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
	fprintf(stderr, "usage: see the comment at the top of vmtool.c\n");
	return 2;
}
