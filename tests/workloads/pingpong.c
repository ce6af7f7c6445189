/* wl-pingpong [SECS [RATE]]: two threads that hand a byte back and forth over two pipes for SECS
 * seconds (default 2), so each blocks in read() once per round: RATE round trips a second
 * (default 50000) make 2 x RATE context switches a second between them, the load --off-cpu must
 * keep bounded (bench/run). The "ping" thread paces the rounds by the wall clock (spinning when
 * ahead); on a machine that cannot keep up they run as fast as they can. Both block in
 * pp_wait(), called from ping() and pong().
 *
 * At exit it prints what the two threads measured themselves, from the moment both started to
 * the end of the last round (CLOCK_MONOTONIC and CLOCK_THREAD_CPUTIME_ID), and their voluntary
 * context switches (/proc/self/task/TID/status):
 *   rounds=N wall_ns=N ping_cpu_ns=N pong_cpu_ns=N switches=N
 * The threads' off-CPU time is 2 x wall_ns - ping_cpu_ns - pong_cpu_ns.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static int to_pong[2], to_ping[2];
static pthread_barrier_t pp_start;
static uint64_t pp_rounds, pp_t0, pp_t1, pp_cpu[2];
static pid_t pp_tid[2];
static long pp_switches[2];

static uint64_t
pp_now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long
pp_voluntary(pid_t tid)
{
	char path[64], line[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* Blocks until the other thread's byte comes: one switch out, one in. 0 at the end. */
__attribute__((noinline)) static int
pp_wait(int fd)
{
	char c;
	ssize_t n;

	while ((n = read(fd, &c, 1)) < 0)
		;
	__asm__ volatile("" ::: "memory");
	return n == 1 && c != 'q';
}

static void
pp_send(int fd, char c)
{
	while (write(fd, &c, 1) != 1)
		;
}

__attribute__((noinline)) static void
ping(double secs, double rate)
{
	uint64_t end, t, n = 0;

	pp_t0 = pp_now(CLOCK_MONOTONIC);
	end = pp_t0 + (uint64_t)(secs * 1e9);
	for (t = pp_t0; t < end; t = pp_now(CLOCK_MONOTONIC)) {
		pp_send(to_pong[1], 'x');
		pp_wait(to_ping[0]);
		n++;
		/* Ahead of RATE: spin until the clock catches up (spinning never switches). */
		while (rate > 0 && (double)(t - pp_t0) * rate < (double)n * 1e9)
			t = pp_now(CLOCK_MONOTONIC);
	}
	pp_t1 = pp_now(CLOCK_MONOTONIC);
	pp_rounds = n;
	pp_send(to_pong[1], 'q');
}

__attribute__((noinline)) static void
pong(void)
{
	while (pp_wait(to_pong[0]))
		pp_send(to_ping[1], 'y');
}

static void *
pong_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "pong");
	pp_tid[1] = (pid_t)syscall(SYS_gettid);
	pthread_barrier_wait(&pp_start);
	pp_cpu[1] = pp_now(CLOCK_THREAD_CPUTIME_ID);
	pong();
	pp_cpu[1] = pp_now(CLOCK_THREAD_CPUTIME_ID) - pp_cpu[1];
	pp_switches[1] = pp_voluntary(pp_tid[1]);
	return NULL;
}

int
main(int argc, char **argv)
{
	double secs = wl_arg_seconds(argc, argv, 1, 2.0);
	double rate = argc > 2 ? atof(argv[2]) : 50000.0;
	pthread_t t;

	if (pipe(to_pong) < 0 || pipe(to_ping) < 0 ||
	    pthread_barrier_init(&pp_start, NULL, 2) != 0 ||
	    pthread_create(&t, NULL, pong_main, NULL) != 0) {
		fprintf(stderr, "wl-pingpong: setup failed\n");
		return 1;
	}
	pthread_setname_np(pthread_self(), "ping");
	pp_tid[0] = (pid_t)syscall(SYS_gettid);
	pthread_barrier_wait(&pp_start);
	pp_cpu[0] = pp_now(CLOCK_THREAD_CPUTIME_ID);
	ping(secs, rate);
	pp_cpu[0] = pp_now(CLOCK_THREAD_CPUTIME_ID) - pp_cpu[0];
	pp_switches[0] = pp_voluntary(pp_tid[0]);
	pthread_join(t, NULL);
	printf("rounds=%llu wall_ns=%llu ping_cpu_ns=%llu pong_cpu_ns=%llu switches=%ld\n",
	       (unsigned long long)pp_rounds, (unsigned long long)(pp_t1 - pp_t0),
	       (unsigned long long)pp_cpu[0], (unsigned long long)pp_cpu[1],
	       pp_switches[0] + pp_switches[1]);
	return 0;
}
