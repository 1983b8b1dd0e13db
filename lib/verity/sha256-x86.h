/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * SHA-256 of two 4 KiB blocks at once with the x86 SHA extensions.
 *
 * fs-verity hashes every data block of a file on its own, so blocks can be
 * hashed in pairs: the two instruction streams interleave and hide the
 * latency of sha256rnds2, which a single stream (OpenSSL's) cannot.
 */
#ifndef ESEAL_SHA256_X86_H
#define ESEAL_SHA256_X86_H

#include <stdbool.h>
#include <stdint.h>

/* True when this CPU has SHA-NI, SSE4.1 and SSSE3; false off x86-64. */
bool eseal_sha256_x86_usable(void);

#if defined(__x86_64__)
/*
 * out_a = SHA-256(a[0..4095]), out_b = SHA-256(b[0..4095]).
 * Only call it when eseal_sha256_x86_usable() said true.
 */
void eseal_sha256_4k_x2(const uint8_t *a, const uint8_t *b, uint8_t *out_a,
			uint8_t *out_b);
#endif

#endif /* ESEAL_SHA256_X86_H */
