// gocgo: a cgo program, linked by the external (C) linker, that alternates between a C loop
// (burn, called through cgo) and a Go one (main.hotGo), for the seconds given as its argument
// (default 1.5). The Makefile builds it with -ldflags='-s -w' (wl-gocgo-stripped): the Go code
// then has neither symbols nor CFI, and its line table's functions start at runtime.text, which
// the C runtime's code pushes past the start of .text; the C code keeps its .eh_frame.
package main

/*
#include <stdint.h>

static uint64_t burn(uint64_t n)
{
	volatile uint64_t acc = 0;

	for (uint64_t i = 0; i < n; i++)
		acc = acc * 6364136223846793005ULL + i;
	return acc;
}
*/
import "C"

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

//go:noinline
func hotGo(n int) uint64 {
	var acc uint64
	for i := 0; i < n; i++ {
		acc = acc*6364136223846793005 + uint64(i) // HOT_GO
	}
	return acc
}

//go:noinline
func callC(n int) uint64 { return uint64(C.burn(C.uint64_t(n))) }

func main() {
	secs := 1.5
	if len(os.Args) > 1 {
		v, err := strconv.ParseFloat(os.Args[1], 64)
		if err != nil || v < 0 {
			fmt.Fprintf(os.Stderr, "usage: %s [SECONDS]\n", os.Args[0])
			os.Exit(2)
		}
		secs = v
	}
	end := time.Now().Add(time.Duration(secs * float64(time.Second)))
	var sink uint64
	for time.Now().Before(end) {
		sink += callC(1 << 19)
		sink += hotGo(1 << 20)
	}
	if sink == 42 {
		fmt.Println(sink)
	}
}
