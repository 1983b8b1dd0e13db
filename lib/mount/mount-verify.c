// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The image checks of eseal_mount(): choose the mode, refuse a signature
 * that no digest could make valid, measure the image's fs-verity digest or
 * make and hash a private copy, then check the digest pin and the
 * signature (against certificates or a kernel keyring).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "files.h"
#include "fsverity.h"
#include "io.h"
#include "mount.h"
#include "pkcs7.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

/*
 * Make dir (and missing parents) and check that it belongs to us and that
 * nobody else can change it (the run directory: mode & 022 == 0) or even
 * look into it (the private directory: mode & 077 == 0).
 */
int eseal_mount_make_dir(const char *what, const char *dir, mode_t deny,
			 struct eseal_error *err)
{
	char path[PATH_MAX];
	struct stat st;
	char *p, c;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return eseal_errorf(err, ENAMETOOLONG, "%s %s", what, dir);
	for (p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(path, c ? 0755 : 0777 & ~deny) && errno != EEXIST)
			return eseal_syserrorf(err, errno, "%s %s", what, path);
		*p = c;
		if (!c)
			break;
	}
	if (lstat(dir, &st))
		return eseal_syserrorf(err, errno, "%s %s", what, dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & deny))
		return eseal_errorf(
			err, EPERM,
			"%s %s: must be a directory owned by uid %u with mode %s",
			what, dir, (unsigned int)geteuid(),
			deny == 077 ? "0700" : "0755 or stricter");
	return 0;
}

/*
 * EROFS reads an image file through its page cache (->read_folio), which
 * tmpfs lacks: the kernel would refuse the copy with ENOTBLK, but only
 * after it was made and hashed.
 */
static int check_private_fs(struct mstate *s, struct eseal_error *err)
{
	struct statfs sf;

	if (statfs(s->privdir, &sf))
		return eseal_syserrorf(err, errno, "private directory %s",
				       s->privdir);
	if (sf.f_type == TMPFS_MAGIC)
		return eseal_errorf(
			err, ENOTBLK,
			"private directory %s: on tmpfs, which cannot back an EROFS mount; choose another with --private-dir",
			s->privdir);
	return 0;
}

/*
 * Copy the image into an unnamed file in the private directory and make
 * s->fd a read-only descriptor of it.  Once this process closes it, only
 * the kernel's EROFS mount holds the copy; nobody can reach it by path.
 */
static int make_private_copy(struct mstate *s, struct eseal_error *err)
{
	struct eseal_tmpfile t;
	int dfd, rfd, r, e;
	ssize_t n;
	off_t off = 0;
	char buf[65536];

	r = eseal_mount_make_dir("private directory", s->privdir, 077, err);
	if (!r)
		r = check_private_fs(s, err);
	if (r)
		return r;
	dfd = open(s->privdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return eseal_syserrorf(err, errno, "private copy in %s",
				       s->privdir);
	/* O_EXCL: an O_TMPFILE that can never be linked; a named one goes */
	r = eseal_tmpfile_create(&t, dfd, "copy.", O_RDWR | O_EXCL, 0400,
				 false);
	if (!r)
		eseal_tmpfile_unlink(&t);
	close(dfd);
	if (r)
		return eseal_syserrorf(err, -r, "private copy in %s",
				       s->privdir);
	for (;;) {
		n = copy_file_range(s->fd, &off, t.fd, NULL, 1 << 30, 0);
		if (n > 0)
			continue;
		if (n == 0)
			break;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
		    errno != EOPNOTSUPP) {
			e = errno;
			goto fail;
		}
		/* no in-kernel copy here: read and write */
		while ((n = eseal_pread_full(s->fd, buf, sizeof(buf),
					     (uint64_t)off)) > 0) {
			if (eseal_pwrite_full(t.fd, buf, (size_t)n,
					      (uint64_t)off) < 0) {
				e = errno;
				goto fail;
			}
			off += n;
		}
		if (n < 0) {
			e = errno;
			goto fail;
		}
		break;
	}
	rfd = eseal_tmpfile_reopen(&t, O_RDONLY);
	if (rfd < 0) {
		e = -rfd;
		goto fail;
	}
	eseal_tmpfile_discard(&t);
	close(s->fd);
	s->fd = rfd;
	return 0;
fail:
	eseal_tmpfile_discard(&t);
	return eseal_syserrorf(err, e, "private copy of %s in %s", s->image,
			       s->privdir);
}

