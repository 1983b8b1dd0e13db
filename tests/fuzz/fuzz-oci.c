// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * libFuzzer target: the tar and OCI readers (lib/oci/).  The first byte
 * picks what the rest is:
 *
 *   0  a tar layer (any compression), as tar:-, plain rules
 *   1  the same with the canonical OCI rules
 *   2  an oci-archive (a tar of an image layout), as oci-archive:FILE
 *   3  an image index, 4 a manifest, 5 a config (the JSON parsers)
 *
 * Any input must be refused with a message, or give a tree that the image
 * writer writes (or refuses with a message) and whose image reads back
 * into a tree that writes the very same bytes.  Nothing is stored: the
 * readers only hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "erofs-seal.h"
#include "oci/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void __attribute__((noreturn)) fail(const char *what,
					   const struct eseal_error *err)
{
	fprintf(stderr, "round trip broken: %s: %s\n", what,
		err ? err->msg : "");
	abort();
}

/* The image of tree in a malloc'd buffer, or NULL when it is refused */
static uint8_t *image(struct eseal_tree *tree, size_t *len)
{
	struct eseal_image_opts opts = ESEAL_IMAGE_OPTS_INIT;
	struct eseal_error err = { 0 };
	int fd = memfd_create("fuzz-oci-img", MFD_CLOEXEC);
	uint8_t *buf;
	off_t end;

	if (fd < 0)
		abort();
	if (eseal_image_write(tree, &opts, fd, NULL, &err) < 0) {
		if (!err.msg[0])
			fail("writer error without a message", &err);
		close(fd);
		return NULL;
	}
	end = lseek(fd, 0, SEEK_END);
	buf = malloc(end > 0 ? (size_t)end : 1);
	if (!buf || pread(fd, buf, (size_t)end, 0) != end)
		abort();
	close(fd);
	*len = (size_t)end;
	return buf;
}

static void round_trip(struct eseal_tree *tree)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *back = NULL;
	uint8_t *a, *b;
	size_t alen = 0, blen = 0;

	a = image(tree, &alen);
	if (!a)
		return;
	if (eseal_tree_from_image(a, alen, &back, &err) < 0)
		fail("our own image does not load", &err);
	b = image(back, &blen);
	if (!b || alen != blen || memcmp(a, b, alen))
		fail("image -> tree -> image differs", NULL);
	eseal_tree_free(back);
	free(a);
	free(b);
}

static void source(int kind, unsigned int flags, const uint8_t *data,
		   size_t size)
{
	struct eseal_oci_opts opts = ESEAL_OCI_OPTS_INIT;
	struct eseal_error err = { 0 };
	struct eseal_source src = ESEAL_SOURCE_INIT;
	struct eseal_tree *tree = NULL;
	char path[64];
	int fd = memfd_create("fuzz-oci-src", MFD_CLOEXEC);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	src.kind = kind;
	src.path = kind == ESEAL_SOURCE_TAR ? "-" : path;
	src.fd = fd;
	opts.flags = flags;
	opts.max_size = 64 << 20;	/* keep bombs quick */
	opts.max_entries = 100000;
	if (eseal_tree_from_source(&src, &opts, &tree, NULL, &err) < 0) {
		if (!err.msg[0] || tree)
			fail("reader error without a message", &err);
	} else {
		round_trip(tree);
		eseal_tree_free(tree);
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eseal_error err = { 0 };
	struct oci_index idx;
	struct oci_manifest man;
	struct oci_config cfg;

	if (!size)
		return 0;
	switch (data[0] % 6) {
	case 0:
		source(ESEAL_SOURCE_TAR, 0, data + 1, size - 1);
		break;
	case 1:
		source(ESEAL_SOURCE_TAR, ESEAL_OCI_RULES, data + 1, size - 1);
		break;
	case 2:
		source(ESEAL_SOURCE_OCI_ARCHIVE, 0, data + 1, size - 1);
		break;
	case 3:
		if (oci_index_parse(data + 1, size - 1, "fuzz", &idx, &err))
			err.msg[0] ? (void)0 : fail("index: no message", &err);
		else
			oci_index_fini(&idx);
		break;
	case 4:
		if (oci_manifest_parse(data + 1, size - 1, "fuzz", &man, &err))
			err.msg[0] ? (void)0 : fail("manifest: no message", &err);
		else
			oci_manifest_fini(&man);
		break;
	case 5:
		if (oci_config_parse(data + 1, size - 1, "fuzz", &cfg, &err))
			err.msg[0] ? (void)0 : fail("config: no message", &err);
		else
			oci_config_fini(&cfg);
		break;
	}
	return 0;
}
