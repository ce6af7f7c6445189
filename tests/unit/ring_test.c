/*
 * ring_test: ring_read over a fake meta page and a small data area that a tiny writer fills the
 * way the kernel does (records at data_head, wrapping at the end, head published last). Checks
 * that records come out whole, in order and aligned, wrapped ones included; that the tail moves
 * exactly as far as the records consumed; and that corruption and overruns are handled. Ends
 * with one live check against the kernel's ring when perf_event_open is allowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "record.h"
#include "ring.h"
#include "tap.h"

static struct perf_event_mmap_page meta __attribute__((aligned(64)));
static uint64_t small_area[256 / 8];
static uint64_t big_area[(128 << 10) / 8];

/* Record bytes are a function of (seq, offset), so the reader can check them independently. */
static uint8_t
body_byte(uint16_t seq, size_t i)
{
	return (uint8_t)(seq * 131u + i * 7u + 1u);
}

/*
 * The kernel's side: copy one record of `size` bytes in at data_head, wrapping, then publish
 * head with release so the bytes are visible first. Refuses when the reader's tail is in the
 * way, as the kernel does for a writable mapping.
 */
static bool
writer_put(struct ring *r, uint16_t seq, uint16_t size)
{
	uint64_t head = meta.data_head, tail = meta.data_tail;
	struct perf_event_header h = {.type = 0x4000, .misc = seq, .size = size};
	uint8_t hb[sizeof(h)];

	if (size > r->size - (head - tail))
		return false;
	memcpy(hb, &h, sizeof(h));
	for (size_t i = 0; i < size; i++) {
		uint8_t v = i < sizeof(h) ? hb[i] : body_byte(seq, i);

		r->data[(head + i) & (r->size - 1)] = v;
	}
	__atomic_store_n(&meta.data_head, head + size, __ATOMIC_RELEASE);
	return true;
}

/* Raw bytes at head (a corrupt header), then head moved by `advance`. */
static void
writer_raw(struct ring *r, uint16_t type, uint16_t size, uint64_t advance)
{
	struct perf_event_header h = {.type = type, .misc = 0, .size = size};
	uint64_t head = meta.data_head;

	memcpy(r->data + (head & (r->size - 1)), &h, sizeof(h));
	meta.data_head = head + advance;
}

struct got {
	const struct ring *r;
	uint16_t next_seq; /* the seq the next record must carry */
	int n;
	int bad;    /* records with the wrong seq, length or bytes */
	int copied; /* records handed over from outside the data area (the wrap copy) */
	int stop_after;
	int stop_ret;
};

static int
collect(const void *rec, size_t len, void *arg)
{
	struct got *g = arg;
	struct perf_event_header h;
	const uint8_t *p = rec;
	bool good;

	memcpy(&h, rec, sizeof(h));
	good = ((uintptr_t)rec & 7) == 0 && len == h.size && h.misc == g->next_seq &&
	       h.type == 0x4000;
	for (size_t i = sizeof(h); good && i < len; i++)
		good = p[i] == body_byte(h.misc, i);
	if (!good) {
		if (g->bad++ < 5)
			tap_diag("bad record: seq %u want %u, len %zu", h.misc, g->next_seq, len);
	}
	if (p < g->r->data || p >= g->r->data + g->r->size)
		g->copied++;
	g->next_seq++;
	g->n++;
	if (g->stop_after && g->n == g->stop_after)
		return g->stop_ret;
	return 0;
}

static void
reset(struct ring *r, uint64_t *area, uint64_t size, uint64_t pos)
{
	memset(&meta, 0, sizeof(meta));
	memset(area, 0, size);
	meta.data_head = pos;
	meta.data_tail = pos;
	ring_init_memory(r, &meta, (uint8_t *)area, size);
}

static void
test_basic(void)
{
	struct ring r;
	struct got g = {.r = &r};
	int ret;

	reset(&r, small_area, sizeof(small_area), 0);
	TAP_EQ_U64(ring_read(&r, collect, &g), 0, "empty ring reads nothing");
	tap_ok(!ring_pending(&r), "empty ring has nothing pending");

	writer_put(&r, 0, 16);
	writer_put(&r, 1, 24);
	writer_put(&r, 2, 8);
	tap_ok(ring_pending(&r), "records pending");
	ret = ring_read(&r, collect, &g);
	TAP_EQ_U64(ret, 3, "three records");
	tap_ok(g.bad == 0 && g.n == 3 && g.copied == 0, "delivered in place, intact, in order");
	TAP_EQ_U64(meta.data_tail, 48, "tail at head");
	tap_ok(!ring_pending(&r), "nothing pending after");
}

