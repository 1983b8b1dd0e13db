// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Unit tests of the seal documents (lib/oci/seal.c, referrers.c): the
 * annotation keys, the artifact and inline forms made and read back, and
 * each rule a registry's document must follow to be read at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/oci.h"
#include "test.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define EMPTY_CFG                                                            \
	"{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" \
	OCI_EMPTY_DIGEST "\",\"size\":2}"
#define SUBJECT                                                              \
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","    \
	"\"digest\":\"sha256:" H64 "\",\"size\":347}"

/* an artifact whose layers carry these annotation objects */
static char *artifact(const char *cfg, const char *const *anns, size_t n)
{
	static char buf[8192];
	size_t i, off;

	off = (size_t)snprintf(buf, sizeof(buf),
			       "{\"schemaVersion\":2,\"artifactType\":\"%s\","
			       "\"config\":%s,\"layers\":[",
			       ESEAL_OCI_ARTIFACT_TYPE, cfg);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
					"%s{\"mediaType\":\"%s\",\"digest\":\"sha256:" H64
					"\",\"size\":300,\"annotations\":%s}",
					i ? "," : "", ESEAL_OCI_SIGNATURE_TYPE,
					anns[i]);
	snprintf(buf + off, sizeof(buf) - off, "],\"subject\":" SUBJECT "}");
	return buf;
}

static int parse(const char *s, struct oci_seal *out, struct eseal_error *err)
{
	memset(err, 0, sizeof(*err));
	return oci_artifact_parse(s, strlen(s), "a", out, err);
}

#define M256 "{\"composefs.manifest.fsverity-sha256-12\":\"" H64 "\"}"
#define C256 "{\"composefs.config.fsverity-sha256-12\":\"" H64 "\"}"
#define E256 "{\"composefs.merged.erofs.v1.fsverity-sha256-12\":\"" H64 "\"}"
#define E512 "{\"composefs.merged.erofs.v1.fsverity-sha512-12\":\"" H64 H64 "\"}"

static void test_keys(void)
{
	char key[OCI_KEY_MAX], tag[OCI_REF_TAG_MAX];
	struct oci_digest d;

	CHECK(!strcmp(oci_role_key(OCI_ROLE_MERGED, ESEAL_HASH_SHA512, key),
		      "composefs.merged.erofs.v1.fsverity-sha512-12"),
	      "merged key: %s", key);
	CHECK(!strcmp(oci_role_key(OCI_ROLE_CONFIG, ESEAL_HASH_SHA256, key),
		      "composefs.config.fsverity-sha256-12"),
	      "config key: %s", key);
	CHECK(!strcmp(oci_role_key(OCI_ROLE_BOOTABLE, ESEAL_HASH_SHA256, key),
		      "composefs.merged.bootable.erofs.v1.fsverity-sha256-12"),
	      "bootable key: %s", key);
	oci_digest_parse("sha256:" H64, 71, &d);
	oci_referrers_tag(&d, tag);
	CHECK(!strcmp(tag, "sha256-" H64), "referrers tag: %s", tag);
	CHECK(oci_is_referrers_tag(tag) && !oci_is_referrers_tag("sha256-12") &&
		      !oci_is_referrers_tag("latest") &&
		      !oci_is_referrers_tag("sha256:" H64),
	      "referrers tags are told from other tags");
}

static void test_artifact(void)
{
	const char *good[] = { M256, C256, E256 };
	struct eseal_error err;
	struct oci_seal s, s2;
	uint8_t *buf = NULL;
	size_t len;
	int i;

	CHECK(parse(artifact(EMPTY_CFG, good, 3), &s, &err) == 0 &&
		      s.alg == ESEAL_HASH_SHA256 &&
		      s.item[OCI_ROLE_MERGED].present &&
		      !s.item[OCI_ROLE_BOOTABLE].present &&
		      s.subject.size == 347,
	      "an artifact with manifest, config and merged: %s", err.msg);
	for (i = 0; i < OCI_N_ROLES; i++)
		if (s.item[i].present) {
			s.item[i].sig = (uint8_t *)strdup("sig");
			s.item[i].sig_len = 3;
		}
	CHECK(oci_artifact_make(&s, &s.subject, &buf, &len, &err) == 0 &&
		      oci_artifact_parse(buf, len, "again", &s2, &err) == 0 &&
		      !memcmp(s2.item[OCI_ROLE_MERGED].digest.bytes,
			      s.item[OCI_ROLE_MERGED].digest.bytes, 32) &&
		      s2.item[OCI_ROLE_CONFIG].blob.size == 3 &&
		      !strcmp(s2.subject.digest.str, s.subject.digest.str),
	      "made again, it reads back the same");
	CHECK(buf && strstr((char *)buf, "\"artifactType\":\"" ESEAL_OCI_ARTIFACT_TYPE) &&
		      strstr((char *)buf, OCI_EMPTY_DIGEST),
	      "artifactType and the empty config written");
	free(buf);
	oci_seal_fini(&s);
	oci_seal_fini(&s2);
}

