/*
 * x86-64 registers for the DWARF unwinder. We sample the sixteen general-purpose registers and
 * RIP. FLAGS, CS and SS would only cost bytes per sample; DS, ES, FS and GS are not even
 * accepted in sample_regs_user (EINVAL from arch/x86/kernel/perf_regs.c). The DWARF numbering
 * is the psABI's (rax, rdx, rcx, rbx, rsi, rdi, rbp, rsp, r8-r15, rip = 0..16), which is also
 * the order libdw's x86_64 backend expects in dwfl_thread_state_registers.
 */
#include "config.h"

#if defined(__x86_64__)

#include "arch/arch.h"

#include <elf.h>
#include <string.h>
#include <sys/user.h>

#include <asm/perf_regs.h>

#define X86_64_BIT(r) (1ULL << PERF_REG_X86_##r)

#define X86_64_MASK                                                                                \
	(X86_64_BIT(AX) | X86_64_BIT(BX) | X86_64_BIT(CX) | X86_64_BIT(DX) | X86_64_BIT(SI) |      \
	 X86_64_BIT(DI) | X86_64_BIT(BP) | X86_64_BIT(SP) | X86_64_BIT(IP) | X86_64_BIT(R8) |      \
	 X86_64_BIT(R9) | X86_64_BIT(R10) | X86_64_BIT(R11) | X86_64_BIT(R12) | X86_64_BIT(R13) |  \
	 X86_64_BIT(R14) | X86_64_BIT(R15))

/* Sample order (ascending perf bit): ax bx cx dx si di bp sp ip r8 .. r15. */
static const uint8_t x86_64_dwarf_of[] = {
	0, 3, 2, 1, 4, 5, 6, 7, 16, 8, 9, 10, 11, 12, 13, 14, 15,
};

_Static_assert(sizeof(x86_64_dwarf_of) == __builtin_popcountll(X86_64_MASK),
	       "one DWARF number per sampled register");
_Static_assert(PERF_REG_X86_IP == 8 && PERF_REG_X86_R8 == 16, "perf register numbering");

static const struct arch_regs x86_64_regs = {
	.name = "x86_64",
	.elf_machine = EM_X86_64,
	.perf_mask = X86_64_MASK,
	.nregs_perf = sizeof(x86_64_dwarf_of),
	.nregs_dwarf = 17,
	.dwarf_of = x86_64_dwarf_of,
	.perf_ip = 8,
	.perf_sp = 7,
	.perf_fp = 6,
	.dwarf_sp = 7,
	.dwarf_fp = 6,
	.dwarf_ip = 16,
	/* The psABI keeps rsp 16-aligned at calls, so a pushed rbp lands 16-aligned. */
	.fp_align = 16,
	/* push rbp right after the call: the record is the top of the callee's frame. */
	.fp_resume = true,
};

const struct arch_regs *
arch_regs(void)
{
	return &x86_64_regs;
}

/* ptrace's user_regs_struct, field by field, into the sample order above. */
int
arch_regs_from_ptrace(const void *buf, size_t size, uint64_t *perf_regs)
{
	struct user_regs_struct r;

	if (size < sizeof(r))
		return -EINVAL;
	memcpy(&r, buf, sizeof(r));
	perf_regs[0] = r.rax;
	perf_regs[1] = r.rbx;
	perf_regs[2] = r.rcx;
	perf_regs[3] = r.rdx;
	perf_regs[4] = r.rsi;
	perf_regs[5] = r.rdi;
	perf_regs[6] = r.rbp;
	perf_regs[7] = r.rsp;
	perf_regs[8] = r.rip;
	perf_regs[9] = r.r8;
	perf_regs[10] = r.r9;
	perf_regs[11] = r.r10;
	perf_regs[12] = r.r11;
	perf_regs[13] = r.r12;
	perf_regs[14] = r.r13;
	perf_regs[15] = r.r14;
	perf_regs[16] = r.r15;
	return 17;
}

#endif
