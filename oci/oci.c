// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal oci seal|verify|push|pull: signed OCI images (docs/oci.md,
 * "Signed images").  The library does the work (eseal_oci_*); this parses
 * the options, opens keys and trust, prints, and publishes what pull
 * writes: IMAGE and IMAGE.sig become visible only once the image was
 * regenerated and matched the signed digest, and never on a refusal.
 *
 * Exit codes of verify and pull, as `verify`: 0 good, 1 bad, 2 usage,
 * 3 untrusted signer, 4 cannot read (a registry that cannot be reached is
 * that too).  seal and push: 0, or 1 on any failure.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct oci_args {
	struct eseal_signer_opts so;
	struct cli_list certs, cas;
	struct eseal_registry_opts reg;
	const char *store, *platform, *cache, *sigpath, *tls;
	const char *pass_file, *pass_env;
	/* remote signing: signatures made elsewhere, by role */
	const char *sigfile[ESEAL_OCI_ROLES];
	int alg;
	bool inline_mode, json, quiet, print_digests;
};

/* Options that only some verbs take: refuse them elsewhere */
static void only_for(const char *verb, const char *opt, bool given,
		     const char *verbs)
{
	char v[16];

	snprintf(v, sizeof(v), " %s ", verb);
	if (given && !strstr(verbs, v))
		usage_error("%s is not an option of oci %s", opt, verb);
}

static void print_digest(const char *role, const struct eseal_digest *d)
{
	char hex[2 * ESEAL_DIGEST_MAX + 1];

	eseal_digest_hex(d, hex);
	printf("%s %s:%s\n", role, eseal_hash_name(d->alg), hex);
}

/* The signer, or the signatures made elsewhere and what checks them */
static int seal_keys(struct oci_args *a, struct eseal_oci_seal_opts *so,
		     uint8_t *sigs[ESEAL_OCI_ROLES])
{
	static const char *const names[ESEAL_OCI_ROLES] = {
		"--manifest-sig", "--config-sig", "--image-sig"
	};
	struct eseal_error err = { 0 };
	struct cli_list none = { 0 };
	bool given = false;
	int i, r;

	for (i = 0; i < ESEAL_OCI_ROLES; i++)
		given |= a->sigfile[i] != NULL;
	if (a->print_digests) {
		if (a->so.key || given || a->certs.n)
			usage_error("--print-digests takes no key, certificate or signature");
		so->flags |= ESEAL_OCI_SEAL_DIGESTS_ONLY;
		return 0;
	}
	if (a->certs.n != 1 || a->cas.n)
		usage_error("oci seal needs one --cert (the signer's)");
	if (!given) {
		if (!a->so.key)
			usage_error("oci seal needs --key, or the signatures made elsewhere");
		a->so.cert = a->certs.v[0];
		so->signer = signer_open(&a->so, a->pass_file, a->pass_env);
		return so->signer ? 0 : 1;
	}
	if (a->so.key)
		usage_error("--key or the signatures made elsewhere, not both");
	for (i = 0; i < ESEAL_OCI_ROLES; i++) {
		if (i == ESEAL_OCI_ROLE_MANIFEST && a->inline_mode) {
			if (a->sigfile[i])
				usage_error("an inline seal signs no manifest (no %s)",
					    names[i]);
			continue;
		}
		if (!a->sigfile[i])
			usage_error("%s is missing", names[i]);
		r = eseal_signature_read(a->sigfile[i], &sigs[i],
					 &so->sig_lens[i], &err);
		if (r)
			return fail(r, &err);
		so->sigs[i] = sigs[i];
	}
	so->trust = trust_load(&a->certs, &none, &err, &r);
	return so->trust ? 0 : fail(r, &err);
}

