/*
 * outfile: writes an output file the way a profiler must: to a temporary name beside the
 * target created with O_EXCL, fsync'd, then renamed over it, so a partial file never stands
 * under the output name (a symlink there is replaced, not followed); "-" means stdout.
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "table.h"
#include "xalloc.h"

static int
outfile_write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Creates "DIR/.BASE.XXXXXX" beside `path` with O_EXCL, mode 0666 so that the umask (and any
 * default ACL) applies as for any new file. Returns the fd and sets *tmp (caller frees), or
 * -errno.
 */
static int
outfile_create_temp(const char *path, char **tmp)
{
	static const char digits[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static uint64_t counter;
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	const char *base = path + dirlen;
	struct timespec ts;
	int attempt, fd;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (attempt = 0; attempt < 100; attempt++) {
		/* Unpredictable enough to avoid collisions; O_EXCL makes a collision harmless. */
		uint64_t r = table_hash_u64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30),
					    ((uint64_t)getpid() << 32) + counter++);
		char suffix[7];
		int i;

		for (i = 0; i < 6; i++, r /= sizeof(digits) - 1)
			suffix[i] = digits[r % (sizeof(digits) - 1)];
		suffix[6] = '\0';
		*tmp = xasprintf("%.*s.%s.%s", dirlen, path, base, suffix);
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0)
			return fd;
		fd = -errno;
		free(*tmp);
		*tmp = NULL;
		if (fd != -EEXIST)
			return fd;
	}
	return -EEXIST;
}

/* Makes the rename itself durable; best effort, the data is already on disk. */
static void
outfile_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
	int fd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

static int
outfile_write_stdout(const uint8_t *buf, size_t len, char **cause)
{
	int ret = outfile_write_all(STDOUT_FILENO, buf, len);

	if (ret < 0)
		*cause = log_cause("cannot write to standard output: %s",
				   strerror(-ret));
	return ret;
}

int
outfile_check(const char *path, char **cause)
{
	struct stat st;

	if (!*path) {
		*cause = log_cause("cannot write to an empty path");
		return -EINVAL;
	}
	/* Checked first so that the message says what is wrong rather than what rename() saw. */
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		*cause = log_cause("'%s' is a directory", path);
		return -EISDIR;
	}
	return 0;
}

int
outfile_write(const char *path, const uint8_t *buf, size_t len, char **cause)
{
	return outfile_write_owned(path, buf, len, (uid_t)-1, (gid_t)-1, cause);
}

int
outfile_write_owned(const char *path, const uint8_t *buf, size_t len, uid_t uid, gid_t gid,
		    char **cause)
{
	char *tmp = NULL;
	int fd, ret;

	*cause = NULL;
	ret = outfile_check(path, cause);
	if (ret < 0)
		return ret;
	if (strcmp(path, "-") == 0)
		return outfile_write_stdout(buf, len, cause);
	fd = outfile_create_temp(path, &tmp);
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	ret = outfile_write_all(fd, buf, len);
	if (!ret && (uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0)
		ret = -errno;
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	/* close() can report a deferred write error (NFS); it counts. */
	if (close(fd) < 0 && !ret && errno != EINTR)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret < 0) {
		unlink(tmp);
		goto fail;
	}
	outfile_sync_dir(path);
	free(tmp);
	return 0;

fail:
	if (ret == -EISDIR)
		*cause = log_cause("'%s' is a directory", path);
	else
		*cause = log_cause("cannot write '%s': %s", path, strerror(-ret));
	free(tmp);
	return ret;
}
