/*
 * gopclntab_test: the Go line table reader on tables built here, byte by byte, in each layout
 * (Go 1.2, 1.16, 1.18 and 1.20 magics, little- and big-endian, 8- and 4-byte pointers): names,
 * files and lines at chosen pcs, then the same tables cut short at every length and with every
 * byte changed, which must give errors (or other answers), never a read outside the table (the
 * tables live in exactly-sized heap blocks, so ASan would see one). Then unwind_go_step (the x86-64
 * step from pcsp values) on one of those tables and a hand-made stack copy.
 *
 * With arguments it is the oracle half of sym_go.test instead:
 *   gopclntab_test addr2line ELF < ADDRESSES
 * symbolizes each hex address (an ELF virtual address) with symbolize_addr and prints what
 * `go tool addr2line` prints: the function name, then FILE:LINE ("?" and "?:0" when unknown),
 * the innermost line where code was inlined. `addr2line-dwarf` prints only what came from
 * DWARF ("?" for the rest).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gopclntab.h"
#include "maps.h"
#include "symbolize.h"
#include "tap.h"
#include "unwind_go.h"

/* --- building tables --- */

struct buf {
	uint8_t *p;
	size_t len, cap;
	bool be;
};

static void
buf_put(struct buf *b, uint64_t v, unsigned int size)
{
	unsigned int i;

	if (b->len + size > b->cap) {
		b->cap = (b->len + size) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	for (i = 0; i < size; i++) {
		unsigned int shift = 8 * (b->be ? size - 1 - i : i);
		b->p[b->len++] = (uint8_t)(v >> shift);
	}
}

static void
buf_set(struct buf *b, size_t at, uint64_t v, unsigned int size)
{
	size_t len = b->len;

	b->len = at;
	buf_put(b, v, size);
	b->len = len;
}

static void
buf_str(struct buf *b, const char *s)
{
	size_t i, n = strlen(s) + 1;

	for (i = 0; i < n; i++)
		buf_put(b, (uint8_t)s[i], 1);
}

static void
buf_uvarint(struct buf *b, uint32_t v)
{
	while (v >= 0x80) {
		buf_put(b, (v & 0x7f) | 0x80, 1);
		v >>= 7;
	}
	buf_put(b, v, 1);
}

/* A run of a pc-value table: `val` holds up to pc offset `end` (from the function's entry). */
struct run {
	int32_t val;
	uint32_t end;
};

/* Appends the pc-value table of `runs` (n of them); returns its offset from `base`. */
static uint32_t
buf_pcvalue(struct buf *b, size_t base, const struct run *runs, size_t n, unsigned int quantum)
{
	size_t at = b->len, i;
	int32_t prev = -1;
	uint32_t pc = 0;

	for (i = 0; i < n; i++) {
		int32_t d = runs[i].val - prev;

		buf_uvarint(b, ((uint32_t)d << 1) ^ (uint32_t)(d >> 31)); /* zig-zag */
		buf_uvarint(b, (runs[i].end - pc) / quantum);
		prev = runs[i].val;
		pc = runs[i].end;
	}
	buf_put(b, 0, 1);
	return (uint32_t)(at - base);
}

#define TEXT  0x401000u
#define NFUNC 3

/*
 * Three functions: main.alpha at TEXT (a.go, lines 10, 12, 11), main.beta at TEXT+0x40 (a.go:300
 * then b.go:5: a file change and a multi-byte varint; its line table ends 0x10 bytes before the
 * function), runtime.gamma at TEXT+0x140 (no file table, no CU: as linker-made functions have),
 * ending at TEXT+0x160. Runs count from each function's entry.
 */
static const char *const fn_names[NFUNC] = {"main.alpha", "main.beta", "runtime.gamma"};
static const uint32_t fn_entry[NFUNC + 1] = {0, 0x40, 0x140, 0x160};
static const struct run fn_files[NFUNC][2] = {{{0, 0x40}}, {{0, 0x40}, {1, 0x100}}, {{0, 0}}};
static const size_t fn_nfiles[NFUNC] = {1, 2, 0};
static const struct run fn_lines[NFUNC][3] = {
	{{10, 0x10}, {12, 0x30}, {11, 0x40}}, {{300, 0x40}, {5, 0xf0}}, {{7, 0x20}}};
static const size_t fn_nlines[NFUNC] = {3, 2, 1};
/*
 * pcsp: main.alpha pushes 0x18 bytes after 4 bytes of prologue and pops them 4 bytes before its
 * end; main.beta 8, then 0x1008 (a multi-byte varint), its table ending 0x10 bytes before the
 * function as its line table does. Flags (1.16+ layouts): beta SPWRITE, gamma TOPFRAME.
 */
static const struct run fn_sp[NFUNC][3] = {
	{{0, 0x4}, {0x18, 0x3c}, {0, 0x40}}, {{0, 0x4}, {8, 0x8}, {0x1008, 0xf0}}, {{0, 0x20}}};
static const size_t fn_nsp[NFUNC] = {3, 3, 1};
static const uint8_t fn_flag[NFUNC] = {0, GOPCLNTAB_SPWRITE, GOPCLNTAB_TOPFRAME};

struct layout {
	const char *name;
	uint32_t magic;
	bool be;
	unsigned int ptrsize, quantum;
	int version; /* 12, 116 or 118 (118 for 1.20 too: its magic tells the _func's startLine) */
};

/* Builds the table for layout `l` into an exactly-sized heap block (*len bytes). */
static uint8_t *
table_build(const struct layout *l, size_t *len)
{
	struct buf b = {NULL, 0, 0, l->be};
	unsigned int ps = l->ptrsize, fsz = l->version >= 118 ? 4 : ps, nwords;
	size_t functab, funcs[NFUNC], names[NFUNC], files[2], hdr, cu = 0, ft = 0, pct = 0;
	size_t fnt = 0, i, k;
	uint8_t *out;

	buf_put(&b, l->magic, 4);
	buf_put(&b, 0, 1);
	buf_put(&b, 0, 1);
	buf_put(&b, l->quantum, 1);
	buf_put(&b, ps, 1);
	hdr = b.len;
	nwords = l->version == 12 ? 1 : l->version == 116 ? 7 : 8;
	for (i = 0; i < nwords; i++)
		buf_put(&b, 0, ps);
	buf_set(&b, hdr, NFUNC, ps);
	if (l->version >= 116)
		buf_set(&b, hdr + ps, 2, ps); /* nfiles */
	if (l->version >= 118)
		buf_set(&b, hdr + 2 * ps, 0xdead0000, ps); /* textStart: the caller's wins */

	if (l->version >= 116) {
		/* funcnametab, cutab (one CU: a.go, b.go), filetab, pctab */
		fnt = b.len;
		buf_put(&b, 0, 1);
		for (i = 0; i < NFUNC; i++) {
			names[i] = b.len - fnt;
			buf_str(&b, fn_names[i]);
		}
		while (b.len % 4)
			buf_put(&b, 0, 1);
		cu = b.len;
		buf_put(&b, 0, 4);
		buf_put(&b, 0, 4);
		ft = b.len;
		files[0] = b.len - ft;
		buf_str(&b, "/src/a.go");
		files[1] = b.len - ft;
		buf_str(&b, "/src/b.go");
		buf_set(&b, cu, files[0], 4);
		buf_set(&b, cu + 4, files[1], 4);
		pct = b.len;
		buf_put(&b, 0, 1);
	}
	/* The 1.2 functab follows nfunc; later ones are anywhere the header says. */
	while (l->version >= 116 && b.len % 8)
		buf_put(&b, 0, 1);
	functab = b.len;
	for (i = 0; i < NFUNC; i++) {
		uint64_t e = l->version >= 118 ? fn_entry[i] : TEXT + fn_entry[i];
		buf_put(&b, e, fsz);
		buf_put(&b, 0, fsz);
	}
	buf_put(&b, l->version >= 118 ? fn_entry[NFUNC] : TEXT + fn_entry[NFUNC], fsz);
	if (l->version == 12)
		buf_put(&b, 0, 4); /* file table offset, set below */
	while (b.len % 8)
		buf_put(&b, 0, 1);
	for (i = 0; i < NFUNC; i++) {
		funcs[i] = b.len;
		buf_put(&b, l->version >= 118 ? fn_entry[i] : TEXT + fn_entry[i], fsz);
		for (k = 0; k < 8; k++)
			buf_put(&b, 0, 4);
		if (l->magic == 0xfffffff1)
			buf_put(&b, 0, 4); /* startLine */
		buf_put(&b, 0, 1);	   /* funcID */
		buf_put(&b, l->version >= 116 ? fn_flag[i] : 0, 1);
		buf_put(&b, 0, 2); /* pad, nfuncdata */
		buf_set(&b, functab + (2 * i + 1) * fsz,
			funcs[i] - (l->version >= 116 ? functab : 0), fsz);
	}
	if (l->version == 12) {
		/* names, files and pc tables all count from the table's start */
		size_t filetab;

		for (i = 0; i < NFUNC; i++) {
			names[i] = b.len;
			buf_str(&b, fn_names[i]);
		}
		files[0] = b.len;
		buf_str(&b, "/src/a.go");
		files[1] = b.len;
		buf_str(&b, "/src/b.go");
		while (b.len % 4)
			buf_put(&b, 0, 1);
		filetab = b.len;
		buf_put(&b, 3, 4); /* entry 0 is the count; files are numbered from 1 */
		buf_put(&b, files[0], 4);
		buf_put(&b, files[1], 4);
		buf_set(&b, functab + (2 * NFUNC + 1) * fsz, filetab, 4);
	}
	for (i = 0; i < NFUNC; i++) {
		size_t f = funcs[i] + fsz;
		struct run fr[2];

		buf_set(&b, f, names[i], 4);
		if (fn_nfiles[i]) {
			for (k = 0; k < fn_nfiles[i]; k++) {
				fr[k] = fn_files[i][k];
				fr[k].val += l->version == 12;
			}
			buf_set(&b, f + 4 * 4, buf_pcvalue(&b, pct, fr, fn_nfiles[i], l->quantum),
				4);
		}
		buf_set(&b, f + 5 * 4, buf_pcvalue(&b, pct, fn_lines[i], fn_nlines[i], l->quantum),
			4);
		buf_set(&b, f + 3 * 4, buf_pcvalue(&b, pct, fn_sp[i], fn_nsp[i], l->quantum), 4);
		buf_set(&b, f + 7 * 4, fn_nfiles[i] ? 0 : UINT32_MAX, 4); /* cuOffset */
	}
	if (l->version >= 116) {
		size_t w = hdr + (l->version >= 118 ? 3 : 2) * ps;

		buf_set(&b, w, fnt, ps);
		buf_set(&b, w + ps, cu, ps);
		buf_set(&b, w + 2 * ps, ft, ps);
		buf_set(&b, w + 3 * ps, pct, ps);
		buf_set(&b, w + 4 * ps, functab, ps);
	}
	out = malloc(b.len);
	if (!out)
		abort();
	memcpy(out, b.p, b.len);
	*len = b.len;
	free(b.p);
	return out;
}

static const struct layout layouts[] = {
	{"go1.18 LE 64", 0xfffffff0, false, 8, 1, 118},
	{"go1.20 LE 64", 0xfffffff1, false, 8, 1, 118},
	{"go1.20 BE 32 quantum 4", 0xfffffff1, true, 4, 4, 118},
	{"go1.16 LE 64", 0xfffffffa, false, 8, 1, 116},
	{"go1.16 BE 32", 0xfffffffa, true, 4, 4, 116},
	{"go1.2 LE 64", 0xfffffffb, false, 8, 1, 12},
	{"go1.2 BE 32 quantum 4", 0xfffffffb, true, 4, 4, 12},
};

struct want {
	uint32_t off; /* from TEXT */
	int func;     /* index, -1: no function */
	const char *file;
	uint32_t line;
};

static const struct want wants[] = {
	{0x00, 0, "/src/a.go", 10}, {0x0f, 0, "/src/a.go", 10},	 {0x10, 0, "/src/a.go", 12},
	{0x3f, 0, "/src/a.go", 11}, {0x40, 1, "/src/a.go", 300}, {0x7f, 1, "/src/a.go", 300},
	{0x80, 1, "/src/b.go", 5},  {0x12f, 1, "/src/b.go", 5},	 {0x130, 1, "/src/b.go", 0},
	{0x13f, 1, "/src/b.go", 0}, {0x140, 2, NULL, 7},	 {0x15f, 2, NULL, 7},
	{0x160, -1, NULL, 0},
};

struct want_sp {
	uint32_t off; /* from TEXT */
	int n;	      /* gopclntab_frame's answer */
	int func;
	int32_t sp;
};

static const struct want_sp wants_sp[] = {
	{0x00, 1, 0, 0},      {0x03, 1, 0, 0},	     {0x04, 1, 0, 0x18},     {0x3b, 1, 0, 0x18},
	{0x3c, 1, 0, 0},      {0x3f, 1, 0, 0},	     {0x40, 1, 1, 0},	     {0x44, 1, 1, 8},
	{0x48, 1, 1, 0x1008}, {0x12f, 1, 1, 0x1008}, {0x130, -EINVAL, 1, 0}, {0x140, 1, 2, 0},
	{0x15f, 1, 2, 0},     {0x160, 0, -1, 0},
};

static void
test_frames(const struct gopclntab *t, const struct layout *l)
{
	struct gopclntab_frame gf;
	size_t i;

	for (i = 0; i < sizeof(wants_sp) / sizeof(wants_sp[0]); i++) {
		const struct want_sp *w = &wants_sp[i];
		int n = gopclntab_frame(t, TEXT + w->off, &gf);
		uint32_t flags = w->func >= 0 && l->version >= 116 ? fn_flag[w->func] : 0;
		bool good = n == w->n;

		if (good && n == 1)
			good = gf.entry == TEXT + fn_entry[w->func] && gf.sp == w->sp &&
			       gf.flags == flags;
		if (!tap_ok(good, "%s: frame at +0x%x: %d, sp %d, flags %u", l->name, w->off, w->n,
			    (int)w->sp, flags))
			tap_diag("got %d: entry 0x%llx sp %d flags %u", n,
				 (unsigned long long)gf.entry, (int)gf.sp, gf.flags);
	}
}

static void
test_layout(const struct layout *l)
{
	struct gopclntab t;
	struct gopclntab_line gl;
	size_t len, i;
	uint8_t *tab = table_build(l, &len);
	uint64_t pc;
	int err;

	err = gopclntab_open(&t, tab, len, TEXT);
	if (!tap_ok(err == 0, "%s: opens", l->name)) {
		tap_diag("gopclntab_open: %d", err);
		free(tab);
		return;
	}
	TAP_EQ_U64(t.nfunc, NFUNC, "nfunc");
	tap_ok(gopclntab_func_entry(&t, 1, &pc) == 0 && pc == TEXT + 0x40,
	       "%s: entry of function 1", l->name);
	tap_ok(gopclntab_func_entry(&t, NFUNC, &pc) == -EINVAL, "%s: no function %d", l->name,
	       NFUNC);
	tap_ok(gopclntab_lookup(&t, TEXT - 1, &gl) == 0, "%s: below the first function", l->name);
	for (i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		const struct want *w = &wants[i];
		int n = gopclntab_lookup(&t, TEXT + w->off, &gl);
		bool good;

		if (w->func < 0)
			good = n == 0;
		else
			good = n == 1 && strcmp(gl.func, fn_names[w->func]) == 0 &&
			       gl.entry == TEXT + fn_entry[w->func] &&
			       (w->file ? gl.file && strcmp(gl.file, w->file) == 0 : !gl.file) &&
			       gl.line == w->line;
		if (!tap_ok(good, "%s: +0x%x is %s %s:%u", l->name, w->off,
			    w->func < 0 ? "nothing" : fn_names[w->func], w->file ? w->file : "-",
			    w->line))
			tap_diag("got %d: %s %s:%u", n, n == 1 ? gl.func : "-",
				 n == 1 && gl.file ? gl.file : "-", n == 1 ? gl.line : 0);
	}
	test_frames(&t, l);
	free(tab);
}

/* Every answer must point inside the table and be a string that ends there. */
static bool
sane(const struct gopclntab *t, const uint8_t *tab, size_t len, int n,
     const struct gopclntab_line *gl)
{
	const char *lo = (const char *)tab, *hi = lo + len;

	if (n != 1)
		return n == 0 || n == -EINVAL;
	(void)t;
	if (!gl->func || gl->func < lo || gl->func >= hi ||
	    !memchr(gl->func, 0, (size_t)(hi - gl->func)))
		return false;
	if (gl->file &&
	    (gl->file < lo || gl->file >= hi || !memchr(gl->file, 0, (size_t)(hi - gl->file))))
		return false;
	return true;
}

/* Opens `tab` and looks up every pc around the functions; false on a broken promise. */
static bool
probe(const uint8_t *tab, size_t len)
{
	struct gopclntab t;
	struct gopclntab_line gl;
	uint32_t off;
	int err = gopclntab_open(&t, tab, len, TEXT);

	if (err)
		return err == -EINVAL || err == -ENOEXEC;
	for (off = 0; off < 0x170; off += 3) {
		struct gopclntab_frame gf;
		int n = gopclntab_lookup(&t, TEXT - 4 + off, &gl);

		if (!sane(&t, tab, len, n, &gl))
			return false;
		n = gopclntab_frame(&t, TEXT - 4 + off, &gf);
		if (n != 1 && n != 0 && n != -EINVAL)
			return false;
		if (n == 1 && (gf.entry > TEXT - 4 + off ||
			       (gf.flags & ~(uint32_t)(GOPCLNTAB_TOPFRAME | GOPCLNTAB_SPWRITE))))
			return false;
	}
	return true;
}

static void
test_bad(const struct layout *l)
{
	size_t len, cut, i;
	uint8_t *tab = table_build(l, &len), *copy;
	bool good = true;
	unsigned int bit;
	int bad_pos = -1;

	/* Cut short at every length, each in its own exactly-sized block. */
	for (cut = 0; cut < len && good; cut++) {
		copy = malloc(cut ? cut : 1);
		memcpy(copy, tab, cut);
		good = probe(copy, cut);
		if (!good)
			bad_pos = (int)cut;
		free(copy);
	}
	if (!tap_ok(good, "%s: every truncation fails cleanly", l->name))
		tap_diag("at length %d", bad_pos);

	/* Every byte set to 0xff, then every bit flipped. */
	copy = malloc(len);
	for (i = 0; i < len && good; i++) {
		memcpy(copy, tab, len);
		copy[i] = 0xff;
		good = probe(copy, len);
		for (bit = 0; bit < 8 && good; bit++) {
			memcpy(copy, tab, len);
			copy[i] ^= (uint8_t)(1u << bit);
			good = probe(copy, len);
		}
		if (!good)
			bad_pos = (int)i;
	}
	if (!tap_ok(good, "%s: every corrupted byte fails cleanly or answers inside the table",
		    l->name))
		tap_diag("at byte %d", bad_pos);
	free(copy);
	free(tab);
}

static void
test_errors(void)
{
	const struct layout *l = &layouts[0];
	struct gopclntab t;
	struct gopclntab_line gl;
	size_t len;
	uint8_t *tab = table_build(l, &len);
	uint8_t zero[64] = {0};

	tap_ok(gopclntab_open(&t, NULL, 0, 0) == -ENOEXEC, "NULL: -ENOEXEC");
	tap_ok(gopclntab_open(&t, zero, sizeof(zero), 0) == -ENOEXEC, "zeros: -ENOEXEC");
	tap_ok(gopclntab_open(&t, tab, 15, 0) == -ENOEXEC, "15 bytes: -ENOEXEC");
	tap_ok(gopclntab_open(&t, tab, 40, 0) == -EINVAL, "header cut short: -EINVAL");

	tab[7] = 5; /* pointer size */
	tap_ok(gopclntab_open(&t, tab, len, 0) == -EINVAL, "pointer size 5: -EINVAL");
	tab[7] = 8;
	tab[6] = 3; /* quantum */
	tap_ok(gopclntab_open(&t, tab, len, 0) == -EINVAL, "quantum 3: -EINVAL");
	tab[6] = 1;
	tab[4] = 1;
	tap_ok(gopclntab_open(&t, tab, len, 0) == -EINVAL, "nonzero pad: -EINVAL");
	tab[4] = 0;

	memset(tab + 8, 0xff, 8); /* nfunc */
	tap_ok(gopclntab_open(&t, tab, len, 0) == -EINVAL, "nfunc 2^64-1: -EINVAL");
	memset(tab + 8, 0, 8);
	tap_ok(gopclntab_open(&t, tab, len, 0) == -EINVAL, "nfunc 0: -EINVAL");
	tab[8] = NFUNC;
	tap_ok(gopclntab_open(&t, tab, len, 0) == 0, "restored: opens");
	/* textStart 0 from the caller: the header's own */
	TAP_EQ_U64(t.text_start, 0xdead0000, "text start 0: the header's textStart");
	tap_ok(gopclntab_lookup(&t, 0xdead0040, &gl) == 1 && strcmp(gl.func, "main.beta") == 0,
	       "lookup against the header's textStart");
	free(tab);
}

/* Old tables have no flag byte: the names of functions that switch stacks stand in. */
static void
test_frame_names(void)
{
	struct gopclntab t;
	struct gopclntab_frame gf;
	size_t len, i;
	uint8_t *tab;
	uint8_t *name;
	uint32_t off;
	uint64_t functab;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		const struct layout *l = &layouts[i];

		if (l->be || l->ptrsize != 8)
			continue;
		tab = table_build(l, &len);
		name = memmem(tab, len, "runtime.gamma", 14);
		memcpy(name, "runtime.gogo", 13); /* asm, switches to a goroutine's stack */
		tap_ok(gopclntab_open(&t, tab, len, TEXT) == 0 &&
			       gopclntab_frame(&t, TEXT + 0x140, &gf) == 1 &&
			       gf.flags == (l->version >= 118 ? GOPCLNTAB_TOPFRAME
					    : l->version == 116
						    ? GOPCLNTAB_TOPFRAME | GOPCLNTAB_SPWRITE
						    : GOPCLNTAB_SPWRITE),
		       "%s: runtime.gogo is SPWRITE by name up to 1.16, by its flags after",
		       l->name);
		free(tab);
	}

	/* A function without a pcsp table (offset 0) has no answer. */
	tab = table_build(&layouts[0], &len);
	memcpy(&functab, tab + 8 + 7 * 8, 8); /* 1.18 LE 64: header word 7 */
	memcpy(&off, tab + functab + 4, 4);   /* function 0's _func offset */
	memset(tab + functab + off + 4 + 3 * 4, 0, 4);
	tap_ok(gopclntab_open(&t, tab, len, TEXT) == 0 &&
		       gopclntab_frame(&t, TEXT + 0x10, &gf) == -EINVAL &&
		       gopclntab_frame(&t, TEXT + 0x44, &gf) == 1 && gf.sp == 8,
	       "no pcsp table: -EINVAL (and the next function still answers)");
	free(tab);
}

