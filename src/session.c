/*
 * session: records -> profile. The per-sample path (session_sample) does no allocation once the
 * profile's tables have grown and no system call: a stack becomes location ids through
 * maps_find and the profile's interning tables, and the values are added to the stack's sample.
 * Symbolization waits until the end, where each distinct location is looked up once.
 */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

#define SESSION_TYPE_SAMPLES 0
#define SESSION_TYPE_LEADER 1

struct session_reader {
	struct session *s;
	struct session_thread *th;
};

static bool
session_thread_eq(uint32_t id, const void *key, void *arg)
{
	const struct session *s = arg;

	return s->threads[id].tid == *(const pid_t *)key;
}

static struct session_thread *
session_thread_find(struct session *s, pid_t tid)
{
	uint32_t id = table_find(&s->thread_index, table_hash_u64((uint64_t)tid, 1), &tid,
				 session_thread_eq, s);

	return id == TABLE_NONE ? NULL : &s->threads[id];
}

static void
session_read_comm(pid_t pid, pid_t tid, char *comm, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, comm, size - 1);
	close(fd);
	if (n <= 0)
		return;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

static struct session_process *
session_process_find(struct session *s, pid_t pid)
{
	size_t i;

	/* Few processes, and looked up only on births, execs and renames. */
	for (i = s->nprocs; i-- > 0;)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

static void
session_set_labels(struct session *s, struct session_thread *th)
{
	struct profile *p = s->profile;
	struct session_process *proc = session_process_find(s, th->pid);
	struct profile_label l[4] = {
		{.key = profile_string(p, "pid"), .num = th->pid},
		{.key = profile_string(p, "tid"), .num = th->tid},
		{.key = profile_string(p, "thread"), .str = profile_string(p, th->comm)},
		{.key = profile_string(p, "comm"),
		 .str = profile_string(p, proc ? proc->comm : th->comm)},
	};

	th->labelset = profile_labelset(p, l, 4);
}

/* The process's name changed (exec, or its main thread renamed itself). */
static void
session_process_rename(struct session *s, pid_t pid, const char *comm)
{
	struct session_process *proc = session_process_find(s, pid);
	size_t i;

	if (!proc || strcmp(proc->comm, comm) == 0)
		return;
	snprintf(proc->comm, sizeof(proc->comm), "%s", comm);
	for (i = 0; i < s->nthreads; i++)
		if (s->threads[i].pid == pid)
			session_set_labels(s, &s->threads[i]);
}

/* Records a process; returns true when it is new. */
static bool
session_note_pid(struct session *s, pid_t pid)
{
	struct session_process *proc = session_process_find(s, pid);

	if (proc)
		return false;
	xgrow(&s->procs, &s->cap_procs, s->nprocs + 1, sizeof(*s->procs));
	proc = &s->procs[s->nprocs++];
	memset(proc, 0, sizeof(*proc));
	proc->pid = pid;
	session_read_comm(pid, pid, proc->comm, sizeof(proc->comm));
	s->stats.processes++;
	return true;
}

struct session *
session_create(const struct events_config *cfg)
{
	struct session *s = xcalloc(1, sizeof(*s));
	const struct events_spec *leader = &cfg->specs[0];
	size_t i;

	s->cfg = *cfg;
	events_layout(cfg, &s->layout);
	s->maps = maps_create();
	s->profile = profile_create();
	table_init(&s->thread_index);

	profile_add_type(s->profile, "samples", "count");
	for (i = 0; i < cfg->nspecs; i++)
		profile_add_type(s->profile, cfg->specs[i].sample_type, cfg->specs[i].unit);
	s->ntypes = s->profile->ntypes;
	s->profile->default_type = profile_string(s->profile, leader->sample_type);
	if (!cfg->freq)
		profile_set_period(s->profile, leader->sample_type, leader->unit,
				   (int64_t)cfg->rate);
	else if (strcmp(leader->unit, "nanoseconds") == 0)
		profile_set_period(s->profile, leader->sample_type, leader->unit,
				   (int64_t)(1000000000ULL / cfg->rate));
	else
		profile_set_period(s->profile, leader->sample_type, leader->unit, 0);
	return s;
}

void
session_free(struct session *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nthreads; i++)
		if (s->threads[i].open)
			events_close(&s->threads[i].group);
	free(s->threads);
	table_free(&s->thread_index);
	free(s->mapping_ids);
	free(s->procs);
	free(s->poll_threads);
	free(s->main_exe);
	maps_free(s->maps);
	profile_free(s->profile);
	free(s);
}

