/*
 * unwind_go: steps out of Go functions with the pcsp tables of the Go line table (gopclntab.h),
 * as the Go runtime's own traceback does. Go binaries have no .eh_frame, and `-ldflags=-w`
 * drops their .debug_frame, so stripped Go code has no CFI; frame pointers do not make up for
 * it, because Go's leaf functions (and every function before its prologue has run) set up none:
 * a frame-pointer walk from there skips the caller. The pcsp table says, at every PC, how far
 * the SP is below the function's entry SP, which is all an x86-64 step needs: the return address
 * is at SP + pcsp(pc), the caller's SP 8 bytes above it. Like unwind_dwarf.h it works on the
 * sample's copy of the stack and never symbolizes. x86-64 only: elsewhere the return address
 * does not sit above the frame.
 */
#ifndef PROF_UNWIND_GO_H
#define PROF_UNWIND_GO_H

#include <stdbool.h>
#include <stdint.h>

#include "gopclntab.h"

/* A frame as the step sees it. */
struct unwind_go_frame {
	/*
	 * The frame's PC (the address space's, not the ELF file's): where the thread was
	 * interrupted when `exact`, or else the return address - 1, inside the call instruction.
	 */
	uint64_t pc;
	uint64_t sp;
	uint64_t fp; /* the frame pointer register (rbp) in this frame, when fp_ok */
	bool exact, fp_ok;
};

enum unwind_go_step {
	UNWIND_GO_CALLER, /* stepped: the frame is now its caller's */
	UNWIND_GO_TOP, /* a stack begins here (runtime.goexit, mstart, ...; or a return address 0)
			*/
	/* No step: the function switches stacks (SPWRITE), or the return address is not in the copy. */
	UNWIND_GO_STOP,
};

/*
 * gopclntab_frame for PC `pc` of code whose Go line table is `t`, mapped `bias` above its
 * link-time addresses. Returns 1 with *gf, 0 when no function covers it, -EINVAL when its table
 * cannot say or is no x86-64 table (pointers of 8 bytes, pc quantum 1).
 */
int unwind_go_lookup(const struct gopclntab *t, uint64_t bias, uint64_t pc,
		     struct gopclntab_frame *gf);

/*
 * One step out of frame *f, whose function's pcsp value and flags at f->pc are *gf (from
 * unwind_go_lookup). The stack copy `stack` holds the bytes of [lo, hi). On UNWIND_GO_CALLER,
 * *ra is the return address read from the stack and *f the caller's frame (pc = *ra - 1, not
 * exact): its SP, and its frame pointer where it can be told (the word below the return
 * address, which Go's prologues save rbp to, when rbp points there; the same rbp when the
 * function has pushed nothing or has not saved it yet). Never allocates; reads nothing but the
 * copy.
 */
enum unwind_go_step unwind_go_step(const struct gopclntab_frame *gf, const uint8_t *stack,
				   uint64_t lo, uint64_t hi, struct unwind_go_frame *f,
				   uint64_t *ra);

#endif
