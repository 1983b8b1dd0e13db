// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal keyring add|list|restrict: certificates for the kernel's
 * check of image signatures (".erofs" by default).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: erofs-seal keyring add [--keyring NAME] CERT...\n"
		"       erofs-seal keyring list [--keyring NAME]\n"
		"       erofs-seal keyring restrict [--keyring NAME] [--restriction R]\n"
		"\n"
		"  --keyring NAME     .erofs (default), .fs-verity, another keyring's\n"
		"                     name, a serial, or @s/@u/@us/@p/@t\n"
		"  --restriction R    'asymmetric' restriction, e.g. builtin_trusted,\n"
		"                     builtin_and_secondary_trusted or\n"
		"                     key_or_keyring:SERIAL[:chain]; without it the\n"
		"                     keyring is locked: no key can be added\n"
		"CERT is a DER or PEM X.509 certificate; '-' reads stdin.  The kernel's\n"
		".erofs keyring only takes signing certificates issued by a CA in its\n"
		"builtin or secondary trusted keyring, and is restricted from boot.\n");
}

static int read_cert(const char *path, uint8_t **buf, size_t *len,
		     struct eseal_error *err)
{
	size_t cap = 0, n;

	if (strcmp(path, "-"))
		return eseal_signature_read(path, buf, len, err);
	*buf = NULL;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			uint8_t *nb = realloc(*buf, cap += 65536);

			if (!nb || cap > ESEAL_SIG_MAX) {
				free(nb ? nb : *buf);
				snprintf(err->msg, sizeof(err->msg),
					 "<stdin>: too large");
				return -1;
			}
			*buf = nb;
		}
		n = fread(*buf + *len, 1, cap - *len, stdin);
		if (!n)
			break;
		*len += n;
	}
	return 0;
}

int cmd_keyring(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keyring", required_argument, NULL, 'k' },
		{ "restriction", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *ring_name = ".erofs", *restriction = NULL, *verb;
	struct eseal_error err = { 0 };
	struct eseal_key_info *keys;
	int32_t ring, key;
	uint8_t *buf;
	size_t len, n, i;
	int c, j, ret;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-') {
		usage(stderr);
		return EXIT_USAGE;
	}
	verb = argv[1];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			ring_name = optarg;
			break;
		case 'r':
			restriction = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (strcmp(verb, "add") && strcmp(verb, "list") &&
	    strcmp(verb, "restrict")) {
		error_msg("'%s' is not add, list or restrict", verb);
		return EXIT_USAGE;
	}
	if ((!strcmp(verb, "add") && argc < 1) ||
	    (strcmp(verb, "add") && argc > 0) ||
	    (restriction && strcmp(verb, "restrict"))) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (eseal_keyring_find(ring_name, &ring, &err))
		return report("keyring", &err);
	if (!strcmp(verb, "list")) {
		if (eseal_keyring_list(ring, &keys, &n, &err))
			return report("keyring", &err);
		for (i = 0; i < n; i++)
			printf("%d %s %s\n", keys[i].serial,
			       keys[i].type[0] ? keys[i].type : "?",
			       keys[i].description);
		free(keys);
		return 0;
	}
	if (!strcmp(verb, "restrict"))
		return eseal_keyring_restrict(ring, restriction, &err) ?
			       report("keyring", &err) :
			       0;
	for (j = 0; j < argc; j++) {
		if (read_cert(argv[j], &buf, &len, &err))
			return report("keyring", &err);
		ret = eseal_keyring_add_cert(ring, buf, len, argv[j], &key,
					     &err);
		free(buf);
		if (ret)
			return report("keyring", &err);
		printf("%d\n", key);
	}
	return 0;
}
