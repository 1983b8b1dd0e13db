// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal store: the object store's lifecycle.
 *
 *   gc     remove the objects no kept image needs
 *   fsck   check every object, and repair (quarantine, restore, fix)
 *   stats  what a store holds; with --image, what images need and share
 *
 * The library does the work (lib/store) under the store's lock protocol
 * (docs/object-store.md); this prints.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct args {
	bool dry_run, all, no_wait, json, repair;
	struct cli_list keep, keep_dirs, images;
	const char *from;
	unsigned int threads;
	const char *store;
};

/* ---- issues: printed as they come, or kept for the JSON ---------------- */

struct issue {
	char *path, *detail, *action_detail;
	int problem, action;
};

struct issues {
	const char *store;
	bool json;
	bool to_stdout;			/* fsck's report; gc's go to stderr */
	struct issue *v;
	size_t n, cap;
	bool oom;
};

static void print_issue(const struct issues *l,
			const struct eseal_store_issue *i)
{
	FILE *f = l->to_stdout ? stdout : stderr;

	if (!l->to_stdout)
		fputs("erofs-seal store: ", f);
	fprintf(f, "%s/%s: %s", l->store, i->path, i->detail);
	switch (i->action) {
	case ESEAL_ACTION_QUARANTINED:
		fprintf(f, "; moved to %s/%s", l->store, i->action_detail);
		break;
	case ESEAL_ACTION_RESTORED:
		fprintf(f, "; moved to %s/%s", l->store, i->action_detail);
		break;
	case ESEAL_ACTION_FIXED:
		fputs("; fixed", f);
		break;
	case ESEAL_ACTION_REMOVED:
		fputs("; removed", f);
		break;
	case ESEAL_ACTION_FAILED:
		fprintf(f, "; not repaired: %s",
			i->action_detail ? i->action_detail : "unknown error");
		break;
	}
	fputc('\n', f);
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*oom = true;
	return d;
}

