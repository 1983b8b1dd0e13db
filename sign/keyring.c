// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal keyring add|list|restrict: certificates for the kernel's
 * check of image signatures (".erofs" by default).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int list(int32_t ring, struct eseal_error *err)
{
	struct eseal_key_info *keys;
	size_t n, i;
	int ret;

	ret = eseal_keyring_list(ring, &keys, &n, err);
	if (ret)
		return fail(ret, err);
	for (i = 0; i < n; i++)
		printf("%d %s %s\n", keys[i].serial,
		       keys[i].type[0] ? keys[i].type : "?",
		       keys[i].description);
	free(keys);
	return finish_stdout(0);
}

static int add(int32_t ring, int argc, char **argv, struct eseal_error *err)
{
	uint8_t *buf;
	int32_t key;
	size_t len;
	int i, ret;

	for (i = 0; i < argc; i++) {
		ret = read_input(argv[i], 0, ESEAL_SIG_MAX, &buf, &len, err);
		if (ret)
			return fail(ret, err);
		ret = eseal_keyring_add_cert(ring, buf, len, argv[i], &key,
					     err);
		free(buf);
		if (ret)
			return fail(ret, err);
		printf("%d\n", key);
	}
	return finish_stdout(0);
}

int cmd_keyring(int argc, char **argv)
{
	const char *ring_name = ".erofs", *restriction = NULL, *verb;
	struct eseal_error err = { 0 };
	const struct cli_opt opts[] = {
		{ .name = "keyring", .kind = CLI_STRING, .ptr = &ring_name,
		  .arg = "NAME",
		  .help = ".erofs (default), .fs-verity, another keyring's\n"
			  "name, a serial, or @s/@u/@us/@p/@t" },
		{ .name = "restriction", .kind = CLI_STRING,
		  .ptr = &restriction, .arg = "R",
		  .help = "'asymmetric' restriction, e.g. builtin_trusted,\n"
			  "builtin_and_secondary_trusted or\n"
			  "key_or_keyring:SERIAL[:chain]; without it the\n"
			  "keyring is locked: no key can be added" },
		{ 0 },
	};
	int32_t ring;
	int i, ret;

	i = cli_parse(argc, argv, opts);
	if (i >= argc)
		usage_error("no keyring command given");
	verb = argv[i++];
	argc -= i;
	argv += i;
	if (strcmp(verb, "add") && strcmp(verb, "list") &&
	    strcmp(verb, "restrict"))
		usage_error("'%s' is not add, list or restrict", verb);
	if (!strcmp(verb, "add") ? argc < 1 : argc > 0)
		usage_error(argc ? "%s takes no CERT" : "%s needs a CERT", verb);
	if (restriction && strcmp(verb, "restrict"))
		usage_error("--restriction is for restrict");
	ret = eseal_keyring_find(ring_name, &ring, &err);
	if (ret)
		return fail(ret, &err);
	if (!strcmp(verb, "list"))
		return list(ring, &err);
	if (!strcmp(verb, "add"))
		return add(ring, argc, argv, &err);
	ret = eseal_keyring_restrict(ring, restriction, &err);
	return ret ? fail(ret, &err) : 0;
}
