/*
 * unwind_dwarf: the DWARF (CFI) unwinder for samples with user registers and a stack copy.
 *
 * libdwfl evaluates the CFI. Every process gets one Dwfl for its whole life, because opening
 * the files and parsing their CFI per sample (what perf does) costs far more than unwinding.
 * dwfl_attach_state can be called only once per Dwfl, so all of them get the same callback
 * argument, the unwinder's "current sample", which is refilled for each sample. Modules are
 * reported lazily, when a frame's PC first lands in a mapping, at the bias that mapping implies.
 *
 * Before libdwfl steps out of a frame we check that CFI covers its PC (a cached lookup): libdw
 * would otherwise fall back on its own unchecked frame-pointer step and we could neither count
 * nor validate that. Where DWARF stops early, Go code is stepped through with its line table's
 * pcsp values (unwind_go.h), and then we take frame-pointer steps ourselves, with sanity checks,
 * and resume DWARF from the first caller that has CFI; past the end of the stack copy the
 * kernel's frame-pointer callchain, when the caller gives it, supplies the rest.
 *
 * A return address outside every mapping we know of is taken for a CFI gone astray only after
 * /proc/PID/maps has been reread (rate-limited): the record of a mapping another thread made may
 * not have been read yet (unwind_dwarf_find), and every thread's stack ends in libc.
 *
 * Two libdwfl behaviours need care. It ends a walk "successfully" both when the CFI says the
 * return address is undefined (a thread's first frame) and when it could not compute it, so we
 * look at the CFI and at the reads it made to tell a complete stack from a broken one. And a
 * sample in an epilogue has the caller's frame pointer still described at a slot below the SP,
 * outside the copy; we resume with the sampled frame pointer, which was just loaded from there.
 */
#include "config.h"

#include "unwind_dwarf.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "arch/arch.h"
#include "gopclntab.h"
#include "table.h"
#include "unwind_go.h"
#include "vdso.h"
#include "xalloc.h"

#define UNWIND_DWARF_FACTS    4096 /* direct-mapped cache of per-PC facts (a power of two) */
#define UNWIND_DWARF_SEGMENTS 16   /* DWARF runs per sample, resumed after frame-pointer steps */
/* A failed read this far above the copy is taken for the rest of the stack. */
#define UNWIND_DWARF_STACK_SPAN (1ULL << 30)
/*
 * Rereading /proc/PID/maps for an address outside every known mapping: at most once per sample,
 * and after a reread that did not find the address, not again for this many samples of the
 * process, doubling up to the maximum (a garbage return address must not cost a reread per
 * sample).
 */
#define UNWIND_DWARF_REFRESH_MIN 16
#define UNWIND_DWARF_REFRESH_MAX 4096

/* Why a DWARF run ended. */
enum unwind_dwarf_stop {
	UNWIND_DWARF_END,	/* the outermost frame: RA undefined or 0 */
	UNWIND_DWARF_NO_CFI,	/* the last frame's PC has no CFI or no file */
	UNWIND_DWARF_STACK_END, /* the next frame lies past the copy */
	UNWIND_DWARF_ERROR,
	UNWIND_DWARF_FULL,    /* UNWIND_MAX_FRAMES */
	UNWIND_DWARF_RESTART, /* the process's mappings conflict with its Dwfl: rebuild it */
	UNWIND_DWARF_RESUME,  /* go on from c->pc/sp/fp in a new run */
};

/* What we learned about one PC of one Dwfl. */
enum {
	UNWIND_DWARF_CFI_KNOWN = 1,
	UNWIND_DWARF_CFI = 2,
	UNWIND_DWARF_ENTRY_KNOWN = 4,
	UNWIND_DWARF_ENTRY = 8,
	UNWIND_DWARF_RA_UNDEF_KNOWN = 16,
	UNWIND_DWARF_RA_UNDEF = 32,
	UNWIND_DWARF_GO_KNOWN = 64,
	UNWIND_DWARF_GO = 128, /* go_sp and the two below hold gopclntab_frame's answer */
	UNWIND_DWARF_GO_TOP = 256,
	UNWIND_DWARF_GO_SPWRITE = 512,
};

/* x86-64's red zone: leaf code and epilogues may keep data this far below the SP. */
#define UNWIND_DWARF_RED_ZONE 128
/* Stack words a sample's reads are kept track of, for unwind_dwarf_last_reads. */
#define UNWIND_DWARF_READS 64

struct unwind_dwarf_fact {
	uint64_t pc;
	uint32_t gen; /* of the Dwfl; 0: empty */
	uint32_t flags;
	int32_t go_sp;
};

/* A module reported to a process's Dwfl: one ELF file at one bias. */
struct unwind_dwarf_mod {
	const struct maps_mapping *m; /* the mapping it was reported for first */
	const char *path;	      /* borrowed from m (mappings live until maps_free) */
	uint64_t ino;
	uint64_t bias, low, high;
	Dwfl_Module *mod;
	int go_state;	     /* Go line table: 0 not looked for, 1 loaded, -1 none */
	struct gopclntab go; /* borrows the section's bytes from the module's Elf */
};

/* A mapping already looked at: mapping objects are immutable, so the answer never changes. */
struct unwind_dwarf_seen {
	const struct maps_mapping *m;
	int32_t mod; /* index into mods, or -1: no usable file */
};

struct unwind_dwarf_proc {
	pid_t pid;
	uint32_t gen; /* generation of dwfl, keys the fact cache */
	Dwfl *dwfl;   /* NULL until needed, and after unwind_dwarf_forget */
	struct unwind_dwarf_mod *mods;
	size_t nmods, capmods;
	struct unwind_dwarf_seen *seen;
	size_t nseen, capseen;
	struct table seen_index; /* mapping id -> index into seen */
	/* Samples of the process so far; /proc/PID/maps may be reread from sample refresh_at. */
	uint64_t nsamples, refresh_at;
	uint32_t refresh_wait;
};

