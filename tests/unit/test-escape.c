// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The one escaping of names (lib/util/escape.c): the forms `info ls` prints,
 * names cut short only at whole forms, and messages that never carry a
 * control byte or invalid UTF-8, whatever a caller formatted into them.
 */
#include <string.h>

#include "internal.h"
#include "test.h"

static void test_names(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "plain name.txt", "plain name.txt" },
		{ "\x1b[31mred", "\\x1b[31mred" },
		{ "a\nb\rc\td\\e", "a\\nb\\rc\\td\\\\e" },
		{ "\x7f\x01", "\\x7f\\x01" },
		{ "caf\xc3\xa9", "caf\\xc3\\xa9" },	/* as info ls: bytes */
		{ "a=b", "a=b" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		eseal_escape_str(buf, sizeof(buf), cases[i].in);
		CHECK(!strcmp(buf, cases[i].want), "name %zu escapes to %s (%s)",
		      i, cases[i].want, buf);
	}
	/* cut short: at a whole form, marked */
	eseal_escape_str(buf, 12, "abcdef\x1b\x1b\x1b");
	CHECK(!strcmp(buf, "abcdef..."), "a cut name ends in ... (%s)", buf);
	eseal_escape_str(buf, 14, "abcdef\x1b\x1b\x1b");
	CHECK(!strcmp(buf, "abcdef\\x1b..."),
	      "... and never in the middle of a form (%s)", buf);
	eseal_escape_name(buf, sizeof(buf), "a\0b", 3);
	CHECK(!strcmp(buf, "a\\x00b"), "a NUL inside a counted name shows (%s)",
	      buf);
}

static bool clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static void test_messages(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "no change: a\\x1b stays", "no change: a\\x1b stays" },
		{ "esc \x1b[2J, nl \n, tab \t", "esc \\x1b[2J, nl \\n, tab \\t" },
		{ "valid caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		  "valid caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "C1 \xc2\x9b", "C1 \\xc2\\x9b" },
		{ "lone \xff\xfe", "lone \\xff\\xfe" },
		{ "overlong \xc0\xaf \xe0\x80\xaf", "overlong \\xc0\\xaf \\xe0\\x80\\xaf" },
		{ "surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80" },
		{ "too big \xf4\x90\x80\x80", "too big \\xf4\\x90\\x80\\x80" },
		{ "cut \xe2\x82", "cut \\xe2\\x82" },
	};
	struct eseal_error err;
	char buf[ESEAL_ERR_MSG_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		eseal_escape_message(buf, sizeof(buf));
		CHECK(!strcmp(buf, cases[i].want), "message %zu: %s", i, buf);
		eseal_escape_message(buf, sizeof(buf));
		CHECK(!strcmp(buf, cases[i].want), "... unchanged a second time");
	}
	/* every message the library makes goes through it */
	eseal_errorf(&err, EINVAL, "%s: bad", "/\x1b]0;title\x07\n");
	CHECK(!strcmp(err.msg, "/\\x1b]0;title\\x07\\n: bad"),
	      "eseal_errorf escapes what it was given: %s", err.msg);
	eseal_error_prefix(&err, "%s", "img\n");
	CHECK(clean(err.msg) && strstr(err.msg, "img\\n: /\\x1b]0;"),
	      "eseal_error_prefix too: %s", err.msg);
	eseal_syserrorf(&err, ENOENT, "%s", "\x1b");
	CHECK(clean(err.msg), "eseal_syserrorf too: %s", err.msg);
	/* a message that grows past the buffer stays terminated and clean */
	memset(buf, '\x1b', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	eseal_errorf(&err, EINVAL, "%s", buf);
	CHECK(strlen(err.msg) < sizeof(err.msg) && clean(err.msg) &&
	      strlen(err.msg) % 4 == 0,
	      "a long message is cut at a whole form (%zu bytes)",
	      strlen(err.msg));
}

/* The one hex encoder and decoder (lib/util/hex.c) */
static void test_hex(void)
{
	const uint8_t bytes[] = { 0x00, 0x7f, 0xa5, 0xff };
	uint8_t back[4];
	char hex[9];

	eseal_hex_encode(bytes, sizeof(bytes), hex);
	CHECK(!strcmp(hex, "007fa5ff"), "hex is lower case, NUL-terminated (%s)",
	      hex);
	CHECK(eseal_hex_decode("007FA5ff", 4, back) == 0 &&
	      !memcmp(back, bytes, 4), "either case decodes");
	CHECK(eseal_hex_decode("007fa5fg", 4, back) == -EINVAL &&
	      eseal_hex_decode("007fa5f", 4, back) == -EINVAL,
	      "a non-hex digit or a short string is refused");
}

int main(void)
{
	test_names();
	test_messages();
	test_hex();
	return test_done();
}
