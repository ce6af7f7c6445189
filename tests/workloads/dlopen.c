/* wl-dlopen [SECS]: after running for a moment without it, dlopen WL_LIBDIR/libwlhot.so and burn
 * SECS (default 2) seconds of CPU in its lib_hot. The library is mapped only after the profiler
 * has started, so it must be learnt from the mmap records, not from /proc/PID/maps at start. */
#include <dlfcn.h>

#include "burn.h"

#ifndef WL_LIBDIR
#error "WL_LIBDIR (the directory holding libwlhot.so) must be defined"
#endif

int
main(int argc, char **argv)
{
	double secs = wl_arg_seconds(argc, argv, 1, 2.0);
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	void (*lib_hot)(double);
	void *lib;

	nanosleep(&pause, NULL); /* the profiler is running by now */
	lib = dlopen(WL_LIBDIR "/libwlhot.so", RTLD_NOW);
	if (lib == NULL) {
		fprintf(stderr, "wl-dlopen: %s\n", dlerror());
		return 1;
	}
	*(void **)&lib_hot = dlsym(lib, "lib_hot");
	if (lib_hot == NULL) {
		fprintf(stderr, "wl-dlopen: %s\n", dlerror());
		return 1;
	}
	lib_hot(secs);
	/* Not dlclose'd: the mapping stays, as it would in most programs. */
	return 0;
}
