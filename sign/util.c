// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Helpers shared by the trust-side commands (sign, verify, keyring).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"

/* A secret from a file (first line) or an environment variable. */
int sign_secret_read(const char *file, const char *env, char **out,
		struct eseal_error *err)
{
	char buf[1024];
	const char *v;
	size_t n;
	FILE *f;

	*out = NULL;
	if (file) {
		f = fopen(file, "re");
		if (!f) {
			snprintf(err->msg, sizeof(err->msg), "%s: %m", file);
			return -1;
		}
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		buf[strcspn(buf, "\r\n")] = 0;
		*out = strdup(buf);
		memset(buf, 0, sizeof(buf));
	} else if (env) {
		v = getenv(env);
		if (!v) {
			snprintf(err->msg, sizeof(err->msg),
				 "environment variable %s is not set", env);
			return -1;
		}
		*out = strdup(v);
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

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: %m", path);
		return -1;
	}
	ret = eseal_fsverity_digest_fd(fd, path, alg, d, err);
	close(fd);
	return ret;
}