/* The sample being unwound: what the libdwfl callbacks see. */
struct unwind_dwarf_cur {
	struct unwind_dwarf *u;
	struct unwind_dwarf_proc *proc;
	/* Initial registers of this DWARF run: all of them, or (partial) only pc, sp and fp. */
	uint64_t dwarf[ARCH_MAX_DWARF_REGS];
	bool partial;
	uint64_t pc, sp, fp;
	/* The stack copy covers [stack_lo, stack_hi). */
	const uint8_t *stack;
	uint64_t stack_lo, stack_hi;
	struct unwind_stack *out;
	uint32_t base;	 /* out->n before the user frames */
	bool skip_first; /* the run's first frame is in out already (a frame-pointer step) */
	uint32_t nframes;
	/* The last frame accepted: its raw PC (not - 1), its PC as stored, its SP and FP. */
	uint64_t last_raw, last_pc, last_sp, last_fp;
	bool last_sp_ok, last_fp_ok;
	/* Where its CFI was found (NULL: none), for the RA-undefined check at the end. */
	Dwfl_Module *last_mod;
	uint64_t last_lookup;
	/* Reads since the last frame: failed, past the copy, just below it, read a 0. */
	bool read_failed, read_past, read_below, read_zero;
	bool refreshed; /* this sample reread /proc/PID/maps already */
	enum unwind_dwarf_stop stop;
	/* Offsets of the words read from the stack copy (unwind_dwarf_last_reads) */
	uint32_t reads[UNWIND_DWARF_READS];
	uint32_t nreads;
	bool reads_lost; /* it depended on more than those words */
};

struct unwind_dwarf {
	struct maps *maps;
	const struct arch_regs *arch;
	/* A bare ELF header of our machine: tells dwfl_attach_state which libdw backend to use. */
	Elf64_Ehdr arch_ehdr;
	Elf *arch_elf;
	struct unwind_dwarf_proc *procs;
	size_t nprocs, capprocs;
	struct table procs_index;
	uint32_t next_gen;
	uint64_t pagesize;
	struct unwind_dwarf_cur cur;
	struct unwind_dwarf_fact facts[UNWIND_DWARF_FACTS];
};

/* Functions in which a thread's stack begins: unwinding past them finds nothing of interest. */
static const char *const unwind_dwarf_entries[] = {
	"_start",
	"__libc_start_main",
	"__libc_start_main_impl",
	"__libc_start_call_main",
	"clone",
	"__clone",
	"clone3",
	"__clone3",
	"start_thread",
};

/* --- libdwfl callbacks --- */

static int
unwind_dwarf_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		      char **file_name, Elf **elfp)
{
	/* Never needed: every module is reported with its file already open. */
	return -1;
}

static char *unwind_dwarf_debuginfo_path = NULL;

/*
 * .debug_frame may live in separate debuginfo: look it up by build-id in the local debug
 * directories only. dwfl_standard_find_debuginfo could go to debuginfod, a network fetch in
 * the middle of a recording.
 */
static const Dwfl_Callbacks unwind_dwarf_callbacks = {
	.find_elf = unwind_dwarf_find_elf,
	.find_debuginfo = dwfl_build_id_find_debuginfo,
	.debuginfo_path = &unwind_dwarf_debuginfo_path,
};

static pid_t
unwind_dwarf_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unwind_dwarf_cur *c = arg;

	/* One thread per call: the one whose registers we hold. */
	if (*thread_argp)
		return 0;
	*thread_argp = c;
	return c->proc->pid;
}

static bool
unwind_dwarf_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	*thread_argp = arg;
	return true;
}

static const struct unwind_dwarf_seen *unwind_dwarf_seen_find(const struct unwind_dwarf_proc *p,
							      const struct maps_mapping *m);

/* Reads 8 bytes of a mapped file at `addr`, if the mapping's module is reported already. */
static bool
unwind_dwarf_read_file(struct unwind_dwarf_cur *c, uint64_t addr, uint64_t *val)
{
	const struct maps_mapping *m = maps_find(c->u->maps, c->proc->pid, addr);
	const struct unwind_dwarf_seen *s;
	const char *raw;
	Dwarf_Addr bias;
	uint64_t off;
	size_t size;
	Elf *elf;

	if (!m || !(s = unwind_dwarf_seen_find(c->proc, m)) || s->mod < 0)
		return false;
	/* libdwfl maps the whole file (ELF_C_READ_MMAP): reading it costs no system call. */
	elf = dwfl_module_getelf(c->proc->mods[s->mod].mod, &bias);
	raw = elf ? elf_rawfile(elf, &size) : NULL;
	off = addr - m->start + m->pgoff;
	if (!raw || off > size || size - off < sizeof(*val))
		return false;
	memcpy(val, raw + off, sizeof(*val));
	return true;
}

/* A word of the stack copy was read, at `off` bytes from its start. */
static void
unwind_dwarf_note_read(struct unwind_dwarf_cur *c, uint64_t off)
{
	if (c->nreads == UNWIND_DWARF_READS || off > UINT32_MAX) {
		c->reads_lost = true;
		return;
	}
	c->reads[c->nreads++] = (uint32_t)off;
}

static bool
unwind_dwarf_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwind_dwarf_cur *c = arg;
	uint64_t v;

	if (addr >= c->stack_lo && addr < c->stack_hi && c->stack_hi - addr >= sizeof(v)) {
		unwind_dwarf_note_read(c, addr - c->stack_lo);
		memcpy(&v, c->stack + (addr - c->stack_lo), sizeof(v));
		c->read_zero |= v == 0;
		*result = v;
		return true;
	}
	/* Almost never: CFI reads the stack, but an expression may read the program's image. */
	if (unwind_dwarf_read_file(c, addr, &v)) {
		*result = v;
		return true;
	}
	if (addr >= c->stack_lo && addr - c->stack_lo < UNWIND_DWARF_STACK_SPAN)
		c->read_past = true;
	else if (addr < c->stack_lo && c->stack_lo - addr <= UNWIND_DWARF_RED_ZONE)
		c->read_below = true;
	c->read_failed = true;
	c->reads_lost = true;
	return false;
}

static bool
unwind_dwarf_initial_regs(Dwfl_Thread *thread, void *arg)
{
	struct unwind_dwarf_cur *c = arg;
	const struct arch_regs *a = c->u->arch;
	Dwarf_Word v;

	if (!c->partial) {
		if (!dwfl_thread_state_registers(thread, 0, a->nregs_dwarf, c->dwarf))
			return false;
	} else {
		/*
		 * Resumed mid-stack (after a frame-pointer step or an epilogue): only these are
		 * known, and CFI needs no more to find the caller's frame.
		 */
		v = c->sp;
		if (!dwfl_thread_state_registers(thread, (int)a->dwarf_sp, 1, &v))
			return false;
		v = c->fp;
		if (!dwfl_thread_state_registers(thread, (int)a->dwarf_fp, 1, &v))
			return false;
		if (a->dwarf_ip >= 0) {
			v = c->pc;
			if (!dwfl_thread_state_registers(thread, a->dwarf_ip, 1, &v))
				return false;
		}
	}
	if (a->dwarf_ip < 0)
		dwfl_thread_state_register_pc(thread, c->pc);
	return true;
}

