/*
 * symbolize_test: symbolizes addresses of this very binary (built -O1 -g, see Makefile.am), of
 * libc and of the kernel, read through maps_load_proc of our own process. The functions below
 * record the source lines the test expects, so nothing here depends on line numbers staying put.
 */
#include "config.h"

#include <errno.h>
#include <link.h>
#include <sys/auxv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maps.h"
#include "symbolize.h"
#include "tap.h"

static volatile int sink;
static int leaf_call_line, outer_call_line;

static const int plain_decl_line = __LINE__ + 2;
__attribute__((noinline, noclone)) static int
symtest_plain(int x)
{
	return x * 2 + sink;
}

/* Returns its return address, which lies inside whatever called it. */
__attribute__((noinline, noclone)) static void *
symtest_leaf(int *where, int line)
{
	*where = line;
	return __builtin_return_address(0);
}

static const int inlined_decl_line = __LINE__ + 2;
static inline __attribute__((always_inline)) void *
symtest_inlined(int x, int call_line)
{
	void *ra;

	outer_call_line = call_line;
	sink += x;
	ra = symtest_leaf(&leaf_call_line, __LINE__);
	sink += x * 3;
	return ra;
}

__attribute__((noinline, noclone)) static void *
symtest_outer(int x)
{
	void *ra;

	sink++;
	ra = symtest_inlined(x, __LINE__);
	sink--;
	return ra;
}

/* Two levels of inlining: symtest_deep <- symtest_mid <- symtest_inlined <- symtest_leaf. */
static int mid_call_line, deep_call_line;

static inline __attribute__((always_inline)) void *
symtest_mid(int x, int call_line)
{
	deep_call_line = call_line;
	return symtest_inlined(x + 1, __LINE__);
}

