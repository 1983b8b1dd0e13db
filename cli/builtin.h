/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The subcommands of erofs-seal.  Each cmd_<name>() parses its own options,
 * calls the library and prints; it returns the process exit status.
 */
#ifndef ESEAL_BUILTIN_H
#define ESEAL_BUILTIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "erofs-seal.h"

/* Exit codes shared by all commands */
#define EXIT_USAGE 2

/* mkimage/ */
int cmd_mkimage(int argc, char **argv);
int cmd_info(int argc, char **argv);

/* sign/ */
int cmd_digest(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_keyring(int argc, char **argv);
/* exit codes of verify (EXIT_USAGE is 2) */
#define EXIT_BAD_SIGNATURE 1
#define EXIT_UNTRUSTED 3
#define EXIT_NO_INPUT 4
/* sign/util.c: a secret from a file's first line or an environment variable */
int sign_secret_read(const char *file, const char *env, char **out,
		     struct eseal_error *err);
void sign_secret_free(char *s);
/* the fs-verity digest of the file at path */
int sign_image_digest(const char *path, int alg, struct eseal_digest *d,
		      struct eseal_error *err);

/* mount/ */
int cmd_mount(int argc, char **argv);
int cmd_umount(int argc, char **argv);
/* mount.erofs-seal: argv[0] is the helper's name */
int cmd_mount_helper(int argc, char **argv);


/* helpers in cli/util.c */
extern const char *progname;

void __attribute__((format(printf, 1, 2))) error_msg(const char *fmt, ...);
/* print "erofs-seal <cmd>: <err->msg>" and return 1 */
int report(const char *cmd, const struct eseal_error *err);
/* parse a decimal unsigned integer option; false on garbage/overflow */
bool parse_uint(const char *s, unsigned long max, unsigned long *out);
/* a byte count: decimal, optionally K, M, G or T (powers of 1024) */
bool parse_size(const char *s, uint64_t *out);

/*
 * cli/output.c: an output file that appears complete or not at all (an
 * O_TMPFILE, else a short-named temporary file, fsynced, then linked or
 * renamed into place).  Each function prints its own error, naming the path.
 */
#define OUTPUT_TMP_SIZE 32
struct output {
	const char *path;	/* as given */
	const char *base;	/* its last component */
	int fd;			/* write here */
	int dirfd;		/* O_PATH fd of its directory; -1 for stdout */
	char tmp[OUTPUT_TMP_SIZE]; /* name of a named temporary file, or "" */
};
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

#endif /* ESEAL_BUILTIN_H */
