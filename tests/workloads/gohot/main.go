// gohot: a Go program that spends 60% of its CPU time in main.hotA and 40% in main.hotB, for
// the seconds given as its argument (default 1.5). The Makefile builds it twice: wl-gohot as go
// build makes it (symbols and DWARF) and wl-gohot-stripped with -ldflags='-s -w' (neither), so
// that the second can only be symbolized from the .gopclntab line table.
//
// The split is exact whatever the scheduler does: both functions run the same loop, hotA for 3
// units of iterations per round and hotB for 2, and the clock is read between rounds only.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

const unit = 1 << 20 // iterations: about a millisecond

//go:noinline
func hotA(n int) uint64 {
	var acc uint64
	for i := 0; i < n; i++ {
		acc = acc*6364136223846793005 + uint64(i) // HOT_A
	}
	return acc
}

//go:noinline
func hotB(n int) uint64 {
	var acc uint64
	for i := 0; i < n; i++ {
		acc = acc*6364136223846793005 + uint64(i) // HOT_B
	}
	return acc
}

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
		sink += hotA(3 * unit)
		sink += hotB(2 * unit)
	}
	if sink == 42 {
		fmt.Println(sink)
	}
}
