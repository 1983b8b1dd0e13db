// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal mount: one command from a signed image to a verified overlay
 * mount; and mount.erofs-seal, the same for mount(8) and /etc/fstab.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "mount-cmd.h"

#define MAX_BASEDIRS 64

struct mount_args {
	const char *basedirs[MAX_BASEDIRS];
	size_t n_basedirs;
	const char *signature, *cert, *ca, *keyring, *digest;
	const char *upperdir, *workdir, *rundir, *privdir;
	unsigned int flags;
	bool json, quiet;
	bool fuse, foreground;
};

static const char *mode_name(int mode)
{
	switch (mode) {
	case ESEAL_MOUNT_MODE_KERNEL:
		return "kernel";
	case ESEAL_MOUNT_MODE_FSVERITY:
		return "fs-verity";
	case ESEAL_MOUNT_MODE_COPY:
		return "copy";
	case ESEAL_MOUNT_MODE_FUSE:
		return "fuse";
	}
	return "?";
}

static const char *mode_words(int mode)
{
	switch (mode) {
	case ESEAL_MOUNT_MODE_KERNEL:
		return "checked by the kernel";
	case ESEAL_MOUNT_MODE_FSVERITY:
		return "checked here from its fs-verity digest";
	case ESEAL_MOUNT_MODE_COPY:
		return "checked here from a private copy";
	case ESEAL_MOUNT_MODE_FUSE:
		return "checked here from a private copy in memory, served by a FUSE server that checks every read";
	}
	return "?";
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int add_basedir(struct mount_args *a, const char *dir)
{
	if (a->n_basedirs == MAX_BASEDIRS) {
		error_msg("more than %d object stores", MAX_BASEDIRS);
		return -1;
	}
	a->basedirs[a->n_basedirs++] = dir;
	return 0;
}

static int read_signature(const char *path, void **buf, size_t *len)
{
	struct eseal_error err = { 0 };
	uint8_t *b;

	/* the library's reader: regular files only, at most ESEAL_SIG_MAX */
	if (eseal_signature_read(path, &b, len, &err)) {
		error_msg("signature: %s", err.msg);
		return -1;
	}
	if (!*len) {
		error_msg("signature %s: empty file", path);
		free(b);
		return -1;
	}
	*buf = b;
	return 0;
}

void mount_print_result(const char *image, const char *target,
			const struct eseal_mount_result *res, long pid,
			bool json, bool quiet)
{
	char hex[2 * ESEAL_DIGEST_MAX + 1] = "";
	const char *alg = eseal_hash_name(res->digest.alg);
	unsigned int bit;
	bool first = true;

	if (res->have_digest)
		eseal_digest_hex(&res->digest, hex);
	if (json) {
		printf("{\"image\":");
		json_str(image);
		printf(",\"mountpoint\":");
		json_str(res->mountpoint);
		printf(",\"layer\":");
		if (res->layer[0])
			json_str(res->layer);
		else
			printf("null");
		if (pid)
			printf(",\"pid\":%ld", pid);
		printf(",\"mode\":\"%s\",\"digest\":", mode_name(res->mode));
		if (res->have_digest)
			printf("\"%s:%s\"", alg ? alg : "?", hex);
		else
			printf("null");
		printf(",\"signer\":");
		if (res->signer[0])
			json_str(res->signer);
		else
			printf("null");
		printf(",\"signature_verified\":%s,\"digest_pinned\":%s,"
		       "\"kernel_signed\":%s,\"data_verity\":%s,"
		       "\"overlay_api\":\"%s\",\"missing\":[",
		       res->signature_checked ? "true" : "false",
		       res->digest_pinned ? "true" : "false",
		       res->kernel_signed ? "true" : "false",
		       res->data_verity ? "true" : "false",
		       res->legacy_overlay ? "legacy" : "new");
		for (bit = 1; bit; bit <<= 1) {
			if (!(res->missing & bit))
				continue;
			if (!first)
				putchar(',');
			json_str(eseal_mount_missing_text(bit));
			first = false;
		}
		printf("]}\n");
	} else if (!quiet) {
		printf("%s: mounted %s (%s:%s), %s; signature %s%s%s, digest %s, data verity %s\n",
		       target, image, alg ? alg : "?", hex,
		       mode_words(res->mode),
		       res->signature_checked ? "verified" : "none",
		       res->signer[0] ? ", signed by " : "", res->signer,
		       res->digest_pinned ? "pinned" : "not pinned",
		       res->data_verity ? "on" : "OFF");
	}
	for (bit = 1; bit; bit <<= 1)
		if (res->missing & bit)
			fprintf(stderr, "erofs-seal mount: warning: %s\n",
				eseal_mount_missing_text(bit));
}

static int do_mount(struct mount_args *a, const char *image, const char *target)
{
	struct eseal_mount_opts o = {
		.basedirs = a->basedirs,
		.n_basedirs = a->n_basedirs,
		.cert = a->cert,
		.ca = a->ca,
		.keyring = a->keyring,
		.upperdir = a->upperdir,
		.workdir = a->workdir,
		.flags = a->flags,
		.rundir = a->rundir,
		.privdir = a->privdir,
	};
	struct eseal_mount_result res;
	struct eseal_error err = { 0 };
	struct eseal_digest pin;
	void *sig = NULL;
	int r;

	if (a->digest) {
		if (eseal_digest_parse(a->digest, &pin, &err) < 0) {
			error_msg("digest: %s", err.msg);
			return EXIT_USAGE;
		}
		o.digest = &pin;
	}
	if (a->signature) {
		if (read_signature(a->signature, &sig, &o.signature_len))
			return 1;
		o.signature = sig;
	}
	if (a->fuse) {
		r = mount_fuse(image, target, &o, a->foreground, a->json,
			       a->quiet);
		free(sig);
		return r;
	}
	r = eseal_mount(image, target, &o, &res, &err);
	free(sig);
	if (r)
		return report("mount", &err);
	mount_print_result(image, target, &res, 0, a->json, a->quiet);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: erofs-seal mount [OPTIONS] IMAGE MOUNTPOINT\n"
		"Mount a (signed) erofs-seal image as a verified overlay.\n\n"
		"  --basedir DIR          object store (repeatable, at least one)\n"
		"  --signature SIG        PKCS#7 signature of the image digest\n"
		"  --cert CERT            trust this certificate (PEM or DER)\n"
		"  --ca BUNDLE            trust signers that chain to these CAs\n"
		"  --keyring NAME         trust the keys of this kernel keyring\n"
		"  --digest ALG:HEX       the image's fs-verity digest must be this\n"
		"  --require-signature    refuse an image without a signature\n"
		"  --upperdir DIR --workdir DIR   writable overlay\n"
		"  --read-only            read-only even with --upperdir\n"
		"  --insecure-no-data-verity  mount even where file contents\n"
		"                         cannot be checked (no fs-verity)\n"
		"  --userspace-verify     check here even if the kernel can\n"
		"  --no-fsverity          always check a private copy\n"
		"  --legacy-overlay       pass overlayfs the lowerdir=A::B string\n"
		"                         (what kernels before 6.7 get)\n"
		"  --fuse                 serve the image through FUSE, checking\n"
		"                         every read (the default when not root)\n"
		"  --foreground           with --fuse: serve in this process\n"
		"  --rundir DIR           where EROFS layers are mounted\n"
		"                         (default " ESEAL_MOUNT_RUNDIR ")\n"
		"  --private-dir DIR      where private copies live\n"
		"                         (default " ESEAL_MOUNT_PRIVDIR ")\n"
		"  --json                 print the result as JSON\n"
		"  -q, --quiet            print only warnings\n");
}

