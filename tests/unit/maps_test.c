/*
 * maps_test: the /proc/PID/maps line parser on fixture files and malformed lines, the
 * replace-on-overlap rules of maps_add (checked against a page-by-page model), lookups at the
 * edges, exec/fork, and maps_load_proc on our own process with a few mappings made to order.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "maps.h"
#include "tap.h"

static char *
test_data_path(const char *name)
{
	static char buf[PATH_MAX];
	const char *dir = getenv("TESTDATA");

	if (dir && *dir) {
		snprintf(buf, sizeof(buf), "%s/maps/%s", dir, name);
	} else {
		/* Run by hand: find the data next to this source file. */
		const char *slash = strrchr(__FILE__, '/');
		int len = slash ? (int)(slash - __FILE__) : 1;
		snprintf(buf, sizeof(buf), "%.*s/../data/maps/%s", len, slash ? __FILE__ : ".",
			 name);
	}
	return buf;
}

static int
parse(const char *text, struct maps_line *ml)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s", text);
	return maps_parse_line(buf, ml);
}

static void
test_parse_good(void)
{
	struct maps_line ml;

	tap_ok(parse("55d0c1a02000-55d0c1a07000 r-xp 00002000 fe:01 247134        /usr/bin/cat\n",
		     &ml) == 0,
	       "parse: file mapping");
	TAP_EQ_U64(ml.start, 0x55d0c1a02000, "parse: start");
	TAP_EQ_U64(ml.end, 0x55d0c1a07000, "parse: end");
	TAP_EQ_U64(ml.pgoff, 0x2000, "parse: offset");
	TAP_EQ_U64(ml.maj, 0xfe, "parse: major");
	TAP_EQ_U64(ml.min, 1, "parse: minor");
	TAP_EQ_U64(ml.ino, 247134, "parse: inode");
	tap_ok(ml.r && !ml.w && ml.x && ml.p, "parse: perms r-xp");
	TAP_EQ_STR(ml.path, "/usr/bin/cat", "parse: path without newline or padding");

	tap_ok(parse("7f00-8f00 rw-s 00000000 00:05 42 /dev/shm/my file (deleted)", &ml) == 0,
	       "parse: spaces and (deleted), no newline");
	tap_ok(ml.r && ml.w && !ml.x && !ml.p, "parse: perms rw-s");
	TAP_EQ_STR(ml.path, "/dev/shm/my file (deleted)", "parse: path keeps spaces and (deleted)");

	tap_ok(parse("7f3a10000000-7f3a10021000 rw-p 00000000 00:00 0 \n", &ml) == 0,
	       "parse: anonymous with padding");
	TAP_EQ_STR(ml.path, "", "parse: anonymous path is empty");
	tap_ok(parse("7f3a10000000-7f3a10021000 ---p 00000000 00:00 0", &ml) == 0,
	       "parse: anonymous without padding");
	tap_ok(!ml.r && !ml.w && !ml.x && ml.p, "parse: perms ---p");
	TAP_EQ_STR(ml.path, "", "parse: anonymous path is empty without padding");

	tap_ok(parse("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0      [vsyscall]",
		     &ml) == 0,
	       "parse: top of the address space");
	TAP_EQ_U64(ml.end, 0xffffffffff601000ULL, "parse: 64-bit end");
	TAP_EQ_STR(ml.path, "[vsyscall]", "parse: pseudo path");
	tap_ok(parse("1000-2000 r-xp ffffffffffff0000 103:fffff 18446744073709551615 /x", &ml) == 0,
	       "parse: large offset, device and inode");
	TAP_EQ_U64(ml.pgoff, 0xffffffffffff0000ULL, "parse: large offset");
	TAP_EQ_U64(ml.maj, 0x103, "parse: 12-bit major");
	TAP_EQ_U64(ml.min, 0xfffff, "parse: 20-bit minor");
	TAP_EQ_U64(ml.ino, UINT64_MAX, "parse: 64-bit inode");
}

