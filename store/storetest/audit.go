package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/driive/keyauth/apikey"
)

// testAudit checks the audit trail: Create, Revoke and Rotate each record
// one event with their context's actor, in the same transaction as their
// change, and Events lists an organization's events newest first.
func testAudit(t *testing.T, s apikey.Store) {
	alice := apikey.Actor{ID: "u_1", Name: "Alice Ünal", Addr: "192.0.2.7"}
	bob := apikey.Actor{ID: "cli", Name: "bob"}
	as := func(a apikey.Actor) context.Context { return apikey.WithActor(t.Context(), a) }

	t.Run("each change records one event with its actor", func(t *testing.T) {
		const org = "audit-each"
		r := newRecord(org, later(-time.Hour))
		r.CreatedBy = apikey.Actor{ID: alice.ID, Name: alice.Name}
		if err := s.Create(as(alice), r); err != nil {
			t.Fatalf("Create: %v", err)
		}
		checkStored(t, s, r)
		next := newRecord(org, now)
		next.CreatedBy = apikey.Actor{ID: bob.ID, Name: bob.Name}
		if _, err := s.Rotate(as(bob), apikey.Rotation{OrgID: org, OldID: r.ID, Now: now, GraceUntil: later(time.Hour), New: next}); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		if _, err := s.Revoke(as(alice), org, next.ID, later(time.Minute)); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		// A revocation that changes nothing records nothing.
		if _, err := s.Revoke(as(bob), org, next.ID, later(2*time.Minute)); err != nil {
			t.Fatalf("second Revoke: %v", err)
		}
		// Without an actor, the zero Actor.
		plain := newRecord(org, later(-time.Minute))
		mustCreate(t, s, plain)

		want := []apikey.Event{
			{At: plain.CreatedAt, OrgID: org, KeyID: plain.ID, Action: apikey.KeyCreated},
			{At: later(time.Minute), OrgID: org, KeyID: next.ID, Action: apikey.KeyRevoked, Actor: alice},
			{At: now, OrgID: org, KeyID: r.ID, Action: apikey.KeyRotated, Actor: bob, NewKeyID: next.ID},
			{At: r.CreatedAt, OrgID: org, KeyID: r.ID, Action: apikey.KeyCreated, Actor: alice},
		}
		got := mustEvents(t, s, apikey.EventQuery{OrgID: org, Limit: 10})
		checkEvents(t, "Events", got, want)
		checkEventIDs(t, got)
	})

	t.Run("pages go from the newest to the oldest", func(t *testing.T) {
		const org = "audit-pages"
		var want []string
		for i := range 5 {
			r := newRecord(org, later(time.Duration(i)*time.Second))
			mustCreate(t, s, r)
			want = append([]string{r.ID}, want...)
		}
		mustCreate(t, s, newRecord("audit-pages-other", now))
		var got []string
		q := apikey.EventQuery{OrgID: org, Limit: 2}
		for range 10 {
			page := mustEvents(t, s, q)
			for _, e := range page {
				got = append(got, e.KeyID)
			}
			if len(page) < q.Limit {
				break
			}
			q.Before = page[len(page)-1].ID
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("paging through Events: key ids differ (-want +got):\n%s", d)
		}
		if evs := mustEvents(t, s, apikey.EventQuery{OrgID: "audit-nobody", Limit: 5}); len(evs) != 0 {
			t.Errorf("Events of an organization without events: %d, want none", len(evs))
		}
	})

	t.Run("a malformed position is ErrInvalidArgument", func(t *testing.T) {
		for _, before := range []string{"x", "-1", "1.5", strings.Repeat("9", 40)} {
			_, err := s.Events(t.Context(), apikey.EventQuery{OrgID: "audit-pages", Before: before, Limit: 5})
			if !errors.Is(err, apikey.ErrInvalidArgument) {
				t.Errorf("Events(Before %q): %v, want ErrInvalidArgument", before, err)
			}
		}
	})

	t.Run("a failed change records no event", func(t *testing.T) {
		const org = "audit-failed"
		taken := newRecord(org, later(-time.Hour))
		mustCreate(t, s, taken)
		revoked := newRecord(org, later(-time.Hour))
		revoked.RevokedAt = later(-time.Minute)
		mustCreate(t, s, revoked)
		expired := newRecord(org, later(-time.Hour))
		expired.ExpiresAt = later(-time.Minute)
		mustCreate(t, s, expired)
		rotated := newRecord(org, later(-time.Hour))
		mustCreate(t, s, rotated)
		if _, err := s.Rotate(t.Context(), apikey.Rotation{OrgID: org, OldID: rotated.ID, Now: now, GraceUntil: later(time.Hour), New: newRecord(org, now)}); err != nil {
			t.Fatalf("first Rotate: %v", err)
		}
		before := mustEvents(t, s, apikey.EventQuery{OrgID: org, Limit: 100})
		rotatedBefore := mustGet(t, s, rotated.ID)

		ctx := as(alice)
		failures := []struct {
			desc string
			do   func() error
			want error
		}{
			{"Create of a taken id", func() error { return s.Create(ctx, withID(newRecord(org, now), taken.ID)) }, apikey.ErrAlreadyExists},
			{"Revoke of a missing key", func() error { _, err := s.Revoke(ctx, org, newID(), now); return err }, apikey.ErrNotFound},
			{"Revoke in another organization", func() error { _, err := s.Revoke(ctx, "audit-else", taken.ID, now); return err }, apikey.ErrNotFound},
			{"Rotate of a revoked key", func() error { return rotate(ctx, s, org, revoked.ID, newRecord(org, now)) }, apikey.ErrKeyRevoked},
			{"Rotate of an expired key", func() error { return rotate(ctx, s, org, expired.ID, newRecord(org, now)) }, apikey.ErrKeyExpired},
			{"Rotate of a rotated key", func() error { return rotate(ctx, s, org, rotated.ID, newRecord(org, now)) }, apikey.ErrAlreadyRotated},
			{"Rotate to a taken id", func() error { return rotate(ctx, s, org, taken.ID, withID(newRecord(org, now), revoked.ID)) }, apikey.ErrAlreadyExists},
			{"Rotate of a missing key", func() error { return rotate(ctx, s, org, newID(), newRecord(org, now)) }, apikey.ErrNotFound},
		}
		for _, f := range failures {
			if err := f.do(); !errors.Is(err, f.want) {
				t.Errorf("%s: %v, want %v", f.desc, err, f.want)
			}
		}
		checkEvents(t, "Events after failed changes", mustEvents(t, s, apikey.EventQuery{OrgID: org, Limit: 100}), before)
		checkStored(t, s, taken)
		checkStored(t, s, rotatedBefore)
	})

	t.Run("no event exists without its change", func(t *testing.T) {
		for _, org := range []string{"audit-each", "audit-pages", "audit-failed"} {
			for _, e := range mustEvents(t, s, apikey.EventQuery{OrgID: org, Limit: 100}) {
				k := mustGet(t, s, e.KeyID)
				switch {
				case k.OrgID != e.OrgID:
					t.Errorf("event %s of %s names key %s of %s", e.ID, e.OrgID, k.ID, k.OrgID)
				case e.Action == apikey.KeyRevoked && !k.RevokedAt.Equal(e.At):
					t.Errorf("event %s: %s revoked at %s, the key says %s", e.ID, k.ID, fmtTime(e.At), fmtTime(k.RevokedAt))
				case e.Action == apikey.KeyRotated && !k.RotatedAt.Equal(e.At):
					t.Errorf("event %s: %s rotated at %s, the key says %s", e.ID, k.ID, fmtTime(e.At), fmtTime(k.RotatedAt))
				case e.Action == apikey.KeyRotated:
					if n := mustGet(t, s, e.NewKeyID); n.OrgID != e.OrgID {
						t.Errorf("event %s: replacement %s is of %s", e.ID, n.ID, n.OrgID)
					}
				case e.Action == apikey.KeyCreated && !k.CreatedAt.Equal(e.At):
					t.Errorf("event %s: %s created at %s, the key says %s", e.ID, k.ID, fmtTime(e.At), fmtTime(k.CreatedAt))
				}
			}
		}
	})
}

