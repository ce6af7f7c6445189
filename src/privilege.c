/*
 * privilege: the rules are those of kernel/events/core.c (perf_allow_kernel, perf_check_permission)
 * and perf-security.rst: perf_event_paranoid 2 allows user-mode sampling of one's own processes,
 * <= 1 adds kernel mode, and CAP_PERFMON (Linux 5.8+) or CAP_SYS_ADMIN override the sysctl.
 */
#include "privilege.h"

#include <errno.h>
#include <grp.h>
#include <linux/perf_event.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

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
	p->mlock_kb = privilege_sysctl("/proc/sys/kernel/perf_event_mlock_kb", -1);
	p->root = geteuid() == 0;
	p->cap_perfmon = privilege_has(caps, CAP_PERFMON);
	p->cap_sys_admin = privilege_has(caps, CAP_SYS_ADMIN);
	p->cap_sys_ptrace = privilege_has(caps, CAP_SYS_PTRACE);
	p->cap_syslog = privilege_has(caps, CAP_SYSLOG);
	p->cap_ipc_lock = privilege_has(caps, CAP_IPC_LOCK);
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

/* --- prof check */

int
privilege_try_attr(struct perf_event_attr *attr)
{
	long fd;

	attr->size = sizeof(*attr);
	attr->disabled = 1;
	fd = syscall(SYS_perf_event_open, attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
}

/* Opens (and closes) a disabled counter on the calling thread: 0 or -errno. */
static int
privilege_try_open(uint32_t type, uint64_t config, bool kernel)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.type = type;
	attr.config = config;
	attr.exclude_kernel = !kernel;
	attr.exclude_hv = !kernel;
	return privilege_try_attr(&attr);
}

/* 1 when /proc/kallsyms shows this opener real addresses, 0 when all are zero, or -errno. */
static int
privilege_kallsyms(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	unsigned long long addr;
	int n = 0, shown = 0;
	char line[256];

	if (!f)
		return -errno;
	/* The kernel decides at open (from the opener's credentials): a few lines tell. */
	while (n < 64 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx", &addr) == 1 && addr) {
			shown = 1;
			break;
		}
		n++;
	}
	fclose(f);
	return shown;
}

void
privilege_probe(struct privilege_probe *pr)
{
	bool have_pmu = pr->have_pmu;

	memset(pr, 0, sizeof(*pr));
	pr->have_pmu = have_pmu;
	pr->user_err = privilege_try_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, false);
	pr->kernel_err = privilege_try_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, true);
	pr->hw_err = privilege_try_open(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, false);
	pr->kallsyms = privilege_kallsyms();
}

static bool
privilege_denied(int err)
{
	return err == -EACCES || err == -EPERM;
}

static void
privilege_no(struct privilege_verdict *v, char *why, char *fix)
{
	v->yes = false;
	v->why = why;
	v->fix = fix;
}

