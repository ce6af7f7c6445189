/*
 * cuindex: DWARF address -> compilation unit, from the units' own address ranges, for files
 * whose .debug_aranges is missing or incomplete (libdw 0.188 finds a CU only through it).
 */
#ifndef PROF_CUINDEX_H
#define PROF_CUINDEX_H

#include <elfutils/libdw.h>
#include <stddef.h>
#include <stdint.h>

#define CUINDEX_NONE UINT32_MAX

struct cuindex_range {
	uint64_t lo, hi; /* [lo, hi) in DWARF addresses (module address - bias) */
	uint32_t cu;	 /* index into cus */
};

struct cuindex {
	struct cuindex_range *ranges; /* sorted by lo once finished */
	uint64_t *maxhi;	      /* maxhi[i]: the highest hi of ranges[0..i] (overlaps) */
	size_t nranges, capranges;
	Dwarf_Die *cus; /* the units' DIEs (the split unit's for a skeleton), borrowed from dw */
	size_t ncus, capcus;
};

/*
 * Indexes every unit of `dw` (zeroed `x`): the ranges of its DIE (DW_AT_ranges, or
 * DW_AT_low_pc/high_pc), or of its subprograms where the unit DIE has none. Returns the number
 * of ranges. `x` borrows from `dw`, which must outlive it; cuindex_free.
 */
size_t cuindex_build(struct cuindex *x, Dwarf *dw);

/* The unit DIE whose ranges hold DWARF address `addr`, or NULL. Borrowed from `x`. */
Dwarf_Die *cuindex_find(struct cuindex *x, uint64_t addr);

/* The parts cuindex_build is made of, for the unit tests: add ranges, then sort them once. */
void cuindex_add(struct cuindex *x, uint64_t lo, uint64_t hi, uint32_t cu);
void cuindex_finish(struct cuindex *x);
/* The unit (an index into cus) whose ranges hold `addr`, or CUINDEX_NONE. */
uint32_t cuindex_lookup(const struct cuindex *x, uint64_t addr);

void cuindex_free(struct cuindex *x);

#endif
