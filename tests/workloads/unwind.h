/* unwind.h: wl-unwind-fp and wl-unwind-nofp, one program built twice (with and without frame
 * pointers) for the DWARF unwinding tests: main -> f0 -> f1 -> f2 -> f3, one function per file,
 * and f3 spends its time inside libc, whose code has no frame pointers on Debian and most
 * distributions. */
#ifndef WL_UNWIND_H
#define WL_UNWIND_H

/* Written after each call so that no call is a tail call: every frame stays on the stack. */
extern volatile int unwind_sink;

int f0(double secs, int own);
int f1(double secs, int own);
int f2(double secs, int own);
int f3(double secs, int own);

#endif
