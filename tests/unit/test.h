/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * A tiny TAP producer for the C unit tests: tests/run counts the lines.
 *
 *	CHECK(x == 1, "x is one");
 *	return test_done();
 */
#ifndef ESEAL_TEST_H
#define ESEAL_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int test_num, test_failed;

static inline void __attribute__((format(printf, 4, 5)))
test_check(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++test_num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		printf("#   failed at %s:%d\n", file, line);
		test_failed++;
	}
	fflush(stdout);
}

#define CHECK(cond, ...) test_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static inline void __attribute__((format(printf, 1, 2)))
test_skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # SKIP ", ++test_num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline int test_done(void)
{
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}

#endif /* ESEAL_TEST_H */
