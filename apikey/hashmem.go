package apikey

import "github.com/driive/keyauth/apikey/internal/argon2"

// hashMemory keeps argon2id's working memory from one run to the next
// (internal/argon2): at most one per slot, as many as run at once. A run
// then touches only memory it has touched before, instead of 19 MiB the
// heap must find, and perhaps grow for, and fault in page by page; under a
// flood of other requests that was what made some first verifications
// take three times as long as the rest.
//
// The memory kept is Config.MaxConcurrentHashes times the largest of
// Config.Hash.Memory and the memory of the hashes verified, up to that of
// Config.Hash: a run for a key hashed with more memory grows its own, and
// the collector takes it back. What a run leaves in the memory (argon2id's
// state for the key it hashed) stays until the next run overwrites it,
// which it does before reading any of it; SECURITY.md says why that is
// no exposure for keys of 190 random bits.
type hashMemory struct {
	free chan *argon2.Memory
	keep int // KiB
}

func newHashMemory(slots int, keep uint32) *hashMemory {
	return &hashMemory{free: make(chan *argon2.Memory, slots), keep: int(keep)}
}

// get returns kept memory, or new (empty) memory if none is free.
func (h *hashMemory) get() *argon2.Memory {
	select {
	case m := <-h.free:
		return m
	default:
		return new(argon2.Memory)
	}
}

// put keeps m for the next run, unless it is larger than keep or as many
// are kept as there are slots.
func (h *hashMemory) put(m *argon2.Memory) {
	if m.Size() > h.keep {
		return
	}
	select {
	case h.free <- m:
	default:
	}
}
