/*
 * gopclntab: the Go line table read as untrusted bytes (see gopclntab.h for the layouts).
 *
 * Every read goes through gopclntab_uint, which checks the offset against the table's length,
 * so a table cut short or full of garbage can only give wrong names or an error. Offsets are
 * kept as uint64_t and each sum is checked before use, so huge values cannot wrap around.
 *
 * A lookup is a binary search of the functab for the function whose range holds the pc, then
 * two pc-value tables of that function run from its entry: pcfile (a file number, which 1.16+
 * tables turn into a file name through the function's compilation unit in cutab) and pcln (the
 * line). A pc-value table is a sequence of (value delta, pc delta) pairs of unsigned varints,
 * the value delta zig-zag encoded, the pc delta in units of the header's pc quantum; each
 * value holds from the previous pc up to (not including) the new one, and a zero value delta
 * after the first pair ends the table. gopclntab_frame reads a third, pcsp, the same way, and
 * the _func's flag byte.
 */
#include "config.h"

#include "gopclntab.h"

#include <errno.h>
#include <gelf.h>
#include <string.h>

#define GOPCLNTAB_MAGIC12  0xfffffffbu
#define GOPCLNTAB_MAGIC116 0xfffffffau
#define GOPCLNTAB_MAGIC118 0xfffffff0u
#define GOPCLNTAB_MAGIC120 0xfffffff1u

/* Header words (each ptrsize bytes, from byte 8) of the 1.16 and 1.18+ layouts. */
enum { GOPCLNTAB_W116 = 7, GOPCLNTAB_W118 = 8 };

/* Reads the `size`-byte (4 or 8) integer at `off`; false when it is not all in the table. */
static bool
gopclntab_uint(const struct gopclntab *t, uint64_t off, unsigned int size, uint64_t *v)
{
	const uint8_t *p;
	uint64_t x = 0;
	unsigned int i;

	if (off > t->len || size > t->len - off)
		return false;
	p = t->data + off;
	for (i = 0; i < size; i++) {
		unsigned int b = t->big_endian ? i : size - 1 - i;
		x = x << 8 | p[b];
	}
	*v = x;
	return true;
}

static bool
gopclntab_u32(const struct gopclntab *t, uint64_t off, uint32_t *v)
{
	uint64_t x;

	if (!gopclntab_uint(t, off, 4, &x))
		return false;
	*v = (uint32_t)x;
	return true;
}

/* The NUL-terminated string at `base + off`, or NULL when it does not end inside the table. */
static const char *
gopclntab_string(const struct gopclntab *t, uint64_t base, uint64_t off)
{
	uint64_t at = base + off;

	if (off > UINT64_MAX - base || at >= t->len)
		return NULL;
	if (!memchr(t->data + at, '\0', t->len - at))
		return NULL;
	return (const char *)t->data + at;
}

static int
gopclntab_header(struct gopclntab *t, unsigned int nwords, uint64_t *w)
{
	unsigned int i;

	if ((uint64_t)8 + (uint64_t)nwords * t->ptrsize > t->len)
		return -EINVAL;
	for (i = 0; i < nwords; i++)
		if (!gopclntab_uint(t, 8 + (uint64_t)i * t->ptrsize, t->ptrsize, &w[i]))
			return -EINVAL;
	return 0;
}