static void
test_parse_bad(void)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{"", "empty line"},
		{"\n", "just a newline"},
		{"zz00-2000 r-xp 00000000 fe:00 1 /x", "start not hex"},
		{"-2000 r-xp 00000000 fe:00 1 /x", "start missing"},
		{"1000 2000 r-xp 00000000 fe:00 1 /x", "no dash"},
		{"1000-zz r-xp 00000000 fe:00 1 /x", "end not hex"},
		{"1000- r-xp 00000000 fe:00 1 /x", "end missing"},
		{"10000000000000000-10000000000000001 r-xp 00000000 fe:00 1 /x", "start overflows"},
		{"2000-1000 r-xp 00000000 fe:00 1 /x", "end below start"},
		{"1000-1000 r-xp 00000000 fe:00 1 /x", "empty range"},
		{"1000-2000  r-xp 00000000 fe:00 1 /x", "two spaces before perms"},
		{"1000-2000 q-xp 00000000 fe:00 1 /x", "bad read flag"},
		{"1000-2000 rrxp 00000000 fe:00 1 /x", "bad write flag"},
		{"1000-2000 r-wp 00000000 fe:00 1 /x", "bad exec flag"},
		{"1000-2000 r-xx 00000000 fe:00 1 /x", "bad share flag"},
		{"1000-2000 r-x 00000000 fe:00 1 /x", "perms too short"},
		{"1000-2000 r-xpp 00000000 fe:00 1 /x", "perms too long"},
		{"1000-2000 r-xp 0000g000 fe:00 1 /x", "offset not hex"},
		{"1000-2000 r-xp  fe:00 1 /x", "offset missing"},
		{"1000-2000 r-xp 00000000 fe00 1 /x", "device without colon"},
		{"1000-2000 r-xp 00000000 g0:00 1 /x", "major not hex"},
		{"1000-2000 r-xp 00000000 fe: 1 /x", "minor missing"},
		{"1000-2000 r-xp 00000000 100000000:00 1 /x", "major overflows"},
		{"1000-2000 r-xp 00000000 fe:00 /x", "inode missing"},
		{"1000-2000 r-xp 00000000 fe:00 12a /x", "inode not decimal"},
		{"1000-2000 r-xp 00000000 fe:00 18446744073709551616 /x", "inode overflows"},
		{"1000-2000 r-xp 00000000 fe:00", "truncated after device"},
		{"1000-2000 r-xp", "truncated after perms"},
		{"1000-2000", "truncated after range"},
	};
	struct maps_line ml;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tap_ok(parse(bad[i].line, &ml) == -EINVAL, "parse rejects: %s", bad[i].why);
}

/* Every line of the fixture parses, and the fields of a few land where they should. */
static void
test_parse_fixture(void)
{
	char *line = NULL;
	size_t cap = 0;
	int lines = 0, bad = 0, exec = 0, anon = 0, deleted = 0, spaces = 0, vdso = 0;
	FILE *f = fopen(test_data_path("typical.maps"), "r");

	if (!tap_ok(f != NULL, "fixture typical.maps opens (%s)", test_data_path("typical.maps")))
		return;
	while (getline(&line, &cap, f) >= 0) {
		struct maps_line ml;

		lines++;
		if (maps_parse_line(line, &ml) < 0) {
			bad++;
			continue;
		}
		exec += ml.x;
		anon += ml.path[0] == '\0';
		deleted += strstr(ml.path, " (deleted)") != NULL;
		spaces += strcmp(ml.path, "/usr/bin/prof workload") == 0;
		vdso += strcmp(ml.path, "[vdso]") == 0 && ml.x;
	}
	fclose(f);
	TAP_EQ_U64(lines, 26, "fixture: line count");
	TAP_EQ_U64(bad, 0, "fixture: every line parses");
	TAP_EQ_U64(exec, 7, "fixture: executable mappings (incl. rwx anon and [vsyscall])");
	TAP_EQ_U64(anon, 4, "fixture: anonymous mappings");
	TAP_EQ_U64(deleted, 1, "fixture: deleted file keeps its suffix");
	TAP_EQ_U64(spaces, 5, "fixture: path with a space");
	TAP_EQ_U64(vdso, 1, "fixture: [vdso]");

	f = fopen(test_data_path("bad.maps"), "r");
	if (!tap_ok(f != NULL, "fixture bad.maps opens"))
		goto out;
	lines = bad = 0;
	while (getline(&line, &cap, f) >= 0) {
		struct maps_line ml;
		lines++;
		bad += maps_parse_line(line, &ml) < 0;
	}
	fclose(f);
	TAP_EQ_U64(bad, 1, "fixture bad.maps: exactly the garbage line is rejected");
out:
	free(line);
}

