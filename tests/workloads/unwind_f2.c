/* f2: one link of wl-unwind's call chain; calls f3. */
#include "unwind.h"

__attribute__((noinline)) int
f2(double secs, int own)
{
	int r = f3(secs, own);

	unwind_sink = r; /* work after the call: f3 is not a tail call */
	return r + 1;
}
