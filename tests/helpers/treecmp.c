// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * treecmp: compare two directory trees entry by entry, for the tests.
 *
 *	treecmp [-x PREFIX]... [-H] [-D] A B
 *
 * Compares names, types, permission bits, owners, mtimes (with
 * nanoseconds), file contents, symlink targets, device numbers, xattrs
 * (leaving out names that start with a -x PREFIX) and hardlink identity
 * (two paths share an inode in A exactly when they do in B; -H turns it
 * off).  -D leaves out directory mtimes.  Works through directory file
 * descriptors, so paths deeper than PATH_MAX are fine.  Prints every
 * difference and exits 1 if there was one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *ignore[16];
static int n_ignore;
static bool check_links = true, check_dir_mtime = true;
static unsigned long n_entries, n_diffs;

struct link_map {
	ino_t a, b;
};
static struct link_map *links;
static size_t n_links, cap_links;

/* printable form of a relative path (escapes odd bytes) */
static const char *show(const char *path)
{
	static char buf[4 * PATH_MAX];
	size_t o = 0;

	for (; *path && o < sizeof(buf) - 5; path++) {
		unsigned char c = *path;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			o += snprintf(buf + o, 5, "\\x%02x", c);
		else
			buf[o++] = c;
	}
	buf[o] = '\0';
	return buf;
}

static void diff(const char *path, const char *fmt, const char *a,
		 const char *b)
{
	n_diffs++;
	printf("%s: %s differs: %s != %s\n", show(path), fmt, a, b);
}

static void diffu(const char *path, const char *what, unsigned long long a,
		  unsigned long long b)
{
	char sa[32], sb[32];

	snprintf(sa, sizeof(sa), "%llu", a);
	snprintf(sb, sizeof(sb), "%llu", b);
	diff(path, what, sa, sb);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **list_dir(int dfd, size_t *n)
{
	int fd = dup(dfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	char **names = NULL;
	size_t cap = 0;
	struct dirent *de;

	*n = 0;
	if (!d) {
		perror("treecmp: opendir");
		exit(2);
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				exit(2);
		}
		names[(*n)++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, *n, sizeof(*names), name_cmp);
	return names;
}

static bool ignored(const char *name)
{
	int i;

	for (i = 0; i < n_ignore; i++)
		if (!strncmp(name, ignore[i], strlen(ignore[i])))
			return true;
	return false;
}

/* "name=hexvalue;..." of the xattrs at /proc/self/fd/DFD/NAME, sorted */
static char *xattrs_of(int dfd, const char *name)
{
	char path[64 + NAME_MAX], list[65536], val[65536];
	char *keys[4096], *out;
	ssize_t len, vlen;
	size_t n = 0, o = 0, i, cap = 1;
	char *k;

	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dfd, name);
	len = llistxattr(path, list, sizeof(list));
	if (len < 0)
		len = 0;
	for (k = list; k < list + len; k += strlen(k) + 1)
		if (!ignored(k) && n < 4096)
			keys[n++] = k;
	qsort(keys, n, sizeof(*keys), name_cmp);
	for (i = 0; i < n; i++)
		cap += strlen(keys[i]) + 2 + 2 * sizeof(val);
	out = malloc(cap);
	if (!out)
		exit(2);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		vlen = lgetxattr(path, keys[i], val, sizeof(val));
		o += sprintf(out + o, "%s=", keys[i]);
		for (ssize_t j = 0; j < vlen; j++)
			o += sprintf(out + o, "%02x", (unsigned char)val[j]);
		o += sprintf(out + o, ";");
	}
	return out;
}

