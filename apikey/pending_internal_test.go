package apikey

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

// BenchmarkStats measures Stats on a full cache of each size, every key
// used since the last flush: its cost is PendingUses's scan of the cache.
func BenchmarkStats(b *testing.B) {
	for _, size := range []int{1000, 100_000} {
		b.Run("keys="+strconv.Itoa(size), func(b *testing.B) {
			svc, err := NewService(Config{Store: nopStore{}, CacheSize: size})
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now().UnixNano()
			for i := range size {
				id := fmt.Sprintf("S%011d", i)
				e, err := newEntry(Record{Key: Key{ID: id, OrgID: "org-" + strconv.Itoa(i%1000), Name: "CI deploy", Prefix: "dk_" + id}}, digestOf(id), now)
				if err != nil {
					b.Fatal(err)
				}
				e.used(now)
				if _, ok, _ := svc.cache.insert(e, svc.cache.epochOf(id), now); !ok {
					b.Fatal("insert refused")
				}
			}
			if st := svc.Stats(); st.CachedKeys != size || st.PendingUses != size {
				b.Fatalf("%d keys cached, %d uses pending; want %d", st.CachedKeys, st.PendingUses, size)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				sinkStats = svc.Stats()
			}
		})
	}
}

var sinkStats Stats

// nopStore is a Store that holds nothing.
type nopStore struct{ Store }
