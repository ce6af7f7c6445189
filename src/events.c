/*
 * events: from an event name to perf_event_attr, and the per-thread sampler groups.
 *
 * Every thread gets its own group (pid = tid, cpu = -1, no inherit): the kernel then gives
 * PERF_SAMPLE_READ group values on any version, and each thread has its own ring, so a thread
 * that exits simply hangs up its fd. New threads are found by ptrace (see target.c) and get their
 * group while they are still stopped at birth.
 */
#include "events.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

struct events_name {
	const char *name;
	uint32_t type;
	uint64_t config;
	const char *sample_type;
	const char *unit;
};

/* Software events: these work on every machine, virtual ones included. */
static const struct events_name events_software[] = {
	{"cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, "cpu", "nanoseconds"},
	{"task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, "cpu", "nanoseconds"},
	{"page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, "page-faults", "count"},
	{"faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, "page-faults", "count"},
	{"minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN, "minor-faults", "count"},
	{"major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ, "major-faults", "count"},
	{"context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, "context-switches",
	 "count"},
	{"cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, "context-switches", "count"},
	{"cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, "cpu-migrations",
	 "count"},
	{"migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, "cpu-migrations", "count"},
	{"alignment-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS, "alignment-faults",
	 "count"},
	{"emulation-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS, "emulation-faults",
	 "count"},
};

int
events_parse(const char *str, struct events_spec *out, char **cause)
{
	char base[128];
	const char *colon;
	size_t i, len;

	memset(out, 0, sizeof(*out));
	colon = strchr(str, ':');
	len = colon ? (size_t)(colon - str) : strlen(str);
	if (len == 0 || len >= sizeof(base)) {
		*cause = log_cause("bad event '%s': empty or too long name", str);
		return -EINVAL;
	}
	memcpy(base, str, len);
	base[len] = '\0';

	if (colon) {
		const char *m;
		bool u = false, k = false;

		if (!colon[1]) {
			*cause = log_cause("bad event '%s': empty modifier after ':'", str);
			return -EINVAL;
		}
		for (m = colon + 1; *m; m++) {
			if (*m == 'u')
				u = true;
			else if (*m == 'k')
				k = true;
			else {
				*cause = log_cause("bad event '%s': unknown modifier '%c' "
						   "(known: u = user, k = kernel)",
						   str, *m);
				return -EINVAL;
			}
		}
		out->modifiers = true;
		out->exclude_user = !u;
		out->exclude_kernel = !k;
	}

	for (i = 0; i < sizeof(events_software) / sizeof(events_software[0]); i++) {
		const struct events_name *e = &events_software[i];

		if (strcmp(e->name, base) != 0)
			continue;
		out->name = xstrdup(str);
		out->type = e->type;
		out->config = e->config;
		out->sample_type = e->sample_type;
		out->unit = e->unit;
		return 0;
	}
	*cause = log_cause("unknown event '%s' (this version knows the software events: cpu-clock, "
			   "task-clock, page-faults, minor-faults, major-faults, context-switches, "
			   "cpu-migrations)",
			   base);
	return -ENOENT;
}

void
events_spec_free(struct events_spec *spec)
{
	free(spec->name);
	spec->name = NULL;
}

void
events_attr(const struct events_config *cfg, size_t i, bool enable_on_exec,
	    struct perf_event_attr *attr)
{
	const struct events_spec *spec = &cfg->specs[i];

	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	attr->type = spec->type;
	attr->config = spec->config;
	attr->config1 = spec->config1;
	attr->config2 = spec->config2;
	if (spec->modifiers) {
		attr->exclude_user = spec->exclude_user;
		attr->exclude_kernel = spec->exclude_kernel;
	} else {
		attr->exclude_kernel = !cfg->kernel;
	}
	attr->exclude_hv = 1;
	/* One clock for every record, comparable with our own clock_gettime(CLOCK_MONOTONIC). */
	attr->use_clockid = 1;
	attr->clockid = CLOCK_MONOTONIC;
	attr->read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED |
			    PERF_FORMAT_TOTAL_TIME_RUNNING;

	if (i > 0) {
		/* Members are counted, never sampled; the leader switches them on and off. */
		return;
	}
	attr->disabled = 1;
	attr->enable_on_exec = enable_on_exec;
	if (cfg->freq) {
		attr->freq = 1;
		attr->sample_freq = cfg->rate;
	} else {
		attr->sample_period = cfg->rate;
	}
	attr->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			    PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD;
	if (cfg->nspecs > 1)
		attr->sample_type |= PERF_SAMPLE_READ;
	if (cfg->callchain) {
		attr->sample_type |= PERF_SAMPLE_CALLCHAIN;
		attr->exclude_callchain_kernel = attr->exclude_kernel;
	}
	attr->sample_id_all = 1;
	/* Side-band records of this thread: its mmaps, names and children. */
	attr->mmap = 1;
	attr->mmap2 = 1;
	attr->comm = 1;
	attr->comm_exec = 1;
	attr->task = 1;
	/* Wake the reader when a quarter of the ring is used, whatever the record types. */
	attr->watermark = 1;
	attr->wakeup_watermark = (uint32_t)((cfg->mmap_pages * (uint64_t)sysconf(_SC_PAGESIZE)) / 4);
}

void
events_layout(const struct events_config *cfg, struct record_layout *out)
{
	struct perf_event_attr attr;

	events_attr(cfg, 0, false, &attr);
	memset(out, 0, sizeof(*out));
	out->sample_type = attr.sample_type;
	out->read_format = attr.read_format;
	out->sample_regs_user = attr.sample_regs_user;
	out->sample_id_all = attr.sample_id_all;
}

static int
events_perf_open(struct perf_event_attr *attr, pid_t tid, int group_fd)
{
	long fd = syscall(SYS_perf_event_open, attr, tid, -1, group_fd, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : (int)fd;
}

int
events_open(const struct events_config *cfg, pid_t tid, bool enable_on_exec,
	    struct events_group *g, int *failed)
{
	size_t i;
	int err;

	memset(g, 0, sizeof(*g));
	g->tid = tid;
	*failed = -1;
	for (i = 0; i < cfg->nspecs; i++) {
		struct perf_event_attr attr;
		int fd;

		events_attr(cfg, i, enable_on_exec, &attr);
		fd = events_perf_open(&attr, tid, i ? g->fds[0] : -1);
		if (fd < 0) {
			*failed = (int)i;
			err = fd;
			goto fail;
		}
		g->fds[g->nfds++] = fd;
		if (ioctl(fd, PERF_EVENT_IOC_ID, &g->ids[i]) < 0) {
			err = -errno;
			goto fail;
		}
	}
	err = ring_map(&g->ring, g->fds[0], cfg->mmap_pages);
	if (err < 0)
		goto fail;
	if (!enable_on_exec && ioctl(g->fds[0], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP) < 0) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	events_close(g);
	return err;
}

int
events_disable(struct events_group *g)
{
	if (g->nfds && ioctl(g->fds[0], PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP) < 0)
		return -errno;
	return 0;
}

void
events_close(struct events_group *g)
{
	size_t i;

	if (g->ring.base)
		ring_unmap(&g->ring);
	/* Members first: closing the leader first would promote them to singletons. */
	for (i = g->nfds; i-- > 0;)
		close(g->fds[i]);
	g->nfds = 0;
}