static void
test_wrap(void)
{
	struct ring r;
	struct got g = {.r = &r};

	/* Header in the last 8 bytes, body at the start. */
	reset(&r, small_area, sizeof(small_area), 248);
	writer_put(&r, 0, 40);
	TAP_EQ_U64(ring_read(&r, collect, &g), 1, "wrapping record read");
	tap_ok(g.bad == 0 && g.copied == 1, "wrapping record copied out whole");
	TAP_EQ_U64(meta.data_tail, 288, "tail past the wrap");

	/* A record ending exactly at the end is not a wrap; the next starts at offset 0. */
	reset(&r, small_area, sizeof(small_area), 200);
	g = (struct got){.r = &r};
	writer_put(&r, 0, 56);
	writer_put(&r, 1, 16);
	TAP_EQ_U64(ring_read(&r, collect, &g), 2, "records up to and after the end");
	tap_ok(g.bad == 0 && g.copied == 0, "both delivered in place");

	/* A record filling the whole buffer, body wrapping. */
	reset(&r, small_area, sizeof(small_area), 128);
	g = (struct got){.r = &r};
	tap_ok(writer_put(&r, 0, 256), "writer fills the buffer");
	tap_ok(!writer_put(&r, 1, 8), "writer stops at the tail");
	TAP_EQ_U64(ring_read(&r, collect, &g), 1, "full buffer read");
	tap_ok(g.bad == 0 && g.copied == 1, "full-buffer record intact");

	/* The largest record there can be (65528 bytes), wrapping: the whole scratch buffer. */
	reset(&r, big_area, sizeof(big_area), sizeof(big_area) - 8);
	g = (struct got){.r = &r};
	writer_put(&r, 0, 65528);
	writer_put(&r, 1, 65528);
	TAP_EQ_U64(ring_read(&r, collect, &g), 2, "two 65528-byte records");
	tap_ok(g.bad == 0 && g.copied == 1, "largest record survives the wrap copy");

	/* Positions are free-running u64 counters and may themselves wrap. */
	reset(&r, small_area, sizeof(small_area), UINT64_MAX - 15);
	g = (struct got){.r = &r};
	writer_put(&r, 0, 32);
	writer_put(&r, 1, 32);
	TAP_EQ_U64(ring_read(&r, collect, &g), 2, "read across the u64 wrap of positions");
	tap_ok(g.bad == 0 && g.copied == 1, "intact across the u64 wrap");
	TAP_EQ_U64(meta.data_tail, 48, "tail wrapped too");
}

static void
test_early_stop(void)
{
	struct ring r;
	struct got g = {.r = &r, .stop_after = 2, .stop_ret = 7};

	reset(&r, small_area, sizeof(small_area), 0);
	for (uint16_t i = 0; i < 5; i++)
		writer_put(&r, i, 24);
	TAP_EQ_U64(ring_read(&r, collect, &g), 7, "callback's value returned");
	TAP_EQ_U64(meta.data_tail, 48, "tail released up to the stopping record");
	tap_ok(ring_pending(&r), "the rest still pending");
	g.stop_after = 0;
	g.n = 0;
	TAP_EQ_U64(ring_read(&r, collect, &g), 3, "the rest on the next read");
	tap_ok(g.bad == 0, "resumed in order");

	for (uint16_t i = 5; i < 8; i++)
		writer_put(&r, i, 16);
	g.n = 0;
	g.stop_after = 1;
	g.stop_ret = -5;
	TAP_EQ_U64(ring_read(&r, collect, &g), -5, "negative callback value returned as is");
	TAP_EQ_U64(meta.data_tail, 120 + 16, "one record consumed");
	g.stop_ret = -EBADMSG;
	g.n = 0;
	TAP_EQ_U64(ring_read(&r, collect, &g), -EBADMSG,
		   "callback's -EBADMSG is the callback's, not corruption");
	TAP_EQ_U64(meta.data_tail, 120 + 32, "and drops nothing");
}

