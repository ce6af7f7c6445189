/*
 * cmd_record: `prof record -- CMD`. Wires target -> session -> symbolize -> pprof, runs the event
 * loop (one poll over a signalfd and every ring), and is the edge where errors become messages.
 *
 * Signals: SIGINT, SIGTERM and SIGHUP are blocked and read from a signalfd, so they stop the
 * recording cleanly at any point; the command runs with the signal mask prof was started with,
 * and a Ctrl-C on the terminal reaches it as it would without us.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "cli.h"
#include "cmd.h"
#include "events.h"
#include "flame.h"
#include "log.h"
#include "outfile.h"
#include "pprof.h"
#include "pmu.h"
#include "privilege.h"
#include "report.h"
#include "session.h"
#include "symbolize.h"
#include "target.h"
#include "xalloc.h"

#define RECORD_POLL_MS 100
#define RECORD_STATUS_MS 500
#define RECORD_PARKED_STACK 32768 /* bytes of stack copied from each thread asleep at attach */

enum record_exit { RECORD_EXIT_FAILED = 1, RECORD_EXIT_USAGE = 2 };

static int64_t
record_now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The directory a file `path` goes in (caller frees). */
static char *
record_output_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return dir;
}

/*
 * Creates (and removes) a file in `dir`: 0 or -errno. Tried for real, since access() says yes to
 * root on a read-only file system.
 */
static int
record_try_create(const char *dir)
{
	char *probe = xasprintf("%s/.prof-probe.XXXXXX", dir);
	int fd = mkostemp(probe, O_CLOEXEC), ret = 0;

	if (fd < 0) {
		ret = -errno;
	} else {
		close(fd);
		unlink(probe);
	}
	free(probe);
	return ret;
}

/* Refuses, before anything runs, an output path we could never write. */
static int
record_check_output(const char *path)
{
	char *dir;
	struct stat st;
	int ok = 0;

	if (strcmp(path, "-") == 0)
		return 0;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		log_error("cannot write the profile to '%s': it is a directory", path);
		return -EISDIR;
	}
	dir = record_output_dir(path);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_error("cannot write the profile to '%s': directory '%s' does not exist", path,
			  dir);
		ok = -ENOENT;
	} else if ((ok = record_try_create(dir)) < 0) {
		/* A long recording must not end in "cannot write". */
		log_error("cannot write the profile to '%s': cannot create files in directory '%s' "
			  "(%s)",
			  path, dir, strerror(-ok));
	}
	free(dir);
	return ok;
}

/* More threads need more fds: take the hard limit, as perf does. */
static void
record_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
record_format_value(char *buf, size_t size, int64_t v, const char *unit)
{
	if (strcmp(unit, "nanoseconds") == 0) {
		double s = (double)v / 1e9;

		if (s >= 1 || v == 0)
			snprintf(buf, size, "%.2fs", s);
		else
			snprintf(buf, size, "%.2fms", (double)v / 1e6);
	} else {
		snprintf(buf, size, "%lld", (long long)v);
	}
}

static void
record_print_top(const struct profile *p, size_t type, size_t max)
{
	struct profile_top_entry *top = NULL;
	const char *unit = p->strings[p->types[type].unit];
	int64_t total = profile_total(p, type), sum = 0;
	size_t n = profile_top(p, type, &top), i;

	if (total <= 0 || n == 0) {
		free(top);
		return;
	}
	fprintf(stderr, "prof: top functions by %s (self):\n", p->strings[p->types[type].type]);
	fprintf(stderr, "%10s %6s %6s %10s %6s  %s\n", "flat", "flat%", "sum%", "cum", "cum%",
		"function");
	for (i = 0; i < n && i < max; i++) {
		char flat[32], cum[32];

		sum += top[i].flat;
		record_format_value(flat, sizeof(flat), top[i].flat, unit);
		record_format_value(cum, sizeof(cum), top[i].cum, unit);
		fprintf(stderr, "%10s %5.1f%% %5.1f%% %10s %5.1f%%  %s\n", flat,
			100.0 * (double)top[i].flat / (double)total, 100.0 * (double)sum / (double)total,
			cum, 100.0 * (double)top[i].cum / (double)total, profile_top_name(p, &top[i]));
	}
	free(top);
}

static void
record_status(const struct session *s, int64_t start, bool final)
{
	double secs = (double)(record_now_ns(CLOCK_MONOTONIC) - start) / 1e9;

	if (final) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	fprintf(stderr, "\r\033[Kprof: recording %.1fs, %llu samples, %llu lost, %llu threads", secs,
		(unsigned long long)s->stats.samples, (unsigned long long)s->stats.lost,
		(unsigned long long)s->stats.threads);
}

/*
 * Bytes of user stack per context-switch sample: CLI_OFF_CPU_STACK, or PROF_OFF_CPU_STACK
 * (8-aligned, 8..65528) for measuring the trade-off (bench/run).
 */
static uint32_t
record_off_cpu_stack(void)
{
	const char *env = getenv("PROF_OFF_CPU_STACK");
	char *end;
	unsigned long v;

	if (!env || !*env)
		return CLI_OFF_CPU_STACK;
	v = strtoul(env, &end, 10);
	if (*end || v < 8 || v > 65528 || v % 8) {
		log_warn("PROF_OFF_CPU_STACK=%s ignored: want a multiple of 8 from 8 to 65528",
			 env);
		return CLI_OFF_CPU_STACK;
	}
	return (uint32_t)v;
}

