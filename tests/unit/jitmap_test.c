/*
 * jitmap_test: the /tmp/perf-PID.map line parser, lookups with overlapping (re-JIT'd) entries,
 * and the trust checks of jitmap_load (owner, symbolic link, others-writable) on files in a
 * private temporary directory.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jitmap.h"
#include "tap.h"

static void
test_parse(void)
{
	uint64_t start, size;
	const char *name;
	size_t len;
	int r;

	r = jitmap_parse_line("7f0012340000 40 LazyCompile:~add /app/x.js:1\n", &start, &size,
			      &name, &len);
	tap_ok(r == 0, "parse: a Node line");
	TAP_EQ_U64(start, 0x7f0012340000, "parse: start");
	TAP_EQ_U64(size, 0x40, "parse: size");
	tap_ok(len == strlen("LazyCompile:~add /app/x.js:1") &&
		       strncmp(name, "LazyCompile:~add /app/x.js:1", len) == 0,
	       "parse: the name keeps its spaces, not the newline");
	r = jitmap_parse_line("0x1000 0x20 py::f:/a.py", &start, &size, &name, &len);
	tap_ok(r == 0 && start == 0x1000 && size == 0x20 && len == strlen("py::f:/a.py"),
	       "parse: 0x prefixes, no newline");
	tap_ok(jitmap_parse_line("", &start, &size, &name, &len) == -EINVAL, "parse: empty");
	tap_ok(jitmap_parse_line("1000 20\n", &start, &size, &name, &len) == -EINVAL,
	       "parse: no name");
	tap_ok(jitmap_parse_line("1000 20 \n", &start, &size, &name, &len) == -EINVAL,
	       "parse: empty name");
	tap_ok(jitmap_parse_line("xyz 20 f\n", &start, &size, &name, &len) == -EINVAL,
	       "parse: bad start");
	tap_ok(jitmap_parse_line("1000 0 f\n", &start, &size, &name, &len) == -EINVAL,
	       "parse: zero size");
	tap_ok(jitmap_parse_line("10000000000000000 1 f\n", &start, &size, &name, &len) == -EINVAL,
	       "parse: start over 64 bits");
	tap_ok(jitmap_parse_line("ffffffffffffffff 2 f\n", &start, &size, &name, &len) == -EINVAL,
	       "parse: range wraps");
	tap_ok(jitmap_parse_line("1000\t20 f\n", &start, &size, &name, &len) == -EINVAL,
	       "parse: tab separator");
}

static char dir[] = "/tmp/jitmap_test.XXXXXX";

static char *
write_map(const char *name, const char *text, mode_t mode)
{
	char *path = malloc(strlen(dir) + strlen(name) + 2);
	FILE *fp;

	sprintf(path, "%s/%s", dir, name);
	fp = fopen(path, "w");
	if (!fp)
		return path;
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
	return path;
}

static void
test_load(void)
{
	const char *text = "1000 100 old_f\n"
			   "garbage line\n"
			   "2000 10 g\n"
			   "1000 80 new_f\n"
			   "3000 1000 big\n"
			   "3100 10 small inside big\n";
	uid_t me = geteuid();
	struct jitmap j = {0};
	char *path, *cause = NULL, link[300];
	int r;

	path = write_map("good.map", text, 0644);
	r = jitmap_load(&j, path, &me, 1, &cause);
	tap_ok(r == 0, "load: our own file (%d)", r);
	TAP_EQ_U64(j.n, 5, "load: 5 entries, the malformed line skipped");
	TAP_EQ_STR(jitmap_find(&j, 0x1000) ? jitmap_find(&j, 0x1000)->name : NULL, "new_f",
		   "find: the later entry wins where they overlap");
	TAP_EQ_STR(jitmap_find(&j, 0x1090) ? jitmap_find(&j, 0x1090)->name : NULL, "old_f",
		   "find: the older entry still covers what the new one does not");
	tap_ok(jitmap_find(&j, 0x1100) == NULL, "find: end is exclusive");
	TAP_EQ_STR(jitmap_find(&j, 0x200f) ? jitmap_find(&j, 0x200f)->name : NULL, "g",
		   "find: last byte");
	TAP_EQ_STR(jitmap_find(&j, 0x3105) ? jitmap_find(&j, 0x3105)->name : NULL,
		   "small inside big", "find: nested entry");
	TAP_EQ_STR(jitmap_find(&j, 0x3200) ? jitmap_find(&j, 0x3200)->name : NULL, "big",
		   "find: past the nested entry, the outer one");
	tap_ok(jitmap_find(&j, 0xfff) == NULL, "find: below everything");
	jitmap_free(&j);
	free(path);

	path = write_map("open.map", text, 0666);
	chmod(path, 0666);
	r = jitmap_load(&j, path, &me, 1, &cause);
	tap_ok(r == -EPERM && cause && strstr(cause, "writable"), "load: others-writable refused");
	free(cause);
	cause = NULL;
	jitmap_free(&j);

	snprintf(link, sizeof(link), "%s/link.map", dir);
	if (symlink(path, link) == 0) {
		r = jitmap_load(&j, link, &me, 1, &cause);
		tap_ok(r == -EPERM && cause && strstr(cause, "symbolic link"),
		       "load: symbolic link refused");
		free(cause);
		cause = NULL;
		unlink(link);
	} else {
		tap_ok(0, "load: symlink() failed");
	}
	unlink(path);
	free(path);

	path = write_map("other.map", text, 0644);
	if (me == 0) {
		/* root: the file given to nobody is neither root's nor the target's */
		uid_t target = 0;

		r = chown(path, 65534, 65534);
		r = r == 0 ? jitmap_load(&j, path, &target, 1, &cause) : -1;
		tap_ok(r == -EPERM && cause && strstr(cause, "owned by uid 65534"),
		       "load: a file owned by another user refused");
	} else {
		/* not root: our file, but the target is someone else */
		uid_t target = me + 1;

		r = jitmap_load(&j, path, &target, 1, &cause);
		tap_ok(r == -EPERM && cause && strstr(cause, "owned by uid"),
		       "load: a file owned by another user refused");
	}
	free(cause);
	cause = NULL;
	jitmap_free(&j);
	unlink(path);
	free(path);

	snprintf(link, sizeof(link), "%s/missing.map", dir);
	tap_ok(jitmap_load(&j, link, &me, 1, &cause) == -ENOENT && !cause, "load: no file");
	tap_ok(jitmap_load(&j, dir, &me, 1, &cause) == -EPERM, "load: a directory refused");
	free(cause);
}

int
main(void)
{
	test_parse();
	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp");
		return tap_done();
	}
	test_load();
	rmdir(dir);
	return tap_done();
}
