// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Two-way SHA-256 of 4 KiB blocks with SHA-NI (see sha256-x86.h for why).
 *
 * The state lives in two registers as the instructions want it: "abef"
 * holds a, b, e, f in lanes 3..0 and "cdgh" holds c, d, g, h.  Each
 * sha256rnds2 does two rounds and depends on the one before, so one
 * message leaves the SHA unit idle most of the time; every step below is
 * done for message A, then for message B, and the two chains overlap.
 *
 * Only the functions carry target attributes, so the rest of the build
 * keeps the default flags and other CPUs never run these instructions.
 */
#include "sha256-x86.h"

#if defined(__x86_64__)

#include <cpuid.h>
#include <immintrin.h>

#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

static const uint32_t sha256_k[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/*
 * The last message block of any 4096-byte message: the 0x80 terminator,
 * zeros, and the length in bits (32768) as a big-endian 64-bit number.
 */
static const uint8_t pad_4k[64] = { [0] = 0x80, [62] = 0x80 };

/* The two state registers of one message. */
struct sha_state {
	__m128i abef, cdgh;
};

/* Swaps the bytes of each 32-bit lane: SHA-256 words are big-endian. */
SHA_TARGET static inline __m128i bswap32x4(void)
{
	return _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
}

SHA_TARGET static inline __m128i load_be(const uint8_t *p, int i)
{
	return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p + i),
				bswap32x4());
}

/* Four rounds of both messages; wa, wb hold their next four words. */
#define QROUND(q, wa, wb)                                                   \
	do {                                                                \
		__m128i k_ = _mm_load_si128((const __m128i *)sha256_k + (q)); \
		__m128i ta_ = _mm_add_epi32(wa, k_);                        \
		__m128i tb_ = _mm_add_epi32(wb, k_);                        \
		sa.cdgh = _mm_sha256rnds2_epu32(sa.cdgh, sa.abef, ta_);     \
		sb.cdgh = _mm_sha256rnds2_epu32(sb.cdgh, sb.abef, tb_);     \
		ta_ = _mm_shuffle_epi32(ta_, 0x0e);                         \
		tb_ = _mm_shuffle_epi32(tb_, 0x0e);                         \
		sa.abef = _mm_sha256rnds2_epu32(sa.abef, sa.cdgh, ta_);     \
		sb.abef = _mm_sha256rnds2_epu32(sb.abef, sb.cdgh, tb_);     \
	} while (0)

/*
 * The next four schedule words from the last sixteen (w0 oldest, w3
 * newest), written over w0: w[t] = s1(w[t-2]) + w[t-7] + s0(w[t-15]) +
 * w[t-16].
 */
#define SCHED(w0, w1, w2, w3)                                               \
	((w0) = _mm_sha256msg2_epu32(                                       \
		 _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1),                \
			       _mm_alignr_epi8(w3, w2, 4)),                 \
		 w3))

/* Rounds 4q..4q+3 of both messages, after scheduling their words. */
#define STEP(q, i0, i1, i2, i3)                                             \
	do {                                                                \
		SCHED(wa[i0], wa[i1], wa[i2], wa[i3]);                      \
		SCHED(wb[i0], wb[i1], wb[i2], wb[i3]);                      \
		QROUND(q, wa[i0], wb[i0]);                                  \
	} while (0)

/* One 64-byte block of each message into its state. */
SHA_TARGET static inline __attribute__((always_inline)) void
compress_x2(struct sha_state *a, struct sha_state *b, const uint8_t *pa,
	    const uint8_t *pb)
{
	struct sha_state sa = *a, sb = *b;
	__m128i wa[4], wb[4];
	int i, q;

	/*
	 * Unrolled, the schedule words stay in registers and the rounds of
	 * one quad can overlap the next; rolled up, gcc -O2 spills them.
	 */
#pragma GCC unroll 4
	for (i = 0; i < 4; i++) {
		wa[i] = load_be(pa, i);
		wb[i] = load_be(pb, i);
		QROUND(i, wa[i], wb[i]);
	}
#pragma GCC unroll 3
	for (q = 4; q < 16; q += 4) {
		STEP(q, 0, 1, 2, 3);
		STEP(q + 1, 1, 2, 3, 0);
		STEP(q + 2, 2, 3, 0, 1);
		STEP(q + 3, 3, 0, 1, 2);
	}
	a->abef = _mm_add_epi32(a->abef, sa.abef);
	a->cdgh = _mm_add_epi32(a->cdgh, sa.cdgh);
	b->abef = _mm_add_epi32(b->abef, sb.abef);
	b->cdgh = _mm_add_epi32(b->cdgh, sb.cdgh);
}

/* The big-endian digest from the abef/cdgh registers. */
SHA_TARGET static void store_digest(const struct sha_state *s, uint8_t *out)
{
	__m128i feba = _mm_shuffle_epi32(s->abef, 0x1b);
	__m128i dchg = _mm_shuffle_epi32(s->cdgh, 0xb1);
	__m128i abcd = _mm_blend_epi16(feba, dchg, 0xf0);
	__m128i efgh = _mm_alignr_epi8(dchg, feba, 8);

	_mm_storeu_si128((__m128i *)out, _mm_shuffle_epi8(abcd, bswap32x4()));
	_mm_storeu_si128((__m128i *)out + 1,
			 _mm_shuffle_epi8(efgh, bswap32x4()));
}

SHA_TARGET void eseal_sha256_4k_x2(const uint8_t *a, const uint8_t *b,
				   uint8_t *out_a, uint8_t *out_b)
{
	/* The standard initial value, already in abef/cdgh lane order */
	const struct sha_state iv = {
		.abef = _mm_set_epi32(0x6a09e667, (int)0xbb67ae85, 0x510e527f,
				      (int)0x9b05688c),
		.cdgh = _mm_set_epi32(0x3c6ef372, (int)0xa54ff53a, 0x1f83d9ab,
				      0x5be0cd19),
	};
	struct sha_state sa = iv, sb = iv;
	unsigned int off;

	for (off = 0; off < 4096; off += 64)
		compress_x2(&sa, &sb, a + off, b + off);
	compress_x2(&sa, &sb, pad_4k, pad_4k);
	store_digest(&sa, out_a);
	store_digest(&sb, out_b);
}

bool eseal_sha256_x86_usable(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return false;
	if (!(ecx & bit_SSE4_1) || !(ecx & bit_SSSE3))
		return false;
	if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
		return false;
	return ebx & bit_SHA;
}

#else /* !__x86_64__ */

bool eseal_sha256_x86_usable(void)
{
	return false;
}

#endif
