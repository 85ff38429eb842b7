package apikey

import "sync/atomic"

// Stats are counters since the Service was created.
type Stats struct {
	HashRuns       uint64 // argon2id verifications run
	HashTimeouts   uint64 // requests that waited HashWait for a slot in vain
	CacheHits      uint64 // requests answered from the cache
	CacheMisses    uint64 // requests that needed the store
	Refreshes      uint64 // cached keys re-read because the change feed was stale
	Throttled      uint64 // requests refused by the per-id failure budget (also in Invalid)
	Invalid        uint64 // ErrInvalidKey answers
	Expired        uint64 // ErrKeyExpired answers
	Revoked        uint64 // ErrKeyRevoked answers
	Unavailable    uint64 // ErrUnavailable answers
	Corrupt        uint64 // ErrCorruptHash answers
	Syncs          uint64 // successful change-feed polls
	SyncFailures   uint64
	Flushes        uint64 // successful last-used writes
	FlushFailures  uint64
	CachedKeys     int    // keys in the cache now
	LastUseWritten uint64 // last-used times written
}

type counters struct {
	hashRuns, hashTimeouts, cacheHits, cacheMisses, refreshes, throttled atomic.Uint64
	invalid, expired, revoked, unavailable, corrupt                      atomic.Uint64
	syncs, syncFailures, flushes, flushFailures, usesWritten             atomic.Uint64
}

// Stats returns the Service's counters.
func (s *Service) Stats() Stats {
	c := &s.stats
	return Stats{
		HashRuns: c.hashRuns.Load(), HashTimeouts: c.hashTimeouts.Load(),
		CacheHits: c.cacheHits.Load(), CacheMisses: c.cacheMisses.Load(),
		Refreshes: c.refreshes.Load(), Throttled: c.throttled.Load(),
		Invalid: c.invalid.Load(), Expired: c.expired.Load(), Revoked: c.revoked.Load(),
		Unavailable: c.unavailable.Load(), Corrupt: c.corrupt.Load(),
		Syncs: c.syncs.Load(), SyncFailures: c.syncFailures.Load(),
		Flushes: c.flushes.Load(), FlushFailures: c.flushFailures.Load(),
		CachedKeys: s.cache.len(), LastUseWritten: c.usesWritten.Load(),
	}
}
