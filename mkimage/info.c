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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Largest image read (into memory); see docs/erofs-seal-info.md */
#define INFO_IMAGE_MAX ((size_t)1 << 30)

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

	ret = eseal_input_read(path, 0, INFO_IMAGE_MAX, &buf, &len, &err);
	if (ret < 0)
		return fail(ret, &err);
	if (len == 0) {
		error_msg("'%s': not an EROFS image: empty file", path);
		free(buf);
		return 1;
	}
	ret = eseal_tree_from_image(buf, len, tree, &err);
	free(buf);
	if (ret < 0) {
		error_msg("'%s': %s", path, error_text(ret, &err));
		return 1;
	}
	return 0;
}

static int measure_files(int argc, char **argv)
{
	char hex[2 * ESEAL_DIGEST_MAX + 1];
	int i, ret;

	if (argc < 1)
		usage_error("measure-file: no file given");
	for (i = 0; i < argc; i++) {
		struct eseal_error err = { 0 };
		struct eseal_digest d;

		ret = file_digest(argv[i], ESEAL_HASH_SHA256, &d, &err);
		if (ret < 0)
			return fail(ret, &err);
		eseal_digest_hex(&d, hex);
		printf("%s\n", hex);
	}
	return finish_stdout(0);
}

static bool is_verb(const char *v)
{
	return !strcmp(v, "ls") || !strcmp(v, "dump") || !strcmp(v, "objects") ||
	       !strcmp(v, "missing-objects");
}

int cmd_info(int argc, char **argv)
{
	struct eseal_error err = { 0 };
	struct objects objs = { .basedir_fd = -1, .err = &err };
	const char *basedir = NULL, *cmd;
	const struct cli_opt opts[] = {
		{ .name = "basedir", .kind = CLI_STRING, .ptr = &basedir,
		  .arg = "DIR", .help = "the object store (for missing-objects)" },
		{ 0 },
	};
	int i, ret, status = 0;

	i = cli_parse(argc, argv, opts);
	if (i >= argc)
		usage_error("no command given");
	cmd = argv[i++];
	if (!strcmp(cmd, "measure-file"))
		return measure_files(argc - i, argv + i);
	if (!is_verb(cmd))
		usage_error("unknown info command '%s'", cmd);
	if (i >= argc)
		usage_error("no image given");
	if (!strcmp(cmd, "missing-objects")) {
		if (!basedir)
			usage_error("missing-objects needs --basedir=DIR");
		objs.basedir = basedir;
		objs.basedir_fd = open(basedir, O_RDONLY | O_DIRECTORY |
						O_CLOEXEC | O_PATH);
		if (objs.basedir_fd < 0) {
			error_msg("cannot open basedir '%s': %s", basedir,
				  strerror(errno));
			return 1;
		}
	}
	for (; i < argc && !status; i++) {
		struct eseal_tree *tree;

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
			error_msg("'%s': %s", argv[i], error_text(ret, &err));
			status = 1;
		}
	}
	if (!status && objs.v)
		print_objects(&objs);
	for (size_t j = 0; j < objs.n; j++)
		free(objs.v[j]);
	free(objs.v);
	if (objs.basedir_fd >= 0)
		close(objs.basedir_fd);
	return finish_stdout(status);
}