/* The profile mapping for an address-space mapping, created on first use. */
static uint64_t
session_profile_mapping(struct session *s, const struct maps_mapping *m)
{
	struct profile_mapping pm;

	if (m->id >= s->cap_mapping_ids) {
		size_t old = s->cap_mapping_ids;

		xgrow(&s->mapping_ids, &s->cap_mapping_ids, m->id + 1, sizeof(*s->mapping_ids));
		memset(s->mapping_ids + old, 0, (s->cap_mapping_ids - old) * sizeof(*s->mapping_ids));
	}
	if (s->mapping_ids[m->id])
		return s->mapping_ids[m->id];
	memset(&pm, 0, sizeof(pm));
	pm.start = m->start;
	pm.limit = m->end;
	pm.offset = m->pgoff;
	pm.filename = profile_string(s->profile, m->path);
	s->mapping_ids[m->id] = (uint32_t)profile_add_mapping(s->profile, &pm);
	return s->mapping_ids[m->id];
}

static const struct maps_mapping *
session_find_mapping(struct session *s, pid_t pid, uint64_t pc)
{
	const struct maps_mapping *m = maps_find(s->maps, pid, pc);

	if (!m && s->refreshed_pid != pid) {
		/*
		 * The MMAP2 record of a library another thread just loaded may still sit in that
		 * thread's ring: ask /proc once per drain rather than lose the frame.
		 */
		s->refreshed_pid = pid;
		maps_load_proc(s->maps, pid);
		m = maps_find(s->maps, pid, pc);
	}
	return m;
}

static void
session_sample(struct session *s, struct session_thread *th, const struct record_sample *rs)
{
	struct unwind_stack *st = &s->stack;
	int64_t values[PROFILE_MAX_TYPES];
	const struct maps_mapping *kernel = NULL;
	uint32_t i;

	s->stats.samples++;
	th->samples++;
	unwind_callchain(rs->ips, rs->nr_ips, rs->ip, st, &s->stats.unwind);
	for (i = 0; i < st->n; i++) {
		const struct maps_mapping *m;

		if (i < st->nkernel) {
			if (!kernel)
				kernel = maps_kernel(s->maps);
			m = kernel;
		} else {
			m = session_find_mapping(s, th->pid, st->pcs[i]);
		}
		if (!m)
			s->stats.unknown_frames++;
		s->locs[i] = profile_location(s->profile, m ? session_profile_mapping(s, m) : 0,
					      st->pcs[i]);
	}

	values[SESSION_TYPE_SAMPLES] = 1;
	values[SESSION_TYPE_LEADER] = (int64_t)rs->period;
	for (i = SESSION_TYPE_LEADER + 1; i < s->ntypes; i++)
		values[i] = 0; /* counter members: see issue 4 */
	profile_add_sample(s->profile, s->locs, st->n, th->labelset, values);
}

static void
session_mmap(struct session *s, const struct record *r)
{
	const struct record_mmap2 *mm = &r->u.mmap2;
	struct maps_mapping tmpl;

	if (r->type == PERF_RECORD_MMAP2 && !(mm->prot & PROT_EXEC))
		return;
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.start = mm->addr;
	tmpl.end = mm->addr + mm->len;
	tmpl.pgoff = mm->pgoff;
	tmpl.path = (char *)mm->filename;
	if (mm->has_build_id) {
		tmpl.build_id_size = mm->build_id_size > 20 ? 20 : mm->build_id_size;
		memcpy(tmpl.build_id, mm->build_id, tmpl.build_id_size);
	} else {
		tmpl.maj = mm->maj;
		tmpl.min = mm->min;
		tmpl.ino = mm->ino;
	}
	maps_add(s->maps, (pid_t)mm->pid, &tmpl);
}

