/*
 * demangle: a thin wrapper over libiberty's demanglers (Debian libiberty-dev).
 *
 * We call rust_demangle and cplus_demangle_v3 directly rather than cplus_demangle: the latter
 * needs libiberty's own xmalloc/xstrdup, whose names clash with ours (xalloc.h); these two only
 * use malloc. Rust's legacy scheme is Itanium-shaped ("_ZN...17h<hash>E"), so Rust goes first,
 * as in cplus_demangle's automatic mode: it recognizes legacy names by their hash segment and
 * v0 names by their "_R" prefix, and declines everything else.
 */
#include "config.h"

#include "demangle.h"

#include <stddef.h>

#include <libiberty/demangle.h>

char *
demangle_name(const char *name)
{
	const int opts = DMGL_PARAMS | DMGL_ANSI | DMGL_RET_DROP;
	char *out;

	/* Only "_Z" (Itanium, legacy Rust) and "_R" (Rust v0) are ours to try. */
	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	out = rust_demangle(name, opts);
	if (!out && name[1] == 'Z')
		out = cplus_demangle_v3(name, opts);
	return out;
}
