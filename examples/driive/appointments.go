package main

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// appointment is a row of driive_appointments; like contacts, every query
// names the organization.
type appointment struct {
	seq       int64
	ID        string
	OrgID     string
	Title     string
	StartsAt  time.Time
	EndsAt    time.Time
	ContactID *string
	Notes     *string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// errUnknownContact: an appointment names a contact its organization does
// not have.
var errUnknownContact = errors.New("no such contact")

func scanAppointment(row interface{ Scan(...any) error }, a *appointment) error {
	var contactID, notes sql.NullString
	var starts, ends, created, updated dbTime
	if err := row.Scan(&a.seq, &a.ID, &a.Title, &starts, &ends, &contactID, &notes, &created, &updated); err != nil {
		return err
	}
	a.ContactID, a.Notes = stringPtr(contactID), stringPtr(notes)
	a.StartsAt, a.EndsAt, a.CreatedAt, a.UpdatedAt = starts.t, ends.t, created.t, updated.t
	return nil
}

// lockContact checks, inside tx, that the organization has the contact,
// and holds it until tx ends so that it cannot be deleted meanwhile.
func (d *database) lockContact(ctx context.Context, tx *sql.Tx, org string, id *string) error {
	if id == nil {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, d.q.contactLock, org, *id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errUnknownContact
	}
	return err
}

func (d *database) insertAppointment(ctx context.Context, a *appointment) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if err := d.lockContact(ctx, tx, a.OrgID, a.ContactID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, d.q.appointmentInsert, a.ID, a.OrgID, a.Title,
			d.bindTime(a.StartsAt), d.bindTime(a.EndsAt), nullString(a.ContactID), nullString(a.Notes),
			d.bindTime(a.CreatedAt), d.bindTime(a.UpdatedAt))
		return err
	})
}

func (d *database) getAppointment(ctx context.Context, org, id string) (appointment, error) {
	a := appointment{OrgID: org}
	err := scanAppointment(d.db.QueryRowContext(ctx, d.q.appointmentGet, org, id), &a)
	if errors.Is(err, sql.ErrNoRows) {
		return appointment{}, errNoRow
	}
	return a, err
}

func (d *database) listAppointments(ctx context.Context, org string, after int64, limit int) ([]appointment, error) {
	rows, err := d.db.QueryContext(ctx, d.q.appointmentList, org, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []appointment
	for rows.Next() {
		a := appointment{OrgID: org}
		if err := scanAppointment(rows, &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// updateAppointment reads an appointment under a row lock, lets change
// edit it, checks its contact and writes it back.
func (d *database) updateAppointment(ctx context.Context, org, id string, change func(*appointment) error) (appointment, error) {
	var a appointment
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		a = appointment{OrgID: org}
		err := scanAppointment(tx.QueryRowContext(ctx, d.q.appointmentGetForUpdate, org, id), &a)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoRow
		}
		if err != nil {
			return err
		}
		before := a.ContactID
		if err := change(&a); err != nil {
			return err
		}
		if a.ContactID != nil && (before == nil || *before != *a.ContactID) {
			if err := d.lockContact(ctx, tx, org, a.ContactID); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, d.q.appointmentUpdate, a.Title, d.bindTime(a.StartsAt),
			d.bindTime(a.EndsAt), nullString(a.ContactID), nullString(a.Notes), d.bindTime(a.UpdatedAt), org, id)
		return err
	})
	return a, err
}

func (d *database) deleteAppointment(ctx context.Context, org, id string) error {
	res, err := d.db.ExecContext(ctx, d.q.appointmentDelete, org, id)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errNoRow
	}
	return nil
}
