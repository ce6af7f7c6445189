/* f0: one link of wl-unwind's call chain; calls f1. */
#include "unwind.h"

__attribute__((noinline)) int
f0(double secs, int own)
{
	int r = f1(secs, own);

	unwind_sink = r; /* work after the call: f1 is not a tail call */
	return r + 1;
}
