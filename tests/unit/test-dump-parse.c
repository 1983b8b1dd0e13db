// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The composefs dump reader: what lands in the tree, strict versus lenient
 * mode, and that every refusal names the stream, the line and the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"
#include "test.h"

#define ROOT "/ 4096 40755 2 0 0 0 0.0 - - -\n"
#define DIGEST "35d02f81325122d77ec1d11baba655bc9bf8a891ab26119a41c50fa03ddfb408"

static int parse(const char *text, unsigned int flags,
		 struct eseal_tree **tree, struct eseal_error *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	memset(err, 0, sizeof(*err));
	ret = eseal_tree_from_dump(f, "t.dump", flags, tree, err);
	fclose(f);
	return ret;
}

static struct eseal_node *find(struct eseal_tree *t, const char *path)
{
	struct eseal_node *n = t->root;
	char buf[256], *save, *c;

	snprintf(buf, sizeof(buf), "%s", path);
	for (c = strtok_r(buf, "/", &save); c && n;
	     c = strtok_r(NULL, "/", &save))
		n = eseal_node_find_child(n, c, strlen(c));
	return n;
}

static void test_fields(void)
{
	static const char dump[] =
		ROOT
		"/a\\x20b 0 40700 2 1000 1001 0 -5.7 - - - user.k\\x3d=v=1 trusted.x=\\x00\\xff\n"
		"/a\\x20b/f 123 100644 3 0 0 0 1.2 ab/cd - " DIGEST "\n"
		"/a\\x20b/inl 5 100600 1 0 0 0 0.0 - a\\nb\\tc - security.selinux=x\n"
		"/dev 0 20644 1 0 0 2049 0.0 - - -\n"
		"/l 3 120777 1 0 0 0 0.0 f\\\\g - -\n"
		"/h1 123 @100644 3 0 0 0 1.2 /h2 - -\n"
		"/h2 123 @100644 3 0 0 0 1.2 /a\\x20b/f - " DIGEST "\n";
	struct eseal_tree *t;
	struct eseal_error err;
	struct eseal_node *d, *f, *n;
	const struct eseal_xattr *x;
	int ret = parse(dump, 0, &t, &err);

	CHECK(ret == 0, "well-formed dump parses (%s)", err.msg);
	if (ret)
		return;
	CHECK(eseal_tree_count(t) == 8, "8 entries");
	d = find(t, "/a b");
	CHECK(d && d->mode == 040700 && d->uid == 1000 && d->gid == 1001,
	      "escaped space in a name, mode, uid, gid");
	CHECK(d && d->mtime_sec == -5 && d->mtime_nsec == 7,
	      "negative mtime seconds, nanoseconds as given");
	x = d ? eseal_node_get_xattr(d, "user.k=") : NULL;
	CHECK(x && x->value_len == 3 && !memcmp(x->value, "v=1", 3),
	      "escaped = in an xattr name, = in a value");
	x = d ? eseal_node_get_xattr(d, "trusted.x") : NULL;
	CHECK(x && x->value_len == 2 && x->value[0] == 0 && x->value[1] == 0xff,
	      "binary xattr value");
	f = find(t, "/a b/f");
	CHECK(f && f->size == 123 && f->nlink == 3 && f->payload &&
		      !strcmp(f->payload, "ab/cd") && !f->content,
	      "regular file: size, nlink, payload, no content");
	CHECK(f && f->digest && f->digest->alg == ESEAL_HASH_SHA256 &&
		      f->digest->size == 32 && f->digest->bytes[0] == 0x35 &&
		      f->digest->bytes[31] == 0x08,
	      "digest parsed as sha256");
	n = find(t, "/a b/inl");
	CHECK(n && n->size == 5 && n->content && !memcmp(n->content, "a\nb\tc", 5),
	      "inline content unescaped");
	n = find(t, "/dev");
	CHECK(n && S_ISCHR(n->mode) && n->rdev == 2049, "device number");
	n = find(t, "/l");
	CHECK(n && n->payload && !strcmp(n->payload, "f\\g") && n->size == 3,
	      "symlink target with escaped backslash");
	n = find(t, "/h1");
	CHECK(n && n->link_to == f && n->mode == f->mode,
	      "hardlink chain resolved to the final target");
	n = find(t, "/h2");
	CHECK(n && n->link_to == f, "hardlink to the target");
	CHECK(f && f->nlink == 3, "target nlink kept as in the dump");
	eseal_tree_free(t);
}

struct bad {
	const char *text;
	unsigned int flags;		/* 0: strict */
	const char *msg;		/* expected in the error */
};

