// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * eseal_mount(): from a signed image to a verified overlay mount.
 *
 * 1. Check the options, the directories and the image; find what the
 *    kernel supports.  Whatever the options or a stat can decide is
 *    refused here, before anything is copied or hashed.
 * 2. Choose who checks the image:
 *    - the kernel, when EROFS takes a "signature" parameter and the image
 *      file has fs-verity (the kernel measures it on every read);
 *    - this process, from the FS_IOC_MEASURE_VERITY digest, when the file
 *      has fs-verity but the kernel cannot check signatures;
 *    - this process, from a private copy (an unnamed file in a root-only
 *      directory that only the kernel holds open once mounted), when the
 *      image file has no fs-verity.
 *    The digest pin and the signature are checked here in every case, so
 *    that a refusal names its step before anything is mounted.
 * 3. Mount the EROFS image read-only at <rundir>/<id>, visible in
 *    mountinfo (its "signed" flag included), then the overlay on the mount
 *    point with the object stores as data-only layers and verity=require.
 * Any failure unmounts what was mounted.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erofs_fs.h"
#include "fsverity.h"
#include "mount.h"

#define REQUIRE_SIG_SYSCTL "/proc/sys/fs/erofs/require_signatures"

/* ---- feature detection ------------------------------------------------ */

/* The work, on a struct of this library's size */
static int probe(struct eseal_mount_features *f, struct eseal_error *err)
{
	int fd;

	fd = eseal_fsopen("erofs", FSOPEN_CLOEXEC);
	if (fd < 0 && errno == ENOSYS)
		return 0;
	f->new_mount_api = true;
	if (fd >= 0) {
		f->erofs = true;
		/*
		 * A kernel with EROFS signatures accepts the blob when it is
		 * parsed and checks it only at FSCONFIG_CMD_CREATE; others
		 * say "Unknown parameter".  The context is thrown away.
		 */
		f->erofs_signature = !eseal_fsconfig(fd, FSCONFIG_SET_BINARY,
						     "signature", "", 1);
		close(fd);
	} else if (errno != ENODEV) {
		return eseal_syserrorf(err, errno, "fsopen(erofs)");
	}
	fd = eseal_fsopen("overlay", FSOPEN_CLOEXEC);
	if (fd < 0) {
		if (errno != ENODEV)
			return eseal_syserrorf(err, errno, "fsopen(overlay)");
		return 0;
	}
	f->overlay = true;
	f->overlay_verity = !eseal_fsconfig(fd, FSCONFIG_SET_STRING, "verity",
					    "require", 0);
	f->overlay_append =
		!eseal_fsconfig(fd, FSCONFIG_SET_STRING, "lowerdir+", "/", 0);
	close(fd);
	return 0;
}

int eseal_mount_probe(struct eseal_mount_features *f, struct eseal_error *err)
{
	struct eseal_mount_features full = { 0 };
	int r = eseal_abi_check(f, sizeof(full), ESEAL_V0_MOUNT_FEATURES,
				"eseal_mount_features", err);

	if (r)
		return r;
	r = probe(&full, err);
	eseal_abi_out(f, &full, sizeof(full));
	return r;
}

const char *eseal_mount_missing_text(unsigned int bit)
{
	switch (bit) {
	case ESEAL_MISSING_UNVERIFIED:
		return "the image is not verified: no signature and no digest pin";
	case ESEAL_MISSING_UNSIGNED:
		return "the image is pinned by digest but not signed";
	case ESEAL_MISSING_KERNEL_CHECK:
		return "the kernel did not check the signature (no EROFS signature support): the mount is not marked signed and IPE will not trust it";
	case ESEAL_MISSING_IMAGE_VERITY:
		return "the image file has no fs-verity: a private copy was checked once at mount time; later reads of it are not checked";
	case ESEAL_MISSING_DATA_VERITY:
		return "data verity is off: file contents in the object stores are not checked against the image (a replaced object is served as is)";
	case ESEAL_MISSING_WRITABLE:
		return "writable: changes go to the upper directory, which nothing signs";
	}
	return NULL;
}

