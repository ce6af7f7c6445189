/* wl-spin [N [GATE]]: N threads (default 4, at most 64) burning CPU until a gate opens.
 *
 * Each thread names itself "spin-K" and burns CPU in spin_worker, in 1 ms slices of its own CPU
 * time, for as long as it takes. Once all N are born and running the main thread prints "ready"
 * on stdout: from then on no thread is created, so a test may freeze the tracer (a stopped
 * ptrace tracer would hold up a clone) without delaying the workload. The main thread then waits
 * for the file GATE (see gate.h; none: GATE_TIMEOUT_S seconds), tells the threads to stop,
 * joins them, prints "done CPU_NS" (the CPU time of the whole process, in nanoseconds, from
 * CLOCK_PROCESS_CPUTIME_ID) and exits 0.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "burn.h"
#include "gate.h"

#define SPIN_MAX 64

static pthread_barrier_t running;
static atomic_int stop;

__attribute__((noinline)) void *
spin_worker(void *arg)
{
	char name[16];

	snprintf(name, sizeof name, "spin-%d", (int)(intptr_t)arg);
	pthread_setname_np(pthread_self(), name);
	pthread_barrier_wait(&running);
	while (!atomic_load(&stop))
		BURN_NS(1000000);
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t tids[SPIN_MAX];
	struct timespec ts;
	char *end;
	long n = 4;

	if (argc > 1) {
		n = strtol(argv[1], &end, 10);
		if (end == argv[1] || *end != '\0' || n < 1 || n > SPIN_MAX) {
			fprintf(stderr, "wl-spin: bad number of threads '%s' (1..%d)\n", argv[1],
				SPIN_MAX);
			return 2;
		}
	}
	pthread_barrier_init(&running, NULL, (unsigned)n + 1);
	for (long i = 0; i < n; i++) {
		int err = pthread_create(&tids[i], NULL, spin_worker, (void *)(intptr_t)i);

		if (err != 0) {
			fprintf(stderr, "wl-spin: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	pthread_barrier_wait(&running);
	printf("ready\n");
	fflush(stdout);
	if (argc > 2)
		wl_gate_wait(argv[2]);
	else
		wl_nap_ms(GATE_TIMEOUT_S * 1000L);
	atomic_store(&stop, 1);
	for (long i = 0; i < n; i++)
		pthread_join(tids[i], NULL);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	printf("done %llu\n",
	       (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec);
	fflush(stdout);
	return 0;
}
