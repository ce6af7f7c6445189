/* f1: one link of wl-chain's call chain; calls f2. */
#include "chain.h"

__attribute__((noinline)) int
f1(double secs)
{
	int r = f2(secs);

	chain_sink = r; /* work after the call: f2 is not a tail call */
	return r + 1;
}
