/*
 * jitmap: /tmp/perf-PID.map reader. The format is perf's (tools/perf/Documentation/
 * jit-interface.txt): a text file of "START SIZE symbolname" lines, appended to while the
 * process runs. Code can be freed and its addresses reused, so when entries overlap the one
 * written last is the one that describes the code.
 */
#include "config.h"

#include "jitmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

/* How far back a lookup looks for an older, longer entry that still covers the address. */
#define JITMAP_OVERLAP_SCAN 64

static int
jitmap_hex(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	int digits = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (;; p++, digits++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (digits == 16)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	if (!digits)
		return -EINVAL;
	*pp = p;
	*out = v;
	return 0;
}

int
jitmap_parse_line(const char *line, uint64_t *start, uint64_t *size, const char **name,
		  size_t *namelen)
{
	const char *p = line;
	size_t len;

	if (jitmap_hex(&p, start) < 0 || *p != ' ')
		return -EINVAL;
	p++;
	if (jitmap_hex(&p, size) < 0 || *p != ' ')
		return -EINVAL;
	p++;
	len = strcspn(p, "\r\n");
	if (!len || *size == 0 || *start + *size < *start)
		return -EINVAL;
	*name = p;
	*namelen = len;
	return 0;
}

static int
jitmap_sym_cmp(const void *a, const void *b)
{
	const struct jitmap_sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Ownership and type checks on the opened file: it is written by the target, read by us. */
static int
jitmap_check(int fd, const char *path, const uid_t *uids, size_t nuids, char **cause)
{
	struct stat st;
	size_t i;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		*cause = log_cause("%s is not a regular file", path);
		return -EPERM;
	}
	if (st.st_mode & S_IWOTH) {
		*cause = log_cause("%s is writable by any user", path);
		return -EPERM;
	}
	if (st.st_uid == 0)
		return 0;
	for (i = 0; i < nuids; i++)
		if (st.st_uid == uids[i])
			return 0;
	*cause = log_cause("%s is owned by uid %u, neither root nor the profiled process's user",
			   path, (unsigned)st.st_uid);
	return -EPERM;
}

int
jitmap_load(struct jitmap *j, const char *path, const uid_t *uids, size_t nuids, char **cause)
{
	size_t cap = 0, vcap = 0;
	char *line = NULL;
	uint32_t order = 0;
	FILE *fp;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP) {
			*cause = log_cause("%s is a symbolic link", path);
			return -EPERM;
		}
		return err;
	}
	err = jitmap_check(fd, path, uids, nuids, cause);
	if (err < 0) {
		close(fd);
		return err;
	}
	fp = fdopen(fd, "r");
	if (!fp) {
		err = -errno;
		close(fd);
		return err;
	}
	while (getline(&line, &cap, fp) >= 0) {
		struct jitmap_sym *sym;
		const char *name;
		size_t namelen;
		uint64_t start, size;

		if (jitmap_parse_line(line, &start, &size, &name, &namelen) < 0)
			continue;
		xgrow(&j->syms, &vcap, j->n + 1, sizeof(*j->syms));
		sym = &j->syms[j->n++];
		sym->start = start;
		sym->size = size;
		sym->order = order++;
		sym->name = xstrndup(name, namelen);
	}
	free(line);
	fclose(fp);
	qsort(j->syms, j->n, sizeof(*j->syms), jitmap_sym_cmp);
	return 0;
}

const struct jitmap_sym *
jitmap_find(const struct jitmap *j, uint64_t addr)
{
	const struct jitmap_sym *best = NULL;
	size_t lo = 0, hi = j->n, i, stop;

	/* lo = the number of entries starting at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (j->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	stop = lo > JITMAP_OVERLAP_SCAN ? lo - JITMAP_OVERLAP_SCAN : 0;
	for (i = lo; i > stop; i--) {
		const struct jitmap_sym *s = &j->syms[i - 1];

		if (addr - s->start < s->size && (!best || s->order > best->order))
			best = s;
	}
	return best;
}

void
jitmap_free(struct jitmap *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		free(j->syms[i].name);
	free(j->syms);
	j->syms = NULL;
	j->n = 0;
}
