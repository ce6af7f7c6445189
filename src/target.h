/*
 * target: the processes we profile and their threads. Launches a command under ptrace
 * (PTRACE_SEIZE with PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC), so every thread it creates is
 * reported to us stopped at birth, before its first instruction: the session opens the thread's
 * samplers in the callback, and only then does the thread run. Everything else a ptrace stop can
 * mean is passed through untouched: signals are re-injected, group-stops are kept with
 * PTRACE_LISTEN, so the target behaves exactly as it would without us.
 *
 * The caller owns the event loop: it blocks SIGCHLD (target_launch does) and calls target_poll
 * whenever SIGCHLD arrives.
 */
#ifndef PROF_TARGET_H
#define PROF_TARGET_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "table.h"

/* thread_new flags */
#define TARGET_NEW_AT_EXEC 0x1 /* it has not exec'd the command yet: sample from its exec */
#define TARGET_NEW_INHERIT 0x2 /* untraced: let the kernel sample the threads it creates */

struct target_ops {
	/*
	 * A thread to sample: `tid` of process `pid` (stopped, when traced). A failure is
	 * counted, never fatal to the target (the thread runs unsampled).
	 */
	int (*thread_new)(void *arg, pid_t pid, pid_t tid, unsigned flags);
	/*
	 * Untraced processes: has the kernel already reported `tid` as a child of a thread
	 * sampled with TARGET_NEW_INHERIT (so it is sampled already)? sync() first reads what the
	 * kernel reported.
	 */
	bool (*thread_covered)(void *arg, pid_t tid);
	void (*sync)(void *arg);
	/* Thread `tid` is gone (its samplers' rings still hold its last records). */
	void (*thread_exit)(void *arg, pid_t pid, pid_t tid);
	/*
	 * Process `pid` finished an exec and is stopped before its first instruction. `old_tid`
	 * is the thread that called exec (it now has tid `pid`).
	 */
	void (*exec)(void *arg, pid_t pid, pid_t old_tid);
};

struct target_thread {
	pid_t tid, pid;
	bool alive;
	bool traced;  /* under our ptrace; else found and watched through /proc */
	bool counted; /* its life decides when we are done (not so in an untraced process) */
};

/* A process given with -p that we could not ptrace: its threads are found by rescans. */
struct target_untraced {
	pid_t pid;
	bool alive;
	int err;      /* why PTRACE_SEIZE failed (-errno) */
	pid_t tracer; /* the process that traces it already, 0 if none */
};

struct target {
	const struct target_ops *ops;
	void *arg;
	bool attached;    /* -p / -t: the targets are not our children */
	unsigned long options; /* PTRACE_O_* */
	pid_t pid;        /* the launched command */
	bool exited;      /* it has exited (and was reaped) */
	int status;       /* its wait status when exited */
	bool detached;

	struct target_untraced *untraced;
	size_t nuntraced;
	bool rescan_tids; /* -t: watch the given threads for their exit */
	sigset_t saved_mask; /* signal mask before target_launch blocked SIGCHLD */

	struct target_thread *threads;
	size_t nthreads, cap_threads;
	struct table thread_index;
	size_t nalive;

	unsigned long threads_seen;
	unsigned long thread_new_failed;
	unsigned long signals_forwarded;
};

/*
 * What the launched child does after the handshake, just before exec (sudo: become the invoking
 * user). fn returns 0 or -errno; a failure is reported like a failed exec, as "cannot run CMD as
 * WHO: ...", and the command never runs.
 */
struct target_setup {
	int (*fn)(void *arg);
	void *arg;
	const char *who; /* for the message: "user alice" */
};

/*
 * Forks and execs argv under ptrace (with `setup` applied first, when not NULL). Blocks SIGCHLD in the caller (so a signalfd can watch it);
 * the child runs with `child_mask` (NULL: the mask the caller had before this call). On success the command has exec'd, its first thread has
 * been handed to ops->thread_new (at_exec = true) and ops->exec, and it is running. On failure
 * returns -errno with *cause set (caller frees): exec failures carry the exec errno (-ENOENT:
 * command not found, -EACCES: not executable).
 */
int target_launch(struct target *t, char *const argv[], const sigset_t *child_mask,
		  bool follow_children, const struct target_setup *setup,
		  const struct target_ops *ops, void *arg, char **cause);

/*
 * Attaches to every thread of the processes `pids`, each PTRACE_SEIZEd (the thread list is
 * re-read until it is stable, so a thread born during the scan is not missed), and hands each
 * thread to ops->thread_new. With follow_children, processes they fork are traced too. A
 * process that cannot be traced (another tracer, Yama, no CAP_SYS_PTRACE) is still sampled: a
 * warning says what that loses, and its threads are sampled with inherit, which covers the
 * threads they create. Returns 0 or -errno
 * with *cause set: -ESRCH no such process, -EINVAL a kernel thread.
 */
