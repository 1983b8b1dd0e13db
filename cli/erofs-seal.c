// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal: the command table, and "erofs-seal <command> [args]" to the
 * command's function.  Each command's options and their help are in its
 * own table (cli/options.c prints them for --help); this one holds what
 * every command has: a name, a one-line summary, its usage and what --help
 * says about it.  Every command here has a man page erofs-seal-<name>(1)
 * made from docs/erofs-seal-<name>.md (tests/integration/man.sh checks).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"

static const struct command commands[] = {
	/* build side (mkimage/) */
	{
		.name = "mkimage",
		.fn = cmd_mkimage,
		.summary = "build an image and object store from a tree",
		.usage = "erofs-seal mkimage [OPTIONS] SOURCE IMAGE\n"
			 "erofs-seal mkimage --print-digest-only [OPTIONS] SOURCE",
		.help = "Build an EROFS metadata image (composefs format) of SOURCE:\n"
			"  DIR                     a directory\n"
			"  oci:LAYOUT[:REF]        an OCI image layout (REF: a tag or\n"
			"                          @sha256:<manifest digest>)\n"
			"  oci-archive:FILE[:REF]  the same as a tar file\n"
			"  tar:FILE, tar:-         one tar layer (gzip, zstd, xz or plain;\n"
			"                          '-' = stdin)\n"
			"or, with --from-file, a composefs dump file ('-' = stdin).\n"
			"OCI and tar sources are read as streams, nothing is extracted;\n"
			"OCI images always get the canonical OCI rules (docs/oci.md).\n"
			"IMAGE '-' writes to stdout.  IMAGE is replaced only when it is a\n"
			"regular file, and appears complete or not at all.",
	},
	{
		.name = "info",
		.fn = cmd_info,
		.summary = "inspect images (ls, dump, objects, ...)",
		.usage = "erofs-seal info [--basedir=DIR] ls|dump|objects|missing-objects IMAGE...\n"
			 "erofs-seal info measure-file FILE...",
		.help = "Inspect composefs/EROFS images, like composefs-info:\n"
			"  ls               list the entries, with symlink and object targets\n"
			"  dump             print the images in the composefs dump format\n"
			"  objects          print the object paths the images refer to\n"
			"  missing-objects  ... only those missing from --basedir\n"
			"  measure-file     print the fs-verity sha256 digest of each FILE",
	},
	/* trust side (sign/) */
	{
		.name = "digest",
		.fn = cmd_digest,
		.summary = "print fs-verity digests of files",
		.usage = "erofs-seal digest [--hash=sha256|sha512] FILE...",
		.help = "Print the fs-verity digest of each FILE (4096-byte blocks, no\n"
			"salt) as '<alg>:<hex> FILE', like 'fsverity digest'.",
	},
	{
		.name = "sign",
		.fn = cmd_sign,
		.summary = "sign an image's fs-verity digest (PKCS#7)",
		.usage = "erofs-seal sign --key=KEY --cert=CERT [OPTIONS] IMAGE SIG\n"
			 "erofs-seal sign --key=KEY --cert=CERT --digest=ALG:HEX SIG",
		.help = "Write SIG, a DER PKCS#7 signature over the fs-verity digest of IMAGE\n"
			"in the form the kernel and 'fsverity sign' use.  SIG appears\n"
			"complete or not at all.",
	},
	{
		.name = "verify",
		.fn = cmd_verify,
		.summary = "verify an image's signature",
		.usage = "erofs-seal verify (--cert=CERT | --ca=BUNDLE)... [OPTIONS] IMAGE SIG\n"
			 "erofs-seal verify (--cert=CERT | --ca=BUNDLE)... --digest=ALG:HEX SIG",
		.help = "Check SIG over the fs-verity digest of IMAGE with the kernel's rules.\n"
			"Exit: 0 valid, 1 bad signature, 2 usage, 3 untrusted signer,\n"
			"      4 cannot read an input.",
	},
	{
		.name = "keyring",
		.fn = cmd_keyring,
		.summary = "add, list, restrict kernel keyring certificates",
		.usage = "erofs-seal keyring add [--keyring=NAME] CERT...\n"
			 "erofs-seal keyring list [--keyring=NAME]\n"
			 "erofs-seal keyring restrict [--keyring=NAME] [--restriction=R]",
		.help = "Certificates for the kernel's check of image signatures.  CERT is\n"
			"a DER or PEM X.509 certificate; '-' reads stdin.  The patched\n"
			"kernel's .erofs keyring only takes signing certificates issued by a\n"
			"CA in its builtin or secondary trusted keyring, and is restricted\n"
			"from boot.",
	},
	/* the object store (store/) */
	{
		.name = "store",
		.fn = cmd_store,
		.summary = "gc, fsck and stats of an object store",
		.usage = "erofs-seal store gc [--dry-run] [--no-wait] [--json] (--keep=IMAGE | --keep-dir=DIR)... STORE\n"
			 "erofs-seal store gc --all [--dry-run] [--no-wait] [--json] STORE\n"
			 "erofs-seal store fsck [--repair [--from=STORE]] [--threads=N] [--no-wait] [--json] STORE\n"
			 "erofs-seal store stats [--image=IMAGE]... [--json] STORE",
		.help = "The object store's lifecycle, under its lock (docs/object-store.md):\n"
			"  gc     remove the objects that no kept image needs (and stale\n"
			"         temporary files); a kept image that cannot be read stops it\n"
			"  fsck   hash every object and report, by path, what is wrong;\n"
			"         --repair moves bad entries into STORE/.quarantine/\n"
			"  stats  objects, bytes, fs-verity, the largest objects; with\n"
			"         --image, what each image needs and shares\n"
			"fsck exits 0 when clean, 1 when it found problems, 4 when it could\n"
			"not read the store or an entry.",
	},
	/* signed OCI images (oci/) */
	{
		.name = "oci",
		.fn = cmd_oci,
		.summary = "seal, verify, push and pull signed OCI images",
		.usage = "erofs-seal oci seal --key=KEY --cert=CERT [--hash=ALG] [--inline] [--digest-store=DIR] oci:LAYOUT[:REF]\n"
			 "erofs-seal oci seal --print-digests [--hash=ALG] [--inline] oci:LAYOUT[:REF]\n"
			 "erofs-seal oci seal --cert=CERT --manifest-sig=SIG --config-sig=SIG --image-sig=SIG oci:LAYOUT[:REF]\n"
			 "erofs-seal oci verify (--cert=CERT | --ca=BUNDLE)... [--json] SOURCE\n"
			 "erofs-seal oci push [REGISTRY OPTIONS] oci:LAYOUT:TAG docker://HOST/REPO:TAG\n"
			 "erofs-seal oci pull [REGISTRY OPTIONS] --digest-store=DIR (--cert=CERT | --ca=BUNDLE)... SOURCE IMAGE",
		.help = "composefs's OCI sealing: signatures over the fs-verity digests of an\n"
			"image's manifest, its config and the EROFS image its layers give.\n"
			"  seal    generate the EROFS, sign, and write the seal into the layout\n"
			"          (an artifact under the referrers tag sha256-<hex>, or inline)\n"
			"  verify  check a seal's signatures, regenerate the EROFS, compare\n"
			"  push    copy the image and its seals to a registry (skopeo)\n"
			"  pull    fetch, check the signatures, then the layers (only those the\n"
			"          cache lacks) into the store, regenerate, compare, and only\n"
			"          then write IMAGE and IMAGE.sig, for 'erofs-seal mount'\n"
			"SOURCE: docker://HOST/REPO[:TAG|@DIGEST], oci:LAYOUT[:REF] or\n"
			"oci-archive:FILE[:REF].  Registries are reached through skopeo.\n"
			"Exit (verify, pull): 0 good, 1 bad, 2 usage, 3 untrusted signer,\n"
			"      4 cannot read.",
	},
	/* mounting (mount/) */
	{
		.name = "mount",
		.fn = cmd_mount,
		.summary = "mount a signed image as a verified overlay or FUSE mount",
		.usage = "erofs-seal mount [OPTIONS] IMAGE MOUNTPOINT",
		.help = "Mount a (signed) erofs-seal image as a verified overlay, or\n"
			"serve it through FUSE, checking every read (--fuse, the\n"
			"default when not root).",
	},
	{
		.name = "umount",
		.fn = cmd_umount,
		.summary = "unmount an overlay or FUSE mount made by mount",
		.usage = "erofs-seal umount [OPTIONS] MOUNTPOINT",
		.help = "Unmount an erofs-seal overlay and its EROFS layer (or a layer\n"
			"under the run directory that a plain umount left behind;\n"
			"not one an overlay still stacks on), or a FUSE mount that\n"
			"mount made.",
	},
};

