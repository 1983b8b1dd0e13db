/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Helpers shared by the library's files; never installed.
 */
#ifndef ESEAL_INTERNAL_H
#define ESEAL_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "erofs-seal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __unused __attribute__((unused))

/*
 * Record an error and return -code, so that callers can write
 *	return eseal_errorf(err, EINVAL, "%s:%u: bad escape", name, line);
 * err may be NULL.  code is a positive errno value.
 */
int eseal_errorf(struct eseal_error *err, int code, const char *fmt, ...)
	__printf(3, 4);
int eseal_verrorf(struct eseal_error *err, int code, const char *fmt,
		  va_list ap);
/* Same, appending ": strerror(code)" */
int eseal_syserrorf(struct eseal_error *err, int code, const char *fmt, ...)
	__printf(3, 4);
/* Prefix an existing message: "<prefix>: <old message>" */
int eseal_error_prefix(struct eseal_error *err, const char *fmt, ...)
	__printf(2, 3);

/*
 * The growable structs of erofs-seal.h (lib/util/abi.c) begin with
 * size_t size, set by the caller's _INIT macro.  Any size from the first
 * version's (v0: the end of its last member then, ESEAL_V0_* below) to
 * this library's (full: sizeof) is accepted; any other is -EINVAL with a
 * message naming the type ("eseal_mount_opts") and its _INIT macro.
 */
#define offsetofend(T, m) (offsetof(T, m) + sizeof(((T *)0)->m))

#define ESEAL_V0_STORE_OPTS	offsetofend(struct eseal_store_opts, progress_arg)
#define ESEAL_V0_STORE_STATS	offsetofend(struct eseal_store_stats, copied)
#define ESEAL_V0_IMAGE_OPTS	offsetofend(struct eseal_image_opts, max_version)
#define ESEAL_V0_SIGNER_OPTS	offsetofend(struct eseal_signer_opts, pkcs11_module)
#define ESEAL_V0_SIG_INFO	offsetofend(struct eseal_sig_info, authattrs)
#define ESEAL_V0_MOUNT_OPTS	offsetofend(struct eseal_mount_opts, privdir)
#define ESEAL_V0_MOUNT_RESULT	offsetofend(struct eseal_mount_result, mountpoint)
#define ESEAL_V0_MOUNT_FEATURES	offsetofend(struct eseal_mount_features, overlay_verity)
#define ESEAL_V0_GC_OPTS	offsetofend(struct eseal_gc_opts, issue_arg)
#define ESEAL_V0_GC_RESULT	offsetofend(struct eseal_gc_result, left_alone)
#define ESEAL_V0_FSCK_OPTS	offsetofend(struct eseal_fsck_opts, issue_arg)
#define ESEAL_V0_FSCK_RESULT	offsetofend(struct eseal_fsck_result, failed)
#define ESEAL_V0_STORE_USAGE	offsetofend(struct eseal_store_usage, largest)
#define ESEAL_V0_FUSE_OPTS	offsetofend(struct eseal_fuse_opts, log_arg)
#define ESEAL_V0_SOURCE		offsetofend(struct eseal_source, fd)
#define ESEAL_V0_OCI_OPTS	offsetofend(struct eseal_oci_opts, flags)

/* Check the size of the caller's struct at p */
int eseal_abi_check(const void *p, size_t full, size_t v0, const char *type,
		    struct eseal_error *err);
/* Check src, then copy it into dst (full bytes, the rest zero) */
int eseal_abi_in(void *dst, size_t full, const void *src, size_t v0,
		 const char *type, struct eseal_error *err);
/* Copy a result (full bytes) to the caller's checked struct at dst */
void eseal_abi_out(void *dst, const void *src, size_t full);

/*
 * Hex, the one encoder and decoder (lib/util/hex.c): digests, object
 * paths, escapes.
 */
/* The lower-case hex digit of the low 4 bits of v */
static inline char eseal_hexdigit(unsigned int v)
{
	return "0123456789abcdef"[v & 15];
}

/* Value of a hex digit (either case), or -1. */
static inline int eseal_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n bytes as 2 * n lower-case hex digits and a NUL */
void eseal_hex_encode(const void *bytes, size_t n, char *out);
/* 2 * n hex digits (either case) into n bytes: 0, or -EINVAL */
int eseal_hex_decode(const char *hex, size_t n, void *out);

