/* wl-threads [SECS]: four threads, each burning SECS (default 2) seconds of its own CPU time in
 * its own function worker0..worker3. Each thread names itself "worker-N" (pthread_setname_np)
 * and waits at a barrier until all four are named, so every sample of the burning part is taken
 * under the final name. The main thread only waits. */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>

#include "burn.h"

#define NWORKERS 4

static pthread_barrier_t start_barrier;
static double burn_secs;

static void
worker_setup(const char *name)
{
	int err = pthread_setname_np(pthread_self(), name);

	if (err != 0) {
		fprintf(stderr, "wl-threads: pthread_setname_np: %s\n", strerror(err));
		exit(1);
	}
	pthread_barrier_wait(&start_barrier);
}

__attribute__((noinline)) void *
worker0(void *arg)
{
	worker_setup("worker-0");
	BURN_NS(burn_secs * 1e9);
	return arg;
}

__attribute__((noinline)) void *
worker1(void *arg)
{
	worker_setup("worker-1");
	BURN_NS(burn_secs * 1e9);
	return arg;
}

__attribute__((noinline)) void *
worker2(void *arg)
{
	worker_setup("worker-2");
	BURN_NS(burn_secs * 1e9);
	return arg;
}

__attribute__((noinline)) void *
worker3(void *arg)
{
	worker_setup("worker-3");
	BURN_NS(burn_secs * 1e9);
	return arg;
}

int
main(int argc, char **argv)
{
	void *(*const workers[NWORKERS])(void *) = { worker0, worker1, worker2, worker3 };
	pthread_t tids[NWORKERS];

	burn_secs = wl_arg_seconds(argc, argv, 1, 2.0);
	pthread_barrier_init(&start_barrier, NULL, NWORKERS);
	for (int i = 0; i < NWORKERS; i++) {
		int err = pthread_create(&tids[i], NULL, workers[i], NULL);

		if (err != 0) {
			fprintf(stderr, "wl-threads: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
