/*
 * unwind_chain: the chains unwind_dwarf_test unwinds. Built with -O2 -fomit-frame-pointer
 * -fno-optimize-sibling-calls: rbp is an ordinary register here, so only CFI can unwind these
 * frames, and every call stays a real call with a frame of its own.
 */
#include "unwind_chain.h"

#include <pthread.h>
#include <stddef.h>
#include <sys/uio.h>
#include <unistd.h>

/* noclone: a specialised copy would carry another name (f3.constprop.0). */
#if defined(__clang__)
#define UNWIND_CHAIN_NOINLINE __attribute__((noinline))
#else
#define UNWIND_CHAIN_NOINLINE __attribute__((noinline, noclone))
#endif

/*
 * Copies [sp, sp + UNWIND_CHAIN_STACK) the way PERF_SAMPLE_STACK_USER does: process_vm_readv
 * stops at the first page it cannot read, so a stack that ends sooner gives a shorter copy,
 * and the bytes come out defined for valgrind whatever they held.
 */
void unwind_chain_copy(struct unwind_chain_capture *c, uint64_t sp);

void
unwind_chain_copy(struct unwind_chain_capture *c, uint64_t sp)
{
	struct iovec local = {c->stack, UNWIND_CHAIN_STACK};
	struct iovec remote[UNWIND_CHAIN_STACK / 4096 + 2];
	uint64_t at = sp, end = sp + UNWIND_CHAIN_STACK;
	int n = 0;
	ssize_t r;

	/* One iovec per page: partial transfers happen only between iovecs. */
	while (at < end) {
		uint64_t next = (at & ~(uint64_t)4095) + 4096;

		if (next > end)
			next = end;
		remote[n].iov_base = (void *)(uintptr_t)at;
		remote[n].iov_len = (size_t)(next - at);
		n++;
		at = next;
	}
	r = process_vm_readv(getpid(), &local, 1, remote, (unsigned long)n, 0);
	c->stack_size = UNWIND_CHAIN_STACK;
	c->dyn_size = r > 0 ? (uint64_t)r : 0;
}

#if defined(__x86_64__)

/* PERF_SAMPLE_REGS_USER order: ax bx cx dx si di bp sp ip r8-r15. */
#define UNWIND_CHAIN_CAPTURE(r)                                                                    \
	__asm__ volatile("1:\n\t"                                                                  \
			 "movq %%rax, 0(%0)\n\t"                                                   \
			 "movq %%rbx, 8(%0)\n\t"                                                   \
			 "movq %%rcx, 16(%0)\n\t"                                                  \
			 "movq %%rdx, 24(%0)\n\t"                                                  \
			 "movq %%rsi, 32(%0)\n\t"                                                  \
			 "movq %%rdi, 40(%0)\n\t"                                                  \
			 "movq %%rbp, 48(%0)\n\t"                                                  \
			 "movq %%rsp, 56(%0)\n\t"                                                  \
			 "leaq 1b(%%rip), %%rax\n\t"                                               \
			 "movq %%rax, 64(%0)\n\t"                                                  \
			 "movq %%r8, 72(%0)\n\t"                                                   \
			 "movq %%r9, 80(%0)\n\t"                                                   \
			 "movq %%r10, 88(%0)\n\t"                                                  \
			 "movq %%r11, 96(%0)\n\t"                                                  \
			 "movq %%r12, 104(%0)\n\t"                                                 \
			 "movq %%r13, 112(%0)\n\t"                                                 \
			 "movq %%r14, 120(%0)\n\t"                                                 \
			 "movq %%r15, 128(%0)\n\t"                                                 \
			 :                                                                         \
			 : "r"(r)                                                                  \
			 : "rax", "memory")
#define UNWIND_CHAIN_NREGS 17
#define UNWIND_CHAIN_SP	   7