void
privilege_verdicts(const struct privilege *p, const struct privilege_probe *pr,
		   const char *self, struct privilege_verdict out[PRIVILEGE_NABILITIES])
{
	struct privilege_verdict *v;
	bool own;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(out, 0, sizeof(*out) * PRIVILEGE_NABILITIES);

	v = &out[PRIVILEGE_OWN];
	v->key = "own-processes";
	v->what = "profile your own processes (user-mode sampling: prof record -- CMD)";
	v->yes = own = pr->user_err == 0;
	if (privilege_denied(pr->user_err))
		privilege_no(v,
			     log_cause("perf_event_open is refused (%s): "
				       "kernel.perf_event_paranoid is %d",
				       strerror(-pr->user_err), p->paranoid),
			     log_cause("sysctl kernel.perf_event_paranoid=2, or give prof "
				       "CAP_PERFMON: setcap cap_perfmon+ep %s",
				       self));
	else if (pr->user_err == -ENOSYS)
		privilege_no(v, log_cause("this kernel has no perf_event_open"),
			     log_cause("a kernel built with CONFIG_PERF_EVENTS"));
	else if (pr->user_err)
		privilege_no(v, log_cause("perf_event_open: %s", strerror(-pr->user_err)), NULL);

	v = &out[PRIVILEGE_KERNEL];
	v->key = "kernel-stacks";
	v->what = "kernel stacks, and off-CPU stacks (--off-cpu, --wall)";
	v->yes = pr->kernel_err == 0;
	if (!own)
		privilege_no(v, log_cause("no perf_event at all (see own-processes)"), NULL);
	else if (privilege_denied(pr->kernel_err))
		privilege_no(v,
			     log_cause("kernel.perf_event_paranoid is %d and prof lacks CAP_PERFMON "
				       "and CAP_SYS_ADMIN: user-mode stacks only, and --off-cpu "
				       "time is approximate",
				       p->paranoid),
			     log_cause("sysctl kernel.perf_event_paranoid=1, or setcap "
				       "cap_perfmon+ep %s, or run prof as root",
				       self));
	else if (pr->kernel_err)
		privilege_no(v, log_cause("perf_event_open: %s", strerror(-pr->kernel_err)), NULL);

	/* Yama (security/yama/yama_lsm.c): 1 only ancestors, 2 only CAP_SYS_PTRACE, 3 nobody. */
	v = &out[PRIVILEGE_ATTACH_OWN];
	v->key = "attach-own";
	v->what = "attach to your own running processes with ptrace (prof record -p PID)";
	v->yes = own && (p->ptrace_scope <= 0 || (p->ptrace_scope < 3 && p->cap_sys_ptrace));
	if (!own)
		privilege_no(v, log_cause("no perf_event at all (see own-processes)"), NULL);
	else if (p->ptrace_scope >= 3)
		privilege_no(v,
			     log_cause("kernel.yama.ptrace_scope is 3: no process may ptrace "
				       "(prof still samples -p processes, untraced)"),
			     log_cause("reboot: ptrace_scope 3 cannot be lowered at run time"));
	else if (!v->yes)
		privilege_no(v,
			     log_cause("kernel.yama.ptrace_scope is %d and prof lacks "
				       "CAP_SYS_PTRACE (prof still samples -p processes, "
				       "untraced: see README)",
				       p->ptrace_scope),
			     log_cause("%ssetcap cap_sys_ptrace+ep %s",
				       p->ptrace_scope == 1 ? "sysctl kernel.yama.ptrace_scope=0, or "
							    : "",
				       self));

	/*
	 * Another user's task: perf_event_open needs CAP_PERFMON or ptrace_may_access, reading its
	 * /proc/PID/maps and exe needs ptrace_may_access (CAP_SYS_PTRACE across users), and so does
	 * tracing it.
	 */
	v = &out[PRIVILEGE_OTHER_USERS];
	v->key = "other-users";
	v->what = "profile other users' processes (prof record -p PID)";
	v->yes = own && p->cap_sys_ptrace && p->ptrace_scope < 3;
	if (!own)
		privilege_no(v, log_cause("no perf_event at all (see own-processes)"), NULL);
	else if (p->ptrace_scope >= 3)
		privilege_no(v, log_cause("kernel.yama.ptrace_scope is 3: no process may ptrace"),
			     log_cause("reboot: ptrace_scope 3 cannot be lowered at run time"));
	else if (!v->yes)
		privilege_no(v,
			     log_cause("prof lacks CAP_SYS_PTRACE: another user's /proc/PID/maps "
				       "and threads are out of reach"),
			     log_cause("setcap cap_perfmon,cap_sys_ptrace+ep %s, or run prof as "
				       "root",
				       self));

	/* kallsyms_show_value(): kptr_restrict 0 with paranoid <= 1, or <= 1 with CAP_SYSLOG. */
	v = &out[PRIVILEGE_KSYMS];
	v->key = "kernel-symbols";
	v->what = "kernel function names in kernel stacks (/proc/kallsyms)";
	v->yes = pr->kallsyms == 1;
	if (pr->kallsyms < 0)
		privilege_no(v,
			     log_cause("cannot read /proc/kallsyms: %s", strerror(-pr->kallsyms)),
			     NULL);
	else if (!v->yes && p->kptr_restrict >= 2)
		privilege_no(v,
			     log_cause("kernel.kptr_restrict is %d: addresses are hidden from "
				       "everyone, kernel frames show as [kernel]",
				       p->kptr_restrict),
			     log_cause("sysctl kernel.kptr_restrict=1 and setcap cap_syslog+ep %s",
				       self));
	else if (!v->yes)
		privilege_no(v,
			     log_cause("kernel.kptr_restrict is %d, kernel.perf_event_paranoid is "
				       "%d and prof lacks CAP_SYSLOG: kernel frames show as "
				       "[kernel]",
				       p->kptr_restrict, p->paranoid),
			     log_cause("setcap cap_syslog+ep %s%s", self,
				       p->kptr_restrict == 0
					       ? ", or sysctl kernel.perf_event_paranoid=1"
					       : ", or sysctl kernel.kptr_restrict=0 with "
						 "kernel.perf_event_paranoid=1"));

	v = &out[PRIVILEGE_PMU];
	v->key = "hardware-pmu";
	v->what = "hardware events (cycles, instructions, cache misses)";
	v->yes = pr->have_pmu && pr->hw_err == 0;
	if (!pr->have_pmu)
		privilege_no(v,
			     log_cause("this machine has no hardware PMU (a virtual machine?): "
				       "prof samples cpu-clock instead"),
			     log_cause("a virtual machine with its PMU passed through (e.g. QEMU "
				       "-cpu host, VMware virtual PMC), or use software events "
				       "(prof list)"));
	else if (privilege_denied(pr->hw_err))
		privilege_no(v,
			     log_cause("perf_event_open of cycles is refused (%s)",
				       strerror(-pr->hw_err)),
			     log_cause("setcap cap_perfmon+ep %s", self));
	else if (pr->hw_err)
		privilege_no(v, log_cause("cycles do not open: %s", strerror(-pr->hw_err)), NULL);

	/* perf_mmap(): locked pages beyond the per-user limit need CAP_IPC_LOCK (or paranoid -1) */
	v = &out[PRIVILEGE_RINGS];
	v->key = "large-rings";
	v->what = "ring buffers beyond kernel.perf_event_mlock_kb (large -m, many threads)";
	v->yes = p->cap_ipc_lock || p->paranoid < 0;
	if (!v->yes)
		privilege_no(v,
			     log_cause("all rings of this user share about %ld KiB of locked "
				       "memory (kernel.perf_event_mlock_kb %d x %ld CPUs) plus "
				       "'ulimit -l'",
				       (long)p->mlock_kb * (ncpu > 0 ? ncpu : 1), p->mlock_kb,
				       ncpu > 0 ? ncpu : 1L),
			     log_cause("sysctl kernel.perf_event_mlock_kb=N, 'ulimit -l', or add "
				       "cap_ipc_lock to prof's setcap"));
}

