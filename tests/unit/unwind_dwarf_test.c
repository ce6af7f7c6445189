/*
 * unwind_dwarf_test: the DWARF unwinder on samples this test takes of itself, without perf or
 * privileges. unwind_chain.c (built without frame pointers) captures its registers and a copy of
 * the stack in f3 of main -> f0 -> f1 -> f2 -> f3; we unwind that against our own
 * /proc/self/maps and check the frames by name: the whole chain to _start, a copy cut short
 * (stack_end, then the kernel's chain filling in), a frame without CFI in the middle (the
 * frame-pointer step and DWARF resuming after it), a sample in an epilogue, a sample of a
 * pthread (to start_thread and clone3, also before libc's mapping is known), the vdso's CFI,
 * and a Dwfl rebuilt after the process's mappings changed under it. Also a throughput figure,
 * reported but not asserted.
 */
#include <gelf.h>
#include <inttypes.h>
#include <link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "maps.h"
#include "symbolize.h"
#include "tap.h"
#include "unwind_chain.h"
#include "unwind_dwarf.h"

static struct unwind_chain_capture chain_cap, hybrid_cap, epilogue_cap, thread_cap;
static int thread_err;
static struct maps *maps;
static struct symbolize *sym;
static pid_t self;
static struct unwind_stack full;	/* the complete unwind of chain_cap */
static struct unwind_stack thread_full; /* the complete unwind of thread_cap */

/* The function at `pc` (the real one, outside any inline chain), or "?". */
static const char *
test_name(pid_t pid, uint64_t pc)
{
	struct symbolize_result res;
	const struct maps_mapping *m = maps_find(maps, pid, pc);

	if (!m || symbolize_addr(sym, m, pc, &res) <= 0)
		return "?";
	return res.frames[res.n - 1].name;
}

static void
test_dump(pid_t pid, const struct unwind_stack *st)
{
	for (uint32_t i = 0; i < st->n; i++)
		tap_diag("  #%u 0x%" PRIx64 " %s", i, st->pcs[i], test_name(pid, st->pcs[i]));
}

/* The first frames of `st` are the functions `want`, in order. */
static bool
test_names(pid_t pid, const struct unwind_stack *st, const char *const *want, uint32_t n)
{
	if (st->n < n) {
		tap_diag("only %u frames", st->n);
		return false;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (strcmp(test_name(pid, st->pcs[i]), want[i]) != 0) {
			tap_diag("frame %u is %s, want %s", i, test_name(pid, st->pcs[i]), want[i]);
			return false;
		}
	}
	return true;
}

static bool
test_same(const struct unwind_stack *a, const struct unwind_stack *b)
{
	return a->n == b->n && memcmp(a->pcs, b->pcs, a->n * sizeof(a->pcs[0])) == 0;
}

static int
test_unwind(struct unwind_dwarf *u, pid_t pid, const struct unwind_chain_capture *c, uint64_t size,
	    uint64_t dyn, const uint64_t *chain, uint32_t nchain, struct unwind_stack *st,
	    struct unwind_dwarf_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	st->n = st->nkernel = 0;
	return unwind_dwarf_sample(u, pid, c->regs, c->nregs, c->stack, size, dyn, chain, nchain,
				   st, stats);
}

