// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The registry transport: skopeo as a subprocess, as composefs-rs uses it.
 * skopeo already knows registries, auth files, TLS, mirrors and the other
 * transports; erofs-seal never speaks HTTP itself.  Its standard output
 * (a raw manifest, a config) is read into memory up to a limit; its
 * standard error is kept and, when it fails, becomes the error message,
 * verbatim after the name of the step that failed.  Standard input is
 * /dev/null: skopeo never waits for a password.
 */
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci.h"

extern char **environ;

#define STDERR_KEEP (16u << 10)
#define MAX_ARGS 32

/* The registry options for side, appended to argv at *n */
static int add_opts(const struct eseal_registry_opts *r, enum oci_side side,
		    const char **argv, size_t *n, char *tls, size_t tls_size)
{
	const char *p = side == OCI_SIDE_SRC ? "src-" :
			side == OCI_SIDE_DEST ? "dest-" : "";
	static const char *const names[3][3] = {
		{ "--authfile", "--creds", "--cert-dir" },
		{ "--src-authfile", "--src-creds", "--src-cert-dir" },
		{ "--dest-authfile", "--dest-creds", "--dest-cert-dir" },
	};
	const char *vals[3];
	int i;

	if (!r)
		return 0;
	vals[0] = r->authfile;
	vals[1] = r->creds;
	vals[2] = r->cert_dir;
	if (r->tls_verify >= 0) {
		snprintf(tls, tls_size, "--%stls-verify=%s", p,
			 r->tls_verify ? "true" : "false");
		argv[(*n)++] = tls;
	}
	for (i = 0; i < 3; i++) {
		if (!vals[i])
			continue;
		argv[(*n)++] = names[side][i];
		argv[(*n)++] = vals[i];
	}
	return 0;
}

/* Append what fd has to *buf (at most max bytes kept); 0 at its end */
static int drain(int fd, uint8_t **buf, size_t *len, size_t *cap, size_t max,
		 bool *over)
{
	uint8_t tmp[16384];
	ssize_t n;

	n = read(fd, tmp, sizeof(tmp));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n == 0)
		return 0;
	if (*len + (size_t)n > max) {
		*over = true;
		n = (ssize_t)(max - *len);
	}
	if (*len + (size_t)n + 1 > *cap) {
		size_t c = MAX(*cap * 2, *len + (size_t)n + 1);
		uint8_t *b = realloc(*buf, c);

		if (!b)
			return -ENOMEM;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return 1;
}

int oci_skopeo(const struct eseal_registry_opts *r, const char *step,
	       const char *verb, enum oci_side side, const char *const *args,
	       uint8_t **out, size_t *out_len, size_t out_max,
	       struct eseal_error *err)
{
	const char *argv[MAX_ARGS], *prog = r && r->skopeo ? r->skopeo : "skopeo";
	posix_spawn_file_actions_t fa;
	uint8_t *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, ocap = 0, elen = 0, ecap = 0, n = 0, i;
	bool oover = false, eover = false;
	int opipe[2] = { -1, -1 }, epipe[2] = { -1, -1 }, status, rc;
	struct pollfd pf[2];
	char tls[32];
	pid_t pid;

	if (out)
		*out = NULL;
	argv[n++] = prog;
	argv[n++] = verb;
	add_opts(r, side, argv, &n, tls, sizeof(tls));
	for (i = 0; args[i]; i++) {
		if (n + 2 > MAX_ARGS)
			return eseal_errorf(err, E2BIG, "%s: too many arguments",
					    step);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	if (pipe2(opipe, O_CLOEXEC) < 0 || pipe2(epipe, O_CLOEXEC) < 0) {
		rc = eseal_syserrorf(err, errno, "%s: pipe", step);
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, opipe[1], 1);
	posix_spawn_file_actions_adddup2(&fa, epipe[1], 2);
	rc = posix_spawnp(&pid, prog, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(opipe[1]);
	close(epipe[1]);
	opipe[1] = epipe[1] = -1;
	if (rc) {
		rc = rc == ENOENT ?
			     eseal_errorf(err, ENOENT,
					  "%s: %s is not installed (Debian package skopeo)",
					  step, prog) :
			     eseal_syserrorf(err, rc, "%s: cannot run %s", step,
					     prog);
		goto out;
	}
	pf[0].fd = opipe[0];
	pf[1].fd = epipe[0];
	pf[0].events = pf[1].events = POLLIN;
	rc = 0;
	while (pf[0].fd >= 0 || pf[1].fd >= 0) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		for (i = 0; i < 2 && rc >= 0; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			rc = i ? drain(pf[i].fd, &ebuf, &elen, &ecap,
				       STDERR_KEEP, &eover) :
				 drain(pf[i].fd, &obuf, &olen, &ocap, out_max,
				       &oover);
			if (rc == 0)
				pf[i].fd = -1;
		}
		if (rc < 0)
			break;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc > 0)
		rc = 0;
	if (rc < 0) {
		rc = eseal_syserrorf(err, -rc, "%s: reading skopeo's output",
				     step);
		goto out;
	}
	/* its last line says what went wrong; no newline at the end */
	while (elen && (ebuf[elen - 1] == '\n' || ebuf[elen - 1] == '\r'))
		ebuf[--elen] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		const char *e = elen ? (const char *)ebuf : "(no message)";

		/* a long message keeps its end, where skopeo's error is */
		if (elen > ESEAL_ERR_MSG_MAX / 2)
			e += elen - ESEAL_ERR_MSG_MAX / 2;
		if (WIFEXITED(status))
			rc = eseal_errorf(err, EIO, "%s: skopeo %s: %s", step,
					  verb, e);
		else
			rc = eseal_errorf(err, EIO,
					  "%s: skopeo %s killed by signal %d: %s",
					  step, verb, WTERMSIG(status), e);
		goto out;
	}
	if (oover) {
		rc = eseal_errorf(err, EFBIG,
				  "%s: skopeo %s printed more than %zu bytes",
				  step, verb, out_max);
		goto out;
	}
	if (out) {
		*out = obuf ? obuf : calloc(1, 1);
		*out_len = olen;
		obuf = NULL;
		if (!*out)
			rc = eseal_errorf(err, ENOMEM, "out of memory");
	}
out:
	for (i = 0; i < 2; i++) {
		if (opipe[i] >= 0)
			close(opipe[i]);
		if (epipe[i] >= 0)
			close(epipe[i]);
	}
	free(obuf);
	free(ebuf);
	return rc;
}
