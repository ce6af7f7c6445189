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
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "log.h"
#include "xalloc.h"

#define SESSION_POLL_CPU 0x80000000u /* poll_threads: an index into inherit[] */
#define SESSION_TYPE_SAMPLES 0
#define SESSION_TYPE_LEADER 1 /* then the members, in -e order */

struct session_reader {
	struct session *s;
	struct session_thread *th;
};

/*
 * A thread that switches 100k times a second mostly blocks in the same place, each time with
 * the same stack: rather than unwind it each time (most of prof's cost there), the user frames
 * of its last context-switch sample are kept with what that unwind read (unwind_dwarf_last_reads)
 * and reused when the next sample has the same registers and the same words there.
 */
#define SESSION_MEMO_READS 64
struct session_cs_memo {
	bool valid;
	uint64_t gen; /* session maps_gen */
	uint64_t pc, sp, fp, stack_len;
	uint32_t nreads;
	uint32_t off[SESSION_MEMO_READS];
	uint64_t val[SESSION_MEMO_READS];
	uint32_t npcs;
	uint64_t pcs[UNWIND_MAX_FRAMES];
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

static bool
session_member_eq(uint32_t id, const void *key, void *arg)
{
	const struct session *s = arg;

	return s->member_ids[id] == *(const uint64_t *)key;
}

/* Remembers which member of the group each counter id of `g` is. */
static void
session_note_members(struct session *s, const struct events_group *g)
{
	size_t i;

	for (i = 0; i < g->nfds; i++) {
		uint64_t h = table_hash_u64(g->ids[i], 2);

		if (table_find(&s->member_index, h, &g->ids[i], session_member_eq, s) != TABLE_NONE)
			continue;
		xgrow(&s->member_ids, &s->cap_member_ids, s->nmember_ids + 1, sizeof(*s->member_ids));
		xgrow(&s->member_of, &s->cap_member_of, s->nmember_ids + 1, sizeof(*s->member_of));
		s->member_ids[s->nmember_ids] = g->ids[i];
		s->member_of[s->nmember_ids] = (uint8_t)i;
		table_insert(&s->member_index, h, (uint32_t)s->nmember_ids);
		s->nmember_ids++;
	}
}

/* The member index of counter `id`, or -1. */
static int
session_member(struct session *s, uint64_t id)
{
	uint32_t k = table_find(&s->member_index, table_hash_u64(id, 2), &id, session_member_eq, s);

	return k == TABLE_NONE ? -1 : s->member_of[k];
}

/*
 * Member deltas since the thread's previous sample, scaled by the share of time the group was
 * on a counter since then (Δenabled/Δrunning: multiplexing), into values[].
 */
static void
session_deltas(struct session *s, struct session_thread *th, uint64_t enabled, uint64_t running,
	       const struct record_value *v, uint32_t n, int64_t *values)
{
	uint64_t dena = enabled - th->prev_enabled, drun = running - th->prev_running;
	uint32_t i;

	th->prev_enabled = enabled;
	th->prev_running = running;
	for (i = 0; i < n; i++) {
		int j = session_member(s, v[i].id);
		uint64_t delta;

		if (j <= 0 || (size_t)j >= s->cfg.nspecs)
			continue; /* the leader is counted by its period */
		delta = v[i].value - th->prev[j];
		th->prev[j] = v[i].value;
		if (drun && dena != drun)
			delta = (uint64_t)((double)delta * (double)dena / (double)drun + 0.5);
		values[SESSION_TYPE_LEADER + j] = (int64_t)delta;
		s->stats.attributed[j] += (int64_t)delta;
	}
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
	if (s->cfg.off_cpu) {
		static const char *const states[] = {"blocked", "preempted", "approximate"};
		struct profile_label ls[5];
		size_t k;

		memcpy(ls, l, sizeof(l));
		ls[4] = (struct profile_label){.key = profile_string(p, "state")};
		for (k = 0; k < 3; k++) {
			ls[4].str = profile_string(p, states[k]);
			th->off_labelsets[k] = profile_labelset(p, ls, 5);
		}
	}
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

/*
 * How many mapped files to keep open (so that upgrades and deletions while the target runs do
 * not cost their symbols): a quarter of the fds we may open, which the samplers need most.
 */
static size_t
session_keep_max(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 1024;
	return rl.rlim_cur / 4 < 4096 ? (size_t)(rl.rlim_cur / 4) : 4096;
}

struct session *
session_create(const struct events_config *cfg)
{
	struct session *s = xcalloc(1, sizeof(*s));
	const struct pmu_event *leader = &cfg->specs[0].ev;
	size_t i;

	s->cfg = *cfg;
	events_layout(cfg, &s->layout);
	s->maps = maps_create();
	maps_keep_files(s->maps, session_keep_max());
	if (cfg->callchain && cfg->dwarf)
		s->dwarf = unwind_dwarf_create(s->maps);
	s->profile = profile_create();
	table_init(&s->thread_index);
	table_init(&s->member_index);

	profile_add_type(s->profile, "samples", "count");
	for (i = 0; i < cfg->nspecs; i++)
		profile_add_type(s->profile, cfg->specs[i].ev.sample_type,
				 cfg->specs[i].ev.scale != 1.0 ? "count" : cfg->specs[i].ev.unit);
	if (cfg->off_cpu)
		s->type_off = profile_add_type(s->profile, "off-cpu", "nanoseconds");
	if (cfg->wall)
		s->type_wall = profile_add_type(s->profile, "wall", "nanoseconds");
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
	for (i = 0; i < s->nthreads; i++) {
		if (s->threads[i].open)
			events_close(&s->threads[i].group);
		free(s->threads[i].off_locs);
		free(s->threads[i].cs_memo);
	}
	for (i = 0; i < s->ninherit; i++)
		events_close(&s->inherit[i]);
	free(s->inherit);
	free(s->cpu_rings);
	free(s->threads);
	table_free(&s->thread_index);
	table_free(&s->member_index);
	free(s->member_ids);
	free(s->member_of);
	free(s->mapping_ids);
	free(s->procs);
	free(s->poll_threads);
	free(s->main_exe);
	unwind_dwarf_free(s->dwarf);
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
		s->maps_gen++;
		m = maps_find(s->maps, pid, pc);
	}
	return m;
}

/* The user part of a callchain: the entries after PERF_CONTEXT_USER (exact PC first). */
static void
session_user_chain(const uint64_t *ips, uint64_t nr, const uint64_t **user, uint32_t *n)
{
	uint64_t i, j;

	*user = NULL;
	*n = 0;
	for (i = 0; i < nr; i++) {
		if (ips[i] != PERF_CONTEXT_USER)
			continue;
		for (j = i + 1; j < nr && ips[j] < PERF_CONTEXT_MAX; j++)
			;
		*user = ips + i + 1;
		*n = (uint32_t)(j - i - 1);
		return;
	}
}

/* s->stack as profile location ids, into s->locs; returns how many. */
static size_t
session_locs(struct session *s, struct session_thread *th)
{
	const struct unwind_stack *st = &s->stack;
	const struct maps_mapping *kernel = NULL;
	uint32_t i;

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
	return st->n;
}

/* The sample's stack as profile location ids, into s->locs; returns how many. */
static size_t
session_stack(struct session *s, struct session_thread *th, const struct record_sample *rs)
{
	struct unwind_stack *st = &s->stack;

	unwind_callchain(rs->ips, rs->nr_ips, rs->ip, st, &s->stats.unwind);
	if (s->dwarf && rs->regs_abi && rs->nr_regs) {
		/* Kernel frames from the callchain, user frames from CFI (falling back to it). */
		const uint64_t *fp;
		uint32_t nfp;

		session_user_chain(rs->ips, rs->nr_ips, &fp, &nfp);
		st->n = st->nkernel;
		unwind_dwarf_sample(s->dwarf, th->pid, rs->regs, rs->nr_regs, rs->stack,
				    rs->stack_size, rs->stack_dyn_size, fp, nfp, st,
				    &s->dwarf_stats);
	}
	return session_locs(s, th);
}

/*
 * The thread ends an off-CPU interval of `ns`: charged to the stack at which it left the CPU,
 * or (no context-switch sample: unprivileged, or the sample was lost or throttled) to the stack
 * of its last on-CPU sample, labelled approximate.
 */
static void
session_off_charge(struct session *s, struct session_thread *th, uint64_t ns)
{
	int64_t values[PROFILE_MAX_TYPES] = {0};
	enum session_off_state state;
	const uint64_t *locs = s->locs; /* n = 0: an empty stack */
	size_t n = 0;

	if (th->off_stack) {
		state = th->off_preempt ? SESSION_OFF_PREEMPTED : SESSION_OFF_BLOCKED;
		locs = th->off_locs;
		n = th->off_nlocs;
	} else {
		state = SESSION_OFF_APPROX;
		if (th->has_last) {
			/* Each sample owns its location ids: they outlive the samples[] growth. */
			locs = s->profile->samples[th->last_sample].location_ids;
			n = s->profile->samples[th->last_sample].nlocs;
		} else if (th->off_parked) {
			locs = th->off_locs; /* where it slept at attach */
			n = th->off_nlocs;
		}
	}
	values[s->type_off] = (int64_t)ns;
	if (s->type_wall)
		values[s->type_wall] = (int64_t)ns;
	profile_add_sample(s->profile, locs, n, th->off_labelsets[state], values);
	s->stats.off_ns[state] += ns;
}

static void
session_off_reset(struct session_thread *th)
{
	th->off_stack = th->off_out = th->off_preempt = false;
	th->off_time = 0;
}

/*
 * A context-switch sample: the thread leaves the CPU now, here. Its SWITCH_OUT record comes
 * just after it (perf_event_task_sched_out emits the software event first), the SWITCH_IN record
 * when it runs again; both go through the same ring, so they arrive in this order.
 */
/* The valid bytes of the sample's stack copy. */
static uint64_t
session_stack_len(const struct record_sample *rs)
{
	return rs->stack_dyn_size < rs->stack_size ? rs->stack_dyn_size : rs->stack_size;
}

/* Is the sample's user stack the memo's? Then its user frames are the memo's. */
static bool
session_memo_hit(const struct session *s, const struct session_cs_memo *m,
		 const struct record_sample *rs)
{
	uint64_t len = session_stack_len(rs), v;
	uint32_t i;

	if (!m->valid || m->gen != s->maps_gen || m->stack_len != len ||
	    m->pc != arch_regs_ip(rs->regs, rs->nr_regs) ||
	    m->sp != arch_regs_sp(rs->regs, rs->nr_regs) ||
	    m->fp != arch_regs_fp(rs->regs, rs->nr_regs))
		return false;
	for (i = 0; i < m->nreads; i++) {
		if (m->off[i] > len || len - m->off[i] < sizeof(v))
			return false;
		memcpy(&v, rs->stack + m->off[i], sizeof(v));
		if (v != m->val[i])
			return false;
	}
	return true;
}

/* Remembers the user frames just unwound (s->stack after `nkernel`), if they can be reused. */
static void
session_memo_store(struct session *s, struct session_cs_memo *m, const struct record_sample *rs,
		   uint32_t nkernel)
{
	const struct unwind_stack *st = &s->stack;
	uint64_t len = session_stack_len(rs);
	const uint32_t *reads;
	uint32_t n, i;

	m->valid = false;
	reads = unwind_dwarf_last_reads(s->dwarf, &n);
	if (!reads || n > SESSION_MEMO_READS || st->n < nkernel)
		return;
	for (i = 0; i < n; i++) {
		if (reads[i] > len || len - reads[i] < sizeof(m->val[i]))
			return;
		m->off[i] = reads[i];
		memcpy(&m->val[i], rs->stack + reads[i], sizeof(m->val[i]));
	}
	m->nreads = n;
	m->npcs = st->n - nkernel;
	memcpy(m->pcs, st->pcs + nkernel, m->npcs * sizeof(*m->pcs));
	m->pc = arch_regs_ip(rs->regs, rs->nr_regs);
	m->sp = arch_regs_sp(rs->regs, rs->nr_regs);
	m->fp = arch_regs_fp(rs->regs, rs->nr_regs);
	m->stack_len = len;
	m->gen = s->maps_gen;
	m->valid = true;
}

/* A context-switch sample's stack, into s->locs: session_stack, or the memo's user frames. */
static size_t
session_off_stack(struct session *s, struct session_thread *th, const struct record_sample *rs)
{
	struct unwind_stack *st = &s->stack;
	const uint64_t *fp;
	uint32_t nfp, nkernel;

	if (!s->dwarf || !rs->regs_abi || !rs->nr_regs || !rs->stack)
		return session_stack(s, th, rs);
	if (!th->cs_memo)
		th->cs_memo = xcalloc(1, sizeof(*th->cs_memo));
	unwind_callchain(rs->ips, rs->nr_ips, rs->ip, st, &s->stats.unwind);
	nkernel = st->n = st->nkernel;
	if (session_memo_hit(s, th->cs_memo, rs) &&
	    nkernel + th->cs_memo->npcs <= UNWIND_MAX_FRAMES) {
		memcpy(st->pcs + nkernel, th->cs_memo->pcs, th->cs_memo->npcs * sizeof(*st->pcs));
		st->n = nkernel + th->cs_memo->npcs;
		s->stats.off_reused++;
		return session_locs(s, th);
	}
	session_user_chain(rs->ips, rs->nr_ips, &fp, &nfp);
	unwind_dwarf_sample(s->dwarf, th->pid, rs->regs, rs->nr_regs, rs->stack, rs->stack_size,
			    rs->stack_dyn_size, fp, nfp, st, &s->dwarf_stats);
	session_memo_store(s, th->cs_memo, rs, nkernel);
	return session_locs(s, th);
}

static void
session_off_sample(struct session *s, struct session_thread *th, const struct record_sample *rs)
{
	size_t n = session_off_stack(s, th, rs);

	s->stats.off_samples++;
	if (!th->off_locs)
		return;
	if (th->off_stack)
		session_off_reset(th); /* the SWITCH_IN of the previous interval was lost */
	th->off_parked = false;
	memcpy(th->off_locs, s->locs, n * sizeof(*s->locs));
	th->off_nlocs = n;
	th->off_stack = true;
	if (!th->off_out)
		th->off_time = rs->time;
}

static void
session_switch(struct session *s, struct session_thread *th, const struct record *r)
{
	if (!r->sid.valid)
		return;
	if (r->u.sw.out) {
		/*
		 * After the context-switch sample: its time excludes the cost of writing that
		 * sample (callchain, stack copy), which the CPU accounting gives the next task.
		 */
		if (!th->off_out)
			th->off_time = r->sid.time;
		th->off_out = true;
		th->off_preempt = r->u.sw.preempt;
		return;
	}
	if ((th->off_out || th->off_stack) && r->sid.time > th->off_time)
		session_off_charge(s, th, r->sid.time - th->off_time);
	session_off_reset(th);
}

void
session_off_parked(struct session *s, const struct target_snapshot *snap, uint64_t since)
{
	struct unwind_dwarf *uw = s->dwarf, *own = NULL;
	struct unwind_dwarf_stats stats;
	size_t i;

	if (!s->cfg.off_cpu)
		return;
	/* Frame-pointer mode has no DWARF unwinder; the copies have no kernel chain to walk. */
	if (!uw && s->cfg.callchain)
		uw = own = unwind_dwarf_create(s->maps);
	memset(&stats, 0, sizeof(stats));
	for (i = 0; i < snap->nthreads; i++) {
		const struct target_snap_thread *ts = &snap->threads[i];
		struct session_thread *th = session_thread_find(s, ts->tid);
		struct unwind_stack *st = &s->stack;
		size_t n;

		if (ts->err || !ts->nregs || !th || !th->open || th->off_out || th->off_stack)
			continue;
		st->n = st->nkernel = 0;
		if (uw)
			unwind_dwarf_sample(uw, th->pid, ts->regs, ts->nregs, ts->stack,
					    ts->stack_size, ts->stack_size, NULL, 0, st, &stats);
		if (!st->n && arch_regs_ip(ts->regs, ts->nregs)) {
			st->pcs[0] = arch_regs_ip(ts->regs, ts->nregs);
			st->n = 1;
		}
		n = session_locs(s, th);
		if (!th->off_locs)
			th->off_locs = xcalloc(UNWIND_MAX_FRAMES, sizeof(*th->off_locs));
		memcpy(th->off_locs, s->locs, n * sizeof(*s->locs));
		th->off_nlocs = n;
		th->off_stack = th->off_out = th->off_parked = true;
		th->off_preempt = false;
		th->off_time = since;
		s->stats.off_parked++;
	}
	unwind_dwarf_free(own);
}

static void
session_sample(struct session *s, struct session_thread *th, const struct record_sample *rs)
{
	int64_t values[PROFILE_MAX_TYPES];
	size_t n;
	uint32_t i;

	if (th->group.has_cs && rs->id == th->group.cs_id) {
		session_off_sample(s, th, rs);
		return;
	}
	s->stats.samples++;
	th->samples++;
	n = session_stack(s, th, rs);
	values[SESSION_TYPE_SAMPLES] = 1;
	values[SESSION_TYPE_LEADER] = (int64_t)rs->period;
	for (i = SESSION_TYPE_LEADER + 1; i < s->ntypes; i++)
		values[i] = 0;
	if (rs->nr_values)
		session_deltas(s, th, rs->time_enabled, rs->time_running, rs->values, rs->nr_values,
			       values);
	/* --wall requires a leader that counts nanoseconds on CPU (cpu-clock, task-clock). */
	if (s->type_wall)
		values[s->type_wall] = (int64_t)rs->period;
	th->last_sample = profile_add_sample(s->profile, s->locs, n, th->labelset, values);
	th->has_last = true;
}

static void
session_mmap(struct session *s, const struct record *r)
{
	const struct record_mmap2 *mm = &r->u.mmap2;
	struct maps_mapping tmpl;

	if (r->type == PERF_RECORD_MMAP2 && !(mm->prot & PROT_EXEC))
		return;
	s->maps_gen++;
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

static struct session_thread *session_thread_start(struct session *s, pid_t pid, pid_t tid,
						   const char *comm, bool *new_process);

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
		th = rd->th;
		if (!th) {
			/* A per-CPU ring of inherited groups: the sample says whose it is. */
			bool new_process = false;

			th = session_thread_find(s, (pid_t)r.u.sample.tid);
			if (!th || !th->alive)
				th = session_thread_start(s, (pid_t)r.u.sample.pid,
							  (pid_t)r.u.sample.tid, NULL, &new_process);
		}
		session_sample(s, th, &r.u.sample);
		break;
	case PERF_RECORD_FORK:
		if (!rd->th && r.u.task.tid != r.u.task.ptid) {
			/* A thread (or process) born of an inherited one: sampled from birth. */
			struct session_thread *parent = session_thread_find(s, (pid_t)r.u.task.ptid);
			struct session_process *proc = session_process_find(s, (pid_t)r.u.task.pid);
			bool new_process = false, reused = proc && proc->exited;

			if (reused) {
				/* The pid of a process that exited, now another one. */
				maps_exec(s->maps, (pid_t)r.u.task.pid);
				proc->exited = false;
			}
			th = session_thread_find(s, (pid_t)r.u.task.tid);
			if (!th || !th->alive) {
				/*
				 * Its name from /proc (the thread may have renamed itself, and its
				 * COMM record may sit in another CPU's ring); else the parent's.
				 */
				th = session_thread_start(s, (pid_t)r.u.task.pid, (pid_t)r.u.task.tid,
							  NULL, &new_process);
				if (!th->comm[0] && parent) {
					snprintf(th->comm, sizeof(th->comm), "%s", parent->comm);
					session_set_labels(s, th);
				}
			}
			if (new_process || reused)
				maps_fork(s->maps, (pid_t)r.u.task.ppid, (pid_t)r.u.task.pid);
		}
		break;
	case PERF_RECORD_EXIT:
		if (!rd->th) {
			th = session_thread_find(s, (pid_t)r.u.task.tid);
			if (th)
				th->alive = false;
			if (r.u.task.tid == r.u.task.pid) {
				struct session_process *proc =
					session_process_find(s, (pid_t)r.u.task.pid);

				/* Its mappings stay: samples from other CPUs' rings may follow. */
				if (proc)
					proc->exited = true;
			}
		}
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
		if (!rd->th && r.u.comm.exec) {
			/* Untraced: no exec stop to wait for, the record is all we get. */
			maps_exec(s->maps, (pid_t)r.u.comm.pid);
			maps_load_proc(s->maps, (pid_t)r.u.comm.pid);
			s->maps_gen++;
			if (s->dwarf)
				unwind_dwarf_forget(s->dwarf, (pid_t)r.u.comm.pid);
		}
		break;
	case PERF_RECORD_SWITCH:
		/* Only per-thread rings: a per-CPU ring cannot pair a switch out with its in. */
		if (rd->th && s->cfg.off_cpu)
			session_switch(s, rd->th, &r);
		break;
	case PERF_RECORD_LOST:
		s->stats.lost += r.u.lost.lost;
		/*
		 * The switch that would close the thread's interval may be among them: an interval
		 * paired across the gap could hold on-CPU time. Start afresh.
		 */
		if (rd->th)
			session_off_reset(rd->th);
		break;
	case PERF_RECORD_LOST_SAMPLES:
		/* Samples the kernel could not take (a PEBS or AUX drop), not a full ring. */
		s->stats.lost_samples += r.u.lost.lost;
		break;
	case PERF_RECORD_THROTTLE:
		s->stats.throttled++;
		break;
	default:
		break;
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

/* A per-CPU ring of inherited groups (no thread owns it). */
static void
session_read_cpu(struct session *s, struct events_group *g)
{
	struct session_reader rd = {s, NULL};
	uint64_t overruns = g->ring.overruns;

	if (ring_read(&g->ring, session_record, &rd) == -EBADMSG)
		s->stats.bad_records++;
	s->stats.overruns += g->ring.overruns - overruns;
}

uint64_t
session_read(struct session *s)
{
	uint64_t before = s->stats.samples;
	size_t i;

	s->refreshed_pid = 0;
	for (i = 0; i < s->nthreads; i++)
		session_read_thread(s, &s->threads[i]);
	for (i = 0; i < s->ninherit; i++)
		if (s->inherit[i].ring.base)
			session_read_cpu(s, &s->inherit[i]);
	return s->stats.samples - before;
}

/*
 * The counts since the thread's last sample go to that sample's stack, so that every member's
 * values add up to what a final read() says (exact bookkeeping, checked by the tests).
 */
static void
session_final_read(struct session *s, struct session_thread *th)
{
	/* nr, enabled, running, then {value, id} per member */
	uint64_t buf[3 + 2 * EVENTS_MAX];
	struct record_value v[EVENTS_MAX];
	int64_t values[PROFILE_MAX_TYPES] = {0};
	ssize_t n = read(th->group.fds[0], buf, sizeof(buf));
	uint64_t i, nr;

	if (n < (ssize_t)(3 * sizeof(uint64_t)))
		return;
	nr = buf[0];
	if (nr > EVENTS_MAX || (size_t)n < (3 + 2 * nr) * sizeof(uint64_t))
		return;
	s->stats.enabled_total += buf[1];
	s->stats.running_total += buf[2];
	if (buf[1] && !buf[2])
		s->stats.never_ran++;
	for (i = 0; i < nr; i++) {
		int j = session_member(s, buf[4 + 2 * i]);

		v[i].value = buf[3 + 2 * i];
		v[i].id = buf[4 + 2 * i];
		v[i].lost = 0;
		if (j > 0)
			s->stats.read_total[j] += v[i].value;
	}
	session_deltas(s, th, buf[1], buf[2], v, (uint32_t)nr, values);
	if (!th->has_last) {
		for (i = 1; i < s->cfg.nspecs; i++)
			s->stats.attributed[i] -= values[SESSION_TYPE_LEADER + i];
		s->stats.unattributed_threads++;
		return;
	}
	for (i = SESSION_TYPE_LEADER + 1; i < s->ntypes; i++)
		s->profile->samples[th->last_sample].values[i] += values[i];
}

static void
session_close_thread(struct session *s, struct session_thread *th)
{
	if (!th->open)
		return;
	session_read_thread(s, th);
	if (s->cfg.nspecs > 1)
		session_final_read(s, th);
	events_close(&th->group);
	th->open = false;
}

/*
 * The entry for a thread that starts now (new, or a reused tid). `comm`: its name if known
 * (else read from /proc). Sets *new_process when `pid` was not seen before.
 */
static struct session_thread *
session_thread_start(struct session *s, pid_t pid, pid_t tid, const char *comm,
		     bool *new_process)
{
	struct session_thread *th = session_thread_find(s, tid);

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
	memset(th->prev, 0, sizeof(th->prev));
	th->prev_enabled = th->prev_running = 0;
	th->has_last = false;
	session_off_reset(th);
	th->off_parked = false;
	if (th->cs_memo)
		th->cs_memo->valid = false; /* a reused tid */
	if (s->cfg.off_cpu_stacks && !th->off_locs)
		th->off_locs = xcalloc(UNWIND_MAX_FRAMES, sizeof(*th->off_locs));
	s->stats.threads++;
	*new_process = session_note_pid(s, pid);
	th->comm[0] = '\0';
	if (comm)
		snprintf(th->comm, sizeof(th->comm), "%s", comm);
	else
		session_read_comm(pid, tid, th->comm, sizeof(th->comm));
	session_set_labels(s, th);
	return th;
}

static void
session_open_failed(struct session *s, int err, int failed)
{
	if (!s->stats.open_failed) {
		s->stats.open_error = err;
		s->stats.open_failed_index = failed;
	}
	s->stats.open_failed++;
}

/*
 * An untraced thread: one inherited group per CPU, all writing to that CPU's ring (the first
 * group opened on a CPU owns it). Kept open until the end: closing them would also end the
 * sampling of the threads they were inherited by.
 */
static int
session_open_inherit(struct session *s, pid_t tid)
{
	int cpu, opened = 0, err = -ENODEV, failed = -1;

	if (!s->cpu_rings) {
		s->ncpus = events_ncpus();
		s->cpu_rings = xcalloc((size_t)s->ncpus, sizeof(*s->cpu_rings));
		for (cpu = 0; cpu < s->ncpus; cpu++)
			s->cpu_rings[cpu] = UINT32_MAX;
	}
	for (cpu = 0; cpu < s->ncpus; cpu++) {
		uint32_t ring = s->cpu_rings[cpu];
		int out = ring == UINT32_MAX ? -1 : s->inherit[ring].fds[0];
		struct events_group g;
		int e = events_open_inherit(&s->cfg, tid, cpu, out, &g, &failed);

		if (e == -ENODEV)
			continue; /* an offline CPU */
		if (e < 0) {
			err = e;
			break;
		}
		xgrow(&s->inherit, &s->cap_inherit, s->ninherit + 1, sizeof(*s->inherit));
		s->inherit[s->ninherit] = g;
		session_note_members(s, &g);
		if (ring == UINT32_MAX)
			s->cpu_rings[cpu] = (uint32_t)s->ninherit;
		s->ninherit++;
		opened++;
	}
	if (opened && cpu == s->ncpus)
		return 0;
	session_open_failed(s, err, failed);
	return err;
}

static int
session_thread_new(void *arg, pid_t pid, pid_t tid, unsigned flags)
{
	struct session *s = arg;
	bool at_exec = flags & TARGET_NEW_AT_EXEC, new_process;
	struct session_thread *th = session_thread_start(s, pid, tid, NULL, &new_process);
	int err, failed;

	if (s->stopped)
		return 0;
	if (flags & TARGET_NEW_INHERIT) {
		err = session_open_inherit(s, tid);
	} else {
		err = events_open(&s->cfg, tid, at_exec, &th->group, &failed);
		if (err < 0) {
			session_open_failed(s, err, failed);
		} else {
			th->open = true;
			session_note_members(s, &th->group);
		}
	}
	if (err < 0)
		return err;
	/* Mappings that exist before any MMAP2 of ours: a process we attach to, or a child. */
	if (!at_exec && new_process) {
		maps_load_proc(s->maps, pid);
		s->maps_gen++;
	}
	return 0;
}

static bool
session_thread_covered(void *arg, pid_t tid)
{
	struct session_thread *th = session_thread_find(arg, tid);

	return th && th->alive;
}

static void
session_sync(void *arg)
{
	session_read(arg);
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
	session_off_reset(th); /* it exits: the blocked time of its last switch is not waiting */
	/* The process is gone (its leader's exit comes last): its files can be closed. */
	if (s->dwarf && tid == pid)
		unwind_dwarf_forget(s->dwarf, pid);
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
	s->maps_gen++;
	if (s->dwarf)
		unwind_dwarf_forget(s->dwarf, pid);
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
	.thread_covered = session_thread_covered,
	.sync = session_sync,
	.thread_exit = session_thread_exit,
	.exec = session_exec,
};

size_t
session_pollfds(struct session *s, struct pollfd *pfds, size_t max)
{
	size_t i, n = 0;

	xgrow(&s->poll_threads, &s->cap_poll_threads, s->nthreads + s->ninherit + 1,
	      sizeof(*s->poll_threads));
	for (i = 0; i < s->ninherit && n < max; i++) {
		if (!s->inherit[i].ring.base)
			continue;
		pfds[n].fd = s->inherit[i].fds[0];
		pfds[n].events = POLLIN;
		pfds[n].revents = 0;
		s->poll_threads[n] = SESSION_POLL_CPU | (uint32_t)i;
		n++;
	}
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
	bool data = false;
	size_t i;

	for (i = 0; i < n; i++)
		data = data || (pfds[i].revents & POLLIN);
	/*
	 * One ring woke us: read them all, in thread order. A thread's samples may need a mapping
	 * whose MMAP2 record sits in another thread's quiet ring (libc, mapped by the main thread
	 * before it created the workers); reading every ring now puts it in first.
	 */
	if (data)
		session_read(s);
	for (i = 0; i < n; i++) {
		struct session_thread *th;

		if (s->poll_threads[i] & SESSION_POLL_CPU)
			continue;
		th = &s->threads[s->poll_threads[i]];
		if (!(pfds[i].revents & (POLLHUP | POLLERR)) || !th->open ||
		    th->group.fds[0] != pfds[i].fd)
			continue;
		session_close_thread(s, th); /* the thread is gone */
		th->alive = false;
	}
}

void
session_stop(struct session *s)
{
	size_t i;

	struct timespec ts;
	uint64_t end;

	if (s->stopped)
		return;
	s->stopped = true;
	/* Records carry CLOCK_MONOTONIC (use_clockid): the end of open off-CPU intervals. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	for (i = 0; i < s->nthreads; i++)
		if (s->threads[i].open)
			events_disable(&s->threads[i].group);
	for (i = 0; i < s->ninherit; i++)
		events_disable(&s->inherit[i]);
	session_read(s);
	for (i = 0; i < s->nthreads; i++) {
		struct session_thread *th = &s->threads[i];

		/* Still off CPU at the end (blocked the whole time, maybe): charged up to it. */
		if (s->cfg.off_cpu && th->open && (th->off_out || th->off_stack)) {
			if (end > th->off_time)
				session_off_charge(s, th, end - th->off_time);
			s->stats.off_open++;
			session_off_reset(th);
		}
		session_close_thread(s, th);
	}
	/* Redirected groups first: a CPU's ring goes with the group that owns it. */
	for (i = 0; i < s->ninherit; i++)
		if (!s->inherit[i].ring.base)
			events_close(&s->inherit[i]);
	for (i = 0; i < s->ninherit; i++)
		if (s->inherit[i].ring.base)
			events_close(&s->inherit[i]);
	s->ninherit = 0;
}

/*
 * Per profile mapping: what symbolization achieved: functions for all of its locations; files,
 * lines and inline frames wherever DWARF describes the address.
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
		struct session_mapflags *f = &flags[loc->mapping_id];
		bool file = true, line = true;
		int n, k;

		n = m ? symbolize_addr(sym, m, loc->address, res) : 0;
		if (!f->any) {
			f->any = true;
			f->functions = true;
		}
		if (!m) {
			f->functions = false;
			continue;
		}
		/* With no frame it still says where it is: "[unknown] FILE+0xOFFSET", "[kernel]". */
		profile_set_symbolized(p, loc->id, res, m, loc->address);
		if (n <= 0) {
			f->functions = false;
			continue;
		}
		for (k = 0; k < n; k++) {
			file = file && res->frames[k].file;
			line = line && res->frames[k].line;
		}
		/*
		 * Files, lines and inline frames come from DWARF, which covers the compiled code
		 * but not everything in the file (_start, PLT stubs): the mapping has them when
		 * DWARF resolved its addresses, even if such stubs have none.
		 */
		f->filenames = f->filenames || file;
		f->lines = f->lines || line;
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
		c = xasprintf("sampling: %s at %llu Hz per thread", s->cfg.specs[0].spec,
			      (unsigned long long)s->cfg.rate);
	else
		c = xasprintf("sampling: %s every %llu events", s->cfg.specs[0].spec,
			      (unsigned long long)s->cfg.rate);
	profile_add_comment(p, c);
	free(c);
	for (i = 0; i < s->cfg.nspecs; i++) {
		const struct pmu_event *e = &s->cfg.specs[i].ev;
		struct perf_event_attr attr;

		events_attr(&s->cfg, i, false, &attr);
		c = xasprintf("event %zu: %s%s type=%u config=%#llx config1=%#llx config2=%#llx "
			      "exclude_user=%u exclude_kernel=%u precise_ip=%u",
			      i, s->cfg.specs[i].spec, i ? " (counted)" : " (sampling)", attr.type,
			      (unsigned long long)attr.config, (unsigned long long)attr.config1,
			      (unsigned long long)attr.config2, attr.exclude_user,
			      attr.exclude_kernel, attr.precise_ip);
		profile_add_comment(p, c);
		free(c);
		if (e->scale != 1.0) {
			c = xasprintf("event %zu: %s values are raw counts: multiply by %.17g for %s",
				      i, s->cfg.specs[i].spec, e->scale, e->unit);
			profile_add_comment(p, c);
			free(c);
		}
	}
	for (i = 1; i < s->cfg.nspecs; i++) {
		c = xasprintf("counter %s: %llu by a final read of every thread, %lld in samples%s",
			      s->cfg.specs[i].spec, (unsigned long long)s->stats.read_total[i],
			      (long long)s->stats.attributed[i],
			      s->stats.unattributed_threads ? " (some threads were never sampled)"
							    : "");
		profile_add_comment(p, c);
		free(c);
	}
	if (s->cfg.nspecs > 1 && s->stats.enabled_total) {
		c = xasprintf("multiplexing: the groups were on a counter %.1f%% of their enabled time"
			      "%s",
			      100.0 * (double)s->stats.running_total / (double)s->stats.enabled_total,
			      s->stats.never_ran ? "; some never ran (more events than counters)" : "");
		profile_add_comment(p, c);
		free(c);
	}
	if (s->dwarf && s->dwarf_stats.samples) {
		const struct unwind_dwarf_stats *d = &s->dwarf_stats;

		char go[64] = "";

		/* Said only where there was Go code without CFI, so other profiles stay as they were. */
		if (d->go_pcsp)
			snprintf(go, sizeof(go), "; Go code stepped with its pcsp tables %llu",
				 (unsigned long long)d->go_pcsp);
		c = xasprintf("unwinding: dwarf (%u bytes of stack per sample): %llu samples, %.1f%% "
			      "reached the thread's entry; stopped early: no CFI %llu, end of the "
			      "stack copy %llu, errors %llu; finished with frame pointers %llu%s",
			      s->cfg.stack_size, (unsigned long long)d->samples,
			      100.0 * (double)d->complete / (double)d->samples,
			      (unsigned long long)d->no_cfi, (unsigned long long)d->stack_end,
			      (unsigned long long)d->errors, (unsigned long long)d->fp_fallback, go);
	} else {
		c = xasprintf("unwinding: %s", s->cfg.callchain ? "frame pointers" : "none");
	}
	profile_add_comment(p, c);
	free(c);
	if (s->cfg.off_cpu) {
		if (s->cfg.off_cpu_stacks)
			profile_add_comment(p, "off-cpu: each thread's context switches sampled "
					       "(software context-switches, period 1) for the stack "
					       "where it left the CPU; PERF_RECORD_SWITCH gives when it "
					       "came back; state=preempted when the switch-out was a "
					       "preemption, else blocked");
		if (s->cfg.off_cpu_stacks && s->dwarf) {
			uint32_t cs = s->cfg.off_cpu_stack_size;

			c = xasprintf(
				"off-cpu: context-switch samples carry %u bytes of user stack "
				"each (on-CPU samples %u); the kernel's frame-pointer chain "
				"goes on where that copy ends",
				cs && cs < s->cfg.stack_size ? cs : s->cfg.stack_size,
				s->cfg.stack_size);
			profile_add_comment(p, c);
			free(c);
		}
		if (!s->cfg.off_cpu_stacks)
			profile_add_comment(p, "off-cpu: APPROXIMATE: no kernel-mode sampling "
					       "(perf_event_paranoid), so no stack at switch-out: the "
					       "time between PERF_RECORD_SWITCH out and in is charged to "
					       "the thread's last on-CPU sample (state=approximate)");
		c = xasprintf("off-cpu: blocked %.3fs, preempted %.3fs, approximate %.3fs; %llu "
			      "context-switch samples; %llu threads still off CPU at the end, "
			      "charged up to it; %llu threads asleep at attach, their stacks "
			      "copied then; %llu samples had the user stack of the thread's "
			      "previous one, not unwound again",
			      (double)s->stats.off_ns[SESSION_OFF_BLOCKED] / 1e9,
			      (double)s->stats.off_ns[SESSION_OFF_PREEMPTED] / 1e9,
			      (double)s->stats.off_ns[SESSION_OFF_APPROX] / 1e9,
			      (unsigned long long)s->stats.off_samples,
			      (unsigned long long)s->stats.off_open,
			      (unsigned long long)s->stats.off_parked,
			      (unsigned long long)s->stats.off_reused);
		profile_add_comment(p, c);
		free(c);
	}
	if (s->cfg.wall)
		profile_add_comment(p, "wall: on-CPU time (the leader's period, ns) plus off-CPU "
				       "time, per stack");
	c = xasprintf("samples: %llu, lost records: %llu, throttled: %llu, threads: %llu",
		      (unsigned long long)s->stats.samples, (unsigned long long)s->stats.lost,
		      (unsigned long long)s->stats.throttled, (unsigned long long)s->stats.threads);
	profile_add_comment(p, c);
	free(c);
	if (s->stats.lost_samples) {
		c = xasprintf("lost samples: %llu (PERF_RECORD_LOST_SAMPLES)",
			      (unsigned long long)s->stats.lost_samples);
		profile_add_comment(p, c);
		free(c);
	}
	if (s->stats.overruns) {
		c = xasprintf("ring overruns: %llu", (unsigned long long)s->stats.overruns);
		profile_add_comment(p, c);
		free(c);
	}
	p->time_nanos = time_nanos;
	p->duration_nanos = duration_nanos;
	return p;
}
