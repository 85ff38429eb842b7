package main

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// rules collects the broken rules of one request body.
type rules struct{ errs []fieldError }

func (r *rules) fail(field, detail string) { r.errs = append(r.errs, fieldError{field, detail}) }

func (r *rules) ok() bool { return len(r.errs) == 0 }

// readOnly refuses the members of fields that the server sets.
func (r *rules) readOnly(b body, fields []field) {
	for _, f := range fields {
		if f.readOnly && b[f.name].present {
			r.fail(f.name, "is read-only")
		}
	}
}

// required returns the member name of b for a required value, or false
// when it is to be left as it is. creating: an absent member is an error
// too.
func (r *rules) required(b body, name string, creating bool) (member, bool) {
	m := b[name]
	switch {
	case !m.present && !creating:
		return m, false
	case !m.present || m.null:
		r.fail(name, "is required")
		return m, false
	}
	return m, true
}

// text applies member name of b to *dst, a required text of 1-max
// characters.
func (r *rules) text(b body, name string, max int, creating bool, dst *string) {
	m, ok := r.required(b, name, creating)
	if !ok {
		return
	}
	if msg := checkText(m.value, max); msg != "" {
		r.fail(name, msg)
		return
	}
	*dst = m.value
}

// optText applies an optional text: null or "" clears it. check, if not
// nil, adds a rule for set values.
func (r *rules) optText(b body, name string, max int, check func(string) string, dst **string) {
	m := b[name]
	switch {
	case !m.present:
		return
	case m.null || m.value == "":
		*dst = nil
		return
	}
	msg := checkText(m.value, max)
	if msg == "" && check != nil {
		msg = check(m.value)
	}
	if msg != "" {
		r.fail(name, msg)
		return
	}
	v := m.value
	*dst = &v
}

// instant applies a required RFC 3339 time.
func (r *rules) instant(b body, name string, creating bool, dst *time.Time) {
	m, ok := r.required(b, name, creating)
	if !ok {
		return
	}
	t, msg := parseInstant(m.value)
	if msg != "" {
		r.fail(name, msg)
		return
	}
	*dst = t
}

// parseInstant reads an RFC 3339 time that the databases can store, in
// UTC and to the microsecond.
func parseInstant(s string) (time.Time, string) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, "must be an RFC 3339 time, like 2026-05-01T09:30:00Z"
	}
	// The year is checked in UTC, as stored: 9999-12-31T23:30:00-01:00
	// is in year 10000, which no database column or RFC 3339 text holds.
	if u := t.UTC(); u.Year() < 1 || u.Year() > 9999 {
		return time.Time{}, "must be between years 0001 and 9999"
	}
	return t.UTC().Truncate(time.Microsecond), ""
}

// checkText returns what is wrong with a text of at most max characters,
// or "". Text shaped like an API key is refused: a key pasted into a
// contact's notes would sit there in plaintext, readable by every key of
// the organization.
func checkText(s string, max int) string {
	n := utf8.RuneCountInString(s)
	switch {
	case n > max:
		return fmt.Sprintf("must be at most %d characters", max)
	case isBlank(s):
		return "must not be blank"
	case keyText.MatchString(s):
		return "must not contain an API key"
	}
	for _, c := range s {
		if unicode.IsControl(c) && c != '\n' && c != '\t' && c != '\r' {
			return "must not contain control characters"
		}
	}
	return ""
}

func isBlank(s string) bool {
	for _, c := range s {
		if !unicode.IsSpace(c) {
			return false
		}
	}
	return true
}
