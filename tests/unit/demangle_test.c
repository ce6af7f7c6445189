/*
 * demangle_test: C++ (Itanium) and Rust (legacy and v0) names through demangle_name, and the
 * names it must leave alone (C, Go, malformed).
 */
#include "config.h"

#include <stdlib.h>

#include "demangle.h"
#include "tap.h"

static void
check(const char *mangled, const char *want, const char *what)
{
	char *got = demangle_name(mangled);

	if (want) {
		TAP_EQ_STR(got, want, what);
	} else if (!tap_ok(got == NULL, "%s: left alone", what)) {
		tap_diag("got \"%s\"", got);
	}
	free(got);
}

int
main(void)
{
	/* C++ */
	check("_ZN2ns3fooIiEEvT_", "ns::foo<int>(int)", "C++ template in a namespace");
	check("_ZNSt6vectorIiSaIiEE9push_backERKi",
	      "std::vector<int, std::allocator<int> >::push_back(int const&)", "C++ std member");
	check("_ZZ4mainENKUlvE_clEv", "main::{lambda()#1}::operator()() const", "C++ lambda");
	check("_Z3barv.cold", "bar() [clone .cold]", "C++ clone suffix");
	check("_ZN3foo3barE", "foo::bar", "C++ nested name without parameters");

	/* Rust legacy: Itanium-shaped with a hash segment, which is dropped */
	check("_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write", "Rust legacy");
	check("_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h6f2a8e1b4c3d2e1fE",
	      "std::rt::lang_start::{{closure}}", "Rust legacy with escapes");

	/* Rust v0 */
	check("_RNvCs1234_7mycrate3foo", "mycrate::foo", "Rust v0 function");
	check("_RNvNtCs1cm8nbu8b5Q_4core3fmt5write", "core::fmt::write", "Rust v0 in a module");
	check("_RNvMs_NtCs4fqI2P2rA04_4core3fmtNtB4_9Formatter3pad", "<core::fmt::Formatter>::pad",
	      "Rust v0 inherent method");
	check("_RINvCs1234_5crate4funcNtB2_3FooEB2_", "crate::func::<crate::Foo>",
	      "Rust v0 generic instance");

	/* not ours */
	check("main", NULL, "C name");
	check("main.main", NULL, "Go name");
	check("runtime.mallocgc", NULL, "Go runtime name");
	check("_Z", NULL, "bare _Z");
	check("_R", NULL, "bare _R");
	check("_ZN3foo", NULL, "truncated C++ name");
	check("_start", NULL, "_start");
	check("", NULL, "empty string");
	check(NULL, NULL, "NULL");
	return tap_done();
}
