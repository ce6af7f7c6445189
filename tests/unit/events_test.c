/*
 * events_test: event names to attrs, and a real sampler on this very thread: open cpu-clock with
 * callchains, burn CPU, and read back samples and side-band records through ring and record.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "record.h"
#include "ring.h"
#include "tap.h"

static void
test_parse(void)
{
	struct events_spec s;
	char *cause = NULL;

	/* The names themselves are pmu_test's; here: events_parse hands over pmu's encoding. */
	tap_ok(events_parse("cpu-clock", &s, &cause) == 0 && s.ev.type == PERF_TYPE_SOFTWARE &&
		       s.ev.config == PERF_COUNT_SW_CPU_CLOCK && !s.ev.modifiers,
	       "cpu-clock is software/cpu-clock");
	TAP_EQ_STR(s.ev.sample_type, "cpu", "cpu-clock's sample type is cpu");
	TAP_EQ_STR(s.ev.unit, "nanoseconds", "cpu-clock counts nanoseconds");
	events_spec_free(&s);
	tap_ok(events_parse("cycles-of-doom", &s, &cause) == -ENOENT && cause &&
		       strstr(cause, "cycles-of-doom"),
	       "unknown event is named");
	free(cause);
}

static struct events_config
config(bool kernel, bool freq, uint64_t rate)
{
	struct events_config cfg;
	char *cause = NULL;

	memset(&cfg, 0, sizeof(cfg));
	events_parse("cpu-clock", &cfg.specs[0], &cause);
	cfg.nspecs = 1;
	cfg.freq = freq;
	cfg.rate = rate;
	cfg.kernel = kernel;
	cfg.callchain = true;
	cfg.mmap_pages = 8;
	return cfg;
}

/* A group: cpu-clock sampling, page-faults and context-switches counted with it. */
static struct events_config
group_config(void)
{
	struct events_config cfg = config(false, true, 1000);
	char *cause = NULL;

	events_parse("page-faults", &cfg.specs[1], &cause);
	events_parse("cs", &cfg.specs[2], &cause);
	cfg.nspecs = 3;
	return cfg;
}

static void
test_group_attr(void)
{
	struct events_config cfg = group_config();
	struct perf_event_attr a, m;
	char *cause = NULL;

	events_attr(&cfg, 0, false, &a);
	events_attr(&cfg, 1, false, &m);
	tap_ok(a.sample_type & PERF_SAMPLE_READ, "a group leader reads its members with each sample");
	tap_ok(a.read_format == (PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED |
				 PERF_FORMAT_TOTAL_TIME_RUNNING),
	       "group read format: values, ids, enabled and running times");
	tap_ok(m.sample_period == 0 && !m.freq && m.sample_type == 0 && !m.mmap && !m.comm,
	       "members are counted, never sampled, and ask for no side-band records");
	tap_ok(!m.disabled, "members follow their leader");
	tap_ok(m.read_format == a.read_format, "members share the read format");
	events_config_free(&cfg);

	cfg = config(false, true, 1000);
	events_spec_free(&cfg.specs[0]);
	events_parse("software/config=0,period=12345/", &cfg.specs[0], &cause);
	free(cause);
	events_attr(&cfg, 0, false, &a);
	tap_ok(!a.freq && a.sample_period == 12345, "an event's period= term overrides -F");
	events_config_free(&cfg);
}

static void
test_attr(void)
{
	struct events_config cfg = config(false, true, 999);
	struct perf_event_attr a;
	struct record_layout l;

	events_attr(&cfg, 0, true, &a);
	tap_ok(a.type == PERF_TYPE_SOFTWARE && a.config == PERF_COUNT_SW_CPU_CLOCK, "attr event");
	tap_ok(a.freq && a.sample_freq == 999, "attr samples at 999 Hz");
	tap_ok(a.disabled && a.enable_on_exec, "attr starts at exec");
	tap_ok(a.exclude_kernel && a.exclude_callchain_kernel, "no kernel without privilege");
	tap_ok((a.sample_type & (PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
				 PERF_SAMPLE_PERIOD | PERF_SAMPLE_IP)) ==
		       (PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			PERF_SAMPLE_PERIOD | PERF_SAMPLE_IP),
	       "attr sample_type");
	tap_ok(!(a.sample_type & PERF_SAMPLE_READ), "no group read for a single event");
	tap_ok(a.mmap && a.mmap2 && a.comm && a.comm_exec && a.task && a.sample_id_all,
	       "attr asks for side-band records");
	tap_ok(a.use_clockid && a.clockid == CLOCK_MONOTONIC, "attr uses CLOCK_MONOTONIC");
	tap_ok(!a.inherit, "per-thread: no inherit");
	events_layout(&cfg, &l);
	tap_ok(l.sample_type == a.sample_type && l.sample_id_all, "layout follows attr");
	events_spec_free(&cfg.specs[0]);

	cfg = config(true, false, 250000);
	events_attr(&cfg, 0, false, &a);
	tap_ok(!a.exclude_kernel && !a.freq && a.sample_period == 250000 && !a.enable_on_exec,
	       "kernel allowed, period mode");
	events_spec_free(&cfg.specs[0]);
}

