// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The names of an object store's entries (store-walk.h): the one home of
 * what is an object, a tree file, a temporary file or store metadata.
 */
#include <string.h>
#include <sys/stat.h>

#include "store-walk.h"

#define TREE_SUFFIX_LEN (sizeof(ESEAL_STORE_TREE_SUFFIX) - 1)
#define TMP_PREFIX_LEN (sizeof(ESEAL_STORE_TMP_PREFIX) - 1)

/* n lower-case hex digits (the only spelling of an object's name) */
static bool lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int store_root_kind(const char *name, unsigned int *fanout)
{
	if (strlen(name) == 2 && lower_hex(name, 2)) {
		*fanout = (unsigned int)(eseal_hexval(name[0]) << 4 |
					 eseal_hexval(name[1]));
		return STORE_ROOT_FANOUT;
	}
	if (!strcmp(name, ESEAL_STORE_META))
		return STORE_ROOT_META;
	if (!strcmp(name, ESEAL_STORE_QUARANTINE))
		return STORE_ROOT_QUARANTINE;
	if (!strcmp(name, "lost+found"))
		return STORE_ROOT_LOST_FOUND;
	if (!strncmp(name, ESEAL_STORE_TMP_PREFIX, TMP_PREFIX_LEN) &&
	    name[TMP_PREFIX_LEN])
		return STORE_ROOT_TMP;
	return STORE_ROOT_OTHER;
}

/* The digest of "xx" + hex[0..n): sha256 or sha512 by length */
static bool name_digest(unsigned int fanout, const char *hex, size_t n,
			struct eseal_digest *d)
{
	if ((n != 2 * 32 - 2 && n != 2 * 64 - 2) || !lower_hex(hex, n))
		return false;
	memset(d, 0, sizeof(*d));
	d->size = (uint8_t)(n / 2 + 1);
	d->alg = d->size == 32 ? ESEAL_HASH_SHA256 : ESEAL_HASH_SHA512;
	d->bytes[0] = (uint8_t)fanout;
	return eseal_hex_decode(hex, n / 2, d->bytes + 1) == 0;
}

int store_name_kind(unsigned int fanout, const char *name,
		    struct eseal_digest *d)
{
	size_t n = strlen(name);

	if (name_digest(fanout, name, n, d))
		return STORE_NAME_OBJECT;
	if (n > TREE_SUFFIX_LEN &&
	    !strcmp(name + n - TREE_SUFFIX_LEN, ESEAL_STORE_TREE_SUFFIX) &&
	    name_digest(fanout, name, n - TREE_SUFFIX_LEN, d))
		return STORE_NAME_TREE;
	if (!strncmp(name, ESEAL_STORE_TMP_PREFIX, TMP_PREFIX_LEN) &&
	    name[TMP_PREFIX_LEN])
		return STORE_NAME_TMP;
	return STORE_NAME_OTHER;
}

int store_payload_digest(const char *payload, struct eseal_digest *d)
{
	unsigned int fanout;
	char sub[3];

	if (strlen(payload) < 4 || payload[2] != '/')
		return -EINVAL;
	memcpy(sub, payload, 2);
	sub[2] = '\0';
	if (store_root_kind(sub, &fanout) != STORE_ROOT_FANOUT ||
	    store_name_kind(fanout, payload + 3, d) != STORE_NAME_OBJECT)
		return -EINVAL;
	return 0;
}

const char *store_dtype_name(unsigned char type)
{
	switch (type) {
	case DT_REG:
		return "a regular file";
	case DT_DIR:
		return "a directory";
	case DT_LNK:
		return "a symbolic link";
	case DT_FIFO:
		return "a FIFO";
	case DT_SOCK:
		return "a socket";
	case DT_CHR:
		return "a character device";
	case DT_BLK:
		return "a block device";
	}
	return "of an unknown type";
}

const char *eseal_store_problem_name(int problem)
{
	static const char *const names[] = {
		[ESEAL_PROBLEM_CONTENT] = "content",
		[ESEAL_PROBLEM_TYPE] = "type",
		[ESEAL_PROBLEM_NAME] = "name",
		[ESEAL_PROBLEM_NO_VERITY] = "no-verity",
		[ESEAL_PROBLEM_BAD_VERITY] = "bad-verity",
		[ESEAL_PROBLEM_WRITABLE] = "writable",
		[ESEAL_PROBLEM_STRAY_TMP] = "stray-temporary",
		[ESEAL_PROBLEM_ORPHAN_TREE] = "orphan-tree",
		[ESEAL_PROBLEM_UNREADABLE] = "unreadable",
	};

	if (problem < 0 || (size_t)problem >= ARRAY_SIZE(names))
		return NULL;
	return names[problem];
}

const char *eseal_store_action_name(int action)
{
	static const char *const names[] = {
		[ESEAL_ACTION_NONE] = "none",
		[ESEAL_ACTION_QUARANTINED] = "quarantined",
		[ESEAL_ACTION_RESTORED] = "restored",
		[ESEAL_ACTION_FIXED] = "fixed",
		[ESEAL_ACTION_REMOVED] = "removed",
		[ESEAL_ACTION_FAILED] = "failed",
	};

	if (action < 0 || (size_t)action >= ARRAY_SIZE(names))
		return NULL;
	return names[action];
}
