/*
 * target: launch under ptrace and keep the traced threads moving.
 *
 * Why ptrace and not `inherit`: with inherit the kernel refuses to mmap per-thread rings, so
 * group reads need per-CPU buffers (and, before Linux 6.12, could not be combined with
 * PERF_SAMPLE_READ at all). Tracing clone() lets us give each thread its own group on any
 * kernel. The cost is two ptrace stops per thread creation (measured in bench/).
 *
 * The launch handshake follows the usual pattern: the child blocks on a pipe until we have
 * seized it and opened its samplers with enable_on_exec, and an O_CLOEXEC pipe brings back the
 * errno of a failed exec (EOF means exec succeeded).
 */
#include "target.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <elf.h>

#include "arch/arch.h"
#include "log.h"
#include "xalloc.h"

static bool
target_thread_eq(uint32_t id, const void *key, void *arg)
{
	const struct target *t = arg;

	return t->threads[id].tid == *(const pid_t *)key;
}

static struct target_thread *
target_thread_find(struct target *t, pid_t tid)
{
	uint32_t id = table_find(&t->thread_index, table_hash_u64((uint64_t)tid, 0), &tid,
				 target_thread_eq, t);

	return id == TABLE_NONE ? NULL : &t->threads[id];
}

/* The thread group of `tid`, from /proc (a new thread may belong to a new process). */
static pid_t
target_tgid(pid_t tid)
{
	char path[64], line[256];
	pid_t tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/*
 * Registers a thread (traced: under our ptrace) and hands it to the session. at_exec: see
 * target_ops.
 */
static struct target_thread *
target_thread_add(struct target *t, pid_t pid, pid_t tid, bool at_exec, bool traced)
{
	struct target_thread *th = target_thread_find(t, tid);
	unsigned flags;

	if (!th) {
		xgrow(&t->threads, &t->cap_threads, t->nthreads + 1, sizeof(*t->threads));
		th = &t->threads[t->nthreads];
		th->tid = tid;
		table_insert(&t->thread_index, table_hash_u64((uint64_t)tid, 0),
			     (uint32_t)t->nthreads);
		t->nthreads++;
	} else if (th->alive) {
		return th;
	}
	/* A new thread, or a reused tid of a dead one. */
	th->pid = pid > 0 ? pid : tid;
	th->alive = true;
	th->traced = traced;
	/* Threads of an untraced process come and go unseen: the process's life counts. */
	th->counted = traced || t->rescan_tids;
	if (th->counted)
		t->nalive++;
	t->threads_seen++;
	flags = (at_exec ? TARGET_NEW_AT_EXEC : 0) | (th->counted ? 0 : TARGET_NEW_INHERIT);
	if (t->ops->thread_new(t->arg, th->pid, tid, flags) < 0)
		t->thread_new_failed++;
	return th;
}

static void
target_thread_gone(struct target *t, struct target_thread *th)
{
	if (!th->alive)
		return;
	th->alive = false;
	if (th->counted)
		t->nalive--;
	t->ops->thread_exit(t->arg, th->pid, th->tid);
}

/* What the child sends back on the error pipe: which step failed, and its errno. */
enum { TARGET_CHILD_EXEC, TARGET_CHILD_SETUP };

static void
target_child_exec(char *const argv[], int go_fd, int err_fd, const sigset_t *mask,
		  const struct target_setup *setup)
{
	int err[2] = {TARGET_CHILD_EXEC, 0};
	char c;

	/* Back to what the user's shell gave us: the command must not see our signal setup. */
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (read(go_fd, &c, 1) != 1)
		_exit(127); /* prof gave up before starting us */
	if (setup) {
		int r = setup->fn(setup->arg);

		if (r < 0) {
			err[0] = TARGET_CHILD_SETUP;
			err[1] = -r;
			goto fail;
		}
	}
	execvp(argv[0], argv);
	err[1] = errno;
fail:
	if (write(err_fd, err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

/* Continues a stopped tracee, passing `sig` on (0 for none). */
static void
target_resume(struct target *t, pid_t tid, int sig)
{
	if (ptrace(PTRACE_CONT, tid, 0, (void *)(long)sig) < 0 && errno != ESRCH)
		log_verbose("ptrace(CONT, %d): %s", (int)tid, strerror(errno));
}

static bool
target_is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* One waitpid() result. Returns true if it was the exec of `wait_exec` (launch handshake). */
static bool
target_handle(struct target *t, pid_t tid, int status, pid_t wait_exec)
{
	struct target_thread *th = target_thread_find(t, tid);
	int sig, event;

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (th)
			target_thread_gone(t, th);
		if (tid == t->pid) {
			t->exited = true;
			t->status = status;
		}
		return false;
	}
	if (!WIFSTOPPED(status))
		return false;

	sig = WSTOPSIG(status);
	event = (unsigned)status >> 16;
	if (!th || !th->alive) {
		/* First sight of a new thread: its birth stop came before the parent's event. */
		th = target_thread_add(t, target_tgid(tid), tid, false, true);
	}

	switch (event) {
	case PTRACE_EVENT_CLONE: {
		unsigned long child = 0;

		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &child) == 0 && child > 0) {
			pid_t tgid = target_tgid((pid_t)child);

			/* Unreadable /proc (out of fds, say): most clones are threads. */
			target_thread_add(t, tgid > 0 ? tgid : th->pid, (pid_t)child, false, true);
		}
		target_resume(t, tid, 0);
		return false;
	}
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK: {
		unsigned long child = 0;

		/* A child process, traced from birth like a thread: its own pid, its own maps. */
		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &child) == 0 && child > 0)
			target_thread_add(t, (pid_t)child, (pid_t)child, false, true);
		target_resume(t, tid, 0);
		return false;
	}
	case PTRACE_EVENT_EXEC: {
		unsigned long old = 0;
		pid_t pid = th->pid;

		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &old) < 0 || old == 0)
			old = (unsigned long)tid;
		if ((pid_t)old != tid) {
			/*
			 * A non-leader thread called exec: it took over the leader's tid, and the
			 * kernel reaped the old leader without telling us.
			 */
			struct target_thread *o = target_thread_find(t, (pid_t)old);

			if (o && o->alive) {
				/* The session moves its samplers itself (see target_ops.exec). */
				o->alive = false;
				t->nalive--;
			}
		}
		t->ops->exec(t->arg, pid, (pid_t)old);
		target_resume(t, tid, 0);
		return tid == wait_exec;
	}
	case PTRACE_EVENT_STOP:
		if (target_is_stop_signal(sig)) {
			/* Group-stop: stay stopped until SIGCONT, as without us. */
			if (ptrace(PTRACE_LISTEN, tid, 0, 0) < 0 && errno != ESRCH)
				log_verbose("ptrace(LISTEN, %d): %s", (int)tid, strerror(errno));
		} else {
			target_resume(t, tid, 0); /* birth stop or a stale interrupt */
		}
		return false;
	case 0:
		/* Signal-delivery-stop: deliver the signal exactly as it came. */
		t->signals_forwarded++;
		target_resume(t, tid, sig);
		return false;
	default:
		target_resume(t, tid, 0);
		return false;
	}
}

