package apikey

import (
	"hash/maphash"
	"sync"
	"time"
)

// A read is what one Store.Get said about an id: the record (its hash,
// tag and status), that no key has the id, or that the store failed. The
// Service keeps it for keepRead, whatever the answer to the request that
// made it, so that requests for an id that is not cached (wrong secrets
// above all, but also unknown ids and requests during an outage) cost at
// most one store read per id per keepRead however many arrive. A change
// of the key's status, from this instance or the change feed, drops its
// read (Service.applyChange).
type read struct {
	rec    Record // valid when found
	found  bool
	failed bool   // the store did not answer; ErrUnavailable until at+keepRead
	epoch  uint64 // the cache epoch of the id before the read (see cache)
	at     int64  // unix ns, Service clock
	mono   int64  // monoNow at the read
}

// monoStart anchors monoNow.
var monoStart = time.Now()

// monoNow reads the monotonic clock. A failed read expires after keep on
// either clock: failures are remembered to spare a failing store, not as a
// statement about keys, and a Config.Now that stands still (in a test)
// must not keep an outage going after the store is back.
func monoNow() int64 { return int64(time.Since(monoStart)) }

// keepRead is how long a read answers for its id: a second, or
// Config.MaxStaleness if that is shorter (a status read from the store is
// then trusted no longer than one from the change feed).
const keepRead = int64(time.Second)

// maxReads bounds the ids whose read is kept. A read costs about the
// record's size (300 bytes with its hash); reads older than keepRead are
// dropped first when a shard is full, then not-found ones, so a flood of
// random unknown ids (each one read once anyway) cannot push out the read
// of an id under attack unless more than maxReads ids are read within a
// second.
const maxReads = 16384

const readShards = 64

type readCache struct {
	seed   maphash.Seed
	keep   int64 // keepRead, or less (see there)
	shards [readShards]readShard
}

type readShard struct {
	mu sync.Mutex
	m  map[string]*read
	_  [48]byte
}

func newReadCache(keep int64) *readCache {
	c := &readCache{seed: maphash.MakeSeed(), keep: keep}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*read)
	}
	return c
}

func (c *readCache) shard(id string) *readShard {
	return &c.shards[maphash.String(c.seed, id)%readShards]
}

// get returns the read of id made less than c.keep before now (Service
// clock; for a failed read, also on the monotonic clock mono), or nil.
func (c *readCache) get(id string, now, mono int64) *read {
	sh := c.shard(id)
	sh.mu.Lock()
	r := sh.m[id]
	sh.mu.Unlock()
	if r == nil || now < r.at || now-r.at >= c.keep || r.failed && mono-r.mono >= c.keep {
		return nil
	}
	return r
}

func (c *readCache) put(id string, r *read) {
	sh := c.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[id]; !ok && len(sh.m) >= maxReads/readShards {
		sh.makeRoomLocked(r.at, c.keep)
	}
	sh.m[id] = r
}

// makeRoomLocked drops stale reads, or else one not-found read, or else
// any one.
func (sh *readShard) makeRoomLocked(now, keep int64) {
	dropped := false
	var unknown, any string
	for id, r := range sh.m {
		if now < r.at || now-r.at >= keep {
			delete(sh.m, id)
			dropped = true
		} else if unknown == "" && !r.found && !r.failed {
			unknown = id
		} else if any == "" {
			any = id
		}
	}
	switch {
	case dropped:
	case unknown != "":
		delete(sh.m, unknown)
	default:
		delete(sh.m, any)
	}
}

// forget drops the read of id, or with id "", every read.
func (c *readCache) forget(id string) {
	if id != "" {
		sh := c.shard(id)
		sh.mu.Lock()
		delete(sh.m, id)
		sh.mu.Unlock()
		return
	}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		clear(sh.m)
		sh.mu.Unlock()
	}
}

func (c *readCache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}
