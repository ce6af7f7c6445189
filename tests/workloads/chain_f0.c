/* f0: one link of wl-chain's call chain; calls f1. */
#include "chain.h"

__attribute__((noinline)) int
f0(double secs)
{
	int r = f1(secs);

	chain_sink = r; /* work after the call: f1 is not a tail call */
	return r + 1;
}
