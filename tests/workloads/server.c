/* wl-server [DELAY [BURN [GATEDIR]]]: a server-like process to attach to.
 *
 * It starts two threads named "idle-0" and "idle-1" that wait for work in idle_wait (a loop that
 * naps 20 ms and burns 0.5 ms, so about 2.5 % of a CPU each: mostly idle, yet sampled), then
 * prints "ready" on stdout. After DELAY seconds (default 1) it starts four threads named
 * "late-0".."late-3", each burning BURN seconds (default 2) of its own CPU time in its own
 * function late0..late3; once all four have burnt it prints "burnt", joins them and exits 0.
 * The idle threads never end; exit() takes them along.
 *
 * With GATEDIR, the test drives it step by step (see gate.h): the late threads are born only
 * once DELAY has passed and GATEDIR/start exists, and after burning they stay alive, idle,
 * until GATEDIR/finish exists, so that their CPU time can be read from /proc before they go.
 */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <string.h>

#include "burn.h"
#include "gate.h"

#define NIDLE 2
#define NLATE 4

static pthread_barrier_t idle_named;
static double burn_secs;
static char start_gate[PATH_MAX], finish_gate[PATH_MAX];
static pthread_mutex_t burnt_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t burnt_cond = PTHREAD_COND_INITIALIZER;
static int burnt;

static void
name_self(const char *name)
{
	int err = pthread_setname_np(pthread_self(), name);

	if (err != 0) {
		fprintf(stderr, "wl-server: pthread_setname_np: %s\n", strerror(err));
		exit(1);
	}
}

__attribute__((noinline)) void
idle_wait(void)
{
	for (;;) {
		wl_nap_ms(20);
		BURN_NS(500000);
	}
}

static void *
idle_main(void *arg)
{
	char name[16];

	snprintf(name, sizeof name, "idle-%d", (int)(intptr_t)arg);
	name_self(name);
	pthread_barrier_wait(&idle_named);
	idle_wait();
	return NULL;
}

/* After burning: say so, then stay alive until the finish gate opens. */
static void
late_done(void)
{
	pthread_mutex_lock(&burnt_lock);
	burnt++;
	pthread_cond_signal(&burnt_cond);
	pthread_mutex_unlock(&burnt_lock);
	wl_gate_wait(finish_gate);
}

__attribute__((noinline)) void *
late0(void *arg)
{
	name_self("late-0");
	BURN_NS(burn_secs * 1e9);
	late_done();
	return arg;
}

__attribute__((noinline)) void *
late1(void *arg)
{
	name_self("late-1");
	BURN_NS(burn_secs * 1e9);
	late_done();
	return arg;
}

__attribute__((noinline)) void *
late2(void *arg)
{
	name_self("late-2");
	BURN_NS(burn_secs * 1e9);
	late_done();
	return arg;
}

__attribute__((noinline)) void *
late3(void *arg)
{
	name_self("late-3");
	BURN_NS(burn_secs * 1e9);
	late_done();
	return arg;
}

int
main(int argc, char **argv)
{
	void *(*const late[NLATE])(void *) = {late0, late1, late2, late3};
	double delay = wl_arg_seconds(argc, argv, 1, 1.0);
	pthread_t idle_tids[NIDLE], late_tids[NLATE];
	double start;

	start = wl_now_s();
	burn_secs = wl_arg_seconds(argc, argv, 2, 2.0);
	if (argc > 3) {
		snprintf(start_gate, sizeof start_gate, "%s/start", argv[3]);
		snprintf(finish_gate, sizeof finish_gate, "%s/finish", argv[3]);
	}
	pthread_barrier_init(&idle_named, NULL, NIDLE + 1);
	for (int i = 0; i < NIDLE; i++) {
		int err = pthread_create(&idle_tids[i], NULL, idle_main, (void *)(intptr_t)i);

		if (err != 0) {
			fprintf(stderr, "wl-server: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	pthread_barrier_wait(&idle_named);
	printf("ready\n");
	fflush(stdout);

	while (wl_now_s() < start + delay)
		wl_nap_ms(10);
	wl_gate_wait(start_gate);
	for (int i = 0; i < NLATE; i++) {
		int err = pthread_create(&late_tids[i], NULL, late[i], NULL);

		if (err != 0) {
			fprintf(stderr, "wl-server: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	pthread_mutex_lock(&burnt_lock);
	while (burnt < NLATE)
		pthread_cond_wait(&burnt_cond, &burnt_lock);
	pthread_mutex_unlock(&burnt_lock);
	printf("burnt\n");
	fflush(stdout);
	for (int i = 0; i < NLATE; i++)
		pthread_join(late_tids[i], NULL);
	return 0;
}
