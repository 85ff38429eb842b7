package apikey_test

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

func TestServiceRecordsTheActor(t *testing.T) {
	e := newEnv(t)
	alice := apikey.Actor{ID: "u_1", Name: "Alice", Addr: "192.0.2.1"}
	ctx := apikey.WithActor(context.Background(), alice)
	k, _, err := e.svc.Create(ctx, apikey.CreateParams{OrgID: "org1", Name: "n", Permission: apikey.Read})
	if err != nil {
		t.Fatal(err)
	}
	if want := (apikey.Actor{ID: "u_1", Name: "Alice"}); k.CreatedBy != want {
		t.Errorf("CreatedBy %+v, want %+v (no address on the key)", k.CreatedBy, want)
	}
	e.clock.Advance(time.Second)
	nk, _, err := e.svc.Rotate(ctx, apikey.RotateParams{OrgID: "org1", ID: k.ID, Grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	// A plain call without an actor records the zero Actor.
	if _, err := e.svc.Revoke(context.Background(), "org1", nk.ID); err != nil {
		t.Fatal(err)
	}
	page, err := e.svc.Events(context.Background(), "org1", apikey.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []apikey.Event{
		{At: t0.Add(2 * time.Second), OrgID: "org1", KeyID: nk.ID, Action: apikey.KeyRevoked},
		{At: t0.Add(time.Second), OrgID: "org1", KeyID: k.ID, Action: apikey.KeyRotated, Actor: alice, NewKeyID: nk.ID},
		{At: t0, OrgID: "org1", KeyID: k.ID, Action: apikey.KeyCreated, Actor: alice},
	}
	if d := cmp.Diff(want, page.Events, cmpopts.IgnoreFields(apikey.Event{}, "ID")); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	if page.NextCursor != "" {
		t.Errorf("NextCursor %q on the only page", page.NextCursor)
	}
}

func TestServiceEventPages(t *testing.T) {
	e := newEnv(t)
	var want []string
	for range 5 {
		k, _ := e.key("org1")
		want = append([]string{k.ID}, want...)
		e.clock.Advance(time.Second)
	}
	var got []string
	opt := apikey.ListOptions{Limit: 2}
	for range 10 {
		page, err := e.svc.Events(context.Background(), "org1", opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page.Events {
			got = append(got, ev.KeyID)
		}
		if page.NextCursor == "" {
			break
		}
		opt.Cursor = page.NextCursor
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("newest first, every event once (-want +got):\n%s", d)
	}
	for _, c := range []string{"x", "ZS4z", strings.Repeat("A", 200)} {
		if _, err := e.svc.Events(context.Background(), "org1", apikey.ListOptions{Cursor: c}); !errors.Is(err, apikey.ErrInvalidArgument) {
			t.Errorf("cursor %q: %v, want ErrInvalidArgument", c, err)
		}
	}
	if _, err := e.svc.Events(context.Background(), "bad org", apikey.ListOptions{}); !errors.Is(err, apikey.ErrInvalidArgument) {
		t.Errorf("bad org: %v", err)
	}
}

func TestActorIsCut(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("é", 150) // 300 bytes
	ctx := apikey.WithActor(context.Background(), apikey.Actor{ID: long, Name: long + "\xff", Addr: long})
	k, _, err := e.svc.Create(ctx, apikey.CreateParams{OrgID: "org1", Name: "n", Permission: apikey.Read})
	if err != nil {
		t.Fatal(err)
	}
	if len(k.CreatedBy.ID) > 200 || len(k.CreatedBy.Name) > 200 || !strings.HasPrefix(long, k.CreatedBy.Name) {
		t.Errorf("CreatedBy not cut to 200 bytes on a rune boundary: %d, %d bytes", len(k.CreatedBy.ID), len(k.CreatedBy.Name))
	}
}

func TestRotateTwiceIsRefused(t *testing.T) {
	e := newEnv(t)
	k, token := e.key("org1")
	nk, _, err := e.svc.Rotate(context.Background(), apikey.RotateParams{OrgID: "org1", ID: k.ID, Grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.svc.Rotate(context.Background(), apikey.RotateParams{OrgID: "org1", ID: k.ID, Grace: 24 * time.Hour})
	if !errors.Is(err, apikey.ErrAlreadyRotated) {
		t.Fatalf("second Rotate: %v, want ErrAlreadyRotated", err)
	}
	old, err := e.svc.Get(context.Background(), "org1", k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !old.RotatedAt.Equal(t0) || !old.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("old key after a refused second rotation: rotated %v, expires %v", old.RotatedAt, old.ExpiresAt)
	}
	// The principal of the old key says it was rotated and when it ends.
	p, err := e.auth(token)
	if err != nil {
		t.Fatal(err)
	}
	if !p.RotatedAt.Equal(t0) || !p.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("principal of the rotated key: rotated %v, expires %v", p.RotatedAt, p.ExpiresAt)
	}
	// The replacement can be rotated in turn.
	if _, _, err := e.svc.Rotate(context.Background(), apikey.RotateParams{OrgID: "org1", ID: nk.ID, Grace: time.Hour}); err != nil {
		t.Errorf("rotating the replacement: %v", err)
	}
}

// Another Service sharing the store learns of the rotation through its
// change feed.
func TestRotationReachesOtherServices(t *testing.T) {
	e := newEnv(t)
	k, token := e.key("org1")
	other := e.sibling()
	other.sync()
	if p, err := other.auth(token); err != nil || !p.RotatedAt.IsZero() {
		t.Fatalf("before rotation: %+v %v", p, err)
	}
	if _, _, err := e.svc.Rotate(context.Background(), apikey.RotateParams{OrgID: "org1", ID: k.ID, Grace: time.Hour}); err != nil {
		t.Fatal(err)
	}
	other.sync()
	p, err := other.auth(token)
	if err != nil {
		t.Fatal(err)
	}
	if !p.RotatedAt.Equal(t0) || !p.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("the other Service's principal: rotated %v, expires %v", p.RotatedAt, p.ExpiresAt)
	}
}