func rotate(ctx context.Context, s apikey.Store, org, oldID string, next apikey.Record) error {
	_, err := s.Rotate(ctx, apikey.Rotation{OrgID: org, OldID: oldID, Now: now, GraceUntil: later(time.Hour), New: next})
	return err
}

func mustEvents(t *testing.T, s apikey.Store, q apikey.EventQuery) []apikey.Event {
	t.Helper()
	evs, err := s.Events(t.Context(), q)
	if err != nil {
		t.Fatalf("Events(%+v): %v", q, err)
	}
	for _, e := range evs {
		if e.At.Location() != time.UTC {
			t.Errorf("event %s: time %s is in location %q, want time.UTC", e.ID, fmtTime(e.At), e.At.Location())
		}
	}
	return evs
}

// checkEvents compares events without their ids, which the Store assigns.
func checkEvents(t *testing.T, what string, got, want []apikey.Event) {
	t.Helper()
	if d := cmp.Diff(want, got, exactTimes, cmpopts.IgnoreFields(apikey.Event{}, "ID"), cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s differ (-want +got):\n%s", what, d)
	}
}

func checkEventIDs(t *testing.T, evs []apikey.Event) {
	t.Helper()
	seen := map[string]bool{}
	for _, e := range evs {
		if e.ID == "" || seen[e.ID] {
			t.Errorf("event id %q is empty or repeated", e.ID)
		}
		seen[e.ID] = true
	}
}