static int
session_record(const void *buf, size_t len, void *arg)
{
	struct session_reader *rd = arg;
	struct session *s = rd->s;
	struct session_thread *th;
	struct record r;

	if (record_parse(&s->layout, buf, len, &r) < 0) {
		s->stats.bad_records++;
		return 0;
	}
	switch (r.type) {
	case PERF_RECORD_SAMPLE:
		session_sample(s, rd->th, &r.u.sample);
		break;
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2:
		session_mmap(s, &r);
		break;
	case PERF_RECORD_COMM:
		th = session_thread_find(s, (pid_t)r.u.comm.tid);
		if (th && strcmp(th->comm, r.u.comm.comm) != 0) {
			snprintf(th->comm, sizeof(th->comm), "%s", r.u.comm.comm);
			session_set_labels(s, th);
		}
		if (r.u.comm.tid == r.u.comm.pid)
			session_process_rename(s, (pid_t)r.u.comm.pid, r.u.comm.comm);
		break;
	case PERF_RECORD_LOST:
		s->stats.lost += r.u.lost.lost;
		break;
	case PERF_RECORD_THROTTLE:
		s->stats.throttled++;
		break;
	default:
		break; /* FORK/EXIT: ptrace tells us first-hand */
	}
	return 0;
}

static void
session_read_thread(struct session *s, struct session_thread *th)
{
	struct session_reader rd = {s, th};
	uint64_t overruns = th->group.ring.overruns;

	if (!th->open)
		return;
	if (ring_read(&th->group.ring, session_record, &rd) == -EBADMSG)
		s->stats.bad_records++;
	s->stats.overruns += th->group.ring.overruns - overruns;
}

uint64_t
session_read(struct session *s)
{
	uint64_t before = s->stats.samples;
	size_t i;

	s->refreshed_pid = 0;
	for (i = 0; i < s->nthreads; i++)
		session_read_thread(s, &s->threads[i]);
	return s->stats.samples - before;
}

static void
session_close_thread(struct session *s, struct session_thread *th)
{
	if (!th->open)
		return;
	session_read_thread(s, th);
	events_close(&th->group);
	th->open = false;
}

static int
session_thread_new(void *arg, pid_t pid, pid_t tid, bool at_exec)
{
	struct session *s = arg;
	struct session_thread *th = session_thread_find(s, tid);
	bool new_process;
	int err, failed;

	if (!th) {
		xgrow(&s->threads, &s->cap_threads, s->nthreads + 1, sizeof(*s->threads));
		th = &s->threads[s->nthreads];
		memset(th, 0, sizeof(*th));
		th->tid = tid;
		table_insert(&s->thread_index, table_hash_u64((uint64_t)tid, 1),
			     (uint32_t)s->nthreads);
		s->nthreads++;
	} else {
		session_close_thread(s, th); /* a reused tid */
	}
	th->pid = pid;
	th->alive = true;
	th->samples = 0;
	s->stats.threads++;
	new_process = session_note_pid(s, pid);
	th->comm[0] = '\0';
	session_read_comm(pid, tid, th->comm, sizeof(th->comm));
	session_set_labels(s, th);

	if (s->stopped)
		return 0;
	err = events_open(&s->cfg, tid, at_exec, &th->group, &failed);
	if (err < 0) {
		if (!s->stats.open_failed) {
			s->stats.open_error = err;
			s->stats.open_failed_index = failed;
		}
		s->stats.open_failed++;
		return err;
	}
	th->open = true;
	/* Mappings that exist before any MMAP2 of ours: a process we attach to, or a child. */
	if (!at_exec && new_process)
		maps_load_proc(s->maps, pid);
	return 0;
}

