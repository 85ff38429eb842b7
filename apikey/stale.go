package apikey

import (
	"context"
	"fmt"
)

// refresh brings a cached key's status up to date from the store, for when
// the change feed is older than Config.MaxStaleness (the store is
// unreachable, or Run is not running). A slow or failing store must get
// less load from this, not more, so it reads at most once per key per
// keepRead (a second, or MaxStaleness if shorter) whatever the request
// rate: a status read that recently is trusted, concurrent requests share
// one read, and a failed read answers ErrUnavailable for that long without
// another.
//
// Status only moves one way (revoked stays, expiry only comes earlier), so
// a read that lands late can never undo a newer one.
func (s *Service) refresh(ctx context.Context, e *entry, now int64) error {
	keep := s.reads.keep
	at, failed := e.readAt.Load(), false
	if at < 0 {
		at, failed = -at, true
	}
	if recent := now >= at && now-at < keep; recent && !failed {
		return nil
	} else if recent {
		s.stats.throttled.Add(1)
		s.stats.unavailable.Add(1)
		return fmt.Errorf("%w: the store failed to answer for this key less than a second ago", ErrUnavailable)
	}
	id := e.id()
	ch := s.readFlight.DoChan(id, func() (any, error) {
		s.stats.refreshes.Add(1)
		return s.readStore(ctx, id)
	})
	var res = struct {
		r   *read
		err error
	}{}
	select {
	case <-ctx.Done():
		s.stats.unavailable.Add(1)
		return fmt.Errorf("%w: %w", ErrUnavailable, context.Cause(ctx))
	case v := <-ch:
		res.err = v.Err
		if v.Err == nil {
			res.r = v.Val.(*read)
		}
	}
	switch {
	case res.err != nil && isContextErr(res.err):
		s.stats.unavailable.Add(1)
		return res.err
	case res.err != nil:
		e.readAt.Store(-now)
		s.stats.unavailable.Add(1)
		return res.err
	case !res.r.found:
		// Deleted from the store behind our back.
		s.cache.forget(id)
		s.stats.invalid.Add(1)
		return ErrInvalidKey
	}
	e.merge(res.r.rec.RevokedAt, res.r.rec.ExpiresAt, res.r.rec.RotatedAt)
	e.readAt.Store(res.r.at)
	return nil
}