enum {
	OPT_BASEDIR = 256,
	OPT_SIGNATURE,
	OPT_CERT,
	OPT_CA,
	OPT_KEYRING,
	OPT_DIGEST,
	OPT_REQUIRE_SIG,
	OPT_UPPERDIR,
	OPT_WORKDIR,
	OPT_READ_ONLY,
	OPT_INSECURE,
	OPT_USERSPACE,
	OPT_NO_FSVERITY,
	OPT_LEGACY,
	OPT_RUNDIR,
	OPT_PRIVDIR,
	OPT_JSON,
	OPT_FUSE,
	OPT_FOREGROUND,
};

int cmd_mount(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "basedir", required_argument, NULL, OPT_BASEDIR },
		{ "signature", required_argument, NULL, OPT_SIGNATURE },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "keyring", required_argument, NULL, OPT_KEYRING },
		{ "digest", required_argument, NULL, OPT_DIGEST },
		{ "require-signature", no_argument, NULL, OPT_REQUIRE_SIG },
		{ "upperdir", required_argument, NULL, OPT_UPPERDIR },
		{ "workdir", required_argument, NULL, OPT_WORKDIR },
		{ "read-only", no_argument, NULL, OPT_READ_ONLY },
		{ "insecure-no-data-verity", no_argument, NULL, OPT_INSECURE },
		{ "userspace-verify", no_argument, NULL, OPT_USERSPACE },
		{ "no-fsverity", no_argument, NULL, OPT_NO_FSVERITY },
		{ "legacy-overlay", no_argument, NULL, OPT_LEGACY },
		{ "rundir", required_argument, NULL, OPT_RUNDIR },
		{ "private-dir", required_argument, NULL, OPT_PRIVDIR },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "fuse", no_argument, NULL, OPT_FUSE },
		{ "foreground", no_argument, NULL, OPT_FOREGROUND },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* only root can mount the kernel's way */
	struct mount_args a = { .fuse = geteuid() != 0 };
	int c;

	while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_BASEDIR:
			if (add_basedir(&a, optarg))
				return EXIT_USAGE;
			break;
		case OPT_SIGNATURE:
			a.signature = optarg;
			break;
		case OPT_CERT:
			a.cert = optarg;
			break;
		case OPT_CA:
			a.ca = optarg;
			break;
		case OPT_KEYRING:
			a.keyring = optarg;
			break;
		case OPT_DIGEST:
			a.digest = optarg;
			break;
		case OPT_REQUIRE_SIG:
			a.flags |= ESEAL_MOUNT_REQUIRE_SIGNATURE;
			break;
		case OPT_UPPERDIR:
			a.upperdir = optarg;
			break;
		case OPT_WORKDIR:
			a.workdir = optarg;
			break;
		case OPT_READ_ONLY:
			a.flags |= ESEAL_MOUNT_READ_ONLY;
			break;
		case OPT_INSECURE:
			a.flags |= ESEAL_MOUNT_INSECURE_NO_DATA_VERITY;
			break;
		case OPT_USERSPACE:
			a.flags |= ESEAL_MOUNT_NO_KERNEL_VERIFY;
			break;
		case OPT_NO_FSVERITY:
			a.flags |= ESEAL_MOUNT_NO_FSVERITY;
			break;
		case OPT_LEGACY:
			a.flags |= ESEAL_MOUNT_LEGACY_OVERLAY;
			break;
		case OPT_RUNDIR:
			a.rundir = optarg;
			break;
		case OPT_PRIVDIR:
			a.privdir = optarg;
			break;
		case OPT_JSON:
			a.json = true;
			break;
		case OPT_FUSE:
			a.fuse = true;
			break;
		case OPT_FOREGROUND:
			a.foreground = true;
			break;
		case 'q':
			a.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (a.foreground && !a.fuse) {
		error_msg("--foreground goes with --fuse");
		return EXIT_USAGE;
	}
	return do_mount(&a, argv[optind], argv[optind + 1]);
}

