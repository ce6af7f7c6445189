/*
 * plt: the PLT stubs of an ELF file, named as perf and objdump name them (NAME@plt), which
 * libdwfl does not do: there is no symbol for them. Each entry is tied to its function through
 * the GOT slot it jumps through and the relocation that fills that slot (JUMP_SLOT for .plt and
 * .plt.sec, GLOB_DAT for .plt.got); the lazy half of an IBT .plt, which only pushes, through
 * the relocation index it pushes. The ELF's bytes are untrusted: every read is bounded by the
 * section's data.
 */
#include "plt.h"

#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/*
 * The name of a GOT slot: the symbol of the JUMP_SLOT (lazy or -z now PLT) or GLOB_DAT
 * (.plt.got) relocation that fills it.
 */
struct plt_slot {
	uint64_t got;
	const char *name; /* in the ELF's string table (lives as long as the file) */
};

static int
plt_slot_cmp(const void *a, const void *b)
{
	const struct plt_slot *x = a, *y = b;

	return x->got < y->got ? -1 : x->got > y->got;
}

static int
plt_entry_cmp(const void *a, const void *b)
{
	const struct plt_entry *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * The relocations of one SHT_RELA section that name GOT slots. With `jump_only`, its
 * JUMP_SLOT relocations in order (index i is the lazy PLT's entry i), else every JUMP_SLOT and
 * GLOB_DAT.
 */
static void
plt_relocs(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, bool jump_only, struct plt_slot **v,
	   size_t *n, size_t *cap)
{
	unsigned jump, glob;
	Elf_Data *data, *symdata;
	Elf_Scn *symscn;
	GElf_Shdr symsh;
	GElf_Ehdr eh;
	size_t i, nrel;

	if (!gelf_getehdr(elf, &eh))
		return;
	if (eh.e_machine == EM_X86_64) {
		jump = R_X86_64_JUMP_SLOT;
		glob = R_X86_64_GLOB_DAT;
	} else if (eh.e_machine == EM_AARCH64) {
		jump = R_AARCH64_JUMP_SLOT;
		glob = R_AARCH64_GLOB_DAT;
	} else {
		return;
	}
	symscn = elf_getscn(elf, sh->sh_link);
	if (!symscn || !gelf_getshdr(symscn, &symsh) || sh->sh_entsize == 0)
		return;
	data = elf_getdata(scn, NULL);
	symdata = elf_getdata(symscn, NULL);
	if (!data || !symdata)
		return;
	nrel = data->d_size / sh->sh_entsize;
	for (i = 0; i < nrel; i++) {
		GElf_Rela rela;
		GElf_Sym sym;
		const char *name;
		unsigned type;

		if (!gelf_getrela(data, (int)i, &rela))
			break;
		type = (unsigned)GELF_R_TYPE(rela.r_info);
		if (type != jump && (jump_only || type != glob))
			continue;
		name = NULL;
		if (gelf_getsym(symdata, (int)GELF_R_SYM(rela.r_info), &sym))
			name = elf_strptr(elf, symsh.sh_link, sym.st_name);
		xgrow(v, cap, *n + 1, sizeof(**v));
		(*v)[*n].got = rela.r_offset;
		(*v)[*n].name = name && name[0] ? name : NULL;
		(*n)++;
	}
}

static const char *
plt_slot_find(const struct plt_slot *v, size_t n, uint64_t got)
{
	struct plt_slot key = {got, NULL};
	const struct plt_slot *hit;

	if (!n)
		return NULL;
	hit = bsearch(&key, v, n, sizeof(*v), plt_slot_cmp);
	return hit ? hit->name : NULL;
}

/*
 * x86-64: the GOT slot an entry jumps through, from its `jmp *disp32(%rip)` (ff 25, after an
 * endbr64 and a bnd prefix in IBT layouts), or 0.
 */
static uint64_t
plt_x86_slot(const uint8_t *p, size_t len, uint64_t addr)
{
	size_t i;

	for (i = 0; i + 6 <= len; i++) {
		if (p[i] == 0xff && p[i + 1] == 0x25) {
			int32_t disp;

			memcpy(&disp, p + i + 2, 4);
			return addr + i + 6 + (uint64_t)(int64_t)disp;
		}
	}
	return 0;
}

/* x86-64: the relocation index a lazy entry pushes (`push imm32`, 68), or -1. */
static int64_t
plt_x86_push(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 5 <= len; i++) {
		if (p[i] == 0x68) {
			uint32_t idx;

			memcpy(&idx, p + i + 1, 4);
			return idx;
		}
		if (p[i] == 0xff && p[i + 1] == 0x25)
			i += 5; /* its displacement may hold a 0x68 byte */
	}
	return -1;
}

static uint32_t
plt_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * arm64: the GOT slot of an entry's `adrp x16, PAGE; ldr x17, [x16, #OFF]` at `p` (address
 * `addr`), or 0. PLT0 loads the resolver's slot the same way, which no relocation names.
 */
