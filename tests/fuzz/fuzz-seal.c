// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * libFuzzer target: the documents of a seal, as a registry hands them over
 * (lib/oci/seal.c).  The first byte picks what the rest is:
 *
 *   0  an artifact manifest
 *   1  an image manifest with an inline sha256 seal, 2 the same, sha512
 *
 * Any input must be refused with a message, or parse.  An inline seal that
 * parses, written into the manifest again, must parse back to the same
 * digests and signatures; an artifact that parses, made again from what
 * was parsed, must parse back to the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erofs-seal.h"
#include "fuzz-print.h"
#include "oci/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct oci_seal *a, const struct oci_seal *b)
{
	int i;

	if (a->alg != b->alg)
		fuzz_fail("the algorithm changed", NULL);
	for (i = 0; i < OCI_N_ROLES; i++) {
		const struct oci_seal_item *x = &a->item[i], *y = &b->item[i];

		if (x->present != y->present)
			fuzz_fail("a role came or went", NULL);
		if (!x->present)
			continue;
		if (x->digest.size != y->digest.size ||
		    memcmp(x->digest.bytes, y->digest.bytes, x->digest.size))
			fuzz_fail("a digest changed", NULL);
		if ((x->sig || y->sig) &&
		    (x->sig_len != y->sig_len ||
		     memcmp(x->sig, y->sig, x->sig_len)))
			fuzz_fail("a signature changed", NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eseal_error err = { 0 };
	struct oci_seal s = { 0 }, s2 = { 0 };
	uint8_t *out = NULL;
	size_t len, i;
	int r, alg;

	if (size < 1)
		return 0;
	if (data[0] % 3 == 0) {
		r = oci_artifact_parse(data + 1, size - 1, "fuzz", &s, &err);
		if (r) {
			if (!err.msg[0])
				fuzz_fail("artifact refused without a message", &err);
			return 0;
		}
		/* made again: the signatures are the layers' blobs, unread */
		for (i = 0; i < OCI_N_ROLES; i++)
			if (s.item[i].present) {
				s.item[i].sig_len = 1;
				s.item[i].sig = calloc(1, 1);
			}
		if (oci_artifact_make(&s, &s.subject, &out, &len, &err) ||
		    oci_artifact_parse(out, len, "again", &s2, &err))
			fuzz_fail("a parsed artifact made again", &err);
		for (i = 0; i < OCI_N_ROLES; i++) {
			free(s.item[i].sig);
			s.item[i].sig = NULL;
		}
		same(&s, &s2);
		if (strcmp(s.subject.digest.str, s2.subject.digest.str) ||
		    s.subject.size != s2.subject.size)
			fuzz_fail("the subject changed", NULL);
		goto out;
	}
	alg = data[0] % 3 == 1 ? ESEAL_HASH_SHA256 : ESEAL_HASH_SHA512;
	r = oci_inline_parse(data + 1, size - 1, "fuzz", alg, &s, &err);
	if (r) {
		if (r != -ENOENT && !err.msg[0])
			fuzz_fail("inline seal refused without a message", &err);
		return 0;
	}
	if (oci_inline_make(data + 1, size - 1, "fuzz", &s, &out, &len, &err) ||
	    oci_inline_parse(out, len, "again", alg, &s2, &err))
		fuzz_fail("a parsed inline seal written again", &err);
	same(&s, &s2);
out:
	free(out);
	oci_seal_fini(&s);
	oci_seal_fini(&s2);
	return 0;
}
