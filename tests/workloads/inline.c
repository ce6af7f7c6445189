/* wl-inline [SECS]: burn SECS (default 2) seconds of CPU in inlined_hot, which is always inlined
 * into the noinline function outer. A symbolizer that reads DWARF inline information shows
 * inlined_hot as its own frame, called from outer; one that reads only ELF symbols sees outer. */
#include "burn.h"

volatile int inline_sink;

static inline __attribute__((always_inline)) void
inlined_hot(double secs)
{
	BURN_NS(secs * 1e9); /* INLINED_HOT_LINE */
	inline_sink = 1;
}

__attribute__((noinline)) void
outer(double secs)
{
	inlined_hot(secs); /* OUTER_CALL_LINE */
	inline_sink = 2; /* outer's own work after the inlined body */
}

int
main(int argc, char **argv)
{
	outer(wl_arg_seconds(argc, argv, 1, 2.0));
	return 0;
}
