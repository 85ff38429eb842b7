package apikey

import (
	"sync/atomic"
	"time"
)

// Stats are counters since the Service was created, a few gauges (marked
// "now") and the settings they are measured against. Counters only grow;
// read them twice and subtract for rates. Each refusal by Authenticate is
// in exactly one of the outcome counters; successes are not counted (the
// caller counts its requests).
type Stats struct {
	// Outcomes of Authenticate.
	Invalid     uint64 // ErrInvalidKey answers, whatever the reason
	Expired     uint64 // ErrKeyExpired answers
	Revoked     uint64 // ErrKeyRevoked answers
	Unavailable uint64 // ErrUnavailable answers (ErrClosed included)
	Corrupt     uint64 // ErrCorruptHash answers

	// The cache of verified keys.
	CacheHits       uint64 // well-formed keys whose exact text was cached (then checked for status)
	CacheMisses     uint64 // well-formed keys whose text was not cached: the cold path
	CachedKeys      int    // keys in the cache now
	CacheSize       int    // Config.CacheSize
	Evictions       uint64 // keys dropped to make room
	RecentEvictions uint64 // of those, keys used within the minute before: CacheSize is too small

	// The cold path, in the order it runs.
	StoreReads uint64 // Store.Get calls made to authenticate (cold reads, re-reads after a concurrent change, Refreshes)
	KeptReads  uint64 // cold requests answered from the read of their id kept for a second, with no store read
	KeptIDs    int    // ids whose read is kept now
	UnknownIDs uint64 // refusals of a well-formed key whose id is not in the store (also in Invalid)
	TagRejects uint64 // wrong secrets refused by the check tag, with no argon2id run (also in Invalid)
	Throttled  uint64 // ErrUnavailable answers given without a store read, because a read for the key failed less than a second before (also in Unavailable)

	// argon2id.
	HashRuns         uint64 // argon2id verifications run
	HashFailures     uint64 // of those, runs that refused the secret (rows without a tag yet, or a wrong secret that passed the 32-bit tag)
	HashWaits        uint64 // argon2id runs (and Creates) that found every slot taken and waited for one, whether they got it or not
	HashTimeouts     uint64 // requests that waited HashWait for a slot in vain (also in Unavailable)
	HashSlots        int    // Config.MaxConcurrentHashes
	HashSlotsInUse   int    // argon2id runs (or Creates hashing) now
	TagsWritten      uint64 // tags written for keys verified without one (Store.SetTag)
	TagWriteFailures uint64 // such writes that failed (retried on the key's next verification)

	// The stale path: the change feed older than MaxStaleness.
	Refreshes uint64 // store reads of a cached key's status (at most one per key per second; also in StoreReads)

	// Background work (Run, Sync, Flush, Close).
	Syncs          uint64    // successful change-feed polls
	SyncFailures   uint64    // failed change-feed polls
	LastSync       time.Time // start of the last successful poll; zero: none yet
	Flushes        uint64    // successful last-used writes
	FlushFailures  uint64    // failed last-used writes (retried)
	LastUseWritten uint64    // last-used times written
	PendingUses    int       // last-used times recorded but not written yet, now: what the next flush writes
}

type counters struct {
	invalid, expired, revoked, unavailable, corrupt          atomic.Uint64
	cacheMisses                                              atomic.Uint64 // hits are counted per cache shard
	storeReads, keptReads, unknownIDs, tagRejects, throttled atomic.Uint64
	hashRuns, hashFailures, hashWaits, hashTimeouts          atomic.Uint64
	tagsWritten, tagWriteFailures                            atomic.Uint64
	refreshes                                                atomic.Uint64
	syncs, syncFailures, flushes, flushFailures, usesWritten atomic.Uint64
}

// Stats returns the Service's counters. It is cheap enough to call every
// few seconds for metrics: it counts the kept reads under their locks, and
// for PendingUses reads every cached key, a shard at a time under the
// shard's read lock: about 0.35 ms at 100,000 keys (BenchmarkStats), in
// 128 pieces (the shards) of about 3 microseconds, the longest an insert
// into a shard (and the requests queued behind it) may wait for it.
func (s *Service) Stats() Stats {
	c := &s.stats
	st := Stats{
		Invalid: c.invalid.Load(), Expired: c.expired.Load(), Revoked: c.revoked.Load(),
		Unavailable: c.unavailable.Load(), Corrupt: c.corrupt.Load(),

		CacheHits: s.cache.hits(), CacheMisses: c.cacheMisses.Load(),
		CachedKeys: s.cache.len(), CacheSize: s.cfg.CacheSize,
		Evictions: s.cache.evictions.Load(), RecentEvictions: s.cache.recentEvictions.Load(),

		StoreReads: c.storeReads.Load(), KeptReads: c.keptReads.Load(), KeptIDs: s.reads.len(),
		UnknownIDs: c.unknownIDs.Load(), TagRejects: c.tagRejects.Load(), Throttled: c.throttled.Load(),

		HashRuns: c.hashRuns.Load(), HashFailures: c.hashFailures.Load(), HashWaits: c.hashWaits.Load(), HashTimeouts: c.hashTimeouts.Load(),
		HashSlots: cap(s.slots), HashSlotsInUse: len(s.slots),
		TagsWritten: c.tagsWritten.Load(), TagWriteFailures: c.tagWriteFailures.Load(),

		Refreshes: c.refreshes.Load(),

		Syncs: c.syncs.Load(), SyncFailures: c.syncFailures.Load(),
		Flushes: c.flushes.Load(), FlushFailures: c.flushFailures.Load(), LastUseWritten: c.usesWritten.Load(),
		PendingUses: s.cache.pendingUses(),
	}
	if ns := s.lastSync.Load(); ns != 0 {
		st.LastSync = time.Unix(0, ns).UTC()
	}
	return st
}
