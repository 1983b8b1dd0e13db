// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal info: inspect images, modeled on composefs-info 1.0.8.
 *
 *   ls               entries below the root, with symlink/object targets
 *   dump             the composefs dump format (mkimage --from-file input)
 *   objects          object paths the images' stub files refer to, sorted
 *   missing-objects  ... those absent from the object store --basedir
 *   measure-file     fs-verity sha256 digest (hex) of each FILE
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"

/* Largest image read (into memory); see docs/info.md */
#define INFO_IMAGE_MAX ((size_t)1 << 30)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: erofs-seal info [--basedir=DIR] ls|dump|objects|missing-objects IMAGE...\n"
		"       erofs-seal info measure-file FILE...\n"
		"\n"
		"Inspect composefs/EROFS images, like composefs-info:\n"
		"  ls               list the entries, with symlink and object targets\n"
		"  dump             print the images in the composefs dump format\n"
		"  objects          print the object paths the images refer to\n"
		"  missing-objects  ... only those missing from --basedir\n"
		"  measure-file     print the fs-verity sha256 digest of each FILE\n"
		"\n"
		"  --basedir=DIR    the object store (for missing-objects)\n"
		"  -h, --help       show this help\n");
}

struct objects {
	char **v;
	size_t n, cap;
	int basedir_fd;		/* -1: list all */
	const char *basedir;
	struct eseal_error *err;
};

static int collect_object(const struct eseal_entry *e, void *arg)
{
	struct objects *o = arg;
	int r;

	if (!S_ISREG(e->mode) || !e->payload || e->hardlink_to)
		return 0;
	if (o->basedir_fd >= 0) {
		/* no symlink below the store is followed */
		r = eseal_store_lookup(o->basedir_fd, o->basedir, e->payload,
				       o->err);
		if (r)
			return r < 0 ? r : 0;
	}
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 256;
		char **v = realloc(o->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n] = strdup(e->payload);
	if (!o->v[o->n])
		return -ENOMEM;
	o->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_objects(struct objects *o)
{
	size_t i;

	qsort(o->v, o->n, sizeof(*o->v), cmp_str);
	for (i = 0; i < o->n; i++)
		if (i == 0 || strcmp(o->v[i], o->v[i - 1]))
			printf("%s\n", o->v[i]);
}

/*
 * The image is read into a private buffer, never mapped: a file someone
 * truncates meanwhile then gives a short read and a clear error, not
 * SIGBUS.
 */
static int load_image(const char *path, struct eseal_tree **tree)
{
	struct eseal_error err = { 0 };
	uint8_t *buf;
	size_t len;
	int ret;

	if (eseal_input_read(path, 0, INFO_IMAGE_MAX, &buf, &len, &err) < 0) {
		error_msg("%s", err.msg);
		return 1;
	}
	if (len == 0) {
		error_msg("'%s': not an EROFS image: empty file", path);
		free(buf);
		return 1;
	}
	ret = eseal_tree_from_image(buf, len, tree, &err);
	free(buf);
	if (ret < 0) {
		error_msg("'%s': %s", path, err.msg);
		return 1;
	}
	return 0;
}

static int measure_files(int argc, char **argv)
{
	char hex[2 * ESEAL_DIGEST_MAX + 1];
	int i;

	if (argc < 1) {
		error_msg("measure-file: no file given");
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < argc; i++) {
		struct eseal_error err = { 0 };
		struct eseal_digest d;
		int fd = eseal_input_open(argv[i], 0, &err);

		if (fd < 0)
			return report("info", &err);
		if (eseal_fsverity_digest_fd(fd, argv[i], ESEAL_HASH_SHA256,
					     &d, &err) < 0) {
			close(fd);
			return report("info", &err);
		}
		close(fd);
		eseal_digest_hex(&d, hex);
		printf("%s\n", hex);
	}
	return 0;
}

int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "basedir", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct eseal_error err = { 0 };
	struct objects objs = { .basedir_fd = -1, .err = &err };
	const char *basedir = NULL, *cmd;
	int c, i, status = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			basedir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		error_msg("no command given");
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	if (!strcmp(cmd, "measure-file"))
		return measure_files(argc - optind, argv + optind);
	if (strcmp(cmd, "ls") && strcmp(cmd, "dump") &&
	    strcmp(cmd, "objects") && strcmp(cmd, "missing-objects")) {
		error_msg("unknown info command '%s'", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "missing-objects")) {
		if (!basedir) {
			error_msg("missing-objects needs --basedir=DIR");
			return EXIT_USAGE;
		}
		objs.basedir = basedir;
		objs.basedir_fd = open(basedir, O_RDONLY | O_DIRECTORY |
						O_CLOEXEC | O_PATH);
		if (objs.basedir_fd < 0) {
			error_msg("cannot open basedir '%s': %s", basedir,
				  strerror(errno));
			return 1;
		}
	}
	if (optind >= argc) {
		error_msg("no image given");
		usage(stderr);
		status = EXIT_USAGE;
		goto out;
	}
	for (i = optind; i < argc && !status; i++) {
		struct eseal_tree *tree;
		int ret = 0;

		if (load_image(argv[i], &tree)) {
			status = 1;
			break;
		}
		if (!strcmp(cmd, "ls"))
			ret = eseal_list_write(tree, stdout, &err);
		else if (!strcmp(cmd, "dump"))
			ret = eseal_dump_write(tree, stdout, &err);
		else
			ret = eseal_tree_walk(tree, collect_object, &objs,
					      &err);
		eseal_tree_free(tree);
		if (ret < 0) {
			if (!err.msg[0])
				snprintf(err.msg, sizeof(err.msg), "%s",
					 strerror(-ret));
			error_msg("'%s': %s", argv[i], err.msg);
			status = 1;
		}
	}
	if (!status && objs.v)
		print_objects(&objs);
	if (!status && fflush(stdout)) {
		error_msg("writing the output failed: %s", strerror(errno));
		status = 1;
	}
out:
	for (size_t j = 0; j < objs.n; j++)
		free(objs.v[j]);
	free(objs.v);
	if (objs.basedir_fd >= 0)
		close(objs.basedir_fd);
	return status;
}