/* Builds the sampler configuration; the edge reports what it chose. */
static int
record_config(const struct cli_record *opt, const struct privilege *priv,
	      struct events_config *cfg)
{
	long max_rate;
	char *cause = NULL;
	int i;

	memset(cfg, 0, sizeof(*cfg));
	if (opt->nevents == 0) {
		/* cycles where the CPU has a PMU to count them, as perf does; else the clock. */
		bool hw = !opt->wall && pmu_have_hardware(NULL);

		if (!hw && !opt->wall)
			log_info("no hardware PMU (a virtual machine?): sampling cpu-clock instead of "
				 "cycles");
		if (events_parse(hw ? "cycles" : "cpu-clock", &cfg->specs[0], &cause) < 0) {
			log_error("%s", cause);
			free(cause);
			return -EINVAL;
		}
		cfg->nspecs = 1;
	}
	for (i = 0; i < opt->nevents; i++) {
		char **names;
		size_t n, k;

		if (pmu_split(opt->events[i], &names, &n, &cause) < 0) {
			log_error("bad -e value '%s': %s", opt->events[i], cause);
			free(cause);
			events_config_free(cfg);
			return -EINVAL;
		}
		for (k = 0; k < n; k++) {
			if (cfg->nspecs == EVENTS_MAX) {
				log_error("too many events: a group holds at most %d", EVENTS_MAX);
				pmu_split_free(names, n);
				events_config_free(cfg);
				return -EINVAL;
			}
			if (events_parse(names[k], &cfg->specs[cfg->nspecs], &cause) < 0) {
				log_error("%s", cause);
				free(cause);
				pmu_split_free(names, n);
				events_config_free(cfg);
				return -EINVAL;
			}
			cfg->nspecs++;
		}
		pmu_split_free(names, n);
	}
	for (i = 1; i < (int)cfg->nspecs; i++) {
		const struct pmu_event *l = &cfg->specs[0].ev, *m = &cfg->specs[i].ev;

		if (l->modifiers && l->exclude_kernel && !(m->modifiers && m->exclude_kernel)) {
			log_warn("'%s' samples user mode only, but '%s' also counts kernel mode: "
				 "those counts go to the next user-mode sample; add :u to it",
				 cfg->specs[0].spec, cfg->specs[i].spec);
			break;
		}
	}
	cfg->freq = opt->freq;
	cfg->rate = opt->rate;
	cfg->callchain = opt->callchain;
	cfg->dwarf = opt->dwarf;
	cfg->stack_size = opt->stack_size;
	if (cfg->callchain && cfg->dwarf && !arch_regs()) {
		log_info("DWARF unwinding is not available on this architecture: using frame "
			 "pointers");
		cfg->dwarf = false;
	}
	cfg->mmap_pages = opt->mmap_pages;
	if (opt->wall) {
		const struct pmu_event *l = &cfg->specs[0].ev;

		/* wall = cpu + off-cpu adds periods to nanoseconds: the leader must count those. */
		if (l->type != PERF_TYPE_SOFTWARE || (l->config != PERF_COUNT_SW_CPU_CLOCK &&
						      l->config != PERF_COUNT_SW_TASK_CLOCK)) {
			log_error("--wall adds on-CPU to off-CPU nanoseconds, so the sampling event "
				  "must be cpu-clock or task-clock, not '%s'",
				  cfg->specs[0].spec);
			events_config_free(cfg);
			return -EINVAL;
		}
	}
	cfg->kernel = privilege_kernel_allowed(priv);
	cfg->off_cpu = opt->off_cpu;
	cfg->wall = opt->wall;
	cfg->off_cpu_stacks = opt->off_cpu && cfg->kernel;
	cfg->off_cpu_stack_size = record_off_cpu_stack();
	/*
	 * A context-switch sample carries a stack copy like any other, and a thread can switch far
	 * more often than it is sampled on CPU: a larger ring unless told otherwise.
	 */
	if (cfg->off_cpu_stacks && !opt->mmap_pages_set && cfg->mmap_pages < CLI_OFF_CPU_MMAP_PAGES)
		cfg->mmap_pages = CLI_OFF_CPU_MMAP_PAGES;
	/*
	 * DWARF samples carry 8 KiB of stack each: 64 pages hold ~30 of them, which loses samples
	 * at high rates (BENCHMARKS.md). Where locked memory is not limited (root), twice that.
	 * Unprivileged users share kernel.perf_event_mlock_kb and RLIMIT_MEMLOCK across threads.
	 */
	if (cfg->callchain && cfg->dwarf && !opt->mmap_pages_set &&
	    (priv->root || priv->cap_sys_admin) && cfg->mmap_pages < CLI_DWARF_MMAP_PAGES)
		cfg->mmap_pages = CLI_DWARF_MMAP_PAGES;
	if (cfg->callchain && cfg->dwarf) {
		/* Room for a few samples of stack copy, registers and callchain at least. */
		uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), need = 4 * (cfg->stack_size + 2048);
		unsigned min = 1;

