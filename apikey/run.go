package apikey

import (
	"context"
	"errors"
	"time"
)

// Sync reads the store's change feed once and applies it to the cache. Run
// calls it every SyncInterval; tests and custom loops may call it directly.
func (s *Service) Sync(ctx context.Context) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	// Freshness counts from before the read: a change committed while
	// Changes runs may be missing from its answer.
	started := s.clock.nanos()
	changes, next, err := s.store.Changes(ctx, s.cursor)
	if errors.Is(err, ErrCursorExpired) {
		s.cfg.Logger.Warn("keyauth: change feed cursor expired; forgetting cached keys")
		s.cursor = ""
		changes, next, err = s.store.Changes(ctx, "")
		if err == nil {
			s.cache.forget("")
		}
	}
	if err != nil {
		s.stats.syncFailures.Add(1)
		return s.storeErr("reading the change feed", err)
	}
	if s.cursor == "" {
		// Keys cached before the feed had a position may have changed
		// unseen: forget them, their next request re-reads them.
		s.cache.forget("")
	}
	for _, c := range changes {
		s.cache.apply(c)
	}
	s.cursor = next
	s.lastSync.Store(started)
	s.stats.syncs.Add(1)
	return nil
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

// Run polls the change feed every SyncInterval and writes last-used times
// every FlushInterval until ctx is done or Close is called. Failures are
// logged and retried on the next tick; they never fail a request. Run one
// per Service.
func (s *Service) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("apikey: Service.Run is already running")
	}
	defer s.running.Store(false)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	syncTick := time.NewTicker(s.cfg.SyncInterval)
	defer syncTick.Stop()
	flushTick := time.NewTicker(s.cfg.FlushInterval)
	defer flushTick.Stop()
	syncOK, flushOK := true, true
	// Each call gets a deadline, so a store that hangs cannot stall the
	// loop: the next tick tries again.
	sync := func() {
		cctx, cancel := context.WithTimeout(ctx, s.cfg.MaxStaleness)
		err := s.Sync(cctx)
		cancel()
		if err != nil && syncOK && ctx.Err() == nil {
			s.cfg.Logger.Warn("keyauth: change feed unavailable; cached keys are honoured until MaxStaleness", "error", err)
		} else if err == nil && !syncOK {
			s.cfg.Logger.Info("keyauth: change feed available again")
		}
		syncOK = err == nil
	}
	sync()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-syncTick.C:
			sync()
		case <-flushTick.C:
			cctx, cancel := context.WithTimeout(ctx, s.cfg.FlushInterval)
			err := s.Flush(cctx)
			cancel()
			if err != nil && flushOK && ctx.Err() == nil {
				s.cfg.Logger.Warn("keyauth: writing last-used times failed; will retry", "error", err)
			}
			flushOK = err == nil
		}
	}
}

// Close stops Run and writes pending last-used times. Authenticate keeps
// working afterwards, without background work. Close is safe to call more
// than once.
func (s *Service) Close(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.closed) })
	return s.Flush(ctx)
}
