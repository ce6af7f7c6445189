/*
 * symtab_test: symtab_lookup answers what dwfl_module_addrinfo answers (the same name pointer
 * and the same symbol address) on real binaries: this test, libc, libstdc++, the C++ workload,
 * libLLVM when installed, and a MiniDebugInfo copy of wl-split (symbols only in .gnu_debugdata).
 * Probed at every eligible symbol's start, start + 1, middle, last byte, end and start - 1, and
 * at addresses spread evenly over the symbols' span; big tables are probed on an even sample of
 * their sized symbols (all the sizeless ones), since each dwfl_module_addrinfo call reads the
 * whole table.
 */
#include "config.h"

#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symtab.h"
#include "tap.h"

static char *symtabtest_debuginfo_path;

static const Dwfl_Callbacks symtabtest_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &symtabtest_debuginfo_path,
};

struct symtabtest_run {
	size_t probes, diffs, named;
};

static void
symtabtest_probe(struct symtab *t, Dwfl_Module *mod, uint64_t addr, struct symtabtest_run *r)
{
	uint64_t value = 0, want_value = 0;
	const char *got, *want;
	GElf_Sym sym;
	GElf_Off off = 0;

	want = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);
	if (want)
		want_value = addr - off;
	got = symtab_lookup(t, addr, &value);
	r->probes++;
	r->named += want != NULL;
	if (got == want && (!want || value == want_value))
		return;
	if (r->diffs++ < 10)
		tap_diag("0x%llx: got %s at 0x%llx, dwfl_module_addrinfo %s at 0x%llx",
			 (unsigned long long)addr, got ? got : "(null)", (unsigned long long)value,
			 want ? want : "(null)", (unsigned long long)want_value);
}

/* Compares the two on `path`; `needle`: a name that must be found (or NULL). */
static void
symtabtest_file(const char *path, const char *what, const char *needle)
{
	struct symtabtest_run r = {0, 0, 0};
	uint64_t lo = UINT64_MAX, hi = 0, value;
	struct symtab t;
	Dwfl_Module *mod;
	size_t i, stride, nspread, sizeless = 0;
	Dwfl *dwfl;
	int fd, n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tap_ok(1, "# SKIP %s: %s not readable", what, path);
		return;
	}
	dwfl = dwfl_begin(&symtabtest_callbacks);
	dwfl_report_begin(dwfl);
	mod = dwfl_report_elf(dwfl, path, path, fd, 0, true);
	dwfl_report_end(dwfl, NULL, NULL);
	if (!tap_ok(mod != NULL, "%s: reported", what)) {
		dwfl_end(dwfl);
		return;
	}
	n = symtab_load(&t, mod);
	tap_ok(n == 0 && t.n > 0, "%s: %zu symbols indexed", what, t.n);
	/* dwfl_module_addrinfo costs ~4 ms a call on libLLVM's 44k symbols */
	stride = t.n > 3000 ? t.n / 150 : 1;
	nspread = t.n > 3000 ? 300 : 2000;
	for (i = 0; i < t.n; i++) {
		const struct symtab_entry *e = &t.v[i];

		/* every sizeless symbol (libdwfl's fallback rules), a sample of the others */
		if (e->size && i % stride)
			continue;

		symtabtest_probe(&t, mod, e->value, &r);
		symtabtest_probe(&t, mod, e->value + 1, &r);
		symtabtest_probe(&t, mod, e->value - 1, &r);
		if (e->size) {
			symtabtest_probe(&t, mod, e->value + e->size / 2, &r);
			symtabtest_probe(&t, mod, e->value + e->size - 1, &r);
			symtabtest_probe(&t, mod, e->value + e->size, &r);
		}
	}
	for (i = 0; i < t.n; i++) {
		if (t.v[i].value < lo)
			lo = t.v[i].value;
		if (t.v[i].value + t.v[i].size > hi)
			hi = t.v[i].value + t.v[i].size;
	}
	for (i = 0; hi > lo && i < nspread; i++)
		symtabtest_probe(&t, mod, lo + (hi - lo) / nspread * i + i % 7, &r);
	for (i = 0; i < t.n; i++)
		sizeless += !t.v[i].size;
	tap_diag("%s: %zu of its symbols have no size", what, sizeless);
	tap_ok(r.diffs == 0 && r.named > 0,
	       "%s: %zu lookups agree with dwfl_module_addrinfo (%zu named, %zu differ)", what,
	       r.probes, r.named, r.diffs);
	if (needle) {
		bool found = false;

		for (i = 0; i < t.n && !found; i++)
			found = strcmp(t.v[i].name, needle) == 0 &&
				symtab_lookup(&t, t.v[i].value, &value) && value == t.v[i].value;
		tap_ok(found, "%s: %s found", what, needle);
	}
	symtab_free(&t);
	dwfl_end(dwfl);
}

