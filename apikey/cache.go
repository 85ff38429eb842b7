package apikey

import (
	"crypto/sha256"
	"maps"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// entry is a key whose secret this process has proven with argon2id. What
// proves a later request is the SHA-256 digest of the whole key text: a
// key's hash never changes, so the digest stays valid for the key's life.
// The status fields are atomics so the hot path reads them without a lock,
// and they only move one way: a key, once revoked, stays revoked, and its
// expiry only comes earlier (rotation). Updates can therefore arrive in any
// order.
type entry struct {
	digest    [sha256.Size]byte
	principal Principal
	revokedAt atomic.Int64 // unix ns; 0: not revoked
	expiresAt atomic.Int64 // unix ns; math.MaxInt64: never
	rotatedAt atomic.Int64 // unix ns; 0: not rotated
	lastUsed  atomic.Int64 // unix ns of the latest success; 0: none
	flushed   atomic.Int64 // the lastUsed value already written to the store
	evicted   atomic.Bool  // dropped from the cache; see Service.decide
}

func newEntry(r Record, digest [sha256.Size]byte) *entry {
	e := &entry{digest: digest, principal: Principal{
		KeyID: r.ID, OrgID: r.OrgID, Permission: r.Permission, Name: r.Name, Prefix: r.Prefix,
	}}
	e.expiresAt.Store(math.MaxInt64)
	e.merge(r.RevokedAt, r.ExpiresAt, r.RotatedAt)
	return e
}

// merge folds in a key's stored status; see entry for why order is free.
func (e *entry) merge(revokedAt, expiresAt, rotatedAt time.Time) {
	if !rotatedAt.IsZero() {
		e.rotatedAt.CompareAndSwap(0, nonZeroNanos(rotatedAt))
	}
	if !revokedAt.IsZero() {
		e.revokedAt.CompareAndSwap(0, nonZeroNanos(revokedAt))
	}
	if !expiresAt.IsZero() {
		storeMin(&e.expiresAt, expiresAt.UnixNano())
	}
}

// usedGranularity: a success within this long after the recorded one
// leaves it as is. A hot key then costs one atomic load per request instead
// of a compare-and-swap on a cache line every core writes.
const usedGranularity = int64(time.Millisecond)

// used records a success at now (unix ns); the value only moves forward.
func (e *entry) used(now int64) {
	for {
		old := e.lastUsed.Load()
		if now-old < usedGranularity || e.lastUsed.CompareAndSwap(old, now) {
			return
		}
	}
}

func storeMin(v *atomic.Int64, x int64) {
	for {
		old := v.Load()
		if x >= old || v.CompareAndSwap(old, x) {
			return
		}
	}
}

func storeMax(v *atomic.Int64, x int64) {
	for {
		old := v.Load()
		if x <= old || v.CompareAndSwap(old, x) {
			return
		}
	}
}

func nonZeroNanos(t time.Time) int64 {
	if n := t.UnixNano(); n != 0 {
		return n
	}
	return 1
}

// cache maps key ids to entries. The map is copy-on-write: the request
// path loads it with one atomic read and takes no lock (a read lock's two
// atomic adds cost a sixth of the cached path), while writers, under mu,
// publish a modified copy. A write happens only after an argon2id run
// (insert), or on a deleted key or a lost change feed (forget): copying the
// map costs a small fraction of the argon2id run before it, which itself
// allocates Hash.Memory.
//
// Besides the writers, mu guards epoch, which every status change bumps: a
// request that read a key from the store before a concurrent revocation
// must not cache what it read after the revocation has marked the cache
// (see Service.verify).
type cache struct {
	entries atomic.Pointer[map[string]*entry] // never modified once published

	mu    sync.Mutex
	epoch uint64
	max   int
	// pending holds last-used times of evicted entries that were not
	// written yet, so eviction loses none.
	pending map[string]int64
}

func newCache(max int) *cache {
	c := &cache{pending: make(map[string]int64), max: max}
	m := make(map[string]*entry)
	c.entries.Store(&m)
	return c
}

func (c *cache) snapshot() map[string]*entry { return *c.entries.Load() }

func (c *cache) get(id string) *entry { return c.snapshot()[id] }

func (c *cache) currentEpoch() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// insert adds e unless a status change happened since epoch was read. If
// the id is cached already, the cached entry wins and is returned.
func (c *cache) insert(e *entry, epoch uint64) (*entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch {
		return nil, false
	}
	old := c.snapshot()
	if cached := old[e.principal.KeyID]; cached != nil {
		return cached, true
	}
	m := maps.Clone(old)
	if len(m) >= c.max {
		c.evictLocked(m)
	}
	m[e.principal.KeyID] = e
	c.entries.Store(&m)
	return e, true
}

// evictLocked drops from m the least recently used of a few entries; map
// iteration starts at a random place, so this samples at random.
func (c *cache) evictLocked(m map[string]*entry) {
	var victim *entry
	n := 0
	for _, e := range m {
		if victim == nil || e.lastUsed.Load() < victim.lastUsed.Load() {
			victim = e
		}
		if n++; n == 8 {
			break
		}
	}
	if victim == nil {
		return
	}
	c.dropLocked(m, victim)
}

// dropLocked removes e from m, a map not yet published.
func (c *cache) dropLocked(m map[string]*entry, e *entry) {
	// evicted is set before lastUsed is read: a success recorded on e
	// concurrently is either seen here or sees evicted (Service.decide).
	e.evicted.Store(true)
	if lu := e.lastUsed.Load(); lu > e.flushed.Load() && lu > c.pending[e.principal.KeyID] {
		c.pending[e.principal.KeyID] = lu
	}
	delete(m, e.principal.KeyID)
}

// usedAfterEviction keeps a success recorded on an entry that was dropped
// while the request was using it.
func (c *cache) usedAfterEviction(id string, at int64) {
	c.mu.Lock()
	if at > c.pending[id] {
		c.pending[id] = at
	}
	c.mu.Unlock()
}

// apply records a change of a key's status.
func (c *cache) apply(ch Change) {
	c.mu.Lock()
	c.epoch++
	if e := c.snapshot()[ch.ID]; e != nil {
		e.merge(ch.RevokedAt, ch.ExpiresAt, ch.RotatedAt)
	}
	c.mu.Unlock()
}

// forget drops one key (deleted from the store) or, with id "", all keys.
func (c *cache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	old := c.snapshot()
	m := maps.Clone(old)
	for k, e := range old {
		if id == "" || k == id {
			c.dropLocked(m, e)
		}
	}
	c.entries.Store(&m)
}

func (c *cache) len() int { return len(c.snapshot()) }

type pendingUse struct {
	e  *entry // nil for an evicted key
	at int64
}

// unwritten returns every last-used time not yet written to the store.
func (c *cache) unwritten() ([]Use, []pendingUse) {
	c.mu.Lock()
	defer c.mu.Unlock()
	entries := c.snapshot()
	var uses []Use
	var marks []pendingUse
	for id, e := range entries {
		if lu := e.lastUsed.Load(); lu > e.flushed.Load() {
			uses = append(uses, Use{ID: id, At: time.Unix(0, lu).UTC().Truncate(time.Microsecond)})
			marks = append(marks, pendingUse{e, lu})
		}
	}
	for id, lu := range c.pending {
		if e := entries[id]; e != nil && e.lastUsed.Load() >= lu {
			continue // the live entry's time covers it
		}
		uses = append(uses, Use{ID: id, At: time.Unix(0, lu).UTC().Truncate(time.Microsecond)})
		marks = append(marks, pendingUse{nil, lu})
	}
	return uses, marks
}

// written marks what unwritten returned as stored.
func (c *cache) written(uses []Use, marks []pendingUse) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, m := range marks {
		if m.e != nil {
			storeMax(&m.e.flushed, m.at)
		}
		if lu, ok := c.pending[uses[i].ID]; ok && lu <= m.at {
			delete(c.pending, uses[i].ID)
		}
	}
}