static int do_seal(struct oci_args *a, int argc, char **argv)
{
	struct eseal_oci_seal_opts so = ESEAL_OCI_SEAL_OPTS_INIT;
	struct eseal_oci_seal_result res = ESEAL_OCI_SEAL_RESULT_INIT;
	uint8_t *sigs[ESEAL_OCI_ROLES] = { 0 };
	struct eseal_error err = { 0 };
	char hex[2 * ESEAL_DIGEST_MAX + 1];
	int r, i;

	if (argc != 1)
		usage_error("oci seal takes one SOURCE, oci:LAYOUT[:REF]");
	so.hash_alg = a->alg;
	so.store_dir = a->store;
	so.platform = a->platform;
	so.flags = a->inline_mode ? ESEAL_OCI_SEAL_INLINE : 0;
	r = seal_keys(a, &so, sigs);
	if (!r)
		r = eseal_oci_seal(argv[0], &so, &res, &err);
	if (r > 0)
		;	/* reported */
	else if (r)
		r = fail(r, &err);
	eseal_signer_free(so.signer);
	eseal_trust_free((struct eseal_trust *)so.trust);
	for (i = 0; i < ESEAL_OCI_ROLES; i++)
		free(sigs[i]);
	if (r)
		return r;
	if (a->print_digests) {
		/* what a remote signer signs: erofs-seal sign --digest */
		if (!a->inline_mode)
			print_digest("manifest", &res.manifest_verity);
		print_digest("config", &res.config_verity);
		print_digest("image", &res.merged);
		return finish_stdout(0);
	}
	if (!a->quiet) {
		eseal_digest_hex(&res.merged, hex);
		if (a->inline_mode)
			printf("%s: sealed inline; the tag now names manifest %s\n",
			       argv[0], res.manifest);
		else
			printf("%s: sealed manifest %s with artifact %s\n",
			       argv[0], res.manifest, res.artifact);
		printf("EROFS image digest %s:%s\n",
		       eseal_hash_name(res.merged.alg), hex);
	}
	return finish_stdout(0);
}

/* The outcome of verify or pull: a line or JSON, the exit code */
static int report(const struct oci_args *a, const char *source,
		  const struct eseal_oci_verify_result *res, int r,
		  const struct eseal_error *err)
{
	enum eseal_verify_class cls = r ? (enum eseal_verify_class)res->verdict :
					  ESEAL_VERIFY_OK;
	char hex[2 * ESEAL_DIGEST_MAX + 1], digest[2 * ESEAL_DIGEST_MAX + 16];
	struct json j;

	if (r && cls == ESEAL_VERIFY_OK)
		cls = ESEAL_VERIFY_ERROR;
	digest[0] = '\0';
	if (res->merged.size) {
		eseal_digest_hex(&res->merged, hex);
		snprintf(digest, sizeof(digest), "%s:%s",
			 eseal_hash_name(res->merged.alg), hex);
	}
	if (a->json) {
		json_begin(&j, stdout);
		json_bool(&j, "valid", cls == ESEAL_VERIFY_OK);
		json_str(&j, "result", verify_result_name(cls));
		json_str(&j, "source", source);
		json_str(&j, "manifest", res->manifest);
		json_str(&j, "mode", !res->merged.size ? "" :
				     res->inline_mode ? "inline" : "artifact");
		json_str(&j, "artifact", res->artifact);
		json_str(&j, "digest", digest);
		json_str(&j, "signer", res->signer);
		json_str(&j, "key", res->key);
		json_uint(&j, "seals", res->seals);
		json_uint(&j, "layers", res->layers);
		json_uint(&j, "layers_fetched", res->layers_fetched);
		json_uint(&j, "layers_replayed", res->layers_replayed);
		json_str(&j, "error", r ? error_text(r, err) : "");
		json_end(&j);
	}
	if (r)
		error_msg("%s%s%s: %s", source,
			  cls == ESEAL_VERIFY_BAD ? ": bad" : "",
			  cls == ESEAL_VERIFY_UNTRUSTED ? ": untrusted signer" :
							  "",
			  error_text(r, err));
	return verify_exit(cls);
}

static struct eseal_trust *trust_or_usage(const struct oci_args *a,
					  const char *verb)
{
	struct eseal_error err = { 0 };
	struct eseal_trust *t;
	int r;

	if (!a->certs.n && !a->cas.n)
		usage_error("oci %s needs --cert or --ca: what to trust", verb);
	t = trust_load(&a->certs, &a->cas, &err, &r);
	if (!t)
		error_msg("%s", error_text(r, &err));
	return t;
}

