/*
 * log: the only place below main that writes to the user. Messages go to stderr prefixed with
 * "prof: "; warnings that can repeat per sample are not logged here but counted in stats and
 * reported once at the end.
 */
#ifndef PROF_LOG_H
#define PROF_LOG_H

#include <stdarg.h>

enum log_level { LOG_QUIET = -1, LOG_NORMAL = 0, LOG_VERBOSE = 1, LOG_DEBUG = 2 };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* "prof: error: ..." */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prof: warning: ..." (printed even with --quiet) */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prof: ..." (suppressed by --quiet) */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prof: ..." only with -v */
void log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Builds a message for a `char **cause` out-parameter (caller frees). Never returns NULL. */
char *log_cause(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