		while ((uint64_t)min * page < need)
			min *= 2;
		if (cfg->mmap_pages < min && opt->mmap_pages_set) {
			log_error("--mmap-pages %u is too small for DWARF samples of about %u KiB each: "
				  "use --mmap-pages %u or more, a smaller --call-graph dwarf,BYTES, or "
				  "--call-graph fp",
				  cfg->mmap_pages, (cfg->stack_size + 2048) / 1024, min);
			events_config_free(cfg);
			return -EINVAL;
		}
		if (cfg->mmap_pages < min)
			cfg->mmap_pages = min;
	}
	if (opt->off_cpu && !cfg->kernel)
		log_warn("--off-cpu needs kernel-mode sampling for the stack where a thread blocks "
			 "(context switches happen in the kernel): kernel.perf_event_paranoid is %d "
			 "and prof lacks CAP_PERFMON. Falling back to context-switch records alone: "
			 "off-CPU time is charged to each thread's last on-CPU stack, labelled "
			 "state=approximate. For exact stacks: sysctl kernel.perf_event_paranoid=1, "
			 "or give prof CAP_PERFMON",
			 priv->paranoid);
	if (!cfg->kernel)
		log_verbose("kernel frames are not recorded: kernel.perf_event_paranoid is %d and "
			    "prof lacks CAP_PERFMON",
			    priv->paranoid);
	max_rate = privilege_sysctl("/proc/sys/kernel/perf_event_max_sample_rate", 100000);
	if (cfg->freq && (long)cfg->rate > max_rate) {
		log_error("bad -F value '%llu': above this kernel's limit of %ld samples per second "
			  "(kernel.perf_event_max_sample_rate)",
			  (unsigned long long)cfg->rate, max_rate);
		events_config_free(cfg);
		return -EINVAL;
	}
	return 0;
}

struct record_loop {
	struct session *session;
	struct target *target;
	int sigfd;
	int64_t start;
	int64_t deadline; /* monotonic ns, 0 = none */
	bool status_line;
	int stop_signal;  /* the signal that stopped us, 0 if none */
};

/* Reads pending signals; returns true when one of them asks us to stop. */
static bool
record_signals(struct record_loop *l)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			if (l->target)
				target_poll(l->target);
		} else {
			l->stop_signal = (int)si.ssi_signo;
			stop = true;
		}
	}
	return stop;
}

static void
record_run(struct record_loop *l)
{
	size_t cap = 0;
	struct pollfd *pfds = NULL;
	int64_t next_status = l->start + RECORD_STATUS_MS * 1000000LL;
	int64_t next_rescan = l->start + RECORD_POLL_MS * 1000000LL;

	while (!target_done(l->target)) {
		size_t n;
		int64_t now, timeout = RECORD_POLL_MS;

		xgrow(&pfds, &cap, l->session->nthreads + 1, sizeof(*pfds));
		pfds[0].fd = l->sigfd;
		pfds[0].events = POLLIN;
		pfds[0].revents = 0;
		n = session_pollfds(l->session, pfds + 1, cap - 1);
		now = record_now_ns(CLOCK_MONOTONIC);
		if (l->deadline) {
			if (now >= l->deadline)
				break;
			if ((l->deadline - now) / 1000000 < timeout)
				timeout = (l->deadline - now) / 1000000 + 1;
		}
		if (poll(pfds, n + 1, (int)timeout) < 0 && errno != EINTR)
			break;
		session_handle_pollfds(l->session, pfds + 1, n);
		if ((pfds[0].revents & POLLIN) && record_signals(l))
			break;
		if (record_now_ns(CLOCK_MONOTONIC) >= next_rescan) {
			target_rescan(l->target);
			next_rescan = record_now_ns(CLOCK_MONOTONIC) + RECORD_POLL_MS * 1000000LL;
		}
		if (l->status_line && record_now_ns(CLOCK_MONOTONIC) >= next_status) {
			record_status(l->session, l->start, false);
			next_status += RECORD_STATUS_MS * 1000000LL;
		}
	}
	free(pfds);
	if (l->status_line)
		record_status(l->session, l->start, true);
}

/* After the profile is out: wait for the command, unless a second signal says not to. */
static int
record_wait_command(struct record_loop *l, const char *cmd)
{
	struct pollfd pfd = {.fd = l->sigfd, .events = POLLIN};
	int status;

	l->stop_signal = 0;
	for (;;) {
		status = target_wait_exit(l->target, true);
		if (status >= 0)
			return target_exit_code(status);
		if (poll(&pfd, 1, RECORD_POLL_MS) > 0) {
			struct signalfd_siginfo si;

			while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					continue;
				log_info("leaving '%s' (pid %d) running", cmd, (int)l->target->pid);
				return 128 + (int)si.ssi_signo;
			}
		}
	}
}

