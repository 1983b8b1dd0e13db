// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * fsmount: mount a filesystem with the new mount API, for the tests.
 *
 *	fsmount FSTYPE SOURCE TARGET [OPTION...]
 *
 * OPTION is "key" (a flag) or "key=value" (a string, in order; repeated keys
 * such as lowerdir+ are passed as given).  SOURCE "-" sets none.  Unlike
 * mount(8), a regular file given to erofs is mounted directly (file-backed),
 * never through a loop device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#define FSMOUNT_CLOEXEC 0x00000001
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

static void show_log(int fd)
{
	char buf[512];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		fprintf(stderr, "fsmount: kernel: %s\n", buf);
	}
}

int main(int argc, char **argv)
{
	int fsfd, mfd, i;

	if (argc < 4) {
		fprintf(stderr, "usage: fsmount FSTYPE SOURCE TARGET [OPTION...]\n");
		return 2;
	}
	fsfd = syscall(SYS_fsopen, argv[1], FSOPEN_CLOEXEC);
	if (fsfd < 0) {
		fprintf(stderr, "fsmount: fsopen %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	if (strcmp(argv[2], "-") &&
	    syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "source",
		    argv[2], 0) < 0) {
		fprintf(stderr, "fsmount: source %s: %s\n", argv[2],
			strerror(errno));
		show_log(fsfd);
		return 1;
	}
	for (i = 4; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		long r;

		if (eq) {
			*eq = '\0';
			r = syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING,
				    argv[i], eq + 1, 0);
		} else {
			r = syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_FLAG,
				    argv[i], NULL, 0);
		}
		if (r < 0) {
			fprintf(stderr, "fsmount: option %s%s%s: %s\n", argv[i],
				eq ? "=" : "", eq ? eq + 1 : "", strerror(errno));
			show_log(fsfd);
			return 1;
		}
	}
	if (syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		fprintf(stderr, "fsmount: create %s: %s\n", argv[1],
			strerror(errno));
		show_log(fsfd);
		return 1;
	}
	mfd = syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
	if (mfd < 0) {
		fprintf(stderr, "fsmount: fsmount: %s\n", strerror(errno));
		show_log(fsfd);
		return 1;
	}
	if (syscall(SYS_move_mount, mfd, "", AT_FDCWD, argv[3],
		    MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		fprintf(stderr, "fsmount: move_mount to %s: %s\n", argv[3],
			strerror(errno));
		return 1;
	}
	return 0;
}
