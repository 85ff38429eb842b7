package apikey

import (
	"context"
	"fmt"
	"time"
)

// RotateParams describes a rotation.
type RotateParams struct {
	OrgID string
	ID    string // the key to replace: its id or display prefix
	// Grace is how long the old key keeps working; 0 ends it at once. The
	// old key's expiry becomes min(its expiry, now + Grace).
	Grace time.Duration
	// ExpiresAt is the new key's expiry. Zero: the old key's lifetime
	// (ExpiresAt - CreatedAt) counted from now, or none if it had none.
	ExpiresAt time.Time
}

// Rotate replaces a key with a new one of the same organization, name and
// permission, and shortens the old key's life to the grace period. Rotating
// a revoked or expired key fails with ErrKeyRevoked or ErrKeyExpired, and
// rotating a key a second time with ErrAlreadyRotated: that would cut
// short the grace its clients were promised.
func (s *Service) Rotate(ctx context.Context, p RotateParams) (Key, Secret, error) {
	now := s.now()
	if err := validateOrg(p.OrgID); err != nil {
		return Key{}, Secret{}, err
	}
	id, err := idFromRef(s.cfg.Prefix, p.ID)
	if err != nil {
		return Key{}, Secret{}, err
	}
	if p.Grace < 0 {
		return Key{}, Secret{}, argErr("grace", "grace must not be negative")
	}
	expires, err := s.futureExpiry(p.ExpiresAt, now)
	if err != nil {
		return Key{}, Secret{}, err
	}
	old, err := s.Get(ctx, p.OrgID, id)
	if err != nil {
		return Key{}, Secret{}, err
	}
	switch {
	case old.Revoked():
		return Key{}, Secret{}, ErrKeyRevoked
	case old.Expired(now):
		return Key{}, Secret{}, ErrKeyExpired
	case old.Rotated():
		return Key{}, Secret{}, fmt.Errorf("%w on %s: rotate its replacement instead", ErrAlreadyRotated, old.RotatedAt.Format(time.RFC3339))
	}
	ctx, by := withCleanActor(ctx)
	if expires.IsZero() && !old.ExpiresAt.IsZero() {
		expires = now.Add(old.ExpiresAt.Sub(old.CreatedAt))
	}
	var updated Key
	k, secret, err := s.mintAndStore(ctx, Key{
		OrgID: old.OrgID, Name: old.Name, Permission: old.Permission, CreatedAt: now, ExpiresAt: expires, CreatedBy: by,
	}, func(r Record) error {
		var err error
		updated, err = s.store.Rotate(ctx, Rotation{
			OrgID: p.OrgID, OldID: id, Now: now, GraceUntil: now.Add(p.Grace), New: r,
		})
		return err
	})
	if err != nil {
		return Key{}, Secret{}, err
	}
	s.applyChange(Change{ID: updated.ID, RevokedAt: updated.RevokedAt, ExpiresAt: updated.ExpiresAt, RotatedAt: updated.RotatedAt})
	return k, secret, nil
}
