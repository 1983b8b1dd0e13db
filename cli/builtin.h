/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The subcommands of erofs-seal.  Each cmd_<name>() parses its own options,
 * calls the library and prints; it returns the process exit status.
 */
#ifndef ESEAL_BUILTIN_H
#define ESEAL_BUILTIN_H

#include <stdbool.h>
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

#endif /* ESEAL_BUILTIN_H */
