package apikey

import "context"

// Revoke ends a key at once. It is idempotent: revoking a revoked key
// returns it unchanged. A key of another organization is ErrNotFound. Once
// Revoke returns, no request on this Service succeeds with the key; other
// Services sharing the store learn of it through their change feed.
func (s *Service) Revoke(ctx context.Context, orgID, idOrPrefix string) (Key, error) {
	if err := validateOrg(orgID); err != nil {
		return Key{}, err
	}
	id, err := idFromRef(s.cfg.Prefix, idOrPrefix)
	if err != nil {
		return Key{}, err
	}
	ctx, _ = withCleanActor(ctx)
	k, err := s.store.Revoke(ctx, orgID, id, s.now())
	if err != nil {
		return Key{}, s.storeErr("revoking the key", err)
	}
	s.applyChange(Change{ID: k.ID, RevokedAt: k.RevokedAt, ExpiresAt: k.ExpiresAt, RotatedAt: k.RotatedAt})
	return k, nil
}
