/* wl-sleep SECS [TEXT]: sleep SECS seconds (a decimal fraction is fine) in 10 ms naps, using
 * almost no CPU, then print TEXT and a newline on stdout when given. Signals act as they
 * would on any program: SIGINT kills it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "burn.h"

__attribute__((noinline)) static void
nap_until(const struct timespec *end)
{
	struct timespec now, nap = { 0, 10 * 1000 * 1000 };

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end->tv_sec ||
		    (now.tv_sec == end->tv_sec && now.tv_nsec >= end->tv_nsec))
			return;
		nanosleep(&nap, NULL);
	}
}

int
main(int argc, char **argv)
{
	double secs = wl_arg_seconds(argc, argv, 1, 1.0);
	struct timespec end;
	uint64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &end);
	ns = (uint64_t)end.tv_nsec + (uint64_t)(secs * 1e9);
	end.tv_sec += (time_t)(ns / 1000000000u);
	end.tv_nsec = (long)(ns % 1000000000u);
	nap_until(&end);
	if (argc > 2) {
		puts(argv[2]);
		fflush(stdout);
	}
	return 0;
}
