// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The object store's lifecycle, below the commands: what its names are
 * (store-names.c), the set gc marks in (digest-set.c), and the lock
 * protocol as the library keeps it (store-lock.c, store-writer.c): a
 * caller's writer holds the lock across the library's calls until it is
 * closed, a gc cannot take it meanwhile, a writer cannot while a gc has
 * it.  flock(2) locks belong to open files, so one process shows it all.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest-set.h"
#include "objstore.h"
#include "store-lock.h"
#include "store-walk.h"
#include "test.h"

#define HEX62 "00112233445566778899aabbccddeeff00112233445566778899aabbccddee"

static void test_names(void)
{
	struct eseal_digest d;
	unsigned int fan = 999;

	CHECK(store_root_kind("ab", &fan) == STORE_ROOT_FANOUT && fan == 0xab,
	      "'ab' is fan-out directory 0xab");
	CHECK(store_root_kind("AB", &fan) == STORE_ROOT_OTHER &&
	      store_root_kind("abc", &fan) == STORE_ROOT_OTHER &&
	      store_root_kind("g0", &fan) == STORE_ROOT_OTHER,
	      "upper case, three digits, a non-hex digit: not fan-outs");
	CHECK(store_root_kind(".erofs-seal", &fan) == STORE_ROOT_META &&
	      store_root_kind(".quarantine", &fan) == STORE_ROOT_QUARANTINE &&
	      store_root_kind("lost+found", &fan) == STORE_ROOT_LOST_FOUND &&
	      store_root_kind(".tmp-a1b2c3", &fan) == STORE_ROOT_TMP &&
	      store_root_kind(".tmp-", &fan) == STORE_ROOT_OTHER &&
	      store_root_kind("images", &fan) == STORE_ROOT_OTHER,
	      "the store's reserved names, and others");
	CHECK(store_name_kind(0xab, HEX62, &d) == STORE_NAME_OBJECT &&
	      d.alg == ESEAL_HASH_SHA256 && d.size == 32 &&
	      d.bytes[0] == 0xab && d.bytes[1] == 0x00 && d.bytes[31] == 0xee,
	      "a sha256 object name and its digest");
	CHECK(store_name_kind(0x01, HEX62 HEX62 "00", &d) == STORE_NAME_OBJECT &&
	      d.alg == ESEAL_HASH_SHA512 && d.size == 64,
	      "a sha512 object name (126 digits)");
	CHECK(store_name_kind(0xab, HEX62 ".merkle", &d) == STORE_NAME_TREE &&
	      d.bytes[0] == 0xab, "its Merkle tree file");
	CHECK(store_name_kind(0xab, ".tmp-xyz123", &d) == STORE_NAME_TMP,
	      "a temporary file");
	CHECK(store_name_kind(0xab, HEX62 "0", &d) == STORE_NAME_OTHER &&
	      store_name_kind(0xab, "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddee", &d) == STORE_NAME_OTHER &&
	      store_name_kind(0xab, HEX62 ".merkle.bak", &d) == STORE_NAME_OTHER &&
	      store_name_kind(0xab, ".merkle", &d) == STORE_NAME_OTHER,
	      "wrong length, upper case, other suffixes: no store names");
	CHECK(store_payload_digest("ab/" HEX62, &d) == 0 && d.bytes[0] == 0xab,
	      "a payload names an object");
	CHECK(store_payload_digest("ab/cd/" HEX62, &d) == -EINVAL &&
	      store_payload_digest("foo/bar", &d) == -EINVAL &&
	      store_payload_digest("ab", &d) == -EINVAL,
	      "other payloads name no object");
	CHECK(!strcmp(eseal_store_problem_name(ESEAL_PROBLEM_CONTENT), "content") &&
	      !strcmp(eseal_store_problem_name(ESEAL_PROBLEM_UNREADABLE), "unreadable") &&
	      !eseal_store_problem_name(0) && !eseal_store_problem_name(99) &&
	      !strcmp(eseal_store_action_name(ESEAL_ACTION_NONE), "none") &&
	      !strcmp(eseal_store_action_name(ESEAL_ACTION_FAILED), "failed") &&
	      !eseal_store_action_name(-1),
	      "problem and action words");
}

