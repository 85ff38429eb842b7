package memstore

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// The change log is trimmed in bulk: with keep 3, the sixth change trims it
// to changes 4-6, so cursor "3" is still complete and older ones expire.
func TestChangesTrimmed(t *testing.T) {
	ctx := t.Context()
	s := &Store{keep: 3}
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	var ids []string
	for i := range 6 {
		id := fmt.Sprintf("trimmed%05d", i)
		ids = append(ids, id)
		if err := s.Create(ctx, apikey.Record{Key: apikey.Key{ID: id, OrgID: "acme", CreatedAt: at}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, cursor, err := s.Changes(ctx, ""); err != nil || cursor != "0" {
		t.Fatalf(`Changes("") = cursor %q, %v; want "0"`, cursor, err)
	}
	for _, id := range ids {
		if _, err := s.Revoke(ctx, "acme", id, at); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.changes) != 3 {
		t.Errorf("log holds %d changes after trimming, want 3", len(s.changes))
	}

	for _, tt := range []struct {
		desc    string
		cursor  string
		wantIDs []string
		wantErr error
	}{
		{"cursor before the kept changes", "2", nil, apikey.ErrCursorExpired},
		{"first cursor", "0", nil, apikey.ErrCursorExpired},
		{"cursor just before the kept changes", "3", ids[3:], nil},
		{"cursor inside the kept changes", "5", ids[5:], nil},
		{"current cursor", "6", []string{}, nil},
		{"cursor from the future", "7", nil, apikey.ErrInvalidArgument},
		{"not a number", "six", nil, apikey.ErrInvalidArgument},
		{"negative", "-1", nil, apikey.ErrInvalidArgument},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			changes, next, err := s.Changes(ctx, tt.cursor)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("Changes(%q) error %v, want %v", tt.cursor, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Changes(%q): %v", tt.cursor, err)
			}
			var got []string
			for _, c := range changes {
				got = append(got, c.ID)
				if !c.RevokedAt.Equal(at) {
					t.Errorf("change of %s: RevokedAt %v, want %v", c.ID, c.RevokedAt, at)
				}
			}
			if !slices.Equal(got, tt.wantIDs) {
				t.Errorf("Changes(%q) = %v, want %v", tt.cursor, got, tt.wantIDs)
			}
			if next != "6" {
				t.Errorf("Changes(%q) cursor %q, want \"6\"", tt.cursor, next)
			}
		})
	}
}
