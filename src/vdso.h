/*
 * vdso: the kernel's vdso has no file on disk, but every process of this kernel and ABI maps
 * the same image, so ours stands in for the target's. This hands out file descriptors of a
 * copy of it that libdwfl can open like any ELF file.
 */
#ifndef PROF_VDSO_H
#define PROF_VDSO_H

/*
 * A new fd (the caller owns it) on a memfd holding our vdso image, made once per process.
 * -ENOENT when there is no vdso, -ENOEXEC when it does not look like ELF.
 */
int vdso_fd(void);

#endif