static void on_issue(const struct eseal_store_issue *i, void *arg)
{
	struct issues *l = arg;
	struct issue *it;

	if (!l->json) {
		print_issue(l, i);
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct issue *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	it = &l->v[l->n++];
	it->path = dup_or_null(i->path, &l->oom);
	it->detail = dup_or_null(i->detail, &l->oom);
	it->action_detail = dup_or_null(i->action_detail, &l->oom);
	it->problem = i->problem;
	it->action = i->action;
}

static void json_issues(struct json *j, const char *name,
			const struct issues *l)
{
	size_t k;

	json_key(j, name);
	fputc('[', stdout);
	for (k = 0; k < l->n; k++) {
		struct json o;

		if (k)
			fputc(',', stdout);
		json_begin(&o, stdout);
		json_str(&o, "path", l->v[k].path);
		json_str(&o, "problem", eseal_store_problem_name(l->v[k].problem));
		json_str(&o, "detail", l->v[k].detail);
		json_str(&o, "action", eseal_store_action_name(l->v[k].action));
		json_str(&o, "action_detail", l->v[k].action_detail);
		json_close(&o);
	}
	fputc(']', stdout);
}

static void free_issues(struct issues *l)
{
	size_t k;

	for (k = 0; k < l->n; k++) {
		free(l->v[k].path);
		free(l->v[k].detail);
		free(l->v[k].action_detail);
	}
	free(l->v);
}

/* "3 objects (12.0 KiB)" */
static void count_size(uint64_t n, const char *what, uint64_t bytes)
{
	char h[32];

	human_size(bytes, h, sizeof(h));
	printf("%llu %s%s (%s)", (unsigned long long)n, what,
	       n == 1 ? "" : "s", h);
}

/* ---- gc ------------------------------------------------------------------ */

static int gc(const struct args *a)
{
	struct eseal_gc_opts o = ESEAL_GC_OPTS_INIT;
	struct eseal_gc_result r = ESEAL_GC_RESULT_INIT;
	struct issues l = { .store = a->store, .json = a->json };
	struct eseal_error err = { 0 };
	const char *verb = a->dry_run ? "would remove" : "removed";
	struct json j;
	int ret;

	o.keep = a->keep.v;
	o.n_keep = a->keep.n;
	o.keep_dirs = a->keep_dirs.v;
	o.n_keep_dirs = a->keep_dirs.n;
	o.flags = (a->dry_run ? ESEAL_GC_DRY_RUN : 0) |
		  (a->all ? ESEAL_GC_ALL : 0) |
		  (a->no_wait ? ESEAL_GC_NO_WAIT : 0);
	o.issue = on_issue;
	o.issue_arg = &l;
	ret = eseal_store_gc(a->store, &o, &r, &err);
	if (ret < 0) {
		free_issues(&l);
		return fail(ret, &err);
	}
	if (a->json) {
		json_begin(&j, stdout);
		json_str(&j, "store", a->store);
		json_bool(&j, "dry_run", a->dry_run);
		json_uint(&j, "images", r.images);
		json_uint(&j, "objects_kept", r.objects_kept);
		json_uint(&j, "bytes_kept", r.bytes_kept);
		json_uint(&j, "objects_missing", r.objects_missing);
		json_uint(&j, "objects_removed", r.objects_removed);
		json_uint(&j, "bytes_removed", r.bytes_removed);
		json_uint(&j, "trees_removed", r.trees_removed);
		json_uint(&j, "tree_bytes_removed", r.tree_bytes_removed);
		json_uint(&j, "temporary_removed", r.tmp_removed);
		json_uint(&j, "temporary_bytes_removed", r.tmp_bytes_removed);
		json_issues(&j, "left_alone", &l);
		json_end(&j);
	} else {
		printf("kept ");
		count_size(r.objects_kept, "object", r.bytes_kept);
		if (a->all)
			printf(": no image is kept (--all)\n");
		else
			printf(" that %llu image%s\n",
			       (unsigned long long)r.images,
			       r.images == 1 ? " needs" : "s need");
		printf("%s ", verb);
		count_size(r.objects_removed, "object", r.bytes_removed);
		putchar('\n');
		if (r.trees_removed) {
			printf("%s ", verb);
			count_size(r.trees_removed, "Merkle tree file",
				   r.tree_bytes_removed);
			putchar('\n');
		}
		if (r.tmp_removed) {
			printf("%s ", verb);
			count_size(r.tmp_removed, "stale temporary file",
				   r.tmp_bytes_removed);
			putchar('\n');
		}
		if (r.objects_missing)
			printf("missing: %llu object%s the kept images need\n",
			       (unsigned long long)r.objects_missing,
			       r.objects_missing == 1 ? "" : "s");
	}
	free_issues(&l);
	if (l.oom) {
		error_msg("out of memory");
		return EXIT_FAILURE;
	}
	return finish_stdout(0);
}

/* ---- fsck ------------------------------------------------------------------ */

static int fsck(const struct args *a)
{
	struct eseal_fsck_opts o = ESEAL_FSCK_OPTS_INIT;
	struct eseal_fsck_result r = ESEAL_FSCK_RESULT_INIT;
	struct issues l = { .store = a->store, .json = a->json,
			    .to_stdout = true };
	struct eseal_error err = { 0 };
	struct json j;
	int ret, status;

	o.flags = (a->repair ? ESEAL_FSCK_REPAIR : 0) |
		  (a->no_wait ? ESEAL_FSCK_NO_WAIT : 0);
	o.from = a->from;
	o.threads = a->threads;
	o.issue = on_issue;
	o.issue_arg = &l;
	ret = eseal_store_fsck(a->store, &o, &r, &err);
	if (ret < 0) {
		fflush(stdout);
		free_issues(&l);
		error_msg("%s", error_text(ret, &err));
		return EXIT_NO_INPUT;
	}
	status = r.unreadable ? EXIT_NO_INPUT :
		 r.problems ? EXIT_PROBLEMS : 0;
	if (a->json) {
		json_begin(&j, stdout);
		json_str(&j, "store", a->store);
		json_bool(&j, "repair", a->repair);
		json_uint(&j, "objects", r.objects);
		json_uint(&j, "bytes", r.bytes);
		json_uint(&j, "trees", r.trees);
		json_uint(&j, "verity_checked", r.verity_checked);
		json_uint(&j, "problems", r.problems);
		json_uint(&j, "unreadable", r.unreadable);
		json_uint(&j, "quarantined", r.quarantined);
		json_uint(&j, "restored", r.restored);
		json_uint(&j, "fixed", r.fixed);
		json_uint(&j, "removed", r.removed);
		json_uint(&j, "repairs_failed", r.failed);
		json_issues(&j, "issues", &l);
		json_end(&j);
	} else {
		printf("checked ");
		count_size(r.objects, "object", r.bytes);
		printf(", %llu Merkle tree file%s: %llu problem%s",
		       (unsigned long long)r.trees, r.trees == 1 ? "" : "s",
		       (unsigned long long)r.problems,
		       r.problems == 1 ? "" : "s");
		if (r.unreadable)
			printf(" (%llu could not be read)",
			       (unsigned long long)r.unreadable);
		if (a->repair && r.problems)
			printf("; quarantined %llu, restored %llu, fixed %llu, removed %llu, not repaired %llu",
			       (unsigned long long)r.quarantined,
			       (unsigned long long)r.restored,
			       (unsigned long long)r.fixed,
			       (unsigned long long)r.removed,
			       (unsigned long long)r.failed);
		putchar('\n');
	}
	free_issues(&l);
	if (l.oom) {
		error_msg("out of memory");
		return EXIT_NO_INPUT;
	}
	return finish_stdout(status);
}

/* ---- stats ------------------------------------------------------------------ */

static void print_usage(const struct args *a, const struct eseal_store_usage *u)
{
	char hex[2 * ESEAL_DIGEST_MAX + 1], h[32];
	struct json j;
	size_t k;

	if (a->json) {
		json_begin(&j, stdout);
		json_str(&j, "store", a->store);
		json_uint(&j, "objects", u->objects);
		json_uint(&j, "bytes", u->bytes);
		json_uint(&j, "disk_bytes", u->disk_bytes);
		json_uint(&j, "verity", u->verity);
		json_uint(&j, "trees", u->trees);
		json_uint(&j, "tree_bytes", u->tree_bytes);
		json_uint(&j, "temporary", u->tmp_files);
		json_uint(&j, "temporary_bytes", u->tmp_bytes);
		json_uint(&j, "other", u->other);
		json_key(&j, "largest");
		fputc('[', stdout);
		for (k = 0; k < u->n_largest; k++) {
			struct json o;

			eseal_digest_hex(&u->largest[k].digest, hex);
			if (k)
				fputc(',', stdout);
			json_begin(&o, stdout);
			printf("\"object\":\"%.2s/%s\"", hex, hex + 2);
			o.first = false;
			json_uint(&o, "size", u->largest[k].size);
			json_close(&o);
		}
		fputc(']', stdout);
		json_end(&j);
		return;
	}
	printf("objects:      ");
	count_size(u->objects, "object", u->bytes);
	human_size(u->disk_bytes, h, sizeof(h));
	printf(", %s on disk\n", h);
	printf("fs-verity:    %llu of them\n", (unsigned long long)u->verity);
	printf("Merkle trees: ");
	count_size(u->trees, "file", u->tree_bytes);
	printf("\ntemporary:    ");
	count_size(u->tmp_files, "file", u->tmp_bytes);
	printf("\nother:        %llu entr%s%s\n", (unsigned long long)u->other,
	       u->other == 1 ? "y" : "ies",
	       u->other ? " (erofs-seal store fsck says what they are)" : "");
	if (u->n_largest)
		printf("largest objects:\n");
	for (k = 0; k < u->n_largest; k++) {
		eseal_digest_hex(&u->largest[k].digest, hex);
		human_size(u->largest[k].size, h, sizeof(h));
		printf("  %10s  %.2s/%s\n", h, hex, hex + 2);
	}
}

struct image_out {
	bool json;
	bool first;
};

static void print_image(const struct eseal_image_usage *u, void *arg)
{
	struct image_out *io = arg;
	char a[32], b[32], c[32];
	struct json o;

	if (io->json) {
		if (!io->first)
			fputc(',', stdout);
		io->first = false;
		json_begin(&o, stdout);
		json_str(&o, "image", u->image);
		json_uint(&o, "files", u->files);
		json_uint(&o, "file_bytes", u->file_bytes);
		json_uint(&o, "inline_files", u->inline_files);
		json_uint(&o, "objects", u->objects);
		json_uint(&o, "object_bytes", u->object_bytes);
		json_uint(&o, "stored", u->stored);
		json_uint(&o, "stored_bytes", u->stored_bytes);
		json_uint(&o, "missing", u->objects - u->stored);
		json_uint(&o, "shared", u->shared);
		json_uint(&o, "shared_bytes", u->shared_bytes);
		json_close(&o);
		return;
	}
	human_size(u->file_bytes, a, sizeof(a));
	printf("%s:\n  files:   %llu (%s), %llu inline in the image\n",
	       u->image, (unsigned long long)u->files, a,
	       (unsigned long long)u->inline_files);
	human_size(u->object_bytes, a, sizeof(a));
	human_size(u->stored_bytes, b, sizeof(b));
	printf("  objects: %llu (%s): %llu in the store (%s), %llu missing\n",
	       (unsigned long long)u->objects, a,
	       (unsigned long long)u->stored, b,
	       (unsigned long long)(u->objects - u->stored));
	human_size(u->shared_bytes, b, sizeof(b));
	human_size(u->object_bytes - u->shared_bytes, c, sizeof(c));
	printf("  shared with the other images: %llu (%s); its own: %llu (%s)\n",
	       (unsigned long long)u->shared, b,
	       (unsigned long long)(u->objects - u->shared), c);
}

static int stats(const struct args *a)
{
	struct eseal_store_usage u = ESEAL_STORE_USAGE_INIT;
	struct image_out io = { .json = a->json, .first = true };
	struct eseal_error err = { 0 };
	struct json j;
	int ret;

	if (!a->images.n) {
		ret = eseal_store_usage(a->store, &u, &err);
		if (ret < 0)
			return fail(ret, &err);
		print_usage(a, &u);
		return finish_stdout(0);
	}
	if (a->json) {
		json_begin(&j, stdout);
		json_str(&j, "store", a->store);
		json_key(&j, "images");
		fputc('[', stdout);
	}
	ret = eseal_store_image_usage(a->store, a->images.v, a->images.n,
				      print_image, &io, &err);
	if (ret < 0) {
		/* nothing was printed for the images: no half object */
		if (a->json)
			fputs("]}\n", stdout);
		fflush(stdout);
		return fail(ret, &err);
	}
	if (a->json) {
		fputc(']', stdout);
		json_end(&j);
	}
	return finish_stdout(0);
}

/* ---- the command -------------------------------------------------------- */

int cmd_store(int argc, char **argv)
{
	struct args a = { 0 };
	const struct cli_opt opts[] = {
		{ .name = "keep", .kind = CLI_LIST, .ptr = &a.keep,
		  .arg = "IMAGE", .help = "gc: keep the objects IMAGE needs" },
		{ .name = "keep-dir", .kind = CLI_LIST, .ptr = &a.keep_dirs,
		  .arg = "DIR",
		  .help = "gc: keep those of every image below DIR" },
		{ .name = "all", .kind = CLI_BOOL, .ptr = &a.all,
		  .help = "gc: no image is kept, every object goes" },
		{ .name = "dry-run", .kind = CLI_BOOL, .ptr = &a.dry_run,
		  .help = "gc: say what would go, remove nothing" },
		{ .name = "repair", .kind = CLI_BOOL, .ptr = &a.repair,
		  .help = "fsck: quarantine bad entries, fix modes and\n"
			  "fs-verity" },
		{ .name = "from", .kind = CLI_STRING, .ptr = &a.from,
		  .arg = "STORE",
		  .help = "fsck --repair: restore bad objects from STORE" },
		{ .name = "threads", .kind = CLI_UINT, .ptr = &a.threads,
		  .min = 1, .max = 1024, .arg = "N",
		  .help = "fsck: hashing threads (default: online CPUs)" },
		{ .name = "image", .kind = CLI_LIST, .ptr = &a.images,
		  .arg = "IMAGE",
		  .help = "stats: what IMAGE needs of the store and shares\n"
			  "with the other --image ones" },
		{ .name = "no-wait", .kind = CLI_BOOL, .ptr = &a.no_wait,
		  .help = "gc, fsck: fail at once while the store is locked" },
		{ .name = "json", .kind = CLI_BOOL, .ptr = &a.json,
		  .help = "print one JSON object" },
		{ 0 },
	};
	const char *verb;
	int i;

	i = cli_parse(argc, argv, opts);
	if (i >= argc)
		usage_error("no store command given (gc, fsck or stats)");
	verb = argv[i++];
	if (strcmp(verb, "gc") && strcmp(verb, "fsck") && strcmp(verb, "stats"))
		usage_error("'%s' is not gc, fsck or stats", verb);
	if (argc - i != 1)
		usage_error(argc == i ? "%s: no STORE given" :
					"%s takes one STORE", verb);
	a.store = argv[i];
	if (!*a.store)
		usage_error("empty STORE");
	if (strcmp(verb, "gc") &&
	    (a.keep.n || a.keep_dirs.n || a.all || a.dry_run))
		usage_error("--keep, --keep-dir, --all and --dry-run are for gc");
	if (strcmp(verb, "fsck") && (a.repair || a.from || a.threads))
		usage_error("--repair, --from and --threads are for fsck");
	if (strcmp(verb, "stats") && a.images.n)
		usage_error("--image is for stats");
	if (!strcmp(verb, "stats") && a.no_wait)
		usage_error("--no-wait is for gc and fsck (stats takes no lock)");
	if (a.from && !a.repair)
		usage_error("--from restores what --repair finds: give both");
	if (!strcmp(verb, "gc")) {
		if (!a.keep.n && !a.keep_dirs.n && !a.all)
			usage_error("gc: no image to keep (--keep, --keep-dir); --all says that every object goes");
		if (a.all && (a.keep.n || a.keep_dirs.n))
			usage_error("gc: --all keeps nothing: no --keep or --keep-dir with it");
		return gc(&a);
	}
	if (!strcmp(verb, "fsck"))
		return fsck(&a);
	return stats(&a);
}
