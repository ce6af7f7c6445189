/* f3: the leaf of wl-unwind's call chain, where the CPU time goes: in libc (qsort calling back
 * compare(), memcpy, strlen) or, in mode "own", in f3 and spin(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unwind.h"

#define SORT_N	   16384      /* ints sorted per round: qsort_r's merge sort, ~14 levels */
#define BUF_BYTES  (4u << 20) /* bytes copied and measured per round */
#define SPIN_ROUND 4000000u   /* spin() iterations of one own-mode round (~5 ms) */

static int sort_a[SORT_N];
static char buf_src[BUF_BYTES], buf_dst[BUF_BYTES];
static volatile uint64_t spin_acc;

/* The comparator qsort calls back: the leaf of the stacks that pass through libc. */
__attribute__((noinline)) int
compare(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The own-mode leaf: a frame below f3 in the program's own code. Its local lives on the stack,
 * so that even as a leaf it sets up a frame pointer in wl-unwind-fp: gcc leaves it out of leaf
 * functions that touch no stack, and a frame-pointer callchain then loses the leaf's caller. */
__attribute__((noinline)) void
spin(unsigned n)
{
	volatile uint64_t acc = 0;

	for (unsigned i = 0; i < n; i++)
		acc += i;
	spin_acc = acc;
}

static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) int
f3(double secs, int own)
{
	double end = thread_cpu_s() + secs;
	uint32_t x = 2463534242u;
	size_t len;

	if (!own)
		memset(buf_src, 'x', BUF_BYTES - 1);
	while (thread_cpu_s() < end) {
		if (own) {
			/* 3 parts in f3, 2 in spin(): about 60/40 */
			for (unsigned i = 0; i < 3 * SPIN_ROUND / 2; i++)
				spin_acc += i;
			spin(SPIN_ROUND);
			continue;
		}
		for (int i = 0; i < SORT_N; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
			sort_a[i] = (int)(x >> 1);
		}
		qsort(sort_a, SORT_N, sizeof(sort_a[0]), compare);
		memcpy(buf_dst, buf_src, BUF_BYTES);
		len = strlen(buf_dst);
		unwind_sink = (int)len + sort_a[0];
	}
	unwind_sink = 3;
	return 3;
}