static int check_pin(struct mstate *s, struct eseal_error *err)
{
	const struct eseal_digest *pin = s->o->digest, *d = &s->res->digest;
	char want[2 * ESEAL_DIGEST_MAX + 1], got[2 * ESEAL_DIGEST_MAX + 1];

	if (!pin)
		return 0;
	if (pin->alg != d->alg || pin->size != d->size ||
	    memcmp(pin->bytes, d->bytes, d->size)) {
		eseal_digest_hex(pin, want);
		eseal_digest_hex(d, got);
		return eseal_errorf(
			err, EKEYREJECTED,
			"digest mismatch: image %s has %s:%s, --digest wants %s:%s",
			s->image, eseal_hash_name(d->alg) ?: "?", got,
			eseal_hash_name(pin->alg) ?: "?", want);
	}
	s->res->digest_pinned = true;
	return 0;
}

/* A verifier's refusal names the step: the signer's trust, or the rest */
static int verify_step(int r, struct eseal_error *err)
{
	return eseal_error_prefix(err, "%s",
				  eseal_verify_class(r) ==
						  ESEAL_VERIFY_UNTRUSTED ?
					  "certificate" :
					  "signature");
}

/* Load --cert/--ca into s->trust */
static int load_trust(struct mstate *s, struct eseal_error *err)
{
	const struct eseal_mount_opts *o = s->o;
	int r;

	r = eseal_trust_new(&s->trust, err);
	if (!r && o->cert) {
		r = eseal_trust_add_certs(s->trust, o->cert, err);
		if (r)
			eseal_error_prefix(err, "certificate");
	}
	if (!r && o->ca) {
		r = eseal_trust_add_ca(s->trust, o->ca, err);
		if (r)
			eseal_error_prefix(err, "certificate");
	}
	return r;
}

/* Whether the --keyring check is made here (the kernel's own is not) */
static bool keyring_here(const struct mstate *s)
{
	return s->o->keyring && !(s->res->mode == ESEAL_MOUNT_MODE_KERNEL &&
				  !strcmp(s->o->keyring, ".erofs"));
}

/*
 * Everything about the signature that does not depend on the image's
 * digest, once the mode is known: that something can check it, the
 * certificates and keyring, its form and a trusted signer.  Before any
 * copy or hash, with the messages the full check would give.
 */
static int precheck_signature(struct mstate *s, struct eseal_error *err)
{
	const struct eseal_mount_opts *o = s->o;
	int r;

	if (!o->signature)
		return 0;
	if (!o->cert && !o->ca && !o->keyring) {
		if (s->res->mode == ESEAL_MOUNT_MODE_KERNEL)
			return 0;
		return eseal_errorf(
			err, EINVAL,
			"certificate: nothing to check the signature against (%s): give --cert, --ca or --keyring",
			s->buf ? "a FUSE mount is checked here" :
				 "this kernel cannot check EROFS signatures");
	}
	if (o->cert || o->ca) {
		r = load_trust(s, err);
		if (r)
			return r;
		r = eseal_verify_signers(s->trust, o->signature,
					 o->signature_len, err);
		if (r)
			return verify_step(r, err);
	}
	if (keyring_here(s))
		return eseal_keyring_precheck(o->keyring, o->signature,
					      o->signature_len, err);
	return 0;
}

/* Check the signature against --cert/--ca with the library's verifier */
static int check_with_certs(struct mstate *s, struct eseal_error *err)
{
	const struct eseal_mount_opts *o = s->o;
	struct eseal_sig_info info = ESEAL_SIG_INFO_INIT;
	int r;

	r = eseal_verify_digest(s->trust, &s->res->digest, o->signature,
				o->signature_len, &info, err);
	if (r)
		return verify_step(r, err);
	snprintf(s->res->signer, sizeof(s->res->signer), "%s", info.signer);
	return 0;
}

