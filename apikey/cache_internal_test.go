package apikey

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// cacheRecord is a record shaped like a real one: 12-character id, a
// display prefix, an organization id and a name of typical lengths.
func cacheRecord(i int) Record {
	id := fmt.Sprintf("K%011d", i)
	return Record{Key: Key{ID: id, OrgID: "org-" + strconv.Itoa(i%1000), Name: "CI deploy " + strconv.Itoa(i%100),
		Prefix: "dk_" + id, Permission: Read}}
}

// mustEntry is newEntry of a well-formed record.
func mustEntry(r Record, readAt int64) *entry {
	e, err := newEntry(r, digestOf(r.ID), readAt)
	if err != nil {
		panic(err)
	}
	return e
}

func fill(c *cache, from, n int) {
	for i := from; i < from+n; i++ {
		r := cacheRecord(i)
		if _, ok, _ := c.insert(mustEntry(r, 0), c.epochOf(r.ID), 0); !ok {
			panic("insert refused")
		}
	}
}

// settleAll indexes every shard's staged entry, as the next write to the
// shard would.
func settleAll(c *cache) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		c.settle(sh)
		sh.mu.Unlock()
	}
}

// checkIndex settles every shard and checks that its index and its ring
// hold the same entries.
func checkIndex(t *testing.T, c *cache) {
	t.Helper()
	settleAll(c)
	for i := range c.shards {
		sh := &c.shards[i]
		used := 0
		for _, s := range sh.index {
			if s.fp != 0 {
				used++
			}
		}
		if len(sh.ring) != used {
			t.Fatalf("shard %d: ring %d, index %d", i, len(sh.ring), used)
		}
		for pos, rs := range sh.ring {
			if s := sh.index[sh.slotOf(pos)]; int(s.pos) != pos || c.get(rs.e.id()) != rs.e {
				t.Fatalf("shard %d: entry at %d is indexed at %d", i, pos, s.pos)
			}
		}
	}
}

// CLOCK keeps the keys used since the hand last passed and evicts the
// others first; the cache never holds more than its size.
func TestCacheEvictsUnusedKeysFirst(t *testing.T) {
	c := newCache(300) // one shard
	fill(c, 0, 300)
	for i := range 100 {
		c.get(cacheRecord(i).ID).touch()
	}
	fill(c, 300, 100)
	settleAll(c)
	if c.len() != 300 {
		t.Fatalf("len %d, want 300", c.len())
	}
	for i := range 100 {
		if c.get(cacheRecord(i).ID) == nil {
			t.Fatalf("used key %d was evicted", i)
		}
	}
	for i := 100; i < 200; i++ {
		if c.get(cacheRecord(i).ID) != nil {
			t.Fatalf("unused key %d survived while used ones were kept", i)
		}
	}
	if got := c.evictions.Load(); got != 100 {
		t.Fatalf("evictions %d, want 100", got)
	}
	// Removing keys keeps the ring consistent.
	for i := 0; i < 400; i += 3 {
		c.forget(cacheRecord(i).ID)
	}
	fill(c, 1000, 500)
	if c.len() != 300 {
		t.Fatalf("len %d after forgets and inserts, want 300", c.len())
	}
	checkIndex(t, c)
}

// The index stays correct under churn, fingerprint collisions included:
// every cached key is found, no forgotten one is.
func TestCacheIndexUnderChurn(t *testing.T) {
	c := newCache(256)
	sh := &c.shards[0]
	live := map[string]bool{}
	for i := range 20_000 {
		r := cacheRecord(i)
		e := mustEntry(r, 0)
		switch i % 5 {
		case 0, 1, 2:
			c.insert(e, c.epochOf(r.ID), 0)
		case 3:
			c.forget(cacheRecord(i - 2).ID)
		case 4:
			// An id cached already keeps its entry.
			first := c.get(cacheRecord(i - 4).ID)
			again := mustEntry(cacheRecord(i-4), 0)
			c.insert(again, c.epochOf(again.id()), 0)
			if first != nil {
				settleAll(c)
				if got := c.get(again.id()); got != first || !again.isEvicted() {
					t.Fatalf("key %d inserted again: cached %p (first %p), second entry evicted %v", i-4, got, first, again.isEvicted())
				}
			}
		}
	}
	checkIndex(t, c)
	for _, rs := range sh.ring {
		live[rs.e.id()] = true
	}
	if len(live) != len(sh.ring) || c.len() != len(sh.ring) {
		t.Fatalf("%d distinct ids in a ring of %d, len %d", len(live), len(sh.ring), c.len())
	}
	for i := range 20_000 {
		id := cacheRecord(i).ID
		if got := c.get(id) != nil; got != live[id] {
			t.Fatalf("key %d: found %v, cached %v", i, got, live[id])
		}
	}
}

