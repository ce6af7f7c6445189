/*
 * symbolize: program counter -> function, file, line and inline chain, through libdwfl/libdw.
 * One Dwfl per ELF file, reported once at its link-time addresses (base 0) and cached for the
 * whole run, shared by every process that maps the file; a runtime address is turned into a file
 * offset (addr - start + pgoff) and then into an ELF virtual address through the PT_LOAD segment
 * that contains it, so PIE, ASLR and odd linker layouts all work. Kernel addresses are looked up
 * in /proc/kallsyms (module symbols named "func [module]"), JIT code in anonymous mappings in
 * /tmp/perf-PID.map, Go code without DWARF lines in the binary's .gopclntab (gopclntab.h). C++
 * and Rust names are demangled. Never called per sample: the caller symbolizes each distinct
 * location once.
 */
#ifndef PROF_SYMBOLIZE_H
#define PROF_SYMBOLIZE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "maps.h"

#define SYMBOLIZE_MAX_FRAMES 32 /* inline depth we report */

struct symbolize_frame {
	const char *name;        /* function name, demangled (borrowed until symbolize_free) */
	const char *system_name; /* linkage (mangled) name, or same as name */
	const char *file;        /* source file, or NULL */
	uint32_t line;           /* 0 if unknown */
	uint32_t start_line;     /* declaration line of the function, 0 if unknown */
};

struct symbolize_result {
	int n;            /* frames, innermost (inlined) first, the real function last */
	struct symbolize_frame frames[SYMBOLIZE_MAX_FRAMES];
	bool from_dwarf;  /* file:line came from DWARF */
};

struct symbolize_stats {
	uint64_t files;        /* ELF files opened */
	uint64_t files_failed; /* could not be opened or read */
	uint64_t files_replaced; /* ... of which replaced or deleted on disk since mapped */
	uint64_t files_recovered; /* replaced or deleted, read from the file kept open (maps) */
	uint64_t addrs;        /* addresses looked up */
	uint64_t unknown;      /* addresses with no symbol */
	bool kallsyms_hidden;  /* /proc/kallsyms addresses read as zero */
	uint64_t files_nodebug;      /* opened files for which no DWARF was found anywhere */
	const char *nodebug_example; /* the first of them (borrowed until symbolize_free) */
	uint64_t jitmaps;            /* /tmp/perf-PID.map files read */
	uint64_t jitmaps_refused;    /* ... refused (owner, type, symlink) */
	const char *jitmap_refused_why; /* why the first was refused (borrowed) */
	uint64_t debuginfo_refused;  /* debuginfo under --debug-dir refused (see debug_check) */
	const char *debuginfo_refused_why; /* why the first was refused (borrowed) */
};

struct symbolize_options {
	/*
	 * Extra roots for separate debuginfo (borrowed during symbolize_create), searched like
	 * /usr/lib/debug: DIR/.build-id/xx/yyyy.debug, then DIR/<the file's directory>/<its
	 * .gnu_debuglink name> (CRC-checked). Relative names are taken from the current directory.
	 */
	const char *const *debug_dirs;
	size_t ndebug_dirs;
	bool no_demangle; /* Function names stay mangled, as in the symbol tables */
	/*
	 * Debuginfo under debug_dirs is read on behalf of another user (prof runs as root for
	 * them): a file there owned by a user other than root and debug_user, or reached through
	 * a symbolic link out of its directory to a file debug_user could not read, is refused
	 * (counted in debuginfo_refused) and the system directories are searched instead.
	 */
	bool debug_check;
	uid_t debug_uid;
	gid_t debug_gid;
	const gid_t *debug_groups; /* supplementary groups (borrowed during symbolize_create) */
	size_t debug_ngroups;
	/*
	 * With have_kallsyms_fd: /proc/kallsyms, opened earlier and not read yet, to read instead
	 * of opening it (taken over: closed by symbolize). The kernel decides at open whether the
	 * opener sees addresses, so prof can open it and then give up CAP_SYSLOG.
	 */
	bool have_kallsyms_fd;
	int kallsyms_fd;
};

struct symbolize;

/*
 * `opt` may be NULL (defaults). Debuginfod: libdwfl asks the servers in DEBUGINFOD_URLS for
 * debuginfo it cannot find locally, when that variable is set in the environment; the caller
 * decides (by setting or unsetting it) before the first symbolize_addr.
 */
struct symbolize *symbolize_create(const struct symbolize_options *opt);
void symbolize_free(struct symbolize *s);

/*
 * Symbolizes `addr` (a runtime address in mapping `m`; already `ra - 1` for return addresses).
 * Fills `out`; returns out->n (0 when no symbol covers the address), or -errno when the
 * mapping's file cannot be read (the error is remembered: later calls for the file are cheap).
 */
int symbolize_addr(struct symbolize *s, const struct maps_mapping *m, uint64_t addr,
		   struct symbolize_result *out);

/*
 * Reads the GNU build-id of the mapping's file into hex (lowercase, NUL-terminated, at least 41
 * bytes). Returns the number of bytes of build-id, 0 when none, -errno when unreadable.
 */
int symbolize_build_id(struct symbolize *s, const struct maps_mapping *m, char *hex, size_t size);

const struct symbolize_stats *symbolize_stats(const struct symbolize *s);

#endif