__attribute__((noinline, noclone)) static void *
symtest_deep(int x)
{
	void *ra;

	sink++;
	ra = symtest_mid(x, __LINE__);
	sink--;
	return ra;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n, m;

	if (!s)
		return 0;
	n = strlen(s);
	m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static uint64_t
addr_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void
test_plain(struct symbolize *s, struct maps *m)
{
	uint64_t addr = addr_of((const void *)&symtest_plain);
	const struct maps_mapping *mm = maps_find(m, getpid(), addr);
	struct symbolize_result r;
	struct maps_mapping moved;
	int n;

	if (!tap_ok(mm != NULL, "plain: our text is mapped"))
		return;
	n = symbolize_addr(s, mm, addr, &r);
	TAP_EQ_U64(n, 1, "plain: one frame");
	TAP_EQ_U64(r.n, n, "plain: out->n matches the return value");
	TAP_EQ_STR(r.frames[0].name, "symtest_plain", "plain: name");
	TAP_EQ_STR(r.frames[0].system_name, "symtest_plain", "plain: system name");
	tap_ok(ends_with(r.frames[0].file, "symbolize_test.c"), "plain: file %s",
	       r.frames[0].file ? r.frames[0].file : "(null)");
	tap_ok(r.frames[0].line > 0, "plain: line %u", r.frames[0].line);
	TAP_EQ_U64(r.frames[0].start_line, plain_decl_line, "plain: start line");
	tap_ok(r.from_dwarf, "plain: from DWARF");

	/*
	 * The same file mapped elsewhere (another process, another ASLR slide): only the mapping
	 * matters, not where this process happens to have it.
	 */
	moved = *mm;
	moved.start += 0x100000000ULL;
	moved.end += 0x100000000ULL;
	mm = maps_add(m, 424242, &moved);
	n = symbolize_addr(s, mm, addr + 0x100000000ULL, &r);
	tap_ok(n == 1 && r.frames[0].name && strcmp(r.frames[0].name, "symtest_plain") == 0,
	       "plain: found through a mapping at another address");
	TAP_EQ_U64(symbolize_stats(s)->files, 1, "plain: the file was opened once");

	n = symbolize_addr(s, mm, mm->end, &r);
	TAP_EQ_U64(n, 0, "plain: an address outside the mapping has no symbol");
}

static void
test_inline(struct symbolize *s, struct maps *m)
{
	uint64_t addr = addr_of(symtest_outer(3)) - 1; /* the call instruction, not the next one */
	const struct maps_mapping *mm = maps_find(m, getpid(), addr);
	struct symbolize_result r;
	int n;

	if (!tap_ok(mm != NULL, "inline: return address is mapped"))
		return;
	n = symbolize_addr(s, mm, addr, &r);
	TAP_EQ_U64(n, 2, "inline: two frames");
	if (n < 2)
		return;
	TAP_EQ_STR(r.frames[0].name, "symtest_inlined",
		   "inline: innermost is the inlined function");
	TAP_EQ_U64(r.frames[0].line, leaf_call_line, "inline: innermost line is the leaf call");
	TAP_EQ_U64(r.frames[0].start_line, inlined_decl_line, "inline: inlined start line");
	tap_ok(ends_with(r.frames[0].file, "symbolize_test.c"), "inline: inlined file");
	TAP_EQ_STR(r.frames[n - 1].name, "symtest_outer", "inline: outermost is the real function");
	TAP_EQ_U64(r.frames[n - 1].line, outer_call_line, "inline: outer line is the call site");
	tap_ok(ends_with(r.frames[n - 1].file, "symbolize_test.c"), "inline: outer file");
	tap_ok(r.frames[n - 1].start_line > 0 &&
		       r.frames[n - 1].start_line < (uint32_t)outer_call_line,
	       "inline: outer start line %u before the call", r.frames[n - 1].start_line);
}

static void
test_inline_deep(struct symbolize *s, struct maps *m)
{
	uint64_t addr = addr_of(symtest_deep(5)) - 1;
	const struct maps_mapping *mm = maps_find(m, getpid(), addr);
	struct symbolize_result r;
	int n;

	mid_call_line = outer_call_line; /* symtest_mid called symtest_inlined from here */
	n = mm ? symbolize_addr(s, mm, addr, &r) : -1;
	TAP_EQ_U64(n, 3, "deep inline: three frames");
	if (n != 3)
		return;
	TAP_EQ_STR(r.frames[0].name, "symtest_inlined", "deep inline: innermost");
	TAP_EQ_U64(r.frames[0].line, leaf_call_line, "deep inline: innermost line");
	TAP_EQ_STR(r.frames[1].name, "symtest_mid", "deep inline: middle");
	TAP_EQ_U64(r.frames[1].line, mid_call_line, "deep inline: middle line is its call site");
	TAP_EQ_STR(r.frames[2].name, "symtest_deep", "deep inline: real function");
	TAP_EQ_U64(r.frames[2].line, deep_call_line, "deep inline: outer line is its call site");
}

static void
test_libc(struct symbolize *s, struct maps *m)
{
	uint64_t addr = addr_of((const void *)&getpid);
	const struct maps_mapping *mm = maps_find(m, getpid(), addr);
	struct symbolize_result r;
	int n;

	if (!tap_ok(mm != NULL, "libc: getpid is mapped"))
		return;
	tap_diag("getpid lives in %s", mm->path);
	n = symbolize_addr(s, mm, addr, &r);
	tap_ok(n >= 1 && r.frames[n - 1].name && strstr(r.frames[n - 1].name, "getpid"),
	       "libc: named %s", n >= 1 && r.frames[n - 1].name ? r.frames[n - 1].name : "(none)");
}

/* Our own build-id, read from the note in memory rather than through libelf. */
static int
self_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
	char *hex = arg;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const void *)p;
			const unsigned char *desc;
			size_t namesz = (nh->n_namesz + 3) & ~3u, j;

			desc = (const unsigned char *)p + sizeof(*nh) + namesz;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(p + sizeof(*nh), "GNU", 4) == 0) {
				for (j = 0; j < nh->n_descsz && j < 32; j++)
					sprintf(hex + 2 * j, "%02x", desc[j]);
				return 1;
			}
			p = (const char *)desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 1; /* the first object is the executable: stop either way */
}

static void
test_build_id(struct symbolize *s, struct maps *m)
{
	const struct maps_mapping *mm =
		maps_find(m, getpid(), addr_of((const void *)&symtest_plain));
	char hex[80] = "", want[80] = "";
	struct maps_mapping t;
	int n;

	dl_iterate_phdr(self_build_id, want);
	n = mm ? symbolize_build_id(s, mm, hex, sizeof(hex)) : -1;
	TAP_EQ_U64(n, 20, "build id: 20 bytes");
	TAP_EQ_U64(strlen(hex), 40, "build id: 40 hex digits");
	TAP_EQ_STR(hex, want, "build id: matches the note in memory");
	n = mm ? symbolize_build_id(s, mm, hex, 40) : -1;
	TAP_EQ_U64(n, -ENOSPC, "build id: short buffer refused");

	memset(&t, 0, sizeof(t));
	t.start = 0x1000;
	t.end = 0x2000;
	t.path = (char *)"/nonexistent/prof/libgone.so";
	memcpy(t.build_id, "\x01\x23\xab\xcd", 4);
	t.build_id_size = 4;
	n = symbolize_build_id(s, &t, hex, sizeof(hex));
	tap_ok(n == 4 && strcmp(hex, "0123abcd") == 0, "build id: taken from the mapping if known");
	t.build_id_size = 0;
	TAP_EQ_U64(symbolize_build_id(s, &t, hex, sizeof(hex)), -ENOENT,
		   "build id: missing file is -ENOENT");
	t.path = (char *)"[vdso]";
	n = symbolize_build_id(s, &t, hex, sizeof(hex));
	tap_ok(n == 20 && strlen(hex) == 40, "build id: the vdso's, from our own image");
}

