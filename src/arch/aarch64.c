/*
 * AArch64 registers for the DWARF unwinder: x0-x30 (x29 is the frame pointer, x30 the link
 * register), sp and pc, perf bits 0..32 in that order. DWARF numbers x0-x30 as 0..30 and sp as
 * 31; the PC has no DWARF number among libdw's frame registers, so it goes to libdwfl separately
 * (dwfl_thread_state_register_pc), as libdw's own aarch64 backend does.
 */
#include "config.h"

#if defined(__aarch64__)

#include "arch/arch.h"

#include <elf.h>
#include <string.h>

#include <asm/ptrace.h>

#include <asm/perf_regs.h>

static const uint8_t aarch64_dwarf_of[] = {
	0,  1,	2,  3,	4,  5,	6,  7,	8,  9,	10,
	11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
	22, 23, 24, 25, 26, 27, 28, 29, 30, 31, ARCH_NO_DWARF,
};

_Static_assert(PERF_REG_ARM64_SP == 31 && PERF_REG_ARM64_PC == 32, "perf register numbering");
_Static_assert(sizeof(aarch64_dwarf_of) == PERF_REG_ARM64_PC + 1, "one entry per sampled register");

static const struct arch_regs aarch64_regs = {
	.name = "aarch64",
	.elf_machine = EM_AARCH64,
	.perf_mask = (1ULL << (PERF_REG_ARM64_PC + 1)) - 1,
	.nregs_perf = sizeof(aarch64_dwarf_of),
	.nregs_dwarf = 32,
	.dwarf_of = aarch64_dwarf_of,
	.perf_ip = PERF_REG_ARM64_PC,
	.perf_sp = PERF_REG_ARM64_SP,
	.perf_fp = PERF_REG_ARM64_X29,
	.dwarf_sp = 31,
	.dwarf_fp = 29,
	.dwarf_ip = -1,
	/* AAPCS64: sp is always 16-aligned and frame records are stored at it. */
	.fp_align = 16,
	.fp_resume = false,
};

const struct arch_regs *
arch_regs(void)
{
	return &aarch64_regs;
}

/* ptrace's user_pt_regs (x0-x30, sp, pc, pstate) is the sample order already. */
int
arch_regs_from_ptrace(const void *buf, size_t size, uint64_t *perf_regs)
{
	struct user_pt_regs r;

	if (size < offsetof(struct user_pt_regs, pstate))
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	memcpy(&r, buf, size < sizeof(r) ? size : sizeof(r));
	memcpy(perf_regs, r.regs, sizeof(r.regs));
	perf_regs[31] = r.sp;
	perf_regs[32] = r.pc;
	return 33;
}

#endif