static void
test_corrupt(void)
{
	static const struct {
		uint16_t size;
		const char *what;
	} cases[] = {
		{0, "size 0"},
		{4, "size 4"},
		{12, "size not a multiple of 8"},
		{64, "size past head"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ring r;
		struct got g = {.r = &r};
		char name[80];

		reset(&r, small_area, sizeof(small_area), 232);
		writer_put(&r, 0, 16);
		writer_raw(&r, 0x4000, cases[i].size, 32);
		snprintf(name, sizeof(name), "corrupt %s is -EBADMSG", cases[i].what);
		TAP_EQ_U64(ring_read(&r, collect, &g), -EBADMSG, name);
		tap_ok(g.n == 1 && g.bad == 0, "the good record before it delivered");
		TAP_EQ_U64(meta.data_tail, meta.data_head, "tail == head after corruption");
	}

	{
		struct ring r;
		struct got g = {.r = &r};

		/* A tail off the 8-byte grid cannot be framed either. */
		reset(&r, small_area, sizeof(small_area), 4);
		meta.data_head = 36;
		TAP_EQ_U64(ring_read(&r, collect, &g), -EBADMSG, "misaligned tail is -EBADMSG");
		tap_ok(g.n == 0 && meta.data_tail == 36, "nothing delivered, tail at head");
	}
}

static void
test_overrun(void)
{
	struct ring r;
	struct got g = {.r = &r};

	reset(&r, small_area, sizeof(small_area), 1000);
	meta.data_head = 1000 + 512;
	TAP_EQ_U64(ring_read(&r, collect, &g), 0, "overrun reads nothing");
	TAP_EQ_U64(r.overruns, 1, "overrun counted");
	TAP_EQ_U64(meta.data_tail, 1512, "skipped to head");
	tap_ok(g.n == 0, "no callback");

	meta.data_head = 1000; /* behind the tail: as lost as far ahead */
	TAP_EQ_U64(ring_read(&r, collect, &g), 0, "head behind tail reads nothing");
	TAP_EQ_U64(r.overruns, 2, "counted as an overrun");
	TAP_EQ_U64(meta.data_tail, 1000, "tail at head");

	/* Exactly full is not an overrun. */
	writer_put(&r, 0, 128);
	writer_put(&r, 1, 128);
	TAP_EQ_U64(ring_read(&r, collect, &g), 2, "exactly full buffer read");
	TAP_EQ_U64(r.overruns, 2, "no overrun when exactly full");
}

/* xorshift64*: a fixed seed so a failure reproduces. */
static uint64_t rng_state = 0x2545f4914f6cdd1d;

static uint64_t
rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

/* The writer and reader take turns for many laps, random sizes, random early stops. */
static void
test_random(uint64_t start, const char *name)
{
	struct ring r;
	struct got g = {.r = &r};
	uint16_t seq = 0;
	long reads = 0, stops = 0;
	int errors = 0;

	reset(&r, small_area, sizeof(small_area), start);
	for (int iter = 0; iter < 20000; iter++) {
		int want = (int)(rng_next() % 8), ret;

		for (int i = 0; i < want; i++) {
			uint16_t size = (uint16_t)(8 * (1 + rng_next() % 32));

			if (!writer_put(&r, seq, size))
				break;
			seq++;
		}
		g.stop_after = rng_next() % 4 == 0 ? 1 + (int)(rng_next() % 3) : 0;
		g.stop_ret = 1;
		g.n = 0;
		ret = ring_read(&r, collect, &g);
		if (ret < 0 || (g.stop_after && g.n == g.stop_after ? ret != 1 : ret != g.n))
			errors++;
		if (g.stop_after && g.n == g.stop_after)
			stops++;
		reads += g.n;
	}
	g.stop_after = 0;
	g.n = 0;
	ring_read(&r, collect, &g);
	reads += g.n;
	tap_ok(errors == 0, "%s: return values", name);
	tap_ok(g.bad == 0, "%s: every record intact and in order", name);
	TAP_EQ_U64(reads, seq, "all written records read");
	tap_ok(meta.data_tail == meta.data_head, "%s: tail at head", name);
	tap_ok(meta.data_head - start > 50 * sizeof(small_area) && stops > 100 && g.copied > 100,
	       "%s: %ld records, %d wrap copies, %ld early stops over %" PRIu64 " laps", name,
	       reads, g.copied, stops, (meta.data_head - start) / sizeof(small_area));
}

static volatile uint64_t live_sink;

static long
perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group, unsigned long flags)
{
	return syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);
}

struct live {
	const struct record_layout *layout;
	int records, samples, mmaps, comms, errors;
};