static unsigned long
target_options(bool follow_children)
{
	unsigned long o = PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC;

	if (follow_children)
		o |= PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK;
	return o;
}

int
target_launch(struct target *t, char *const argv[], const sigset_t *child_mask,
	      bool follow_children, const struct target_setup *setup,
	      const struct target_ops *ops, void *arg, char **cause)
{
	int go[2], errp[2], exec_err[2] = {0, 0}, err;
	sigset_t block;
	bool execd = false;
	pid_t pid;
	ssize_t n;

	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->arg = arg;
	t->options = target_options(follow_children);
	table_init(&t->thread_index);

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &t->saved_mask);

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		err = -errno;
		*cause = log_cause("cannot create a pipe: %s", strerror(errno));
		return err;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		*cause = log_cause("cannot fork: %s", strerror(errno));
		return err;
	}
	if (pid == 0) {
		close(go[1]);
		close(errp[0]);
		target_child_exec(argv, go[0], errp[1], child_mask ? child_mask : &t->saved_mask,
				  setup);
	}
	close(go[0]);
	close(errp[1]);
	t->pid = pid;

	if (ptrace(PTRACE_SEIZE, pid, 0, (void *)t->options) < 0) {
		err = -errno;
		*cause = log_cause("cannot trace the command (ptrace: %s); is prof itself being "
				   "traced, or does a security module forbid ptrace?",
				   strerror(errno));
		goto abort;
	}
	target_thread_add(t, pid, pid, true, true);
	if (t->thread_new_failed) {
		err = -EIO;
		*cause = NULL; /* the session has said why */
		goto abort;
	}

	if (write(go[1], "g", 1) != 1) {
		err = -errno;
		*cause = log_cause("cannot start the command: %s", strerror(errno));
		goto abort;
	}
	close(go[1]);

	/* Until the command's exec: pass everything through, watch for exec or death. */
	while (!execd && !t->exited) {
		int status;
		pid_t w = waitpid(-1, &status, __WALL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		execd = target_handle(t, w, status, pid);
	}
	n = read(errp[0], exec_err, sizeof(exec_err));
	close(errp[0]);
	if (!execd) {
		if (n == (ssize_t)sizeof(exec_err) && exec_err[1] &&
		    exec_err[0] == TARGET_CHILD_SETUP) {
			*cause = log_cause("cannot run '%s' as %s: %s", argv[0], setup->who,
					   strerror(exec_err[1]));
			return -exec_err[1];
		}
		if (n == (ssize_t)sizeof(exec_err) && exec_err[1]) {
			*cause = log_cause("cannot run '%s': %s", argv[0], strerror(exec_err[1]));
			return -exec_err[1];
		}
		*cause = log_cause("the command '%s' ended before it started", argv[0]);
		return -ECHILD;
	}
	return 0;

abort:
	/* Our own fork never ran the user's program: closing the pipe makes it exit. */
	close(go[1]);
	close(errp[0]);
	ptrace(PTRACE_DETACH, pid, 0, 0);
	waitpid(pid, NULL, __WALL);
	t->exited = true;
	return err;
}