static void
test_arch(void)
{
	const struct arch_regs *a = arch_regs();
	uint64_t perf[40], dwarf[ARCH_MAX_DWARF_REGS];

	if (!a) {
		tap_ok(1, "arch # SKIP no DWARF unwinder for this architecture");
		return;
	}
	TAP_EQ_U64(__builtin_popcountll(a->perf_mask), a->nregs_perf, "one value per mask bit");
	for (unsigned i = 0; i < a->nregs_perf; i++)
		perf[i] = 100 + i;
	tap_ok(arch_regs_to_dwarf(perf, a->nregs_perf, dwarf) == 0, "arch_regs_to_dwarf");
	tap_ok(arch_regs_to_dwarf(perf, a->nregs_perf - 1, dwarf) == -EINVAL,
	       "arch_regs_to_dwarf rejects another register count");
	TAP_EQ_U64(dwarf[a->dwarf_sp], arch_regs_sp(perf, a->nregs_perf), "SP lands on DWARF SP");
	TAP_EQ_U64(dwarf[a->dwarf_fp], arch_regs_fp(perf, a->nregs_perf), "FP lands on DWARF FP");
	TAP_EQ_U64(arch_regs_ip(perf, a->nregs_perf - 1), 0, "accessors reject a bad count");
#if defined(__x86_64__)
	TAP_EQ_U64(a->perf_mask, 0xff01ff, "x86-64 mask: ax..ip, r8..r15; no flags or segments");
	/* perf: ax bx cx dx si di bp sp ip r8..; DWARF: rax rdx rcx rbx rsi rdi rbp rsp r8.. rip */
	tap_ok(dwarf[0] == 100 && dwarf[1] == 103 && dwarf[2] == 102 && dwarf[3] == 101 &&
		       dwarf[6] == 106 && dwarf[7] == 107 && dwarf[8] == 109 && dwarf[15] == 116 &&
		       dwarf[16] == 108,
	       "x86-64 perf order -> DWARF numbers");
	TAP_EQ_U64(arch_regs_ip(perf, a->nregs_perf), 108, "x86-64 IP");
#elif defined(__aarch64__)
	TAP_EQ_U64(a->perf_mask, (1ULL << 33) - 1, "aarch64 mask: x0-x30, sp, pc");
	tap_ok(dwarf[29] == 129 && dwarf[30] == 130 && dwarf[31] == 131, "aarch64 x29 x30 sp");
	TAP_EQ_U64(arch_regs_ip(perf, a->nregs_perf), 132, "aarch64 PC");
#endif
}

static void
test_full(struct unwind_dwarf *u)
{
	static const char *const want[] = {
		"unwind_chain_f3", "unwind_chain_f2", "unwind_chain_f1", "unwind_chain_f0", "main",
	};
	struct unwind_dwarf_stats stats;
	int n;

	n = test_unwind(u, self, &chain_cap, chain_cap.stack_size, chain_cap.dyn_size, NULL, 0,
			&full, &stats);
	tap_diag("captured %" PRIu64 " of %" PRIu64 " stack bytes; %d frames", chain_cap.dyn_size,
		 chain_cap.stack_size, n);
	TAP_EQ_U64(n, full.n, "returns the number of frames");
	TAP_EQ_U64(full.pcs[0], arch_regs_ip(chain_cap.regs, chain_cap.nregs),
		   "leaf is the exact PC");
	if (!tap_ok(test_names(self, &full, want, 5), "f3 f2 f1 f0 main, no frame pointers"))
		test_dump(self, &full);
	if (!tap_ok(full.n > 5 && strcmp(test_name(self, full.pcs[full.n - 1]), "_start") == 0,
		    "reaches _start"))
		test_dump(self, &full);
	TAP_EQ_U64(stats.samples, 1, "samples");
	TAP_EQ_U64(stats.complete, 1, "complete");
	TAP_EQ_U64(stats.no_cfi + stats.stack_end + stats.errors + stats.fp_fallback, 0,
		   "no early stop, no fallback");
}

/*
 * What a complete unwind read of the copy: words inside it. The same stack with every other
 * word scrambled unwinds the same; changing one word it read changes the result; a copy too
 * short (a failed read) and the kernel's chain make it depend on more (NULL).
 */
