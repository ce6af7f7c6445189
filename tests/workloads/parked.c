/* wl-parked [IDLE [GATE]]: threads parked in known places, for prof dump. One sleeps in
 * nanosleep from sleeper(), one is blocked on a mutex from locker(), one is in read() on a pipe
 * from reader(), one burns CPU in spinner(), and IDLE (default 4) identical idle_worker()s wait
 * on a condition variable. Prints "ready" once all are parked (each has reached its parking
 * call's caller; the blocking call itself follows at once), then the main thread waits for the
 * file GATE (see gate.h; none: 120 s), wakes everyone up, and prints "done" and the number of
 * threads that came back. The total is IDLE + 5 threads (IDLE=5 makes ten). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "gate.h"

#define WL_NOINLINE __attribute__((noinline))

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static int idle_go;
static atomic_int parked, returned, stop;
static int pipefd[2];

WL_NOINLINE void *
sleeper(void *arg)
{
	struct timespec ts = {0, 200 * 1000 * 1000};

	(void)arg;
	atomic_fetch_add(&parked, 1);
	while (!atomic_load(&stop))
		nanosleep(&ts, NULL);
	atomic_fetch_add(&returned, 1);
	return NULL;
}

WL_NOINLINE void *
locker(void *arg)
{
	(void)arg;
	atomic_fetch_add(&parked, 1);
	pthread_mutex_lock(&held);
	pthread_mutex_unlock(&held);
	atomic_fetch_add(&returned, 1);
	return NULL;
}

WL_NOINLINE void *
reader(void *arg)
{
	char c;

	(void)arg;
	atomic_fetch_add(&parked, 1);
	while (read(pipefd[0], &c, 1) < 0)
		;
	atomic_fetch_add(&returned, 1);
	return NULL;
}

WL_NOINLINE void *
spinner(void *arg)
{
	volatile unsigned long x = 0;

	(void)arg;
	atomic_fetch_add(&parked, 1);
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		x++;
	atomic_fetch_add(&returned, 1);
	return NULL;
}

WL_NOINLINE void *
idle_worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&idle_lock);
	atomic_fetch_add(&parked, 1);
	while (!idle_go)
		pthread_cond_wait(&idle_cond, &idle_lock);
	pthread_mutex_unlock(&idle_lock);
	atomic_fetch_add(&returned, 1);
	return NULL;
}

int
main(int argc, char **argv)
{
	int nidle = argc > 1 ? atoi(argv[1]) : 4, i, n;
	const char *gate = argc > 2 ? argv[2] : "";
	void *(*fns[4])(void *) = {sleeper, locker, reader, spinner};
	pthread_t *t;

	if (nidle < 0 || nidle > 1000 || pipe(pipefd) < 0)
		return 2;
	n = 4 + nidle;
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 2;
	pthread_mutex_lock(&held);
	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, i < 4 ? fns[i] : idle_worker, NULL) != 0)
			return 2;
	while (atomic_load(&parked) < n)
		wl_nap_ms(1);
	wl_nap_ms(50); /* each is in its blocking call by now */
	printf("ready\n");
	fflush(stdout);

	if (gate[0])
		wl_gate_wait(gate);
	else
		wl_nap_ms(120 * 1000);

	atomic_store(&stop, 1);
	pthread_mutex_unlock(&held);
	if (write(pipefd[1], "x", 1) != 1)
		return 2;
	pthread_mutex_lock(&idle_lock);
	idle_go = 1;
	pthread_cond_broadcast(&idle_cond);
	pthread_mutex_unlock(&idle_lock);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
	printf("done %d\n", atomic_load(&returned));
	return 0;
}
