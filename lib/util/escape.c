// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Names and messages made safe to show: see eseal_escape_byte() in
 * internal.h for the forms.  A name from an image, a dump or a scanned
 * tree can hold any byte but '/' and NUL; printed raw, an ESC starts a
 * terminal control sequence and a newline forges a line of output.
 */
#include <string.h>

#include "internal.h"

const char *eseal_escape_name(char *buf, size_t size, const void *name,
			      size_t len)
{
	const uint8_t *s = name;
	char form[ESEAL_ESC_MAX];
	size_t i, o = 0, n, total = 0, room = size;

	if (!size)
		return buf;
	for (i = 0; i < len; i++)
		total += eseal_escape_byte(s[i], ESEAL_ESC_LS, form);
	if (total >= size)	/* keep room for "..." */
		room = size > 4 ? size - 3 : 1;
	for (i = 0; i < len; i++) {
		n = eseal_escape_byte(s[i], ESEAL_ESC_LS, form);
		if (o + n >= room)
			break;
		memcpy(buf + o, form, n);
		o += n;
	}
	if (i < len && size > 4) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

const char *eseal_escape_str(char *buf, size_t size, const char *s)
{
	return eseal_escape_name(buf, size, s, strlen(s));
}

/*
 * Length of the UTF-8 sequence at s (at most len bytes) when it is valid
 * and not a C1 control (U+0080..U+009F), else 0.
 */
static size_t utf8_seq(const uint8_t *s, size_t len)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		if (c == 0xc2)
			lo = 0xa0;	/* C1 controls are U+0080..U+009F */
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;
	}
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void eseal_escape_message(char *msg, size_t size)
{
	char out[ESEAL_ERR_MSG_MAX], form[ESEAL_ESC_MAX];
	const uint8_t *s = (const uint8_t *)msg;
	size_t len = strnlen(msg, size), i = 0, o = 0, n;

	if (!size)
		return;
	/* most messages need nothing */
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			break;
	if (i == len)
		return;
	memcpy(out, msg, i);
	o = i;
	while (i < len) {
		uint8_t c = s[i];

		if (c >= 0x20 && c < 0x7f) {
			n = 1;
			form[0] = (char)c;
		} else if (c >= 0x80 && (n = utf8_seq(s + i, len - i))) {
			if (o + n >= MIN(size, sizeof(out)))
				break;
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
			continue;
		} else {
			n = eseal_escape_byte(c, ESEAL_ESC_LS, form);
		}
		if (o + n >= MIN(size, sizeof(out)))
			break;
		memcpy(out + o, form, n);
		o += n;
		i++;
	}
	out[o] = '\0';
	memcpy(msg, out, o + 1);
}
