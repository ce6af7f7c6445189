/*
 * unwind: turns a PERF_SAMPLE_CALLCHAIN array into a leaf-first array of program counters,
 * kernel frames before user frames. The kernel's array interleaves context markers
 * (PERF_CONTEXT_KERNEL, _USER, _HV, _GUEST*) with addresses; a marker says which address space
 * the addresses after it belong to. We keep host kernel and user frames and drop the rest, whose
 * addresses mean nothing in our address spaces. Runs once per sample: no allocation.
 */
#include "unwind.h"

#include <stdbool.h>

#include <linux/perf_event.h>

/* Every entry at or above this is a context marker, not an address. */
#define UNWIND_CONTEXT_MAX ((uint64_t)PERF_CONTEXT_MAX)

enum unwind_ctx {
	UNWIND_CTX_NONE, /* before any marker, or after HV / GUEST*: frames are dropped */
	UNWIND_CTX_KERNEL,
	UNWIND_CTX_USER,
};

static enum unwind_ctx
unwind_marker_ctx(uint64_t marker)
{
	if (marker == (uint64_t)PERF_CONTEXT_KERNEL)
		return UNWIND_CTX_KERNEL;
	if (marker == (uint64_t)PERF_CONTEXT_USER)
		return UNWIND_CTX_USER;
	return UNWIND_CTX_NONE;
}

/*
 * Appends the frames of context `want` to out. The entry right after a marker is the PC at
 * which that context was interrupted (regs->ip for the sampled context, the user PC saved at
 * kernel entry for the user part); it is exact and kept. Every later entry was read from a
 * frame as a return address, which points after the call instruction, possibly into the next
 * line or even the next function; ra - 1 lands inside the call. Returns false when out is full.
 */
static bool
unwind_collect(const uint64_t *ips, uint64_t nr, enum unwind_ctx want, struct unwind_stack *out)
{
	enum unwind_ctx ctx = UNWIND_CTX_NONE;
	bool exact = false;

	for (uint64_t i = 0; i < nr; i++) {
		uint64_t pc = ips[i];
		bool first = exact;

		if (pc >= UNWIND_CONTEXT_MAX) {
			ctx = unwind_marker_ctx(pc);
			exact = true;
			continue;
		}
		/* The slot after a marker is the exact PC even when it holds 0. */
		exact = false;
		if (ctx != want || pc == 0)
			continue;
		if (out->n == UNWIND_MAX_FRAMES)
			return false;
		out->pcs[out->n++] = first ? pc : pc - 1;
	}
	return true;
}

void
unwind_callchain(const uint64_t *ips, uint64_t nr, uint64_t ip, struct unwind_stack *out,
		 struct unwind_stats *stats)
{
	bool complete;

	out->n = 0;
	out->nkernel = 0;
	if (stats)
		stats->samples++;

	/* The kernel emits its part first, but order by context anyway: leaf-most is kernel. */
	complete = unwind_collect(ips, nr, UNWIND_CTX_KERNEL, out);
	out->nkernel = out->n;
	if (complete)
		complete = unwind_collect(ips, nr, UNWIND_CTX_USER, out);
	if (!complete && stats)
		stats->truncated++;

	if (out->n == 0) {
		/* No usable chain (none asked for, or only guest frames): the sampled PC alone. */
		if (stats)
			stats->empty++;
		if (ip != 0)
			out->pcs[out->n++] = ip;
	}
}
