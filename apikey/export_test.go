package apikey

import (
	"context"

	"github.com/driive/keyauth/apikey/internal/argon2"
)

// CheckHash exposes the stored-hash validator to the black-box tests.
func CheckHash(encoded string) (HashParams, error) { return checkHash(encoded) }

// Bounds of stored hash parameters, for the fuzz target's assertions.
const (
	MinMemory, MaxMemory          = minMemory, maxMemory
	MaxIterations, MaxParallelism = maxIterations, maxParallelism
	MinSaltLength, MaxSaltLength  = minSaltLength, maxSaltLength
	MinKeyLength, MaxKeyLength    = minKeyLength, maxKeyLength
)

// HoldHashSlot takes one argon2id slot of s, as a slow hash would, and
// returns the function that gives it back.
func HoldHashSlot(ctx context.Context, s *Service) (release func(), err error) {
	if err := s.acquire(ctx, 0); err != nil {
		return nil, err
	}
	return s.release, nil
}

// HashSlotsInUse reports how many argon2id slots of s are taken.
func HashSlotsInUse(s *Service) int { return len(s.slots) }

// KeptHashMemory reports the argon2id working memories s keeps between
// runs, and their total size in KiB. No run may be in progress.
func KeptHashMemory(s *Service) (count, kib int) {
	var kept []*argon2.Memory
	for len(s.mem.free) > 0 {
		m := <-s.mem.free
		kept = append(kept, m)
		kib += m.Size()
	}
	for _, m := range kept {
		s.mem.free <- m
	}
	return len(kept), kib
}
