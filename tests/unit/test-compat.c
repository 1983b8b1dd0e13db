// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The composefs compatibility corpus ($COMPAT_DIR, composefs 1.0.8's test
 * assets): every NAME.dump[.gz] must parse and give an image whose sha256
 * is NAME.sha256, written with the versions NAME.version asks for; every
 * should-fail-* input must be refused with a message.  The fs-verity digest
 * eseal_image_write() computes while streaming must match the digest of
 * the bytes it wrote, and the corpus README's table where it has one.
 */
#include <dirent.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsverity.h"
#include "tree.h"
#include "test.h"

static const char *const lenient_assets[] = {
	"no-newline.dump", "longlink.dump",
	"honggfuzz-longlink-unterminated.dump",
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* First line of dir/name, or NULL when there is no such file. */
static char *read_word(const char *dir, const char *name)
{
	char path[4096], buf[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[strcspn(buf, " \t\r\n")] = '\0';
	return strdup(buf);
}

/* The fs-verity digest the corpus README lists for asset, if any. */
static char *readme_verity(const char *dir, const char *asset)
{
	char path[4096], line[1024], want[300];
	char *ret = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/../README.md", dir);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	snprintf(want, sizeof(want), "| %s ", asset);
	while (!ret && fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (strncmp(line, want, strlen(want)))
			continue;
		p = strchr(line + 1, '|');
		if (!p)
			break;
		p += strspn(p, "| ");
		end = p + strspn(p, "0123456789abcdef");
		if (end - p == 64)
			ret = strndup(p, 64);
	}
	fclose(f);
	return ret;
}

static FILE *open_asset(const char *dir, const char *name, bool *is_pipe)
{
	char path[4096], cmd[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*is_pipe = ends_with(name, ".gz");
	if (!*is_pipe)
		return fopen(path, "r");
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	return popen(cmd, "r");
}

static void close_asset(FILE *f, bool is_pipe)
{
	if (is_pipe)
		pclose(f);
	else
		fclose(f);
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void check_should_fail(const char *dir, const char *name)
{
	struct eseal_error err = { 0 };
	struct eseal_tree *tree = NULL;
	bool is_pipe;
	FILE *f = open_asset(dir, name, &is_pipe);
	int ret;

	if (!f) {
		CHECK(0, "%s: cannot open", name);
		return;
	}
	/* refused even by the lenient parser, or else by the writer */
	ret = eseal_tree_from_dump(f, name, ESEAL_DUMP_LENIENT, &tree, &err);
	close_asset(f, is_pipe);
	if (!ret) {
		struct eseal_image_opts opts = ESEAL_IMAGE_OPTS_INIT;

		ret = eseal_image_write(tree, &opts, -1, NULL, &err);
		eseal_tree_free(tree);
	}
	CHECK(ret < 0 && err.msg[0], "%s refused: %s", name, err.msg);
}

static void check_asset(const char *dir, const char *name)
{
	struct eseal_image_opts opts = ESEAL_IMAGE_OPTS_INIT;
	struct eseal_error err = { 0 };
	struct eseal_tree *tree = NULL;
	struct eseal_digest d, d2;
	char want_name[512], got[129], dhex[129];
	char *want, *version, *verity;
	unsigned int flags = 0;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	bool is_pipe;
	size_t i, len;
	FILE *f;
	void *img;
	int fd, ret;

	for (i = 0; i < ARRAY_SIZE(lenient_assets); i++)
		if (strcmp(name, lenient_assets[i]) == 0)
			flags = ESEAL_DUMP_LENIENT;
	snprintf(want_name, sizeof(want_name), "%s.sha256", name);
	want = read_word(dir, want_name);
	snprintf(want_name, sizeof(want_name), "%s.version", name);
	version = read_word(dir, want_name);
	if (version)
		opts.min_version = opts.max_version = atoi(version);

	f = open_asset(dir, name, &is_pipe);
	if (!f) {
		CHECK(0, "%s: cannot open", name);
		goto out;
	}
	ret = eseal_tree_from_dump(f, name, flags, &tree, &err);
	close_asset(f, is_pipe);
	CHECK(ret == 0, "%s parses (%s)%s%s", name,
	      flags ? "lenient" : "strict", ret ? ": " : "",
	      ret ? err.msg : "");
	if (ret)
		goto out;

	fd = memfd_create("image", 0);
	ret = eseal_image_write(tree, &opts, fd, &d, &err);
	CHECK(ret == 0, "%s: image written%s%s", name, ret ? ": " : "",
	      ret ? err.msg : "");
	if (ret) {
		close(fd);
		goto out;
	}
	len = lseek(fd, 0, SEEK_END);
	img = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED) {
		CHECK(0, "%s: mmap", name);
		goto out;
	}
	EVP_Digest(img, len, md, &mdlen, EVP_sha256(), NULL);
	hex(md, mdlen, got);
	CHECK(want && strcmp(got, want) == 0,
	      "%s: image sha256 %s (%zu bytes, version %s)", name,
	      want ? "matches" : "(no .sha256)", len, version ? version : "0..1");
	if (want && strcmp(got, want))
		printf("#   got %s\n#  want %s\n", got, want);

	eseal_fsverity_digest_buf(img, len, ESEAL_HASH_SHA256, &d2);
	CHECK(d.size == 32 && memcmp(d.bytes, d2.bytes, 32) == 0,
	      "%s: streamed fs-verity digest matches the bytes", name);
	verity = readme_verity(dir, name);
	if (verity) {
		hex(d.bytes, d.size, dhex);
		CHECK(strcmp(dhex, verity) == 0,
		      "%s: fs-verity digest as the corpus README lists", name);
		free(verity);
	}
	munmap(img, len);
out:
	eseal_tree_free(tree);
	free(want);
	free(version);
}

int main(void)
{
	const char *dir = getenv("COMPAT_DIR");
	struct dirent **names;
	int n, i;

	if (!dir || access(dir, R_OK) != 0) {
		test_skip("compat corpus not found (set COMPAT_DIR)");
		return test_done();
	}
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		test_skip("cannot list %s", dir);
		return test_done();
	}
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (ends_with(name, ".dump") || ends_with(name, ".dump.gz")) {
			if (strncmp(name, "should-fail-", 12) == 0)
				check_should_fail(dir, name);
			else
				check_asset(dir, name);
		}
		free(names[i]);
	}
	free(names);
	return test_done();
}
