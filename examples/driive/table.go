package main

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// record is what every stored resource has: its creation sequence (the
// list order), id, organization and times. Every query names the
// organization: a record is never read or changed through another
// organization's id.
type record struct {
	seq       int64
	ID        string
	OrgID     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// tableSQL is the SQL of one resource's table in one dialect. The
// resource's own columns (values) come in one order in both insert and
// update.
type tableSQL struct {
	insert       string // id, org, values..., created, updated
	get          string // org, id
	getForUpdate string // org, id: locks the row until commit
	list         string // org, after seq, limit
	update       string // values..., updated, org, id
	delete       string // org, id
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// table is how one resource of type T is stored.
type table[T any] struct {
	sql func(*queries) *tableSQL
	// base returns the record of v.
	base func(v *T) *record
	// scan reads a row: seq, id, the resource's columns, created, updated.
	scan func(row scanner, v *T, d *database) error
	// values returns the resource's own columns of v, bound for d.
	values func(v *T, d *database) []any
	// check, if not nil, checks in tx what v refers to (old is nil when
	// creating), holding it until tx ends.
	check func(ctx context.Context, tx *sql.Tx, d *database, old, v *T) error
	// deleted, if not nil, runs in the deleting transaction: it clears
	// references to the record.
	deleted func(ctx context.Context, tx *sql.Tx, d *database, org, id string, now time.Time) error
}

// scanRow reads the columns every table has around the resource's own.
func scanRow(row scanner, rec *record, own ...any) error {
	var created, updated dbTime
	dst := append([]any{&rec.seq, &rec.ID}, own...)
	if err := row.Scan(append(dst, &created, &updated)...); err != nil {
		return err
	}
	rec.CreatedAt, rec.UpdatedAt = created.t, updated.t
	return nil
}

func (t *table[T]) insert(ctx context.Context, d *database, v *T) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if t.check != nil {
			if err := t.check(ctx, tx, d, nil, v); err != nil {
				return err
			}
		}
		rec := t.base(v)
		args := append([]any{rec.ID, rec.OrgID}, t.values(v, d)...)
		_, err := tx.ExecContext(ctx, t.sql(d.q).insert, append(args, d.bindTime(rec.CreatedAt), d.bindTime(rec.UpdatedAt))...)
		return err
	})
}

func (t *table[T]) get(ctx context.Context, d *database, org, id string) (T, error) {
	var v T
	t.base(&v).OrgID = org
	err := t.scan(d.db.QueryRowContext(ctx, t.sql(d.q).get, org, id), &v, d)
	if errors.Is(err, sql.ErrNoRows) {
		return v, errNoRow
	}
	return v, err
}

// list returns up to limit records created after the position.
func (t *table[T]) list(ctx context.Context, d *database, org string, after int64, limit int) ([]T, error) {
	rows, err := d.db.QueryContext(ctx, t.sql(d.q).list, org, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		t.base(&v).OrgID = org
		if err := t.scan(rows, &v, d); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// update reads a record under a row lock, lets change edit it, checks it
// and writes it back. change returns an error to abort without writing.
func (t *table[T]) update(ctx context.Context, d *database, org, id string, change func(*T) error) (T, error) {
	var v T
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		v = *new(T)
		t.base(&v).OrgID = org
		err := t.scan(tx.QueryRowContext(ctx, t.sql(d.q).getForUpdate, org, id), &v, d)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoRow
		}
		if err != nil {
			return err
		}
		old := v
		if err := change(&v); err != nil {
			return err
		}
		if t.check != nil {
			if err := t.check(ctx, tx, d, &old, &v); err != nil {
				return err
			}
		}
		args := append(t.values(&v, d), d.bindTime(t.base(&v).UpdatedAt), org, id)
		_, err = tx.ExecContext(ctx, t.sql(d.q).update, args...)
		return err
	})
	return v, err
}

// remove deletes a record and, in the same transaction, what refers to it.
func (t *table[T]) remove(ctx context.Context, d *database, org, id string, now time.Time) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, t.sql(d.q).delete, org, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errNoRow
		}
		if t.deleted != nil {
			return t.deleted(ctx, tx, d, org, id, now)
		}
		return nil
	})
}

// lockRef checks, inside tx, that the organization has the record id
// names (query: org, id), and holds it until tx ends so that it cannot be
// deleted meanwhile. A missing one is a validation error of field.
func lockRef(ctx context.Context, tx *sql.Tx, query, org string, id *string, field, what string) error {
	if id == nil {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, query, org, *id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return &invalidError{[]fieldError{{field, "names no " + what + " of this organization"}}}
	}
	return err
}

// changed reports whether an optional reference is set to a new value.
func changed(old, now *string) bool {
	return now != nil && (old == nil || *old != *now)
}