static void test_set(void)
{
	struct digest_set s = { 0 };
	struct eseal_digest d = { .alg = ESEAL_HASH_SHA256, .size = 32 };
	struct digest_ent *e;
	bool added, ok = true;
	unsigned int i;

	for (i = 0; i < 5000 && ok; i++) {
		memset(d.bytes, 0, sizeof(d.bytes));
		memcpy(d.bytes, &i, sizeof(i));
		d.bytes[31] = 7;
		e = digest_set_add(&s, &d, &added);
		ok = e && added;
		if (ok)
			e->size = i;
	}
	CHECK(ok && s.n == 5000, "5000 digests added (the set grew)");
	for (i = 0; i < 5000 && ok; i++) {
		memset(d.bytes, 0, sizeof(d.bytes));
		memcpy(d.bytes, &i, sizeof(i));
		d.bytes[31] = 7;
		e = digest_set_find(&s, &d);
		ok = e && e->size == i;
		e = digest_set_add(&s, &d, &added);
		ok = ok && e && !added;
	}
	CHECK(ok && s.n == 5000, "each is found again, with its data, once");
	d.bytes[31] = 8;
	CHECK(!digest_set_find(&s, &d), "another digest is not found");
	d.size = 64;
	d.bytes[31] = 7;
	CHECK(!digest_set_find(&s, &d),
	      "a sha512 digest with the same first bytes is another");
	digest_set_free(&s);
	CHECK(!digest_set_find(&s, &d), "an empty set finds nothing");
}

static void test_lock(void)
{
	char dir[] = "/tmp/eseal-lock-XXXXXX", path[256];
	struct eseal_store_opts so = ESEAL_STORE_OPTS_INIT;
	struct eseal_gc_opts go = ESEAL_GC_OPTS_INIT;
	struct eseal_store_writer *w = NULL, *w2 = NULL;
	struct eseal_error err = { 0 };
	struct eseal_objstore *st = NULL;
	struct stat sb;
	int fd, lfd, r;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	r = eseal_store_writer_open(dir, 0, &w, &err);
	snprintf(path, sizeof(path), "%s/%s", dir, ESEAL_STORE_LOCK);
	CHECK(r == 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode),
	      "a writer creates the lock file (%s)", err.msg);
	r = eseal_store_writer_open(dir, ESEAL_STORE_NO_WAIT, &w2, &err);
	CHECK(r == 0, "a second writer shares the lock (%s)", err.msg);
	eseal_store_writer_close(w2);

	/* a library call that adds objects keeps the caller's lock */
	so.writer = w;
	r = eseal_objstore_from_opts(&so, &st, &err);
	CHECK(r == 0 && st, "the objects go to the writer's store");
	eseal_objstore_close(st);
	go.flags = ESEAL_GC_ALL | ESEAL_GC_NO_WAIT;
	r = eseal_store_gc(dir, &go, NULL, &err);
	CHECK(r == -EWOULDBLOCK && strstr(err.msg, "is locked by"),
	      "gc --no-wait while the writer is open: %s", err.msg);
	eseal_store_writer_close(w);
	r = eseal_store_gc(dir, &go, NULL, &err);
	CHECK(r == 0, "gc once it is closed (%s)", err.msg);

	/* a gc holds it: a writer that may not wait is refused */
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	r = eseal_store_lock(fd, dir, STORE_LOCK_EXCLUSIVE, "a gc", &lfd,
			     &err);
	CHECK(r == 0 && lfd >= 0, "the exclusive lock (%s)", err.msg);
	r = eseal_store_writer_open(dir, ESEAL_STORE_NO_WAIT, &w, &err);
	CHECK(r == -EWOULDBLOCK && strstr(err.msg, "a gc or fsck --repair"),
	      "a writer that may not wait, while a gc runs: %s", err.msg);
	r = eseal_objstore_open_flags(dir, ESEAL_STORE_NO_WAIT, &st, &err);
	CHECK(r == -EWOULDBLOCK,
	      "... so is every writer of the library (eseal_objstore_open)");
	close(lfd);
	r = eseal_store_writer_open(dir, ESEAL_STORE_NO_WAIT, &w, &err);
	CHECK(r == 0, "... and it gets the lock once the gc is done");
	eseal_store_writer_close(w);

	/* the lock file is never followed if it is a symlink */
	unlink(path);
	if (symlink("/etc/hostname", path) == 0) {
		r = eseal_store_writer_open(dir, 0, &w, &err);
		CHECK(r == -ELOOP && strstr(err.msg, "is a symbolic link"),
		      "a symlinked lock file is refused: %s", err.msg);
		unlink(path);
	}
	close(fd);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "# cleanup failed\n");
}

int main(void)
{
	test_names();
	test_set();
	test_lock();
	return test_done();
}
