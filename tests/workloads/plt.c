/* wl-plt [SECS]: spend SECS (default 2) seconds calling two tiny libc functions through the
 * PLT in a tight loop, so that the stubs themselves show up as leaves in some samples:
 *   labs  through an ordinary PLT entry (.plt; or .plt.sec when built with IBT PLTs),
 *   llabs through .plt.got, because its address is also taken (the GOT slot is then filled
 *         by a GLOB_DAT relocation at load time and the call stub just jumps through it).
 * Built with -fno-builtin so that the compiler keeps the calls. */
#include <stdlib.h>
#include <time.h>

#include "burn.h"

long long (*volatile wl_llabs)(long long);
volatile long wl_sink, wl_calls = 1000000; /* volatile: labs is const, and so plt_calls */

__attribute__((noinline)) static long
plt_calls(long n)
{
	long s = 0;

	for (long i = 0; i < n; i++) {
		s += labs(i - 5);
		s += llabs(i - 7);
	}
	return s;
}

int
main(int argc, char **argv)
{
	double secs = wl_arg_seconds(argc, argv, 1, 2.0);
	struct timespec ts;
	double end, now;

	wl_llabs = llabs; /* in code, through the GOT: the calls go through .plt.got */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	end = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + secs;
	do {
		wl_sink += plt_calls(wl_calls);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	} while (now < end);
	return wl_llabs(0) != 0;
}
