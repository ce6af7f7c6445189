/*
 * cmd_check: `prof check`, what this user may do with prof on this machine, and what to change
 * to get the rest. The capabilities and sysctls are read (privilege_read), and what is cheap to
 * try is tried for real (privilege_probe: a counter opened on ourselves with and without kernel
 * mode, cycles, /proc/kallsyms), so the verdicts are the kernel's, not a guess.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "pmu.h"
#include "privilege.h"
#include "xalloc.h"

enum check_exit { CHECK_EXIT_USAGE = 2 };

static const char *
check_usage(void)
{
	return "usage: prof check\n"
	       "\n"
	       "Says what this user can do with prof on this machine: the capabilities prof\n"
	       "has (CAP_PERFMON, CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_SYSLOG, CAP_IPC_LOCK),\n"
	       "the kernel settings that matter (perf_event_paranoid, kptr_restrict, Yama\n"
	       "ptrace_scope, perf_event_mlock_kb), and for each thing prof does (own\n"
	       "processes, kernel and off-CPU stacks, attaching, other users' processes,\n"
	       "kernel symbols, hardware events, large rings) yes or no, and what to change\n"
	       "to get it. Event opens are tried for real on prof itself.\n"
	       "\n"
	       "Exit status: 0 (whatever the verdicts); 2 for a usage error.\n";
}

int
cmd_check(int argc, char **argv)
{
	struct privilege priv;
	struct privilege_probe probe = {0};
	struct privilege_user sudo;
	struct passwd *pw;
	char self[4096], *user, *cause = NULL;
	ssize_t n;
	int r;

	if (argc > 1) {
		if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
			fputs(check_usage(), stdout);
			return 0;
		}
		log_error("unknown argument '%s' for prof check (see prof check --help)", argv[1]);
		return CHECK_EXIT_USAGE;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		strcpy(self, "prof");
	else
		self[n] = '\0';
	pw = getpwuid(geteuid());
	user = pw ? xstrdup(pw->pw_name) : xasprintf("uid %d", (int)geteuid());

	privilege_read(&priv);
	probe.have_pmu = pmu_have_hardware(NULL);
	privilege_probe(&probe);
	privilege_report(stdout, &priv, &probe, self, user);
	free(user);
	r = privilege_sudo_user(&sudo, &cause);
	if (r == 1)
		printf("\nUnder sudo: prof record -- CMD runs CMD as user %s (uid %d, SUDO_UID), and "
		       "the profile is theirs; --as-root runs it as root.\n",
		       sudo.name, (int)sudo.uid);
	else if (r < 0)
		printf("\nUnder sudo: prof record -- CMD would refuse to run: %s\n", cause);
	free(cause);
	privilege_user_free(&sudo);
	return 0;
}
