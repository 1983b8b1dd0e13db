// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Atomic output files for the commands (mkimage's IMAGE, sign's SIG): the
 * library's eseal_output (temporary file, fsync, then the name; special
 * files and inputs refused), plus "-" for standard output where a command
 * allows it.  Each function prints its own error, naming the path.
 */
#include <string.h>
#include <unistd.h>

#include "cli.h"

bool output_open(struct output *o, const char *path, unsigned int flags,
		 const char *const *inputs, size_t n_inputs)
{
	struct eseal_error err = { 0 };
	int r;

	*o = (struct output)OUTPUT_INIT;
	o->path = path;
	if ((flags & OUTPUT_STDOUT_OK) && !strcmp(path, "-")) {
		o->fd = STDOUT_FILENO;
		return true;
	}
	r = eseal_output_open(path, 0, inputs, n_inputs, &o->file, &err);
	if (r) {
		fail(r, &err);
		return false;
	}
	o->fd = eseal_output_fd(o->file);
	return true;
}

bool output_write(struct output *o, const void *buf, size_t len)
{
	struct eseal_error err = { 0 };
	int r;

	if (!o->file) {
		if (fwrite(buf, 1, len, stdout) == len)
			return true;
		error_msg("standard output: write failed");
		return false;
	}
	r = eseal_output_write(o->file, buf, len, &err);
	if (r)
		fail(r, &err);
	return !r;
}

bool output_commit(struct output *o)
{
	struct eseal_error err = { 0 };
	int r;

	if (!o->file)
		return true;	/* stdout: the caller flushes */
	r = eseal_output_commit(o->file, &err);
	if (r)
		fail(r, &err);
	output_abort(o);
	return !r;
}

void output_abort(struct output *o)
{
	eseal_output_free(o->file);
	o->file = NULL;
	o->fd = -1;
}
