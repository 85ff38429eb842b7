package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }

// ms formats a duration in milliseconds with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// mib formats KiB as MiB.
func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

// ratio is a/b, 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// secondsDur is s seconds as a duration.
func secondsDur(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// passFail is a goal's verdict as the scenarios print it.
func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// progressOut receives progress lines of long set-ups.
var progressOut = os.Stderr

// together runs fs at once and returns when all have.
func together(fs ...func()) {
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	wg.Wait()
}
