/*
 * cuindex: which compilation unit holds an address, without .debug_aranges.
 *
 * libdw 0.188 (dwarf_addrdie, and libdwfl's dwfl_module_addrdie and dwfl_module_getsrc) looks
 * CUs up only in .debug_aranges, which clang does not emit by default, nor do rustc and Go's
 * linker, and which objcopy or a build system may drop: such files get no line and no inline
 * frame from it. This index is what a debugger builds instead: one walk over the units, each
 * unit DIE's ranges (DW_AT_ranges or DW_AT_low_pc/high_pc; for a skeleton unit of split DWARF,
 * the skeleton's ranges and the split unit's DIE), sorted once and binary-searched after.
 */
#include "cuindex.h"

#include <dwarf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void
cuindex_add(struct cuindex *x, uint64_t lo, uint64_t hi, uint32_t cu)
{
	/*
	 * Empty or wrapped ranges say nothing, and a range at 0 is the tombstone linkers leave
	 * for a function they discarded (--gc-sections, COMDAT): no executable or shared
	 * object has code at address 0, its ELF header is there.
	 */
	if (hi <= lo || lo == 0)
		return;
	xgrow(&x->ranges, &x->capranges, x->nranges + 1, sizeof(*x->ranges));
	x->ranges[x->nranges].lo = lo;
	x->ranges[x->nranges].hi = hi;
	x->ranges[x->nranges].cu = cu;
	x->nranges++;
}

static int
cuindex_range_cmp(const void *a, const void *b)
{
	const struct cuindex_range *p = a, *q = b;

	if (p->lo != q->lo)
		return p->lo < q->lo ? -1 : 1;
	if (p->hi != q->hi)
		return p->hi < q->hi ? -1 : 1;
	return p->cu < q->cu ? -1 : p->cu > q->cu;
}

void
cuindex_finish(struct cuindex *x)
{
	size_t i;

	free(x->maxhi);
	x->maxhi = NULL;
	if (!x->nranges)
		return;
	qsort(x->ranges, x->nranges, sizeof(*x->ranges), cuindex_range_cmp);
	x->maxhi = xreallocarray(NULL, x->nranges, sizeof(*x->maxhi));
	for (i = 0; i < x->nranges; i++) {
		uint64_t prev = i ? x->maxhi[i - 1] : 0;
		x->maxhi[i] = x->ranges[i].hi > prev ? x->ranges[i].hi : prev;
	}
}

uint32_t
cuindex_lookup(const struct cuindex *x, uint64_t addr)
{
	size_t lo = 0, hi = x->nranges, i;

	if (!x->maxhi)
		return CUINDEX_NONE;
	/* The first range starting above addr; those before it start at or below. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->ranges[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/*
	 * Units do not overlap in sane DWARF, and then the range just below is the only one to
	 * try; maxhi bounds the walk back where they do.
	 */
	for (i = lo; i-- > 0 && x->maxhi[i] > addr;)
		if (addr < x->ranges[i].hi)
			return x->ranges[i].cu;
	return CUINDEX_NONE;
}

/* Adds the ranges of `die` for unit `cu`; returns how many it has (kept or not). */
static size_t
cuindex_die_ranges(struct cuindex *x, Dwarf_Die *die, uint32_t cu)
{
	Dwarf_Addr base, start, end;
	ptrdiff_t off = 0;
	size_t n = 0;

	while ((off = dwarf_ranges(die, off, &base, &start, &end)) > 0) {
		cuindex_add(x, start, end, cu);
		n++;
	}
	return n;
}

/* A unit DIE without ranges (some producers): the ranges of its top-level functions. */
static void
cuindex_children_ranges(struct cuindex *x, Dwarf_Die *die, uint32_t cu)
{
	Dwarf_Die child;

	if (dwarf_child(die, &child) != 0)
		return;
	do {
		if (dwarf_tag(&child) == DW_TAG_subprogram)
			cuindex_die_ranges(x, &child, cu);
	} while (dwarf_siblingof(&child, &child) == 0);
}

size_t
cuindex_build(struct cuindex *x, Dwarf *dw)
{
	Dwarf_CU *unit = NULL;
	Dwarf_Die cudie, subdie;
	Dwarf_Half version;
	uint8_t type;

	while (dwarf_get_units(dw, unit, &unit, &version, &type, &cudie, &subdie) == 0) {
		/* The DIE holding the unit's functions: a skeleton's are in its split unit. */
		bool split = type == DW_UT_skeleton && subdie.cu != NULL;
		Dwarf_Die *die = split ? &subdie : &cudie;
		uint32_t id = (uint32_t)x->ncus;
		size_t before = x->nranges;

		if (type == DW_UT_type || type == DW_UT_split_type || x->ncus >= CUINDEX_NONE)
			continue; /* type units have no code */
		if (cuindex_die_ranges(x, &cudie, id) == 0)
			cuindex_children_ranges(x, die, id);
		if (x->nranges == before)
			continue;
		xgrow(&x->cus, &x->capcus, x->ncus + 1, sizeof(*x->cus));
		x->cus[x->ncus++] = *die;
	}
	cuindex_finish(x);
	return x->nranges;
}

Dwarf_Die *
cuindex_find(struct cuindex *x, uint64_t addr)
{
	uint32_t cu = cuindex_lookup(x, addr);

	return cu == CUINDEX_NONE ? NULL : &x->cus[cu];
}

void
cuindex_free(struct cuindex *x)
{
	free(x->ranges);
	free(x->maxhi);
	free(x->cus);
	memset(x, 0, sizeof(*x));
}
