// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Option parsing for every command, from one table per command: the
 * getopt_long arrays, the values' checks, -h/--help (printed from the same
 * table) and --version.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* getopt_long codes: 'c' for a short name, else CODE_LONG + table index */
#define CODE_LONG 256
#define CODE_VERSION (CODE_LONG - 1)
/* every long name once, and their aliases, help, version */
#define MAX_LONGOPTS (2 * 32 + 3)

static bool takes_arg(const struct cli_opt *o)
{
	return o->kind != CLI_BOOL && o->kind != CLI_FLAG;
}

static bool parse_uint(const char *s, unsigned int min, unsigned int max,
		       unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	char *end;
	int shift = 0;

	if (!*s || *s == '-' || *s == '+')
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
	return *out > 0;
}

/* name: the spelling given, for messages */
static int set(const struct cli_opt *o, const char *name, const char *arg)
{
	switch (o->kind) {
	case CLI_BOOL:
		*(bool *)o->ptr = true;
		return 0;
	case CLI_FLAG:
		*(unsigned int *)o->ptr |= o->flag;
		return 0;
	case CLI_STRING:
		*(const char **)o->ptr = arg;
		return 0;
	case CLI_LIST:
		return cli_list_add(o->ptr, name, arg);
	case CLI_UINT:
		if (parse_uint(arg, o->min, o->max, o->ptr))
			return 0;
		error_msg("--%s: '%s' is not a number from %u to %u", name,
			  arg, o->min, o->max);
		return -1;
	case CLI_HASH:
		*(int *)o->ptr = eseal_hash_from_name(arg);
		if (*(int *)o->ptr > 0)
			return 0;
		error_msg("--%s: '%s' is not sha256 or sha512", name, arg);
		return -1;
	case CLI_SIZE:
		if (parse_size(arg, o->ptr))
			return 0;
		error_msg("--%s: '%s' is not a size (bytes, or with K, M, G, T)",
			  name, arg);
		return -1;
	}
	return -1;
}

int cli_list_add(struct cli_list *l, const char *what, const char *v)
{
	if (l->n == CLI_LIST_MAX) {
		error_msg("--%s: more than %d given", what, CLI_LIST_MAX);
		return -1;
	}
	l->v[l->n++] = v;
	return 0;
}

const struct cli_opt *cli_opt_find(const struct cli_opt *opts,
				   const char *name)
{
	for (; opts->name; opts++)
		if (!strcmp(name, opts->name) ||
		    (opts->alias && !strcmp(name, opts->alias)))
			return opts;
	return NULL;
}

int cli_opt_set(const struct cli_opt *o, const char *name, const char *arg)
{
	if (takes_arg(o) != !!arg) {
		error_msg("option '%s' %s", name,
			  arg ? "takes no value" : "needs a value");
		return -1;
	}
	return set(o, name, arg);
}

static void add_long(struct option *lo, size_t *n, const char *name,
		     bool arg, int code)
{
	lo[*n] = (struct option){ name, arg ? required_argument : no_argument,
				  NULL, code };
	(*n)++;
}

void cli_version(void)
{
	printf("erofs-seal %s\n", eseal_version());
	exit(finish_stdout(0));
}

/* what getopt_long refused, said as plainly as we can */
static void __attribute__((noreturn)) bad_option(const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (strncmp(arg, "--", 2))
		usage_error("unknown option '-%c'", optopt);
	/* a long option that takes no value has its code in optopt */
	if (optopt && eq)
		usage_error("option '%.*s' takes no value", (int)(eq - arg),
			    arg);
	usage_error("unknown option '%s'", arg);
}

int cli_parse(int argc, char **argv, const struct cli_opt *opts)
{
	struct option lo[MAX_LONGOPTS + 1];
	/* ':' first: a missing value is told apart from an unknown option */
	char shortopts[2 * MAX_LONGOPTS + 3] = ":h";
	const char *name;
	size_t n = 0, ns = 2, i;
	int c, idx;

	for (i = 0; opts[i].name; i++) {
		if (n + 4 > MAX_LONGOPTS)
			abort();	/* a table larger than this file allows */
		add_long(lo, &n, opts[i].name, takes_arg(&opts[i]),
			 CODE_LONG + (int)i);
		if (opts[i].alias)
			add_long(lo, &n, opts[i].alias, takes_arg(&opts[i]),
				 CODE_LONG + (int)i);
		if (opts[i].short_name) {
			shortopts[ns++] = opts[i].short_name;
			if (takes_arg(&opts[i]))
				shortopts[ns++] = ':';
		}
	}
	shortopts[ns] = '\0';
	add_long(lo, &n, "help", false, 'h');
	add_long(lo, &n, "version", false, CODE_VERSION);
	memset(&lo[n], 0, sizeof(lo[n]));

	optind = 1;
	opterr = 0;		/* messages name the command: they are ours */
	while ((c = getopt_long(argc, argv, shortopts, lo, &idx)) != -1) {
		if (c == 'h') {
			cli_help(stdout, opts);
			exit(finish_stdout(0));
		}
		if (c == CODE_VERSION)
			cli_version();
		if (c == '?')
			bad_option(argv[optind - 1]);
		if (c == ':')
			usage_error("option '%s' needs a value",
				    argv[optind - 1]);
		if (c < CODE_LONG) {
			for (i = 0; opts[i].short_name != c; i++)
				;
			name = opts[i].name;
		} else {
			i = c - CODE_LONG;
			name = lo[idx].name;
		}
		if (set(&opts[i], name, optarg))
			usage_error(NULL);
	}
	return optind;
}

/* "  -q, --quiet", "      --hash=ALG, --hash-alg=ALG" */
static int option_words(char *buf, size_t size, const struct cli_opt *o)
{
	const char *arg = takes_arg(o) ? o->arg : NULL;
	int len;

	if (o->short_name)
		len = snprintf(buf, size, "  -%c, --%s", o->short_name,
			       o->name);
	else
		len = snprintf(buf, size, "  --%s", o->name);
	if (arg)
		len += snprintf(buf + len, size - len, "=%s", arg);
	if (o->alias)
		len += snprintf(buf + len, size - len, ", --%s%s%s", o->alias,
				arg ? "=" : "", arg ? arg : "");
	return len;
}

/* the help column starts here; longer option words get a line of their own */
#define HELP_COLUMN 24

static void print_option(FILE *f, const struct cli_opt *o)
{
	const char *h = o->help, *nl;
	char words[160];
	int len = option_words(words, sizeof(words), o);

	fputs(words, f);
	if (len >= HELP_COLUMN - 1) {
		fputc('\n', f);
		len = 0;
	}
	do {
		nl = strchr(h, '\n');
		fprintf(f, "%*s%.*s\n", HELP_COLUMN - len, "",
			nl ? (int)(nl - h) : (int)strlen(h), h);
		h = nl + 1;
		len = 0;
	} while (nl);
}

void cli_help(FILE *f, const struct cli_opt *opts)
{
	static const struct cli_opt common[] = {
		{ .name = "help", .short_name = 'h', .help = "show this help" },
		{ .name = "version", .help = "print the version" },
	};
	size_t i;

	cli_usage(f);
	fprintf(f, "\n%s\n", cli_cmd->help);
	fprintf(f, "\nOptions:\n");
	for (; opts->name; opts++)
		print_option(f, opts);
	for (i = 0; i < ARRAY_SIZE(common); i++)
		print_option(f, &common[i]);
}
