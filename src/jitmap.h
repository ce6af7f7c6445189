/*
 * jitmap: symbols for JIT-compiled code from /tmp/perf-PID.map, the file that Node
 * (--perf-basic-prof), Python 3.12 (-X perf), Java agents and others write: one "START SIZE name"
 * line per function, START and SIZE in hex. The file is written by the profiled process itself,
 * and /tmp is shared, so only a file owned by the process's user (or root) is trusted.
 */
#ifndef PROF_JITMAP_H
#define PROF_JITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct jitmap_sym {
	uint64_t start, size;
	uint32_t order; /* line number: a later line for the same code wins (code was re-JIT'd) */
	char *name;	/* owned */
};

struct jitmap {
	struct jitmap_sym *syms; /* sorted by start */
	size_t n;
};

/*
 * Parses one line, "START SIZE name" (hex, with or without 0x; the name runs to the end of the
 * line and may hold spaces). On success returns 0 and points *name into `line` with its length
 * in *namelen; -EINVAL for a malformed line.
 */
int jitmap_parse_line(const char *line, uint64_t *start, uint64_t *size, const char **name,
		      size_t *namelen);

/*
 * Loads `path` into `j` (empty on entry) if it may be trusted: a regular file, not a symbolic
 * link, owned by root or by one of `uids` (nuids of them), and not writable by others. Returns
 * 0; -ENOENT when there is no such file; -EPERM (with *cause set, caller frees) when the file
 * is refused; another -errno when it cannot be read. Malformed lines are skipped.
 */
int jitmap_load(struct jitmap *j, const char *path, const uid_t *uids, size_t nuids, char **cause);

/* The symbol covering `addr`, or NULL. Borrowed until jitmap_free. */
const struct jitmap_sym *jitmap_find(const struct jitmap *j, uint64_t addr);

void jitmap_free(struct jitmap *j);

#endif
