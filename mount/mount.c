// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal mount: one command from a signed image to a verified overlay
 * mount (or a verified FUSE mount: mount-fuse.c); and mount.erofs-seal,
 * the same for mount(8) and /etc/fstab.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mount-cmd.h"

struct mount_args {
	struct cli_list basedirs;
	const char *signature, *cert, *ca, *keyring, *digest;
	const char *upperdir, *workdir, *rundir, *privdir;
	unsigned int flags;
	bool json, quiet;
	bool fuse, foreground;
};

/* How the image was checked: the JSON word and the words for people */
static const struct {
	const char *name, *words;
} modes[] = {
	[ESEAL_MOUNT_MODE_KERNEL] = { "kernel", "checked by the kernel" },
	[ESEAL_MOUNT_MODE_FSVERITY] = { "fs-verity",
					"checked here from its fs-verity digest" },
	[ESEAL_MOUNT_MODE_COPY] = { "copy", "checked here from a private copy" },
	[ESEAL_MOUNT_MODE_FUSE] = { "fuse",
				    "checked here from a private copy in memory, served by a FUSE server that checks every read" },
};

static const char *mode_text(int mode, bool words)
{
	if (mode < 0 || (size_t)mode >= ARRAY_SIZE(modes) || !modes[mode].name)
		return "?";
	return words ? modes[mode].words : modes[mode].name;
}

static void print_json(const char *image,
		       const struct eseal_mount_result *res, const char *digest,
		       long pid)
{
	unsigned int bit;
	bool first = true;
	struct json j;

	json_begin(&j, stdout);
	json_str(&j, "image", image);
	json_str(&j, "mountpoint", res->mountpoint);
	json_str(&j, "layer", res->layer);
	if (pid)
		json_uint(&j, "pid", (unsigned long long)pid);
	json_str(&j, "mode", mode_text(res->mode, false));
	json_str(&j, "digest", res->have_digest ? digest : NULL);
	json_str(&j, "signer", res->signer[0] ? res->signer : NULL);
	json_bool(&j, "signature_verified", res->signature_checked);
	json_bool(&j, "digest_pinned", res->digest_pinned);
	json_bool(&j, "kernel_signed", res->kernel_signed);
	json_bool(&j, "data_verity", res->data_verity);
	json_str(&j, "overlay_api", res->legacy_overlay ? "legacy" : "new");
	json_key(&j, "missing");
	putchar('[');
	for (bit = 1; bit; bit <<= 1) {
		if (!(res->missing & bit))
			continue;
		if (!first)
			putchar(',');
		json_string(stdout, eseal_mount_missing_text(bit));
		first = false;
	}
	putchar(']');
	json_end(&j);
}

void mount_print_result(const char *image, const char *target,
			const struct eseal_mount_result *res, long pid,
			bool json, bool quiet)
{
	char hex[2 * ESEAL_DIGEST_MAX + 1] = "";
	char digest[2 * ESEAL_DIGEST_MAX + 16];
	const char *alg = eseal_hash_name(res->digest.alg);
	unsigned int bit;

	if (res->have_digest)
		eseal_digest_hex(&res->digest, hex);
	snprintf(digest, sizeof(digest), "%s:%s", alg ? alg : "?", hex);
	if (json)
		print_json(image, res, digest, pid);
	else if (!quiet)
		printf("%s: mounted %s (%s), %s; signature %s%s%s, digest %s, data verity %s\n",
		       target, image, digest, mode_text(res->mode, true),
		       res->signature_checked ? "verified" : "none",
		       res->signer[0] ? ", signed by " : "", res->signer,
		       res->digest_pinned ? "pinned" : "not pinned",
		       res->data_verity ? "on" : "OFF");
	for (bit = 1; bit; bit <<= 1)
		if (res->missing & bit)
			error_msg("warning: %s", eseal_mount_missing_text(bit));
}

