/* wl-stopself: a program that stops itself, like one that handles ^Z.
 *
 * It burns 0.1 s of CPU in before_stop, prints "before" on stdout, stops itself with
 * raise(SIGSTOP) and, once continued (kill -CONT), prints "after", burns 0.2 s in after_stop
 * and exits 0.
 */
#include <signal.h>

#include "burn.h"

__attribute__((noinline)) void
before_stop(void)
{
	BURN_NS(100000000u);
}

__attribute__((noinline)) void
after_stop(void)
{
	BURN_NS(200000000u);
}

int
main(void)
{
	before_stop();
	printf("before\n");
	fflush(stdout);
	raise(SIGSTOP);
	printf("after\n");
	fflush(stdout);
	after_stop();
	return 0;
}
