// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Unmounting a FUSE mount: root may umount2() it; anybody else goes
 * through fusermount3 (set-uid root), which checks that the caller is the
 * user who mounted it.  Its complaint becomes the error message.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuse-umount.h"

#define FUSERMOUNT "fusermount3"

extern char **environ;

static int fusermount(const char *target, bool lazy, struct eseal_error *err)
{
	char *argv[6] = { FUSERMOUNT, "-u" };
	posix_spawn_file_actions_t fa;
	char msg[512], *nl;
	int p[2], status, e;
	size_t len = 0;
	ssize_t n;
	pid_t pid;
	int i = 2;

	if (lazy)
		argv[i++] = "-z";
	argv[i++] = "--";
	argv[i] = (char *)target;
	if (pipe2(p, O_CLOEXEC))
		return eseal_syserrorf(err, errno, "unmount %s", target);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
	e = posix_spawnp(&pid, FUSERMOUNT, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (e) {
		close(p[0]);
		return eseal_syserrorf(err, e, "unmount %s: " FUSERMOUNT,
				       target);
	}
	while (len < sizeof(msg) - 1 &&
	       ((n = read(p[0], msg + len, sizeof(msg) - 1 - len)) > 0 ||
		(n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	msg[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	nl = strchr(msg, '\n');
	if (nl)
		*nl = '\0';
	return eseal_errorf(err, EPERM, "unmount %s: %s", target,
			    msg[0] ? msg : FUSERMOUNT " failed");
}

int eseal_fuse_umount(const char *target, unsigned int flags,
		      struct eseal_error *err)
{
	bool lazy = flags & ESEAL_UMOUNT_LAZY;

	if (geteuid() != 0)
		return fusermount(target, lazy, err);
	if (umount2(target, lazy ? MNT_DETACH : 0))
		return eseal_syserrorf(
			err, errno, "unmount %s%s", target,
			errno == EBUSY ? " (in use; --lazy detaches it)" : "");
	return 0;
}
