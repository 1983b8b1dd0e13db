// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * eseal_fuse_mount(), eseal_fuse_serve(), eseal_fuse_free(): a signed
 * image served through FUSE with every read verified.
 *
 * 1. The options, mount point and stores are checked as eseal_mount()
 *    checks them (an upper directory is refused: the mount is read-only).
 * 2. The image is read into memory, and that private copy is checked as
 *    eseal_mount() checks a copy: signature, certificate or keyring,
 *    digest pin (mount-verify.c).  Nobody can change it afterwards.
 * 3. The copy is parsed with the hostile-safe reader into a tree, whose
 *    nodes get inode numbers in walk order (stable for an image; the
 *    names of a hardlinked file share one).
 * 4. The session is mounted (mount(2) as root, else fusermount3) and,
 *    in eseal_fuse_serve(), served by libfuse's threads until unmounted.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "erofs_fs.h"
#include "fuse-server.h"
#include "mount.h"

#define IMAGE_MAX ((size_t)1 << 32)
#define CACHE_DEFAULT ((size_t)32 << 20)
#define THREADS_DEFAULT 16
#define FUSE_CONF "/etc/fuse.conf"

/* ---- the image ---------------------------------------------------------- */

/* Inode numbers: each node that is not a hardlink, in walk order */
static int number_node(struct eseal_node *node, const char *path, void *arg)
{
	struct eseal_fuse *f = arg;
	struct eseal_node **v;
	size_t cap;

	(void)path;
	if (node->link_to)
		return 0;
	if ((f->n_nodes & (f->n_nodes + 1)) == 0) {
		/* 2^k - 1 used (slot 0 included): double */
		cap = 2 * (f->n_nodes + 1);
		v = realloc(f->nodes, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		f->nodes = v;
	}
	node->ino = (uint32_t)++f->n_nodes;
	f->nodes[node->ino] = node;
	if (S_ISREG(node->mode))
		f->data_bytes += node->size;
	return 0;
}

static int load_tree(struct eseal_fuse *f, const uint8_t *buf, size_t len,
		     struct eseal_error *err)
{
	int r = eseal_tree_from_image(buf, len, &f->tree, err);

	if (r)
		return eseal_error_prefix(err, "image %s", f->image);
	if (eseal_tree_count(f->tree) >= UINT32_MAX)
		return eseal_errorf(err, EFBIG, "image %s: too many entries",
				    f->image);
	r = eseal_tree_walk_nodes(f->tree, number_node, f, err);
	if (r)
		return eseal_errorf(err, -r, "image %s: out of memory",
				    f->image);
	return 0;
}

/*
 * Read the image into memory (a regular file only), check its magic for
 * a clear message, then check it as a private copy.
 */
static int check_image(struct mstate *s, uint8_t **buf, size_t *len,
		       struct eseal_error *err)
{
	int r = eseal_input_read(s->image, 0, IMAGE_MAX, buf, len, err);

	if (r)
		return eseal_error_prefix(err, "image");
	if (*len < EROFS_SUPER_OFFSET + 4 ||
	    get_le32(*buf + EROFS_SUPER_OFFSET) != EROFS_SUPER_MAGIC_V1)
		return eseal_errorf(
			err, EINVAL,
			"image %s: not an EROFS image (no superblock magic at byte %u)",
			s->image, EROFS_SUPER_OFFSET);
	s->buf = *buf;
	s->buf_len = *len;
	return eseal_mount_verify(s, err);
}

static int open_stores(struct eseal_fuse *f, struct mstate *s,
		       struct eseal_error *err)
{
	size_t i;

	f->stores = calloc(s->n_basedirs, sizeof(*f->stores));
	if (!f->stores)
		return eseal_errorf(err, ENOMEM, "object store: out of memory");
	for (i = 0; i < s->n_basedirs; i++) {
		f->stores[i].fd = open(s->basedirs[i],
				       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (f->stores[i].fd < 0)
			return eseal_syserrorf(err, errno, "object store %s",
					       s->o->basedirs[i]);
		f->n_stores++;
		f->stores[i].name = strdup(s->o->basedirs[i]);
		if (!f->stores[i].name)
			return eseal_errorf(err, ENOMEM,
					    "object store: out of memory");
	}
	return 0;
}

/* ---- mounting ------------------------------------------------------------ */

/* Whether /etc/fuse.conf lets users pass allow_other */
static bool users_allow_other(void)
{
	FILE *fp = fopen(FUSE_CONF, "re");
	char line[256], *p, *e;
	bool yes = false;

	if (!fp)
		return false;
	while (!yes && fgets(line, sizeof(line), fp)) {
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		for (e = p + strlen(p); e > p && strchr(" \t\r\n", e[-1]); e--)
			;
		*e = '\0';
		yes = !strcmp(p, "user_allow_other");
	}
	fclose(fp);
	return yes;
}

/* libfuse reports mount trouble through its log; keep the last line */
static __thread struct eseal_error *mount_err;

static void mount_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
	char *nl;

	if (!mount_err || level > FUSE_LOG_ERR)
		return;
	vsnprintf(mount_err->msg, sizeof(mount_err->msg), fmt, ap);
	nl = strchr(mount_err->msg, '\n');
	if (nl)
		*nl = '\0';
}

static int mount_session(struct eseal_fuse *f, const char *target,
			 bool verified, struct eseal_error *err)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	char *opts = NULL, *fsname = NULL, real[PATH_MAX];
	bool root = geteuid() == 0;
	struct eseal_error lerr = { 0 };
	int r = -ENOMEM;

	if (!realpath(f->image, real))
		snprintf(real, sizeof(real), "%s", f->image);
	if (asprintf(&fsname, "fsname=%s", real) < 0) {
		fsname = NULL;
		goto fail;
	}
	if (fuse_opt_add_opt(&opts, "ro,nodev,default_permissions") ||
	    fuse_opt_add_opt(&opts, "subtype=" ESEAL_FUSE_SUBTYPE) ||
	    fuse_opt_add_opt_escaped(&opts, fsname) ||
	    ((root || users_allow_other()) &&
	     fuse_opt_add_opt(&opts, "allow_other")) ||
	    /* set-uid programs of an image nobody vouches for are not */
	    fuse_opt_add_opt(&opts, root && verified ? "suid" : "nosuid") ||
	    /*
	     * Users mount through fusermount3 (set-uid root), and libfuse
	     * goes there without trying /dev/fuse only for auto_unmount,
	     * which also takes the mount down should the server die.
	     */
	    (!root && fuse_opt_add_opt(&opts, "auto_unmount")))
		goto fail;
	if (fuse_opt_add_arg(&args, "erofs-seal") ||
	    fuse_opt_add_arg(&args, "-o") || fuse_opt_add_arg(&args, opts) ||
	    ((f->flags & ESEAL_FUSE_DEBUG) && fuse_opt_add_arg(&args, "-d")))
		goto fail;
	f->se = fuse_session_new(&args, &efuse_ops, sizeof(efuse_ops), f);
	if (!f->se) {
		r = eseal_errorf(err, EINVAL, "FUSE session: libfuse refused it");
		goto out;
	}
	mount_err = &lerr;
	fuse_set_log_func(mount_log);
	r = fuse_session_mount(f->se, target);
	fuse_set_log_func(NULL);
	mount_err = NULL;
	if (r) {
		r = eseal_errorf(err, EPERM, "FUSE mount on %s: %s", target,
				 lerr.msg[0] ? lerr.msg :
				 root ? "mount(2) failed" :
					"fusermount3 failed (see above)");
		goto out;
	}
	f->mounted = true;
	r = 0;
	goto out;
fail:
	r = eseal_errorf(err, ENOMEM, "FUSE session: out of memory");
out:
	free(fsname);
	free(opts);
	fuse_opt_free_args(&args);
	return r;
}

