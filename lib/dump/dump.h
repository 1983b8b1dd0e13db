/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The state of the composefs dump reader (lib/dump/dump-parse.c) and the
 * fields of a line it is made of (lib/dump/dump-fields.c): splitting,
 * unescaping and parsing numbers, times and digests, each error naming
 * the stream and line.
 */
#ifndef ESEAL_DUMP_H
#define ESEAL_DUMP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tree.h"

struct link_fixup {
	struct eseal_node *node;
	char *target;			/* unescaped path, malloc'ed */
	unsigned long line;
};

struct parser {
	const char *name;
	unsigned long line;
	bool strict;
	struct eseal_tree *tree;
	struct eseal_error *err;
	char *buf;			/* unescape scratch */
	size_t buf_cap;
	char *path;			/* the line's path */
	size_t path_cap;
	char *key;			/* an xattr name */
	size_t key_cap;
	struct link_fixup *links;
	size_t n_links, cap_links;
	char esc[768];			/* a name for a message */
};

struct field {
	const char *p;
	size_t len;
};

static inline int __printf(2, 3) perr(struct parser *ps, const char *fmt, ...)
{
	char msg[ESEAL_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return eseal_errorf(ps->err, EINVAL, "%s:%lu: %s", ps->name, ps->line,
			    msg);
}

/*
 * A line that only strict mode (mkcomposefs' CFS_PARSE_STRICT) refuses:
 * the message names the rule it broke, as lenient parsing would take it.
 */
static inline int __printf(3, 4) strict_err(struct parser *ps,
					    const char *rule,
					    const char *fmt, ...)
{
	char msg[ESEAL_ERR_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return eseal_errorf(ps->err, EINVAL,
			    "%s:%lu: %s (strict parsing rule: %s; lenient parsing accepts it)",
			    ps->name, ps->line, msg, rule);
}

/* s, unescaped from the dump, as a message shows it (as `info ls` does) */
static inline const char *esc(struct parser *ps, const char *s)
{
	return eseal_escape_str(ps->esc, sizeof(ps->esc), s);
}

static inline int oom(struct parser *ps)
{
	return eseal_errorf(ps->err, ENOMEM, "%s:%lu: out of memory", ps->name,
			    ps->line);
}

/* dump-fields.c */
/* Cut the next field up to sep off *rest; false when *rest had no sep. */
bool dump_split(struct field *rest, char sep, struct field *out);
/*
 * Unescape f into ps->buf (NUL-terminated; *len_out gets the length, which
 * may include NUL bytes from \x00).  'what' names the field in errors.
 */
int dump_unescape(struct parser *ps, struct field f, const char *what,
		  size_t *len_out);
/* The same for a string field that must not hold NUL bytes. */
int dump_unescape_str(struct parser *ps, struct field f, const char *what,
		      size_t *len_out);
/* Is the field "-" (absent)? */
bool dump_is_dash(struct field f);
/* Copy the unescaped ps->buf (len bytes) to a scratch buffer of its own. */
char *dump_keep(struct parser *ps, char **slot, size_t *cap, size_t len);
/* A number in base (8, 10 or 16) of at most max */
int dump_parse_uint(struct parser *ps, struct field f, unsigned int base,
		    uint64_t max, const char *what, uint64_t *out);
/* SECONDS.NANOSECONDS, seconds maybe negative */
int dump_parse_mtime(struct parser *ps, struct field f, int64_t *sec,
		     uint32_t *nsec);
/* 64 or 128 hex digits: a sha256 or sha512 digest */
int dump_parse_digest(struct parser *ps, const char *hex, size_t len,
		      struct eseal_digest *d);

#endif /* ESEAL_DUMP_H */
