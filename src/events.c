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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "log.h"
#include "xalloc.h"

int
events_parse(const char *str, struct events_spec *out, char **cause)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->spec, sizeof(out->spec), "%s", str);
	return pmu_parse(str, NULL, &out->ev, cause);
}

void
events_spec_free(struct events_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
}

void
events_config_free(struct events_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nspecs; i++)
		events_spec_free(&cfg->specs[i]);
	cfg->nspecs = 0;
}

void
events_attr(const struct events_config *cfg, size_t i, bool enable_on_exec,
	    struct perf_event_attr *attr)
{
	const struct pmu_event *ev = &cfg->specs[i].ev;

	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	attr->type = ev->type;
	attr->config = ev->config;
	attr->config1 = ev->config1;
	attr->config2 = ev->config2;
	attr->precise_ip = (unsigned)ev->precise;
	if (ev->modifiers) {
		attr->exclude_user = ev->exclude_user;
		attr->exclude_kernel = ev->exclude_kernel;
		attr->exclude_hv = ev->exclude_hv;
	} else {
		attr->exclude_kernel = !cfg->kernel;
		attr->exclude_hv = 1;
	}
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
	if (ev->has_period) {
		attr->sample_period = ev->period; /* the event's own period= term wins */
	} else if (ev->has_freq) {
		attr->freq = 1;
		attr->sample_freq = ev->freq;
	} else if (cfg->freq) {
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
	if (cfg->callchain && cfg->dwarf && arch_regs()) {
		/*
		 * Registers and a copy of the stack, unwound with CFI afterwards. The kernel's
		 * user callchain stays on (perf turns it off): it is the frame-pointer fallback
		 * where CFI runs out.
		 */
		attr->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		attr->sample_regs_user = arch_regs()->perf_mask;
		attr->sample_stack_user = cfg->stack_size;
	}
	attr->sample_id_all = 1;
	/* Side-band records of this thread: its mmaps, names and children. */
	attr->mmap = 1;
	attr->mmap2 = 1;
	attr->comm = 1;
	attr->comm_exec = 1;
	attr->task = 1;
	/*
	 * --off-cpu: PERF_RECORD_SWITCH in and out of this thread. Allowed at any paranoia level
	 * for a task's own events; the SWITCH_IN record is when an off-CPU interval ends.
	 */
	attr->context_switch = cfg->off_cpu;
	/* Wake the reader when a quarter of the ring is used, whatever the record types. */
	attr->watermark = 1;
	attr->wakeup_watermark = (uint32_t)((cfg->mmap_pages * (uint64_t)sysconf(_SC_PAGESIZE)) / 4);
}

void
events_attr_offcpu(const struct events_config *cfg, bool enable_on_exec,
		   struct perf_event_attr *attr)
{
	/* The leader's sample_type, regs and stack size: one record layout per ring. */
	events_attr(cfg, 0, enable_on_exec, attr);
	attr->type = PERF_TYPE_SOFTWARE;
	attr->config = PERF_COUNT_SW_CONTEXT_SWITCHES;
	attr->config1 = attr->config2 = 0;
	attr->precise_ip = 0;
	attr->freq = 0;
	attr->sample_period = 1;
	/*
	 * A thread may switch 100k times a second: a full stack copy each time would be hundreds
	 * of MB/s through the ring, and as many DWARF unwinds for prof. A shorter copy covers the
	 * frames near the blocking call; the kernel's frame-pointer chain carries on from there.
	 */
	if (attr->sample_stack_user && cfg->off_cpu_stack_size &&
	    cfg->off_cpu_stack_size < attr->sample_stack_user)
		attr->sample_stack_user = cfg->off_cpu_stack_size;
	/*
	 * The event fires inside schedule(), in kernel mode: excluding the kernel would exclude
	 * every one of them. The user registers and stack are still those of the thread's entry
	 * into the kernel, so the user stack is unwound as for any other sample.
	 */
	attr->exclude_kernel = 0;
	attr->exclude_user = 0;
	attr->exclude_hv = 1;
	attr->exclude_callchain_kernel = !cfg->kernel;
	/* The leader already reports mmaps, names, children and switches. */
	attr->mmap = attr->mmap2 = attr->comm = attr->comm_exec = attr->task = 0;
	attr->context_switch = 0;
	attr->watermark = 0;
	attr->wakeup_watermark = 0;
	attr->wakeup_events = 0;
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
events_perf_open(struct perf_event_attr *attr, pid_t tid, int cpu, int group_fd)
{
	long fd = syscall(SYS_perf_event_open, attr, tid, cpu, group_fd, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : (int)fd;
}

/* Opens the group's fds (tid, cpu), optionally with inherit. */
static int
events_open_fds(const struct events_config *cfg, pid_t tid, int cpu, bool inherit,
		bool enable_on_exec, struct events_group *g, int *failed)
{
	size_t i;

	memset(g, 0, sizeof(*g));
	g->tid = tid;
	*failed = -1;
	for (i = 0; i < cfg->nspecs; i++) {
		struct perf_event_attr attr;
		int fd;

		events_attr(cfg, i, enable_on_exec, &attr);
		attr.inherit = inherit;
		/* Per-CPU rings of inherited groups cannot pair switches in time order. */
		if (inherit)
			attr.context_switch = 0;
		fd = events_perf_open(&attr, tid, cpu, i ? g->fds[0] : -1);
		if (fd == -EINVAL && i > 0 && !cfg->specs[i].ev.modifiers &&
		    (attr.exclude_kernel || attr.exclude_hv)) {
			/*
			 * Some PMUs cannot exclude privilege levels at all (msr: "no exclude"
			 * capability); a counted member then counts every level, as perf does.
			 */
			attr.exclude_kernel = attr.exclude_hv = 0;
			fd = events_perf_open(&attr, tid, cpu, g->fds[0]);
		}
		if (fd < 0) {
			*failed = (int)i;
			return fd;
		}
		g->fds[g->nfds++] = fd;
		if (ioctl(fd, PERF_EVENT_IOC_ID, &g->ids[i]) < 0)
			return -errno;
	}
	if (cfg->off_cpu_stacks && !inherit) {
		struct perf_event_attr attr;
		int fd;

		events_attr_offcpu(cfg, enable_on_exec, &attr);
		fd = events_perf_open(&attr, tid, cpu, -1);
		if (fd < 0) {
			*failed = (int)cfg->nspecs;
			return fd;
		}
		g->cs_fd = fd;
		g->has_cs = true;
		if (ioctl(fd, PERF_EVENT_IOC_ID, &g->cs_id) < 0)
			return -errno;
	}
	return 0;
}

/*
 * Opens a group and gives it a ring: its own (output_fd -1) or output_fd's (same CPU or same
 * task, as PERF_EVENT_IOC_SET_OUTPUT requires). Enabled unless it waits for exec.
 */
static int
events_open_group(const struct events_config *cfg, pid_t tid, int cpu, bool inherit,
		  bool enable_on_exec, int output_fd, struct events_group *g, int *failed)
{
	int err;

	err = events_open_fds(cfg, tid, cpu, inherit, enable_on_exec, g, failed);
	if (err < 0)
		goto fail;
	if (output_fd < 0)
		err = ring_map(&g->ring, g->fds[0], cfg->mmap_pages);
	else if (ioctl(g->fds[0], PERF_EVENT_IOC_SET_OUTPUT, output_fd) < 0)
		err = -errno;
	if (err < 0)
		goto fail;
	/*
	 * The context-switch sampler writes into the leader's ring (same task, same clock, as
	 * SET_OUTPUT requires), so a thread's samples and switches stay in one ordered stream.
	 */
	if (g->has_cs && ioctl(g->cs_fd, PERF_EVENT_IOC_SET_OUTPUT, g->fds[0]) < 0) {
		err = -errno;
		goto fail;
	}
	if (!enable_on_exec && ioctl(g->fds[0], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP) < 0) {
		err = -errno;
		goto fail;
	}
	if (!enable_on_exec && g->has_cs && ioctl(g->cs_fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	events_close(g);
	return err;
}

int
events_open(const struct events_config *cfg, pid_t tid, bool enable_on_exec,
	    struct events_group *g, int *failed)
{
	return events_open_group(cfg, tid, -1, false, enable_on_exec, -1, g, failed);
}

int
events_open_inherit(const struct events_config *cfg, pid_t tid, int cpu, int output_fd,
		    struct events_group *g, int *failed)
{
	return events_open_group(cfg, tid, cpu, true, false, output_fd, g, failed);
}

int
events_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? (int)n : 1;
}

int
events_disable(struct events_group *g)
{
	if (g->has_cs && ioctl(g->cs_fd, PERF_EVENT_IOC_DISABLE, 0) < 0)
		return -errno;
	if (g->nfds && ioctl(g->fds[0], PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP) < 0)
		return -errno;
	return 0;
}

void
events_close(struct events_group *g)
{
	size_t i;

	if (g->has_cs)
		close(g->cs_fd);
	g->has_cs = false;
	if (g->ring.base)
		ring_unmap(&g->ring);
	/* Members first: closing the leader first would promote them to singletons. */
	for (i = g->nfds; i-- > 0;)
		close(g->fds[i]);
	g->nfds = 0;
}
