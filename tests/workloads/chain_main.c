/* wl-chain [SECS]: burn SECS (default 2) seconds of CPU in f3, called through
 * main -> f0 -> f1 -> f2 -> f3, each function in its own file. */
#include "burn.h"
#include "chain.h"

volatile int chain_sink;

int
main(int argc, char **argv)
{
	double secs = wl_arg_seconds(argc, argv, 1, 2.0);
	int r = f0(secs);

	chain_sink = r; /* main stays on the stack too */
	return r == 3 + 3 ? 0 : 1;
}