/* ---- checks before mounting ------------------------------------------- */

static int check_dir(const char *what, const char *path, char *out,
		     struct eseal_error *err)
{
	struct stat st;

	if (!realpath(path, out))
		return eseal_syserrorf(err, errno, "%s %s", what, path);
	if (stat(out, &st))
		return eseal_syserrorf(err, errno, "%s %s", what, path);
	if (!S_ISDIR(st.st_mode))
		return eseal_errorf(err, ENOTDIR, "%s %s: not a directory",
				    what, path);
	return 0;
}

/*
 * Whether overlayfs can check the objects of a store: its filesystem must
 * support fs-verity.  A directory gives ENODATA on such a filesystem, and
 * EOPNOTSUPP/ENOTTY where the kernel or the filesystem lacks it.
 */
static bool store_has_verity(const char *dir)
{
	struct eseal_digest d;
	int fd, r;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	r = eseal_verity_measure(fd, &d);
	close(fd);
	return r != -EOPNOTSUPP && r != -ENOTTY && r != -EINVAL;
}

static bool sysctl_is_one(const char *path)
{
	char buf[8] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && buf[0] == '1';
}

int eseal_mount_check_opts(struct mstate *s, struct eseal_error *err)
{
	const struct eseal_mount_opts *o = s->o;
	size_t i;
	int r;

	if (!!o->upperdir != !!o->workdir)
		return eseal_errorf(
			err, EINVAL,
			"options: --upperdir and --workdir go together");
	if (!o->n_basedirs)
		return eseal_errorf(err, EINVAL,
				    "object store: no --basedir given");
	if ((o->cert || o->ca || o->keyring) && !o->signature)
		return eseal_errorf(
			err, EINVAL,
			"signature: --cert, --ca and --keyring need --signature");
	s->require_sig = (o->flags & ESEAL_MOUNT_REQUIRE_SIGNATURE) ||
			 sysctl_is_one(REQUIRE_SIG_SYSCTL);
	if (s->require_sig && !o->signature)
		return eseal_errorf(err, EPERM,
				    "signature: required (%s) but none given",
				    (o->flags & ESEAL_MOUNT_REQUIRE_SIGNATURE) ?
					    "--require-signature" :
					    REQUIRE_SIG_SYSCTL " is 1");
	r = check_dir("mount point", s->target, s->target, err);
	if (r)
		return r;
	s->basedirs = calloc(o->n_basedirs, sizeof(*s->basedirs));
	if (!s->basedirs)
		return eseal_syserrorf(err, ENOMEM, "object store");
	for (i = 0; i < o->n_basedirs; i++) {
		s->basedirs[i] = malloc(PATH_MAX);
		if (!s->basedirs[i])
			return eseal_syserrorf(err, ENOMEM, "object store");
		s->n_basedirs++;
		r = check_dir("object store", o->basedirs[i], s->basedirs[i],
			      err);
		if (r)
			return r;
	}
	return 0;
}

static int check_features(struct mstate *s, struct eseal_error *err)
{
	const struct eseal_mount_features *f = &s->feat;
	bool insecure = s->o->flags & ESEAL_MOUNT_INSECURE_NO_DATA_VERITY;
	size_t i;

	if (!f->new_mount_api)
		return eseal_errorf(
			err, ENOSYS,
			"kernel feature missing: the new mount API (fsopen, Linux 5.2)");
	if (!f->erofs)
		return eseal_errorf(
			err, ENODEV,
			"kernel feature missing: EROFS (modprobe erofs?)");
	if (!f->overlay)
		return eseal_errorf(
			err, ENODEV,
			"kernel feature missing: overlayfs (modprobe overlay?)");
	s->res->data_verity = f->overlay_verity;
	if (!f->overlay_verity && !insecure)
		return eseal_errorf(
			err, EOPNOTSUPP,
			"kernel feature missing: overlayfs has no verity option (Linux 6.6), so file contents cannot be checked; pass --insecure-no-data-verity to mount anyway");
	for (i = 0; i < s->n_basedirs && s->res->data_verity; i++) {
		if (store_has_verity(s->basedirs[i]))
			continue;
		s->res->data_verity = false;
		if (!insecure)
			return eseal_errorf(
				err, EOPNOTSUPP,
				"data verity: object store %s is on a filesystem without fs-verity, so overlayfs cannot check file contents against the image; pass --insecure-no-data-verity to mount anyway",
				s->basedirs[i]);
	}
	return 0;
}

