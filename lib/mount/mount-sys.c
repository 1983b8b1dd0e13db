// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Thin wrappers of the new mount API syscalls, the kernel's filesystem
 * context log, and a /proc/self/mountinfo reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mount-sys.h"

int eseal_fsopen(const char *fs_name, unsigned int flags)
{
	return (int)syscall(SYS_fsopen, fs_name, flags);
}

int eseal_fsconfig(int fsfd, unsigned int cmd, const char *key,
		   const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fsfd, cmd, key, value, aux);
}

int eseal_fsmount(int fsfd, unsigned int flags, unsigned int attr_flags)
{
	return (int)syscall(SYS_fsmount, fsfd, flags, attr_flags);
}

int eseal_move_mount(int from_dfd, const char *from_path, int to_dfd,
		     const char *to_path, unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from_path, to_dfd,
			    to_path, flags);
}

void eseal_fs_log(int fsfd, char *buf, size_t size)
{
	char line[512];
	size_t used = 0;
	ssize_t n;
	int saved = errno;

	if (size)
		buf[0] = '\0';
	/* the log is read one message at a time; ENODATA ends it */
	while (fsfd >= 0 && (n = read(fsfd, line, sizeof(line) - 1)) > 0) {
		line[n] = '\0';
		while (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (used + 3 < size)
			used += snprintf(buf + used, size - used, "%s%s",
					 used ? "; " : "", line);
		if (used >= size)
			used = size - 1;
	}
	errno = saved;
}

int eseal_fsconfig_str(int fsfd, const char *fs, const char *key,
		       const char *value, struct eseal_error *err)
{
	char log[512];
	int e;

	if (!eseal_fsconfig(fsfd, FSCONFIG_SET_STRING, key, value, 0))
		return 0;
	e = errno;
	eseal_fs_log(fsfd, log, sizeof(log));
	return eseal_syserrorf(err, e, "%s option %s=%s%s%s%s", fs, key, value,
			       log[0] ? " (kernel: " : "", log,
			       log[0] ? ")" : "");
}

/* Undo mountinfo's octal escapes (\040 and friends) in place. */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/* Split off the next space separated field; NULL at the end of line. */
static char *field(char **p)
{
	char *s = *p, *e;

	if (!s || !*s)
		return NULL;
	e = strchr(s, ' ');
	if (e) {
		*e = '\0';
		*p = e + 1;
	} else {
		*p = NULL;
	}
	return s;
}

static int parse_line(char *line, struct eseal_mnt *m)
{
	char *p = line, *f[5], *opt;
	int i;

	for (i = 0; i < 5; i++) {
		f[i] = field(&p);
		if (!f[i])
			return -EINVAL;
	}
	/* optional fields up to the "-" separator */
	do {
		opt = field(&p);
		if (!opt)
			return -EINVAL;
	} while (strcmp(opt, "-"));
	m->fstype = field(&p);
	m->source = field(&p);
	m->superopts = field(&p);
	if (!m->fstype || !m->source || !m->superopts)
		return -EINVAL;
	m->id = (unsigned int)strtoul(f[0], NULL, 10);
	m->parent = (unsigned int)strtoul(f[1], NULL, 10);
	m->target = f[4];
	unescape(m->target);
	unescape(m->fstype);
	unescape(m->source);
	return 0;
}

int eseal_mnt_table_read(struct eseal_mnt_table *t, struct eseal_error *err)
{
	static const char path[] = "/proc/self/mountinfo";
	size_t cap = 0, len = 0, nlines = 0, i;
	char *line, *next;
	ssize_t n;
	int fd, e;

	memset(t, 0, sizeof(*t));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return eseal_syserrorf(err, errno, "%s", path);
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(t->buf, cap);
			if (!nb) {
				close(fd);
				eseal_mnt_table_free(t);
				return eseal_syserrorf(err, ENOMEM, "%s", path);
			}
			t->buf = nb;
		}
		n = read(fd, t->buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			close(fd);
			eseal_mnt_table_free(t);
			return eseal_syserrorf(err, e, "read %s", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!t->buf)
		return eseal_errorf(err, EIO, "%s: empty", path);
	t->buf[len] = '\0';
	for (i = 0; i < len; i++)
		nlines += t->buf[i] == '\n';
	t->v = calloc(nlines + 1, sizeof(*t->v));
	if (!t->v) {
		eseal_mnt_table_free(t);
		return eseal_syserrorf(err, ENOMEM, "%s", path);
	}
	for (line = t->buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (parse_line(line, &t->v[t->n]) == 0)
			t->n++;
	}
	return 0;
}

void eseal_mnt_table_free(struct eseal_mnt_table *t)
{
	free(t->v);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

const struct eseal_mnt *eseal_mnt_find(const struct eseal_mnt_table *t,
				       const char *target)
{
	size_t i;

	for (i = t->n; i-- > 0;)
		if (!strcmp(t->v[i].target, target))
			return &t->v[i];
	return NULL;
}

/*
 * Walk the options of a raw (still escaped) option list: commas separate
 * them, a backslash escapes the next character.  Returns the start of the
 * next option whose name is key, with *vlen the length of "key[=value]".
 */
static const char *next_opt(const char *p, size_t *len)
{
	const char *s = p;

	while (*s && *s != ',') {
		if (*s == '\\' && s[1])
			s++;
		s++;
	}
	*len = (size_t)(s - p);
	return p;
}

bool eseal_mnt_opt_nth(const char *opts, const char *key, size_t n, char *buf,
		       size_t size)
{
	size_t klen = strlen(key), len;
	const char *p = opts, *o;

	while (*p) {
		o = next_opt(p, &len);
		if (len > klen && !strncmp(o, key, klen) && o[klen] == '=' &&
		    !n--) {
			len -= klen + 1;
			if (len >= size)
				return false;
			memcpy(buf, o + klen + 1, len);
			buf[len] = '\0';
			unescape(buf);
			return true;
		}
		p = o + len;
		if (*p == ',')
			p++;
	}
	return false;
}

bool eseal_mnt_opt(const char *opts, const char *key, char *buf, size_t size)
{
	return eseal_mnt_opt_nth(opts, key, 0, buf, size);
}

bool eseal_mnt_flag(const char *opts, const char *flag)
{
	size_t flen = strlen(flag), len;
	const char *p = opts, *o;

	while (*p) {
		o = next_opt(p, &len);
		if (len == flen && !strncmp(o, flag, flen))
			return true;
		p = o + len;
		if (*p == ',')
			p++;
	}
	return false;
}