static const struct bad bad_inputs[] = {
	{ "", 0, "t.dump: no entries" },
	{ ROOT "/a 0 100644 1 0 0 0 0.0 - - - user.x=\\q\n", 0,
	  "t.dump:2: xattr value: invalid escape \\q" },
	{ ROOT "/a 0 100644 1 0 0 0 0.0 - - - user.x=\\x4\n", 0,
	  "t.dump:2: xattr value: no hex digits after \\x" },
	{ ROOT "/a 0 100644 1 0 0 0 0.0 - - - user.x=\\xzz\n", 0,
	  "invalid hex escape" },
	{ ROOT "/a/b 0 100644 1 0 0 0 0.0 - - -\n", 0,
	  "t.dump:2: parent directory missing: /a/b" },
	{ ROOT "/a 0 100644 1 0 0 0 0.0 - - -\n/a 0 100644 1 0 0 0 0.0 - - -\n",
	  0, "t.dump:3: duplicate path /a" },
	{ "/a 0 100644 1 0 0 0 0.0 - - -\n", 0,
	  "t.dump:1: the first entry must be the root /" },
	{ "/ 0 100644 1 0 0 0 0.0 - - -\n", 0, "the root must be a directory" },
	{ ROOT ROOT, 0, "t.dump:2: duplicate root /" },
	{ ROOT "/a 0 170644 1 0 0 0 0.0 - - -\n", 0, "t.dump:2: invalid mode" },
	{ ROOT "/a 0 10064x 1 0 0 0 0.0 - - -\n", 0, "MODE: invalid number" },
	{ ROOT "/a 0 1100644 1 0 0 0 0.0 - - -\n", 0, "invalid mode 1100644" },
	{ ROOT "/a 0 100644 1 0 0 5 0.0 - - -\n", 0,
	  "non-zero RDEV on a non-device (strict parsing rule: RDEV is 0 except on a device;" },
	{ ROOT "/l 3 120777 1 0 0 0 0.0 abc abc -\n", 0,
	  "(strict parsing rule: a symlink has no CONTENT;" },
	{ ROOT "/a 0 100644 1 0 0 0 0.0 - - -", 0,
	  "t.dump:2: missing trailing newline (strict parsing rule: every line ends with a newline; lenient parsing accepts it)" },
	{ ROOT "/l 9 120777 1 0 0 0 0.0 abc - -\n", 0, "symlink SIZE 9" },
	{ ROOT "/l 0 120777 1 0 0 0 0.0 - - -\n", ESEAL_DUMP_LENIENT,
	  "a symlink needs a non-empty target" },
	{ ROOT "/a 0 100644 1 0 0 0 0.0 - - -\n", 0 + 0, NULL },
	{ ROOT "/a 0 100644 1 0 0 0 0.0 -\n", 0, "t.dump:2: missing field CONTENT" },
	{ ROOT "/a 0 100644 1 0 0 0 0 - - -\n", 0, "MTIME: expected" },
	{ ROOT "/a 0 100644 1 0 0 0 0.1000000000 - - -\n", 0,
	  "nanoseconds out of range" },
	{ ROOT "/a 0 100644 1 x 0 0 0.0 - - -\n", 0, "UID: invalid number 'x'" },
	{ ROOT "/a 0 100644 1 4294967296 0 0 0.0 - - -\n", 0, "UID: number too large" },
	{ ROOT "/a 3 100644 1 0 0 0 0.0 - ab -\n", 0,
	  "CONTENT has 2 bytes but SIZE is 3" },
	{ ROOT "/a 3 100644 1 0 0 0 0.0 - - abc\n", 0,
	  "DIGEST: expected 64 or 128 hex digits" },
	{ ROOT "/a\\x00b 0 100644 1 0 0 0 0.0 - - -\n", 0,
	  "PATH: contains a NUL byte" },
	{ ROOT "/a 0 100644 1 0 0 0 0.0 - - - user.a\\x00=1\n", 0,
	  "xattr name: contains a NUL byte" },
	{ ROOT "/a 0 100644 1 0 0 0 0.0 - - - =1\n", 0, "empty xattr name" },
	{ ROOT "/a 0 100644 1 0 0 0 0.0 - - - user.a\n", 0, "missing = in xattr" },
	{ ROOT "/a 0 100644 1 0 0 0 0.0 - - - user.a=1  \n", 0,
	  "missing = in xattr" },
	{ ROOT "/a 0 40755 1 0 0 0 0.0 - - -\n/a/../b 0 100644 1 0 0 0 0.0 - - -\n",
	  0, "t.dump:3: invalid . or .. in path: /a/../b" },
	{ ROOT "/.. 0 100644 1 0 0 0 0.0 - - -\n", 0, "invalid . or .. in path: /.." },
	{ ROOT "/a/ 0 40755 1 0 0 0 0.0 - - -\n", 0, "parent directory missing" },
	{ ROOT "a 0 100644 1 0 0 0 0.0 - - -\n", 0, "path is not absolute" },
	{ ROOT "/a 0 100644 1 0 0 0 0.0 - - -\n/a/b 0 100644 1 0 0 0 0.0 - - -\n",
	  0, "t.dump:3: parent is not a directory: /a/b" },
	{ ROOT "/h 0 @100644 1 0 0 0 0.0 /nope - -\n", 0,
	  "t.dump:2: no target /nope for hardlink" },
	{ ROOT "/h 0 @100644 1 0 0 0 0.0 /h - -\n", 0,
	  "self-referential hardlink /h" },
	{ ROOT "/h 0 @100644 1 0 0 0 0.0 /g - -\n/g 0 @100644 1 0 0 0 0.0 /h - -\n",
	  0, "hardlink cycle" },
	{ ROOT "/h 0 @100644 1 0 0 0 0.0 / - -\n", 0,
	  "t.dump:2: hardlink to a directory: /" },
	{ ROOT "/h 0 @40755 1 0 0 0 0.0 / - -\n", 0,
	  "directories cannot be hardlinked: /h" },
	{ ROOT "/h 0 @100644 1 0 0 0 0.0 - - -\n", 0, "hardlink /h has no target" },
	{ ROOT "/big 18014398509481985 100644 1 0 0 0 0.0 - - -\n", 0,
	  "file too large" },
	/* the tree's rules, in lenient mode too (issue 8) */
	{ ROOT "/a 0 100644 1 0 0 0 0.1000000000 - - -\n", ESEAL_DUMP_LENIENT,
	  "t.dump:2: MTIME: nanoseconds out of range: 1000000000" },
	{ ROOT "/x 9 100644 1 0 0 0 0.0 ../../../../etc/passwd - -\n",
	  ESEAL_DUMP_LENIENT,
	  "t.dump:2: PAYLOAD '../../../../etc/passwd': not a path inside the object store" },
	{ ROOT "/x 9 100644 1 0 0 0 0.0 /ab/cd - -\n", 0, "PAYLOAD '/ab/cd'" },
	{ ROOT "/x 9 100644 1 0 0 0 0.0 ab//cd - -\n", 0, "PAYLOAD 'ab//cd'" },
	{ ROOT "/x 9 100644 1 0 0 0 0.0 ab/cd/ - -\n", 0, "PAYLOAD 'ab/cd/'" },
	{ ROOT "/x 9 100644 1 0 0 0 0.0 ab/./cd - -\n", 0, "PAYLOAD 'ab/./cd'" },
	{ ROOT "/x 9 100644 1 0 0 0 0.0 .. - -\n", 0, "PAYLOAD '..'" },
	{ ROOT "/x 9 100644 1 0 0 0 0.0 \x1b/.. - -\n", 0,
	  "PAYLOAD '\\x1b/..'" },
	{ ROOT "/x 9 100644 1 0 0 0 0.0 ab/cd.file - -\n", 0, NULL },
	{ ROOT "/l 5 120777 1 0 0 0 0.0 ../.. - -\n", 0, NULL },
};

