/*
 * fuzz.h: what the fuzz targets share. Each tests/fuzz/fuzz_*.c is one libFuzzer target: its
 * LLVMFuzzerTestOneInput is linked with -fsanitize=fuzzer into tests/fuzz/fuzz-NAME by
 * --enable-fuzzing builds, and with replay.c into tests/fuzz/replay-NAME by every build, which
 * `make check` runs over the seed corpus and the saved crash inputs (tests/fuzz/run).
 *
 * A target checks what the parser promises, not only that it does not crash: FUZZ_CHECK aborts
 * (a crash to libFuzzer, a failed test to the replay) when a promise is broken, and fuzz_touch
 * reads every byte a parser hands out, so that ASan sees a pointer past the input.
 */
#ifndef PROF_FUZZ_H
#define PROF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* libFuzzer's entry points; the replay main calls them the same way. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Reads n bytes at p (the compiler cannot drop the reads), so ASan checks they are ours. */
static inline void
fuzz_touch(const void *p, size_t n)
{
	const volatile uint8_t *b = p;
	volatile uint8_t sink = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sink ^= b[i];
	(void)sink;
}

/* [p, p + n) lies inside [base, base + len). */
static inline int
fuzz_within(const void *base, size_t len, const void *p, size_t n)
{
	uintptr_t b = (uintptr_t)base, q = (uintptr_t)p;

	return q >= b && q - b <= len && n <= len - (q - b);
}

/*
 * The test data directory (tests/data): $TESTDATA when set (make check and tests/fuzz/run set
 * it), else the source tree this was built from.
 */
static inline const char *
fuzz_testdata(void)
{
	const char *d = getenv("TESTDATA");

	return d && *d ? d : FUZZ_TESTDATA;
}

#endif
