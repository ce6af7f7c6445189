/*
 * privilege: what this process may do with perf_event and ptrace, read from /proc/sys and the
 * capability sets (libcap), and the advice we give when the kernel says no.
 */
#ifndef PROF_PRIVILEGE_H
#define PROF_PRIVILEGE_H

#include <stdbool.h>

struct privilege {
	int paranoid;       /* kernel.perf_event_paranoid, or 2 if unreadable */
	int kptr_restrict;  /* kernel.kptr_restrict, or 1 if unreadable */
	int ptrace_scope;   /* kernel.yama.ptrace_scope, or -1 without Yama */
	bool root;          /* effective uid 0 */
	bool cap_perfmon, cap_sys_admin, cap_sys_ptrace, cap_syslog; /* effective */
};

void privilege_read(struct privilege *p);

/* The integer in a /proc/sys file, or `fallback` when it cannot be read. */
int privilege_sysctl(const char *path, int fallback);

/* May we sample kernel mode (and kernel callchains)? */
bool privilege_kernel_allowed(const struct privilege *p);

/*
 * A message explaining why perf_event_open(event) failed with -err, and what would allow it.
 * Caller frees.
 */
char *privilege_explain_perf(const struct privilege *p, const char *event, int err);

#endif
