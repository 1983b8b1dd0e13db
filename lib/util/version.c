// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The library's version (the Makefile's VERSION).
 */
#include "internal.h"

const char *eseal_version(void)
{
	return ESEAL_VERSION;
}
