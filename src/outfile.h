/*
 * outfile: atomic output files (temporary name beside the target, O_EXCL, fsync, rename), so
 * that no partial output ever stands under the name the user gave. "-" is standard output.
 */
#ifndef PROF_OUTFILE_H
#define PROF_OUTFILE_H

#include <stddef.h>
#include <stdint.h>

/* Refuses an empty path or a directory. 0 or -errno with *cause set (caller frees). */
int outfile_check(const char *path, char **cause);

/* Writes buf to path atomically (or to stdout for "-"). 0 or -errno with *cause set. */
int outfile_write(const char *path, const uint8_t *buf, size_t len, char **cause);

#endif