/* ---- mount.erofs-seal -------------------------------------------------- */

/* Options mount(8) and fstab pass that concern mount(8), not us */
static bool ignored_option(const char *o)
{
	static const char *const names[] = {
		"defaults", "auto",   "noauto", "nofail", "_netdev",
		"user",	    "nouser", "users",	"owner",  "group",
		"rw",	    "loud",   "silent",
	};
	size_t i;

	if (!strncmp(o, "x-", 2) || !strncmp(o, "comment=", 8))
		return true;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(o, names[i]))
			return true;
	return false;
}

/* one -o item; the value points into a string that lives until exit */
static int helper_option(struct mount_args *a, char *o, bool sloppy)
{
	char *v = strchr(o, '='), *d, *save;

	if (v)
		*v++ = '\0';
	if (v && !strcmp(o, "basedir")) {
		/* basedir=A:B, as mount.composefs takes it, or repeated */
		for (d = strtok_r(v, ":", &save); d;
		     d = strtok_r(NULL, ":", &save))
			if (add_basedir(a, d))
				return -1;
	} else if (v && !strcmp(o, "signature")) {
		a->signature = v;
	} else if (v && !strcmp(o, "cert")) {
		a->cert = v;
	} else if (v && !strcmp(o, "ca")) {
		a->ca = v;
	} else if (v && !strcmp(o, "keyring")) {
		a->keyring = v;
	} else if (v && !strcmp(o, "digest")) {
		a->digest = v;
	} else if (v && !strcmp(o, "upperdir")) {
		a->upperdir = v;
	} else if (v && !strcmp(o, "workdir")) {
		a->workdir = v;
	} else if (!v && (!strcmp(o, "require-signature") ||
			  !strcmp(o, "require_signature"))) {
		a->flags |= ESEAL_MOUNT_REQUIRE_SIGNATURE;
	} else if (!v && (!strcmp(o, "insecure-no-data-verity") ||
			  !strcmp(o, "insecure_no_data_verity"))) {
		a->flags |= ESEAL_MOUNT_INSECURE_NO_DATA_VERITY;
	} else if (!v && !strcmp(o, "fuse")) {
		a->fuse = true;
	} else if (!v && !strcmp(o, "ro")) {
		a->flags |= ESEAL_MOUNT_READ_ONLY;
	} else if (!v && ignored_option(o)) {
		/* mount(8)'s business */
	} else if (v && ignored_option(o)) {
		/* x-systemd.*=..., comment=... */
	} else if (!sloppy) {
		error_msg("unknown option '%s%s%s'", o, v ? "=" : "",
			  v ? v : "");
		return -1;
	}
	return 0;
}

