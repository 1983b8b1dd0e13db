// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Error reporting: every failing library call leaves one message in the
 * caller's struct eseal_error and returns a negative errno value.  A
 * message may name things from an image, a dump or a tree: whatever the
 * caller formatted, no control byte or invalid UTF-8 reaches the message
 * (eseal_escape_message()).
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

int eseal_verrorf(struct eseal_error *err, int code, const char *fmt,
		  va_list ap)
{
	if (code <= 0)
		code = EIO;
	if (err) {
		err->code = code;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		eseal_escape_message(err->msg, sizeof(err->msg));
	}
	return -code;
}

int eseal_errorf(struct eseal_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = eseal_verrorf(err, code, fmt, ap);
	va_end(ap);
	return ret;
}

int eseal_syserrorf(struct eseal_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int ret;
	size_t len;

	va_start(ap, fmt);
	ret = eseal_verrorf(err, code, fmt, ap);
	va_end(ap);
	if (err) {
		len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s",
			 strerror(-ret));
	}
	return ret;
}

int eseal_error_prefix(struct eseal_error *err, const char *fmt, ...)
{
	char old[ESEAL_ERR_MSG_MAX];
	va_list ap;
	int len;

	if (!err)
		return -EIO;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	len = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (len >= 0 && (size_t)len < sizeof(err->msg))
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %.*s",
			 (int)(sizeof(err->msg) - len), old);
	eseal_escape_message(err->msg, sizeof(err->msg));
	return -(err->code ? err->code : EIO);
}