func TestShardsFor(t *testing.T) {
	for size, want := range map[int]int{1: 1, 2: 1, 511: 1, 512: 2, 10_000: 32, 100_000: 256, 1_000_000: 256} {
		n := want
		if got := shardsFor(size); got != want {
			t.Errorf("shardsFor(%d) = %d, want %d", size, got, want)
		}
		c := newCache(size)
		total := 0
		for i := range c.shards {
			total += c.shards[i].max
		}
		if total < size || n > 1 && total > size+size/4+n {
			t.Errorf("size %d: shards hold up to %d", size, total)
		}
	}
	// Past a few million keys, shards are added so that each shard's index
	// fits its 16-bit fields. (The caches themselves are too large to
	// build here; newCache computes each shard's room as below.)
	for size, want := range map[int]int{6_000_000: 256, 7_000_000: 512, 10_000_000: 512, 100_000_000: 4096, math.MaxInt32: 131072} {
		n := shardsFor(size)
		if n != want {
			t.Errorf("shardsFor(%d) = %d, want %d", size, n, want)
		}
		if room := size/n + 1 + (size/n+1)/4; room > maxShardKeys {
			t.Errorf("size %d: a shard may hold %d keys, more than %d", size, room, maxShardKeys)
		}
	}
}

// Shards are allocated together, and each is a whole number of cache
// lines, so that the lock and the hit counter of one, written by every
// lookup, are never in a line of another.
func TestShardSize(t *testing.T) {
	if got := unsafe.Sizeof(shard{}); got%64 != 0 {
		t.Errorf("a shard is %d bytes, not a whole number of 64-byte lines", got)
	}
}

// An index slot is 4 bytes, and a shard's index stays within what its
// 16-bit fields address.
func TestIndexSlot(t *testing.T) {
	if got := unsafe.Sizeof(slot{}); got != 4 {
		t.Errorf("a slot is %d bytes, want 4", got)
	}
	if _, mask := newIndex(maxShardKeys); mask != maxIndexSlots-1 {
		t.Errorf("the index for %d keys has mask %#x, want %#x", maxShardKeys, mask, maxIndexSlots-1)
	}
	for _, h := range []uint64{0, 1 << 31, 0xFFFF_0000_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF} {
		if fingerprint(h) == 0 {
			t.Errorf("fingerprint(%#x) = 0, which marks an empty slot", h)
		}
	}
}

// TestCacheBytesPerKey measures the memory a cached key costs (entry,
// principal strings, index and ring slots), for the figure in the docs:
// at most 200 bytes.
func TestCacheBytesPerKey(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 100,000 entries")
	}
	const n = 100_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := newCache(n)
	fill(c, 0, n)
	runtime.GC()
	runtime.ReadMemStats(&after)
	perKey := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.0f bytes per cached key (%d keys)", perKey, c.len())
	if c.len() != n {
		t.Errorf("a cache of %d holds %d keys", n, c.len())
	}
	runtime.KeepAlive(c)
	if perKey > 200 {
		t.Fatalf("%.0f bytes per cached key, want at most 200", perKey)
	}
}

// An entry fits the allocator's 80-byte size class, and what an eviction
// reads after marking it evicted lies in its first 16 bytes, which the
// allocator keeps within one cache line (80-byte objects start 16 bytes
// apart).
func TestCacheEntrySize(t *testing.T) {
	if got := unsafe.Sizeof(entry{}); got > 80 {
		t.Errorf("an entry is %d bytes, want at most 80", got)
	}
	var e entry
	for name, end := range map[string]uintptr{
		"flags":    unsafe.Offsetof(e.flags) + unsafe.Sizeof(e.flags),
		"lastUsed": unsafe.Offsetof(e.lastUsed) + unsafe.Sizeof(e.lastUsed),
	} {
		if end > 16 {
			t.Errorf("entry.%s ends at byte %d, want within the first 16", name, end)
		}
	}
}

// An entry slices the principal's strings out of one text.
func TestCacheEntryPrincipal(t *testing.T) {
	r := cacheRecord(7)
	e := mustEntry(r, 0)
	want := Principal{KeyID: r.ID, OrgID: r.OrgID, Permission: r.Permission, Name: r.Name, Prefix: r.Prefix}
	var got Principal
	if e.principal(&got); got != want {
		t.Errorf("principal() = %+v, want %+v", got, want)
	}
	r.Prefix = strings.Repeat("x", 300) + "_" + r.ID
	if _, err := newEntry(r, digest{}, 0); !errors.Is(err, errTextTooLong) {
		t.Errorf("newEntry of a 313-byte prefix: %v, want errTextTooLong", err)
	}
}

// BenchmarkCacheInsert inserts a new key into a full cache of each size
// (each insert evicts one): the cost must not grow with the size. The
// cache is filled, and the new entries are built, outside the timer, and
// the collection of what that allocated is finished before the timer
// starts (the inserts allocate nothing).
func BenchmarkCacheInsert(b *testing.B) {
	for _, size := range []int{1000, 100_000, 1_000_000} {
		b.Run("size="+strconv.Itoa(size), func(b *testing.B) {
			c := newCache(size)
			fill(c, 0, size)
			now := time.Now().UnixNano()
			fresh := make([]*entry, b.N)
			for i := range fresh {
				fresh[i] = mustEntry(cacheRecord(size+i), now)
			}
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e := fresh[i]
				if _, ok, _ := c.insert(e, c.epochOf(e.id()), now); !ok {
					b.Fatal("insert refused")
				}
			}
		})
	}
}

