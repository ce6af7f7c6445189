/*
 * unwind_go: an x86-64 step out of a Go frame from its function's pcsp value (see unwind_go.h).
 *
 * The Go runtime's traceback (runtime/traceback.go) does the same: frame.fp = frame.sp +
 * funcspdelta(pc) + 8, the return address in the word below that. It stops at functions marked
 * TOPFRAME and at those that write the SP (SPWRITE): their pcsp tables do not describe the
 * switch. Reads stay inside the stack copy; what the step cannot check (that the return address
 * is code) the caller does.
 *
 * The frame pointer is followed only so that a frame-pointer walk or DWARF can take over
 * where Go code ends. Go's prologue is `SUBQ $n, SP; MOVQ BP, n-8(SP); LEAQ n-8(SP), BP` (or,
 * in newer releases, `PUSHQ BP; MOVQ SP, BP; SUBQ`): in a function with a frame, once the
 * prologue has run, rbp points at the caller's rbp, saved right below the return address.
 */
#include "config.h"

#include "unwind_go.h"

#include <errno.h>
#include <string.h>

/* The 8 bytes of the copy at `addr`; false when they are not all in [lo, hi). */
static bool
unwind_go_read(const uint8_t *stack, uint64_t lo, uint64_t hi, uint64_t addr, uint64_t *v)
{
	if (!stack || addr < lo || addr >= hi || hi - addr < sizeof(*v))
		return false;
	memcpy(v, stack + (addr - lo), sizeof(*v));
	return true;
}

int
unwind_go_lookup(const struct gopclntab *t, uint64_t bias, uint64_t pc, struct gopclntab_frame *gf)
{
	if (t->ptrsize != 8 || t->quantum != 1 || pc < bias)
		return -EINVAL;
	return gopclntab_frame(t, pc - bias, gf);
}

enum unwind_go_step
unwind_go_step(const struct gopclntab_frame *gf, const uint8_t *stack, uint64_t lo, uint64_t hi,
	       struct unwind_go_frame *f, uint64_t *ra)
{
	uint64_t slot, saved = 0;

	if (gf->flags & GOPCLNTAB_TOPFRAME)
		return UNWIND_GO_TOP;
	if ((gf->flags & GOPCLNTAB_SPWRITE) || gf->sp < 0 || (uint64_t)gf->sp > UINT64_MAX - f->sp)
		return UNWIND_GO_STOP;
	slot = f->sp + (uint64_t)gf->sp;
	if (!unwind_go_read(stack, lo, hi, slot, ra))
		return UNWIND_GO_STOP;
	if (*ra == 0)
		return UNWIND_GO_TOP;

	if (gf->sp == 0) {
		/* Nothing pushed: rbp is still the caller's. */
	} else if (f->fp_ok && f->fp == slot - 8) {
		f->fp_ok = unwind_go_read(stack, lo, hi, f->fp, &saved);
		f->fp = saved;
	} else if (!f->exact) {
		/* A caller is past its prologue: rbp should have pointed at the saved one. */
		f->fp_ok = false;
	}
	/* else interrupted in the prologue or the epilogue: rbp holds the caller's value. */

	/* slot + 8 <= hi: no overflow */
	f->pc = *ra - 1;
	f->sp = slot + 8;
	f->exact = false;
	return UNWIND_GO_CALLER;
}