/* Frame pointer, no CFI: push rbp; mov rsp, rbp; call fn(c); pop rbp; ret. */
__asm__(".text\n"
	".globl unwind_chain_nocfi\n"
	".type unwind_chain_nocfi, @function\n"
	"unwind_chain_nocfi:\n"
	"	pushq %rbp\n"
	"	movq %rsp, %rbp\n"
	"	call *%rsi\n"
	"	popq %rbp\n"
	"	ret\n"
	".size unwind_chain_nocfi, .-unwind_chain_nocfi\n");

/*
 * A frame-pointer function with CFI that captures after `leave`, where CFA = rsp + 8 but the
 * rule for rbp still reads CFA - 16. The stack is realigned around the call that copies it.
 */
__asm__(".text\n"
	".globl unwind_chain_epilogue\n"
	".type unwind_chain_epilogue, @function\n"
	"unwind_chain_epilogue:\n"
	"	.cfi_startproc\n"
	"	pushq %rbp\n"
	"	.cfi_def_cfa_offset 16\n"
	"	.cfi_offset %rbp, -16\n"
	"	movq %rsp, %rbp\n"
	"	.cfi_def_cfa_register %rbp\n"
	"	subq $32, %rsp\n"
	"	leave\n"
	"	.cfi_def_cfa %rsp, 8\n"
	"1:	movq %rax, 0(%rdi)\n"
	"	movq %rbx, 8(%rdi)\n"
	"	movq %rcx, 16(%rdi)\n"
	"	movq %rdx, 24(%rdi)\n"
	"	movq %rsi, 32(%rdi)\n"
	"	movq %rdi, 40(%rdi)\n"
	"	movq %rbp, 48(%rdi)\n"
	"	movq %rsp, 56(%rdi)\n"
	"	leaq 1b(%rip), %rax\n"
	"	movq %rax, 64(%rdi)\n"
	"	movq %r8, 72(%rdi)\n"
	"	movq %r9, 80(%rdi)\n"
	"	movq %r10, 88(%rdi)\n"
	"	movq %r11, 96(%rdi)\n"
	"	movq %r12, 104(%rdi)\n"
	"	movq %r13, 112(%rdi)\n"
	"	movq %r14, 120(%rdi)\n"
	"	movq %r15, 128(%rdi)\n"
	"	movl $17, %eax\n"
	"	movl %eax, 320(%rdi)\n"
	"	movq %rsp, %rsi\n"
	"	subq $8, %rsp\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	call unwind_chain_copy\n"
	"	addq $8, %rsp\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	movl $1, %eax\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size unwind_chain_epilogue, .-unwind_chain_epilogue\n");

_Static_assert(offsetof(struct unwind_chain_capture, nregs) == 320, "nregs offset in the asm");

#elif defined(__aarch64__)

/* PERF_SAMPLE_REGS_USER order: x0-x30, sp, pc. */
#define UNWIND_CHAIN_CAPTURE(r)                                                                    \
	__asm__ volatile("stp x0, x1, [%0, #0]\n\t"                                                \
			 "stp x2, x3, [%0, #16]\n\t"                                               \
			 "stp x4, x5, [%0, #32]\n\t"                                               \
			 "stp x6, x7, [%0, #48]\n\t"                                               \
			 "stp x8, x9, [%0, #64]\n\t"                                               \
			 "stp x10, x11, [%0, #80]\n\t"                                             \
			 "stp x12, x13, [%0, #96]\n\t"                                             \
			 "stp x14, x15, [%0, #112]\n\t"                                            \
			 "stp x16, x17, [%0, #128]\n\t"                                            \
			 "stp x18, x19, [%0, #144]\n\t"                                            \
			 "stp x20, x21, [%0, #160]\n\t"                                            \
			 "stp x22, x23, [%0, #176]\n\t"                                            \
			 "stp x24, x25, [%0, #192]\n\t"                                            \
			 "stp x26, x27, [%0, #208]\n\t"                                            \
			 "stp x28, x29, [%0, #224]\n\t"                                            \
			 "str x30, [%0, #240]\n\t"                                                 \
			 "mov x9, sp\n\t"                                                          \
			 "str x9, [%0, #248]\n\t"                                                  \
			 "adr x9, 1f\n"                                                            \
			 "1:\n\t"                                                                  \
			 "str x9, [%0, #256]\n\t"                                                  \
			 :                                                                         \
			 : "r"(r)                                                                  \
			 : "x9", "memory")