static void
record_summary(const struct cli_record *opt, const struct session *s, const struct profile *p,
	       double secs, const char *output, long size)
{
	const struct session_stats *st = &s->stats;

	log_info("%llu samples (%llu lost records) from %llu process%s, %llu thread%s in %.2fs",
		 (unsigned long long)st->samples, (unsigned long long)st->lost,
		 (unsigned long long)st->processes, st->processes == 1 ? "" : "es",
		 (unsigned long long)st->threads, st->threads == 1 ? "" : "s", secs);
	if (s->dwarf && s->dwarf_stats.samples) {
		const struct unwind_dwarf_stats *d = &s->dwarf_stats;

		char go[64] = "";

		if (d->go_pcsp)
			snprintf(go, sizeof(go), "; Go code stepped with its pcsp tables %llu",
				 (unsigned long long)d->go_pcsp);
		log_info("unwinding (dwarf): %.1f%% of stacks complete; stopped early: no CFI "
			 "%llu, stack copy too short %llu, errors %llu; finished with frame pointers "
			 "%llu%s",
			 100.0 * (double)d->complete / (double)d->samples,
			 (unsigned long long)d->no_cfi, (unsigned long long)d->stack_end,
			 (unsigned long long)d->errors, (unsigned long long)d->fp_fallback, go);
	}
	if (st->throttled)
		log_warn("the kernel throttled sampling %llu times (kernel.perf_event_max_sample_rate)"
			 "; lower -F",
			 (unsigned long long)st->throttled);
	/* Three different counts, each in its own unit: the number must match the comment's. */
	if (st->lost)
		log_warn("%llu records were lost: the ring buffers filled up; raise --mmap-pages or "
			 "lower -F",
			 (unsigned long long)st->lost);
	if (st->lost_samples)
		log_warn("the kernel could not take %llu samples (PERF_RECORD_LOST_SAMPLES)",
			 (unsigned long long)st->lost_samples);
	if (st->overruns)
		log_warn("a ring buffer was overwritten before it was read %llu times: records in "
			 "between were skipped",
			 (unsigned long long)st->overruns);
	if (st->never_ran)
		log_warn("%llu thread groups were never scheduled on the counters (more hardware "
			 "events than the PMU has counters): their member values are zero; use fewer "
			 "events per -e group",
			 (unsigned long long)st->never_ran);
	else if (st->enabled_total && st->running_total < st->enabled_total)
		log_info("counters were multiplexed: on the PMU %.1f%% of the time, values scaled "
			 "up accordingly",
			 100.0 * (double)st->running_total / (double)st->enabled_total);
	if (s->cfg.off_cpu)
		log_info("off-CPU%s: blocked %.3fs, preempted %.3fs, approximate %.3fs",
			 s->cfg.off_cpu_stacks ? "" : " (approximate: no kernel-mode sampling)",
			 (double)st->off_ns[SESSION_OFF_BLOCKED] / 1e9,
			 (double)st->off_ns[SESSION_OFF_PREEMPTED] / 1e9,
			 (double)st->off_ns[SESSION_OFF_APPROX] / 1e9);
	if (st->bad_records)
		log_warn("%llu malformed records were skipped", (unsigned long long)st->bad_records);
	if (st->open_failed && (st->open_error == -EMFILE || st->open_error == -ENFILE)) {
		struct rlimit rl = {0};

		getrlimit(RLIMIT_NOFILE, &rl);
		log_warn("%llu threads could not be sampled: out of file descriptors. Each thread "
			 "needs %zu and the limit is %llu; %llu threads were seen, so allow at least "
			 "%llu (ulimit -n, or LimitNOFILE= for a systemd service)",
			 (unsigned long long)st->open_failed, s->cfg.nspecs,
			 (unsigned long long)rl.rlim_cur, (unsigned long long)st->threads,
			 (unsigned long long)(st->threads * s->cfg.nspecs + 64));
	} else if (st->open_failed) {
		log_warn("%llu threads could not be sampled (%s)",
			 (unsigned long long)st->open_failed, strerror(-st->open_error));
	}
	if (strcmp(output, "-") == 0)
		;
	else if (opt->format == CLI_FORMAT_PPROF)
		log_info("wrote %s (%.1f KiB); view it with: go tool pprof -http=:8080 %s", output,
			 (double)size / 1024.0, output);
	else if (opt->format == CLI_FORMAT_SVG)
		log_info("wrote %s (%.1f KiB): a flame graph, open it in a browser", output,
			 (double)size / 1024.0);
	else
		log_info("wrote %s (%.1f KiB): folded stacks for flamegraph.pl or speedscope",
			 output, (double)size / 1024.0);
	if (st->samples && log_get_level() >= LOG_NORMAL)
		record_print_top(p, 1, 10);
}

/* Writes the profile in the chosen format, atomically (see outfile.c). 0 or -errno, *cause. */
static int
record_write(const struct cli_record *opt, const struct profile *p, uid_t uid, gid_t gid,
	     char **cause)
{
	struct flame_options fo;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	*cause = NULL;
	if (opt->format == CLI_FORMAT_PPROF && uid == (uid_t)-1)
		return pprof_write_file(p, opt->output, cause);
	if (opt->format == CLI_FORMAT_PPROF) {
		ret = outfile_check(opt->output, cause);
		if (ret < 0)
			return ret;
		ret = pprof_encode(p, (uint8_t **)&buf, &len);
		if (ret < 0) {
			*cause = log_cause("cannot encode the profile for '%s': %s", opt->output,
					   strerror(-ret));
			return ret;
		}
		ret = outfile_write_owned(opt->output, (const uint8_t *)buf, len, uid, gid, cause);
		free(buf);
		return ret;
	}
	/* The text formats are rendered in memory first, then written like the pprof. */
	f = open_memstream(&buf, &len);
	if (!f) {
		ret = -errno;
		*cause = log_cause("cannot render the profile: %s", strerror(errno));
		return ret;
	}
	if (opt->format == CLI_FORMAT_FOLDED) {
		ret = report_write_folded(p, report_default_index(p), f, cause);
	} else {
		flame_options_init(&fo, p);
		ret = flame_write_svg(p, &fo, f, cause);
	}
	if (fclose(f) != 0 && ret == 0) {
		ret = -EIO;
		*cause = log_cause("cannot render the profile");
	}
	if (ret == 0)
		ret = outfile_write_owned(opt->output, (const uint8_t *)buf, len, uid, gid, cause);
	free(buf);
	return ret;
}

