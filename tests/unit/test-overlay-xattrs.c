// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The xattr rules of a composefs image (lib/format/overlay-xattrs.c), which
 * the writer encodes and the reader decodes: what one writes the other
 * reads back, and the reader takes nothing else.
 */
#include <string.h>

#include "erofs_fs.h"
#include "overlay-xattrs.h"
#include "test.h"

static void test_prefixes(void)
{
	static const struct {
		const char *key;
		uint8_t index, len;
	} cases[] = {
		{ "user.mime", EROFS_XATTR_INDEX_USER, 5 },
		{ "system.posix_acl_access", EROFS_XATTR_INDEX_POSIX_ACL_ACCESS, 23 },
		{ "system.posix_acl_default", EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT, 24 },
		{ "trusted.overlay.opaque", EROFS_XATTR_INDEX_TRUSTED, 8 },
		{ "security.selinux", EROFS_XATTR_INDEX_SECURITY, 9 },
		/* composefs never uses lustre.: the name is stored whole */
		{ "lustre.lov", EROFS_XATTR_INDEX_NONE, 0 },
		{ "system.other", EROFS_XATTR_INDEX_NONE, 0 },
		{ "userx", EROFS_XATTR_INDEX_NONE, 0 },
	};
	uint8_t len;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t index = eseal_xattr_index(cases[i].key, &len);
		const char *p = eseal_xattr_prefix(index);

		CHECK(index == cases[i].index && len == cases[i].len,
		      "%s is stored under index %u, %u bytes (%u, %u)",
		      cases[i].key, cases[i].index, cases[i].len, index, len);
		CHECK(p && strlen(p) == len && !strncmp(p, cases[i].key, len),
		      "... and that index reads back as its prefix '%s'",
		      p ? p : "(null)");
	}
	CHECK(!strcmp(eseal_xattr_prefix(EROFS_XATTR_INDEX_LUSTRE), "lustre."),
	      "the reader knows lustre.");
	CHECK(!eseal_xattr_prefix(7) && !eseal_xattr_prefix(255),
	      "an index EROFS does not define has no prefix");
}

static void test_escape(void)
{
	char out[64], key[64];
	size_t len;

	CHECK(eseal_ovl_is_trusted("trusted.overlay.opaque") &&
	      !eseal_ovl_is_trusted("trusted.overlayx") &&
	      !eseal_ovl_is_trusted("user.overlay.opaque"),
	      "the overlay's trusted namespace is trusted.overlay.");
	len = eseal_ovl_escape("trusted.overlay.metacopy", out);
	CHECK(len == strlen(out) &&
	      !strcmp(out, "trusted.overlay.overlay.metacopy"),
	      "trusted.overlay.X is escaped as trusted.overlay.overlay.X (%s)",
	      out);
	strcpy(key, out);
	CHECK(eseal_ovl_unescape(key) &&
	      !strcmp(key, "trusted.overlay.metacopy"),
	      "... and unescaped back (%s)", key);
	strcpy(key, "trusted.overlay.redirect");
	CHECK(!eseal_ovl_unescape(key) &&
	      !strcmp(key, "trusted.overlay.redirect"),
	      "an overlay xattr that is not escaped stays as it is");
}

static void test_metacopy(void)
{
	struct eseal_digest d = { .alg = ESEAL_HASH_SHA256, .size = 32 }, back;
	uint8_t v[OVL_METACOPY_MAX];
	size_t len, i;

	for (i = 0; i < 32; i++)
		d.bytes[i] = (uint8_t)(i * 7);
	len = eseal_ovl_metacopy_encode(&d, v);
	CHECK(len == 36 && v[0] == 0 && v[1] == 36 && v[2] == 0 && v[3] == 1,
	      "a sha256 metacopy is 4 + 32 bytes: version, length, flags, alg");
	CHECK(eseal_ovl_metacopy_decode(v, len, &back) &&
	      !memcmp(&back, &d, sizeof(d)), "... and decodes to the digest");
	CHECK(eseal_ovl_metacopy_encode(NULL, v) == 0,
	      "without a digest the value is empty");
	CHECK(!eseal_ovl_metacopy_decode(v, 0, &back) &&
	      !eseal_ovl_metacopy_decode(v, 35, &back),
	      "an empty or short value holds no digest");
	d.alg = ESEAL_HASH_SHA512;
	d.size = 64;
	len = eseal_ovl_metacopy_encode(&d, v);
	CHECK(len == 68 && eseal_ovl_metacopy_decode(v, len, &back) &&
	      !memcmp(&back, &d, sizeof(d)), "a sha512 metacopy round-trips");
	v[3] = ESEAL_HASH_SHA256;
	CHECK(!eseal_ovl_metacopy_decode(v, len, &back),
	      "64 digest bytes named sha256 are refused");
}

static void test_redirect(void)
{
	char v[64];
	const char *p;
	size_t len, plen;

	len = eseal_ovl_redirect_encode("ab/cdef", v);
	CHECK(len == 8 && !strcmp(v, "/ab/cdef"), "a redirect is / + payload");
	CHECK(eseal_ovl_redirect_decode((const uint8_t *)v, len, &p, &plen) &&
	      plen == 7 && !memcmp(p, "ab/cdef", 7),
	      "... and decodes to the payload");
	CHECK(!eseal_ovl_redirect_decode((const uint8_t *)"ab/cd", 5, &p, &plen),
	      "a redirect without its / is refused");
	CHECK(!eseal_ovl_redirect_decode((const uint8_t *)"/../x", 5, &p, &plen) &&
	      !eseal_ovl_redirect_decode((const uint8_t *)"/a//b", 5, &p, &plen) &&
	      !eseal_ovl_redirect_decode((const uint8_t *)"/", 1, &p, &plen),
	      "a redirect out of the store, or empty, is refused");
}

int main(void)
{
	test_prefixes();
	test_escape();
	test_metacopy();
	test_redirect();
	return test_done();
}
