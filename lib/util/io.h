/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Whole reads and writes at an offset, retried over short transfers and
 * EINTR, and the buffers they go through (lib/util/io.c).
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
/*
 * A buffer for file data read or written in bulk: page-aligned, size
 * rounded up to pages; NULL when out of memory; free() it.
 */
void *eseal_io_buf_alloc(size_t size);

#endif /* ESEAL_UTIL_IO_H */
