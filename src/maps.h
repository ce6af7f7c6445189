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

/*
 * A file that mappings map, kept open from the moment it was first seen mapped (see
 * maps_keep_files), so that its bytes can still be read after it is replaced on disk (package
 * upgrades rename a new file over the old) or deleted. Owned by struct maps.
 */
struct maps_load {
	uint64_t offset, vaddr, filesz, memsz; /* a PT_LOAD program header */
};

struct maps_file {
	char *path;
	uint32_t maj, min;
	uint64_t ino;
	int fd;          /* the mapped inode itself, read-only, or -1 when it could not be had */
	bool map_files;  /* the path had another file (or none): fd is /proc/PID/map_files/... */
	/*
	 * When fd is -1: what the process's memory said of the file (its ELF header is mapped),
	 * so that a separate debug file can stand in for it: its build-id (0 bytes if unknown)
	 * and its PT_LOAD headers, which a debug file does not keep intact.
	 */
	uint8_t build_id[20];
	uint8_t build_id_size;
	struct maps_load loads[8];
	uint8_t nloads;
};

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
	const struct maps_file *file; /* its file as first seen (maps_keep_files), or NULL */
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

/* What maps_keep_files achieved. */
struct maps_files_stats {
	uint64_t kept;        /* files kept open */
	uint64_t map_files;   /* ... of which through /proc/PID/map_files (the path had changed) */
	uint64_t failed;      /* could not be kept: changed on disk before it was first seen and
				 map_files refused (or the process is gone), or unreadable */
	uint64_t build_ids;   /* ... of which the build-id was read from the process's memory */
	uint64_t over_limit;  /* not kept: `max` files were open already */
};

/*
 * From now on, maps_add (and so maps_load_proc) keeps the file of each new mapping of a file
 * open, once per file (path, device, inode), at most `max` files: it opens the path and checks
 * that the inode is the mapped one; when it is not (replaced) or the path is gone (deleted), it
 * opens /proc/PID/map_files/START-END instead, which needs CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE and the process alive, and keeps that when the inode matches. When
 * neither works, it reads the file's build-id and program headers from the process's memory
 * (as a tracer may). The result goes to mapping->file. Mappings without a device and inode
 * (anonymous, MMAP2 records with a build-id instead) are left alone. This costs an open and an
 * fstat per file, never per sample.
 */
void maps_keep_files(struct maps *m, size_t max);

/*
 * The GNU build-id among `len` bytes of ELF notes (a PT_NOTE segment, /sys/kernel/notes):
 * its length, with *id pointing into buf, or 0 when there is none or the notes are malformed.
 */
size_t maps_notes_build_id(const uint8_t *buf, size_t len, const uint8_t **id);
const struct maps_files_stats *maps_files_stats(const struct maps *m);

/*
 * Adds the executable mappings of /proc/PID/maps for `pid` ([vsyscall] skipped, anonymous ones
 * named "//anon"). 0 or -errno; -EINVAL when some line could not be parsed (the others are still
 * added).
 */
int maps_load_proc(struct maps *m, pid_t pid);

/*
 * Adds a mapping to `pid`'s address space (and keeps its file open, see maps_keep_files); it
 * replaces (trims or splits) whatever it overlaps, as mmap(MAP_FIXED) does. Older mapping
 * objects are never modified: the surviving pieces of a trimmed or split mapping are new
 * objects. A mapping identical (start, end, pgoff, path) to the one already at that place is
 * not added again; the existing one is returned. The caller filters out non-executable
 * mappings. Returns the mapping (borrowed until maps_free), or NULL when
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
