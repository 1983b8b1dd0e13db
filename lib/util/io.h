/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Whole reads and writes at an offset, retried over short transfers and
 * EINTR, the buffers they go through, and write-behind (lib/util/io.c).
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

/*
 * Write-behind for a file written from the start in order and fsync()ed
 * at the end: call it after each write with the bytes written so far,
 * and it asks the kernel to start writing out each ESEAL_WRITE_BEHIND
 * bytes as they fill, so that the disk works while the rest is made and
 * the fsync() finds little left to do.  Where that is not possible (a
 * pipe, a terminal) it stops trying.  Start with a zeroed struct.
 */
#define ESEAL_WRITE_BEHIND (4u << 20)

struct eseal_write_behind {
	uint64_t started;		/* bytes handed to writeback */
	int off;			/* not possible on this fd */
};

void eseal_write_behind(struct eseal_write_behind *wb, int fd,
			uint64_t written);

#endif /* ESEAL_UTIL_IO_H */
