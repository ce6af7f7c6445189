/*
 * cuindex_test: the CU range index. First on ranges given by hand (bounds, gaps, empty and
 * tombstone ranges, overlapping units), then built from this test binary's own DWARF, checked
 * against .debug_aranges where the compiler wrote one (gcc does, clang does not): the start
 * and last byte of every arange must fall in the unit that arange names. And our own marker
 * function must be found in this file's unit, with its line.
 */
#include "config.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cuindex.h"
#include "tap.h"

__attribute__((noinline)) int cuindex_test_marker(int x);

enum { MARKER_LINE = __LINE__ + 2 }; /* the line of the name below; its body is 2 lines on */
__attribute__((noinline)) int
cuindex_test_marker(int x)
{
	return x * 7 + 3;
}

static void
test_by_hand(void)
{
	struct cuindex x;

	memset(&x, 0, sizeof(x));
	cuindex_finish(&x);
	TAP_EQ_U64(cuindex_lookup(&x, 0x1000), CUINDEX_NONE, "empty index: nothing found");

	/* Added out of order: cu 2 [0x3000,0x4000), cu 0 [0x1000,0x2000), cu 1 [0x2000,0x2800). */
	cuindex_add(&x, 0x3000, 0x4000, 2);
	cuindex_add(&x, 0x1000, 0x2000, 0);
	cuindex_add(&x, 0x2000, 0x2800, 1);
	cuindex_add(&x, 0x5000, 0x5000, 3); /* empty */
	cuindex_add(&x, 0x6000, 0x5000, 3); /* wrapped */
	cuindex_add(&x, 0, 0x400, 4);	    /* a discarded function's tombstone */
	TAP_EQ_U64(x.nranges, 3, "empty, wrapped and tombstone ranges are dropped");
	cuindex_finish(&x);
	TAP_EQ_U64(cuindex_lookup(&x, 0x0fff), CUINDEX_NONE, "below the first range");
	TAP_EQ_U64(cuindex_lookup(&x, 0x100), CUINDEX_NONE, "in the tombstone");
	TAP_EQ_U64(cuindex_lookup(&x, 0x1000), 0, "first byte of cu 0");
	TAP_EQ_U64(cuindex_lookup(&x, 0x1fff), 0, "last byte of cu 0");
	TAP_EQ_U64(cuindex_lookup(&x, 0x2000), 1, "adjacent cu 1 starts where cu 0 ends");
	TAP_EQ_U64(cuindex_lookup(&x, 0x27ff), 1, "last byte of cu 1");
	TAP_EQ_U64(cuindex_lookup(&x, 0x2800), CUINDEX_NONE, "in the gap after cu 1");
	TAP_EQ_U64(cuindex_lookup(&x, 0x3800), 2, "inside cu 2");
	TAP_EQ_U64(cuindex_lookup(&x, 0x4000), CUINDEX_NONE, "just past the last range");
	TAP_EQ_U64(cuindex_lookup(&x, UINT64_MAX), CUINDEX_NONE, "at the top of the space");
	cuindex_free(&x);
	TAP_EQ_U64(x.nranges, 0, "cuindex_free empties it");

	/* Overlapping units (odd DWARF): a long range must be found past a short one inside it. */
	cuindex_add(&x, 0x1000, 0x9000, 5);
	cuindex_add(&x, 0x2000, 0x3000, 6);
	cuindex_add(&x, 0x4000, 0x5000, 7);
	cuindex_finish(&x);
	TAP_EQ_U64(cuindex_lookup(&x, 0x2800), 6, "overlap: the inner range, which starts later");
	TAP_EQ_U64(cuindex_lookup(&x, 0x3800), 5, "overlap: past the inner range, the outer one");
	TAP_EQ_U64(cuindex_lookup(&x, 0x8fff), 5, "overlap: the outer range's last byte");
	TAP_EQ_U64(cuindex_lookup(&x, 0x9000), CUINDEX_NONE, "overlap: past everything");
	cuindex_free(&x);
}