static void
session_thread_exit(void *arg, pid_t pid, pid_t tid)
{
	struct session *s = arg;
	struct session_thread *th = session_thread_find(s, tid);

	if (!th)
		return;
	session_close_thread(s, th);
	th->alive = false;
}

static void
session_exec(void *arg, pid_t pid, pid_t old_tid)
{
	struct session *s = arg;
	struct session_thread *leader = session_thread_find(s, pid);
	size_t i;

	/*
	 * Everything the process did before exec is in its rings now (exec killed its other
	 * threads, and the caller is stopped): account it against the old address space first.
	 */
	for (i = 0; i < s->nthreads; i++)
		if (s->threads[i].pid == pid)
			session_read_thread(s, &s->threads[i]);
	if (old_tid != pid) {
		/* The exec'ing thread took the leader's tid: its samplers follow it. */
		struct session_thread *old = session_thread_find(s, old_tid);

		if (leader && old && old->open) {
			if (leader->open)
				events_close(&leader->group);
			leader->group = old->group;
			leader->open = true;
			old->open = false;
			old->alive = false;
		}
	}
	maps_exec(s->maps, pid);
	maps_load_proc(s->maps, pid);
	if (s->nprocs && pid == s->procs[0].pid) {
		char path[64], exe[4096];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			free(s->main_exe);
			s->main_exe = xstrdup(exe);
		}
	}
	if (leader) {
		session_read_comm(pid, pid, leader->comm, sizeof(leader->comm));
		session_set_labels(s, leader);
		session_process_rename(s, pid, leader->comm);
	}
}

const struct target_ops session_target_ops = {
	.thread_new = session_thread_new,
	.thread_exit = session_thread_exit,
	.exec = session_exec,
};

size_t
session_pollfds(struct session *s, struct pollfd *pfds, size_t max)
{
	size_t i, n = 0;

	xgrow(&s->poll_threads, &s->cap_poll_threads, s->nthreads + 1, sizeof(*s->poll_threads));
	for (i = 0; i < s->nthreads && n < max; i++) {
		if (!s->threads[i].open)
			continue;
		pfds[n].fd = s->threads[i].group.fds[0];
		pfds[n].events = POLLIN;
		pfds[n].revents = 0;
		s->poll_threads[n] = (uint32_t)i;
		n++;
	}
	return n;
}

void
session_handle_pollfds(struct session *s, const struct pollfd *pfds, size_t n)
{
	size_t i;

	s->refreshed_pid = 0;
	for (i = 0; i < n; i++) {
		struct session_thread *th = &s->threads[s->poll_threads[i]];

		if (!pfds[i].revents || !th->open || th->group.fds[0] != pfds[i].fd)
			continue;
		if (pfds[i].revents & (POLLHUP | POLLERR)) {
			session_close_thread(s, th); /* the thread is gone */
			th->alive = false;
		} else {
			session_read_thread(s, th);
		}
	}
}

void
session_stop(struct session *s)
{
	size_t i;

	if (s->stopped)
		return;
	s->stopped = true;
	for (i = 0; i < s->nthreads; i++)
		if (s->threads[i].open)
			events_disable(&s->threads[i].group);
	session_read(s);
	for (i = 0; i < s->nthreads; i++)
		session_close_thread(s, &s->threads[i]);
}

/*
 * Per profile mapping: what symbolization achieved for all of its locations (inline frames:
 * for any, since they exist only where DWARF describes the address).
 */
struct session_mapflags {
	bool any, functions, filenames, lines, inlines;
};

