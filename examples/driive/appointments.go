package main

import (
	"context"
	"database/sql"
	"time"
)

// appointment is a row of driive_appointments.
type appointment struct {
	record
	Title        string
	StartsAt     time.Time
	EndsAt       time.Time
	ContactID    *string
	TeamMemberID *string
	Notes        *string
}

// appointmentJSON is an appointment as the API shows it.
type appointmentJSON struct {
	ID           string  `json:"id"`
	Title        string  `json:"title"`
	StartsAt     string  `json:"starts_at"`
	EndsAt       string  `json:"ends_at"`
	ContactID    *string `json:"contact_id"`
	TeamMemberID *string `json:"team_member_id"`
	Notes        *string `json:"notes"`
	CreatedAt    string  `json:"created_at"`
	UpdatedAt    string  `json:"updated_at"`
}

var appointments = &resource[appointment]{
	path: "appointments", one: "appointment", idPrefix: "ap_",
	fields: append([]field{
		{name: "title", required: true, doc: "1-200 characters"},
		{name: "starts_at", required: true, doc: "RFC 3339 time, like 2026-05-01T09:30:00Z"},
		{name: "ends_at", required: true, doc: "RFC 3339 time after starts_at"},
		{name: "contact_id", doc: "id of a contact of the organization"},
		{name: "team_member_id", doc: "id of a team member of the organization"},
		{name: "notes", doc: "up to 10000 characters"},
	}, readOnlyFields...),
	// Whether contact_id and team_member_id name records is checked in the database, in the
	// same transaction as the write.
	apply: func(r *rules, b body, a *appointment, creating bool) {
		r.text(b, "title", 200, creating, &a.Title)
		r.instant(b, "starts_at", creating, &a.StartsAt)
		r.instant(b, "ends_at", creating, &a.EndsAt)
		r.optText(b, "contact_id", 64, nil, &a.ContactID)
		r.optText(b, "team_member_id", 64, nil, &a.TeamMemberID)
		r.optText(b, "notes", 10000, nil, &a.Notes)
		if r.ok() && !a.EndsAt.After(a.StartsAt) {
			r.fail("ends_at", "must be after starts_at")
		}
	},
	view: func(a appointment) any {
		return appointmentJSON{ID: a.ID, Title: a.Title, StartsAt: apiTime(a.StartsAt), EndsAt: apiTime(a.EndsAt),
			ContactID: a.ContactID, TeamMemberID: a.TeamMemberID, Notes: a.Notes, CreatedAt: apiTime(a.CreatedAt), UpdatedAt: apiTime(a.UpdatedAt)}
	},
	table: table[appointment]{
		sql:  func(q *queries) *tableSQL { return &q.appointments },
		base: func(a *appointment) *record { return &a.record },
		scan: func(row scanner, a *appointment, _ *database) error {
			var contactID, memberID, notes sql.NullString
			var starts, ends dbTime
			err := scanRow(row, &a.record, &a.Title, &starts, &ends, &contactID, &memberID, &notes)
			a.ContactID, a.TeamMemberID, a.Notes = stringPtr(contactID), stringPtr(memberID), stringPtr(notes)
			a.StartsAt, a.EndsAt = starts.t, ends.t
			return err
		},
		values: func(a *appointment, d *database) []any {
			return []any{a.Title, d.bindTime(a.StartsAt), d.bindTime(a.EndsAt), nullString(a.ContactID),
				nullString(a.TeamMemberID), nullString(a.Notes)}
		},
		check: func(ctx context.Context, tx *sql.Tx, d *database, old, a *appointment) error {
			var was appointment
			if old != nil {
				was = *old
			}
			if changed(was.ContactID, a.ContactID) {
				if err := lockRef(ctx, tx, d.q.contactLock, a.OrgID, a.ContactID, "contact_id", "contact"); err != nil {
					return err
				}
			}
			if changed(was.TeamMemberID, a.TeamMemberID) {
				return lockRef(ctx, tx, d.q.teamMemberLock, a.OrgID, a.TeamMemberID, "team_member_id", "team member")
			}
			return nil
		},
	},
}