/* Looks a symbol up in the vdso's dynamic symbol table (an oracle independent of libdw). */
static void *
vdso_symbol(uint64_t base, const char *want)
{
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
	const ElfW(Shdr) *sh = (const ElfW(Shdr) *)(base + eh->e_shoff);
	int i;

	for (i = 0; i < eh->e_shnum; i++) {
		const ElfW(Sym) *sym;
		const char *str;
		size_t k, n;

		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		sym = (const ElfW(Sym) *)(base + sh[i].sh_offset);
		str = (const char *)(base + sh[sh[i].sh_link].sh_offset);
		n = sh[i].sh_size / sizeof(*sym);
		for (k = 0; k < n; k++)
			if (sym[k].st_value && strcmp(str + sym[k].st_name, want) == 0)
				return (void *)(base + sym[k].st_value);
	}
	return NULL;
}

/* The address of the first global text symbol in /proc/kallsyms, and every text name there. */
static unsigned long long
kallsyms_first(char *names, size_t size)
{
	unsigned long long addr, want = 0;
	char line[512], name[256], type;
	int pass;

	snprintf(names, size, " ");
	for (pass = 0; pass < 2; pass++) {
		FILE *f = fopen("/proc/kallsyms", "r");

		if (!f)
			return 0;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
				continue;
			if (pass == 0 && type == 'T') {
				want = addr;
				break;
			}
			if (pass == 1 && addr == want && strchr("tTwW", type) &&
			    strlen(names) + strlen(name) + 2 < size) {
				strcat(names, name);
				strcat(names, " ");
			}
		}
		fclose(f);
	}
	return want;
}

/* A module's function is named "func [module]", its system name plain "func". */
static void
test_kernel_module(struct symbolize *s, const struct maps_mapping *k)
{
	char line[512], sym[256], mod[256], want[600];
	unsigned long long addr = 0, a;
	struct symbolize_result r;
	char type;
	FILE *fp = fopen("/proc/kallsyms", "re");
	int n;

	while (fp && fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%llx %c %255s [%255[^]]]", &a, &type, sym, mod) == 4 &&
		    (type == 't' || type == 'T') && a) {
			addr = a;
			break;
		}
	}
	if (fp)
		fclose(fp);
	if (!addr) {
		tap_diag("no module text symbols in /proc/kallsyms");
		return;
	}
	n = symbolize_addr(s, k, addr, &r);
	snprintf(want, sizeof(want), "%s [%s]", sym, mod);
	/* Another name at the same address may be listed first: then only the form is checked. */
	if (n == 1 && strcmp(r.frames[0].system_name, sym) != 0) {
		snprintf(want, sizeof(want), "%s [%s]", r.frames[0].system_name, mod);
	}
	TAP_EQ_STR(n == 1 ? r.frames[0].name : NULL, want, "kernel: a module's function");
}

static void
test_kernel(struct symbolize *s, struct maps *m)
{
	const struct maps_mapping *k = maps_kernel(m);
	char names[4096], name[300];
	struct symbolize_result r;
	unsigned long long want;
	int n;

	if (access("/proc/kallsyms", R_OK) != 0) {
		tap_diag("no /proc/kallsyms: %s", strerror(errno));
		return;
	}
	want = kallsyms_first(names, sizeof(names));
	if (want == 0) {
		n = symbolize_addr(s, k, 0xffffffff81000000ULL, &r);
		TAP_EQ_U64(n, 0, "kernel: hidden addresses give no symbol");
		tap_ok(symbolize_stats(s)->kallsyms_hidden, "kernel: hidden addresses are noted");
		tap_diag("kallsyms addresses are hidden (kptr_restrict or no CAP_SYSLOG)");
		return;
	}
	n = symbolize_addr(s, k, want + 1, &r);
	TAP_EQ_U64(n, 1, "kernel: one frame");
	snprintf(name, sizeof(name), " %s ", n == 1 && r.frames[0].name ? r.frames[0].name : "?");
	tap_ok(strstr(names, name) != NULL, "kernel: %#llx+1 is%sone of%s", want, name, names);
	tap_ok(n == 1 && r.frames[0].file == NULL && r.frames[0].line == 0,
	       "kernel: no file or line");
	tap_ok(!symbolize_stats(s)->kallsyms_hidden, "kernel: addresses visible");
	n = symbolize_addr(s, k, k->start, &r);
	tap_ok(n == 0 || want <= k->start, "kernel: nothing below the first symbol");
	test_kernel_module(s, k);
}

