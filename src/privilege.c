/*
 * privilege: the rules are those of kernel/events/core.c (perf_allow_kernel, perf_check_permission)
 * and perf-security.rst: perf_event_paranoid 2 allows user-mode sampling of one's own processes,
 * <= 1 adds kernel mode, and CAP_PERFMON (Linux 5.8+) or CAP_SYS_ADMIN override the sysctl.
 */
#include "privilege.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include "log.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif

int
privilege_sysctl(const char *path, int fallback)
{
	FILE *f = fopen(path, "re");
	int v;

	if (!f)
		return fallback;
	if (fscanf(f, "%d", &v) != 1)
		v = fallback;
	fclose(f);
	return v;
}

static bool
privilege_has(cap_t caps, cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;

	if (!caps || !CAP_IS_SUPPORTED(cap))
		return false;
	if (cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) < 0)
		return false;
	return v == CAP_SET;
}

void
privilege_read(struct privilege *p)
{
	cap_t caps = cap_get_proc();

	memset(p, 0, sizeof(*p));
	p->paranoid = privilege_sysctl("/proc/sys/kernel/perf_event_paranoid", 2);
	p->kptr_restrict = privilege_sysctl("/proc/sys/kernel/kptr_restrict", 1);
	p->ptrace_scope = privilege_sysctl("/proc/sys/kernel/yama/ptrace_scope", -1);
	p->root = geteuid() == 0;
	p->cap_perfmon = privilege_has(caps, CAP_PERFMON);
	p->cap_sys_admin = privilege_has(caps, CAP_SYS_ADMIN);
	p->cap_sys_ptrace = privilege_has(caps, CAP_SYS_PTRACE);
	p->cap_syslog = privilege_has(caps, CAP_SYSLOG);
	if (caps)
		cap_free(caps);
}

bool
privilege_kernel_allowed(const struct privilege *p)
{
	return p->paranoid <= 1 || p->cap_perfmon || p->cap_sys_admin;
}

char *
privilege_explain_perf(const struct privilege *p, const char *event, int err)
{
	switch (-err) {
	case EACCES:
	case EPERM:
		return log_cause("not permitted to open event '%s': kernel.perf_event_paranoid is %d "
				 "and this process has neither CAP_PERFMON nor CAP_SYS_ADMIN. Run as "
				 "root, grant the capability (setcap cap_perfmon,cap_sys_ptrace+ep "
				 "prof), or allow it for everyone with "
				 "'sysctl kernel.perf_event_paranoid=1'",
				 event, p->paranoid);
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		return log_cause("event '%s' is not supported on this machine (%s)", event,
				 strerror(-err));
	case EMFILE:
	case ENFILE:
		return log_cause("cannot open event '%s': too many open files; raise the limit "
				 "with 'ulimit -n'",
				 event);
	case ENOSYS:
		return log_cause("cannot open event '%s': this kernel has no perf_event_open "
				 "(CONFIG_PERF_EVENTS is off)",
				 event);
	default:
		return log_cause("cannot open event '%s': %s", event, strerror(-err));
	}
}