static int
cuindex_test_bias(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	*(uint64_t *)arg = info->dlpi_addr;
	return 1; /* the first object is the executable */
}

/* Every .debug_aranges entry's first and last byte fall in the unit it names. */
static void
test_aranges(struct cuindex *x, Dwarf *dw)
{
	Dwarf_Aranges *ar;
	size_t n = 0, i, bad = 0, checked = 0;

	if (dwarf_getaranges(dw, &ar, &n) != 0 || n == 0) {
		tap_diag("no .debug_aranges (a clang build?): nothing to compare with");
		return;
	}
	for (i = 0; i < n; i++) {
		Dwarf_Arange *a = dwarf_onearange(ar, i);
		Dwarf_Addr start;
		Dwarf_Word len;
		Dwarf_Off cuoff;
		Dwarf_Addr probe[2];
		int k;

		if (!a || dwarf_getarangeinfo(a, &start, &len, &cuoff) != 0 || len == 0 ||
		    start == 0)
			continue;
		probe[0] = start;
		probe[1] = start + len - 1;
		for (k = 0; k < 2; k++) {
			Dwarf_Die *die = cuindex_find(x, probe[k]);
			checked++;
			if (!die || dwarf_dieoffset(die) != cuoff) {
				if (bad++ < 5)
					tap_diag("0x%llx: unit at 0x%llx, want 0x%llx",
						 (unsigned long long)probe[k],
						 die ? (unsigned long long)dwarf_dieoffset(die)
						     : 0ULL,
						 (unsigned long long)cuoff);
			}
		}
	}
	tap_ok(checked > 0 && bad == 0, "%zu aranges' bounds (%zu addresses) are in their unit", n,
	       checked);
}

static bool
ends_with(const char *s, const char *tail)
{
	size_t a = s ? strlen(s) : 0, b = strlen(tail);

	return a >= b && strcmp(s + a - b, tail) == 0;
}

static void
test_self(void)
{
	struct cuindex x;
	uint64_t bias = 0, addr;
	size_t nranges;
	Dwarf_Die *cu;
	Dwarf_Line *line;
	Dwarf *dw;
	int fd, lineno = 0;

	memset(&x, 0, sizeof(x));
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	dw = fd >= 0 ? dwarf_begin(fd, DWARF_C_READ) : NULL;
	if (!tap_ok(dw != NULL, "our own DWARF (built with -g)")) {
		if (fd >= 0)
			close(fd);
		return;
	}
	nranges = cuindex_build(&x, dw);
	tap_ok(nranges > 0 && nranges == x.nranges && x.ncus > 0,
	       "cuindex_build finds ranges (%zu units, %zu ranges)", x.ncus, nranges);
	test_aranges(&x, dw);

	dl_iterate_phdr(cuindex_test_bias, &bias);
	addr = (uint64_t)(uintptr_t)&cuindex_test_marker - bias;
	cu = cuindex_find(&x, addr);
	tap_ok(cu && ends_with(dwarf_diename(cu), "cuindex_test.c"),
	       "cuindex_test_marker (0x%llx) is in the unit of cuindex_test.c (%s)",
	       (unsigned long long)addr, cu ? dwarf_diename(cu) : "none");
	line = cu ? dwarf_getsrc_die(cu, addr) : NULL;
	if (!line || dwarf_lineno(line, &lineno) != 0)
		lineno = 0;
	tap_ok(line && ends_with(dwarf_linesrc(line, NULL, NULL), "cuindex_test.c") &&
		       lineno >= MARKER_LINE && lineno <= MARKER_LINE + 2,
	       "and its line table places it at cuindex_test.c:%d (%d-%d)", lineno, MARKER_LINE,
	       MARKER_LINE + 2);
	TAP_EQ_U64(cuindex_find(&x, 0) == NULL, 1, "address 0 is in no unit");

	cuindex_free(&x);
	dwarf_end(dw);
	close(fd);
}

int
main(void)
{
	test_by_hand();
	test_self();
	return tap_done();
}