static void
test_failures(struct symbolize *s)
{
	struct maps_mapping t;
	struct symbolize_result r;
	uint64_t failed = symbolize_stats(s)->files_failed;
	char path[4096];
	const char *dir = getenv("TESTDATA");

	memset(&t, 0, sizeof(t));
	t.start = 0x10000;
	t.end = 0x20000;
	t.path = (char *)"/nonexistent/prof/libnothing.so";
	TAP_EQ_U64(symbolize_addr(s, &t, 0x10100, &r), -ENOENT, "missing file: -ENOENT");
	TAP_EQ_U64(r.n, 0, "missing file: no frames");
	TAP_EQ_U64(symbolize_addr(s, &t, 0x10200, &r), -ENOENT, "missing file: -ENOENT again");
	TAP_EQ_U64(symbolize_stats(s)->files_failed, failed + 1, "missing file: tried once");

	{
		/* The vdso is symbolized from our own image (same kernel, same ABI). */
		uint64_t base = getauxval(AT_SYSINFO_EHDR);
		void *fn = base ? vdso_symbol(base, "__vdso_clock_gettime") : NULL;
		int n;

		memset(&t, 0, sizeof(t));
		t.path = (char *)"[vdso]";
		t.start = base;
		t.end = base + 0x2000;
		t.id = 9999;
		if (fn) {
			n = symbolize_addr(s, &t, (uint64_t)fn, &r);
			tap_ok(n >= 1 && strstr(r.frames[0].name, "clock_gettime"),
			       "[vdso]: __vdso_clock_gettime is named (%s)",
			       n >= 1 ? r.frames[0].name : "none");
		} else {
			tap_ok(1, "# SKIP no vdso symbol table here");
		}
		t.start = 0x10000;
		t.end = 0x20000;
		t.id = 0;
	}
	t.path = (char *)"//anon";
	TAP_EQ_U64(symbolize_addr(s, &t, 0x10100, &r), 0, "//anon: no symbol");
	t.path = (char *)"[heap]";
	TAP_EQ_U64(symbolize_addr(s, &t, 0x10100, &r), 0, "[heap]: no symbol");

	/* A file that is not ELF at all. */
	if (dir && *dir)
		snprintf(path, sizeof(path), "%s/maps/typical.maps", dir);
	else
		snprintf(path, sizeof(path), "%s", __FILE__);
	t.path = path;
	TAP_EQ_U64(symbolize_addr(s, &t, 0x10100, &r), -ENOEXEC, "not ELF: -ENOEXEC");

	/* A real ELF, but an offset no PT_LOAD covers. */
	t.path = (char *)"/proc/self/exe";
	t.pgoff = 0x40000000;
	TAP_EQ_U64(symbolize_addr(s, &t, 0x10100, &r), 0, "offset beyond the file: no symbol");
}

int
main(void)
{
	struct symbolize *s = symbolize_create(NULL);
	struct maps *m = maps_create();
	const struct symbolize_stats *st;
	uint64_t unknown;

	if (!tap_ok(maps_load_proc(m, getpid()) == 0, "load /proc/self/maps"))
		return tap_done();
	test_plain(s, m);
	test_inline(s, m);
	test_inline_deep(s, m);
	test_libc(s, m);
	test_build_id(s, m);
	test_kernel(s, m);
	/* test_failures makes six lookups that must fail (the vdso one succeeds) */
	unknown = symbolize_stats(s)->unknown;
	test_failures(s);

	st = symbolize_stats(s);
	tap_ok(st->addrs >= 10, "stats: %llu addresses", (unsigned long long)st->addrs);
	TAP_EQ_U64(st->unknown, unknown + 6, "stats: unknown counts failed lookups");
	tap_ok(st->files >= 2, "stats: %llu files opened", (unsigned long long)st->files);
	symbolize_free(s);
	maps_free(m);
	symbolize_free(NULL);
	return tap_done();
}
