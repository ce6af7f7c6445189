/*
 * events: event specs ("cpu-clock") to perf_event_attr, and the per-thread sampler group: the
 * first event samples (callchain, tid, time, period), the others (later: hardware counters) are
 * members read with every sample. One group per thread (pid = tid, cpu = -1, no inherit), with
 * its own ring buffer.
 */
#ifndef PROF_EVENTS_H
#define PROF_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pmu.h"
#include "record.h"
#include "ring.h"

struct perf_event_attr;

#define EVENTS_MAX 8

struct events_spec {
	struct pmu_event ev; /* the encoding, from pmu_parse */
	char spec[160];      /* as the user wrote it, modifiers included, for messages */
};

/* Parses one event name (see pmu_parse). 0, or -EINVAL/-ENOENT with *cause set. */
int events_parse(const char *str, struct events_spec *out, char **cause);
void events_spec_free(struct events_spec *spec);

struct events_config {
	struct events_spec specs[EVENTS_MAX]; /* [0] samples, the rest are counted members */
	size_t nspecs;
	bool freq;          /* sample at `rate` Hz, else every `rate` events */
	uint64_t rate;
	bool kernel;        /* include kernel mode (samples and callchain) */
	bool callchain;
	bool dwarf;          /* also copy user registers and stack for DWARF unwinding */
	uint32_t stack_size; /* bytes of user stack per sample (8-aligned, <= 65528) */
	unsigned mmap_pages; /* data pages per ring, a power of two */
	/*
	 * --off-cpu: the leader also emits PERF_RECORD_SWITCH (context_switch, works unprivileged);
	 * with off_cpu_stacks each group gets a context-switch sampler too (needs kernel mode).
	 */
	bool off_cpu;
	bool off_cpu_stacks;
	/* bytes of user stack per context-switch sample, at most stack_size (0: stack_size) */
	uint32_t off_cpu_stack_size;
	bool wall; /* for the session: a wall type = leader period (ns) + off-CPU time */
};

/* Frees the specs of a configuration. */
void events_config_free(struct events_config *cfg);

/* Builds the attr of event i of the group. Pure; used by events_open and by tests. */
void events_attr(const struct events_config *cfg, size_t i, bool enable_on_exec,
		 struct perf_event_attr *attr);

/*
 * Builds the attr of the context-switch sampler (--off-cpu with stacks): software
 * context-switches, every one sampled, with exactly the leader's sample layout so that both
 * share one ring. Pure.
 */
void events_attr_offcpu(const struct events_config *cfg, bool enable_on_exec,
			struct perf_event_attr *attr);

/* The record layout that the rings of groups opened with `cfg` carry. */
void events_layout(const struct events_config *cfg, struct record_layout *out);

struct events_group {
	pid_t tid;
	int fds[EVENTS_MAX];
	uint64_t ids[EVENTS_MAX];
	size_t nfds;
	struct ring ring;
	/* the context-switch sampler: its own group, redirected into the leader's ring */
	bool has_cs;
	int cs_fd;
	uint64_t cs_id;
};

/*
 * Opens the group for thread `tid`, maps the leader's ring. Enabled at once unless
 * enable_on_exec. Returns 0 or -errno; *failed is the index of the event that failed to open
 * (cfg->nspecs: the context-switch sampler; -1 when the failure was the mmap).
 */
int events_open(const struct events_config *cfg, pid_t tid, bool enable_on_exec,
		struct events_group *g, int *failed);
void events_close(struct events_group *g);
int events_disable(struct events_group *g);

/*
 * The fallback for a process we cannot ptrace: the group of thread `tid` on one CPU, with
 * `inherit`, so threads it creates later are sampled from birth by the kernel. The kernel
 * refuses to mmap inherited per-thread events, so the samples go to a per-CPU ring: when
 * `output_fd` is -1 the group's ring is mapped here (it becomes that CPU's ring), otherwise
 * its records are redirected to output_fd's ring (PERF_EVENT_IOC_SET_OUTPUT, same CPU).
 * Enabled at once. Returns 0 or -errno with *failed as in events_open.
 */
int events_open_inherit(const struct events_config *cfg, pid_t tid, int cpu, int output_fd,
			struct events_group *g, int *failed);

/* The number of possible CPUs (for per-CPU rings). */
int events_ncpus(void);

#endif