/* Whether one of two resolved paths is the other or below it */
static bool nested(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), n = na < nb ? na : nb;

	return !strncmp(a, b, n) &&
	       (na == nb || (na < nb ? b : a)[n] == '/' || n == 1);
}

/* The mount a path is on (statx STATX_MNT_ID), or 0 when unknown */
static uint64_t mount_id(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx) ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	return stx.stx_mnt_id;
}

/*
 * What overlayfs would refuse of --upperdir/--workdir only after the image
 * is checked: not directories, not one mount, one inside the other.
 */
static int check_upper(struct mstate *s, struct eseal_error *err)
{
	uint64_t um, wm;
	int r;

	r = check_dir("upper directory", s->o->upperdir, s->upper, err);
	if (!r)
		r = check_dir("work directory", s->o->workdir, s->work, err);
	if (r)
		return r;
	s->upperdir = s->upper;
	s->workdir = s->work;
	um = mount_id(s->upper);
	wm = mount_id(s->work);
	if (um && wm && um != wm)
		return eseal_errorf(
			err, EXDEV,
			"work directory %s: not on the mount of the upper directory %s (overlayfs needs both on one)",
			s->o->workdir, s->o->upperdir);
	if (nested(s->upper, s->work))
		return eseal_errorf(
			err, EINVAL,
			"work directory %s: the upper directory %s and it must not contain each other",
			s->o->workdir, s->o->upperdir);
	return 0;
}

/* The directories: run directory (made here), upper and work, overlay paths */
static int check_dirs(struct mstate *s, struct eseal_error *err)
{
	int r = eseal_mount_make_dir("run directory", s->rundir, 022, err);

	if (r)
		return r;
	if (!realpath(s->rundir, s->run))
		return eseal_syserrorf(err, errno, "run directory %s",
				       s->rundir);
	s->rundir = s->run;
	if (s->o->upperdir) {
		r = check_upper(s, err);
		if (r)
			return r;
	}
	return eseal_mount_overlay_check(s, err);
}

static int open_image(struct mstate *s, struct eseal_error *err)
{
	uint8_t magic[4];
	ssize_t n;

	/* a regular file only; a FIFO is refused, not waited on */
	s->fd = eseal_input_open(s->image, 0, err);
	if (s->fd < 0)
		return eseal_error_prefix(err, "image");
	n = pread(s->fd, magic, sizeof(magic), EROFS_SUPER_OFFSET);
	if (n < 0)
		return eseal_syserrorf(err, errno, "image %s", s->image);
	if (n != sizeof(magic) || get_le32(magic) != EROFS_SUPER_MAGIC_V1)
		return eseal_errorf(
			err, EINVAL,
			"image %s: not an EROFS image (no superblock magic at byte %u)",
			s->image, EROFS_SUPER_OFFSET);
	return 0;
}

/* ---- mounting ---------------------------------------------------------- */

static int kernel_refusal(struct mstate *s, int e, const char *log,
			  struct eseal_error *err)
{
	const char *step;

	switch (e) {
	case ENOKEY:
		step = "signature: no key in the kernel's .erofs keyring trusts it";
		break;
	case EKEYREJECTED:
	case EBADMSG:
		step = "signature: the kernel rejected it";
		break;
	case ENODATA:
		step = "image: the kernel found no fs-verity on the image file";
		break;
	case ENOTBLK:
		step = s->res->mode == ESEAL_MOUNT_MODE_COPY ?
			       "private directory: its filesystem cannot back an EROFS mount (tmpfs?), choose another with --private-dir" :
			       "image: its filesystem cannot back an EROFS mount";
		break;
	default:
		step = "mount EROFS image";
	}
	return eseal_syserrorf(err, e, "%s (%s%s%s)", step, s->image,
			       log[0] ? ", kernel: " : "", log);
}

