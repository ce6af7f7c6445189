/*
 * privilege_test: the verdicts of `prof check` from hand-built settings and probe results (an
 * unprivileged user under paranoid 2, root, a locked-down Debian kernel, Yama, kptr_restrict,
 * no PMU), and how SUDO_UID / SUDO_GID / SUDO_USER are read (real passwd lookups; as root only,
 * since privilege_sudo_user ignores them otherwise).
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privilege.h"
#include "tap.h"

static struct privilege_verdict v[PRIVILEGE_NABILITIES];

static void
verdicts(const struct privilege *p, const struct privilege_probe *pr)
{
	privilege_verdicts_free(v);
	privilege_verdicts(p, pr, "/usr/bin/prof", v);
}

static bool
has(const char *s, const char *sub)
{
	return s && strstr(s, sub);
}

static void
test_unprivileged(void)
{
	struct privilege p = {.paranoid = 2, .kptr_restrict = 0, .ptrace_scope = -1,
			      .mlock_kb = 516};
	struct privilege_probe pr = {.kernel_err = -EACCES, .hw_err = -ENOENT, .kallsyms = 0};

	verdicts(&p, &pr);
	tap_ok(v[PRIVILEGE_OWN].yes, "paranoid 2: own processes");
	TAP_EQ_STR(v[PRIVILEGE_OWN].key, "own-processes", "own: key");
	tap_ok(!v[PRIVILEGE_KERNEL].yes, "paranoid 2, no CAP_PERFMON: no kernel stacks");
	tap_ok(has(v[PRIVILEGE_KERNEL].fix, "sysctl kernel.perf_event_paranoid=1") &&
		       has(v[PRIVILEGE_KERNEL].fix, "setcap cap_perfmon+ep /usr/bin/prof"),
	       "kernel: the fix names the sysctl and the setcap");
	tap_ok(v[PRIVILEGE_ATTACH_OWN].yes, "no Yama: attach to own processes");
	tap_ok(!v[PRIVILEGE_OTHER_USERS].yes, "no CAP_SYS_PTRACE: not other users");
	tap_ok(has(v[PRIVILEGE_OTHER_USERS].fix, "cap_sys_ptrace"), "other users: fix");
	tap_ok(!v[PRIVILEGE_KSYMS].yes, "kallsyms zeros: no kernel symbols");
	tap_ok(has(v[PRIVILEGE_KSYMS].fix, "cap_syslog") &&
		       has(v[PRIVILEGE_KSYMS].fix, "perf_event_paranoid=1"),
	       "kptr_restrict 0: the fix is CAP_SYSLOG or paranoid 1");
	tap_ok(!v[PRIVILEGE_PMU].yes && has(v[PRIVILEGE_PMU].why, "no hardware PMU"),
	       "no PMU: said so");
	tap_ok(!v[PRIVILEGE_RINGS].yes && has(v[PRIVILEGE_RINGS].why, "516"),
	       "no CAP_IPC_LOCK: the mlock limit is quoted");
}

static void
test_root(void)
{
	struct privilege p = {.paranoid = 2, .kptr_restrict = 0, .ptrace_scope = 1,
			      .mlock_kb = 516, .root = true, .cap_perfmon = true,
			      .cap_sys_admin = true, .cap_sys_ptrace = true, .cap_syslog = true,
			      .cap_ipc_lock = true};
	struct privilege_probe pr = {.have_pmu = true, .kallsyms = 1};
	int i;
	bool all = true;

	verdicts(&p, &pr);
	for (i = 0; i < PRIVILEGE_NABILITIES; i++) {
		all = all && v[i].yes && !v[i].why && !v[i].fix;
		if (!v[i].yes)
			tap_diag("%s: no (%s)", v[i].key, v[i].why ? v[i].why : "");
	}
	tap_ok(all, "root with a PMU: everything, no advice");
}

static void
test_locked_down(void)
{
	struct privilege p = {.paranoid = 3, .kptr_restrict = 2, .ptrace_scope = 3, .mlock_kb = 516};
	struct privilege_probe pr = {.user_err = -EACCES, .kernel_err = -EACCES, .hw_err = -EACCES,
				     .have_pmu = true, .kallsyms = 0};

	verdicts(&p, &pr);
	tap_ok(!v[PRIVILEGE_OWN].yes && has(v[PRIVILEGE_OWN].why, "perf_event_paranoid is 3") &&
		       has(v[PRIVILEGE_OWN].fix, "perf_event_paranoid=2"),
	       "paranoid 3: nothing, and the fix is paranoid 2 or CAP_PERFMON");
	tap_ok(!v[PRIVILEGE_KERNEL].yes && has(v[PRIVILEGE_KERNEL].why, "own-processes"),
	       "paranoid 3: kernel refers to own-processes");
	tap_ok(!v[PRIVILEGE_KSYMS].yes && has(v[PRIVILEGE_KSYMS].fix, "kptr_restrict=1"),
	       "kptr_restrict 2: the fix lowers it to 1");
	tap_ok(!v[PRIVILEGE_PMU].yes && has(v[PRIVILEGE_PMU].fix, "cap_perfmon"),
	       "PMU refused: the fix is CAP_PERFMON");

	p.paranoid = 2;
	pr.user_err = 0;
	p.cap_sys_ptrace = true;
	verdicts(&p, &pr);
	tap_ok(!v[PRIVILEGE_ATTACH_OWN].yes && has(v[PRIVILEGE_ATTACH_OWN].fix, "reboot"),
	       "ptrace_scope 3: not even with CAP_SYS_PTRACE; reboot");
	tap_ok(!v[PRIVILEGE_OTHER_USERS].yes, "ptrace_scope 3: no other users either");
}

static void
test_yama(void)
{
	struct privilege p = {.paranoid = 2, .ptrace_scope = 1, .mlock_kb = 516};
	struct privilege_probe pr = {0};

	verdicts(&p, &pr);
	tap_ok(!v[PRIVILEGE_ATTACH_OWN].yes &&
		       has(v[PRIVILEGE_ATTACH_OWN].fix, "kernel.yama.ptrace_scope=0") &&
		       has(v[PRIVILEGE_ATTACH_OWN].fix, "cap_sys_ptrace"),
	       "ptrace_scope 1: attach needs scope 0 or CAP_SYS_PTRACE");
	p.ptrace_scope = 2;
	verdicts(&p, &pr);
	tap_ok(!v[PRIVILEGE_ATTACH_OWN].yes &&
		       !has(v[PRIVILEGE_ATTACH_OWN].fix, "ptrace_scope=0"),
	       "ptrace_scope 2: only CAP_SYS_PTRACE is offered");
	p.cap_sys_ptrace = true;
	verdicts(&p, &pr);
	tap_ok(v[PRIVILEGE_ATTACH_OWN].yes && v[PRIVILEGE_OTHER_USERS].yes,
	       "ptrace_scope 2 with CAP_SYS_PTRACE: attach, other users too");
}

static void
test_sudo(void)
{
	struct privilege_user u;
	struct passwd *pw;
	char *cause = NULL;
	char uid[32];
	int r;

	if (geteuid() != 0 || getuid() != 0) {
		tap_diag("sudo: skipped, not root");
		return;
	}
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	unsetenv("SUDO_USER");
	tap_ok(privilege_sudo_user(&u, &cause) == 0, "sudo: no SUDO_UID, nothing to do");
	setenv("SUDO_UID", "12ab", 1);
	r = privilege_sudo_user(&u, &cause);
	tap_ok(r == -EINVAL && has(cause, "not a user id"), "sudo: SUDO_UID not a number");
	free(cause);
	cause = NULL;
	setenv("SUDO_UID", "-1", 1);
	r = privilege_sudo_user(&u, &cause);
	tap_ok(r == -EINVAL, "sudo: SUDO_UID negative");
	free(cause);
	cause = NULL;
	setenv("SUDO_UID", "0", 1);
	tap_ok(privilege_sudo_user(&u, &cause) == 0, "sudo: SUDO_UID 0, stays root");
	pw = getpwnam("nobody");
	if (!pw) {
		tap_diag("sudo: no user nobody, the passwd cases are skipped");
		return;
	}
	snprintf(uid, sizeof(uid), "%d", (int)pw->pw_uid);
	setenv("SUDO_UID", uid, 1);
	setenv("SUDO_USER", "nobody", 1);
	r = privilege_sudo_user(&u, &cause);
	tap_ok(r == 1, "sudo: SUDO_UID of nobody");
	if (r == 1) {
		TAP_EQ_U64(u.uid, pw->pw_uid, "sudo: uid");
		TAP_EQ_U64(u.gid, pw->pw_gid, "sudo: gid from passwd without SUDO_GID");
		TAP_EQ_STR(u.name, "nobody", "sudo: name");
		tap_ok(u.ngroups >= 1 && u.groups[0] == u.gid, "sudo: groups start with the gid");
		privilege_user_free(&u);
	}
	setenv("SUDO_GID", "x", 1);
	r = privilege_sudo_user(&u, &cause);
	tap_ok(r == -EINVAL && has(cause, "SUDO_GID"), "sudo: SUDO_GID not a number");
	free(cause);
	cause = NULL;
	unsetenv("SUDO_GID");
	setenv("SUDO_USER", "root", 1);
	r = privilege_sudo_user(&u, &cause);
	tap_ok(r == -EINVAL && has(cause, "SUDO_USER"), "sudo: SUDO_USER and SUDO_UID disagree");
	free(cause);
	cause = NULL;
	unsetenv("SUDO_USER");
	setenv("SUDO_UID", "3999999999", 1);
	r = privilege_sudo_user(&u, &cause);
	if (getpwuid(3999999999u) == NULL)
		tap_ok(r == -EINVAL && has(cause, "no such user"), "sudo: uid without a user");
	free(cause);
	unsetenv("SUDO_UID");
}

int
main(void)
{
	test_unprivileged();
	test_root();
	test_locked_down();
	test_yama();
	test_sudo();
	privilege_verdicts_free(v);
	return tap_done();
}
