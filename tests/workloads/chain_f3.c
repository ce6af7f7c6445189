/* f3: the leaf of wl-chain's call chain, where all the CPU time goes. The integration test
 * finds the burning line by the marker comment on it. */
#include "burn.h"
#include "chain.h"

__attribute__((noinline)) int
f3(double secs)
{
	BURN_NS(secs * 1e9); /* CHAIN_F3_HOT_LINE */
	chain_sink = 3;
	return 3;
}