static int do_verify(struct oci_args *a, int argc, char **argv)
{
	struct eseal_oci_verify_opts vo = ESEAL_OCI_VERIFY_OPTS_INIT;
	struct eseal_oci_verify_result res = ESEAL_OCI_VERIFY_RESULT_INIT;
	struct eseal_error err = { 0 };
	char hex[2 * ESEAL_DIGEST_MAX + 1];
	int r, ret;

	if (argc != 1)
		usage_error("oci verify takes one SOURCE");
	vo.trust = trust_or_usage(a, "verify");
	if (!vo.trust)
		return finish_stdout(EXIT_NO_INPUT);
	vo.hash_alg = a->alg;
	vo.platform = a->platform;
	vo.store_dir = a->store;
	vo.registry = &a->reg;
	vo.cache = a->cache;
	r = eseal_oci_verify(argv[0], &vo, &res, &err);
	ret = report(a, argv[0], &res, r, &err);
	if (!r && !a->json && !a->quiet) {
		eseal_digest_hex(&res.merged, hex);
		printf("%s: good %s seal by %s (%s) over manifest %s, EROFS %s:%s\n",
		       argv[0], res.inline_mode ? "inline" : "artifact",
		       res.signer, res.key, res.manifest,
		       eseal_hash_name(res.merged.alg), hex);
	}
	eseal_oci_verify_result_fini(&res);
	eseal_trust_free((struct eseal_trust *)vo.trust);
	return finish_stdout(ret);
}

static int do_push(struct oci_args *a, int argc, char **argv)
{
	struct eseal_error err = { 0 };
	int r;

	if (argc != 2)
		usage_error("oci push takes oci:LAYOUT:TAG and docker://HOST/REPO:TAG");
	r = eseal_oci_push(argv[0], argv[1], &a->reg, &err);
	if (r)
		return fail(r, &err);
	if (!a->quiet)
		printf("%s: pushed to %s\n", argv[0], argv[1]);
	return finish_stdout(0);
}

static int do_pull(struct oci_args *a, int argc, char **argv)
{
	struct eseal_oci_verify_opts vo = ESEAL_OCI_VERIFY_OPTS_INIT;
	struct eseal_oci_verify_result res = ESEAL_OCI_VERIFY_RESULT_INIT;
	struct output img = OUTPUT_INIT, sig = OUTPUT_INIT;
	struct eseal_store_writer *writer = NULL;
	struct eseal_error err = { 0 };
	char *sigdef = NULL;
	const char *sigpath;
	int r, ret = EXIT_NO_INPUT;

	if (argc != 2)
		usage_error("oci pull takes SOURCE and IMAGE");
	if (!a->store)
		usage_error("oci pull needs --digest-store: where the files go");
	if (!*argv[1] || !strcmp(argv[1], "-"))
		usage_error("IMAGE must be a file");
	sigpath = a->sigpath;
	if (!sigpath) {
		if (asprintf(&sigdef, "%s.sig", argv[1]) < 0) {
			error_msg("out of memory");
			return 1;
		}
		sigpath = sigdef;
	}
	vo.trust = trust_or_usage(a, "pull");
	if (!vo.trust)
		goto out;
	/* refuse bad targets before any work; nothing shows until the end */
	if (!output_open(&img, argv[1], 0, NULL, 0) ||
	    !output_open(&sig, sigpath, 0, (const char *[]){ argv[1] }, 1))
		goto out;
	vo.hash_alg = a->alg;
	vo.platform = a->platform;
	vo.store_dir = a->store;
	vo.image_fd = img.fd;
	vo.registry = &a->reg;
	vo.cache = a->cache;
	/*
	 * The store's writers' lock, from before the first object is looked
	 * up until IMAGE and IMAGE.sig are published: a gc that keeps IMAGE's
	 * directory then never removes an object of the image being pulled
	 */
	r = eseal_store_writer_open(a->store, 0, &writer, &err);
	vo.writer = writer;
	if (!r)
		r = eseal_oci_verify(argv[0], &vo, &res, &err);
	ret = report(a, argv[0], &res, r, &err);
	if (r)
		goto out;
	/* the image first: a signature never stands beside an older image */
	if (!output_write(&sig, res.signature, res.signature_len) ||
	    !output_commit(&img) || !output_commit(&sig)) {
		ret = 1;
		goto out;
	}
	if (!a->json && !a->quiet)
		printf("%s: good %s seal by %s; wrote %s and %s (%u of %u layers fetched, %u read from their records)\n",
		       argv[0], res.inline_mode ? "inline" : "artifact",
		       res.signer, argv[1], sigpath, res.layers_fetched,
		       res.layers, res.layers_replayed);
out:
	output_abort(&img);
	output_abort(&sig);
	/* published (or refused, nothing shown): release the lock */
	eseal_store_writer_close(writer);
	eseal_oci_verify_result_fini(&res);
	eseal_trust_free((struct eseal_trust *)vo.trust);
	free(sigdef);
	return finish_stdout(ret);
}

