package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// maxPolls bounds drain, for a store that pages its feed.
const maxPolls = 100

// drain polls the change feed from cursor until a poll brings nothing new,
// and merges what it saw per key the way a Service does: a revocation once
// seen stays, an expiry only moves earlier. A store may return a change
// more than once and may page its answer; drain accepts both.
func drain(t *testing.T, s apikey.Store, cursor string) (map[string]apikey.Change, string) {
	t.Helper()
	merged := map[string]apikey.Change{}
	seen := map[apikey.Change]bool{}
	for range maxPolls {
		changes, next, err := s.Changes(t.Context(), cursor)
		if err != nil {
			t.Fatalf("Changes(%q): %v", cursor, err)
		}
		if next == "" {
			t.Fatalf("Changes(%q) returned the empty cursor, which means \"now\" and would skip changes", cursor)
		}
		cursor = next
		fresh := false
		for _, c := range changes {
			checkChangeTimes(t, c)
			key := apikey.Change{ID: c.ID, RevokedAt: c.RevokedAt.UTC(), ExpiresAt: c.ExpiresAt.UTC(), RotatedAt: c.RotatedAt.UTC()}
			if !seen[key] {
				seen[key], fresh = true, true
			}
			m, ok := merged[c.ID]
			if !ok {
				m.ID = c.ID
			}
			if m.RevokedAt.IsZero() {
				m.RevokedAt = c.RevokedAt
			}
			if m.ExpiresAt.IsZero() || (!c.ExpiresAt.IsZero() && c.ExpiresAt.Before(m.ExpiresAt)) {
				m.ExpiresAt = c.ExpiresAt
			}
			if m.RotatedAt.IsZero() {
				m.RotatedAt = c.RotatedAt
			}
			merged[c.ID] = m
		}
		if !fresh {
			break
		}
	}
	return merged, cursor
}

func checkChangeTimes(t *testing.T, c apikey.Change) {
	t.Helper()
	for _, tm := range []time.Time{c.RevokedAt, c.ExpiresAt, c.RotatedAt} {
		if tm.Location() != time.UTC {
			t.Errorf("change of %s: time %s is in location %q, want time.UTC", c.ID, fmtTime(tm), tm.Location())
		}
	}
}

// checkLatest fails unless got reports, for every id in want, the state the
// store holds for it now.
func checkLatest(t *testing.T, s apikey.Store, what string, got map[string]apikey.Change, want ...string) {
	t.Helper()
	for _, id := range want {
		stored := mustGet(t, s, id)
		c, ok := got[id]
		if !ok {
			t.Errorf("%s: change feed misses key %s", what, id)
			continue
		}
		checkChange(t, what+" (against the stored key)", c, apikey.Change{ID: id, RevokedAt: stored.RevokedAt, ExpiresAt: stored.ExpiresAt, RotatedAt: stored.RotatedAt})
	}
}

// checkPlausible fails if a change reports a state the key never had: a
// revocation time other than the stored one, or an expiry earlier than the
// stored one (expiries only move earlier).
func checkPlausible(t *testing.T, s apikey.Store, got map[string]apikey.Change) {
	t.Helper()
	for id, c := range got {
		stored, err := s.Get(t.Context(), id)
		if err != nil {
			t.Errorf("change feed reports key %q; Get: %v", id, err)
			continue
		}
		if !c.RevokedAt.IsZero() && !c.RevokedAt.Equal(stored.RevokedAt) {
			t.Errorf("change of %s: RevokedAt = %s, but the key's is %s", id, fmtTime(c.RevokedAt), fmtTime(stored.RevokedAt))
		}
		if !c.ExpiresAt.IsZero() && !stored.ExpiresAt.IsZero() && c.ExpiresAt.Before(stored.ExpiresAt) {
			t.Errorf("change of %s: ExpiresAt = %s, earlier than the key's %s", id, fmtTime(c.ExpiresAt), fmtTime(stored.ExpiresAt))
		}
	}
}