const struct command *cli_cmd;

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: erofs-seal <command> [options] [args]\n"
		   "       erofs-seal --help | --version\n\n"
		   "Commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\n'erofs-seal <command> --help' shows a command's options.\n");
}

/*
 * An object store keeps each batch of new objects open until one syncfs()
 * makes the batch durable, and sizes batches by the soft open-file limit
 * (lib/store/objstore.c): raise it as far as the hard limit allows, up to
 * 65536.  Nothing here uses select(), which is what the low soft limit
 * protects.
 */
static void raise_open_files(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < 65536 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	const char *base = argv[0] ? strrchr(argv[0], '/') : NULL;
	char *help[] = { NULL, "--help", NULL };

	/* mount(8) runs /sbin/mount.erofs-seal, a link to this program */
	base = base ? base + 1 : argv[0];
	if (base && !strcmp(base, "mount.erofs-seal")) {
		cli_cmd = find_command("mount");
		return cmd_mount_helper(argc, argv);
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    (!strcmp(argv[1], "help") && argc == 2)) {
		usage(stdout);
		return finish_stdout(0);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))
		cli_version();
	/* "erofs-seal help CMD" is "erofs-seal CMD --help" */
	if (!strcmp(argv[1], "help") && argc == 3) {
		help[0] = argv[2];
		argc = 2;
		argv = help;
	} else {
		argc--;
		argv++;
	}
	cli_cmd = find_command(argv[0]);
	if (!cli_cmd) {
		fprintf(stderr, "erofs-seal: '%s' is not a command\n", argv[0]);
		usage(stderr);
		return EXIT_USAGE;
	}
	raise_open_files();
	return cli_cmd->fn(argc, argv);
}