static void
test_offcpu_attr(void)
{
	struct events_config cfg = config(true, true, 999);
	struct perf_event_attr a, c;

	cfg.dwarf = true;
	cfg.stack_size = 4096;
	cfg.off_cpu = cfg.off_cpu_stacks = true;
	events_attr(&cfg, 0, true, &a);
	events_attr_offcpu(&cfg, true, &c);
	tap_ok(a.context_switch, "--off-cpu: the leader asks for PERF_RECORD_SWITCH");
	tap_ok(c.type == PERF_TYPE_SOFTWARE && c.config == PERF_COUNT_SW_CONTEXT_SWITCHES &&
		       !c.freq && c.sample_period == 1,
	       "--off-cpu: every context switch is sampled");
	tap_ok(c.sample_type == a.sample_type && c.read_format == a.read_format &&
		       c.sample_regs_user == a.sample_regs_user &&
		       c.sample_stack_user == a.sample_stack_user && c.sample_id_all,
	       "--off-cpu: the switch sampler has the leader's record layout (one ring)");
	tap_ok(!c.exclude_kernel && c.use_clockid && c.clockid == a.clockid,
	       "--off-cpu: kernel mode (where switches happen), the leader's clock");
	tap_ok(!c.mmap && !c.comm && !c.task && !c.context_switch && c.disabled &&
		       c.enable_on_exec,
	       "--off-cpu: no side-band records twice; starts with the leader");
	cfg.off_cpu = false;
	events_attr(&cfg, 0, false, &a);
	tap_ok(!a.context_switch, "no PERF_RECORD_SWITCH without --off-cpu");
	events_spec_free(&cfg.specs[0]);
}

struct seen {
	unsigned samples, with_chain, bad;
	pid_t tid;
	struct record_layout layout;
};

static int
on_record(const void *buf, size_t len, void *arg)
{
	struct seen *s = arg;
	struct record r;

	if (record_parse(&s->layout, buf, len, &r) < 0) {
		s->bad++;
		return 0;
	}
	if (r.type == PERF_RECORD_SAMPLE && (pid_t)r.u.sample.tid == s->tid) {
		s->samples++;
		if (r.u.sample.nr_ips > 1)
			s->with_chain++;
	}
	return 0;
}

static void
burn(double secs)
{
	struct timespec a, b;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i * 7;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	} while ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < secs);
}

static void
test_open(void)
{
	struct events_config cfg = config(false, true, 1000);
	struct events_group g;
	struct seen seen = {0};
	int failed, err;

	seen.tid = gettid();
	events_layout(&cfg, &seen.layout);
	err = events_open(&cfg, gettid(), false, &g, &failed);
	if (!tap_ok(err == 0, "cpu-clock group opens on this thread")) {
		tap_diag("events_open: %s (event %d)", strerror(-err), failed);
		events_spec_free(&cfg.specs[0]);
		return;
	}
	tap_ok(g.nfds == 1 && g.ids[0] != 0, "group has one fd with an id");
	burn(0.2);
	events_disable(&g);
	tap_ok(ring_read(&g.ring, on_record, &seen) > 0, "ring has records");
	tap_ok(seen.samples >= 100 && seen.samples <= 300,
	       "about 200 samples in 0.2 s at 1000 Hz (got %u)", seen.samples);
	tap_ok(seen.with_chain == seen.samples, "every sample has a callchain");
	tap_ok(seen.bad == 0, "every record parses");
	events_close(&g);
	events_spec_free(&cfg.specs[0]);
}

/* The group's member deltas add up to a final read of each member. */
static void
test_group_open(void)
{
	struct events_config cfg = group_config();
	struct events_group g;
	struct seen seen = {0};
	uint64_t buf[3 + 2 * EVENTS_MAX];
	int failed, err;
	ssize_t n;

	seen.tid = gettid();
	events_layout(&cfg, &seen.layout);
	err = events_open(&cfg, gettid(), false, &g, &failed);
	if (!tap_ok(err == 0, "{cpu-clock, page-faults, cs} group opens")) {
		tap_diag("events_open: %s (event %d)", strerror(-err), failed);
		events_config_free(&cfg);
		return;
	}
	tap_ok(g.nfds == 3 && g.ids[0] && g.ids[1] && g.ids[2], "three fds with ids");
	{
		/* fresh pages: page faults for the member to count */
		char *p = malloc(64 << 20);

		for (size_t i = 0; p && i < (64u << 20); i += 4096)
			p[i] = 1;
		free(p);
	}
	burn(0.1);
	events_disable(&g);
	n = read(g.fds[0], buf, sizeof(buf));
	tap_ok(n == (ssize_t)((3 + 2 * 3) * sizeof(uint64_t)) && buf[0] == 3,
	       "a group read returns nr=3 and three {value, id} pairs");
	tap_ok(buf[4] == g.ids[0] && buf[6] == g.ids[1] && buf[8] == g.ids[2],
	       "values come in group order with their ids");
	tap_ok(buf[5] >= 16384 / 2, "page-faults counted the fresh pages (%llu)",
	       (unsigned long long)buf[5]);
	tap_ok(buf[1] == buf[2], "a software group never multiplexes (enabled == running)");
	tap_ok(ring_read(&g.ring, on_record, &seen) > 0 && seen.bad == 0,
	       "samples with group reads parse");
	events_close(&g);
	events_config_free(&cfg);
}

int
main(void)
{
	test_parse();
	test_attr();
	test_group_attr();
	test_offcpu_attr();
	test_open();
	test_group_open();
	return tap_done();
}