/*
 * How names are shown to people: as `info ls` prints them (the escaping of
 * composefs-info), and the same in error messages.  '\\', '\n', '\r' and
 * '\t' become C escapes, every other byte outside printable ASCII "\xXY".
 * ESEAL_ESC_SPACE also escapes ' ' (dump fields), ESEAL_ESC_EQUAL '='
 * (dump xattrs).  This is the one home of that rule (lib/util/escape.c).
 */
#define ESEAL_ESC_LS		0
#define ESEAL_ESC_SPACE		(1u << 0)
#define ESEAL_ESC_EQUAL		(1u << 1)
#define ESEAL_ESC_MAX		4	/* longest form of one byte */

/* The C escapes: byte ESEAL_ESC_BYTES[i] is written "\\" ESEAL_ESC_CHARS[i] */
#define ESEAL_ESC_BYTES "\\\n\r\t"
#define ESEAL_ESC_CHARS "\\nrt"

/* The form of byte c (1 to ESEAL_ESC_MAX chars, no NUL); its length. */
static inline size_t eseal_escape_byte(uint8_t c, unsigned int flags,
				       char out[ESEAL_ESC_MAX])
{
	const char *e;

	if (c > 0x20 && c < 0x7f && c != '\\' && c != '=') {
		out[0] = (char)c;	/* the usual case, first */
		return 1;
	}
	e = c ? memchr(ESEAL_ESC_BYTES, c, 4) : NULL;
	if (e) {
		out[0] = '\\';
		out[1] = ESEAL_ESC_CHARS[e - ESEAL_ESC_BYTES];
		return 2;
	}
	if (c < 0x20 || c > 0x7e || (c == ' ' && (flags & ESEAL_ESC_SPACE)) ||
	    (c == '=' && (flags & ESEAL_ESC_EQUAL))) {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = eseal_hexdigit(c >> 4);
		out[3] = eseal_hexdigit(c);
		return 4;
	}
	out[0] = (char)c;
	return 1;
}

/* The byte a C escape "\\e" stands for, or -1 when e is none of them */
static inline int eseal_unescape_char(char e)
{
	const char *p = e ? memchr(ESEAL_ESC_CHARS, e, 4) : NULL;

	return p ? (uint8_t)ESEAL_ESC_BYTES[p - ESEAL_ESC_CHARS] : -1;
}

/*
 * len bytes of name, escaped as `info ls` shows them, into buf (size
 * bytes, always NUL-terminated; a name that does not fit ends in "...").
 * Returns buf, so that it can be an argument of a message.
 */
const char *eseal_escape_name(char *buf, size_t size, const void *name,
			      size_t len);
/* The same for a NUL-terminated string. */
const char *eseal_escape_str(char *buf, size_t size, const char *s);
/* Room for an escaped name of n bytes */
#define ESEAL_ESC_SIZE(n) ((n) * ESEAL_ESC_MAX + 1)

/*
 * Make a message safe for a terminal, in place: control bytes, DEL, C1
 * controls and bytes that are not valid UTF-8 take the form above;
 * backslashes and valid UTF-8 stay, so that doing it twice changes
 * nothing.  eseal_errorf() and friends apply it to every message.
 */
void eseal_escape_message(char *msg, size_t size);

/* Little-endian stores/loads for on-disk formats. */
static inline void put_le16(void *p, uint16_t v)
{
	uint8_t *b = p;

	b[0] = v;
	b[1] = v >> 8;
}

static inline void put_le32(void *p, uint32_t v)
{
	uint8_t *b = p;

	b[0] = v;
	b[1] = v >> 8;
	b[2] = v >> 16;
	b[3] = v >> 24;
}

static inline void put_le64(void *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t get_le16(const void *p)
{
	const uint8_t *b = p;

	return b[0] | (uint16_t)b[1] << 8;
}

static inline uint32_t get_le32(const void *p)
{
	const uint8_t *b = p;

	return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline uint64_t get_le64(const void *p)
{
	return get_le32(p) | (uint64_t)get_le32((const uint8_t *)p + 4) << 32;
}

#endif /* ESEAL_INTERNAL_H */