static uint64_t
plt_arm64_slot(const uint8_t *p, uint64_t addr)
{
	uint32_t adrp = plt_le32(p), ldr = plt_le32(p + 4);
	uint64_t imm;

	if ((adrp & 0x9f00001fu) != 0x90000010u || (ldr & 0xffc003ffu) != 0xf9400211u)
		return 0;
	/* immhi:immlo, a signed count of 4 KiB pages */
	imm = (uint64_t)((adrp >> 5) & 0x7ffff) << 2 | ((adrp >> 29) & 3);
	if (imm & (1u << 20))
		imm |= ~(uint64_t)0x1fffff;
	return (addr & ~(uint64_t)0xfff) + (imm << 12) + (uint64_t)((ldr >> 10) & 0xfff) * 8;
}

static void
plt_add(struct plt *t, size_t *cap, uint64_t addr, uint64_t size, const char *name)
{
	xgrow(&t->v, cap, t->n + 1, sizeof(*t->v));
	t->v[t->n].addr = addr;
	t->v[t->n].size = size;
	t->v[t->n].name = name;
	t->n++;
}

/*
 * Names the entries of one PLT section as perf and objdump do, NAME@plt: on x86-64 through the
 * GOT slot each jumps to (lazy .plt, its IBT twin .plt.sec, and .plt.got for -z now calls
 * through GLOB_DAT slots), or for the lazy half of an IBT .plt, which only pushes, through
 * the index it pushes; on arm64 through the slot its adrp + ldr load (after a `bti c` with
 * BTI PLTs).
 */
static void
plt_section(struct plt *t, Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const char *secname,
	    const struct plt_slot *slots, size_t nslots, const struct plt_slot *jumps,
	    size_t njumps, size_t *cap)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	const uint8_t *p;
	const char *name;
	uint64_t ent, off;
	GElf_Ehdr eh;

	if (!data || !data->d_buf || data->d_size != sh->sh_size || !gelf_getehdr(elf, &eh))
		return;
	p = data->d_buf;
	if (eh.e_machine == EM_AARCH64) {
		if (eh.e_ident[EI_DATA] != ELFDATA2LSB || strcmp(secname, ".plt") != 0)
			return;
		for (off = 0; off + 8 <= sh->sh_size; off += 4) {
			uint64_t got = plt_arm64_slot(p + off, sh->sh_addr + off);
			bool bti = off >= 4 && plt_le32(p + off - 4) == 0xd503245f; /* bti c */

			name = got ? plt_slot_find(slots, nslots, got) : NULL;
			if (name)
				plt_add(t, cap, sh->sh_addr + off - (bti ? 4 : 0), bti ? 20 : 16,
					name);
		}
		return;
	}
	/* Entries are 16 bytes, but 8 in a .plt.got without endbr64 (f3 0f 1e fa). */
	ent = sh->sh_entsize;
	if (ent != 8 && ent != 16) {
		static const uint8_t endbr64[4] = {0xf3, 0x0f, 0x1e, 0xfa};
		bool ibt = sh->sh_size >= 4 && memcmp(p, endbr64, 4) == 0;

		ent = strcmp(secname, ".plt.got") == 0 && !ibt ? 8 : 16;
	}
	for (off = 0; off + ent <= sh->sh_size; off += ent) {
		uint64_t addr = sh->sh_addr + off, got;
		int64_t idx;

		got = plt_x86_slot(p + off, ent, addr);
		name = got ? plt_slot_find(slots, nslots, got) : NULL;
		if (!name && !got && strcmp(secname, ".plt") == 0) {
			idx = plt_x86_push(p + off, ent);
			if (idx >= 0 && (uint64_t)idx < njumps)
				name = jumps[idx].name;
		}
		if (name)
			plt_add(t, cap, addr, ent, name);
	}
}

void
plt_load(struct plt *t, Elf *elf)
{
	struct plt_slot *slots = NULL, *jumps = NULL;
	size_t nslots = 0, capslots = 0, njumps = 0, capjumps = 0, cap = 0, shstrndx;
	Elf_Scn *scn = NULL;
	int pass;

	t->v = NULL;
	t->n = 0;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return;
	/* First the relocations, then the sections whose entries they name. */
	for (pass = 0; pass < 2; pass++) {
		scn = NULL;
		while ((scn = elf_nextscn(elf, scn)) != NULL) {
			GElf_Shdr sh;
			const char *name;

			if (!gelf_getshdr(scn, &sh))
				continue;
			name = elf_strptr(elf, shstrndx, sh.sh_name);
			if (!name)
				continue;
			if (pass == 0 && sh.sh_type == SHT_RELA) {
				plt_relocs(elf, scn, &sh, false, &slots, &nslots, &capslots);
				if (strcmp(name, ".rela.plt") == 0)
					plt_relocs(elf, scn, &sh, true, &jumps, &njumps, &capjumps);
			} else if (pass == 1 && sh.sh_type == SHT_PROGBITS &&
				   (strcmp(name, ".plt") == 0 || strcmp(name, ".plt.sec") == 0 ||
				    strcmp(name, ".plt.got") == 0)) {
				plt_section(t, elf, scn, &sh, name, slots, nslots, jumps, njumps,
					    &cap);
			}
		}
		if (pass == 0 && nslots)
			qsort(slots, nslots, sizeof(*slots), plt_slot_cmp);
	}
	free(slots);
	free(jumps);
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), plt_entry_cmp);
}

const struct plt_entry *
plt_find(const struct plt *t, uint64_t vaddr)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || vaddr - t->v[lo - 1].addr >= t->v[lo - 1].size)
		return NULL;
	return &t->v[lo - 1];
}

void
plt_free(struct plt *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}
