/* gate.h: naps, and gates a test opens by creating a file, for the workloads the attach tests
 * drive step by step (wl-server, wl-forkexec, wl-churn).
 *
 * A test that must do something at an exact point of a workload's life (attach before the
 * threads are born, read their CPU time before they exit) makes the workload wait at a gate:
 * the workload polls for DIR/NAME every 10 ms, and the test creates that file when it is ready.
 * Fixed sleeps would make the tests flaky on a loaded machine; a gate never is.
 *
 * A workload never outlives its test: when the gate's directory disappears (the test's temporary
 * directory is removed at its end) or GATE_TIMEOUT_S pass, the waiting workload exits with
 * status 3.
 */
#ifndef WL_GATE_H
#define WL_GATE_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GATE_TIMEOUT_S 120

/* Sleep MS milliseconds, going back to sleep when a signal handler interrupts the nap. */
static inline void
wl_nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* CLOCK_MONOTONIC in seconds. */
static inline double
wl_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait until the file PATH exists (an empty path: return at once). The directory holding it
 * must exist all along; exit 3 when it goes away or after GATE_TIMEOUT_S seconds. */
static inline void
wl_gate_wait(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	double give_up = wl_now_s() + GATE_TIMEOUT_S;

	if (path[0] == '\0')
		return;
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	while (access(path, F_OK) != 0) {
		if (access(dir, F_OK) != 0 || wl_now_s() > give_up) {
			fprintf(stderr, "wl: gate %s never opened\n", path);
			_exit(3);
		}
		wl_nap_ms(10);
	}
}

#endif
