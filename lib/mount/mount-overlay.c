// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The overlay of eseal_mount(): the EROFS layer as the one lower layer, the
 * object stores as data-only layers, metacopy=on, redirect_dir=follow and
 * verity=require; through fsconfig's lowerdir+/datadir+ or, on kernels
 * before 6.7, the legacy "lowerdir=LAYER::STORE" string.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "mount.h"

static int mount_overlay_new(struct mstate *s, struct eseal_error *err)
{
	bool ro = !s->upperdir || (s->o->flags & ESEAL_MOUNT_READ_ONLY);
	int fsfd, mfd, r = 0, e;
	char log[512];
	size_t i;

	fsfd = eseal_fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return eseal_syserrorf(err, errno, "fsopen(overlay)");
	r = eseal_fsconfig_str(fsfd, "overlay", "source", ESEAL_OVERLAY_SOURCE,
			       err);
	if (!r && eseal_fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+",
				 s->layer, 0)) {
		/* a kernel without lowerdir+ (before 6.7) */
		r = errno == EINVAL ?
			    -ENOSYS :
			    eseal_syserrorf(err, errno,
					    "overlay option lowerdir+");
	}
	for (i = 0; !r && i < s->n_basedirs; i++)
		r = eseal_fsconfig_str(fsfd, "overlay", "datadir+",
				       s->basedirs[i], err);
	if (!r)
		r = eseal_fsconfig_str(fsfd, "overlay", "metacopy", "on", err);
	if (!r)
		r = eseal_fsconfig_str(fsfd, "overlay", "redirect_dir",
				       s->upperdir ? "on" : "follow", err);
	if (!r && s->res->data_verity)
		r = eseal_fsconfig_str(fsfd, "overlay", "verity", "require",
				       err);
	if (!r && s->upperdir)
		r = eseal_fsconfig_str(fsfd, "overlay", "upperdir", s->upperdir,
				       err);
	if (!r && s->workdir)
		r = eseal_fsconfig_str(fsfd, "overlay", "workdir", s->workdir,
				       err);
	if (!r && eseal_fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		e = errno;
		eseal_fs_log(fsfd, log, sizeof(log));
		r = eseal_syserrorf(err, e, "mount overlay%s%s%s",
				    log[0] ? " (kernel: " : "", log,
				    log[0] ? ")" : "");
	}
	if (r) {
		close(fsfd);
		return r;
	}
	mfd = eseal_fsmount(fsfd, FSMOUNT_CLOEXEC, ro ? MOUNT_ATTR_RDONLY : 0);
	e = errno;
	close(fsfd);
	if (mfd < 0)
		return eseal_syserrorf(err, e, "fsmount(overlay)");
	r = eseal_move_mount(mfd, "", AT_FDCWD, s->target,
			     MOVE_MOUNT_F_EMPTY_PATH);
	e = errno;
	close(mfd);
	if (r)
		return eseal_syserrorf(err, e, "move_mount(overlay, %s)",
				       s->target);
	return 0;
}

/* Paths go into a comma and colon separated string: refuse what breaks it */
static int legacy_path(const char *what, const char *p, struct eseal_error *err)
{
	if (strpbrk(p, ",:\\"))
		return eseal_errorf(
			err, EINVAL,
			"%s %s: ',', ':' or '\\' in a path cannot be passed to this kernel's overlayfs",
			what, p);
	return 0;
}

/* Every path of the legacy string (the layer's is the run directory's) */
static int legacy_paths(const struct mstate *s, struct eseal_error *err)
{
	size_t i;
	int r = legacy_path("run directory", s->rundir, err);

	for (i = 0; !r && i < s->n_basedirs; i++)
		r = legacy_path("object store", s->basedirs[i], err);
	if (!r && s->upperdir)
		r = legacy_path("upper directory", s->upperdir, err);
	if (!r && s->workdir)
		r = legacy_path("work directory", s->workdir, err);
	return r;
}

static bool use_legacy(const struct mstate *s)
{
	return !s->feat.overlay_append ||
	       (s->o->flags & ESEAL_MOUNT_LEGACY_OVERLAY);
}

int eseal_mount_overlay_check(struct mstate *s, struct eseal_error *err)
{
	return use_legacy(s) ? legacy_paths(s, err) : 0;
}

/* Kernels before 6.7: "lowerdir=LAYER::STORE1::STORE2" through mount(2) */
static int mount_overlay_legacy(struct mstate *s, struct eseal_error *err)
{
	bool ro = !s->upperdir || (s->o->flags & ESEAL_MOUNT_READ_ONLY);
	size_t len = 256 + strlen(s->layer), i;
	char *opts, *p;
	int r;

	/* again: a kernel without lowerdir+ may only show here */
	r = legacy_paths(s, err);
	if (r)
		return r;
	for (i = 0; i < s->n_basedirs; i++)
		len += strlen(s->basedirs[i]) + 2;
	if (s->upperdir)
		len += strlen(s->upperdir) + strlen(s->workdir);
	opts = malloc(len);
	if (!opts)
		return eseal_syserrorf(err, ENOMEM, "overlay options");
	p = opts + sprintf(opts, "lowerdir=%s", s->layer);
	for (i = 0; i < s->n_basedirs; i++)
		p += sprintf(p, "::%s", s->basedirs[i]);
	p += sprintf(p, ",metacopy=on,redirect_dir=%s%s",
		     s->upperdir ? "on" : "follow",
		     s->res->data_verity ? ",verity=require" : "");
	if (s->upperdir)
		sprintf(p, ",upperdir=%s,workdir=%s", s->upperdir, s->workdir);
	r = mount(ESEAL_OVERLAY_SOURCE, s->target, "overlay",
		  ro ? MS_RDONLY : 0, opts);
	if (r)
		r = eseal_syserrorf(err, errno, "mount overlay (%s)", opts);
	free(opts);
	if (!r)
		s->res->legacy_overlay = true;
	return r;
}

int eseal_mount_overlay(struct mstate *s, struct eseal_error *err)
{
	int r = use_legacy(s) ? -ENOSYS : mount_overlay_new(s, err);

	if (r == -ENOSYS)
		r = mount_overlay_legacy(s, err);
	return r;
}
