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
#include <sys/types.h>

#include "table.h"

struct target_ops {
	/*
	 * A thread to sample: `tid` of process `pid`, stopped. at_exec: it has not exec'd the
	 * command yet (its samplers should start at exec). A failure is counted, never fatal to the
	 * target (the thread runs unsampled).
	 */
	int (*thread_new)(void *arg, pid_t pid, pid_t tid, bool at_exec);
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
};

struct target {
	const struct target_ops *ops;
	void *arg;
	pid_t pid;        /* the launched command */
	bool exited;      /* it has exited (and was reaped) */
	int status;       /* its wait status when exited */
	bool detached;
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
 * Forks and execs argv under ptrace. Blocks SIGCHLD in the caller (so a signalfd can watch it);
 * the child runs with `child_mask` (NULL: the mask the caller had before this call). On success the command has exec'd, its first thread has
 * been handed to ops->thread_new (at_exec = true) and ops->exec, and it is running. On failure
 * returns -errno with *cause set (caller frees): exec failures carry the exec errno (-ENOENT:
 * command not found, -EACCES: not executable).
 */
int target_launch(struct target *t, char *const argv[], const sigset_t *child_mask,
		  const struct target_ops *ops, void *arg, char **cause);

/* Handles every pending ptrace stop and exit without blocking. */
void target_poll(struct target *t);

/* The launched process has exited: nothing more to record. */
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

#endif
