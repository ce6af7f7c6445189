/*
 * pmu: event names as perf users write them ("cycles", "L1-dcache-load-misses:u", "r003c",
 * "cpu/event=0x3c,umask=0,name=x/", "msr/tsc/") turned into perf_event_attr encodings. The
 * generic hardware, cache and software names come from built-in tables; dynamic PMUs and their
 * aliases are read from sysfs (a fixture tree in the tests); with --with-libpfm4, names neither
 * knows are tried through libpfm4. Pure apart from reading sysfs: nothing here opens an event.
 */
#ifndef PROF_PMU_H
#define PROF_PMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PMU_SYSFS_ROOT "/sys/bus/event_source/devices"

struct pmu_event {
	/* display name: the name= term if given, else the spec minus modifiers */
	char name[128];
	/*
	 * pprof sample type: "cpu" for cpu-clock/task-clock, else the canonical name ("cycles",
	 * "L1-dcache-load-misses", "tsc" for msr/tsc/), the name= term, or the spec as written
	 * ("r003c")
	 */
	char sample_type[128];
	/* pprof unit: "nanoseconds" for cpu-clock/task-clock, the sysfs .unit, else "count" */
	char unit[32];
	uint32_t type; /* PERF_TYPE_* or the dynamic PMU's sysfs type */
	uint64_t config, config1, config2;
	bool exclude_user, exclude_kernel, exclude_hv;
	/*
	 * :u/:k/:h given: exclude_* are final (perf's rule: the levels named are counted, the
	 * others excluded). Without them exclude_* are 0 and the caller applies its policy.
	 */
	bool modifiers;
	int precise;	 /* :p/:pp/:ppp count (precise_ip) */
	double scale;	 /* sysfs .scale, 1.0 otherwise */
	uint64_t period; /* period=N term */
	bool has_period;
	uint64_t freq; /* freq=N term */
	bool has_freq;
	/*
	 * Needs a hardware PMU: type HARDWARE, HW_CACHE, RAW, or a dynamic PMU other than the
	 * software-context ones (software, tracepoint, breakpoint, kprobe, uprobe, msr).
	 */
	bool hardware;
};

/*
 * Parses one event. sysfs_root is PMU_SYSFS_ROOT normally (NULL means that), a fixture
 * directory in tests.
 * Returns 0, -EINVAL (malformed: *cause names the term or part) or -ENOENT (unknown event, PMU
 * or alias: *cause names the closest existing ones), with *cause set (caller frees).
 */
int pmu_parse(const char *spec, const char *sysfs_root, struct pmu_event *out, char **cause);

/*
 * Splits an -e list ("cycles,instructions,cpu/event=0x3c,umask=0/") into event strings: commas
 * between '/' belong to the event. *out is an array of *n strings, caller frees with
 * pmu_split_free. 0, or -EINVAL with *cause (empty item, unbalanced '/').
 */
int pmu_split(const char *list, char ***out, size_t *n, char **cause);
void pmu_split_free(char **v, size_t n);

/*
 * True when a core hardware PMU exists under sysfs_root: "cpu", "cpu_core"/"cpu_atom" on
 * hybrid x86, or a PMU directory with a "cpus" file (arm64 core PMUs). NULL: PMU_SYSFS_ROOT.
 */
bool pmu_have_hardware(const char *sysfs_root);

/* ---- enumeration, for `prof list` */

enum pmu_kind { PMU_KIND_SOFTWARE, PMU_KIND_HARDWARE, PMU_KIND_CACHE };

struct pmu_name {
	char *event; /* as the user writes it: "page-faults", "L1-dcache-load-misses", "msr/tsc/" */
	char *alias; /* another accepted spelling ("faults"), or NULL */
	char *note;  /* one line: what it counts */
};

/* The built-in events of one kind, in perf's order. Caller frees with pmu_names_free. */
void pmu_builtin_names(enum pmu_kind kind, struct pmu_name **out, size_t *n);

/* The dynamic PMUs under sysfs_root, sorted. Caller frees with pmu_split_free. */
void pmu_sysfs_pmus(const char *sysfs_root, char ***out, size_t *n);

/*
 * The aliases (events/) of PMU `pmu`, sorted, as "pmu/alias/" with their terms (and unit) as the
 * note. Caller frees with pmu_names_free.
 */
void pmu_sysfs_events(const char *sysfs_root, const char *pmu, struct pmu_name **out, size_t *n);

/* The format terms of PMU `pmu`: "event (config:0-7), umask (config:8-15)"; NULL if none.
 * Caller frees. */
char *pmu_sysfs_terms(const char *sysfs_root, const char *pmu);

/* Is `pmu` one of the software-context PMUs, which need no hardware PMU? */
bool pmu_is_software_pmu(const char *pmu);

void pmu_names_free(struct pmu_name *v, size_t n);

#endif
