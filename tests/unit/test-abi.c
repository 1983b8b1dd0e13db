// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The growable structs of the public ABI (lib/util/abi.c): a struct of an
 * older, smaller version is read with its missing members at their
 * defaults and a result is written only as far as the caller's struct
 * goes; a size the library does not know is refused, by every function
 * that takes such a struct, with a message naming the _INIT macro.
 */
#include <string.h>

#include "internal.h"
#include "test.h"

/* A struct at version 1, whose version 0 ended at b */
struct eseal_test_opts {
	size_t size;
	int a;
	const char *b;
	/* version 1 */
	unsigned int c;
	unsigned int d;
};
#define V0 offsetofend(struct eseal_test_opts, b)

static void test_helpers(void)
{
	struct eseal_test_opts in = { .size = V0, .a = 7, .b = "x", .c = 9 };
	struct eseal_test_opts out, res;
	struct eseal_error err = { 0 };
	struct {
		struct eseal_test_opts r;
		unsigned char canary[16];
	} older;

	memset(&out, 0xa5, sizeof(out));
	CHECK(eseal_abi_in(&out, sizeof(out), &in, V0, "eseal_test_opts",
			   &err) == 0 &&
	      out.size == sizeof(out) && out.a == 7 && !strcmp(out.b, "x") &&
	      out.c == 0 && out.d == 0,
	      "an older, smaller struct is read; its missing members are 0");
	in.size = sizeof(in);
	CHECK(eseal_abi_in(&out, sizeof(out), &in, V0, "eseal_test_opts",
			   &err) == 0 && out.c == 9, "the current size is read whole");
	in.size = 0;
	CHECK(eseal_abi_in(&out, sizeof(out), &in, V0, "eseal_test_opts",
			   &err) == -EINVAL &&
	      strstr(err.msg, "struct eseal_test_opts: size 0") &&
	      strstr(err.msg, "set it with ESEAL_TEST_OPTS_INIT"),
	      "a struct never initialised is refused, saying how (%s)", err.msg);
	in.size = sizeof(in) + 8;
	CHECK(eseal_abi_in(&out, sizeof(out), &in, V0, "eseal_test_opts",
			   &err) == -EINVAL,
	      "a struct larger than this library knows is refused");
	in.size = V0 - 1;
	CHECK(eseal_abi_check(&in, sizeof(in), V0, "eseal_test_opts",
			      &err) == -EINVAL,
	      "a struct smaller than the first version is refused");

	memset(&older, 0x5a, sizeof(older));
	older.r.size = V0;
	res = (struct eseal_test_opts){ .size = sizeof(res), .a = 1, .b = "y",
					.c = 2, .d = 3 };
	eseal_abi_out(&older.r, &res, sizeof(res));
	CHECK(older.r.size == V0 && older.r.a == 1 && !strcmp(older.r.b, "y"),
	      "a result is written to an older struct as far as it goes");
	CHECK(((unsigned char *)&older.r)[V0] == 0x5a &&
	      older.canary[0] == 0x5a,
	      "... and not a byte further");
}

