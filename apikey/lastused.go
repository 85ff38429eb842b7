package apikey

import (
	"context"
	"time"
)

// usedGranularity: a success within this long after the recorded one
// leaves it as is. A hot key then costs one atomic load per request instead
// of a compare-and-swap on a cache line every core writes. The stored
// last-used time may therefore be up to this much earlier than the latest
// success.
const usedGranularity = int64(time.Millisecond)

// used records a success at now (unix ns); the value only moves forward.
func (e *entry) used(now int64) {
	for {
		old := e.lastUsed.Load()
		if now-old < usedGranularity || e.lastUsed.CompareAndSwap(old, now) {
			return
		}
	}
}

// Flush writes the last-used times recorded since the previous flush, in
// one Store.RecordUse call. On failure they stay pending for the next
// flush.
func (s *Service) Flush(ctx context.Context) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	uses, marks := s.cache.unwritten()
	if len(uses) == 0 {
		return nil
	}
	if err := s.store.RecordUse(ctx, uses); err != nil {
		s.stats.flushFailures.Add(1)
		return s.storeErr("writing last-used times", err)
	}
	s.cache.written(uses, marks)
	s.stats.flushes.Add(1)
	s.stats.usesWritten.Add(uint64(len(uses)))
	return nil
}

// Close stops Run and writes pending last-used times.
//
// Nothing is lost: every success Authenticate has returned before Close
// returns (and any it returns later) has its use written by Close's flush,
// unless that write fails, in which case Close returns the error and the
// uses stay pending (call Flush or Close again). From the moment Close is
// called, Authenticate returns [ErrClosed], which matches ErrUnavailable:
// a request that raced with Close either had its use recorded before Close
// looked, or is refused. Get, List, Create, Revoke, Rotate, Sync and Flush
// keep working. Close is safe to call more than once.
func (s *Service) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		close(s.closed)
	})
	return s.Flush(ctx)
}
