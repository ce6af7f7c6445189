/*
 * arch: the machine-specific facts the DWARF unwinder needs. Which user registers to ask perf
 * for (attr.sample_regs_user), how the values of a sample (one per set bit of that mask, in
 * ascending bit order, numbered as in the kernel's asm/perf_regs.h) map onto the DWARF register
 * numbers that CFI and libdwfl use, and where the PC, SP and frame pointer are. One file per
 * architecture; only the build machine's has a body, the other compiles to nothing.
 */
#ifndef PROF_ARCH_H
#define PROF_ARCH_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most DWARF registers any arch_regs fills (aarch64: x0-x30 and sp). */
#define ARCH_MAX_DWARF_REGS 32

struct arch_regs {
	const char *name;
	uint16_t elf_machine;	 /* EM_X86_64, EM_AARCH64: picks libdw's backend */
	uint64_t perf_mask;	 /* attr.sample_regs_user */
	unsigned nregs_perf;	 /* popcount(perf_mask): values in each sample */
	unsigned nregs_dwarf;	 /* arch_regs_to_dwarf fills DWARF registers 0..nregs_dwarf-1 */
	const uint8_t *dwarf_of; /* [i]: DWARF number of a sample's i-th value, or ARCH_NO_DWARF */
	unsigned perf_ip, perf_sp, perf_fp; /* indices into a sample's values */
	unsigned dwarf_sp, dwarf_fp;
	/*
	 * DWARF number of the PC, or -1 when the PC has none among the frame registers and must
	 * be given to libdwfl with dwfl_thread_state_register_pc (aarch64: otherwise libdwfl
	 * would take the initial PC from the return address register, x30).
	 */
	int dwarf_ip;
	/* Frame records ([fp] = caller's fp, [fp + 8] = return address) are this aligned. */
	unsigned fp_align;
	/*
	 * The caller's SP is the frame record's address + 16, so DWARF can resume in the caller
	 * after a frame-pointer step. Not on aarch64, where the record may sit anywhere in the
	 * frame.
	 */
	bool fp_resume;
};

#define ARCH_NO_DWARF 0xff

#if defined(__x86_64__) || defined(__aarch64__)
/* The build machine's registers. */
const struct arch_regs *arch_regs(void);
/*
 * Converts a PTRACE_GETREGSET NT_PRSTATUS buffer (`size` bytes: the kernel's user_regs_struct /
 * user_pt_regs) into arch_regs()->nregs_perf values in the perf sample order, as if a sample's
 * PERF_SAMPLE_REGS_USER had carried them. Returns the number of values, or -EINVAL when `size`
 * is too small (a 32-bit tracee's registers).
 */
int arch_regs_from_ptrace(const void *buf, size_t size, uint64_t *perf_regs);
#else
static inline const struct arch_regs *
arch_regs(void)
{
	return NULL;
}

static inline int
arch_regs_from_ptrace(const void *buf, size_t size, uint64_t *perf_regs)
{
	(void)buf;
	(void)size;
	(void)perf_regs;
	return -ENOSYS;
}
#endif

/*
 * Fills dwarf[0..nregs_dwarf) from a sample's `n` register values (PERF_SAMPLE_REGS_USER with
 * arch_regs()->perf_mask). 0, or -EINVAL when the sample has another number of values.
 */
static inline int
arch_regs_to_dwarf(const uint64_t *perf_regs, uint32_t n, uint64_t *dwarf)
{
	const struct arch_regs *a = arch_regs();

	if (!a || !perf_regs || n != a->nregs_perf)
		return -EINVAL;
	for (unsigned i = 0; i < a->nregs_dwarf; i++)
		dwarf[i] = 0;
	for (uint32_t i = 0; i < n; i++)
		if (a->dwarf_of[i] != ARCH_NO_DWARF)
			dwarf[a->dwarf_of[i]] = perf_regs[i];
	return 0;
}

/* The PC, SP and frame pointer of a sample's register values; 0 when they do not fit. */
static inline uint64_t
arch_regs_get(const uint64_t *perf_regs, uint32_t n, unsigned idx)
{
	const struct arch_regs *a = arch_regs();

	return a && perf_regs && n == a->nregs_perf ? perf_regs[idx] : 0;
}

static inline uint64_t
arch_regs_ip(const uint64_t *perf_regs, uint32_t n)
{
	const struct arch_regs *a = arch_regs();

	return a ? arch_regs_get(perf_regs, n, a->perf_ip) : 0;
}

static inline uint64_t
arch_regs_sp(const uint64_t *perf_regs, uint32_t n)
{
	const struct arch_regs *a = arch_regs();

	return a ? arch_regs_get(perf_regs, n, a->perf_sp) : 0;
}

static inline uint64_t
arch_regs_fp(const uint64_t *perf_regs, uint32_t n)
{
	const struct arch_regs *a = arch_regs();

	return a ? arch_regs_get(perf_regs, n, a->perf_fp) : 0;
}

#endif
