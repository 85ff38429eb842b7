package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/driive/keyauth/apikey"
)

// pageData is everything a template may show. Only NewKey ever holds a
// plaintext key, and only while the create response is rendered.
type pageData struct {
	Title    string
	Org      string
	SignedIn bool
	CSS, JS  string
	Flash    string // a notice after a redirect ("key revoked")
	Error    string // a page-level alert

	Login loginData

	Keys     []keyRow
	PageNum  int
	NextURL  string
	PrevURL  string
	Form     createForm
	NewKey   *newKey
	Revoke   *keyRow
	Return   returnTo
	APIURL   string // an example request URL for the usage card
	Status   int    // for the error page
	ErrTitle string
}

// newKey is the key shown once after creation.
type newKey struct {
	Plaintext string
	Row       keyRow
}

// returnTo is the page of the table to come back to after a revocation.
type returnTo struct {
	Cursor string
	Page   int
}

// createForm is the create form's values and per-field errors.
type createForm struct {
	Name, Permission, Expires          string
	NameErr, PermissionErr, ExpiresErr string
	MinDate, MaxDate                   string
}

func (f createForm) HasErrors() bool {
	return f.NameErr != "" || f.PermissionErr != "" || f.ExpiresErr != ""
}

// keyRow is one key as the table shows it.
type keyRow struct {
	ID, Name, Prefix string
	Permission       string // "read" or "write"
	Created          timeView
	Expires          *timeView // nil: never
	LastUsed         *timeView // nil: never used
	RevokedAt        *timeView // nil: active
	Expired          bool
	New              bool // the key just created
}

// timeView is a UTC instant in the forms the page shows it.
type timeView struct {
	ISO      string // for <time datetime>
	Date     string // "Nov 26, 2026"
	Clock    string // "09:20 UTC"
	Relative string // "3 minutes ago"
}

func newTimeView(t, now time.Time) *timeView {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &timeView{
		ISO:      t.Format(time.RFC3339),
		Date:     t.Format("Jan 2, 2006"),
		Clock:    t.Format("15:04 UTC"),
		Relative: relative(t, now),
	}
}

// relative says how long ago (or until when) t is, coarsely: the exact
// instant is in the element's title.
func relative(t, now time.Time) string {
	d := now.Sub(t)
	suffix := " ago"
	if d < 0 {
		d, suffix = -d, ""
	}
	var s string
	switch {
	case d < time.Minute:
		if suffix == "" {
			return "in less than a minute"
		}
		return "just now"
	case d < time.Hour:
		s = plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		s = plural(int(d/time.Hour), "hour")
	case d < 60*24*time.Hour:
		s = plural(int(d/(24*time.Hour)), "day")
	case d < 730*24*time.Hour:
		s = plural(int(d/(30*24*time.Hour)), "month")
	default:
		s = plural(int(d/(365*24*time.Hour)), "year")
	}
	if suffix == "" {
		return "in " + s
	}
	return s + suffix
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func rowOf(k apikey.Key, now time.Time) keyRow {
	return keyRow{
		ID:         k.ID,
		Name:       k.Name,
		Prefix:     k.Prefix,
		Permission: k.Permission.String(),
		Created:    *newTimeView(k.CreatedAt, now),
		Expires:    newTimeView(k.ExpiresAt, now),
		LastUsed:   newTimeView(k.LastUsedAt, now),
		RevokedAt:  newTimeView(k.RevokedAt, now),
		Expired:    k.Expired(now),
	}
}

var funcs = template.FuncMap{
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"initial": func(s string) string {
		if s == "" {
			return "?"
		}
		return strings.ToUpper(s[:1])
	},
}
