// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Helpers every command uses: messages and exit codes, inputs read through
 * the library's input rule, and JSON output.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Largest passphrase file read (its first line is the secret) */
#define SECRET_MAX (64u << 10)

/* ---- messages ---------------------------------------------------------- */

static void verror(const char *fmt, va_list ap)
{
	fprintf(stderr, "erofs-seal%s%s: ", cli_cmd ? " " : "",
		cli_cmd ? cli_cmd->name : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void error_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
}

const char *error_text(int ret, const struct eseal_error *err)
{
	if (err->msg[0])
		return err->msg;
	return ret < 0 ? strerror(-ret) : "unknown error";
}

int fail(int ret, const struct eseal_error *err)
{
	error_msg("%s", error_text(ret, err));
	return EXIT_FAILURE;
}

void cli_usage(FILE *f)
{
	const char *u = cli_cmd->usage, *nl;
	const char *lead = "Usage: ";

	/* one synopsis a line, aligned under the first */
	do {
		nl = strchr(u, '\n');
		fprintf(f, "%s%.*s\n", lead, nl ? (int)(nl - u) : (int)strlen(u),
			u);
		lead = "       ";
		u = nl ? nl + 1 : NULL;	/* no pointer past a NULL (UBSan) */
	} while (u && *u);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		verror(fmt, ap);
		va_end(ap);
	}
	cli_usage(stderr);
	fprintf(stderr, "Try 'erofs-seal %s --help' for the options.\n",
		cli_cmd->name);
	exit(EXIT_USAGE);
}

int finish_stdout(int status)
{
	if ((fflush(stdout) != 0 || ferror(stdout)) && status == 0) {
		error_msg("writing to standard output: %s",
			  strerror(errno ? errno : EIO));
		return EXIT_FAILURE;
	}
	return status;
}

void human_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* ---- inputs ------------------------------------------------------------ */

int read_input(const char *path, unsigned int flags, size_t max,
	       uint8_t **buf, size_t *len, struct eseal_error *err)
{
	if (!strcmp(path, "-"))
		return eseal_input_read_fd(STDIN_FILENO, "<stdin>", max, buf,
					   len, err);
	return eseal_input_read(path, flags, max, buf, len, err);
}

int file_digest(const char *path, int alg, struct eseal_digest *d,
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

int read_secret(const char *file, const char *env, char **out)
{
	struct eseal_error err = { 0 };
	const char *v;
	uint8_t *buf;
	size_t n, k;
	int ret;

	*out = NULL;
	if (file) {
		/* a pipe is fine here: --pass-file <(pass show key) */
		ret = eseal_input_read(file, ESEAL_INPUT_PIPE_OK, SECRET_MAX,
				       &buf, &n, &err);
		if (ret)
			return fail(ret, &err);
		for (k = 0; k < n && buf[k] != '\n' && buf[k] != '\r'; k++)
			;
		*out = strndup((const char *)buf, k);
		explicit_bzero(buf, n);
		free(buf);
	} else if (env) {
		v = getenv(env);
		if (!v) {
			error_msg("environment variable %s is not set", env);
			return EXIT_FAILURE;
		}
		*out = strdup(v);
	}
	if ((file || env) && !*out) {
		error_msg("out of memory");
		return EXIT_FAILURE;
	}
	return 0;
}

void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* ---- JSON -------------------------------------------------------------- */

void json_begin(struct json *j, FILE *f)
{
	j->f = f;
	j->first = true;
	fputc('{', f);
}

void json_key(struct json *j, const char *name)
{
	if (!j->first)
		fputc(',', j->f);
	j->first = false;
	json_string(j->f, name);
	fputc(':', j->f);
}

void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void json_str(struct json *j, const char *name, const char *v)
{
	json_key(j, name);
	json_string(j->f, v);
}

void json_bool(struct json *j, const char *name, bool v)
{
	json_key(j, name);
	fputs(v ? "true" : "false", j->f);
}

void json_uint(struct json *j, const char *name, unsigned long long v)
{
	json_key(j, name);
	fprintf(j->f, "%llu", v);
}

void json_end(struct json *j)
{
	fputs("}\n", j->f);
}

void json_close(struct json *j)
{
	fputc('}', j->f);
}
