package main

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// contact is a row of driive_contacts. Every query names the organization:
// a contact is never read or changed through another organization's id.
type contact struct {
	seq       int64
	ID        string
	OrgID     string
	Name      string
	Email     *string
	Phone     *string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func scanContact(row interface{ Scan(...any) error }, c *contact) error {
	var email, phone sql.NullString
	var created, updated dbTime
	if err := row.Scan(&c.seq, &c.ID, &c.Name, &email, &phone, &created, &updated); err != nil {
		return err
	}
	c.Email, c.Phone = stringPtr(email), stringPtr(phone)
	c.CreatedAt, c.UpdatedAt = created.t, updated.t
	return nil
}

func (d *database) insertContact(ctx context.Context, c *contact) error {
	_, err := d.db.ExecContext(ctx, d.q.contactInsert, c.ID, c.OrgID, c.Name, nullString(c.Email),
		nullString(c.Phone), d.bindTime(c.CreatedAt), d.bindTime(c.UpdatedAt))
	return err
}

func (d *database) getContact(ctx context.Context, org, id string) (contact, error) {
	c := contact{OrgID: org}
	err := scanContact(d.db.QueryRowContext(ctx, d.q.contactGet, org, id), &c)
	if errors.Is(err, sql.ErrNoRows) {
		return contact{}, errNoRow
	}
	return c, err
}

// listContacts returns up to limit contacts created after the position.
func (d *database) listContacts(ctx context.Context, org string, after int64, limit int) ([]contact, error) {
	rows, err := d.db.QueryContext(ctx, d.q.contactList, org, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []contact
	for rows.Next() {
		c := contact{OrgID: org}
		if err := scanContact(rows, &c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// updateContact reads a contact under a row lock, lets change edit it, and
// writes it back. change returns an error to abort without writing.
func (d *database) updateContact(ctx context.Context, org, id string, change func(*contact) error) (contact, error) {
	var c contact
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		c = contact{OrgID: org}
		err := scanContact(tx.QueryRowContext(ctx, d.q.contactGetForUpdate, org, id), &c)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoRow
		}
		if err != nil {
			return err
		}
		if err := change(&c); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, d.q.contactUpdate, c.Name, nullString(c.Email), nullString(c.Phone),
			d.bindTime(c.UpdatedAt), org, id)
		return err
	})
	return c, err
}

// deleteContact deletes a contact and clears it from the organization's
// appointments, in one transaction.
func (d *database) deleteContact(ctx context.Context, org, id string, now time.Time) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, d.q.contactDelete, org, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errNoRow
		}
		_, err = tx.ExecContext(ctx, d.q.appointmentUnlink, d.bindTime(now), org, id)
		return err
	})
}