static void test_artifact_refused(void)
{
	static const struct {
		const char *what, *cfg, *anns[4], *msg;
		size_t n;
		int ret;
	} cases[] = {
		{ "config before manifest", EMPTY_CFG, { C256, M256, E256 },
		  "out of order", 3, -EINVAL },
		{ "a role twice", EMPTY_CFG, { M256, C256, C256, E256 },
		  "out of order", 4, -EINVAL },
		{ "no merged signature", EMPTY_CFG, { M256, C256 },
		  "no composefs.merged", 2, -EINVAL },
		{ "no manifest signature", EMPTY_CFG, { C256, E256 },
		  "no composefs.manifest", 2, -EINVAL },
		{ "two algorithms", EMPTY_CFG, { M256, C256, E512 },
		  "one algorithm", 3, -EINVAL },
		{ "a config that is not the empty one",
		  "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		  "\"digest\":\"sha256:" H64 "\",\"size\":2}",
		  { M256, C256, E256 }, "empty descriptor", 3, -EINVAL },
		{ "64 KiB blocks", EMPTY_CFG,
		  { M256, C256,
		    "{\"composefs.merged.erofs.v1.fsverity-sha256-16\":\"" H64 "\"}" },
		  "unknown composefs annotation", 3, -EINVAL },
		{ "two composefs annotations on a layer", EMPTY_CFG,
		  { M256, C256,
		    "{\"composefs.merged.erofs.v1.fsverity-sha256-12\":\"" H64
		    "\",\"composefs.config.fsverity-sha256-12\":\"" H64 "\"}" },
		  "two composefs annotations", 3, -EINVAL },
		{ "well-formed (the control case)", EMPTY_CFG,
		  { M256, C256,
		    "{\"composefs.merged.erofs.v1.fsverity-sha256-12\":\"" H64
		    "\"}" },
		  NULL, 3, 0 },
		{ "a short digest", EMPTY_CFG,
		  { M256, C256,
		    "{\"composefs.merged.erofs.v1.fsverity-sha256-12\":\"0123\"}" },
		  "lowercase hex", 3, -EINVAL },
	};
	struct eseal_error err;
	struct oci_seal s;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = parse(artifact(cases[i].cfg, cases[i].anns, cases[i].n), &s,
			  &err);
		CHECK(r == cases[i].ret &&
			      (!cases[i].msg || strstr(err.msg, cases[i].msg)),
		      "%s: %s", cases[i].what, r ? err.msg : "accepted");
		if (!r)
			oci_seal_fini(&s);
	}
	{
		char *a = artifact(EMPTY_CFG, (const char *[]){ M256, C256, E256 },
				   3);
		char *p = strstr(a, H64 "\"}}]");

		/* uppercase hex in the merged digest */
		if (p)
			p[10] = 'A';
		CHECK(parse(a, &s, &err) == -EINVAL &&
			      strstr(err.msg, "lowercase hex"),
		      "an uppercase hex digit: %s", err.msg);
	}
	CHECK(parse("{\"schemaVersion\":2,\"artifactType\":\"application/spdx+json\"}",
		    &s, &err) == -ENOMSG,
	      "another artifactType is no composefs artifact (-ENOMSG)");
}

static void test_inline(void)
{
	const char *man =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		"\"digest\":\"sha256:" H64 "\",\"size\":9},\"layers\":[],\"x-keep\":7}";
	struct eseal_error err = { 0 };
	struct oci_seal s = { 0 }, s2;
	uint8_t *buf = NULL;
	size_t len;
	char *bad;

	CHECK(oci_inline_parse(man, strlen(man), "m", ESEAL_HASH_SHA256, &s2,
			       &err) == -ENOENT,
	      "an unsealed manifest has no inline seal (-ENOENT)");
	s.alg = ESEAL_HASH_SHA256;
	s.inline_mode = true;
	s.item[OCI_ROLE_CONFIG].present = s.item[OCI_ROLE_MERGED].present = true;
	s.item[OCI_ROLE_CONFIG].digest.size = s.item[OCI_ROLE_MERGED].digest.size = 32;
	s.item[OCI_ROLE_MERGED].digest.bytes[0] = 0xab;
	s.item[OCI_ROLE_CONFIG].sig = (uint8_t *)strdup("config-sig");
	s.item[OCI_ROLE_CONFIG].sig_len = 10;
	s.item[OCI_ROLE_MERGED].sig = (uint8_t *)strdup("\x01\x02\xff");
	s.item[OCI_ROLE_MERGED].sig_len = 3;
	CHECK(oci_inline_make(man, strlen(man), "m", &s, &buf, &len, &err) == 0 &&
		      oci_inline_parse(buf, len, "m2", ESEAL_HASH_SHA256, &s2,
				       &err) == 0 &&
		      s2.item[OCI_ROLE_MERGED].digest.bytes[0] == 0xab &&
		      s2.item[OCI_ROLE_MERGED].sig_len == 3 &&
		      !memcmp(s2.item[OCI_ROLE_MERGED].sig, "\x01\x02\xff", 3) &&
		      s2.item[OCI_ROLE_CONFIG].sig_len == 10,
	      "an inline seal written and read back: %s", err.msg);
	oci_seal_fini(&s2);
	CHECK(buf && strstr((char *)buf, "\"x-keep\":7") &&
		      strstr((char *)buf, "fsverity-sha256-12.sig\":\"AQL/\""),
	      "other fields kept, signatures in base64");
	CHECK(oci_inline_parse(buf, len, "m2", ESEAL_HASH_SHA512, &s2, &err) ==
		      -ENOENT,
	      "no sha512 inline seal there");
	bad = buf ? strstr((char *)buf, "AQL/") : NULL;
	if (bad)
		bad[1] = '*';
	CHECK(bad && oci_inline_parse(buf, len, "m3", ESEAL_HASH_SHA256, &s2,
				      &err) == -EINVAL &&
		      strstr(err.msg, "not base64"),
	      "a signature that is not base64: %s", err.msg);
	free(buf);
	oci_seal_fini(&s);
}

int main(void)
{
	test_keys();
	test_artifact();
	test_artifact_refused();
	test_inline();
	return test_done();
}
