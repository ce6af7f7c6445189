/* wl-churn [N [SECS [GATE]]]: thread churn.
 *
 * It creates and joins N (default 2000) short-lived threads, four at a time, each burning
 * 1.5 ms of CPU in churn_worker (a little more than one period at the default 999 Hz: a thread
 * sampled from birth has one sample, one whose sampler came late has none); prints "churned" on
 * stdout; then burns SECS (default 1) seconds in after_churn, alone, so that a test can count a
 * profiler's open files once the threads are gone, and exits 0.
 *
 * With GATE (a file path, see gate.h) it first prints "waiting" and waits, alone, until GATE
 * exists, so that the same count can be taken before the churn.
 */
#include <pthread.h>
#include <string.h>

#include "burn.h"
#include "gate.h"

#define BATCH 4

__attribute__((noinline)) void *
churn_worker(void *arg)
{
	BURN_NS(1500000);
	return arg;
}

__attribute__((noinline)) void
after_churn(double secs)
{
	BURN_NS(secs * 1e9);
}

int
main(int argc, char **argv)
{
	long n = 2000;
	double secs = wl_arg_seconds(argc, argv, 2, 1.0);

	if (argc > 1) {
		char *end;

		n = strtol(argv[1], &end, 10);
		if (*end != '\0' || end == argv[1] || n < 0) {
			fprintf(stderr, "wl-churn: bad thread count '%s'\n", argv[1]);
			return 2;
		}
	}
	if (argc > 3) {
		printf("waiting\n");
		fflush(stdout);
		wl_gate_wait(argv[3]);
	}
	for (long i = 0; i < n; i += BATCH) {
		pthread_t tids[BATCH];
		int k = n - i < BATCH ? (int)(n - i) : BATCH;

		for (int j = 0; j < k; j++) {
			int err = pthread_create(&tids[j], NULL, churn_worker, NULL);

			if (err != 0) {
				fprintf(stderr, "wl-churn: pthread_create: %s\n", strerror(err));
				return 1;
			}
		}
		for (int j = 0; j < k; j++)
			pthread_join(tids[j], NULL);
	}
	printf("churned\n");
	fflush(stdout);
	after_churn(secs);
	return 0;
}