static int do_mount(struct mount_args *a, const char *image, const char *target)
{
	struct eseal_mount_opts o = {
		.size = sizeof(o),
		.basedirs = a->basedirs.v,
		.n_basedirs = a->basedirs.n,
		.cert = a->cert,
		.ca = a->ca,
		.keyring = a->keyring,
		.upperdir = a->upperdir,
		.workdir = a->workdir,
		.flags = a->flags,
		.rundir = a->rundir,
		.privdir = a->privdir,
	};
	struct eseal_mount_result res = ESEAL_MOUNT_RESULT_INIT;
	struct eseal_error err = { 0 };
	struct eseal_digest pin;
	uint8_t *sig = NULL;
	int r;

	if (a->digest) {
		r = eseal_digest_parse(a->digest, &pin, &err);
		if (r < 0) {
			error_msg("digest: %s", error_text(r, &err));
			return EXIT_USAGE;
		}
		o.digest = &pin;
	}
	if (a->signature) {
		/* the library's reader: regular files only, ESEAL_SIG_MAX */
		r = eseal_signature_read(a->signature, &sig, &o.signature_len,
					 &err);
		if (r)
			return fail(r, &err);
		if (!o.signature_len) {
			error_msg("signature %s: empty file", a->signature);
			free(sig);
			return 1;
		}
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
		return fail(r, &err);
	mount_print_result(image, target, &res, 0, a->json, a->quiet);
	eseal_mount_result_release(&res);
	return finish_stdout(0);
}

/* The options of mount: its command line, and -o of mount.erofs-seal */
#define N_MOUNT_OPTS 20
static void mount_options(struct mount_args *a,
			  struct cli_opt opts[N_MOUNT_OPTS + 1])
{
	const struct cli_opt o[] = {
		{ .name = "basedir", .kind = CLI_LIST, .ptr = &a->basedirs,
		  .arg = "DIR",
		  .help = "object store (repeatable, at least one)" },
		{ .name = "signature", .kind = CLI_STRING, .ptr = &a->signature,
		  .arg = "SIG", .help = "PKCS#7 signature of the image digest" },
		{ .name = "cert", .kind = CLI_STRING, .ptr = &a->cert,
		  .arg = "CERT", .help = "trust this certificate (PEM or DER)" },
		{ .name = "ca", .kind = CLI_STRING, .ptr = &a->ca,
		  .arg = "BUNDLE", .help = "trust signers that chain to these CAs" },
		{ .name = "keyring", .kind = CLI_STRING, .ptr = &a->keyring,
		  .arg = "NAME", .help = "trust the keys of this kernel keyring" },
		{ .name = "digest", .kind = CLI_STRING, .ptr = &a->digest,
		  .arg = "ALG:HEX",
		  .help = "the image's fs-verity digest must be this" },
		{ .name = "require-signature", .kind = CLI_FLAG, .ptr = &a->flags,
		  .flag = ESEAL_MOUNT_REQUIRE_SIGNATURE,
		  .help = "refuse an image without a signature" },
		{ .name = "upperdir", .kind = CLI_STRING, .ptr = &a->upperdir,
		  .arg = "DIR", .help = "writable overlay: its upper directory" },
		{ .name = "workdir", .kind = CLI_STRING, .ptr = &a->workdir,
		  .arg = "DIR", .help = "... and its work directory" },
		{ .name = "read-only", .kind = CLI_FLAG,
		  .ptr = &a->flags, .flag = ESEAL_MOUNT_READ_ONLY,
		  .help = "read-only even with --upperdir" },
		{ .name = "insecure-no-data-verity", .kind = CLI_FLAG,
		  .ptr = &a->flags, .flag = ESEAL_MOUNT_INSECURE_NO_DATA_VERITY,
		  .help = "mount even where file contents\n"
			  "cannot be checked (no fs-verity)" },
		{ .name = "userspace-verify", .kind = CLI_FLAG, .ptr = &a->flags,
		  .flag = ESEAL_MOUNT_NO_KERNEL_VERIFY,
		  .help = "check here even if the kernel can" },
		{ .name = "no-fsverity", .kind = CLI_FLAG, .ptr = &a->flags,
		  .flag = ESEAL_MOUNT_NO_FSVERITY,
		  .help = "always check a private copy" },
		{ .name = "legacy-overlay", .kind = CLI_FLAG, .ptr = &a->flags,
		  .flag = ESEAL_MOUNT_LEGACY_OVERLAY,
		  .help = "pass overlayfs the lowerdir=A::B string\n"
			  "(what kernels before 6.7 get)" },
		{ .name = "rundir", .kind = CLI_STRING, .ptr = &a->rundir,
		  .arg = "DIR",
		  .help = "where EROFS layers are mounted\n"
			  "(default " ESEAL_MOUNT_RUNDIR ")" },
		{ .name = "privatedir", .alias = "private-dir",
		  .kind = CLI_STRING, .ptr = &a->privdir, .arg = "DIR",
		  .help = "where private copies live\n"
			  "(default " ESEAL_MOUNT_PRIVDIR ")" },
		{ .name = "fuse", .kind = CLI_BOOL, .ptr = &a->fuse,
		  .help = "serve the image through FUSE, checking\n"
			  "every read (the default when not root)" },
		{ .name = "foreground", .kind = CLI_BOOL, .ptr = &a->foreground,
		  .help = "with --fuse: serve in this process" },
		{ .name = "json", .kind = CLI_BOOL, .ptr = &a->json,
		  .help = "print the result as JSON" },
		{ .name = "quiet", .short_name = 'q', .kind = CLI_BOOL,
		  .ptr = &a->quiet, .help = "print only warnings" },
		{ 0 },
	};

	_Static_assert(ARRAY_SIZE(o) == N_MOUNT_OPTS + 1, "N_MOUNT_OPTS");
	memcpy(opts, o, sizeof(o));
}

int cmd_mount(int argc, char **argv)
{
	struct cli_opt opts[N_MOUNT_OPTS + 1];
	/* only root can mount the kernel's way */
	struct mount_args a = { .fuse = geteuid() != 0 };
	int i;

	mount_options(&a, opts);
	i = cli_parse(argc, argv, opts);
	if (argc - i != 2)
		usage_error("expected IMAGE and MOUNTPOINT");
	if (a.foreground && !a.fuse)
		usage_error("--foreground goes with --fuse");
	return do_mount(&a, argv[i], argv[i + 1]);
}

/* ---- mount.erofs-seal -------------------------------------------------- */

/* Options mount(8) and fstab pass that concern mount(8), not us */
static bool ignored_option(const char *o)
{
	static const char *const names[] = {
		"defaults", "auto",   "noauto", "nofail", "_netdev",
		"user",	    "nouser", "users",	"owner",  "group",
		"rw",	    "loud",   "silent", "comment",
	};
	size_t i;

	if (!strncmp(o, "x-", 2))
		return true;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(o, names[i]))
			return true;
	return false;
}

