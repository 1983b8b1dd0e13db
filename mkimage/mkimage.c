// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal mkimage: build an EROFS metadata image (composefs format) of a
 * directory, a dump file, an OCI image or a tar layer, storing file data in
 * a content-addressed store.
 *
 * The image is written through cli/output.c: it gets its name only when
 * complete and fsynced, so a failure never leaves a partial image.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"

enum {
	OPT_DIGEST_STORE = 256,
	OPT_PRINT_DIGEST,
	OPT_PRINT_DIGEST_ONLY,
	OPT_FROM_FILE,
	OPT_USE_EPOCH,
	OPT_SKIP_DEVICES,
	OPT_SKIP_XATTRS,
	OPT_USER_XATTRS,
	OPT_MIN_VERSION,
	OPT_MAX_VERSION,
	OPT_THREADS,
	OPT_LENIENT,
	OPT_HASH,
	OPT_OCI_RULES,
	OPT_OCI_USER_XATTRS,
	OPT_PLATFORM,
	OPT_MAX_SIZE,
	OPT_MAX_ENTRIES,
};

static const struct option longopts[] = {
	{ "digest-store", required_argument, NULL, OPT_DIGEST_STORE },
	{ "print-digest", no_argument, NULL, OPT_PRINT_DIGEST },
	{ "print-digest-only", no_argument, NULL, OPT_PRINT_DIGEST_ONLY },
	{ "from-file", no_argument, NULL, OPT_FROM_FILE },
	{ "lenient", no_argument, NULL, OPT_LENIENT },
	{ "use-epoch", no_argument, NULL, OPT_USE_EPOCH },
	{ "skip-devices", no_argument, NULL, OPT_SKIP_DEVICES },
	{ "skip-xattrs", no_argument, NULL, OPT_SKIP_XATTRS },
	{ "user-xattrs", no_argument, NULL, OPT_USER_XATTRS },
	{ "min-version", required_argument, NULL, OPT_MIN_VERSION },
	{ "max-version", required_argument, NULL, OPT_MAX_VERSION },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "hash", required_argument, NULL, OPT_HASH },
	{ "oci-rules", no_argument, NULL, OPT_OCI_RULES },
	{ "oci-user-xattrs", no_argument, NULL, OPT_OCI_USER_XATTRS },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "max-entries", required_argument, NULL, OPT_MAX_ENTRIES },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: erofs-seal mkimage [OPTIONS] SOURCE IMAGE\n"
		"       erofs-seal mkimage --print-digest-only [OPTIONS] SOURCE\n"
		"\n"
		"Build an EROFS metadata image (composefs format) of SOURCE:\n"
		"  DIR                     a directory\n"
		"  oci:LAYOUT[:REF]        an OCI image layout (REF: a tag or\n"
		"                          @sha256:<manifest digest>)\n"
		"  oci-archive:FILE[:REF]  the same as a tar file\n"
		"  tar:FILE, tar:-         one tar layer (gzip, zstd, xz or plain;\n"
		"                          '-' = stdin)\n"
		"or, with --from-file, a composefs dump file ('-' = stdin).\n"
		"OCI and tar sources are read as streams, nothing is extracted;\n"
		"OCI images always get the canonical OCI rules (docs/oci.md).\n"
		"IMAGE '-' writes to stdout.  IMAGE is replaced only when it is a\n"
		"regular file, and appears complete or not at all.\n"
		"\n"
		"Options:\n"
		"  --digest-store=DIR   store regular files' data in DIR/xx/<digest>\n"
		"  --print-digest       print the image's fs-verity digest (on stderr\n"
		"                       when IMAGE is '-')\n"
		"  --print-digest-only  print the digest, write no image\n"
		"  --from-file          SOURCE is a composefs dump file\n"
		"  --lenient            parse the dump file leniently\n"
		"  --use-epoch          set all mtimes to 0\n"
		"  --skip-devices       leave out character and block devices\n"
		"  --skip-xattrs        store no xattrs\n"
		"  --user-xattrs        store only user.* xattrs\n"
		"  --min-version=N      lowest format version to write (default 0)\n"
		"  --max-version=N      highest format version to write (default 1)\n"
		"  --threads=N          hashing/copying threads (default: online CPUs)\n"
		"  --hash=ALG           fs-verity hash of objects and of the image\n"
		"                       digest: sha256 (default) or sha512\n"
		"  --oci-rules          apply the canonical OCI rules to any source:\n"
		"                       root metadata from /usr, /run emptied, only\n"
		"                       security.capability xattrs, format version 1\n"
		"  --oci-user-xattrs    the OCI rules keep user.* xattrs too\n"
		"  --platform=OS/ARCH[/VARIANT]\n"
		"                       image of an index to use (default: this\n"
		"                       machine's)\n"
		"  --max-size=BYTES     refuse layers larger than this uncompressed,\n"
		"                       all together (K, M, G, T suffixes; default 32G)\n"
		"  --max-entries=N      refuse more tar entries than this, all layers\n"
		"                       together (default 4194304)\n"
		"  -q, --quiet          no progress output\n"
		"  -h, --help           show this help\n");
}

