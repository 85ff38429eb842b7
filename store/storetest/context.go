package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// testCancelledContext checks that a store never reports success for a
// call whose context is already done, and that such a call changes
// nothing. The error must not be a sentinel such as ErrNotFound either: the
// Service would then call a good key invalid instead of unavailable.
func testCancelledContext(t *testing.T, s apikey.Store) {
	const org = "cyberdyne"
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel2()

	for _, c := range []struct {
		desc string
		ctx  context.Context
	}{
		{"cancelled", cancelled},
		{"deadline exceeded", expired},
	} {
		t.Run(c.desc, func(t *testing.T) {
			r := newRecord(org, later(-time.Hour))
			mustCreate(t, s, r)
			_, cursor, err := s.Changes(t.Context(), "")
			if err != nil {
				t.Fatalf("Changes: %v", err)
			}
			fresh := newRecord(org, now)
			next := newRecord(org, now)
			for _, tt := range []struct {
				method string
				call   func(ctx context.Context) error
			}{
				{"Create", func(ctx context.Context) error { return s.Create(ctx, fresh) }},
				{"Get", func(ctx context.Context) error { _, err := s.Get(ctx, r.ID); return err }},
				{"List", func(ctx context.Context) error {
					_, err := s.List(ctx, apikey.ListQuery{OrgID: org, Limit: 10})
					return err
				}},
				{"Revoke", func(ctx context.Context) error { _, err := s.Revoke(ctx, org, r.ID, now); return err }},
				{"Rotate", func(ctx context.Context) error {
					_, err := s.Rotate(ctx, apikey.Rotation{OrgID: org, OldID: r.ID, Now: now, GraceUntil: later(time.Hour), New: next})
					return err
				}},
				{"SetTag", func(ctx context.Context) error { return s.SetTag(ctx, r.ID, "t1:cancelled") }},
				{"RecordUse", func(ctx context.Context) error {
					return s.RecordUse(ctx, []apikey.Use{{ID: r.ID, At: now}})
				}},
				{"Changes from a cursor", func(ctx context.Context) error { _, _, err := s.Changes(ctx, cursor); return err }},
				{"Changes from now", func(ctx context.Context) error { _, _, err := s.Changes(ctx, ""); return err }},
			} {
				t.Run(tt.method, func(t *testing.T) {
					var err error
					noPanic(t, tt.method, func() { err = tt.call(c.ctx) })
					if err == nil {
						t.Errorf("%s with a %s context succeeded; want an error", tt.method, c.desc)
					}
					for _, sentinel := range []error{apikey.ErrNotFound, apikey.ErrAlreadyExists, apikey.ErrKeyRevoked, apikey.ErrKeyExpired} {
						if errors.Is(err, sentinel) {
							t.Errorf("%s with a %s context: error %v matches %v", tt.method, c.desc, err, sentinel)
						}
					}
				})
			}
			checkStored(t, s, r)
			checkAbsent(t, s, fresh.ID)
			checkAbsent(t, s, next.ID)
		})
	}
}
