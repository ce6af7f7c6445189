/*
 * privilege: what this process may do with perf_event and ptrace, read from /proc/sys and the
 * capability sets (libcap), and the advice we give when the kernel says no.
 */
#ifndef PROF_PRIVILEGE_H
#define PROF_PRIVILEGE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct privilege {
	int paranoid;       /* kernel.perf_event_paranoid, or 2 if unreadable */
	int kptr_restrict;  /* kernel.kptr_restrict, or 1 if unreadable */
	int ptrace_scope;   /* kernel.yama.ptrace_scope, or -1 without Yama */
	int mlock_kb;       /* kernel.perf_event_mlock_kb, or -1 if unreadable */
	bool root;          /* effective uid 0 */
	bool cap_perfmon, cap_sys_admin, cap_sys_ptrace, cap_syslog; /* effective */
	bool cap_ipc_lock;  /* effective: ring buffers beyond perf_event_mlock_kb */
};

void privilege_read(struct privilege *p);

/* The integer in a /proc/sys file, or `fallback` when it cannot be read. */
int privilege_sysctl(const char *path, int fallback);

struct perf_event_attr;

/*
 * Opens `attr` (size and disabled set here) on the calling thread and closes it again: 0 when
 * the kernel accepts it, or -errno. The probe behind prof check and prof list.
 */
int privilege_try_attr(struct perf_event_attr *attr);

/* May we sample kernel mode (and kernel callchains)? */
bool privilege_kernel_allowed(const struct privilege *p);

/*
 * A message explaining why perf_event_open(event) failed with -err, and what would allow it.
 * Caller frees.
 */
char *privilege_explain_perf(const struct privilege *p, const char *event, int err);

/* --- prof check: what this user can do here, each with the change that would allow it */

/* What was tried for real (privilege_probe), beside what privilege_read says. */
struct privilege_probe {
	int user_err;   /* cpu-clock, user mode only, on ourselves: 0 or -errno */
	int kernel_err; /* cpu-clock with kernel mode: 0 or -errno */
	bool have_pmu;  /* a hardware PMU in sysfs (the caller fills it: pmu_have_hardware) */
	int hw_err;     /* cycles, user mode, on ourselves: 0 or -errno */
	int kallsyms;   /* 1: /proc/kallsyms shows us addresses, 0: zeros, -errno: unreadable */
};

/* Opens the probe events on the calling thread (and closes them) and reads /proc/kallsyms. */
void privilege_probe(struct privilege_probe *pr);

enum privilege_ability {
	PRIVILEGE_OWN,         /* user-mode sampling of one's own processes */
	PRIVILEGE_KERNEL,      /* kernel stacks and off-CPU stacks */
	PRIVILEGE_ATTACH_OWN,  /* -p on one's own processes, with ptrace */
	PRIVILEGE_OTHER_USERS, /* -p on other users' processes */
	PRIVILEGE_KSYMS,       /* kernel symbol names */
	PRIVILEGE_PMU,         /* hardware events */
	PRIVILEGE_RINGS,       /* ring buffers beyond perf_event_mlock_kb */
	PRIVILEGE_NABILITIES
};

struct privilege_verdict {
	const char *key;  /* a stable word: own-processes, kernel-stacks, ... */
	const char *what; /* what it is, for people */
	bool yes;
	char *why;        /* with !yes: why not (owned) */
	char *fix;        /* with !yes: what to change to get it (owned, may be NULL) */
};

/*
 * The verdict on each ability from the settings and the probe; `self` is prof's path, for the
 * setcap advice. Free with privilege_verdicts_free.
 */
void privilege_verdicts(const struct privilege *p, const struct privilege_probe *pr,
			const char *self, struct privilege_verdict out[PRIVILEGE_NABILITIES]);
void privilege_verdicts_free(struct privilege_verdict v[PRIVILEGE_NABILITIES]);

/* Writes the `prof check` report to f: `user`'s capabilities, sysctls and verdicts. */
void privilege_report(FILE *f, const struct privilege *p, const struct privilege_probe *pr,
		      const char *self, const char *user);

/* --- sudo: the user who ran `sudo prof record`, to run the command as */

struct privilege_user {
	uid_t uid;
	gid_t gid;
	gid_t *groups;  /* supplementary groups, from the group database (owned) */
	int ngroups;
	char *name, *home, *shell; /* from the passwd entry (owned) */
};

/*
 * When this process is root (real and effective uid 0) and SUDO_UID is set: the invoking user,
 * from SUDO_UID, SUDO_GID (default: the passwd entry's group) and the passwd entry of SUDO_UID
 * (whose name must match SUDO_USER when that is set). Returns 1 with *u filled (free with
 * privilege_user_free), 0 when not under sudo as root, or -EINVAL with *cause set (caller frees)
 * for a value that cannot be trusted: not a number, uid 0, or no such user.
 */
int privilege_sudo_user(struct privilege_user *u, char **cause);
void privilege_user_free(struct privilege_user *u);

/*
 * For a forked child before exec: becomes `arg` (a struct privilege_user): setgroups, setgid,
 * setuid (real, effective and saved), then HOME, USER, LOGNAME and SHELL from its passwd
 * entry. 0 or -errno; on failure the credentials may be half changed, so the child must exit.
 */
int privilege_become(void *arg);

/*
 * Least privilege for `prof record` once the samplers are open: clears every capability from
 * the permitted, effective, inheritable and ambient sets except those in `keep` (CAP_* bit
 * numbers, n of them; those not permitted now are ignored). 0 or -errno.
 */
int privilege_drop(const int *keep, size_t n);

/* Raises or lowers one capability in the effective set only (it stays permitted). 0 or -errno. */
int privilege_set_effective(int cap, bool on);

/* Whether `cap` is in the permitted set now. */
bool privilege_permitted(int cap);

#endif