static int
live_record(const void *rec, size_t len, void *arg)
{
	struct live *lv = arg;
	struct record out;
	int ret;

	lv->records++;
	ret = record_parse(lv->layout, rec, len, &out);
	if (ret < 0) {
		if (lv->errors++ < 5)
			tap_diag("record %s: %d", record_type_name(out.type), ret);
		return 0;
	}
	if (out.type == PERF_RECORD_SAMPLE && out.u.sample.pid == (uint32_t)getpid())
		lv->samples++;
	if (out.type == PERF_RECORD_MMAP2 && out.sid.valid)
		lv->mmaps++;
	if (out.type == PERF_RECORD_COMM && out.sid.valid)
		lv->comms++;
	return 0;
}

/*
 * The real thing: a task-clock sampler on ourselves (user-only, allowed at paranoid 2), a
 * fresh executable mapping and a thread rename to produce MMAP2 and COMM, then every record
 * through ring_read and record_parse.
 */
static void
test_live(void)
{
	const struct record_layout layout = {
		.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			       PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD |
			       PERF_SAMPLE_CALLCHAIN,
		.sample_id_all = true,
	};
	struct perf_event_attr attr;
	struct live lv = {.layout = &layout};
	struct timespec t0, t1;
	long page = sysconf(_SC_PAGESIZE);
	struct ring r;
	void *map;
	int fd, exe, ret;

	TAP_EQ_U64(ring_map(&r, -1, 3), -EINVAL, "ring_map: data pages must be a power of two");
	TAP_EQ_U64(ring_map(&r, -1, 4), -EBADF, "ring_map: bad fd is -EBADF");

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_TASK_CLOCK;
	attr.sample_period = 200000; /* ns */
	attr.sample_type = layout.sample_type;
	attr.sample_id_all = 1;
	attr.mmap = 1;
	attr.mmap2 = 1;
	attr.comm = 1;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	attr.exclude_callchain_kernel = 1;
	attr.watermark = 1;
	attr.wakeup_watermark = 4096;
	fd = (int)perf_event_open(&attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		tap_ok(1, "live ring # SKIP perf_event_open: %s", strerror(errno));
		return;
	}
	ret = ring_map(&r, fd, 16);
	if (!tap_ok(ret == 0, "ring_map on a real event")) {
		tap_diag("ring_map: %s", strerror(-ret));
		close(fd);
		return;
	}
	TAP_EQ_U64(r.size, 16 * (uint64_t)page, "data area is 16 pages");
	tap_ok(r.data == (uint8_t *)r.base + page && r.map_size == 17 * (size_t)page,
	       "data area after the meta page");
	tap_ok(!ring_pending(&r), "nothing pending before enable");

	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	map = exe >= 0 ? mmap(NULL, (size_t)page, PROT_READ | PROT_EXEC, MAP_PRIVATE, exe, 0)
		       : MAP_FAILED;
	{
		/* A thread rename (as PR_SET_NAME does) emits a COMM record. */
		int cfd = open("/proc/self/comm", O_WRONLY | O_CLOEXEC);

		if (cfd >= 0) {
			if (write(cfd, "ring_test_live", 14) < 0)
				tap_diag("rename: %s", strerror(errno));
			close(cfd);
		}
	}
	/* Burn 40 ms of CPU (not wall) time, draining as we go so the ring cannot fill. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			live_sink += (uint64_t)i * 2654435761u;
		if (ring_read(&r, live_record, &lv) < 0)
			lv.errors++;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	} while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 40000000L);
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	if (ring_read(&r, live_record, &lv) < 0)
		lv.errors++;

	tap_ok(lv.errors == 0, "live: %d records, all parse", lv.records);
	tap_ok(lv.samples > 10, "live: %d samples of ourselves", lv.samples);
	tap_ok(map == MAP_FAILED || lv.mmaps >= 1, "live: MMAP2 for a new exec mapping (%d)",
	       lv.mmaps);
	tap_ok(lv.comms >= 1, "live: COMM for the rename (%d)", lv.comms);
	tap_ok(!ring_pending(&r) && r.meta->data_tail == r.meta->data_head,
	       "live: tail published at head");

	if (map != MAP_FAILED)
		munmap(map, (size_t)page);
	if (exe >= 0)
		close(exe);
	ring_unmap(&r);
	tap_ok(r.base == NULL && r.meta == NULL, "ring_unmap clears the ring");
	close(fd);
}

int
main(void)
{
	test_basic();
	test_wrap();
	test_early_stop();
	test_corrupt();
	test_overrun();
	test_random(0, "random from 0");
	test_random(UINT64_MAX - 1023, "random across the u64 wrap");
	test_live();
	return tap_done();
}
