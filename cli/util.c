// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Small helpers shared by the commands: messages and option parsing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"

const char *progname = "erofs-seal";

void error_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "erofs-seal %s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int report(const char *cmd, const struct eseal_error *err)
{
	fprintf(stderr, "erofs-seal %s: %s\n", cmd,
		err->msg[0] ? err->msg : "unknown error");
	return 1;
}

bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	char *end;
	int shift = 0;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return false;
	if (*end) {
		u = strchr(units, *end);
		if (!u || end[1])
			return false;
		shift = 10 * (int)(u - units + 1);
		if (v > (~0ull >> shift))
			return false;
	}
	*out = (uint64_t)v << shift;
	return true;
}
