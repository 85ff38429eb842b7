package apikey

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// feedOnlyStore answers Changes and counts every call; any other method
// would panic through the nil Store.
type feedOnlyStore struct {
	Store
	changes atomic.Int64
}

func (s *feedOnlyStore) Changes(context.Context, string) ([]Change, string, error) {
	s.changes.Add(1)
	return []Change{{ID: "k00000000003", RevokedAt: feedTestNow}}, "1", nil
}

var feedTestNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// TestSyncCostIndependentOfCacheSize: reading the change feed is one
// Store.Changes call per Sync whether 10 or 10,000 keys are cached, and no
// other store call. Filling the cache here costs no argon2id, which a
// black-box test (such as store/sqlstore's TestQueryCount, which shows one
// SQL statement per Changes call) cannot avoid.
func TestSyncCostIndependentOfCacheSize(t *testing.T) {
	for _, n := range []int{10, 10_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			st := &feedOnlyStore{}
			svc, err := NewService(Config{Store: st, CacheSize: 2 * n})
			if err != nil {
				t.Fatal(err)
			}
			// The first Sync takes a position (and forgets keys cached
			// before it); fill the cache after it.
			if err := svc.Sync(t.Context()); err != nil {
				t.Fatal(err)
			}
			st.changes.Store(0)
			for i := range n {
				id := fmt.Sprintf("k%011d", i)
				r := Record{Key: Key{ID: id, Prefix: "dk_" + id, OrgID: "org", Permission: Read}}
				if _, ok, _ := svc.cache.insert(mustEntry(r, 0), svc.cache.epochOf(r.ID), 0); !ok {
					t.Fatal("insert refused")
				}
			}
			if got := svc.Stats().CachedKeys; got != n {
				t.Fatalf("CachedKeys = %d, want %d", got, n)
			}
			for range 20 {
				if err := svc.Sync(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			if got := st.changes.Load(); got != 20 {
				t.Fatalf("20 syncs with %d cached keys made %d Changes calls, want 20", n, got)
			}
			if e := svc.cache.get("k00000000003"); e == nil || !e.revoked() {
				t.Fatal("the change was not applied to the cached key")
			}
		})
	}
}
