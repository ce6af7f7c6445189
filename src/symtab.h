/*
 * symtab: a module's symbol table sorted by address, built once, for lookups in O(log n) that
 * answer exactly what dwfl_module_addrinfo answers (which reads the whole table per lookup:
 * elfutils' __libdwfl_addrsym), including .gnu_debugdata (MiniDebugInfo) symbols, which
 * dwfl_module_getsym_info numbers together with the main table's.
 */
#ifndef PROF_SYMTAB_H
#define PROF_SYMTAB_H

#include <elfutils/libdwfl.h>
#include <stddef.h>
#include <stdint.h>

struct symtab_entry {
	uint64_t value;	    /* module address (dwfl_module_getsym_info's) */
	uint64_t size;	    /* st_size */
	uint64_t maxend;    /* max(value + size) over this entry and all before it in the array */
	const char *name;   /* borrowed from the module's Elf string table */
	uint32_t ndx;	    /* dwfl symbol index: libdwfl's scan order */
	uint8_t bind;	    /* libdwfl's preference: GLOBAL 3, WEAK 2, LOCAL 1, other 0 */
	uint8_t local_pass; /* scanned in libdwfl's second pass (the local symbols) */
	uint8_t abs;	    /* section index >= SHN_LORESERVE: matches its exact address only */
};

struct symtab {
	Dwfl_Module *mod;
	struct symtab_entry *v; /* sorted by value, then ndx */
	size_t n;
	size_t *scratch; /* symtab_lookup's candidates */
	size_t capscratch;
};

/*
 * Builds `t` from `mod`'s symbols (an empty table when it has none); symtab_free. Returns
 * -ENOTSUP where libdwfl resolves function descriptors (ppc64 ELFv1), which this does not
 * model: use dwfl_module_addrinfo there.
 */
int symtab_load(struct symtab *t, Dwfl_Module *mod);

/*
 * The name dwfl_module_addrinfo(mod, addr) returns (the same pointer), or NULL; *value gets its
 * symbol's address.
 */
const char *symtab_lookup(struct symtab *t, uint64_t addr, uint64_t *value);

void symtab_free(struct symtab *t);

#endif
