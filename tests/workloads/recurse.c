/* wl-recurse [DEPTH [SECS]]: recurse DEPTH (default 500) calls deep through recurse(), each
 * frame holding a 256-byte volatile array, then burn SECS (default 2) seconds of CPU time at the
 * bottom. Deeper than a DWARF unwinder can follow in a default 8 KiB stack copy, so it tests
 * stack-copy exhaustion and the frame-pointer fallback. It prints the size of one recurse()
 * frame, measured from the addresses of two consecutive frames' arrays: "frame BYTES".
 * Built with frame pointers. */
#include <stdint.h>
#include <stdio.h>

#include "burn.h"

#define PAD 256

static volatile uintptr_t first_pad, second_pad;
static double burn_secs;
volatile int recurse_sink;

__attribute__((noinline)) void
bottom(void)
{
	BURN_NS(burn_secs * 1e9);
}

__attribute__((noinline)) int
recurse(int n)
{
	volatile char pad[PAD];
	int r;

	pad[0] = (char)n;
	pad[PAD - 1] = 0;
	if (!first_pad)
		first_pad = (uintptr_t)pad;
	else if (!second_pad)
		second_pad = (uintptr_t)pad;
	if (n <= 1)
		bottom();
	else
		recurse(n - 1);
	r = pad[0] + pad[PAD - 1]; /* work after the call: not a tail call */
	recurse_sink = r;
	return r;
}

int
main(int argc, char **argv)
{
	long depth = 500;
	char *end;

	if (argc > 1) {
		depth = strtol(argv[1], &end, 10);
		if (end == argv[1] || *end != '\0' || depth < 2 || depth > 100000) {
			fprintf(stderr, "%s: bad depth '%s'\n", argv[0], argv[1]);
			return 2;
		}
	}
	burn_secs = wl_arg_seconds(argc, argv, 2, 2.0);
	recurse((int)depth);
	printf("frame %ld\n", (long)(first_pad - second_pad));
	return 0;
}