/*
 * The signature is checked here against --cert/--ca and --keyring; in the
 * kernel mode the kernel checks it again against .erofs when mounting.
 * precheck_signature() made sure there is something to check it with.
 */
static int check_signature(struct mstate *s, struct eseal_error *err)
{
	const struct eseal_mount_opts *o = s->o;
	int r;

	if (!o->signature)
		return 0;
	if (s->trust) {
		r = check_with_certs(s, err);
		if (r)
			return r;
	}
	if (keyring_here(s)) {
		r = eseal_keyring_verify(o->keyring, &s->res->digest,
					 o->signature, o->signature_len,
					 s->res->signer,
					 sizeof(s->res->signer), err);
		if (r)
			return r;
	}
	return 0;
}

/* Check the pin and the signature against res->digest */
static int check_digest(struct mstate *s, struct eseal_error *err)
{
	int r = check_pin(s, err);

	return r ? r : check_signature(s, err);
}

/*
 * Choose the mode from the image file's fs-verity (measuring it costs one
 * ioctl); in the kernel and fs-verity modes this is the digest.
 */
static void choose_mode(struct mstate *s)
{
	struct eseal_mount_result *res = s->res;
	unsigned int fl = s->o->flags;

	if (s->buf) {
		res->mode = ESEAL_MOUNT_MODE_FUSE;
		return;
	}
	if (!(fl & ESEAL_MOUNT_NO_FSVERITY) &&
	    eseal_verity_measure(s->fd, &res->digest) == 0) {
		res->mode =
			s->feat.erofs_signature &&
					!(fl & ESEAL_MOUNT_NO_KERNEL_VERIFY) ?
				ESEAL_MOUNT_MODE_KERNEL :
				ESEAL_MOUNT_MODE_FSVERITY;
		res->have_digest = true;
	} else {
		res->mode = ESEAL_MOUNT_MODE_COPY;
	}
}

int eseal_mount_verify(struct mstate *s, struct eseal_error *err)
{
	struct eseal_mount_result *res = s->res;
	int algs[2] = { ESEAL_HASH_SHA256, ESEAL_HASH_SHA512 };
	int nalgs = 2, i, r;

	choose_mode(s);
	r = precheck_signature(s, err);
	if (r)
		return r;
	if (res->mode != ESEAL_MOUNT_MODE_COPY &&
	    res->mode != ESEAL_MOUNT_MODE_FUSE) {
		r = check_digest(s, err);
	} else {
		r = s->buf ? 0 : make_private_copy(s, err);
		if (r)
			return r;
		/*
		 * Which hash the signer used is not in a detached signature:
		 * the pin says, else the signature's own digest algorithm
		 * hints (as fsverity sign makes them), else try sha256, then
		 * sha512.
		 */
		if (s->o->digest) {
			algs[0] = s->o->digest->alg;
			nalgs = 1;
		} else if (s->o->signature &&
			   eseal_signature_hash_alg(s->o->signature,
						    s->o->signature_len) ==
				   ESEAL_HASH_SHA512) {
			algs[0] = ESEAL_HASH_SHA512;
			algs[1] = ESEAL_HASH_SHA256;
		}
		for (i = 0; i < nalgs; i++) {
			r = s->buf ? eseal_fsverity_digest_buf(s->buf,
							       s->buf_len, algs[i],
							       &res->digest) :
				     eseal_fsverity_digest_fd(s->fd, s->image,
							      algs[i],
							      &res->digest, err);
			if (r && s->buf)
				eseal_errorf(err, -r, "%s: hashing failed",
					     s->image);
			if (r)
				return eseal_error_prefix(err, "image digest");
			res->have_digest = true;
			r = check_digest(s, err);
			if (r != -EKEYREJECTED && r != -ENOKEY)
				break;
		}
	}
	if (r)
		return r;
	res->signature_checked = !!s->o->signature;
	return 0;
}
