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
