package sqlstore

import (
	"context"
	"database/sql"
)

// inTx runs fn in a transaction and commits it; on any error it rolls back,
// so nothing fn wrote stays. The first statement of every fn is a write:
// SQLite then takes its write lock at the start (waiting under
// busy_timeout) instead of failing to upgrade a read transaction later.
func (s *Store) inTx(ctx context.Context, doing string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap(doing+": beginning a transaction", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the error that matters is fn's
		return err
	}
	if err := tx.Commit(); err != nil {
		return wrap(doing+": committing", err)
	}
	return nil
}
