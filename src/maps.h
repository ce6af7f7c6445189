/*
 * maps: the address space of every profiled process, built from /proc/PID/maps (mappings that
 * existed before we started) and MMAP2 records (mappings created while recording). Mappings are
 * immutable objects owned by struct maps and never freed before maps_free(), so samples resolved
 * early keep valid pointers after the process exits or execs. Only executable mappings matter
 * for profiles.
 */
#ifndef PROF_MAPS_H
#define PROF_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct maps_mapping {
	uint32_t id;          /* 1.. in creation order */
	uint64_t start, end;  /* [start, end) */
	uint64_t pgoff;       /* file offset of start */
	char *path;           /* file path, or "[vdso]", "[kernel.kallsyms]", "//anon" (owned) */
	uint32_t maj, min;
	uint64_t ino;
	uint8_t build_id[20];
	uint8_t build_id_size; /* 0 if unknown */
	bool kernel;
	pid_t pid;            /* the process that mapped it (a forked child shares its parent's) */
};

/* One parsed line of /proc/PID/maps. path points into the parsed line. */
struct maps_line {
	uint64_t start, end, pgoff;
	uint32_t maj, min;
	uint64_t ino;
	bool r, w, x, p;
	const char *path; /* "" for anonymous */
};

/* Parses one line (without or with its newline; the line may be modified). 0 or -EINVAL. */
int maps_parse_line(char *line, struct maps_line *out);

struct maps;

struct maps *maps_create(void);
void maps_free(struct maps *m);

/*
 * Adds the executable mappings of /proc/PID/maps for `pid` ([vsyscall] skipped, anonymous ones
 * named "//anon"). 0 or -errno; -EINVAL when some line could not be parsed (the others are still
 * added).
 */
int maps_load_proc(struct maps *m, pid_t pid);

/*
 * Adds a mapping to `pid`'s address space; it replaces (trims or splits) whatever it overlaps,
 * as mmap(MAP_FIXED) does. Older mapping objects are never modified: the surviving pieces of a
 * trimmed or split mapping are new objects. A mapping identical (start, end, pgoff, path) to the
 * one already at that place is not added again; the existing one is returned. The caller filters
 * out non-executable mappings. Returns the mapping (borrowed until maps_free), or NULL when
 * start >= end.
 */
const struct maps_mapping *maps_add(struct maps *m, pid_t pid, const struct maps_mapping *tmpl);

/* `pid` called exec: its address space starts empty. */
void maps_exec(struct maps *m, pid_t pid);

/*
 * `child` is a fork of `parent`: it starts with a copy of the parent's address space, unless
 * it has mappings of its own already (records of the child that arrived first are newer).
 */
void maps_fork(struct maps *m, pid_t parent, pid_t child);

/* The mapping of `pid` that covers `addr`, or NULL. */
const struct maps_mapping *maps_find(const struct maps *m, pid_t pid, uint64_t addr);

/* The kernel's pseudo-mapping (one per run). */
const struct maps_mapping *maps_kernel(struct maps *m);

/* All mappings ever created, by id (1..maps_count). */
size_t maps_count(const struct maps *m);
const struct maps_mapping *maps_get(const struct maps *m, uint32_t id);

#endif