static const Dwfl_Thread_Callbacks unwind_dwarf_thread_callbacks = {
	.next_thread = unwind_dwarf_next_thread,
	.get_thread = unwind_dwarf_get_thread,
	.memory_read = unwind_dwarf_memory_read,
	.set_initial_registers = unwind_dwarf_initial_regs,
};

/* --- the unwinder and its processes --- */

struct unwind_dwarf *
unwind_dwarf_create(struct maps *maps)
{
	const struct arch_regs *a = arch_regs();
	struct unwind_dwarf *u;
	long ps;

	if (!a)
		return NULL;
	u = xcalloc(1, sizeof(*u));
	u->maps = maps;
	u->arch = a;
	u->next_gen = 1;
	ps = sysconf(_SC_PAGESIZE);
	u->pagesize = ps > 0 ? (uint64_t)ps : 4096;
	table_init(&u->procs_index);
	u->cur.u = u;

	elf_version(EV_CURRENT);
	memcpy(u->arch_ehdr.e_ident, ELFMAG, SELFMAG);
	u->arch_ehdr.e_ident[EI_CLASS] = ELFCLASS64;
	u->arch_ehdr.e_ident[EI_DATA] =
		__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? ELFDATA2MSB : ELFDATA2LSB;
	u->arch_ehdr.e_ident[EI_VERSION] = EV_CURRENT;
	u->arch_ehdr.e_type = ET_CORE;
	u->arch_ehdr.e_machine = a->elf_machine;
	u->arch_ehdr.e_version = EV_CURRENT;
	u->arch_ehdr.e_ehsize = sizeof(u->arch_ehdr);
	u->arch_elf = elf_memory((char *)&u->arch_ehdr, sizeof(u->arch_ehdr));
	if (!u->arch_elf) {
		free(u);
		return NULL;
	}
	return u;
}

static void
unwind_dwarf_proc_close(struct unwind_dwarf_proc *p)
{
	if (p->dwfl)
		dwfl_end(p->dwfl);
	p->dwfl = NULL;
	free(p->mods);
	p->mods = NULL;
	p->nmods = p->capmods = 0;
	free(p->seen);
	p->seen = NULL;
	p->nseen = p->capseen = 0;
	table_free(&p->seen_index);
	table_init(&p->seen_index);
}

void
unwind_dwarf_free(struct unwind_dwarf *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->nprocs; i++) {
		unwind_dwarf_proc_close(&u->procs[i]);
		table_free(&u->procs[i].seen_index);
	}
	free(u->procs);
	table_free(&u->procs_index);
	elf_end(u->arch_elf);
	free(u);
}

static bool
unwind_dwarf_pid_eq(uint32_t id, const void *key, void *arg)
{
	const struct unwind_dwarf *u = arg;

	return u->procs[id].pid == *(const pid_t *)key;
}

static struct unwind_dwarf_proc *
unwind_dwarf_proc_find(struct unwind_dwarf *u, pid_t pid)
{
	uint32_t id = table_find(&u->procs_index, table_hash_u64((uint64_t)pid, 0), &pid,
				 unwind_dwarf_pid_eq, u);

	return id == TABLE_NONE ? NULL : &u->procs[id];
}

void
unwind_dwarf_forget(struct unwind_dwarf *u, pid_t pid)
{
	struct unwind_dwarf_proc *p = u ? unwind_dwarf_proc_find(u, pid) : NULL;

	if (p) {
		unwind_dwarf_proc_close(p);
		/* A new address space (exec, or the pid reused): nothing learned about the old. */
		p->refresh_at = p->nsamples;
		p->refresh_wait = 0;
	}
}

/* The process's entry, with a Dwfl attached to our callbacks; NULL when libdwfl refuses. */
static struct unwind_dwarf_proc *
unwind_dwarf_proc_get(struct unwind_dwarf *u, pid_t pid)
{
	struct unwind_dwarf_proc *p = unwind_dwarf_proc_find(u, pid);

	if (!p) {
		xgrow(&u->procs, &u->capprocs, u->nprocs + 1, sizeof(*u->procs));
		p = &u->procs[u->nprocs];
		memset(p, 0, sizeof(*p));
		p->pid = pid;
		table_init(&p->seen_index);
		table_insert(&u->procs_index, table_hash_u64((uint64_t)pid, 0),
			     (uint32_t)u->nprocs);
		u->nprocs++;
	}
	if (p->dwfl)
		return p;
	p->dwfl = dwfl_begin(&unwind_dwarf_callbacks);
	if (!p->dwfl)
		return NULL;
	/*
	 * Once per Dwfl (a second call fails with DWFL_E_ATTACH_STATE_CONFLICT), so the argument
	 * is the one "current sample" that every sample refills.
	 */
	if (!dwfl_attach_state(p->dwfl, u->arch_elf, pid, &unwind_dwarf_thread_callbacks,
			       &u->cur)) {
		dwfl_end(p->dwfl);
		p->dwfl = NULL;
		return NULL;
	}
	p->gen = u->next_gen++;
	if (u->next_gen == 0)
		u->next_gen = 1;
	return p;
}

/*
 * The mapping of the current process that covers `addr`. Mappings arrive as MMAP2 records in
 * the ring of the thread that made them, and a ring is read when it fills (or at the end):
 * a thread can be sampled in a library before the record that maps it has been read from
 * another thread's ring. Every worker thread returns into libc's start_thread, whose mapping
 * the main thread made before it created them, and a main thread blocked in pthread_join fills
 * its ring late. So an address outside every known mapping rereads /proc/PID/maps, as
 * session_find_mapping does for symbolization: no return address from the CFI is taken for
 * garbage before the address space is known to lack it. The reread is rate-limited (see
 * UNWIND_DWARF_REFRESH_MIN): it costs system calls, and a process that has exited has no maps.
 */
