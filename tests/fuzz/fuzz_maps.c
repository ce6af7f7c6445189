/*
 * fuzz_maps: the /proc/PID/maps parser on arbitrary text, one line at a time as maps_load_proc
 * reads it, and the address-space registry on what it accepts. Every executable line is added
 * as maps_load_proc would add it; right after, the mapping at its start must be that very line
 * (a new mapping replaces whatever it overlaps), and maps_find never answers with a mapping
 * that does not cover the address.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "maps.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
fuzz_maps_find(const struct maps *m, pid_t pid, uint64_t addr)
{
	const struct maps_mapping *mm = maps_find(m, pid, addr);

	if (mm) {
		FUZZ_CHECK(mm->start <= addr && addr < mm->end);
		fuzz_touch(mm->path, strlen(mm->path) + 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct maps *m = maps_create();
	char *text = malloc(size + 1), *line, *next;
	pid_t pid = 1;

	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line; line = next) {
		struct maps_mapping tmpl;
		const struct maps_mapping *added, *found;
		struct maps_line ml;
		size_t len;
		int err;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		len = strlen(line);
		err = maps_parse_line(line, &ml);
		FUZZ_CHECK(err == 0 || err == -EINVAL);
		if (err < 0)
			continue;
		FUZZ_CHECK(ml.start < ml.end);
		FUZZ_CHECK(ml.path >= line && ml.path <= line + len);
		fuzz_touch(ml.path, strlen(ml.path) + 1);
		/* A line about [vsyscall] switches to another process, to exercise fork. */
		if (strcmp(ml.path, "[vsyscall]") == 0) {
			maps_fork(m, pid, pid + 1);
			pid++;
			continue;
		}
		if (!ml.x)
			continue;
		memset(&tmpl, 0, sizeof(tmpl));
		tmpl.start = ml.start;
		tmpl.end = ml.end;
		tmpl.pgoff = ml.pgoff;
		tmpl.maj = ml.maj;
		tmpl.min = ml.min;
		tmpl.ino = ml.ino;
		tmpl.path = (char *)(ml.path[0] ? ml.path : "//anon");
		added = maps_add(m, pid, &tmpl);
		FUZZ_CHECK(added != NULL);
		FUZZ_CHECK(added->start == ml.start && added->end == ml.end);
		FUZZ_CHECK(strcmp(added->path, tmpl.path) == 0);
		found = maps_find(m, pid, ml.start);
		FUZZ_CHECK(found == added);
		found = maps_find(m, pid, ml.end - 1);
		FUZZ_CHECK(found == added);
		fuzz_maps_find(m, pid, ml.start - 1);
		fuzz_maps_find(m, pid, ml.end);
		fuzz_maps_find(m, pid + 1, ml.start);
		/* A line about [heap] execs: the address space starts empty. */
		if (strcmp(ml.path, "[heap]") == 0) {
			maps_exec(m, pid);
			FUZZ_CHECK(maps_find(m, pid, ml.start) == NULL);
		}
	}
	for (size_t id = 1; id <= maps_count(m); id++) {
		const struct maps_mapping *mm = maps_get(m, (uint32_t)id);

		FUZZ_CHECK(mm != NULL && mm->id == id && mm->start < mm->end);
	}
	maps_free(m);
	free(text);
	return 0;
}
