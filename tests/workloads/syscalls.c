/* wl-syscalls SECS: spend SECS seconds of wall time in system calls: one-byte write()s to
 * /dev/null from write_loop() and one-byte read()s of /dev/zero from read_loop(), in turns of
 * about 10 ms each. Almost all of its CPU time is the kernel's, so a profile with kernel
 * frames shows the system-call path (entry_SYSCALL_64 -> ... -> ksys_write / ksys_read) under
 * libc's write and read, under these two functions. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static uint64_t
wl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) static void
write_loop(int fd, uint64_t until)
{
	char c = 'x';

	while (wl_now_ns() < until)
		for (int i = 0; i < 1000; i++)
			if (write(fd, &c, 1) != 1)
				return;
}

__attribute__((noinline)) static void
read_loop(int fd, uint64_t until)
{
	char c;

	while (wl_now_ns() < until)
		for (int i = 0; i < 1000; i++)
			if (read(fd, &c, 1) != 1)
				return;
}

int
main(int argc, char **argv)
{
	double secs = wl_arg_seconds(argc, argv, 1, 1.0);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	uint64_t end = wl_now_ns() + (uint64_t)(secs * 1e9), t;

	if (null < 0 || zero < 0) {
		perror("wl-syscalls: open /dev/null or /dev/zero");
		return 1;
	}
	while ((t = wl_now_ns()) < end) {
		write_loop(null, t + 10000000u < end ? t + 10000000u : end);
		read_loop(zero, wl_now_ns() + 10000000u < end ? wl_now_ns() + 10000000u : end);
	}
	return 0;
}
