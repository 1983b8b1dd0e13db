// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The growable structs of the public ABI (internal.h): each begins with
 * its size, which the caller sets with the type's _INIT macro.  A caller
 * built against an older erofs-seal.h passes a smaller struct, whose
 * missing members take their defaults (zero); a size outside what this
 * library knows (a struct never initialised, or one from a newer header)
 * is refused with a message that says how to make it right.
 */
#include <ctype.h>
#include <string.h>

#include "internal.h"

int eseal_abi_check(const void *p, size_t full, size_t v0, const char *type,
		    struct eseal_error *err)
{
	size_t size = *(const size_t *)p;
	char init[64];
	size_t i;

	if (size >= v0 && size <= full)
		return 0;
	/* "eseal_mount_opts" -> "ESEAL_MOUNT_OPTS_INIT" */
	for (i = 0; type[i] && i < sizeof(init) - sizeof("_INIT"); i++)
		init[i] = (char)toupper((unsigned char)type[i]);
	memcpy(init + i, "_INIT", sizeof("_INIT"));
	if (v0 == full)
		return eseal_errorf(err, EINVAL,
				    "struct %s: size %zu is not one this library knows (%zu bytes); set it with %s",
				    type, size, full, init);
	return eseal_errorf(err, EINVAL,
			    "struct %s: size %zu is not one this library knows (%zu to %zu bytes); set it with %s",
			    type, size, v0, full, init);
}

int eseal_abi_in(void *dst, size_t full, const void *src, size_t v0,
		 const char *type, struct eseal_error *err)
{
	int r = eseal_abi_check(src, full, v0, type, err);

	if (r)
		return r;
	memset(dst, 0, full);
	memcpy(dst, src, *(const size_t *)src);
	*(size_t *)dst = full;
	return 0;
}

void eseal_abi_out(void *dst, const void *src, size_t full)
{
	size_t size = MIN(*(const size_t *)dst, full);

	if (size > sizeof(size_t))
		memcpy((char *)dst + sizeof(size_t),
		       (const char *)src + sizeof(size_t),
		       size - sizeof(size_t));
}