static void
test_last_reads(struct unwind_dwarf *u)
{
	static struct unwind_chain_capture scrambled;
	struct unwind_dwarf_stats stats;
	struct unwind_stack st;
	const uint32_t *reads;
	uint32_t n = 0, i, off;
	bool inside = true, *read;
	uint64_t chain[2];

	test_unwind(u, self, &chain_cap, chain_cap.stack_size, chain_cap.dyn_size, NULL, 0, &st,
		    &stats);
	reads = unwind_dwarf_last_reads(u, &n);
	if (!tap_ok(reads && n > 0, "last reads: a complete unwind read %u words of the copy", n))
		return;
	read = calloc(chain_cap.dyn_size / 8 + 1, sizeof(*read));
	for (i = 0; i < n; i++) {
		inside = inside && reads[i] % 8 == 0 && reads[i] + 8 <= chain_cap.dyn_size;
		if (reads[i] + 8 <= chain_cap.dyn_size)
			read[reads[i] / 8] = true;
	}
	tap_ok(inside, "last reads: 8-aligned words inside the valid copy");
	off = reads[n - 1];
	scrambled = chain_cap;
	for (i = 0; i + 8 <= chain_cap.dyn_size; i += 8)
		if (!read[i / 8])
			memset(scrambled.stack + i, 0xa5, 8);
	test_unwind(u, self, &scrambled, chain_cap.stack_size, chain_cap.dyn_size, NULL, 0, &st,
		    &stats);
	tap_ok(test_same(&st, &full), "last reads: the other words scrambled, the same stack");
	memset(scrambled.stack + off, 0x5a, 8);
	test_unwind(u, self, &scrambled, chain_cap.stack_size, chain_cap.dyn_size, NULL, 0, &st,
		    &stats);
	tap_ok(!test_same(&st, &full), "last reads: one of its words changed, another stack");
	free(read);

	test_unwind(u, self, &chain_cap, 64, 64, NULL, 0, &st, &stats);
	tap_ok(unwind_dwarf_last_reads(u, &n) == NULL, "last reads: NULL after a failed read");
	chain[0] = full.pcs[0];
	chain[1] = full.pcs[1] + 1;
	test_unwind(u, self, &chain_cap, 64, 64, chain, 2, &st, &stats);
	tap_ok(unwind_dwarf_last_reads(u, &n) == NULL, "last reads: NULL with the kernel's chain");
}

/* A copy that ends in f3's frame: the kernel was asked for 64 bytes only. */
static void
test_short_copy(struct unwind_dwarf *u)
{
	uint64_t chain[UNWIND_MAX_FRAMES];
	struct unwind_dwarf_stats stats;
	struct unwind_stack st;

	test_unwind(u, self, &chain_cap, 64, 64, NULL, 0, &st, &stats);
	tap_ok(st.n >= 1 && st.n < full.n && st.pcs[0] == full.pcs[0],
	       "short copy: the frames in it, not more (%u)", st.n);
	TAP_EQ_U64(stats.stack_end, 1, "short copy: stack_end");
	TAP_EQ_U64(stats.complete + stats.fp_fallback, 0, "short copy: not complete, no fallback");

	/* What the kernel's frame-pointer walk would give for frame-pointer code: the rest. */
	chain[0] = full.pcs[0];
	for (uint32_t i = 1; i < full.n; i++)
		chain[i] = full.pcs[i] + 1;
	test_unwind(u, self, &chain_cap, 64, 64, chain, full.n, &st, &stats);
	if (!tap_ok(test_same(&st, &full), "short copy + kernel chain: the whole stack"))
		test_dump(self, &st);
	TAP_EQ_U64(stats.stack_end, 1, "short copy + kernel chain: stack_end");
	TAP_EQ_U64(stats.fp_fallback, 1, "short copy + kernel chain: fp_fallback");

	/* A chain that went elsewhere is not spliced in. */
	chain[1] = 0x1234;
	chain[2] = 0x5678;
	test_unwind(u, self, &chain_cap, 64, 64, chain, 3, &st, &stats);
	TAP_EQ_U64(stats.fp_fallback, 0, "a kernel chain that does not match is ignored");

	/* No registers at all: the kernel's chain is all there is. */
	chain[1] = full.pcs[1] + 1;
	chain[2] = full.pcs[2] + 1;
	memset(&stats, 0, sizeof(stats));
	st.n = 0;
	unwind_dwarf_sample(u, self, NULL, 0, NULL, 0, 0, chain, 3, &st, &stats);
	tap_ok(st.n == 3 && memcmp(st.pcs, full.pcs, 3 * sizeof(st.pcs[0])) == 0,
	       "no registers: the kernel chain, ra - 1");
	TAP_EQ_U64(stats.errors, 1, "no registers: counted as an error");
}