static const struct maps_mapping *
unwind_dwarf_find(struct unwind_dwarf_cur *c, uint64_t addr)
{
	struct unwind_dwarf_proc *p = c->proc;
	const struct maps_mapping *m = maps_find(c->u->maps, p->pid, addr);

	if (m || c->refreshed || p->nsamples < p->refresh_at)
		return m;
	c->refreshed = true;
	maps_load_proc(c->u->maps, p->pid);
	m = maps_find(c->u->maps, p->pid, addr);
	if (m)
		p->refresh_wait = UNWIND_DWARF_REFRESH_MIN;
	else if (p->refresh_wait < UNWIND_DWARF_REFRESH_MIN)
		p->refresh_wait = UNWIND_DWARF_REFRESH_MIN;
	else if (p->refresh_wait < UNWIND_DWARF_REFRESH_MAX)
		p->refresh_wait *= 2;
	p->refresh_at = p->nsamples + p->refresh_wait;
	return m;
}

/* --- modules --- */

/*
 * Where mapping `m` puts its file's ELF addresses. The PT_LOAD that holds the mapping's first
 * byte (file offset pgoff; mappings are page-rounded, so the segment may start later in the
 * page) turns it into a virtual address, vaddr = off - p_offset + p_vaddr, and the bias is
 * what the mapping adds to it. This holds for PIE, shared libraries and layouts where p_vaddr
 * and p_offset differ by more than the page offset (lld); an ET_EXEC is at its link-time
 * addresses (libdwfl ignores the base for it). Also the module's address range, computed as
 * libdwfl does: first PT_LOAD's aligned p_vaddr to the last PT_LOAD's end.
 */
static int
unwind_dwarf_layout(Elf *elf, const struct maps_mapping *m, uint64_t pagesize,
		    struct unwind_dwarf_mod *out)
{
	uint64_t mask = ~(pagesize - 1), vaddr = 0, first = 0, last = 0;
	bool have = false, any = false;
	GElf_Ehdr eh;
	size_t phnum, i;

	if (!gelf_getehdr(elf, &eh) || (eh.e_type != ET_DYN && eh.e_type != ET_EXEC) ||
	    elf_getphdrnum(elf, &phnum) != 0)
		return -ENOEXEC;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (!any)
			first = ph.p_vaddr & -ph.p_align;
		any = true;
		last = ph.p_vaddr + ph.p_memsz;
		if (!have && m->pgoff >= (ph.p_offset & mask) &&
		    m->pgoff < ph.p_offset + ph.p_filesz) {
			vaddr = m->pgoff - ph.p_offset + ph.p_vaddr; /* may wrap below p_offset */
			have = true;
		}
	}
	if (!have)
		return -ENOEXEC;
	out->bias = eh.e_type == ET_EXEC ? 0 : m->start - vaddr;
	out->low = out->bias + first;
	out->high = out->bias + last;
	return 0;
}

/* Paths with no file behind them; "[vdso]" we can stand in for. */
static bool
unwind_dwarf_fileless(const char *path)
{
	return !path || !path[0] || (path[0] == '[' && strcmp(path, "[vdso]") != 0) ||
	       strcmp(path, "//anon") == 0;
}

/*
 * Reports the file of mapping `m` to the process's Dwfl, or finds it reported already (another
 * piece of the same mapping). Returns its index in mods, -1 when the file cannot be used, or
 * -2 when it overlaps a module reported for a mapping that is gone: the process put something
 * else at those addresses (dlclose + dlopen, exec) and its Dwfl must be rebuilt. An overlap
 * with a module whose mapping is still there is a layout we cannot express to libdwfl: the
 * newcomer goes without CFI rather than rebuilding the Dwfl at every sample.
 */
static int
unwind_dwarf_report(struct unwind_dwarf *u, struct unwind_dwarf_proc *p,
		    const struct maps_mapping *m)
{
	struct unwind_dwarf_mod nm;
	Dwarf_Addr low, high;
	Dwfl_Module *mod;
	size_t i;
	Elf *elf;
	int fd, err;

	if (unwind_dwarf_fileless(m->path))
		return -1;
	if (strcmp(m->path, "[vdso]") == 0)
		fd = vdso_fd();
	else if (m->file && m->file->fd >= 0) /* the mapped file, even if replaced since */
		fd = fcntl(m->file->fd, F_DUPFD_CLOEXEC, 3);
	else
		fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	memset(&nm, 0, sizeof(nm));
	err = elf ? unwind_dwarf_layout(elf, m, u->pagesize, &nm) : -ENOEXEC;
	elf_end(elf);
	if (err) {
		close(fd);
		return -1;
	}
	nm.m = m;
	nm.path = m->path;
	nm.ino = m->ino;

	for (i = 0; i < p->nmods; i++) {
		const struct unwind_dwarf_mod *o = &p->mods[i];

		if (o->bias == nm.bias && o->ino == nm.ino && strcmp(o->path, nm.path) == 0) {
			close(fd);
			return (int)i;
		}
		if (o->low < nm.high && nm.low < o->high) {
			close(fd);
			return maps_find(u->maps, p->pid, o->m->start) == o->m ? -1 : -2;
		}
	}

	/* Adds to the modules already there; nothing is removed by the matching _end. */
	dwfl_report_begin_add(p->dwfl);
	mod = dwfl_report_elf(p->dwfl, m->path, m->path, fd, nm.bias, true);
	dwfl_report_end(p->dwfl, NULL, NULL);
	if (!mod) {
		close(fd); /* libdwfl owns the fd only on success */
		return -1;
	}
	/* Keep libdwfl's own idea of the range, for later overlap checks. */
	if (dwfl_module_info(mod, NULL, &low, &high, NULL, NULL, NULL, NULL)) {
		nm.low = low;
		nm.high = high;
	}
	nm.mod = mod;
	xgrow(&p->mods, &p->capmods, p->nmods + 1, sizeof(*p->mods));
	p->mods[p->nmods] = nm;
	return (int)p->nmods++;
}

static bool
unwind_dwarf_seen_eq(uint32_t id, const void *key, void *arg)
{
	const struct unwind_dwarf_proc *p = arg;

	return p->seen[id].m == key;
}

static const struct unwind_dwarf_seen *
unwind_dwarf_seen_find(const struct unwind_dwarf_proc *p, const struct maps_mapping *m)
{
	uint32_t id = table_find(&p->seen_index, table_hash_u64(m->id, 0), m, unwind_dwarf_seen_eq,
				 (void *)p);

	return id == TABLE_NONE ? NULL : &p->seen[id];
}

/*
 * The module of mapping `m`, reported on first use; NULL when the mapping has no usable file.
 * *conflict: the process's Dwfl must be rebuilt (see unwind_dwarf_report).
 */
