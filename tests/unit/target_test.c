/*
 * target_test: target_launch's child setup (what sudo uses to become the invoking user): run
 * just before exec, its failure is reported as "cannot run CMD as WHO: ..." with its errno and
 * the command never runs; its success leads to the exec as usual.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "target.h"

static int
test_thread_new(void *arg, pid_t pid, pid_t tid, unsigned flags)
{
	(void)arg, (void)pid, (void)tid, (void)flags;
	return 0;
}

static bool
test_thread_covered(void *arg, pid_t tid)
{
	(void)arg, (void)tid;
	return false;
}

static void
test_sync(void *arg)
{
	(void)arg;
}

static void
test_thread_exit(void *arg, pid_t pid, pid_t tid)
{
	(void)arg, (void)pid, (void)tid;
}

static void
test_exec(void *arg, pid_t pid, pid_t old_tid)
{
	(void)arg, (void)pid, (void)old_tid;
}

static const struct target_ops test_ops = {
	.thread_new = test_thread_new,
	.thread_covered = test_thread_covered,
	.sync = test_sync,
	.thread_exit = test_thread_exit,
	.exec = test_exec,
};

static int
setup_fail(void *arg)
{
	(void)arg;
	return -EPERM;
}

static int
setup_ok(void *arg)
{
	return setenv("TARGET_TEST_SETUP", (const char *)arg, 1) < 0 ? -errno : 0;
}

int
main(void)
{
	char marker[] = "/tmp/target_test.XXXXXX";
	char *argv_touch[] = {"touch", marker, NULL};
	char script[256];
	char *argv_sh[] = {"sh", "-c", script, NULL};
	struct target t;
	char *cause = NULL;
	sigset_t mask;
	int fd, err, status;
	FILE *f;
	char buf[64] = "";

	sigprocmask(SIG_BLOCK, NULL, &mask);
	fd = mkstemp(marker);
	if (fd < 0) {
		printf("Bail out! mkstemp: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	unlink(marker);

	err = target_launch(&t, argv_touch, &mask, false,
			    &(struct target_setup){.fn = setup_fail, .who = "user test"}, &test_ops,
			    NULL, &cause);
	tap_ok(err == -EPERM, "a failed setup: -EPERM (got %d)", err);
	tap_ok(cause &&
		       strcmp(cause, "cannot run 'touch' as user test: Operation not permitted") == 0,
	       "a failed setup: the message names the user and the error (%s)",
	       cause ? cause : "(null)");
	tap_ok(access(marker, F_OK) < 0, "a failed setup: the command never ran");
	free(cause);
	cause = NULL;
	target_free(&t);
	sigprocmask(SIG_SETMASK, &mask, NULL);

	/* The setup's effect reaches the command: it writes what setup_ok put in its environment. */
	snprintf(script, sizeof(script), "echo \"$TARGET_TEST_SETUP\" > %s", marker);
	err = target_launch(&t, argv_sh, &mask, false,
			    &(struct target_setup){.fn = setup_ok, .arg = "done", .who = "x"},
			    &test_ops, NULL, &cause);
	tap_ok(err == 0, "a setup that works: the command runs (%s)", cause ? cause : "ok");
	if (err == 0) {
		target_detach(&t);
		status = target_wait_exit(&t, false);
		tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the command exits 0");
		f = fopen(marker, "r");
		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = '\0';
			fclose(f);
		}
		TAP_EQ_STR(buf, "done\n", "the command saw what the setup did");
	}
	free(cause);
	target_free(&t);
	unlink(marker);
	return tap_done();
}