/* --- attaching --- */

#define TARGET_PF_KTHREAD 0x00200000 /* include/linux/sched.h */

struct target_stat {
	char comm[64];
	char state;
	unsigned long flags;
};

/* Reads /proc/PID/task/TID/stat (tid 0: /proc/PID/stat). 0 or -errno. */
static int
target_read_stat(pid_t pid, pid_t tid, struct target_stat *st)
{
	char path[96], buf[1024], *open_paren, *close_paren;
	unsigned long flags = 0;
	ssize_t n;
	int fd, i;
	char *p;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses. */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ')
		return -EINVAL;
	snprintf(st->comm, sizeof(st->comm), "%.*s", (int)(close_paren - open_paren - 1),
		 open_paren + 1);
	st->state = close_paren[2];
	/* flags is the 9th field; after ')' come state(3) ppid pgrp session tty tpgid flags(9) */
	p = close_paren + 2;
	for (i = 3; i < 9 && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		flags = strtoul(p, NULL, 10);
	st->flags = flags;
	return 0;
}

static bool
target_gone_state(char state)
{
	return state == 'Z' || state == 'X' || state == 'x';
}

/* Checks that `pid` is a live user-space process (or, with thread, a live thread). */
static int
target_check(pid_t pid, bool thread, char **cause)
{
	struct target_stat st;
	pid_t tgid;

	if (target_read_stat(pid, 0, &st) < 0) {
		*cause = log_cause(thread ? "no thread with TID %d" : "no process with PID %d",
				   (int)pid);
		return -ESRCH;
	}
	if (st.flags & TARGET_PF_KTHREAD) {
		*cause = log_cause("%s %d (%s) is a kernel thread: prof profiles user-space "
				   "processes",
				   thread ? "TID" : "PID", (int)pid, st.comm);
		return -EINVAL;
	}
	if (target_gone_state(st.state)) {
		*cause = log_cause("%s %d (%s) has already exited", thread ? "thread" : "process",
				   (int)pid, st.comm);
		return -ESRCH;
	}
	tgid = target_tgid(pid);
	if (!thread && tgid > 0 && tgid != pid) {
		*cause = log_cause("%d is a thread of process %d: use -p %d for the whole process "
				   "or -t %d for this thread",
				   (int)pid, (int)tgid, (int)tgid, (int)pid);
		return -EINVAL;
	}
	return 0;
}

static void
target_init(struct target *t, const struct target_ops *ops, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->arg = arg;
	t->attached = true;
	table_init(&t->thread_index);
	sigemptyset(&t->saved_mask);
	sigprocmask(SIG_BLOCK, NULL, &t->saved_mask);
}

/*
 * Adds the threads of `pid` listed in /proc that we do not know yet; traced ones are seized
 * first. Returns how many were added, or -errno when the process is gone. A first seize that
 * fails (nothing of this process traced yet) switches the process to untraced mode.
 */
static int
target_scan(struct target *t, struct target_untraced *u, pid_t pid, bool *traced, bool *first)
{
	pid_t *tids;
	size_t n, i;
	int added = 0, err;

	err = target_list_threads(pid, &tids, &n);
	if (err < 0)
		return err;
	for (i = 0; i < n; i++) {
		struct target_thread *th = target_thread_find(t, tids[i]);

		if (th && th->alive)
			continue;
		if (!*traced && t->ops->thread_covered(t->arg, tids[i]))
			continue; /* an inherited child: the kernel samples it already */
		if (*traced && ptrace(PTRACE_SEIZE, tids[i], 0, (void *)t->options) < 0) {
			if (errno == ESRCH)
				continue; /* it exited meanwhile */
			/*
			 * EPERM for a later thread means a thread we traced already cloned it
			 * (auto-attached, its birth stop is on its way); for the first one, that
			 * we may not trace this process.
			 */
			if (errno != EPERM || *first) {
				if (u)
					u->err = -errno;
				*traced = false;
			}
		}
		if (*traced)
			*first = false;
		target_thread_add(t, pid, tids[i], false, *traced);
		added++;
	}
	free(tids);
	return added;
}

static pid_t
target_tracer(pid_t pid)
{
	char path[64], line[256];
	pid_t tracer = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %d", &tracer) == 1)
			break;
	fclose(f);
	return tracer;
}

int
target_attach(struct target *t, const pid_t *pids, size_t n, bool follow_children,
	      const struct target_ops *ops, void *arg, char **cause)
{
	size_t i;
	int err;

	target_init(t, ops, arg);
	t->options = target_options(follow_children);
	for (i = 0; i < n; i++) {
		err = target_check(pids[i], false, cause);
		if (err < 0)
			return err;
	}
	t->untraced = xcalloc(n, sizeof(*t->untraced));
	for (i = 0; i < n; i++) {
		struct target_untraced *u = &t->untraced[t->nuntraced];
		bool traced = true, first = true;
		int added, total = 0;

		memset(u, 0, sizeof(*u));
		u->pid = pids[i];
		u->alive = true;
		/*
		 * Until a pass finds no new thread: one may be born between readdir and seize (or
		 * open). Untraced, a thread born of one already sampled is the kernel's to report
		 * (its FORK record), so read those before each pass.
		 */
		do {
			if (!traced)
				t->ops->sync(t->arg);
			added = target_scan(t, u, pids[i], &traced, &first);
			total += added > 0 ? added : 0;
		} while (added > 0);
		if (total == 0) {
			*cause = log_cause("no process with PID %d (it exited while prof attached)",
					   (int)pids[i]);
			return -ESRCH;
		}
		if (!traced) {
			u->tracer = target_tracer(pids[i]);
			t->nuntraced++;
		}
	}
	return 0;
}

int
target_attach_threads(struct target *t, const pid_t *tids, size_t n,
		      const struct target_ops *ops, void *arg, char **cause)
{
	size_t i;
	int err;

	target_init(t, ops, arg);
	t->rescan_tids = true;
	for (i = 0; i < n; i++) {
		err = target_check(tids[i], true, cause);
		if (err < 0)
			return err;
	}
	for (i = 0; i < n; i++)
		target_thread_add(t, target_tgid(tids[i]), tids[i], false, false);
	return 0;
}

void
target_rescan(struct target *t)
{
	size_t i;

	for (i = 0; i < t->nuntraced; i++) {
		struct target_untraced *u = &t->untraced[i];
		struct target_stat st;

		if (u->alive && (target_read_stat(u->pid, 0, &st) < 0 || target_gone_state(st.state)))
			u->alive = false;
	}
	if (!t->rescan_tids)
		return;
	for (i = 0; i < t->nthreads; i++) {
		struct target_thread *th = &t->threads[i];
		struct target_stat st;

		if (!th->alive || th->traced)
			continue;
		if (target_read_stat(th->pid, th->tid, &st) < 0 || target_gone_state(st.state))
			target_thread_gone(t, th);
	}
}

void
target_poll(struct target *t)
{
	for (;;) {
		int status;
		pid_t w = waitpid(-1, &status, __WALL | WNOHANG);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		target_handle(t, w, status, 0);
	}
}

bool
target_done(const struct target *t)
{
	/* The leader's exit is reported only once every other thread of its group is gone. */
	size_t i;

	if (!t->attached)
		return t->exited;
	for (i = 0; i < t->nuntraced; i++)
		if (t->untraced[i].alive)
			return false;
	return t->nalive == 0;
}

void
target_detach(struct target *t)
{
	size_t i, pending = 0;

	if (t->detached)
		return;
	t->detached = true;
	for (i = 0; i < t->nthreads; i++) {
		struct target_thread *th = &t->threads[i];

		if (!th->alive || !th->traced)
			continue;
		if (ptrace(PTRACE_INTERRUPT, th->tid, 0, 0) < 0) {
			th->alive = false; /* already gone */
			t->nalive--;
			continue;
		}
		pending++;
	}
	/*
	 * Each interrupted thread reports one more stop (or its exit). Whatever it stopped for,
	 * release it with the signal it carried, so nothing is lost on the way out. Threads born
	 * meanwhile are auto-attached and must be released too.
	 */
	while (pending > 0) {
		struct target_thread *th;
		int status, sig = 0;
		pid_t w = waitpid(-1, &status, __WALL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		th = target_thread_find(t, w);
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (w == t->pid) {
				t->exited = true;
				t->status = status;
			}
			if (th && th->alive) {
				th->alive = false;
				t->nalive--;
				pending--;
			}
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		if (!th || !th->alive) {
			/* A thread born while we detach: it stops once, at birth. */
			th = target_thread_add(t, target_tgid(w), w, false, true);
			pending++;
		}
		if ((unsigned)status >> 16 == PTRACE_EVENT_CLONE ||
		    (unsigned)status >> 16 == PTRACE_EVENT_FORK ||
		    (unsigned)status >> 16 == PTRACE_EVENT_VFORK) {
			unsigned long child = 0;

			if (ptrace(PTRACE_GETEVENTMSG, w, 0, &child) == 0 && child > 0 &&
			    !target_thread_find(t, (pid_t)child)) {
				target_thread_add(t, target_tgid((pid_t)child), (pid_t)child, false, true);
				pending++;
			}
		}
		if ((unsigned)status >> 16 == 0)
			sig = WSTOPSIG(status); /* signal-delivery-stop */
		if (ptrace(PTRACE_DETACH, w, 0, (void *)(long)sig) < 0 && errno != ESRCH)
			log_verbose("ptrace(DETACH, %d): %s", (int)w, strerror(errno));
		th->alive = false;
		t->nalive--;
		pending--;
	}
}

int
target_wait_exit(struct target *t, bool nohang)
{
	while (!t->exited) {
		int status;
		pid_t w = waitpid(t->pid, &status, nohang ? WNOHANG : 0);

		if (w < 0 && errno == EINTR)
			continue;
		if (w == 0)
			return -1;
		if (w < 0) {
			/* Not our child any more (or already reaped): report success. */
			t->exited = true;
			t->status = 0;
			break;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			t->exited = true;
			t->status = status;
		}
	}
	return t->status;
}

void
target_free(struct target *t)
{
	free(t->untraced);
	free(t->threads);
	table_free(&t->thread_index);
	sigprocmask(SIG_SETMASK, &t->saved_mask, NULL);
}

int
target_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* --- snapshots (prof dump) --- */

/* How long a snapshot waits for a thread to stop (one stuck in an uninterruptible sleep). */
#define TARGET_SNAP_TIMEOUT_MS 500

int
target_check_process(pid_t pid, char **cause)
{
	return target_check(pid, false, cause);
}

static int
target_tid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int
target_list_threads(pid_t pid, pid_t **tids, size_t *n)
{
	char path[64];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	*tids = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (*end || tid <= 0)
			continue;
		xgrow(tids, &cap, *n + 1, sizeof(**tids));
		(*tids)[(*n)++] = (pid_t)tid;
	}
	closedir(d);
	if (*n == 0)
		return -ESRCH;
	qsort(*tids, *n, sizeof(**tids), target_tid_cmp);
	return 0;
}

const char *
target_perm_remedy(void)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int scope = 0;

	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = 0;
		fclose(f);
	}
	if (scope >= 3)
		return "kernel.yama.ptrace_scope=3 forbids ptrace on this machine until it reboots";
	if (scope >= 1)
		return "run prof as root (or with CAP_SYS_PTRACE), or allow tracing non-children "
		       "with: sudo sysctl kernel.yama.ptrace_scope=0";
	return "run prof as the process's owner, or as root (CAP_SYS_PTRACE)";
}

