package main

import (
	"context"
	"database/sql"
	"net/mail"
	"time"
)

// contact is a row of driive_contacts.
type contact struct {
	record
	Name  string
	Email *string
	Phone *string
}

// contactJSON is a contact as the API shows it.
type contactJSON struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Email     *string `json:"email"`
	Phone     *string `json:"phone"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
}

// readOnlyFields are the members every resource shows and only the server
// sets.
var readOnlyFields = []field{
	{name: "id", readOnly: true}, {name: "created_at", readOnly: true}, {name: "updated_at", readOnly: true},
}

var contacts = &resource[contact]{
	path: "contacts", one: "contact", idPrefix: "ct_",
	fields: append([]field{
		{name: "name", required: true, doc: "1-200 characters"},
		{name: "email", doc: "an email address, like ada@example.com"},
		{name: "phone", doc: "digits, spaces, + - ( ) ."},
	}, readOnlyFields...),
	apply: func(r *rules, b body, c *contact, creating bool) {
		r.text(b, "name", 200, creating, &c.Name)
		r.optText(b, "email", 254, checkEmail, &c.Email)
		r.optText(b, "phone", 32, checkPhone, &c.Phone)
	},
	view: func(c contact) any {
		return contactJSON{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone,
			CreatedAt: apiTime(c.CreatedAt), UpdatedAt: apiTime(c.UpdatedAt)}
	},
	table: table[contact]{
		sql:  func(q *queries) *tableSQL { return &q.contacts },
		base: func(c *contact) *record { return &c.record },
		scan: func(row scanner, c *contact, _ *database) error {
			var email, phone sql.NullString
			err := scanRow(row, &c.record, &c.Name, &email, &phone)
			c.Email, c.Phone = stringPtr(email), stringPtr(phone)
			return err
		},
		values: func(c *contact, _ *database) []any {
			return []any{c.Name, nullString(c.Email), nullString(c.Phone)}
		},
		// A deleted contact leaves its appointments, without it.
		deleted: func(ctx context.Context, tx *sql.Tx, d *database, org, id string, now time.Time) error {
			_, err := tx.ExecContext(ctx, d.q.appointmentUnlinkContact, d.bindTime(now), org, id)
			return err
		},
	},
}

// apiTime writes times as RFC 3339 in UTC, with a Z.
func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func checkEmail(s string) string {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return "must be an email address, like ada@example.com"
	}
	return ""
}

func checkPhone(s string) string {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			digits++
		case c == '+' && i == 0, c == ' ', c == '-', c == '(', c == ')', c == '.':
		default:
			return "must be a phone number: digits, spaces, + - ( ) ."
		}
	}
	if digits < 3 {
		return "must be a phone number with at least 3 digits"
	}
	return ""
}