static struct maps_mapping
tmpl(uint64_t start, uint64_t end, uint64_t pgoff, const char *path)
{
	struct maps_mapping t;

	memset(&t, 0, sizeof(t));
	t.start = start;
	t.end = end;
	t.pgoff = pgoff;
	t.path = (char *)path;
	t.maj = 8;
	t.min = 2;
	t.ino = 77;
	return t;
}

static int
same(const struct maps_mapping *m, uint64_t start, uint64_t end, uint64_t pgoff, const char *path)
{
	return m && m->start == start && m->end == end && m->pgoff == pgoff &&
	       strcmp(m->path, path) == 0;
}

static void
test_add_split_trim(void)
{
	struct maps *m = maps_create();
	const struct maps_mapping *a, *b, *c, *d, *p, *q;
	struct maps_mapping t;
	size_t n;

	t = tmpl(0x10000, 0x50000, 0x1000, "/lib/a.so");
	a = maps_add(m, 100, &t);
	tap_ok(same(a, 0x10000, 0x50000, 0x1000, "/lib/a.so"), "add: first mapping");
	TAP_EQ_U64(a->id, 1, "add: ids start at 1");
	tap_ok(a->path != t.path, "add: path is copied");
	TAP_EQ_U64(a->ino, 77, "add: device and inode are kept");

	/* A mapping in the middle splits a into two new pieces. */
	t = tmpl(0x20000, 0x30000, 0, "/lib/b.so");
	b = maps_add(m, 100, &t);
	p = maps_find(m, 100, 0x10000);
	q = maps_find(m, 100, 0x30000);
	tap_ok(same(p, 0x10000, 0x20000, 0x1000, "/lib/a.so"), "split: left piece");
	tap_ok(same(q, 0x30000, 0x50000, 0x21000, "/lib/a.so"), "split: right piece offset moves");
	tap_ok(p != a && q != a && p->id != a->id && q->id != a->id,
	       "split: pieces are new objects");
	TAP_EQ_U64(q->ino, 77, "split: pieces keep the inode");
	tap_ok(maps_find(m, 100, 0x2ffff) == b && maps_find(m, 100, 0x20000) == b,
	       "split: the new mapping in the middle");
	tap_ok(same(a, 0x10000, 0x50000, 0x1000, "/lib/a.so"), "split: old object unchanged");
	tap_ok(maps_get(m, a->id) == a, "split: old object still registered");
	TAP_EQ_U64(maps_count(m), 4, "split: registry has a, b and two pieces");

	/* Overlapping the end of one mapping and the start of the next trims both. */
	t = tmpl(0x18000, 0x38000, 0, "/lib/c.so");
	c = maps_add(m, 100, &t);
	tap_ok(same(maps_find(m, 100, 0x10000), 0x10000, 0x18000, 0x1000, "/lib/a.so"),
	       "trim: left neighbour keeps its start");
	tap_ok(same(maps_find(m, 100, 0x38000), 0x38000, 0x50000, 0x29000, "/lib/a.so"),
	       "trim: right neighbour starts later at a later offset");
	tap_ok(maps_find(m, 100, 0x20000) == c && maps_find(m, 100, 0x37fff) == c,
	       "trim: b is fully covered");
	tap_ok(same(b, 0x20000, 0x30000, 0, "/lib/b.so"), "trim: covered object unchanged");
	tap_ok(same(q, 0x30000, 0x50000, 0x21000, "/lib/a.so"), "trim: trimmed object unchanged");

	/* One mapping over everything. */
	t = tmpl(0x1000, 0x100000, 0, "/lib/d.so");
	d = maps_add(m, 100, &t);
	tap_ok(maps_find(m, 100, 0x10000) == d && maps_find(m, 100, 0x4ffff) == d,
	       "cover: everything replaced");

	/* Identical again (a MMAP2 record after /proc synthesis): nothing new. */
	n = maps_count(m);
	tap_ok(maps_add(m, 100, &t) == d, "dedupe: identical mapping returns the existing one");
	TAP_EQ_U64(maps_count(m), n, "dedupe: no new object");
	t = tmpl(0x1000, 0x100000, 0, "/lib/e.so");
	tap_ok(maps_add(m, 100, &t) != d, "dedupe: same range, other path is new");
	t = tmpl(0x1000, 0x100000, 0x1000, "/lib/e.so");
	p = maps_add(m, 100, &t);
	tap_ok(p && p->pgoff == 0x1000, "dedupe: same range, other offset is new");
	t = tmpl(0x1000, 0x80000, 0x1000, "/lib/e.so");
	q = maps_add(m, 100, &t);
	tap_ok(q != p && maps_find(m, 100, 0x90000) != q, "dedupe: a shorter range is new");

	t = tmpl(0x5000, 0x5000, 0, "/x");
	tap_ok(maps_add(m, 100, &t) == NULL, "add: empty range is refused");
	t = tmpl(0x6000, 0x5000, 0, "/x");
	tap_ok(maps_add(m, 100, &t) == NULL, "add: reversed range is refused");
	maps_free(m);
}

