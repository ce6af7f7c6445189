/* wl-wait [SECS]: where the main thread's wall-clock time goes, known in advance, for the
 * off-CPU and wall-clock profiles. For SECS seconds (default 2), in 20 ms slices, the main
 * thread (named "wl-wait") spends by the wall clock about
 *   50 % in burn()      on the CPU (spinning until 10 ms of wall time have passed),
 *   30 % in wait_io()   asleep (nanosleep, 6 ms),
 *   20 % in wait_lock() blocked on a mutex that the "holder" thread holds while it sleeps 4 ms.
 * A "sleeper" thread sleeps in sleeper() for the whole run (plus a second), so it is off CPU
 * from its first moments to the end of any recording.
 *
 * At exit it prints the main thread's own measures (CLOCK_MONOTONIC and
 * CLOCK_THREAD_CPUTIME_ID, from the start of main to the end of the loop):
 *   wall_ns=N cpu_ns=N burn_ns=N io_ns=N lock_ns=N
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static pthread_mutex_t wl_lock = PTHREAD_MUTEX_INITIALIZER;
static sem_t wl_go, wl_held;
static atomic_int wl_stop;
static double wl_secs;

static uint64_t
wl_now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
wl_nap(long ns)
{
	struct timespec t = {ns / 1000000000L, ns % 1000000000L};

	while (nanosleep(&t, &t) != 0)
		;
}

/* On the CPU for `ns` of wall time (so preemption does not stretch its share). */
__attribute__((noinline)) static void
burn(uint64_t ns)
{
	uint64_t end = wl_now(CLOCK_MONOTONIC) + ns;
	volatile uint64_t acc = 0;

	while (wl_now(CLOCK_MONOTONIC) < end)
		for (unsigned i = 0; i < 20000; i++)
			acc += i;
}

__attribute__((noinline)) static void
wait_io(long ns)
{
	wl_nap(ns);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

/* Blocks on the mutex while the holder sleeps with it. */
__attribute__((noinline)) static void
wait_lock(void)
{
	sem_post(&wl_go);
	while (sem_wait(&wl_held) != 0)
		;
	pthread_mutex_lock(&wl_lock);
	pthread_mutex_unlock(&wl_lock);
	__asm__ volatile("" ::: "memory");
}

static void *
holder(void *arg)
{
	long ns = *(long *)arg;

	pthread_setname_np(pthread_self(), "holder");
	for (;;) {
		while (sem_wait(&wl_go) != 0)
			;
		if (atomic_load(&wl_stop))
			return NULL;
		pthread_mutex_lock(&wl_lock);
		sem_post(&wl_held);
		wl_nap(ns);
		pthread_mutex_unlock(&wl_lock);
	}
}

__attribute__((noinline)) static void
sleeper(void)
{
	wl_nap((long)((wl_secs + 1.0) * 1e9));
	__asm__ volatile("" ::: "memory");
}

static void *
sleeper_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "sleeper");
	sleeper();
	return NULL;
}

int
main(int argc, char **argv)
{
	uint64_t wall0 = wl_now(CLOCK_MONOTONIC), cpu0 = wl_now(CLOCK_THREAD_CPUTIME_ID);
	uint64_t end, t, burn_ns = 0, io_ns = 0, lock_ns = 0;
	long lock_hold = 4000000L;
	pthread_t h, z;

	wl_secs = wl_arg_seconds(argc, argv, 1, 2.0);
	sem_init(&wl_go, 0, 0);
	sem_init(&wl_held, 0, 0);
	if (pthread_create(&h, NULL, holder, &lock_hold) != 0 ||
	    pthread_create(&z, NULL, sleeper_main, NULL) != 0) {
		fprintf(stderr, "wl-wait: pthread_create failed\n");
		return 1;
	}
	pthread_detach(z);
	end = wall0 + (uint64_t)(wl_secs * 1e9);
	while (wl_now(CLOCK_MONOTONIC) < end) {
		t = wl_now(CLOCK_MONOTONIC);
		burn(10000000u);
		burn_ns += wl_now(CLOCK_MONOTONIC) - t;
		t = wl_now(CLOCK_MONOTONIC);
		wait_io(6000000L);
		io_ns += wl_now(CLOCK_MONOTONIC) - t;
		t = wl_now(CLOCK_MONOTONIC);
		wait_lock();
		lock_ns += wl_now(CLOCK_MONOTONIC) - t;
	}
	atomic_store(&wl_stop, 1);
	sem_post(&wl_go);
	pthread_join(h, NULL);
	printf("wall_ns=%llu cpu_ns=%llu burn_ns=%llu io_ns=%llu lock_ns=%llu\n",
	       (unsigned long long)(wl_now(CLOCK_MONOTONIC) - wall0),
	       (unsigned long long)(wl_now(CLOCK_THREAD_CPUTIME_ID) - cpu0),
	       (unsigned long long)burn_ns, (unsigned long long)io_ns,
	       (unsigned long long)lock_ns);
	fflush(stdout);
	/* Leave at once: the sleeper is still asleep, and exit ends it. */
	_exit(0);
}
