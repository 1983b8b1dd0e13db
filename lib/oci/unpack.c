// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Decompressing a layer stream: gzip, zstd, xz or none, told apart by the
 * bytes.  gzip goes through zlib itself, because libarchive's gzip filter
 * checks neither the CRC nor the length of a member: a corrupt tar.gz
 * given as tar:FILE (with no digest to catch it) would pass.  zlib checks
 * both; zstd and xz (through libarchive, built-in decoders only, never
 * an external program) check their own frames' checksums.
 *
 * After the compressed data, the rest of the source is read to its end
 * (so that a blob's digest is checked): zero padding after gzip members
 * is allowed, anything else after them is an error.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <zlib.h>

#include "oci.h"

#define IN_BUF (64 * 1024)

struct oci_unpack {
	oci_read_fn fn;
	void *arg;
	const char *name;
	uint8_t in[IN_BUF];
	size_t in_len;			/* bytes in 'in' not yet handed on */
	bool in_eof;
	bool pending;			/* libarchive: 'in' still to be read */
	/* gzip */
	bool gz;
	z_stream z;
	bool z_init, member;		/* inside a gzip member */
	/* others */
	struct archive *a;
	int ret;			/* a source error, kept for messages */
	struct eseal_error *err;
	bool done;
};

static ssize_t src_read(struct oci_unpack *u, struct eseal_error *err)
{
	ssize_t n = u->fn(u->arg, u->in, sizeof(u->in), err);

	if (n < 0)
		return n;
	if (n == 0)
		u->in_eof = true;
	u->in_len = (size_t)n;
	return n;
}

/* The source to its end: its digest (if any) is checked there */
static int drain(struct oci_unpack *u, bool zeros_only,
		 struct eseal_error *err)
{
	ssize_t n;
	size_t i;

	for (;;) {
		for (i = 0; zeros_only && i < u->in_len; i++)
			if (u->in[i])
				return eseal_errorf(err, EINVAL,
						    "%s: bytes after the gzip data",
						    u->name);
		if (u->in_eof)
			return 0;
		n = src_read(u, err);
		if (n < 0)
			return (int)n;
	}
}

/* ---- libarchive (zstd, xz, none) ------------------------------------------ */

static la_ssize_t ar_read(struct archive *a, void *arg, const void **out)
{
	struct oci_unpack *u = arg;
	ssize_t n;

	*out = u->in;
	if (u->pending) {
		u->pending = false;
		return (la_ssize_t)u->in_len;
	}
	if (u->in_eof)
		return 0;
	n = src_read(u, u->err);
	if (n < 0) {
		u->ret = (int)n;
		archive_set_error(a, -u->ret, "%s", u->err->msg);
		return -1;
	}
	return n;
}

static int ar_open(struct oci_unpack *u, struct eseal_error *err)
{
	struct archive_entry *e;

	u->a = archive_read_new();
	if (!u->a)
		return eseal_errorf(err, ENOMEM, "out of memory");
	archive_read_support_format_raw(u->a);
	if (archive_read_support_filter_zstd(u->a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(u->a) != ARCHIVE_OK)
		return eseal_errorf(err, ENOTSUP,
				    "libarchive lacks built-in zstd or xz support");
	u->pending = true;
	u->err = err;
	if (archive_read_open(u->a, u, NULL, ar_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(u->a, &e) != ARCHIVE_OK) {
		if (u->ret)
			return u->ret;
		return eseal_errorf(err, EINVAL, "%s: %s", u->name,
				    archive_error_string(u->a));
	}
	return 0;
}

static ssize_t ar_read_some(struct oci_unpack *u, void *buf, size_t len,
			    struct eseal_error *err)
{
	la_ssize_t n;

	u->err = err;
	n = archive_read_data(u->a, buf, len);
	if (n < 0) {
		if (u->ret)
			return u->ret;
		return eseal_errorf(err, EINVAL, "%s: %s", u->name,
				    archive_error_string(u->a));
	}
	return n;
}

/* ---- gzip ---------------------------------------------------------------- */

static ssize_t gz_read_some(struct oci_unpack *u, void *buf, size_t len,
			    struct eseal_error *err)
{
	ssize_t n;
	int r;

	u->z.next_out = buf;
	u->z.avail_out = (uInt)MIN(len, (size_t)UINT32_MAX);
	while (u->z.avail_out) {
		if (!u->z.avail_in) {
			if (u->in_eof) {
				if (u->member)
					return eseal_errorf(err, EINVAL,
							    "%s: truncated gzip data",
							    u->name);
				break;
			}
			n = src_read(u, err);
			if (n < 0)
				return n;
			u->z.next_in = u->in;
			u->z.avail_in = (uInt)n;
			continue;
		}
		if (!u->member) {
			/* between members: another one, or zero padding */
			if (u->z.next_in[0] != 0x1f) {
				u->in_len = u->z.avail_in;
				memmove(u->in, u->z.next_in, u->in_len);
				u->z.avail_in = 0;
				r = drain(u, true, err);
				if (r)
					return r;
				break;
			}
			inflateReset(&u->z);
			u->member = true;
		}
		r = inflate(&u->z, Z_NO_FLUSH);
		if (r == Z_STREAM_END) {
			u->member = false;	/* CRC and length were right */
		} else if (r != Z_OK && r != Z_BUF_ERROR) {
			return eseal_errorf(err, EINVAL,
					    "%s: corrupt gzip data (%s)",
					    u->name,
					    u->z.msg ? u->z.msg : "zlib error");
		}
	}
	return (ssize_t)(len - u->z.avail_out);
}

/* ---- the interface ------------------------------------------------------- */

int oci_unpack_open(oci_read_fn fn, void *arg, const char *name,
		    struct oci_unpack **out, struct eseal_error *err)
{
	struct oci_unpack *u;
	ssize_t n;
	int r;

	*out = NULL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return eseal_errorf(err, ENOMEM, "out of memory");
	u->fn = fn;
	u->arg = arg;
	u->name = name;
	/* enough of the start to tell the formats apart */
	do {
		n = u->fn(u->arg, u->in + u->in_len, sizeof(u->in) - u->in_len,
			  err);
		if (n > 0)
			u->in_len += (size_t)n;
	} while (n > 0 && u->in_len < 512);
	if (n < 0) {
		oci_unpack_close(u);
		return (int)n;
	}
	u->in_eof = n == 0;
	if (u->in_len >= 2 && u->in[0] == 0x1f && u->in[1] == 0x8b) {
		u->gz = true;
		if (inflateInit2(&u->z, 15 + 16) != Z_OK) {
			oci_unpack_close(u);
			return eseal_errorf(err, ENOMEM, "out of memory");
		}
		u->z_init = true;
		u->member = true;
		u->z.next_in = u->in;
		u->z.avail_in = (uInt)u->in_len;
		*out = u;
		return 0;
	}
	r = ar_open(u, err);
	if (r) {
		oci_unpack_close(u);
		return r;
	}
	*out = u;
	return 0;
}

ssize_t oci_unpack_read(struct oci_unpack *u, void *buf, size_t len,
			struct eseal_error *err)
{
	ssize_t n;
	int r;

	if (u->done)
		return 0;
	n = u->gz ? gz_read_some(u, buf, len, err) :
		    ar_read_some(u, buf, len, err);
	if (n != 0)
		return n;
	/* the end of the data: the rest of the source, to its end */
	if (!u->gz) {
		u->in_len = 0;
		r = drain(u, false, err);
		if (r)
			return r;
	}
	u->done = true;
	return 0;
}

void oci_unpack_close(struct oci_unpack *u)
{
	if (!u)
		return;
	if (u->z_init)
		inflateEnd(&u->z);
	if (u->a)
		archive_read_free(u->a);
	free(u);
}