static int parse_tls(const char *v)
{
	if (!v)
		return -1;
	if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes"))
		return 1;
	if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no"))
		return 0;
	usage_error("--tls-verify takes true or false, not '%s'", v);
}

int cmd_oci(int argc, char **argv)
{
	struct oci_args a = { .so = ESEAL_SIGNER_OPTS_INIT,
			      .reg = ESEAL_REGISTRY_OPTS_INIT };
	const struct cli_opt opts[] = {
		{ .name = "key", .kind = CLI_STRING, .ptr = &a.so.key,
		  .arg = "KEY",
		  .help = "seal: private key, PEM/DER file or pkcs11: URI" },
		{ .name = "cert", .kind = CLI_LIST, .ptr = &a.certs,
		  .arg = "CERT",
		  .help = "seal: the key's certificate; verify, pull: trust\n"
			  "this signer (as a key in the kernel's keyring)" },
		{ .name = "ca", .kind = CLI_LIST, .ptr = &a.cas, .arg = "BUNDLE",
		  .help = "verify, pull: trust signers whose certificate\n"
			  "chains to a CA in BUNDLE" },
		{ .name = "hash", .kind = CLI_HASH, .ptr = &a.alg, .arg = "ALG",
		  .help = "fs-verity hash: sha256 (seal's default) or\n"
			  "sha512; verify, pull: only seals of ALG" },
		{ .name = "inline", .kind = CLI_BOOL, .ptr = &a.inline_mode,
		  .help = "seal: annotations in the image manifest (a new\n"
			  "manifest the tag then names), no artifact" },
		{ .name = "digest-store", .alias = "basedir", .kind = CLI_STRING,
		  .ptr = &a.store, .arg = "DIR",
		  .help = "the object store the layers' files go to\n"
			  "(pull: required)" },
		{ .name = "platform", .kind = CLI_STRING, .ptr = &a.platform,
		  .arg = "OS/ARCH[/VARIANT]",
		  .help = "the image to take from an image index\n"
			  "(default: this machine's)" },
		{ .name = "print-digests", .kind = CLI_BOOL,
		  .ptr = &a.print_digests,
		  .help = "seal: print the digests to sign (manifest, config,\n"
			  "image) and write nothing: for a remote signer" },
		{ .name = "manifest-sig", .kind = CLI_STRING,
		  .ptr = &a.sigfile[ESEAL_OCI_ROLE_MANIFEST], .arg = "SIG",
		  .help = "seal without --key: the manifest's signature,\n"
			  "made elsewhere (by erofs-seal sign of the digest)" },
		{ .name = "config-sig", .kind = CLI_STRING,
		  .ptr = &a.sigfile[ESEAL_OCI_ROLE_CONFIG], .arg = "SIG",
		  .help = "... the config's" },
		{ .name = "image-sig", .kind = CLI_STRING,
		  .ptr = &a.sigfile[ESEAL_OCI_ROLE_MERGED], .arg = "SIG",
		  .help = "... the EROFS image's (each is checked against\n"
			  "--cert before the seal is written)" },
		{ .name = "pass-file", .kind = CLI_STRING, .ptr = &a.pass_file,
		  .arg = "FILE", .help = "seal: passphrase of the key, or PIN" },
		{ .name = "pass-env", .kind = CLI_STRING, .ptr = &a.pass_env,
		  .arg = "VAR",
		  .help = "seal: ... from environment variable VAR" },
		{ .name = "pkcs11-module", .kind = CLI_STRING,
		  .ptr = &a.so.pkcs11_module, .arg = "SO",
		  .help = "seal: PKCS#11 module for a pkcs11: key" },
		{ .name = "tls-verify", .kind = CLI_STRING, .ptr = &a.tls,
		  .arg = "BOOL",
		  .help = "verify, push, pull: check the registry's TLS\n"
			  "certificate (default true; skopeo's)" },
		{ .name = "authfile", .kind = CLI_STRING, .ptr = &a.reg.authfile,
		  .arg = "FILE", .help = "registry credentials file" },
		{ .name = "creds", .kind = CLI_STRING, .ptr = &a.reg.creds,
		  .arg = "USER:PASS", .help = "registry credentials" },
		{ .name = "cert-dir", .kind = CLI_STRING, .ptr = &a.reg.cert_dir,
		  .arg = "DIR",
		  .help = "CA certificates (*.crt) and client keys for\n"
			  "the registry's TLS" },
		{ .name = "cache", .kind = CLI_STRING, .ptr = &a.cache,
		  .arg = "DIR",
		  .help = "verify, pull of docker://: the OCI layout\n"
			  "fetched blobs are kept in (default:\n"
			  "DIR/.erofs-seal/oci of --digest-store)" },
		{ .name = "signature", .kind = CLI_STRING, .ptr = &a.sigpath,
		  .arg = "SIG",
		  .help = "pull: where the signature goes (default IMAGE.sig)" },
		{ .name = "json", .kind = CLI_BOOL, .ptr = &a.json,
		  .help = "verify, pull: the result as one JSON object" },
		{ .name = "quiet", .short_name = 'q', .kind = CLI_BOOL,
		  .ptr = &a.quiet, .help = "print nothing on success" },
		{ 0 },
	};
	const char *verb;
	int i;

	i = cli_parse(argc, argv, opts);
	if (i >= argc)
		usage_error("no oci command given (seal, verify, push or pull)");
	verb = argv[i++];
	argc -= i;
	argv += i;
	if (strcmp(verb, "seal") && strcmp(verb, "verify") &&
	    strcmp(verb, "push") && strcmp(verb, "pull"))
		usage_error("'%s' is not seal, verify, push or pull", verb);
	only_for(verb, "--key", a.so.key, " seal ");
	only_for(verb, "--print-digests", a.print_digests, " seal ");
	only_for(verb, "--manifest-sig", a.sigfile[0], " seal ");
	only_for(verb, "--config-sig", a.sigfile[1], " seal ");
	only_for(verb, "--image-sig", a.sigfile[2], " seal ");
	only_for(verb, "--inline", a.inline_mode, " seal ");
	only_for(verb, "--pass-file", a.pass_file, " seal ");
	only_for(verb, "--pass-env", a.pass_env, " seal ");
	only_for(verb, "--pkcs11-module", a.so.pkcs11_module, " seal ");
	only_for(verb, "--cert", a.certs.n, " seal verify pull ");
	only_for(verb, "--ca", a.cas.n, " verify pull ");
	only_for(verb, "--hash", a.alg, " seal verify pull ");
	only_for(verb, "--digest-store", a.store, " seal verify pull ");
	only_for(verb, "--platform", a.platform, " seal verify pull ");
	only_for(verb, "--tls-verify", a.tls, " verify push pull ");
	only_for(verb, "--authfile", a.reg.authfile, " verify push pull ");
	only_for(verb, "--creds", a.reg.creds, " verify push pull ");
	only_for(verb, "--cert-dir", a.reg.cert_dir, " verify push pull ");
	only_for(verb, "--cache", a.cache, " verify pull ");
	only_for(verb, "--signature", a.sigpath, " pull ");
	only_for(verb, "--json", a.json, " verify pull ");
	a.reg.tls_verify = parse_tls(a.tls);
	if (!strcmp(verb, "seal"))
		return do_seal(&a, argc, argv);
	if (!strcmp(verb, "verify"))
		return do_verify(&a, argc, argv);
	if (!strcmp(verb, "push"))
		return do_push(&a, argc, argv);
	return do_pull(&a, argc, argv);
}