/* What was profiled, for the profile's comments: the command line, or the -p/-t list. */
static char *
record_describe(const struct cli_record *opt)
{
	char *d, *n;
	size_t i;

	if (opt->argv) {
		d = xstrdup("command:");
		for (i = 0; opt->argv[i]; i++) {
			n = xasprintf("%s %s", d, opt->argv[i]);
			free(d);
			d = n;
		}
		return d;
	}
	d = xstrdup(opt->threads ? "threads: -t " : "processes: -p ");
	for (i = 0; i < opt->ntargets; i++) {
		n = xasprintf("%s%s%d", d, i ? "," : "", (int)opt->targets[i]);
		free(d);
		d = n;
	}
	return d;
}

/* Why a process given with -p is sampled without ptrace, and what that loses. */
static void
record_warn_untraced(const struct target *t, const struct privilege *priv)
{
	size_t i;

	for (i = 0; i < t->nuntraced; i++) {
		const struct target_untraced *u = &t->untraced[i];
		char why[160];

		if (u->tracer > 0)
			snprintf(why, sizeof(why), "it is already traced by PID %d", (int)u->tracer);
		else if (u->err == -EPERM && priv->ptrace_scope >= 1 && !priv->cap_sys_ptrace)
			snprintf(why, sizeof(why),
				 "kernel.yama.ptrace_scope is %d and prof lacks CAP_SYS_PTRACE",
				 priv->ptrace_scope);
		else
			snprintf(why, sizeof(why), "ptrace: %s", strerror(-u->err));
		log_warn("cannot trace PID %d (%s): sampling it without ptrace, with inherited "
			 "samplers and per-CPU buffers. Threads and children it creates are still "
			 "sampled from birth, but records from different CPUs may be out of order "
			 "around an exec, so a few samples there can be given the wrong binary",
			 (int)u->pid, why);
	}
}

/* Why event `k` of the group (-1: the ring buffer) did not open, and what would help. */
static char *
record_explain_open(const struct privilege *priv, const struct events_config *cfg, int k, int err)
{
	const struct events_spec *spec = &cfg->specs[k > 0 && (size_t)k < cfg->nspecs ? k : 0];
	const struct pmu_event *ev = &spec->ev;

	if (k >= 0 && (size_t)k == cfg->nspecs)
		return log_cause("cannot open the context-switch sampler of --off-cpu (%s); "
				 "without kernel-mode sampling it cannot work",
				 strerror(-err));

	if (k < 0 && (err == -EPERM || err == -ENOMEM))
		return log_cause("cannot map the ring buffer (%s): the locked-memory limit is too "
				 "low; lower --mmap-pages, or raise kernel.perf_event_mlock_kb / "
				 "'ulimit -l'",
				 strerror(-err));
	if ((err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV) && ev->hardware &&
	    !pmu_have_hardware(NULL))
		return log_cause("event '%s' is not supported on this machine: it needs a hardware "
				 "PMU and there is none (a virtual machine?); 'prof list' shows "
				 "what is available, e.g. -e cpu-clock",
				 spec->spec);
	if (err == -EINVAL && k == 0)
		return log_cause("the kernel refused to sample event '%s' (%s): it may only be "
				 "countable; count it along a sampling event, e.g. "
				 "-e cpu-clock,%s",
				 spec->spec, strerror(-err), spec->spec);
	return privilege_explain_perf(priv, spec->spec, err);
}

/*
 * Starts the targets: launches the command or attaches. Returns 0, or the exit code when it
 * failed (the error is reported).
 */
static int
record_start(const struct cli_record *opt, const struct privilege *priv,
	     const struct events_config *cfg, struct session *session, struct target *target,
	     const sigset_t *child_mask, const struct target_setup *setup)
{
	char *cause = NULL;
	size_t i;
	int err;

	for (i = 0; i < opt->ntargets; i++) {
		if (opt->targets[i] == getpid()) {
			log_error("%s %d is prof itself", opt->threads ? "TID" : "PID",
				  (int)opt->targets[i]);
			return RECORD_EXIT_USAGE;
		}
	}
	if (opt->argv)
		err = target_launch(target, opt->argv, child_mask, opt->follow_children, setup,
				    &session_target_ops, session, &cause);
	else if (opt->threads)
		err = target_attach_threads(target, opt->targets, opt->ntargets,
					    &session_target_ops, session, &cause);
	else
		err = target_attach(target, opt->targets, opt->ntargets, opt->follow_children,
				    &session_target_ops, session, &cause);
	if (err == 0 && opt->argv == NULL && session->stats.open_failed == session->stats.threads)
		err = session->stats.open_error; /* not one thread could be sampled */
	if (err < 0) {
		if (!opt->argv)
			target_detach(target); /* let go of whatever was attached already */
		if (session->stats.open_failed) {
			free(cause);
			cause = record_explain_open(priv, cfg, session->stats.open_failed_index,
						    session->stats.open_error);
		}
		log_error("%s", cause ? cause : strerror(-err));
		free(cause);
		if (opt->argv && err == -ENOENT)
			return 127;
		if (opt->argv && (err == -EACCES || err == -ENOEXEC || err == -EISDIR))
			return 126;
		return RECORD_EXIT_FAILED;
	}
	record_warn_untraced(target, priv);
	if (cfg->off_cpu && target->nuntraced)
		log_warn("--off-cpu: processes prof cannot ptrace are sampled through per-CPU rings, "
			 "where a thread's switches out and in cannot be paired: they get no "
			 "off-CPU time");
	return 0;
}

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif

