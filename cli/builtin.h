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
int cmd_info(int argc, char **argv);

/* sign/ */
int cmd_digest(int argc, char **argv);

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