static Dwfl_Module *
unwind_dwarf_module(struct unwind_dwarf *u, struct unwind_dwarf_proc *p,
		    const struct maps_mapping *m, bool *conflict)
{
	const struct unwind_dwarf_seen *s = unwind_dwarf_seen_find(p, m);
	int idx;

	if (!s) {
		idx = unwind_dwarf_report(u, p, m);
		if (idx == -2) {
			*conflict = true;
			return NULL;
		}
		xgrow(&p->seen, &p->capseen, p->nseen + 1, sizeof(*p->seen));
		p->seen[p->nseen].m = m;
		p->seen[p->nseen].mod = idx;
		table_insert(&p->seen_index, table_hash_u64(m->id, 0), (uint32_t)p->nseen);
		s = &p->seen[p->nseen++];
	}
	return s->mod >= 0 ? p->mods[s->mod].mod : NULL;
}

/* --- facts about PCs --- */

static struct unwind_dwarf_fact *
unwind_dwarf_fact(struct unwind_dwarf *u, uint32_t gen, uint64_t pc)
{
	uint64_t h = (pc ^ ((uint64_t)gen << 40)) * 0x9e3779b97f4a7c15ULL;
	struct unwind_dwarf_fact *f = &u->facts[h >> 52 & (UNWIND_DWARF_FACTS - 1)];

	if (f->gen != gen || f->pc != pc) {
		f->gen = gen;
		f->pc = pc;
		f->flags = 0;
		f->go_sp = 0;
	}
	return f;
}

/*
 * The CFI row for `pc` (caller frees), looked up as libdwfl does before it unwinds a frame:
 * .eh_frame first, then (unless eh_only) .debug_frame.
 */
static Dwarf_Frame *
unwind_dwarf_cfi_frame(Dwfl_Module *mod, uint64_t pc, bool eh_only)
{
	Dwarf_Frame *frame;
	Dwarf_Addr bias;
	Dwarf_CFI *cfi;

	cfi = dwfl_module_eh_cfi(mod, &bias);
	if (cfi && dwarf_cfi_addrframe(cfi, pc - bias, &frame) == 0)
		return frame;
	if (eh_only)
		return NULL;
	cfi = dwfl_module_dwarf_cfi(mod, &bias);
	if (cfi && dwarf_cfi_addrframe(cfi, pc - bias, &frame) == 0)
		return frame;
	return NULL;
}

static bool unwind_dwarf_is_entry(struct unwind_dwarf *u, struct unwind_dwarf_proc *p, uint64_t pc);

static bool
unwind_dwarf_has_cfi(struct unwind_dwarf *u, struct unwind_dwarf_proc *p, Dwfl_Module *mod,
		     uint64_t pc)
{
	struct unwind_dwarf_fact *f = unwind_dwarf_fact(u, p->gen, pc);

	if (!(f->flags & UNWIND_DWARF_CFI_KNOWN)) {
		Dwarf_Frame *frame = unwind_dwarf_cfi_frame(mod, pc, true);

		/*
		 * .debug_frame lives in the separate debuginfo, and libdwfl opens it with all of
		 * that file's DWARF (libc6-dbg: ~100 ms inflating compressed sections, during which
		 * the rings overflow). A thread's entry function (__clone3, _start) ends the unwind
		 * with or without CFI, and it is where .eh_frame stops: no reason to go there.
		 */
		if (!frame && !unwind_dwarf_is_entry(u, p, pc))
			frame = unwind_dwarf_cfi_frame(mod, pc, false);
		f = unwind_dwarf_fact(u, p->gen, pc); /* the same entry, refreshed */
		f->flags |= UNWIND_DWARF_CFI_KNOWN | (frame ? UNWIND_DWARF_CFI : 0);
		free(frame);
	}
	return f->flags & UNWIND_DWARF_CFI;
}

/*
 * Whether the CFI at `pc` marks the return address undefined: the outermost frame of a thread
 * (glibc's _start and clone3 say so). libdwfl ends the same way, without an error, when it
 * could not compute the return address at all; this tells the two apart.
 */
static bool
unwind_dwarf_ra_undefined(struct unwind_dwarf *u, struct unwind_dwarf_proc *p, Dwfl_Module *mod,
			  uint64_t pc)
{
	struct unwind_dwarf_fact *f = unwind_dwarf_fact(u, p->gen, pc);

	if (!(f->flags & UNWIND_DWARF_RA_UNDEF_KNOWN)) {
		Dwarf_Frame *frame = unwind_dwarf_cfi_frame(mod, pc, false);
		Dwarf_Op mem[3], *ops;
		Dwarf_Addr start, end;
		bool signal, undef = false;
		size_t nops;
		int ra;

		if (frame) {
			ra = dwarf_frame_info(frame, &start, &end, &signal);
			/* Undefined: no operations, and ops pointing at our buffer. */
			undef = ra >= 0 && dwarf_frame_register(frame, ra, mem, &ops, &nops) == 0 &&
				nops == 0 && ops == mem;
			free(frame);
		}
		f->flags |= UNWIND_DWARF_RA_UNDEF_KNOWN | (undef ? UNWIND_DWARF_RA_UNDEF : 0);
	}
	return f->flags & UNWIND_DWARF_RA_UNDEF;
}

/* Whether `pc` (already - 1 for return addresses) lies in a thread's entry function. */
static bool
unwind_dwarf_is_entry(struct unwind_dwarf *u, struct unwind_dwarf_proc *p, uint64_t pc)
{
	struct unwind_dwarf_fact *f = unwind_dwarf_fact(u, p->gen, pc);
	const struct maps_mapping *m;
	const struct unwind_dwarf_seen *s;
	const char *name;
	size_t i;

	if (!(f->flags & UNWIND_DWARF_ENTRY_KNOWN)) {
		m = maps_find(u->maps, p->pid, pc);
		s = m ? unwind_dwarf_seen_find(p, m) : NULL;
		/* Not known yet while the PC's file is not: that answer must not stick. */
		if (!s)
			return false;
		f->flags |= UNWIND_DWARF_ENTRY_KNOWN;
		name = s->mod >= 0 ? dwfl_module_addrname(p->mods[s->mod].mod, pc) : NULL;
		for (i = 0;
		     name && i < sizeof(unwind_dwarf_entries) / sizeof(*unwind_dwarf_entries); i++)
			if (strcmp(name, unwind_dwarf_entries[i]) == 0)
				f->flags |= UNWIND_DWARF_ENTRY;
	}
	return f->flags & UNWIND_DWARF_ENTRY;
}

/* --- one DWARF run --- */

