package main

import (
	"errors"
	"time"
)

var errBadWhen = errors.New("must be an RFC 3339 time (2026-12-31T23:59:59Z), a date (2026-12-31) or a duration from now (90m, 720h)")

// parseWhen reads a WHEN value: an RFC 3339 time; a date YYYY-MM-DD, which
// means the key works through that whole day (UTC) and expires at
// 00:00:00Z of the next; or a Go duration counted from now. Whether the
// time is in the future is the Service's to judge.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.AddDate(0, 0, 1), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(d).UTC(), nil
	}
	return time.Time{}, errBadWhen
}
