// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Certificates in kernel keyrings, through libkeyutils: find a keyring by
 * name (".erofs" of the patched kernel, ".fs-verity", or any other), add
 * an X.509 certificate as an "asymmetric" key, list, restrict.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>
#include <openssl/x509.h>

#include "pkcs7.h"

static const struct {
	const char *name;
	key_serial_t spec;
} specials[] = {
	{ "@t", KEY_SPEC_THREAD_KEYRING },
	{ "@p", KEY_SPEC_PROCESS_KEYRING },
	{ "@s", KEY_SPEC_SESSION_KEYRING },
	{ "@u", KEY_SPEC_USER_KEYRING },
	{ "@us", KEY_SPEC_USER_SESSION_KEYRING },
};

/* Split keyctl_describe's "type;uid;gid;perm;description". */
static int describe(key_serial_t id, char *type, size_t tsize, char *desc,
		    size_t dsize)
{
	char *buf = NULL, *p, *q;
	int i;

	if (keyctl_describe_alloc(id, &buf) < 0)
		return -errno;
	p = strchr(buf, ';');
	if (!p) {
		free(buf);
		return -EINVAL;
	}
	snprintf(type, tsize, "%.*s", (int)(p - buf), buf);
	for (i = 0, q = p; i < 3 && q; i++)
		q = strchr(q + 1, ';');
	snprintf(desc, dsize, "%s", q ? q + 1 : "");
	free(buf);
	return 0;
}

static bool is_keyring(key_serial_t id, const char *want)
{
	char type[32], desc[256];

	if (describe(id, type, sizeof(type), desc, sizeof(desc)))
		return false;
	return !strcmp(type, "keyring") && (!want || !strcmp(desc, want));
}

/* Keyrings we can view but do not possess (".erofs") show in /proc/keys. */
static key_serial_t find_in_proc(const char *name)
{
	char line[512], type[32], *desc;
	key_serial_t found = 0;
	unsigned int id;
	FILE *f;
	int n;

	f = fopen("/proc/keys", "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%x %*s %*s %*s %*s %*s %*s %31s %n", &id,
			   type, &n) != 2 || strcmp(type, "keyring"))
			continue;
		desc = line + n;
		if (strncmp(desc, name, strlen(name)) ||
		    desc[strlen(name)] != ':')
			continue;
		if (is_keyring((key_serial_t)id, name))
			found = (key_serial_t)id;
	}
	fclose(f);
	return found;
}

int eseal_keyring_find(const char *name, int32_t *serial,
		       struct eseal_error *err)
{
	key_serial_t id = 0;
	const char *hint = "";
	char *end;
	long v;
	size_t i;

	if (!name || !*name)
		return eseal_errorf(err, EINVAL, "no keyring name");
	for (i = 0; i < ARRAY_SIZE(specials); i++) {
		if (!strcmp(name, specials[i].name)) {
			id = keyctl_get_keyring_ID(specials[i].spec, 1);
			if (id < 0)
				return eseal_syserrorf(err, errno,
						       "keyring %s", name);
			*serial = id;
			return 0;
		}
	}
	if (isdigit((unsigned char)name[0])) {
		errno = 0;
		v = strtol(name, &end, 10);
		if (errno || *end || v <= 0 || v > INT32_MAX)
			return eseal_errorf(err, EINVAL,
					    "'%s' is not a keyring serial",
					    name);
		if (!is_keyring((key_serial_t)v, NULL))
			return eseal_errorf(err, ENOENT,
					    "%s is not a keyring this process can see",
					    name);
		*serial = (int32_t)v;
		return 0;
	}
	id = keyctl_search(KEY_SPEC_SESSION_KEYRING, "keyring", name, 0);
	if (id < 0)
		id = keyctl_search(KEY_SPEC_USER_KEYRING, "keyring", name, 0);
	if (id < 0)
		id = find_in_proc(name);
	if (id > 0) {
		*serial = id;
		return 0;
	}
	if (!strcmp(name, ".erofs"))
		hint = " (the running kernel has no EROFS image signatures: it needs the erofs-seal kernel patches)";
	else if (!strcmp(name, ".fs-verity"))
		hint = " (the running kernel lacks CONFIG_FS_VERITY_BUILTIN_SIGNATURES)";
	return eseal_errorf(err, ENOENT, "keyring '%s' does not exist%s",
			    name, hint);
}

