/* wl-exit STATUS [SECS]: burn SECS (default 0.2) seconds of CPU in burn_then_exit, then exit with
 * STATUS (0-255), or, when STATUS is "sig:N", die of signal N (default action, no core file). */
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "burn.h"

__attribute__((noinline)) static void
burn_then_exit(double secs)
{
	BURN_NS(secs * 1e9);
}

int
main(int argc, char **argv)
{
	char *end;
	long n;
	int sig;

	if (argc < 2) {
		fprintf(stderr, "usage: wl-exit STATUS|sig:N [SECS]\n");
		return 2;
	}
	sig = strncmp(argv[1], "sig:", 4) == 0;
	n = strtol(argv[1] + (sig ? 4 : 0), &end, 10);
	if (*end != '\0' || end == argv[1] + (sig ? 4 : 0) || n < 0 || n > (sig ? 64 : 255)) {
		fprintf(stderr, "wl-exit: bad status '%s'\n", argv[1]);
		return 2;
	}
	burn_then_exit(wl_arg_seconds(argc, argv, 2, 0.2));
	if (sig) {
		struct rlimit nocore = { 0, 0 };
		sigset_t set;

		setrlimit(RLIMIT_CORE, &nocore); /* dying of SIGSEGV/SIGABRT leaves no core file */
		signal((int)n, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, (int)n);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise((int)n);
		fprintf(stderr, "wl-exit: still alive after signal %ld\n", n);
		return 1;
	}
	return (int)n;
}
