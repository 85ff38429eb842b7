package apikey

import (
	"context"
	"errors"
	"sync"
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
			s.forgetAll()
		}
	}
	if err != nil {
		s.stats.syncFailures.Add(1)
		return s.storeErr("reading the change feed", err)
	}
	if s.cursor == "" {
		// Keys cached before the feed had a position may have changed
		// unseen: forget them, their next request re-reads them.
		s.forgetAll()
	}
	for _, c := range changes {
		s.applyChange(c)
	}
	s.cursor = next
	s.lastSync.Store(started)
	s.stats.syncs.Add(1)
	return nil
}

func (s *Service) forgetAll() {
	s.reads.forget("")
	s.cache.forgetAll()
}

// Run polls the change feed every SyncInterval and writes last-used times
// every FlushInterval until ctx is done or Close is called. The two run
// independently: a poll has two SyncIntervals to answer and a flush one
// FlushInterval, so a store that hangs delays the next poll by at most two
// SyncIntervals, and never delays a flush (nor a flush a poll). Failures are logged and retried
// on the next tick; they never fail a request. Run one per Service.
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
	var wg sync.WaitGroup
	wg.Go(func() { s.syncLoop(ctx) })
	wg.Go(func() { s.flushLoop(ctx) })
	wg.Wait()
	return nil
}

func (s *Service) syncLoop(ctx context.Context) {
	ok := true
	sync := func() {
		cctx, cancel := context.WithTimeout(ctx, 2*s.cfg.SyncInterval)
		err := s.Sync(cctx)
		cancel()
		if err != nil && ok && ctx.Err() == nil {
			s.cfg.Logger.Warn("keyauth: change feed unavailable; cached keys are honoured until MaxStaleness", "error", err)
		} else if err == nil && !ok {
			s.cfg.Logger.Info("keyauth: change feed available again")
		}
		ok = err == nil
	}
	sync()
	tick := time.NewTicker(s.cfg.SyncInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			sync()
		}
	}
}

func (s *Service) flushLoop(ctx context.Context) {
	ok := true
	tick := time.NewTicker(s.cfg.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.mem.trim(s.clock.nanos())
			cctx, cancel := context.WithTimeout(ctx, s.cfg.FlushInterval)
			err := s.Flush(cctx)
			cancel()
			if err != nil && ok && ctx.Err() == nil {
				s.cfg.Logger.Warn("keyauth: writing last-used times failed; will retry", "error", err)
			}
			ok = err == nil
		}
	}
}
