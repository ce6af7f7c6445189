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

#include "record.h"
#include "ring.h"

struct perf_event_attr;

#define EVENTS_MAX 8

struct events_spec {
	char *name;        /* canonical name, e.g. "cpu-clock" (owned) */
	uint32_t type;     /* PERF_TYPE_* or a dynamic PMU type */
	uint64_t config, config1, config2;
	bool exclude_user, exclude_kernel; /* from :u / :k modifiers */
	bool modifiers;    /* the user gave modifiers: do not change exclude_* */
	const char *sample_type; /* pprof sample type name ("cpu", "page-faults", ...) */
	const char *unit;        /* pprof unit ("nanoseconds", "count") */
};

/* Parses one event name. 0, or -EINVAL/-ENOENT with *cause set (caller frees). */
int events_parse(const char *str, struct events_spec *out, char **cause);
void events_spec_free(struct events_spec *spec);

struct events_config {
	struct events_spec specs[EVENTS_MAX]; /* [0] samples, the rest are counted members */
	size_t nspecs;
	bool freq;          /* sample at `rate` Hz, else every `rate` events */
	uint64_t rate;
	bool kernel;        /* include kernel mode (samples and callchain) */
	bool callchain;
	unsigned mmap_pages; /* data pages per ring, a power of two */
};

/* Builds the attr of event i of the group. Pure; used by events_open and by tests. */
void events_attr(const struct events_config *cfg, size_t i, bool enable_on_exec,
		 struct perf_event_attr *attr);

/* The record layout that the rings of groups opened with `cfg` carry. */
void events_layout(const struct events_config *cfg, struct record_layout *out);

struct events_group {
	pid_t tid;
	int fds[EVENTS_MAX];
	uint64_t ids[EVENTS_MAX];
	size_t nfds;
	struct ring ring;
};

/*
 * Opens the group for thread `tid`, maps the leader's ring. Enabled at once unless
 * enable_on_exec. Returns 0 or -errno; *failed is the index of the event that failed to open
 * (or -1 when the failure was the mmap).
 */
int events_open(const struct events_config *cfg, pid_t tid, bool enable_on_exec,
		struct events_group *g, int *failed);
void events_close(struct events_group *g);
int events_disable(struct events_group *g);

#endif