/* Every public function that takes a growable struct checks its size */
static void test_public(void)
{
	struct eseal_error err = { 0 };
	struct eseal_image_opts io = { 0 };
	struct eseal_store_opts so = { 0 };
	struct eseal_store_stats st = { 0 };
	struct eseal_signer_opts sg = { 0 };
	struct eseal_sig_info si = { 0 };
	struct eseal_mount_opts mo = { 0 };
	struct eseal_mount_result mr = { 0 };
	struct eseal_mount_features mf = { 0 };
	struct eseal_digest d = { .alg = ESEAL_HASH_SHA256, .size = 32 };
	struct eseal_trust *t = NULL;
	struct eseal_tree *tree = NULL;
	struct eseal_signer *s = NULL;
	FILE *f = fmemopen((char *)"/ 0 40755 2 0 0 0 0.0 - - -\n", 28, "r");
	int r;

	if (!f || eseal_tree_from_dump(f, "dump", 0, &tree, &err) ||
	    eseal_trust_new(&t, &err)) {
		CHECK(0, "set up: %s", err.msg);
		return;
	}
	fclose(f);
	r = eseal_image_write(tree, &io, -1, NULL, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_IMAGE_OPTS_INIT"),
	      "eseal_image_write: %s", err.msg);
	r = eseal_tree_store_objects(tree, &so, NULL, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_STORE_OPTS_INIT"),
	      "eseal_tree_store_objects: %s", err.msg);
	so.size = sizeof(so);
	r = eseal_tree_store_objects(tree, &so, &st, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_STORE_STATS_INIT"),
	      "eseal_tree_store_objects, stats: %s", err.msg);
	st.size = sizeof(st);
	err.msg[0] = '\0';
	r = eseal_tree_store_objects(tree, &so, &st, &err);
	CHECK(r == 0 && st.size == sizeof(st),
	      "... and with both initialised it works (%s)", err.msg);
	r = eseal_signer_open(&sg, &s, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_SIGNER_OPTS_INIT"),
	      "eseal_signer_open: %s", err.msg);
	r = eseal_verify_digest(t, &d, "x", 1, &si, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_SIG_INFO_INIT"),
	      "eseal_verify_digest: %s", err.msg);
	r = eseal_mount_probe(&mf, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_MOUNT_FEATURES_INIT"),
	      "eseal_mount_probe: %s", err.msg);
	mr.size = sizeof(mr);
	r = eseal_mount("img", "mnt", &mo, &mr, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_MOUNT_OPTS_INIT"),
	      "eseal_mount: %s", err.msg);
	mo.size = sizeof(mo);
	mr.size = 0;
	r = eseal_mount("img", "mnt", &mo, &mr, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_MOUNT_RESULT_INIT"),
	      "eseal_mount, result: %s", err.msg);
	{
		struct eseal_fuse_opts fo = { 0 };
		struct eseal_fuse *fs = (struct eseal_fuse *)&fo;

		mr.size = 0;
		r = eseal_fuse_mount("img", "mnt", &mo, NULL, &fs, &mr, &err);
		CHECK(r == -EINVAL && !fs &&
		      strstr(err.msg, "ESEAL_MOUNT_RESULT_INIT"),
		      "eseal_fuse_mount, result: %s", err.msg);
		mr.size = sizeof(mr);
		mo.size = 0;
		r = eseal_fuse_mount("img", "mnt", &mo, NULL, &fs, &mr, &err);
		CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_MOUNT_OPTS_INIT"),
		      "eseal_fuse_mount: %s", err.msg);
		mo.size = sizeof(mo);
		r = eseal_fuse_mount("img", "mnt", &mo, &fo, &fs, &mr, &err);
		CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_FUSE_OPTS_INIT"),
		      "eseal_fuse_mount, FUSE options: %s", err.msg);
		fo.size = offsetofend(struct eseal_fuse_opts, log_arg);
		r = eseal_fuse_mount("img", "mnt", &mo, &fo, &fs, &mr, &err);
		CHECK(r == -EINVAL && !strstr(err.msg, "_INIT") && !fs &&
		      !mr.mountpoint && !mr.layer,
		      "... initialised, they pass on to the options' checks (%s)",
		      err.msg);
	}
	eseal_signer_free(s);
	eseal_trust_free(t);
	eseal_tree_free(tree);
}

/* The store's lifecycle structs */
static void test_store_life(void)
{
	struct eseal_error err = { 0 };
	struct eseal_gc_opts go = { 0 };
	struct eseal_gc_result gr = { 0 };
	struct eseal_fsck_opts fo = { 0 };
	struct eseal_fsck_result fr = { 0 };
	struct eseal_store_usage u = { 0 };
	int r;

	r = eseal_store_gc("nowhere", &go, NULL, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_GC_OPTS_INIT"),
	      "eseal_store_gc: %s", err.msg);
	go.size = sizeof(go);
	r = eseal_store_gc("nowhere", &go, &gr, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_GC_RESULT_INIT"),
	      "eseal_store_gc, result: %s", err.msg);
	r = eseal_store_fsck("nowhere", &fo, NULL, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_FSCK_OPTS_INIT"),
	      "eseal_store_fsck: %s", err.msg);
	fo.size = sizeof(fo);
	r = eseal_store_fsck("nowhere", &fo, &fr, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_FSCK_RESULT_INIT"),
	      "eseal_store_fsck, result: %s", err.msg);
	r = eseal_store_usage("nowhere", &u, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_STORE_USAGE_INIT"),
	      "eseal_store_usage: %s", err.msg);
}