static void
test_find_bounds(void)
{
	struct maps *m = maps_create();
	const struct maps_mapping *a, *b;
	struct maps_mapping t;

	t = tmpl(0x1000, 0x2000, 0, "/a");
	a = maps_add(m, 7, &t);
	t = tmpl(0x3000, 0x4000, 0, "/b");
	b = maps_add(m, 7, &t);
	tap_ok(maps_find(m, 7, 0xfff) == NULL, "find: below the first mapping");
	tap_ok(maps_find(m, 7, 0x1000) == a, "find: start is inclusive");
	tap_ok(maps_find(m, 7, 0x1fff) == a, "find: last byte");
	tap_ok(maps_find(m, 7, 0x2000) == NULL, "find: end is exclusive (gap)");
	tap_ok(maps_find(m, 7, 0x3000) == b, "find: next mapping");
	tap_ok(maps_find(m, 7, 0x4000) == NULL, "find: past the last mapping");
	tap_ok(maps_find(m, 7, UINT64_MAX) == NULL, "find: top of the address space");
	tap_ok(maps_find(m, 8, 0x1000) == NULL, "find: other pid");
	t = tmpl(0x2000, 0x3000, 0, "/c");
	tap_ok(maps_find(m, 7, 0x2000) == NULL, "find: adjacent mapping not yet added");
	maps_add(m, 7, &t);
	tap_ok(maps_find(m, 7, 0x1fff) == a && maps_find(m, 7, 0x3000) == b &&
		       strcmp(maps_find(m, 7, 0x2000)->path, "/c") == 0,
	       "find: adjacent mappings do not trim each other");
	TAP_EQ_U64(maps_count(m), 3, "find: no pieces for adjacent mappings");
	maps_free(m);
}

