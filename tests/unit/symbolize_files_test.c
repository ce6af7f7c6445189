/*
 * symbolize_files_test: which file names a mapping's frames. A copy of this test binary is
 * mapped executable into our own process and kept open by maps_keep_files, then replaced on disk
 * by another file: its function is still named, from the original. A mapping that carries a
 * build-id instead of an inode (MMAP2 with PERF_RECORD_MISC_MMAP_BUILD_ID) is named only when
 * the file at its path has that build-id.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maps.h"
#include "symbolize.h"
#include "tap.h"

__attribute__((noinline, noclone)) int filetest_marker(int x);

__attribute__((noinline, noclone)) int
filetest_marker(int x)
{
	return x * 3 + 1;
}

/* The file offset of virtual address `vaddr` of `path`, from its PT_LOAD headers. */
static bool
filetest_offset(const char *path, uint64_t vaddr, uint64_t *off)
{
	size_t phnum, i;
	bool found = false;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_getphdrnum(elf, &phnum) == 0) {
		for (i = 0; i < phnum && !found; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
			    vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_filesz) {
				*off = vaddr - ph.p_vaddr + ph.p_offset;
				found = true;
			}
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}

static bool
filetest_copy(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	bool ok = true;

	if (in < 0)
		return false;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	if (out < 0) {
		close(in);
		return false;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ok = ok && write(out, buf, (size_t)n) == n;
	ok = ok && n == 0;
	close(in);
	close(out);
	return ok;
}

static const char *
filetest_name(struct symbolize *s, const struct maps_mapping *m, uint64_t addr, int *n)
{
	struct symbolize_result r;

	*n = symbolize_addr(s, m, addr, &r);
	return *n >= 1 ? r.frames[r.n - 1].name : "(none)";
}

/*
 * `off`: the file offset of filetest_marker. The copy is mapped whole (PROT_EXEC), as one
 * mapping at pgoff 0, and its line of /proc/self/maps is what maps_load_proc sees.
 */
static void
test_kept(const char *self, uint64_t off)
{
	const char *tmp = getenv("TMPDIR");
	char copy[2048], other[2100];
	const struct maps_files_stats *fst;
	const struct maps_mapping *mm;
	struct symbolize *s;
	struct maps *m;
	struct stat st;
	void *base;
	size_t len;
	int fd, n;

	snprintf(copy, sizeof(copy), "%s/prof-filetest-%d", tmp && *tmp ? tmp : "/tmp",
		 (int)getpid());
	snprintf(other, sizeof(other), "%s.new", copy);
	if (!tap_ok(filetest_copy(self, copy), "kept: copied the test binary"))
		return;
	fd = open(copy, O_RDONLY | O_CLOEXEC);
	len = fd >= 0 && fstat(fd, &st) == 0 ? (size_t)st.st_size : 0;
	base = len ? mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	if (fd >= 0)
		close(fd);
	if (!tap_ok(base != MAP_FAILED, "kept: mapped the copy")) {
		unlink(copy);
		return;
	}

	m = maps_create();
	maps_keep_files(m, 16);
	maps_load_proc(m, getpid());
	maps_load_proc(m, getpid()); /* again: nothing new to keep */
	mm = maps_find(m, getpid(), (uint64_t)(uintptr_t)base + off);
	fst = maps_files_stats(m);
	tap_ok(mm && mm->file && mm->file->fd >= 0 && !mm->file->map_files,
	       "kept: the copy's mapping has its file kept open, by path");
	tap_ok(fst->kept >= 2, "kept: %llu files kept (ours, libc, the copy...)",
	       (unsigned long long)fst->kept);
	{
		/* once per file: a second mapping of the copy shares it */
		struct maps_mapping again = *mm;
		const struct maps_mapping *mm2;
		uint64_t kept = fst->kept;

		again.start += 0x100000000ULL;
		again.end += 0x100000000ULL;
		again.file = NULL;
		mm2 = maps_add(m, getpid(), &again);
		tap_ok(mm2 && mm2->file == mm->file && fst->kept == kept,
		       "kept: another mapping of the same file shares its fd");
	}

	/* An upgrade: another file renamed over the copy. */
	if (!filetest_copy("/bin/true", other) || rename(other, copy) != 0)
		tap_ok(0, "kept: replaced the copy on disk");
	s = symbolize_create(NULL);
	TAP_EQ_STR(filetest_name(s, mm, (uint64_t)(uintptr_t)base + off, &n), "filetest_marker",
		   "kept: replaced on disk, still named from the original");
	TAP_EQ_U64(symbolize_stats(s)->files_recovered, 1, "kept: counted as recovered");
	TAP_EQ_U64(symbolize_stats(s)->files_replaced, 0, "kept: nothing lost");
	symbolize_free(s);

	{
		/* The same mapping without the kept file: the inode check refuses the new file. */
		struct maps_mapping bare = *mm;

		bare.file = NULL;
		bare.id = 0;
		s = symbolize_create(NULL);
		filetest_name(s, &bare, (uint64_t)(uintptr_t)base + off, &n);
		TAP_EQ_U64(n, -ESTALE, "not kept: the replaced file is refused (-ESTALE)");
		TAP_EQ_U64(symbolize_stats(s)->files_replaced, 1, "not kept: counted as replaced");
		symbolize_free(s);
	}

	maps_free(m);
	munmap(base, len);
	unlink(copy);
}

/* A mapping with a build-id and no inode. */
static void
test_build_id(const char *self, uint64_t off)
{
	struct symbolize *s = symbolize_create(NULL);
	struct maps_mapping t;
	char hex[64];
	int n, len, i;

	memset(&t, 0, sizeof(t));
	t.start = 0x40000000;
	t.end = 0x50000000;
	t.path = (char *)self;
	len = symbolize_build_id(s, &t, hex, sizeof(hex));
	if (!tap_ok(len > 0, "build-id: this binary has one (%d bytes)", len)) {
		symbolize_free(s);
		return;
	}
	for (i = 0; i < len; i++)
		sscanf(hex + 2 * i, "%2hhx", &t.build_id[i]);
	t.build_id_size = (uint8_t)len;
	t.id = 0;
	TAP_EQ_STR(filetest_name(s, &t, t.start + off, &n), "filetest_marker",
		   "build-id: the same build-id: named");

	t.build_id[0] ^= 0xff; /* another version of the file */
	filetest_name(s, &t, t.start + off, &n);
	TAP_EQ_U64(n, -ESTALE, "build-id: another build-id: refused (-ESTALE), not misnamed");
	TAP_EQ_U64(symbolize_stats(s)->files_replaced, 1, "build-id: counted as replaced");
	t.build_id[0] ^= 0xff;
	TAP_EQ_STR(filetest_name(s, &t, t.start + off, &n), "filetest_marker",
		   "build-id: the right one still named (cached apart)");
	symbolize_free(s);
}

static int
filetest_bias(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	*(uint64_t *)arg = info->dlpi_addr;
	return 1; /* the first object is the executable */
}

int
main(void)
{
	char self[4096];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	uint64_t bias = 0, off = 0;
	bool found;

	if (!tap_ok(len > 0, "our own path"))
		return tap_done();
	self[len] = '\0';
	dl_iterate_phdr(filetest_bias, &bias);
	found = filetest_offset(self, (uint64_t)(uintptr_t)&filetest_marker - bias, &off);
	if (!tap_ok(found, "filetest_marker is at file offset 0x%llx", (unsigned long long)off))
		return tap_done();
	test_kept(self, off);
	test_build_id(self, off);
	return tap_done();
}
