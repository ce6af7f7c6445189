/* f1: one link of wl-unwind's call chain; calls f2. */
#include "unwind.h"

__attribute__((noinline)) int
f1(double secs, int own)
{
	int r = f2(secs, own);

	unwind_sink = r; /* work after the call: f2 is not a tail call */
	return r + 1;
}