struct progress_state {
	struct timespec last;
	bool shown;
};

static void human(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = bytes;
	unsigned int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void show_progress(const struct eseal_progress *p, void *arg)
{
	struct progress_state *ps = arg;
	char done[32], total[32];

	human(p->bytes_done, done, sizeof(done));
	human(p->bytes_total, total, sizeof(total));
	fprintf(stderr, "\r%llu/%llu files, %s/%s   ",
		(unsigned long long)p->entries_done,
		(unsigned long long)p->entries_total, done, total);
	ps->shown = true;
}

static int load_tree(const char *src, bool from_file, unsigned int dump_flags,
		     unsigned int scan_flags, struct eseal_tree **tree,
		     struct eseal_error *err)
{
	FILE *in;
	int fd, ret;

	if (!from_file)
		return eseal_tree_from_dir(src, scan_flags, tree, err);
	if (!strcmp(src, "-"))
		return eseal_tree_from_dump(stdin, "<stdin>", dump_flags, tree,
					    err);
	fd = eseal_input_open(src, 0, err);
	if (fd < 0)
		return fd;
	in = fdopen(fd, "r");
	if (!in) {
		close(fd);
		snprintf(err->msg, sizeof(err->msg), "%s: %s", src,
			 strerror(errno));
		return -errno;
	}
	ret = eseal_tree_from_dump(in, src, dump_flags, tree, err);
	fclose(in);
	return ret;
}

/* The file SOURCE reads, which IMAGE must not be; NULL when none */
static const char *input_file(const char *src, bool from_file,
			      const struct eseal_source *s)
{
	if (from_file)
		return strcmp(src, "-") ? src : NULL;
	if (s->kind == ESEAL_SOURCE_TAR || s->kind == ESEAL_SOURCE_OCI_ARCHIVE)
		return strcmp(s->path, "-") ? s->path : NULL;
	return NULL;
}

int cmd_mkimage(int argc, char **argv)
{
	struct eseal_image_opts iopts = { .min_version = 0, .max_version = 1 };
	struct eseal_oci_opts oopts = { 0 };
	struct eseal_store_opts *sopts = &oopts.store;
	struct eseal_source source = { 0 };
	struct eseal_store_stats stats = { 0 };
	struct progress_state ps = { 0 };
	struct eseal_error err = { 0 };
	struct eseal_tree *tree = NULL;
	struct eseal_digest digest;
	bool print_digest = false, print_only = false, from_file = false;
	bool quiet = false;
	unsigned int scan_flags = 0, dump_flags = 0;
	unsigned long v;
	const char *src, *out = NULL;
	struct output o = { .fd = -1, .dirfd = -1 };
	char hex[2 * ESEAL_DIGEST_MAX + 1];
	bool oci_rules = false, max_version_set = false;
	uint64_t size;
	int opt, r, ret = 1;

	while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_DIGEST_STORE:
			sopts->store_dir = optarg;
			break;
		case OPT_PRINT_DIGEST:
			print_digest = true;
			break;
		case OPT_PRINT_DIGEST_ONLY:
			print_digest = print_only = true;
			break;
		case OPT_FROM_FILE:
			from_file = true;
			break;
		case OPT_LENIENT:
			dump_flags |= ESEAL_DUMP_LENIENT;
			break;
		case OPT_USE_EPOCH:
			scan_flags |= ESEAL_SCAN_USE_EPOCH;
			break;
		case OPT_SKIP_DEVICES:
			scan_flags |= ESEAL_SCAN_SKIP_DEVICES;
			break;
		case OPT_SKIP_XATTRS:
			scan_flags |= ESEAL_SCAN_SKIP_XATTRS;
			break;
		case OPT_USER_XATTRS:
			scan_flags |= ESEAL_SCAN_USER_XATTRS;
			break;
		case OPT_MIN_VERSION:
		case OPT_MAX_VERSION:
			if (!parse_uint(optarg, 1, &v)) {
				error_msg("invalid format version '%s' (0 or 1)",
					  optarg);
				return EXIT_USAGE;
			}
			if (opt == OPT_MIN_VERSION) {
				iopts.min_version = v;
			} else {
				iopts.max_version = v;
				max_version_set = true;
			}
			break;
		case OPT_HASH:
			r = eseal_hash_from_name(optarg);
			if (r < 0) {
				error_msg("invalid hash '%s' (sha256 or sha512)",
					  optarg);
				return EXIT_USAGE;
			}
			sopts->hash_alg = iopts.hash_alg = r;
			break;
		case OPT_OCI_RULES:
			oci_rules = true;
			break;
		case OPT_OCI_USER_XATTRS:
			oopts.flags |= ESEAL_OCI_USER_XATTRS;
			break;
		case OPT_PLATFORM:
			oopts.platform = optarg;
			break;
		case OPT_MAX_SIZE:
			if (!parse_size(optarg, &size) || !size) {
				error_msg("invalid size '%s'", optarg);
				return EXIT_USAGE;
			}
			oopts.max_size = size;
			break;
		case OPT_MAX_ENTRIES:
			if (!parse_size(optarg, &size) || !size) {
				error_msg("invalid entry count '%s'", optarg);
				return EXIT_USAGE;
			}
			oopts.max_entries = size;
			break;
		case OPT_THREADS:
			if (!parse_uint(optarg, 1024, &v) || v == 0) {
				error_msg("invalid thread count '%s' (1-1024)",
					  optarg);
				return EXIT_USAGE;
			}
			sopts->threads = v;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != (print_only ? 1 : 2)) {
		error_msg(print_only ? "expected SOURCE (no IMAGE with --print-digest-only)"
				     : "expected SOURCE and IMAGE");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (iopts.min_version > iopts.max_version) {
		error_msg("--min-version is above --max-version");
		return EXIT_USAGE;
	}
	src = argv[0];
	if (!print_only)
		out = argv[1];
	if (!*src || (out && !*out)) {
		error_msg("empty path");
		return EXIT_USAGE;
	}
	if (out && !strcmp(out, "-") && isatty(STDOUT_FILENO)) {
		error_msg("refusing to write an image to a terminal");
		return EXIT_USAGE;
	}
	if (!from_file && eseal_source_parse(src, &source, &err) < 0)
		return report("mkimage", &err);
	if (source.kind != ESEAL_SOURCE_DIR) {
		if (scan_flags) {
			error_msg("--use-epoch, --skip-devices, --skip-xattrs and --user-xattrs apply to a directory");
			goto usage_out;
		}
		if (!strcmp(source.path, "-") && source.kind != ESEAL_SOURCE_TAR) {
			error_msg("only a tar layer can be read from stdin (tar:-)");
			goto usage_out;
		}
		if (!strcmp(source.path, "-"))
			source.fd = STDIN_FILENO;
		if (source.kind != ESEAL_SOURCE_TAR)
			oci_rules = true;	/* images are always canonical */
	}
	if (oci_rules) {
		oopts.flags |= ESEAL_OCI_RULES;
		if (max_version_set &&
		    iopts.max_version < ESEAL_OCI_FORMAT_VERSION) {
			error_msg("the OCI rules write format version %u",
				  ESEAL_OCI_FORMAT_VERSION);
			goto usage_out;
		}
		if (iopts.min_version < ESEAL_OCI_FORMAT_VERSION)
			iopts.min_version = ESEAL_OCI_FORMAT_VERSION;
	}
	/* refuse a bad IMAGE before the work; nothing is visible until done */
	if (out && !output_open(&o, out, OUTPUT_STDOUT_OK,
				(const char *[]){ input_file(src, from_file,
							     &source) },
				1))
		goto out;

	if (!quiet && isatty(STDERR_FILENO)) {
		sopts->progress = show_progress;
		sopts->progress_arg = &ps;
	}
	if (source.kind != ESEAL_SOURCE_DIR) {
		r = eseal_tree_from_source(&source, &oopts, &tree, &stats,
					   &err);
		if (ps.shown)
			fputc('\n', stderr);
		if (r < 0)
			goto fail;
	} else if (load_tree(src, from_file, dump_flags, scan_flags, &tree,
			     &err) < 0) {
		goto fail;
	}

	if (!from_file && source.kind == ESEAL_SOURCE_DIR) {
		r = eseal_tree_store_objects(tree, sopts, &stats, &err);
		if (ps.shown)
			fputc('\n', stderr);
		if (r < 0)
			goto fail;
		if (oci_rules &&
		    eseal_tree_oci_rules(tree, oopts.flags, &err) < 0)
			goto fail;
	}

	if (eseal_image_write(tree, &iopts, out ? o.fd : -1,
			      print_digest ? &digest : NULL, &err) < 0) {
		/* name the image: a failed write (ENOSPC) says only why */
		if (!out)
			goto fail;
		error_msg("%s: %s", strcmp(out, "-") ? out : "standard output",
			  err.msg);
		goto out;
	}
	if (out && !output_commit(&o))
		goto out;
	if (print_digest) {
		/* with IMAGE '-' stdout is the image: the digest goes apart */
		eseal_digest_hex(&digest, hex);
		fprintf(out && !strcmp(out, "-") ? stderr : stdout, "%s\n",
			hex);
	}
	if (!quiet && sopts->store_dir && stats.objects_new &&
	    stats.verity_unsupported && isatty(STDERR_FILENO))
		fprintf(stderr,
			"note: fs-verity could not be enabled on %llu new objects (not supported by the store's filesystem)\n",
			(unsigned long long)stats.verity_unsupported);
	ret = 0;
	goto out;
usage_out:
	eseal_source_free(&source);
	return EXIT_USAGE;
fail:
	report("mkimage", &err);
	ret = 1;
out:
	output_abort(&o);
	eseal_tree_free(tree);
	eseal_source_free(&source);
	if (fflush(stdout) != 0 && !ret) {
		error_msg("writing to stdout: %s", strerror(errno));
		ret = 1;
	}
	return ret;
}
