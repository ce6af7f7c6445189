/*
 * xalloc: allocation wrappers that die with a message on failure, so callers never handle NULL.
 */
#ifndef PROF_XALLOC_H
#define PROF_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grows *ptr (an array of *cap elements of `size` bytes) so it holds at least `need` elements. */
void xgrow(void *ptr, size_t *cap, size_t need, size_t size);

#endif
