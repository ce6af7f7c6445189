/* wl-unwind-fp, wl-unwind-nofp [SECS [MODE]]: spend SECS (default 2) seconds of CPU time in f3,
 * called main -> f0 -> f1 -> f2 -> f3, each function in its own file. The same sources are built
 * with -fno-omit-frame-pointer (wl-unwind-fp) and -fomit-frame-pointer (wl-unwind-nofp).
 *
 * MODE "libc" (the default): f3 sorts with qsort and a comparator of this program, compare()
 * (about three quarters of the time: main -> f0 -> f1 -> f2 -> f3 -> qsort_r -> msort_with_tmp ->
 * ... -> compare, through libc frames that have no frame pointers), and copies and measures a big
 * buffer with memcpy and strlen (the rest). MODE "own": f3 burns in its own code, in f3 itself
 * and in spin() (about 60/40), so that every frame has a frame pointer in wl-unwind-fp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burn.h"
#include "unwind.h"

volatile int unwind_sink;

int
main(int argc, char **argv)
{
	double secs = wl_arg_seconds(argc, argv, 1, 2.0);
	int own = 0, r;

	if (argc > 2) {
		if (strcmp(argv[2], "own") == 0) {
			own = 1;
		} else if (strcmp(argv[2], "libc") != 0) {
			fprintf(stderr, "%s: bad mode '%s': use libc or own\n", argv[0], argv[2]);
			return 2;
		}
	}
	r = f0(secs, own);
	unwind_sink = r; /* main stays on the stack too */
	return r == 3 + 3 ? 0 : 1;
}
