/*
 * log: messages to the user on stderr. Every line starts with "prof: " so it cannot be mistaken
 * for the profiled program's output, which shares the terminal.
 */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>

#include "xalloc.h"

static enum log_level log_level = LOG_NORMAL;

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

static void
log_vprint(const char *prefix, const char *fmt, va_list ap)
{
	char *msg;

	/* One write per line so our lines do not interleave with the target's output. */
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	fprintf(stderr, "prof: %s%s\n", prefix, msg);
	free(msg);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint("error: ", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	/* Warnings say the profile is incomplete: even --quiet prints them. */
	va_start(ap, fmt);
	log_vprint("warning: ", fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	log_vprint("", fmt, ap);
	va_end(ap);
}

void
log_verbose(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	log_vprint("", fmt, ap);
	va_end(ap);
}

char *
log_cause(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = xstrdup(fmt);
	va_end(ap);
	return s;
}