static void
unwind_dwarf_push(struct unwind_dwarf_cur *c, uint64_t raw, uint64_t pc)
{
	c->out->pcs[c->out->n++] = pc;
	c->last_raw = raw;
	c->last_pc = pc;
}

/*
 * Called by libdwfl for each frame, before it unwinds that frame. We make sure the module of
 * the frame's PC is reported and has CFI for it first, so that libdwfl never takes its own
 * unchecked frame-pointer step (its fallback when CFI is missing).
 */
static int
unwind_dwarf_frame(Dwfl_Frame *state, void *arg)
{
	struct unwind_dwarf_cur *c = arg;
	struct unwind_dwarf *u = c->u;
	const struct arch_regs *a = u->arch;
	bool first, act, cfi = false, below = c->read_below;
	Dwfl_Module *mod = NULL;
	const struct maps_mapping *m;
	Dwarf_Addr pc, lookup;
	Dwarf_Word v;

	c->read_failed = c->read_past = c->read_below = c->read_zero = false;
	/* Without asking for isactivation: that would unwind this frame right away. */
	if (!dwfl_frame_pc(state, &pc, NULL)) {
		c->stop = UNWIND_DWARF_ERROR;
		return DWARF_CB_ABORT;
	}
	first = c->nframes++ == 0;
	/* The initial frame is where the thread is; callers are after their call instruction. */
	lookup = first ? pc : pc - 1;
	m = pc ? unwind_dwarf_find(c, lookup) : NULL;
	if (m) {
		bool conflict = false;

		mod = unwind_dwarf_module(u, c->proc, m, &conflict);
		if (conflict) {
			c->stop = UNWIND_DWARF_RESTART;
			return DWARF_CB_ABORT;
		}
		cfi = mod && unwind_dwarf_has_cfi(u, c->proc, mod, lookup);
	} else if (!first || !pc) {
		/* A return address outside every mapping: the CFI led us astray. */
		c->stop = UNWIND_DWARF_ERROR;
		return DWARF_CB_ABORT;
	}
	/* else the sampled PC is outside the known mappings: JIT code we have no record of. */

	/*
	 * Now that the module is there, asking for isactivation may unwind the frame: a caller is
	 * exact (not after a call) when the frame it called is a signal trampoline.
	 */
	act = first;
	if (cfi && !dwfl_frame_pc(state, &pc, &act))
		act = first;
	if (!(first && c->skip_first)) {
		if (c->out->n >= UNWIND_MAX_FRAMES) {
			c->stop = UNWIND_DWARF_FULL;
			return DWARF_CB_ABORT;
		}
		unwind_dwarf_push(c, pc, act ? pc : pc - 1);
	}
	c->last_mod = cfi ? mod : NULL;
	c->last_lookup = lookup;

	/*
	 * The sample hit an epilogue (x86-64: after `leave` or `pop %rbp`): the CFI still has the
	 * caller's FP at its save slot, now below the SP where the copy does not reach, so libdwfl
	 * lost the FP. The slot was just popped into the register: go on with the sampled FP.
	 */
	if (below && !c->partial && c->nframes == 2 &&
	    dwfl_frame_reg(state, a->dwarf_fp, &v) != 0 &&
	    dwfl_frame_reg(state, a->dwarf_sp, &v) == 0) {
		c->pc = act ? pc : pc - 1;
		c->sp = v;
		c->fp = c->dwarf[a->dwarf_fp];
		c->stop = UNWIND_DWARF_RESUME;
		return DWARF_CB_ABORT;
	}

	/*
	 * SP and FP for a frame-pointer step, should this be the last frame DWARF gets to. Only
	 * then: where libdwfl has unwound the frame already (the isactivation query above) and
	 * read everything it needed, the unwind goes on.
	 */
	if (first || act || !cfi || c->read_failed) {
		c->last_sp_ok = dwfl_frame_reg(state, a->dwarf_sp, &v) == 0;
		c->last_sp = c->last_sp_ok ? v : 0;
		c->last_fp_ok = dwfl_frame_reg(state, a->dwarf_fp, &v) == 0;
		c->last_fp = c->last_fp_ok ? v : 0;
	} else {
		c->last_sp_ok = c->last_fp_ok = false;
	}
	if (!cfi) {
		c->stop = UNWIND_DWARF_NO_CFI;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

static enum unwind_dwarf_stop
unwind_dwarf_run(struct unwind_dwarf_cur *c)
{
	int rc;

	c->nframes = 0;
	c->read_failed = c->read_past = c->read_below = c->read_zero = false;
	c->last_mod = NULL;
	c->stop = UNWIND_DWARF_ERROR;
	rc = dwfl_getthread_frames(c->proc->dwfl, c->proc->pid, unwind_dwarf_frame, c);
	if (rc == DWARF_CB_ABORT)
		return c->stop;
	/*
	 * libdwfl ends without an error (0) when the CFI leaves the return address undefined or
	 * it reads as 0, but also when it could not be computed (a read failed, a register it
	 * needed was unknown). The flags of the reads made for the last frame tell which.
	 */
	if (rc == 0 && c->last_mod &&
	    unwind_dwarf_ra_undefined(c->u, c->proc, c->last_mod, c->last_lookup))
		return UNWIND_DWARF_END;
	if (c->read_past)
		return UNWIND_DWARF_STACK_END;
	if (rc == 0 && c->read_zero)
		return UNWIND_DWARF_END;
	return UNWIND_DWARF_ERROR;
}

/* --- frame pointers --- */

/*
 * Frame-pointer steps from the last frame: [fp] holds the caller's fp, [fp + 8] the return
 * address. A record must lie in the stack copy, 16-aligned, at or above the frame's SP, each
 * above the one before, and return into a known mapping; otherwise the chain is not a frame
 * pointer chain (rbp is an ordinary register in code built without frame pointers). Stops at
 * the first return address that has CFI, leaving c->pc/sp/fp set to resume DWARF there, and
 * returns true; false when the chain ends (or reaches past the copy). *added: frames were added.
 */
static bool
unwind_dwarf_fp_walk(struct unwind_dwarf_cur *c, bool *added)
{
	struct unwind_dwarf *u = c->u;
	uint64_t fp = c->last_fp, floor = c->last_sp_ok ? c->last_sp : c->stack_lo;
	uint64_t rec[2];

	if (!c->last_fp_ok)
		return false;
	while (c->out->n < UNWIND_MAX_FRAMES) {
		const struct maps_mapping *m;
		bool conflict = false;
		Dwfl_Module *mod;

		if (fp == 0 || fp % u->arch->fp_align || fp < floor || fp < c->stack_lo ||
		    fp >= c->stack_hi || c->stack_hi - fp < sizeof(rec))
			return false;
		memcpy(rec, c->stack + (fp - c->stack_lo), sizeof(rec));
		unwind_dwarf_note_read(c, fp - c->stack_lo);
		unwind_dwarf_note_read(c, fp - c->stack_lo + sizeof(rec[0]));
		if (rec[1] == 0)
			return false;
		m = unwind_dwarf_find(c, rec[1] - 1);
		if (!m)
			return false;
		unwind_dwarf_push(c, rec[1], rec[1] - 1);
		*added = true;
		mod = unwind_dwarf_module(u, c->proc, m, &conflict);
		if (u->arch->fp_resume && mod &&
		    unwind_dwarf_has_cfi(u, c->proc, mod, rec[1] - 1)) {
			/*
			 * Resume DWARF in the caller as if it were the interrupted frame at the
			 * call instruction: its CFI row there is the one in effect after the call
			 * returns.
			 */
			c->pc = rec[1] - 1;
			c->sp = fp + sizeof(rec);
			c->fp = rec[0];
			return true;
		}
		floor = fp + sizeof(rec);
		fp = rec[0];
	}
	return false;
}

/*
 * Continues with the kernel's frame-pointer callchain (raw, exact PC first) from our last
 * frame, when the kernel's walk went through that frame too: at the same depth, or else where
 * it holds our last return address exactly once (a frame-pointer walk skips the callers of
 * functions without frame pointers; in a recursion a value match would splice in frames we
 * have already). The kernel follows rbp wherever it points, so its chain is trusted only up
 * to the first address outside every mapping.
 */
static bool
unwind_dwarf_kernel_chain(struct unwind_dwarf_cur *c, const uint64_t *chain, uint32_t n)
{
	struct unwind_stack *out = c->out;
	uint32_t depth, i, j = UINT32_MAX, k = UINT32_MAX, hits = 0;
	bool added = false;

	if (!chain || out->n == c->base)
		return false;
	c->reads_lost = true; /* the result depends on the chain too */
	depth = out->n - c->base - 1;
	if (depth < n && chain[depth] == c->last_raw)
		j = depth;
	for (i = 1; j == UINT32_MAX && i < n; i++) {
		if (chain[i] == c->last_raw) {
			k = i;
			hits++;
		}
	}
	if (j == UINT32_MAX && hits == 1)
		j = k;
	if (j == UINT32_MAX)
		return false;
	for (i = j + 1; i < n && out->n < UNWIND_MAX_FRAMES; i++) {
		if (chain[i] == 0 || chain[i] >= (uint64_t)PERF_CONTEXT_MAX ||
		    !unwind_dwarf_find(c, chain[i] - 1))
			break;
		unwind_dwarf_push(c, chain[i], chain[i] - 1);
		added = true;
	}
	return added;
}

/* --- Go code --- */

/* The Go line table of module `m`, read on first use; NULL when it has none. */
static const struct gopclntab *
unwind_dwarf_go_table(struct unwind_dwarf_mod *m)
{
	Dwarf_Addr bias;

	if (!m->go_state)
		m->go_state =
			gopclntab_open_elf(&m->go, dwfl_module_getelf(m->mod, &bias)) == 0 ? 1 : -1;
	return m->go_state > 0 ? &m->go : NULL;
}

/* The pcsp value and flags at `pc` of Go table `t` (unwind_go_lookup), through the fact cache. */
static bool
unwind_dwarf_go_frame(struct unwind_dwarf *u, struct unwind_dwarf_proc *p,
		      const struct gopclntab *t, uint64_t bias, uint64_t pc,
		      struct gopclntab_frame *gf)
{
	struct unwind_dwarf_fact *f = unwind_dwarf_fact(u, p->gen, pc);

	if (!(f->flags & UNWIND_DWARF_GO_KNOWN)) {
		f->flags |= UNWIND_DWARF_GO_KNOWN;
		if (unwind_go_lookup(t, bias, pc, gf) == 1) {
			f->flags |= UNWIND_DWARF_GO;
			f->flags |= gf->flags & GOPCLNTAB_TOPFRAME ? UNWIND_DWARF_GO_TOP : 0;
			f->flags |= gf->flags & GOPCLNTAB_SPWRITE ? UNWIND_DWARF_GO_SPWRITE : 0;
			f->go_sp = gf->sp;
		}
	}
	if (!(f->flags & UNWIND_DWARF_GO))
		return false;
	memset(gf, 0, sizeof(*gf));
	gf->sp = f->go_sp;
	gf->flags = (f->flags & UNWIND_DWARF_GO_TOP ? GOPCLNTAB_TOPFRAME : 0) |
		    (f->flags & UNWIND_DWARF_GO_SPWRITE ? GOPCLNTAB_SPWRITE : 0);
	return true;
}

/*
 * Go code without CFI (Go binaries have no .eh_frame, and -ldflags=-w drops .debug_frame): steps
 * out of the last frame with its function's pcsp value (unwind_go.h), as long as the frames are
 * in modules with a Go line table. Returns UNWIND_DWARF_RESUME with c->pc/sp/fp set when a
 * return address lands in code with CFI, UNWIND_DWARF_END at the first frame of a Go stack, and
 * otherwise UNWIND_DWARF_NO_CFI, the last frame's SP and FP left for the frame-pointer walk.
 * *added: frames were added.
 */
static enum unwind_dwarf_stop
unwind_dwarf_go_walk(struct unwind_dwarf_cur *c, bool *added)
{
	struct unwind_dwarf *u = c->u;
	struct unwind_go_frame f;

	if (u->arch->elf_machine != EM_X86_64 || !c->last_sp_ok || c->out->n == c->base)
		return UNWIND_DWARF_NO_CFI;
	f.pc = c->last_pc;
	f.exact = c->last_pc == c->last_raw;
	f.sp = c->last_sp;
	f.fp = c->last_fp;
	f.fp_ok = c->last_fp_ok;
	while (c->out->n < UNWIND_MAX_FRAMES) {
		const struct maps_mapping *m = maps_find(u->maps, c->proc->pid, f.pc);
		const struct unwind_dwarf_seen *s = m ? unwind_dwarf_seen_find(c->proc, m) : NULL;
		struct unwind_dwarf_mod *gm = s && s->mod >= 0 ? &c->proc->mods[s->mod] : NULL;
		const struct gopclntab *t = gm ? unwind_dwarf_go_table(gm) : NULL;
		struct gopclntab_frame gf;
		enum unwind_go_step step;
		bool conflict = false;
		Dwfl_Module *mod;
		uint64_t ra;

		if (!t || !unwind_dwarf_go_frame(u, c->proc, t, gm->bias, f.pc, &gf))
			break;
		step = unwind_go_step(&gf, c->stack, c->stack_lo, c->stack_hi, &f, &ra);
		if (step == UNWIND_GO_TOP)
			return UNWIND_DWARF_END;
		/* A return address outside every mapping: the table does not fit this code. */
		if (step != UNWIND_GO_CALLER || !(m = unwind_dwarf_find(c, f.pc)))
			break;
		unwind_dwarf_push(c, ra, f.pc);
		*added = true;
		c->last_sp = f.sp;
		c->last_sp_ok = true;
		c->last_fp = f.fp;
		c->last_fp_ok = f.fp_ok;
		mod = unwind_dwarf_module(u, c->proc, m, &conflict);
		if (mod && unwind_dwarf_has_cfi(u, c->proc, mod, f.pc)) {
			c->pc = f.pc;
			c->sp = f.sp;
			c->fp = f.fp;
			return UNWIND_DWARF_RESUME;
		}
	}
	return UNWIND_DWARF_NO_CFI;
}

/* --- a sample --- */

/* Only the kernel's chain: exact PC first, then return addresses - 1. */
static uint32_t
unwind_dwarf_chain_only(struct unwind_stack *out, const uint64_t *chain, uint32_t n)
{
	uint32_t i, base = out->n;

	for (i = 0; chain && i < n && out->n < UNWIND_MAX_FRAMES; i++) {
		if (chain[i] == 0 || chain[i] >= (uint64_t)PERF_CONTEXT_MAX)
			break;
		out->pcs[out->n++] = i == 0 ? chain[i] : chain[i] - 1;
	}
	return out->n - base;
}

int
unwind_dwarf_sample(struct unwind_dwarf *u, pid_t pid, const uint64_t *regs, uint32_t nregs,
		    const uint8_t *stack, uint64_t stack_size, uint64_t dyn_size,
		    const uint64_t *fp_chain, uint32_t nfp, struct unwind_stack *out,
		    struct unwind_dwarf_stats *stats)
{
	struct unwind_dwarf_cur *c = &u->cur;
	enum unwind_dwarf_stop stop = UNWIND_DWARF_ERROR;
	bool restarted = false, fp_added = false, go_added = false;
	uint64_t valid;
	int seg;

	stats->samples++;
	c->out = out;
	c->base = out->n;
	c->refreshed = false;
	c->nreads = 0;
	c->reads_lost = true; /* until a run is under way */
	if (arch_regs_to_dwarf(regs, nregs, c->dwarf) != 0) {
		if (unwind_dwarf_chain_only(out, fp_chain, nfp))
			stats->fp_fallback++;
		stats->errors++;
		return (int)(out->n - c->base);
	}

again:
	c->proc = unwind_dwarf_proc_get(u, pid);
	if (!c->proc) {
		if (unwind_dwarf_chain_only(out, fp_chain, nfp))
			stats->fp_fallback++;
		stats->errors++;
		return (int)(out->n - c->base);
	}
	if (!restarted)
		c->proc->nsamples++;
	c->partial = false;
	c->skip_first = false;
	c->pc = arch_regs_ip(regs, nregs);
	c->sp = arch_regs_sp(regs, nregs);
	c->fp = arch_regs_fp(regs, nregs);
	valid = stack ? (dyn_size < stack_size ? dyn_size : stack_size) : 0;
	if (valid > UINT64_MAX - c->sp)
		valid = UINT64_MAX - c->sp;
	c->stack = stack;
	c->stack_lo = c->sp;
	c->stack_hi = c->sp + valid;
	c->last_fp_ok = c->last_sp_ok = false;
	c->nreads = 0;
	c->reads_lost = false;

	for (seg = 0; seg < UNWIND_DWARF_SEGMENTS; seg++) {
		stop = unwind_dwarf_run(c);
		if (stop == UNWIND_DWARF_RESTART) {
			out->n = c->base;
			if (restarted) {
				stop = UNWIND_DWARF_ERROR;
				break;
			}
			/* Addresses reused by another file: start this process's Dwfl afresh. */
			unwind_dwarf_proc_close(c->proc);
			restarted = true;
			fp_added = go_added = false;
			goto again;
		}
		if (stop == UNWIND_DWARF_RESUME) {
			c->partial = true;
			c->skip_first = true;
			continue;
		}
		if (stop == UNWIND_DWARF_END || stop == UNWIND_DWARF_FULL)
			break;
		if (out->n > c->base && unwind_dwarf_is_entry(u, c->proc, c->last_pc)) {
			stop = UNWIND_DWARF_END;
			break;
		}
		if (stop == UNWIND_DWARF_NO_CFI) {
			stop = unwind_dwarf_go_walk(c, &go_added);
			if (stop == UNWIND_DWARF_RESUME) {
				c->partial = true;
				c->skip_first = true;
				continue;
			}
			if (stop == UNWIND_DWARF_END)
				break;
		}
		if (unwind_dwarf_fp_walk(c, &fp_added)) {
			c->partial = true;
			c->skip_first = true;
			continue;
		}
		/* The copy is exhausted or the chain in it broke: the kernel walked the real stack.
		 */
		if (unwind_dwarf_kernel_chain(c, fp_chain, nfp))
			fp_added = true;
		break;
	}

	switch (stop) {
	case UNWIND_DWARF_END:
		stats->complete++;
		break;
	case UNWIND_DWARF_NO_CFI:
		stats->no_cfi++;
		break;
	case UNWIND_DWARF_STACK_END:
		stats->stack_end++;
		break;
	case UNWIND_DWARF_FULL:
		stats->truncated++;
		break;
	default:
		stats->errors++;
		break;
	}
	if (fp_added)
		stats->fp_fallback++;
	if (go_added)
		stats->go_pcsp++;
	return (int)(out->n - c->base);
}

const uint32_t *
unwind_dwarf_last_reads(const struct unwind_dwarf *u, uint32_t *n)
{
	const struct unwind_dwarf_cur *c = &u->cur;

	*n = c->nreads;
	return c->reads_lost ? NULL : c->reads;
}
