package apikey

import (
	"context"
	"fmt"
	"time"
)

// acquire takes an argon2id slot (Config.MaxConcurrentHashes), waiting at
// most wait (0: only for ctx). A request that gives up takes nothing. One
// that finds every slot taken counts in Stats.HashWaits.
func (s *Service) acquire(ctx context.Context, wait time.Duration) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	s.stats.hashWaits.Add(1)
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-timeout:
		s.stats.hashTimeouts.Add(1)
		return fmt.Errorf("%w: too many keys waiting to be hashed", ErrUnavailable)
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrUnavailable, context.Cause(ctx))
	}
}

func (s *Service) release() { <-s.slots }
