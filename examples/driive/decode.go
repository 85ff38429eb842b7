package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// member is one member of a request body. Every writable member of a
// contact or an appointment is a string or null, which keeps decoding and
// JSON merge patch (RFC 7396) one small piece of code.
type member struct {
	present bool // absent: a PATCH leaves the value as it is
	null    bool // null: a PATCH clears an optional value
	value   string
}

// body is a decoded request object.
type body map[string]member

// requestError is a body that does not decode into the object: 400.
type requestError struct{ msg string }

func (e *requestError) Error() string { return e.msg }

// decodeBody reads a JSON object of at most maxBody bytes whose members are
// among known, each a string or null. Read-only members (id, created_at,
// updated_at) are known too, so that the rule check can name them.
func decodeBody(w http.ResponseWriter, r *http.Request, known ...string) (body, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &requestError{"the body is larger than 1 MiB"}
		}
		return nil, &requestError{"the body could not be read"}
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, &requestError{"the body must be a JSON object"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &requestError{"the body must hold one JSON object and nothing after it"}
	}
	b := make(body, len(obj))
	for name, v := range obj {
		if !contains(known, name) {
			return nil, &requestError{fmt.Sprintf("unknown member %s", quoteShort(name))}
		}
		if string(v) == "null" {
			b[name] = member{present: true, null: true}
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, &requestError{fmt.Sprintf("member %s must be a string or null", quoteShort(name))}
		}
		b[name] = member{present: true, value: s}
	}
	return b, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// quoteShort quotes a client's text for an error message, cut to a
// readable length.
func quoteShort(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "..."
	}
	return strconv.Quote(s)
}

// rules collects the broken rules of one request body.
type rules struct{ errs []fieldError }

func (r *rules) fail(field, detail string) { r.errs = append(r.errs, fieldError{field, detail}) }

func (r *rules) ok() bool { return len(r.errs) == 0 }

// readOnly refuses members the server sets.
func (r *rules) readOnly(b body, names ...string) {
	for _, n := range names {
		if b[n].present {
			r.fail(n, "is read-only")
		}
	}
}

// text applies member name of b to *dst, a required text of 1-max
// characters. creating: an absent member is an error too.
func (r *rules) text(b body, name string, max int, creating bool, dst *string) {
	m := b[name]
	switch {
	case !m.present && !creating:
		return
	case !m.present || m.null:
		r.fail(name, "is required")
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
	m := b[name]
	switch {
	case !m.present && !creating:
		return
	case !m.present || m.null:
		r.fail(name, "is required")
		return
	}
	t, err := time.Parse(time.RFC3339Nano, m.value)
	if err != nil {
		r.fail(name, "must be an RFC 3339 time, like 2026-05-01T09:30:00Z")
		return
	}
	// The year is checked in UTC, as stored: 9999-12-31T23:30:00-01:00
	// is in year 10000, which no database column or RFC 3339 text holds.
	if u := t.UTC(); u.Year() < 1 || u.Year() > 9999 {
		r.fail(name, "must be between years 0001 and 9999")
		return
	}
	*dst = t.UTC().Truncate(time.Microsecond)
}

// checkText returns what is wrong with a text of at most max characters,
// or "".
func checkText(s string, max int) string {
	n := utf8.RuneCountInString(s)
	switch {
	case n > max:
		return fmt.Sprintf("must be at most %d characters", max)
	case isBlank(s):
		return "must not be blank"
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
