// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal mount --fuse: check the image, mount it with a FUSE server
 * that checks every read, and serve it, detached unless --foreground.
 *
 * The server's log (a block that failed its check, a Merkle tree made)
 * goes to standard error: kept when detached unless it is a terminal
 * (systemd's journal, a redirect), else syslog.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "mount-cmd.h"

struct log_to {
	bool syslog;
};

static void log_line(void *arg, int priority, const char *msg)
{
	const struct log_to *l = arg;

	if (l->syslog)
		syslog(priority, "%s", msg);
	else
		fprintf(stderr, "erofs-seal mount[%ld]: %s\n", (long)getpid(),
			msg);
}

/* Room for the object files the server keeps open */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * Detach: the parent prints what was mounted and exits at once (leaving
 * the mount to the child), the child serves in a session of its own.
 * Returns in the child only.
 */
static int detach(const char *image, const char *target,
		  const struct eseal_mount_result *res, bool json, bool quiet,
		  struct log_to *l)
{
	pid_t pid;
	int null;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		mount_print_result(image, target, res, (long)pid, json, quiet);
		fflush(stdout);
		fflush(stderr);
		_exit(0);	/* the mount is the child's now */
	}
	setsid();
	if (chdir("/"))
		return -errno;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -errno;
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	if (isatty(STDERR_FILENO)) {
		dup2(null, STDERR_FILENO);
		l->syslog = true;
		openlog("erofs-seal", LOG_PID, LOG_DAEMON);
	}
	close(null);
	return 0;
}

int mount_fuse(const char *image, const char *target,
	       const struct eseal_mount_opts *o, bool foreground, bool json,
	       bool quiet)
{
	struct log_to l = { false };
	struct eseal_fuse_opts fo = {
		.size = sizeof(fo),
		.log = log_line,
		.log_arg = &l,
	};
	struct eseal_mount_result res = ESEAL_MOUNT_RESULT_INIT;
	struct eseal_error err = { 0 };
	struct eseal_fuse *f;
	int r;

	if (getenv("ESEAL_FUSE_DEBUG"))
		fo.flags |= ESEAL_FUSE_DEBUG;
	raise_nofile();
	r = eseal_fuse_mount(image, target, o, &fo, &f, &res, &err);
	if (r)
		return fail(r, &err);
	if (foreground) {
		mount_print_result(image, target, &res, (long)getpid(), json,
				   quiet);
		fflush(stdout);
	} else {
		r = detach(image, target, &res, json, quiet, &l);
		if (r) {
			/* the child could not settle: take the mount down */
			eseal_mount_result_release(&res);
			eseal_fuse_free(f);
			errno = -r;
			error_msg("%s: cannot detach the server: %m", target);
			return 1;
		}
	}
	eseal_mount_result_release(&res);
	r = eseal_fuse_serve(f, &err);
	eseal_fuse_free(f);
	if (l.syslog)
		closelog();
	if (r)
		return fail(r, &err);
	return 0;
}
