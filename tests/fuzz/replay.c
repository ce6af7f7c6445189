/*
 * replay: runs a fuzz target's LLVMFuzzerTestOneInput once per file, without libFuzzer, so that
 * every build (and `make check`) replays the seed corpus and every saved crash input: the
 * target's bodies are built with this main as tests/fuzz/replay-NAME. Each input runs in a
 * child of its own and is one TAP line; a crash, a sanitizer report (exit status != 0) or a
 * hang of more than REPLAY_TIMEOUT seconds fails it and the next input runs.
 *
 *   replay-NAME [FILE|DIR...]
 *
 * Without arguments it replays tests/fuzz/corpus/NAME and tests/fuzz/regressions/NAME, found
 * beside $TESTDATA (tests/data) or in the source tree it was built from.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#define REPLAY_TIMEOUT 60
#define REPLAY_MAX_INPUT (16u << 20)

static int replay_count, replay_failed;

static void
replay_result(int ok, const char *path, const char *why)
{
	const char *short_name = strstr(path, "/corpus/");

	/* tests/fuzz/corpus/NAME/FILE is "corpus/NAME/FILE" (regressions/ likewise) */
	if (!short_name)
		short_name = strstr(path, "/regressions/");
	if (short_name)
		path = short_name + 1;
	replay_count++;
	if (!ok)
		replay_failed++;
	printf("%sok %d - %s%s%s\n", ok ? "" : "not ", replay_count, path,
	       why ? ": " : "", why ? why : "");
	fflush(stdout);
}

static int
replay_read(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;
	int err;

	if (!f)
		return -errno;
	buf = malloc(REPLAY_MAX_INPUT);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	err = ferror(f) ? -EIO : !feof(f) ? -EFBIG : 0;
	fclose(f);
	if (err < 0) {
		free(buf);
		return err;
	}
	*data = buf;
	*size = n;
	return 0;
}

static void
replay_file(const char *path)
{
	uint8_t *data = NULL;
	size_t size = 0;
	char why[128];
	pid_t pid;
	int status, err;

	err = replay_read(path, &data, &size);
	if (err < 0) {
		replay_result(0, path, strerror(-err));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		replay_result(0, path, strerror(errno));
		free(data);
		return;
	}
	if (pid == 0) {
		uint8_t *copy;

		alarm(REPLAY_TIMEOUT);
		/* Exactly the input's bytes, as libFuzzer passes them: ASan guards the end. */
		copy = malloc(size ? size : 1);
		if (!copy)
			_exit(99);
		memcpy(copy, data, size);
		free(data);
		LLVMFuzzerTestOneInput(copy, size);
		free(copy);
		exit(0); /* exit, not _exit: LeakSanitizer checks at exit */
	}
	free(data);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		replay_result(1, path, NULL);
		return;
	}
	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "killed by signal %d (%s)", WTERMSIG(status),
			 WTERMSIG(status) == SIGALRM ? "a hang" : strsignal(WTERMSIG(status)));
	else
		snprintf(why, sizeof(why), "exit status %d (a sanitizer report? see above)",
			 WEXITSTATUS(status));
	replay_result(0, path, why);
}

static int
replay_filter(const struct dirent *d)
{
	return d->d_name[0] != '.' && strcmp(d->d_name, "README") != 0;
}

/* A file, or every file of a directory in name order. */
static void
replay_path(const char *path, int must_exist)
{
	struct dirent **names;
	struct stat st;
	int n, i;

	if (stat(path, &st) < 0) {
		if (must_exist)
			replay_result(0, path, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path);
		return;
	}
	n = scandir(path, &names, replay_filter, alphasort);
	if (n < 0) {
		replay_result(0, path, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		char file[PATH_MAX];

		snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
		replay_file(file);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	int i;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			replay_path(argv[i], 1);
	} else {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s/../fuzz/corpus/%s", fuzz_testdata(), FUZZ_NAME);
		replay_path(dir, 1);
		snprintf(dir, sizeof(dir), "%s/../fuzz/regressions/%s", fuzz_testdata(), FUZZ_NAME);
		replay_path(dir, 0);
	}
	printf("1..%d\n", replay_count);
	return replay_failed ? 1 : 0;
}