/* The work, on structs of this library's size */
static int fuse_mount(const char *image, const char *mountpoint,
		      const struct eseal_mount_opts *mopts,
		      const struct eseal_fuse_opts *fopts,
		      struct eseal_fuse **out, struct eseal_mount_result *res,
		      struct eseal_error *err)
{
	struct mstate s = {
		.o = mopts,
		.res = res,
		.image = image,
		.fd = -1,
	};
	struct eseal_fuse *f;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (mopts->upperdir || mopts->workdir)
		return eseal_errorf(
			err, EINVAL,
			"options: a FUSE mount is read-only; --upperdir and --workdir cannot be used");
	if (snprintf(s.target, sizeof(s.target), "%s", mountpoint) >=
	    (int)sizeof(s.target))
		return eseal_errorf(err, ENAMETOOLONG, "mount point %s",
				    mountpoint);
	f = calloc(1, sizeof(*f));
	if (!f)
		return eseal_errorf(err, ENOMEM, "out of memory");
	f->flags = fopts->flags;
	f->log = fopts->log;
	f->log_arg = fopts->log_arg;
	f->threads = fopts->threads ? fopts->threads : THREADS_DEFAULT;
	f->image = strdup(image);
	r = f->image ? efuse_data_init(f) : -ENOMEM;
	if (!r && pthread_key_create(&f->tls, efuse_tls_free))
		r = -EAGAIN;
	if (r) {
		free(f->image);
		free(f);
		return eseal_errorf(err, -r, "out of memory");
	}
	f->tls_made = true;