static uint64_t
target_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
target_snap_alarm(int sig)
{
	(void)sig; /* only interrupts waitpid */
}

/*
 * Copies a stopped thread's registers and stack. The remote range goes in page-sized pieces:
 * process_vm_readv stops at the first piece it cannot read, so what comes back is the readable
 * prefix of the stack (the copy ends where the stack mapping does).
 */
static void
target_snap_copy(struct target_snapshot *s, struct target_snap_thread *th, size_t stack_bytes)
{
	uint64_t buf[128]; /* larger than any NT_PRSTATUS */
	struct iovec iov = {buf, sizeof(buf)}, local, remote[64];
	size_t nremote = 0, off = 0, page = 4096;
	uint64_t sp;
	ssize_t got;
	int n;

	if (ptrace(PTRACE_GETREGSET, th->tid, (void *)(long)NT_PRSTATUS, &iov) < 0) {
		th->err = -errno;
		return;
	}
	n = arch_regs_from_ptrace(buf, iov.iov_len, th->regs);
	if (n < 0 || n > TARGET_SNAP_MAX_REGS) {
		th->err = n < 0 ? n : -EINVAL;
		return;
	}
	th->nregs = (uint32_t)n;
	sp = arch_regs_sp(th->regs, th->nregs);
	if (!sp || !th->stack || !stack_bytes)
		return;
	while (off < stack_bytes && nremote < 64) {
		uint64_t a = sp + off;
		size_t len = page - (size_t)(a % page);

		if (len > stack_bytes - off)
			len = stack_bytes - off;
		remote[nremote].iov_base = (void *)(uintptr_t)a;
		remote[nremote].iov_len = len;
		nremote++;
		off += len;
	}
	local.iov_base = th->stack;
	local.iov_len = off;
	got = process_vm_readv(th->tid, &local, 1, remote, nremote, 0);
	if (got < 0 && errno != EFAULT) {
		/* No process_vm_readv (ENOSYS, a seccomp filter, EPERM): word by word. */
		size_t max = off < 16384 ? off : 16384, i;

		s->peek_fallback = true;
		got = 0;
		for (i = 0; i + sizeof(long) <= max; i += sizeof(long)) {
			long v;

			errno = 0;
			v = ptrace(PTRACE_PEEKDATA, th->tid, (void *)(uintptr_t)(sp + i), 0);
			if (v == -1 && errno)
				break;
			memcpy(th->stack + i, &v, sizeof(v));
			got = (ssize_t)(i + sizeof(long));
		}
	}
	th->stack_size = got > 0 ? (uint64_t)got : 0;
}

