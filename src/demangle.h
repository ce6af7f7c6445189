/*
 * demangle: C++ (Itanium ABI) and Rust (legacy and v0) symbol names made readable, through
 * libiberty's demanglers. Pure: no I/O, safe on any input string.
 */
#ifndef PROF_DEMANGLE_H
#define PROF_DEMANGLE_H

/*
 * The demangled form of `name` (caller frees), or NULL when `name` is not a mangled C++ or Rust
 * name (C and Go names, or bytes the demanglers reject). Parameters are kept, so overloads and
 * template instances stay apart; return types are dropped; Rust's legacy hash suffix is dropped.
 */
char *demangle_name(const char *name);

#endif