static void
session_symbolize(struct session *s, struct symbolize *sym)
{
	struct profile *p = s->profile;
	size_t nmaps = p->nmappings, i;
	const struct maps_mapping **bymap = xcalloc(nmaps + 1, sizeof(*bymap));
	struct session_mapflags *flags = xcalloc(nmaps + 1, sizeof(*flags));
	struct symbolize_result *res = xmalloc(sizeof(*res));

	for (i = 1; i < s->cap_mapping_ids; i++)
		if (s->mapping_ids[i])
			bymap[s->mapping_ids[i]] = maps_get(s->maps, (uint32_t)i);

	for (i = 0; i < p->nlocations; i++) {
		struct profile_location *loc = &p->locations[i];
		const struct maps_mapping *m = bymap[loc->mapping_id];
		struct profile_line lines[SYMBOLIZE_MAX_FRAMES];
		struct session_mapflags *f = &flags[loc->mapping_id];
		bool file = true, line = true;
		int n, k;

		n = m ? symbolize_addr(sym, m, loc->address, res) : 0;
		if (!f->any) {
			f->any = true;
			f->functions = f->filenames = f->lines = true;
		}
		if (n <= 0) {
			f->functions = f->filenames = f->lines = false;
			continue;
		}
		for (k = 0; k < n; k++) {
			const struct symbolize_frame *fr = &res->frames[k];

			lines[k].function_id =
				profile_function(p, fr->name, fr->system_name ? fr->system_name : fr->name,
						 fr->file ? fr->file : "", fr->start_line);
			lines[k].line = fr->line;
			file = file && fr->file;
			line = line && fr->line;
		}
		profile_set_lines(p, loc->id, lines, (size_t)n);
		f->filenames = f->filenames && file;
		f->lines = f->lines && line;
		/* Inline frames were expanded wherever DWARF describes the address. */
		f->inlines = f->inlines || res->from_dwarf;
	}

	for (i = 1; i <= nmaps; i++) {
		struct profile_mapping *pm = &p->mappings[i - 1];
		char hex[64];

		pm->has_functions = flags[i].any && flags[i].functions;
		pm->has_filenames = flags[i].any && flags[i].filenames;
		pm->has_line_numbers = flags[i].any && flags[i].lines;
		pm->has_inline_frames = flags[i].any && flags[i].inlines;
		if (bymap[i] && symbolize_build_id(sym, bymap[i], hex, sizeof(hex)) > 0)
			pm->build_id = profile_string(p, hex);
	}
	free(res);
	free(flags);
	free(bymap);
}

struct profile *
session_finish(struct session *s, struct symbolize *sym, const char *what, int64_t time_nanos,
	       int64_t duration_nanos)
{
	struct profile *p = s->profile;
	const struct events_spec *leader = &s->cfg.specs[0];
	char *c;
	size_t i;

	session_stop(s);
	session_symbolize(s, sym);
	for (i = 0; s->main_exe && i < p->nmappings; i++) {
		if (strcmp(p->strings[p->mappings[i].filename], s->main_exe) == 0) {
			profile_mapping_first(p, p->mappings[i].id);
			break;
		}
	}

	c = xasprintf("prof %s", PROF_VERSION);
	profile_add_comment(p, c);
	free(c);
	profile_add_comment(p, what);
	if (s->cfg.freq)
		c = xasprintf("event: %s (type %u, config %#llx) sampled at %llu Hz", leader->name,
			      leader->type, (unsigned long long)leader->config,
			      (unsigned long long)s->cfg.rate);
	else
		c = xasprintf("event: %s (type %u, config %#llx) sampled every %llu events",
			      leader->name, leader->type, (unsigned long long)leader->config,
			      (unsigned long long)s->cfg.rate);
	profile_add_comment(p, c);
	free(c);
	c = xasprintf("samples: %llu, lost records: %llu, throttled: %llu, threads: %llu",
		      (unsigned long long)s->stats.samples, (unsigned long long)s->stats.lost,
		      (unsigned long long)s->stats.throttled, (unsigned long long)s->stats.threads);
	profile_add_comment(p, c);
	free(c);
	p->time_nanos = time_nanos;
	p->duration_nanos = duration_nanos;
	return p;
}
