/*
 * symtab: dwfl_module_addrinfo's answer in O(log n + k) instead of O(symbols) per lookup.
 *
 * libdwfl (0.188's __libdwfl_addrsym) scans the whole table on every call: the global symbols,
 * then, when none of them has a size covering the address, the local ones; libLLVM has ~100k
 * symbols and a profile of clang a few thousand addresses, which made that scan most of prof's
 * time. Its choice depends on the scan order, so this keeps each symbol's index and replays
 * libdwfl's comparisons on the few symbols that can matter:
 *
 *  - sized symbols covering the address (found by walking down from the last symbol at or below
 *    it while the running maximum of value + size, kept per entry, still reaches past it), in
 *    index order, the global pass's first;
 *  - failing those, a sizeless symbol (assembly labels): libdwfl takes the last one in scan
 *    order that lies in the address's section at or above every end seen so far, and keeps it
 *    only if nothing seen ends past it, so it must sit exactly at the running maximum of
 *    value + size; a global one at the address itself ends the search before the locals.
 *
 * Eligible symbols are libdwfl's: named, defined, not STT_SECTION, STT_FILE or STT_TLS.
 */
#include "config.h"

#include "symtab.h"

#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static uint8_t
symtab_bind(const GElf_Sym *sym)
{
	switch (GELF_ST_BIND(sym->st_info)) {
	case STB_GLOBAL:
		return 3;
	case STB_WEAK:
		return 2;
	case STB_LOCAL:
		return 1;
	default:
		return 0;
	}
}

static int
symtab_cmp(const void *a, const void *b)
{
	const struct symtab_entry *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->ndx < y->ndx ? -1 : x->ndx > y->ndx;
}

int
symtab_load(struct symtab *t, Dwfl_Module *mod)
{
	GElf_Addr bias;
	GElf_Ehdr ehdr;
	Elf *elf;
	int n, first_global, i;
	size_t k;

	memset(t, 0, sizeof(*t));
	t->mod = mod;
	elf = dwfl_module_getelf(mod, &bias);
	/* ppc64 ELFv1 function descriptors: libdwfl also tries the resolved entry point. */
	if (elf && gelf_getehdr(elf, &ehdr) && ehdr.e_machine == EM_PPC64)
		return -ENOTSUP;
	n = dwfl_module_getsymtab(mod);
	first_global = n > 0 ? dwfl_module_getsymtab_first_global(mod) : -1;
	if (n <= 1 || first_global < 0)
		return 0;
	t->v = xcalloc((size_t)n, sizeof(*t->v));
	for (i = 1; i < n; i++) {
		struct symtab_entry *e = &t->v[t->n];
		GElf_Word shndx;
		GElf_Addr addr;
		GElf_Sym sym;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr, &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);

		if (!name || !name[0] || sym.st_shndx == SHN_UNDEF || type == STT_SECTION ||
		    type == STT_FILE || type == STT_TLS)
			continue;
		e->value = addr;
		e->size = sym.st_size;
		e->name = name;
		e->ndx = (uint32_t)i;
		e->bind = symtab_bind(&sym);
		/* first_global 0: only .dynsym read through the phdrs, scanned in one pass */
		e->local_pass = first_global > 0 && i < first_global;
		e->abs = shndx >= SHN_LORESERVE;
		t->n++;
	}
	qsort(t->v, t->n, sizeof(*t->v), symtab_cmp);
	for (k = 0; k < t->n; k++) {
		uint64_t end = t->v[k].value + t->v[k].size;

		t->v[k].maxend = k && t->v[k - 1].maxend > end ? t->v[k - 1].maxend : end;
	}
	return 0;
}

