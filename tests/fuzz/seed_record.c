/*
 * seed_record: captures real perf records for fuzz-record's seed corpus. For each layout of
 * record_layouts.h it opens a cpu-clock sampler on its own thread with exactly that layout (and
 * counted group members where the layout reads a group), makes the kernel write side-band
 * records (an executable mmap, a new thread name, a thread), burns CPU in a short call chain,
 * then overflows a one-page ring so that a LOST record follows. The first records of each type
 * are written to OUTDIR as "L<layout>-<name>-<TYPE>-<n>": one layout byte, then the record as
 * the ring held it.
 *
 *   make tests/fuzz/seed-record && tests/fuzz/seed-record $(srcdir)/tests/fuzz/corpus/record
 *
 * Needs perf_event_open for its own thread (kernel.perf_event_paranoid <= 2); PERF_SAMPLE_RAW
 * and PHYS_ADDR in the "all" layout want root or CAP_PERFMON.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "record_layouts.h"

#define SEED_PER_TYPE 2
#define SEED_STACK_BYTES 256

static volatile uint64_t seed_sink;

static __attribute__((noinline)) void
seed_burn3(int64_t until)
{
	struct timespec ts;

	do {
		for (int i = 0; i < 10000; i++)
			seed_sink += (uint64_t)i * 2654435761u;
		clock_gettime(CLOCK_MONOTONIC, &ts);
	} while ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec < until);
}

static __attribute__((noinline)) void
seed_burn2(int64_t until)
{
	seed_burn3(until);
	seed_sink++;
}

static __attribute__((noinline)) void
seed_burn(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	seed_burn2((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + (int64_t)ms * 1000000);
	seed_sink++;
}

static void *
seed_thread(void *arg)
{
	return arg;
}

static int
seed_open(const struct fuzz_record_layout *fl, int group, bool leader)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = leader ? PERF_COUNT_SW_CPU_CLOCK : PERF_COUNT_SW_TASK_CLOCK;
	attr.read_format = fl->layout.read_format;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	if (leader) {
		attr.disabled = 1;
		attr.sample_period = 200000; /* every 0.2 ms of CPU */
		attr.sample_type = fl->layout.sample_type;
		attr.sample_regs_user = fl->layout.sample_regs_user;
		if (fl->layout.sample_type & PERF_SAMPLE_STACK_USER)
			attr.sample_stack_user = SEED_STACK_BYTES;
		attr.sample_id_all = fl->layout.sample_id_all;
		attr.mmap = attr.mmap2 = attr.comm = attr.comm_exec = attr.task = 1;
		attr.exclude_callchain_kernel = 1;
	}
	return (int)syscall(SYS_perf_event_open, &attr, 0, -1, group, PERF_FLAG_FD_CLOEXEC);
}

struct seed_out {
	const char *dir;
	unsigned layout;
	unsigned counts[64];
	unsigned written;
};

static const char *
seed_type_name(uint32_t type)
{
	return record_type_name(type);
}

static void
seed_save(struct seed_out *o, const uint8_t *rec, size_t size)
{
	struct perf_event_header h;
	char path[4096];
	uint8_t byte = (uint8_t)o->layout;
	FILE *f;

	memcpy(&h, rec, sizeof(h));
	if (h.type >= 64 || o->counts[h.type] >= SEED_PER_TYPE)
		return;
	o->counts[h.type]++;
	snprintf(path, sizeof(path), "%s/L%u-%s-%s-%u", o->dir, o->layout,
		 fuzz_record_layouts[o->layout].name, seed_type_name(h.type), o->counts[h.type]);
	f = fopen(path, "wb");
	if (!f || fwrite(&byte, 1, 1, f) != 1 || fwrite(rec, 1, size, f) != size || fclose(f)) {
		perror(path);
		exit(1);
	}
	o->written++;
}

/* Saves the records between data_tail and data_head, then consumes them. */
static void
seed_drain(struct seed_out *o, struct perf_event_mmap_page *pg)
{
	const uint8_t *data = (const uint8_t *)pg + pg->data_offset;
	uint64_t head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = pg->data_tail, mask = pg->data_size - 1;
	static uint64_t rec[65536 / 8]; /* header.size is 16 bits */

	while (tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header h;
		size_t i;

		for (i = 0; i < sizeof(h); i++)
			((uint8_t *)&h)[i] = data[(tail + i) & mask];
		if (h.size < sizeof(h) || tail + h.size > head)
			break;
		for (i = 0; i < h.size; i++)
			((uint8_t *)rec)[i] = data[(tail + i) & mask];
		seed_save(o, (const uint8_t *)rec, h.size);
		tail += h.size;
	}
	__atomic_store_n(&pg->data_tail, head, __ATOMIC_RELEASE);
}

static int
seed_layout(const char *dir, unsigned idx)
{
	const struct fuzz_record_layout *fl = &fuzz_record_layouts[idx];
	struct seed_out o = {.dir = dir, .layout = idx};
	long page = sysconf(_SC_PAGESIZE);
	int fds[4], nfds = 0, i;
	struct perf_event_mmap_page *pg;
	pthread_t th;
	void *exe;
	int fd;

	fds[nfds] = seed_open(fl, -1, true);
	if (fds[nfds] < 0) {
		fprintf(stderr, "seed-record: layout %s: perf_event_open: %s\n", fl->name,
			strerror(errno));
		return -1;
	}
	nfds++;
	for (i = 0; i < fl->members; i++) {
		fds[nfds] = seed_open(fl, fds[0], false);
		if (fds[nfds] < 0) {
			fprintf(stderr, "seed-record: layout %s: member: %s\n", fl->name,
				strerror(errno));
			return -1;
		}
		nfds++;
	}
	/* One data page: it fills up, and the kernel reports what it lost. */
	pg = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	if (pg == MAP_FAILED) {
		perror("seed-record: mmap");
		return -1;
	}
	ioctl(fds[0], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);

	/* Side-band records: MMAP2, COMM, FORK (the thread) and a first few samples. */
	fd = open("/bin/true", O_RDONLY | O_CLOEXEC);
	exe = fd >= 0 ? mmap(NULL, (size_t)page, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) : NULL;
	prctl(PR_SET_NAME, "prof-seed");
	if (pthread_create(&th, NULL, seed_thread, NULL) == 0)
		pthread_join(th, NULL);
	seed_burn(2);
	seed_drain(&o, pg);
	/* Now overflow the ring, drain it, and let the kernel write its LOST record. */
	seed_burn(30);
	seed_drain(&o, pg);
	seed_burn(3);
	ioctl(fds[0], PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
	seed_drain(&o, pg);

	munmap(pg, (size_t)page * 2);
	if (exe && exe != MAP_FAILED)
		munmap(exe, (size_t)page);
	if (fd >= 0)
		close(fd);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	printf("seed-record: layout %u (%s): %u records\n", idx, fl->name, o.written);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned i;
	int failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: seed-record OUTDIR\n");
		return 2;
	}
	for (i = 0; i < FUZZ_NLAYOUTS; i++)
		if (seed_layout(argv[1], i) < 0)
			failed = 1;
	return failed;
}
