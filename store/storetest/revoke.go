package storetest

import (
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

func testRevoke(t *testing.T, s apikey.Store) {
	ctx := t.Context()
	const org = "umbrella"

	t.Run("sets RevokedAt and keeps every other field", func(t *testing.T) {
		r := newRecord(org, later(-time.Hour))
		r.Permission = apikey.Write
		r.ExpiresAt = later(time.Hour)
		mustCreate(t, s, r)
		if err := s.RecordUse(ctx, []apikey.Use{{ID: r.ID, At: later(-time.Minute)}}); err != nil {
			t.Fatalf("RecordUse: %v", err)
		}
		r.LastUsedAt = later(-time.Minute)
		checkRevoke(t, s, r, now)
	})

	t.Run("second revoke keeps the first time", func(t *testing.T) {
		r := newRecord(org, later(-time.Hour))
		mustCreate(t, s, r)
		if _, err := s.Revoke(ctx, org, r.ID, now); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		r.RevokedAt = now
		for _, tt := range []struct {
			desc string
			at   time.Time
		}{
			{"later time", later(time.Hour)},
			{"earlier time", later(-time.Minute)},
			{"same time", now},
		} {
			t.Run(tt.desc, func(t *testing.T) {
				got, err := s.Revoke(ctx, org, r.ID, tt.at)
				if err != nil {
					t.Fatalf("second Revoke: %v", err)
				}
				checkKey(t, "second Revoke result", got, r.Key)
				checkStored(t, s, r)
			})
		}
	})

	t.Run("expired key can be revoked", func(t *testing.T) {
		r := newRecord(org, later(-time.Hour))
		r.ExpiresAt = later(-time.Minute)
		mustCreate(t, s, r)
		checkRevoke(t, s, r, now)
	})

	t.Run("missing key is ErrNotFound", func(t *testing.T) {
		r := withID(newRecord(org, now), "revAbcXyz012")
		mustCreate(t, s, r)
		for _, tt := range []struct{ desc, id string }{
			{"unknown id", newID()},
			{"empty id", ""},
			{"stored id in other case", flipCase(r.ID)},
			{"prefix of a stored id", r.ID[:11]},
		} {
			t.Run(tt.desc, func(t *testing.T) {
				_, err := s.Revoke(ctx, org, tt.id, now)
				checkErr(t, "Revoke", err, apikey.ErrNotFound)
				checkAbsent(t, s, tt.id)
			})
		}
		checkStored(t, s, r)
	})
}

func testOrgIsolation(t *testing.T, s apikey.Store) {
	ctx := t.Context()
	mine := newRecord("hooli", later(-time.Hour))
	mine.ExpiresAt = later(48 * time.Hour)
	theirs := newRecord("piedpiper", later(-time.Hour))
	mustCreate(t, s, mine, theirs)

	for _, tt := range []struct{ desc, org string }{
		{"another organization", "piedpiper"},
		{"organization that does not exist", "nobody"},
		{"organization in other case", "HOOLI"},
		{"empty organization", ""},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			t.Run("Revoke is ErrNotFound and revokes nothing", func(t *testing.T) {
				_, err := s.Revoke(ctx, tt.org, mine.ID, now)
				checkErr(t, "Revoke", err, apikey.ErrNotFound)
				checkStored(t, s, mine)
			})
			t.Run("Rotate is ErrNotFound and changes nothing", func(t *testing.T) {
				next := newRecord(tt.org, now)
				_, err := s.Rotate(ctx, apikey.Rotation{OrgID: tt.org, OldID: mine.ID, Now: now, GraceUntil: later(time.Hour), New: next})
				checkErr(t, "Rotate", err, apikey.ErrNotFound)
				checkStored(t, s, mine)
				checkAbsent(t, s, next.ID)
			})
			t.Run("List does not show the key", func(t *testing.T) {
				keys, err := s.List(ctx, apikey.ListQuery{OrgID: tt.org, Limit: 100})
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				for _, k := range keys {
					if k.ID == mine.ID || k.OrgID != tt.org {
						t.Errorf("List(%q) includes %s of %q", tt.org, k.ID, k.OrgID)
					}
				}
			})
		})
	}
	checkStored(t, s, theirs)
}