static int
symtabtest_lib(struct dl_phdr_info *info, size_t size, void *arg)
{
	char **want = arg;

	(void)size;
	if (strstr(info->dlpi_name, want[0]))
		snprintf(want[1], 4096, "%s", info->dlpi_name);
	return 0;
}

/* A copy of `wl` stripped of .symtab, its functions' symbols in .gnu_debugdata, at `out`. */
static bool
symtabtest_minidebuginfo(const char *wl, const char *dir, char *out, size_t size)
{
	char cmd[8192];

	snprintf(out, size, "%s/wl-split", dir);
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd '%s'; cp '%s' wl-split;"
		 " nm -D wl-split --format=posix --defined-only | awk '{ print $1 }' | sort >dyn;"
		 " nm wl-split --format=posix --defined-only |"
		 "  awk '$2 == \"T\" || $2 == \"t\" { print $1 }' | sort >funcs;"
		 " comm -13 dyn funcs >keep;"
		 " objcopy --only-keep-debug wl-split debug;"
		 " objcopy -S --remove-section .gdb_index --remove-section .comment"
		 "  --keep-symbols=keep debug mini;"
		 " strip --strip-all -R .comment wl-split; xz -f mini;"
		 " objcopy --add-section .gnu_debugdata=mini.xz wl-split",
		 dir, wl);
	return system(cmd) == 0;
}

int
main(void)
{
	const char *wl = getenv("WORKLOADS");
	char self[4096], path[4096], mini[4096], lib[4096], dir[] = "/tmp/symtab_test.XXXXXX";
	char libc_so[] = "libc.so";
	char *want[2] = {libc_so, lib};
	ssize_t n;

	elf_version(EV_CURRENT);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		symtabtest_file(self, "this test", "symtabtest_probe");
	}
	lib[0] = '\0';
	dl_iterate_phdr(symtabtest_lib, want);
	if (lib[0])
		symtabtest_file(lib, "libc", "malloc");
	symtabtest_file("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "libstdc++", NULL);
	symtabtest_file("/usr/lib/x86_64-linux-gnu/libLLVM-14.so.1", "libLLVM", NULL);
	if (wl && wl[0]) {
		snprintf(path, sizeof(path), "%s/wl-cxx", wl);
		symtabtest_file(path, "wl-cxx", "main");
		snprintf(path, sizeof(path), "%s/wl-split", wl);
		if (system("(command -v objcopy && command -v xz && command -v strip) "
			   ">/dev/null") != 0)
			tap_ok(1, "# SKIP MiniDebugInfo: objcopy, strip or xz missing");
		else if (!mkdtemp(dir))
			tap_ok(0, "MiniDebugInfo: a temporary directory");
		else if (!tap_ok(symtabtest_minidebuginfo(path, dir, mini, sizeof(mini)),
				 "MiniDebugInfo: the copy of wl-split built"))
			;
		else
			symtabtest_file(mini, "wl-split with MiniDebugInfo only", "hot50");
		if (strcmp(dir + sizeof(dir) - 7, "XXXXXX") != 0) {
			char cmd[4200];

			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
			if (system(cmd) != 0)
				tap_diag("could not remove %s", dir);
		}
	}
	return tap_done();
}