#define UNWIND_CHAIN_NREGS 33
#define UNWIND_CHAIN_SP	   31

/* Frame record, no CFI: stp x29, x30; mov x29, sp; blr fn(c); ldp; ret. */
__asm__(".text\n"
	".globl unwind_chain_nocfi\n"
	".type unwind_chain_nocfi, %function\n"
	"unwind_chain_nocfi:\n"
	"	stp x29, x30, [sp, #-16]!\n"
	"	mov x29, sp\n"
	"	blr x1\n"
	"	ldp x29, x30, [sp], #16\n"
	"	ret\n"
	".size unwind_chain_nocfi, .-unwind_chain_nocfi\n");

#else

#define UNWIND_CHAIN_CAPTURE(r) ((void)(r))
#define UNWIND_CHAIN_NREGS	0
#define UNWIND_CHAIN_SP		0

int
unwind_chain_nocfi(struct unwind_chain_capture *c, int (*fn)(struct unwind_chain_capture *))
{
	return fn(c) + 1;
}

#endif

#if !defined(__x86_64__)
int
unwind_chain_epilogue(struct unwind_chain_capture *c)
{
	return (int)c->nregs; /* no capture: the test skips */
}
#endif

UNWIND_CHAIN_NOINLINE int
unwind_chain_f3(struct unwind_chain_capture *c)
{
	UNWIND_CHAIN_CAPTURE(c->regs);
	c->nregs = UNWIND_CHAIN_NREGS;
	if (UNWIND_CHAIN_NREGS)
		unwind_chain_copy(c, c->regs[UNWIND_CHAIN_SP]);
	__asm__ volatile("" ::: "memory");
	return (int)c->nregs + 1;
}

UNWIND_CHAIN_NOINLINE int
unwind_chain_f2(struct unwind_chain_capture *c)
{
	int r = unwind_chain_f3(c);

	__asm__ volatile("" ::: "memory");
	return r + 1;
}

UNWIND_CHAIN_NOINLINE int
unwind_chain_f1(struct unwind_chain_capture *c)
{
	int r = unwind_chain_f2(c);

	__asm__ volatile("" ::: "memory");
	return r + 1;
}

UNWIND_CHAIN_NOINLINE int
unwind_chain_f0(struct unwind_chain_capture *c)
{
	int r = unwind_chain_f1(c);

	__asm__ volatile("" ::: "memory");
	return r + 1;
}

/* alloca gives this function a frame pointer and a CFA computed from it, flags or not. */
UNWIND_CHAIN_NOINLINE int
unwind_chain_alloca(struct unwind_chain_capture *c)
{
	volatile char *buf = __builtin_alloca((size_t)c->stack_size + 16);
	int r;

	buf[0] = 1;
	r = unwind_chain_epilogue(c);
	__asm__ volatile("" ::: "memory");
	return r + buf[0];
}

UNWIND_CHAIN_NOINLINE int
unwind_chain_hybrid(struct unwind_chain_capture *c)
{
	int r = unwind_chain_nocfi(c, unwind_chain_f3);

	__asm__ volatile("" ::: "memory");
	return r + 1;
}

/* Called by start_thread: f3 f2 f1 f0 thread_main start_thread clone3 is the chain to unwind. */
static UNWIND_CHAIN_NOINLINE void *
unwind_chain_thread_main(void *arg)
{
	struct unwind_chain_capture *c = arg;

	c->thread_ra =
		(uint64_t)(uintptr_t)__builtin_extract_return_addr(__builtin_return_address(0));
	unwind_chain_f0(c);
	__asm__ volatile("" ::: "memory");
	return NULL;
}

int
unwind_chain_thread(struct unwind_chain_capture *c)
{
	pthread_t t;
	int err;

	err = pthread_create(&t, NULL, unwind_chain_thread_main, c);
	if (err)
		return err;
	return pthread_join(t, NULL);
}
