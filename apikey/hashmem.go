package apikey

import (
	"sync"
	"time"

	"github.com/driive/keyauth/apikey/internal/argon2"
)

// hashMemory keeps argon2id's working memory from one run to the next
// (internal/argon2): at most one per slot, as many as run at once. A run
// then touches only memory it has touched before, instead of 19 MiB the
// heap must find, and perhaps grow for, and fault in page by page; under a
// flood of other requests that was what made some first verifications
// take two to three times as long as the rest.
//
// What is kept is bounded twice. Each memory is at most the size of
// Config.Hash's (a run for a key hashed with more memory grows its own,
// and the collector takes it back). And a memory not used for
// hashMemoryIdle is dropped (Run trims every FlushInterval): after a
// restart storm has used every slot at once, the memory goes back down
// to what the steady trickle of first verifications uses. Runs take the
// memory returned last, so the ones left idle are the ones a quieter load
// no longer needs.
//
// What a run leaves in the memory (argon2id's state for the key it
// hashed) stays until the next run overwrites it, which it does before
// reading any of it; SECURITY.md says why that is no exposure for keys of
// 190 random bits.
type hashMemory struct {
	mu   sync.Mutex
	free []keptMemory // the memory returned last is last
	max  int          // slots
	keep int          // KiB
}

type keptMemory struct {
	m  *argon2.Memory
	at int64 // unix ns when it was returned
}

// hashMemoryIdle is how long kept memory may go unused.
const hashMemoryIdle = int64(time.Minute)

func newHashMemory(slots int, keep uint32) *hashMemory {
	return &hashMemory{max: slots, keep: int(keep)}
}

// get returns the memory returned last, or new (empty) memory if none is
// kept.
func (h *hashMemory) get() *argon2.Memory {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.free)
	if n == 0 {
		return new(argon2.Memory)
	}
	m := h.free[n-1].m
	h.free[n-1] = keptMemory{}
	h.free = h.free[:n-1]
	return m
}

// put keeps m, returned at now (unix ns), for the next run, unless it is
// larger than keep or as many are kept as there are slots.
func (h *hashMemory) put(m *argon2.Memory, now int64) {
	if m.Size() > h.keep {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.free) < h.max {
		h.free = append(h.free, keptMemory{m, now})
	}
}

// trim drops the memory not used for hashMemoryIdle before now (unix ns).
func (h *hashMemory) trim(now int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	idle := 0
	for idle < len(h.free) && now-h.free[idle].at > hashMemoryIdle {
		idle++
	}
	if idle == 0 {
		return
	}
	n := copy(h.free, h.free[idle:])
	clear(h.free[n:])
	h.free = h.free[:n]
}
