/*
 * vdso: our own vdso image, copied once into a memfd (getauxval(AT_SYSINFO_EHDR) points at
 * it; the image ends with its section headers, which gives its size).
 */
#include "vdso.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

static int vdso_memfd = -1; /* -1 not made yet, else the fd or -errno */

static int
vdso_make(void)
{
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)getauxval(AT_SYSINFO_EHDR);
	size_t size;
	int fd;

	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return -ENOENT;
	size = (size_t)eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	if (size < sizeof(*eh) || size > (1u << 24))
		return -ENOEXEC;
	fd = memfd_create("prof-vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, eh, size) != (ssize_t)size) {
		close(fd);
		return -EIO;
	}
	return fd;
}

int
vdso_fd(void)
{
	int fd;

	if (vdso_memfd == -1)
		vdso_memfd = vdso_make();
	if (vdso_memfd < 0)
		return vdso_memfd;
	/* A fresh fd each time: libdwfl closes the one it is given. */
	fd = fcntl(vdso_memfd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}
