/*
 * fuzz_symbolize: symbolization of arbitrary files. A profiled program can map any file it
 * likes, and prof opens it as ELF with libdwfl: the input is written to a file, mapped at a
 * made-up address (as a whole, and from its second page on, as a PT_LOAD past the first one
 * would be), and a few addresses in it are symbolized: its start, the ELF entry point, and
 * offsets taken from the input's last bytes. Its build-id is read too. Whatever the file holds,
 * the answers keep symbolize.h's promises: at most SYMBOLIZE_MAX_FRAMES frames, each with a
 * readable name and file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "symbolize.h"

#define FUZZ_SYM_BASE UINT64_C(0x555500000000)
#define FUZZ_SYM_PAGE UINT64_C(4096)

static char fuzz_sym_path[PATH_MAX];
static int fuzz_sym_fd = -1;
static pid_t fuzz_sym_owner;

/* Only the process that made the file removes it (the replay forks one child per input). */
static void
fuzz_sym_cleanup(void)
{
	if (fuzz_sym_fd >= 0 && getpid() == fuzz_sym_owner)
		unlink(fuzz_sym_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	/* Never ask a debuginfod server (libdwfl would, for any build-id it cannot find). */
	unsetenv("DEBUGINFOD_URLS");
	snprintf(fuzz_sym_path, sizeof(fuzz_sym_path), "%s/prof-fuzz-symbolize.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	fuzz_sym_fd = mkstemp(fuzz_sym_path);
	FUZZ_CHECK(fuzz_sym_fd >= 0);
	fuzz_sym_owner = getpid();
	atexit(fuzz_sym_cleanup);
	return 0;
}

static uint64_t
fuzz_sym_u64(const uint8_t *data, size_t size, size_t off)
{
	uint64_t v = 0;

	if (off < size)
		memcpy(&v, data + off, size - off < 8 ? size - off : 8);
	return v;
}

static void
fuzz_sym_lookup(struct symbolize *s, const struct maps_mapping *m, uint64_t addr)
{
	struct symbolize_result r;
	int n, i;

	n = symbolize_addr(s, m, addr, &r);
	FUZZ_CHECK(n <= SYMBOLIZE_MAX_FRAMES);
	if (n < 0)
		return;
	FUZZ_CHECK(n == r.n);
	for (i = 0; i < n; i++) {
		const struct symbolize_frame *f = &r.frames[i];

		FUZZ_CHECK(f->name != NULL);
		fuzz_touch(f->name, strlen(f->name) + 1);
		if (f->system_name)
			fuzz_touch(f->system_name, strlen(f->system_name) + 1);
		if (f->file)
			fuzz_touch(f->file, strlen(f->file) + 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct maps_mapping whole, tail;
	struct symbolize *s;
	uint64_t span = (size + FUZZ_SYM_PAGE - 1) / FUZZ_SYM_PAGE * FUZZ_SYM_PAGE;
	char hex[64]; /* as session.c has it */
	int i, n;

	if (span == 0)
		span = FUZZ_SYM_PAGE;
	FUZZ_CHECK(ftruncate(fuzz_sym_fd, 0) == 0);
	FUZZ_CHECK(pwrite(fuzz_sym_fd, data, size, 0) == (ssize_t)size);

	memset(&whole, 0, sizeof(whole));
	whole.id = 1;
	whole.start = FUZZ_SYM_BASE;
	whole.end = FUZZ_SYM_BASE + span;
	whole.path = fuzz_sym_path;
	whole.pid = getpid();
	tail = whole;
	tail.id = 2;
	tail.start = whole.end + FUZZ_SYM_PAGE;
	tail.end = tail.start + span;
	tail.pgoff = FUZZ_SYM_PAGE;

	s = symbolize_create(NULL);
	fuzz_sym_lookup(s, &whole, whole.start);
	/* e_entry of an ELF64 header, as an offset into the file (a non-PIE base removed) */
	fuzz_sym_lookup(s, &whole, whole.start + fuzz_sym_u64(data, size, 24) % span);
	for (i = 1; i <= 4; i++) {
		uint64_t off = size >= 4 * 4 ? fuzz_sym_u64(data, size, size - 4 * (size_t)i) : 0;

		fuzz_sym_lookup(s, &whole, whole.start + (off & 0xffffffff) % span);
		fuzz_sym_lookup(s, &tail, tail.start + (off >> 32) % span);
	}
	n = symbolize_build_id(s, &whole, hex, sizeof(hex));
	FUZZ_CHECK(n <= 31);
	if (n > 0) {
		FUZZ_CHECK(memchr(hex, '\0', sizeof(hex)) != NULL && strlen(hex) == 2 * (size_t)n);
	}
	FUZZ_CHECK(symbolize_stats(s)->addrs >= 9);
	symbolize_free(s);
	return 0;
}
