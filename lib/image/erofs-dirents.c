// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Names in the image being written: the entries of each directory as they
 * go to disk ("." and "..", hardlinks resolved, the root's whiteouts 00..ff)
 * and the paths by which messages name nodes.  Every pass of the writer
 * (lib/image/erofs-layout.c, erofs-write-xattrs.c, erofs-write.c) uses them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erofs-write.h"

/* The node's path for a message, escaped as `info ls` shows it */
const char *ew_path(struct ew_ctx *c, const struct eseal_node *node)
{
	char raw[sizeof(c->path)];

	if (ew_is_fake(c, node))
		snprintf(raw, sizeof(raw), "/%s", node->name);
	else
		eseal_node_path(node, raw, sizeof(raw));
	return eseal_escape_str(c->path, sizeof(c->path), raw);
}

int ew_errorf(struct ew_ctx *c, const struct eseal_node *node, int code,
	      const char *fmt, ...)
{
	char msg[ESEAL_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return eseal_errorf(c->err, code, "%s: %s", ew_path(c, node), msg);
}

static int dent_push(struct ew_ctx *c, struct ew_dirent d)
{
	if (c->n_dents == c->cap_dents) {
		size_t cap = c->cap_dents ? 2 * c->cap_dents : 256;
		struct ew_dirent *nd = realloc(c->dents, cap * sizeof(*nd));

		if (!nd)
			return eseal_errorf(c->err, ENOMEM, "out of memory");
		c->dents = nd;
		c->cap_dents = cap;
	}
	c->dents[c->n_dents++] = d;
	return 0;
}

/*
 * The entries of directory dir, in strcmp order, into c->dents: its
 * children (hardlinks resolved), "." and "..", and for the root the
 * whiteouts 00..ff it does not have already.
 */
int ew_dir_entries(struct ew_ctx *c, struct eseal_node *dir)
{
	struct ew_dirent extra[2 + 256];
	uint32_t n_extra = 0, i, j;
	int ret;

	extra[n_extra++] = (struct ew_dirent){ ".", 1, dir, true };
	extra[n_extra++] = (struct ew_dirent){
		"..", 2, dir->parent ? dir->parent : dir, true };
	if (dir == c->tree->root) {
		for (i = 0; i < 256; i++) {
			if (c->fake_used[i])
				extra[n_extra++] = (struct ew_dirent){
					c->fake_names[i], 2, &c->fakes[i],
					false };
		}
	}

	c->n_dents = 0;
	for (i = 0, j = 0; i < dir->n_children || j < n_extra;) {
		struct eseal_node *child = i < dir->n_children ?
						   dir->children[i] : NULL;

		if (child && (j == n_extra ||
			      strcmp(child->name, extra[j].name) < 0)) {
			size_t len = strlen(child->name);

			if (len == 0 || len > EROFS_NAME_LEN)
				return ew_errorf(c, child, EINVAL,
						 "invalid file name length %zu",
						 len);
			ret = dent_push(c, (struct ew_dirent){
				.name = child->name, .name_len = len,
				.node = eseal_node_target(child),
				.is_link = child->link_to != NULL });
			i++;
		} else {
			ret = dent_push(c, extra[j++]);
		}
		if (ret)
			return ret;
	}
	return 0;
}