/* hybrid -> nocfi (frame pointer, no CFI) -> f3: DWARF, one FP step, DWARF again. */
static void
test_hybrid(struct unwind_dwarf *u)
{
	static const char *const want[] = {
		"unwind_chain_f3",
		"unwind_chain_nocfi",
		"unwind_chain_hybrid",
		"main",
	};
	struct unwind_dwarf_stats stats;
	struct unwind_stack st;

	test_unwind(u, self, &hybrid_cap, hybrid_cap.stack_size, hybrid_cap.dyn_size, NULL, 0, &st,
		    &stats);
	if (!tap_ok(test_names(self, &st, want, 4), "f3 nocfi hybrid main across a no-CFI frame"))
		test_dump(self, &st);
	tap_ok(strcmp(test_name(self, st.pcs[st.n - 1]), "_start") == 0,
	       "hybrid: DWARF resumed up to _start");
	TAP_EQ_U64(stats.fp_fallback, 1, "hybrid: fp_fallback");
	TAP_EQ_U64(stats.complete, 1, "hybrid: complete");
}

/*
 * alloca (frame pointer, CFA = rbp + 16) -> epilogue, sampled after its `leave`: the CFI of the
 * leaf wants the caller's rbp from below the SP, outside the copy.
 */
static void
test_epilogue(struct unwind_dwarf *u)
{
	static const char *const want[] = {
		"unwind_chain_epilogue",
		"unwind_chain_alloca",
		"main",
	};
	struct unwind_dwarf_stats stats;
	struct unwind_stack st;

	if (!epilogue_cap.nregs) {
		tap_ok(1, "epilogue # SKIP no capture on this architecture");
		return;
	}
	test_unwind(u, self, &epilogue_cap, epilogue_cap.stack_size, epilogue_cap.dyn_size, NULL, 0,
		    &st, &stats);
	if (!tap_ok(test_names(self, &st, want, 3) &&
			    strcmp(test_name(self, st.pcs[st.n - 1]), "_start") == 0,
		    "epilogue: past a frame whose CFA needs the popped frame pointer, to _start"))
		test_dump(self, &st);
	TAP_EQ_U64(stats.complete, 1, "epilogue: complete");
}

/*
 * The leaf in anonymous memory (JIT): no CFI. The frame-pointer chain may go on from there
 * when the code around is built with frame pointers (main under -O0 or sanitizers).
 */
static void
test_anon_leaf(struct unwind_dwarf *u)
{
	pid_t fake = self + 1000000;
	struct unwind_dwarf_stats stats;
	struct maps_mapping anon;
	struct unwind_stack st;
	uint64_t ip = full.pcs[0];

	maps_fork(maps, self, fake);
	memset(&anon, 0, sizeof(anon));
	anon.start = ip & ~(uint64_t)4095;
	anon.end = anon.start + 4096;
	anon.path = (char *)"//anon";
	maps_add(maps, fake, &anon);
	test_unwind(u, fake, &chain_cap, chain_cap.stack_size, chain_cap.dyn_size, NULL, 0, &st,
		    &stats);
	tap_ok(st.n >= 1 && st.pcs[0] == ip, "anonymous leaf: kept");
	tap_ok(stats.no_cfi == 1 || stats.fp_fallback == 1,
	       "anonymous leaf: no_cfi, or frame pointers took over (no_cfi %" PRIu64
	       ", fp_fallback %" PRIu64 ")",
	       stats.no_cfi, stats.fp_fallback);
}

/* Whether the frame at `pc` is the one a new thread starts in (clone3 on glibc >= 2.34). */
static bool
test_is_clone(pid_t pid, uint64_t pc)
{
	const char *name = test_name(pid, pc);

	return strcmp(name, "clone3") == 0 || strcmp(name, "__clone3") == 0 ||
	       strcmp(name, "clone") == 0 || strcmp(name, "__clone") == 0;
}

/*
 * The chain run in a pthread: a stack glibc mmap'd, and start_thread and clone3 (or clone), in
 * libc, as the outermost frames; clone3's CFI ends the stack. start_thread is found by the
 * return address the thread's function saw; the names are checked where libc has symbols
 * (start_thread is not among its dynamic ones).
 */
