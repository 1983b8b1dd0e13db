// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * eseal_umount(): take down an overlay made by eseal_mount() and the EROFS
 * layer under the run directory that it stacks on.  The layer is found in
 * the overlay's options in /proc/self/mountinfo, so no state is kept.  A
 * layer is unmounted on its own only when no overlay stacks on it; an
 * overlay whose layer is gone already is taken down all the same.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "mount-sys.h"
#include "mount/fuse-umount.h"

/*
 * Split the first layer off a legacy "A:B::C" lowerdir value, in place: an
 * unescaped ':' ends it ("::" puts data-only layers after it), a backslash
 * escapes the next character.  *rest gets the remainder, NULL at the end.
 */
static char *split_layer(char *s, char **rest)
{
	char *r = s, *w = s;

	*rest = NULL;
	for (; *r; r++) {
		if (*r == '\\' && r[1]) {
			*w++ = *++r;
			continue;
		}
		if (*r == ':') {
			*rest = r + 1;
			break;
		}
		*w++ = *r;
	}
	*w = '\0';
	return s;
}

/*
 * The first lower layer named in an overlay's options, into out (PATH_MAX
 * bytes); false when there is none.  A legacy lowerdir= value can be
 * longer than a path.
 */
static bool first_lower(const char *opts, char *out)
{
	size_t size = strlen(opts) + 1;
	char *buf = malloc(size), *rest;
	bool found = false;

	if (!buf)
		return false;
	if (eseal_mnt_opt(opts, "lowerdir+", buf, size) ||
	    (eseal_mnt_opt(opts, "lowerdir", buf, size) &&
	     split_layer(buf, &rest))) {
		found = strlen(buf) < PATH_MAX;
		if (found)
			memcpy(out, buf, strlen(buf) + 1);
	}
	free(buf);
	return found;
}

/* Whether p (as an overlay got it) names the directory layer */
static bool same_dir(const char *p, const char *layer)
{
	char real[PATH_MAX];

	return !strcmp(p, layer) || (realpath(p, real) && !strcmp(real, layer));
}

/* Whether overlay m stacks on layer, as a lower or data-only layer */
static bool overlay_uses(const struct eseal_mnt *m, const char *layer)
{
	static const char *const keys[] = { "lowerdir+", "datadir+" };
	size_t size = strlen(m->superopts) + 1, k, n;
	char *buf, *p, *rest;
	bool found = false;

	if (strcmp(m->fstype, "overlay"))
		return false;
	buf = malloc(size);
	if (!buf)
		return false;
	for (k = 0; k < 2 && !found; k++)
		for (n = 0; !found && eseal_mnt_opt_nth(m->superopts, keys[k],
							n, buf, size);
		     n++)
			found = same_dir(buf, layer);
	if (!found && eseal_mnt_opt(m->superopts, "lowerdir", buf, size)) {
		for (p = buf; p && !found; p = rest)
			found = *split_layer(p, &rest) && same_dir(p, layer);
	}
	free(buf);
	return found;
}

/* Whether path is a direct child of dir */
static bool in_rundir(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && path[n] == '/' && path[n + 1] &&
	       !strchr(path + n + 1, '/');
}

static int umount_layer(const char *layer, int mflags, char *layer_out,
			size_t out_size, struct eseal_error *err)
{
	if (umount2(layer, mflags))
		return eseal_syserrorf(err, errno, "unmount EROFS layer %s",
				       layer);
	if (rmdir(layer))
		return eseal_syserrorf(err, errno, "remove %s", layer);
	if (layer_out)
		snprintf(layer_out, out_size, "%s", layer);
	return 0;
}

/*
 * A layer left mounted under the run directory: refuse while an overlay
 * stacks on it (unmounting it would leave that overlay to a plain umount:
 * the overlay holds its own reference, so nothing would be freed).
 */
static int umount_left_layer(const struct eseal_mnt_table *t, const char *layer,
			     int mflags, char *layer_out, size_t out_size,
			     struct eseal_error *err)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (overlay_uses(&t->v[i], layer))
			return eseal_errorf(
				err, EBUSY,
				"%s: the EROFS layer of the overlay on %s, which is still mounted; unmount that instead (erofs-seal umount %s)",
				layer, t->v[i].target, t->v[i].target);
	return umount_layer(layer, mflags, layer_out, out_size, err);
}

int eseal_umount(const char *mountpoint, const char *rundir, unsigned int flags,
		 char *layer_out, size_t out_size, struct eseal_error *err)
{
	char target[PATH_MAX], layer[PATH_MAX], rd[PATH_MAX], real[PATH_MAX];
	struct eseal_mnt_table t;
	const struct eseal_mnt *m;
	int mflags = (flags & ESEAL_UMOUNT_LAZY) ? MNT_DETACH : 0;
	bool layer_mounted, layer_other;
	int r;

	if (!rundir)
		rundir = ESEAL_MOUNT_RUNDIR;
	if (!realpath(mountpoint, target))
		return eseal_syserrorf(err, errno, "%s", mountpoint);
	if (!realpath(rundir, rd))
		snprintf(rd, sizeof(rd), "%s", rundir);
	r = eseal_mnt_table_read(&t, err);
	if (r)
		return r;
	m = eseal_mnt_find(&t, target);
	if (!m) {
		eseal_mnt_table_free(&t);
		return eseal_errorf(err, EINVAL, "%s: not mounted", target);
	}
	if (!strcmp(m->fstype, ESEAL_FUSE_FSTYPE)) {
		/* a verified FUSE mount: no layer under it */
		eseal_mnt_table_free(&t);
		r = eseal_fuse_umount(target, flags, err);
		if (!r && layer_out && out_size)
			layer_out[0] = '\0';
		return r;
	}
	if (!strcmp(m->fstype, "erofs") && in_rundir(target, rd)) {
		/* a layer left behind by a plain umount of its overlay */
		r = umount_left_layer(&t, target, mflags, layer_out, out_size,
				      err);
		eseal_mnt_table_free(&t);
		return r;
	}
	/* ours: the first lower layer is under the run directory, or was
	 * under another --rundir and the overlay's source says so */
	if (strcmp(m->fstype, "overlay") || !first_lower(m->superopts, layer) ||
	    (!in_rundir(layer, rd) &&
	     strcmp(m->source, ESEAL_OVERLAY_SOURCE))) {
		r = eseal_errorf(
			err, EINVAL,
			"%s: not mounted by erofs-seal mount (a %s mount of %s)",
			target, m->fstype, m->source);
		eseal_mnt_table_free(&t);
		return r;
	}
	/* mountinfo lists mount points resolved */
	if (realpath(layer, real))
		memcpy(layer, real, sizeof(layer));
	m = eseal_mnt_find(&t, layer);
	layer_mounted = m && !strcmp(m->fstype, "erofs");
	layer_other = m && !layer_mounted;
	eseal_mnt_table_free(&t);

	if (umount2(target, mflags))
		return eseal_syserrorf(
			err, errno, "unmount %s%s", target,
			errno == EBUSY ? " (in use; --lazy detaches it)" : "");
	/* with the overlay gone the layer is idle, unless lazily detached */
	if (layer_mounted)
		return umount_layer(layer, mflags, layer_out, out_size, err);
	/*
	 * The layer was unmounted already (umount(8) of it, or detached):
	 * only its directory is left.  Something else mounted there is not
	 * ours to touch.
	 */
	if (!layer_other && rmdir(layer) && errno != ENOENT)
		return eseal_syserrorf(err, errno, "remove %s", layer);
	if (layer_out)
		snprintf(layer_out, out_size, "%s", layer);
	return 0;
}