int eseal_keyring_add_cert(int32_t keyring, const void *cert, size_t len,
			   const char *name, int32_t *key,
			   struct eseal_error *err)
{
	STACK_OF(X509) *sk;
	unsigned char *der = NULL;
	key_serial_t id;
	int dlen, ret;

	ret = eseal_certs_from_mem(cert, len, name, &sk, err);
	if (ret)
		return ret;
	if (sk_X509_num(sk) != 1) {
		ret = eseal_errorf(err, EINVAL,
				   "%s: holds %d certificates; add them one by one",
				   name, sk_X509_num(sk));
		goto out;
	}
	ret = eseal_key_check_kernel(X509_get0_pubkey(sk_X509_value(sk, 0)),
				     name, NULL, err);
	if (ret)
		goto out;
	dlen = i2d_X509(sk_X509_value(sk, 0), &der);
	if (dlen <= 0) {
		ret = eseal_errorf(err, ENOMEM, "%s: cannot encode", name);
		goto out;
	}
	/* The kernel names an asymmetric key after the certificate. */
	id = add_key("asymmetric", NULL, der, dlen, keyring);
	if (id < 0) {
		ret = -errno;
		if (errno == EACCES || errno == EPERM)
			eseal_syserrorf(err, errno,
					"%s: the keyring does not accept keys (restricted, locked or not writable)",
					name);
		else if (errno == EKEYREJECTED || errno == ENOKEY)
			eseal_syserrorf(err, errno,
					"%s: the keyring's restriction rejects this certificate (.erofs only takes signing certificates, keyUsage digitalSignature and not a CA, issued by a key in the kernel's builtin or secondary trusted keyring)",
					name);
		else if (errno == ENODEV || errno == ENOPKG)
			eseal_syserrorf(err, errno,
					"%s: the kernel has no asymmetric key or X.509 support",
					name);
		else
			eseal_syserrorf(err, errno, "%s: adding the key failed",
					name);
		goto out;
	}
	if (key)
		*key = id;
out:
	OPENSSL_free(der);
	sk_X509_pop_free(sk, X509_free);
	return ret;
}

int eseal_keyring_list(int32_t keyring, struct eseal_key_info **keys,
		       size_t *n, struct eseal_error *err)
{
	struct eseal_key_info *out;
	key_serial_t *ids = NULL;
	long len;
	size_t i, cnt, j = 0;

	len = keyctl_read_alloc(keyring, (void **)&ids);
	if (len < 0)
		return eseal_syserrorf(err, errno,
				       "cannot read keyring %d", keyring);
	cnt = (size_t)len / sizeof(key_serial_t);
	out = calloc(cnt ? cnt : 1, sizeof(*out));
	if (!out) {
		free(ids);
		return eseal_errorf(err, ENOMEM, "out of memory");
	}
	for (i = 0; i < cnt; i++) {
		out[j].serial = ids[i];
		/* A key we may not view is listed with an empty type. */
		describe(ids[i], out[j].type, sizeof(out[j].type),
			 out[j].description, sizeof(out[j].description));
		j++;
	}
	free(ids);
	*keys = out;
	*n = j;
	return 0;
}

int eseal_keyring_restrict(int32_t keyring, const char *restriction,
			   struct eseal_error *err)
{
	if (keyctl_restrict_keyring(keyring, restriction ? "asymmetric" : NULL,
				    restriction) < 0) {
		if (errno == EEXIST)
			return eseal_syserrorf(err, errno,
					       "keyring %d is already restricted",
					       keyring);
		if (errno == EACCES)
			return eseal_syserrorf(err, errno,
					       "keyring %d does not let its restriction be changed (the kernel restricts .erofs from boot)",
					       keyring);
		if (errno == EINVAL || errno == ENOENT)
			return eseal_syserrorf(err, errno,
					       "keyring %d: restriction '%s' is not valid",
					       keyring,
					       restriction ? restriction : "");
		return eseal_syserrorf(err, errno,
				       "cannot restrict keyring %d", keyring);
	}
	return 0;
}