static void
test_thread(struct unwind_dwarf *u)
{
	static const char *const want[] = {
		"unwind_chain_f3", "unwind_chain_f2",	       "unwind_chain_f1",
		"unwind_chain_f0", "unwind_chain_thread_main",
	};
	struct unwind_dwarf_stats stats;
	const struct maps_mapping *libc, *outer;

	thread_full.n = 0;
	if (thread_err || !thread_cap.nregs || !thread_cap.dyn_size) {
		tap_ok(1, "thread # SKIP no capture in a thread (%d)", thread_err);
		return;
	}
	test_unwind(u, self, &thread_cap, thread_cap.stack_size, thread_cap.dyn_size, NULL, 0,
		    &thread_full, &stats);
	tap_diag("thread: captured %" PRIu64 " of %" PRIu64 " stack bytes; %u frames",
		 thread_cap.dyn_size, thread_cap.stack_size, thread_full.n);
	if (!tap_ok(test_names(self, &thread_full, want, 5), "thread: f3 f2 f1 f0 thread_main"))
		test_dump(self, &thread_full);
	libc = maps_find(maps, self, thread_cap.thread_ra - 1);
	outer = thread_full.n == 7 ? maps_find(maps, self, thread_full.pcs[6]) : NULL;
	if (!tap_ok(thread_full.n == 7 && thread_full.pcs[5] == thread_cap.thread_ra - 1 && libc &&
			    outer && strcmp(outer->path, libc->path) == 0,
		    "thread: then start_thread (by its return address) and one more libc frame"))
		test_dump(self, &thread_full);
	if (thread_full.n == 7 &&
	    strcmp(test_name(self, thread_full.pcs[5]), "start_thread") == 0) {
		if (!tap_ok(test_is_clone(self, thread_full.pcs[6]),
			    "thread: start_thread, then clone3 or clone"))
			test_dump(self, &thread_full);
	} else {
		tap_ok(1, "thread: start_thread, then clone3 or clone # SKIP libc has no symbols "
			  "here");
	}
	TAP_EQ_U64(stats.complete, 1, "thread: complete");
	TAP_EQ_U64(stats.no_cfi + stats.stack_end + stats.errors + stats.fp_fallback, 0,
		   "thread: no early stop, no fallback");
}

/*
 * The thread's sample unwound before the MMAP2 record of libc was read: libc was mapped by the
 * main thread, and that record sits in the main thread's ring while the worker's ring is read.
 * Here: an address space of ours without libc. The unwinder rereads /proc/PID/maps and gets
 * to clone3; where it cannot (a process without /proc entry: one that has exited), the stack
 * stops after the thread's own frames and is not counted as complete.
 */
static void
test_thread_unmapped(void)
{
	pid_t gone = self + 3000000;
	const struct maps_mapping *libc;
	struct unwind_dwarf_stats stats;
	struct unwind_dwarf *u;
	struct unwind_stack st;
	char *line = NULL;
	size_t cap = 0;
	struct maps *m;
	FILE *f;

	if (thread_full.n != 7) {
		tap_ok(1, "thread, libc unmapped # SKIP no thread unwind to start from");
		return;
	}
	libc = maps_find(maps, self, thread_full.pcs[5]);
	f = fopen("/proc/self/maps", "re");
	if (!libc || !f) {
		tap_ok(1, "thread, libc unmapped # SKIP no libc mapping or no /proc/self/maps");
		if (f)
			fclose(f);
		return;
	}
	/* Our executable mappings, as maps_load_proc adds them, less those of libc's file. */
	m = maps_create();
	while (getline(&line, &cap, f) >= 0) {
		struct maps_mapping tmpl;
		struct maps_line ml;

		if (maps_parse_line(line, &ml) < 0 || !ml.x || strcmp(ml.path, libc->path) == 0 ||
		    strcmp(ml.path, "[vsyscall]") == 0)
			continue;
		memset(&tmpl, 0, sizeof(tmpl));
		tmpl.start = ml.start;
		tmpl.end = ml.end;
		tmpl.pgoff = ml.pgoff;
		tmpl.maj = ml.maj;
		tmpl.min = ml.min;
		tmpl.ino = ml.ino;
		tmpl.path = (char *)(ml.path[0] ? ml.path : "//anon");
		maps_add(m, self, &tmpl);
	}
	free(line);
	fclose(f);
	maps_fork(m, self, gone);
	u = unwind_dwarf_create(m);
	tap_ok(!maps_find(m, self, thread_full.pcs[5]), "thread, libc unmapped: libc not known");

	test_unwind(u, gone, &thread_cap, thread_cap.stack_size, thread_cap.dyn_size, NULL, 0, &st,
		    &stats);
	if (!tap_ok(st.n == 5 && memcmp(st.pcs, thread_full.pcs, 5 * sizeof(st.pcs[0])) == 0,
		    "thread, libc unknown for good: the thread's own frames, nothing made up"))
		test_dump(self, &st);
	TAP_EQ_U64(stats.complete, 0, "thread, libc unknown for good: not complete");
	TAP_EQ_U64(stats.errors, 1, "thread, libc unknown for good: an error");

	test_unwind(u, self, &thread_cap, thread_cap.stack_size, thread_cap.dyn_size, NULL, 0, &st,
		    &stats);
	if (!tap_ok(test_same(&st, &thread_full), "thread, libc mapped later: /proc has it"))
		test_dump(self, &st);
	TAP_EQ_U64(stats.complete, 1, "thread, libc mapped later: complete");
	tap_ok(maps_find(m, self, thread_full.pcs[5]) != NULL,
	       "thread, libc mapped later: added to the address space");

	unwind_dwarf_free(u);
	maps_free(m);
}

