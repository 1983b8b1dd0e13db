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