/*
 * mount(8) runs "mount.erofs-seal SOURCE TARGET [-sfnv] [-o OPTIONS]
 * [-t TYPE] [-N NS]" for "mount -t erofs-seal SOURCE TARGET -o ...".
 */
int cmd_mount_helper(int argc, char **argv)
{
	struct mount_args a = { .quiet = true, .fuse = geteuid() != 0 };
	bool fake = false, sloppy = false;
	char *opts = NULL, *o, *save;
	int c;

	progname = "mount";
	if (argc < 3 || argv[1][0] == '-') {
		fprintf(stderr,
			"Usage: mount.erofs-seal IMAGE DIR [-o basedir=DIR,signature=SIG,cert=CERT,...]\n");
		return EXIT_USAGE;
	}
	optind = 3;
	while ((c = getopt(argc, argv, "fnsvo:t:N:")) != -1) {
		switch (c) {
		case 'f':
			fake = true;
			break;
		case 's':
			sloppy = true;
			break;
		case 'v':
			a.quiet = false;
			break;
		case 'o':
			opts = optarg;
			break;
		case 'n':
		case 't':
			break;
		case 'N':
			error_msg("-N (namespaces) is not supported");
			return EXIT_USAGE;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		error_msg("unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	for (o = opts ? strtok_r(opts, ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save))
		if (helper_option(&a, o, sloppy))
			return EXIT_USAGE;
	if (fake)
		return 0;
	return do_mount(&a, argv[1], argv[2]);
}
