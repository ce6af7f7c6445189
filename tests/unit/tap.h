/*
 * tap.h: a tiny TAP producer for the unit tests ("ok N - name" / "not ok N - name"), read by
 * automake's tap-driver.sh. Header-only so each test binary stays one file.
 */
#ifndef PROF_TAP_H
#define PROF_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline int
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

#define TAP_EQ_U64(a, b, name)                                                                     \
	do {                                                                                       \
		uint64_t tap_a_ = (uint64_t)(a), tap_b_ = (uint64_t)(b);                           \
		if (!tap_ok(tap_a_ == tap_b_, "%s", name))                                         \
			printf("#   got %" PRIu64 " (0x%" PRIx64 "), want %" PRIu64 " (0x%" PRIx64    \
			       ")\n",                                                              \
			       tap_a_, tap_a_, tap_b_, tap_b_);                                    \
	} while (0)

#define TAP_EQ_STR(a, b, name)                                                                     \
	do {                                                                                       \
		const char *tap_a_ = (a), *tap_b_ = (b);                                           \
		int tap_c_ = tap_a_ && tap_b_ && strcmp(tap_a_, tap_b_) == 0;                      \
		if (!tap_ok(tap_c_, "%s", name))                                                   \
			printf("#   got \"%s\", want \"%s\"\n", tap_a_ ? tap_a_ : "(null)",            \
			       tap_b_ ? tap_b_ : "(null)");                                        \
	} while (0)

static inline void
tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Prints the plan and returns the exit status. */
static inline int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
