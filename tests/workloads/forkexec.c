/* wl-forkexec [STATUS [GATE]]: a process whose children run another program.
 *
 * It burns 0.3 s of CPU in parent_burn, then starts two children that both run
 * WL_BINDIR/wl-split 1 (1 s of CPU split 50/30/20 between hot50, hot30 and hot20): the first
 * with fork() then execv(), the second with vfork() then execv(). It waits for both and exits
 * with STATUS (default 0), or 1 when a child did not exit 0.
 *
 * With GATE (a file path, see gate.h) it first prints "ready" on stdout and waits until GATE
 * exists, so that a test can attach to it before it does anything.
 */
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "burn.h"
#include "gate.h"

#ifndef WL_BINDIR
#error "WL_BINDIR (the directory holding wl-split) must be defined"
#endif

#define SPLIT WL_BINDIR "/wl-split"

__attribute__((noinline)) void
parent_burn(void)
{
	BURN_NS(300000000u);
}

/* vfork() and exec ARGV: in a function of its own, so that no variable of the caller is live
 * across vfork (the child borrows the parent's stack until it execs). */
__attribute__((noinline)) static pid_t
vfork_exec(char *const argv[])
{
	pid_t pid = vfork();

	if (pid == 0) {
		execv(SPLIT, argv);
		_exit(127);
	}
	return pid;
}

int
main(int argc, char **argv)
{
	char *const split_argv[] = {"wl-split", "1", NULL};
	pid_t kids[2];
	long status = 0;
	int failed = 0;

	if (argc > 1) {
		char *end;

		status = strtol(argv[1], &end, 10);
		if (*end != '\0' || end == argv[1] || status < 0 || status > 255) {
			fprintf(stderr, "wl-forkexec: bad status '%s'\n", argv[1]);
			return 2;
		}
	}
	if (argc > 2) {
		printf("ready\n");
		fflush(stdout);
		wl_gate_wait(argv[2]);
	}

	parent_burn();

	kids[0] = fork();
	if (kids[0] == 0) {
		execv(SPLIT, split_argv);
		_exit(127);
	}
	kids[1] = vfork_exec(split_argv);
	for (int i = 0; i < 2; i++) {
		int ws;

		if (kids[i] < 0) {
			fprintf(stderr, "wl-forkexec: %s: %s\n", i ? "vfork" : "fork",
				strerror(errno));
			failed = 1;
			continue;
		}
		if (waitpid(kids[i], &ws, 0) != kids[i]) {
			fprintf(stderr, "wl-forkexec: waitpid: %s\n", strerror(errno));
			failed = 1;
		} else if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
			fprintf(stderr, "wl-forkexec: child %d (%s) ended with wait status 0x%x\n",
				(int)kids[i], SPLIT, ws);
			failed = 1;
		}
	}
	return failed ? 1 : (int)status;
}
