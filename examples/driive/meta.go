package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// Names of driive_meta rows.
const (
	metaDemoKey   = "demo_key_created" // value: when the first start created the demo key
	metaCursorKey = "cursor_key"       // value: hex HMAC key that signs list cursors
)

// claimMeta inserts name=value unless the row exists, and reports whether
// this call inserted it. Of processes racing to claim one name, exactly one
// wins.
func (d *database) claimMeta(ctx context.Context, name, value string) (bool, error) {
	res, err := d.db.ExecContext(ctx, d.q.metaInsertIfAbsent, name, value)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

func (d *database) getMeta(ctx context.Context, name string) (string, error) {
	var v string
	err := d.db.QueryRowContext(ctx, d.q.metaGet, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNoRow
	}
	return v, err
}

func (d *database) deleteMeta(ctx context.Context, name string) error {
	_, err := d.db.ExecContext(ctx, d.q.metaDelete, name)
	return err
}

// cursorKey returns the key that signs list cursors, creating it on first
// use. It lives in the database, so cursors survive restarts and are good
// on every instance.
func (d *database) cursorKey(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	if _, err := d.claimMeta(ctx, metaCursorKey, hex.EncodeToString(fresh)); err != nil {
		return nil, fmt.Errorf("storing the cursor key: %w", err)
	}
	v, err := d.getMeta(ctx, metaCursorKey)
	if err != nil {
		return nil, fmt.Errorf("reading the cursor key: %w", err)
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) < 16 {
		return nil, errors.New("the stored cursor key is corrupt")
	}
	return key, nil
}