/* The first entry whose value is above `addr` (t->n if none). */
static size_t
symtab_upper(const struct symtab *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].value <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* libdwfl's try_sym_value on sized symbols covering the address, replayed in scan order. */
static const struct symtab_entry *
symtab_replay(const struct symtab *t, size_t *c, size_t nc)
{
	const struct symtab_entry *best;
	size_t i, j;

	/* scan order: by index (few candidates: insertion sort) */
	for (i = 1; i < nc; i++)
		for (j = i; j > 0 && t->v[c[j - 1]].ndx > t->v[c[j]].ndx; j--) {
			size_t x = c[j];

			c[j] = c[j - 1];
			c[j - 1] = x;
		}
	best = &t->v[c[0]];
	for (i = 1; i < nc; i++) {
		const struct symtab_entry *e = &t->v[c[i]];

		if (best->value < e->value || best->bind < e->bind)
			best = e;
		else if (best->value == e->value &&
			 ((best->size > e->size && best->bind <= e->bind) ||
			  (best->size >= e->size && best->bind < e->bind)))
			best = e;
	}
	return best;
}

/* libdwfl's same_section for dwfl_module_addrinfo: the sections found by address agree. */
static bool
symtab_same_section(Dwfl_Module *mod, uint64_t a, uint64_t b)
{
	Dwarf_Addr x = a, y = b, bias;

	return dwfl_module_address_section(mod, &x, &bias) ==
	       dwfl_module_address_section(mod, &y, &bias);
}

const char *
symtab_lookup(struct symtab *t, uint64_t addr, uint64_t *value)
{
	const struct symtab_entry *best = NULL;
	size_t hi = symtab_upper(t, addr), nglobal = 0, nc = 0, j;
	uint64_t min_label;
	bool locals_run, same = false, same_known = false;

	if (hi == 0)
		return NULL;
	/* Sized symbols covering addr: globals at the front of scratch, locals at the back. */
	for (j = hi; j-- > 0 && t->v[j].maxend > addr;) {
		const struct symtab_entry *e = &t->v[j];

		if (!e->size || addr - e->value >= e->size)
			continue;
		if (nc == t->capscratch) {
			t->capscratch = t->capscratch ? 2 * t->capscratch : 16;
			t->scratch = xreallocarray(t->scratch, t->capscratch, sizeof(*t->scratch));
		}
		if (!e->local_pass) {
			t->scratch[nc] = t->scratch[nglobal];
			t->scratch[nglobal++] = j;
		} else {
			t->scratch[nc] = j;
		}
		nc++;
	}
	if (nglobal) {
		best = symtab_replay(t, t->scratch, nglobal);
		goto found;
	}
	/* A global sizeless symbol exactly at addr: libdwfl does not scan the locals. */
	locals_run = true;
	for (j = hi; j-- > 0 && t->v[j].value == addr;)
		if (!t->v[j].local_pass && !t->v[j].size) {
			if (!best || t->v[j].ndx > best->ndx)
				best = &t->v[j];
			locals_run = false;
		}
	if (best)
		goto found;
	if (locals_run && nc) {
		best = symtab_replay(t, t->scratch, nc);
		goto found;
	}
	/*
	 * Only a sizeless symbol now, at the highest end of all symbols at or below addr; the last
	 * in scan order (locals after globals) that is in addr's section, or, for SHN_ABS and the
	 * like, at addr itself.
	 */
	min_label = t->v[hi - 1].maxend;
	for (j = hi; j-- > 0 && t->v[j].value >= min_label;) {
		const struct symtab_entry *e = &t->v[j];

		if (e->value != min_label || e->size)
			continue;
		if (e->abs) {
			if (e->value != addr)
				continue;
		} else {
			if (!same_known) {
				same = symtab_same_section(t->mod, addr, min_label);
				same_known = true;
			}
			if (!same)
				continue;
		}
		if (!best || e->local_pass > best->local_pass ||
		    (e->local_pass == best->local_pass && e->ndx > best->ndx))
			best = e;
	}
	if (!best)
		return NULL;
found:
	*value = best->value;
	return best->name;
}

void
symtab_free(struct symtab *t)
{
	free(t->v);
	free(t->scratch);
	memset(t, 0, sizeof(*t));
}
