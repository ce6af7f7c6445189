/*
 * unwind_dwarf: user stacks for code without frame pointers, from the registers and the copy
 * of the user stack that a sample carries (PERF_SAMPLE_REGS_USER + PERF_SAMPLE_STACK_USER),
 * unwound with the CFI of the mapped files (.eh_frame, .debug_frame) through libdwfl. Where
 * DWARF cannot go on (no CFI for a PC, JIT code in anonymous memory, the end of the stack
 * copy) the frame-pointer chain takes over, first in the stack copy and then from the kernel's
 * own frame-pointer callchain, and DWARF resumes where a frame-pointer step lands in code that
 * has CFI. Go code without CFI is stepped through with its line table first (unwind_go.h). Like unwind.h it never symbolizes: it produces program counters.
 */
#ifndef PROF_UNWIND_DWARF_H
#define PROF_UNWIND_DWARF_H

#include <stdint.h>
#include <sys/types.h>

#include "maps.h"
#include "unwind.h"

/*
 * Per-run counts. complete, no_cfi, stack_end, errors and truncated split the samples by how
 * the DWARF unwinder ended (its last run, after any resumption); fp_fallback and go_pcsp are counted on top.
 */
struct unwind_dwarf_stats {
	uint64_t samples;
	/*
	 * Reached the thread's entry: the CFI marked the return address undefined (_start,
	 * clone3), the return address was 0, or the last frame is in _start,
	 * __libc_start_main, __libc_start_call_main, clone, clone3 or start_thread (by symbol).
	 */
	uint64_t complete;
	uint64_t no_cfi;      /* stopped at a PC without CFI (or in anonymous/JIT memory) */
	uint64_t stack_end;   /* stopped: the next frame lies beyond the copied stack */
	uint64_t fp_fallback; /* the frame-pointer chain (copy or kernel's) added frames */
	uint64_t go_pcsp;     /* Go line tables' pcsp values added frames (unwind_go.h) */
	uint64_t errors;      /* no usable registers, bad PC, CFI that could not be evaluated */
	uint64_t truncated;   /* DWARF filled UNWIND_MAX_FRAMES */
};

struct unwind_dwarf;

/*
 * `maps` (borrowed; must outlive the unwinder) gives the address spaces: the unwinder reads the
 * CFI of the files they map. Returns NULL when this architecture has no DWARF unwinder.
 */
struct unwind_dwarf *unwind_dwarf_create(struct maps *maps);
void unwind_dwarf_free(struct unwind_dwarf *u);

/*
 * `pid` exec'd or exited: drop its libdwfl session (its open files go with it). A later sample
 * of the pid builds a new one. Mapping changes need no call: a mapping that overlaps a file
 * reported from an older mapping (dlclose + dlopen at the same addresses) rebuilds the session
 * by itself.
 */
void unwind_dwarf_forget(struct unwind_dwarf *u, pid_t pid);

/*
 * Unwinds the user stack of one sample of process `pid` and appends the user frames to
 * out->pcs after the out->n frames already there (the kernel's), leaf first: the exact PC, then
 * return addresses - 1 (the unwind.h convention; PCs interrupted by a signal stay exact).
 * Returns the number of user frames appended; out->nkernel is left alone.
 *
 * regs/nregs: the sample's PERF_SAMPLE_REGS_USER values for arch_regs()->perf_mask with the
 *   64-bit ABI (NULL/0 when the sample has none: only fp_chain is used then).
 * stack/stack_size/dyn_size: the PERF_SAMPLE_STACK_USER bytes; the first dyn_size are valid and
 *   start at the sample's SP. (dyn_size < stack_size does not mean the copy reached the top
 *   of the stack: the kernel's copy also stops at pages it cannot read without faulting.)
 * fp_chain/nfp: optional (NULL/0): the user part of the sample's PERF_SAMPLE_CALLCHAIN, i.e.
 *   the entries after PERF_CONTEXT_USER, raw (exact PC first, then return addresses as the
 *   kernel read them). Used where the stack copy cannot be walked any further.
 *
 * Steady state does no allocation and no system call of its own (libdwfl allocates its frame
 * states); the first samples of a process open and map its files.
 */
int unwind_dwarf_sample(struct unwind_dwarf *u, pid_t pid, const uint64_t *regs, uint32_t nregs,
			const uint8_t *stack, uint64_t stack_size, uint64_t dyn_size,
			const uint64_t *fp_chain, uint32_t nfp, struct unwind_stack *out,
			struct unwind_dwarf_stats *stats);

/*
 * What the last unwind_dwarf_sample depended on, for a caller that would rather not unwind the
 * same stack twice: the offsets (from the start of the stack copy) of the 8-byte words of the
 * copy it read, *n of them. Another sample of the same process with the same pc, sp and frame
 * pointer, as much valid stack copy and the same words at those offsets unwinds the same, as
 * long as the mappings are the same (CFI that finds a frame through another register, as a
 * stack-realigning prologue's does, is the exception). NULL when it depended on more: a failed
 * read, the kernel's callchain, more words than it keeps track of. Borrowed until the next
 * unwind_dwarf_sample.
 */
const uint32_t *unwind_dwarf_last_reads(const struct unwind_dwarf *u, uint32_t *n);

#endif
