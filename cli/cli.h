/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The layer every erofs-seal command is written on: the command table,
 * option parsing (with --help and --version), messages and exit codes,
 * inputs, JSON output and atomic output files.  Commands include this and
 * the library's public header only.
 */
#ifndef ESEAL_CLI_H
#define ESEAL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "erofs-seal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the command table (cli/erofs-seal.c) ------------------------------ */

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;	/* one line, for "erofs-seal --help" */
	const char *usage;	/* synopsis lines, each "erofs-seal <name> ..." */
	const char *help;	/* what --help prints between usage and options */
};

/* The command running (set by main before it calls cmd->fn) */
extern const struct command *cli_cmd;

/* mkimage/ */
int cmd_mkimage(int argc, char **argv);
int cmd_info(int argc, char **argv);
/* sign/ */
int cmd_digest(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_keyring(int argc, char **argv);
/*
 * sign/operands.c: "IMAGE SIG", or "SIG" alone with --digest (parsed into
 * *d; a --hash that disagrees is refused): else a usage error
 */
void image_sig_operands(int argc, char **argv, const char *digest_arg,
			int alg, const char **image, const char **sig,
			struct eseal_digest *d);
/* IMAGE's fs-verity digest with pin's algorithm, else alg, else sha256 */
int image_digest(const char *image, const struct eseal_digest *pin, int alg,
		 struct eseal_digest *out, struct eseal_error *err);
/* store/ */
int cmd_store(int argc, char **argv);
/* mount/ */
int cmd_mount(int argc, char **argv);
int cmd_umount(int argc, char **argv);
/* mount.erofs-seal: argv[0] is the helper's name; not in the table */
int cmd_mount_helper(int argc, char **argv);

/* ---- exit codes -------------------------------------------------------- */

#define EXIT_USAGE 2
/* verify's (EXIT_USAGE is 2) */
#define EXIT_BAD_SIGNATURE 1
#define EXIT_UNTRUSTED 3
#define EXIT_NO_INPUT 4
/* store fsck's (0 clean, EXIT_NO_INPUT: could not read all) */
#define EXIT_PROBLEMS 1

/* ---- options (cli/options.c) ------------------------------------------- */

enum cli_opt_kind {
	CLI_BOOL,		/* bool *: set */
	CLI_FLAG,		/* unsigned int *: |= flag */
	CLI_STRING,		/* const char **: the argument */
	CLI_LIST,		/* struct cli_list *: append the argument */
	CLI_UINT,		/* unsigned int *: a number in [min, max] */
	CLI_HASH,		/* int *: ESEAL_HASH_* named by the argument */
	CLI_SIZE,		/* uint64_t *: a byte count from 1, with an
				   optional K, M, G or T (powers of 1024) */
};

#define CLI_LIST_MAX 64
struct cli_list {
	const char *v[CLI_LIST_MAX];
	size_t n;
};

/*
 * One option of a command: its long name (and an older spelling kept
 * working), what it sets, and its line in --help.  A table ends with an
 * entry whose name is NULL.
 */
struct cli_opt {
	const char *name;
	const char *alias;	/* another long name for the same, or NULL */
	char short_name;	/* 0: none */
	enum cli_opt_kind kind;
	void *ptr;
	unsigned int flag;	/* CLI_FLAG: the bit */
	unsigned int min, max;	/* CLI_UINT: the range */
	const char *arg;	/* the argument's name in --help */
	const char *help;	/* may hold '\n' */
};

/*
 * getopt_long over argv by the table; -h/--help and --version are answered
 * here (exit 0), and an unknown option or a bad value is a usage error
 * (exit 2).  Returns the index of the first operand (operands may stand
 * between options; "--" ends them).
 */
int cli_parse(int argc, char **argv, const struct cli_opt *opts);
/* The option of that name (either spelling), or NULL */
const struct cli_opt *cli_opt_find(const struct cli_opt *opts,
				   const char *name);
/*
 * Apply option o, given as name, with value arg (NULL: none): 0, or -1
 * after a message (a missing or unexpected value, a bad value).
 */
int cli_opt_set(const struct cli_opt *o, const char *name, const char *arg);
/* append to a list; -1 after a message when it is full */
int cli_list_add(struct cli_list *l, const char *what, const char *v);

/* ---- messages (cli/util.c) --------------------------------------------- */

/* "erofs-seal <command>: <message>" on stderr: every message goes here */
void __attribute__((format(printf, 1, 2))) error_msg(const char *fmt, ...);
/* What a failed library call said: err's message, else strerror(-ret) */
const char *error_text(int ret, const struct eseal_error *err);
/* error_msg() that; returns 1, the exit status of a failed command */
int fail(int ret, const struct eseal_error *err);
/* A message (fmt may be NULL), the command's usage, exit 2 */
void __attribute__((format(printf, 1, 2), noreturn))
usage_error(const char *fmt, ...);
/* the command's synopsis lines, "Usage: ..." */
void cli_usage(FILE *f);
/* print "erofs-seal VERSION" and exit */
void __attribute__((noreturn)) cli_version(void);
/* print the command's --help (synopsis, help text, options) */
void cli_help(FILE *f, const struct cli_opt *opts);
/* flush stdout; a failed write there is an error of the command (1) */
int finish_stdout(int status);
/* "12 B", "3.4 MiB": a size for people */
void human_size(uint64_t bytes, char *buf, size_t size);

/* ---- inputs (cli/util.c) ----------------------------------------------- */

/*
 * Read a whole input of at most max bytes through the library's input
 * rule (eseal_input_read: regular files only, unless flags has
 * ESEAL_INPUT_PIPE_OK); "-" reads standard input.  free() *buf.
 */
int read_input(const char *path, unsigned int flags, size_t max,
	       uint8_t **buf, size_t *len, struct eseal_error *err);
/* The fs-verity digest of the file at path */
int file_digest(const char *path, int alg, struct eseal_digest *d,
		struct eseal_error *err);
/*
 * A secret from a file's first line (a pipe is fine) or an environment
 * variable; *out is NULL when both are NULL.  free_secret() it.  Returns 0,
 * or 1 after a message.
 */
int read_secret(const char *file, const char *env, char **out);
void free_secret(char *s);

/* ---- JSON output (cli/util.c): one object on one line ------------------ */

struct json {
	FILE *f;
	bool first;		/* no member written yet */
};
void json_begin(struct json *j, FILE *f);
/* "name": and what follows is the caller's (json_string, an array...) */
void json_key(struct json *j, const char *name);
/* a JSON string; NULL gives null */
void json_string(FILE *f, const char *s);
void json_str(struct json *j, const char *name, const char *v);
void json_bool(struct json *j, const char *name, bool v);
void json_uint(struct json *j, const char *name, unsigned long long v);
void json_end(struct json *j);
/* the end of an object inside another (no newline) */
void json_close(struct json *j);

/* ---- atomic output files (cli/output.c) -------------------------------- */

/*
 * An output file that appears complete or not at all: the library's
 * eseal_output, or standard output for "-" where a command allows it.
 * Each function prints its own error, naming the path.
 */
struct output {
	const char *path;	/* as given */
	int fd;			/* write here */
	struct eseal_output *file; /* NULL for stdout */
};
#define OUTPUT_INIT { .fd = -1 }
#define OUTPUT_STDOUT_OK (1u << 0)	/* "-" is standard output */
/*
 * Refuses a path that exists and is not a regular file, or is one of the
 * n_inputs files (by device and inode; NULL entries are skipped).
 */
bool output_open(struct output *o, const char *path, unsigned int flags,
		 const char *const *inputs, size_t n_inputs);
bool output_write(struct output *o, const void *buf, size_t len);
/* fsync, then the file takes the name; on failure, as output_abort() */
bool output_commit(struct output *o);
/* discard the temporary file; harmless after commit or for stdout */
void output_abort(struct output *o);

#endif /* ESEAL_CLI_H */
