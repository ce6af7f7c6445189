/* wl-jit [SECS [UID]]: generates code at run time, as a JIT compiler does, and spends SECS
 * (default 2) seconds of CPU time in it. The code is a counting loop copied into an anonymous
 * RWX mapping; /tmp/perf-PID.map names it jit_loop, in the format perf defined for JITs. With
 * UID, the map file is then given to that user (the test of prof refusing untrusted maps).
 *
 * The map file is left behind: prof reads it after the process exits. The test removes it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

/* long loop(long n): counts n down to 0 and returns. */
#if defined(__x86_64__)
static const unsigned char loop_code[] = {
	0x48, 0x89, 0xf8, /* mov %rdi,%rax */
	0x48, 0xff, 0xc8, /* 1: dec %rax */
	0x75, 0xfb,	  /* jnz 1b */
	0xc3,		  /* ret */
};
#elif defined(__aarch64__)
static const uint32_t loop_code[] = {
	0xf1000400, /* 1: subs x0, x0, #1 */
	0x54ffffe1, /* b.ne 1b */
	0xd65f03c0, /* ret */
};
#else
#error "wl-jit: no machine code for this architecture"
#endif

static uint64_t
thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	double secs = wl_arg_seconds(argc, argv, 1, 2.0);
	long (*fn)(long);
	char path[64];
	uint64_t end;
	void *page;
	FILE *fp;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	if (page == MAP_FAILED) {
		perror("wl-jit: mmap RWX");
		return 1;
	}
	/* Not at the start of the page, so an address is clearly looked up, not guessed. */
	memcpy((char *)page + 256, loop_code, sizeof(loop_code));
	__builtin___clear_cache((char *)page + 256, (char *)page + 256 + sizeof(loop_code));
	fn = (long (*)(long))(void *)((char *)page + 256);

	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	fp = fopen(path, "w");
	if (!fp) {
		perror(path);
		return 1;
	}
	fprintf(fp, "%lx %zx jit_loop\n", (unsigned long)(uintptr_t)fn, sizeof(loop_code));
	fclose(fp);
	if (argc > 2 && chown(path, (uid_t)atol(argv[2]), (gid_t)-1) != 0) {
		perror("wl-jit: chown");
		return 1;
	}

	end = thread_ns() + (uint64_t)(secs * 1e9);
	while (thread_ns() < end)
		fn(1000000);
	return 0;
}
