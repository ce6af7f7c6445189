/*
 * cli: command-line parsing for the subcommands. Pure (no I/O, no exit) so that every accepted
 * and rejected invocation is unit-tested; the subcommand drivers print and exit.
 */
#ifndef PROF_CLI_H
#define PROF_CLI_H

#include <stdbool.h>
#include <stdint.h>

#define CLI_DEFAULT_FREQ 999 /* Hz: odd, so it does not beat in lockstep with 10 ms timers */
#define CLI_DEFAULT_OUTPUT "prof.pb.gz"
#define CLI_DEFAULT_MMAP_PAGES 64
#define CLI_DWARF_MMAP_PAGES 128   /* with DWARF stacks, where locked memory is not limited */
#define CLI_OFF_CPU_MMAP_PAGES 256 /* with --off-cpu: context-switch samples need room too */
#define CLI_DEFAULT_STACK 8192 /* bytes of stack per sample: perf's default; see README */
#define CLI_OFF_CPU_STACK      2048 /* ... per context-switch sample (--off-cpu; BENCHMARKS.md) */
#define CLI_MAX_STACK 65528    /* the kernel's limit (u16 record size, 8-aligned) */
#define CLI_MAX_EVENTS 8
#define CLI_MAX_TARGETS 1024
#define CLI_MAX_DEBUG_DIRS 16

#include <sys/types.h>

struct cli_record {
	/* -e lists as given (borrowed from argv); together they make one group, whose first
	 * event samples and the others are counted with it */
	const char *events[CLI_MAX_EVENTS];
	int nevents;
	bool freq;          /* -F given or default */
	uint64_t rate;      /* Hz with freq, else period */
	bool callchain;
	bool dwarf;           /* unwind user stacks with DWARF CFI (--call-graph dwarf, default) */
	uint32_t stack_size;  /* bytes of user stack copied per sample for DWARF unwinding */
	const char *output;
	enum cli_format { CLI_FORMAT_PPROF, CLI_FORMAT_FOLDED, CLI_FORMAT_SVG } format;
	double duration;    /* seconds; 0 = until the command exits */
	unsigned mmap_pages;
	bool mmap_pages_set; /* -m given */
	int verbosity;      /* -1 quiet, 0 normal, 1+ verbose */
	bool help;
	char **argv;        /* the command (borrowed), NULL-terminated; NULL with -p/-t */
	pid_t targets[CLI_MAX_TARGETS]; /* -p PIDs or -t TIDs */
	size_t ntargets;
	bool threads;       /* targets are -t TIDs */
	bool follow_children; /* trace children (default: yes for a command, no for -p) */
	const char *debug_dirs[CLI_MAX_DEBUG_DIRS]; /* --debug-dir (borrowed from argv) */
	size_t ndebug_dirs;
	bool debuginfod;    /* --debuginfod: fetch missing debuginfo from DEBUGINFOD_URLS */
	bool no_demangle;   /* --no-demangle */
	bool off_cpu;       /* --off-cpu: also where threads wait (off-cpu/nanoseconds) */
	bool wall;          /* --wall: on- plus off-CPU time per stack (implies off_cpu) */
	bool as_root;       /* --as-root: under sudo, run the command as root, not SUDO_UID */
};

/*
 * Parses `prof record` arguments (argv[0] is "record"). 0 on success; -EINVAL with *cause set
 * (caller frees) for a usage error. With --help, returns 0 and sets help.
 */
int cli_parse_record(int argc, char **argv, struct cli_record *out, char **cause);

/* The usage text of `prof record`. */
const char *cli_record_usage(void);

#endif
