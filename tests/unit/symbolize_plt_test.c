/*
 * symbolize_plt_test: PLT stubs are named NAME@plt exactly where objdump names them. For each
 * of a few real binaries (this test, /bin/ls, libc, and the wl-plt workloads: lazy .plt,
 * .plt.got, and the IBT .plt.sec layout) it reads objdump -d's "<NAME@plt>:" labels and
 * symbolizes each labelled address, and one a few bytes into the entry, through a mapping of
 * the file. objdump's labels for IRELATIVE slots ("*ABS*+0x...@plt") have no symbol to name
 * and are left out.
 */
#include "config.h"

#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maps.h"
#include "symbolize.h"
#include "tap.h"

/* The PT_LOAD headers of `path`, to turn objdump's virtual addresses into file offsets. */
struct plttest_segs {
	GElf_Phdr ph[16];
	size_t n;
};

static int
plttest_segs(const char *path, struct plttest_segs *segs)
{
	size_t phnum, i;
	Elf *elf;
	int fd;

	segs->n = 0;
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_getphdrnum(elf, &phnum) == 0)
		for (i = 0; i < phnum && segs->n < 16; i++)
			if (gelf_getphdr(elf, (int)i, &segs->ph[segs->n]) &&
			    segs->ph[segs->n].p_type == PT_LOAD)
				segs->n++;
	elf_end(elf);
	close(fd);
	return segs->n ? 0 : -1;
}

static bool
plttest_offset(const struct plttest_segs *segs, uint64_t vaddr, uint64_t *off)
{
	size_t i;

	for (i = 0; i < segs->n; i++) {
		const GElf_Phdr *ph = &segs->ph[i];

		if (vaddr >= ph->p_vaddr && vaddr - ph->p_vaddr < ph->p_filesz) {
			*off = vaddr - ph->p_vaddr + ph->p_offset;
			return true;
		}
	}
	return false;
}

/* What symbolize says at file offset `off` of `path`, or "(none)". */
static const char *
plttest_name(struct symbolize *s, const char *path, uint64_t off, struct symbolize_result *r)
{
	struct maps_mapping m;

	memset(&m, 0, sizeof(m));
	m.path = (char *)path;
	m.start = 0x10000000;
	m.end = m.start + 0x10000000;
	m.pgoff = 0;
	if (symbolize_addr(s, &m, m.start + off, r) < 1)
		return "(none)";
	return r->frames[0].name;
}

/*
 * Compares every objdump label NAME@plt of `path` with what we say there. `want_sec`: the
 * file must have that section (so the layout under test is really there).
 */
static void
plttest_file(struct symbolize *s, const char *path, const char *want_sec)
{
	struct symbolize_result *r = malloc(sizeof(*r));
	struct plttest_segs segs;
	char cmd[4200], line[1024];
	size_t labels = 0, same = 0, sections = 0;
	bool have_sec = !want_sec;
	FILE *p;

	if (access(path, R_OK) != 0 || plttest_segs(path, &segs) != 0) {
		tap_ok(1, "# SKIP %s: not here or not ELF", path);
		free(r);
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "objdump -d --no-show-raw-insn -j .plt -j .plt.sec -j .plt.got '%s' 2>/dev/null",
		 path);
	p = popen(cmd, "r");
	if (!p) {
		tap_ok(0, "%s: run objdump", path);
		free(r);
		return;
	}
	while (fgets(line, sizeof(line), p)) {
		unsigned long long vaddr;
		char label[512], want[520];
		uint64_t off;
		const char *got;
		int k;

		if (strncmp(line, "Disassembly of section ", 23) == 0) {
			sections++;
			if (want_sec && strncmp(line + 23, want_sec, strlen(want_sec)) == 0 &&
			    line[23 + strlen(want_sec)] == ':')
				have_sec = true;
			continue;
		}
		if (sscanf(line, "%llx <%511[^>]>:", &vaddr, label) != 2)
			continue;
		k = (int)strlen(label);
		if (k < 5 || strcmp(label + k - 4, "@plt") != 0 || label[0] == '*')
			continue;
		labels++;
		snprintf(want, sizeof(want), "%s", label);
		if (!plttest_offset(&segs, vaddr, &off)) {
			tap_diag("%s: %s at 0x%llx: in no PT_LOAD", path, label, vaddr);
			continue;
		}
		/* The entry's first byte, and one inside it (.plt.got entries are 8 bytes). */
		got = plttest_name(s, path, off, r);
		if (strcmp(got, want) == 0) {
			got = plttest_name(s, path, off + 4, r);
			if (strcmp(got, want) == 0) {
				same++;
				continue;
			}
		}
		if (labels - same <= 3)
			tap_diag("%s: objdump says %s at 0x%llx, we say %s", path, want, vaddr,
				 got);
	}
	pclose(p);
	if (sections == 0) {
		tap_ok(1, "# SKIP %s: no PLT sections (or no objdump)", path);
		free(r);
		return;
	}
	tap_ok(have_sec, "%s: has a %s section", path, want_sec ? want_sec : "PLT");
	tap_ok(labels > 0 && same == labels,
	       "%s: %zu of the %zu stubs objdump names, named the same", path, same, labels);
	free(r);
}

static int
plttest_libc(struct dl_phdr_info *info, size_t size, void *arg)
{
	char *out = arg;

	(void)size;
	if (info->dlpi_name && strstr(info->dlpi_name, "/libc.so"))
		snprintf(out, 4096, "%s", info->dlpi_name);
	return 0;
}

int
main(void)
{
	struct symbolize *s = symbolize_create(NULL);
	const char *wl = getenv("WORKLOADS");
	char path[4096], libc[4096] = "", self[4096];
	ssize_t n;

	if (system("objdump --version >/dev/null 2>&1") != 0) {
		tap_ok(1, "# SKIP objdump not found (binutils)");
		symbolize_free(s);
		return tap_done();
	}
	/* (not /proc/self/exe: objdump would read its own) */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		plttest_file(s, self, ".plt");
	}
	plttest_file(s, "/bin/ls", NULL);
	dl_iterate_phdr(plttest_libc, libc);
	if (libc[0])
		plttest_file(s, libc, NULL);
	if (wl && wl[0]) {
		snprintf(path, sizeof(path), "%s/wl-plt", wl);
		plttest_file(s, path, ".plt.got");
		/* configure builds it with IBT PLTs where the toolchain can */
		snprintf(path, sizeof(path), "%s/wl-plt-ibt", wl);
		plttest_file(s, path, WL_IBT_CFLAGS[0] ? ".plt.sec" : NULL);
	}
	symbolize_free(s);
	return tap_done();
}