/* --- unwind_go_step on these tables --- */

#define STEP_BIAS  0x10000u  /* the code is mapped this far above its link-time addresses */
#define STEP_LO	   0x7ff000u /* where the stack copy starts */
#define STEP_WORDS 16

static uint64_t step_stack[STEP_WORDS];

/* Word `i` of the copy holds `v`; the address of word i. */
static uint64_t
step_word(unsigned int i, uint64_t v)
{
	step_stack[i] = v;
	return STEP_LO + 8 * (uint64_t)i;
}

/* A frame at link-time offset `off` from TEXT (run-time address: + STEP_BIAS). */
static struct unwind_go_frame
step_frame(uint32_t off, bool exact, uint64_t sp, uint64_t fp, bool fp_ok)
{
	struct unwind_go_frame f = {TEXT + STEP_BIAS + off, sp, fp, exact, fp_ok};

	return f;
}

static enum unwind_go_step
step(const struct gopclntab *t, struct unwind_go_frame *f, uint64_t *ra)
{
	struct gopclntab_frame gf;

	if (unwind_go_lookup(t, STEP_BIAS, f->pc, &gf) != 1)
		return UNWIND_GO_STOP;
	return unwind_go_step(&gf, (const uint8_t *)step_stack, STEP_LO,
			      STEP_LO + sizeof(step_stack), f, ra);
}

