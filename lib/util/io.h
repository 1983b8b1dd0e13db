/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Whole reads and writes at an offset, retried over short transfers and
 * EINTR (lib/util/io.c).
 */
#ifndef ESEAL_UTIL_IO_H
#define ESEAL_UTIL_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read len bytes at off; fewer only at the end of the file; -1 + errno */
ssize_t eseal_pread_full(int fd, void *buf, size_t len, uint64_t off);
/* Write len bytes at off: 0, or -1 + errno */
int eseal_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

#endif /* ESEAL_UTIL_IO_H */