int
gopclntab_open(struct gopclntab *t, const void *data, size_t len, uint64_t text_start)
{
	uint64_t w[GOPCLNTAB_W118], magic, fsz, need, fileoff;
	int err;

	memset(t, 0, sizeof(*t));
	t->data = data;
	t->len = len;
	if (!data || len < 16)
		return -ENOEXEC;
	gopclntab_uint(t, 0, 4, &magic);
	if (magic != GOPCLNTAB_MAGIC12 && magic != GOPCLNTAB_MAGIC116 &&
	    magic != GOPCLNTAB_MAGIC118 && magic != GOPCLNTAB_MAGIC120) {
		t->big_endian = true;
		gopclntab_uint(t, 0, 4, &magic);
	}
	switch (magic) {
	case GOPCLNTAB_MAGIC12:
		t->version = GOPCLNTAB_GO12;
		break;
	case GOPCLNTAB_MAGIC116:
		t->version = GOPCLNTAB_GO116;
		break;
	case GOPCLNTAB_MAGIC118:
		t->version = GOPCLNTAB_GO118;
		break;
	case GOPCLNTAB_MAGIC120:
		t->version = GOPCLNTAB_GO120;
		break;
	default:
		return -ENOEXEC;
	}
	/* Then two zero bytes, the pc quantum and the pointer size. */
	t->quantum = t->data[6];
	t->ptrsize = t->data[7];
	if (t->data[4] || t->data[5] || (t->quantum != 1 && t->quantum != 2 && t->quantum != 4) ||
	    (t->ptrsize != 4 && t->ptrsize != 8))
		return -EINVAL;

	switch (t->version) {
	case GOPCLNTAB_GO12:
		/* nfunc, the functab right after it, then a uint32 offset of the file table. */
		err = gopclntab_header(t, 1, w);
		if (err)
			return err;
		t->nfunc = w[0];
		t->functab = 8 + (uint64_t)t->ptrsize;
		t->funcdata = t->funcnametab = t->pctab = 0;
		break;
	case GOPCLNTAB_GO116:
		err = gopclntab_header(t, GOPCLNTAB_W116, w);
		if (err)
			return err;
		t->nfunc = w[0];
		t->funcnametab = w[2];
		t->cutab = w[3];
		t->filetab = w[4];
		t->pctab = w[5];
		t->funcdata = t->functab = w[6];
		break;
	default:
		err = gopclntab_header(t, GOPCLNTAB_W118, w);
		if (err)
			return err;
		t->nfunc = w[0];
		t->text_start = text_start ? text_start : w[2];
		t->funcnametab = w[3];
		t->cutab = w[4];
		t->filetab = w[5];
		t->pctab = w[6];
		t->funcdata = t->functab = w[7];
		break;
	}
	if (t->funcnametab > len || t->cutab > len || t->filetab > len || t->pctab > len ||
	    t->functab > len)
		return -EINVAL;

	/* The functab: nfunc pairs and the end pc, all inside the table. */
	fsz = t->version >= GOPCLNTAB_GO118 ? 4 : t->ptrsize;
	if (t->nfunc == 0 || t->nfunc > (len - t->functab) / fsz / 2)
		return -EINVAL;
	need = (2 * t->nfunc + 1) * fsz;
	if (need > len - t->functab)
		return -EINVAL;

	if (t->version == GOPCLNTAB_GO12) {
		uint32_t off, n;

		if (!gopclntab_u32(t, t->functab + need, &off) || !gopclntab_u32(t, off, &n))
			return -EINVAL;
		fileoff = off;
		if (n > (len - fileoff) / 4)
			return -EINVAL;
		t->filetab = fileoff;
		t->nfiletab = n;
	}
	return 0;
}

const char *
gopclntab_version_name(const struct gopclntab *t)
{
	switch (t->version) {
	case GOPCLNTAB_GO12:
		return "1.2-1.15";
	case GOPCLNTAB_GO116:
		return "1.16-1.17";
	case GOPCLNTAB_GO118:
		return "1.18-1.19";
	case GOPCLNTAB_GO120:
		return "1.20+";
	}
	return "?";
}

static unsigned int
gopclntab_fieldsize(const struct gopclntab *t)
{
	return t->version >= GOPCLNTAB_GO118 ? 4 : t->ptrsize;
}

/* Field `k` of functab pair `i` (0 entry, 1 _func offset); the end pc is pair nfunc's entry. */
static bool
gopclntab_ft(const struct gopclntab *t, uint64_t i, unsigned int k, uint64_t *v)
{
	unsigned int fsz = gopclntab_fieldsize(t);

	/* i <= nfunc, which open checked to fit: no overflow. */
	return gopclntab_uint(t, t->functab + (2 * i + k) * fsz, fsz, v);
}

static bool
gopclntab_ft_pc(const struct gopclntab *t, uint64_t i, uint64_t *pc)
{
	uint64_t v;

	if (!gopclntab_ft(t, i, 0, &v))
		return false;
	*pc = t->version >= GOPCLNTAB_GO118 ? t->text_start + v : v;
	return true;
}

int
gopclntab_func_entry(const struct gopclntab *t, uint64_t i, uint64_t *pc)
{
	if (i >= t->nfunc || !gopclntab_ft_pc(t, i, pc))
		return -EINVAL;
	return 0;
}

