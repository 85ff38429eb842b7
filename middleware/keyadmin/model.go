package keyadmin

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/driive/keyauth/apikey"
)

// pageData is everything a template may show. Only NewKey ever holds a
// key's text, and only while the one GET that takes its flash renders.
type pageData struct {
	Title    string
	Product  string
	SignOut  string // Config.SignOutURL
	Orgs     string // Config.OrgsURL
	Org      string
	Base     string // the page's URL path
	CSS, JS  string
	HostCSS  string // Config.Stylesheet
	Actor    Actor
	SignedIn bool
	Can      rights
	Notice   string // a notice after a redirect ("key revoked")
	Error    string // a page-level alert
	Gone     bool   // the flash of a new key was taken before

	Keys        []keyRow
	PageNum     int
	NextURL     string
	PrevURL     string
	HideRevoked bool
	ToggleURL   string // the list with revoked keys shown or hidden
	Back        string // the list's query string, to return to after an action
	Form        createForm
	NewKey      *newKey
	Target      *keyRow // the key of the revoke and rotate forms
	Grace       string  // the rotate form's choice
	Events      []eventRow
	ActivityURL string
	MoreURL     string // the next page of the activity list

	Status   int // for the error page
	ErrTitle string
}

// rights are what the actor may do here; the page hides what they may not.
type rights struct{ Create, Rotate, Revoke bool }

// newKey is a key shown once, after it was created or rotated in.
type newKey struct {
	Plaintext string
	Row       keyRow
	Replaces  string // the prefix of the key it replaces, for a rotation
}

// createForm is the create form's values and per-field errors.
type createForm struct {
	Name, Permission, Expires          string
	NameErr, PermissionErr, ExpiresErr string
	MinDate, MaxDate                   string
	Back                               string
}

func (f createForm) HasErrors() bool {
	return f.NameErr != "" || f.PermissionErr != "" || f.ExpiresErr != ""
}

// keyRow is one key as the table shows it.
type keyRow struct {
	ID, Name, Prefix string
	Permission       string // "read" or "write"
	Created          timeView
	CreatedBy        string    // "" when unknown
	Expires          *timeView // nil: never
	LastUsed         *timeView // nil: never used
	RevokedAt        *timeView // nil: active
	RotatedAt        *timeView // nil: not replaced
	Expired          bool
	ExpiresSoon      string // "Expires in 3 days", within the warning window
	New              bool   // the key just created
}

// Active reports whether the key still works.
func (k keyRow) Active() bool { return k.RevokedAt == nil && !k.Expired }

// eventRow is one entry of the activity list.
type eventRow struct {
	At     timeView
	Action string // "created", "rotated", "revoked"
	Key    string // the key's display prefix
	NewKey string // its replacement's, for a rotation
	Actor  string
	Addr   string
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

// soonWindow is how close to its expiry a key is marked on the page.
const soonWindow = 7 * 24 * time.Hour

func rowOf(k apikey.Key, now time.Time) keyRow {
	row := keyRow{
		ID:         k.ID,
		Name:       k.Name,
		Prefix:     k.Prefix,
		Permission: k.Permission.String(),
		Created:    *newTimeView(k.CreatedAt, now),
		CreatedBy:  creatorName(k),
		Expires:    newTimeView(k.ExpiresAt, now),
		LastUsed:   newTimeView(k.LastUsedAt, now),
		RevokedAt:  newTimeView(k.RevokedAt, now),
		RotatedAt:  newTimeView(k.RotatedAt, now),
		Expired:    k.Expired(now),
	}
	if !k.Revoked() && !row.Expired && !k.ExpiresAt.IsZero() && k.ExpiresAt.Sub(now) <= soonWindow {
		row.ExpiresSoon = "Expires " + relative(k.ExpiresAt, now)
	}
	return row
}

var funcs = template.FuncMap{
	"graces": func() any { return graces },
	"initial": func(s string) string {
		if s == "" {
			return "?"
		}
		return strings.ToUpper(s[:1])
	},
}