static struct target_snap_thread *
target_snap_find(struct target_snapshot *s, pid_t tid)
{
	size_t lo = 0, hi = s->nthreads;

	/* threads[] follows the caller's order, sorted by target_list_threads; else scan. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->threads[mid].tid == tid)
			return &s->threads[mid];
		if (s->threads[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (lo = 0; lo < s->nthreads; lo++)
		if (s->threads[lo].tid == tid)
			return &s->threads[lo];
	return NULL;
}

/* Per-thread progress in a snapshot. */
enum { TARGET_SNAP_IDLE, TARGET_SNAP_PENDING, TARGET_SNAP_STOPPED, TARGET_SNAP_DONE };

int
target_snapshot(pid_t pid, const pid_t *tids, size_t n, size_t stack_bytes,
		struct target_snapshot *out, char **cause)
{
	struct sigaction sa, old_sa;
	struct itimerval it, old_it;
	sigset_t alrm, old_mask;
	size_t i, nseized = 0, pending = 0;
	uint8_t *phase;
	uint64_t t0;
	int err;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	err = target_check(pid, false, cause);
	if (err < 0)
		return err;
	out->threads = xcalloc(n ? n : 1, sizeof(*out->threads));
	out->nthreads = n;
	phase = xcalloc(n ? n : 1, 1);
	for (i = 0; i < n; i++) {
		struct target_snap_thread *th = &out->threads[i];

		th->tid = tids[i];
		/* Allocated before anything stops: the stop covers only the copies. */
		th->stack = stack_bytes ? xmalloc(stack_bytes) : NULL;
	}

	/* Seizing stops nothing: a thread stops at its PTRACE_INTERRUPT. */
	for (i = 0; i < n; i++) {
		struct target_snap_thread *th = &out->threads[i];

		if (ptrace(PTRACE_SEIZE, th->tid, 0, 0) == 0) {
			phase[i] = TARGET_SNAP_PENDING;
			nseized++;
			continue;
		}
		err = -errno;
		if (err == -ESRCH) {
			th->err = -ESRCH; /* exited since it was listed */
			continue;
		}
		if (nseized == 0 && (err == -EPERM || err == -EACCES)) {
			pid_t tracer = target_tracer(pid);

			if (tracer > 0 && tracer != getpid()) {
				*cause = log_cause("process %d is already traced by process %d (a "
						   "debugger or another profiler): detach it first",
						   (int)pid, (int)tracer);
				err = -EBUSY;
			} else {
				*cause = log_cause("not permitted to trace process %d: %s",
						   (int)pid, target_perm_remedy());
			}
			free(phase);
			return err;
		}
		th->err = err;
	}
	if (nseized == 0) {
		free(phase);
		*cause = log_cause("process %d exited before prof could stop it", (int)pid);
		return -ESRCH;
	}

	/* A thread stuck in the kernel must not keep the others stopped for long. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = target_snap_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: waitpid must return EINTR */
	sigaction(SIGALRM, &sa, &old_sa);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &alrm, &old_mask);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = TARGET_SNAP_TIMEOUT_MS / 1000;
	it.it_value.tv_usec = (TARGET_SNAP_TIMEOUT_MS % 1000) * 1000;

	t0 = target_now_ns();
	for (i = 0; i < n; i++) {
		if (phase[i] != TARGET_SNAP_PENDING)
			continue;
		/* ESRCH: it is exiting; its exit is reported below. */
		ptrace(PTRACE_INTERRUPT, out->threads[i].tid, 0, 0);
		pending++;
	}
	setitimer(ITIMER_REAL, &it, &old_it);
	/*
	 * Each thread reports one stop, or its exit. Whatever the stop is, the thread can be read:
	 * our interrupt (PTRACE_EVENT_STOP with SIGTRAP), a group-stop (PTRACE_EVENT_STOP with the
	 * stop signal: detaching leaves it stopped, as it was), or a signal arriving meanwhile (a
	 * signal-delivery-stop: that signal is handed back at detach, so nothing is lost).
	 */
	while (pending > 0) {
		struct target_snap_thread *th;
		int status, event;
		pid_t w = waitpid(-1, &status, __WALL);

		if (w < 0) {
			if (errno == EINTR)
				break; /* the timeout */
			break;
		}
		th = target_snap_find(out, w);
		if (!th || phase[th - out->threads] != TARGET_SNAP_PENDING)
			continue;
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			th->err = -ESRCH;
			phase[th - out->threads] = TARGET_SNAP_DONE;
			pending--;
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		event = (unsigned)status >> 16;
		if (event == PTRACE_EVENT_STOP)
			th->group_stop = target_is_stop_signal(WSTOPSIG(status));
		else if (event == 0)
			th->stop_sig = WSTOPSIG(status);
		phase[th - out->threads] = TARGET_SNAP_STOPPED;
		pending--;
		target_snap_copy(out, th, stack_bytes);
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &old_it, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);

	for (i = 0; i < n; i++) {
		struct target_snap_thread *th = &out->threads[i];

		if (phase[i] == TARGET_SNAP_STOPPED) {
			if (ptrace(PTRACE_DETACH, th->tid, 0, (void *)(long)th->stop_sig) < 0 &&
			    errno != ESRCH)
				log_verbose("ptrace(DETACH, %d): %s", (int)th->tid, strerror(errno));
			phase[i] = TARGET_SNAP_DONE;
		} else if (phase[i] == TARGET_SNAP_PENDING) {
			/* Still in the kernel: released by target_snapshot_free or our exit. */
			th->err = -ETIMEDOUT;
		}
	}
	out->stop_ns = target_now_ns() - t0;
	free(phase);
	return 0;
}

