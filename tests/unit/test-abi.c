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

int main(void)
{
	test_helpers();
	test_public();
	return test_done();
}
