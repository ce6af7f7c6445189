/*
 * unwind: turns what the kernel gave for one sample into an array of program counters, leaf
 * first, kernel frames before user frames. It never symbolizes. Return addresses are turned
 * into `ra - 1` so that they fall inside the call instruction (what pprof and addr2line expect);
 * the exact PC right after each context marker (the interrupted instruction) is kept as is.
 */
#ifndef PROF_UNWIND_H
#define PROF_UNWIND_H

#include <stdint.h>

#define UNWIND_MAX_FRAMES 512

struct unwind_stack {
	uint32_t n;       /* frames in pcs */
	uint32_t nkernel; /* the first nkernel frames are kernel addresses */
	uint64_t pcs[UNWIND_MAX_FRAMES];
};

struct unwind_stats {
	uint64_t samples;
	uint64_t empty;     /* no callchain at all */
	uint64_t truncated; /* more frames than UNWIND_MAX_FRAMES */
};

/*
 * From a PERF_SAMPLE_CALLCHAIN array (with PERF_CONTEXT_* markers). `ip` is the sample's
 * PERF_SAMPLE_IP, used when the chain is empty. Guest and hypervisor frames are dropped.
 */
void unwind_callchain(const uint64_t *ips, uint64_t nr, uint64_t ip, struct unwind_stack *out,
		      struct unwind_stats *stats);

#endif