func testChanges(t *testing.T, s apikey.Store) {
	ctx := t.Context()
	const org = "oscorp"
	grace := later(24 * time.Hour)

	// Keys that exist before the first cursor and are never revoked or
	// rotated: they must never appear in the feed.
	var quiet []apikey.Record
	for range 5 {
		r := newRecord(org, later(-time.Hour))
		r.ExpiresAt = later(time.Hour)
		quiet = append(quiet, r)
	}
	quiet[0].ExpiresAt = time.Time{}
	mustCreate(t, s, quiet...)
	a, b, c := newRecord(org, later(-time.Hour)), newRecord(org, later(-time.Hour)), newRecord(org, later(-time.Hour))
	c.ExpiresAt = later(30 * 24 * time.Hour)
	early := newRecord(org, later(-2*time.Hour))
	mustCreate(t, s, a, b, c, early)
	if _, err := s.Revoke(ctx, org, early.ID, later(-time.Minute)); err != nil {
		t.Fatalf("Revoke: %v", err)
	}

	var c0 string
	t.Run("empty cursor returns no changes and a cursor", func(t *testing.T) {
		changes, cursor, err := s.Changes(ctx, "")
		if err != nil {
			t.Fatalf("Changes(\"\"): %v", err)
		}
		if len(changes) != 0 {
			t.Errorf("Changes(\"\") = %v, want no changes", changes)
		}
		if cursor == "" {
			t.Errorf("Changes(\"\") returned the empty cursor, want the current position")
		}
		c0 = cursor
	})
	if c0 == "" {
		t.FailNow()
	}

	uses := make([]apikey.Use, len(quiet))
	for i, r := range quiet {
		uses[i] = apikey.Use{ID: r.ID, At: later(time.Duration(i) * time.Second)}
	}
	if err := s.RecordUse(ctx, uses); err != nil {
		t.Fatalf("RecordUse: %v", err)
	}

	b2, c2 := newRecord(org, now), newRecord(org, now)
	var c1 string
	t.Run("revoke and rotate appear after the cursor", func(t *testing.T) {
		if _, err := s.Revoke(ctx, org, a.ID, later(time.Second)); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		if _, err := s.Rotate(ctx, apikey.Rotation{OrgID: org, OldID: b.ID, Now: now, GraceUntil: grace, New: b2}); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		got, next := drain(t, s, c0)
		checkLatest(t, s, "Changes(first cursor)", got, a.ID, b.ID)
		checkPlausible(t, s, got)
		if next == c0 {
			t.Errorf("cursor did not advance past two changes: still %q", next)
		}
		c1 = next
	})
	if c1 == "" {
		t.FailNow()
	}

	var cEnd string
	t.Run("later changes appear after the returned cursor", func(t *testing.T) {
		if _, err := s.Rotate(ctx, apikey.Rotation{OrgID: org, OldID: c.ID, Now: now, GraceUntil: grace, New: c2}); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		if _, err := s.Revoke(ctx, org, c.ID, later(2*time.Second)); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		if _, err := s.Revoke(ctx, org, b.ID, later(3*time.Second)); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		got, next := drain(t, s, c1)
		checkLatest(t, s, "Changes(second cursor)", got, b.ID, c.ID)
		checkPlausible(t, s, got)
		if next == c1 {
			t.Errorf("cursor did not advance past three changes: still %q", next)
		}
		cEnd = next
	})

	t.Run("an older cursor still returns every later change", func(t *testing.T) {
		got, _ := drain(t, s, c0)
		checkLatest(t, s, "Changes(first cursor) again", got, a.ID, b.ID, c.ID)
		checkPlausible(t, s, got)
	})

	t.Run("unrelated keys never appear", func(t *testing.T) {
		if cEnd == "" {
			t.Fatal("no cursor from the previous step")
		}
		// Keys created before the first cursor and only used since must
		// never appear. (A created key may appear, and a change made
		// before a cursor may be repeated after it.)
		unrelated := map[string]bool{}
		for _, r := range quiet {
			unrelated[r.ID] = true
		}
		cursor := cEnd
		for poll := range 3 {
			changes, next, err := s.Changes(ctx, cursor)
			if err != nil {
				t.Fatalf("quiet poll %d: Changes(%q): %v", poll, cursor, err)
			}
			for _, ch := range changes {
				if unrelated[ch.ID] {
					t.Errorf("quiet poll %d: change feed reports %s, which was only used", poll, ch.ID)
				}
			}
			cursor = next
		}
		got, _ := drain(t, s, c0)
		for id := range got {
			if unrelated[id] {
				t.Errorf("Changes(first cursor) reports %s, which was only used", id)
			}
		}
	})

	t.Run("garbage cursor is an error", func(t *testing.T) {
		for _, cursor := range []string{
			"garbage",
			"not a cursor!",
			"\x00\xff\xfe",
			"99999999999999999999999999999999999999",
			strings.Repeat("z", 4096),
		} {
			noPanic(t, fmt.Sprintf("Changes(%.20q)", cursor), func() {
				changes, next, err := s.Changes(ctx, cursor)
				if err == nil {
					t.Errorf("Changes(%.20q) = %d changes, cursor %q, no error; want an error", cursor, len(changes), next)
				}
			})
		}
	})
}
