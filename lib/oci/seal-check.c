// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The seals of a manifest checked (sealed.c tells the whole way): every
 * signature of a seal and the manifest's and config's digests, from those
 * documents and the artifacts alone; then, for the seal that held, the
 * EROFS regenerated from the layers and its digest compared.
 */
#include <stdio.h>
#include <stdlib.h>

#include "oci.h"

/* ---- verify: the seals ----------------------------------------------------- */

static const char *const role_what[OCI_N_ROLES] = {
	[OCI_ROLE_MANIFEST] = "manifest",
	[OCI_ROLE_CONFIG] = "config",
	[OCI_ROLE_MERGED] = "EROFS image",
	[OCI_ROLE_BOOTABLE] = "bootable EROFS image",
};

/* Does the seal hold for these documents (signatures only)? */
static enum eseal_verify_class check_seal(const struct oci_seal *s,
					  const struct oci_docs *d,
					  const struct eseal_trust *trust,
					  struct eseal_sig_info *info,
					  struct eseal_error *err)
{
	enum eseal_verify_class cls, worst = ESEAL_VERIFY_OK;
	struct eseal_error e = { 0 };
	struct eseal_sig_info si;
	struct eseal_digest got;
	char a[2 * ESEAL_DIGEST_MAX + 1], b[2 * ESEAL_DIGEST_MAX + 1];
	int i, r;

	if (!s->inline_mode &&
	    (strcmp(s->subject.digest.str, d->img.desc.digest.str) ||
	     s->subject.size != d->mlen)) {
		eseal_errorf(err, EINVAL,
			     "the seal is for manifest %s (%llu bytes), not this one, %s (%zu bytes)",
			     s->subject.digest.str,
			     (unsigned long long)s->subject.size,
			     d->img.desc.digest.str, d->mlen);
		return ESEAL_VERIFY_BAD;
	}
	for (i = OCI_ROLE_MANIFEST; i <= OCI_ROLE_CONFIG; i++) {
		if (!s->item[i].present)
			continue;
		r = i == OCI_ROLE_MANIFEST ?
			    eseal_fsverity_digest_buf(d->mbuf, d->mlen, s->alg,
						      &got) :
			    eseal_fsverity_digest_buf(d->cbuf, d->clen, s->alg,
						      &got);
		if (r) {
			eseal_errorf(err, -r, "hashing the %s failed",
				     role_what[i]);
			return ESEAL_VERIFY_ERROR;
		}
		if (memcmp(got.bytes, s->item[i].digest.bytes, got.size)) {
			eseal_digest_hex(&got, a);
			eseal_digest_hex(&s->item[i].digest, b);
			eseal_errorf(err, EINVAL,
				     "the %s's fs-verity digest is %s:%s, the seal signs %s:%s",
				     role_what[i], eseal_hash_name(s->alg), a,
				     eseal_hash_name(s->alg), b);
			return ESEAL_VERIFY_BAD;
		}
	}
	for (i = 0; i < OCI_N_ROLES; i++) {
		if (!s->item[i].present)
			continue;
		si = (struct eseal_sig_info)ESEAL_SIG_INFO_INIT;
		r = eseal_verify_digest(trust, &s->item[i].digest,
					s->item[i].sig, s->item[i].sig_len,
					&si, &e);
		cls = eseal_verify_class(r);
		if (i == OCI_ROLE_MERGED)
			*info = si;
		if (cls == ESEAL_VERIFY_OK || (worst != ESEAL_VERIFY_OK &&
					       worst != ESEAL_VERIFY_ERROR &&
					       cls != ESEAL_VERIFY_BAD))
			continue;
		if (worst == ESEAL_VERIFY_BAD)
			continue;
		worst = cls;
		eseal_errorf(err, e.code, "the %s's signature: %s",
			     role_what[i], e.msg[0] ? e.msg : strerror(-r));
	}
	return worst;
}

/* What the seal is, for messages */
static void seal_name(const struct oci_seal *s, char *buf, size_t size)
{
	if (s->inline_mode)
		snprintf(buf, size, "inline %s seal", eseal_hash_name(s->alg));
	else
		snprintf(buf, size, "%s seal %s", eseal_hash_name(s->alg),
			 s->artifact.str);
}

/* verdict order when no seal holds: a bad one first, then untrusted */
static int rank(enum eseal_verify_class c)
{
	return c == ESEAL_VERIFY_BAD ? 3 : c == ESEAL_VERIFY_UNTRUSTED ? 2 : 1;
}

/*
 * The first seal of f that holds: its index, or -1 with res->verdict and
 * the message of the most telling failure.
 */
static int pick_seal(const struct oci_found *f, const struct oci_docs *d,
		     const struct eseal_oci_verify_opts *o,
		     struct eseal_oci_verify_result *res,
		     struct eseal_error *err)
{
	enum eseal_verify_class cls, best = ESEAL_VERIFY_ERROR;
	struct eseal_error e, first = { 0 };
	struct eseal_sig_info si = ESEAL_SIG_INFO_INIT;
	char name[200];
	size_t i;
	int have = 0;

