/*
 * outfile: atomic output files (temporary name beside the target, O_EXCL, fsync, rename), so
 * that no partial output ever stands under the name the user gave. "-" is standard output.
 */
#ifndef PROF_OUTFILE_H
#define PROF_OUTFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Refuses an empty path or a directory. 0 or -errno with *cause set (caller frees). */
int outfile_check(const char *path, char **cause);

/* Writes buf to path atomically (or to stdout for "-"). 0 or -errno with *cause set. */
int outfile_write(const char *path, const uint8_t *buf, size_t len, char **cause);

/*
 * The same, the file then belonging to uid:gid (the temporary file is fchown'd before it takes
 * the name; (uid_t)-1 / (gid_t)-1 keep ours): `sudo prof record` gives the profile to the user.
 */
int outfile_write_owned(const char *path, const uint8_t *buf, size_t len, uid_t uid, gid_t gid,
			char **cause);

#endif