/*
 * Least privilege, once the samplers of the threads alive now are open and the command runs (or
 * the targets are attached). What prof still does until it exits, and the capability each needs
 * where prof has it (as root, or through setcap):
 *  - open samplers on threads born later, stopped at birth by ptrace: perf_event_open wants
 *    perfmon_capable() for kernel mode above perf_event_paranoid 1 and, on another user's task,
 *    perfmon_capable() or ptrace_may_access(): CAP_PERFMON (CAP_SYS_ADMIN on kernels before
 *    5.8, which lack CAP_PERFMON);
 *  - map their rings beyond kernel.perf_event_mlock_kb (perf_mmap): CAP_IPC_LOCK;
 *  - read a target's /proc/PID/maps and exe after each exec, which ptrace_may_access
 *    (PTRACE_MODE_READ_FSCREDS) guards: CAP_SYS_PTRACE whenever the target is another user's
 *    or not dumpable. Targets change credentials at any time (the sudo'd command, a setuid exec,
 *    prctl), so it is kept, and with it the kernel's own rule for setuid execs under a tracer;
 *  - read the targets' binaries, debuginfo and perf-PID.map to symbolize them, wherever their
 *    user keeps them (a home directory root may not search): CAP_DAC_READ_SEARCH, read-only;
 *  - read /proc/kallsyms at the end, whose addresses the kernel shows by the credentials at
 *    open: cmd_record opens it before the drop, so CAP_SYSLOG goes (kept only if that open
 *    failed);
 *  - write the profile: CAP_DAC_OVERRIDE only where its directory is not writable without it
 *    (tried for real), and CAP_CHOWN under sudo, to give the file to the user.
 * Everything else goes, from the permitted set too, so it cannot come back: CAP_KILL (signals
 * reach the targets through ptrace, which needs no permission once attached), CAP_SETUID and
 * CAP_SETGID (the command has its credentials already), CAP_SYS_RESOURCE (the fd limit is
 * raised already), CAP_SYS_ADMIN where CAP_PERFMON exists, CAP_NET_*, CAP_SYS_MODULE, ... The
 * inheritable and ambient sets are cleared (prof runs no program after this anyway).
 */
static void
record_drop_privileges(const struct cli_record *opt, bool sudo, int kallsyms_fd)
{
	int keep[8];
	size_t n = 0;
	bool perfmon = CAP_IS_SUPPORTED(CAP_PERFMON);
	int err;

	if (!privilege_permitted(CAP_SYS_ADMIN) && !privilege_permitted(CAP_PERFMON) &&
	    !privilege_permitted(CAP_SYS_PTRACE) && !privilege_permitted(CAP_DAC_OVERRIDE) &&
	    !privilege_permitted(CAP_SYSLOG))
		return; /* an ordinary user: nothing worth dropping */
	keep[n++] = perfmon ? CAP_PERFMON : CAP_SYS_ADMIN;
	keep[n++] = CAP_IPC_LOCK;
	keep[n++] = CAP_SYS_PTRACE;
	keep[n++] = CAP_DAC_READ_SEARCH;
	if (kallsyms_fd < 0)
		keep[n++] = CAP_SYSLOG;
	if (sudo)
		keep[n++] = CAP_CHOWN;
	if (strcmp(opt->output, "-") != 0 && privilege_permitted(CAP_DAC_OVERRIDE)) {
		char *dir = record_output_dir(opt->output);
		int r;

		privilege_set_effective(CAP_DAC_OVERRIDE, false);
		r = record_try_create(dir);
		privilege_set_effective(CAP_DAC_OVERRIDE, true);
		if (r < 0)
			keep[n++] = CAP_DAC_OVERRIDE;
		free(dir);
	}
	err = privilege_drop(keep, n);
	if (err < 0)
		log_warn("cannot drop the capabilities prof no longer needs: %s", strerror(-err));
	else
		log_verbose("dropped every capability but CAP_%s, CAP_IPC_LOCK, CAP_SYS_PTRACE, "
			    "CAP_DAC_READ_SEARCH%s%s%s (those prof has)",
			    perfmon ? "PERFMON" : "SYS_ADMIN", kallsyms_fd < 0 ? ", CAP_SYSLOG" : "",
			    sudo ? ", CAP_CHOWN" : "",
			    keep[n - 1] == CAP_DAC_OVERRIDE ? ", CAP_DAC_OVERRIDE" : "");
}

/*
 * For whom prof reads the --debug-dir files (checked by symbolize): the user who ran sudo, or,
 * when root attaches to a process of another user, that user; (uid_t)-1 when prof reads for
 * itself. The groups are borrowed from `sudo`.
 */
static void
record_debug_user(const struct cli_record *opt, const struct privilege_user *sudo,
		  struct privilege_user *out)
{
	char path[32];
	struct stat st;