static void
test_exec_fork_kernel(void)
{
	struct maps *m = maps_create();
	const struct maps_mapping *a, *b, *k;
	struct maps_mapping t;

	t = tmpl(0x1000, 0x2000, 0, "/bin/sh");
	a = maps_add(m, 10, &t);
	maps_fork(m, 10, 11);
	tap_ok(maps_find(m, 11, 0x1800) == a, "fork: child shares the parent's mapping objects");
	t = tmpl(0x1000, 0x2000, 0, "/bin/ls");
	b = maps_add(m, 11, &t);
	tap_ok(maps_find(m, 11, 0x1800) == b, "fork: child mapping replaced");
	tap_ok(maps_find(m, 10, 0x1800) == a, "fork: parent unaffected by the child");
	maps_fork(m, 12, 13);
	tap_ok(maps_find(m, 13, 0x1800) == NULL, "fork: unknown parent gives an empty child");
	maps_fork(m, 10, 11);
	tap_ok(maps_find(m, 11, 0x1800) == b,
	       "fork: a child whose own mappings came first keeps them (out-of-order records)");
	maps_exec(m, 11);
	maps_fork(m, 10, 11);
	tap_ok(maps_find(m, 11, 0x1800) == a, "fork: a reused child pid, emptied, starts over");

	maps_exec(m, 10);
	tap_ok(maps_find(m, 10, 0x1800) == NULL, "exec: address space empty");
	tap_ok(maps_find(m, 11, 0x1800) == a, "exec: other process unaffected");
	tap_ok(same(maps_get(m, a->id), 0x1000, 0x2000, 0, "/bin/sh"), "exec: objects stay valid");
	maps_exec(m, 999);
	tap_ok(1, "exec: unknown pid is harmless");
	t = tmpl(0x1000, 0x2000, 0, "/bin/sh");
	tap_ok(maps_add(m, 10, &t) != a, "exec: re-adding after exec makes a new object");

	k = maps_kernel(m);
	tap_ok(k && k->kernel && strcmp(k->path, "[kernel.kallsyms]") == 0, "kernel: mapping");
	TAP_EQ_U64(k->start, 0xffff800000000000ULL, "kernel: start");
	TAP_EQ_U64(k->end, UINT64_MAX, "kernel: end");
	tap_ok(maps_kernel(m) == k, "kernel: created once");
	tap_ok(maps_get(m, k->id) == k, "kernel: in the registry");
	tap_ok(maps_find(m, 10, 0xffffffff81000000ULL) == NULL, "kernel: not in a process");
	tap_ok(maps_get(m, 0) == NULL && maps_get(m, (uint32_t)maps_count(m) + 1) == NULL,
	       "get: ids out of range");
	maps_free(m);
}

/*
 * Random overlapping adds against a page-by-page model of what mmap(MAP_FIXED) leaves behind,
 * and a snapshot of every object handed out, which must never change afterwards.
 */
#define MODEL_PAGES 96
#define MODEL_ADDS  2000

static void
test_add_model(void)
{
	static const char *paths[] = {"/p0", "/p1", "/p2", "/p3 with space"};
	struct {
		int path;     /* -1: unmapped */
		uint64_t off; /* file offset of this page */
	} model[MODEL_PAGES];
	struct maps_mapping *snap = calloc(MODEL_ADDS, sizeof(*snap));
	const struct maps_mapping **got = calloc(MODEL_ADDS, sizeof(*got));
	struct maps *m = maps_create();
	int i, p, bad_find = 0, bad_snap = 0, bad_sorted = 0;
	unsigned int seed = 12345;

	for (p = 0; p < MODEL_PAGES; p++)
		model[p].path = -1;
	for (i = 0; i < MODEL_ADDS; i++) {
		int first = rand_r(&seed) % MODEL_PAGES;
		int len = 1 + rand_r(&seed) % 12;
		int path = rand_r(&seed) % 4;
		uint64_t off = (uint64_t)(rand_r(&seed) % 50) * 0x1000;
		struct maps_mapping t;

		if (first + len > MODEL_PAGES)
			len = MODEL_PAGES - first;
		t = tmpl(0x400000 + (uint64_t)first * 0x1000,
			 0x400000 + (uint64_t)(first + len) * 0x1000, off, paths[path]);
		got[i] = maps_add(m, 1, &t);
		snap[i] = *got[i];
		for (p = first; p < first + len; p++) {
			model[p].path = path;
			model[p].off = off + (uint64_t)(p - first) * 0x1000;
		}
	}
	for (p = 0; p < MODEL_PAGES; p++) {
		uint64_t addr = 0x400000 + (uint64_t)p * 0x1000 + 0x123;
		const struct maps_mapping *mm = maps_find(m, 1, addr);

		if (model[p].path < 0) {
			bad_find += mm != NULL;
			continue;
		}
		if (!mm || strcmp(mm->path, paths[model[p].path]) != 0 ||
		    mm->pgoff + (addr - 0x123 - mm->start) != model[p].off)
			bad_find++;
		if (mm && (mm->start > addr || mm->end <= addr))
			bad_sorted++;
	}
	for (i = 0; i < MODEL_ADDS; i++)
		if (memcmp(&snap[i], got[i], sizeof(snap[i])) != 0 ||
		    maps_get(m, got[i]->id) != got[i])
			bad_snap++;
	TAP_EQ_U64(bad_find, 0, "model: every page maps to the latest mapping and offset");
	TAP_EQ_U64(bad_sorted, 0, "model: lookups return covering mappings");
	TAP_EQ_U64(bad_snap, 0, "model: no object ever changes after it is handed out");
	maps_free(m);
	free(snap);
	free(got);
}

