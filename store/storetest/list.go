package storetest

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

func testList(t *testing.T, s apikey.Store) {
	ctx := t.Context()
	const org, other, empty = "globex", "globex-2", "globex-empty"
	t0 := time.Date(2025, time.January, 2, 3, 4, 5, 600001000, time.UTC)
	t1 := t0.Add(time.Microsecond)
	t2 := t0.Add(time.Second)
	t3 := t0.Add(365 * 24 * time.Hour)

	// Several keys share a CreatedAt, with ids that differ only in case
	// or sort differently bytewise and case-insensitively: List orders by
	// (CreatedAt, ID) with ids compared bytewise.
	var want []apikey.Key
	var recs []apikey.Record
	add := func(created time.Time, id string) {
		r := newRecord(org, created)
		if id != "" {
			r = withID(r, id)
		}
		recs = append(recs, r)
	}
	add(t0, "ListAbcdef01")
	add(t0, "listAbcdef01")
	add(t0, "LISTabcdef01")
	add(t0, "0000listZZZZ")
	add(t0, "zzzzzzzzzzzz")
	add(t0, "")
	add(t1, "")
	add(t1, "")
	add(t2, "Bbbbbbbbbbbb")
	add(t2, "aaaaaaaaaaaa")
	add(t3, "")
	add(time.Date(2001, time.January, 1, 0, 0, 0, 1000, time.UTC), "")
	add(time.Date(2099, time.December, 31, 23, 59, 59, 999999000, time.UTC), "")
	recs[1].Permission = apikey.Write
	recs[2].ExpiresAt = t3
	// Insertion order must not matter.
	rand.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	for i, r := range recs {
		mustCreate(t, s, r)
		// Another organization's keys at the same instants, interleaved.
		o := newRecord(other, r.CreatedAt)
		if i%2 == 0 {
			o = withID(o, flipCase(r.ID))
		}
		mustCreate(t, s, o)
	}
	// Changed keys are listed with their changes.
	if _, err := s.Revoke(ctx, org, recs[3].ID, t3); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	recs[3].RevokedAt = t3
	if err := s.RecordUse(ctx, []apikey.Use{{ID: recs[4].ID, At: t3.Add(time.Microsecond)}}); err != nil {
		t.Fatalf("RecordUse: %v", err)
	}
	recs[4].LastUsedAt = t3.Add(time.Microsecond)
	for _, r := range recs {
		want = append(want, r.Key)
	}
	sortKeys(want)

	t.Run("all keys of one organization in order", func(t *testing.T) {
		got, err := s.List(ctx, apikey.ListQuery{OrgID: org, Limit: 1000})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		checkKeys(t, "List(Limit 1000)", got, want)
	})

	t.Run("limit equal to the number of keys", func(t *testing.T) {
		got, err := s.List(ctx, apikey.ListQuery{OrgID: org, Limit: len(want)})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		checkKeys(t, fmt.Sprintf("List(Limit %d)", len(want)), got, want)
	})

	for _, limit := range []int{1, 2, 7} {
		t.Run(fmt.Sprintf("pages of %d", limit), func(t *testing.T) {
			var after apikey.Position
			seen := map[string]bool{}
			for page := 0; ; page++ {
				if page > len(want)+1 {
					t.Fatalf("no empty page after %d pages", page)
				}
				got, err := s.List(ctx, apikey.ListQuery{OrgID: org, After: after, Limit: limit})
				if err != nil {
					t.Fatalf("page %d: List: %v", page, err)
				}
				start := min(page*limit, len(want))
				checkKeys(t, fmt.Sprintf("page %d of %d", page, limit), got, want[start:min(start+limit, len(want))])
				if len(got) == 0 {
					break
				}
				for _, k := range got {
					if seen[k.ID] {
						t.Errorf("page %d: key %s listed twice", page, k.ID)
					}
					seen[k.ID] = true
				}
				last := got[len(got)-1]
				after = apikey.Position{CreatedAt: last.CreatedAt, ID: last.ID}
			}
			for _, k := range want {
				if !seen[k.ID] {
					t.Errorf("key %s never listed", k.ID)
				}
			}
		})
	}

	t.Run("after positions that are not keys", func(t *testing.T) {
		for _, tt := range []struct {
			desc  string
			after apikey.Position
		}{
			{"before every key", apikey.Position{CreatedAt: time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC), ID: "zzzzzzzzzzzz"}},
			{"shared instant, empty id", apikey.Position{CreatedAt: t0}},
			{"shared instant, id between two keys", apikey.Position{CreatedAt: t0, ID: "M"}},
			{"shared instant, id after all its keys", apikey.Position{CreatedAt: t0, ID: "zzzzzzzzzzzzz"}},
			{"one microsecond before an instant", apikey.Position{CreatedAt: t2.Add(-time.Microsecond), ID: "zzzzzzzzzzzz"}},
			{"last key", apikey.Position{CreatedAt: want[len(want)-1].CreatedAt, ID: want[len(want)-1].ID}},
			{"after every key", apikey.Position{CreatedAt: time.Date(2100, time.January, 1, 0, 0, 0, 0, time.UTC)}},
		} {
			t.Run(tt.desc, func(t *testing.T) {
				var exp []apikey.Key
				for _, k := range want {
					if isAfter(k, tt.after) {
						exp = append(exp, k)
					}
				}
				got, err := s.List(ctx, apikey.ListQuery{OrgID: org, After: tt.after, Limit: 1000})
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				checkKeys(t, "List", got, exp)
			})
		}
	})

	t.Run("organization without keys", func(t *testing.T) {
		for _, o := range []string{empty, "GLOBEX", "globe", "globex%", "globex_", "%"} {
			got, err := s.List(ctx, apikey.ListQuery{OrgID: o, Limit: 100})
			if err != nil {
				t.Fatalf("List(%s): %v", o, err)
			}
			if len(got) != 0 {
				t.Errorf("List(%q) = %v, want no keys", o, ids(got))
			}
		}
	})

	t.Run("other organization sees only its keys", func(t *testing.T) {
		got, err := s.List(ctx, apikey.ListQuery{OrgID: other, Limit: 1000})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if len(got) != len(want) {
			t.Errorf("List(%s) = %d keys, want %d", other, len(got), len(want))
		}
		for _, k := range got {
			if k.OrgID != other {
				t.Errorf("List(%s) includes %s of %q", other, k.ID, k.OrgID)
			}
		}
	})
}
