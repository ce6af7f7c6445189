/*
 * unwind_chain: call chains for unwind_dwarf_test, built without frame pointers (see
 * Makefile.am). The innermost function captures its own registers, in PERF_SAMPLE_REGS_USER
 * order, and a copy of the stack above its SP, the way the kernel would for a sample taken
 * there.
 */
#ifndef PROF_UNWIND_CHAIN_H
#define PROF_UNWIND_CHAIN_H

#include <stdint.h>

#define UNWIND_CHAIN_STACK 8192

struct unwind_chain_capture {
	uint64_t regs[40];
	uint32_t nregs; /* 0: no capture on this architecture */
	uint8_t stack[UNWIND_CHAIN_STACK];
	uint64_t stack_size; /* bytes asked for */
	uint64_t dyn_size;  /* bytes copied: fewer when the stack ends sooner, as the kernel does */
	uint64_t thread_ra; /* unwind_chain_thread: where the thread's function returns to */
};

/* f0 -> f1 -> f2 -> f3; f3 captures. Return values only keep the calls from being tail calls. */
int unwind_chain_f0(struct unwind_chain_capture *c);
int unwind_chain_f1(struct unwind_chain_capture *c);
int unwind_chain_f2(struct unwind_chain_capture *c);
int unwind_chain_f3(struct unwind_chain_capture *c);

/*
 * unwind_chain_hybrid -> unwind_chain_nocfi -> unwind_chain_f3: the middle one is written in
 * assembly with a frame pointer and no CFI at all, like JIT code.
 */
int unwind_chain_hybrid(struct unwind_chain_capture *c);
int unwind_chain_nocfi(struct unwind_chain_capture *c, int (*fn)(struct unwind_chain_capture *));

/*
 * unwind_chain_alloca -> unwind_chain_epilogue (x86-64 only; elsewhere nregs stays 0): the
 * capture is taken in the epilogue after `leave`, where the CFI still says the caller's frame
 * pointer is saved below the SP; the caller (alloca) computes its CFA from that frame pointer.
 */
int unwind_chain_alloca(struct unwind_chain_capture *c);
int unwind_chain_epilogue(struct unwind_chain_capture *c);

/*
 * Runs unwind_chain_f0 in a new thread (pthread_create, so glibc's start_thread and clone3 or
 * clone are its outermost frames, on a stack mmap'd by glibc) and joins it; the capture is
 * taken in that thread's f3, and c->thread_ra is the return address of the thread's function
 * (into start_thread, known without libc's symbols). Returns 0, or an errno from
 * pthread_create/join (no capture).
 */
int unwind_chain_thread(struct unwind_chain_capture *c);

#endif
