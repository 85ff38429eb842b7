package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/driive/keyauth/apikey"
)

// Revoke implements apikey.Store. The update, the read-back and the change
// row are one transaction: a revocation is never stored without its
// change, so no instance can miss it.
func (s *Store) Revoke(ctx context.Context, orgID, id string, at time.Time) (apikey.Key, error) {
	if err := s.ready(ctx); err != nil {
		return apikey.Key{}, err
	}

	doing := "revoking key " + id
	var k apikey.Key
	err := s.inTx(ctx, doing, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.revoke, s.timeArg(at), id, orgID)
		if err != nil {
			return wrap(doing, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return wrap(doing, err)
		}
		r, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.OrgID != orgID {
			return notFound(id)
		}
		k = r.Key
		if n == 0 {
			return nil // revoked before: an earlier RevokedAt stays
		}
		if err := s.logChange(ctx, tx, doing, k); err != nil {
			return err
		}
		return s.logEvent(ctx, tx, doing, apikey.Event{At: at, OrgID: orgID, KeyID: id, Action: apikey.KeyRevoked})
	})
	if err != nil {
		return apikey.Key{}, err
	}
	return k, nil
}

// Rotate implements apikey.Store. The conditional update of the old key,
// the insert of the new one and the change row are one transaction.
func (s *Store) Rotate(ctx context.Context, rot apikey.Rotation) (apikey.Key, error) {
	if err := s.ready(ctx); err != nil {
		return apikey.Key{}, err
	}

	doing := "rotating key " + rot.OldID
	var k apikey.Key
	err := s.inTx(ctx, doing, func(tx *sql.Tx) error {
		// The update checks everything at once and locks the row; when it
		// matches nothing, the row read next tells why.
		res, err := tx.ExecContext(ctx, s.q.rotate, s.q.rotateArgs(s.timeArg(rot.GraceUntil), s.timeArg(rot.Now), rot.OldID, rot.OrgID)...)
		if err != nil {
			return wrap(doing, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return wrap(doing, err)
		}
		r, err := s.get(ctx, tx, rot.OldID)
		if err != nil {
			return err
		}
		if n == 0 {
			switch {
			case r.OrgID != rot.OrgID:
				return notFound(rot.OldID)
			case r.Revoked():
				return fmt.Errorf("sqlstore: key %s: %w", rot.OldID, apikey.ErrKeyRevoked)
			case r.Expired(rot.Now):
				return fmt.Errorf("sqlstore: key %s: %w", rot.OldID, apikey.ErrKeyExpired)
			case r.Rotated():
				return fmt.Errorf("sqlstore: key %s: %w", rot.OldID, apikey.ErrAlreadyRotated)
			}
			// Not reached while the update sets rotated_at (every matched
			// row changes); kept because MySQL counts changed rows, not
			// matched ones, should the update ever leave a row as it was.
		}
		if err := s.insert(ctx, tx, rot.New); err != nil {
			return err
		}
		k = r.Key
		if err := s.logChange(ctx, tx, doing, k); err != nil {
			return err
		}
		return s.logEvent(ctx, tx, doing, apikey.Event{At: rot.Now, OrgID: rot.OrgID, KeyID: rot.OldID,
			Action: apikey.KeyRotated, NewKeyID: rot.New.ID})
	})
	if err != nil {
		return apikey.Key{}, err
	}
	return k, nil
}

func (s *Store) logChange(ctx context.Context, tx *sql.Tx, doing string, k apikey.Key) error {
	_, err := tx.ExecContext(ctx, s.q.insertChange, k.ID, s.timeArg(k.RevokedAt), s.timeArg(k.ExpiresAt), s.timeArg(s.now()), s.timeArg(k.RotatedAt))
	if err != nil {
		return wrap(doing+": recording the change", err)
	}
	return nil
}
