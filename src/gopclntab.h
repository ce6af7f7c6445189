/*
 * gopclntab: function names and file:line from a Go binary's own line table, the one the Go
 * runtime uses for its tracebacks. It survives `go build -ldflags='-s -w'`, which drops .symtab
 * and DWARF, so a stripped Go program can still be symbolized. The table is the .gopclntab
 * section (.data.rel.ro.gopclntab in PIE builds), read as untrusted bytes: every read is bounds
 * checked, and bad tables give an error, never a crash.
 *
 * Layouts, by the magic number at the start of the table (golang.org/s/go12symtab and the Go
 * runtime's symtab.go for the later ones):
 *   0xfffffffb  Go 1.2 to 1.15: one blob; functab of pointer-sized (entry, offset) pairs
 *   0xfffffffa  Go 1.16, 1.17: a header of offsets to separate name, CU, file and pc tables
 *   0xfffffff0  Go 1.18, 1.19: as 1.16, plus textStart; functab entries are uint32 offsets from it
 *   0xfffffff1  Go 1.20 and later: the 1.18 layout (the _func gained startLine before funcID)
 * Besides names and lines, the pcsp table of each function gives unwinding what CFI would (see
 * gopclntab_frame). Little- and big-endian tables, 4- and 8-byte pointers. Not handled: inlined
 * frames (the FUNCDATA_InlTree, so a PC in inlined code is named after the function it was inlined
 * into, with the inlined code's file:line, as the table records it) and binaries with several text
 * sections (only very large ones on some architectures).
 */
#ifndef PROF_GOPCLNTAB_H
#define PROF_GOPCLNTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libelf.h>

enum gopclntab_version {
	GOPCLNTAB_GO12 = 1, /* Go 1.2 - 1.15 */
	GOPCLNTAB_GO116,    /* Go 1.16 - 1.17 */
	GOPCLNTAB_GO118,    /* Go 1.18 - 1.19 */
	GOPCLNTAB_GO120,    /* Go 1.20 and later */
};

struct gopclntab {
	const uint8_t *data; /* the table (borrowed: must outlive every use of the struct) */
	size_t len;
	enum gopclntab_version version;
	bool big_endian;
	uint8_t quantum; /* instruction size unit of pc deltas (1 on x86, 4 on arm64) */
	uint8_t ptrsize;
	uint64_t nfunc;
	uint64_t text_start; /* base of 1.18+ entry offsets */
	/* byte offsets into data */
	uint64_t funcnametab, cutab, filetab, pctab;
	uint64_t funcdata; /* base of the _func offsets in the functab */
	uint64_t functab;  /* the functab: nfunc (entry, _func offset) pairs, then the end pc */
	uint64_t nfiletab; /* 1.2: entries in the file table at filetab */
};

struct gopclntab_line {
	const char *func; /* function name as Go spells it ("main.main"); borrowed */
	const char *file; /* source file, or NULL when the table has none; borrowed */
	uint32_t line;	  /* 0 when unknown */
	uint64_t entry;	  /* the function's first address */
};

/*
 * Reads the header of the table at `data` (`len` bytes, borrowed). `text_start` is the address
 * of the binary's .text section (the runtime's moduledata.text), the base of the function
 * offsets of Go 1.18+ tables; 0 takes the header's textStart, which PIE files leave to be
 * relocated. Returns 0, -ENOEXEC when the bytes are no Go line table (wrong magic), or -EINVAL
 * when the header is inconsistent with `len`.
 */
int gopclntab_open(struct gopclntab *t, const void *data, size_t len, uint64_t text_start);

/*
 * Opens the table of ELF file `elf` (borrowed, as its bytes are): .gopclntab, or
 * .data.rel.ro.gopclntab in PIE and cgo builds. Its function offsets count from the header's
 * textStart, or from the .text section where the header holds 0 (left to a relocation). Returns 0, -ENOENT when the file has no such section (not a Go binary, or its section
 * headers are gone), or gopclntab_open's errors.
 */
int gopclntab_open_elf(struct gopclntab *t, Elf *elf);

/*
 * Looks up address `pc` (in the binary's link-time addresses). Returns 1 and fills `out`, 0 when
 * no function of the table covers `pc`, -EINVAL when the function's entry is malformed.
 */
int gopclntab_lookup(const struct gopclntab *t, uint64_t pc, struct gopclntab_line *out);

/* What gopclntab_frame tells of a function, in gopclntab_frame.flags. */
enum {
	/* A stack begins in it (runtime.goexit, mstart, rt0_go): it has no caller to find. */
	GOPCLNTAB_TOPFRAME = 1,
	/*
	 * It writes SP in ways its pcsp table does not describe (runtime.systemstack, mcall,
	 * morestack, asmcgocall: they switch stacks): the caller cannot be found from it.
	 */
	GOPCLNTAB_SPWRITE = 2,
};

struct gopclntab_frame {
	uint64_t entry; /* the function's first address */
	/*
	 * The pcsp value at the pc: how far the SP is below where it was at the function's entry
	 * (so the return address lies at SP + sp on x86), as Go's traceback (funcspdelta) reads it.
	 */
	int32_t sp;
	uint32_t flags; /* GOPCLNTAB_TOPFRAME, GOPCLNTAB_SPWRITE */
};

/*
 * What unwinding needs at `pc`: its function's pcsp value and flags. The flags come from the
 * _func's flag byte (Go 1.17+) and, for 1.16 and older tables that have none, from the function
 * names the runtime's traceback of those versions stopped at. Returns 1 and fills `out`, 0 when
 * no function covers `pc`, -EINVAL when its entry is malformed or its pcsp table has no value
 * at `pc` (none at all, cut short, or ending before it).
 */
int gopclntab_frame(const struct gopclntab *t, uint64_t pc, struct gopclntab_frame *out);

/* The entry address of function `i` (< t->nfunc) into *pc; -EINVAL when out of the table. */
int gopclntab_func_entry(const struct gopclntab *t, uint64_t i, uint64_t *pc);

/* The Go versions whose layout `t` has, as text: "1.2-1.15", "1.16-1.17", "1.18-1.19", "1.20+". */
const char *gopclntab_version_name(const struct gopclntab *t);

#endif