	out->uid = (uid_t)-1;
	if (!opt->ndebug_dirs)
		return;
	if (sudo) {
		out->uid = sudo->uid;
		out->gid = sudo->gid;
		out->groups = sudo->groups;
		out->ngroups = sudo->ngroups;
		return;
	}
	if (geteuid() != 0 || !opt->ntargets)
		return;
	snprintf(path, sizeof(path), "/proc/%d", (int)opt->targets[0]);
	if (stat(path, &st) == 0 && st.st_uid != 0) {
		out->uid = st.st_uid;
		out->gid = st.st_gid;
	}
}

/*
 * --off-cpu -p: a thread asleep since before prof came has no switch out to give its stack.
 * Copy the stacks of those asleep now (as prof dump does); their blocked time runs from `start`.
 */
static void
record_off_parked(const struct cli_record *opt, struct session *session, struct target *target,
		  int64_t start)
{
	size_t i;

	if (!opt->off_cpu || opt->argv || opt->threads)
		return;
	for (i = 0; i < opt->ntargets; i++) {
		struct target_snapshot snap;
		size_t stack = session->cfg.stack_size > RECORD_PARKED_STACK
				       ? session->cfg.stack_size
				       : RECORD_PARKED_STACK;

		target_snapshot_asleep(target, opt->targets[i], stack, &snap);
		session_off_parked(session, &snap, (uint64_t)start);
		log_verbose("--off-cpu: %zu thread(s) of process %d asleep at attach, stopped for "
			    "%.1f ms to copy their stacks",
			    snap.nthreads, (int)opt->targets[i], (double)snap.stop_ns / 1e6);
		target_snapshot_free(&snap);
	}
}

/*
 * Debuginfod is opt-in: libdwfl asks the servers in DEBUGINFOD_URLS whenever local debuginfo is
 * missing, so without --debuginfod that variable goes. With it, the client gets a short timeout
 * (its own default is 90 s a file) and shows its progress on a terminal.
 */
static void
record_debuginfod_env(const struct cli_record *opt)
{
	const char *urls = getenv("DEBUGINFOD_URLS");

	if (!opt->debuginfod) {
		unsetenv("DEBUGINFOD_URLS");
		return;
	}
	if (!urls || !*urls) {
		log_warn("--debuginfod: DEBUGINFOD_URLS is not set, so there is no server to ask");
		return;
	}
	setenv("DEBUGINFOD_TIMEOUT", "10", 0);
	if (isatty(STDERR_FILENO) && opt->verbosity >= 0)
		setenv("DEBUGINFOD_PROGRESS", "1", 0);
	log_verbose("debuginfod: asking %s for missing debuginfo", urls);
}

/* What symbolization could not do, said once at the end of the run. */
static void
record_symbolize_warnings(const struct cli_record *opt, const struct symbolize *sym)
{
	const struct symbolize_stats *st = symbolize_stats(sym);

	if (st->kallsyms_hidden)
		log_warn("kernel addresses are hidden (kernel.kptr_restrict, or no CAP_SYSLOG): "
			 "kernel frames are shown as [kernel]");
	if (st->files_replaced)
		log_warn("%llu file(s) were replaced or deleted on disk while mapped, and their "
			 "original could not be had: their frames are shown as [unknown] FILE+0xOFFSET",
			 (unsigned long long)st->files_replaced);
	if (st->debuginfo_refused)
		log_warn("%llu debuginfo file(s) under --debug-dir refused: %s",
			 (unsigned long long)st->debuginfo_refused, st->debuginfo_refused_why);
	if (st->files_recovered)
		log_verbose("%llu file(s) replaced or deleted on disk while mapped were read from "
			    "the original, kept open since it was mapped",
			    (unsigned long long)st->files_recovered);
	if (st->jitmaps_refused)
		log_warn("%llu JIT symbol map(s) refused: %s", (unsigned long long)st->jitmaps_refused,
			 st->jitmap_refused_why ? st->jitmap_refused_why : "untrusted");
	if (st->files_nodebug && opt->debuginfod)
		log_warn("no debuginfo for %llu file(s) (first: %s), none from debuginfod either: "
			 "their frames have ELF symbols but no lines",
			 (unsigned long long)st->files_nodebug, st->nodebug_example);
	else if (st->files_nodebug)
		log_verbose("no debuginfo for %llu file(s) (first: %s): their frames have ELF "
			    "symbols but no lines (see --debug-dir, --debuginfod)",
			    (unsigned long long)st->files_nodebug, st->nodebug_example);
}

