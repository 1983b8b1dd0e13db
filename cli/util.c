// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Small helpers shared by the commands: messages and option parsing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

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
