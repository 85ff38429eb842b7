package storetest

import (
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// testTimestamps checks that every time field comes back as the same
// instant, in time.UTC, through every method that returns it. The instants
// have non-zero microseconds and lie far apart: a store that rounds to
// seconds or milliseconds, keeps a local time zone, or uses a type limited
// to 1970-2038 fails.
func testTimestamps(t *testing.T, s apikey.Store) {
	ctx := t.Context()
	created := time.Date(2001, time.February, 3, 4, 5, 6, 789012000, time.UTC)
	expires := time.Date(2099, time.December, 31, 23, 59, 59, 999999000, time.UTC)
	used := time.Date(2050, time.June, 15, 12, 0, 0, 1000, time.UTC)
	revoked := time.Date(2038, time.January, 19, 3, 14, 8, 1000, time.UTC)

	r := newRecord("tyrell", created)
	r.ExpiresAt = expires
	mustCreate(t, s, r)
	checkStored(t, s, r)

	t.Run("instants with varied microseconds", func(t *testing.T) {
		for _, tt := range []struct {
			desc string
			at   time.Time
		}{
			{"one microsecond", time.Date(2001, time.January, 1, 0, 0, 0, 1000, time.UTC)},
			{"999999 microseconds", time.Date(2024, time.February, 29, 23, 59, 59, 999999000, time.UTC)},
			{"half a second", time.Date(2037, time.December, 31, 23, 59, 59, 500000000, time.UTC)},
			{"after 2038-01-19", time.Date(2038, time.January, 19, 3, 14, 8, 654321000, time.UTC)},
			{"2099", time.Date(2099, time.July, 4, 1, 2, 3, 4000, time.UTC)},
			{"whole second", time.Date(2030, time.March, 1, 0, 0, 0, 0, time.UTC)},
		} {
			t.Run(tt.desc, func(t *testing.T) {
				k := newRecord("tyrell", tt.at)
				k.ExpiresAt = tt.at
				mustCreate(t, s, k)
				checkStored(t, s, k)
			})
		}
	})

	t.Run("RecordUse", func(t *testing.T) {
		if err := s.RecordUse(ctx, []apikey.Use{{ID: r.ID, At: used}}); err != nil {
			t.Fatalf("RecordUse: %v", err)
		}
		r.LastUsedAt = used
		checkStored(t, s, r)
	})

	t.Run("Revoke", func(t *testing.T) {
		r = checkRevoke(t, s, r, revoked)
	})

	t.Run("Rotate", func(t *testing.T) {
		old := newRecord("tyrell", created)
		mustCreate(t, s, old)
		next := newRecord("tyrell", revoked)
		next.ExpiresAt = expires
		grace := time.Date(2099, time.January, 2, 3, 4, 5, 60708000, time.UTC)
		got, err := s.Rotate(ctx, apikey.Rotation{OrgID: "tyrell", OldID: old.ID, Now: used, GraceUntil: grace, New: next})
		if err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		old.ExpiresAt, old.RotatedAt = grace, used
		checkKey(t, "Rotate result", got, old.Key)
		checkStored(t, s, old)
		checkStored(t, s, next)
	})

	t.Run("List", func(t *testing.T) {
		keys, err := s.List(ctx, apikey.ListQuery{OrgID: "tyrell", Limit: 100})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		for _, k := range keys {
			if k.ID == r.ID {
				checkKey(t, "List", k, r.Key)
				return
			}
		}
		t.Errorf("List(acme) = %v, missing %s", ids(keys), r.ID)
	})

	t.Run("Changes", func(t *testing.T) {
		k := newRecord("tyrell", created)
		k.ExpiresAt = expires
		mustCreate(t, s, k)
		_, cursor, err := s.Changes(ctx, "")
		if err != nil {
			t.Fatalf("Changes(\"\"): %v", err)
		}
		if _, err := s.Revoke(ctx, k.OrgID, k.ID, revoked); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		got, _ := drain(t, s, cursor)
		c, ok := got[k.ID]
		if !ok {
			t.Fatalf("change feed after Revoke misses %s", k.ID)
		}
		checkChange(t, "change feed after Revoke", c, apikey.Change{ID: k.ID, RevokedAt: revoked, ExpiresAt: expires})
	})
}