static bool same_content(int adfd, int bdfd, const char *name)
{
	static char ba[1 << 16], bb[1 << 16];
	int fa = openat(adfd, name, O_RDONLY | O_NOFOLLOW);
	int fb = openat(bdfd, name, O_RDONLY | O_NOFOLLOW);
	bool same = fa >= 0 && fb >= 0;
	ssize_t na, nb;

	while (same) {
		na = read(fa, ba, sizeof(ba));
		nb = read(fb, bb, sizeof(bb));
		if (na < 0 || nb < 0 || na != nb || memcmp(ba, bb, na))
			same = false;
		if (na <= 0)
			break;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

static void check_link(const char *path, ino_t a, ino_t b)
{
	size_t i;

	for (i = 0; i < n_links; i++) {
		if (links[i].a == a && links[i].b != b) {
			n_diffs++;
			printf("%s: hardlink broken (other link of the source has another inode)\n",
			       show(path));
			return;
		}
		if (links[i].b == b && links[i].a != a) {
			n_diffs++;
			printf("%s: hardlink invented (shares an inode only in the copy)\n",
			       show(path));
			return;
		}
		if (links[i].a == a)
			return;
	}
	if (n_links == cap_links) {
		cap_links = cap_links ? 2 * cap_links : 64;
		links = realloc(links, cap_links * sizeof(*links));
		if (!links)
			exit(2);
	}
	links[n_links++] = (struct link_map){ a, b };
}

static void compare_dir(int adfd, int bdfd, char *path, size_t plen);

static void compare_entry(int adfd, int bdfd, const char *name, char *path,
			  size_t plen)
{
	struct stat sa, sb;
	char *xa, *xb;

	n_entries++;
	if (fstatat(adfd, name, &sa, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fstatat(bdfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		n_diffs++;
		printf("%s: cannot stat: %s\n", show(path), strerror(errno));
		return;
	}
	if ((sa.st_mode & S_IFMT) != (sb.st_mode & S_IFMT)) {
		diffu(path, "type", sa.st_mode & S_IFMT, sb.st_mode & S_IFMT);
		return;
	}
	if ((sa.st_mode & 07777) != (sb.st_mode & 07777))
		diffu(path, "mode", sa.st_mode & 07777, sb.st_mode & 07777);
	if (sa.st_uid != sb.st_uid)
		diffu(path, "uid", sa.st_uid, sb.st_uid);
	if (sa.st_gid != sb.st_gid)
		diffu(path, "gid", sa.st_gid, sb.st_gid);
	if ((!S_ISDIR(sa.st_mode) || check_dir_mtime) && !S_ISLNK(sa.st_mode) &&
	    (sa.st_mtim.tv_sec != sb.st_mtim.tv_sec ||
	     sa.st_mtim.tv_nsec != sb.st_mtim.tv_nsec)) {
		char ta[48], tb[48];

		snprintf(ta, sizeof(ta), "%lld.%09ld",
			 (long long)sa.st_mtim.tv_sec, sa.st_mtim.tv_nsec);
		snprintf(tb, sizeof(tb), "%lld.%09ld",
			 (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
		diff(path, "mtime", ta, tb);
	}
	xa = xattrs_of(adfd, name);
	xb = xattrs_of(bdfd, name);
	if (strcmp(xa, xb))
		diff(path, "xattrs", xa, xb);
	free(xa);
	free(xb);
	if (!S_ISDIR(sa.st_mode) && sa.st_nlink != sb.st_nlink)
		diffu(path, "nlink", sa.st_nlink, sb.st_nlink);
	if (check_links && !S_ISDIR(sa.st_mode) && sa.st_nlink > 1)
		check_link(path, sa.st_ino, sb.st_ino);

	if (S_ISREG(sa.st_mode)) {
		if (sa.st_size != sb.st_size)
			diffu(path, "size", sa.st_size, sb.st_size);
		else if (!same_content(adfd, bdfd, name))
			diff(path, "content", "(source)", "(copy)");
	} else if (S_ISLNK(sa.st_mode)) {
		char la[PATH_MAX + 1], lb[PATH_MAX + 1];
		ssize_t na = readlinkat(adfd, name, la, PATH_MAX);
		ssize_t nb = readlinkat(bdfd, name, lb, PATH_MAX);

		la[na < 0 ? 0 : na] = '\0';
		lb[nb < 0 ? 0 : nb] = '\0';
		if (na < 0 || nb < 0 || strcmp(la, lb))
			diff(path, "symlink target", la, lb);
	} else if (S_ISCHR(sa.st_mode) || S_ISBLK(sa.st_mode)) {
		if (sa.st_rdev != sb.st_rdev)
			diffu(path, "rdev", sa.st_rdev, sb.st_rdev);
	} else if (S_ISDIR(sa.st_mode)) {
		int a = openat(adfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		int b = openat(bdfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

		if (a < 0 || b < 0) {
			n_diffs++;
			printf("%s: cannot open directory: %s\n", show(path),
			       strerror(errno));
		} else {
			compare_dir(a, b, path, plen);
		}
		if (a >= 0)
			close(a);
		if (b >= 0)
			close(b);
	}
}

static void compare_dir(int adfd, int bdfd, char *path, size_t plen)
{
	size_t na, nb, i = 0, j = 0;
	char **a = list_dir(adfd, &na);
	char **b = list_dir(bdfd, &nb);

	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);
		const char *name = c <= 0 ? a[i] : b[j];
		size_t l = strlen(name);

		/* the path shown in messages: keep its tail when too long */
		if (plen + l + 2 < PATH_MAX) {
			path[plen] = '/';
			memcpy(path + plen + 1, name, l + 1);
		}
		if (c < 0) {
			n_diffs++;
			printf("%s: missing in the copy\n", show(path));
			i++;
		} else if (c > 0) {
			n_diffs++;
			printf("%s: only in the copy\n", show(path));
			j++;
		} else {
			compare_entry(adfd, bdfd, name, path,
				      plen + l + 2 < PATH_MAX ? plen + l + 1 : plen);
			i++;
			j++;
		}
		path[plen] = '\0';
	}
	for (i = 0; i < na; i++)
		free(a[i]);
	for (j = 0; j < nb; j++)
		free(b[j]);
	free(a);
	free(b);
}

int main(int argc, char **argv)
{
	static char path[PATH_MAX] = "";
	int opt, a, b;

	while ((opt = getopt(argc, argv, "x:HD")) != -1) {
		switch (opt) {
		case 'x':
			if (n_ignore < 16)
				ignore[n_ignore++] = optarg;
			break;
		case 'H':
			check_links = false;
			break;
		case 'D':
			check_dir_mtime = false;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: treecmp [-x PREFIX]... [-H] [-D] A B\n");
		return 2;
	}
	a = open(argv[optind], O_RDONLY | O_DIRECTORY);
	b = open(argv[optind + 1], O_RDONLY | O_DIRECTORY);
	if (a < 0 || b < 0) {
		perror("treecmp: open");
		return 2;
	}
	compare_entry(a, b, ".", path, 0);
	printf("treecmp: %lu entries compared, %lu differences\n", n_entries,
	       n_diffs);
	return n_diffs ? 1 : 0;
}
