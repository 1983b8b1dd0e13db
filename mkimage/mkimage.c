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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct progress_state {
	struct timespec last;
	bool shown;
};

static void show_progress(const struct eseal_progress *p, void *arg)
{
	struct progress_state *ps = arg;
	char done[32], total[32];

	human_size(p->bytes_done, done, sizeof(done));
	human_size(p->bytes_total, total, sizeof(total));
	fprintf(stderr, "\r%llu/%llu files, %s/%s   ",
		(unsigned long long)p->entries_done,
		(unsigned long long)p->entries_total, done, total);
	ps->shown = true;
}

static const char *cache_state(uint32_t state)
{
	switch (state) {
	case ESEAL_CACHE_NEW:
		return "none yet";
	case ESEAL_CACHE_LOADED:
		return "used";
	case ESEAL_CACHE_CORRUPT:
		return "damaged: ignored, made anew";
	case ESEAL_CACHE_OTHER_SOURCE:
		return "of another source: ignored, made anew";
	case ESEAL_CACHE_UNTRUSTED:
		return "not ours or writable by others: ignored, replaced";
	case ESEAL_CACHE_READ_ONLY:
		return "cannot be kept in this store (read-only to us)";
	}
	return "none";
}

/* --verbose: where the digests came from, what the store got */
static void print_stats(const struct eseal_store_opts *o,
			const struct eseal_store_stats *st)
{
	fprintf(stderr,
		"files: %llu; hashed: %llu (%llu bytes); from the digest cache: %llu; measured by fs-verity: %llu\n",
		(unsigned long long)st->files, (unsigned long long)st->hashed,
		(unsigned long long)st->bytes,
		(unsigned long long)st->from_cache,
		(unsigned long long)st->measured);
	fprintf(stderr, "digest cache: %s%s\n", cache_state(st->cache_state),
		st->cache_state == ESEAL_CACHE_NONE ||
		st->cache_state == ESEAL_CACHE_READ_ONLY ? "" :
		st->cache_written ? "; written" : "; unchanged");
	if (o->store_dir)
		fprintf(stderr, "objects: %llu new, %llu there already\n",
			(unsigned long long)st->objects_new,
			(unsigned long long)st->objects_existing);
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
		ret = -errno;
		close(fd);
		return ret;
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
	struct eseal_image_opts iopts = ESEAL_IMAGE_OPTS_INIT;
	struct eseal_store_opts sopts = ESEAL_STORE_OPTS_INIT;
	struct eseal_oci_opts oopts = ESEAL_OCI_OPTS_INIT;
	struct eseal_source source = ESEAL_SOURCE_INIT;
	struct eseal_store_stats stats = ESEAL_STORE_STATS_INIT;
	struct progress_state ps = { 0 };
	struct eseal_error err = { 0 };
	struct eseal_store_writer *writer = NULL;
	struct eseal_tree *tree = NULL;
	struct eseal_digest digest;
	bool print_digest = false, print_only = false, from_file = false;
	bool quiet = false, strict = false, lenient = false, verbose = false;
	bool oci_rules = false;
	unsigned int scan_flags = 0, dump_flags = 0, max_entries = 0;
	const char *src, *out = NULL;
	struct output o = OUTPUT_INIT;
	char hex[2 * ESEAL_DIGEST_MAX + 1];
	const struct cli_opt opts[] = {
		{ .name = "basedir", .alias = "digest-store", .kind = CLI_STRING,
		  .ptr = &sopts.store_dir, .arg = "DIR",
		  .help = "store regular files' data in DIR/xx/<digest>" },
		{ .name = "digest-cache", .kind = CLI_STRING,
		  .ptr = &sopts.digest_cache, .arg = "FILE",
		  .help = "keep the digests of the source's files in FILE\n"
			  "(default with --basedir: DIR/.erofs-seal/digest-cache)" },
		{ .name = "no-digest-cache", .kind = CLI_FLAG,
		  .ptr = &sopts.flags, .flag = ESEAL_STORE_NO_DIGEST_CACHE,
		  .help = "read and hash every file, keep no digest cache" },
		{ .name = "print-digest", .kind = CLI_BOOL, .ptr = &print_digest,
		  .help = "print the image's fs-verity digest (on stderr\n"
			  "when IMAGE is '-')" },
		{ .name = "print-digest-only", .kind = CLI_BOOL,
		  .ptr = &print_only,
		  .help = "print the digest, write no image" },
		{ .name = "from-file", .kind = CLI_BOOL, .ptr = &from_file,
		  .help = "SOURCE is a composefs dump file" },
		{ .name = "strict", .kind = CLI_BOOL, .ptr = &strict,
		  .help = "parse the dump file strictly (as mkcomposefs\n"
			  "with CFS_PARSE_STRICT set, which sets it too)" },
		{ .name = "lenient", .kind = CLI_BOOL, .ptr = &lenient,
		  .help = "parse the dump file leniently (the default;\n"
			  "overrides CFS_PARSE_STRICT)" },
		{ .name = "use-epoch", .kind = CLI_FLAG, .ptr = &scan_flags,
		  .flag = ESEAL_SCAN_USE_EPOCH, .help = "set all mtimes to 0" },
		{ .name = "skip-devices", .kind = CLI_FLAG, .ptr = &scan_flags,
		  .flag = ESEAL_SCAN_SKIP_DEVICES,
		  .help = "leave out character and block devices" },
		{ .name = "skip-xattrs", .kind = CLI_FLAG, .ptr = &scan_flags,
		  .flag = ESEAL_SCAN_SKIP_XATTRS, .help = "store no xattrs" },
		{ .name = "user-xattrs", .kind = CLI_FLAG, .ptr = &scan_flags,
		  .flag = ESEAL_SCAN_USER_XATTRS,
		  .help = "store only user.* xattrs" },
		{ .name = "no-hardlinks", .kind = CLI_FLAG, .ptr = &scan_flags,
		  .flag = ESEAL_SCAN_NO_HARDLINKS,
		  .help = "make every name of a file a file of its own,\n"
			  "as mkcomposefs 1.0.8 does" },
		{ .name = "min-version", .kind = CLI_UINT,
		  .ptr = &iopts.min_version, .min = 0, .max = 1, .arg = "N",
		  .help = "lowest format version to write (default 0)" },
		{ .name = "max-version", .kind = CLI_UINT,
		  .ptr = &iopts.max_version, .min = 0, .max = 1, .arg = "N",
		  .help = "highest format version to write (default 1)" },
		{ .name = "threads", .kind = CLI_UINT, .ptr = &sopts.threads,
		  .min = 1, .max = 1024, .arg = "N",
		  .help = "hashing/copying threads (default: online CPUs)" },
		{ .name = "hash", .kind = CLI_HASH, .ptr = &iopts.hash_alg,
		  .arg = "ALG",
		  .help = "fs-verity hash of objects and of the image\n"
			  "digest: sha256 (default) or sha512" },
		{ .name = "oci-rules", .kind = CLI_BOOL, .ptr = &oci_rules,
		  .help = "apply the canonical OCI rules to any source: root\n"
			  "metadata from /usr, /run emptied, only\n"
			  "security.capability xattrs, format version 1" },
		{ .name = "oci-user-xattrs", .kind = CLI_FLAG, .ptr = &oopts.flags,
		  .flag = ESEAL_OCI_USER_XATTRS,
		  .help = "the OCI rules keep user.* xattrs too" },
		{ .name = "platform", .kind = CLI_STRING, .ptr = &oopts.platform,
		  .arg = "OS/ARCH[/VARIANT]",
		  .help = "the image to take from an image index\n"
			  "(default: this machine's)" },
		{ .name = "max-size", .kind = CLI_SIZE, .ptr = &oopts.max_size,
		  .arg = "BYTES",
		  .help = "refuse layers that decompress to more, all\n"
			  "together (K, M, G, T; default 32G)" },
		{ .name = "max-entries", .kind = CLI_UINT, .ptr = &max_entries,
		  .min = 1, .max = UINT32_MAX, .arg = "N",
		  .help = "refuse more tar entries, all layers together\n"
			  "(default 4194304)" },
		{ .name = "quiet", .short_name = 'q', .kind = CLI_BOOL,
		  .ptr = &quiet, .help = "no progress output" },
		{ .name = "verbose", .short_name = 'v', .kind = CLI_BOOL,
		  .ptr = &verbose,
		  .help = "say on stderr where the digests came from" },
		{ 0 },
	};
	int r, ret = 1;

	r = cli_parse(argc, argv, opts);
	argc -= r;
	argv += r;
	if (print_only)
		print_digest = true;
	if (argc != (print_only ? 1 : 2))
		usage_error(print_only ? "expected SOURCE (no IMAGE with --print-digest-only)"
				       : "expected SOURCE and IMAGE");
	if (sopts.digest_cache && (sopts.flags & ESEAL_STORE_NO_DIGEST_CACHE))
		usage_error("--digest-cache and --no-digest-cache conflict");
	if (sopts.digest_cache && !*sopts.digest_cache)
		usage_error("empty path");
	if (strict && lenient)
		usage_error("--strict and --lenient conflict");
	/* as mkcomposefs: lenient unless CFS_PARSE_STRICT is set at all */
	if (!strict && (lenient || !getenv("CFS_PARSE_STRICT")))
		dump_flags |= ESEAL_DUMP_LENIENT;
	if (iopts.min_version > iopts.max_version)
		usage_error("--min-version is above --max-version");
	src = argv[0];
	if (!print_only)
		out = argv[1];
	if (!*src || (out && !*out))
		usage_error("empty path");
	if (out && !strcmp(out, "-") && isatty(STDOUT_FILENO))
		usage_error("refusing to write an image to a terminal");
	oopts.store = &sopts;
	oopts.max_entries = max_entries;
	sopts.hash_alg = iopts.hash_alg;
	if (!from_file) {
		r = eseal_source_parse(src, &source, &err);
		if (r < 0)
			return fail(r, &err);
	}
	if (source.kind != ESEAL_SOURCE_DIR) {
		if (scan_flags)
			usage_error("--use-epoch, --skip-devices, --skip-xattrs and --user-xattrs apply to a directory");
		if (!strcmp(source.path, "-") && source.kind != ESEAL_SOURCE_TAR)
			usage_error("only a tar layer can be read from stdin (tar:-)");
		if (!strcmp(source.path, "-"))
			source.fd = STDIN_FILENO;
		if (source.kind != ESEAL_SOURCE_TAR)
			oci_rules = true;	/* images are always canonical */
	}
	if (oci_rules) {
		oopts.flags |= ESEAL_OCI_RULES;
		if (iopts.max_version < ESEAL_OCI_FORMAT_VERSION)
			usage_error("the OCI rules write format version %u",
				    ESEAL_OCI_FORMAT_VERSION);
		if (iopts.min_version < ESEAL_OCI_FORMAT_VERSION)
			iopts.min_version = ESEAL_OCI_FORMAT_VERSION;
	}
	/* refuse a bad IMAGE before the work; nothing is visible until done */
	if (out && !output_open(&o, out, OUTPUT_STDOUT_OK,
				(const char *[]){ input_file(src, from_file,
							     &source) },
				1))
		goto out;

	/*
	 * The store's writers' lock, from before the first object is looked
	 * up (a directory's or an OCI source's) until the image is published:
	 * a gc that keeps IMAGE's directory then never misses its objects
	 */
	if (!from_file && sopts.store_dir) {
		r = eseal_store_writer_open(sopts.store_dir, 0, &writer, &err);
		if (r < 0)
			goto fail;
		sopts.writer = writer;
	}
	if (!quiet && isatty(STDERR_FILENO)) {
		sopts.progress = show_progress;
		sopts.progress_arg = &ps;
	}
	if (source.kind != ESEAL_SOURCE_DIR)
		r = eseal_tree_from_source(&source, &oopts, &tree, &stats,
					   &err);
	else
		r = load_tree(src, from_file, dump_flags, scan_flags, &tree,
			      &err);
	if (r >= 0 && !from_file && source.kind == ESEAL_SOURCE_DIR)
		r = eseal_tree_store_objects(tree, &sopts, &stats, &err);
	/* a directory or a dump; OCI and tar sources had them applied */
	if (r >= 0 && oci_rules && source.kind == ESEAL_SOURCE_DIR)
		r = eseal_tree_oci_rules(tree, oopts.flags, &err);
	if (ps.shown)
		fputc('\n', stderr);
	if (r < 0)
		goto fail;

	r = eseal_image_write(tree, &iopts, out ? o.fd : -1,
			      print_digest ? &digest : NULL, &err);
	if (r < 0) {
		/* name the image: a failed write (ENOSPC) says only why */
		if (!out)
			goto fail;
		error_msg("%s: %s", strcmp(out, "-") ? out : "standard output",
			  error_text(r, &err));
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
	if (verbose && !from_file)
		print_stats(&sopts, &stats);
	if (!quiet && sopts.store_dir && stats.objects_new &&
	    stats.verity_unsupported && isatty(STDERR_FILENO))
		fprintf(stderr,
			"note: fs-verity could not be enabled on %llu new objects (not supported by the store's filesystem)\n",
			(unsigned long long)stats.verity_unsupported);
	ret = 0;
	goto out;
fail:
	ret = fail(r, &err);
out:
	output_abort(&o);
	/* the image is published (or not made): release the lock */
	eseal_store_writer_close(writer);
	eseal_tree_free(tree);
	eseal_source_free(&source);
	return finish_stdout(ret);
}
