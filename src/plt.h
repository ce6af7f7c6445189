/*
 * plt: a file's PLT entries (.plt, .plt.sec, .plt.got on x86-64; .plt on arm64), each with the
 * name of the function it calls, for the symbolizer to name samples in them NAME@plt.
 */
#ifndef PROF_PLT_H
#define PROF_PLT_H

#include <libelf.h>
#include <stddef.h>
#include <stdint.h>

struct plt_entry {
	uint64_t addr, size; /* [addr, addr + size) in the file's virtual addresses */
	const char *name;    /* the called function, borrowed from the ELF's string table */
};

struct plt {
	struct plt_entry *v; /* sorted by addr, not overlapping */
	size_t n;
};

/* Builds `t` from the file's sections and relocations (empty when it has none); plt_free. */
void plt_load(struct plt *t, Elf *elf);

/* The entry holding `vaddr`, or NULL. Borrowed from `t`. */
const struct plt_entry *plt_find(const struct plt *t, uint64_t vaddr);

void plt_free(struct plt *t);

#endif
