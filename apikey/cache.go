package apikey

import (
	"errors"
	"hash/maphash"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// entry is a key whose secret this process has proven with argon2id. What
// proves a later request is a digest of the whole key text (digest.go): a
// key's hash never changes, so the digest stays valid for the key's life.
// The status fields are atomics so the hot path reads them without a lock,
// and they only move one way: a key, once revoked, stays revoked, and its
// expiry only comes earlier (rotation). Updates can therefore arrive in any
// order.
//
// An entry is kept small (CacheSize of them live in memory): 80 bytes, one
// allocation for its strings, and one pointer for the collector to scan.
// The display prefix, organization id and name share one string (the key
// id is the tail of the prefix), and the principal is built from slices of
// it on each request, at no allocation.
type entry struct {
	// What an eviction must read after marking the entry evicted comes
	// first, in 16 bytes: the allocator places 80-byte objects 16 bytes
	// apart, so these share one cache line, and evicting a key the CPU has
	// not seen for a while costs one memory read, not two in turn.
	flags     atomic.Uint32 // flagRef, flagEvicted, flagRevoked
	perm      Permission
	prefixLen uint8        // text[:prefixLen] is the display prefix
	orgEnd    uint16       // text[prefixLen:orgEnd] is the organization id; the rest, the name
	lastUsed  atomic.Int64 // unix ns of the latest success; 0: none

	flushed   atomic.Int64 // the lastUsed value already written to the store
	digest    digest
	expiresAt atomic.Int64 // unix ns; math.MaxInt64: never
	rotatedAt atomic.Int64 // unix ns; 0: not rotated
	text      string       // prefix, organization id and name, end to end
	// readAt is when the status was last read from the store (stale.go),
	// unix ns.
	readAt atomic.Int64
}

const (
	flagRef     = 1 << iota // used since the clock hand last passed (CLOCK eviction)
	flagEvicted             // dropped from the cache; see Service.decide
	flagRevoked             // revoked; a revocation is never undone
)

func (e *entry) referenced() bool { return e.flags.Load()&flagRef != 0 }
func (e *entry) isEvicted() bool  { return e.flags.Load()&flagEvicted != 0 }
func (e *entry) markEvicted()     { e.flags.Or(flagEvicted) }
func (e *entry) revoked() bool    { return e.flags.Load()&flagRevoked != 0 }

// errPrefixMismatch: a stored record whose display prefix does not end
// with its id, which no Service writes.
var errPrefixMismatch = errors.New("stored display prefix does not end with the key id")

// errTextTooLong: a stored display prefix or organization id longer than
// an entry can hold; no Service writes one (maxPrefixLen, validateOrg).
var errTextTooLong = errors.New("stored display prefix or organization id is too long")

func newEntry(r Record, d digest, readAt int64) (*entry, error) {
	if len(r.ID) != IDLen || !strings.HasSuffix(r.Prefix, "_"+r.ID) {
		return nil, errPrefixMismatch
	}
	orgEnd := len(r.Prefix) + len(r.OrgID)
	if len(r.Prefix) > math.MaxUint8 || orgEnd > math.MaxUint16 {
		return nil, errTextTooLong
	}
	e := &entry{digest: d, text: r.Prefix + r.OrgID + r.Name, perm: r.Permission,
		prefixLen: uint8(len(r.Prefix)), orgEnd: uint16(orgEnd)} // #nosec G115 -- both checked above
	e.expiresAt.Store(math.MaxInt64)
	e.readAt.Store(readAt)
	e.merge(r.RevokedAt, r.ExpiresAt, r.RotatedAt)
	return e, nil
}

// id returns the key id: the end of the display prefix.
func (e *entry) id() string { return e.text[e.prefixLen-IDLen : e.prefixLen] }

// principal fills in p, which is zero, for e.
func (e *entry) principal(p *Principal) {
	p.KeyID, p.OrgID, p.Permission = e.id(), e.text[e.prefixLen:e.orgEnd], e.perm
	p.Name, p.Prefix = e.text[e.orgEnd:], e.text[:e.prefixLen]
	if exp := e.expiresAt.Load(); exp != math.MaxInt64 {
		p.ExpiresAt = time.Unix(0, exp).UTC()
	}
	if rot := e.rotatedAt.Load(); rot != 0 {
		p.RotatedAt = time.Unix(0, rot).UTC()
	}
}

// merge folds in a key's stored status; see entry for why order is free.
func (e *entry) merge(revokedAt, expiresAt, rotatedAt time.Time) {
	if !rotatedAt.IsZero() {
		e.rotatedAt.CompareAndSwap(0, nonZeroNanos(rotatedAt))
	}
	if !revokedAt.IsZero() && !e.revoked() {
		e.flags.Or(flagRevoked)
	}
	if !expiresAt.IsZero() {
		storeMin(&e.expiresAt, expiresAt.UnixNano())
	}
}

// touch marks e as used for the clock hand. The flag is written only when
// it changes, so a hot key costs one load, not a store to a cache line
// every core reads.
func (e *entry) touch() {
	if !e.referenced() {
		e.flags.Or(flagRef)
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

// cache maps key ids to entries. It is split into shards, each a map with
// its own lock and its own CLOCK ring: the request path takes one shard's
// read lock for a map lookup (no allocation, and no lock shared by all
// keys), and an insert costs O(1) whatever the size, with no copy of
// anything.
//
// Eviction is CLOCK (second chance): each shard keeps its entries in a
// ring; a request sets its entry's ref flag; an insert into a full shard
// advances the shard's hand, clearing flags, to the first entry not used
// since the hand last passed, and replaces it. It approximates LRU with no
// list to update on the request path.
//
// Each shard also keeps an epoch, which every status change of one of its
// keys bumps: a request that read a key from the store before a concurrent
// revocation must not cache what it read after the revocation has marked
// the cache (see Service.verify).
type cache struct {
	seed   maphash.Seed
	shards []shard
	mask   uint64
	size   int          // Config.CacheSize
	n      atomic.Int64 // entries cached

	evictions       atomic.Uint64
	recentEvictions atomic.Uint64 // of entries used within recentUse

	pendingMu sync.Mutex
	// pending holds last-used times of evicted entries that were not
	// written yet, so eviction loses none.
	pending map[string]int64
}

// recentUse: evicting a key used this recently means the cache is too
// small for the keys in use (Service warns).
const recentUse = int64(time.Minute)

type shard struct {
	mu sync.RWMutex
	// hits counts the requests answered from this shard's entries
	// (Stats.CacheHits). It shares the cache line of the lock, which
	// every lookup writes anyway: a counter for the whole Service would
	// be one more line that every request on every core writes.
	hits  atomic.Uint64
	index []slot // id -> ring position (cacheindex.go)
	imask uint32
	ring  []ringSlot
	hand  int
	max   int
	epoch uint64
	// staged is the ring position of the entry the latest insert added,
	// which is not in the index yet (settle), or -1.
	staged int
	_      [8]byte // 128 bytes: shards start on cache lines of their own
}

// ringSlot is an entry in its shard's ring, with the fingerprint that
// finds its index slot: an eviction locates the victim's slot without
// reading the victim first (cache.insert).
type ringSlot struct {
	e  *entry
	fp uint16
}

// shardsFor picks the number of shards for a cache of size keys: a power
// of two, at most 256, with at least 256 keys per shard so that each
// shard's CLOCK sees enough keys to approximate LRU; and more than 256 if
// a shard would otherwise hold more than its index can (maxShardKeys,
// with the quarter more a shard may get, see newCache).
func shardsFor(size int) int {
	n := 1
	for n < 256 && n*2*256 <= size {
		n *= 2
	}
	for size/n+size/n/4+2 > maxShardKeys {
		n *= 2
	}
	return n
}

func newCache(size int) *cache {
	n := shardsFor(size)
	c := &cache{seed: maphash.MakeSeed(), shards: make([]shard, n), mask: uint64(n - 1), size: size, pending: make(map[string]int64)} // #nosec G115 -- n is a power of two at most size
	for i := range c.shards {
		sh := &c.shards[i]
		// Ids spread unevenly: a shard may hold a quarter more than its
		// share, and the count of the whole cache keeps it to size.
		sh.max = size / n
		if i < size%n {
			sh.max++
		}
		if n > 1 {
			sh.max += sh.max / 4
		}
		sh.index, sh.imask = newIndex(sh.max)
		sh.ring = make([]ringSlot, 0, sh.max)
		sh.staged = -1
	}
	return c
}

func (c *cache) shard(id string) (*shard, uint16) {
	h := maphash.String(c.seed, id)
	return &c.shards[h&c.mask], fingerprint(h)
}

func (c *cache) get(id string) *entry {
	e, _ := c.lookup(id)
	return e
}

// lookup is get, and also returns id's shard, where a hit is counted.
func (c *cache) lookup(id string) (*entry, *shard) {
	sh, fp := c.shard(id)
	sh.mu.RLock()
	_, e := sh.find(id, fp)
	if e == nil {
		e = sh.stagedAs(id, fp)
	}
	sh.mu.RUnlock()
	return e, sh
}

// hits returns the requests answered from the cache, over all shards.
func (c *cache) hits() uint64 {
	var n uint64
	for i := range c.shards {
		n += c.shards[i].hits.Load()
	}
	return n
}

// epochOf returns the epoch of id's shard.
func (c *cache) epochOf(id string) uint64 {
	sh, _ := c.shard(id)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return sh.epoch
}

// eviction describes an entry insert dropped to make room.
type eviction struct {
	happened bool
	recent   bool // it had been used within recentUse of now
}

// insert adds e unless a status change in its shard happened since epoch
// was read. If the id is cached already, the cached entry wins: it is
// returned now if the check is free, and otherwise e is returned for the
// request at hand and dropped by the shard's next write (settle). now
// (unix ns) tells whether an evicted entry was in recent use.
//
// In a cache of a million keys, the index slot of a new id is a read that
// misses every CPU cache, and nothing knows the id before the insert. So
// an insert does not read it: it puts e in the ring, where lookups find
// it as the shard's staged entry, and starts that read; the shard's next
// write indexes e, by which time the read is done. An insert in turn
// settles the entry staged before it in the shard.
func (c *cache) insert(e *entry, epoch uint64, now int64) (*entry, bool, eviction) {
	id := e.id()
	sh, fp := c.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.epoch != epoch {
		return nil, false, eviction{}
	}
	if cached := sh.stagedAs(id, fp); cached != nil {
		return cached, true, eviction{}
	}
	c.settle(sh)
	if sh.max == 0 {
		e.markEvicted() // a shard without room: nothing is kept
		return e, true, eviction{}
	}
	if len(sh.ring) < sh.max && (c.n.Load() < int64(c.size) || len(sh.ring) == 0) {
		sh.ring = append(sh.ring, ringSlot{e, fp})
		sh.stage(len(sh.ring) - 1)
		c.n.Add(1)
		return e, true, eviction{}
	}
	// Second chance: at most one full turn clears every flag, so the loop
	// ends within two turns.
	for sh.ring[sh.hand].e.referenced() {
		sh.ring[sh.hand].e.flags.And(^uint32(flagRef))
		sh.advance()
	}
	// The victim and its slot were prefetched by the shard's previous
	// eviction (prefetchVictim). The victim's slot is found from the
	// ring's fingerprint, not from the victim, so the reads are
	// independent; markEvicted, a locked instruction, waits for all of
	// them at once instead of each in turn.
	pos := sh.hand
	victim := sh.ring[pos].e
	vat := sh.slotOf(pos)
	ev := c.dropLocked(victim, now)
	sh.unindex(vat)
	sh.ring[pos] = ringSlot{e, fp}
	sh.stage(pos)
	sh.advance()
	sh.prefetchVictim()
	c.evictions.Add(1)
	if ev.recent {
		c.recentEvictions.Add(1)
	}
	return e, true, ev
}

// stage makes the entry at ring position pos the shard's staged one, and
// starts the read of its index slot that settle needs.
func (sh *shard) stage(pos int) {
	sh.staged = pos
	prefetchSlot(&sh.index[uint32(sh.ring[pos].fp)&sh.imask])
}

// stagedAs returns the staged entry if it is id's.
func (sh *shard) stagedAs(id string, fp uint16) *entry {
	if sh.staged < 0 {
		return nil
	}
	if rs := sh.ring[sh.staged]; rs.fp == fp && rs.e.id() == id {
		return rs.e
	}
	return nil
}

// settle indexes the staged entry, if any. If its id is cached already
// (two requests verified one key at once), the cached entry wins and the
// staged one is dropped, with its use kept. Every write to a shard
// settles it first, so that only lookups see a staged entry.
func (c *cache) settle(sh *shard) {
	if sh.staged < 0 {
		return
	}
	pos := sh.staged
	sh.staged = -1
	rs := sh.ring[pos]
	at, cached := sh.find(rs.e.id(), rs.fp)
	if cached == nil {
		sh.index[at] = slot{fp: rs.fp, pos: uint16(pos)} // #nosec G115 -- a shard holds at most maxShardKeys entries
		return
	}
	c.dropLocked(rs.e, 0)
	c.unring(sh, pos)
}

// prefetchVictim starts reading the entry under the clock hand and the
// start of its index slot's probe: the shard's next insert evicts it,
// unless a request uses it first. In a cache of a million keys those two
// reads miss every CPU cache; started now, they are done by the time the
// next insert, some hundreds of inserts into other shards later, needs
// them. A prefetch is a hint: it changes nothing the program computes.
func (sh *shard) prefetchVictim() {
	rs := sh.ring[sh.hand]
	prefetchEntry(rs.e)
	prefetchSlot(&sh.index[uint32(rs.fp)&sh.imask])
}

// advance moves the clock hand to the next ring position.
func (sh *shard) advance() {
	if sh.hand++; sh.hand == len(sh.ring) {
		sh.hand = 0
	}
}

// dropLocked marks e evicted and keeps its unwritten use; the caller
// updates the index, the ring and the count. now (unix ns) tells whether
// e was in recent use.
func (c *cache) dropLocked(e *entry, now int64) eviction {
	// flushed is read before the locked instruction of markEvicted, so
	// that its cache line, when it is not the flags', is fetched with
	// them. It only grows, so an earlier read can only keep a use that a
	// concurrent flush has just written (to be written once more), never
	// lose one.
	flushed := e.flushed.Load()
	// evicted is set before lastUsed is read: a success recorded on e
	// concurrently is either seen here or sees evicted (Service.decide).
	e.markEvicted()
	lu := e.lastUsed.Load()
	if lu > flushed {
		id := e.id()
		c.pendingMu.Lock()
		if lu > c.pending[id] {
			c.pending[id] = lu
		}
		c.pendingMu.Unlock()
	}
	return eviction{happened: true, recent: now-lu < recentUse}
}

// removeLocked drops the entry of index slot at from sh.
func (c *cache) removeLocked(sh *shard, at uint32) {
	pos := sh.index[at].pos
	c.dropLocked(sh.ring[pos].e, 0)
	sh.unindex(at)
	c.unring(sh, int(pos))
}

// unring takes the entry at ring position pos, which is not indexed, out
// of the ring.
func (c *cache) unring(sh *shard, pos int) {
	last := len(sh.ring) - 1
	if pos != last {
		sh.index[sh.slotOf(last)].pos = uint16(pos) // #nosec G115 -- a ring position
		sh.ring[pos] = sh.ring[last]
	}
	sh.ring[last] = ringSlot{}
	sh.ring = sh.ring[:last]
	if sh.hand >= len(sh.ring) {
		sh.hand = 0
	}
	c.n.Add(-1)
}

// usedAfterEviction keeps a success recorded on an entry that was dropped
// while the request was using it.
func (c *cache) usedAfterEviction(id string, at int64) {
	c.pendingMu.Lock()
	if at > c.pending[id] {
		c.pending[id] = at
	}
	c.pendingMu.Unlock()
}

// apply records a change of a key's status.
func (c *cache) apply(ch Change) {
	sh, fp := c.shard(ch.ID)
	sh.mu.Lock()
	sh.epoch++
	c.settle(sh)
	if _, e := sh.find(ch.ID, fp); e != nil {
		e.merge(ch.RevokedAt, ch.ExpiresAt, ch.RotatedAt)
	}
	sh.mu.Unlock()
}

// forget drops one key (deleted from the store).
func (c *cache) forget(id string) {
	sh, fp := c.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.epoch++
	c.settle(sh)
	if at, e := sh.find(id, fp); e != nil {
		c.removeLocked(sh, at)
	}
}

// forgetAll drops every key (a lost change feed).
func (c *cache) forgetAll() {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.epoch++
		for _, rs := range sh.ring {
			c.dropLocked(rs.e, 0)
		}
		c.n.Add(-int64(len(sh.ring)))
		clear(sh.index)
		clear(sh.ring)
		sh.ring, sh.hand, sh.staged = sh.ring[:0], 0, -1
		sh.mu.Unlock()
	}
}

func (c *cache) len() int { return int(c.n.Load()) }

type pendingUse struct {
	e  *entry // nil for an evicted key
	at int64
}

// unwritten returns every last-used time not yet written to the store.
func (c *cache) unwritten() ([]Use, []pendingUse) {
	var uses []Use
	var marks []pendingUse
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		for _, rs := range sh.ring {
			if lu, ok := rs.e.unflushed(); ok {
				uses = append(uses, Use{ID: rs.e.id(), At: time.Unix(0, lu).UTC().Truncate(time.Microsecond)})
				marks = append(marks, pendingUse{rs.e, lu})
			}
		}
		sh.mu.RUnlock()
	}
	c.eachEvictedUse(func(id string, lu int64) {
		uses = append(uses, Use{ID: id, At: time.Unix(0, lu).UTC().Truncate(time.Microsecond)})
		marks = append(marks, pendingUse{nil, lu})
	})
	return uses, marks
}

// unflushed returns e's last-used time, and whether it is newer than what
// was written to the store.
func (e *entry) unflushed() (int64, bool) {
	lu := e.lastUsed.Load()
	return lu, lu > e.flushed.Load()
}

// eachEvictedUse calls f for each last-used time kept for an evicted key
// that no cached entry's time covers: with the cached entries' unflushed
// times, what the next Flush writes. It must not be called under a shard
// lock.
func (c *cache) eachEvictedUse(f func(id string, lu int64)) {
	// Copied first: the shard locks are taken before pendingMu elsewhere.
	c.pendingMu.Lock()
	if len(c.pending) == 0 {
		c.pendingMu.Unlock()
		return
	}
	type use struct {
		id string
		lu int64
	}
	evicted := make([]use, 0, len(c.pending))
	for id, lu := range c.pending {
		evicted = append(evicted, use{id, lu})
	}
	c.pendingMu.Unlock()
	for _, u := range evicted {
		if e := c.get(u.id); e != nil && e.lastUsed.Load() >= u.lu {
			continue // the cached entry's time covers it
		}
		f(u.id, u.lu)
	}
}

// written marks what unwritten returned as stored.
func (c *cache) written(uses []Use, marks []pendingUse) {
	c.pendingMu.Lock()
	defer c.pendingMu.Unlock()
	for i, m := range marks {
		if m.e != nil {
			storeMax(&m.e.flushed, m.at)
		}
		if lu, ok := c.pending[uses[i].ID]; ok && lu <= m.at {
			delete(c.pending, uses[i].ID)
		}
	}
}

// noteEviction warns, at most once a minute, when the cache evicts keys
// used within the last minute: the keys in use no longer fit in
// CacheSize, and each of them now costs an argon2id run whenever it comes
// back. The warning comes before the cliff, not after.
func (s *Service) noteEviction(ev eviction, now int64) {
	if !ev.recent {
		return
	}
	last := s.warnedAt.Load()
	if last != 0 && now-last < int64(time.Minute) || !s.warnedAt.CompareAndSwap(last, now) {
		return
	}
	s.cfg.Logger.Warn("keyauth: the key cache is evicting keys used within the last minute; raise Config.CacheSize above the number of keys in use",
		"cache_size", s.cfg.CacheSize, "evictions", s.cache.evictions.Load(), "recent_evictions", s.cache.recentEvictions.Load())
}