static void test_bad(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_inputs); i++) {
		const struct bad *b = &bad_inputs[i];
		struct eseal_tree *t = NULL;
		struct eseal_error err;
		int ret = parse(b->text, b->flags, &t, &err);

		if (!b->msg) {
			CHECK(ret == 0 && t, "case %zu parses", i);
		} else {
			CHECK(ret < 0 && !t && strstr(err.msg, b->msg),
			      "case %zu refused: '%s' (want '%s')", i, err.msg,
			      b->msg);
		}
		eseal_tree_free(t);
	}
}

/* what only lenient mode accepts, and what it makes of it */
static void test_lenient(void)
{
	struct eseal_tree *t;
	struct eseal_error err;
	struct eseal_node *n;
	static const char sym[] = ROOT "/l 0 120777 1 0 0 7 0.0 abc";
	static const char mode[] = ROOT "/s 0 1100644 1 0 0 0 0.0 - - -\n";
	int ret;

	ret = parse(sym, 0, &t, &err);
	CHECK(ret < 0, "strict: refused (%s)", err.msg);
	ret = parse(sym, ESEAL_DUMP_LENIENT, &t, &err);
	CHECK(ret == 0, "lenient: short unterminated line, odd size, rdev (%s)",
	      err.msg);
	if (!ret) {
		n = find(t, "/l");
		CHECK(n && n->size == 3 && n->rdev == 0,
		      "symlink size is its target length, rdev dropped");
		eseal_tree_free(t);
	}
	ret = parse(mode, ESEAL_DUMP_LENIENT, &t, &err);
	CHECK(ret == 0, "lenient: mode with bits above 16 (%s)", err.msg);
	if (!ret) {
		n = find(t, "/s");
		CHECK(n && n->mode == 0100644, "mode cut to 16 bits");
		eseal_tree_free(t);
	}
}

