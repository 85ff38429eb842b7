package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/driive/keyauth/apikey"
)

type scanner interface{ Scan(dest ...any) error }

// scanRecord reads keyColumns.
func scanRecord(row scanner) (apikey.Record, error) {
	var r apikey.Record
	var perm string
	var tag sql.NullString // NULL: a row written before tags existed
	var byID, byName sql.NullString
	err := row.Scan(&r.ID, &r.OrgID, &r.Name, &r.Prefix, &perm, &r.Hash,
		timeCol{&r.CreatedAt}, timeCol{&r.ExpiresAt}, timeCol{&r.LastUsedAt}, timeCol{&r.RevokedAt}, &tag,
		timeCol{&r.RotatedAt}, &byID, &byName)
	if err != nil {
		return r, err
	}
	r.Tag = tag.String
	r.CreatedBy = apikey.Actor{ID: byID.String, Name: byName.String}
	r.Permission, err = parsePermission(r.ID, perm)
	return r, err
}

// scanKey reads listColumns.
func scanKey(row scanner) (apikey.Key, error) {
	var k apikey.Key
	var perm string
	var byID, byName sql.NullString // NULL: a row written before the audit trail existed
	err := row.Scan(&k.ID, &k.OrgID, &k.Name, &k.Prefix, &perm,
		timeCol{&k.CreatedAt}, timeCol{&k.ExpiresAt}, timeCol{&k.LastUsedAt}, timeCol{&k.RevokedAt},
		timeCol{&k.RotatedAt}, &byID, &byName)
	if err != nil {
		return k, err
	}
	k.CreatedBy = apikey.Actor{ID: byID.String, Name: byName.String}
	k.Permission, err = parsePermission(k.ID, perm)
	return k, err
}

func parsePermission(id, s string) (apikey.Permission, error) {
	p, err := apikey.ParsePermission(s)
	if err != nil {
		// A row nobody should have written: not the caller's mistake.
		return 0, fmt.Errorf("key %s has unknown permission %q", id, s)
	}
	return p, nil
}

// Create implements apikey.Store. The key and its event are one
// transaction: all or nothing.
func (s *Store) Create(ctx context.Context, r apikey.Record) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	doing := "creating key " + r.ID
	return s.inTx(ctx, doing, func(tx *sql.Tx) error {
		if err := s.insert(ctx, tx, r); err != nil {
			return err
		}
		return s.logEvent(ctx, tx, doing, apikey.Event{At: r.CreatedAt, OrgID: r.OrgID, KeyID: r.ID, Action: apikey.KeyCreated})
	})
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) insert(ctx context.Context, db execer, r apikey.Record) error {
	perm, err := r.Permission.MarshalText()
	if err != nil {
		return fmt.Errorf("sqlstore: key %s: %w", r.ID, err)
	}
	_, err = db.ExecContext(ctx, s.q.insertKey, r.ID, r.OrgID, r.Name, r.Prefix, string(perm), r.Hash,
		s.timeArg(r.CreatedAt), s.timeArg(r.ExpiresAt), s.timeArg(r.LastUsedAt), s.timeArg(r.RevokedAt), tagArg(r.Tag),
		s.timeArg(r.RotatedAt), nullable(r.CreatedBy.ID), nullable(r.CreatedBy.Name))
	if err != nil {
		if isUniqueViolation(s.d, err) {
			return fmt.Errorf("sqlstore: key %s: %w: %w", r.ID, apikey.ErrAlreadyExists, err)
		}
		return wrap("creating key "+r.ID, err)
	}
	return nil
}

// tagArg is a tag as a statement argument: NULL for none, as in rows
// written before the tag column existed.
func tagArg(tag string) any {
	if tag == "" {
		return nil
	}
	return tag
}

// SetTag implements apikey.Store with one UPDATE (and, when it changes no
// row, one SELECT to tell a missing key from an unchanged one: MySQL
// counts changed rows, not matched ones).
func (s *Store) SetTag(ctx context.Context, id, tag string) error {
	if err := s.ready(ctx); err != nil {
		return err
	}

	doing := "setting the tag of key " + id
	res, err := s.db.ExecContext(ctx, s.q.setTag, tagArg(tag), id)
	if err != nil {
		return wrap(doing, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(doing, err)
	}
	if n > 0 {
		return nil
	}
	var one int
	err = s.db.QueryRowContext(ctx, s.q.keyExists, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(id)
	}
	if err != nil {
		return wrap(doing, err)
	}
	return nil
}

// Get implements apikey.Store.
func (s *Store) Get(ctx context.Context, id string) (apikey.Record, error) {
	if err := s.ready(ctx); err != nil {
		return apikey.Record{}, err
	}

	return s.get(ctx, s.db, id)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) get(ctx context.Context, db querier, id string) (apikey.Record, error) {
	r, err := scanRecord(db.QueryRowContext(ctx, s.q.getKey, id))
	if errors.Is(err, sql.ErrNoRows) {
		return apikey.Record{}, notFound(id)
	}
	if err != nil {
		return apikey.Record{}, wrap("reading key "+id, err)
	}
	return r, nil
}

// List implements apikey.Store. Both forms walk the (org_id, created_at,
// id) index from the position: a page costs the same on the first page and
// the last, whatever the number of keys.
func (s *Store) List(ctx context.Context, q apikey.ListQuery) ([]apikey.Key, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}

	if q.Limit < 1 {
		return nil, fmt.Errorf("sqlstore: limit %d: %w", q.Limit, apikey.ErrInvalidArgument)
	}
	var rows *sql.Rows
	var err error
	if q.After.IsZero() {
		rows, err = s.db.QueryContext(ctx, s.q.listFirst, q.OrgID, q.Limit)
	} else {
		rows, err = s.db.QueryContext(ctx, s.q.listAfter, s.q.listAfterArgs(q.OrgID, s.timeArg(q.After.CreatedAt), q.After.ID, q.Limit)...)
	}
	if err != nil {
		return nil, wrap("listing keys", err)
	}
	defer rows.Close()
	keys := make([]apikey.Key, 0, min(q.Limit, 1000))
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, wrap("listing keys", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("listing keys", err)
	}
	return keys, nil
}