static void
test_step(void)
{
	const uint64_t ra_gamma = TEXT + STEP_BIAS + 0x151, ra_beta = TEXT + STEP_BIAS + 0x45;
	struct gopclntab t;
	struct unwind_go_frame f;
	size_t len;
	uint8_t *tab = table_build(&layouts[0], &len);
	uint64_t ra = 0, fp;

	if (!tap_ok(gopclntab_open(&t, tab, len, TEXT) == 0, "step: the table opens")) {
		free(tab);
		return;
	}
	memset(step_stack, 0, sizeof(step_stack));

	/* main.alpha past its prologue (sp 0x18), rbp at its saved rbp, below the return address.
	 */
	fp = step_word(2, 0x1234);
	step_word(3, ra_gamma);
	f = step_frame(0x10, true, STEP_LO, fp, true);
	tap_ok(step(&t, &f, &ra) == UNWIND_GO_CALLER && ra == ra_gamma && f.pc == ra_gamma - 1 &&
		       f.sp == STEP_LO + 0x20 && f.fp_ok && f.fp == 0x1234 && !f.exact,
	       "step: alpha's body: return address at SP + 0x18, the saved rbp below it");
	tap_ok(step(&t, &f, &ra) == UNWIND_GO_TOP, "step: runtime.gamma is a TOPFRAME");

	/* In the prologue (sp 0x18 already, rbp not saved yet): rbp is the caller's. */
	f = step_frame(0x4, true, STEP_LO, 0x5555, true);
	tap_ok(step(&t, &f, &ra) == UNWIND_GO_CALLER && ra == ra_gamma && f.fp_ok && f.fp == 0x5555,
	       "step: alpha's prologue: rbp kept");
	/* A caller whose rbp does not point at its save slot: lost. */
	f = step_frame(0x10, false, STEP_LO, 0x5555, true);
	tap_ok(step(&t, &f, &ra) == UNWIND_GO_CALLER && ra == ra_gamma && !f.fp_ok,
	       "step: a caller's rbp elsewhere: unknown");

	/* A frameless point (sp 0): the return address at SP; into beta, which writes SP. */
	step_word(0, ra_beta);
	f = step_frame(0x3c, true, STEP_LO, 0x5555, true);
	tap_ok(step(&t, &f, &ra) == UNWIND_GO_CALLER && ra == ra_beta && f.pc == ra_beta - 1 &&
		       f.sp == STEP_LO + 8 && f.fp == 0x5555 && f.fp_ok,
	       "step: alpha's epilogue (sp 0): return address at SP, rbp kept");
	tap_ok(step(&t, &f, &ra) == UNWIND_GO_STOP, "step: no step out of main.beta (SPWRITE)");

	/* What cannot be stepped. */
	step_word(0, 0);
	f = step_frame(0x0, true, STEP_LO, 0, false);
	tap_ok(step(&t, &f, &ra) == UNWIND_GO_TOP, "step: a return address 0 ends the stack");
	f = step_frame(0x10, true, STEP_LO + sizeof(step_stack) - 0x18 + 4, 0, false);
	tap_ok(step(&t, &f, &ra) == UNWIND_GO_STOP, "step: return address past the copy");
	f = step_frame(0x10, true, UINT64_MAX - 4, 0, false);
	tap_ok(step(&t, &f, &ra) == UNWIND_GO_STOP, "step: SP + pcsp wraps");
	step_word(0, ra_beta);
	f = step_frame(0x10, true, STEP_LO - 0x18, 0, false);
	tap_ok(step(&t, &f, &ra) == UNWIND_GO_CALLER && ra == ra_beta,
	       "step: SP below the copy, return address inside it");
	f = step_frame(0x10, true, STEP_LO - 0x20, 0, false);
	tap_ok(step(&t, &f, &ra) == UNWIND_GO_STOP, "step: return address below the copy");
	{
		struct gopclntab_frame gf;

		tap_ok(unwind_go_lookup(&t, STEP_BIAS, TEXT + STEP_BIAS + 0x44, &gf) == 1 &&
			       gf.sp == 8 && gf.flags == GOPCLNTAB_SPWRITE,
		       "lookup: the table's addresses are PCs - bias");
		tap_ok(unwind_go_lookup(&t, STEP_BIAS, TEXT + STEP_BIAS + 0x160, &gf) == 0,
		       "lookup: no function");
		tap_ok(unwind_go_lookup(&t, STEP_BIAS, STEP_BIAS - 1, &gf) == -EINVAL,
		       "lookup: PC below the bias");
		free(tab);

		tab = table_build(&layouts[2], &len); /* 4-byte pointers: not x86-64 code */
		tap_ok(gopclntab_open(&t, tab, len, TEXT) == 0 &&
			       unwind_go_lookup(&t, STEP_BIAS, TEXT + STEP_BIAS + 0x10, &gf) ==
				       -EINVAL,
		       "lookup: not with a 32-bit table");
		free(tab);
	}
}

