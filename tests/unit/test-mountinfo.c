// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The mountinfo option helpers that eseal_umount() relies on to find an
 * overlay's EROFS layer, and the live mountinfo reader.
 */
#include <string.h>

#include "mount-sys.h"
#include "test.h"

int main(void)
{
	static const char opts[] =
		"ro,lowerdir+=/run/erofs-seal/Ab\\054c,datadir+=/srv/o\\040s,"
		"datadir+=/x,redirect_dir=on,metacopy=on,signed";
	struct eseal_mnt_table t;
	struct eseal_error err = { 0 };
	const struct eseal_mnt *m;
	char buf[64];

	CHECK(eseal_mnt_opt(opts, "lowerdir+", buf, sizeof(buf)) &&
		      !strcmp(buf, "/run/erofs-seal/Ab,c"),
	      "lowerdir+ value, octal comma unescaped: %s", buf);
	CHECK(eseal_mnt_opt(opts, "datadir+", buf, sizeof(buf)) &&
		      !strcmp(buf, "/srv/o s"),
	      "first of repeated datadir+, octal space unescaped: %s", buf);
	CHECK(eseal_mnt_opt_nth(opts, "datadir+", 1, buf, sizeof(buf)) &&
		      !strcmp(buf, "/x"),
	      "second of repeated datadir+: %s", buf);
	CHECK(!eseal_mnt_opt_nth(opts, "datadir+", 2, buf, sizeof(buf)),
	      "no third datadir+");
	CHECK(eseal_mnt_opt_nth(opts, "lowerdir+", 0, buf, sizeof(buf)) &&
		      !eseal_mnt_opt_nth(opts, "lowerdir+", 1, buf,
					 sizeof(buf)),
	      "one lowerdir+");
	CHECK(!eseal_mnt_opt(opts, "lowerdir", buf, sizeof(buf)),
	      "lowerdir is not lowerdir+");
	CHECK(!eseal_mnt_opt(opts, "lowerdir+", buf, 8),
	      "a value that does not fit is refused");
	CHECK(eseal_mnt_opt("a=x\\,y,b=z", "a", buf, sizeof(buf)) &&
		      !strcmp(buf, "x\\,y"),
	      "a backslash-escaped comma stays inside the value: %s", buf);
	CHECK(eseal_mnt_flag(opts, "signed"), "signed flag at the end");
	CHECK(eseal_mnt_flag(opts, "ro"), "ro flag at the start");
	CHECK(!eseal_mnt_flag(opts, "metacopy"), "key=value is no flag");
	CHECK(!eseal_mnt_flag("", "ro"), "empty list");

	CHECK(eseal_mnt_table_read(&t, &err) == 0 && t.n > 0,
	      "read /proc/self/mountinfo: %s", err.msg);
	m = eseal_mnt_find(&t, "/");
	CHECK(m && m->fstype[0] && m->source[0], "the root mount is listed");
	CHECK(!eseal_mnt_find(&t, "/no/such/mount/point"),
	      "an unmounted path is not found");
	eseal_mnt_table_free(&t);
	return test_done();
}