/* An unsigned varint at *pos (at most 5 bytes for 32 bits); advances *pos. */
static bool
gopclntab_varint(const struct gopclntab *t, uint64_t *pos, uint32_t *v)
{
	uint32_t x = 0;
	unsigned int shift;

	for (shift = 0; shift < 35; shift += 7) {
		uint8_t b;

		if (*pos >= t->len)
			return false;
		b = t->data[(*pos)++];
		x |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

/*
 * The value of pc-value table `off` (from pctab) of the function at `entry`, at `pc`. Returns
 * true with *val, false when the table has no value there or is malformed. Each step reads at
 * least two bytes, so the walk ends within the table's length.
 */
static bool
gopclntab_pcvalue(const struct gopclntab *t, uint32_t off, uint64_t entry, uint64_t pc,
		  int32_t *val)
{
	uint64_t pos = t->pctab + off, cur = entry;
	uint32_t v = (uint32_t)-1; /* int32 arithmetic, wrapping as Go's does */
	bool first = true;

	if (off == 0)
		return false;
	for (;;) {
		uint32_t uv, pcd;

		if (!gopclntab_varint(t, &pos, &uv))
			return false;
		if (uv == 0 && !first)
			return false;
		first = false;
		/* zig-zag: 0, -1, 1, -2, ... */
		v += (uv & 1) ? ~(uv >> 1) : (uv >> 1);
		if (!gopclntab_varint(t, &pos, &pcd))
			return false;
		cur += (uint64_t)pcd * t->quantum;
		if (pc < cur) {
			memcpy(val, &v, sizeof(*val));
			return true;
		}
	}
}

/* The file of number `fno` in the function's CU (1.16+) or the file table (1.2), or NULL. */
static const char *
gopclntab_file(const struct gopclntab *t, uint64_t func, int32_t fno)
{
	uint32_t cu, nameoff;
	uint64_t idx;

	if (t->version == GOPCLNTAB_GO12) {
		if (fno <= 0 || (uint64_t)fno >= t->nfiletab ||
		    !gopclntab_u32(t, t->filetab + 4 * (uint64_t)fno, &nameoff))
			return NULL;
		return gopclntab_string(t, 0, nameoff);
	}
	/* _func.cuOffset, the 9th field; ~0 for functions without a CU (linker-made) */
	if (fno < 0 || !gopclntab_u32(t, func + gopclntab_fieldsize(t) + 7 * 4, &cu) ||
	    cu == UINT32_MAX)
		return NULL;
	idx = (uint64_t)cu + (uint64_t)fno;
	if (!gopclntab_u32(t, t->cutab + 4 * idx, &nameoff) || nameoff == UINT32_MAX)
		return NULL;
	return gopclntab_string(t, t->filetab, nameoff);
}

/*
 * The function that covers `pc`: its entry and the offset of its _func in the table. Returns 1,
 * 0 when no function covers `pc`, -EINVAL when the functab or the _func is malformed.
 */
static int
gopclntab_func(const struct gopclntab *t, uint64_t pc, uint64_t *entry, uint64_t *func)
{
	uint64_t lo = 0, hi, first, end, off, fentry;

	if (!t->data || !t->nfunc)
		return -EINVAL;
	if (!gopclntab_ft_pc(t, 0, &first) || !gopclntab_ft_pc(t, t->nfunc, &end))
		return -EINVAL;
	if (pc < first || pc >= end)
		return 0;
	/* The last function whose entry is at or below pc. */
	hi = t->nfunc;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2, mpc;

		if (!gopclntab_ft_pc(t, mid, &mpc))
			return -EINVAL;
		if (mpc <= pc)
			lo = mid;
		else
			hi = mid;
	}
	if (!gopclntab_ft_pc(t, lo, entry) || !gopclntab_ft(t, lo, 1, &off))
		return -EINVAL;
	if (off > t->len - t->funcdata)
		return -EINVAL;
	*func = t->funcdata + off;

	/* The _func: its entry (a pointer before 1.18, a uint32 offset since), then uint32s. */
	if (!gopclntab_uint(t, *func, gopclntab_fieldsize(t), &fentry))
		return -EINVAL;
	if (t->version >= GOPCLNTAB_GO118)
		fentry += t->text_start;
	if (fentry != *entry || *entry > pc)
		return -EINVAL;
	return 1;
}

int
gopclntab_lookup(const struct gopclntab *t, uint64_t pc, struct gopclntab_line *out)
{
	uint64_t entry, func;
	uint32_t nameoff, pcfile, pcln;
	int32_t fno, line;
	unsigned int esz;
	int n;

	memset(out, 0, sizeof(*out));
	n = gopclntab_func(t, pc, &entry, &func);
	if (n <= 0)
		return n;
	esz = gopclntab_fieldsize(t);
	if (!gopclntab_u32(t, func + esz, &nameoff) ||
	    !gopclntab_u32(t, func + esz + 4 * 4, &pcfile) ||
	    !gopclntab_u32(t, func + esz + 5 * 4, &pcln))
		return -EINVAL;
	out->func = gopclntab_string(t, t->funcnametab, nameoff);
	if (!out->func || nameoff > INT32_MAX)
		return -EINVAL;
	out->entry = entry;
	if (gopclntab_pcvalue(t, pcfile, entry, pc, &fno))
		out->file = gopclntab_file(t, func, fno);
	if (gopclntab_pcvalue(t, pcln, entry, pc, &line) && line > 0)
		out->line = (uint32_t)line;
	return 1;
}

/*
 * Functions that begin a stack or switch stacks, by name, for the tables that have no flags
 * byte in their _func (Go 1.16 and before), as the Go runtime's traceback of those versions
 * knew them (by funcID).
 */
static const char *const gopclntab_top_names[] = {
	"runtime.goexit",
	"runtime.mstart",
	"runtime.rt0_go",
};
static const char *const gopclntab_spwrite_names[] = {
	"runtime.mcall",      "runtime.morestack",   "runtime.systemstack",
	"runtime.asmcgocall", "runtime.cgocallback", "runtime.cgocallback_gofunc",
	"runtime.gogo",
};

static bool
gopclntab_named(const char *name, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* _func.flag (Go 1.17+; Go 1.16 has a pad byte there, 0) */
#define GOPCLNTAB_FLAG_TOPFRAME 1
#define GOPCLNTAB_FLAG_SPWRITE	2

int
gopclntab_frame(const struct gopclntab *t, uint64_t pc, struct gopclntab_frame *out)
{
	uint64_t entry, func, flag;
	uint32_t nameoff, pcsp;
	unsigned int esz;
	const char *name;
	int n;

	memset(out, 0, sizeof(*out));
	n = gopclntab_func(t, pc, &entry, &func);
	if (n <= 0)
		return n;
	esz = gopclntab_fieldsize(t);
	if (!gopclntab_u32(t, func + esz, &nameoff) || !gopclntab_u32(t, func + esz + 3 * 4, &pcsp))
		return -EINVAL;
	/* No table (offset 0) is no answer, as for Go's funcspdelta. */
	if (!gopclntab_pcvalue(t, pcsp, entry, pc, &out->sp))
		return -EINVAL;
	out->entry = entry;
	if (t->version >= GOPCLNTAB_GO116) {
		/* After cuOffset: funcID then flag; 1.20 put startLine (4 bytes) before them. */
		uint64_t at = func + esz + (t->version >= GOPCLNTAB_GO120 ? 9 : 8) * 4 + 1;

		if (!gopclntab_uint(t, at, 1, &flag))
			return -EINVAL;
		if (flag & GOPCLNTAB_FLAG_TOPFRAME)
			out->flags |= GOPCLNTAB_TOPFRAME;
		if (flag & GOPCLNTAB_FLAG_SPWRITE)
			out->flags |= GOPCLNTAB_SPWRITE;
	}
	if (t->version <= GOPCLNTAB_GO116) {
		name = gopclntab_string(t, t->funcnametab, nameoff);
		if (!name)
			return -EINVAL;
		if (gopclntab_named(name, gopclntab_top_names,
				    sizeof(gopclntab_top_names) / sizeof(*gopclntab_top_names)))
			out->flags |= GOPCLNTAB_TOPFRAME;
		if (gopclntab_named(name, gopclntab_spwrite_names,
				    sizeof(gopclntab_spwrite_names) /
					    sizeof(*gopclntab_spwrite_names)))
			out->flags |= GOPCLNTAB_SPWRITE;
	}
	return 1;
}

int
gopclntab_open_elf(struct gopclntab *t, Elf *elf)
{
	Elf_Scn *scn = NULL, *tab = NULL;
	uint64_t text = 0;
	size_t shstrndx;
	Elf_Data *d;
	int err;

	memset(t, 0, sizeof(*t));
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return -ENOENT;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (strcmp(name, ".text") == 0)
			text = sh.sh_addr;
		else if (sh.sh_type == SHT_PROGBITS &&
			 (strcmp(name, ".gopclntab") == 0 ||
			  strcmp(name, ".data.rel.ro.gopclntab") == 0))
			tab = scn;
	}
	if (!tab || !(d = elf_getdata(tab, NULL)) || !d->d_buf)
		return -ENOENT;
	/*
	 * The header's textStart is runtime.text, where Go's code begins: the start of .text when
	 * Go linked the file, but after the C runtime's code when an external linker did (cgo).
	 * Files that leave it to a dynamic relocation hold 0 there: then .text.
	 */
	err = gopclntab_open(t, d->d_buf, d->d_size, 0);
	if (err == 0 && t->version >= GOPCLNTAB_GO118 && t->text_start == 0)
		err = gopclntab_open(t, d->d_buf, d->d_size, text);
	return err;
}
