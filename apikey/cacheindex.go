package apikey

// Each cache shard finds an entry by id through an index of its own: an
// open-addressing table of 4-byte slots (16 bits of the id's hash, and the
// entry's position in the shard's ring), probed linearly and kept at most
// half full. Deletion shifts the following slots back instead of leaving
// tombstones, so a cache that evicts on every insert keeps short probes
// forever (a Go map under the same churn fills with tombstones and its
// probes grow until it rehashes).
//
// The table is small on purpose: 10-20 bytes per key. In a cache of a
// million keys, the slot of a new id is a read no CPU cache holds
// beforehand, and the smaller the table, the more of it the last-level
// cache keeps.
//
// The hash bits kept pick the slot a key's probe starts at (its home), so
// a deletion finds every slot's home without reading its entry; the rest
// of them, and the entry's own id, tell apart keys with the same home.

type slot struct {
	fp  uint16 // 0: empty
	pos uint16 // position in the ring
}

// Bounds the 16-bit fields set: a table of at most 1<<16 slots, so that
// the home is within fp, at most half full, so a shard holds at most
// maxShardKeys (shardsFor adds shards to keep to it).
const (
	maxIndexSlots = 1 << 16
	maxShardKeys  = maxIndexSlots / 2
)

// fingerprint is the part of an id's hash the index keeps. The low bits
// of the hash pick the shard; these are higher ones.
func fingerprint(h uint64) uint16 {
	if fp := uint16(h >> 32); fp != 0 {
		return fp
	}
	return 1
}

// newIndex returns a table for up to n entries: a power of two at least
// twice n.
func newIndex(n int) ([]slot, uint32) {
	size := 4
	for size < 2*n {
		size *= 2
	}
	return make([]slot, size), uint32(size - 1) // #nosec G115 -- size is at most maxIndexSlots
}

// find returns id's entry and its slot, or nil and the empty slot where it
// would go. Fingerprints may collide; the entry's own id decides.
func (sh *shard) find(id string, fp uint16) (uint32, *entry) {
	i := uint32(fp) & sh.imask
	for {
		s := sh.index[i]
		if s.fp == 0 {
			return i, nil
		}
		if s.fp == fp {
			if e := sh.ring[s.pos].e; e.id() == id {
				return i, e
			}
		}
		i = (i + 1) & sh.imask
	}
}

// slotOf returns the slot of the entry at ring position pos, found by the
// ring's copy of its fingerprint: no need to read the entry.
func (sh *shard) slotOf(pos int) uint32 {
	fp, p := sh.ring[pos].fp, uint16(pos) // #nosec G115 -- a ring position, below maxShardKeys
	i := uint32(fp) & sh.imask
	for s := sh.index[i]; s.fp != fp || s.pos != p; s = sh.index[i] {
		i = (i + 1) & sh.imask
	}
	return i
}

// unindex empties slot i and moves back the slots after it that would
// otherwise become unreachable (backward-shift deletion).
func (sh *shard) unindex(i uint32) {
	for {
		sh.index[i] = slot{}
		j := i
		for {
			j = (j + 1) & sh.imask
			s := sh.index[j]
			if s.fp == 0 {
				return
			}
			// s stays unless its home slot k lies cyclically outside
			// (i, j]: then the hole at i would cut it off from k.
			k := uint32(s.fp) & sh.imask
			if i <= j {
				if i < k && k <= j {
					continue
				}
			} else if i < k || k <= j {
				continue
			}
			sh.index[i] = s
			i = j
			break
		}
	}
}