/* one -o item; the value points into a string that lives until exit */
static int helper_option(const struct cli_opt *opts, struct mount_args *a,
			 char *o, bool sloppy)
{
	char *v = strchr(o, '='), *d, *save;
	const struct cli_opt *opt;

	if (v)
		*v++ = '\0';
	if (ignored_option(o))
		return 0;	/* mount(8)'s business, x-systemd.*, comment= */
	if (v && !strcmp(o, "basedir")) {
		/* basedir=A:B, as mount.composefs takes it, or repeated */
		for (d = strtok_r(v, ":", &save); d;
		     d = strtok_r(NULL, ":", &save))
			if (cli_list_add(&a->basedirs, "basedir", d))
				return -1;
		return 0;
	}
	/* the long options of mount; "ro", and '_' for '-' as in fstab */
	for (d = o; *d; d++)
		if (*d == '_')
			*d = '-';
	opt = cli_opt_find(opts, strcmp(o, "ro") ? o : "read-only");
	if (opt)
		return cli_opt_set(opt, o, v);
	if (sloppy)
		return 0;
	error_msg("unknown option '%s%s%s'", o, v ? "=" : "", v ? v : "");
	return -1;
}

/*
 * mount(8) runs "mount.erofs-seal SOURCE TARGET [-sfnv] [-o OPTIONS]
 * [-t TYPE] [-N NS]" for "mount -t erofs-seal SOURCE TARGET -o ...".
 */
int cmd_mount_helper(int argc, char **argv)
{
	struct cli_opt opts[N_MOUNT_OPTS + 1];
	struct mount_args a = { .quiet = true, .fuse = geteuid() != 0 };
	bool fake = false, sloppy = false;
	char *list = NULL, *o, *save;
	int c;

	mount_options(&a, opts);
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
			list = optarg;
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
	for (o = list ? strtok_r(list, ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save))
		if (helper_option(opts, &a, o, sloppy))
			return EXIT_USAGE;
	if (fake)
		return 0;
	return do_mount(&a, argv[1], argv[2]);
}
