package storetest

import (
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

func testRotate(t *testing.T, s apikey.Store) {
	ctx := t.Context()
	const org = "initech"
	grace := later(24 * time.Hour)

	t.Run("success", func(t *testing.T) {
		for _, tt := range []struct {
			desc        string
			oldExpires  time.Time
			graceUntil  time.Time
			newExpires  time.Time
			wantExpires time.Time
		}{
			{"old key without expiry ends at GraceUntil", time.Time{}, grace, time.Time{}, grace},
			{"old key expiring before GraceUntil keeps its expiry", later(time.Hour), grace, later(90 * 24 * time.Hour), later(time.Hour)},
			{"old key expiring at GraceUntil keeps it", grace, grace, time.Time{}, grace},
			{"old key expiring after GraceUntil ends at GraceUntil", later(30 * 24 * time.Hour), grace, time.Time{}, grace},
			{"old key expiring one microsecond after Now can be rotated", later(time.Microsecond), grace, time.Time{}, later(time.Microsecond)},
			{"GraceUntil equal to Now ends the old key at once", time.Time{}, now, later(time.Hour), now},
		} {
			t.Run(tt.desc, func(t *testing.T) {
				old := newRecord(org, later(-time.Hour))
				old.Permission = apikey.Write
				old.ExpiresAt = tt.oldExpires
				mustCreate(t, s, old)
				if err := s.RecordUse(ctx, []apikey.Use{{ID: old.ID, At: later(-time.Second)}}); err != nil {
					t.Fatalf("RecordUse: %v", err)
				}
				old.LastUsedAt = later(-time.Second)
				next := newRecord(org, now)
				next.Permission, next.Name = apikey.Write, old.Name
				next.ExpiresAt = tt.newExpires

				got, err := s.Rotate(ctx, apikey.Rotation{OrgID: org, OldID: old.ID, Now: now, GraceUntil: tt.graceUntil, New: next})
				if err != nil {
					t.Fatalf("Rotate: %v", err)
				}
				old.ExpiresAt, old.RotatedAt = tt.wantExpires, now
				checkKey(t, "Rotate result", got, old.Key)
				checkStored(t, s, old)
				checkStored(t, s, next)
			})
		}
	})

	t.Run("failure changes nothing", func(t *testing.T) {
		taken := newRecord(org, later(-time.Hour))
		mustCreate(t, s, taken)
		for _, tt := range []struct {
			desc    string
			prepare func(old *apikey.Record, rot *apikey.Rotation)
			want    error
		}{
			{"revoked old key is ErrKeyRevoked", func(old *apikey.Record, rot *apikey.Rotation) {
				old.RevokedAt = later(-time.Minute)
			}, apikey.ErrKeyRevoked},
			{"old key revoked at Now is ErrKeyRevoked", func(old *apikey.Record, rot *apikey.Rotation) {
				old.RevokedAt = now
			}, apikey.ErrKeyRevoked},
			{"old key expired at Now is ErrKeyExpired", func(old *apikey.Record, rot *apikey.Rotation) {
				old.ExpiresAt = now
			}, apikey.ErrKeyExpired},
			{"old key expired before Now is ErrKeyExpired", func(old *apikey.Record, rot *apikey.Rotation) {
				old.ExpiresAt = later(-time.Microsecond)
			}, apikey.ErrKeyExpired},
			{"revoked and expired old key is ErrKeyRevoked", func(old *apikey.Record, rot *apikey.Rotation) {
				old.ExpiresAt = later(-time.Minute)
				old.RevokedAt = later(-time.Second)
			}, apikey.ErrKeyRevoked},
			{"new id taken is ErrAlreadyExists", func(old *apikey.Record, rot *apikey.Rotation) {
				rot.New = withID(rot.New, taken.ID)
			}, apikey.ErrAlreadyExists},
			{"new id equal to the old id is ErrAlreadyExists", func(old *apikey.Record, rot *apikey.Rotation) {
				rot.New = withID(rot.New, old.ID)
			}, apikey.ErrAlreadyExists},
			{"missing old key is ErrNotFound", func(old *apikey.Record, rot *apikey.Rotation) {
				rot.OldID = newID()
			}, apikey.ErrNotFound},
			{"old key of another organization is ErrNotFound", func(old *apikey.Record, rot *apikey.Rotation) {
				rot.OrgID = "initech-2"
				rot.New.OrgID = "initech-2"
			}, apikey.ErrNotFound},
		} {
			t.Run(tt.desc, func(t *testing.T) {
				old := newRecord(org, later(-time.Hour))
				rot := apikey.Rotation{OrgID: org, OldID: old.ID, Now: now, GraceUntil: grace, New: newRecord(org, now)}
				tt.prepare(&old, &rot)
				revokedAt := old.RevokedAt
				old.RevokedAt = time.Time{}
				mustCreate(t, s, old)
				if !revokedAt.IsZero() {
					if _, err := s.Revoke(ctx, org, old.ID, revokedAt); err != nil {
						t.Fatalf("Revoke: %v", err)
					}
					old.RevokedAt = revokedAt
				}

				got, err := s.Rotate(ctx, rot)
				checkErr(t, "Rotate", err, tt.want)
				if err == nil {
					t.Logf("Rotate returned %+v", got)
				}
				checkStored(t, s, old)
				checkStored(t, s, taken)
				if rot.New.ID != taken.ID && rot.New.ID != old.ID {
					checkAbsent(t, s, rot.New.ID)
				}
			})
		}
	})
}
