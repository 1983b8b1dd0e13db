/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The new mount API (fsopen, fsconfig, fsmount, move_mount) called through
 * syscall(), and a reader of /proc/self/mountinfo.  Internal to lib/.
 */
#ifndef ESEAL_MOUNT_SYS_H
#define ESEAL_MOUNT_SYS_H

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"

/* The source of every overlay eseal_mount() makes, as mountinfo shows it */
#define ESEAL_OVERLAY_SOURCE "erofs-seal"

/* Each returns what the syscall returns (-1 and errno on failure). */
int eseal_fsopen(const char *fs_name, unsigned int flags);
int eseal_fsconfig(int fsfd, unsigned int cmd, const char *key,
		   const void *value, int aux);
int eseal_fsmount(int fsfd, unsigned int flags, unsigned int attr_flags);
int eseal_move_mount(int from_dfd, const char *from_path, int to_dfd,
		     const char *to_path, unsigned int flags);

/*
 * Read the messages the kernel left in a filesystem context ("e erofs:
 * ...") into buf as one line, "; " between messages; "" when none.
 */
void eseal_fs_log(int fsfd, char *buf, size_t size);

/*
 * fsconfig() a string parameter; on failure fill err with the step, the
 * kernel's message and errno, and return -errno.
 */
int eseal_fsconfig_str(int fsfd, const char *fs, const char *key,
		       const char *value, struct eseal_error *err);

/* One line of /proc/self/mountinfo, unescaped */
struct eseal_mnt {
	unsigned int id, parent;
	char *target; /* mount point */
	char *fstype;
	char *source;
	char *superopts; /* per-superblock options */
};

struct eseal_mnt_table {
	struct eseal_mnt *v;
	size_t n;
	char *buf; /* owns the strings */
};

int eseal_mnt_table_read(struct eseal_mnt_table *t, struct eseal_error *err);
void eseal_mnt_table_free(struct eseal_mnt_table *t);
/* The topmost mount on target (the last one listed), or NULL */
const struct eseal_mnt *eseal_mnt_find(const struct eseal_mnt_table *t,
				       const char *target);
/*
 * Copy the value of option key ("lowerdir+") from a comma separated list,
 * honouring backslash escapes of commas; the first one if repeated.
 * Returns false when the option is absent or does not fit.
 */
bool eseal_mnt_opt(const char *opts, const char *key, char *buf, size_t size);
/* The same for the n-th (from 0) of a repeated option ("datadir+") */
bool eseal_mnt_opt_nth(const char *opts, const char *key, size_t n, char *buf,
		       size_t size);
/* Whether a flag option ("signed") is in a comma separated list */
bool eseal_mnt_flag(const char *opts, const char *flag);

#endif /* ESEAL_MOUNT_SYS_H */