/* The members appended since a struct's first version take their defaults */
static void test_appended(void)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *tree = NULL;
	struct eseal_image_opts io = ESEAL_IMAGE_OPTS_INIT;
	struct eseal_store_opts so = ESEAL_STORE_OPTS_INIT;
	struct eseal_digest d256, d;
	FILE *f = fmemopen((char *)"/ 0 40755 2 0 0 0 0.0 - - -\n", 28, "r");

	if (!f || eseal_tree_from_dump(f, "dump", 0, &tree, &err)) {
		CHECK(0, "set up: %s", err.msg);
		return;
	}
	fclose(f);
	CHECK(eseal_image_write(tree, &io, -1, &d256, &err) == 0 &&
	      d256.alg == ESEAL_HASH_SHA256, "image digest: sha256 by default");
	io.hash_alg = ESEAL_HASH_SHA512;
	CHECK(eseal_image_write(tree, &io, -1, &d, &err) == 0 &&
	      d.alg == ESEAL_HASH_SHA512 && d.size == 64,
	      "eseal_image_opts.hash_alg: sha512");
	/* a caller built before hash_alg: whatever lies beyond is not read */
	io.size = ESEAL_V0_IMAGE_OPTS;
	CHECK(eseal_image_write(tree, &io, -1, &d, &err) == 0 &&
	      !memcmp(&d, &d256, sizeof(d)),
	      "an eseal_image_opts without hash_alg gives sha256 (%s)",
	      err.msg);
	io.size = sizeof(io);
	io.hash_alg = 7;
	CHECK(eseal_image_write(tree, &io, -1, &d, &err) == -EINVAL &&
	      strstr(err.msg, "hash algorithm 7"), "an unknown hash_alg: %s",
	      err.msg);
	/* a caller built before .writer: what lies beyond is not read */
	so.size = ESEAL_V0_STORE_OPTS;
	so.writer = (struct eseal_store_writer *)&so;
	CHECK(eseal_tree_store_objects(tree, &so, NULL, &err) == 0,
	      "an eseal_store_opts without writer works (%s)", err.msg);
	eseal_tree_free(tree);
}

/* The OCI entry points check their structs like the others */
static void test_oci(void)
{
	struct eseal_error err = { 0 };
	struct eseal_source src = { 0 }, good = ESEAL_SOURCE_INIT;
	struct eseal_oci_opts oo = { 0 };
	struct eseal_store_opts so = { 0 };
	struct eseal_store_stats st = { 0 };
	struct eseal_tree *tree = NULL;
	int r;

	r = eseal_source_parse("tar:x", &src, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_SOURCE_INIT") && !src.path,
	      "eseal_source_parse: %s", err.msg);
	r = eseal_tree_from_source(&src, NULL, &tree, NULL, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_SOURCE_INIT") && !tree,
	      "eseal_tree_from_source, source: %s", err.msg);
	if (eseal_source_parse("tar:/nonexistent/x.tar", &good, &err)) {
		CHECK(0, "parse: %s", err.msg);
		return;
	}
	r = eseal_tree_from_source(&good, &oo, &tree, NULL, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_OCI_OPTS_INIT"),
	      "eseal_tree_from_source, options: %s", err.msg);
	oo.size = sizeof(oo);
	oo.store = &so;
	r = eseal_tree_from_source(&good, &oo, &tree, NULL, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_STORE_OPTS_INIT"),
	      "eseal_tree_from_source, store options: %s", err.msg);
	so.size = sizeof(so);
	r = eseal_tree_from_source(&good, &oo, &tree, &st, &err);
	CHECK(r == -EINVAL && strstr(err.msg, "ESEAL_STORE_STATS_INIT"),
	      "eseal_tree_from_source, stats: %s", err.msg);
	st.size = sizeof(st);
	r = eseal_tree_from_source(&good, &oo, &tree, &st, &err);
	CHECK(r == -ENOENT && strstr(err.msg, "/nonexistent/x.tar") && !tree,
	      "... and with all initialised it goes on to read (%s)",
	      err.msg);
	eseal_source_free(&good);
}

int main(void)
{
	test_helpers();
	test_public();
	test_store_life();
	test_appended();
	test_oci();
	return test_done();
}