	r = eseal_mount_check_opts(&s, err);
	if (!r)
		r = check_image(&s, &buf, &len, err);
	if (!r) {
		r = load_tree(f, buf, len, err);
		free(buf);	/* the tree holds copies of what it needs */
		buf = NULL;
	}
	if (!r)
		r = open_stores(f, &s, err);
	if (!r) {
		f->cache = eseal_merkle_cache_new(fopts->cache_bytes ?
							  fopts->cache_bytes :
							  CACHE_DEFAULT);
		f->mountpoint = strdup(s.target);
		/* before mounting: afterwards nothing may fail */
		res->mountpoint = strdup(s.target);
		if (!f->cache || !f->mountpoint || !res->mountpoint)
			r = eseal_errorf(err, ENOMEM, "out of memory");
	}
	if (!r) {
		res->data_verity = true;
		r = mount_session(f, s.target, res->signature_checked ||
						       res->digest_pinned,
				  err);
	}
	if (!r) {
		res->missing = eseal_mount_missing(&s);
		*out = f;
	} else {
		eseal_mount_result_release(res);
		eseal_fuse_free(f);
	}
	free(buf);
	eseal_mount_state_release(&s);
	return r;
}

int eseal_fuse_mount(const char *image, const char *mountpoint,
		     const struct eseal_mount_opts *mopts,
		     const struct eseal_fuse_opts *fopts,
		     struct eseal_fuse **out, struct eseal_mount_result *res,
		     struct eseal_error *err)
{
	struct eseal_mount_result full;
	struct eseal_mount_opts mo;
	struct eseal_fuse_opts fo = { 0 };
	int r;

	if (!out)
		return eseal_errorf(err, EINVAL, "FUSE mount: missing argument");
	*out = NULL;
	r = eseal_mount_args_in("FUSE mount", mopts, &mo, res, &full, err);
	if (!r && fopts)
		r = eseal_abi_in(&fo, sizeof(fo), fopts, ESEAL_V0_FUSE_OPTS,
				 "eseal_fuse_opts", err);
	if (r)
		return r;
	r = fuse_mount(image, mountpoint, &mo, &fo, out, &full, err);
	eseal_abi_out(res, &full, sizeof(full));
	return r;
}

/* ---- serving ------------------------------------------------------------- */

int eseal_fuse_serve(struct eseal_fuse *f, struct eseal_error *err)
{
	struct fuse_loop_config *cfg;
	int r;

	if (!f->mounted)
		return eseal_errorf(err, EINVAL, "not mounted");
	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return eseal_errorf(err, ENOMEM, "out of memory");
	fuse_loop_cfg_set_max_threads(cfg, f->threads);
	fuse_loop_cfg_set_idle_threads(cfg, MIN(f->threads, 4u));
	if (fuse_set_signal_handlers(f->se)) {
		fuse_loop_cfg_destroy(cfg);
		return eseal_errorf(err, EINVAL, "cannot handle signals");
	}
	r = fuse_session_loop_mt(f->se, cfg);
	fuse_remove_signal_handlers(f->se);
	fuse_loop_cfg_destroy(cfg);
	fuse_session_unmount(f->se);
	f->mounted = false;
	if (r < 0)
		return eseal_syserrorf(err, -r, "serving %s", f->mountpoint);
	return 0;
}

void eseal_fuse_free(struct eseal_fuse *f)
{
	size_t i;

	if (!f)
		return;
	if (f->se) {
		if (f->mounted)
			fuse_session_unmount(f->se);
		fuse_session_destroy(f->se);
	}
	efuse_data_free(f);
	eseal_merkle_cache_free(f->cache);
	for (i = 0; i < f->n_stores; i++) {
		close(f->stores[i].fd);
		free(f->stores[i].name);
	}
	free(f->stores);
	free(f->nodes);
	eseal_tree_free(f->tree);
	if (f->tls_made)
		pthread_key_delete(f->tls);
	free(f->mountpoint);
	free(f->image);
	free(f);
}