/* --- the oracle: addr2line through symbolize_addr --- */

/* The ELF's first PT_LOAD, as the mapping a process would have of it. */
static int
elf_mapping(const char *path, struct maps_mapping *m)
{
	size_t phnum, i;
	int fd, err = -ENOEXEC;
	Elf *elf;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_getphdrnum(elf, &phnum) == 0) {
		for (i = 0; i < phnum; i++) {
			GElf_Phdr ph;

			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			memset(m, 0, sizeof(*m));
			m->id = 1;
			m->start = (ph.p_vaddr - ph.p_offset) & ~(uint64_t)4095;
			m->end = m->start + (UINT64_C(1) << 40);
			m->pgoff = 0;
			m->path = (char *)path;
			err = 0;
			break;
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

static int
addr2line(const char *path, bool dwarf_only)
{
	struct symbolize *s = symbolize_create(NULL);
	struct symbolize_result *r = malloc(sizeof(*r));
	struct maps_mapping m;
	char line[256];
	int err;

	err = elf_mapping(path, &m);
	if (err || !r) {
		fprintf(stderr, "gopclntab_test: %s: %s\n", path, strerror(-err));
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		uint64_t a = strtoull(line, NULL, 16);

		if (symbolize_addr(s, &m, a, r) > 0 && (!dwarf_only || r->from_dwarf)) {
			/* The function, and the innermost line: inlined code is at its own line. */
			const struct symbolize_frame *f = &r->frames[r->n - 1], *in = &r->frames[0];
			printf("%s\n%s:%u\n", f->name, in->file ? in->file : "?", in->line);
		} else {
			printf("?\n?:0\n");
		}
	}
	free(r);
	symbolize_free(s);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc == 3 && strcmp(argv[1], "addr2line") == 0)
		return addr2line(argv[2], false);
	if (argc == 3 && strcmp(argv[1], "addr2line-dwarf") == 0)
		return addr2line(argv[2], true);
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		test_layout(&layouts[i]);
	test_errors();
	test_frame_names();
	test_step();
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		test_bad(&layouts[i]);
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
