/* wl-cxx [SECS]: C++ names to demangle. Spends SECS (default 2) seconds of CPU time, 40 % in a
 * member of a class template in nested namespaces (wl::shapes::Grid<double>::fill(int)), 30 % in
 * a function template (wl::burn_template<int>(int)) and 30 % in a lambda inside main.
 *
 * The work is interleaved in 10 ms rounds, like wl-split. */
#include "burn.h"

#define ROUND_NS 10000000u /* 10 ms */

namespace wl {
namespace shapes {

template <typename T> struct Grid {
	T cell;
	__attribute__((noinline, noclone)) void fill(int n);
};

template <typename T>
__attribute__((noinline, noclone)) void
Grid<T>::fill(int n)
{
	BURN_NS((uint64_t)ROUND_NS / 100 * 40 * (uint64_t)n);
	cell = (T)n;
}

} // namespace shapes

template <typename T>
__attribute__((noinline, noclone)) void
burn_template(T n)
{
	BURN_NS((uint64_t)ROUND_NS / 100 * 30 * (uint64_t)n);
}

} // namespace wl

int
main(int argc, char **argv)
{
	double secs = wl_arg_seconds(argc, argv, 1, 2.0);
	long rounds = (long)(secs * 1e9 / ROUND_NS), i;
	wl::shapes::Grid<double> grid = {0.0};
	auto lambda = [](int n) __attribute__((noinline, noclone)) {
		BURN_NS((uint64_t)ROUND_NS / 100 * 30 * (uint64_t)n);
	};

	for (i = 0; i < rounds; i++) {
		grid.fill(1);
		wl::burn_template<int>(1);
		lambda(1);
	}
	return grid.cell > 0 ? 0 : 1;
}
