/* libwlhot.so: the library wl-dlopen loads at run time; lib_hot burns SECS seconds of CPU. */
#include "burn.h"

__attribute__((noinline, visibility("default"))) void lib_hot(double secs);

__attribute__((noinline, visibility("default"))) void
lib_hot(double secs)
{
	BURN_NS(secs * 1e9);
}