static int mount_layer(struct mstate *s, struct eseal_error *err)
{
	struct eseal_mount_result *res = s->res;
	char source[64], log[512], hex[2 * ESEAL_DIGEST_MAX + 1];
	char pin[16 + sizeof(hex)];
	struct eseal_mnt_table t;
	const struct eseal_mnt *m;
	int fsfd, mfd, r, e;

	if (snprintf(s->layer, sizeof(s->layer), "%s/XXXXXX", s->rundir) >=
	    (int)sizeof(s->layer))
		return eseal_errorf(err, ENAMETOOLONG, "run directory %s",
				    s->rundir);
	if (!mkdtemp(s->layer))
		return eseal_syserrorf(err, errno, "run directory %s",
				       s->rundir);
	s->layer_dir = true;

	fsfd = eseal_fsopen("erofs", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return eseal_syserrorf(err, errno, "fsopen(erofs)");
	snprintf(source, sizeof(source), "/proc/self/fd/%d", s->fd);
	r = eseal_fsconfig_str(fsfd, "erofs", "source", source, err);
	if (!r && eseal_fsconfig(fsfd, FSCONFIG_SET_FLAG, "ro", NULL, 0))
		r = eseal_syserrorf(err, errno, "erofs option ro");
	if (!r && res->mode == ESEAL_MOUNT_MODE_KERNEL && s->o->signature &&
	    eseal_fsconfig(fsfd, FSCONFIG_SET_BINARY, "signature",
			   s->o->signature, (int)s->o->signature_len)) {
		e = errno;
		eseal_fs_log(fsfd, log, sizeof(log));
		r = kernel_refusal(s, e, log, err);
	}
	if (!r && res->mode == ESEAL_MOUNT_MODE_KERNEL && s->o->digest) {
		eseal_digest_hex(s->o->digest, hex);
		snprintf(pin, sizeof(pin), "%s:%s",
			 eseal_hash_name(s->o->digest->alg), hex);
		r = eseal_fsconfig_str(fsfd, "erofs", "digest", pin, err);
	}
	if (!r && eseal_fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		e = errno;
		eseal_fs_log(fsfd, log, sizeof(log));
		r = kernel_refusal(s, e, log, err);
	}
	if (r) {
		close(fsfd);
		return r;
	}
	mfd = eseal_fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
	e = errno;
	close(fsfd);
	if (mfd < 0)
		return eseal_syserrorf(err, e, "fsmount(erofs)");
	if (eseal_move_mount(mfd, "", AT_FDCWD, s->layer,
			     MOVE_MOUNT_F_EMPTY_PATH)) {
		e = errno;
		close(mfd);
		return eseal_syserrorf(err, e, "move_mount(erofs, %s)",
				       s->layer);
	}
	close(mfd);
	s->layer_mounted = true;

	/* what the kernel says about it */
	if (eseal_mnt_table_read(&t, NULL) == 0) {
		m = eseal_mnt_find(&t, s->layer);
		res->kernel_signed = m &&
				     eseal_mnt_flag(m->superopts, "signed");
		eseal_mnt_table_free(&t);
	}
	if (res->mode == ESEAL_MOUNT_MODE_KERNEL && s->o->signature &&
	    !res->kernel_signed)
		return eseal_errorf(
			err, EPROTO,
			"signature: the kernel mounted %s without marking it signed",
			s->image);
	return 0;
}

static void undo(struct mstate *s)
{
	if (s->layer_mounted && umount2(s->layer, MNT_DETACH) == 0)
		s->layer_mounted = false;
	if (s->layer_dir && !s->layer_mounted)
		rmdir(s->layer);
}

unsigned int eseal_mount_missing(const struct mstate *s)
{
	const struct eseal_mount_result *res = s->res;
	unsigned int m = 0;

	if (!res->signature_checked && !res->digest_pinned)
		m |= ESEAL_MISSING_UNVERIFIED;
	else if (!res->signature_checked)
		m |= ESEAL_MISSING_UNSIGNED;
	if (res->signature_checked && !res->kernel_signed)
		m |= ESEAL_MISSING_KERNEL_CHECK;
	if (res->mode == ESEAL_MOUNT_MODE_COPY)
		m |= ESEAL_MISSING_IMAGE_VERITY;
	if (!res->data_verity)
		m |= ESEAL_MISSING_DATA_VERITY;
	if (s->upperdir)
		m |= ESEAL_MISSING_WRITABLE;
	return m;
}

/* The work, on structs of this library's size */
static int mount_image(const char *image, const char *mountpoint,
		       const struct eseal_mount_opts *opts,
		       struct eseal_mount_result *res, struct eseal_error *err)
{
	struct mstate s = {
		.o = opts,
		.res = res,
		.feat = ESEAL_MOUNT_FEATURES_INIT,
		.image = image,
		.rundir = opts->rundir ? opts->rundir : ESEAL_MOUNT_RUNDIR,
		.privdir = opts->privdir ? opts->privdir : ESEAL_MOUNT_PRIVDIR,
		.fd = -1,
	};
	int r;

	if (snprintf(s.target, sizeof(s.target), "%s", mountpoint) >=
	    (int)sizeof(s.target))
		return eseal_errorf(err, ENAMETOOLONG, "mount point %s",
				    mountpoint);
	r = eseal_mount_check_opts(&s, err);
	if (!r)
		r = eseal_mount_probe(&s.feat, err);
	if (!r)
		r = check_features(&s, err);
	if (!r)
		r = check_dirs(&s, err);
	if (!r)
		r = open_image(&s, err);
	if (!r)
		r = eseal_mount_verify(&s, err);
	if (!r)
		r = mount_layer(&s, err);
	if (!r) {
		/* before the overlay: afterwards nothing may fail */
		res->layer = strdup(s.layer);
		res->mountpoint = strdup(s.target);
		if (!res->layer || !res->mountpoint)
			r = eseal_errorf(err, ENOMEM, "out of memory");
	}
	if (!r)
		r = eseal_mount_overlay(&s, err);
	if (r) {
		eseal_mount_result_release(res);
		undo(&s);
	} else {
		res->missing = eseal_mount_missing(&s);
	}
	eseal_mount_state_release(&s);
	return r;
}

void eseal_mount_state_release(struct mstate *s)
{
	size_t i;

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	eseal_trust_free(s->trust);
	s->trust = NULL;
	for (i = 0; i < s->n_basedirs; i++)
		free(s->basedirs[i]);
	free(s->basedirs);
	s->basedirs = NULL;
	s->n_basedirs = 0;
}

int eseal_mount_args_in(const char *what, const struct eseal_mount_opts *opts,
			struct eseal_mount_opts *o,
			const struct eseal_mount_result *res,
			struct eseal_mount_result *full,
			struct eseal_error *err)
{
	int r;

	if (!opts || !res)
		return eseal_errorf(err, EINVAL, "%s: missing argument", what);
	memset(full, 0, sizeof(*full));
	full->size = sizeof(*full);
	r = eseal_abi_check(res, sizeof(*full), ESEAL_V0_MOUNT_RESULT,
			    "eseal_mount_result", err);
	if (!r)
		r = eseal_abi_in(o, sizeof(*o), opts, ESEAL_V0_MOUNT_OPTS,
				 "eseal_mount_opts", err);
	return r;
}

int eseal_mount(const char *image, const char *mountpoint,
		const struct eseal_mount_opts *opts,
		struct eseal_mount_result *res, struct eseal_error *err)
{
	struct eseal_mount_result full;
	struct eseal_mount_opts o;
	int r;

	r = eseal_mount_args_in("mount", opts, &o, res, &full, err);
	if (r)
		return r;
	r = mount_image(image, mountpoint, &o, &full, err);
	eseal_abi_out(res, &full, sizeof(full));
	return r;
}

void eseal_mount_result_release(struct eseal_mount_result *res)
{
	if (!res)
		return;
	free(res->layer);
	free(res->mountpoint);
	res->layer = NULL;
	res->mountpoint = NULL;
}
