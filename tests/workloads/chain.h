/* chain.h: wl-chain's call chain main -> f0 -> f1 -> f2 -> f3, one function per file so that
 * nothing can be inlined across them. */
#ifndef WL_CHAIN_H
#define WL_CHAIN_H

/* Written after each call so that no call is a tail call: every frame stays on the stack. */
extern volatile int chain_sink;

int f0(double secs);
int f1(double secs);
int f2(double secs);
int f3(double secs);

#endif
