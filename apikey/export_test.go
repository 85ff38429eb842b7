package apikey

import "context"

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
// runs, and their total size in KiB.
func KeptHashMemory(s *Service) (count, kib int) {
	s.mem.mu.Lock()
	defer s.mem.mu.Unlock()
	for _, k := range s.mem.free {
		kib += k.m.Size()
	}
	return len(s.mem.free), kib
}

// TrimHashMemory is what Run does every FlushInterval to the kept argon2id
// memory, at s's clock.
func TrimHashMemory(s *Service) { s.mem.trim(s.clock.nanos()) }
