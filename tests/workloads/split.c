/* wl-split [SECS]: spend SECS (default 2) seconds of CPU time, 50 % in hot50, 30 % in hot30 and
 * 20 % in hot20.
 *
 * The work is interleaved in 10 ms rounds (5 + 3 + 2 ms), so a profile of any stretch longer
 * than a few rounds (a --duration cut, a Ctrl-C) still sees the 50/30/20 ratio. */
#include "burn.h"

#define ROUND_NS 10000000u /* 10 ms */

__attribute__((noinline)) void
hot50(void)
{
	BURN_NS(ROUND_NS / 100 * 50);
}

__attribute__((noinline)) void
hot30(void)
{
	BURN_NS(ROUND_NS / 100 * 30);
}

__attribute__((noinline)) void
hot20(void)
{
	BURN_NS(ROUND_NS / 100 * 20);
}

int
main(int argc, char **argv)
{
	double secs = wl_arg_seconds(argc, argv, 1, 2.0);
	long rounds = (long)(secs * 1e9 / ROUND_NS + 0.5);

	for (long i = 0; i < rounds; i++) {
		hot50();
		hot30();
		hot20();
	}
	return 0;
}