	res->seals = (unsigned int)(f->n + f->n_bad);
	for (i = 0; i < f->n_bad; i++)
		if (rank(ESEAL_VERIFY_BAD) > have) {
			have = rank(ESEAL_VERIFY_BAD);
			best = ESEAL_VERIFY_BAD;
			first = f->bad[i];
		}
	for (i = 0; i < f->n; i++) {
		memset(&e, 0, sizeof(e));
		cls = check_seal(&f->seals[i], d, o->trust, &si, &e);
		if (cls == ESEAL_VERIFY_OK) {
			snprintf(res->signer, sizeof(res->signer), "%s",
				 si.signer);
			snprintf(res->key, sizeof(res->key), "%s", si.key);
			return (int)i;
		}
		if (rank(cls) > have) {
			have = rank(cls);
			best = cls;
			seal_name(&f->seals[i], name, sizeof(name));
			eseal_errorf(&first, e.code, "%s: %s", name, e.msg);
		}
	}
	if (!f->n && !f->n_bad) {
		char tag[OCI_REF_TAG_MAX];

		oci_referrers_tag(&d->img.desc.digest, tag);
		best = ESEAL_VERIFY_BAD;
		eseal_errorf(&first, ENOKEY,
			     "manifest %s is not sealed%s%s: no composefs artifact under the referrers tag %s, no inline annotations",
			     d->img.desc.digest.str, o->hash_alg ? " with " : "",
			     o->hash_alg ? eseal_hash_name(o->hash_alg) : "",
			     tag);
	}
	res->verdict = best;
	if (res->seals > 1)
		eseal_errorf(err, first.code ? first.code : EINVAL,
			     "none of %u seals holds; %s", res->seals,
			     first.msg);
	else
		*err = first;
	return -1;
}

/* The seal held: what the result tells */
static int seal_held(const struct oci_seal *s,
		     struct eseal_oci_verify_result *res,
		     struct eseal_error *err)
{
	const struct oci_seal_item *m = &s->item[OCI_ROLE_MERGED];

	res->inline_mode = s->inline_mode;
	res->merged = m->digest;
	snprintf(res->artifact, sizeof(res->artifact), "%s",
		 s->inline_mode ? "" : s->artifact.str);
	res->signature = malloc(m->sig_len);
	if (!res->signature)
		return eseal_errorf(err, ENOMEM, "out of memory");
	memcpy(res->signature, m->sig, m->sig_len);
	res->signature_len = m->sig_len;
	return 0;
}

int oci_choose_seal(const struct oci_found *f, const struct oci_docs *d,
		    const struct eseal_oci_verify_opts *o,
		    struct eseal_oci_verify_result *res, struct eseal_error *err)
{
	int i = pick_seal(f, d, o, res, err), r;

	if (i < 0)
		return -EKEYREJECTED;
	r = seal_held(&f->seals[i], res, err);
	return r ? r : i;
}

int oci_regenerate(const char *layout, const struct oci_docs *d,
		   const struct oci_seal *s,
		   const struct eseal_oci_verify_opts *o,
		   struct eseal_oci_verify_result *res, struct eseal_error *err)
{
	char a[2 * ESEAL_DIGEST_MAX + 1], b[2 * ESEAL_DIGEST_MAX + 1];
	struct eseal_store_stats st = ESEAL_STORE_STATS_INIT;
	struct eseal_digest got;
	int r;

	r = oci_generate(layout, &d->img.desc.digest, s->alg, o->store_dir,
			 o->writer, o->image_fd, &got, &st,
			 &res->layers_replayed, err);
	res->objects_new = st.objects_new;
	res->objects_existing = st.objects_existing;
	if (r) {
		/* what cannot be read is 4; content that is wrong is bad */
		res->verdict = r == -ENOENT || r == -EIO || r == -EACCES ||
					       r == -ENOSPC || r == -ENOMEM ||
					       r == -EROFS || r == -EPERM ?
				       ESEAL_VERIFY_ERROR :
				       ESEAL_VERIFY_BAD;
		return r;
	}
	if (memcmp(got.bytes, s->item[OCI_ROLE_MERGED].digest.bytes,
		   got.size)) {
		eseal_digest_hex(&got, a);
		eseal_digest_hex(&s->item[OCI_ROLE_MERGED].digest, b);
		res->verdict = ESEAL_VERIFY_BAD;
		return eseal_errorf(err, EKEYREJECTED,
				    "the layers give an EROFS image of digest %s:%s, the seal signs %s:%s",
				    eseal_hash_name(s->alg), a,
				    eseal_hash_name(s->alg), b);
	}
	return 0;
}

int oci_verify_layout(const struct eseal_source *src,
		      const struct eseal_oci_verify_opts *o,
		      struct eseal_oci_verify_result *res,
		      struct eseal_error *err)
{
	struct oci_layout *l = NULL;
	struct oci_found f = { 0 };
	struct oci_docs d = { 0 };
	int r, i;

	res->verdict = ESEAL_VERIFY_ERROR;
	r = oci_layout_open(src->path, src->kind == ESEAL_SOURCE_OCI_ARCHIVE,
			    &l, err);
	if (!r)
		r = oci_docs_from_layout(l, src->ref, o->platform, &d, err);
	if (!r) {
		snprintf(res->manifest, sizeof(res->manifest), "%s",
			 d.img.desc.digest.str);
		res->layers = (unsigned int)d.img.manifest.n_layers;
		r = oci_find_seals(l, &d.img.desc, d.mbuf, d.mlen, o->hash_alg,
				   &f, err);
	}
	if (r) {
		/* a blob that is not what its digest says is bad content */
		if (r == -EINVAL)
			res->verdict = ESEAL_VERIFY_BAD;
		goto out;
	}
	r = i = oci_choose_seal(&f, &d, o, res, err);
	if (i >= 0)
		r = oci_regenerate(src->path, &d, &f.seals[i], o, res, err);
	if (!r)
		res->verdict = ESEAL_VERIFY_OK;
out:
	oci_found_fini(&f);
	oci_docs_fini(&d);
	oci_layout_close(l);
	return r;
}

