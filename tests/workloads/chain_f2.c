/* f2: one link of wl-chain's call chain; calls f3. */
#include "chain.h"

__attribute__((noinline)) int
f2(double secs)
{
	int r = f3(secs);

	chain_sink = r; /* work after the call: f3 is not a tail call */
	return r + 1;
}