void
privilege_verdicts_free(struct privilege_verdict v[PRIVILEGE_NABILITIES])
{
	int i;

	for (i = 0; i < PRIVILEGE_NABILITIES; i++) {
		free(v[i].why);
		free(v[i].fix);
		v[i].why = v[i].fix = NULL;
	}
}

static const char *
privilege_yesno(bool b)
{
	return b ? "yes" : "no";
}

void
privilege_report(FILE *f, const struct privilege *p, const struct privilege_probe *pr,
		 const char *self, const char *user)
{
	struct privilege_verdict v[PRIVILEGE_NABILITIES];
	bool all = true;
	int i;

	fprintf(f, "prof check: what %s (uid %d) can do with prof on this machine\n\n", user,
		(int)geteuid());
	fprintf(f, "effective capabilities:\n");
	fprintf(f, "  CAP_PERFMON     %-3s  perf_event beyond kernel.perf_event_paranoid\n",
		privilege_yesno(p->cap_perfmon));
	fprintf(f, "  CAP_SYS_ADMIN   %-3s  the same, on kernels before 5.8\n",
		privilege_yesno(p->cap_sys_admin));
	fprintf(f, "  CAP_SYS_PTRACE  %-3s  trace and read other users' processes\n",
		privilege_yesno(p->cap_sys_ptrace));
	fprintf(f, "  CAP_SYSLOG      %-3s  kernel addresses in /proc/kallsyms\n",
		privilege_yesno(p->cap_syslog));
	fprintf(f, "  CAP_IPC_LOCK    %-3s  ring buffers beyond kernel.perf_event_mlock_kb\n",
		privilege_yesno(p->cap_ipc_lock));
	fprintf(f, "\nkernel settings:\n");
	fprintf(f, "  kernel.perf_event_paranoid  %d  (2 user mode only, 1 kernel mode too, 3+ "
		   "nothing)\n",
		p->paranoid);
	fprintf(f, "  kernel.kptr_restrict        %d\n", p->kptr_restrict);
	if (p->ptrace_scope >= 0)
		fprintf(f, "  kernel.yama.ptrace_scope    %d  (0 same user, 1 descendants only, 2 "
			   "CAP_SYS_PTRACE only, 3 none)\n",
			p->ptrace_scope);
	else
		fprintf(f, "  kernel.yama.ptrace_scope    -  (no Yama: same user may ptrace)\n");
	if (p->mlock_kb >= 0)
		fprintf(f, "  kernel.perf_event_mlock_kb  %d\n", p->mlock_kb);
	else
		fprintf(f, "  kernel.perf_event_mlock_kb  -  (unreadable)\n");

	fprintf(f, "\nwhat prof can do here:\n");
	privilege_verdicts(p, pr, self, v);
	for (i = 0; i < PRIVILEGE_NABILITIES; i++) {
		fprintf(f, "  %-3s  %-15s %s\n", privilege_yesno(v[i].yes), v[i].key, v[i].what);
		if (v[i].yes)
			continue;
		if (i != PRIVILEGE_PMU)
			all = false;
		if (v[i].why)
			fprintf(f, "       why: %s\n", v[i].why);
		if (v[i].fix)
			fprintf(f, "       to get it: %s\n", v[i].fix);
	}
	privilege_verdicts_free(v);
	if (!all && !p->root)
		fprintf(f, "\nTo give prof all of it without root: setcap "
			   "cap_perfmon,cap_sys_ptrace,cap_syslog+ep %s (as root)\n",
			self);
}