// An insert leaves its entry staged, in the ring but not in the index,
// until the shard's next write settles it. A staged entry is found,
// revoked and forgotten like a settled one, and one whose id turns out to
// be cached already is dropped with its use kept: each id is cached once.
func TestCacheStagedEntry(t *testing.T) {
	c := newCache(300) // one shard
	fill(c, 0, 300)
	settleAll(c)
	sh := &c.shards[0]
	stagedIs := func(e *entry) bool { return sh.staged >= 0 && sh.ring[sh.staged].e == e }
	e := mustEntry(cacheRecord(300), 0)
	if got, ok, _ := c.insert(e, c.epochOf(e.id()), 0); !ok || got != e {
		t.Fatalf("insert = %p, %v, want the new entry", got, ok)
	}
	if !stagedIs(e) || c.get(e.id()) != e || c.len() != 300 || c.evictions.Load() != 1 {
		t.Fatalf("after an insert: staged %v, found %v, len %d, evictions %d", stagedIs(e), c.get(e.id()) == e, c.len(), c.evictions.Load())
	}
	// The same id again, before the shard's next write: the staged entry
	// is the cached one.
	if got, _, _ := c.insert(mustEntry(cacheRecord(300), 0), c.epochOf(e.id()), 0); got != e || c.evictions.Load() != 1 {
		t.Fatalf("second insert of a staged id = %p (evictions %d), want the staged %p", got, c.evictions.Load(), e)
	}
	c.apply(Change{ID: e.id(), RevokedAt: time.Unix(1, 0)})
	if !e.revoked() || sh.staged >= 0 || c.get(e.id()) != e {
		t.Fatalf("a change of the staged key: revoked %v, still staged %v", e.revoked(), sh.staged >= 0)
	}

	// An id cached already, inserted again: the caller gets its own entry
	// for the request at hand, the cache keeps the first one.
	first := c.get(cacheRecord(5).ID)
	again := mustEntry(cacheRecord(5), 0)
	if got, ok, _ := c.insert(again, c.epochOf(again.id()), 0); !ok || got != again {
		t.Fatalf("insert of a cached id = %p, %v", got, ok)
	}
	if c.get(again.id()) != first {
		t.Fatal("a staged copy hides the cached entry")
	}
	// Its use is kept: listed for the next write (RecordUse keeps the
	// later of two times for one id), and after the shard's next write,
	// which drops it, kept with the evicted keys' uses.
	first.lastUsed.Store(int64(100 * time.Microsecond))
	again.lastUsed.Store(int64(200 * time.Microsecond))
	if got := latestUse(c, again.id()); got != 200*time.Microsecond {
		t.Fatalf("latest unwritten use of the twice-inserted key: %v, want 200µs", got)
	}
	settleAll(c)
	if !again.isEvicted() || first.isEvicted() || c.get(again.id()) != first || c.len() != 299 {
		t.Fatalf("after settling: copy evicted %v, first evicted %v, len %d", again.isEvicted(), first.isEvicted(), c.len())
	}
	if got := latestUse(c, again.id()); got != 200*time.Microsecond {
		t.Fatalf("latest unwritten use after settling: %v, want 200µs", got)
	}

	// Forgetting a staged key.
	f := mustEntry(cacheRecord(301), 0)
	c.insert(f, c.epochOf(f.id()), 0)
	if !stagedIs(f) || c.len() != 300 {
		t.Fatalf("an insert into the room the copy left: staged %v, len %d", stagedIs(f), c.len())
	}
	c.forget(f.id())
	if c.get(f.id()) != nil || !f.isEvicted() || c.len() != 299 {
		t.Fatalf("forgotten staged key: found %v, evicted %v, len %d", c.get(f.id()) != nil, f.isEvicted(), c.len())
	}
	checkIndex(t, c)
	// And dropping every key drops the staged one.
	g := mustEntry(cacheRecord(302), 0)
	c.insert(g, c.epochOf(g.id()), 0)
	c.forgetAll()
	if c.get(g.id()) != nil || !g.isEvicted() || c.len() != 0 {
		t.Fatalf("after forgetAll: staged key found %v, evicted %v, len %d", c.get(g.id()) != nil, g.isEvicted(), c.len())
	}
}

// latestUse returns the latest of the unwritten uses of id, as a duration
// since the epoch.
func latestUse(c *cache, id string) time.Duration {
	uses, _ := c.unwritten()
	var at time.Duration
	for _, u := range uses {
		if d := time.Duration(u.At.UnixNano()); u.ID == id && d > at {
			at = d
		}
	}
	return at
}
