package apikey

import (
	"runtime"
	"strconv"
	"testing"
)

// BenchmarkCacheMemory fills a cache of each size and reports the heap it
// holds per key (B/key, the largest over the runs): entry, text, ring and
// index together. ns/op is the time to fill it.
func BenchmarkCacheMemory(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run("size="+strconv.Itoa(n), func(b *testing.B) {
			var before, after runtime.MemStats
			worst := 0.0
			for range b.N {
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&before)
				b.StartTimer()
				c := newCache(n)
				fill(c, 0, n)
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&after)
				if c.len() != n {
					b.Fatalf("a cache of %d holds %d keys", n, c.len())
				}
				perKey := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n)
				worst = max(worst, perKey)
				runtime.KeepAlive(c)
				b.StartTimer()
			}
			b.ReportMetric(worst, "B/key")
		})
	}
}
