/*
 * session: one recording. It owns the samplers of every thread, drains their rings, turns each
 * record into address-space updates (maps) or an aggregated sample (unwind -> profile), and at
 * the end symbolizes every distinct location once. It is driven by target (thread births,
 * exits, execs) and by the caller's event loop (session_read when rings have data).
 */
#ifndef PROF_SESSION_H
#define PROF_SESSION_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "events.h"
#include "maps.h"
#include "profile.h"
#include "record.h"
#include "symbolize.h"
#include "table.h"
#include "target.h"
#include "unwind.h"
#include "unwind_dwarf.h"

struct session_thread {
	pid_t tid, pid;
	bool alive; /* the thread exists */
	bool open;  /* its group is open */
	struct events_group group;
	char comm[17];
	uint32_t labelset;
	uint64_t samples;
	/* counter members: their counts at the thread's previous sample (group read) */
	uint64_t prev[EVENTS_MAX];
	uint64_t prev_enabled, prev_running;
	size_t last_sample; /* the profile sample its latest sample went to */
	bool has_last;
	/*
	 * --off-cpu: the interval in progress. off_time is when the thread went off CPU (its
	 * SWITCH_OUT record, else its context-switch sample); off_locs its stack
	 * (UNWIND_MAX_FRAMES, allocated when the thread starts).
	 */
	uint32_t off_labelsets[3]; /* by enum session_off_state */
	uint64_t *off_locs;
	size_t off_nlocs;
	bool off_stack;   /* off_locs holds the stack of this interval */
	bool off_out;     /* a SWITCH_OUT came */
	bool off_preempt; /* ... with PERF_RECORD_MISC_SWITCH_OUT_PREEMPT */
	/*
	 * It was asleep when prof attached: off_locs holds the stack copied then, which also
	 * stands in for a last on-CPU stack (approximate intervals) until it has one.
	 */
	bool off_parked;
	uint64_t off_time;
	/* its last context-switch sample's user frames, reused when the next is alike */
	struct session_cs_memo *cs_memo;
};

/* The `state` label of off-CPU samples. */
enum session_off_state {
	SESSION_OFF_BLOCKED,   /* it gave up the CPU (sleep, lock, I/O) */
	SESSION_OFF_PREEMPTED, /* the scheduler took the CPU away; it stayed runnable */
	SESSION_OFF_APPROX,    /* no context-switch sample: charged to its last on-CPU stack */
};

struct session_process {
	pid_t pid;
	char comm[17]; /* the name of its main thread */
	bool exited;   /* an EXIT record said so (untraced processes) */
};

struct session_stats {
	uint64_t samples;
	uint64_t lost;           /* records the kernel dropped (PERF_RECORD_LOST) */
	uint64_t lost_samples;   /* samples dropped before the ring (PERF_RECORD_LOST_SAMPLES) */
	uint64_t throttled;      /* PERF_RECORD_THROTTLE */
	uint64_t bad_records;    /* records that failed to parse */
	uint64_t overruns;       /* times a ring was overwritten before we read it */
	uint64_t unknown_frames; /* frames outside every known mapping */
	uint64_t open_failed;    /* threads whose samplers could not be opened */
	int open_error;          /* the first such error (-errno) */
	int open_failed_index;   /* which event of the group failed */
	uint64_t threads, processes;
	struct unwind_stats unwind;
	/* counter members, over every thread: what a final read() says, and what the samples got */
	uint64_t read_total[EVENTS_MAX];
	int64_t attributed[EVENTS_MAX];
	uint64_t unattributed_threads; /* counted but never sampled */
	uint64_t enabled_total, running_total; /* multiplexing: time the groups ran */
	uint64_t never_ran;    /* groups that were enabled but never scheduled on a counter */
	/* --off-cpu */
	uint64_t off_samples;  /* context-switch samples */
	uint64_t off_ns[3];    /* off-CPU time by enum session_off_state */
	uint64_t off_open;     /* intervals still open at the end, charged up to it */
	uint64_t off_parked;   /* threads asleep at attach, their stacks copied then */
	uint64_t off_reused;   /* context-switch samples whose user frames were those of the last */
};

struct session {
	struct events_config cfg;
	struct record_layout layout;
	struct maps *maps;
	struct profile *profile;
	size_t ntypes;
	size_t type_off, type_wall; /* profile type indices; 0 = not recorded */

	struct session_thread *threads;
	size_t nthreads, cap_threads;
	struct table thread_index;

	uint32_t *mapping_ids; /* maps_mapping id -> profile mapping id (0 = not yet) */
	size_t cap_mapping_ids;

	struct session_process *procs; /* processes seen */
	size_t nprocs, cap_procs;

	char *main_exe; /* the first process's executable, after its exec (owned) */

	struct unwind_dwarf *dwarf; /* NULL: frame pointers only */
	struct unwind_dwarf_stats dwarf_stats;

	struct session_stats stats;
	uint64_t maps_gen; /* bumped by every mapping change: the cs_memos are for one */
	struct unwind_stack stack;
	uint64_t locs[UNWIND_MAX_FRAMES];
	/* untraced processes: inherited groups, and per CPU the one that owns the ring */
	struct events_group *inherit;
	size_t ninherit, cap_inherit;
	uint32_t *cpu_rings; /* index into inherit, UINT32_MAX = none yet */
	int ncpus;

	struct table member_index; /* counter id -> member index (ids of every group opened) */
	uint64_t *member_ids;      /* by table id */
	uint8_t *member_of;        /* by table id: the member index */
	size_t nmember_ids, cap_member_ids, cap_member_of;

	uint32_t *poll_threads; /* thread index of each pollfd handed out (or SESSION_POLL_CPU) */
	size_t cap_poll_threads;
	pid_t refreshed_pid; /* /proc/PID/maps re-read during this drain (miss fallback) */
	bool stopped;
};

/* cfg is copied (the specs' strings stay owned by the caller). */
struct session *session_create(const struct events_config *cfg);
void session_free(struct session *s);

/* The target_ops that wire a target to this session (arg = the session). */
extern const struct target_ops session_target_ops;

/* Drains every open ring. Returns the number of records read. */
uint64_t session_read(struct session *s);

/* Fills pfds with the ring fds of open groups (up to max); returns how many. */
size_t session_pollfds(struct session *s, struct pollfd *pfds, size_t max);
/* After poll(): drains rings with data and closes groups whose thread hung up. */
void session_handle_pollfds(struct session *s, const struct pollfd *pfds, size_t n);

/*
 * --off-cpu, attached: the threads of `snap` were asleep when the recording started at `since`
 * (CLOCK_MONOTONIC ns), in the stacks copied there. Each one's interval starts at `since`, with
 * that stack, and ends at its first switch in (or at the end). Call before reading their rings.
 */
void session_off_parked(struct session *s, const struct target_snapshot *snap, uint64_t since);

/* Stops sampling: disables every group and drains what is left. Idempotent. */
void session_stop(struct session *s);

/*
 * Symbolizes every location, fills mapping flags and the profile's header fields. `what` says
 * what was profiled ("command: ./app -x"), for the comments. Returns the profile (owned by the
 * session).
 */
struct profile *session_finish(struct session *s, struct symbolize *sym, const char *what,
			       int64_t time_nanos, int64_t duration_nanos);

#endif
