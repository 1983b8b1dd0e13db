// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Hex: the one encoder and decoder of the library (internal.h).
 */
#include "internal.h"

void eseal_hex_encode(const void *bytes, size_t n, char *out)
{
	const uint8_t *b = bytes;
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = eseal_hexdigit(b[i] >> 4);
		out[2 * i + 1] = eseal_hexdigit(b[i]);
	}
	out[2 * n] = '\0';
}

int eseal_hex_decode(const char *hex, size_t n, void *out)
{
	uint8_t *b = out;
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = eseal_hexval(hex[2 * i]);
		int lo = hi < 0 ? -1 : eseal_hexval(hex[2 * i + 1]);

		if (lo < 0)
			return -EINVAL;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