static void test_nul(void)
{
	static const char text[] = ROOT "/a 0 100644 1 0 0 0 0.0 - - - u\0=1\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct eseal_tree *t = NULL;
	struct eseal_error err = { 0 };
	int ret = eseal_tree_from_dump(f, "t.dump", 0, &t, &err);

	fclose(f);
	CHECK(ret < 0 && strstr(err.msg, "t.dump:2: embedded NUL character"),
	      "raw NUL in a line refused: %s", err.msg);
	eseal_tree_free(t);
}

static void test_limits(void)
{
	char *text = malloc(70000), *p;
	struct eseal_tree *t;
	struct eseal_error err;
	int ret;

	/* 255-byte names pass, 256 do not */
	p = text + sprintf(text, ROOT "/");
	memset(p, 'n', 255);
	strcpy(p + 255, " 0 100644 1 0 0 0 0.0 - - -\n");
	ret = parse(text, 0, &t, &err);
	CHECK(ret == 0, "255-byte name accepted (%s)", err.msg);
	if (!ret)
		eseal_tree_free(t);
	memset(p, 'n', 256);
	strcpy(p + 256, " 0 100644 1 0 0 0 0.0 - - -\n");
	ret = parse(text, 0, &t, &err);
	CHECK(ret < 0 && strstr(err.msg, "longer than 255"),
	      "256-byte name refused: %s", err.msg);

	/* xattr names: 255 bytes ok, 256 not */
	p = text + sprintf(text, ROOT "/a 0 100644 1 0 0 0 0.0 - - - user.");
	memset(p, 'k', 250);
	strcpy(p + 250, "=v\n");
	ret = parse(text, 0, &t, &err);
	CHECK(ret == 0, "255-byte xattr name accepted (%s)", err.msg);
	if (!ret)
		eseal_tree_free(t);
	memset(p, 'k', 251);
	strcpy(p + 251, "=v\n");
	ret = parse(text, 0, &t, &err);
	CHECK(ret < 0 && strstr(err.msg, "xattr name longer than 255"),
	      "256-byte xattr name refused: %s", err.msg);

	/* one inode's xattrs are capped at 32767 bytes */
	p = text + sprintf(text, ROOT "/a 0 100644 1 0 0 0 0.0 - - - user.a=");
	memset(p, 'v', 32740);
	strcpy(p + 32740, "\n");
	ret = parse(text, 0, &t, &err);
	CHECK(ret == 0, "32740-byte xattr value accepted (%s)", err.msg);
	if (!ret)
		eseal_tree_free(t);
	memset(p, 'v', 32760);
	strcpy(p + 32760, "\n");
	ret = parse(text, 0, &t, &err);
	CHECK(ret < 0 && strstr(err.msg, "exceed 32767"),
	      "xattrs over the budget refused: %s", err.msg);

	/* symlink targets up to 4095 bytes */
	p = text + sprintf(text, ROOT "/l 4095 120777 1 0 0 0 0.0 ");
	memset(p, 't', 4095);
	strcpy(p + 4095, " - -\n");
	ret = parse(text, 0, &t, &err);
	CHECK(ret == 0, "4095-byte symlink target accepted (%s)", err.msg);
	if (!ret)
		eseal_tree_free(t);
	p = text + sprintf(text, ROOT "/l 4096 120777 1 0 0 0 0.0 ");
	memset(p, 't', 4096);
	strcpy(p + 4096, " - -\n");
	ret = parse(text, 0, &t, &err);
	CHECK(ret < 0 && strstr(err.msg, "longer than 4095"),
	      "4096-byte symlink target refused: %s", err.msg);
	free(text);
}

int main(void)
{
	test_fields();
	test_bad();
	test_lenient();
	test_nul();
	test_limits();
	return test_done();
}