int
cmd_record(int argc, char **argv)
{
	struct cli_record opt;
	struct events_config cfg;
	struct privilege priv;
	struct record_loop loop;
	struct target target;
	struct session *session;
	struct symbolize *sym;
	struct profile *p;
	struct privilege_user sudo_user = {0}, debug_for = {.uid = (uid_t)-1};
	struct target_setup setup;
	sigset_t stop_set, orig_mask;
	char *cause = NULL, *what, *who = NULL;
	int64_t time_nanos, start;
	double secs;
	int code, failed_profile = 0, kallsyms_fd = -1;
	long size = 0;

	if (cli_parse_record(argc, argv, &opt, &cause) < 0) {
		log_error("%s", cause);
		free(cause);
		return RECORD_EXIT_USAGE;
	}
	if (opt.help) {
		fputs(cli_record_usage(), stdout);
		return 0;
	}
	log_set_level(opt.verbosity < 0 ? LOG_QUIET : (enum log_level)opt.verbosity);
	privilege_read(&priv);
	if (record_config(&opt, &priv, &cfg) < 0)
		return RECORD_EXIT_USAGE;
	if (record_check_output(opt.output) < 0) {
		events_config_free(&cfg);
		return RECORD_EXIT_FAILED;
	}
	/*
	 * `sudo prof record -- CMD` is for the privilege, not for running CMD as root: CMD runs as
	 * the user who ran sudo, and the profile is theirs. --as-root is the way out.
	 */
	if (opt.argv && !opt.as_root) {
		int r = privilege_sudo_user(&sudo_user, &cause);

		if (r < 0) {
			log_error("%s", cause);
			free(cause);
			events_config_free(&cfg);
			return RECORD_EXIT_FAILED;
		}
		if (r == 1) {
			who = xasprintf("user %s", sudo_user.name);
			setup = (struct target_setup){
				.fn = privilege_become, .arg = &sudo_user, .who = who};
			log_info("running '%s' as %s (uid %d), who ran sudo; --as-root runs it as root",
				 opt.argv[0], who, (int)sudo_user.uid);
		}
	}
	record_raise_nofile();

	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGINT);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGHUP);
	sigaddset(&stop_set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &stop_set, &orig_mask);
	memset(&loop, 0, sizeof(loop));
	loop.sigfd = signalfd(-1, &stop_set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (loop.sigfd < 0) {
		log_error("cannot create a signalfd: %s", strerror(errno));
		privilege_user_free(&sudo_user);
		free(who);
		events_config_free(&cfg);
		return RECORD_EXIT_FAILED;
	}

	session = session_create(&cfg);
	memset(&target, 0, sizeof(target));
	sigprocmask(SIG_BLOCK, NULL, &target.saved_mask);
	time_nanos = record_now_ns(CLOCK_REALTIME);
	start = record_now_ns(CLOCK_MONOTONIC);
	code = record_start(&opt, &priv, &cfg, session, &target, &orig_mask,
			    who ? &setup : NULL);
	if (code) {
		session_free(session);
		target_free(&target);
		events_config_free(&cfg);
		close(loop.sigfd);
		privilege_user_free(&sudo_user);
		free(who);
		return code;
	}
	/* Opened with the privilege it needs to show addresses, read when symbolizing. */
	kallsyms_fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	record_drop_privileges(&opt, who != NULL, kallsyms_fd);
	record_debug_user(&opt, who ? &sudo_user : NULL, &debug_for);
	/*
	 * The command restores SIGPIPE's default itself; we want EPIPE, not death, on -o -, and
	 * EFBIG with a message, not death, under a file-size limit.
	 */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	record_off_parked(&opt, session, &target, start);

	loop.session = session;
	loop.target = &target;
	loop.start = start;
	loop.deadline = opt.duration > 0 ? start + (int64_t)(opt.duration * 1e9) : 0;
	loop.status_line = isatty(STDERR_FILENO) && opt.verbosity >= 0;
	record_run(&loop);

	/* Stop sampling, let the targets go, and only then do the slow part. */
	session_stop(session);
	target_detach(&target);
	secs = (double)(record_now_ns(CLOCK_MONOTONIC) - start) / 1e9;
	if (loop.stop_signal)
		log_info("%s: stopping and writing the profile", strsignal(loop.stop_signal));

	record_debuginfod_env(&opt);
	sym = symbolize_create(&(struct symbolize_options){
		.debug_dirs = opt.debug_dirs,
		.ndebug_dirs = opt.ndebug_dirs,
		.no_demangle = opt.no_demangle,
		.debug_check = debug_for.uid != (uid_t)-1,
		.debug_uid = debug_for.uid,
		.debug_gid = debug_for.gid,
		.debug_groups = debug_for.groups,
		.debug_ngroups = debug_for.ngroups > 0 ? (size_t)debug_for.ngroups : 0,
		.have_kallsyms_fd = kallsyms_fd >= 0,
		.kallsyms_fd = kallsyms_fd,
	});
	what = record_describe(&opt);
	p = session_finish(session, sym, what, time_nanos, (int64_t)(secs * 1e9));
	free(what);
	record_symbolize_warnings(&opt, sym);
	if (record_write(&opt, p, who ? sudo_user.uid : (uid_t)-1, who ? sudo_user.gid : (gid_t)-1,
			 &cause) < 0) {
		log_error("%s", cause);
		free(cause);
		failed_profile = 1;
	} else if (strcmp(opt.output, "-") != 0) {
		struct stat st;

		if (stat(opt.output, &st) == 0)
			size = (long)st.st_size;
	}
	if (!failed_profile)
		record_summary(&opt, session, p, secs, opt.output, size);
	code = 0;
	if (opt.argv) {
		if (!target.exited && !loop.stop_signal && opt.duration > 0)
			log_info("--duration reached: '%s' (pid %d) keeps running; waiting for it "
				 "to exit",
				 opt.argv[0], (int)target.pid);
		code = record_wait_command(&loop, opt.argv[0]);
	}

	symbolize_free(sym);
	session_free(session);
	target_free(&target);
	events_config_free(&cfg);
	close(loop.sigfd);
	privilege_user_free(&sudo_user);
	free(who);
	return failed_profile ? RECORD_EXIT_FAILED : code;
}