static void
test_load_proc(void)
{
	char tmpname[] = "/tmp/prof maps test XXXXXX";
	char exe[PATH_MAX], want[PATH_MAX + 16];
	struct maps *m = maps_create();
	const struct maps_mapping *mm;
	void *anon, *filemap = MAP_FAILED;
	ssize_t len;
	size_t n;
	int fd, data_var = 1;
	uint64_t vdso;

	/* An anonymous executable mapping (a JIT) and an executable file whose name has spaces. */
	anon = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = mkstemp(tmpname);
	if (fd >= 0 && ftruncate(fd, 8192) == 0)
		filemap = mmap(NULL, 8192, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (fd >= 0) {
		close(fd);
		unlink(tmpname);
	}

	tap_ok(maps_load_proc(m, getpid()) == 0, "load_proc: /proc/self/maps");
	mm = maps_find(m, getpid(), (uint64_t)(uintptr_t)&test_load_proc);
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = '\0';
	tap_ok(mm && strcmp(mm->path, exe) == 0, "load_proc: our code is in %s", exe);
	tap_ok(mm && mm->ino != 0, "load_proc: file mapping has an inode");
	tap_ok(maps_find(m, getpid(), (uint64_t)(uintptr_t)&data_var) == NULL,
	       "load_proc: the stack is not executable, so not loaded");

	if (anon != MAP_FAILED) {
		mm = maps_find(m, getpid(), (uint64_t)(uintptr_t)anon);
		tap_ok(mm && strcmp(mm->path, "//anon") == 0,
		       "load_proc: anonymous exec is //anon");
	} else {
		tap_diag("cannot mmap PROT_EXEC anonymous memory: %s", strerror(errno));
	}
	if (filemap != MAP_FAILED) {
		snprintf(want, sizeof(want), "%s (deleted)", tmpname);
		mm = maps_find(m, getpid(), (uint64_t)(uintptr_t)filemap + 4096);
		tap_ok(mm && strcmp(mm->path, want) == 0, "load_proc: path with spaces, deleted");
		tap_ok(mm && mm->start == (uint64_t)(uintptr_t)filemap &&
			       mm->end == mm->start + 8192,
		       "load_proc: file mapping bounds");
	} else {
		tap_diag("cannot mmap a PROT_EXEC file: %s", strerror(errno));
	}
	vdso = getauxval(AT_SYSINFO_EHDR);
	if (vdso) {
		mm = maps_find(m, getpid(), vdso);
		tap_ok(mm && strcmp(mm->path, "[vdso]") == 0, "load_proc: [vdso] kept");
	} else {
		tap_diag("no vDSO in this process (valgrind hides it)");
	}
	mm = maps_find(m, getpid(), 0xffffffffff600000ULL);
	tap_ok(mm == NULL, "load_proc: [vsyscall] skipped");

	n = maps_count(m);
	tap_ok(maps_load_proc(m, getpid()) == 0 && maps_count(m) == n,
	       "load_proc: loading twice creates nothing new");
	tap_ok(maps_load_proc(m, INT_MAX) == -ENOENT, "load_proc: no such process is -ENOENT");

	if (anon != MAP_FAILED)
		munmap(anon, 4096);
	if (filemap != MAP_FAILED)
		munmap(filemap, 8192);
	maps_free(m);
}

int
main(void)
{
	test_parse_good();
	test_parse_bad();
	test_parse_fixture();
	test_add_split_trim();
	test_find_bounds();
	test_exec_fork_kernel();
	test_add_model();
	test_load_proc();
	maps_free(NULL);
	return tap_done();
}