/* Where our vdso's clock_gettime is, from the vdso image's dynamic symbols; 0 if unknown. */
static uint64_t
test_vdso_clock_gettime(void)
{
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)getauxval(AT_SYSINFO_EHDR);
	uint64_t addr = 0, first_vaddr = 0;
	Elf_Scn *scn = NULL;
	size_t size, i, phnum;
	char *copy;
	Elf *elf;

	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return 0;
	size = (size_t)eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, eh, size);
	elf_version(EV_CURRENT);
	elf = elf_memory(copy, size);
	for (i = 0; elf && elf_getphdrnum(elf, &phnum) == 0 && i < phnum; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
			first_vaddr = ph.p_vaddr - ph.p_offset;
			break;
		}
	}
	while (elf && !addr && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *name;
			GElf_Sym sy;

			if (!gelf_getsym(data, (int)i, &sy))
				continue;
			name = elf_strptr(elf, sh.sh_link, sy.st_name);
			if (name && sy.st_value &&
			    (strcmp(name, "__vdso_clock_gettime") == 0 ||
			     strcmp(name, "__kernel_clock_gettime") == 0))
				addr = (uint64_t)(uintptr_t)eh + sy.st_value - first_vaddr;
		}
	}
	elf_end(elf);
	free(copy);
	return addr;
}

/*
 * A sample at the first instruction of the vdso's clock_gettime, called from main: the vdso
 * has no file, so this checks the image we stand in with, its CFI and its bias.
 */
static void
test_vdso(struct unwind_dwarf *u)
{
	const struct arch_regs *a = arch_regs();
	uint64_t fn = test_vdso_clock_gettime(), ra = full.pcs[4] + 1;
	struct unwind_dwarf_stats stats;
	uint64_t regs[40], stack[8];
	struct unwind_stack st;

	if (!fn || !maps_find(maps, self, fn)) {
		tap_ok(1, "vdso # SKIP no vdso here");
		return;
	}
	memcpy(regs, chain_cap.regs, sizeof(regs));
	memset(stack, 0, sizeof(stack));
	regs[a->perf_ip] = fn;
#if defined(__aarch64__)
	regs[30] = ra; /* lr */
#else
	stack[0] = ra; /* pushed by the call */
#endif
	memset(&stats, 0, sizeof(stats));
	st.n = st.nkernel = 0;
	unwind_dwarf_sample(u, self, regs, chain_cap.nregs, (const uint8_t *)stack, sizeof(stack),
			    sizeof(stack), NULL, 0, &st, &stats);
	if (!tap_ok(st.n >= 2 && st.pcs[0] == fn && st.pcs[1] == ra - 1,
		    "vdso: its CFI leads back to main"))
		test_dump(self, &st);
	TAP_EQ_U64(stats.no_cfi + stats.errors, 0, "vdso: has CFI");
}

/*
 * The process maps another file (here: the same one at another offset) where a reported
 * module was: its Dwfl is rebuilt, and again when the old mapping comes back.
 */
