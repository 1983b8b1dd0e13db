// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Helpers shared by the trust-side commands (sign, verify, keyring).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"

/* Largest passphrase file read (its first line is the secret) */
#define SECRET_MAX (64u << 10)

/* A secret from a file (first line) or an environment variable. */
int sign_secret_read(const char *file, const char *env, char **out,
		struct eseal_error *err)
{
	const char *v;
	uint8_t *buf;
	size_t n, k;
	int ret;

	*out = NULL;
	if (file) {
		/* a pipe is fine here: --pass-file <(pass show key) */
		ret = eseal_input_read(file, ESEAL_INPUT_PIPE_OK, SECRET_MAX,
				       &buf, &n, err);
		if (ret)
			return ret;
		for (k = 0; k < n && buf[k] != '\n' && buf[k] != '\r'; k++)
			;
		*out = strndup((const char *)buf, k);
		explicit_bzero(buf, n);
		free(buf);
	} else if (env) {
		v = getenv(env);
		if (!v) {
			snprintf(err->msg, sizeof(err->msg),
				 "environment variable %s is not set", env);
			return -1;
		}
		*out = strdup(v);
	}
	if ((file || env) && !*out) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void sign_secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* The fs-verity digest of a file. */
int sign_image_digest(const char *path, int alg, struct eseal_digest *d,
		 struct eseal_error *err)
{
	int fd, ret;

	fd = eseal_input_open(path, 0, err);
	if (fd < 0)
		return fd;
	ret = eseal_fsverity_digest_fd(fd, path, alg, d, err);
	close(fd);
	return ret;
}
