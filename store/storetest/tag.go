package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// testTag checks Record.Tag and Store.SetTag: the tag comes back exactly as
// given, a row without one (as written before tags existed) comes back with
// the empty tag, SetTag changes that key's tag and nothing else, and it is
// not a change of status for the change feed.
func testTag(t *testing.T, s apikey.Store) {
	const org = "tyrell"

	t.Run("round trip", func(t *testing.T) {
		for _, tt := range []struct{ desc, tag string }{
			{"none, as in rows written before tags", ""},
			{"short", "t1:x"},
			{"longest", "t1:" + strings.Repeat("Az09-_.:", 7) + "0123."},
		} {
			t.Run(tt.desc, func(t *testing.T) {
				r := newRecord(org, later(-time.Hour))
				r.Tag = tt.tag
				mustCreate(t, s, r)
				checkStored(t, s, r)
			})
		}
	})

	t.Run("SetTag changes that key's tag and nothing else", func(t *testing.T) {
		tagless, other := newRecord(org, later(-time.Hour)), newRecord(org, later(-time.Hour))
		tagless.Tag = ""
		tagless.ExpiresAt = later(time.Hour)
		mustCreate(t, s, tagless, other)
		_, cursor, err := s.Changes(t.Context(), "")
		if err != nil {
			t.Fatalf("Changes: %v", err)
		}
		for _, tag := range []string{"t1:first", "t1:second", "t1:second"} {
			if err := s.SetTag(t.Context(), tagless.ID, tag); err != nil {
				t.Fatalf("SetTag(%s, %q): %v", tagless.ID, tag, err)
			}
			want := tagless
			want.Tag = tag
			checkStored(t, s, want)
		}
		checkStored(t, s, other)
		keys, err := s.List(t.Context(), apikey.ListQuery{OrgID: org, Limit: 100})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		for _, k := range keys {
			if k.ID == tagless.ID {
				checkKey(t, "List after SetTag", k, tagless.Key)
			}
		}
		changes, _ := drain(t, s, cursor)
		if c, ok := changes[tagless.ID]; ok {
			t.Errorf("SetTag is in the change feed: %+v", c)
		}
	})

	t.Run("SetTag of a missing key is ErrNotFound", func(t *testing.T) {
		r := newRecord(org, later(-time.Hour))
		mustCreate(t, s, r)
		for _, tt := range []struct{ desc, id string }{
			{"unknown id", newID()},
			{"stored id in other case", flipCase(r.ID)},
			{"prefix of a stored id", r.ID[:11]},
		} {
			t.Run(tt.desc, func(t *testing.T) {
				checkErr(t, "SetTag of "+tt.desc, s.SetTag(t.Context(), tt.id, "t1:x"), apikey.ErrNotFound)
				checkAbsent(t, s, tt.id)
			})
		}
		checkStored(t, s, r)
	})

	t.Run("Rotate stores the new key's tag", func(t *testing.T) {
		old := newRecord(org, later(-time.Hour))
		mustCreate(t, s, old)
		next := newRecord(org, now)
		if _, err := s.Rotate(t.Context(), apikey.Rotation{OrgID: org, OldID: old.ID, Now: now, GraceUntil: later(time.Hour), New: next}); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		checkStored(t, s, next)
		if got := mustGet(t, s, old.ID); got.Tag != old.Tag {
			t.Errorf("Rotate changed the old key's tag to %q, want %q", got.Tag, old.Tag)
		}
	})
}
