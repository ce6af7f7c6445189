/* wl-sigcount [SECS]: count the SIGUSR1 signals it gets.
 *
 * It installs a SIGUSR1 handler (SA_RESTART) that counts, prints "ready" on stdout, then for
 * SECS (default 2) seconds of wall time alternates 2 ms of CPU in sig_burn with 2 ms naps (an
 * interrupted nap goes back to sleep for what was left), so signals arrive both while it runs
 * and while it sleeps. Then it prints "got N" (N signals handled) and exits with status 7.
 */
#include <signal.h>
#include <string.h>

#include "burn.h"
#include "gate.h"

static volatile sig_atomic_t count;

static void
on_usr1(int sig)
{
	(void)sig;
	count++;
}

__attribute__((noinline)) void
sig_burn(void)
{
	BURN_NS(2000000);
}

int
main(int argc, char **argv)
{
	double secs = wl_arg_seconds(argc, argv, 1, 2.0);
	struct sigaction sa;
	double end;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0) {
		perror("wl-sigcount: sigaction");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	end = wl_now_s() + secs;
	while (wl_now_s() < end) {
		sig_burn();
		wl_nap_ms(2);
	}
	printf("got %d\n", (int)count);
	fflush(stdout);
	return 7;
}