/* --- sudo */

/* A uid or gid as sudo writes it: decimal, no sign, below (id_t)-1. */
static int
privilege_parse_id(const char *s, unsigned long *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v >= 0xffffffffULL)
		return -EINVAL;
	*out = (unsigned long)v;
	return 0;
}

int
privilege_sudo_user(struct privilege_user *u, char **cause)
{
	const char *suid = getenv("SUDO_UID"), *sgid = getenv("SUDO_GID");
	const char *suser = getenv("SUDO_USER");
	unsigned long uid, gid;
	struct passwd *pw;
	int n = 0;

	memset(u, 0, sizeof(*u));
	if (!suid || getuid() != 0 || geteuid() != 0)
		return 0;
	if (privilege_parse_id(suid, &uid) < 0) {
		*cause = log_cause("SUDO_UID is '%s', not a user id: cannot tell whom to run the "
				   "command as (unset it, or use --as-root)",
				   suid);
		return -EINVAL;
	}
	if (uid == 0)
		return 0; /* sudo from root: nothing to give back */
	errno = 0;
	pw = getpwuid((uid_t)uid);
	if (!pw) {
		*cause = log_cause("SUDO_UID is %lu, but there is no such user (%s): cannot run "
				   "the command as the user who ran sudo (use --as-root to run it "
				   "as root)",
				   uid, errno ? strerror(errno) : "no passwd entry");
		return -EINVAL;
	}
	if (suser && *suser && strcmp(suser, pw->pw_name) != 0) {
		*cause = log_cause("SUDO_USER is '%s' but SUDO_UID %lu is user '%s': refusing to "
				   "guess whom to run the command as (use --as-root to run it as "
				   "root)",
				   suser, uid, pw->pw_name);
		return -EINVAL;
	}
	gid = pw->pw_gid;
	if (sgid && privilege_parse_id(sgid, &gid) < 0) {
		*cause = log_cause("SUDO_GID is '%s', not a group id (use --as-root to run the "
				   "command as root)",
				   sgid);
		return -EINVAL;
	}
	u->uid = (uid_t)uid;
	u->gid = (gid_t)gid;
	u->name = xstrdup(pw->pw_name);
	u->home = xstrdup(pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/");
	u->shell = xstrdup(pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh");
	/* The groups initgroups() would set, read here: the child only calls setgroups. */
	getgrouplist(u->name, u->gid, NULL, &n);
	if (n < 1)
		n = 1;
	u->groups = xcalloc((size_t)n, sizeof(*u->groups));
	u->ngroups = n;
	if (getgrouplist(u->name, u->gid, u->groups, &u->ngroups) < 0) {
		u->groups[0] = u->gid;
		u->ngroups = 1;
	}
	return 1;
}

void
privilege_user_free(struct privilege_user *u)
{
	free(u->groups);
	free(u->name);
	free(u->home);
	free(u->shell);
	memset(u, 0, sizeof(*u));
}

int
privilege_become(void *arg)
{
	const struct privilege_user *u = arg;

	/* Groups first, then the gid, then the uid: after setuid nothing else may be changed. */
	if (setgroups((size_t)u->ngroups, u->groups) < 0)
		return -errno;
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return -errno;
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return -errno;
	/* Nothing to regain: a failed drop must not run the command as root. */
	if (setuid(0) == 0 || geteuid() != u->uid)
		return -EPERM;
	if (setenv("HOME", u->home, 1) < 0 || setenv("USER", u->name, 1) < 0 ||
	    setenv("LOGNAME", u->name, 1) < 0 || setenv("SHELL", u->shell, 1) < 0)
		return -ENOMEM;
	return 0;
}

/* --- least privilege */

int
privilege_drop(const int *keep, size_t n)
{
	cap_t now = cap_get_proc(), want = cap_init();
	cap_value_t v;
	size_t i;
	int ret = 0;

	if (!now || !want) {
		ret = -errno;
		goto out;
	}
	for (i = 0; i < n; i++) {
		cap_flag_value_t permitted = CAP_CLEAR;

		v = (cap_value_t)keep[i];
		if (!CAP_IS_SUPPORTED(v) || cap_get_flag(now, v, CAP_PERMITTED, &permitted) < 0 ||
		    permitted != CAP_SET)
			continue;
		if (cap_set_flag(want, CAP_PERMITTED, 1, &v, CAP_SET) < 0 ||
		    cap_set_flag(want, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0) {
			ret = -errno;
			goto out;
		}
	}
	/* Ambient capabilities would survive an exec; none are wanted. */
	if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0 && errno != EINVAL) {
		ret = -errno;
		goto out;
	}
	if (cap_set_proc(want) < 0)
		ret = -errno;
out:
	if (now)
		cap_free(now);
	if (want)
		cap_free(want);
	return ret;
}

int
privilege_set_effective(int cap, bool on)
{
	cap_t now = cap_get_proc();
	cap_value_t v = (cap_value_t)cap;
	int ret = 0;

	if (!now)
		return -errno;
	if (cap_set_flag(now, CAP_EFFECTIVE, 1, &v, on ? CAP_SET : CAP_CLEAR) < 0 ||
	    cap_set_proc(now) < 0)
		ret = -errno;
	cap_free(now);
	return ret;
}

bool
privilege_permitted(int cap)
{
	cap_t now = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (!now)
		return false;
	if (!CAP_IS_SUPPORTED((cap_value_t)cap) ||
	    cap_get_flag(now, (cap_value_t)cap, CAP_PERMITTED, &v) < 0)
		v = CAP_CLEAR;
	cap_free(now);
	return v == CAP_SET;
}
