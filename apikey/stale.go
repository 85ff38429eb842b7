package apikey

import "context"

// refresh brings a cached key's status up to date from the store, for when
// the change feed is older than Config.MaxStaleness (the store is
// unreachable, or Run is not running). A slow or failing store must get
// less load from this, not more, so it reads at most once per key per
// keepRead (a second, or MaxStaleness if shorter) whatever the request
// rate: a status read that recently is trusted, concurrent requests share
// one read, and a failed read answers ErrUnavailable for that long without
// another (reads.go).
//
// Status only moves one way (revoked stays, expiry only comes earlier), so
// a read that lands late can never undo a newer one.
func (s *Service) refresh(ctx context.Context, e *entry, now int64) error {
	if at := e.readAt.Load(); now >= at && now-at < s.reads.keep {
		return nil
	}
	r, err := s.readID(ctx, e.id(), true)
	if err != nil {
		s.stats.unavailable.Add(1)
		return err
	}
	if !r.found {
		// Deleted from the store behind our back.
		s.cache.forget(e.id())
		s.stats.invalid.Add(1)
		return ErrInvalidKey
	}
	e.merge(r.rec.RevokedAt, r.rec.ExpiresAt, r.rec.RotatedAt)
	storeMax(&e.readAt, r.at)
	return nil
}