void
target_snapshot_free(struct target_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->nthreads; i++) {
		struct target_snap_thread *th = &s->threads[i];

		if (th->err == -ETIMEDOUT) {
			/* A thread that stopped after the timeout: let it go as the others went. */
			int status, sig = 0;

			if (waitpid(th->tid, &status, __WALL | WNOHANG) == th->tid &&
			    WIFSTOPPED(status)) {
				if ((unsigned)status >> 16 == 0)
					sig = WSTOPSIG(status);
				ptrace(PTRACE_DETACH, th->tid, 0, (void *)(long)sig);
			}
		}
		free(th->stack);
	}
	free(s->threads);
	memset(s, 0, sizeof(*s));
}

/*
 * Copies of the threads of `pid` that sleep (S or D) just after target_attach: PTRACE_INTERRUPT
 * each (a traced thread stops at once from an interruptible sleep, whose system call is
 * restarted when it goes on), copy it as target_snapshot does, and let it go on through
 * target_handle, as any other stop. A thread that does not stop in time keeps err = -EAGAIN:
 * its stop, when it comes, is a stale interrupt that target_poll resumes.
 */
int
target_snapshot_asleep(struct target *t, pid_t pid, size_t stack_bytes, struct target_snapshot *out)
{
	uint64_t t0 = target_now_ns(), deadline;
	size_t i, n = 0, cap = 0, pending = 0;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	for (i = 0; i < t->nthreads; i++) {
		const struct target_thread *th = &t->threads[i];
		struct target_snap_thread *st;
		struct target_stat stat;

		if (!th->alive || !th->traced || th->pid != pid ||
		    target_read_stat(pid, th->tid, &stat) < 0 ||
		    (stat.state != 'S' && stat.state != 'D'))
			continue;
		xgrow(&out->threads, &cap, n + 1, sizeof(*out->threads));
		st = &out->threads[n++];
		memset(st, 0, sizeof(*st));
		st->tid = th->tid;
		st->stack = stack_bytes ? xmalloc(stack_bytes) : NULL;
		st->err = -EAGAIN;
		if (ptrace(PTRACE_INTERRUPT, st->tid, 0, 0) < 0)
			st->err = -errno;
		else
			pending++;
	}
	out->nthreads = n;
	deadline = t0 + TARGET_SNAP_TIMEOUT_MS * 1000000ULL;
	while (pending > 0 && target_now_ns() < deadline) {
		struct timespec nap = {0, 200 * 1000};

		for (i = 0; i < n; i++) {
			struct target_snap_thread *st = &out->threads[i];
			int status;

			if (st->err != -EAGAIN ||
			    waitpid(st->tid, &status, __WALL | WNOHANG) != st->tid)
				continue;
			pending--;
			if (WIFSTOPPED(status)) {
				st->err = 0;
				target_snap_copy(out, st, stack_bytes);
			} else {
				st->err = -ESRCH;
			}
			/* Whatever stop it was (ours, a signal, an event): handled as ever. */
			target_handle(t, st->tid, status, 0);
		}
		if (pending > 0)
			nanosleep(&nap, NULL);
	}
	out->stop_ns = target_now_ns() - t0;
	return 0;
}