static void
test_remap(struct unwind_dwarf *u)
{
	pid_t fake = self + 2000000;
	const struct maps_mapping *m;
	struct unwind_dwarf_stats stats;
	struct maps_mapping moved;
	struct unwind_stack st;

	maps_fork(maps, self, fake);
	test_unwind(u, fake, &chain_cap, chain_cap.stack_size, chain_cap.dyn_size, NULL, 0, &st,
		    &stats);
	tap_ok(test_same(&st, &full), "remap: before");

	m = maps_find(maps, fake, full.pcs[0]);
	moved = *m;
	moved.pgoff += 4096;
	maps_add(maps, fake, &moved);
	test_unwind(u, fake, &chain_cap, chain_cap.stack_size, chain_cap.dyn_size, NULL, 0, &st,
		    &stats);
	tap_ok(stats.samples == 1, "remap: a conflicting mapping is survived (%u frames)", st.n);

	moved.pgoff -= 4096;
	maps_add(maps, fake, &moved);
	test_unwind(u, fake, &chain_cap, chain_cap.stack_size, chain_cap.dyn_size, NULL, 0, &st,
		    &stats);
	if (!tap_ok(test_same(&st, &full), "remap: back to the original, unwinds as before"))
		test_dump(fake, &st);
	TAP_EQ_U64(stats.complete, 1, "remap: complete");

	unwind_dwarf_forget(u, self);
	test_unwind(u, self, &chain_cap, chain_cap.stack_size, chain_cap.dyn_size, NULL, 0, &st,
		    &stats);
	tap_ok(test_same(&st, &full), "forget: the next sample rebuilds the session");
}

static double
test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_bench(struct unwind_dwarf *u)
{
	const char *env = getenv("UNWIND_DWARF_BENCH");
	long iters = env ? atol(env) : 10000;
	struct unwind_dwarf_stats stats;
	struct unwind_stack st;
	uint64_t frames = 0;
	double t0, dt;

	if (iters <= 0)
		return;
	memset(&stats, 0, sizeof(stats));
	t0 = test_now();
	for (long i = 0; i < iters; i++) {
		st.n = st.nkernel = 0;
		frames += (uint64_t)unwind_dwarf_sample(u, self, chain_cap.regs, chain_cap.nregs,
							chain_cap.stack, chain_cap.stack_size,
							chain_cap.dyn_size, NULL, 0, &st, &stats);
	}
	dt = test_now() - t0;
	tap_diag("throughput: %ld samples in %.3f s = %.0f samples/s, %.1f frames/sample, "
		 "%.0f ns/frame",
		 iters, dt, (double)iters / dt, (double)frames / (double)iters,
		 dt * 1e9 / (double)frames);
	TAP_EQ_U64(stats.complete, (uint64_t)iters, "benchmark samples all complete");
}

/* Not inlined into main: main's frame must stay small enough for its caller to be in the copy. */
static __attribute__((noinline)) int
test_run(void)
{
	struct unwind_dwarf *u;

	test_arch();
	maps = maps_create();
	sym = symbolize_create(NULL);
	u = unwind_dwarf_create(maps);
	if (!u || !chain_cap.nregs || !chain_cap.dyn_size) {
		tap_ok(1, "unwinding # SKIP no unwinder or no capture on this machine");
		maps_free(maps);
		symbolize_free(sym);
		return tap_done();
	}
	tap_ok(maps_load_proc(maps, self) == 0, "maps_load_proc(self)");

	test_full(u);
	test_last_reads(u);
	test_short_copy(u);
	test_hybrid(u);
	test_epilogue(u);
	test_thread(u);
	test_thread_unmapped();
	test_anon_leaf(u);
	test_vdso(u);
	test_remap(u);
	test_bench(u);

	unwind_dwarf_free(u);
	symbolize_free(sym);
	maps_free(maps);
	return tap_done();
}

int
main(void)
{
	self = getpid();
	unwind_chain_f0(&chain_cap);
	unwind_chain_hybrid(&hybrid_cap);
	unwind_chain_alloca(&epilogue_cap);
	thread_err = unwind_chain_thread(&thread_cap);
	return test_run();
}