int target_attach(struct target *t, const pid_t *pids, size_t n, bool follow_children,
		  const struct target_ops *ops, void *arg, char **cause);

/*
 * Samples just the threads `tids` (no ptrace, no new threads). Returns 0 or -ESRCH with
 * *cause set.
 */
int target_attach_threads(struct target *t, const pid_t *tids, size_t n,
			  const struct target_ops *ops, void *arg, char **cause);

/*
 * For what ptrace cannot tell us: the exit of untraced processes and of threads given with -t.
 * Called about every 100 ms; does nothing when every target is traced.
 */
void target_rescan(struct target *t);

/* Handles every pending ptrace stop and exit without blocking. */
void target_poll(struct target *t);

/* Launch mode: the launched process has exited. Attach modes: every target has exited. */
bool target_done(const struct target *t);

/*
 * Detaches from every thread (each is interrupted, then released with any signal it stopped
 * on), leaving them running exactly as before. Safe to call when all have exited.
 */
void target_detach(struct target *t);

/*
 * After target_detach: waits for the launched command to exit and returns its wait status.
 * With `nohang`, returns -1 if it is still running.
 */
int target_wait_exit(struct target *t, bool nohang);

void target_free(struct target *t);

/* Exit code for a wait status, as a shell reports it (128 + N for signal N). */
int target_exit_code(int status);

/* --- snapshots (prof dump) --- */

#define TARGET_SNAP_MAX_REGS 64

/* One thread of a snapshot: its user registers and the top of its user stack. */
struct target_snap_thread {
	pid_t tid;
	/*
	 * 0: captured. -ESRCH: it exited before it could be stopped. -ETIMEDOUT: it did not stop
	 * in time (stuck in the kernel). Other -errno: its registers could not be read.
	 */
	int err;
	uint32_t nregs;				/* arch_regs()->nregs_perf when captured */
	uint64_t regs[TARGET_SNAP_MAX_REGS];	/* in perf sample order (arch_regs) */
	uint8_t *stack;				/* bytes from the SP up; owned */
	uint64_t stack_size;			/* bytes copied */
	int stop_sig;				/* the signal it stopped with, given back at detach */
	bool group_stop;			/* it was in (or entered) a group-stop */
};

struct target_snapshot {
	pid_t pid;
	struct target_snap_thread *threads;
	size_t nthreads;
	uint64_t stop_ns;    /* from the first PTRACE_INTERRUPT to the last PTRACE_DETACH */
	bool peek_fallback;  /* process_vm_readv failed: the stack came word by word */
};

/*
 * Checks that `pid` can be dumped: a live user-space process and not a thread of another.
 * 0, or -ESRCH / -EINVAL with *cause set (caller frees).
 */
int target_check_process(pid_t pid, char **cause);

/*
 * The threads of `pid` listed in /proc/PID/task, ascending. Caller frees *tids. 0 or -errno.
 */
int target_list_threads(pid_t pid, pid_t **tids, size_t *n);

/*
 * Stops the threads `tids` of process `pid` all at once (PTRACE_SEIZE, then PTRACE_INTERRUPT
 * for each), copies each one's registers and the first `stack_bytes` of its stack, and
 * detaches, giving back the signal a thread stopped with and leaving a group-stopped process
 * stopped, so the process goes on exactly as before. Nothing else is done while the process is
 * stopped: the caller unwinds afterwards from the copies. A thread that exits meanwhile is kept
 * with err = -ESRCH; one that does not stop within 500 ms (an uninterruptible sleep) is kept
 * with err = -ETIMEDOUT and stays seized: target_snapshot_free lets it go if it has stopped by
 * then, else our exit does. The timeout uses SIGALRM (the caller's handler, mask and timer are
 * restored). Returns 0, or -errno with *cause set (caller frees): -ESRCH the process is gone,
 * -EPERM we may not trace it (the message names the remedy), -EBUSY another tracer holds it.
 * Free with target_snapshot_free.
 */
int target_snapshot(pid_t pid, const pid_t *tids, size_t n, size_t stack_bytes,
		    struct target_snapshot *out, char **cause);
void target_snapshot_free(struct target_snapshot *s);

/*
 * --off-cpu -p: copies, as target_snapshot makes them, of the traced threads of `pid` that are
 * asleep (S or D in /proc) right after target_attach, for the stack where each one waits. Each
 * is interrupted once and goes on at once (an interrupted system call is restarted, as when a
 * debugger attaches). A thread that did not stop within 500 ms has err = -EAGAIN. Returns 0;
 * free with target_snapshot_free.
 */
int target_snapshot_asleep(struct target *t, pid_t pid, size_t stack_bytes,
			   struct target_snapshot *out);

/* The remedy for a process we may not trace (static text). */
const char *target_perm_remedy(void);

#endif
