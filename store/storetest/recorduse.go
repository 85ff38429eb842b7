package storetest

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driive/keyauth/apikey"
)

func testRecordUse(t *testing.T, s apikey.Store) {
	ctx := t.Context()
	const org = "soylent"

	t.Run("moves LastUsedAt forward only", func(t *testing.T) {
		r := newRecord(org, later(-time.Hour))
		r.ExpiresAt = later(time.Hour)
		mustCreate(t, s, r)
		for _, tt := range []struct {
			desc string
			at   time.Time
			want time.Time
		}{
			{"first use sets it", now, now},
			{"later use moves it", later(time.Microsecond), later(time.Microsecond)},
			{"older use leaves it", later(-time.Hour), later(time.Microsecond)},
			{"same use leaves it", later(time.Microsecond), later(time.Microsecond)},
			{"much later use moves it", later(10 * 365 * 24 * time.Hour), later(10 * 365 * 24 * time.Hour)},
		} {
			t.Run(tt.desc, func(t *testing.T) {
				if err := s.RecordUse(ctx, []apikey.Use{{ID: r.ID, At: tt.at}}); err != nil {
					t.Fatalf("RecordUse: %v", err)
				}
				r.LastUsedAt = tt.want
				checkStored(t, s, r)
			})
		}
	})

	t.Run("latest of several uses of one key in a batch wins", func(t *testing.T) {
		r := newRecord(org, later(-time.Hour))
		mustCreate(t, s, r)
		uses := []apikey.Use{{ID: r.ID, At: later(2 * time.Second)}, {ID: r.ID, At: later(5 * time.Second)}, {ID: r.ID, At: later(3 * time.Second)}}
		if err := s.RecordUse(ctx, uses); err != nil {
			t.Fatalf("RecordUse: %v", err)
		}
		r.LastUsedAt = later(5 * time.Second)
		checkStored(t, s, r)
	})

	t.Run("unknown ids are skipped", func(t *testing.T) {
		r := newRecord(org, later(-time.Hour))
		mustCreate(t, s, r)
		unknown := []string{newID(), flipCase(r.ID), r.ID[:11], ""}
		uses := []apikey.Use{{ID: unknown[0], At: now}, {ID: r.ID, At: now}, {ID: unknown[1], At: now}, {ID: unknown[2], At: now}, {ID: unknown[3], At: now}}
		if err := s.RecordUse(ctx, uses); err != nil {
			t.Fatalf("RecordUse: %v", err)
		}
		r.LastUsedAt = now
		checkStored(t, s, r)
		for _, id := range unknown {
			checkAbsent(t, s, id)
		}
	})

	t.Run("empty batch", func(t *testing.T) {
		for _, uses := range [][]apikey.Use{nil, {}} {
			if err := s.RecordUse(ctx, uses); err != nil {
				t.Errorf("RecordUse(%#v): %v", uses, err)
			}
		}
	})

	t.Run("revoked key keeps its revocation", func(t *testing.T) {
		r := newRecord(org, later(-time.Hour))
		mustCreate(t, s, r)
		if _, err := s.Revoke(ctx, org, r.ID, later(-time.Minute)); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		r.RevokedAt = later(-time.Minute)
		if err := s.RecordUse(ctx, []apikey.Use{{ID: r.ID, At: later(-2 * time.Minute)}}); err != nil {
			t.Fatalf("RecordUse: %v", err)
		}
		r.LastUsedAt = later(-2 * time.Minute)
		checkStored(t, s, r)
	})

	t.Run("batch of 2500 uses", func(t *testing.T) {
		// 100 keys used five times each and 2,000 unknown ids, shuffled:
		// more rows, distinct ids and parameters than one statement of
		// most databases takes, so a store must split the batch.
		const keys, perKey, unknown = 100, 5, 2000
		recs := make([]apikey.Record, keys)
		for i := range recs {
			recs[i] = newRecord(org+"-batch", later(-time.Hour))
		}
		createConcurrently(t, s, recs)
		var uses []apikey.Use
		for i, r := range recs {
			for j := range perKey {
				// The latest use of key i is a different one of its five
				// for each i, and lies i microseconds after the others'.
				d := time.Duration((j+i)%perKey) * time.Second
				uses = append(uses, apikey.Use{ID: r.ID, At: later(d + time.Duration(i)*time.Microsecond)})
			}
		}
		for range unknown {
			uses = append(uses, apikey.Use{ID: newID(), At: later(time.Hour)})
		}
		rand.Shuffle(len(uses), func(i, j int) { uses[i], uses[j] = uses[j], uses[i] })
		if len(uses) != 2500 {
			t.Fatalf("built %d uses, want 2500", len(uses))
		}
		if err := s.RecordUse(ctx, uses); err != nil {
			t.Fatalf("RecordUse(%d uses): %v", len(uses), err)
		}
		wrong := 0
		for i, r := range recs {
			r.LastUsedAt = later(time.Duration(perKey-1)*time.Second + time.Duration(i)*time.Microsecond)
			got := mustGet(t, s, r.ID)
			if d := cmp.Diff(r.Key, got.Key, exactTimes); d != "" {
				if wrong++; wrong <= 5 {
					t.Errorf("key #%d %s differs (-want +got):\n%s", i, r.ID, d)
				}
			}
		}
		if wrong > 5 {
			t.Errorf("%d of %d keys wrong", wrong, keys)
		}
	})
}
