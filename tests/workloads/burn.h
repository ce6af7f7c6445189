/* burn.h: spend an exact amount of this thread's CPU time in the calling function.
 *
 * BURN_NS is a macro, not a function, on purpose: the spinning instructions then belong to the
 * function that uses it (hot50, f3, inlined_hot, lib_hot...), so a profile charges the time to
 * that function rather than to a helper frame, even when inline frames are shown. Its debug line
 * is the line of the BURN_NS invocation.
 *
 * Time is this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so shares are exact whatever the
 * scheduler does and however many CPUs there are. Reading that clock is a system call (the vdso
 * does not serve thread clocks), so it is read only every BURN_SPIN iterations of a volatile add
 * (about 0.1 ms): well under 1% of the time is spent outside the caller.
 */
#ifndef WL_BURN_H
#define WL_BURN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BURN_SPIN 200000u

/* Burn NS nanoseconds of this thread's CPU time. */
#define BURN_NS(ns)                                                                          \
	do {                                                                                 \
		struct timespec burn_ts_;                                                    \
		volatile uint64_t burn_acc_ = 0;                                             \
		uint64_t burn_end_;                                                          \
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &burn_ts_);                           \
		burn_end_ = (uint64_t)burn_ts_.tv_sec * 1000000000u +                        \
			    (uint64_t)burn_ts_.tv_nsec + (uint64_t)(ns);                     \
		for (;;) {                                                                   \
			for (unsigned burn_i_ = 0; burn_i_ < BURN_SPIN; burn_i_++)           \
				burn_acc_ += burn_i_;                                        \
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &burn_ts_);                   \
			if ((uint64_t)burn_ts_.tv_sec * 1000000000u +                        \
				    (uint64_t)burn_ts_.tv_nsec >=                            \
			    burn_end_)                                                       \
				break;                                                       \
		}                                                                            \
	} while (0)

/* argv[i] as a number of seconds (a decimal fraction is fine), DEF when absent. Exits 2 on a
 * malformed or negative value. */
static inline double
wl_arg_seconds(int argc, char **argv, int i, double def)
{
	char *end;
	double v;

	if (argc <= i)
		return def;
	v = strtod(argv[i], &end);
	if (end == argv[i] || *end != '\0' || !(v >= 0)) {
		fprintf(stderr, "%s: bad number of seconds '%s'\n", argv[0], argv[i]);
		exit(2);
	}
	return v;
}

#endif
