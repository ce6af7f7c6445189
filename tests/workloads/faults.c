/* wl-faults [SECS [MIB]]: spend SECS (default 1) seconds of CPU time, about 40 % in touch_fresh,
 * which takes page faults, and 60 % in compute, which takes none.
 *
 * touch_fresh maps MIB (default 1) MiB of fresh anonymous memory, writes one byte to each page
 * (one minor fault per page: transparent huge pages are turned off for the mapping) and unmaps
 * it, again and again until its share of the slice is spent. compute only spins (burn.h) on
 * registers and the stack, so after its first slice it faults no more. The work is interleaved
 * in 50 ms slices (20 + 30 ms of this thread's CPU time), so any stretch of the run longer than a
 * few slices has the same mix.
 *
 * Why slices this long: a counter read with each sample (prof record -e cpu-clock,page-faults)
 * charges a sample with the faults since the thread's previous sample, so the faults between
 * touch_fresh's last sample in a slice and the slice's end (half a sampling period on average)
 * land on compute's first sample. With 20 ms of faulting per slice that is about 2.5 % of the
 * faults at 1 kHz; with 4 ms it would be over 10 %. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* MAP_ANONYMOUS, MADV_NOHUGEPAGE (config.h defines it too) */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

#define SLICE_NS   50000000u /* 50 ms */
#define FAULT_NS   (SLICE_NS / 100 * 40)
#define COMPUTE_NS (SLICE_NS / 100 * 60)

static size_t map_bytes;
static size_t page_size;

static uint64_t
thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Fault in fresh pages for NS nanoseconds of this thread's CPU time (at least one mapping). */
__attribute__((noinline)) void
touch_fresh(uint64_t ns)
{
	uint64_t end = thread_ns() + ns;

	do {
		volatile char *p = mmap(NULL, map_bytes, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == (volatile char *)MAP_FAILED) {
			perror("wl-faults: mmap");
			exit(1);
		}
#ifdef MADV_NOHUGEPAGE
		madvise((void *)p, map_bytes, MADV_NOHUGEPAGE);
#endif
		for (size_t off = 0; off < map_bytes; off += page_size)
			p[off] = 1;
		munmap((void *)p, map_bytes);
	} while (thread_ns() < end);
}

/* Burn NS nanoseconds of CPU time without touching new memory. */
__attribute__((noinline)) void
compute(uint64_t ns)
{
	BURN_NS(ns);
}

int
main(int argc, char **argv)
{
	double secs = wl_arg_seconds(argc, argv, 1, 1.0);
	double mib = argc > 2 ? strtod(argv[2], NULL) : 1.0;
	long slices = (long)(secs * 1e9 / SLICE_NS + 0.5);

	page_size = (size_t)sysconf(_SC_PAGESIZE);
	map_bytes = mib > 0 ? (size_t)(mib * 1024 * 1024) : 0;
	if (map_bytes < page_size)
		map_bytes = page_size;
	for (long i = 0; i < slices; i++) {
		touch_fresh(FAULT_NS);
		compute(COMPUTE_NS);
	}
	return 0;
}
