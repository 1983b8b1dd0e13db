// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The fields of a composefs dump line (dump.h): splitting, unescaping
 * (the inverse of the escaping of lib/util/escape.c, refusing what it
 * would never write) and parsing numbers, times and digests.
 */
#include <stdlib.h>
#include <string.h>

#include "dump.h"

/* Cut the next field up to sep off *s; false when *s had no sep. */
bool dump_split(struct field *rest, char sep, struct field *out)
{
	const char *end = memchr(rest->p, sep, rest->len);

	out->p = rest->p;
	if (!end) {
		out->len = rest->len;
		rest->p += rest->len;
		rest->len = 0;
		return false;
	}
	out->len = end - rest->p;
	rest->p = end + 1;
	rest->len -= out->len + 1;
	return true;
}

/*
 * Unescape f into ps->buf (NUL-terminated; *len_out gets the length, which
 * may include NUL bytes from \x00).  'what' names the field in errors.
 */
int dump_unescape(struct parser *ps, struct field f, const char *what,
		  size_t *len_out)
{
	size_t i, o = 0;

	if (f.len + 1 > ps->buf_cap) {
		char *b = realloc(ps->buf, f.len + 1);

		if (!b)
			return oom(ps);
		ps->buf = b;
		ps->buf_cap = f.len + 1;
	}
	for (i = 0; i < f.len; i++) {
		char c = f.p[i];
		int hi, lo;

		if (c != '\\') {
			ps->buf[o++] = c;
			continue;
		}
		if (++i == f.len)
			return perr(ps, "%s: no character after escape", what);
		c = f.p[i];
		hi = eseal_unescape_char(c);
		if (hi >= 0) {
			ps->buf[o++] = (char)hi;
			continue;
		}
		switch (c) {
		case 'x':
			if (i + 2 >= f.len)
				return perr(ps, "%s: no hex digits after \\x",
					    what);
			hi = eseal_hexval(f.p[i + 1]);
			lo = eseal_hexval(f.p[i + 2]);
			if (hi < 0 || lo < 0)
				return perr(ps, "%s: invalid hex escape \\x%c%c",
					    what, f.p[i + 1], f.p[i + 2]);
			ps->buf[o++] = (char)(hi << 4 | lo);
			i += 2;
			break;
		default:
			if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e)
				return perr(ps, "%s: invalid escape: backslash before byte 0x%02x",
					    what, (unsigned char)c);
			return perr(ps, "%s: invalid escape \\%c", what, c);
		}
	}
	ps->buf[o] = '\0';
	*len_out = o;
	return 0;
}

bool dump_is_dash(struct field f)
{
	return f.len == 1 && f.p[0] == '-';
}

/* Copy the unescaped ps->buf (len bytes) to a scratch buffer of its own. */
char *dump_keep(struct parser *ps, char **slot, size_t *cap, size_t len)
{
	if (len + 1 > *cap) {
		char *b = realloc(*slot, len + 1);

		if (!b)
			return NULL;
		*slot = b;
		*cap = len + 1;
	}
	memcpy(*slot, ps->buf, len + 1);
	return *slot;
}

/* Unescape a string field that must not hold NUL bytes. */
int dump_unescape_str(struct parser *ps, struct field f, const char *what,
		      size_t *len_out)
{
	int ret = dump_unescape(ps, f, what, len_out);

	if (ret)
		return ret;
	if (memchr(ps->buf, '\0', *len_out))
		return perr(ps, "%s: contains a NUL byte", what);
	return 0;
}

int dump_parse_uint(struct parser *ps, struct field f, unsigned int base,
		    uint64_t max, const char *what, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (f.len == 0)
		return perr(ps, "%s: missing number", what);
	for (i = 0; i < f.len; i++) {
		int d = eseal_hexval(f.p[i]);

		if (d < 0 || (unsigned int)d >= base)
			return perr(ps, "%s: invalid number '%.*s'", what,
				    (int)MIN(f.len, 64u), f.p);
		if (v > (UINT64_MAX - d) / base)
			return perr(ps, "%s: number too large '%.*s'", what,
				    (int)MIN(f.len, 64u), f.p);
		v = v * base + d;
	}
	if (v > max)
		return perr(ps, "%s: number too large '%.*s'", what,
			    (int)MIN(f.len, 64u), f.p);
	*out = v;
	return 0;
}

int dump_parse_mtime(struct parser *ps, struct field f, int64_t *sec,
		     uint32_t *nsec)
{
	struct field s, rest = f;
	bool neg = false;
	uint64_t v, n;
	int ret;

	if (!dump_split(&rest, '.', &s))
		return perr(ps, "MTIME: expected SECONDS.NANOSECONDS, got '%.*s'",
			    (int)MIN(f.len, 64u), f.p);
	if (s.len && s.p[0] == '-') {
		neg = true;
		s.p++;
		s.len--;
	}
	ret = dump_parse_uint(ps, s, 10,
			      neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX,
			      "MTIME", &v);
	if (ret)
		return ret;
	ret = dump_parse_uint(ps, rest, 10, UINT32_MAX, "MTIME nanoseconds",
			      &n);
	if (ret)
		return ret;
	/* refused in lenient mode too: the image reader would refuse it */
	if (!eseal_mtime_nsec_valid(n))
		return perr(ps, "MTIME: nanoseconds out of range: %llu",
			    (unsigned long long)n);
	*sec = neg ? (int64_t)(0 - v) : (int64_t)v;
	*nsec = (uint32_t)n;
	return 0;
}

int dump_parse_digest(struct parser *ps, const char *hex, size_t len,
		      struct eseal_digest *d)
{
	memset(d, 0, sizeof(*d));
	if (len == 64)
		d->alg = ESEAL_HASH_SHA256;
	else if (len == 128)
		d->alg = ESEAL_HASH_SHA512;
	else
		return perr(ps, "DIGEST: expected 64 or 128 hex digits, got %zu",
			    len);
	d->size = len / 2;
	if (eseal_hex_decode(hex, d->size, d->bytes))
		return perr(ps, "DIGEST: invalid hex digit");
	return 0;
}
