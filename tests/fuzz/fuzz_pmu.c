/*
 * fuzz_pmu: the event-spec parser on arbitrary -e values. The input is split as -e lists are
 * (pmu_split), and each event is parsed against the fixture sysfs tree of an Intel machine
 * (tests/data/sysfs/intel); the whole input is also parsed as one event, against intel and
 * against the synthetic tree (split format ranges, config1/2, "?" parameters). Errors come back
 * as -EINVAL or -ENOENT with a message; accepted events have NUL-terminated names.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pmu.h"

static char fuzz_pmu_intel[PATH_MAX], fuzz_pmu_synthetic[PATH_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(fuzz_pmu_intel, sizeof(fuzz_pmu_intel), "%s/sysfs/intel", fuzz_testdata());
	snprintf(fuzz_pmu_synthetic, sizeof(fuzz_pmu_synthetic), "%s/sysfs/synthetic",
		 fuzz_testdata());
	return 0;
}

static void
fuzz_pmu_parse(const char *spec, const char *root)
{
	struct pmu_event ev;
	char *cause = NULL;
	int err;

	err = pmu_parse(spec, root, &ev, &cause);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ENOENT);
	if (err == 0) {
		FUZZ_CHECK(memchr(ev.name, '\0', sizeof(ev.name)) != NULL);
		FUZZ_CHECK(memchr(ev.sample_type, '\0', sizeof(ev.sample_type)) != NULL);
		FUZZ_CHECK(memchr(ev.unit, '\0', sizeof(ev.unit)) != NULL);
	} else {
		FUZZ_CHECK(cause != NULL);
		fuzz_touch(cause, strlen(cause) + 1);
	}
	free(cause);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1), *cause = NULL, **names = NULL;
	size_t n = 0, i;
	int err;

	FUZZ_CHECK(spec != NULL);
	memcpy(spec, data, size);
	spec[size] = '\0';

	err = pmu_split(spec, &names, &n, &cause);
	FUZZ_CHECK(err == 0 || err == -EINVAL);
	if (err == 0) {
		FUZZ_CHECK(n > 0);
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(names[i] != NULL && names[i][0] != '\0');
			fuzz_pmu_parse(names[i], fuzz_pmu_intel);
		}
		pmu_split_free(names, n);
	} else {
		FUZZ_CHECK(cause != NULL);
		free(cause);
	}
	fuzz_pmu_parse(spec, fuzz_pmu_intel);
	fuzz_pmu_parse(spec, fuzz_pmu_synthetic);
	free(spec);
	return 0;
}
